#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# TAP: credentials a worker must refuse at start with exit status 78 (a
# configuration error the supervisor does not restart), each with a clear
# message (the worker in a network namespace of its own, unshare -n, where
# nothing listens at the servers named, exits before any route work); then
# insecure-skip-tls-verify, accepted with a warning, against the fake API
# server in the test's namespace, and the worker's User-Agent.
top=${top_srcdir:-.}
build=${top_builddir:-.}
. "$top/tests/tap.sh"

worker=$build/worker/xcni-worker
[ -x "$worker" ] || bail "$worker not built"
need unshare
. "$top/tests/kube/ns-fake.sh"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$T/ca.key" -out "$T/ca.crt" -subj /CN=test-creds -days 2 \
	>/dev/null 2>&1 || bail "openssl cannot make a CA"
echo token >"$T/token"
: >"$T/empty.crt"
echo garbage >"$T/garbage.crt"
mkfifo "$T/fifo"

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

# run NAME: the worker with $T/NAME.yaml; its exit status in $rc, its
# messages in $T/NAME.log. A timeout (124) means it did not refuse.
run() {
	KUBECONFIG=$T/$1.yaml NODE_NAME=node-1 LOG_LEVEL=info \
		timeout 10 unshare -n "$worker" --state-dir "$T/state" \
		>"$T/$1.log" 2>&1
	rc=$?
}

# refused NAME DESC PATTERN: exit 78 with PATTERN in the log.
refused() {
	run "$1"
	if [ "$rc" -eq 78 ] && grep -q -- "$3" "$T/$1.log"; then
		ok "$2: exit 78"
	else
		note "exit status $rc, want 78 and \"$3\""
		not_ok "$2: exit 78" "$T/$1.log"
	fi
}

kubeconfig http://192.0.2.1:8080 "" "    tokenFile: $T/token" >"$T/http-token.yaml"
refused http-token "bearer token over http://" \
	"refusing to send a bearer token over plain http"
kubeconfig http://192.0.2.1:8080 "" \
	"    client-certificate: $T/ca.crt
    client-key: $T/ca.key" >"$T/http-key.yaml"
refused http-key "client key over http://" \
	"refusing to send a client key over plain http"
for ca in empty garbage; do
	kubeconfig https://192.0.2.1:6443 \
		"    certificate-authority: $T/$ca.crt" \
		"    tokenFile: $T/token" >"$T/ca-$ca.yaml"
	refused "ca-$ca" "$ca CA file" "no valid PEM certificate"
done
kubeconfig https://192.0.2.1:6443 "    certificate-authority: $T/absent.crt" \
	"    tokenFile: $T/token" >"$T/ca-absent.yaml"
refused ca-absent "unreadable CA file" "absent.crt: No such file"
kubeconfig https://192.0.2.1:6443 "    certificate-authority: $T/ca.crt" \
	"    tokenFile: $T/fifo" >"$T/token-fifo.yaml"
refused token-fifo "token file that is a FIFO (no hang)" \
	"fifo: not a regular file"

# Accepted, with a warning at start; the worker then lists and watches a
# fake API server in a namespace of this test's own, saying who it is.
fake_start --nodes 3
kubeconfig "$URL" "    insecure-skip-tls-verify: true" \
	"    tokenFile: $T/token" >"$T/insecure.yaml"
KUBECONFIG=$T/insecure.yaml NODE_NAME=node-1 timeout 5 ip netns exec "$NS" \
	"$worker" --network blue --state-dir "$T/state" >"$T/insecure.log" 2>&1
rc=$?
if [ "$rc" -eq 124 ] &&
	grep -q "warning: .*insecure-skip-tls-verify" "$T/insecure.log"; then
	ok "insecure-skip-tls-verify: accepted with a warning"
else
	note "exit status $rc"
	not_ok "insecure-skip-tls-verify: accepted with a warning" \
		"$T/insecure.log"
fi
ip netns exec "$NS" curl -sSk "$URL/fake/stats" >"$T/stats"
check "every request's User-Agent: xcni-worker/VERSION (network blue)" \
	python3 -c '
import json, re, sys
agents = json.load(open(sys.argv[1]))["agents"]
print(agents)
sys.exit(not (len(agents) == 1 and re.match(
    r"xcni-worker/\d+\.\d+\.\d+ \(network blue\)$", list(agents)[0])))
' "$T/stats"
done_testing
