#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# make distcheck: the tarball builds (programs and tests) out of tree,
# installs, uninstalls and cleans up, and it holds every file in git apart
# from the repository's own. The suite itself already ran on this tree, so
# distcheck runs no tests again (TESTS=); it runs once, in the normal
# build (leaving the tarball there), and not inside itself. When it fails,
# the failing step, and any failing test of the inner build with its
# evidence, are printed here.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/failures.sh"

if [ -n "${XCNI_IN_DISTCHECK:-}" ]; then
	skip "make distcheck" "running inside make distcheck"
	skip "the tarball holds every file in git" "running inside make distcheck"
	done_testing
	exit
fi
if grep -q '^SAN_CFLAGS = -fsanitize' "$top_builddir/Makefile"; then
	skip "make distcheck" "runs in the normal build only"
	skip "the tarball holds every file in git" "runs in the normal build only"
	done_testing
	exit
fi

[ -e "$top_srcdir/.git" ] && need git
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s)
# The suite's make passes its own variables down in MAKEFLAGS, TEST_LOGS
# (every test of the suite) among them, which would run the whole suite
# again inside distcheck: this make starts from none of them.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL XCNI_IN_DISTCHECK=1 \
    make -s -C "$top_builddir" -j"$(nproc)" distcheck \
    DISTCHECK_CONFIGURE_FLAGS=--enable-werror TESTS= AM_MAKEFLAGS=TESTS= \
    > "$tmp/log" 2>&1
rc=$?
note "make distcheck: status $rc, $(($(date +%s) - start)) s"
if [ $rc -eq 0 ]; then
	ok "make distcheck"
else
	# The inner build is left in place when distcheck fails.
	failed_tests "$top_builddir"/xcni-*/_build >"$tmp/inner"
	grep -E '^(FAIL|ERROR|XPASS): |\*\*\*|error:' "$tmp/log" |
	    head -n 20 >"$tmp/failed-lines"
	not_ok "make distcheck" "$tmp/failed-lines" "$tmp/log"
	[ -s "$tmp/inner" ] && note "the inner build's failing tests:" &&
	    sed 's/^/# /' "$tmp/inner"
fi

tarball=$(ls "$top_builddir"/*-[0-9]*.tar.gz 2>/dev/null | head -1)
if [ ! -d "$top_srcdir/.git" ] && [ ! -f "$top_srcdir/.git" ]; then
	skip "the tarball holds every file in git" "not a git checkout"
elif [ -z "$tarball" ]; then
	not_ok "the tarball holds every file in git (no tarball in $top_builddir)"
else
	tar -tzf "$tarball" | sed 's|^[^/]*/||' | sort > "$tmp/shipped"
	git -C "$top_srcdir" ls-files | sort > "$tmp/tracked"
	# Only the repository's own files stay out.
	comm -23 "$tmp/tracked" "$tmp/shipped" |
	    grep -v -e '^\.gitignore$' -e '^\.ci/' -e '^m4/\.keep$' |
	    sed 's/^/not shipped: /' > "$tmp/missing"
	if [ -s "$tmp/missing" ]; then
		not_ok "the tarball holds every file in git" "$tmp/missing"
	else
		ok "the tarball holds every file in git"
	fi
fi
done_testing
