#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Faults under the supervisor, with the real worker against the fake API
# server: the worker killed 20 times in a row (the routes stay, restarts
# back off), the INI file replaced with garbage before SIGHUP (nothing
# changes), and the CNI conf dir read-only, then full (the old file stays
# whole, readiness says so, the write follows once it can). One kill and a
# killed supervisor are worker.sh's.
. "$top_srcdir/tests/supervisor/lib.sh"
NODES=20
real_worker

xcluster() {	# xcluster MTU: the INI file, with xcluster's conflist MTU
	TEST_KUBECONFIG=$T/kc conf <<EOF
[xcluster]
protocol = 202
mtu = $1
EOF
}
xcluster 1500

# The CNI conf dir is a 64 KiB tmpfs in the supervisor's private mount
# namespace, which its workers share.
mkdir -p "$T/net.d"
cat >"$T/wrap" <<WRAP
mount -t tmpfs -o size=64k,mode=755 xcni-faults "$T/net.d" || exit 1
exec "\$@"
WRAP
# A second is 20 ms: the backoff's 1 .. 60 s become 20 .. 1200 ms.
XCNI_SECOND_MS=20 WRAP="unshare -m --propagation private sh $T/wrap" start
check "synced" wait_for 300 is_ready
routes >"$T/good"
check "38 routes" [ "$(wc -l <"$T/good")" = 38 ]

# --- killed 20 times in a row --------------------------------------------
monitor_start
killed=0
pid=
for i in $(seq 1 20); do
	wait_for 300 new_wpid xcluster "$pid" || break
	pid=$NEWPID
	kill_pid -9 "$pid" && killed=$((killed + 1))
done
check "worker killed $killed times in a row (20 expected)" [ $killed = 20 ]
check "it comes back and syncs" wait_for 300 eval \
    '[ "$(wpid xcluster)" != "$pid" ] && net_ready xcluster'
monitor_stop
check "20 kills: no route changed" no_changes
check "20 kills: routes as before" eval 'routes | cmp -s - "$T/good"'
delays=$(sed -n 's/.*network xcluster: worker killed by signal 9 (Killed), restart [0-9]* in \([0-9]*\) s/\1/p' \
    "$T/log" | tr '\n' ' ')
check "the restarts back off: 1 2 4 .. 60 s ($delays)" \
    [ "$delays" = "1 2 4 8 16 32 60 60 60 60 60 60 60 60 60 60 60 60 60 60 " ]

# --- garbage instead of the INI file, then SIGHUP ------------------------
cp "$T/xcni.ini" "$T/xcni.ini.good"
pid=$(wpid xcluster)
monitor_start
head -c 4096 /dev/urandom >"$T/xcni.ini"
: >"$T/log"
kill -HUP "$SPID"
check "garbage INI: logged as not valid" wait_for 100 logged "not valid, configuration unchanged"
check "garbage INI: the worker kept" [ "$(wpid xcluster)" = "$pid" ]
monitor_stop
check "garbage INI: no route changed" no_changes
check "garbage INI: the supervisor runs and is ready" is_ready
mv "$T/xcni.ini.good" "$T/xcni.ini"

# --- the CNI conf dir read-only, then full -------------------------------
in_mnt() { nsenter -t "$SPID" -m "$@"; }
CONF=$T/net.d/10-xcluster.conflist
conf_mtu() { in_mnt cat "$CONF" 2>/dev/null | grep -q "\"mtu\":[[:space:]]*$1,"; }
cni() { status_line xcluster | grep -q " cni=$1\$"; }
check "conflist written in the private tmpfs" conf_mtu 1500
check "the host does not see that tmpfs" eval '! grep -q " $T/net.d " /proc/self/mountinfo'
monitor_start
in_mnt mount -o remount,ro "$T/net.d"
xcluster 1400
: >"$T/log"
kill -HUP "$SPID"
check "read-only: a clear error" wait_for 100 logged \
    "network xcluster: $CONF: cannot write: Read-only file system"
check "read-only: retried" logged "cni conf: retrying in 10 s"
check "read-only: status says cni=failed, not ready" wait_for 50 eval \
    'cni failed && grep -qx ready=0 "$T/state/.status" && ! probe'
check "read-only: the old conflist stays whole" conf_mtu 1500
in_mnt mount -o remount,rw "$T/net.d"
check "writable again: the conflist follows without a reload" wait_for 100 conf_mtu 1400
check "writable again: cni=ok, ready" wait_for 50 eval 'cni ok && probe'

in_mnt dd if=/dev/zero of="$T/net.d/fill" bs=1k count=128 2>/dev/null
xcluster 1300
: >"$T/log"
kill -HUP "$SPID"
check "full: a clear error" wait_for 100 logged \
    "network xcluster: $CONF: cannot write: No space left on device"
check "full: status says cni=failed, not ready" wait_for 50 eval 'cni failed && ! probe'
check "full: the old conflist stays whole" conf_mtu 1400
check "full: no temp file left behind" eval \
    '[ "$(in_mnt ls -A "$T/net.d" | tr "\n" " ")" = ".xcni-manifest 10-xcluster.conflist fill " ]'
in_mnt rm "$T/net.d/fill"
check "space again: the conflist follows" wait_for 100 conf_mtu 1300
check "space again: cni=ok, ready" wait_for 50 eval 'cni ok && probe'
monitor_stop
check "conf dir faults: no route changed" no_changes
check "conf dir faults: routes as before" eval 'routes | cmp -s - "$T/good"'
check "SIGTERM: exit 0" stop
check "SIGTERM: routes stay" eval 'routes | cmp -s - "$T/good"'
finish
