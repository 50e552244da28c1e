#!/bin/sh
# The DaemonSet image's root filesystem as `make image-rootfs` assembles
# it: every program is there, every library it links resolves, each one it
# links directly comes from a package the Dockerfile installs, and it
# runs: --version, or a CNI VERSION command for what goes to the CNI bin dir.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rootfs="$tmp/rootfs"

n=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

make -s -C "$top_builddir" image-rootfs IMAGE_ROOTFS="$rootfs" \
    > "$tmp/make.log" 2>&1
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/make.log"
result $rc "make image-rootfs"

cnibindir=$(sed -n 's/^cnibindir = //p' "$top_builddir/Makefile")
version=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h")
# The runtime packages of the Dockerfile's final stage.
packages=$(sed -n '/^FROM debian:12-slim/,$p' "$top_srcdir/Dockerfile" |
    sed -n '/apt-get install/,/&&/p' | tr ' \t\\' '\n\n\n' |
    grep -E '^lib[a-z0-9.+-]+$')
[ -n "$packages" ]
result $? "the Dockerfile names runtime packages"

while read -r prog; do
	bin="$rootfs$prog"
	[ -x "$bin" ]
	result $? "$prog installed"
	[ -x "$bin" ] || continue

	ldd "$bin" > "$tmp/ldd" 2>&1 && ! grep -q 'not found' "$tmp/ldd"
	rc=$?
	[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/ldd"
	result $rc "$prog: every linked library resolves"

	needed=$(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 }')
	if echo "$needed" | grep -q '^lib[at]san'; then
		skip "$prog: linked libraries are in the image" "sanitizer build"
	else
		rc=0
		for lib in $needed; do
			pkg=$(dpkg -S "*/$lib" 2>/dev/null | sed -n '1s/[:,].*//p')
			case " libc6 $(echo $packages) " in
			*" $pkg "*) ;;
			*) echo "# $lib: package '$pkg' not in the Dockerfile"; rc=1 ;;
			esac
		done
		result $rc "$prog: linked libraries are in the image"
	fi

	case $prog in
	"$cnibindir"/*)
		# A CNI program answers on stdout in JSON, result or error.
		out=$(echo '{"cniVersion":"1.0.0"}' |
		    CNI_COMMAND=VERSION "$bin" 2>/dev/null)
		echo "# $out"
		echo "$out" | grep -q '^{"cniVersion":'
		result $? "$prog runs (CNI_COMMAND=VERSION)"
		;;
	*)
		out=$("$bin" --version 2>&1)
		rc=$?
		echo "# $out"
		[ $rc -ne 0 ] || echo "$out" | grep -qF "$version" || rc=1
		result $rc "$prog --version"
		;;
	esac
done < "$rootfs.programs"

[ -s "$rootfs.programs" ] ||
    skip "programs installed" "no program is built yet"

echo "1..$n"
