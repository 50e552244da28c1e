#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xcni-worker's nexthop objects, in a network namespace of its own against
# the fake API server: one object per node with every IPv4 route on it,
# IPv6 routes classic; a node's new address replaces its object, not its
# IPv4 route; objects
# deleted by hand or flushed by a link flap are restored; a restart adopts
# objects and routes without a change; --cleanup removes the objects too
# and leaves another protocol's; XCNI_NO_NEXTHOP_OBJECTS=1 keeps classic
# routes, and a worker without it moves them onto objects.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/worker/lib.sh"
NODES=40

need_root
need python3 curl ip
ip nexthop show >/dev/null 2>&1 || skip_all "this kernel has no nexthop objects"

NS=xcni-t-$$-nh
T=$(mktemp -d) || bail "mktemp"
FP=
WP=
MP=
cleanup() {
	for p in $MP $WP $FP; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	[ -n "${XCNI_TEST_KEEP:-}" ] && echo "# kept $T" || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
now_ms() { date +%s%3N; }

ip netns add "$NS" || bail "ip netns add"
in_ns ip link set lo up
node_link || bail "node link"
# Another protocol's object, which nothing of xcni's may touch.
in_ns ip nexthop add id 7 via 192.0.2.250 dev eth0 proto 200 ||
    bail "a foreign nexthop object"

# node-N: 198.18.(N-1).0/24 via 192.0.2.N, fd00:0:0:(N-1)::/64 via
# 2001:db8::N; node-1 is this node.
python3 - $NODES >"$T/nodes.json" <<'EOF'
import json, sys
items = []
for i in range(int(sys.argv[1])):
    name = "node-%d" % (i + 1)
    items.append({"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": name, "creationTimestamp": "2026-01-01T00:00:%02dZ" % i},
        "spec": {"podCIDRs": ["198.18.%d.0/24" % i, "fd00:0:0:%x::/64" % i]},
        "status": {"addresses": [
            {"type": "InternalIP", "address": "192.0.2.%d" % (i + 1)},
            {"type": "InternalIP", "address": "2001:db8::%x" % (i + 1)}]}})
json.dump({"kind": "NodeList", "apiVersion": "v1", "items": items}, sys.stdout)
EOF
i=2
while [ $i -le $NODES ]; do
	printf '198.18.%d.0/24 192.0.2.%d\nfd00:0:0:%x::/64 2001:db8::%x\n' \
	    $((i - 1)) $i $((i - 1)) $i
	i=$((i + 1))
done | LC_ALL=C sort >"$T/want"
ROUTES=$(((NODES - 1) * 2))
V4ROUTES=$((NODES - 1))

echo "tok-1" >"$T/token"
ip netns exec "$NS" python3 "$FAKE" --listen 127.0.0.1:0 \
    --nodes-file "$T/nodes.json" --cert-dir "$T/certs" \
    --token-file "$T/token" --kubeconfig-out "$T/kc" \
    --kubeconfig-token-file >"$T/url" 2>"$T/fake.log" &
FP=$!
wait_for 200 test -s "$T/url" || bail "the fake API server did not start"
URL=$(cat "$T/url")

start_worker() {	# start_worker LOG [VAR=VALUE...]
	log=$1
	shift
	ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$T/kc" \
	    LOG_LEVEL=debug "$@" "$WORKER" --state-dir "$T/state" \
	    </dev/null >/dev/null 2>>"$log" &
	WP=$!
}
stop_worker() {
	kill -TERM "$WP"
	wait "$WP" 2>/dev/null
	WP=
}

# "dst via" lines of protocol 202, the gateway read after "nhid N" too.
have() {
	{ in_ns ip -4 route show proto 202; in_ns ip -6 route show proto 202; } |
	    awk '{ g = "-"; for (i = 2; i < NF; i++) if ($i == "via") {
		g = $(i + 1); break }; print $1, g }' | LC_ALL=C sort
}
nhid_routes() {	# nhid_routes 4|6
	in_ns ip -"$1" route show proto 202 | grep -c ' nhid [0-9]* via '
}
objects() { in_ns ip nexthop show proto 202 | wc -l; }

