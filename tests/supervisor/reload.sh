#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# SIGHUP starts added networks, stops removed ones, restarts changed ones
# and leaves the rest alone; a file that fails validation changes nothing.
. "$top_srcdir/tests/supervisor/lib.sh"

A="[a]
protocol = 201
cni-conf = none"
B="[b]
cidr-annotation = cidr.example.com/b
protocol = 202
cni-conf = none"
C="[c]
cidr-annotation = cidr.example.com/c
protocol = 203
cni-conf = none"

# With only the capabilities the DaemonSet grants, and no_new_privs (its
# allowPrivilegeEscalation: false): no CAP_DAC_OVERRIDE to remove a
# worker's files with.
WRAP="setpriv --no-new-privs --inh-caps=-all \
    --bounding-set=-all,+net_admin,+setuid,+setgid,+setpcap,+chown,+kill"
printf '%s\n%s\n' "$A" "$B" | conf
start
check "a and b sync" wait_for 100 is_ready
apid=$(wpid a)
bpid=$(wpid b)

printf '%s\n%s\n' "$A" "$C" | conf
kill -HUP "$SPID"
check "c added: its worker syncs" wait_for 100 net_ready c
check "b removed: its worker stops" wait_for 50 dead "$bpid"
check "b removed: gone from the status" wait_for 20 eval '! status_line b'
check "b removed: its state is removed" \
    [ ! -e "$T/state/b" -a ! -L "$T/state/b.json" ]
check "a unchanged: same worker" [ "$(wpid a)" = "$apid" ]
check "a unchanged: not stopped" not logged "network a: stopping"

# A changed network restarts; a global change reaches every worker.
printf '%s\nmetric = 5\n%s\n' "$A" "$C" | conf
cpid=$(wpid c)
kill -HUP "$SPID"
check "a changed: new worker" wait_for 100 eval \
    '[ "$(wpid a)" != "$apid" ] && net_ready a'
check "a changed: it got the new setting" grep -qx "metric = 5" "$T/state/a/config"
check "c unchanged: same worker" [ "$(wpid c)" = "$cpid" ]
apid=$(wpid a)

# Broken: an unknown key and a duplicate protocol.
: >"$T/log"
printf '%s\nbogus = 1\n%s\nprotocol = 201\n' "$A" "$C" | conf
kill -HUP "$SPID"
check "broken file: errors logged with FILE:LINE" \
    wait_for 50 logged "$T/xcni.ini:[0-9]*:"
check "broken file: configuration unchanged" logged "not valid, configuration unchanged"
check "broken file: a kept its worker" [ "$(wpid a)" = "$apid" ]
check "broken file: c kept its worker" [ "$(wpid c)" = "$cpid" ]
check "broken file: nothing stopped" not logged "stopping"

# Removed, then back: its state is recreated.
printf '%s\n' "$C" | conf
kill -HUP "$SPID"
check "a removed: its worker stops" wait_for 50 dead "$apid"
check "a removed: ready with c alone" wait_for 20 eval '! status_line a && is_ready'
printf '%s\n%s\n' "$A" "$C" | conf
kill -HUP "$SPID"
check "a back: syncs" wait_for 100 net_ready a
check "a back: state link restored" [ -L "$T/state/a.json" ]
check "c unchanged through it all" [ "$(wpid c)" = "$cpid" ]
check "SIGTERM: exit 0" stop
finish
