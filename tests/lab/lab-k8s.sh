# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# The lab (lab.sh) against a real kube-apiserver and etcd
# (tests/k8s/cluster) and with the real Multus (tests/k8s/multus) as each
# pod's primary CNI plugin. lab.sh sources this file and uses it when
# LAB_REAL_API is set.
#
# The cluster runs in the switch namespace and listens on all of its
# addresses: kubectl there uses 127.0.0.1, the nodes 192.0.2.1 (the name
# checked in the apiserver's certificate stays "localhost"). The xcni
# workers use a token of the xcni ServiceAccount (TokenRequest API), Multus
# the admin's certificate. A pod is a Pod object (it never runs) with the
# annotation k8s.v1.cni.cncf.io/networks: net3; its network namespace is
# attached by the runtime's call of Multus, which delegates to the node's
# primary conflist and to the NetworkAttachmentDefinition net3 of
# etc/kubernetes/net3-multus.yaml.

LAB_CLUSTER=$top_srcdir/tests/k8s/cluster
LAB_K8S=$LAB_DIR/k8s
LAB_KUBECONFIG=$LAB_DIR/xcni.kubeconfig
# The default dataDir, as on a real node: the node's own /run/xcni, which
# lab_k8s_cni's mount namespace makes of the node's state directory.
LAB_IPAM_DIR=/run/xcni/ipam

# kubeconfig for a node-side client; $1 is its user entry.
lab_k8s_kubeconfig() {
	cat <<EOF
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://192.0.2.1:$(cat "$LAB_K8S/apiserver.port")
    certificate-authority: $LAB_DIR/ca.crt
    tls-server-name: localhost
users:
- name: u
  user:
$1
contexts:
- name: lab
  context: {cluster: lab, user: u}
current-context: lab
EOF
}

lab_k8s_fail() {
	lab_log "$1:"
	tail -n 5 "$LAB_DIR/cluster.log" >&2
	return 1
}

# The objects the lab needs: xcni's manifest, the CRD of
# NetworkAttachmentDefinitions, net3's manifest, the nodes of nodes.json.
lab_k8s_objects() {
	lab_kubectl apply --server-side \
	    -f "$top_srcdir/etc/kubernetes/xcni.yaml" &&
	    lab_kubectl apply --server-side \
	    -f "$top_srcdir/tests/k8s/nad-crd.yaml" &&
	    lab_kubectl wait --for condition=established --timeout 30s \
	    crd/network-attachment-definitions.k8s.cni.cncf.io &&
	    lab_kubectl apply --server-side --force-conflicts \
	    -f "$top_srcdir/etc/kubernetes/net3-multus.yaml" &&
	    lab_in sw python3 "$top_srcdir/tests/k8s/nodes" "$LAB_K8S" \
	    --nodes-file "$LAB_DIR/nodes.json" &&
	    # Without kube-controller-manager nobody makes the default
	    # ServiceAccount that pod admission looks up.
	    lab_kubectl create serviceaccount default
}

# The cluster, its objects, the credentials of the workers and of Multus.
lab_k8s_start() {
	lab_in sw "$LAB_CLUSTER" start "$LAB_K8S" -- --bind-address 0.0.0.0 \
	    >"$LAB_DIR/cluster.log" 2>&1 || lab_k8s_fail "the cluster did not start" ||
	    return 1
	cp "$LAB_K8S/admin.kubeconfig" "$LAB_DIR/admin.kubeconfig"
	cp "$LAB_K8S/pki/ca.crt" "$LAB_DIR/ca.crt"
	chmod 644 "$LAB_DIR/ca.crt"
	LAB_API=https://192.0.2.1:$(cat "$LAB_K8S/apiserver.port")
	lab_k8s_objects >>"$LAB_DIR/cluster.log" 2>&1 &&
	    lab_kubectl -n kube-system create token xcni --duration 2h \
	    >"$LAB_DIR/xcni.token" 2>>"$LAB_DIR/cluster.log" ||
	    lab_k8s_fail "the cluster's objects failed" || return 1
	chmod 644 "$LAB_DIR/xcni.token"
	lab_k8s_kubeconfig "    tokenFile: $LAB_DIR/xcni.token" \
	    >"$LAB_DIR/xcni.kubeconfig"
	chmod 644 "$LAB_DIR/xcni.kubeconfig"
	(umask 077 && lab_k8s_kubeconfig "$(sed -n \
	    's/^ *\(client-\(certificate\|key\)-data: .*\)/    \1/p' \
	    "$LAB_K8S/admin.kubeconfig")" >"$LAB_DIR/multus.kubeconfig")
	LAB_MULTUS_BIN=$("$top_srcdir/tests/k8s/multus" bin) || return 1
	ln -sf "$LAB_MULTUS_BIN/multus" "$LAB_CNI_PATH/multus"
}

lab_k8s_down() {
	[ -f "$LAB_K8S/pids" ] && "$LAB_CLUSTER" stop "$LAB_K8S" 2>/dev/null
	rmdir "/tmp/xcni-lab-stash-$LAB" 2>/dev/null
	return 0
}

