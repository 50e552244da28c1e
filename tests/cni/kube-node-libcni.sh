#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# kube-node under a real runtime library: libcni (via cnitool) runs bridge,
# kube-node and host-local inside network namespaces this test creates.
. "$top_srcdir/tests/cni/lib.sh"

plugins=/usr/lib/cni
need_root
need_path "$plugins/bridge" "$plugins/host-local"
# The Go configure found (make check passes it on), else the one on PATH.
GO=${GO:-go}
need "$GO"
gopath=/usr/share/gocode
need_path "$gopath/src/github.com/containernetworking/cni/libcni"

pfx=xcni-t-$$-cni
cleanup_hooks='for n in $(ip netns list | sed -n "s/^\($pfx-[^ ]*\).*/\1/p"); do ip netns del "$n"; done'
run=$tmp/run			# stands in for /run
state=$run/xcni
mkdir -p "$state" "$tmp/cache"

cnitool=$top_builddir/tests/cni/cnitool
mkdir -p "${cnitool%/*}"
check "cnitool builds against Debian's libcni ($("$GO" env GOVERSION) at $GO)" \
    env GOCACHE="$top_builddir/tests/cni/.gocache" GO111MODULE=off GOPATH="$gopath" \
    GOTOOLCHAIN=local GOFLAGS= "$GO" build -o "$cnitool" \
    "$top_srcdir/tests/cni/cnitool.go"
[ -x "$cnitool" ] || bail "no cnitool"

ip netns add "$pfx-node" && ip -n "$pfx-node" link set lo up ||
    bail "cannot create a network namespace"

# cni CMD CONF POD [ID [FLAGS...]]: cnitool in the node namespace; the pod
# namespace is created on first use. Output in $tmp/out, status in rc.
cni() {
	cmd=$1 conf=$2 pod=$pfx-$3 id=${4:-$3}
	shift 3
	[ $# -gt 0 ] && shift
	[ -e "/run/netns/$pod" ] || ip netns add "$pod"
	ip netns exec "$pfx-node" env CNI_PATH="$top_builddir/plugin:$plugins" \
	    "$cnitool" -cache "$tmp/cache" "$@" "$cmd" "$tmp/$conf" \
	    "/run/netns/$pod" "$id" >"$tmp/out" 2>&1
	rc=$?
}

# addrs POD [DEV]: the pod's global addresses, space-terminated.
addrs() {
	ip -n "$pfx-$1" -o addr show dev "${2:-eth0}" scope global 2>/dev/null |
	    awk '{ printf "%s ", $4 }'
}

# expect DESC GLOB VALUE: ok when VALUE matches GLOB.
expect() {
	# shellcheck disable=SC2254 # the glob is the point
	case $3 in
	$2) ok "$1" ;;
	*) not_ok "$1"; echo "# got: $3"; diag "$tmp/out" ;;
	esac
}

released() { ! grep -rqx "$2" "$run/ipam/$1" 2>/dev/null; }

# The primary network as the supervisor writes it.
state_file "$state" xcluster null '["198.18.1.0/24","fd00:1::/64"]'
cat >"$tmp/xcluster.conflist" <<EOF
{"cniVersion":"1.0.0","name":"xcluster","plugins":[{"type":"bridge",
"bridge":"cbr0","isGateway":true,"isDefaultGateway":true,"hairpinMode":true,
"mtu":1400,"ipam":{"type":"kube-node","network":"xcluster",
"stateDir":"$state","dataDir":"$run/ipam/xcluster"}}]}
EOF
# A Multus NetworkAttachmentDefinition of upstream's form (its kubeconfig is
# never read: the state file answers).
state_file "$state" net3 '"cidr.example.com/net3"' '["198.19.3.0/24","fd00:3::/64"]'
cat >"$tmp/net3.conf" <<EOF
{"cniVersion":"0.4.0","name":"net3","type":"bridge","bridge":"br3",
"isDefaultGateway":false,"ipam":{"type":"kube-node",
"annotation":"cidr.example.com/net3","kubeconfig":"/nonexistent/kubeconfig",
"stateDir":"$state","dataDir":"$run/ipam/net3"}}
EOF
state_file "$state" v4 '"cidr.example.com/v4"' '["198.19.4.0/24"]'
state_file "$state" v6 '"cidr.example.com/v6"' '["fd00:6::/64"]'
for net in v4 v6; do
	cat >"$tmp/$net.conflist" <<EOF
{"cniVersion":"1.0.0","name":"$net","plugins":[{"type":"bridge",
"bridge":"br$net","isGateway":true,"ipam":{"type":"kube-node",
"annotation":"cidr.example.com/$net","stateDir":"$state",
"dataDir":"$run/ipam/$net","ipv4-namespaces":["old-application"]}}]}
EOF
done

