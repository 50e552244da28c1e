#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The systemd files as `make install` puts them: the unit verifies clean
# (its programs installed), its exposure is 2.5 or lower, and sysusers.d/tmpfiles.d create the worker user and the CNI conf
# dir. Everything happens under a DESTDIR root; the host is not touched.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/tap.sh"
need systemd-analyze systemd-sysusers systemd-tmpfiles
[ -x "$top_builddir/supervisor/xcni-supervisor" ] ||
    bail "xcni-supervisor is not built"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root="$tmp/root"
max_exposure=2.5

make -s -C "$top_builddir" install DESTDIR="$root" > "$tmp/make.log" 2>&1
result $? "make install DESTDIR" "$tmp/make.log"

unit=$(find "$root" -path '*/systemd/system/xcni.service')
[ -f "$unit" ] || bail "make install put no xcni.service under $root"
ok "xcni.service installed"
for prog in $(sed -n 's/^Exec\(Start\|StartPre\)=\([^ ]*\).*/\2/p' "$unit" | sort -u); do
	check "xcni.service runs the installed $prog" test -x "$root$prog"
done

# verify --root resolves everything in the root: give it the host's
# units (for the dependencies) and kill (for ExecReload=).
mkdir -p "$root/lib/systemd/system"
for f in /lib/systemd/system/*; do
	[ -e "$root/lib/systemd/system/${f##*/}" ] ||
	    cp -a "$f" "$root/lib/systemd/system/"
done
mkdir -p "$root/bin"
cp /bin/kill "$root/bin/kill"
# Its man pages: test-man.sh.
# Where an admin links a unit from a prefix systemd does
# not search (distcheck's).
mkdir -p "$root/etc/systemd/system"
cp "$unit" "$root/etc/systemd/system/xcni.service"
systemd-analyze verify --man=no --root="$root" xcni.service \
    > "$tmp/verify" 2>&1
rc=$?
[ -s "$tmp/verify" ] && rc=1
result $rc "systemd-analyze verify is clean" "$tmp/verify"

(cd "$tmp" && systemd-analyze security --offline=true "$unit") \
    > "$tmp/security" 2>&1
exposure=$(sed -n 's/.*Overall exposure level for xcni.service: \([0-9.]*\).*/\1/p' "$tmp/security")
[ -n "$exposure" ] && awk -v e="$exposure" -v m="$max_exposure" \
    'BEGIN { exit !(e <= m) }'
rc=$?
grep '✗' "$tmp/security" > "$tmp/exposed"
[ -s "$tmp/exposed" ] || cp "$tmp/security" "$tmp/exposed"
result $rc "exposure ${exposure:-none} at most $max_exposure" "$tmp/exposed"

# A bad file ends the unit's ExecStart at once with a status that
# RestartPreventExitStatus lists, so systemd does not retry it; a changed
# example survives make install and make uninstall.
ini=$(find "$root" -path '*/xcni/xcni.ini')
check "example xcni.ini installed" test -f "$ini"
printf '[global]\nno-such-key = 1\n' > "$tmp/bad.ini"
start=$(sed -n 's/^ExecStart=//p' "$unit" |
    sed "s|^\([^ ]*\)\(.*\) -c [^ ]*|$root\1\2 -c $tmp/bad.ini|")
$start > "$tmp/start" 2>&1
rc=$?
grep -q "^RestartPreventExitStatus=.*\b$rc\b" "$unit" &&
    grep -q "bad.ini:2: " "$tmp/start" && ! grep -q '^ExecStartPre=' "$unit"
result $? "a bad file: ExecStart exits $rc, which is not restarted" "$tmp/start" "$unit"
if [ -f "$ini" ]; then
	echo "; changed" >> "$ini"
	cp "$ini" "$tmp/changed"
	make -s -C "$top_builddir" install DESTDIR="$root" > /dev/null 2>&1 &&
	    cmp -s "$ini" "$tmp/changed"
	result $? "make install keeps a changed xcni.ini"
	make -s -C "$top_builddir" uninstall DESTDIR="$root" > /dev/null 2>&1 &&
	    cmp -s "$ini" "$tmp/changed" && [ ! -e "$unit" ]
	result $? "make uninstall keeps a changed xcni.ini"
	rm "$ini"
	make -s -C "$top_builddir" install DESTDIR="$root" > /dev/null 2>&1 &&
	    make -s -C "$top_builddir" uninstall DESTDIR="$root" > /dev/null 2>&1 &&
	    [ ! -e "$ini" ]
	result $? "make uninstall removes an unchanged xcni.ini"
	make -s -C "$top_builddir" install DESTDIR="$root" > /dev/null 2>&1
fi

sysusers=$(find "$root" -path '*/sysusers.d/xcni.conf')
mkdir -p "$root/etc"
: > "$root/etc/passwd"
: > "$root/etc/group"
systemd-sysusers --root="$root" "$sysusers" > "$tmp/sysusers" 2>&1 &&
    grep -q '^xcni:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' "$root/etc/passwd"
result $? "sysusers.d creates the xcni system user" "$tmp/sysusers" "$root/etc/passwd"

tmpfiles=$(find "$root" -path '*/tmpfiles.d/xcni.conf')
systemd-tmpfiles --root="$root" --create "$tmpfiles" > "$tmp/tmpfiles" 2>&1 &&
    [ -d "$root/etc/cni/net.d" ]
result $? "tmpfiles.d creates the CNI conf dir" "$tmp/tmpfiles"
done_testing
