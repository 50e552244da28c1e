# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# The Debian packages xcni's build, tests and demo need; sourced by
# tests/run.sh and tests/lab/demo.sh so the list lives in one place.

XCNI_PACKAGES="build-essential autoconf automake libtool pkgconf
libinih-dev libcurl4-openssl-dev libcjson-dev libmnl-dev libcap-ng-dev
libyaml-dev libcmocka-dev containernetworking-plugins golang-go
golang-github-appc-cni-dev iproute2 iputils-ping openssl python3 clang
libclang-rt-14-dev python3-yaml mandoc systemd strace nftables curl
valgrind util-linux gnuplot-nox"

# Install what is missing (as root; XCNI_NO_APT=1 skips this).
xcni_install_deps() {
	[ "$(id -u)" = 0 ] && [ -z "${XCNI_NO_APT:-}" ] || return 0
	missing=
	for p in $XCNI_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	echo "installing:$missing"
	apt-get update -q &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $missing
}
