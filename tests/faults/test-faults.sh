#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The fault matrix for the worker against the fake API server: 410, 500
# and 429 storms, a truncated event, a 64 MiB event line, a token file
# that goes missing or empty, lost route notifications (ENOBUFS), a
# server that accepts connections and never answers, a server whose
# certificate the CA does not sign. Each fault must leave every route as
# it was (ip monitor sees no change of protocol 202), and the worker must
# heal once the fault is gone.
. "$top_srcdir/tests/faults/lib.sh"

# The worker reads its own token file, so it can go missing alone.
cp "$T/token" "$T/wtoken"
sed -i "s|$T/token|$T/wtoken|" "$T/kc"

# ASan holds freed memory in a quarantine (256 MiB by default), which the
# peak-memory check of the 64 MiB event would count as the worker's.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16
export ASAN_OPTIONS
start_worker "$T/worker.log"
check "initial sync: 19 nodes, 38 routes" wait_for 300 eval '[ "$(count)" = 38 ]'
routes >"$T/good"
lists() { grep -c "listed at resourceVersion" "$T/worker.log"; }

# --- 410 storm: four 410 replies in a row to the watch -------------------
# (A compaction's 410 ERROR event is test-worker.sh's.) Each 410 is one
# relist, and relists are spaced as client-go spaces them: at least 0.8,
# 1.6, 3.2 and 6.4 s, so four take 12 s or more, never a burst.
l0=$(lists)
monitor_start
t0=$(date +%s%N)
fake "fail?n=4&code=410&match=watch"
fake drop-watches
wait_for 600 eval '[ "$(lists)" -ge $((l0 + 4)) ]'
took=$((($(date +%s%N) - t0) / 1000000))
monitor_stop
check "410 storm: relisted $(($(lists) - l0)) times (4 expected)" [ "$(lists)" -eq $((l0 + 4)) ]
check "410 storm: the relists spaced, $took ms in all (>= 12000)" [ "$took" -ge 12000 ]
check "410 storm: no route changed" no_changes
check "410 storm: routes as before" same_as "$T/good"
# Relists stay spaced (up to 30 s) until two quiet minutes pass, as the
# storm meant them to; the faults below start from a new worker, as after
# a restart, each with its own time limit.
l0=$(lists)
kill "$WP"
wait "$WP" 2>/dev/null
start_worker "$T/worker.log"
check "a new worker lists once and keeps the routes" wait_for 300 eval \
    '[ "$(lists)" -gt $l0 ] && same_as "$T/good"'

