# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# Sourced by tests/kube's namespace tests, after tests/tap.sh: root (its
# lack a failure under CI=true), a network namespace $NS and a scratch
# directory $T of the test's own, both removed on exit with the processes
# whose pids are in $PIDS, the helpers of tests/netns.sh, and fake_start.
need_root
need ip python3 openssl curl
. "$top/tests/netns.sh"
tap_name=${0##*/}
PIDS=
PIDVARS=PIDS
netns_test "${tap_name%.sh}"

# fake_start ARGS...: the fake API server in $NS on 127.0.0.1, token
# $T/token, CA in $T/certs, kubeconfig $T/kc; its URL in $URL and $PORT.
# Started by ip itself, not through in_ns: $! is then the server's pid,
# where a backgrounded function's is a subshell's, whose kill leaves the
# server running.
fake_start() {
	echo tok-1 >"$T/token"
	ip netns exec "$NS" python3 "$top/tests/kube/fake-apiserver" --listen 127.0.0.1:0 \
		--cert-dir "$T/certs" --token-file "$T/token" \
		--kubeconfig-out "$T/kc" --kubeconfig-token-file "$@" \
		>"$T/url" 2>>"$T/server.log" &
	PIDS="$PIDS $!"
	wait_for 200 test -s "$T/url" || bail "the fake API server did not start"
	URL=$(cat "$T/url")
	PORT=${URL##*:}
}
