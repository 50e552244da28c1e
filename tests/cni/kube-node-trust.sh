#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What kube-node trusts: state files only when they are regular files of
# root or of the network's worker user, writable by their owner only, and
# reached through no link but the supervisor's; never a special-purpose
# range from them; dataDir and logFile only in their documented places,
# never through a symbolic link. Refusals fail ADD with a CNI error and
# never block or fail DEL.
. "$top_srcdir/tests/tap.sh"

need timeout mkfifo
hostlocal_dir=/usr/lib/cni
if [ ! -x "$hostlocal_dir/host-local" ]; then
	[ "${CI:-}" = true ] && bail "no $hostlocal_dir/host-local"
	skip_all "no $hostlocal_dir/host-local (containernetworking-plugins)"
fi
[ "$(id -u)" -eq 0 ] || skip_all "needs root (files of other owners)"

kube_node=$top_builddir/plugin/kube-node
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xcni-trust.XXXXXX") || bail "mktemp"
run=/run/xcni-trust.$$
logf=/var/log/xcni-trust.$$.log
# Where a plugin that followed its config anywhere would write.
etc=/etc/xcni-trust.$$
trap 'rm -rf "$tmp" "$run" "$logf" "$etc" "$etc.log"' EXIT
trap 'exit 1' INT TERM HUP
# The places for dataDir and logFile are the documented ones only, but for
# the cases that need a scratch directory, which say so.
places=$tmp
unset KUBE_NODE_DIRS

state=$tmp/state
data=$run/ipam
mkdir -p "$state"
chmod 755 "$tmp" "$state"

# conf [IPAM-MEMBERS]: the network config; the first of duplicate keys
# counts, so the members given come first.
conf() {
	printf '{"cniVersion":"1.0.0","name":"xcluster","type":"bridge","ipam":{"type":"kube-node"%s,"stateDir":"%s","dataDir":"%s"}}' \
	    "${1:+,$1}" "$state" "$data"
}

# state_file FILE CIDRS-JSON, written by lib/statefile as the worker writes it
state_file() {
	# shellcheck disable=SC2046 # one word per CIDR
	"$top_builddir/tests/cni/state-file" xcluster node-1 - - \
	    $(printf '%s' "$2" | tr -d '[]"' | tr ',' ' ') >"$1" ||
	    bail "state-file failed"
	chmod 644 "$1"
}

# kn CMD CONF [VAR=VALUE...]: kube-node with a 10 s limit (a FIFO must not
# hang it); sets rc, $tmp/out, $tmp/err.
kn() {
	cmd=$1
	printf '%s' "$2" >"$tmp/in"
	shift 2
	env CNI_COMMAND="$cmd" CNI_CONTAINERID="${id:-c1}" \
	    CNI_NETNS=/run/netns/none CNI_IFNAME=eth0 \
	    CNI_PATH="$hostlocal_dir" "$@" \
	    timeout 10 "$kube_node" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	# The evidence, ending in a newline (host-local's output does not),
	# so that the next TAP line starts a line.
	{ cat "$tmp/out"; echo; } >"$tmp/stdout"
}

# refused DESC CODE WORDS CMD CONF [VAR=VALUE...]: ADD (or CMD) fails
# with the CNI error CODE, whose details contain WORDS.
refused() {
	desc=$1
	code=$2
	words=$3
	shift 3
	kn "$@"
	if [ "$rc" -eq 1 ] && grep -Eqx '\{"cniVersion":"1.0.0","code":'"$code"',"msg":"[^"]+","details":".+"\}' \
	    "$tmp/out" && grep -qF -- "$words" "$tmp/out"; then
		ok "$desc: code $code"
	else
		not_ok "$desc: code $code with \"$words\" (exit $rc)" \
		    "$tmp/stdout" "$tmp/err"
	fi
}

# deleted DESC CONF [VAR=VALUE...]: DEL succeeds, quietly on stdout.
deleted() {
	desc=$1
	shift
	kn DEL "$@"
	if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ]; then
		ok "$desc: DEL succeeds"
	else
		not_ok "$desc: DEL succeeds (exit $rc)" "$tmp/stdout" "$tmp/err"
	fi
}

