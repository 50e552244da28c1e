#!/bin/sh
# ADD+DEL latency through libcni of bridge + kube-node (+ host-local) versus
# bridge + host-local with the ranges written in the config: what kube-node
# adds to a pod start. Run as root from a build directory:
#   sh ../bench/kube-node.sh [PODS]
# Everything happens in a network namespace made here.
set -eu

pods=${1:-200}
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(pwd)
plugins=/usr/lib/cni
[ -x "$build/plugin/kube-node" ] || { echo "run from a build directory" >&2; exit 1; }

tmp=$(mktemp -d /tmp/xcni-bench.XXXXXX)
ns=xcni-t-$$-bench
trap 'ip netns del "$ns-node" 2>/dev/null; ip netns del "$ns-pods" 2>/dev/null; rm -rf "$tmp"' EXIT
GOCACHE=$tmp/go-cache GO111MODULE=off GOPATH=/usr/share/gocode \
    go build -o "$tmp/cnitool" "$top/tests/cni/cnitool.go"
ip netns add "$ns-node"
ip netns add "$ns-pods"
ip -n "$ns-node" link set lo up

mkdir -p "$tmp/state"
echo '{"network":"bench","node":"node-1","annotation":null,"cidrs":["198.18.0.0/16","fd00:b::/64"],"resourceVersion":"1"}' \
    >"$tmp/state/bench.json"
bridge='"type":"bridge","bridge":"cbr0","isGateway":true,"mtu":1500'
echo "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"plugins\":[{$bridge,
\"ipam\":{\"type\":\"kube-node\",\"stateDir\":\"$tmp/state\",\"dataDir\":\"$tmp/ipam-kn\"}}]}" \
    >"$tmp/kube-node.conflist"
echo "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"plugins\":[{$bridge,
\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"$tmp/ipam-hl\",
\"ranges\":[[{\"subnet\":\"198.18.0.0/16\"}],[{\"subnet\":\"fd00:b::/64\"}]]}}]}" \
    >"$tmp/host-local.conflist"

for conf in host-local kube-node; do
	echo "# bridge + $conf, $pods pods, ADD then DEL each"
	ip netns exec "$ns-node" env CNI_PATH="$build/plugin:$plugins" \
	    "$tmp/cnitool" -cache "$tmp/cache-$conf" bench \
	    "$tmp/$conf.conflist" "/run/netns/$ns-pods" "$pods"
done
