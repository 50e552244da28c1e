#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP: one Node that cannot be decoded (a lone surrogate escape in what
# the worker reads, or over the 4 MiB bound) does not stop the worker: the
# other nodes' changes are applied within 1 s, a relist keeps the bad
# node's routes (it is skipped, not gone), and its deletion is still
# applied. Bytes that are not UTF-8 in what the worker does not read (an
# annotation of no network) are stepped over: that node stays routed and
# its changes are applied. The standalone worker and the fake API server
# run in a network namespace of this test's own.
top=${top_srcdir:-.}
build=${top_builddir:-.}
. "$top/tests/tap.sh"
WORKER=$build/worker/xcni-worker
[ -x "$WORKER" ] || bail "$WORKER not built"
. "$top/tests/kube/ns-fake.sh"
node_link || bail "node link"

fake_start --nodes 20
ip netns exec "$NS" env NODE_NAME=node-1 KUBECONFIG="$T/kc" LOG_LEVEL=debug "$WORKER" \
	--state-dir "$T/state" </dev/null >/dev/null 2>"$T/worker.log" &
PIDS="$PIDS $!"

has_route() { routes | grep -q "^$1 via $2 "; }
lists() { grep -c "listed at resourceVersion" "$T/worker.log"; }
# applied_within_1s NODE-INDEX: node-(i+1)'s IPv4 address moves to
# 192.0.2.(i+100); its route must follow within 1 s.
applied_within_1s() {
	t0=$(date +%s%N)
	api PATCH "/api/v1/nodes/node-$(($1 + 1))" "{\"status\":{\"addresses\":[
	    {\"type\":\"InternalIP\",\"address\":\"192.0.2.$(($1 + 100))\"},
	    {\"type\":\"InternalIP\",\"address\":\"2001:db8::$(($1 + 1))\"}]}}" ||
		return 1
	wait_for 30 has_route "198.18.$1.0/24" "192.0.2.$(($1 + 100))" || return 1
	took=$((($(date +%s%N) - t0) / 1000000))
}
# relist: the worker lists again (its watch ends with a 410, as when the
# API server restarts), and is done.
relist() {
	l0=$(lists)
	fake expire-watches && wait_for 200 eval '[ "$(lists)" -gt "$l0" ]'
}

check "initial sync: 19 nodes, 38 routes" wait_for 300 eval '[ "$(count)" = 38 ]'

for bad in "surrogate 2 3" "huge 4 5"; do
	set -- $bad
	kind=$1 i=$2 other=$3
	name=node-$((i + 1))
	if [ "$kind" = huge ]; then
		fake "bad-event?kind=huge&size=5000000&node=$name"
	else
		fake "bad-event?kind=$kind&node=$name&where=addresses"
	fi
	check "$kind: $name skipped by name" wait_for 100 \
		grep -q "object \"$name\" (MODIFIED) skipped" "$T/worker.log"
	check "$kind: another node's change applied within 1 s" \
		applied_within_1s "$other"
	note "$kind: applied after $took ms"
	check "$kind: a relist completes" relist
	check "$kind: the relist skipped $name and kept its routes" eval \
		"grep -q 'list: object \"$name\" (ADDED) skipped' '$T/worker.log' &&
		has_route 198.18.$i.0/24 192.0.2.$((i + 1)) &&
		! grep -q 'node $name: gone from the list' '$T/worker.log'"
	api DELETE "/api/v1/nodes/$name"
	check "$kind: its deletion applied" wait_for 30 eval \
		"! routes | grep -q '^198.18.$i.0/24 '"
done

fake "bad-event?kind=utf8&node=node-7"
check "utf8 in an annotation no network reads: node-7 not skipped" eval \
	"applied_within_1s 8 && ! grep -q 'object \"node-7\"' '$T/worker.log'"
check "utf8 there: node-7's own change applied within 1 s" applied_within_1s 6
note "node-7's change applied after $took ms"
check "utf8 there: a relist keeps node-7 and skips nothing" eval \
	"relist && has_route 198.18.6.0/24 192.0.2.106 &&
	! grep -q 'object \"node-7\"' '$T/worker.log'"
done_testing
