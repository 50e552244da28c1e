#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xcni-supervisor and kube-node's API fallback against a real
# kube-apiserver and etcd (tests/k8s/cluster), in a network namespace this
# script creates, as a DaemonSet runs them: the xcni.ini of
# etc/kubernetes/xcni.yaml's ConfigMap plus a secondary network, in-cluster
# credentials holding a TokenRequest token of the xcni ServiceAccount,
# --install-cni-bin. Both networks' routes, the files installed, a node
# change, routes left in place at stop; then the same under HTTP/2, which
# the apiserver's own log shows negotiated (or not), with --goaway-chance;
# then kube-node with no state file, through the kubeconfig the supervisor
# installed, and its errors when the token is refused (RBAC, revoked).
set -u

. "$(dirname "$0")/lib.sh"
SUP=$top_builddir/supervisor/xcni-supervisor
NODES=100
# The workers' user, as in the DaemonSet's xcni.ini.
WUID=65532
LATENCY_MS=3000
ANN="cidr.example.com/net3 adr.example.com/net3"
need ss
need_path /usr/lib/cni/host-local

SPID=
cleanup() {
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null && wait "$SPID" 2>/dev/null
	k8s_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Every HTTP/2 connection the apiserver accepts is in its log
# ("http2: server connection from ADDR"): that is how the test sees which
# protocol a client negotiated.
GODEBUG=http2debug=1
export GODEBUG
k8s_up $NODES -- --goaway-chance=0.02
unset GODEBUG

# net3: a secondary network, its CIDRs and addresses in annotations.
net3() {	# net3 NODE CIDRS ADDRESSES
	kapi PATCH "/api/v1/nodes/$1" "{\"metadata\":{\"annotations\":{
	    \"cidr.example.com/net3\":\"$2\",\"adr.example.com/net3\":\"$3\"}}}"
}
for i in 1 2 3 4; do
	net3 node-$i "198.18.250.$((i * 16))/28, fd00:5::$i:0/112" "192.0.2.$i, 2001:db8::$i"
done

# The DaemonSet's credentials: in-cluster (the ServiceAccount's directory,
# the service's address), a token bound to a Secret.
chmod 755 "$T"	# the workers' user reaches its state directory
mkdir -m 700 "$T/sa" "$T/bin"
cp "$K/pki/ca.crt" "$T/sa/ca.crt"
check "a token for the xcni ServiceAccount (TokenRequest API)" token tok-sup "$T/sa/token"

# The DaemonSet's xcni.ini (its ConfigMap), with this test's directories,
# and a secondary network.
sed -n '/^  xcni.ini: |$/,/^---$/{/^    /s/^    //p;/^$/p}' \
    "$top_srcdir/etc/kubernetes/xcni.yaml" |
    sed "s|^state-dir = .*|state-dir = $T/state|; s|^cni-conf-dir = .*|cni-conf-dir = $T/net.d|" \
    >"$T/xcni.ini"
cat >>"$T/xcni.ini" <<EOF

[net3]
cidr-annotation = cidr.example.com/net3
address-annotation = adr.example.com/net3
protocol = 200
cni-conf = 20-net3.conflist
EOF
check "the ConfigMap's xcni.ini, two networks, is valid" \
    env NODE_NAME=node-1 "$SUP" -c "$T/xcni.ini" --check

# start [VAR=VALUE...]: the supervisor in DaemonSet mode, in the namespace
# (exec'd, so that $SPID is its pid).
start() {
	ip netns exec "$NS" env -u KUBECONFIG -u LOG_LEVEL NODE_NAME=node-1 \
	    KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT="$PORT" \
	    XCNI_SA_DIR="$T/sa" XCNI_PLUGIN_DIR="$top_builddir/plugin" \
	    XCNI_WORKER="$top_builddir/worker/xcni-worker" "$@" \
	    "$SUP" -f -c "$T/xcni.ini" --install-cni-bin "$T/bin" \
	    </dev/null >/dev/null 2>>"$T/sup.log" &
	SPID=$!
}
ready() { grep -qx 'ready=1' "$T/state/.status" 2>/dev/null && grep -qx "pid=$SPID" "$T/state/.status"; }
wpid() { sed -n "s/^network=$1 pid=\([0-9]*\) .*/\1/p" "$T/state/.status"; }
both() { gateways 202; gateways 200; }

# The local ports of the workers' connections to the apiserver.
worker_ports() {
	in_ns ss -tneH dst 127.0.0.1 dport = ":$PORT" 2>/dev/null | grep "uid:$WUID " |
	    awk '{ n = split($4, a, ":"); print a[n] }' | sort -u
}
two_watches() { [ "$(worker_ports | wc -l)" -ge 2 ]; }
# h2 PORT: the apiserver logged that connection as HTTP/2 since its log
# had $MARK bytes (so that an older connection from the same port is not
# taken for it). mark: sets MARK, before the connections to be checked.
h2() {
	tail -c +"$((MARK + 1))" "$K/apiserver.log" |
	    grep -q "http2: server connection from 127.0.0.1:$1 "
}
mark() { MARK=$(stat -c %s "$K/apiserver.log"); }
# protocol WANT: each of the workers' open connections is HTTP/2 (WANT 2)
# or, though the apiserver offers it, not (WANT 1.1); one line per port.
protocol() {
	# After an apiserver restart a worker may be in its relist spacing
	# (at most 30 s: the outage's failed connections and the first
	# watches' 403s, before the restarted server's RBAC caches fill).
	wait_for 400 two_watches || { echo "the workers have no connections"; return 1; }
	for p in $(worker_ports); do
		if h2 "$p"; then got=2; else got=1.1; fi
		echo "port $p HTTP/$got"
		[ "$got" = "$1" ] || return 1
	done
}
# check_protocol DESC VERSION: the ports and what they negotiated go into
# the description.
check_protocol() {
	if protocol "$2" >"$T/protocol" 2>&1; then
		ok "$1 ($(paste -sd, "$T/protocol"))"
	else
		not_ok "$1" "$T/protocol"
	fi
}

# The xcni ServiceAccount's requests since the audit log had OFFSET bytes,
# by User-Agent and verb.
requests() {	# requests OFFSET
	tail -c +"$(($1 + 1))" "$K/audit.log" | python3 -c '
import collections, json, sys
n = collections.Counter()
for line in sys.stdin:
    e = json.loads(line)
    if e["user"].get("username") == "system:serviceaccount:kube-system:xcni" \
            and (e["verb"] != "watch" or e["stage"] == "ResponseStarted"):
        n[e.get("userAgent", "").split(" ")[0] + " " + e["verb"]] += 1
for k, v in sorted(n.items()):
    print(v, k)'
}

# stream K: a change to each of the nodes 20..69 (and to net3 every
# tenth), addresses new for each K; the workers' connections aborted every
# tenth: each reconnect is another request, another chance of a GOAWAY.
stream() {
	for i in $(seq 20 69); do
		addresses "node-$i" "192.0.2.$((i + 50 + 50 * $1))" "2001:db8::$1:$i"
		[ $((i % 10)) = 0 ] || continue
		net3 node-2 "198.18.25$1.$((i * 4))/30" "192.0.2.2"
		in_ns ss -K -tn dst 127.0.0.1 dport = ":$PORT" >/dev/null 2>&1
	done
}

# sync_phase VERSION [VAR=VALUE...]: the supervisor started with that
# environment; both networks synced over that version of HTTP.
sync_phase() {
	v=$1
	shift
	t0=$(now_ms)
	mark
	start "$@"
	if wait_for 600 ready; then
		ok "HTTP/$v: supervisor ready, both workers synced ($(($(now_ms) - t0)) ms)"
	else
		not_ok "HTTP/$v: supervisor ready" "$T/sup.log"
	fi
	check_exact "HTTP/$v: xcluster's routes exact" 10000
	# shellcheck disable=SC2086 # two words
	check_exact "HTTP/$v: net3's routes exact (annotations)" 10000 200 $ANN
	check_protocol "HTTP/$v: the workers' connections negotiated it" "$v"
}

# change_phase VERSION K: a change, the GOAWAY stream, an apiserver
# restart. K (1, 2, ...) makes each phase's changes new.
change_phase() {
	v=$1 k=$2
	addresses node-5 "192.0.2.$((230 + k))" "2001:db8::$((230 + k))"
	kapi DELETE "/api/v1/nodes/node-$((8 + k))"
	net3 node-3 "198.18.250.$((100 + 4 * k))/30" 192.0.2.3
	check_exact "HTTP/$v: node modified, node deleted: xcluster's routes" $LATENCY_MS
	# shellcheck disable=SC2086
	check_exact "HTTP/$v: annotation changed: net3's routes" $LATENCY_MS 200 $ANN
	off=$(audit_size)
	stream "$k"
	check_exact "HTTP/$v: --goaway-chance=0.02, 50 changes, 5 aborted connections: none lost" 30000
	# shellcheck disable=SC2086
	check_exact "HTTP/$v: the same for net3" 10000 200 $ANN
	requests "$off" >"$T/requests"
	note "HTTP/$v: the workers' requests during the stream (each h2 one a 2% chance of GOAWAY):"
	note "$(cat "$T/requests")"
	restart "$v"
}

# restart VERSION: the apiserver stopped (a graceful shutdown: it ends the
# watches, and sends a GOAWAY on every HTTP/2 connection) and started again.
restart() {
	v=$1
	both >"$T/before"
	lines=$(wc -l <"$T/sup.log")
	"$CLUSTER" apiserver "$K" stop
	both >"$T/during"
	check "HTTP/$v: apiserver stopped: routes stay" cmp "$T/before" "$T/during"
	mark
	in_ns env GODEBUG=http2debug=1 "$CLUSTER" apiserver "$K" start ||
	    bail "the apiserver did not restart"
	addresses node-6 "192.0.2.$((240 + k))" "2001:db8::$((240 + k))"
	check_exact "HTTP/$v: apiserver restarted: the next change applied" 40000
	check_protocol "HTTP/$v: the new connections negotiated it too" "$v"
	note "HTTP/$v: what the workers said of the restart:"
	note "$(tail -n +"$((lines + 1))" "$T/sup.log" | grep -E ': (warning|error): ')"
}

# stop_phase VERSION: the workers ran throughout; the supervisor stopped,
# the routes stay.
stop_phase() {
	v=$1
	check "HTTP/$v: both workers still run (not restarted)" sh -c \
	    "grep -q '^network=xcluster .* restarts=0' $T/state/.status &&
	    grep -q '^network=net3 .* restarts=0' $T/state/.status"
	both >"$T/before"
	kill -TERM "$SPID"
	wait "$SPID"
	check "HTTP/$v: supervisor stopped (SIGTERM): exit 0" test $? = 0
	SPID=
	both >"$T/after"
	check "HTTP/$v: routes stay after the stop" cmp "$T/before" "$T/after"
}

# --- the supervisor as deployed: HTTP/1.1, the default ---------------------
check "the apiserver logs HTTP/2 connections (kubectl's)" \
    grep -q 'http2: server connection from' "$K/apiserver.log"
sync_phase 1.1
pid=$(wpid xcluster)
check "the workers: uid $WUID, CAP_NET_ADMIN only, no_new_privs" sh -c "
    for p in $pid $(wpid net3); do
	grep -q '^Uid:[[:space:]]*$WUID[[:space:]]' /proc/\$p/status &&
	grep -q '^CapEff:[[:space:]]*0000000000001000\$' /proc/\$p/status &&
	grep -q '^NoNewPrivs:[[:space:]]*1\$' /proc/\$p/status || exit 1
    done"
check "kube-node, kube-node-api, host-local and bridge installed" sh -c "
    cmp $top_builddir/plugin/kube-node $T/bin/kube-node &&
    cmp $top_builddir/plugin/kube-node-api $T/bin/kube-node-api &&
    test -x $T/bin/host-local && test -x $T/bin/bridge"
check "the plugin's kubeconfig (0600) and the token copy installed" sh -c "
    test \$(stat -c %a $T/net.d/xcni.kubeconfig) = 600 &&
    cmp $T/sa/token $T/net.d/xcni.token &&
    grep -q 'server: \"https://127.0.0.1:$PORT\"' $T/net.d/xcni.kubeconfig"
check "both CNI configuration files written, kube-node IPAM with that kubeconfig" \
    sh -c "grep -q '\"kubeconfig\":.*\"$T/net.d/xcni.kubeconfig\"' $T/net.d/10-xcluster.conflist &&
    grep -q '\"annotation\":.*\"cidr.example.com/net3\"' $T/net.d/20-net3.conflist &&
    grep -q '\"kubeconfig\":.*\"$T/net.d/xcni.kubeconfig\"' $T/net.d/20-net3.conflist"
change_phase 1.1 1
stop_phase 1.1

# --- the same with XCNI_HTTP_VERSION=2 -------------------------------------
# The routes flushed, so that this supervisor's workers sync from nothing.
for p in 202 200; do
	gateways $p | awk -v p=$p '{ print "route del", $1, "proto", p }'
done | in_ns ip -batch -
check "both networks' routes removed" test -z "$(both)"
sync_phase 2 XCNI_HTTP_VERSION=2
change_phase 2 2
stop_phase 2
# The sanitizer build's runtimes report on standard error, at exit too.
check "no sanitizer report from the supervisor or a worker" \
    sh -c "! grep -E 'Sanitizer|runtime error' $T/sup.log"

# --- kube-node with no state file: the API fallback ------------------------
# The xcluster and net3 plugin configurations as the supervisor wrote them,
# with a state directory that has no state file.
mkdir "$T/nostate"
netconf() {	# netconf CONFLIST [KUBECONFIG]: to stdout
	python3 - "$1" "$T/nostate" "$T/ipam" "${2:-}" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
p = [x for x in c["plugins"] if "ipam" in x][0]
p["ipam"].update(stateDir=sys.argv[2], dataDir=sys.argv[3])
if sys.argv[4]:
    p["ipam"]["kubeconfig"] = sys.argv[4]
print(json.dumps(dict(p, cniVersion=c["cniVersion"], name=c["name"])))
EOF
}
kn() {	# kn ID NETCONF: ADD; sets rc, $T/kn.out (all in $T/kn.all)
	printf '%s' "$2" >"$T/kn.in"
	in_ns env -u KUBECONFIG CNI_COMMAND=ADD CNI_CONTAINERID="$1" \
	    CNI_NETNS=/run/netns/none CNI_IFNAME=eth0 CNI_PATH="$T/bin" \
	    NODE_NAME=node-1 KUBE_NODE_DIRS="$T" \
	    "$T/bin/kube-node" <"$T/kn.in" >"$T/kn.out" 2>&1
	rc=$?
	cat "$T/kn.out" >>"$T/kn.all"
}
# inside [ANNOTATION]: the ADD succeeded, every address it gave inside
# node-1's spec.podCIDRs (or the CIDRs of its annotation), one per family.
inside() {
	kapi GET /api/v1/nodes/node-1 &&
	    python3 - "$T/kapi.out" "$T/kn.out" "${1:-}" <<'EOF'
import ipaddress, json, sys
node = json.load(open(sys.argv[1]))
ann = sys.argv[3]
cidrs = (node["metadata"]["annotations"][ann].split(",") if ann
         else node["spec"]["podCIDRs"])
nets = [ipaddress.ip_network(c.strip()) for c in cidrs]
got = [ipaddress.ip_interface(i["address"]).ip
       for i in json.load(open(sys.argv[2]))["ips"]]
print("wanted in", [str(n) for n in nets], "got", [str(a) for a in got])
assert len(got) == len(nets)
assert all(any(a in n for n in nets) for a in got)
EOF
}
ok_add() { test "$rc" = 0 && inside "$@"; }
off=$(audit_size)
t0=$(now_ms)
kn a1 "$(netconf "$T/net.d/10-xcluster.conflist")"
took=$(($(now_ms) - t0))
check "no state file: ADD gets node-1's spec.podCIDRs from the real API ($took ms)" ok_add
kn a2 "$(netconf "$T/net.d/20-net3.conflist")"
check "no state file: ADD gets node-1's net3 annotation from the real API" \
    ok_add cidr.example.com/net3
tail -c +"$((off + 1))" "$K/audit.log" | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e["stage"] == "ResponseComplete":
        print(e["user"]["username"], e["userAgent"].split(" ")[0].split("/")[0],
              e["verb"], e["requestURI"], e["responseStatus"]["code"])' >"$T/kn.audit"
check "both GETs made with the xcni ServiceAccount's token (audit log)" sh -c "
    test \$(grep -c '^system:serviceaccount:kube-system:xcni kube-node get /api/v1/nodes/node-1 200\$' \
    $T/kn.audit) = 2"

# refused NAME WANT [KUBECONFIG]: ADD fails with code 7 and details that
# hold WANT (as the JSON escapes it): the status and the API server's words.
refused_add() {
	kn "$1" "$(netconf "$T/net.d/10-xcluster.conflist" "${3:-}")"
	echo "exit status $rc"
	cat "$T/kn.out"
	test "$rc" = 1 && grep -q '"code": *7' "$T/kn.out" &&
	    grep -qF "$2" "$T/kn.out"
}
kc -n kube-system create serviceaccount nobody >/dev/null
token tok-nobody "$T/nobody.token" nobody
sed "s|^\( *tokenFile: \).*|\1\"$T/nobody.token\"|" "$T/net.d/xcni.kubeconfig" \
    >"$T/nobody.kubeconfig"
check "a token without the RBAC rights: code 7, 403 and who may not get what" \
    refused_add r1 'answered 403: nodes \"node-1\" is forbidden: User \"system:serviceaccount:kube-system:nobody\" cannot get resource \"nodes\"' \
    "$T/nobody.kubeconfig"
kc -n kube-system delete secret tok-sup >/dev/null
wait_for 300 refused "$T/net.d/xcni.token"
check "the installed token revoked (its Secret deleted): code 7, 401 Unauthorized" \
    refused_add r2 'answered 401: Unauthorized'
note "what a refused ADD says: $(cat "$T/kn.out")"
check "no sanitizer report from kube-node or kube-node-api" \
    sh -c "! grep -E 'Sanitizer|runtime error' $T/kn.all"
done_testing
