#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The route policy against hostile Node objects, with the default
# settings: xcni-worker in a network namespace of its own (node-1,
# 192.0.2.1/24 and 2001:db8::1/64 on eth0), the fake API server in another
# one at 203.0.113.10, reached over a /24 route as a real one would be.
# Nodes claim the default route in halves, the API server's address, the
# node network, special-purpose ranges and the own address, or give
# nexthops that are not foreign unicast: none of it is installed or tried,
# each refusal is logged once with the node and the reason, honest nodes
# keep their routes, and the watch goes on. Also: the own Node missing,
# the node's addresses changing, and a Node's text that would forge a log
# line.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/worker/lib.sh"

need_root
need python3 curl openssl ip

FP= WP= WP2= WP3=
PIDVARS="FP WP WP2 WP3"
netns_test policy
API_NS=xcni-t-$$-papi
netns_add "$API_NS"
now_ms() { date +%s%3N; }

# --- the world -----------------------------------------------------------
node_link || bail "node link"
ip -n "$NS" link add up0 type veth peer name up1 netns "$API_NS" &&
    ip -n "$NS" addr add 198.51.100.1/32 dev up0 &&
    ip -n "$NS" link set up0 up &&
    ip -n "$NS" route add 203.0.113.0/24 dev up0 src 198.51.100.1 &&
    ip -n "$API_NS" addr add 203.0.113.10/24 dev up1 &&
    ip -n "$API_NS" link set up1 up &&
    ip -n "$API_NS" route add 198.51.100.1/32 dev up1 ||
    bail "the API server's link"

# name, podCIDRs, InternalIPs: node-1 is the own node, node-2 and node-16
# are honest, every other one attacks.
python3 - >"$T/nodes.json" <<'EOF'
import json, sys
nodes = [
    ("node-1", ["198.18.0.0/24", "fd00::/64"], ["192.0.2.1", "2001:db8::1"]),
    ("node-2", ["198.18.2.0/24", "fd00:0:0:2::/64"], ["192.0.2.2", "2001:db8::2"]),
    ("node-3", ["0.0.0.0/1"], ["192.0.2.3"]),
    ("node-14", ["128.0.0.0/1"], ["192.0.2.14"]),
    ("node-4", ["203.0.113.10/32"], ["192.0.2.4"]),
    ("node-5", ["192.0.2.0/25", "2001:db8::/65"], ["192.0.2.5", "2001:db8::5"]),
    ("node-6", ["169.254.0.0/16", "fe80::/10"], ["192.0.2.6", "2001:db8::6"]),
    ("node-7", ["224.0.0.0/4", "::1/128"], ["192.0.2.7", "2001:db8::7"]),
    ("node-8", ["127.0.0.0/8"], ["192.0.2.8"]),
    ("node-9", ["192.0.2.1/32"], ["192.0.2.9"]),
    ("node-10", ["198.18.10.0/24"], ["127.0.0.1"]),
    ("node-11", ["198.18.11.0/24", "fd00:0:0:b::/64"], ["192.0.2.1", "::"]),
    ("node-12", ["198.18.12.0/24"], ["0.0.0.0"]),
    ("node-13", ["198.18.13.0/24"], ["255.255.255.255"]),
    ("node-15", ["198.18.15.0/24"], ["224.0.0.1"]),
    ("node-16", ["198.18.16.0/24", "fd00:0:0:10::/64"], ["192.0.2.16", "2001:db8::10"]),
]
items = []
for i, (name, cidrs, addrs) in enumerate(nodes):
    items.append({"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": name, "creationTimestamp": "2026-01-01T00:00:%02dZ" % i},
        "spec": {"podCIDRs": cidrs},
        "status": {"addresses": [{"type": "InternalIP", "address": a}
                                 for a in addrs]}})
json.dump({"kind": "NodeList", "apiVersion": "v1", "items": items}, sys.stdout)
EOF
echo "tok-1" >"$T/token"
ip netns exec "$API_NS" python3 "$FAKE" --listen 203.0.113.10:0 \
    --san 203.0.113.10 --nodes-file "$T/nodes.json" --cert-dir "$T/certs" \
    --token-file "$T/token" --kubeconfig-out "$T/kc" --kubeconfig-token-file \
    >"$T/url" 2>"$T/fake.log" &
FP=$!
wait_for 200 test -s "$T/url" || bail "the fake API server did not start"
URL=$(cat "$T/url")

