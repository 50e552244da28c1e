# SPDX-License-Identifier: Apache-2.0
# Sourced by the tests against the real control plane (tests/k8s/cluster):
# tests/tap.sh and tests/netns.sh, a scratch directory $T (the cluster's
# state in $K), a network namespace $NS, and helpers to start the cluster,
# load it, hand out ServiceAccount tokens and compare routes with what the
# Node objects ask for. A test sets its own EXIT trap and calls
# k8s_cleanup from it, after ending its own processes.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/netns.sh"
CLUSTER=$top_srcdir/tests/k8s/cluster

need_root
# The machines' Go, not Debian's older one, builds the control plane.
[ -x /usr/local/go/bin/go ] && PATH=/usr/local/go/bin:$PATH
need ip python3 curl openssl kubectl go flock

NS=xcni-t-$$-k8s
T=$(mktemp -d)
K=$T/k8s

k8s_cleanup() {
	[ -f "$K/pids" ] && "$CLUSTER" stop "$K"
	ip netns del "$NS" 2>/dev/null
	if [ "${tap_failed:-0}" -gt 0 ] || [ -n "${XCNI_TEST_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}

now_ms() { date +%s%3N; }

kc() { in_ns kubectl --kubeconfig "$K/admin.kubeconfig" --cache-dir "$T/kcache" "$@"; }

# The test's own requests come from 127.0.0.2 with the admin's certificate,
# so they pass while a client under test is cut off; the reply is in
# $T/kapi.out.
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

# k8s_up NODES [-- APISERVER-FLAG...]: the cluster built (or found cached)
# and started in $NS, whose eth0 holds node-1's addresses;
# etc/kubernetes/xcni.yaml applied server-side; NODES nodes made. Sets
# PORT. Bails out when any of it fails.
k8s_up() {
	k8s_nodes=$1
	shift
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
	if in_ns "$CLUSTER" start "$K" "$@" >"$T/start.log" 2>&1; then
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
	check "$k8s_nodes nodes created, status through the status subresource" \
	    in_ns python3 "$top_srcdir/tests/k8s/nodes" "$K" --nodes "$k8s_nodes"
	note "$k8s_nodes nodes created in $(($(now_ms) - t0)) ms"
}

# token SECRET [FILE [SERVICEACCOUNT]]: a new TokenRequest token of the
# ServiceAccount (default xcni) in FILE (default $T/token, mode 0644),
# bound to a new Secret SECRET, so that deleting the Secret revokes it.
token() {
	tok_file=${2:-$T/token}
	kc -n kube-system create secret generic "$1" >/dev/null &&
	    kc -n kube-system create token "${3:-xcni}" --duration 1h \
	    --bound-object-kind Secret --bound-object-name "$1" >"$tok_file.new" &&
	    chmod 644 "$tok_file.new" && mv "$tok_file.new" "$tok_file"
}

# refused TOKENFILE: the apiserver answers 401 to that token. It caches a
# good token's authentication for a few seconds after its Secret is gone,
# so a request may still pass as the token's ServiceAccount: its
# User-Agent, xcni-test, tells it from xcni's own.
refused() {
	test "$(in_ns curl -s -o /dev/null -w '%{http_code}' -A xcni-test --cacert "$K/pki/ca.crt" \
	    -H "Authorization: Bearer $(cat "$1")" \
	    "https://127.0.0.1:$PORT/api/v1/nodes?limit=1")" = 401
}

same() { gateways "$1" >"$T/have" && cmp -s "$T/want" "$T/have"; }

# Waits up to TIMEOUT_MS until the routes of PROTO are exactly what the
# Node objects ask for node-1; prints the difference when they are not.
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

audit_size() { stat -c %s "$K/audit.log"; }
