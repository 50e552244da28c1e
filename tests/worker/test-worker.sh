#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xcni-worker against the fake API server, all inside a network namespace
# this script creates: initial sync, node changes, annotations, foreign
# routes, drift repair, API outages and faults, restart without churn.
# XCNI_TEST_OUTAGE sets the outage length in seconds (default 60, the
# fault matrix's).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/worker/lib.sh"
OUTAGE=${XCNI_TEST_OUTAGE:-60}
NODES=250

need_root
need python3 curl nft setpriv

now_ms() { date +%s%3N; }

# --- the world -----------------------------------------------------------
FP= WP= WP2= MP=
PIDVARS="FP WP WP2 MP"
netns_test worker
node_link
# Routes of other protocols, one at each destination node-10 claims; not
# through eth0, whose flap would flush them.
in_ns ip route add blackhole 198.18.9.0/24 proto static
in_ns ip route add blackhole 203.0.113.0/24 proto 99
in_ns ip -6 route add blackhole fd00:0:0:9::/64 proto static

# Small Node objects keep the test's own bookkeeping fast; the worker's
# handling of real-sized ones is measured with the fake's --nodes.
python3 - $NODES >"$T/nodes.json" <<'EOF'
import json, sys
items = []
for i in range(int(sys.argv[1])):
    name = "node-%d" % (i + 1)
    items.append({"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": name, "labels": {"kubernetes.io/hostname": name},
        "creationTimestamp": "2026-01-01T00:%02d:%02dZ" % (i // 60, i % 60)},
        "spec": {"podCIDRs": ["198.18.%d.0/24" % i, "fd00:0:0:%x::/64" % i]},
        "status": {"addresses": [
            {"type": "InternalIP", "address": "192.0.2.%d" % (i + 1)},
            {"type": "InternalIP", "address": "2001:db8::%x" % (i + 1)},
            {"type": "Hostname", "address": name}],
            "conditions": [{"type": "Ready", "status": "True",
                "lastHeartbeatTime": "2026-01-01T00:00:00Z"}]}})
json.dump({"kind": "NodeList", "apiVersion": "v1", "items": items}, sys.stdout)
EOF
echo "tok-1" >"$T/token"
ip netns exec "$NS" python3 "$FAKE" --listen 127.0.0.1:0 --nodes-file "$T/nodes.json" \
    --cert-dir "$T/certs" --token-file "$T/token" --kubeconfig-out "$T/kc" \
    --kubeconfig-token-file --history 100000 >"$T/url" 2>"$T/fake.log" &
FP=$!
i=0
while [ ! -s "$T/url" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$T/url" ] || { diag "$T/fake.log"; bail "the fake API server did not start"; }
URL=$(cat "$T/url")
PORT=${URL##*:}


# The routes node objects ask for, as "dst via" lines: mode spec or
# annotation (net3), skipping the own node, deleting nodes and the
# destinations that other protocols hold.
expected() {	# expected spec|net3
	api GET /api/v1/nodes || return 1
	python3 - "$1" "$T/api.out" <<'EOF'
import ipaddress, json, sys
mode, path = sys.argv[1], sys.argv[2]
taken = {"198.18.9.0/24", "fd00:0:0:9::/64"}
out = []
for n in json.load(open(path))["items"]:
    md = n["metadata"]
    if md["name"] == "node-1" or md.get("deletionTimestamp"):
        continue
    if mode == "spec":
        cidrs = n["spec"].get("podCIDRs") or []
        addrs = [a["address"] for a in n["status"].get("addresses", [])
                 if a["type"] == "InternalIP"]
    else:
        ann = md.get("annotations") or {}
        if "cidr.example.com/net3" not in ann or "adr.example.com/net3" not in ann:
            continue
        cidrs = [c.strip() for c in ann["cidr.example.com/net3"].split(",") if c.strip()]
        addrs = [a.strip() for a in ann["adr.example.com/net3"].split(",") if a.strip()]
    seen = set()
    for c in cidrs:
        net = ipaddress.ip_network(c, strict=False)
        if net.version in seen or (mode == "spec" and str(net) in taken):
            continue
        seen.add(net.version)
        via = [a for a in addrs if ipaddress.ip_address(a).version == net.version]
        if via:
            out.append("%s %s" % (net, ipaddress.ip_address(via[0])))
for line in out:
    print(line)
EOF
}

# ip prints canonical addresses, as Python's ipaddress does; plain awk
# Waits up to $2 ms until the routes of protocol $3 (default 202) are
# exactly what the nodes say; prints the difference when they are not.
exact() {	# exact NAME TIMEOUT_MS [PROTO MODE]
	proto=${3:-202}
	mode=${4:-spec}
	expected "$mode" >"$T/want.u" || return 1
	LC_ALL=C sort "$T/want.u" >"$T/want"
	deadline=$(($(now_ms) + $2))
	while :; do
		gateways "$proto" >"$T/have"
		cmp -s "$T/want" "$T/have" && return 0
		[ "$(now_ms)" -ge "$deadline" ] && break
		sleep 0.05
	done
	echo "# $1: routes differ (- wanted, + present):"
	diff "$T/want" "$T/have" | grep '^[<>]' | head -10 | sed 's/^</# -/; s/^>/# +/'
	return 1
}

# env runs the first word after the VAR=VALUE words: the worker.
start_worker() {	# start_worker LOGFILE [VAR=VALUE...] WORKER [ARGS...]
	log=$1
	shift
	ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$T/kc" \
	    LOG_LEVEL=debug "$@" --state-dir "$T/state" \
	    </dev/null >/dev/null 2>>"$log" &
}

# Waits until LOG has at least COUNT lines matching PATTERN.
wait_log() {	# wait_log LOG PATTERN COUNT TIMEOUT_MS
	deadline=$(($(now_ms) + $4))
	while [ "$(grep -c "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# --- 1-3: initial sync ---------------------------------------------------
t0=$(now_ms)
start_worker "$T/worker.log" "$WORKER"
WP=$!
if exact "initial sync" 30000 >"$T/exact"; then
	ok "initial sync of $NODES nodes (IPv4 and IPv6) in $(($(now_ms) - t0)) ms"
else
	not_ok "initial sync of $NODES nodes" "$T/exact" "$T/worker.log"
fi
check "state file holds the own node's ranges" grep -q \
    '"node":"node-1","annotation":null,"cidrs":\["198.18.0.0/24","fd00::/64"\]' \
    "$T/state/xcluster.json"
# others_kept: the routes of other protocols made above are all there.
others_kept() {
	{ routes static; routes 99; } >"$T/others"
	for route in "blackhole 198.18.9.0/24" "blackhole 203.0.113.0/24" \
	    "blackhole fd00:0:0:9::/64"; do
		grep -q "^$route" "$T/others" ||
		    { echo "# $route is gone; left:"; cat "$T/others"; return 1; }
	done
}
check "routes of other protocols untouched" others_kept

# --- 4-7: node add, modify, delete, heartbeats ---------------------------
api POST /api/v1/nodes '{"apiVersion":"v1","kind":"Node","metadata":{"name":"node-new",
  "creationTimestamp":"2026-02-01T00:00:00Z"},"spec":{"podCIDRs":["198.19.251.0/24","fd00:0:0:fb00::/64"]},
  "status":{"addresses":[{"type":"InternalIP","address":"192.0.2.251"},
  {"type":"InternalIP","address":"2001:db8::fb"}]}}'
check "node added: its routes within 1 s" exact "node add" 1000
api PATCH /api/v1/nodes/node-5 '{"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.155"},{"type":"InternalIP","address":"2001:db8::9b"}]}}'
check "node modified: nexthops replaced within 1 s" exact "node modify" 1000
api DELETE /api/v1/nodes/node-7
check "node deleted: its routes removed within 1 s" exact "node delete" 1000
monitor_start
fake "heartbeat?rate=100&seconds=2"
sleep 2.5
monitor_stop
check "2 s of heartbeats (MODIFIED): no route changes" no_changes

# --- 8: annotations (a second worker, protocol 200) ----------------------
start_worker "$T/worker2.log" PROTOCOL=200 CIDR_ANNOTATION=cidr.example.com/net3 \
    ADDRESS_ANNOTATION=adr.example.com/net3 "$WORKER" --network net3
WP2=$!
annotations() {
	r=0
	api PATCH /api/v1/nodes/node-3 '{"metadata":{"annotations":{"cidr.example.com/net3":" 198.18.200.0/26 , fd00:5::1:0/112","adr.example.com/net3":"192.0.2.3, 2001:db8::3"}}}'
	exact "annotation added" 3000 200 net3 || r=1
	routes 200 | grep -q '^198.18.200.0/26 via 192.0.2.3 ' ||
	    { r=1; echo "# no route 198.18.200.0/26 via 192.0.2.3 of protocol 200"; }
	api PATCH /api/v1/nodes/node-3 '{"metadata":{"annotations":{"cidr.example.com/net3":"198.18.200.64/26"}}}'
	exact "annotation changed" 1000 200 net3 || r=1
	api PATCH /api/v1/nodes/node-3 '{"metadata":{"annotations":{"cidr.example.com/net3":null}}}'
	exact "annotation removed" 1000 200 net3 || r=1
	return $r
}
check "annotation added, changed, removed: protocol 200 follows" annotations
kill $WP2; wait $WP2 2>/dev/null; WP2=

# --- 9-10: drift -------------------------------------------------------
in_ns ip route del 198.18.20.0/24
in_ns ip -6 route del fd00:0:0:14::/64
check "routes deleted by hand restored within 1 s" exact "manual delete" 1000
in_ns ip link set eth0 down
sleep 0.3
in_ns ip link set eth0 up
check "link down/up: routes restored within 2 s" exact "link flap" 2000

# --- 11-12: API server unreachable ---------------------------------------
gateways 202 >"$T/before"
# nft's errors are the evidence when the outage cannot be made.
outage_start() {
	{ in_ns nft add table inet xcni &&
	    in_ns nft add chain inet xcni out '{ type filter hook output priority 0; }' &&
	    in_ns nft add rule inet xcni out ip saddr 127.0.0.1 tcp dport "$PORT" reject with tcp reset &&
	    fake "drop-watches"; } >"$T/nft.err" 2>&1
}
outage_end() { in_ns nft delete table inet xcni; }
if outage_start; then
	api DELETE /api/v1/nodes/node-30
	api PATCH /api/v1/nodes/node-31 '{"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.131"},{"type":"InternalIP","address":"2001:db8::83"}]}}'
	sleep "$OUTAGE"
	gateways 202 >"$T/during"
	check "API unreachable for $OUTAGE s: routes unchanged" diff "$T/before" "$T/during"
	outage_end
	t0=$(now_ms)
	if exact "after the outage" 40000 >"$T/exact"; then
		ok "changes made during the outage applied $(($(now_ms) - t0)) ms after it"
	else
		not_ok "changes made during the outage applied after it" "$T/exact" "$T/worker.log"
	fi
else
	not_ok "API unreachable: routes unchanged (no outage: nft failed)" "$T/nft.err"
	not_ok "changes during the outage applied (no outage: nft failed)"
fi

# --- 13: compaction (410) with a node deleted in the gap -----------------
lists=$(grep -c "listed at resourceVersion" "$T/worker.log")
relisted() {
	r=0
	exact "relist after 410" 40000 || r=1
	grep -c "listed at resourceVersion" "$T/worker.log" | grep -qvx "$lists" ||
	    { r=1; echo "# no new list after the 410 ($lists before)"; }
	return $r
}
if outage_start; then
	api DELETE /api/v1/nodes/node-40
	fake compact
	outage_end
	check "history compacted, node deleted in the gap: relisted, route removed" \
	    relisted
else
	not_ok "history compacted (no outage: nft failed)" "$T/nft.err"
fi

# --- 14: token rotation --------------------------------------------------
echo "tok-2" >"$T/token.new" && mv "$T/token.new" "$T/token"
fake "drop-watches"
api PATCH /api/v1/nodes/node-50 '{"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.150"},{"type":"InternalIP","address":"2001:db8::96"}]}}'
check "token rotated: the worker re-reads it and goes on" exact "token rotation" 10000

# --- 15-17: error storms -------------------------------------------------
storm() {	# storm CODE EXTRA NAME
	gateways 202 >"$T/before"
	fake "fail?n=3&code=$1$2&match=watch"
	fake "drop-watches"
	sleep 0.5
	gateways 202 >"$T/during"
	api PATCH /api/v1/nodes/node-$4 "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"192.0.2.$(($4 + 150))\"},{\"type\":\"InternalIP\",\"address\":\"2001:db8::1:$4\"}]}}"
	check "$3: routes kept, then the change applied" weathered "$1 storm"
}
# route_evidence: for each route that exact found missing, what the
# kernel has at its destination, the nexthop object that uses, and the
# worker's log about both; a rerun seldom shows such a failure again.
route_evidence() {
	LC_ALL=C comm -23 "$T/want" "$T/have" | while read -r dst via; do
		fam=4
		case $dst in *:*) fam=6 ;; esac
		have=$(in_ns ip -$fam route show proto 202 exact "$dst")
		echo "# kernel, $dst: ${have:-no route}"
		id=$(echo "$have" | awk '{ for (i = 2; i < NF; i++)
		    if ($i == "nhid") print $(i + 1) }')
		[ -z "$id" ] || echo "# its object: $(in_ns ip nexthop show id "$id" 2>&1)"
		echo "# objects via $via: $(in_ns ip nexthop show | grep -cF " via $via ")"
		grep -F -e "$dst" -e "via $via" "$T/worker.log" | tail -8 | sed 's/^/# log: /'
	done
	echo "# the worker's last log lines:"
	tail -15 "$T/worker.log" | sed 's/^/# /'
}
# weathered NAME: the routes did not change during the storm, the worker
# applied the change made after it and still runs.
weathered() {
	r=0
	diff "$T/before" "$T/during" || r=1
	exact "$1" 30000 || { r=1; route_evidence; }
	kill -0 $WP 2>/dev/null || { r=1; echo "# the worker is gone"; }
	return $r
}
storm 500 "" "500 storm" 60
storm 429 "&retry-after=1" "429 storm with Retry-After" 61
storm 401 "" "401 storm" 62

# --- 18: malformed event line --------------------------------------------
fake "bad-event?kind=malformed"
api PATCH /api/v1/nodes/node-70 '{"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.170"},{"type":"InternalIP","address":"2001:db8::aa"}]}}'
goes_on() {
	r=0
	exact "after a malformed event" 10000 || r=1
	kill -0 $WP 2>/dev/null || { r=1; echo "# the worker is gone"; }
	return $r
}
check "malformed event line: the worker goes on" goes_on

# --- 19-20: restart ------------------------------------------------------
kill -TERM $WP
wait $WP
is "SIGTERM: exit 0" $? 0
WP=
monitor_start
start_worker "$T/worker3.log" "$WORKER"
WP=$!
wait_log "$T/worker3.log" "listed at resourceVersion" 1 30000
sleep 1
monitor_stop
adopted() {
	r=0
	no_changes || r=1
	exact "after restart" 100 || r=1
	return $r
}
check "restart with routes present: zero route changes" adopted

# --- 21-22: cleanup ------------------------------------------------------
kill -TERM $WP; wait $WP; WP=
in_ns env PROTOCOL=202 "$WORKER" --cleanup 2>"$T/cleanup.log"
r=$?
cleaned() {
	[ $r = 0 ] || { echo "# --cleanup exited $r:"; cat "$T/cleanup.log"; return 1; }
	routes 202 >"$T/left"
	[ ! -s "$T/left" ] || { echo "# routes left:"; cat "$T/left"; return 1; }
}
check "--cleanup exits 0 and removes every route of the protocol" cleaned
check "--cleanup leaves other protocols' routes" others_kept

# --- 23-26: bad settings fail clearly, with the documented status -------
fails() {	# fails NAME STATUS PATTERN COMMAND...: exits STATUS, says PATTERN
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >/dev/null 2>"$T/err"
	got=$?
	if [ $got = "$want" ] && grep -q "$pat" "$T/err"; then
		ok "$name"
	else
		not_ok "$name (status $got, wanted $want and \"$pat\")" "$T/err"
	fi
}
fails "PROTOCOL out of range: status 78" 78 \
    'environment: \$PROTOCOL: protocol: 4 is reserved for the kernel (0..4); use 5..255' \
    in_ns env PROTOCOL=4 KUBECONFIG="$T/kc" "$WORKER" --state-dir "$T/state"
fails "missing kubeconfig: status 78" 78 "credentials: .*/nonexistent" \
    in_ns env KUBECONFIG="$T/nonexistent" "$WORKER" --state-dir "$T/state"
fails "unknown option: status 64" 64 "usage:" "$WORKER" --bogus
fails "no CAP_NET_ADMIN: status 77" 77 "no CAP_NET_ADMIN" \
    in_ns setpriv --reuid=65534 --regid=65534 --clear-groups \
    --inh-caps=-all --bounding-set=-all env KUBECONFIG="$T/kc" \
    "$WORKER" --state-dir "$T/state"
done_testing