# The test's own requests, from the API server's namespace.
api() {	# api METHOD PATH [JSON]
	ip netns exec "$API_NS" curl -sS --fail-with-body \
	    --cacert "$T/certs/ca.crt" -H "Authorization: Bearer $(cat "$T/token")" \
	    -X "$1" -H 'Content-Type: application/merge-patch+json' \
	    ${3:+-d "$3"} "$URL$2" >"$T/api.out" 2>&1 ||
	    { note "api $1 $2 failed: $(head -c 300 "$T/api.out")"; return 1; }
}

# Waits up to TIMEOUT ms until the routes of protocol 202 are the lines
# of WANT; else shows the difference.
routes_are() {	# routes_are TIMEOUT_MS WANT-FILE
	deadline=$(($(now_ms) + $1))
	until gateways 202 >"$T/have" && cmp -s "$2" "$T/have"; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diff "$2" "$T/have"
			return 1
		fi
		sleep 0.05
	done
}

wait_log() {	# wait_log LOG PATTERN COUNT TIMEOUT_MS
	deadline=$(($(now_ms) + $4))
	while [ "$(grep -c -- "$2" "$1")" -lt "$3" ]; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# Exactly COUNT lines of LOG match PATTERN (grep -E).
lines() {	# lines LOG PATTERN COUNT
	got=$(grep -cE -- "$2" "$1")
	[ "$got" = "$3" ] && return 0
	echo "want $3 lines matching: $2; got $got:"
	grep -E -- "$2" "$1"
	return 1
}

HONEST="198.18.16.0/24 192.0.2.16
198.18.2.0/24 192.0.2.2
fd00:0:0:10::/64 2001:db8::10
fd00:0:0:2::/64 2001:db8::2"
echo "$HONEST" >"$T/honest"

# --- the attacks at the first list ---------------------------------------
ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$T/kc" LOG_LEVEL=debug \
    "$WORKER" --state-dir "$T/state" </dev/null >/dev/null 2>"$T/worker.log" &
WP=$!
check "honest nodes routed; nothing of the attackers installed" \
    routes_are 20000 "$T/honest"
wait_log "$T/worker.log" "listed at resourceVersion" 1 5000

W=$T/worker.log
# node, then what its one warning must say.
while read -r node why; do
	check "$node refused once: $why" \
	    lines "$W" "warning: node $node: no routes: .*refused: $why" 1
done <<'EOF'
node-3 0.0.0.0/1 is shorter than min-prefix-v4 8
node-14 128.0.0.0/1 is shorter than min-prefix-v4 8
node-4 203.0.113.10/32 overlaps the API server's address
node-5 192.0.2.0/25 overlaps an address of this node.*2001:db8::/65 overlaps an address of this node
node-6 169.254.0.0/16 overlaps the link-local range.*fe80::/10 is shorter than min-prefix-v6 32
node-7 224.0.0.0/4 is shorter than min-prefix-v4 8.*::1/128 overlaps the loopback range
node-8 127.0.0.0/8 overlaps the loopback range
node-9 192.0.2.1/32 overlaps an address of this node
node-10 nexthop 127.0.0.1 is loopback
node-11 nexthop 192.0.2.1 is an address of this node.*nexthop :: is unspecified
node-12 nexthop 0.0.0.0 is "this network"
node-13 nexthop 255.255.255.255 is limited broadcast
node-15 nexthop 224.0.0.1 is multicast
EOF
check "the API server's address is protected" \
    grep -q "API server address 203.0.113.10: no route may cover it" "$W"
# The table asks netlink only for what passed: the honest routes, once.
check "only the honest routes were ever asked of the kernel" \
    lines "$W" "route .*: wanted" 4
check "no route operation failed" lines "$W" "routes: .*(fail|retry)" 0

# --- the attacks through the watch ---------------------------------------
api PATCH /api/v1/nodes/node-2 '{"spec":{"podCIDRs":["192.0.2.128/25","2001:db8::8000:0:0:0/65"]}}'
sed '/192.0.2.2$/d; /2001:db8::2$/d' "$T/honest" >"$T/want"
check "node-2 moves into the node network: its routes go within 1 s" \
    routes_are 1000 "$T/want"
check "... refused once, with node and reason" lines "$W" \
    "warning: node node-2: no routes: refused: 192.0.2.128/25 overlaps a prefix on this node's links, 192.0.2.0/24; refused: 2001:db8:0:0:8000::/65 overlaps a prefix on this node's links, 2001:db8::/64" 1
api PATCH /api/v1/nodes/node-3 '{"metadata":{"labels":{"touched":"1"}}}'
api PATCH /api/v1/nodes/node-2 '{"metadata":{"labels":{"touched":"1"}}}'
api PATCH /api/v1/nodes/node-16 '{"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.116"},{"type":"InternalIP","address":"2001:db8::10"}]}}'
sed 's/192.0.2.16$/192.0.2.116/' "$T/want" >"$T/want2"
check "the watch goes on: an honest change applied within 1 s" \
    routes_are 1000 "$T/want2"
check "changes that do not change a refusal log nothing" \
    lines "$W" "warning: node node-(2|3):" 2
api PATCH /api/v1/nodes/node-2 '{"spec":{"podCIDRs":["198.18.2.0/24","fd00:0:0:2::/64"]}}'
sed 's/192.0.2.16$/192.0.2.116/' "$T/honest" >"$T/want3"
check "node-2 back on its own range: routed again within 1 s" \
    routes_are 1000 "$T/want3"

# --- the node's addresses change -----------------------------------------
in_ns ip addr add 198.18.16.1/24 dev eth0 noprefixroute
sed '/192.0.2.116$/d' "$T/want3" >"$T/want4"
check "a new address on the node: node-16's range, now connected, goes within 2 s" \
    routes_are 2000 "$T/want4"
check "... refused once, naming the connected prefix" lines "$W" \
    "warning: node node-16: refused: 198.18.16.0/24 overlaps an address of this node, 198.18.16.1/32" 1
in_ns ip addr del 198.18.16.1/24 dev eth0
check "the address removed: node-16 routed again within 2 s" \
    routes_are 2000 "$T/want3"

# --- a Node's text does not forge log lines ------------------------------
# The API server checks podCIDRs, not annotations: a worker of a network
# whose CIDRs come from one reads the text as it is.
api PATCH /api/v1/nodes/node-12 '{"metadata":{"annotations":{"cidr.example.com/net3":"x\nxcni-supervisor: error: forged\u001b[31m"}}}'
ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$T/kc" LOG_LEVEL=debug \
    PROTOCOL=201 CIDR_ANNOTATION=cidr.example.com/net3 "$WORKER" \
    --network net3 --state-dir "$T/state" </dev/null >/dev/null \
    2>"$T/worker3.log" &
WP3=$!
W3=$T/worker3.log
check "the annotation's text reaches the log" \
    wait_log "$W3" "node node-12: .*forged" 1 20000
check "a newline in a Node starts no log line" \
    lines "$W3" "^xcni-supervisor: error: forged" 0
escaped() {
	if grep -q "$(printf '\033')" "$W3"; then
		echo "an ESC byte in the log:"
		grep "$(printf '\033')" "$W3" | od -c | head -5
		return 1
	fi
	grep -F 'x\nxcni-supervisor: error: forged\x1b[31m' "$W3" && return 0
	grep "node-12" "$W3" | tail -3
	return 1
}
check "an ESC in a Node reaches the log escaped" escaped
kill "$WP3"
wait "$WP3" 2>/dev/null
WP3=

# --- a worker whose own Node is missing ----------------------------------
ip netns exec "$NS" env NODE_NAME=node-99 KUBECONFIG="$T/kc" LOG_LEVEL=debug \
    PROTOCOL=200 "$WORKER" --network other --state-dir "$T/state" \
    </dev/null >/dev/null 2>"$T/worker2.log" &
WP2=$!
W2=$T/worker2.log
wait_log "$W2" "listed at resourceVersion" 1 20000
sleep 1
check "own Node missing: said once, with the count" lines "$W2" \
    'warning: node "node-99": own Node not found among the 16 listed; pods on this node get no ranges' 1
check "... node-1, on the own address, is refused as a nexthop once" lines "$W2" \
    "warning: node node-1: no routes: refused: nexthop 192.0.2.1 is an address of this node" 1
no_own_via() {
	in_ns ip route show proto 200 >"$T/proto200"
	if grep 'via 192.0.2.1 ' "$T/proto200"; then
		return 1
	fi
	lines "$W2" "routes: .*(fail|retry)|Gateway" 0
}
check "... and no route via the own address, no failure" no_own_via
api POST /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-99",
  "creationTimestamp":"2026-02-01T00:00:00Z"},"spec":{"podCIDRs":["198.18.99.0/24"]},
  "status":{"addresses":[{"type":"InternalIP","address":"192.0.2.1"}]}}'
check "the own Node appears: said within 1 s" \
    wait_log "$W2" 'node "node-99": own Node found' 1 1000
check "... and its ranges published" \
    wait_log "$W2" "$T/state/other.json: written" 1 1000
kill "$WP2"
wait "$WP2" 2>/dev/null
WP2=

check "the worker is still running" kill -0 "$WP"
done_testing
