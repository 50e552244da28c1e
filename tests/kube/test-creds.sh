#!/bin/sh
# TAP: credentials a worker must refuse at start with exit status 78 (a
# configuration error the supervisor does not restart), each with a clear
# message, and the warning for insecure-skip-tls-verify. The worker runs in
# a network namespace of its own (unshare -n) and exits before any route
# work; nothing listens at the servers named.
top=${top_srcdir:-.}
build=${top_builddir:-.}
. "$top/tests/tap.sh"

need unshare openssl ip python3 curl
worker=$build/worker/xcni-worker
[ -x "$worker" ] || bail "$worker not built"
# Root for namespaces: skipped without it, a failure under CI=true.
if [ "$(id -u)" != 0 ]; then
	[ "${CI:-}" = true ] && bail "needs root (network namespaces)"
	skip_all "needs root (network namespaces)"
fi
d=$(mktemp -d "${TMPDIR:-/tmp}/test-creds.$$.XXXXXX") || bail "mktemp"
trap 'rm -rf "$d"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$d/ca.key" -out "$d/ca.crt" -subj /CN=test-creds -days 2 \
	>/dev/null 2>&1 || bail "openssl cannot make a CA"
echo token >"$d/token"
: >"$d/empty.crt"
echo garbage >"$d/garbage.crt"
mkfifo "$d/fifo"

# kubeconfig SERVER CLUSTER-EXTRA USER-EXTRA
kubeconfig() {
	cat <<EOK
apiVersion: v1
kind: Config
current-context: c
contexts:
- name: c
  context: {cluster: c, user: u}
clusters:
- name: c
  cluster:
    server: $1
$2
users:
- name: u
  user:
$3
EOK
}

# run NAME: the worker with $d/NAME.yaml; its exit status in $rc, its
# messages in $d/NAME.log. A timeout (124) means it did not refuse.
run() {
	KUBECONFIG=$d/$1.yaml NODE_NAME=node-1 LOG_LEVEL=info \
		timeout 10 unshare -n "$worker" --state-dir "$d/state" \
		>"$d/$1.log" 2>&1
	rc=$?
}

# refused NAME DESC PATTERN: exit 78 with PATTERN in the log.
refused() {
	run "$1"
	if [ "$rc" -eq 78 ] && grep -q -- "$3" "$d/$1.log"; then
		ok "$2: exit 78"
	else
		note "exit status $rc, want 78 and \"$3\""
		not_ok "$2: exit 78" "$d/$1.log"
	fi
}

kubeconfig http://192.0.2.1:8080 "" "    tokenFile: $d/token" >"$d/http-token.yaml"
refused http-token "bearer token over http://" \
	"refusing to send a bearer token over plain http"
kubeconfig http://192.0.2.1:8080 "" \
	"    client-certificate: $d/ca.crt
    client-key: $d/ca.key" >"$d/http-key.yaml"
refused http-key "client key over http://" \
	"refusing to send a client key over plain http"
for ca in empty garbage; do
	kubeconfig https://192.0.2.1:6443 \
		"    certificate-authority: $d/$ca.crt" \
		"    tokenFile: $d/token" >"$d/ca-$ca.yaml"
	refused "ca-$ca" "$ca CA file" "no valid PEM certificate"
done
kubeconfig https://192.0.2.1:6443 "    certificate-authority: $d/absent.crt" \
	"    tokenFile: $d/token" >"$d/ca-absent.yaml"
refused ca-absent "unreadable CA file" "absent.crt: No such file"
kubeconfig https://192.0.2.1:6443 "    certificate-authority: $d/ca.crt" \
	"    tokenFile: $d/fifo" >"$d/token-fifo.yaml"
refused token-fifo "token file that is a FIFO (no hang)" \
	"fifo: not a regular file"

# Accepted, with a warning at start; the worker then lists and watches a
# fake API server in a namespace of this test's own, saying who it is.
NS=xcni-creds-$$
ip netns add "$NS" || bail "cannot add namespace $NS"
trap 'for p in $PIDS; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	ip netns del "$NS"; rm -rf "$d"' EXIT
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" python3 "$top/tests/kube/fake-apiserver" \
	--listen 127.0.0.1:0 --cert-dir "$d/certs" --nodes 3 >"$d/url" \
	2>"$d/server.log" &
PIDS=$!
n=0
while [ ! -s "$d/url" ] && [ $n -lt 200 ]; do sleep 0.1; n=$((n + 1)); done
URL=$(cat "$d/url")
[ -n "$URL" ] || bail "the fake API server did not start"
kubeconfig "$URL" "    insecure-skip-tls-verify: true" \
	"    tokenFile: $d/certs/token" >"$d/insecure.yaml"
KUBECONFIG=$d/insecure.yaml NODE_NAME=node-1 timeout 5 ip netns exec "$NS" \
	"$worker" --network blue --state-dir "$d/state" >"$d/insecure.log" 2>&1
rc=$?
if [ "$rc" -eq 124 ] &&
	grep -q "warning: .*insecure-skip-tls-verify" "$d/insecure.log"; then
	ok "insecure-skip-tls-verify: accepted with a warning"
else
	note "exit status $rc"
	not_ok "insecure-skip-tls-verify: accepted with a warning" \
		"$d/insecure.log"
fi
ip netns exec "$NS" curl -sSk "$URL/fake/stats" >"$d/stats"
check "every request's User-Agent: xcni-worker/VERSION (network blue)" \
	python3 -c '
import json, re, sys
agents = json.load(open(sys.argv[1]))["agents"]
print(agents)
sys.exit(not (len(agents) == 1 and re.match(
    r"xcni-worker/\d+\.\d+\.\d+ \(network blue\)$", list(agents)[0])))
' "$d/stats"
done_testing
