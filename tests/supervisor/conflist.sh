#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The conflists xcni writes: content, MTU auto-detection from the link that
# carries the node address, atomic replacement, no rewrite without a
# change, removal with their network.
. "$top_srcdir/tests/supervisor/lib.sh"
need python3

ip -n "$NS" link add xcni0 type veth peer name xcni1
ip -n "$NS" link set xcni0 mtu 9000 up
ip -n "$NS" addr add 192.0.2.1/24 dev xcni0
ip -n "$NS" addr add 2001:db8::1/64 dev xcni0 nodad
export XCNI_FAKE_ADDRESSES=2001:db8::1,192.0.2.1

mtu3=1400
write() {
	conf <<EOF
[xcluster]
protocol = 202
$1
[net3]
cidr-annotation = cidr.example.com/net3
address-annotation = adr.example.com/net3
protocol = 200
mtu = $mtu3
cni-conf = 20-net3.conflist
bridge = br3
[net4]
cidr-annotation = cidr.example.com/net4
protocol = 204
cni-conf = none
EOF
}
write ""
mkdir -p "$T/net.d"
echo '{"cniVersion":"1.0.0","name":"other","plugins":[]}' >"$T/net.d/99-other.conflist"
start
check "all networks sync" wait_for 100 is_ready
check "xcluster: conflist written" wait_for 20 test -f "$T/net.d/10-xcluster.conflist"

# verify FILE NAME BRIDGE DEFAULT-GW MTU [ANNOTATION]
verify() {
	"$PYTHON" - "$@" "$T/state" <<'EOF'
import json, sys
f, name, bridge, gw, mtu, ann, state = sys.argv[1:8]
c = json.load(open(f))
assert c["cniVersion"] == "1.0.0" and c["name"] == name, c
assert len(c["plugins"]) == 1, c
p = c["plugins"][0]
assert p["type"] == "bridge" and p["bridge"] == bridge, p
assert p["isGateway"] is True and p["hairpinMode"] is True, p
assert p["isDefaultGateway"] is (gw == "true"), p
assert p["mtu"] == int(mtu), p
i = p["ipam"]
assert i["type"] == "kube-node" and i["network"] == name, i
assert i["stateDir"] == state, i
assert i["dataDir"].startswith("/run/"), i
assert i.get("annotation", "") == ann, i
EOF
}
check "xcluster: bridge, default gateway, mtu 9000 from the node address' link" \
    verify "$T/net.d/10-xcluster.conflist" xcluster cbr0 true 9000 ""
check "net3: explicit mtu, no default gateway, annotation" \
    verify "$T/net.d/20-net3.conflist" net3 br3 false 1400 cidr.example.com/net3
check "net4 (cni-conf = none): no file" \
    [ "$(ls "$T/net.d" | sort | tr '\n' ' ')" = "10-xcluster.conflist 20-net3.conflist 99-other.conflist " ]
check "manifest lists what xcni wrote" \
    [ "$(cat "$T/net.d/.xcni-manifest" | tr '\n' ' ')" = "10-xcluster.conflist 20-net3.conflist " ]
check "files are 0644" \
    [ "$(stat -c %a "$T/net.d/10-xcluster.conflist")" = 644 ]

# Nothing changed: nothing rewritten.
before=$(stat -c '%i %Y.%y' "$T/net.d/10-xcluster.conflist" "$T/net.d/20-net3.conflist")
sleep 1.1
kill -HUP "$SPID"
wait_for 50 logged "reloading"
sleep 0.3
check "SIGHUP without changes: files untouched (inode, mtime)" \
    [ "$(stat -c '%i %Y.%y' "$T/net.d/10-xcluster.conflist" "$T/net.d/20-net3.conflist")" = "$before" ]

# A reader polling the directory never sees a partial file while net3's
# file is replaced twenty times.
"$PYTHON" - "$T/net.d" "$T/reader" <<'EOF' &
import json, os, sys
d, out = sys.argv[1:3]
reads = bad = 0
open(out + ".started", "w").close()
while not os.path.exists(out + ".stop"):
    for n in os.listdir(d):
        if not n.endswith((".conf", ".conflist", ".json")):
            continue
        try:
            with open(os.path.join(d, n)) as f:
                json.load(f)
            reads += 1
        except FileNotFoundError:
            pass
        except ValueError:
            bad += 1
open(out, "w").write("%d %d\n" % (reads, bad))
EOF
reader=$!
wait_for 100 test -e "$T/reader.started"
i=0
while [ $i -lt 20 ]; do
	i=$((i + 1))
	mtu3=$((1400 + i))
	write ""
	kill -HUP "$SPID"
	wait_for 50 grep -q "\"mtu\":.$mtu3," "$T/net.d/20-net3.conflist"
done
touch "$T/reader.stop"
wait "$reader"
check "twenty replacements landed" grep -q "\"mtu\":.1420," "$T/net.d/20-net3.conflist"
read -r reads bad <"$T/reader"
check "a polling reader never saw a partial file ($reads reads, $bad bad)" \
    [ "$bad" = 0 -a "$reads" -gt 20 ]
check "no temp files left" \
    [ -z "$(ls -A "$T/net.d" | grep -v -e '\.conflist$' -e '^\.xcni-manifest$')" ]

# The link's MTU changes: the next report of the worker carries it over.
ip -n "$NS" link set xcni0 mtu 8000
kill_pid -9 "$(wpid xcluster)"
check "mtu follows the link (8000)" wait_for 50 eval \
    'verify "$T/net.d/10-xcluster.conflist" xcluster cbr0 true 8000 "" 2>/dev/null'

# net3 removed: its file goes, the foreign file stays.
conf <<EOF
[xcluster]
protocol = 202
EOF
kill -HUP "$SPID"
check "net3 removed: its conflist is removed" \
    wait_for 50 test ! -e "$T/net.d/20-net3.conflist"
check "a file xcni did not write stays" test -e "$T/net.d/99-other.conflist"
check "manifest updated" \
    [ "$(cat "$T/net.d/.xcni-manifest")" = "10-xcluster.conflist" ]
stop

# Removed while the supervisor was down: removed at the next start.
conf <<EOF
[net3]
cidr-annotation = cidr.example.com/net3
protocol = 200
mtu = 1400
cni-conf = 20-net3.conflist
EOF
start
check "restart with xcluster gone: its conflist is removed" \
    wait_for 50 test ! -e "$T/net.d/10-xcluster.conflist"
check "net3 written at once (explicit mtu)" \
    wait_for 50 test -e "$T/net.d/20-net3.conflist"
stop
finish
