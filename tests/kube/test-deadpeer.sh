#!/bin/sh
# TAP: a dead API server is found by TCP (keepalive and TCP_USER_TIMEOUT)
# within 45 s even when the watch is quiet: lib/kube's watch-probe and the
# fake API server run in a network namespace of their own, where nft then
# silently drops the connection's packets both ways.
top=${top_srcdir:-.}
build=${top_builddir:-.}
. "$top/tests/tap.sh"

need ip nft python3 openssl curl
probe=$build/tests/kube/watch-probe
[ -x "$probe" ] || bail "$probe not built"
# Root for namespaces: skipped without it, a failure under CI=true.
if [ "$(id -u)" != 0 ]; then
	[ "${CI:-}" = true ] && bail "needs root (network namespaces)"
	skip_all "needs root (network namespaces)"
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/test-deadpeer.$$.XXXXXX") || bail "mktemp"
NS=xcni-deadpeer-$$
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || bail "cannot add namespace $NS"
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up

in_ns python3 "$top/tests/kube/fake-apiserver" --listen 127.0.0.1:0 \
	--cert-dir "$T/certs" --kubeconfig-out "$T/kc" --nodes 5 \
	>"$T/url" 2>"$T/server.log" &
PIDS="$PIDS $!"
n=0
while [ ! -s "$T/url" ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
URL=$(cat "$T/url")
PORT=${URL##*:}
[ -n "$PORT" ] || bail "the fake API server did not start"
in_ns "$probe" "$T/kc" >"$T/probe.out" 2>"$T/probe.log" &
PIDS="$PIDS $!"

# seen FILE PATTERN TENTHS
seen() {
	n=0
	while ! grep -q -- "$2" "$1"; do
		n=$((n + 1))
		[ $n -lt "$3" ] || return 1
		sleep 0.1
	done
}
check "listed, then watching" seen "$T/probe.out" "^end " 300
sleep 1

in_ns nft -f - <<EON || bail "nft"
table inet deadpeer {
	chain out {
		type filter hook output priority 0;
		tcp dport $PORT drop
		tcp sport $PORT drop
	}
}
EON
t0=$(date +%s)
if seen "$T/probe.log" "watch: " 600; then
	took=$(($(date +%s) - t0))
	note "dead connection found after $took s"
	check "packets dropped: the dead connection found within 45 s ($took s)" \
		[ "$took" -le 45 ]
else
	not_ok "packets dropped: the dead connection found within 60 s" \
		"$T/probe.log"
fi

in_ns nft delete table inet deadpeer
in_ns curl -sS -k -X PATCH -H "Authorization: Bearer $(cat "$T/certs/token")" \
	-H 'Content-Type: application/merge-patch+json' \
	-d '{"metadata":{"labels":{"dead":"no"}}}' \
	"$URL/api/v1/nodes/node-2" >/dev/null
check "packets flow again: the watch resumes" \
	seen "$T/probe.out" "^obj MODIFIED node-2 " 600
done_testing