# --- 500 and 429 storms on list and watch --------------------------------
# storm CODE EXTRA NODE: five failures in a row, routes untouched; then a
# change to NODE (index i, node-(i+1)) is applied.
storm() {
	code=$1
	e0=$(grep -c "HTTP $code" "$T/worker.log")
	monitor_start
	fake "fail?n=5&code=$1$2&match=nodes%3F"
	fake drop-watches
	wait_for 400 eval '[ "$(grep -c "HTTP $code" "$T/worker.log")" -ge $((e0 + 5)) ]'
	r=$?
	monitor_stop
	check "$1 storm: five failures in a row seen by the worker" test $r = 0
	check "$1 storm: no route changed, the worker runs" eval 'no_changes && alive $WP'
	api PATCH "/api/v1/nodes/node-$(($3 + 1))" "{\"status\":{\"addresses\":[
	    {\"type\":\"InternalIP\",\"address\":\"192.0.2.$(($3 + 101))\"},
	    {\"type\":\"InternalIP\",\"address\":\"2001:db8::1:$3\"}]}}"
	check "$1 storm over: a node change applied within 20 s" wait_for 200 eval \
	    "has_route 198.18.$3.0/24 192.0.2.$(($3 + 101)) &&
	    has_route fd00:0:0:$3::/64 2001:db8::1:$3"
	routes >"$T/good"
}
storm 500 "" 4
storm 429 "&retry-after=1" 5
check "429: Retry-After honoured (no retry within 1 s)" "$PYTHON" - "$T/worker.log" <<'EOF'
import re, sys
# Debug lines "retrying in N ms" right after an HTTP 429.
lines = open(sys.argv[1]).read().splitlines()
delays = [int(re.search(r"retrying in (\d+) ms", lines[i + 1]).group(1))
          for i, l in enumerate(lines[:-1])
          if "HTTP 429" in l and "retrying in" in lines[i + 1]]
sys.exit(not (len(delays) >= 5 and min(delays) >= 1000))
EOF

# --- a truncated event ---------------------------------------------------
w0=$(grep -c "GET /api/v1/nodes?watch" "$T/worker.log")
monitor_start
fake "bad-event?kind=truncated"
check "truncated event: the worker watches again" wait_for 200 eval \
    '[ "$(grep -c "GET /api/v1/nodes?watch" "$T/worker.log")" -gt $w0 ]'
monitor_stop
check "truncated event: no route changed" no_changes
check "truncated event: routes as before" same_as "$T/good"

# --- a single 64 MiB event line ------------------------------------------
# node-3 becomes 64 MiB: the watch streams past the event without holding
# it and goes on; a relist meanwhile skips the object the same way. Either
# way node-3 keeps its routes, and every other node stays routed.
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$WP/status"; }
hwm0=$(hwm)
l0=$(lists)
monitor_start
fake "bad-event?kind=huge&size=67108864&node=node-3"
check "64 MiB event: skipped with a clear warning" wait_for 600 logged "$T/worker.log" \
    'watch: object "node-3" (MODIFIED) skipped: too large'
check "64 MiB event: the watch went on, no relist" [ "$(lists)" -eq "$l0" ]
fake "fail?n=1&code=410&match=watch"
fake drop-watches
check "64 MiB node: a relist skips it with a clear warning" wait_for 600 logged \
    "$T/worker.log" 'list: object "node-3" (ADDED) skipped: too large'
check "64 MiB node: the relist completed" wait_for 300 eval '[ "$(lists)" -gt $l0 ]'
hwm1=$(hwm)
# Under ASan freed buffers sit in its quarantine: allow that, but still less
# than the line itself, which a worker buffering it would have to hold.
bound=16384
objdump -p "$WORKER" 2>/dev/null | grep -q 'NEEDED.*libasan' && bound=65536
check "64 MiB event: peak memory grew by $((hwm1 - hwm0)) kB (< $bound kB; was $hwm0 kB)" \
    [ $((hwm1 - hwm0)) -lt $bound ]
api PATCH /api/v1/nodes/node-3 '{"metadata":{"annotations":{"fake.xcni.io/padding":null}}}'
api PATCH /api/v1/nodes/node-9 '{"status":{"addresses":[
    {"type":"InternalIP","address":"192.0.2.109"},
    {"type":"InternalIP","address":"2001:db8::1:8"}]}}'
check "64 MiB node shrunk: the watch applies changes again" wait_for 200 eval \
    "has_route 198.18.8.0/24 192.0.2.109 && has_route fd00:0:0:8::/64 2001:db8::1:8"
monitor_stop
routes >"$T/now"
grep -v -e '^198.18.8.0/24 ' -e '^fd00:0:0:8::/64 ' "$T/good" >"$T/good.rest"
grep -v -e '^198.18.8.0/24 ' -e '^fd00:0:0:8::/64 ' "$T/now" >"$T/now.rest"
check "64 MiB event: node-3's and every other route as before" cmp "$T/good.rest" "$T/now.rest"
check "64 MiB event: the only routes that changed are node-9's" eval \
    '! grep -vE "(^|[[:space:]])(198.18.8.0/24|fd00:0:0:8::/64) " "$T/monitor"'
check "64 MiB event: the worker runs" alive $WP
routes >"$T/good"
rm -f "$T/api.out"

# --- the token file missing, then empty ----------------------------------
# The server's token rotates; the worker's copy is gone: every request is
# a 401 and the worker keeps its routes and its old token.
monitor_start
rm "$T/wtoken"
echo tok-2 >"$T/token.new" && mv "$T/token.new" "$T/token"
fake drop-watches
check "token file missing: a clear error" wait_for 200 logged "$T/worker.log" \
    "$T/wtoken: No such file or directory"
