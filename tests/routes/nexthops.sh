#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Nexthop objects of the route reconciler (worker/routes.c) against the
# kernel, in network namespaces made and removed here: objects made,
# changed, repaired, adopted, owned and removed (rt-test nexthops); the
# whole route suite again on the forced classic path
# (XCNI_NO_NEXTHOP_OBJECTS=1); and routes over distinct gateways both
# ways, timed (bench/nexthops does it at scale).
set -u

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/tap.sh"
bin=$top_builddir/tests/routes/rt-test
n=${XCNI_NH_BENCH:-2000}
tag=xcni-nh-$$
namespaces=
out=$(mktemp) || bail "mktemp"

cleanup() {
	for ns in $namespaces; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$out"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

need_root
need ip
ip netns add "$tag-probe" 2>/dev/null || skip_all "no network namespaces"
ip netns del "$tag-probe"
ip nexthop show >/dev/null 2>&1 || skip_all "this kernel has no nexthop objects"

# A namespace with link d0 (peer d1) carrying the test addresses, and
# 198.19.0.1/16 for the distinct gateways of the timed runs.
mkns() {
	namespaces="$namespaces $1"
	ip netns add "$1" &&
	ip -n "$1" link add d0 type veth peer name d1 &&
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 &&
	ip -n "$1" link set d1 up &&
	ip -n "$1" link set d0 mtu 1400 up &&
	ip -n "$1" addr add 192.0.2.1/24 dev d0 &&
	ip -n "$1" addr add 198.19.0.1/16 dev d0 &&
	ip -n "$1" addr add 2001:db8::1/64 dev d0 nodad
}

# rt-test's "ok - X" lines become points; the rest is evidence.
run() {
	ns=$1
	shift
	ip netns exec "$ns" "$@" >"$out" 2>&1 ||
	    echo "not ok - rt-test $1 died ($?)" >>"$out"
	grep -q '^\(not \)\{0,1\}ok - ' "$out" ||
	    echo "not ok - rt-test $1 gave no results" >>"$out"
	grep '^# ' "$out"
	while IFS= read -r line; do
		case $line in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" "$out" ;;
		esac
	done <"$out"
}

mkns "$tag-nh" || bail "set up the namespace"
run "$tag-nh" "$bin" nexthops d0

mkns "$tag-classic" || bail "set up the namespace"
run "$tag-classic" env XCNI_NO_NEXTHOP_OBJECTS=1 "$bin" suite d0
check "the classic path made no nexthop objects" \
    test -z "$(ip -n "$tag-classic" nexthop show)"

for fam in 4 6; do
	for mode in nh classic; do
		mkns "$tag-$mode$fam" || bail "set up the namespace"
		if [ $mode = classic ]; then
			run "$tag-$mode$fam" env XCNI_NO_NEXTHOP_OBJECTS=1 \
			    "$bin" gwbench "$n" $fam d0
		else
			run "$tag-$mode$fam" "$bin" gwbench "$n" $fam d0
		fi
	done
done
done_testing
