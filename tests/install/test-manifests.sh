#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Kubernetes manifests: every document parses, the RBAC is exactly
# get/list/watch on nodes, the DaemonSet keeps its lock-down, the real
# kubectl accepts every file (client and server dry run against the fake
# API server), each ConfigMap's xcni.ini passes xcni-supervisor --check,
# and the supervisor understands the probes.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/tap.sh"

dir="$top_srcdir/etc/kubernetes"
manifests="$dir/xcni.yaml $dir/net3-multus.yaml"
fake="$top_srcdir/tests/kube/fake-apiserver"
supervisor="$top_builddir/supervisor/xcni-supervisor"

tmp=$(mktemp -d)
fakepid=
cleanup() {
	[ -z "$fakepid" ] || { kill "$fakepid"; wait "$fakepid"; } 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
need python3
[ -x "$supervisor" ] || bail "xcni-supervisor is not built"

python3 "$top_srcdir/tests/install/manifest-check.py" "$tmp" $manifests \
    > "$tmp/checks" 2>&1
# The checker's own points, each with the lines it printed after it.
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok }" ;;
	"not ok "*) not_ok "${line#not ok }" ;;
	*) note "$line" ;;
	esac
done < "$tmp/checks"
grep -q '^ok ' "$tmp/checks" || not_ok "manifest-check.py ran" "$tmp/checks"

# kubectl needs an API server for the mapping of kinds, even to dry-run
# on the client side.
if command -v kubectl > /dev/null; then
	python3 "$fake" --listen 127.0.0.1:0 --cert-dir "$tmp/fake" \
	    --kubeconfig-out "$tmp/kubeconfig" > "$tmp/url" 2> "$tmp/fake.log" &
	fakepid=$!
	i=0
	while [ ! -s "$tmp/url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$tmp/url" ] || { diag "$tmp/fake.log"; bail "the fake API server did not start"; }
	kc="kubectl --kubeconfig $tmp/kubeconfig --cache-dir $tmp/cache"
	for f in $manifests; do
		docs=$(grep -c '^kind:' "$f")
		$kc create --dry-run=client -o name -f "$f" > "$tmp/out" 2>&1
		rc=$?
		[ $rc -ne 0 ] || [ "$(grep -c / "$tmp/out")" -eq "$docs" ] || rc=1
		result $rc "kubectl create --dry-run=client accepts ${f##*/} ($docs documents)" "$tmp/out"
		$kc apply --dry-run=server -f "$f" > "$tmp/out" 2>&1
		rc=$?
		[ $rc -ne 0 ] || [ "$(grep -c 'created (server dry run)' "$tmp/out")" -eq "$docs" ] || rc=1
		result $rc "kubectl apply --dry-run=server accepts ${f##*/} ($docs documents)" "$tmp/out"
	done
else
	for f in $manifests; do
		lacking "kubectl create --dry-run=client accepts ${f##*/}" kubectl
		lacking "kubectl apply --dry-run=server accepts ${f##*/}" kubectl
	done
fi

for f in $manifests; do
	base=${f##*/}
	ini="$tmp/${base%.yaml}.ini"
	[ -f "$ini" ] || continue
	NODE_NAME=node-1 "$supervisor" --check -c "$ini" > "$tmp/out" 2>&1
	result $? "xcni.ini of $base passes xcni-supervisor --check" "$tmp/out"
done

# The probes must at least be flags the supervisor knows (what they
# report is the supervisor's own tests' business).
while read -r args; do
	NODE_NAME=node-1 "$supervisor" $args -c "$tmp/xcni.ini" > "$tmp/probe" 2>&1
	rc=$?
	[ $rc -ne 64 ]
	result $? "probe xcni-supervisor $args is understood (exit $rc)" "$tmp/probe"
done < "$tmp/probes"
done_testing
