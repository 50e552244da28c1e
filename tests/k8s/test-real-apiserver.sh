#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xcni-worker against a real kube-apiserver and etcd (tests/k8s/cluster),
# all inside a network namespace this script creates, with the credentials
# a deployment uses: etc/kubernetes/xcni.yaml applied for real and a token
# of the xcni ServiceAccount from the TokenRequest API. Initial sync, node
# changes, annotations, RBAC, a quiet cluster (XCNI_TEST_QUIET seconds
# without a change, default 200), token replacement, an apiserver restart,
# GOAWAY, and an etcd compaction with a node deleted in the gap.
#
# The worker runs as uid 65534 with CAP_NET_ADMIN alone (as the supervisor
# runs it), so that an nft rule on that uid cuts it off from the apiserver
# while the test and the apiserver's own loopback client go on.
set -u

. "$(dirname "$0")/lib.sh"
WORKER=$top_builddir/worker/xcni-worker
NODES=250
WUID=65534
# Changes must reach the kernel within this; the worker applies an event
# at once, but etcd, the apiserver and the worker share two busy cores.
LATENCY_MS=3000
need nft ss setpriv

WP=
WP2=
MP=
cleanup() {
	for p in $MP $WP $WP2; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	k8s_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# env runs the first word after the VAR=VALUE words: the worker.
start_worker() {	# start_worker LOGFILE [VAR=VALUE...] WORKER [ARGS...]
	log=$1
	shift
	ip netns exec "$NS" setpriv --reuid=$WUID --regid=$WUID --clear-groups \
	    --inh-caps=-all,+net_admin --ambient-caps=+net_admin \
	    env NODE_NAME=node-1 KUBECONFIG="$T/xcni.kubeconfig" LOG_LEVEL=debug \
	    "$@" --state-dir "$T/state" </dev/null >/dev/null 2>>"$log" &
}

# cut / uncut: the worker's packets to the apiserver are refused, its open
# connections aborted.
cut() {
	in_ns nft add table inet xcni &&
	    in_ns nft add chain inet xcni out '{ type filter hook output priority 0; }' &&
	    in_ns nft add rule inet xcni out meta skuid $WUID tcp dport "$PORT" \
	    reject with tcp reset || return 1
	in_ns ss -K -tn dst 127.0.0.1 dport = ":$PORT" >/dev/null 2>&1
	! in_ns ss -tne dst 127.0.0.1 dport = ":$PORT" 2>/dev/null | grep -q "uid:$WUID "
}
uncut() { in_ns nft delete table inet xcni; }

# The requests the xcni ServiceAccount made since the audit log had OFFSET
# bytes, and those refused with 401: one "verb code URI" line each.
requests() {	# requests OFFSET
	tail -c +"$(($1 + 1))" "$K/audit.log" | python3 -c '
import json, sys
seen = set()
for line in sys.stdin:
    e = json.loads(line)
    code = (e.get("responseStatus") or {}).get("code")
    # a refused token has no user; the only client with a bad one is xcni
    if e["user"].get("username") != "system:serviceaccount:kube-system:xcni" \
            and code != 401:
        continue
    # a watch is logged when it starts (and again when it ends)
    if e["auditID"] in seen or e["verb"] == "watch" and e["stage"] != "ResponseStarted":
        continue
    seen.add(e["auditID"])
    print(e["verb"], code, e["requestURI"])'
}

# --- the world -----------------------------------------------------------
k8s_up $NODES

# The worker's credentials: a TokenRequest token bound to a Secret, so that
# deleting the Secret revokes it.
chmod 755 "$T"
cp "$K/pki/ca.crt" "$T/ca.crt" && chmod 644 "$T/ca.crt"
mkdir "$T/state" && chown $WUID:$WUID "$T/state"
"$CLUSTER" token-kubeconfig "https://127.0.0.1:$PORT" "$T/ca.crt" \
    "$T/token" >"$T/xcni.kubeconfig"
check "a token for the xcni ServiceAccount (TokenRequest API)" token tok-1

# --- RBAC ------------------------------------------------------------------
xc() { in_ns kubectl --kubeconfig "$T/xcni.kubeconfig" --cache-dir "$T/kcache-xcni" "$@"; }
for v in get list watch; do
	check "RBAC: the ServiceAccount may $v nodes" sh -c \
	    "ip netns exec $NS kubectl --kubeconfig $T/xcni.kubeconfig \
	    --cache-dir $T/kcache-xcni auth can-i $v nodes | grep -qx yes"
done
# Every right it has beyond those of a ServiceAccount bound to nothing
# (what every authenticated user may: self reviews, discovery, ...).
xc auth can-i --list 2>&1 | tr -s ' ' >"$T/can-i"
kc -n kube-system create serviceaccount nobody >/dev/null
kc auth can-i --list --as system:serviceaccount:kube-system:nobody 2>&1 |
    tr -s ' ' >"$T/can-i.nobody"
check "RBAC: nothing else than get, list and watch nodes" sh -c "
    diff $T/can-i.nobody $T/can-i | grep '^[<>]' >$T/can-i.diff
    grep -qx '> nodes  *\[\]  *\[\]  *\[get list watch\] *' $T/can-i.diff &&
	test \$(wc -l <$T/can-i.diff) = 1 || { cat $T/can-i.diff; exit 1; }"
xc annotate node node-2 xcni.io/test=1 >"$T/write.out" 2>&1
check "RBAC: a write with the token is refused (403)" grep -q \
    'forbidden: User "system:serviceaccount:kube-system:xcni" cannot patch resource "nodes"' \
    "$T/write.out"

# --- initial sync, node add, modify, delete --------------------------------
t0=$(now_ms)
start_worker "$T/worker.log" "$WORKER"
WP=$!
if exact 30000 >"$tap_out" 2>&1; then
	ok "initial sync of $NODES nodes (IPv4 and IPv6) in $(($(now_ms) - t0)) ms"
else
	not_ok "initial sync of $NODES nodes" "$tap_out" "$T/worker.log"
fi

cat >"$T/new.json" <<'EOF'
[{"metadata": {"name": "node-new"},
  "spec": {"podCIDRs": ["198.19.251.0/24", "fd00:0:0:fb00::/64"]},
  "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.251"},
                           {"type": "InternalIP", "address": "2001:db8::fb"}]}}]
