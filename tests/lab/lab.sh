# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# The xcni lab: Kubernetes nodes as network namespaces on one machine.
# Sourced by demo.sh and the end-to-end tests; everything it makes is named
# after $LAB and removed by lab_down.
#
#   $LAB-sw        the "switch": bridges br0 (primary segment) and br1
#                  (secondary segment), and the fake API server on
#                  192.0.2.1 / 2001:db8::1
#   $LAB-nI        node I: eth0 on br0 (192.0.2.1I, 2001:db8::1I),
#                  eth1 on br1 (198.51.100.1I, 2001:db8:3::1I), one
#                  xcni-supervisor with two networks
#   $LAB-nI-pJ     pod J of node I: eth0 on the primary network, net1 on
#                  the secondary network (attached like Multus would)
#
# Address plan (all inside these namespaces):
#   primary pod CIDRs    198.18.I.0/24     fd00:0:0:I::/64   (spec.podCIDRs)
#   secondary pod CIDRs  198.19.I.0/24     fd00:3:0:I::/64   (annotations)

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${LAB:=xl$$}"
: "${LAB_DIR:=/run/xcni-lab/$LAB}"
: "${LAB_USER:=65534:65534}"

LAB_SUPERVISOR=$top_builddir/supervisor/xcni-supervisor
LAB_WORKER=$top_builddir/worker/xcni-worker
LAB_CNITOOL=$top_builddir/tests/cni/cnitool
LAB_CNI_PATH=$LAB_DIR/cni-bin
LAB_API=
LAB_API_PID=
# The workers' credentials.
LAB_KUBECONFIG=$LAB_DIR/admin.kubeconfig
# LAB_REAL_API=1: a real kube-apiserver and the real Multus (lab-k8s.sh)
# instead of the fake API server and the plugins called directly.
: "${LAB_REAL_API:=}"
[ -n "$LAB_REAL_API" ] && . "$top_srcdir/tests/lab/lab-k8s.sh"

lab_log() {
	printf '%s\n' "lab: $*" >&2
}

# Run a command inside a lab namespace: lab_in NS CMD...
lab_in() {
	local ns
	ns=$1
	shift
	ip netns exec "$LAB-$ns" "$@"
}

# kubectl runs in the switch namespace: the API server's address exists
# only there.
lab_kubectl() {
	ip netns exec "$LAB-sw" kubectl --kubeconfig "$LAB_DIR/admin.kubeconfig" \
	    --cache-dir "$LAB_DIR/kube-cache" "$@"
}

# Quiet namespaces: no DAD delay on IPv6, forwarding where needed.
lab_netns_add() {
	ip netns add "$LAB-$1" || return 1
	lab_in "$1" ip link set lo up
	lab_in "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0
}

lab_up_switch() {
	lab_netns_add sw || return 1
	# A bridge without an address of its own takes the lowest of its
	# ports' and changes it as ports join; a node that learnt 192.0.2.1 at
	# another port's address has its frames dropped until its ARP entry
	# expires (5-20 s: a first connection to the API server times out).
	# Fixed addresses, from RFC 7042's documentation range.
	lab_in sw ip link add br0 address 00:00:5e:00:53:01 type bridge
	lab_in sw ip link add br1 address 00:00:5e:00:53:02 type bridge
	lab_in sw ip addr add 192.0.2.1/24 dev br0
	lab_in sw ip addr add 2001:db8::1/64 dev br0 nodad
	lab_in sw ip link set br0 up
	lab_in sw ip link set br1 up
}

lab_start_api() {
	if [ -n "$LAB_REAL_API" ]; then
		lab_k8s_start
		return
	fi
	mkdir -p "$LAB_DIR/api"
	ip netns exec "$LAB-sw" "$top_srcdir/tests/kube/fake-apiserver" \
	    --listen 192.0.2.1:0 --cert-dir "$LAB_DIR/api" \
	    --san 192.0.2.1 --nodes-file "$LAB_DIR/nodes.json" \
	    --bookmark-interval 5 \
	    --kubeconfig-out "$LAB_DIR/admin.kubeconfig" \
	    >"$LAB_DIR/api/url" 2>"$LAB_DIR/api/log" &
	LAB_API_PID=$!
	echo "$LAB_API_PID" >"$LAB_DIR/api/pid"
	lab_wait_url || return 1
	LAB_API=$(cat "$LAB_DIR/api/url")
}

