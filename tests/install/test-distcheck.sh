#!/bin/sh
# make distcheck: the tarball has everything to build, test, install and
# uninstall out of tree. It builds the whole tree again, so it runs once:
# in the normal build (leaving the tarball there) and not inside itself.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

echo "1..1"
if [ -n "${XCNI_IN_DISTCHECK:-}" ]; then
	echo "ok 1 - make distcheck # SKIP running inside make distcheck"
	exit 0
fi
if grep -q '^SAN_CFLAGS = -fsanitize' "$top_builddir/Makefile"; then
	echo "ok 1 - make distcheck # SKIP runs in the normal build only"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
XCNI_IN_DISTCHECK=1 make -s -C "$top_builddir" -j"$(nproc)" distcheck \
    DISTCHECK_CONFIGURE_FLAGS=--enable-werror \
    > "$tmp/log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -40 "$tmp/log" | sed 's/^/# /'
echo "# $(($(date +%s) - start)) s"
if [ $rc -eq 0 ]; then echo "ok 1 - make distcheck"; else echo "not ok 1 - make distcheck"; fi