# Multus's own conf on node I: xcni's conflist is its default network.
lab_k8s_multus_conf() {
	cat <<EOF
{"cniVersion":"1.0.0","name":"multus-cni-network","type":"multus",
 "kubeconfig":"$LAB_DIR/multus.kubeconfig",
 "clusterNetwork":"$LAB_DIR/n$1/net.d/10-xcluster.conflist",
 "confDir":"$LAB_DIR/n$1/net.d","cniDir":"$LAB_DIR/n$1/multus",
 "binDir":"$LAB_CNI_PATH",
 "logFile":"$LAB_DIR/n$1/multus.log","logLevel":"debug",
 "logToStderr":false}
EOF
}

# The Pod object of pod J on node I.
lab_k8s_pod_json() {
	cat <<EOF
{"apiVersion":"v1","kind":"Pod",
 "metadata":{"name":"n$1-p$2","namespace":"default",
  "annotations":{"k8s.v1.cni.cncf.io/networks":"net3"}},
 "spec":{"nodeName":"n$1","automountServiceAccountToken":false,
  "containers":[{"name":"c","image":"registry.invalid/pause"}]}}
EOF
}

# lab_k8s_node I CMD...: CMD as the runtime runs it on node I: in its
# network namespace, and in a mount namespace whose /run/xcni is the node's
# state directory, as on a real node (the NetworkAttachmentDefinition and
# the lossy conflist Multus passes on DEL name a real node's paths).
lab_k8s_node() {
	local i
	i=$1
	shift
	case $LAB_DIR in
	/run/xcni-lab/?*) ;;
	*) lab_log "LAB_DIR must be under /run/xcni-lab"; return 1 ;;
	esac
	mkdir -p "/tmp/xcni-lab-stash-$LAB"
	lab_in "n$i" unshare -m --propagation private sh -euc '
		stash=$1 run=$2
		shift 2
		mount --rbind /run "$stash"
		mount -t tmpfs -o mode=755 lab-run /run
		mkdir /run/netns /run/xcni-lab /run/xcni
		mount --rbind "$stash/netns" /run/netns
		mount --rbind "$stash/xcni-lab" /run/xcni-lab
		mount --bind "$run" /run/xcni
		exec "$@"' sh "/tmp/xcni-lab-stash-$LAB" "$LAB_DIR/n$i/run" \
	    env CNI_PATH="$LAB_CNI_PATH" "$@"
}

# lab_k8s_cni I J add|check|del: the runtime's call of Multus on node I for
# pod J, with CNI_ARGS as the kubelet sets them.
lab_k8s_cni() {
	mkdir -p "$LAB_DIR/n$1/multus"
	lab_k8s_node "$1" "$LAB_CNITOOL" -cache "$LAB_DIR/n$1/cni-cache" \
	    -ifname eth0 -args "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=n$1-p$2;K8S_POD_INFRA_CONTAINER_ID=n$1-p$2" \
	    "$3" "$LAB_DIR/n$1/multus.conf" "/run/netns/$LAB-n$1-p$2" "n$1-p$2"
}

# Pod J on node I: the Pod object, then Multus attaches eth0 and net1.
# A failed ADD is undone and tried again with a doubling pause, six tries
# over about half a minute, as the kubelet retries a pod sandbox: Multus
# gives up on its GET of the Pod after two tries of 250 ms each, which a
# loaded machine can miss. Each failure logs how long the node's own
# request to the API server takes, to tell a slow path from a slow server.
lab_k8s_add_pod() {
	local i j try pause
	i=$1
	j=$2
	lab_k8s_multus_conf "$i" >"$LAB_DIR/n$i/multus.conf"
	lab_k8s_pod_json "$i" "$j" | lab_kubectl apply -f - >/dev/null ||
	    return 1
	pause=1
	for try in 1 2 3 4 5 6; do
		# client-go's event log goes to stderr whatever Multus's logging says
		lab_k8s_cni "$i" "$j" add >"$LAB_DIR/n$i/pods/$j/multus.json" \
		    2>"$LAB_DIR/n$i/pods/$j/multus.err" && return 0
		lab_log "Multus failed on n$i-p$j (try $try of 6):"
		grep -v '^I[0-9]' "$LAB_DIR/n$i/pods/$j/multus.err" | tail -n 5 >&2
		# The certificate names localhost, as the kubeconfig's
		# tls-server-name says.
		lab_in "n$i" curl -sS -o /dev/null --cacert "$LAB_DIR/ca.crt" \
		    --resolve "localhost:${LAB_API##*:}:192.0.2.1" \
		    -w 'lab: n'"$i"' to the API server: connect %{time_connect} s, TLS %{time_appconnect} s, /livez %{http_code} in %{time_total} s\n' \
		    "https://localhost:${LAB_API##*:}/livez" >&2 || :
		[ "$try" = 6 ] && break
		lab_k8s_cni "$i" "$j" del >/dev/null 2>&1 || :
		sleep "$pause"
		pause=$((pause * 2))
	done
	return 1
}
