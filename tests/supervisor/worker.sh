#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The supervisor with the real xcni-worker against the fake API server, in
# a namespace of the test's own: both networks come up, a crashed worker
# and a killed supervisor are replaced without any route being touched.
. "$top_srcdir/tests/supervisor/lib.sh"
NODES=20
MONITOR_PROTO='(202|200)'	# xcluster's and net3's
real_worker
in_ns ip link set eth0 mtu 9000

TEST_KUBECONFIG=$T/kc conf <<EOF
[xcluster]
protocol = 202
[net3]
cidr-annotation = cidr.example.com/net3
address-annotation = adr.example.com/net3
protocol = 200
cni-conf = none
EOF

want=$(( (NODES - 1) * 2 ))

start
check "both workers sync" wait_for 200 is_ready
check "xcluster: $want routes, one per family to each other node" \
    [ "$(count)" = "$want" ]
check "the status counts them" eval \
    'status_line xcluster | grep -q " ready=1 routes=$want "'
check "net3 (no node has its annotation): synced, no routes" \
    eval 'net_ready net3 && [ -z "$(in_ns ip route show proto 200)" ]'
pid=$(wpid xcluster)
check "the real worker: uid nobody, CAP_NET_ADMIN only, no_new_privs" \
    eval 'grep -q "^Uid:[[:space:]]*$(id -u nobody)[[:space:]]" /proc/$pid/status &&
    grep -q "^CapEff:[[:space:]]*0000000000001000$" /proc/$pid/status &&
    grep -q "^NoNewPrivs:[[:space:]]*1$" /proc/$pid/status'
check "state-dir/xcluster.json has node-1's ranges (written by the worker)" \
    grep -q '"cidrs":\["198.18.0.0/24","fd00::/64"\]' "$T/state/xcluster.json"
check "conflist mtu 9000: the link of the node address the worker reported" \
    grep -q '"mtu":.9000,' "$T/net.d/10-xcluster.conflist"

# kill -9 a worker: no route is removed while it is down or after.
monitor_start
net3=$(wpid net3)
kill_pid -9 "$pid"
check "crashed worker restarted" wait_for 50 new_wpid xcluster "$pid"
check "restarted worker syncs again" wait_for 100 net_ready xcluster
check "net3's worker untouched" [ "$(wpid net3)" = "$net3" ]
# The monitor is live: it sees a route of another protocol come and go.
in_ns ip route add 203.0.113.0/24 dev eth0 proto 99
in_ns ip route del 203.0.113.0/24 dev eth0 proto 99
monitor_stop
check "the route monitor sees changes" grep -q "203.0.113.0/24" "$T/monitor.all"
check "no route of xcni changed across the crash and restart" no_changes
check "all routes still there" [ "$(count)" = "$want" ]

# kill -9 the supervisor: workers go; a new supervisor adopts the routes.
pid=$(wpid xcluster)
kill -9 "$SPID"
wait "$SPID" 2>/dev/null
check "supervisor killed: workers exit" wait_for 50 dead "$pid"
check "routes stay without any supervisor" [ "$(count)" = "$want" ]
monitor_start
start
check "a new supervisor syncs" wait_for 200 is_ready
monitor_stop
check "it adopted the routes without changing any" no_changes
echo "# supervisor $(grep VmRSS /proc/$SPID/status | tr -s ' \t' ' '), worker $(grep VmRSS /proc/$(wpid xcluster)/status | tr -s ' \t' ' ') ($NODES nodes)"

check "SIGTERM: exit 0" stop
check "SIGTERM: routes stay" [ "$(count)" = "$want" ]
finish
