#!/bin/sh
# The Kubernetes manifests: every document parses, the RBAC is exactly
# get/list/watch on nodes, the DaemonSet keeps its lock-down, the real
# kubectl accepts every file (client and server dry run against the fake
# API server), each ConfigMap's xcni.ini passes xcni-supervisor --check,
# and the supervisor understands the probes.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

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

n=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

python3 "$top_srcdir/tests/install/manifest-check.py" "$tmp" $manifests \
    > "$tmp/checks" 2>&1
while IFS= read -r line; do
	case $line in
	"ok "*) result 0 "${line#ok }" ;;
	"not ok "*) result 1 "${line#not ok }" ;;
	*) echo "# $line" ;;
	esac
done < "$tmp/checks"
grep -q '^ok ' "$tmp/checks" || result 1 "manifest-check.py ran"

# kubectl needs an API server for the mapping of kinds, even to dry-run
# on the client side.
why=
command -v kubectl > /dev/null || why="no kubectl"
[ -f "$fake" ] || why="no fake API server"
if [ -n "$why" ]; then
	for f in $manifests; do skip "kubectl accepts ${f##*/}" "$why"; done
else
	python3 "$fake" --listen 127.0.0.1:0 --cert-dir "$tmp/fake" \
	    --kubeconfig-out "$tmp/kubeconfig" > "$tmp/url" 2> "$tmp/fake.log" &
	fakepid=$!
	i=0
	while [ ! -s "$tmp/url" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	[ -s "$tmp/url" ] || sed 's/^/# /' "$tmp/fake.log"
	kc="kubectl --kubeconfig $tmp/kubeconfig --cache-dir $tmp/cache"
	for f in $manifests; do
		docs=$(grep -c '^kind:' "$f")
		out=$($kc create --dry-run=client -o name -f "$f" 2>&1)
		rc=$?
		[ $rc -ne 0 ] || [ "$(echo "$out" | grep -c /)" -eq "$docs" ] || rc=1
		[ $rc -eq 0 ] || echo "$out" | sed 's/^/# /'
		result $rc "kubectl create --dry-run=client accepts ${f##*/}"
		out=$($kc apply --dry-run=server -f "$f" 2>&1)
		rc=$?
		[ $rc -ne 0 ] || [ "$(echo "$out" | grep -c 'created (server dry run)')" -eq "$docs" ] || rc=1
		[ $rc -eq 0 ] || echo "$out" | sed 's/^/# /'
		result $rc "kubectl apply --dry-run=server accepts ${f##*/}"
	done
fi

for f in $manifests; do
	base=${f##*/}
	ini="$tmp/${base%.yaml}.ini"
	[ -f "$ini" ] || continue
	if [ ! -x "$supervisor" ]; then
		skip "xcni.ini of $base passes --check" "xcni-supervisor not built"
		continue
	fi
	out=$(NODE_NAME=node-1 "$supervisor" --check -c "$ini" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/# /'
	result $rc "xcni.ini of $base passes xcni-supervisor --check"
done

# The probes must at least be flags the supervisor knows (what they
# report is the supervisor's own tests' business).
while read -r args; do
	if [ ! -x "$supervisor" ]; then
		skip "probe xcni-supervisor $args is understood" "xcni-supervisor not built"
		continue
	fi
	NODE_NAME=node-1 "$supervisor" $args -c "$tmp/xcni.ini" > "$tmp/probe" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/probe"
	[ $rc -ne 64 ]
	result $? "probe xcni-supervisor $args is understood (exit $rc)"
done < "$tmp/probes"

echo "1..$n"
