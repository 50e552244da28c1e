# Sourced by the fault tests: TAP helpers, a namespace and a scratch
# directory of the test's own (both removed on exit), the fake API server
# on the namespace's loopback with 20 generated nodes (node-1 is this node),
# and a standalone xcni-worker, run through $XCNI_WORKER_WRAPPER if set
# (valgrind, for one).

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
WORKER=$top_builddir/worker/xcni-worker
FAKE=$top_srcdir/tests/kube/fake-apiserver
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
NODES=20

n=0
failed=
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
check() {	# check DESCRIPTION COMMAND...
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces)"
[ -n "$PYTHON" ] && command -v curl >/dev/null && command -v openssl >/dev/null ||
    skip_all "needs python3, curl and openssl"
[ -x "$WORKER" ] || skip_all "no worker/xcni-worker in this build"

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
# Not for "&": a backgrounded function is a subshell, and $! its pid.
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS" 2>/dev/null || skip_all "cannot create a network namespace"
in_ns ip link set lo up
in_ns ip link add eth0 type veth peer name eth1
in_ns ip link set eth1 up
in_ns ip link set eth0 up
in_ns ip addr add 192.0.2.1/24 dev eth0
in_ns ip addr add 2001:db8::1/64 dev eth0 nodad

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
    { echo "Bail out! fake API server did not start"; exit 1; }
# The worker's own kubeconfig, so the test can point it elsewhere.
cp "$T/kc.fake" "$T/kc"

# The test's own requests come from 127.0.0.2.
api() {	# api METHOD PATH [JSON]
	in_ns curl -sS --fail-with-body --interface 127.0.0.2 \
	    --cacert "$T/certs/ca.crt" -H "Authorization: Bearer $(cat "$T/token")" \
	    -X "$1" -H 'Content-Type: application/merge-patch+json' \
	    ${3:+-d "$3"} "$URL$2" >"$T/api.out" 2>&1 ||
	    { echo "# api $1 $2 failed: $(head -c 300 "$T/api.out")"; return 1; }
}
fake() { in_ns curl -sS -k --interface 127.0.0.2 "$URL/fake/$1" >/dev/null; }

# routes [PROTO]: the kernel's routes of the protocol, both families,
# sorted.
routes() {
	{ in_ns ip -4 route show proto "${1:-202}"; in_ns ip -6 route show proto "${1:-202}"; } |
	    sed 's/ *$//' | sort
}
count() { routes | wc -l; }

# start_worker LOG [VAR=VALUE...]: the standalone worker, protocol 202.
start_worker() {
	log=$1
	shift
	ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$T/kc" LOG_LEVEL=debug "$@" \
	    ${XCNI_WORKER_WRAPPER:-} "$WORKER" --state-dir "$T/state" \
	    </dev/null >/dev/null 2>>"$log" &
	WP=$!
}

# wait_for TENTHS COMMAND...: polls until COMMAND succeeds.
wait_for() {
	tries=$1
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}
logged() { grep -q -- "$2" "$1"; }
alive() { kill -0 "$1" 2>/dev/null; }

# monitor_start / monitor_stop: route notifications of protocol 202 seen
# in between, in $T/monitor (empty: none).
monitor_start() {
	ip netns exec "$NS" ip monitor route >"$T/monitor.all" 2>>"$T/monitor.err" &
	MP=$!
	sleep 0.3
}
monitor_stop() {
	sleep 0.3
	kill "$MP"
	wait "$MP" 2>/dev/null
	MP=
	grep "proto 202" "$T/monitor.all" >"$T/monitor"
}
no_changes() {
	[ ! -s "$T/monitor" ] && return 0
	head -3 "$T/monitor" | sed 's/^/# changed: /'
	return 1
}
# same_as FILE: the routes now are those in FILE.
same_as() {
	routes >"$T/now"
	cmp -s "$1" "$T/now" && return 0
	diff "$1" "$T/now" | grep '^[<>]' | head -5 | sed 's/^/# /'
	return 1
}
# has_route DST VIA: the route of protocol 202 to DST goes via VIA.
has_route() {
	routes | grep -q "^$1 via $2 "
}

finish() {
	echo "1..$n"
	if [ -n "$failed" ]; then
		for f in "$T"/*.log; do
			echo "# --- $f"
			tail -30 "$f" | sed 's/^/# /'
		done
	fi
	[ -z "$failed" ]
}
