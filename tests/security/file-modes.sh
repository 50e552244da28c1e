#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The modes of what xcni-supervisor writes in DaemonSet mode, started with
# umask 000 so that every mode has to be chosen, not inherited: secrets
# 0600, nothing writable by others, state directories the worker's own.
. "$top_srcdir/tests/supervisor/lib.sh"

umask 022
mkdir -p "$T/img" "$T/bin" "$T/sa"
for p in kube-node kube-node-api bridge host-local; do
	printf '#!/bin/sh\necho %s\n' "$p" >"$T/img/$p"
	chmod 755 "$T/img/$p"
done
echo tok-1 >"$T/sa/token"
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' >"$T/sa/ca.crt"
chmod 600 "$T/sa/token"
export KUBERNETES_SERVICE_HOST=192.0.2.10 KUBERNETES_SERVICE_PORT=6443
export XCNI_SA_DIR="$T/sa" XCNI_PLUGIN_DIR="$T/img"

TEST_KUBECONFIG=in-cluster conf <<EOF
[xcluster]
protocol = 202
mtu = 1500

[net3]
cidr-annotation = cidr.example.com/net3
protocol = 203
mtu = 1500
cni-conf = 20-net3.conflist
bridge = br3
ipam-data-dir = /run/xcni/ipam/net3
EOF
umask 000
start --install-cni-bin "$T/bin"
umask 022
check "starts with umask 000" wait_for 100 is_ready
um=$(sed -n 's/^Umask:[[:space:]]*//p' "/proc/$SPID/status")
check "replaces the inherited umask 000 (now $um)" [ $((0$um & 022)) = 18 ]

mode() { stat -c %a "$1" 2>/dev/null; }
check "plugin kubeconfig is 0600" [ "$(mode "$T/net.d/xcni.kubeconfig")" = 600 ]
check "plugin token is 0600" [ "$(mode "$T/net.d/xcni.token")" = 600 ]
check "secrets are root's" [ "$(stat -c %u "$T/net.d/xcni.kubeconfig" \
    "$T/net.d/xcni.token" | sort -u)" = 0 ]

# Everything the supervisor made: the state tree, the CNI conf dir and the
# plugins it installed (symbolic links have no mode of their own).
find "$T/state" "$T/net.d" "$T/bin" ! -type l -perm /o+w >"$T/ww"
if [ -s "$T/ww" ]; then
	not_ok "nothing world-writable" "$T/ww"
else
	ok "nothing world-writable"
fi
find "$T/state" "$T/net.d" "$T/bin" ! -type l -perm /g+w >"$T/gw"
if [ -s "$T/gw" ]; then
	not_ok "nothing group-writable" "$T/gw"
else
	ok "nothing group-writable"
fi

uid=$(id -u nobody)
for net in xcluster net3; do
	check "state dir of $net: the worker's, 0755" \
	    [ "$(stat -c '%u %a' "$T/state/$net")" = "$uid 755" ]
done
check "state dir: root's, 0755" [ "$(stat -c '%u %a' "$T/state")" = "0 755" ]
for f in "$T/net.d/10-xcluster.conflist" "$T/net.d/20-net3.conflist"; do
	check "${f##*/} is 0644" [ "$(mode "$f")" = 644 ]
done
for p in kube-node kube-node-api host-local; do
	check "installed $p is 0755" [ "$(mode "$T/bin/$p")" = 755 ]
done

check "stops" stop
finish
