#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# kube-node without a state file: kube-node-api reads the node from the
# fake API server (tests/kube/fake-apiserver) over HTTPS with a token.
. "$top_srcdir/tests/cni/lib.sh"

plugins=/usr/lib/cni
need_path "$plugins/host-local"
need python3 openssl

state=$tmp/state
data=$tmp/data
mkdir -p "$state" "$data"
cat >"$tmp/nodes.json" <<'EOF'
[{"metadata":{"name":"node-a","annotations":{
   "cidr.example.com/net3":" 198.19.3.0/24, fd00:3::/64 "}},
  "spec":{"podCIDRs":["198.18.1.0/24","fd00:1::/64"]},
  "status":{"addresses":[{"type":"InternalIP","address":"192.0.2.1"}]}},
 {"metadata":{"name":"node-b"},"spec":{},
  "status":{"addresses":[{"type":"InternalIP","address":"192.0.2.2"}]}}]
EOF

python3 "$top_srcdir/tests/kube/fake-apiserver" --nodes-file "$tmp/nodes.json" \
    --cert-dir "$tmp/certs" --kubeconfig-out "$tmp/kubeconfig" \
    >"$tmp/url" 2>"$tmp/server.log" &
server=$!
cleanup_hooks='kill $server 2>/dev/null'
# The URL line comes once the certificates are made and the port is open.
i=0
while [ ! -s "$tmp/url" ] && [ $i -lt 600 ] && kill -0 $server 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
[ -s "$tmp/url" ] || { diag "$tmp/server.log"; bail "fake API server did not start"; }

kc=$tmp/kubeconfig
conf() {
	printf '{"cniVersion":"1.0.0","name":"xcluster","type":"bridge","ipam":{"type":"kube-node"%s,"stateDir":"%s","dataDir":"%s"}}' \
	    "${1:+,$1}" "$state" "$data"
}

# kn CMD CONF [VAR=VALUE...]: sets rc, $tmp/out, $tmp/err.
kn() {
	cmd=$1
	printf '%s' "$2" >"$tmp/in"
	shift 2
	env -u KUBECONFIG -u NODE_NAME CNI_COMMAND="$cmd" \
	    CNI_CONTAINERID="${id:-c1}" CNI_NETNS=/run/netns/none \
	    CNI_IFNAME=eth0 CNI_PATH="$top_builddir/plugin:$plugins" \
	    "$@" "$kube_node" <"$tmp/in" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

addresses() {
	grep -o '"address": *"[^"]*"' "$1" | cut -d'"' -f4 | tr '\n' ' '
}

# expect DESC GLOB VALUE
expect() {
	# shellcheck disable=SC2254 # the glob is the point
	case $3 in
	$2) ok "$1" ;;
	*) not_ok "$1"; echo "# got: $3"; diag "$tmp/out" "$tmp/err" ;;
	esac
}
code() { echo "$rc:$(grep -o '"code":[0-9]*' "$tmp/out")"; }
# The error's details: why the GET failed, as libcurl says it.
details() { grep -o '"details":"[^"]*"' "$tmp/out"; }

CNI_COMMAND=VERSION "$top_builddir/plugin/kube-node-api" </dev/null >"$tmp/out"
check "kube-node-api answers VERSION as kube-node does" \
    test "$(CNI_COMMAND=VERSION "$kube_node")" = "$(cat "$tmp/out")"

kn ADD "$(conf "\"kubeconfig\":\"$kc\"")" CNI_CONTAINERID=a1 NODE_NAME=node-a
expect "no state file: ADD gets spec.podCIDRs from the API" \
    "0:198.18.1.*/24 fd00:1::*/64 " "$rc:$(addresses "$tmp/out")"
kn ADD "$(conf "\"kubeconfig\":\"$kc\",\"annotation\":\"cidr.example.com/net3\"")" \
    CNI_CONTAINERID=a2 NODE_NAME=node-a
expect "no state file: ADD gets the annotation's CIDRs from the API" \
    "0:198.19.3.*/24 fd00:3::*/64 " "$rc:$(addresses "$tmp/out")"
