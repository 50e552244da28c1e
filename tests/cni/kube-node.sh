#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# kube-node driven directly, as a runtime would (environment + stdin):
# error classes and their codes, range selection, ipv4-namespaces,
# delegation pass-through (kube-node becomes host-local), parallel ADDs, DEL
# without state.
. "$top_srcdir/tests/cni/lib.sh"

hostlocal_dir=/usr/lib/cni
need_path "$hostlocal_dir/host-local"

state=$tmp/state
data=$tmp/data
mkdir -p "$state" "$data"
path=$hostlocal_dir

# conf [IPAM-MEMBERS]: a network config; $ver and $name override.
conf() {
	# The first of duplicate keys counts, so the members given come first.
	printf '{"cniVersion":"%s","name":"%s","type":"bridge","ipam":{"type":"kube-node"%s,"stateDir":"%s","dataDir":"%s"}}' \
	    "${ver:-1.0.0}" "${name:-xcluster}" "${1:+,$1}" "$state" "$data"
}

# kn CMD CONF [VAR=VALUE...]: run kube-node; sets rc, $tmp/out, $tmp/err.
kn() {
	cmd=$1
	printf '%s' "$2" >"$tmp/in"
	shift 2
	env CNI_COMMAND="$cmd" CNI_CONTAINERID="${id:-c1}" \
	    CNI_NETNS=/run/netns/none CNI_IFNAME=eth0 CNI_PATH="$path" \
	    "$@" "$kube_node" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect_error DESC CODE CMD CONF [VAR=VALUE...]: a non-zero exit and the
# CNI error object (as kube-node's serializer writes it) with CODE.
expect_error() {
	desc=$1
	code=$2
	shift 2
	kn "$@"
	if [ "$rc" -ne 0 ] && grep -Eqx '\{"cniVersion":"[0-9.]+","code":'"$code"',"msg":"[^"]+","details":".+"\}' \
	    "$tmp/out"; then
		ok "$desc gives code $code"
	else
		not_ok "$desc gives code $code (exit $rc)"
		diag "$tmp/out" "$tmp/err"
	fi
}

# addresses FILE: the addresses of a result, space-terminated.
addresses() {
	grep -o '"address": *"[^"]*"' "$1" | cut -d'"' -f4 | tr '\n' ' '
}

# expect_add DESC GLOB CONF [VAR=VALUE...]: ADD succeeds and the result's
# addresses match GLOB.
expect_add() {
	desc=$1
	glob=$2
	shift 2
	kn ADD "$@"
	got=$(addresses "$tmp/out")
	# shellcheck disable=SC2254 # the glob is the point
	case $rc:$got in
	0:$glob) ok "$desc" ;;
	*)	not_ok "$desc (exit $rc)"
		echo "# addresses: $got"
		diag "$tmp/out" "$tmp/err" ;;
	esac
}

v4='198.18.1.*/24'
v6='fd00:1::*/64'

state_file "$state" xcluster null '["198.18.1.0/24","fd00:1::/64"]'
state_file "$state" net3 '"cidr.example.com/net3"' '["198.19.3.0/24"]'
state_file "$state" net6 '"cidr.example.com/net6"' '["fd00:6::/64"]'

# --- VERSION and the supported versions ---------------------------------
kn VERSION ''
check "VERSION lists 0.3.0 to 1.1.0" test "$rc:$(cat "$tmp/out")" = \
    '0:{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}'
for v in 0.3.0 0.3.1 0.4.0 1.0.0; do
	kn ADD "$(ver=$v conf)" CNI_CONTAINERID="v$v"
	check "ADD with cniVersion $v" grep -q "\"cniVersion\": \"$v\"" "$tmp/out"
done

# --- range selection ------------------------------------------------------
expect_add "primary network: dual-stack from the state file without annotation" \
    "$v4 $v6 " "$(conf)"
check "stdout holds only the result, stderr nothing" test ! -s "$tmp/err"
expect_add "network key selects its state file" \
    '198.19.3.*/24 ' "$(name=other conf '"network":"net3"')" CNI_CONTAINERID=k1
expect_add "annotation key finds the network (IPv4 only)" \
    '198.19.3.*/24 ' "$(name=nad3 conf '"annotation":"cidr.example.com/net3"')" CNI_CONTAINERID=k2
