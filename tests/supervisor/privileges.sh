#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Each worker runs as the configured user with CAP_NET_ADMIN only, no
# supplementary groups, no_new_privs, and no descriptor of the supervisor's.
. "$top_srcdir/tests/supervisor/lib.sh"

conf <<EOF
[a]
protocol = 201
cni-conf = none
[b]
cidr-annotation = cidr.example.com/b
protocol = 202
cni-conf = none
EOF
start
check "both workers report their first sync" wait_for 100 is_ready

field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s ' \t' ' '; }
uid=$(id -u nobody)
gid=$(id -g nobody)
for net in a b; do
	pid=$(wpid $net)
	check "$net: worker $pid runs as $uid (real, effective, saved, fs)" \
	    [ "$(field "$pid" Uid)" = "$uid $uid $uid $uid" ]
	check "$net: gid $gid everywhere" \
	    [ "$(field "$pid" Gid)" = "$gid $gid $gid $gid" ]
	check "$net: no supplementary groups" [ -z "$(field "$pid" Groups)" ]
	check "$net: CapEff is CAP_NET_ADMIN only" \
	    [ "$(field "$pid" CapEff)" = 0000000000001000 ]
	check "$net: CapPrm is CAP_NET_ADMIN only" \
	    [ "$(field "$pid" CapPrm)" = 0000000000001000 ]
	check "$net: bounding set empty" \
	    [ "$(field "$pid" CapBnd)" = 0000000000000000 ]
	check "$net: NoNewPrivs 1" [ "$(field "$pid" NoNewPrivs)" = 1 ]
	check "$net: no signal ignored" \
	    [ "$(field "$pid" SigIgn)" = 0000000000000000 ]
	# fd 3 is the socket; above it only the fake's own signalfd.
	fds=$(cd "/proc/$pid/fd" && for fd in *; do
		[ "$fd" -ge 3 ] && echo "$fd:$(readlink "$fd")"
	done | sed 's/socket:\[[0-9]*\]/socket/' | tr '\n' ' ')
	check "$net: descriptors 0-3 and its own only ($fds)" \
	    [ "$fds" = "3:socket 4:anon_inode:[signalfd] " ]
	check "$net: worker leads its own session" \
	    [ "$(ps -o sid= -p "$pid" | tr -d ' ')" = "$pid" ]
done

# The state a worker may write: its own directory and nothing else.
check "state-dir is root's, 0755" \
    [ "$(stat -c '%u %a' "$T/state")" = "0 755" ]
check "state-dir/a is the worker user's" \
    [ "$(stat -c '%u %g %a' "$T/state/a")" = "$uid $gid 755" ]
check "the worker got its own directory as state-dir" \
    grep -qx "state-dir = $T/state/a" "$T/state/a/config"
check "state-dir/a.json reaches the worker's state file" \
    grep -q '"network":"a"' "$T/state/a.json"
check "state-dir/a.json is root's symlink" \
    [ "$(stat -c '%u %F' "$T/state/a.json")" = "0 symbolic link" ]
check "the worker got the credentials" grep -q test-token "$T/state/a/creds"

# The probe a Kubernetes exec readiness check runs.
out=$("$SUP" -c "$T/xcni.ini" --status)
check "--status: exit 0 when ready" [ $? = 0 ]
check "--status: prints readiness, pid and each network" \
    eval 'echo "$out" | grep -qx ready=1 && echo "$out" | grep -qx "pid=$SPID" &&
    echo "$out" | grep -q "^network=b pid=$(wpid b) state=running ready=1 routes=3 failed=0 restarts=0 cni=-$"'

apid=$(wpid a)
bpid=$(wpid b)
check "SIGTERM: the supervisor exits 0" stop
check "SIGTERM: worker a is gone" dead "$apid"
check "SIGTERM: worker b is gone" dead "$bpid"
check "SIGTERM: the status file is gone" [ ! -e "$T/state/.status" ]
check "SIGTERM: the state stays" [ -e "$T/state/a/a.json" ]
check "--status: exit 1 when not running" not probe

# A supervisor killed outright takes its workers with it.
start
wait_for 100 is_ready
apid=$(wpid a)
kill -9 "$SPID"
wait "$SPID" 2>/dev/null
check "supervisor killed: its workers exit (parent-death signal)" \
    wait_for 50 dead "$apid"
check "--status: exit 1 when the supervisor died" \
    not probe
check "--status: says so" eval '"$SUP" -c "$T/xcni.ini" --status 2>&1 |
    grep -q "supervisor $SPID is not running"'
SPID=

# --alive: the loop's heartbeat, here with a 20 ms second (stale after
# three missed credential refreshes, 3.6 s).
export XCNI_SECOND_MS=20
start
wait_for 100 is_ready
beats() { "$SUP" -c "$T/xcni.ini" --alive 2>/dev/null; }
check "--alive: exit 0 while the loop turns" beats
kill -STOP "$SPID"
sleep 4
check "--alive: exit 1 when the loop is stuck" not beats
kill -CONT "$SPID"
check "--alive: exit 0 once it turns again" wait_for 30 beats
stop
finish
