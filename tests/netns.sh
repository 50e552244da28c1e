# SPDX-License-Identifier: Apache-2.0
# Sourced by the tests that run xcni in a network namespace of their own
# ($NS) against the fake API server ($URL, credentials in $T): running in
# the namespace, polling, the server's API and fault endpoints, and the
# routes of protocol 202.

# netns_test NAME: the frame of a test that runs in namespaces of its own.
# Makes $T, a scratch directory, and $NS (xcni-t-PID-NAME) with lo up. On
# exit it kills the processes whose pids the variables named in $PIDVARS
# hold then (set PIDVARS first; a variable the test cleared is skipped),
# deletes every namespace made by netns_add, and removes $T (kept after a
# failure, or with XCNI_TEST_KEEP=1).
netns_test() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/xcni-$1.$$.XXXXXX") || bail "mktemp"
	NS=xcni-t-$$-$1
	NETNS=
	trap netns_cleanup EXIT
	trap 'exit 1' INT TERM
	netns_add "$NS"
}
# netns_add NAME: one more namespace, lo up, deleted on exit.
netns_add() {
	ip netns add "$1" || bail "cannot add network namespace $1"
	NETNS="$NETNS $1"
	ip -n "$1" link set lo up || bail "no loopback in $1"
}
netns_cleanup() {
	for v in ${PIDVARS:-}; do
		eval "pids=\${$v:-}"
		for p in $pids; do kill "$p" 2>/dev/null; done
	done
	wait 2>/dev/null
	for n in $NETNS; do ip netns del "$n" 2>/dev/null; done
	if [ "${tap_failed:-0}" -gt 0 ] || [ -n "${XCNI_TEST_KEEP:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}

# Not for "&": a backgrounded function is a subshell, and $! its pid.
in_ns() { ip netns exec "$NS" "$@"; }

# node_link: eth0 (peer eth1), holding node-1's addresses; the other
# nodes' InternalIPs (192.0.2.N, 2001:db8::N) are on that link.
# Neither end makes an IPv6 link-local address (addrgenmode none) and the
# global one skips duplicate address detection: no kernel route appears
# later, when DAD would have finished, in the middle of a test.
node_link() {
	in_ns ip link add eth0 type veth peer name eth1 &&
	    in_ns ip link set eth0 addrgenmode none &&
	    in_ns ip link set eth1 addrgenmode none &&
	    in_ns sysctl -qw net.ipv6.conf.eth0.keep_addr_on_down=1 &&
	    in_ns ip link set eth1 up &&
	    in_ns ip link set eth0 up &&
	    in_ns ip addr add 192.0.2.1/24 dev eth0 &&
	    in_ns ip addr add 2001:db8::1/64 dev eth0 nodad
}

# wait_for TENTHS COMMAND...: polls until COMMAND succeeds.
wait_for() {
	tries=$1
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# The test's own requests come from 127.0.0.2, so a fault that cuts off
# 127.0.0.1 cuts off only xcni.
api() {	# api METHOD PATH [JSON]
	in_ns curl -sS --fail-with-body --interface 127.0.0.2 \
	    --cacert "$T/certs/ca.crt" -H "Authorization: Bearer $(cat "$T/token")" \
	    -X "$1" -H 'Content-Type: application/merge-patch+json' \
	    ${3:+-d "$3"} "$URL$2" >"$T/api.out" 2>&1 ||
	    { echo "# api $1 $2 failed: $(head -c 300 "$T/api.out")"; return 1; }
}
fake() { in_ns curl -sS -k --interface 127.0.0.2 "$URL/fake/$1" >/dev/null; }

# routes [PROTO]: the kernel's routes of the protocol, both families,
# sorted.
# A route's nexthop object (nhid N) is left out: the routes read the same
# with kernel nexthop objects and without.
routes() {
	{ in_ns ip -4 route show proto "${1:-202}"; in_ns ip -6 route show proto "${1:-202}"; } |
	    sed 's/ nhid [0-9]*//; s/ *$//' | sort
}
# gateways PROTO: each route of the protocol as "DESTINATION GATEWAY" ("-"
# when it has none), sorted.
gateways() {
	{ in_ns ip -4 route show proto "$1"; in_ns ip -6 route show proto "$1"; } |
	    awk '{ g = "-"; for (i = 2; i < NF; i++) if ($i == "via") { g = $(i + 1); break }
		print $1, g }' | LC_ALL=C sort
}
count() { routes | wc -l; }

# monitor_start / monitor_stop: the route notifications of protocol
# ${MONITOR_PROTO:-202} seen in between, in $T/monitor (empty: none); all
# of them in $T/monitor.all. Each end is marked by a route of another
# protocol added and deleted, and waits until the monitor has printed it:
# the monitor listens before the test acts, and every notification sent
# before the stop has been read. Started directly, not through a
# function, so that MP is ip's own pid.
MARK=198.51.100.254
monitor_start() {
	: >"$T/monitor.all"
	ip netns exec "$NS" ip monitor route >"$T/monitor.all" 2>>"$T/monitor.err" &
	MP=$!
	monitor_mark 50 || bail "ip monitor route printed nothing in 50 s"
}
monitor_stop() {
	monitor_mark 1 || bail "ip monitor route stopped printing"
	kill "$MP"
	wait "$MP" 2>/dev/null
	MP=
	grep -E " proto ${MONITOR_PROTO:-202}( |\$)" "$T/monitor.all" >"$T/monitor"
}
# monitor_mark TRIES: marks, up to TRIES times, until the monitor prints
# the mark's deletion (within a second of each try).
monitor_mark() {
	marks=$(grep -c "^Deleted .*$MARK " "$T/monitor.all")
	mark_tries=$1
	while [ "$mark_tries" -gt 0 ]; do
		in_ns ip route add blackhole "$MARK/32" proto 99 &&
		    in_ns ip route del blackhole "$MARK/32" proto 99 || return 1
		wait_for 10 monitor_marked "$marks" && return 0
		mark_tries=$((mark_tries - 1))
	done
	return 1
}
monitor_marked() { [ "$(grep -c "^Deleted .*$MARK " "$T/monitor.all")" -gt "$1" ]; }
# no_changes: passes when the monitor saw no route of the protocol change;
# else prints the changes.
no_changes() {
	[ ! -s "$T/monitor" ] && return 0
	echo "# $(wc -l <"$T/monitor") route changes of protocol ${MONITOR_PROTO:-202}:"
	head -20 "$T/monitor" | sed 's/^/#   /'
	return 1
}
