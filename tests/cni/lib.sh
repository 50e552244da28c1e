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

# A worker state file, written by lib/statefile as the worker writes it:
# state_file DIR NETWORK ANNOTATION-JSON CIDRS-JSON, e.g.
# state_file "$state" net3 '"cidr.example.com/net3"' '["198.19.3.0/24"]'
state_file() {
	ann=$(printf '%s' "$3" | tr -d '"')
	[ "$ann" = null ] && ann=-
	# shellcheck disable=SC2046 # one word per CIDR
	"$top_builddir/tests/cni/state-file" "$2" node-1 "$ann" 7 \
	    $(printf '%s' "$4" | tr -d '[]"' | tr ',' ' ') >"$1/$2.json" ||
	    bail "state-file $2 failed"
}
