#!/bin/sh
# TAP tests of the fake API server; the tests themselves are Python
# (watch streams and TLS are easier to check there).  Run from the top
# source directory, or with top_srcdir or srcdir set to it.
top=${top_srcdir:-${srcdir:-.}}
if ! command -v python3 >/dev/null || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP python3 or openssl missing"
	exit 0
fi
top_srcdir=$top exec python3 "$top/tests/kube/test-fake-apiserver.py"