# Every wanted route there; MODE objects: each IPv4 route on an object
# of its own node (one per node, no other), every IPv6 route classic;
# classic: no object.
routes_on() {	# routes_on objects|classic WANT-FILE
	have >"$T/have"
	cmp -s "$2" "$T/have" || return 1
	[ "$(nhid_routes 6)" = 0 ] || return 1
	if [ "$1" = objects ]; then
		[ "$(nhid_routes 4)" = "$V4ROUTES" ] &&
		    [ "$(objects)" = "$V4ROUTES" ]
	else
		[ "$(nhid_routes 4)" = 0 ] && [ "$(objects)" = 0 ]
	fi
}
settles() {	# settles TIMEOUT_MS objects|classic [WANT-FILE]
	deadline=$(($(now_ms) + $1))
	until routes_on "$2" "${3:-$T/want}"; do
		if [ "$(now_ms)" -ge "$deadline" ]; then
			diff "${3:-$T/want}" "$T/have" | head -5
			echo "$(nhid_routes 4) IPv4 and $(nhid_routes 6) IPv6" \
			    "routes on objects, $(objects) objects of" \
			    "protocol 202; want $V4ROUTES IPv4"
			in_ns ip nexthop show | head -5
			return 1
		fi
		sleep 0.05
	done
}
nhid_of() { in_ns ip -"$1" route show proto 202 exact "$2" |
    sed -n 's/.* nhid \([0-9]*\) .*/\1/p'; }
foreign_kept() { in_ns ip nexthop show id 7 | grep -q 'via 192.0.2.250 .*proto 200'; }

# --- the forced classic path ---------------------------------------------
start_worker "$T/classic.log" XCNI_NO_NEXTHOP_OBJECTS=1
check "XCNI_NO_NEXTHOP_OBJECTS=1: every route in place, classic, no object" \
    settles 20000 classic
stop_worker

# --- objects -------------------------------------------------------------
start_worker "$T/worker.log"
check "without it: the classic IPv4 routes move onto one object per node, IPv6 stay classic" \
    settles 20000 objects
check "the other protocol's object is untouched" foreign_kept

id4=$(nhid_of 4 198.18.4.0/24)
sed 's/ 192.0.2.5$/ 192.0.2.105/; s/ 2001:db8::5$/ 2001:db8::69/' "$T/want" \
    >"$T/want2"
api PATCH /api/v1/nodes/node-5 '{"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.105"},{"type":"InternalIP","address":"2001:db8::69"}]}}'
check "a node's new addresses: its routes follow within 1 s" \
    settles 1000 objects "$T/want2"
# A route moved to another object would show that object's id. (The
# kernel itself tells of the routes of a replaced object, so a route
# monitor cannot tell.)
check "... its IPv4 route by its object replaced, on which the route stays" \
    test "$(nhid_of 4 198.18.4.0/24)" = "$id4"
check "no route operation failed" sh -c \
    "! grep -E 'routes: .*(fail|retry)' '$T/worker.log'"

in_ns ip nexthop del id "$(nhid_of 4 198.18.10.0/24)"
check "an object deleted by hand (the kernel took its route): restored within 1 s" \
    settles 1000 objects "$T/want2"
in_ns ip link set eth0 down
in_ns ip link set eth0 up
check "link down and up (objects flushed): all restored within 3 s" \
    settles 3000 objects "$T/want2"
# The flap flushed every object on the link, the other protocol's too.
in_ns ip nexthop add id 7 via 192.0.2.250 dev eth0 proto 200 ||
    bail "the foreign nexthop object again"

# --- restart -------------------------------------------------------------
stop_worker
ip netns exec "$NS" ip monitor route nexthop >"$T/monitor.all" 2>/dev/null &
MP=$!
sleep 0.3
start_worker "$T/worker2.log"
wait_for 300 grep -q "listed at resourceVersion" "$T/worker2.log"
sleep 1
kill "$MP"
wait "$MP" 2>/dev/null
MP=
no_churn() {
	! grep -E 'proto 202|nhid' "$T/monitor.all" && routes_on objects "$T/want2"
}
check "a restarted worker adopts objects and routes: no change" no_churn
check "... the other protocol's object left as it was" foreign_kept
stop_worker
check "... and no route operation failed" sh -c \
    "! grep -E 'routes: .*(fail|retry)' '$T/worker2.log'"

# --- cleanup -------------------------------------------------------------
check "--cleanup exits 0" in_ns env PROTOCOL=202 "$WORKER" --cleanup
check "... and leaves no route or object of protocol 202" \
    test "$(have | wc -l) $(objects)" = "0 0"
check "... and the other protocol's object" foreign_kept
done_testing
