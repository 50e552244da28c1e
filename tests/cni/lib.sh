# SPDX-License-Identifier: Apache-2.0
# Shared by the kube-node tests (sourced): tests/tap.sh and a scratch
# directory that is removed on exit.
. "$top_srcdir/tests/tap.sh"

kube_node=$top_builddir/plugin/kube-node
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xcni-cni.XXXXXX") || exit 1
cleanup_hooks=
# shellcheck disable=SC2154 # expanded when the trap fires
trap 'eval "$cleanup_hooks"; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

# A worker state file: state_file DIR NETWORK ANNOTATION-JSON CIDRS-JSON
state_file() {
	printf '{"network":"%s","node":"node-1","annotation":%s,"cidrs":%s,"resourceVersion":"7"}\n' \
	    "$2" "$3" "$4" >"$1/$2.json"
}

