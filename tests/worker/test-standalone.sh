#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A standalone xcni-worker: its settings from the environment, checked as
# xcni.ini's are; without NODE_NAME its node name from the host name as
# the kubelet registers it (lowercased): on a host named Node-1 it is Node
# node-1, publishes that Node's ranges and routes to the others only. The
# host name is set in a UTS namespace of the test's own, the routes in a
# network namespace of its own.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/worker/lib.sh"

need_root
need python3 curl unshare hostname

FP= WP=
PIDVARS="FP WP"
netns_test standalone
node_link

python3 - >"$T/nodes.json" <<'PY'
import json
items = []
for i in range(1, 4):
    name = "node-%d" % i
    items.append({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:0%dZ" % i},
        "spec": {"podCIDRs": ["198.18.%d.0/24" % i]},
        "status": {"addresses": [{"type": "InternalIP", "address": "192.0.2.%d" % i}]}})
json.dump({"kind": "NodeList", "apiVersion": "v1", "items": items}, open(1, "w"))
PY
echo "tok-1" >"$T/token"
ip netns exec "$NS" python3 "$FAKE" --listen 127.0.0.1:0 --nodes-file "$T/nodes.json" \
    --cert-dir "$T/certs" --token-file "$T/token" --kubeconfig-out "$T/kc" \
    --kubeconfig-token-file >"$T/url" 2>"$T/fake.log" &
FP=$!
wait_for 200 test -s "$T/url" || { diag "$T/fake.log"; bail "the fake API server did not start"; }
URL=$(cat "$T/url")

# Bad values: refused at start with xcni.ini's messages, nothing done.
ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$T/kc" PROTOCOL=abc \
    CIDR_ANNOTATION=-bad "$WORKER" --state-dir "$T/state" --table 255 \
    </dev/null >/dev/null 2>"$T/bad.log"
is "bad environment: exit status 78" "$?" 78
check "bad environment: each value's message" grep -qxF \
    'environment: $PROTOCOL: protocol: "abc" is not allowed; use a number in 5..255' "$T/bad.log"
check "bad environment: the --table message" grep -qxF \
    'environment: --table: table: "255" is not allowed; use main or a number in 1..4294967295 other than 255 (local)' "$T/bad.log"
check "bad environment: the annotation message" grep -qF \
    'environment: $CIDR_ANNOTATION: cidr-annotation: "-bad" is not a Kubernetes annotation key' "$T/bad.log"
check_not "bad environment: no state directory made" test -e "$T/state"

# The worker, in both namespaces: exec keeps $! the worker's pid.
ip netns exec "$NS" unshare --uts sh -c \
    'hostname Node-1 && exec env -u NODE_NAME "$@"' sh \
    env KUBECONFIG="$T/kc" LOG_LEVEL=debug "$WORKER" --state-dir "$T/state" \
    </dev/null >/dev/null 2>"$T/worker.log" &
WP=$!

# The worker has listed the Nodes when the other two have their routes.
others() { [ "$(gateways 202)" = "198.18.2.0/24 192.0.2.2
198.18.3.0/24 192.0.2.3" ]; }
if wait_for 300 others; then
	ok "routes to the other nodes"
else
	gateways 202 >"$T/routes"
	not_ok "routes to the other nodes" "$T/routes" "$T/worker.log"
fi
check_not "no route to its own range" sh -c \
    "ip netns exec '$NS' ip route show proto 202 | grep -q '^198.18.1.0/24'"
check "its own Node node-1's ranges published in the state file" grep -q \
    '"node":"node-1","annotation":null,"cidrs":\["198.18.1.0/24"\]' \
    "$T/state/xcluster.json"
check_not "no complaint that its own Node is missing" \
    grep -q "own Node not found" "$T/worker.log"
check "host name Node-1 was in force for the worker" \
    grep -q 'node node-1,' "$T/worker.log"
done_testing
