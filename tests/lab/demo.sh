#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# xcni on one machine: three Kubernetes nodes as network namespaces, two
# networks, a pod on each node, and every pod pinging every other pod on
# both networks and both address families. As root on Debian 12:
#
#   tests/lab/demo.sh [--keep] [--nodes N] [--real-apiserver]
#
# Installs what is missing, builds into build-demo/, runs the lab and tears
# it down again (also on failure or Ctrl-C) unless --keep is given.
# --real-apiserver: a real kube-apiserver and etcd instead of the fake API
# server, and each pod attached by the real Multus (both built once per
# machine with Go, see tests/k8s/cluster and tests/k8s/multus).
set -u

top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
keep=
nodes=3
LAB_REAL_API=
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--nodes) shift; nodes=$1 ;;
	--real-apiserver) LAB_REAL_API=1 ;;
	-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "demo.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
if [ "$(id -u)" != 0 ]; then
	echo "demo.sh: run me as root (the lab makes network namespaces)" >&2
	exit 1
fi

. "$top_srcdir/tests/deps.sh"
xcni_install_deps || exit 1
if [ -n "$LAB_REAL_API" ]; then
	PATH=$PATH:/usr/local/go/bin
	for tool in go kubectl; do
		command -v $tool >/dev/null || {
			echo "demo.sh: --real-apiserver needs $tool" >&2
			exit 1
		}
	done
	echo "== building or finding kube-apiserver, etcd and Multus (once per machine)"
	"$top_srcdir/tests/k8s/cluster" build && "$top_srcdir/tests/k8s/multus" build ||
	    { echo "demo.sh: the Kubernetes build failed" >&2; exit 1; }
fi

top_builddir=$top_srcdir/build-demo
echo "== building xcni in $top_builddir"
(cd "$top_srcdir" && { [ -x configure ] || autoreconf -fi; }) >/dev/null 2>&1
mkdir -p "$top_builddir"
(cd "$top_builddir" && { [ -f Makefile ] || "$top_srcdir/configure" -q; } &&
    make -s -j"$(nproc)" && make -s -j"$(nproc)" tests/cni/cnitool) ||
    { echo "demo.sh: build failed" >&2; exit 1; }

LAB=xcni-demo
LAB_DIR=/run/xcni-lab/$LAB
. "$top_srcdir/tests/lab/lab.sh"

if [ -z "$keep" ]; then
	trap 'lab_down' EXIT
	trap 'exit 130' INT TERM
fi
lab_down 2>/dev/null

if [ -n "$LAB_REAL_API" ]; then
	echo "== bringing up $nodes nodes on a real kube-apiserver, a pod each attached by Multus"
else
	echo "== bringing up $nodes nodes with a pod each"
fi
lab_up "$nodes" 1 || { echo "demo.sh: the lab did not come up" >&2; exit 1; }
sleep 1

i=1
while [ $i -le "$nodes" ]; do
	echo "== node n$i: routes xcni installed (proto 202 primary, 200 net3)"
	lab_in "n$i" ip route show proto 202 | sed 's/^/   /'
	lab_in "n$i" ip -6 route show proto 202 | sed 's/^/   /'
	lab_in "n$i" ip route show proto 200 | sed 's/^/   /'
	lab_in "n$i" ip -6 route show proto 200 | sed 's/^/   /'
	i=$((i + 1))
done

if [ -n "$LAB_REAL_API" ]; then
	echo "== the pods as the API server knows them, and what Multus attached to n1-p1"
	lab_kubectl get pods -o wide | sed 's/^/   /'
	lab_kubectl get pod n1-p1 -o \
	    jsonpath='{.metadata.annotations.k8s\.v1\.cni\.cncf\.io/network-status}' |
	    sed 's/^/   /'
	echo
fi

echo "== pinging every pod from every other pod"
total_fail=0
for net in eth0 net1; do
	for fam in 4 6; do
		out=$(lab_ping_all "$net" "$fam")
		f=$?
		pairs=$((nodes * (nodes - 1)))
		label=primary
		[ "$net" = net1 ] && label=net3
		printf '   %-8s IPv%s  %d/%d pairs reachable\n' "$label" "$fam" \
		    $((pairs - f)) "$pairs"
		[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/     FAIL /'
		total_fail=$((total_fail + f))
	done
done

if [ "$total_fail" -eq 0 ]; then
	echo "== xcni works: all pods reach each other on both networks and families"
else
	echo "== $total_fail pod pairs could not reach each other"
fi
if [ -n "$keep" ]; then
	cat <<EOF
== the lab stays up. Look around:
   ip netns list | grep $LAB
   ip netns exec $LAB-n1 ip route show proto 202
   ip netns exec $LAB-n1-p1 ping -c1 \$(ip netns exec $LAB-n2-p1 ip -4 -o addr show dev eth0 | awk '{print \$4}' | cut -d/ -f1)
   ip netns exec $LAB-sw kubectl --kubeconfig $LAB_DIR/admin.kubeconfig get nodes
   logs: $LAB_DIR/n*/supervisor.log${LAB_REAL_API:+ $LAB_DIR/n*/multus.log}
Tear it down:
   LAB=$LAB LAB_DIR=$LAB_DIR LAB_REAL_API=$LAB_REAL_API sh -c '. $top_srcdir/tests/lab/lab.sh; lab_down'
EOF
fi
[ "$total_fail" -eq 0 ]
