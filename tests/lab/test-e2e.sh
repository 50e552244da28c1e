#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# End-to-end: the lab (tests/lab/lab.sh) with three nodes, then nodes join
# and leave, annotations move, workers die, the supervisor restarts and the
# API server goes away, while pods keep reaching each other. TAP output.
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
LAB=xe$$
LAB_DIR=/run/xcni-lab/$LAB
. "$top_srcdir/tests/lab/lab.sh"
. "$top_srcdir/tests/tap.sh"

need_root
need python3 openssl kubectl ping
# The evidence of failing points; outside $LAB_DIR, which lab_down removes.
E=$(mktemp -d)
trap 'lab_down; rm -rf "$E"' EXIT
trap 'exit 1' INT TERM

# Supervisors started here keep its stdout: a file of its own.
lab_up 3 1 >"$E/up" 2>&1
result $? "three nodes, a pod on each" "$E/up"
sleep 1

# pings: every pod reaches every other; the failures in $E/pings.
pings() {
	local net fam f=0
	: >"$E/pings"
	for net in eth0 net1; do
		for fam in 4 6; do
			lab_ping_all "$net" "$fam" >>"$E/pings" || f=$((f + 1))
		done
	done
	return $f
}
pings
result $? "every pod reaches every other pod, both networks and families" "$E/pings"

# How many of the nodes other than $1 have route $2 for protocol $3?
routed_by_others() {
	local self dst proto c d i fam
	self=$1
	dst=$2
	proto=$3
	c=0
	for d in "$LAB_DIR"/n*/xcni.ini; do
		i=${d%/xcni.ini}
		i=${i##*/n}
		[ "$i" = "$self" ] && continue
		case $dst in
		*:*) fam=-6 ;;
		*) fam=-4 ;;
		esac
		lab_in "n$i" ip "$fam" route show "$dst" proto "$proto" |
		    grep -q . && c=$((c + 1))
	done
	echo $c
}

# Wait up to $1 tenths of a second (wall clock) for a command to succeed.
wait_for() {
	local end
	end=$(($(date +%s%N) + $1 * 100000000))
	shift
	while ! "$@"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.05
	done
}

all_route() {
	[ "$(routed_by_others "$1" "$2" "$3")" -eq "$4" ]
}

