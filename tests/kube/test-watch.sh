#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP: lib/kube's list+watch against the fake API server (see test-watch.py).
top=${top_srcdir:-.}
. "$top/tests/tap.sh"
need python3 openssl
exec python3 "$top/tests/kube/test-watch.py"
