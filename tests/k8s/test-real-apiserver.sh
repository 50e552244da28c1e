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

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/netns.sh"
WORKER=$top_builddir/worker/xcni-worker
CLUSTER=$top_srcdir/tests/k8s/cluster
NODES=250
WUID=65534
# Changes must reach the kernel within this; the worker applies an event
# at once, but etcd, the apiserver and the worker share two busy cores.
LATENCY_MS=3000

need_root
# The machines' Go, not Debian's older one, builds the control plane.
[ -x /usr/local/go/bin/go ] && PATH=/usr/local/go/bin:$PATH
need ip nft ss setpriv python3 curl openssl kubectl go flock

NS=xcni-t-$$-k8s
T=$(mktemp -d)
K=$T/k8s
WP=
WP2=
MP=
cleanup() {
	for p in $MP $WP $WP2; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	[ -f "$K/pids" ] && "$CLUSTER" stop "$K"
	ip netns del "$NS" 2>/dev/null
	if [ -n "${XCNI_TEST_KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now_ms() { date +%s%3N; }

kc() { in_ns kubectl --kubeconfig "$K/admin.kubeconfig" --cache-dir "$T/kcache" "$@"; }

# The test's own requests come from 127.0.0.2 with the admin's certificate,
# so they pass while the worker is cut off.
kapi() {	# kapi METHOD PATH [JSON]
	in_ns curl -sS --fail-with-body --interface 127.0.0.2 --cacert "$K/pki/ca.crt" \
	    --cert "$K/pki/admin.crt" --key "$K/pki/admin.key" -X "$1" \
	    -H 'Content-Type: application/merge-patch+json' ${3:+-d "$3"} \
	    "https://127.0.0.1:$PORT$2" >"$T/kapi.out" 2>&1 ||
	    { echo "# kapi $1 $2 failed: $(head -c 300 "$T/kapi.out")"; return 1; }
}

addresses() {	# addresses NODE IPv4 IPv6: its InternalIPs replaced
	kapi PATCH "/api/v1/nodes/$1/status" "{\"status\":{\"addresses\":[
	    {\"type\":\"InternalIP\",\"address\":\"$2\"},
	    {\"type\":\"InternalIP\",\"address\":\"$3\"},
	    {\"type\":\"Hostname\",\"address\":\"$1\"}]}}"
}

same() { gateways "$1" >"$T/have" && cmp -s "$T/want" "$T/have"; }

# Waits up to TIMEOUT_MS until the routes of PROTO are exactly what the
# Node objects ask for; prints the difference when they are not.
exact() {	# exact TIMEOUT_MS [PROTO [CIDR_ANNOTATION ADDRESS_ANNOTATION]]
	t=$1 proto=${2:-202}
	shift
	[ $# -gt 0 ] && shift
	kapi GET /api/v1/nodes || return 1
	python3 "$top_srcdir/tests/k8s/want-routes" "$T/kapi.out" node-1 "$@" |
	    LC_ALL=C sort >"$T/want" || return 1
	wait_for $((t / 100)) same "$proto" && return 0
	echo "routes differ (- wanted, + present):"
	diff "$T/want" "$T/have" | grep '^[<>]' | head -10 | sed 's/^</-/; s/^>/+/'
	return 1
}

# check_exact DESC TIMEOUT_MS [exact's other arguments]: the time taken
# goes into the description.
check_exact() {
	desc=$1
	shift
	t0=$(now_ms)
	if exact "$@" >"$tap_out" 2>&1; then
		ok "$desc ($(($(now_ms) - t0)) ms)"
	else
		not_ok "$desc" "$tap_out"
	fi
}

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
	! in_ns ss -tne dst 127.0.0.1 dport = ":$PORT" | grep -q "uid:$WUID "
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
audit_size() { stat -c %s "$K/audit.log"; }

# --- the world -----------------------------------------------------------
t0=$(now_ms)
if "$CLUSTER" build >"$T/build.log" 2>&1; then
	ok "kube-apiserver and etcd built or found cached ($(($(now_ms) - t0)) ms)"
	grep '^cluster: built' "$T/build.log" | while read -r l; do note "$l"; done
else
	diag "$T/build.log"
	bail "kube-apiserver and etcd could not be built"
fi

ip netns add "$NS" || bail "cannot create network namespace $NS"
in_ns ip link set lo up
node_link || bail "cannot set up the node link"

t0=$(now_ms)
if in_ns "$CLUSTER" start "$K" >"$T/start.log" 2>&1; then
	ok "cluster started in the namespace in $(($(now_ms) - t0)) ms"
else
	diag "$T/start.log" "$K/etcd.log" "$K/apiserver.log"
	bail "the cluster did not start"
fi
PORT=$(cat "$K/apiserver.port")

kc version -o json >"$T/version" 2>&1
check "kubectl talks to it: server v1.37" grep -q '"gitVersion": "v1.37' "$T/version"
check "etc/kubernetes/xcni.yaml applied for real (server-side)" \
    kc apply --server-side -f "$top_srcdir/etc/kubernetes/xcni.yaml"
t0=$(now_ms)
check "$NODES nodes created, status through the status subresource" \
    in_ns python3 "$top_srcdir/tests/k8s/nodes" "$K" --nodes $NODES
note "$NODES nodes created in $(($(now_ms) - t0)) ms"

# The worker's credentials: a TokenRequest token bound to a Secret, so that
# deleting the Secret revokes it.
token() {	# token SECRET: a new token in $T/token
	kc -n kube-system create secret generic "$1" >/dev/null &&
	    kc -n kube-system create token xcni --duration 1h \
	    --bound-object-kind Secret --bound-object-name "$1" >"$T/token.new" &&
	    chmod 644 "$T/token.new" && mv "$T/token.new" "$T/token"
}
chmod 755 "$T"
cp "$K/pki/ca.crt" "$T/ca.crt" && chmod 644 "$T/ca.crt"
mkdir "$T/state" && chown $WUID:$WUID "$T/state"
cat >"$T/xcni.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:$PORT
    certificate-authority: $T/ca.crt
users:
- name: xcni
  user:
    tokenFile: $T/token
contexts:
- name: test
  context: {cluster: test, user: xcni}
current-context: test
EOF
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
refused() {	# refused TOKENFILE: the apiserver answers 401 to that token
	test "$(in_ns curl -s -o /dev/null -w '%{http_code}' --cacert "$T/ca.crt" \
	    -H "Authorization: Bearer $(cat "$1")" \
	    "https://127.0.0.1:$PORT/api/v1/nodes?limit=1")" = 401
}
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
# The apiserver refuses a --goaway-chance above 0.02. The worker makes few
# requests of its own (a list, then one long watch), so its connections are
# aborted every ten changes: each reconnect is another chance of a GOAWAY.
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
	    in_ns ss -tne dst 127.0.0.1 dport = ":$PORT" | grep -q "uid:$WUID "
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
    # the test used the token with kubectl too (RBAC checks)
    if e["user"].get("username") == "system:serviceaccount:kube-system:xcni" \
            and not agent.startswith("kubectl"):
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