# Node 4 joins: its namespace and supervisor come up, and from the moment
# its Node object exists every other node must route to it within 2 s.
joined() {
	all_route 4 198.18.4.0/24 202 3 && all_route 4 fd00:0:0:4::/64 202 3 &&
	    all_route 4 198.19.4.0/24 200 3 && all_route 4 fd00:3:0:4::/64 200 3
}
# routes_of I: each node's routes of both protocols to node I's ranges.
routes_of() {
	local n
	for n in "$LAB_DIR"/n*/xcni.ini; do
		n=${n%/xcni.ini}
		n=${n##*/n}
		echo "n$n:"
		for proto in 202 200; do
			lab_in "n$n" ip -4 route show proto "$proto" | grep "\.$1\.0/24"
			lab_in "n$n" ip -6 route show proto "$proto" | grep ":$1::/64"
		done
	done
}
lab_node_netns 4
lab_start_supervisor 4 >"$E/n4" 2>&1
lab_node_json 4 | lab_kubectl apply -f - >/dev/null
start=$(date +%s%N)
wait_for 20 joined
r=$?
ms=$((($(date +%s%N) - start) / 1000000))
routes_of 4 >"$E/routes"
result $r "a node joins: every other node routes to it within 2 s" "$E/routes"
note "routes to the new node everywhere ${ms} ms after its Node object"
{ lab_wait_ready 4 && lab_add_pod 4 1; } >>"$E/n4" 2>&1 && pings
result $? "the new node's pod is reachable on both networks" "$E/n4" "$E/pings"

lab_del_node 4
wait_for 20 all_route 4 198.18.4.0/24 202 0 &&
    wait_for 20 all_route 4 fd00:0:0:4::/64 202 0 &&
    wait_for 20 all_route 4 198.19.4.0/24 200 0 &&
    wait_for 20 all_route 4 fd00:3:0:4::/64 200 0
r=$?
routes_of 4 >"$E/routes"
result $r "a node is deleted: its routes disappear everywhere" "$E/routes"

lab_kubectl annotate --overwrite node n2 \
    cidr.example.com/net3=198.19.22.0/24,fd00:3:0:22::/64 >/dev/null
wait_for 20 all_route 2 198.19.22.0/24 200 2 &&
    wait_for 20 all_route 2 198.19.2.0/24 200 0 &&
    wait_for 20 all_route 2 fd00:3:0:22::/64 200 2
r=$?
{ routes_of 2; routes_of 22; } >"$E/routes"
result $r "an annotation change moves the secondary range" "$E/routes"
lab_kubectl annotate --overwrite node n2 \
    cidr.example.com/net3=198.19.2.0/24,fd00:3:0:2::/64 >/dev/null
wait_for 20 all_route 2 198.19.2.0/24 200 2
r=$?
{ routes_of 2; routes_of 22; } >"$E/routes"
result $r "moving it back restores the original route" "$E/routes"

# Continuous pings from n1's pod to n2's pod while n1's workers are killed.
ping_start() {
	local a
	a=$(lab_pod_addr 2 1 eth0 4)
	ip netns exec "$LAB-n1-p1" ping -c "$1" -i 0.2 -W 1 -q "$a" \
	    >"$LAB_DIR/ping.out" 2>&1 &
	ping_pid=$!
}
ping_loss() {
	sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p' "$LAB_DIR/ping.out"
}

sup=$(cat "$LAB_DIR/n1/supervisor.pid")
workers=$(pgrep -P "$sup" | tr '\n' ' ')
ping_start 25
sleep 1
for w in $workers; do kill -9 "$w"; done
wait "$ping_pid"
loss=$(ping_loss)
[ -n "$workers" ] && [ "$loss" = 0 ]
result $? "workers killed: pings keep succeeding" "$LAB_DIR/ping.out"
note "killed workers $workers; ping loss ${loss}%"
sleep 2
new=$(pgrep -P "$sup" | tr '\n' ' ')
[ -n "$new" ] && [ "$new" != "$workers" ]
result $? "the killed workers were restarted ($new; killed $workers)" \
    "$LAB_DIR/n1/supervisor.log"

# Supervisor restart: not one route changes on any node.
for i in 1 2 3; do
	ip netns exec "$LAB-n$i" ip monitor route >"$LAB_DIR/n$i/monitor.out" 2>&1 &
	echo $! >"$LAB_DIR/n$i/monitor.pid"
done
sleep 0.3
lab_stop_supervisor 1
lab_start_supervisor 1 >>"$E/n1" 2>&1
sleep 3
changes=0
: >"$E/changes"
for i in 1 2 3; do
	kill "$(cat "$LAB_DIR/n$i/monitor.pid")"
	grep -E ' proto (202|200)( |$)' "$LAB_DIR/n$i/monitor.out" |
	    sed "s/^/n$i: /" >>"$E/changes"
done
changes=$(grep -c . "$E/changes")
result "$changes" "the supervisor is restarted: no route changes" "$E/changes"
pings
result $? "pods still reach each other after the restart" "$E/pings"

outage=${LAB_API_OUTAGE:-30}
ping_start $((outage * 5))
lab_stop_api
sleep "$outage"
lab_restart_api
wait "$ping_pid"
loss=$(ping_loss)
[ "$loss" = 0 ]
result $? "the API server is down for ${outage} s: pod traffic is unaffected" \
    "$LAB_DIR/ping.out"
note "API server down for ${outage}s; ping loss ${loss}%"
lab_kubectl annotate --overwrite node n3 \
    cidr.example.com/net3=198.19.33.0/24,fd00:3:0:3::/64 >/dev/null
# The workers back off up to 30 s while the server is away, and again
# after the restarted server answers their old resourceVersion with 504.
wait_for 900 all_route 3 198.19.33.0/24 200 2
r=$?
routes_of 33 >"$E/routes"
result $r "after the outage, changes are applied again" "$E/routes" \
    "$LAB_DIR/n1/supervisor.log"

trap 'rm -rf "$E"' EXIT
pids=$(cat "$LAB_DIR"/n*/supervisor.pid "$LAB_DIR/api/pid" 2>/dev/null)
lab_down
sleep 0.5
left=$(ip netns list | grep -c "^$LAB-")
procs=0
for pid in $pids; do
	kill -0 "$pid" 2>/dev/null && procs=$((procs + 1))
done
[ "$left" -eq 0 ] && [ "$procs" -eq 0 ] && [ ! -d "$LAB_DIR" ]
result $? "nothing of the lab is left (namespaces $left, processes $procs, dir $(ls -d "$LAB_DIR" 2>/dev/null || echo gone))"
done_testing
