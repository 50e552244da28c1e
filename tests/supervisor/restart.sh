#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A crashed worker comes back after a delay that doubles; the others are
# untouched; configuration and permission exits are not restarted.
. "$top_srcdir/tests/supervisor/lib.sh"

conf <<EOF
[a]
protocol = 201
cni-conf = none
[b]
cidr-annotation = cidr.example.com/b
protocol = 202
cni-conf = none
[c]
cidr-annotation = cidr.example.com/c
protocol = 203
cni-conf = none
EOF

# c exits at once with EX_CONFIG.
XCNI_FAKE_EXIT=c:78 start
check "a and b sync" wait_for 100 eval 'net_ready a && net_ready b'
check "c (exit 78) is failed" wait_for 50 eval 'status_line c | grep -q state=failed'
check "c is reported as a configuration error, not restarted" \
    logged "network c: worker exited with status 78 (configuration error), not restarted"
check "the supervisor is not ready while c is failed" \
    grep -qx ready=0 "$T/state/.status"
check "--status: exit 1 while c is failed" not probe
check "c was started once" [ "$(grep -c 'network c: worker .* started' "$T/log")" = 1 ]

apid=$(wpid a)
bpid=$(wpid b)
kill_pid -9 "$apid"
check "a crashed: restarted after 1 s" wait_for 30 new_wpid a "$apid"
check "the crash is logged with its signal and delay" \
    logged "network a: worker killed by signal 9 (Killed), restart 1 in 1 s"
check "b kept its worker" [ "$(wpid b)" = "$bpid" ]
check "a syncs again" wait_for 30 net_ready a
stop

# Ten crashes in a row, with 20 ms as a second.
: >"$T/log"
XCNI_FAKE_EXIT=a:1 XCNI_SECOND_MS=20 start
check "b syncs beside a crashing a" wait_for 100 net_ready b
bpid=$(wpid b)
check "a crashed ten times" wait_for 150 logged "restart 10 in"
delays=$(sed -n 's/.*network a: worker exited with status 1, restart [0-9]* in \([0-9]*\) s/\1/p' "$T/log" | head -10 | tr '\n' ' ')
check "the delay doubles up to 60 and stays ($delays)" \
    [ "$delays" = "1 2 4 8 16 32 60 60 60 60 " ]
check "b kept its worker through a's crashes" [ "$(wpid b)" = "$bpid" ]
stop

# After a minute (60 x 50 ms) of uptime the delay is back to 1.
: >"$T/log"
XCNI_SECOND_MS=50 start
wait_for 100 is_ready
apid=$(wpid a)
for i in 1 2 3; do
	kill_pid -9 "$apid"
	wait_for 30 new_wpid a "$apid"
	apid=$NEWPID
done
check "three quick crashes: delay 4" logged "restart 3 in 4 s"
sleep 3.5
kill_pid -9 "$(wpid a)"
check "a crash after a stable minute: delay 1 again" \
    wait_for 30 logged "restart 4 in 1 s"
stop

# --no-respawn: a crash is final.
: >"$T/log"
start --no-respawn
wait_for 100 is_ready
apid=$(wpid a)
kill_pid -9 "$apid"
check "--no-respawn: a is failed, not restarted" wait_for 30 eval \
    'status_line a | grep -q "pid=0 state=failed"'
check "--no-respawn: logged" logged "not restarted (--no-respawn)"
check "SIGTERM with a failed worker: exit 0" stop

# A worker that ignores SIGTERM is killed after the stop timeout (10 s,
# here 10 x 20 ms).
: >"$T/log"
XCNI_FAKE_IGNORE_TERM=1 XCNI_SECOND_MS=20 start
wait_for 100 is_ready
apid=$(wpid a)
check "SIGTERM with a hung worker: exit 0" stop
check "the hung worker was killed" logged "network a: worker $apid did not stop, killing it"
check "and is gone" dead "$apid"

# Without -f the supervisor detaches: a new session, the caller returns.
: >"$T/log"
ip netns exec "$NS" "$SUP" -c "$T/xcni.ini" 2>>"$T/log"
check "without -f: the command returns 0" [ $? = 0 ]
check "the detached supervisor runs the workers" wait_for 100 eval \
    'SPID=$(sed -n "s/^pid=//p" "$T/state/.status" 2>/dev/null) && is_ready'
SPID=$(sed -n "s/^pid=//p" "$T/state/.status")
check "it leads its own session" \
    [ "$(ps -o sid= -p "$SPID" | tr -d ' ')" = "$SPID" ]
kill -TERM "$SPID"
check "it stops on SIGTERM" wait_for 50 dead "$SPID"
SPID=
finish