EOF
in_ns python3 "$top_srcdir/tests/k8s/nodes" "$K" --nodes-file "$T/new.json" >/dev/null
check_exact "node added (kubectl create, status subresource): its routes" $LATENCY_MS
kc patch node node-5 --subresource=status --type=merge -p '{"status":{"addresses":[
    {"type":"InternalIP","address":"192.0.2.155"},{"type":"InternalIP","address":"2001:db8::9b"},
    {"type":"Hostname","address":"node-5"}]}}' >/dev/null
check_exact "node modified (status subresource): nexthops replaced" $LATENCY_MS
kc delete node node-7 --wait=false >/dev/null
check_exact "node deleted: its routes removed" $LATENCY_MS

monitor_start
for i in $(seq 10 30); do
	kapi PATCH "/api/v1/nodes/node-$i/status" \
	    "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",
	    \"reason\":\"KubeletReady\",\"lastHeartbeatTime\":\"$(date -u +%FT%TZ)\"}]}}"
done
monitor_stop
check "21 heartbeats (status MODIFIED): no route changes" no_changes

# --- annotations of a secondary network (a second worker, protocol 200) ---
ANN="cidr.example.com/net3 adr.example.com/net3"
start_worker "$T/worker2.log" PROTOCOL=200 CIDR_ANNOTATION=cidr.example.com/net3 \
    ADDRESS_ANNOTATION=adr.example.com/net3 "$WORKER" --network net3
WP2=$!
kc annotate node node-3 'cidr.example.com/net3= 198.18.250.0/26 , fd00:5::1:0/112' \
    'adr.example.com/net3=192.0.2.3, 2001:db8::3' >/dev/null
