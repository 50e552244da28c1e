# Shared by the kube-node tests (sourced): TAP output and a scratch
# directory that is removed on exit.

kube_node=$top_builddir/plugin/kube-node
tap_n=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xcni-cni.XXXXXX") || exit 1
cleanup_hooks=
# shellcheck disable=SC2154 # expanded when the trap fires
trap 'eval "$cleanup_hooks"; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $*"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { for f; do [ -s "$f" ] && sed "s|^|# ${f##*/}: |" "$f"; done; true; }
done_testing() { echo "1..$tap_n"; }

# check DESC CMD...: one test, passing when CMD succeeds; CMD's output is
# shown as diagnostics when it fails.
check() {
	desc=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "$tmp/check.out"
	fi
}

# A worker state file: state_file DIR NETWORK ANNOTATION-JSON CIDRS-JSON
state_file() {
	printf '{"network":"%s","node":"node-1","annotation":%s,"cidrs":%s,"resourceVersion":"7"}\n' \
	    "$2" "$3" "$4" >"$1/$2.json"
}

