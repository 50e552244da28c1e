#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# --check is the runtime's judge (run-golden.sh shows that what it prints
# reads back to the same configuration): values that ${} expansion
# fills are checked like literal ones; the file is refused when it is not
# a regular file (without blocking on a FIFO) or when someone else than
# root could change it, and the supervisor refuses what --check refuses.
. "$top_srcdir/tests/tap.sh"

need timeout mkfifo
bin=$top_builddir/supervisor/xcni-supervisor
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xcni-readback.XXXXXX") || bail "mktemp"
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
trap 'exit 1' INT TERM HUP
cd "$top_srcdir/tests/config" || bail "no tests/config"

# xcheck FILE [VAR=VALUE...]: --check in a fixed environment (and the given
# variables); sets rc, $tmp/out, $tmp/err.
xcheck() {
	file=$1
	shift
	env -i PATH=/usr/bin:/bin NODE_NAME=node-1 \
	    XCNI_WORKER="$top_builddir/worker/xcni-worker" "$@" \
	    timeout 10 "$bin" --check -c "$file" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# --- values from the environment ---------------------------------------------
printf '[global]\nuser = 65534:65534\nstate-dir = ${DIR}\ncni-bin-dir = ${EVIL}\n\n[xcluster]\n' \
    >"$tmp/env.ini"
nl='
'
# evil NAME VALUE: cni-bin-dir = ${EVIL} with that value is refused.
evil() {
	xcheck "$tmp/env.ini" DIR=/run/x EVIL="$2"
	if [ "$rc" = 1 ] && [ ! -s "$tmp/out" ] && grep -qx "$tmp/env.ini:4: cni-bin-dir: the environment put a control character or bytes that are not UTF-8 text in the value; values must be UTF-8 text without control characters" \
	    "$tmp/err"; then
		ok "cni-bin-dir = \${EVIL} with $1 in EVIL is refused"
	else
		not_ok "cni-bin-dir = \${EVIL} with $1 in EVIL is refused (exit $rc)" \
		    "$tmp/out" "$tmp/err"
	fi
}
evil "a newline and [evil]" "/opt/cni/bin$nl[evil]"
evil "an ESC sequence" "$(printf '/opt/cni/\033[2Jbin')"
evil "a SOH" "$(printf '/opt/cni/\001bin')"
evil "a DEL" "$(printf '/opt/cni/\177bin')"
evil "a byte that is not UTF-8" "$(printf '/opt/cni/\377bin')"
xcheck "$tmp/env.ini" DIR=/run/x EVIL=/opt/cni/bin \
    KUBECONFIG="/etc/kubeconfig$nl[evil]"
check "a newline in \$KUBECONFIG is refused, shown escaped" grep -qxF \
    "$tmp/env.ini: kubeconfig: "'$KUBECONFIG "/etc/kubeconfig\x0a[evil]" is not an absolute path without blanks; set kubeconfig' \
    "$tmp/err"
xcheck "$tmp/env.ini" DIR=/etc EVIL=/opt/cni/bin
check "state-dir = /etc through the environment is refused" \
    grep -qx "$tmp/env.ini:3: state-dir: \"/etc\" is not allowed: it is the system's /etc; use a directory of xcni's own, such as /run/xcni" \
    "$tmp/err"
xcheck "$tmp/env.ini" 'DIR=/run/a$b' 'EVIL=/opt/cni/$HOME'
cp "$tmp/out" "$tmp/printed.ini"
first=$rc
xcheck "$tmp/printed.ini"
check "a \$ from the environment is printed as \$\$ and reads back" \
    test "$first:$rc" = 0:0 -a "$(grep '^state-dir' "$tmp/out")" = 'state-dir = /run/a$$b'

# --- the file itself -----------------------------------------------------------
good=$tmp/good.ini
printf '[global]\nuser = 65534:65534\n\n[xcluster]\n' >"$good"
chmod 644 "$good"
xcheck "$good"
check "a root-owned 0644 file is accepted" test "$rc" = 0

mkfifo "$tmp/fifo.ini"
xcheck "$tmp/fifo.ini"
check "a FIFO is refused without blocking (exit $rc)" \
    grep -qx "$tmp/fifo.ini: refused: not a regular file" "$tmp/err"
xcheck /dev/null
check "a device is refused" \
    grep -qx "/dev/null: refused: not a regular file" "$tmp/err"

for mode in 666 646 664; do
	cp "$good" "$tmp/w$mode.ini"
	chmod "$mode" "$tmp/w$mode.ini"
	xcheck "$tmp/w$mode.ini"
	check "mode $mode is refused (exit $rc)" grep -qx \
	    "$tmp/w$mode.ini: refused: writable by group or others; chmod go-w" \
	    "$tmp/err"
done

# A ConfigMap as the kubelet mounts it: links through ..data to root's
# 0644 files.
mkdir -p "$tmp/cm/..2026_12_04_00_00_00.1" && cp "$good" "$tmp/cm/..2026_12_04_00_00_00.1/xcni.ini"
ln -s ..2026_12_04_00_00_00.1 "$tmp/cm/..data"
ln -s ..data/xcni.ini "$tmp/cm/xcni.ini"
xcheck "$tmp/cm/xcni.ini"
check "a ConfigMap mount (links to root's 0644 file) is accepted" test "$rc" = 0

if [ "$(id -u)" -eq 0 ]; then
	cp "$good" "$tmp/other.ini"
	chown 65534 "$tmp/other.ini"
	xcheck "$tmp/other.ini"
	check "a file of another user than root is refused (exit $rc)" \
	    grep -qx "$tmp/other.ini: refused: owned by another user than root; chown root" \
	    "$tmp/err"
	# The supervisor judges like --check: it does not start.
	env -i PATH=/usr/bin:/bin NODE_NAME=node-1 \
	    timeout 10 "$bin" -f -c "$tmp/other.ini" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "and the supervisor refuses it with exit 78 (exit $rc)" \
	    test "$rc" = 78 -a -n "$(grep 'owned by another user' "$tmp/err")"
	su -s /bin/sh nobody -c "timeout 10 '$bin' --check -c '$tmp/other.ini'" \
	    >"$tmp/out" 2>"$tmp/err"
	rc=$?
	check "the user who owns the file may check it" test "$rc" = 0
else
	skip "a file of another user than root is refused" "needs root"
	skip "and the supervisor refuses it with exit 78" "needs root"
	skip "the user who owns the file may check it" "needs root"
fi

done_testing