expect_add "annotation key finds the network (IPv6 only)" \
    'fd00:6::*/64 ' \
    "$(name=nad6 conf '"annotation":"cidr.example.com/net6"')" CNI_CONTAINERID=k3
state_file "$state" second null '["198.18.2.0/24"]'
expect_add "of two primary state files, the one named like the network wins" \
    "$v4 $v6 " "$(conf)" CNI_CONTAINERID=k4
expect_error "two primary state files, neither named like the network" 7 \
    ADD "$(name=third conf)"
rm "$state/second.json"
echo '{"network":' >"$state/broken.json"
expect_add "a broken state file of another network is skipped" \
    "$v4 $v6 " "$(conf)" CNI_CONTAINERID=k5
rm "$state/broken.json"

# --- ipv4-namespaces ------------------------------------------------------
nsconf=$(conf '"ipv4-namespaces":["old-application"]')
expect_add "ipv4-namespaces: a listed namespace gets both families" \
    "$v4 $v6 " "$nsconf" CNI_CONTAINERID=n1 \
    CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=old-application;K8S_POD_NAME=p"
expect_add "ipv4-namespaces: another namespace gets IPv6 only" \
    "$v6 " "$nsconf" CNI_CONTAINERID=n2 \
    CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=default"
expect_add "ipv4-namespaces: no namespace in CNI_ARGS gets IPv6 only" \
    "$v6 " "$nsconf" CNI_CONTAINERID=n3
expect_error "ipv4-namespaces leaving an IPv4-only network no range" 7 \
    ADD "$(conf '"network":"net3","ipv4-namespaces":[]')" \
    CNI_ARGS="K8S_POD_NAMESPACE=default"

# --- DEL --------------------------------------------------------------------
ip_files() { grep -rlx "$1" "$data/xcluster" 2>/dev/null | wc -l; }
kn ADD "$(conf)" CNI_CONTAINERID=d1
kn DEL "$(conf)" CNI_CONTAINERID=d1
check "DEL releases the addresses" test "$rc:$(ip_files d1)" = 0:0
kn DEL "$(conf)" CNI_CONTAINERID=d1
check "DEL twice succeeds" test "$rc:$(cat "$tmp/out")" = 0:
kn ADD "$(conf)" CNI_CONTAINERID=d2
mv "$state/xcluster.json" "$tmp/saved.json"
kn DEL "$(conf)" CNI_CONTAINERID=d2
check "DEL with the state file gone succeeds and releases" \
    test "$rc:$(ip_files d2)" = 0:0
kn ADD "$(conf '"network":"xcluster"')" CNI_CONTAINERID=d3
check "ADD with the state file gone fails" test "$rc" -ne 0
mv "$tmp/saved.json" "$state/xcluster.json"
kn ADD "$(conf)" CNI_CONTAINERID=d4
kn DEL "$(conf '"stateDir":"/nonexistent"')" CNI_CONTAINERID=d4
check "DEL with the state dir gone succeeds and releases" \
    test "$rc:$(ip_files d4)" = 0:0
kn DEL "$(conf '"network":"net3"')" CNI_CONTAINERID=d5 \
    CNI_NETNS= CNI_ARGS="K8S_POD_NAMESPACE=default"
check "DEL needs no CNI_NETNS" sh -c "test $rc -eq 0 || cat '$tmp/out' '$tmp/err'"

# --- 50 ADDs in parallel ------------------------------------------------------
i=0
while [ $i -lt 50 ]; do
	printf '%s' "$(conf)" | env CNI_COMMAND=ADD CNI_CONTAINERID="par$i" \
	    CNI_NETNS=/run/netns/none CNI_IFNAME=eth0 CNI_PATH="$path" \
	    "$kube_node" >"$tmp/par.$i" 2>&1 &
	i=$((i + 1))
done
wait
for f in "$tmp"/par.*; do addresses "$f"; echo; done >"$tmp/par"
check "50 parallel ADDs get 50 distinct addresses of each family" test \
    "$(sort -u "$tmp/par" | grep -Ec '^198\.18\.1\.[0-9]+/24 fd00:1::[0-9a-f]+/64 $'):$(tr ' ' '\n' <"$tmp/par" | sort -u | grep -c .)" = 50:100

# --- GC and STATUS -------------------------------------------------------------
ver=1.1.0 kn GC "$(ver=1.1.0 conf)"
check "GC with a host-local without GC does nothing and succeeds" \
    test "$rc:$(cat "$tmp/out")" = 0:
