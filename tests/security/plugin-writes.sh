#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# kube-node, with host-local as its delegate, writes nothing outside its
# dataDir: every file system change of ADD, CHECK, DEL (with and without
# the worker's state file) and STATUS, as strace sees them.
. "$top_srcdir/tests/cni/lib.sh"

hostlocal_dir=/usr/lib/cni
need_path "$hostlocal_dir/host-local"
need strace

state=$tmp/state
data=$tmp/data
mkdir -p "$state" "$data"
state_file "$state" xcluster null '["198.18.1.0/24","fd00:1::/64"]'

# run CMD VERSION [STATE-DIR]: kube-node under strace; its and its
# delegate's file system calls are appended to $tmp/trace.
run() {
	printf '{"cniVersion":"%s","name":"xcluster","type":"bridge","ipam":{"type":"kube-node","stateDir":"%s","dataDir":"%s"}%s}' \
	    "$2" "${3:-$state}" "$data" "${prev:+,\"prevResult\":$prev}" \
	    >"$tmp/in"
	# LeakSanitizer cannot run under ptrace; the other suites find leaks.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	    CNI_COMMAND=$1 CNI_CONTAINERID=c1 CNI_NETNS=/run/netns/none \
	    CNI_IFNAME=eth0 CNI_PATH=$hostlocal_dir \
	    strace -f -qq -e trace=%file,truncate,ftruncate -o "$tmp/t" \
	    "$kube_node" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	cat "$tmp/t" >>"$tmp/trace"
}

run ADD 1.0.0
check "ADD succeeds" [ "$rc" = 0 ]
prev=$(cat "$tmp/out")
run CHECK 1.0.0
check "CHECK succeeds" [ "$rc" = 0 ]
prev=
run DEL 1.0.0
check "DEL succeeds" [ "$rc" = 0 ]
run DEL 1.0.0 "$tmp/no-state"
check "DEL without a state file succeeds" [ "$rc" = 0 ]
run STATUS 1.1.0
check "STATUS succeeds" [ "$rc" = 0 ]

# The calls that succeeded and may change something: creating, writing,
# removing, renaming, linking, changing modes. Each path must be in dataDir.
grep -v '= -1 ' "$tmp/trace" |
    grep -E '^[0-9]+ +((open|openat|openat2)\(.*(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC)|(creat|mkdir|rename|unlink|rmdir|link|symlink|f?chmod|f?chown|l?chown|truncate|mknod|utime|utimes|utimensat)(at2?)?\()' |
    grep -oE '"[^"]*"' | tr -d '"' | sort -u >"$tmp/paths"
grep -vE "^($data/|/dev/null\$)" "$tmp/paths" >"$tmp/outside"
check "the calls were seen" grep -q "^$data/" "$tmp/paths"
if [ -s "$tmp/outside" ]; then
	not_ok "nothing written outside dataDir" "$tmp/outside"
else
	ok "nothing written outside dataDir"
fi
done_testing