# shellcheck disable=SC2086 # two words
check_exact "annotations added: protocol 200 routes" $LATENCY_MS 200 $ANN
kc annotate --overwrite node node-3 'cidr.example.com/net3=198.18.250.64/26' >/dev/null
# shellcheck disable=SC2086
check_exact "annotation changed: route replaced" $LATENCY_MS 200 $ANN
kc annotate node node-3 'cidr.example.com/net3-' >/dev/null
# shellcheck disable=SC2086
check_exact "annotation removed: routes removed" $LATENCY_MS 200 $ANN
kill "$WP2"
wait "$WP2" 2>/dev/null
WP2=

# --- a quiet cluster ----------------------------------------------------
# No Node changes for longer than the worker's idle limit (180 s): the real
# watch cache sends a bookmark only once its resourceVersion has moved past
# the watcher's, so a quiet watch may carry nothing at all for minutes.
QUIET=${XCNI_TEST_QUIET:-200}
lines=$(wc -l <"$T/worker.log")
off=$(audit_size)
sleep "$QUIET"
tail -n +"$((lines + 1))" "$T/worker.log" >"$T/quiet.log"
requests "$off" >"$T/requests"
note "requests of the worker in $QUIET quiet seconds:"
note "$(cat "$T/requests")"
check "$QUIET s without a Node change: no warning, no reconnection" \
	    sh -c "! grep -E ': (warning|error): |reconnect' $T/quiet.log"
check "$QUIET s without a Node change: no list" \
	    sh -c "! grep '^list ' $T/requests"
addresses node-80 192.0.2.180 2001:db8::b4
check_exact "after the quiet time, the next change applied within 1 s" 1000

# --- the token replaced, the old one revoked -------------------------------
# TokenRequest refuses a --duration under 10 minutes, so the old token is
# ended by deleting the Secret it is bound to. The apiserver caches a good
# token's authentication for a few seconds: wait until it refuses the old
# one, then abort the worker's connection.
cp "$T/token" "$T/token.old"
token tok-2
kc -n kube-system delete secret tok-1 >/dev/null
wait_for 300 refused "$T/token.old"
check "the old token refused once its Secret is gone" refused "$T/token.old"
off=$(audit_size)
if cut; then
	uncut
	addresses node-50 192.0.2.150 2001:db8::96
	check_exact "token replaced and the old one revoked: the worker goes on" 20000
	requests "$off" >"$T/requests"
	note "requests of the worker after the token's replacement:"
	note "$(cat "$T/requests")"
	check "at most one request refused (401) before the new token is read" \
	    test "$(grep -c '^[a-z]* 401 ' "$T/requests")" -le 1
else
	not_ok "token replaced: could not cut the worker off"
fi

# --- the apiserver restarted; a change it missed is applied after ----------
gateways 202 >"$T/before"
if cut; then
	kapi DELETE /api/v1/nodes/node-40
	addresses node-41 192.0.2.141 2001:db8::8d
	"$CLUSTER" apiserver "$K" stop
	sleep 1
	gateways 202 >"$T/during"
	check "apiserver down: routes stay" cmp "$T/before" "$T/during"
	in_ns "$CLUSTER" apiserver "$K" start || bail "the apiserver did not restart"
	off=$(audit_size)
	uncut
	check_exact "apiserver restarted: the changes it missed applied" 40000
	sleep 2
	requests "$off" >"$T/requests"
	note "requests of the worker after the restart:"
	note "$(cat "$T/requests")"
	check "after the restart one list, served from the watch cache (resourceVersion set)" \
	    sh -c "
	    test \$(grep -c '^list ' $T/requests) = 1 &&
	    grep '^list ' $T/requests | grep -q 'resourceVersion=[0-9]'"
else
	not_ok "apiserver restart: could not cut the worker off"
fi

# --- GOAWAY, with a stream of changes --------------------------------------
# The apiserver refuses a --goaway-chance above 0.02, and sends GOAWAY
# only on HTTP/2 connections: the worker's default HTTP/1.1 never gets one,
# so this is the stream of changes with aborted connections under the
# flag; test-real-supervisor.sh runs it under HTTP/2 too. The worker makes
# few requests of its own (a list, then one long watch), so its connections
# are aborted every ten changes: each reconnect is another request.
"$CLUSTER" apiserver "$K" stop
in_ns "$CLUSTER" apiserver "$K" start -- --goaway-chance=0.02 ||
    bail "the apiserver did not restart"
