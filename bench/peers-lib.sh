# SPDX-License-Identifier: Apache-2.0
# Sourced by bench/real-apiserver and bench/peers: the real control plane
# (tests/k8s/cluster) in a network namespace of its own ($API), its nodes
# (tests/k8s/nodes), the credentials each program gets, namespaces set up
# as node-1, and one program's run (bench/bench.py k8s-run).
# The caller sets top, build, T (a temporary directory) and API, and
# calls k8s_cleanup from its EXIT trap.

CLUSTER=$top/tests/k8s/cluster
K=$T/k8s
PYTHON=/usr/bin/python3
BENCH=$top/bench/bench.py
PORT=

k8s_die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

# node_ns NS: a new namespace set up as node-1 of the generated nodes:
# loopback, and eth0 (a veth whose peer stays in the namespace) holding
# node-1's InternalIPs; every other node's address is on eth0's prefixes.
# No link-local address, no DAD: no kernel route appears later.
node_ns() {
	ip netns add "$1" &&
	    ip -n "$1" link set lo up &&
	    ip -n "$1" link add eth0 type veth peer name eth1 &&
	    ip -n "$1" link set eth0 addrgenmode none &&
	    ip -n "$1" link set eth1 addrgenmode none &&
	    ip -n "$1" link set eth1 up &&
	    ip -n "$1" link set eth0 up &&
	    ip -n "$1" addr add 198.19.0.1/16 dev eth0 &&
	    ip -n "$1" addr add 2001:db8::1/64 dev eth0 nodad
}

# ns_del NS: ends what runs in the namespace (all of it ours) and deletes it.
ns_del() {
	ip netns pids "$1" 2>/dev/null | xargs -r kill -9 2>/dev/null || :
	ip netns del "$1" 2>/dev/null || :
}

k8s_cleanup() {
	[ ! -f "$K/pids" ] || ip netns exec "$API" "$CLUSTER" stop "$K" >/dev/null 2>&1 || :
	ns_del "$API"
}

kc() {
	ip netns exec "$API" kubectl --kubeconfig "$K/admin.kubeconfig" \
	    --cache-dir "$T/kcache" "$@"
}

# sa_kubeconfig NAME: $T/NAME.kubeconfig with a token of the ServiceAccount
# kube-system/NAME from the TokenRequest API, as a deployment has.
sa_kubeconfig() {
	kc -n kube-system create token "$1" --duration 24h >"$T/$1.token" || return 1
	"$CLUSTER" token-kubeconfig "https://127.0.0.1:$PORT" "$T/ca.crt" \
	    "$T/$1.token" >"$T/$1.kubeconfig"
}

# The RBAC of each program as its own manifests give it: xcni's from
# etc/kubernetes/xcni.yaml; flannel's kube-flannel.yml role (nodes: get,
# list, watch; nodes/status: patch; pods: get); the benchmark's client
# (PATCHes of nodes and a watch) is cluster-admin.
rbac() {
	kc apply --server-side -f "$top/etc/kubernetes/xcni.yaml" >/dev/null &&
	    kc apply -f - >/dev/null <<'EOF'
apiVersion: v1
kind: ServiceAccount
metadata: {name: flannel, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: flannel}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get]
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [nodes/status]
  verbs: [patch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: flannel}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: flannel}
subjects: [{kind: ServiceAccount, name: flannel, namespace: kube-system}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: xcni-bench, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: xcni-bench}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: ServiceAccount, name: xcni-bench, namespace: kube-system}]
EOF
}

# k8s_up NODES PENDING: the cluster in $API, the RBAC, tokens, and the
# nodes: NODES generated ones, PENDING more without pod CIDRs yet.
k8s_up() {
	node_ns "$API" || k8s_die "cannot set up namespace $API"
	ip netns exec "$API" "$CLUSTER" start "$K" >"$T/cluster.log" 2>&1 ||
	    k8s_die "the cluster did not start: $(tail -5 "$T/cluster.log")"
	PORT=$(cat "$K/apiserver.port")
	cp "$K/pki/ca.crt" "$T/ca.crt"
	rbac || k8s_die "RBAC could not be applied"
	for sa in xcni flannel xcni-bench; do
		sa_kubeconfig "$sa" || k8s_die "no token for $sa"
	done
	mkdir -p "$T/bench-creds"
	cp "$T/ca.crt" "$T/bench-creds/ca.crt"
	cp "$T/xcni-bench.token" "$T/bench-creds/token"
	"$PYTHON" "$BENCH" k8s-nodes --out "$T" --nodes "$1" --pending "$2" ||
	    k8s_die "cannot generate the nodes"
	made=$(ip netns exec "$API" "$PYTHON" "$top/tests/k8s/nodes" "$K" \
	    --nodes-file "$T/nodes.json" --threads 4) ||
	    k8s_die "the nodes could not be created"
	echo "# $made"
	pending_reset
}

# pending_reset: the pending nodes as they were before an event benchmark
# gave them pod CIDRs (which a real apiserver never lets change again):
# deleted, then made again.
pending_reset() {
	names=$("$PYTHON" -c 'import json, sys
print(" ".join(e["name"] for e in json.load(open(sys.argv[1]))))' "$T/events.json")
	# shellcheck disable=SC2086 # one word per node
	kc delete node $names --ignore-not-found >/dev/null &&
	    ip netns exec "$API" "$PYTHON" "$top/tests/k8s/nodes" "$K" \
	    --nodes-file "$T/pending.json" >/dev/null ||
	    k8s_die "the pending nodes could not be made again"
}

# contain: how every program is started. Besides its network namespace, a
# mount namespace whose /run is an empty tmpfs: a default path under /run
# (locks, sockets, state) lands there, never on the host.
CONTAIN='mount -t tmpfs -o mode=755 xcni-bench /run && exec "$@"'

# run_program NS NAME PROTO NODES EVENTS HEARTBEATS IDLE STEADY [--kubectl KC] -- CMD...
# Runs bench.py k8s-run in NS (which must reach the apiserver on
# 127.0.0.1:$PORT), CMD contained as above: one JSON line into
# $T/results.jsonl, the program's log in $T/NAME.log.
run_program() {
	ns=$1 name=$2 proto=$3 nodes=$4 events=$5 heartbeats=$6 idle=$7 steady=$8
	shift 8
	opts=
	if [ "$1" = --kubectl ]; then
		opts="--kubectl $2"
		shift 2
	fi
	[ "$1" = -- ] && shift
	# shellcheck disable=SC2086 # none or two words
	ip netns exec "$ns" "$PYTHON" "$BENCH" k8s-run --name "$name" \
	    --proto "$proto" --api "https://127.0.0.1:$PORT" \
	    --creds "$T/bench-creds" --expected "$T/expected" \
	    --events-file "$T/events.json" --out "$T/results.jsonl" \
	    --log "$T/$name.log" --nodes "$nodes" --events "$events" \
	    --heartbeats "$heartbeats" --rate 50 --idle "$idle" \
	    --steady "$steady" --timeout 1800 $opts \
	    -- unshare -m sh -c "$CONTAIN" contain "$@"
}

# $T/run-xcni: xcni's worker, standalone as test-real-apiserver.sh runs it
# (a token of the xcni ServiceAccount), as one command.
xcni_script() {
	cat >"$T/run-xcni" <<EOF
exec env NODE_NAME=node-1 KUBECONFIG=$T/xcni.kubeconfig PROTOCOL=202 \\
    LOG_LEVEL=info $build/worker/xcni-worker --state-dir $T/xcni-state
EOF
}
