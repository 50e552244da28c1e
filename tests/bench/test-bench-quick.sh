#!/bin/sh
# bench/run --quick in the suite: ok when it ran to the end and printed
# every figure with a value. The ratios and targets are reported in the
# output (and in bench/RESULTS.md for the full scale), never judged here:
# a loaded machine must not fail the suite. About 3 minutes.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip_all "needs root (namespaces)"
command -v kubectl >/dev/null || skip_all "no kubectl"
[ -x /usr/lib/cni/bridge ] || skip_all "no CNI plugins in /usr/lib/cni"
[ -d /usr/share/gocode/src/github.com/containernetworking/cni/libcni ] ||
    skip_all "no libcni (golang-github-appc-cni-dev)"

figures="route_programming_wall route_programming_wall_min
route_programming_cpu cold_sync_cpu
event_latency_p50 event_latency_p99 heartbeat_netlink_msgs
idle_worker_cpu idle_worker_wakeups worker_peak_rss worker_steady_rss
idle_supervisor_cpu idle_supervisor_wakeups idle_supervised_worker_cpu
idle_supervised_worker_wakeups supervisor_rss restart_route_changes
restart_ready_time pod_add_median pod_add_p99 pod_del_median pod_del_p99"
echo "1..$((1 + $(echo $figures | wc -w)))"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$(date +%s)
"$top_srcdir/bench/run" --quick --build "$top_builddir" >"$out" 2>&1
rc=$?
sed 's/^/# /' "$out"
echo "# $(($(date +%s) - start)) s"
if [ $rc -eq 0 ]; then echo "ok 1 - bench/run --quick"; else echo "not ok 1 - bench/run --quick (exit $rc)"; fi
n=1
for f in $figures; do
	n=$((n + 1))
	if grep -Eq "^$f: -?[0-9][0-9.e+-]* " "$out"; then
		echo "ok $n - $f"
	else
		echo "not ok $n - $f"
	fi
done