ver=1.1.0 kn STATUS "$(ver=1.1.0 conf)"
check "STATUS succeeds when the ranges are known" test "$rc" -eq 0

# --- delegation passes host-local's output through ----------------------------
fake=$tmp/fake
mkdir -p "$fake"
cat >"$fake/host-local" <<EOF
#!/bin/sh
cat >"$fake/stdin.\$CNI_COMMAND"
if [ "\$CNI_COMMAND" = VERSION ]; then
	echo '{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}'
	exit 0
fi
printf 'fake stdout'
echo 'fake stderr' >&2
exit 42
EOF
chmod +x "$fake/host-local"
path=/nonexistent:$fake:$hostlocal_dir
kn ADD "$(conf '"routes":[{"dst":"0.0.0.0/0"}],"extra":1')"
check "host-local's stdout, stderr and exit code pass through" \
    test "$rc:$(cat "$tmp/out"):$(cat "$tmp/err")" = "42:fake stdout:fake stderr"
check "host-local gets one range set per CIDR, dataDir, routes and the rest" \
    test "$(cat "$fake/stdin.ADD")" = '{"cniVersion":"1.0.0","name":"xcluster","type":"bridge","ipam":{"type":"host-local","ranges":[[{"subnet":"198.18.1.0/24"}],[{"subnet":"fd00:1::/64"}]],"dataDir":"'"$data"'","routes":[{"dst":"0.0.0.0/0"}]}}'
ver=1.1.0 kn GC "$(ver=1.1.0 conf)"
check "GC is delegated to a host-local that supports 1.1.0" \
    test "$rc:$(cat "$tmp/out")" = "42:fake stdout" -a -s "$fake/stdin.GC"
path=$hostlocal_dir

# --- kube-node becomes host-local ------------------------------------------------
# The fake says which process it is, who started it and whether it ignores
# SIGPIPE (signal 13: bit 0x1000 of SigIgn).
cat >"$fake/host-local" <<EOF
#!/bin/sh
if [ "\$CNI_COMMAND" = VERSION ]; then
	echo '{"cniVersion":"1.1.0","supportedVersions":["1.0.0","1.1.0"]}'
	exit 0
fi
cat >"$fake/stdin.\$CNI_COMMAND"
ign=\$(sed -n 's/^SigIgn:[[:space:]]*//p' /proc/\$\$/status)
echo "\$\$ \$PPID \$((0x\$ign & 0x1000))" >"$fake/who.\$CNI_COMMAND"
EOF
# kn_pid CMD CONF [VAR=VALUE...]: kn, and $pid the process the runtime started.
kn_pid() {
	cmd=$1
	printf '%s' "$2" >"$tmp/in"
	shift 2
	env CNI_COMMAND="$cmd" CNI_CONTAINERID=x1 CNI_NETNS=/run/netns/none \
	    CNI_IFNAME=eth0 CNI_PATH="$path" "$@" "$kube_node" \
	    <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait "$pid"
	rc=$?
}
path=$fake
for c in ADD DEL CHECK; do
	kn_pid "$c" "$(conf)"
	check "$c: host-local runs in kube-node's process, the runtime its parent, SIGPIPE not ignored" \
	    test "$rc:$(cat "$fake/who.$c" 2>&1)" = "0:$pid $$ 0"
done
check "CHECK: host-local gets the rewritten config" \
    grep -q '"ranges":\[\[{"subnet":"198.18.1.0/24"}\]' "$fake/stdin.CHECK"
ver=1.1.0 kn_pid GC "$(ver=1.1.0 conf)"
check "GC: after asking VERSION, host-local runs in kube-node's process" \
    test "$rc:$(cat "$fake/who.GC" 2>&1)" = "0:$pid $$ 0"
printf 'not a program\n' >"$fake/host-local"
expect_error "a host-local that cannot be executed" 5 ADD \
    "$(conf "\"logFile\":\"$tmp/exec.log\"")"
check "and its error is logged in the logFile, not on the runtime's stderr" \
    sh -c "test ! -s '$tmp/err' && grep -q 'running a plugin failed: $fake/host-local: Exec format error' '$tmp/exec.log'"
path=$hostlocal_dir

# --- logging --------------------------------------------------------------------
kn ADD "$(conf)" CNI_CONTAINERID=l1 LOG_LEVEL=debug
check "LOG_LEVEL=debug logs on stderr, stdout stays the result" sh -c \
    "grep -q '^kube-node: debug: ' '$tmp/err' && test '$(head -c1 "$tmp/out")' = '{'"
