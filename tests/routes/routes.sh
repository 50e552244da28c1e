#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The route reconciler (worker/routes.c) and link lookup (lib/link.c)
# against the kernel, in network namespaces made and removed here. Ends
# with 10 000 routes programmed by xcni and by ip -batch, for comparison.
set -u

bin=${top_builddir:-.}/tests/routes/rt-test
. "${top_srcdir:-.}/tests/tap.sh"
n=${XCNI_RT_BENCH:-10000}
tag=xcni-rt-$$
namespaces=
out=$(mktemp)

cleanup() {
	for ns in $namespaces; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -f "$out"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

need_root
need setpriv

# A namespace with link d0 (peer d1) carrying the test addresses.
mkns() {
	namespaces="$namespaces $1"
	ip netns add "$1" &&
	ip -n "$1" link add d0 type veth peer name d1 &&
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 &&
	ip -n "$1" link set d1 up &&
	ip -n "$1" link set d0 mtu 1400 up &&
	ip -n "$1" addr add 192.0.2.1/24 dev d0 &&
	ip -n "$1" addr add 2001:db8::1/64 dev d0 nodad
}

# rt-test prints its results; dying half-way must not look like success.
run() {
	ns=$1
	mode=$2
	shift
	if [ "$mode" = noperm ]; then
		set -- setpriv --reuid=65534 --regid=65534 --clear-groups \
		    --inh-caps=-all --bounding-set=-all "$bin" "$@"
	else
		set -- "$bin" "$@"
	fi
	ip netns exec "$ns" "$@" 2>&1 || echo "not ok - rt-test $mode died ($?)"
}

{
	mkns "$tag-suite" || echo "not ok - set up the namespace"
	run "$tag-suite" suite d0
	run "$tag-suite" noperm d0

	mkns "$tag-bench" || echo "not ok - set up the namespace"
	run "$tag-bench" bench "$n" d0

	mkns "$tag-batch" || echo "not ok - set up the namespace"
	run "$tag-batch" ipbatch "$n" d0
} > "$out"

# rt-test's points, numbered here; its other output (ip's complaints, a
# crash) becomes diagnostics after the point before it.
while IFS= read -r line; do
	case $line in
	"ok - "*) ok "${line#ok - }" ;;
	"not ok - "*) not_ok "${line#not ok - }" ;;
	"#"*) echo "$line" ;;
	*) note "$line" ;;
	esac
done < "$out"
# xcni's time and CPU over ip -batch's (bench/ sets the target)
awk '/^# xcni: /{w1=$6; c1=$9+$12} /^# ip -batch: /{w2=$7; c2=$10+$13}
    END {if (w2 > 0 && c2 > 0)
	printf("# ratio xcni/ip-batch: time %.2f, cpu %.2f\n", w1/w2, c1/c2)}' "$out"
done_testing
