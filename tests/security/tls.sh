#!/bin/sh
# TLS verification fails closed: lib/kube (the worker's list+watch and the
# plugin's GET) refuses the fake API server when the kubeconfig's CA is
# another one or absent, and only an explicit insecure-skip-tls-verify
# turns verification off.
set -u

: "${top_srcdir:?}" "${top_builddir:?}"
FAKE=$top_srcdir/tests/kube/fake-apiserver
PROBE=$top_builddir/tests/kube/watch-probe
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() {	# name [file with details]
	n=$((n + 1))
	failed=$((failed + 1))
	echo "not ok $n - $1"
	[ $# -lt 2 ] || sed 's/^/# /' "$2"
}

if [ ! -x "$PROBE" ]; then
	echo "1..1"
	echo "not ok 1 - $PROBE is built"
	exit 1
fi
command -v openssl >/dev/null || { echo "1..0 # SKIP no openssl"; exit 0; }

tmp=$(mktemp -d) || exit 1
spid=
cleanup() {
	[ -z "$spid" ] || kill "$spid" 2>/dev/null
	[ -z "$spid" ] || wait "$spid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$PYTHON" "$FAKE" --cert-dir "$tmp/certs" --kubeconfig-out "$tmp/kc-right" \
    --nodes 3 >"$tmp/url" 2>"$tmp/server.log" &
spid=$!
tries=100
while [ ! -s "$tmp/url" ] && [ "$tries" -gt 0 ]; do
	sleep 0.1
	tries=$((tries - 1))
done
if ! grep -q '^https://' "$tmp/url"; then
	echo "1..1"
	echo "not ok 1 - the fake API server starts"
	sed 's/^/# /' "$tmp/server.log"
	exit 1
fi

# A CA of the same shape that did not sign the server's certificate.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/other.key" -out "$tmp/other.crt" -days 1 \
    -subj /CN=fake-apiserver-ca >/dev/null 2>&1 || {
	echo "1..1"; echo "not ok 1 - make another CA"; exit 1; }
other=$(base64 -w0 "$tmp/other.crt")
sed "s|certificate-authority-data: .*|certificate-authority-data: $other|" \
    "$tmp/kc-right" >"$tmp/kc-wrong"
grep -v 'certificate-authority-data:' "$tmp/kc-right" >"$tmp/kc-none"
sed 's|certificate-authority-data: .*|insecure-skip-tls-verify: true|' \
    "$tmp/kc-right" >"$tmp/kc-insecure"
if cmp -s "$tmp/kc-right" "$tmp/kc-wrong" ||
    cmp -s "$tmp/kc-right" "$tmp/kc-insecure"; then
	echo "1..1"; echo "not ok 1 - kubeconfig variants"; exit 1
fi

# get KUBECONFIG: the status of GET /api/v1/nodes, "failed" if none.
get() {
	echo /api/v1/nodes | timeout 30 "$PROBE" -g "$1" 2>"$tmp/probe.log" |
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
timeout 3 "$PROBE" -1 -b 50:200 "$tmp/kc-wrong" >"$tmp/watch.out" \
    2>"$tmp/watch.log"
if grep -qE '^(end|obj) ' "$tmp/watch.out"; then
	not_ok "list+watch with another CA delivers nothing" "$tmp/watch.out"
elif ! grep -qiE 'certificate|ssl|tls' "$tmp/watch.log"; then
	not_ok "list+watch with another CA says why" "$tmp/watch.log"
else
	ok "list+watch with another CA delivers nothing and says why"
fi
if timeout 30 "$PROBE" -1 -q "$tmp/kc-right" >"$tmp/watch.out" \
    2>"$tmp/watch.log" && grep -q '^end [0-9]* 3$' "$tmp/watch.out"; then
	ok "list+watch with the server's CA lists 3 nodes"
else
	not_ok "list+watch with the server's CA lists 3 nodes" "$tmp/watch.out"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