lab_wait_url() {
	local t=0
	while [ ! -s "$LAB_DIR/api/url" ]; do
		t=$((t + 1))
		if [ $t -gt 150 ] || ! kill -0 "$LAB_API_PID" 2>/dev/null; then
			lab_log "fake API server did not start:"
			tail -n 5 "$LAB_DIR/api/log" >&2
			return 1
		fi
		sleep 0.1
	done
}

lab_stop_api() {
	[ -n "$LAB_API_PID" ] || return 0
	kill "$LAB_API_PID" 2>/dev/null
	wait "$LAB_API_PID" 2>/dev/null
	LAB_API_PID=
}

# The restarted fake starts again from the node file with a new history,
# like an API server whose store was restored from a backup: its versions
# are behind the workers', and a real one would let their watches wait
# until its versions pass them. --future-watch-504 refuses them instead,
# so the workers relist at once and the test sees the recovery.
lab_restart_api() {
	LAB_API_PID=
	: >"$LAB_DIR/api/url"
	ip netns exec "$LAB-sw" "$top_srcdir/tests/kube/fake-apiserver" \
	    --listen "${LAB_API#https://}" --cert-dir "$LAB_DIR/api" \
	    --san 192.0.2.1 --nodes-file "$LAB_DIR/nodes.json" \
	    --bookmark-interval 5 --future-watch-504 \
	    >"$LAB_DIR/api/url" 2>>"$LAB_DIR/api/log" &
	LAB_API_PID=$!
	echo "$LAB_API_PID" >"$LAB_DIR/api/pid"
	lab_wait_url
}

# The Node object of node I, as the kubelet and an admin would make it.
lab_node_json() {
	local i
	i=$1
	cat <<EOF
{"apiVersion":"v1","kind":"Node",
 "metadata":{"name":"n$i","labels":{"kubernetes.io/hostname":"n$i"},
  "annotations":{"cidr.example.com/net3":"198.19.$i.0/24, fd00:3:0:$i::/64",
   "adr.example.com/net3":"198.51.100.1$i,2001:db8:3::1$i"}},
 "spec":{"podCIDR":"198.18.$i.0/24","podCIDRs":["198.18.$i.0/24","fd00:0:0:$i::/64"]},
 "status":{"addresses":[{"type":"InternalIP","address":"192.0.2.1$i"},
  {"type":"InternalIP","address":"2001:db8::1$i"},
  {"type":"Hostname","address":"n$i"}]}}
EOF
}

lab_ini() {
	local i
	i=$1
	cat <<EOF
[global]
node-name = n$i
kubeconfig = $LAB_KUBECONFIG
user = $LAB_USER
state-dir = $LAB_DIR/n$i/run
cni-conf-dir = $LAB_DIR/n$i/net.d
cni-bin-dir = $LAB_CNI_PATH
log-level = ${LAB_LOG_LEVEL:-info}

[xcluster]
protocol = 202
mtu = auto
cni-conf = 10-xcluster.conflist
ipam-data-dir = ${LAB_IPAM_DIR:-$LAB_DIR/n$i/ipam}/xcluster

[net3]
cidr-annotation = cidr.example.com/net3
address-annotation = adr.example.com/net3
protocol = 200
cni-conf = none
EOF
}

# A node namespace with both links; its Node object is created separately.
lab_node_netns() {
	local i
	i=$1
	lab_netns_add "n$i" || return 1
	lab_in sw ip link add "n${i}p" type veth peer name eth0 netns "$LAB-n$i"
	lab_in sw ip link add "n${i}s" type veth peer name eth1 netns "$LAB-n$i"
	lab_in sw ip link set "n${i}p" master br0 up
	lab_in sw ip link set "n${i}s" master br1 up
	lab_in "n$i" ip addr add "192.0.2.1$i/24" dev eth0
	lab_in "n$i" ip addr add "2001:db8::1$i/64" dev eth0 nodad
	lab_in "n$i" ip addr add "198.51.100.1$i/24" dev eth1
	lab_in "n$i" ip addr add "2001:db8:3::1$i/64" dev eth1 nodad
	lab_in "n$i" ip link set eth0 up
	lab_in "n$i" ip link set eth1 up
	lab_in "n$i" sysctl -qw net.ipv4.ip_forward=1 \
	    net.ipv6.conf.all.forwarding=1
	mkdir -p "$LAB_DIR/n$i/run" "$LAB_DIR/n$i/net.d" "$LAB_DIR/n$i/ipam"
	lab_ini "$i" >"$LAB_DIR/n$i/xcni.ini"
}