kn ADD "$(conf "\"logFile\":\"$tmp/kn.log\",\"loglevel\":\"debug\"")" \
    CNI_CONTAINERID=l2
check "logFile takes the log lines" sh -c \
    "test $rc -eq 0 && test ! -s '$tmp/err' && grep -q 'debug: ADD' '$tmp/kn.log'"
kn ADD "$(conf "\"logfile\":\"$tmp/kn.log\"")" CNI_CONTAINERID=l3
check "upstream's logfile key is accepted" test "$rc" -eq 0

# --- error classes --------------------------------------------------------------
good=$(conf)
expect_error "no CNI_COMMAND" 4 "" "$good"
expect_error "unknown CNI_COMMAND" 4 FROB "$good"
expect_error "no CNI_CONTAINERID" 4 ADD "$good" CNI_CONTAINERID=
expect_error "no CNI_NETNS on ADD" 4 ADD "$good" CNI_NETNS=
expect_error "no CNI_IFNAME" 4 DEL "$good" CNI_IFNAME=
expect_error "no CNI_PATH" 4 ADD "$good" CNI_PATH=
expect_error "no host-local on CNI_PATH" 4 ADD "$good" CNI_PATH=/nonexistent
expect_error "config not JSON" 6 ADD '{"cniVersion":'
expect_error "config a JSON list" 6 ADD '[]'
expect_error "text after the config" 6 ADD "$good x"
expect_error "cniVersion 0.2.0" 1 ADD "$(ver=0.2.0 conf)"
expect_error "cniVersion 9.9.9" 1 ADD "$(ver=9.9.9 conf)"
expect_error "ipam.ranges given" 2 ADD "$(conf '"ranges":[[{"subnet":"10.0.0.0/8"}]]')"
expect_error "ipam.subnet given" 2 ADD "$(conf '"subnet":"10.0.0.0/8"')"
expect_error "no cniVersion" 7 ADD '{"name":"x","ipam":{}}'
expect_error "cniVersion not a string" 7 ADD '{"cniVersion":1,"name":"x","ipam":{}}'
expect_error "no name" 7 ADD '{"cniVersion":"1.0.0","ipam":{}}'
expect_error "no ipam" 7 ADD '{"cniVersion":"1.0.0","name":"x"}'
expect_error "ipam not an object" 7 ADD '{"cniVersion":"1.0.0","name":"x","ipam":"kube-node"}'
expect_error "dataDir not a string" 7 ADD "$(conf '"dataDir":1')"
expect_error "network with a slash" 7 ADD "$(conf '"network":"../etc/x"')"
expect_error "annotation empty" 7 ADD "$(conf '"annotation":""')"
expect_error "ipv4-namespaces not a list" 7 ADD "$(conf '"ipv4-namespaces":"a"')"
expect_error "ipv4-namespaces item not a string" 7 ADD "$(conf '"ipv4-namespaces":[1]')"
expect_error "stateDir relative" 7 ADD "$(conf '"stateDir":"run/xcni"')"
expect_error "loglevel unknown" 7 ADD "$(conf '"loglevel":"loud"')"
expect_error "routes not a list" 7 ADD "$(conf '"routes":{}')"
touch "$tmp/file"
expect_error "stateDir a file" 5 ADD "$(conf "\"stateDir\":\"$tmp/file\"")"
mkdir "$state/dir.json"
expect_error "state file a directory" 5 ADD "$(conf '"network":"dir"')"
rmdir "$state/dir.json"
echo '{"network":"bad","node":"n","annotation":null,"cidrs":["x"]}' >"$state/bad.json"
expect_error "state file with a bad CIDR" 6 ADD "$(conf '"network":"bad"')"
echo '{"network":"bad","node":' >"$state/bad.json"
expect_error "state file not JSON" 6 ADD "$(conf '"network":"bad"')"
rm "$state/bad.json"
expect_error "no state file" 11 ADD "$(conf '"network":"absent"')"
state_file "$state" empty null '[]'
expect_error "state file without CIDRs" 11 ADD "$(conf '"network":"empty"')"
ver=1.1.0 expect_error "STATUS without ranges" 50 STATUS \
    "$(ver=1.1.0 conf '"network":"absent"')"

done_testing
