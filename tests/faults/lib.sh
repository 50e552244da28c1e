# SPDX-License-Identifier: Apache-2.0
# Sourced by the fault tests: tests/tap.sh, a namespace and a scratch
# directory of the test's own (both removed on exit), the fake API server
# on the namespace's loopback with 20 generated nodes (node-1 is this node),
# and a standalone xcni-worker, run through $XCNI_WORKER_WRAPPER if set
# (valgrind, for one).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/worker/lib.sh"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
NODES=20

need_root
need python3 curl openssl
[ -x "$WORKER" ] || bail "no worker/xcni-worker in this build"

NS=xcni-t-$$-faults
T=$(mktemp -d /tmp/xcni-faults-XXXXXX)
WP=
MP=
PIDS=
cleanup() {
	for p in $MP $WP $PIDS; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	if [ -n "${XCNI_TEST_KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || bail "cannot create a network namespace"
in_ns ip link set lo up
node_link

# fake_start OUT [ARGS...]: a fake API server in the namespace; its pid in
# FP, its URL in URL and PORT. The same CA (cert dir) and token each time
# unless ARGS say otherwise.
fake_start() {
	out=$1
	shift
	: >"$out.url"
	ip netns exec "$NS" "$PYTHON" "$FAKE" --cert-dir "$T/certs" --token-file "$T/token" \
	    --kubeconfig-out "$T/kc.fake" --kubeconfig-token-file "$@" \
	    >"$out.url" 2>>"$out.log" &
	FP=$!
	PIDS="$PIDS $FP"
	i=0
	while [ ! -s "$out.url" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	URL=$(cat "$out.url")
	PORT=${URL##*:}
	[ -n "$URL" ]
}
echo tok-1 >"$T/token"
fake_start "$T/fake" --nodes $NODES --listen 127.0.0.1:0 ||
    { diag "$T/fake.log"; bail "fake API server did not start"; }
# The worker's own kubeconfig, so the test can point it elsewhere.
cp "$T/kc.fake" "$T/kc"


# start_worker LOG [VAR=VALUE...]: the standalone worker, protocol 202.
start_worker() {
	log=$1
	shift
	ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$T/kc" LOG_LEVEL=debug "$@" \
	    ${XCNI_WORKER_WRAPPER:-} "$WORKER" --state-dir "$T/state" \
	    </dev/null >/dev/null 2>>"$log" &
	WP=$!
}

logged() { grep -q -- "$2" "$1"; }
alive() { kill -0 "$1" 2>/dev/null; }
# same_as FILE: the routes now are those in FILE.
same_as() {
	routes >"$T/now"
	cmp -s "$1" "$T/now" && return 0
	echo "# routes differ (< before, > now):"
	diff "$1" "$T/now" | grep '^[<>]' | head -20
	return 1
}
# has_route DST VIA: the route of protocol 202 to DST goes via VIA.
has_route() {
	routes | grep -q "^$1 via $2 "
}

# finish: the plan; after a failure, the logs' last lines too.
finish() {
	[ "$tap_failed" -gt 0 ] && diag "$T"/*.log
	done_testing
}
