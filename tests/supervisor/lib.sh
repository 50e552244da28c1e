# SPDX-License-Identifier: Apache-2.0
# Sourced by the supervisor tests: tests/tap.sh, a namespace and a scratch
# directory of the test's own (both removed on exit), and a supervisor
# running in that namespace with tests/supervisor/fake-worker as its worker
# unless XCNI_WORKER says otherwise.

: "${top_builddir:?}" "${top_srcdir:?}"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/netns.sh"
SUP=$top_builddir/supervisor/xcni-supervisor
FAKE=$top_builddir/tests/supervisor/fake-worker
not() { ! "$@"; }

# The system's python3 first: a user's shim can take seconds to start.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)

need_root
getent passwd nobody >/dev/null || bail "no user nobody"

T=$(mktemp -d /tmp/xcni-sup-XXXXXX)
chmod 755 "$T"	# the worker user must reach its state directory
NS=xcni-t-$$-sup
SPID=
cleanup() {
	[ -n "$SPID" ] && kill -9 "$SPID" 2>/dev/null
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -9 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || bail "cannot create a network namespace"
ip -n "$NS" link set lo up

export XCNI_WORKER="${XCNI_WORKER:-$FAKE}"
unset KUBECONFIG NOTIFY_SOCKET LOG_LEVEL
cat >"$T/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:6443
users:
- name: test
  user:
    token: test-token
contexts:
- name: test
  context: {cluster: test, user: test}
current-context: test
EOF

# conf [NETWORK-SECTIONS]: writes $T/xcni.ini, [global] first.
conf() {
	{
		cat <<EOF
[global]
node-name = node-1
$([ "${TEST_KUBECONFIG:-}" = in-cluster ] ||
    echo "kubeconfig = ${TEST_KUBECONFIG:-$T/kubeconfig}")
user = nobody
state-dir = $T/state
cni-conf-dir = $T/net.d
EOF
		cat
	} >"$T/xcni.ini.new"
	mv "$T/xcni.ini.new" "$T/xcni.ini"
}

# start [ARGS...]: the supervisor in the namespace, logging to $T/log,
# run through $WRAP if set.
start() {
	ip netns exec "$NS" ${WRAP:-} "$SUP" -f -c "$T/xcni.ini" "$@" 2>>"$T/log" &
	SPID=$!
}

# stop: SIGTERM, then the exit status of the supervisor.
stop() {
	kill -TERM "$SPID"
	wait "$SPID"
	rc=$?
	SPID=
	return $rc
}


status_line() { grep "^network=$1 " "$T/state/.status" 2>/dev/null; }
# wpid NET: the pid of NET's worker per the status file (0: none).
wpid() { status_line "$1" | sed -n 's/.* pid=\([0-9]*\).*/\1/p'; }
# is_ready: the running supervisor (not a killed one) says so.
is_ready() {
	grep -qx 'ready=1' "$T/state/.status" 2>/dev/null &&
	    grep -qx "pid=$SPID" "$T/state/.status"
}
net_ready() { status_line "$1" | grep -q ' state=running ready=1'; }
alive() { [ -n "$1" ] && [ "$1" != 0 ] && kill -0 "$1" 2>/dev/null; }
# new_wpid NET OLD: NET's worker runs and is not OLD; its pid in NEWPID.
# One read: between two, a worker just killed can turn from OLD to 0.
new_wpid() { NEWPID=$(wpid "$1"); [ "${NEWPID:-0}" -gt 0 ] && [ "$NEWPID" != "$2" ]; }
# kill_pid SIGNAL PID: a pid read from the status file is 0 while a worker
# is down, and "kill 0" would end the suite's own process group.
kill_pid() {
	case $2 in
	'' | *[!0-9]* | 0 | 1) echo "# not killing pid '$2'"; return 1 ;;
	esac
	kill "$1" "$2"
}
dead() { ! alive "$1"; }
# probe: the readiness probe, quietly.
probe() { "$SUP" -c "$T/xcni.ini" --status >/dev/null 2>&1; }
logged() { grep -q -- "$1" "$T/log"; }

# real_worker: the real xcni-worker instead of the fake one, eth0 holding
# node-1's addresses (192.0.2.1, 2001:db8::1), and the fake API server on
# the namespace's loopback with $NODES nodes, its kubeconfig in $T/kc.
real_worker() {
	need python3 openssl
	XCNI_WORKER=$top_builddir/worker/xcni-worker
	[ -x "$XCNI_WORKER" ] || bail "no worker/xcni-worker in this build"
	node_link
	echo tok-1 >"$T/token"
	ip netns exec "$NS" "$PYTHON" "$top_srcdir/tests/kube/fake-apiserver" \
	    --nodes "$NODES" --cert-dir "$T/certs" --token-file "$T/token" \
	    --kubeconfig-out "$T/kc" >"$T/url" 2>"$T/fake.log" &
	wait_for 300 test -s "$T/url" || { diag "$T/fake.log"; bail "fake API server"; }
	URL=$(cat "$T/url")
}

# finish: the plan; after a failure, the supervisor's whole log too.
finish() {
	if [ "$tap_failed" -gt 0 ] && [ -f "$T/log" ]; then
		note "the supervisor's log:"
		sed 's/^/# /' "$T/log"
	fi
	done_testing
}
