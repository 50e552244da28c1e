#!/bin/sh
# make distcheck: the tarball builds (programs and tests) out of tree,
# installs, uninstalls and cleans up, and it holds every file in git apart
# from the repository's own. The suite itself already ran on this tree, so
# distcheck runs no tests again (TESTS=); it runs once, in the normal
# build (leaving the tarball there), and not inside itself.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

echo "1..2"
if [ -n "${XCNI_IN_DISTCHECK:-}" ]; then
	echo "ok 1 - make distcheck # SKIP running inside make distcheck"
	echo "ok 2 - the tarball holds every file in git # SKIP running inside make distcheck"
	exit 0
fi
if grep -q '^SAN_CFLAGS = -fsanitize' "$top_builddir/Makefile"; then
	echo "ok 1 - make distcheck # SKIP runs in the normal build only"
	echo "ok 2 - the tarball holds every file in git # SKIP runs in the normal build only"
	exit 0
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
XCNI_IN_DISTCHECK=1 make -s -C "$top_builddir" -j"$(nproc)" distcheck \
    DISTCHECK_CONFIGURE_FLAGS=--enable-werror TESTS= AM_MAKEFLAGS=TESTS= \
    > "$tmp/log" 2>&1
rc=$?
[ $rc -eq 0 ] || tail -40 "$tmp/log" | sed 's/^/# /'
echo "# $(($(date +%s) - start)) s"
if [ $rc -eq 0 ]; then echo "ok 1 - make distcheck"; else echo "not ok 1 - make distcheck"; fi

tarball=$(ls "$top_builddir"/*-[0-9]*.tar.gz 2>/dev/null | head -1)
if [ ! -d "$top_srcdir/.git" ] && [ ! -f "$top_srcdir/.git" ]; then
	echo "ok 2 - the tarball holds every file in git # SKIP not a git checkout"
elif [ -z "$tarball" ] || ! command -v git > /dev/null; then
	echo "not ok 2 - the tarball holds every file in git"
else
	tar -tzf "$tarball" | sed 's|^[^/]*/||' | sort > "$tmp/shipped"
	git -C "$top_srcdir" ls-files | sort > "$tmp/tracked"
	# Only the repository's own files stay out.
	comm -23 "$tmp/tracked" "$tmp/shipped" |
	    grep -v -e '^\.gitignore$' -e '^\.ci/' -e '^m4/\.keep$' > "$tmp/missing"
	sed 's/^/# not shipped: /' "$tmp/missing"
	if [ -s "$tmp/missing" ]; then
		echo "not ok 2 - the tarball holds every file in git"
	else
		echo "ok 2 - the tarball holds every file in git"
	fi
fi
