#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The worker's state directory read-only, then full: the worker logs why
# the state file cannot be written, keeps routing, and writes it once the
# directory is writable again, leaving no temp file behind. The directory
# is a 64 KiB tmpfs mounted only in the worker's private mount namespace.
. "$top_srcdir/tests/faults/lib.sh"
need unshare nsenter

mkdir -p "$T/state"
cat >"$T/wrap" <<WRAP
mount -t tmpfs -o size=64k,mode=755 xcni-faults "$T/state" || exit 1
exec "\$@"
WRAP
XCNI_WORKER_WRAPPER="unshare -m --propagation private sh $T/wrap"
in_mnt() { nsenter -t "$WP" -m "$@"; }
state_has() { in_mnt cat "$T/state/xcluster.json" 2>/dev/null | grep -q "\"cidrs\":\[\"$1\""; }
self_cidr() {	# self_cidr N: node-1's CIDRs become 198.18.N.0/24, fd00:0:0:N::/64
	api PATCH /api/v1/nodes/node-1 "{\"spec\":{\"podCIDRs\":[\"198.18.$1.0/24\",\"fd00:0:0:$1::/64\"]}}"
}
move() {	# move I A: node-(I+1)'s IPv4 address becomes 192.0.2.A
	api PATCH "/api/v1/nodes/node-$(($1 + 1))" "{\"status\":{\"addresses\":[
	    {\"type\":\"InternalIP\",\"address\":\"192.0.2.$2\"}]}}"
}

start_worker "$T/worker.log"
check "initial sync, 38 routes" wait_for 300 eval '[ "$(count)" = 38 ]'
check "state file written in the private tmpfs" wait_for 100 state_has 198.18.0.0/24
check "the host does not see that tmpfs" eval '! grep -q " $T/state " /proc/self/mountinfo'

# --- read-only -----------------------------------------------------------
in_mnt mount -o remount,ro "$T/state"
self_cidr 100
move 4 104
check "read-only: a clear error" wait_for 200 logged "$T/worker.log" \
    "$T/state/xcluster.json: cannot write, retrying in 10 s: Read-only file system"
check "read-only: routing goes on" wait_for 100 eval \
    'routes | grep -q "^198.18.4.0/24 via 192.0.2.104 "'
check "read-only: the old state file stays" state_has 198.18.0.0/24
in_mnt mount -o remount,rw "$T/state"
check "writable again: the state file follows within 15 s" wait_for 150 state_has 198.18.100.0/24

# --- full ----------------------------------------------------------------
in_mnt dd if=/dev/zero of="$T/state/fill" bs=1k count=128 2>/dev/null
self_cidr 101
move 4 114
check "full: a clear error" wait_for 200 logged "$T/worker.log" \
    "$T/state/xcluster.json: cannot write, retrying in 10 s: No space left on device"
check "full: routing goes on" wait_for 100 eval \
    'routes | grep -q "^198.18.4.0/24 via 192.0.2.114 "'
check "full: no temp file left behind" \
    [ "$(in_mnt ls -A "$T/state" | tr '\n' ' ')" = "fill xcluster.json " ]
in_mnt rm "$T/state/fill"
check "space again: the state file follows within 15 s" wait_for 150 state_has 198.18.101.0/24
check "routes: 37 (node-5 lost its IPv6 address), none to the own ranges" eval \
    '[ "$(count)" = 37 ] && ! routes | grep -q "^198.18.10[01].0/24"'
kill -TERM "$WP"
wait "$WP"
check "SIGTERM: exit 0" test $? = 0
WP=
finish
