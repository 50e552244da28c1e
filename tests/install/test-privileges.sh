#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The capabilities xcni.service and the DaemonSet give the supervisor are
# enough and each one is needed. The supervisor runs as root with exactly
# that bounding set and no_new_privs (what systemd's CapabilityBoundingSet=
# and NoNewPrivileges=, or Kubernetes' capabilities and
# allowPrivilegeEscalation: false, leave it), in a namespace of the test's,
# with tests/supervisor/fake-worker as its worker; then once without each
# capability.
. "$top_srcdir/tests/supervisor/lib.sh"

need setpriv

# The set, from the unit; the DaemonSet must add the same.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$top_srcdir/systemd/xcni.service.in" |
    tr ' ' '\n' | sed 's/^CAP_//' | tr 'A-Z' 'a-z' | sort | tr '\n' ' ')
ds=$(sed -n 's/^ *add: \[\(.*\)\]$/\1/p' "$top_srcdir/etc/kubernetes/xcni.yaml" |
    tr -d '" ' | tr ',' '\n' | tr 'A-Z' 'a-z' | sort | tr '\n' ' ')
check "the DaemonSet adds the unit's capabilities ($caps)" [ "$caps" = "$ds" ]

# start_with CAPS: the supervisor with only CAPS, as the unit runs it.
start_with() {
	bset=-all
	for c in $1; do bset="$bset,+$c"; done
	ip netns exec "$NS" setpriv --bounding-set="$bset" --inh-caps=-all \
	    --no-new-privs "$SUP" -f -c "$T/xcni.ini" 2>>"$T/log" &
	SPID=$!
}
one_network() {
	conf <<EOF
[a]
protocol = 201
mtu = 1500
cni-conf = 10-a.conflist
EOF
}
two_networks() {
	conf <<EOF
[a]
protocol = 201
mtu = 1500
cni-conf = 10-a.conflist
[b]
cidr-annotation = cidr.example.com/b
protocol = 202
cni-conf = none
EOF
}
reset() {
	[ -z "$SPID" ] || { kill -9 "$SPID"; wait "$SPID"; } 2>/dev/null
	SPID=
	ip netns pids "$NS" | xargs -r kill -9 2>/dev/null
	rm -rf "$T/state" "$T/net.d"
	mkdir -p "$T/net.d"
	: > "$T/log"
}

reset
two_networks
start_with "$caps"
check "with them, both workers report their first sync" wait_for 100 is_ready
pid=$(wpid a)
check "the worker keeps CAP_NET_ADMIN alone" \
    grep -q '^CapEff:[[:space:]]*0000000000001000$' "/proc/$pid/status"
check "the CNI conf is written" [ -s "$T/net.d/10-a.conflist" ]
# Removing a network stops its worker: a signal to another uid.
bpid=$(wpid b)
one_network
kill -HUP "$SPID"
check "a reload stops a removed network's worker" wait_for 50 dead "$bpid"
check "SIGTERM: exit 0" stop
# Nothing failed on the way, the state directories' modes included
# (chmod of a directory root no longer owns would need CAP_FOWNER).
check "with them, no errors" not logged ': error: '

# Without one of them something breaks; KILL only shows in a reload.
for cap in $caps; do
	reset
	two_networks
	start_with "$(echo "$caps" | tr ' ' '\n' | grep -vx "$cap")"
	if [ "$cap" = kill ]; then
		wait_for 100 is_ready
		bpid=$(wpid b)
		one_network
		kill -HUP "$SPID"
		sleep 2
		check "without kill, a removed network's worker keeps running" \
		    alive "$bpid"
	else
		sleep 2
		check "without $cap, the workers never get ready" not is_ready
	fi
	grep -v ': info: ' "$T/log" | sed "s/^/# without $cap: /"
done
reset

finish
