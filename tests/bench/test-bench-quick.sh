#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/run --quick in the suite: ok when it ran to the end and printed
# every figure with a value. The ratios and targets are reported in the
# output (and in bench/RESULTS.md for the full scale), never judged here:
# a loaded machine must not fail the suite. About 3 minutes.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

. "$top_srcdir/tests/tap.sh"
need_root
need kubectl go python3
need_path /usr/lib/cni/bridge \
    /usr/share/gocode/src/github.com/containernetworking/cni/libcni

figures="route_programming_wall route_programming_wall_min
route_programming_cpu cold_sync_cpu
event_latency_p50 event_latency_p99 heartbeat_netlink_msgs
idle_worker_cpu idle_worker_wakeups worker_peak_rss worker_steady_rss
idle_supervisor_cpu idle_supervisor_wakeups idle_supervised_worker_cpu
idle_supervised_worker_wakeups supervisor_rss restart_route_changes
restart_ready_time pod_add_median pod_add_p99 pod_del_median pod_del_p99"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
"$top_srcdir/bench/run" --quick --build "$top_builddir" >"$out" 2>&1
rc=$?
result $rc "bench/run --quick (exit $rc)"
# All of it, pass or fail: the figures are the report.
sed 's/^/# /' "$out"
note "$(($(date +%s) - start)) s"
for f in $figures; do
	if grep -Eq "^$f: -?[0-9][0-9.e+-]* " "$out"; then
		ok "$f"
	else
		not_ok "$f (bench/run printed: $(grep "^$f:" "$out" || echo "no line $f:"))"
	fi
done
done_testing