lab_start_supervisor() {
	local i
	i=$1
	XCNI_WORKER=$LAB_WORKER ip netns exec "$LAB-n$i" "$LAB_SUPERVISOR" -f \
	    -c "$LAB_DIR/n$i/xcni.ini" 2>>"$LAB_DIR/n$i/supervisor.log" &
	echo $! >"$LAB_DIR/n$i/supervisor.pid"
}

lab_stop_supervisor() {
	local pidfile pid t
	pidfile=$LAB_DIR/n$1/supervisor.pid
	[ -f "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null
	t=0
	while kill -0 "$pid" 2>/dev/null && [ $t -lt 50 ]; do
		sleep 0.1
		t=$((t + 1))
	done
	rm -f "$pidfile"
}

# Wait until node I's supervisor has published both networks' ranges. The
# limit, 45 s, leaves room for a worker whose first request times out (10 s)
# to retry after its backoff, in the ASan build on a loaded machine.
lab_wait_ready() {
	local i t
	i=$1
	t=0
	while [ ! -f "$LAB_DIR/n$i/run/xcluster.json" ] ||
	    [ ! -f "$LAB_DIR/n$i/run/net3.json" ]; do
		t=$((t + 1))
		if [ $t -gt 450 ]; then
			lab_log "node n$i not ready; its log:"
			tail -n 20 "$LAB_DIR/n$i/supervisor.log" >&2
			return 1
		fi
		sleep 0.1
	done
}

lab_del_node() {
	local i p
	i=$1
	lab_kubectl delete node "n$i" --wait=false >/dev/null
	for p in $(lab_pods_of "$i"); do
		ip netns del "$LAB-n$i-p$p" 2>/dev/null
	done
	lab_stop_supervisor "$i"
	ip netns del "$LAB-n$i" 2>/dev/null
	lab_in sw ip link del "n${i}p" 2>/dev/null
	lab_in sw ip link del "n${i}s" 2>/dev/null
	rm -rf "${LAB_DIR:?}/n$i"
	return 0
}

lab_pods_of() {
	ls "$LAB_DIR/n$1/pods" 2>/dev/null
}

# The Multus-style conf of the secondary network: kube-node finds the range
# through the annotation, as an upstream NetworkAttachmentDefinition does.
lab_net3_conf() {
	local i
	i=$1
	cat <<EOF
{"cniVersion":"1.0.0","name":"net3","type":"bridge","bridge":"br3",
 "isGateway":true,"hairpinMode":true,
 "ipam":{"type":"kube-node","annotation":"cidr.example.com/net3",
  "stateDir":"$LAB_DIR/n$i/run","dataDir":"$LAB_DIR/n$i/ipam/net3",
  "routes":[{"dst":"198.19.0.0/16"},{"dst":"fd00:3::/32"}]}}
EOF
}

# Pod J on node I: the runtime attaches eth0 with the conflist the
# supervisor installed, then Multus attaches net1.
lab_add_pod() {
	local i j pod
	i=$1
	j=$2
	pod=$LAB-n$i-p$j
	ip netns add "$pod" || return 1
	ip netns exec "$pod" ip link set lo up
	ip netns exec "$pod" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0
	mkdir -p "$LAB_DIR/n$i/pods/$j"
	if [ -n "$LAB_REAL_API" ]; then
		lab_k8s_add_pod "$i" "$j"
		return
	fi
	lab_net3_conf "$i" >"$LAB_DIR/n$i/net3.conf"
	lab_cni "$i" eth0 add "$LAB_DIR/n$i/net.d/10-xcluster.conflist" "$pod" \
	    "pod$j" >"$LAB_DIR/n$i/pods/$j/eth0.json" || return 1
	lab_cni "$i" net1 add "$LAB_DIR/n$i/net3.conf" "$pod" \
	    "pod$j" >"$LAB_DIR/n$i/pods/$j/net1.json" || return 1
}

# lab_cni NODE IFNAME add|check|del CONF PODNS ID: the runtime's call on NODE.
lab_cni() {
	local i ifname cmd
	i=$1
	ifname=$2
	cmd=$3
	shift 3
	lab_in "n$i" env CNI_PATH="$LAB_CNI_PATH" "$LAB_CNITOOL" \
	    -cache "$LAB_DIR/n$i/cni-cache" -ifname "$ifname" "$cmd" "$1" \
	    "/run/netns/$2" "$3"
}

# The pod's address on a network and family: lab_pod_addr I J eth0|net1 4|6
lab_pod_addr() {
	ip netns exec "$LAB-n$1-p$2" ip -"$4" -o addr show dev "$3" scope global |
	    awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

lab_cni_bin() {
	local p
	mkdir -p "$LAB_CNI_PATH"
	for p in bridge host-local loopback; do
		ln -sf "/usr/lib/cni/$p" "$LAB_CNI_PATH/$p"
	done
	ln -sf "$top_builddir/plugin/kube-node" "$LAB_CNI_PATH/kube-node"
}

# Bring up N nodes (default 3) with P pods each (default 1).
lab_up() {
	local nodes pods sep i j
	nodes=${1:-3}
	pods=${2:-1}
	mkdir -p "$LAB_DIR"
	echo "$LAB" >"$LAB_DIR/name"
	lab_cni_bin
	lab_up_switch || return 1
	{
		printf '['
		sep=
		i=1
		while [ $i -le "$nodes" ]; do
			printf '%s' "$sep"
			lab_node_json "$i"
			sep=,
			i=$((i + 1))
		done
		printf ']\n'
	} >"$LAB_DIR/nodes.json"
	lab_start_api || return 1
	i=1
	while [ $i -le "$nodes" ]; do
		lab_node_netns "$i" || return 1
		lab_start_supervisor "$i"
		i=$((i + 1))
	done
	i=1
	while [ $i -le "$nodes" ]; do
		lab_wait_ready "$i" || return 1
		j=1
		while [ $j -le "$pods" ]; do
			lab_add_pod "$i" "$j" || return 1
			j=$((j + 1))
		done
		i=$((i + 1))
	done
}

# Remove everything of this lab: processes by pid, then namespaces.
lab_down() {
	local f ns
	for f in "$LAB_DIR"/n*/supervisor.pid; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null
	done
	if [ -f "$LAB_DIR/api/pid" ]; then
		kill "$(cat "$LAB_DIR/api/pid")" 2>/dev/null
	fi
	[ -n "$LAB_REAL_API" ] && lab_k8s_down
	sleep 0.2
	for f in "$LAB_DIR"/n*/supervisor.pid "$LAB_DIR/api/pid"; do
		[ -f "$f" ] || continue
		kill -9 "$(cat "$f")" 2>/dev/null
	done
	for ns in $(ip netns list | awk '{print $1}'); do
		case $ns in
		"$LAB"-*) ip netns del "$ns" ;;
		esac
	done
	case $LAB_DIR in
	/run/xcni-lab/?*) rm -rf "$LAB_DIR" ;;
	esac
}

# Does every pod reach every other pod on NET (eth0|net1), family FAM?
# Prints one line per failing pair; returns the number of failures.
lab_ping_all() {
	local net fam fails src si sj dst di dj a
	net=$1
	fam=$2
	fails=0
	for src in "$LAB_DIR"/n*/pods/*; do
		[ -d "$src" ] || continue
		si=${src%/pods/*}
		si=${si##*/n}
		sj=${src##*/}
		for dst in "$LAB_DIR"/n*/pods/*; do
			[ -d "$dst" ] || continue
			[ "$dst" = "$src" ] && continue
			di=${dst%/pods/*}
			di=${di##*/n}
			dj=${dst##*/}
			a=$(lab_pod_addr "$di" "$dj" "$net" "$fam")
			if ! ip netns exec "$LAB-n$si-p$sj" ping -"$fam" -c 1 \
			    -W 1 -q "$a" >/dev/null 2>&1; then
				echo "n$si-p$sj -> n$di-p$dj $a ($net IPv$fam)"
				fails=$((fails + 1))
			fi
		done
	done
	return $fails
}