# added DESC GLOB CONF [VAR=VALUE...]: ADD succeeds with addresses GLOB.
added() {
	desc=$1
	glob=$2
	shift 2
	kn ADD "$@"
	got=$(grep -o '"address": *"[^"]*"' "$tmp/out" | cut -d'"' -f4 |
	    tr '\n' ' ')
	# shellcheck disable=SC2254 # the glob is the point
	case $rc:$got in
	0:$glob) ok "$desc" ;;
	*) not_ok "$desc (exit $rc, addresses: $got)" "$tmp/stdout" "$tmp/err" ;;
	esac
}

net='"network":"xcluster"'
good='["198.18.1.0/24"]'

# --- state files: what they are and who owns them --------------------------
state_file "$state/xcluster.json" "$good"
added "a root-owned 0644 state file is used" '198.18.1.* ' "$(conf "$net")"
id=c2

rm "$state/xcluster.json"
mkfifo "$state/xcluster.json"
refused "a FIFO as the state file does not hang ADD" 5 "not a regular file" \
    ADD "$(conf "$net")"
deleted "a FIFO as the state file" "$(conf "$net")"
kn ADD "$(conf)"
check "a FIFO found by the search is skipped, not read (exit $rc)" \
    grep -q "xcluster.json: not a regular file, skipped" "$tmp/err"
rm "$state/xcluster.json"

state_file "$state/xcluster.json" "$good"
chmod 666 "$state/xcluster.json"
refused "a world-writable state file" 5 "writable by group or others" \
    ADD "$(conf "$net")"
deleted "a world-writable state file" "$(conf "$net")"
chmod 664 "$state/xcluster.json"
refused "a group-writable state file" 5 "writable by group or others" \
    ADD "$(conf "$net")"
chmod 644 "$state/xcluster.json"

chown 65534 "$state/xcluster.json"
refused "a state file of another user than the directory's owner" 5 \
    "owned by uid 65534, neither root nor its directory's owner (uid 0)" \
    ADD "$(conf "$net")"
deleted "a state file of another user" "$(conf "$net")"
chown 0 "$state/xcluster.json"

chmod 777 "$state"
refused "a world-writable state directory" 5 "directory is writable" \
    ADD "$(conf "$net")"
chmod 755 "$state"

mv "$state/xcluster.json" "$tmp/elsewhere.json"
ln -s "$tmp/elsewhere.json" "$state/xcluster.json"
refused "a state file linked elsewhere" 5 \
    "a symbolic link to $tmp/elsewhere.json; only one to xcluster/xcluster.json is followed" \
    ADD "$(conf "$net")"
deleted "a state file linked elsewhere" "$(conf "$net")"

# The supervisor's layout: a root link to NET/NET.json in the directory
# it gave the worker's user.
rm "$state/xcluster.json"
mkdir -m 755 "$state/xcluster"
chown 65534:65534 "$state/xcluster"
mv "$tmp/elsewhere.json" "$state/xcluster/xcluster.json"
chown 65534 "$state/xcluster/xcluster.json"
ln -s xcluster/xcluster.json "$state/xcluster.json"
added "the supervisor's link to the worker's file is followed" \
    '198.18.1.* ' "$(conf "$net")"
kn ADD "$(conf)" CNI_CONTAINERID=c3
check "and found by the search" test "$rc" -eq 0
chown 65533 "$state/xcluster/xcluster.json"
refused "a file in the worker's directory of a third user" 5 \
    "owned by uid 65533, neither root nor its directory's owner (uid 65534)" \
    ADD "$(conf "$net")"
chown 65534 "$state/xcluster/xcluster.json"
mv "$state/xcluster/xcluster.json" "$tmp/real.json"
ln -s "$tmp/real.json" "$state/xcluster/xcluster.json"
refused "the worker's file a link" 5 "xcluster/xcluster.json: a symbolic link" \
    ADD "$(conf "$net")"
rm "$state/xcluster/xcluster.json"
mkfifo "$state/xcluster/xcluster.json"
refused "the worker's file a FIFO" 5 "not a regular file" ADD "$(conf "$net")"
deleted "the worker's file a FIFO" "$(conf "$net")"
rm -r "$state/xcluster"
mkdir -m 755 "$tmp/xdir"
mv "$tmp/real.json" "$tmp/xdir/xcluster.json"
ln -s "$tmp/xdir" "$state/xcluster"
refused "the worker's directory a link" 5 "$state/xcluster: not a directory" \
    ADD "$(conf "$net")"
