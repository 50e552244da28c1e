#!/bin/sh
# TAP: lib/kube's list+watch against the fake API server (see test-watch.py).
top=${top_srcdir:-.}
if ! command -v python3 >/dev/null || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP python3 or openssl missing"
	exit 0
fi
exec python3 "$top/tests/kube/test-watch.py"
