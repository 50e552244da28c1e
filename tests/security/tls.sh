#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TLS verification fails closed: lib/kube (list+watch and the plugin's
# GET) and xcni-worker refuse the fake API server when the kubeconfig's CA
# is another one or absent, and only an explicit insecure-skip-tls-verify
# turns verification off. The worker and the server run in a namespace
# this script makes (the worker's are real routes).
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
FAKE=$top_srcdir/tests/kube/fake-apiserver
PROBE=$top_builddir/tests/kube/watch-probe
WORKER=$top_builddir/worker/xcni-worker
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)
. "$top_srcdir/tests/tap.sh"

[ -x "$PROBE" ] || bail "$PROBE is not built"
need openssl python3
need_root

NS=xcni-t-$$-tls
tmp=$(mktemp -d) || exit 1
spid=
wpid=
cleanup() {
	for p in $wpid $spid; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || bail "cannot create a namespace"
ip -n "$NS" link set lo up
# The link to the other nodes (192.0.2.N, 2001:db8::N), so routes can be.
ip -n "$NS" link add eth0 type veth peer name eth1
ip -n "$NS" link set eth1 up
ip -n "$NS" link set eth0 up
ip -n "$NS" addr add 192.0.2.1/24 dev eth0
ip -n "$NS" addr add 2001:db8::1/64 dev eth0 nodad
in_ns() { ip netns exec "$NS" "$@"; }

# Background processes start through ip netns exec itself (not in_ns), so
# that $! is their pid and they can be stopped by it.
ip netns exec "$NS" "$PYTHON" "$FAKE" --cert-dir "$tmp/certs" --kubeconfig-out "$tmp/kc-right" \
    --nodes 3 >"$tmp/url" 2>"$tmp/server.log" &
spid=$!
tries=100
while [ ! -s "$tmp/url" ] && [ "$tries" -gt 0 ]; do
	sleep 0.1
	tries=$((tries - 1))
done
grep -q '^https://' "$tmp/url" ||
    { diag "$tmp/server.log"; bail "the fake API server did not start"; }

# A CA of the same shape that did not sign the server's certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/other.key" -out "$tmp/other.crt" -days 1 \
    -subj /CN=fake-apiserver-ca >"$tmp/openssl.log" 2>&1 ||
    { diag "$tmp/openssl.log"; bail "cannot make another CA"; }
other=$(base64 -w0 "$tmp/other.crt")
sed "s|certificate-authority-data: .*|certificate-authority-data: $other|" \
    "$tmp/kc-right" >"$tmp/kc-wrong"
grep -v 'certificate-authority-data:' "$tmp/kc-right" >"$tmp/kc-none"
sed 's|certificate-authority-data: .*|insecure-skip-tls-verify: true|' \
    "$tmp/kc-right" >"$tmp/kc-insecure"
if cmp -s "$tmp/kc-right" "$tmp/kc-wrong" ||
    cmp -s "$tmp/kc-right" "$tmp/kc-insecure"; then
	diag "$tmp/kc-right"
	bail "the kubeconfig variants do not differ"
fi

# get KUBECONFIG: the status of GET /api/v1/nodes, "failed" if none.
get() {
	echo /api/v1/nodes | in_ns timeout 30 "$PROBE" -g "$1" 2>"$tmp/probe.log" |
	    sed -n 's/^get \([0-9]*\) .*/\1/p; s/^get failed$/failed/p'
}
expect_get() {	# kubeconfig expected what
	got=$(get "$tmp/$1")
	if [ "$got" = "$2" ]; then
		ok "GET with $3: $2"
	else
		not_ok "GET with $3: $2 (got ${got:-nothing})" "$tmp/probe.log"
	fi
}
expect_get kc-right 200 "the server's CA"
expect_get kc-wrong failed "another CA"
expect_get kc-none failed "no CA (the system's trust store)"
expect_get kc-insecure 200 "insecure-skip-tls-verify: true"

# The list+watch: never a list, only errors and retries, and no object.
in_ns timeout 3 "$PROBE" -1 -b 50:200 "$tmp/kc-wrong" >"$tmp/watch.out" \
    2>"$tmp/watch.log"
if grep -qE '^(end|obj) ' "$tmp/watch.out"; then
	not_ok "list+watch with another CA delivers nothing" "$tmp/watch.out"
elif ! grep -qiE 'certificate|ssl|tls' "$tmp/watch.log"; then
	not_ok "list+watch with another CA says why" "$tmp/watch.log"
else
	ok "list+watch with another CA delivers nothing and says why"
fi
if in_ns timeout 30 "$PROBE" -1 -q "$tmp/kc-right" >"$tmp/watch.out" \
    2>"$tmp/watch.log" && grep -q '^end [0-9]* 3$' "$tmp/watch.out"; then
	ok "list+watch with the server's CA lists 3 nodes"
else
	not_ok "list+watch with the server's CA lists 3 nodes" "$tmp/watch.out"
fi

# The worker: with another CA no list, so no routes and no state file,
# and the log says why; with the server's CA it syncs.
worker() {	# worker KUBECONFIG STATE-DIR LOG
	mkdir -p "$2"
	ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$1" \
	    LOG_LEVEL=debug "$WORKER" --state-dir "$2" </dev/null >/dev/null \
	    2>"$3" &
	wpid=$!
}
stop_worker() {
	kill "$wpid" 2>/dev/null
	wait "$wpid" 2>/dev/null
	wpid=
}
routes() {
	{ in_ns ip -4 route show proto 202; in_ns ip -6 route show proto 202; } |
	    grep -c .
}
worker "$tmp/kc-wrong" "$tmp/state-wrong" "$tmp/worker-wrong.log"
sleep 3
alive=no
kill -0 "$wpid" 2>/dev/null && alive=yes
stop_worker
if [ "$(routes)" != 0 ] || [ -n "$(ls -A "$tmp/state-wrong")" ]; then
	not_ok "worker with another CA: no routes, no state file ($(routes) routes; state dir: $(ls -A "$tmp/state-wrong" | tr '\n' ' '))" \
	    "$tmp/worker-wrong.log"
else
	ok "worker with another CA: no routes, no state file"
fi
if grep -qiE 'certificate|ssl|tls' "$tmp/worker-wrong.log"; then
	ok "worker with another CA says why (and keeps trying: $alive)"
else
	not_ok "worker with another CA says why" "$tmp/worker-wrong.log"
fi

worker "$tmp/kc-right" "$tmp/state" "$tmp/worker.log"
tries=150
while [ ! -f "$tmp/state/xcluster.json" ] && [ "$tries" -gt 0 ]; do
	sleep 0.1
	tries=$((tries - 1))
done
stop_worker
if [ -f "$tmp/state/xcluster.json" ] && [ "$(routes)" -gt 0 ]; then
	ok "worker with the server's CA syncs"
else
	not_ok "worker with the server's CA syncs" "$tmp/worker.log"
fi
# What the worker writes: the state file 0644, its directory untouched.
if [ "$(stat -c %a "$tmp/state/xcluster.json" 2>/dev/null)" = 644 ] &&
    [ -z "$(find "$tmp/state" ! -type l -perm /o+w)" ]; then
	ok "worker's state file is 0644, nothing world-writable"
else
	ls -la "$tmp/state" >"$tmp/ls"
	not_ok "worker's state file is 0644, nothing world-writable" "$tmp/ls"
fi

done_testing