rm "$state/xcluster" "$state/xcluster.json"

# --- special-purpose ranges ----------------------------------------------
for cidrs in 127.0.0.0/8 0.0.0.0/1 128.0.0.0/1 169.254.0.0/16 224.0.0.0/4 \
    255.255.255.255/32 ::1/128 fe80::/64 ff02::/16 ::/0; do
	state_file "$state/xcluster.json" "[\"$cidrs\",\"198.18.1.0/24\"]"
	refused "a state file holding $cidrs, first" 6 "cidrs: $cidrs " \
	    ADD "$(conf "$net")"
done
deleted "a state file holding a special range" "$(conf "$net")"
state_file "$state/xcluster.json" '["198.18.1.0/24","fd00:1::/64"]'
added "the private and benchmarking ranges stay usable" \
    '198.18.1.* fd00:1::* ' "$(conf "$net")" CNI_CONTAINERID=c4

# --- dataDir and logFile ---------------------------------------------------
# outside KEY PATH: KEY (dataDir below /var/lib/cni or /run, logFile below
# /var/log) at PATH fails ADD, PATH is not created, and DEL succeeds.
outside() {
	refused "$1 outside its places" 7 "ipam.$1: \\\"$2\\\" is not allowed" \
	    ADD "$(conf "$net,\"$1\":\"$2\"")"
	check "and $2 was not created" test ! -e "$2"
	deleted "$1 outside its places" "$(conf "$net,\"$1\":\"$2\"")"
}

outside dataDir "$etc"
refused "dataDir with .." 7 "not allowed" \
    ADD "$(conf "$net,\"dataDir\":\"/run/..$etc\"")"
refused "dataDir relative" 7 "not allowed" \
    ADD "$(conf "$net,\"dataDir\":\"run/x\"")"
refused "dataDir /run itself" 7 "not allowed" \
    ADD "$(conf "$net,\"dataDir\":\"/run\"")"
added "dataDir below /run is used" '198.18.1.* ' "$(conf "$net")" \
    CNI_CONTAINERID=c5
check "and holds the allocation" grep -rq "^c5" "$data/xcluster"

mkdir -p "$tmp/real"
ln -s "$tmp/real" "$tmp/link"
refused "dataDir through a symbolic link" 7 "$tmp/link is a symbolic link" \
    ADD "$(conf "$net,\"dataDir\":\"$tmp/link/ipam\"")" KUBE_NODE_DIRS=$places
check "and nothing was written behind the link" test ! -e "$tmp/real/ipam"
refused "dataDir outside KUBE_NODE_DIRS too" 7 "not allowed" \
    ADD "$(conf "$net,\"dataDir\":\"$etc\"")" \
    KUBE_NODE_DIRS=/nonexistent:$places

outside logFile "$etc.log"
check "DEL says why it ignored it" grep -q "logFile.*ignored" "$tmp/err"
: >"$tmp/target"
ln -s "$tmp/target" "$tmp/kn.log"
refused "logFile a symbolic link" 7 "$tmp/kn.log is a symbolic link" \
    ADD "$(conf "$net,\"logFile\":\"$tmp/kn.log\"")" KUBE_NODE_DIRS=$places
check "and the link's target is untouched" test ! -s "$tmp/target"
refused "logFile in a linked directory" 7 "$tmp/link is a symbolic link" \
    ADD "$(conf "$net,\"logFile\":\"$tmp/link/kn.log\"")" KUBE_NODE_DIRS=$places
mkfifo "$tmp/fifo.log"
refused "logFile a FIFO does not hang" 7 "not a regular file" \
    ADD "$(conf "$net,\"logFile\":\"$tmp/fifo.log\"")" KUBE_NODE_DIRS=$places
added "logFile below /var/log is used" '198.18.1.* ' \
    "$(conf "$net,\"logFile\":\"$logf\",\"logLevel\":\"debug\"")" \
    CNI_CONTAINERID=c6
check "and holds the log lines" grep -q "ADD xcluster container c6" "$logf"

done_testing
