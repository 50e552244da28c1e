#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The worker under valgrind memcheck: the first sync, node changes, a
# malformed and a truncated event, a relist after 410, then SIGTERM. Any
# memory error or leak makes it exit 99 instead of 0.
. "$top_srcdir/tests/tap.sh"
# Valgrind cannot run ASan binaries; the sanitizer build checks memory itself.
if objdump -p "$top_builddir/worker/xcni-worker" 2>/dev/null |
    grep -q 'NEEDED.*libasan'; then
	skip_all "sanitizer build: ASan checks memory there"
fi
need valgrind
XCNI_WORKER_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite,indirect --log-fd=2"
. "$top_srcdir/tests/faults/lib.sh"

start_worker "$T/worker.log"
check "under valgrind: initial sync, 38 routes" wait_for 600 eval '[ "$(count)" = 38 ]'
api PATCH /api/v1/nodes/node-5 '{"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.105"},{"type":"InternalIP","address":"2001:db8::69"}]}}'
api DELETE /api/v1/nodes/node-6
fake "bad-event?kind=malformed"
fake "fail?n=1&code=410&match=watch"
fake "bad-event?kind=truncated"
api PATCH /api/v1/nodes/node-7 '{"spec":{"podCIDRs":["198.18.106.0/24","fd00:0:0:106::/64"]}}'
check "under valgrind: the changes applied" wait_for 600 eval \
    'has_route 198.18.4.0/24 192.0.2.105 && has_route 198.18.106.0/24 192.0.2.7 &&
    ! routes | grep -q "^198.18.5.0/24 "'
kill -TERM "$WP"
wait "$WP"
rc=$?
WP=
grep '^==' "$T/worker.log" | head -40 >"$T/valgrind.out"
if [ $rc = 0 ]; then
	ok "SIGTERM: exit 0, no memory error or leak (status $rc)"
else
	not_ok "SIGTERM: exit 0, no memory error or leak (status $rc)" "$T/valgrind.out"
fi
finish
