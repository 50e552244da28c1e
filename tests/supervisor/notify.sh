#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# systemd's notify protocol: READY=1 only after every worker's first sync,
# STATUS= with route counts, RELOADING=1 around a reload, STOPPING=1; both
# a socket path and an abstract "@name" socket.
. "$top_srcdir/tests/supervisor/lib.sh"
need python3

conf <<EOF
[a]
protocol = 201
cni-conf = none
[b]
cidr-annotation = cidr.example.com/b
protocol = 202
cni-conf = none
EOF

# listen ADDRESS OUT: records each datagram as "SECONDS MESSAGE" (newlines
# in a message become "|"), SECONDS since the listener started. In the
# namespace: abstract socket names are per network namespace.
listen() {
	ip netns exec "$NS" "$PYTHON" - "$1" "$2" <<'EOF' &
import os, socket, sys, time
addr, out = sys.argv[1:3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
t0 = time.monotonic()
open(out + ".started", "w").close()
with open(out, "a", buffering=1) as f:
    while True:
        m = s.recv(65536).decode()
        f.write("%.3f %s\n" % (time.monotonic() - t0, m.replace("\n", "|")))
EOF
	LPID=$!
	wait_for 100 test -e "$2.started"
}
got() { grep -q -- "$1" "$T/notify"; }

listen "$T/notify.sock" "$T/notify"
NOTIFY_SOCKET=$T/notify.sock XCNI_FAKE_READY_MS=3000 start
check "STATUS= while the workers sync" wait_for 50 got "STATUS=a: syncing; b: syncing"
check "READY=1 arrives" wait_for 100 got "READY=1"
ready_line=$(grep -n "READY=1" "$T/notify" | head -1 | cut -d: -f1)
synced_line=$(grep -n "STATUS=a: 3 routes; b: 3 routes" "$T/notify" | head -1 | cut -d: -f1)
check "READY=1 only after both first syncs" \
    [ -n "$synced_line" -a "${ready_line:-0}" -gt "${synced_line:-0}" ]
t_first=$(head -1 "$T/notify" | cut -d' ' -f1)
t_ready=$(grep "READY=1" "$T/notify" | head -1 | cut -d' ' -f1)
# The first STATUS= follows the workers' start closely, but how closely
# depends on the machine's load: a margin of 1 s.
check "READY=1 not before the workers' 3 s sync ($t_first -> $t_ready)" \
    "$PYTHON" -c "import sys; sys.exit(not $t_ready - $t_first >= 2)"
check "the supervisor removes NOTIFY_SOCKET from the workers' environment" \
    not grep -qz NOTIFY_SOCKET "/proc/$(wpid a)/environ"

: >"$T/notify"
kill -HUP "$SPID"
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC" \
    wait_for 50 grep -q "RELOADING=1|MONOTONIC_USEC=[0-9]" "$T/notify"
check "SIGHUP: READY=1 after the reload" wait_for 50 got "READY=1"

kill_pid -9 "$(wpid b)"
check "a crash shows in STATUS=" wait_for 50 got "b: restarting"
check "and the recovery" wait_for 100 got "STATUS=a: 3 routes; b: 3 routes"
check "no second READY=1 after a restart" \
    [ "$(grep -c "READY=1$" "$T/notify")" = 1 ]

check "SIGTERM: exit 0" stop
check "SIGTERM: STOPPING=1" got "STOPPING=1"
kill "$LPID"

listen "@xcni-test-$$" "$T/abstract"
NOTIFY_SOCKET=@xcni-test-$$ start
check "abstract socket: READY=1" wait_for 100 grep -q "READY=1" "$T/abstract"
stop
kill "$LPID"

NOTIFY_SOCKET=relative/path start
check "a bad NOTIFY_SOCKET is reported, the service runs on" \
    wait_for 100 eval 'is_ready && logged "NOTIFY_SOCKET=relative/path"'
stop
finish
