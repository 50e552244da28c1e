#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# ADD+DEL latency through libcni of bridge + kube-node (+ host-local) versus
# bridge + host-local with the ranges written in the config: what kube-node
# adds to a pod start. Run as root; bench/run runs it as benchmark 6:
#   BUILD=DIR [CNITOOL=PROGRAM] [ROUNDS=R] sh bench/kube-node.sh [PODS]
# BUILD is a build directory (default: the current one); without CNITOOL the
# libcni driver is built here. The two setups run in halves, A-B-B-A, so
# that a change of the machine's load hits both alike; ROUNDS (default 1)
# repeats that with PODS/ROUNDS pods each, for a machine whose load changes
# faster. Each part prints "SETUP add|del n=N median_ms=M p99_ms=P".
# Everything happens in network namespaces made here; kube-node may keep its
# dataDir in the scratch directory (KUBE_NODE_DIRS).
set -eu

pods=${1:-200}
rounds=${ROUNDS:-1}
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$(pwd)}
plugins=/usr/lib/cni
[ -x "$build/plugin/kube-node" ] || { echo "$build: no plugin/kube-node" >&2; exit 1; }

tmp=$(mktemp -d /tmp/xcni-bench.XXXXXX)
ns=xcni-t-$$-bench
trap 'ip netns del "$ns-node" 2>/dev/null; ip netns del "$ns-pods" 2>/dev/null; rm -rf "$tmp"' EXIT
cnitool=${CNITOOL:-}
if [ -z "$cnitool" ]; then
	cnitool=$tmp/cnitool
	GOCACHE=$tmp/go-cache GO111MODULE=off GOPATH=/usr/share/gocode \
	    go build -o "$cnitool" "$top/tests/cni/cnitool.go"
fi
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

part=$(((pods + 2 * rounds - 1) / (2 * rounds)))
round=0
while [ "$round" -lt "$rounds" ]; do
	for conf in host-local kube-node kube-node host-local; do
		ip netns exec "$ns-node" env CNI_PATH="$build/plugin:$plugins" \
		    KUBE_NODE_DIRS="$tmp" "$cnitool" -cache "$tmp/cache-$conf" \
		    bench "$tmp/$conf.conflist" "/run/netns/$ns-pods" "$part" |
		    sed "s/^/$conf /"
	done
	round=$((round + 1))
done
