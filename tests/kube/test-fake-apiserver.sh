#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP tests of the fake API server; the tests themselves are Python
# (watch streams and TLS are easier to check there).  Run from the top
# source directory, or with top_srcdir or srcdir set to it.
top=${top_srcdir:-${srcdir:-.}}
. "$top/tests/tap.sh"
need python3 openssl kubectl	# kubectl: its points are skipped without it
top_srcdir=$top exec python3 "$top/tests/kube/test-fake-apiserver.py"