kn ADD "$(conf)" CNI_CONTAINERID=a3 NODE_NAME=node-a KUBECONFIG="$kc"
expect "\$KUBECONFIG serves when there is no kubeconfig key" \
    "0:198.18.1.*/24 fd00:1::*/64 " "$rc:$(addresses "$tmp/out")"
state_file "$state" other '"cidr.example.com/other"' '["198.19.9.0/24"]'
sed -i 's/node-1/node-a/' "$state/other.json"
kn ADD "$(conf "\"kubeconfig\":\"$kc\"")" CNI_CONTAINERID=a4
expect "the node name comes from another network's state file" \
    "0:198.18.1.*/24 fd00:1::*/64 " "$rc:$(addresses "$tmp/out")"
rm "$state/other.json"
kn STATUS "$(conf "\"kubeconfig\":\"$kc\"")" NODE_NAME=node-a
expect "STATUS succeeds through the API" 0 "$rc"

kn ADD "$(conf "\"kubeconfig\":\"$kc\"")" NODE_NAME=node-b
expect "a node without CIDRs gives code 11" '1:"code":11' "$(code)"
kn ADD "$(conf "\"kubeconfig\":\"$kc\"")" NODE_NAME=node-z
expect "an unknown node (404) gives code 11 and the server's message" \
    '1:"code":11 *answered 404: nodes \\"node-z\\" not found"*' \
    "$(code) $(grep -o '"details":.*' "$tmp/out")"
kn ADD "$(conf "\"kubeconfig\":\"$kc\"")" NODE_NAME=Node_A
expect "an invalid node name gives code 4" '1:"code":4' "$(code)"
sed 's/token: .*/token: wrong/' "$kc" >"$tmp/bad-kubeconfig"
kn ADD "$(conf "\"kubeconfig\":\"$tmp/bad-kubeconfig\"")" NODE_NAME=node-a
expect "a refused token (401) gives code 7 and the server's message" \
    '1:"code":7 "details":"*answered 401: Unauthorized"*' "$(code) $(details)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/other.key" -out "$tmp/other.crt" -days 1 \
    -subj /CN=another-ca >"$tmp/openssl.log" 2>&1 ||
    { diag "$tmp/openssl.log"; bail "cannot make another CA"; }
sed "s|certificate-authority-data: .*|certificate-authority-data: $(base64 -w0 "$tmp/other.crt")|" \
    "$kc" >"$tmp/other-ca-kubeconfig"
cmp -s "$kc" "$tmp/other-ca-kubeconfig" && bail "the kubeconfig names no CA"
kn ADD "$(conf "\"kubeconfig\":\"$tmp/other-ca-kubeconfig\"")" NODE_NAME=node-a
expect "a server certificate from another CA gives code 11 and says so" \
    '1:"code":11 "details":"*GET https://*/api/v1/nodes/node-a failed: *certificate*' \
    "$(code) $(details)"
kn ADD "$(conf "\"kubeconfig\":\"$tmp/nonexistent\"")" NODE_NAME=node-a
expect "a kubeconfig key naming no file gives code 7" '1:"code":7' "$(code)"
kn ADD "$(conf)" NODE_NAME=node-a
expect "neither state file nor credentials gives code 11" '1:"code":11' "$(code)"

id=a1 kn DEL "$(conf "\"kubeconfig\":\"$kc\"")" NODE_NAME=node-a
expect "DEL of an API-ranged pod succeeds" 0 "$rc"
kill $server
wait $server 2>/dev/null
kn ADD "$(conf "\"kubeconfig\":\"$kc\"")" NODE_NAME=node-a
expect "the API server down gives code 11 and says why" \
    '1:"code":11 "details":"*GET https://*/api/v1/nodes/node-a failed: *onnect*' \
    "$(code) $(details)"
id=a2 kn DEL "$(conf "\"kubeconfig\":\"$kc\"")" NODE_NAME=node-a
expect "DEL with the state file and the API gone succeeds" 0 "$rc"
check "and releases the addresses" sh -c "! grep -rqx a2 '$data'"

done_testing
