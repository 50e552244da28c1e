# SPDX-License-Identifier: Apache-2.0
# Sourced first by the tests that run the worker against the fake API
# server (tests/worker, tests/faults), with $top_srcdir set: tests/tap.sh,
# tests/netns.sh, this build's worker ($WORKER) and the fake API server
# ($FAKE).
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/netns.sh"
WORKER=$top_builddir/worker/xcni-worker
FAKE=$top_srcdir/tests/kube/fake-apiserver