# Runtimes set IgnoreUnknown: bridge and host-local refuse unknown args.
old_app="IgnoreUnknown=1;K8S_POD_NAMESPACE=old-application"
other_app="IgnoreUnknown=1;K8S_POD_NAMESPACE=default"
cat >"$tmp/ns.conflist" <<EOF
{"cniVersion":"1.0.0","name":"ns","plugins":[{"type":"bridge",
"bridge":"brns","isGateway":true,"ipam":{"type":"kube-node","network":"net3",
"stateDir":"$state","dataDir":"$run/ipam/ns",
"ipv4-namespaces":["old-application"]}}]}
EOF

cni add xcluster.conflist p1
expect "primary conflist: ADD gives an address of each node range" \
    "0:198.18.1.*/24 fd00:1::*/64 " "$rc:$(addrs p1)"
expect "primary conflist: the pod has the MTU and the default route" \
    "1400 via 198.18.1.1 " \
    "$(ip -n "$pfx-p1" -o link show eth0 | sed -n 's/.* mtu \([0-9]*\) .*/\1/p') $(ip -n "$pfx-p1" route show default | awk '{ printf "%s %s ", $2, $3 }')"
cni check xcluster.conflist p1
expect "primary conflist: CHECK succeeds" 0 "$rc"

cni add net3.conf p1 p1 -ifname net1
expect "Multus-style secondary conf with annotation: ADD" \
    "0:198.19.3.*/24 fd00:3::*/64 " "$rc:$(addrs p1 net1)"
cni check net3.conf p1 p1 -ifname net1
expect "secondary conf: CHECK succeeds" 0 "$rc"

cni add v4.conflist p2 p2 -args "$old_app"
expect "IPv4-only range: ADD gives only an IPv4 address" \
    "0:198.19.4.*/24 " "$rc:$(addrs p2)"
cni check v4.conflist p2 p2 -args "$old_app"
expect "IPv4-only range: CHECK succeeds" 0 "$rc"
cni add v6.conflist p3
expect "IPv6-only range: ADD gives only an IPv6 address" \
    "0:fd00:6::*/64 " "$rc:$(addrs p3)"
cni check v6.conflist p3
expect "IPv6-only range: CHECK succeeds" 0 "$rc"

cni add v4.conflist p4 p4 -args "$other_app"
expect "ipv4-namespaces: an unlisted namespace on an IPv4-only network fails" \
    "1:*ipv4-namespaces*" "$rc:$(cat "$tmp/out")"
cni add ns.conflist p7 p7 -args "$other_app"
expect "ipv4-namespaces: an unlisted namespace gets IPv6 only" \
    "0:fd00:3::*/64 " "$rc:$(addrs p7)"
cni add ns.conflist p6 p6 -args "$old_app"
expect "ipv4-namespaces: a listed namespace gets both families" \
    "0:198.19.3.*/24 fd00:3::*/64 " "$rc:$(addrs p6)"

cni del net3.conf p1 p1 -ifname net1
expect "secondary conf: DEL" "0:" "$rc:$(addrs p1 net1 2>/dev/null)"
cni del xcluster.conflist p1
expect "primary conflist: DEL removes the interface and releases" "0:0" \
    "$rc:$(ip -n "$pfx-p1" -o link show eth0 2>/dev/null | wc -l)"
check "primary conflist: the addresses are released" released xcluster p1
cni del xcluster.conflist p1
expect "DEL twice succeeds" 0 "$rc"

cni add xcluster.conflist p5
rm "$state/xcluster.json"
cni del xcluster.conflist p5
expect "DEL with the state file gone succeeds" 0 "$rc"
check "DEL with the state file gone releases the addresses" released xcluster p5

done_testing
