#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP: a dead API server is found by TCP (keepalive and TCP_USER_TIMEOUT)
# within 45 s even when the watch is quiet: lib/kube's watch-probe and the
# fake API server run in a network namespace of their own, where nft then
# silently drops the connection's packets both ways.
top=${top_srcdir:-.}
build=${top_builddir:-.}
. "$top/tests/tap.sh"
need nft
probe=$build/tests/kube/watch-probe
[ -x "$probe" ] || bail "$probe not built"
. "$top/tests/kube/ns-fake.sh"
fake_start --nodes 5
ip netns exec "$NS" "$probe" "$T/kc" >"$T/probe.out" 2>"$T/probe.log" &
PIDS="$PIDS $!"

check "listed, then watching" wait_for 300 grep -q "^end " "$T/probe.out"
sleep 1

in_ns nft -f - <<EON || bail "nft"
table inet deadpeer {
	chain out {
		type filter hook output priority 0;
		tcp dport $PORT drop
		tcp sport $PORT drop
	}
}
EON
t0=$(date +%s)
if wait_for 600 grep -q "watch: " "$T/probe.log"; then
	took=$(($(date +%s) - t0))
	note "dead connection found after $took s"
	check "packets dropped: the dead connection found within 45 s ($took s)" \
		[ "$took" -le 45 ]
else
	not_ok "packets dropped: the dead connection found within 60 s" \
		"$T/probe.log"
fi

in_ns nft delete table inet deadpeer
api PATCH /api/v1/nodes/node-2 '{"metadata":{"labels":{"dead":"no"}}}'
check "packets flow again: the watch resumes" \
	wait_for 600 grep -q "^obj MODIFIED node-2 " "$T/probe.out"
done_testing
