#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/run --scale --quick in the suite (200 and 1 000 nodes, ~15 s): ok
# when it ran to the end, every size printed every figure with a value,
# the worker, nl-floor and ip -batch each put the whole route set in place
# (bench/bench.py exits otherwise), and the picture and the results were
# written. Targets are reported, never judged here. Also: the fake
# server's address scheme at 130 000 nodes, which the quick sizes do not
# reach, without generating them.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

. "$top_srcdir/tests/tap.sh"
need_root
need python3 gnuplot

per_size="sync_wall sync_cpu list_wall route_programming_wall
route_programming_vs_ip_batch route_programming_cpu event_latency_p50
event_latency_p99 event_latency_p99_excess uss_peak uss_steady pss_peak
pss_steady rss_peak rss_steady"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
"$top_srcdir/bench/run" --scale --quick --build "$top_builddir" >"$out" 2>&1
rc=$?
result $rc "bench/run --scale --quick (exit $rc)" "$out"
sed 's/^/# /' "$out"
note "$(($(date +%s) - start)) s"
for n in 200 1000; do
	check "$n nodes: the worker put all $((2 * (n - 1))) routes in place" \
	    grep -q "^# n=$n: $((2 * (n - 1))) routes in place;" "$out"
	check "$n nodes: nl-floor made them all (objects for the IPv4 ones)" \
	    grep -q "^# n=$n nl-floor: $((n - 1)) nexthops + $((2 * (n - 1))) routes in" "$out"
	check "$n nodes: ip -batch made them all" \
	    grep -q "^# n=$n ip -batch: $((2 * (n - 1))) classic routes" "$out"
	for f in $per_size; do
		check "n${n}_$f has a value" grep -Eq "^n${n}_$f: -?[0-9][0-9.e+-]* " "$out"
	done
done
for f in marginal_cpu_per_node marginal_uss_per_node; do
	check "$f has a value" grep -Eq "^$f: -?[0-9][0-9.e+-]* " "$out"
done
check "the picture has the three panels" \
    grep -q "route programming" "$top_builddir/bench-scale-quick.svg"
check "the results section marks the targets" \
    grep -Eq '^\* \*\*(met|missed)\*\* marginal USS' "$top_builddir/bench-scale-quick.md"

# 130 000 nodes: distinct addresses inside the test address plan, IPv4
# gateways inside the link's 198.19.0.0/16 below its own 198.19.255.254,
# IPv4 pod CIDRs outside it; past the plan's IPv4 part, IPv6-only nodes.
check "fake-apiserver: 130 000 nodes fit the address plan" python3 - \
    "$top_srcdir/tests/kube/fake-apiserver" <<'PY'
import importlib.machinery, importlib.util, ipaddress, sys
loader = importlib.machinery.SourceFileLoader("fake", sys.argv[1])
fake = importlib.util.module_from_spec(
    importlib.util.spec_from_loader("fake", loader))
loader.exec_module(fake)
link = ipaddress.ip_network("198.19.0.0/16")
plan = ipaddress.ip_network("198.18.0.0/16")
n = 130000
rows = [fake.node_addresses(i, n) for i in range(n)]
v4 = [r for r in rows if r[0]]
assert all(r[0] is None and r[2] is None for r in rows[len(v4):]), \
    "an IPv4 node after the IPv6-only ones"
assert len(v4) == 65533, "%d IPv4 nodes, want 65533" % len(v4)
pods = {ipaddress.ip_network(r[0]) for r in v4}
gws = {ipaddress.ip_address(r[2]) for r in v4}
assert len(pods) == len(v4) and len(gws) == len(v4), "addresses repeat"
assert all(p.subnet_of(plan) for p in pods), "pod CIDR outside 198.18/16"
assert all(g in link and g < ipaddress.ip_address("198.19.255.254")
           for g in gws), "gateway outside the link"
# IPv6, written canonically (as the worker and ip print them).
pods6 = {ipaddress.ip_network(r[1]) for r in rows}
gws6 = {ipaddress.ip_address(r[3]) for r in rows}
assert len(pods6) == n and len(gws6) == n, "IPv6 addresses repeat"
assert all(p.subnet_of(ipaddress.ip_network("fd00::/8")) for p in pods6)
assert all(g in ipaddress.ip_network("2001:db8::/64") for g in gws6)
assert all(str(ipaddress.ip_network(r[1])) == r[1] and
           str(ipaddress.ip_address(r[3])) == r[3] for r in rows)
PY
done_testing
