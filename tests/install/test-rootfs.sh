#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The DaemonSet image's root filesystem as `make image-rootfs` assembles
# it: every program is there, every library it links resolves, each one it
# links directly comes from a package the Dockerfile installs, and it
# runs: --version, or a CNI VERSION command for what goes to the CNI bin dir.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/tap.sh"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rootfs="$tmp/rootfs"

make -s -C "$top_builddir" image-rootfs IMAGE_ROOTFS="$rootfs" \
    > "$tmp/make.log" 2>&1
result $? "make image-rootfs" "$tmp/make.log"

cnibindir=$(sed -n 's/^cnibindir = //p' "$top_builddir/Makefile")
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
# The runtime packages of the Dockerfile's final stage.
packages=$(sed -n '/^FROM debian:12-slim/,$p' "$top_srcdir/Dockerfile" |
    sed -n '/apt-get install/,/&&/p' | tr ' \t\\' '\n\n\n' |
    grep -E '^lib[a-z0-9.+-]+$')
check "the Dockerfile names runtime packages" test -n "$packages"

while read -r prog; do
	bin="$rootfs$prog"
	check "$prog installed" test -x "$bin"
	[ -x "$bin" ] || continue

	ldd "$bin" > "$tmp/ldd" 2>&1 && ! grep -q 'not found' "$tmp/ldd"
	result $? "$prog: every linked library resolves" "$tmp/ldd"

	needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }')
	if echo "$needed" | grep -q '^lib[at]san'; then
		skip "$prog: linked libraries are in the image" "sanitizer build"
	else
		rc=0
		: > "$tmp/foreign"
		for lib in $needed; do
			pkg=$(dpkg -S "*/$lib" 2>/dev/null | sed -n '1s/[:,].*//p')
			case " libc6 $(echo $packages) " in
			*" $pkg "*) ;;
			*) echo "$lib: package '$pkg' not in the Dockerfile" >> "$tmp/foreign"
			   rc=1 ;;
			esac
		done
		result $rc "$prog: linked libraries are in the image" "$tmp/foreign"
	fi

	case $prog in
	"$cnibindir"/*)
		# A CNI program answers on stdout in JSON, result or error.
		echo '{"cniVersion":"1.0.0"}' |
		    CNI_COMMAND=VERSION "$bin" > "$tmp/out" 2>/dev/null
		grep -q '^{"cniVersion":' "$tmp/out"
		result $? "$prog runs (CNI_COMMAND=VERSION)" "$tmp/out"
		;;
	*)
		"$bin" --version > "$tmp/out" 2>&1
		rc=$?
		[ $rc -ne 0 ] || grep -qF "$version" "$tmp/out" || rc=1
		result $rc "$prog --version (of $version)" "$tmp/out"
		;;
	esac
done < "$rootfs.programs"

[ -s "$rootfs.programs" ] ||
    not_ok "programs installed (make image-rootfs listed none)" "$tmp/make.log"
done_testing