: >"$T/wtoken"
check "token file empty: a clear error" wait_for 300 logged "$T/worker.log" \
    "$T/wtoken.*empty"
monitor_stop
check "token file missing or empty: no route changed" no_changes
echo tok-2 >"$T/wtoken.new" && mv "$T/wtoken.new" "$T/wtoken"
api PATCH /api/v1/nodes/node-7 '{"spec":{"podCIDRs":["198.18.106.0/24","fd00:0:0:106::/64"]}}'
check "token file back: the change applied within 40 s" wait_for 400 eval \
    'has_route 198.18.106.0/24 192.0.2.7 && has_route fd00:0:0:106::/64 2001:db8::7'
routes >"$T/good"

# --- lost route notifications (ENOBUFS) ----------------------------------
# With the worker stopped its notification queue overflows; a route of
# ours deleted after that is in no notification: only the resync after
# ENOBUFS can bring it back.
kill -STOP "$WP"
seq 0 39999 | awk '{printf "route add blackhole 198.19.%d.%d/32 proto 99\n", $1 / 256, $1 % 256}' >"$T/flood"
in_ns ip -batch "$T/flood"
in_ns ip route del 198.18.10.0/24 proto 202
kill -CONT "$WP"
check "ENOBUFS: notifications lost, logged" wait_for 100 logged "$T/worker.log" \
    "notifications lost, resyncing"
check "ENOBUFS: the resync restores the deleted route" wait_for 100 same_as "$T/good"
check "ENOBUFS: the 40 000 routes of protocol 99 untouched" \
    [ "$(in_ns ip route show proto 99 | wc -l)" = 40000 ]
in_ns ip route flush proto 99

# --- a server that accepts and never answers, one with a foreign CA ------
kill -TERM "$WP"
wait "$WP"
check "SIGTERM: exit 0" test $? = 0
WP=
kill -TERM "$FP"
wait "$FP" 2>/dev/null
# A listener that accepts and never writes, on a port of its own.
ip netns exec "$NS" "$PYTHON" -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
conns = []
while True:
    conns.append(s.accept()[0])
' >"$T/silent.port" &
SP=$!
PIDS="$PIDS $SP"
wait_for 100 test -s "$T/silent.port"
Q=$(cat "$T/silent.port")
sed -i "s|server: .*|server: https://127.0.0.1:$Q|" "$T/kc"
monitor_start
start_worker "$T/worker2.log"
check "silent server: the worker gives up on a connection (10 s)" \
    wait_for 300 logged "$T/worker2.log" "kube: /api/v1/nodes: list: .*\([Tt]imeout\|timed out\)"
kill "$SP"
wait "$SP" 2>/dev/null
# A real server whose certificate another CA signed.
mkdir "$T/certs2"
cp "$T/token" "$T/certs2/token"
fake_start "$T/fake2" --listen "127.0.0.1:$Q" --cert-dir "$T/certs2" \
    --token-file "$T/certs2/token" --nodes 5
check "foreign CA: fails closed, saying which check failed" wait_for 300 logged "$T/worker2.log" \
    "kube: /api/v1/nodes: list: SSL certificate problem: unable to get local issuer certificate"
no_lists() {
	in_ns curl -sSk --interface 127.0.0.2 "$URL/fake/stats" | "$PYTHON" -c '
import json, sys
sys.exit(json.load(sys.stdin)["requests"].get("list", 0) != 0)'
}
check "foreign CA: the server got no API request" no_lists
kill -TERM "$FP"
wait "$FP" 2>/dev/null
monitor_stop
check "silent server, foreign CA: no route changed" no_changes
check "silent server, foreign CA: routes as before" same_as "$T/good"
# The right server is back, with a 21st node.
fake_start "$T/fake3" --listen "127.0.0.1:$Q" --nodes 21
check "the right server back: synced with node-21 within 40 s" wait_for 400 eval \
    'has_route 198.18.20.0/24 192.0.2.21 && [ "$(count)" = 40 ]'

kill -TERM "$WP"
wait "$WP"
check "SIGTERM after it all: exit 0" test $? = 0
WP=
finish