exact 40000 >/dev/null
for i in $(seq 60 159); do
	addresses "node-$i" "192.0.2.$i" "2001:db8::1:$i"
	[ $((i % 10)) = 0 ] && in_ns ss -K -tn dst 127.0.0.1 dport = ":$PORT" >/dev/null 2>&1
done
check_exact "--goaway-chance=0.02, 100 changes, 10 aborted connections: none lost" 30000
kill -0 "$WP" 2>/dev/null
check "the worker still runs" test $? = 0

# --- etcd compaction, a node deleted in the gap ----------------------------
# No watch cache for nodes: the watch is etcd's own, so a compacted
# resourceVersion is a 410 (with the cache, a restart gives one instead).
"$CLUSTER" apiserver "$K" stop
in_ns "$CLUSTER" apiserver "$K" start -- --watch-cache-sizes=nodes#0 \
    --etcd-compaction-interval=2s || bail "the apiserver did not restart"
exact 40000 >/dev/null
kapi GET "/api/v1/nodes?limit=1"
rv=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["metadata"]["resourceVersion"])' "$T/kapi.out")
# etcd's JSON gateway: has the revision been compacted away?
compacted() {
	in_ns curl -s "http://127.0.0.1:$(cat "$K/etcd.port")/v3/kv/range" \
	    -d "{\"key\":\"$(printf /registry/nodes/node-1 | base64)\",\"revision\":\"$rv\"}" |
	    grep -q 'compacted'
}
# The worker's last request is a watch, and it is open.
watching() {
	grep 'kube: ' "$T/worker.log" | tail -n 1 | grep -q 'GET /api/v1/nodes?watch=1' &&
	    in_ns ss -tne dst 127.0.0.1 dport = ":$PORT" 2>/dev/null | grep -q "uid:$WUID "
}
# After the restart the worker relists (its resourceVersion is soon
# compacted); the gap must open while it watches.
wait_for 300 watching
relists=$(grep -c 'relisting' "$T/worker.log")
if cut; then
	kapi DELETE /api/v1/nodes/node-45
	# the compactor compacts to the revision of its previous round
	for i in $(seq 1 5); do kapi PATCH /api/v1/nodes/node-46 \
	    "{\"metadata\":{\"annotations\":{\"xcni.io/round\":\"$i\"}}}"; sleep 1; done
	wait_for 300 compacted
	check "etcd compacted past the worker's resourceVersion $rv" compacted
	uncut
	check_exact "after the compaction: relisted, the deleted node's routes gone" 40000
	check "the worker relisted on a 410" sh -c \
	    "test \$(grep -c relisting $T/worker.log) -gt $relists"
else
	not_ok "compaction: could not cut the worker off"
fi

# Audit logs and API Priority and Fairness tell clients apart by this.
python3 -c '
import json, sys
agents = set()
for line in open(sys.argv[1]):
    e = json.loads(line)
    agent = e.get("userAgent", "(none)")
    # the test used the token with kubectl (RBAC checks) and curl (refused)
    if e["user"].get("username") == "system:serviceaccount:kube-system:xcni" \
            and not agent.startswith(("kubectl", "xcni-test")):
        agents.add(agent)
print("\n".join(sorted(agents)))' "$K/audit.log" >"$T/agents"
note "User-Agents of the xcni ServiceAccount's requests: $(tr '\n' ' ' <"$T/agents")"
check "every request of the worker names it in its User-Agent" \
	    sh -c "test -s $T/agents && ! grep -v '^xcni-worker/' $T/agents"

grep -E ': (warning|error): ' "$T/worker.log" | grep -v 'watch: ' >"$T/warnings"
note "worker warnings other than watch errors: $(wc -l <"$T/warnings")"
diag "$T/warnings"

kill -TERM "$WP"
wait "$WP"
check "the worker exits 0 on SIGTERM" test $? = 0
WP=
done_testing
