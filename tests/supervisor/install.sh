#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# DaemonSet mode (--install-cni-bin): plugin binaries installed atomically
# and only when they differ; the plugin's kubeconfig with a token file that
# follows the pod's rotating service-account token.
. "$top_srcdir/tests/supervisor/lib.sh"

mkdir -p "$T/img" "$T/bin" "$T/sa"
for p in kube-node kube-node-api bridge host-local; do
	printf '#!/bin/sh\necho %s v1\n' "$p" >"$T/img/$p"
	chmod 755 "$T/img/$p"
done
printf '#!/bin/sh\necho host bridge\n' >"$T/bin/bridge"
chmod 755 "$T/bin/bridge"
echo tok-1 >"$T/sa/token"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' >"$T/sa/ca.crt"
export KUBERNETES_SERVICE_HOST=192.0.2.10 KUBERNETES_SERVICE_PORT=6443
export XCNI_SA_DIR="$T/sa" XCNI_PLUGIN_DIR="$T/img" XCNI_SECOND_MS=50

TEST_KUBECONFIG=in-cluster conf <<EOF
[xcluster]
protocol = 202
mtu = 1500
EOF
start --install-cni-bin "$T/bin"
check "starts" wait_for 100 is_ready
check "kube-node installed" cmp -s "$T/img/kube-node" "$T/bin/kube-node"
check "kube-node is 0755" [ "$(stat -c %a "$T/bin/kube-node")" = 755 ]
check "kube-node-api installed (the API fallback)" \
    cmp -s "$T/img/kube-node-api" "$T/bin/kube-node-api"
check "host-local installed (the host had none)" \
    cmp -s "$T/img/host-local" "$T/bin/host-local"
check "the host's own bridge left alone" grep -q "host bridge" "$T/bin/bridge"
check "no temp files in the bin dir" \
    [ "$(ls -A "$T/bin" | tr '\n' ' ')" = "bridge host-local kube-node kube-node-api " ]

kc=$T/net.d/xcni.kubeconfig
check "plugin kubeconfig written, 0600" [ "$(stat -c %a "$kc")" = 600 ]
check "token copy, 0600" [ "$(stat -c %a "$T/net.d/xcni.token")" = 600 ]
check "token copy holds the pod's token" grep -qx tok-1 "$T/net.d/xcni.token"
check "kubeconfig names the token file" grep -q "tokenFile: \"$T/net.d/xcni.token\"" "$kc"
check "kubeconfig names the server" grep -q 'server: "https://192.0.2.10:6443"' "$kc"
check "the CA is installed beside it" cmp -s "$T/sa/ca.crt" "$T/net.d/xcni-ca.crt"
if need_for "kubectl reads the kubeconfig" kubectl; then
	check "kubectl reads the kubeconfig" [ "$(HOME=$T kubectl --kubeconfig "$kc" \
	    config view -o 'jsonpath={.users[0].user.tokenFile}' 2>/dev/null)" = "$T/net.d/xcni.token" ]
fi
check "the conflist points the plugin at it" \
    grep -q "\"kubeconfig\":.*\"$kc\"" "$T/net.d/10-xcluster.conflist"

# The projected token rotates (kubelet swaps a symlink; a rename here).
kc_before=$(stat -c '%i %Y.%y' "$kc")
echo tok-2 >"$T/sa/token.new"
mv "$T/sa/token.new" "$T/sa/token"
check "rotated token copied within a refresh (60 x 50 ms)" \
    wait_for 60 grep -qx tok-2 "$T/net.d/xcni.token"
check "the workers got the new token too" \
    wait_for 20 grep -q tok-2 "$T/state/xcluster/creds"
check "kubeconfig itself not rewritten" [ "$(stat -c '%i %Y.%y' "$kc")" = "$kc_before" ]
stop

# Restart: nothing differs, nothing is replaced; a new kube-node is.
kn_before=$(stat -c '%i' "$T/bin/kube-node")
hl_before=$(stat -c '%i' "$T/bin/host-local")
printf '#!/bin/sh\necho kube-node v2\n' >"$T/img/kube-node"
start --install-cni-bin "$T/bin"
wait_for 100 is_ready
check "upgrade: kube-node replaced" cmp -s "$T/img/kube-node" "$T/bin/kube-node"
check "upgrade: by rename, not in place" [ "$(stat -c %i "$T/bin/kube-node")" != "$kn_before" ]
check "upgrade: unchanged host-local untouched" [ "$(stat -c %i "$T/bin/host-local")" = "$hl_before" ]
stop

# No kube-node to install: a clear error, no workers.
rm "$T/img/kube-node"
: >"$T/log"
XCNI_PLUGIN_DIR=$T/img ip netns exec "$NS" "$SUP" -f -c "$T/xcni.ini" \
    --install-cni-bin "$T/empty" 2>>"$T/log"
check "missing plugin: exit 1" [ $? = 1 ]
check "missing plugin: says which" logged "install: kube-node: not found"
finish
