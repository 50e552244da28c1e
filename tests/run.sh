#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The whole test suite, from a fresh Debian 12 machine, as root:
# installs what the build and the tests need, builds twice (strict warnings,
# then ASan+UBSan) and runs every test in each build.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

. "$top/tests/deps.sh"
xcni_install_deps

autoreconf -fi
jobs=$(nproc)
status=0

# The real control plane and Multus the tests in tests/k8s and tests/lab
# run against, built once per machine from the Go module proxy before the
# suite starts, so that no test's time includes the build (about 8-10
# minutes, once).
tests/k8s/cluster build || status=1
tests/k8s/multus build || status=1

run_build() {
	dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && "$top/configure" -q --enable-werror "$@" &&
	    make -s -j"$jobs" && make -j"$jobs" check) || status=1
}

run_build build-ci
run_build build-san --enable-sanitizers
# Every fuzz target for a short while; long runs are `make fuzz`.
rm -rf build-fuzz
FUZZ_BUILD_DIR=$top/build-fuzz sh tests/fuzz/run.sh 30 | tee build-fuzz.tap

passed=0
failed=0
skipped=0
for log in build-ci/test-suite.log build-san/test-suite.log; do
	[ -f "$log" ] || { failed=$((failed + 1)); continue; }
	for t in $(find "${log%/*}" -name '*.trs'); do
		passed=$((passed + $(grep -c '^:test-result: PASS' "$t" || true)))
		failed=$((failed + $(grep -cE '^:test-result: (FAIL|ERROR|XPASS)' "$t" || true)))
		skipped=$((skipped + $(grep -c '^:test-result: SKIP' "$t" || true)))
	done
done
passed=$((passed + $(grep -c '^ok ' build-fuzz.tap || true)))
# Every failure, named, with its evidence, then the totals last.
. "$top/tests/failures.sh"
for log in build-ci/test-suite.log build-san/test-suite.log; do
	[ -f "$log" ] || echo "FAIL: ${log%/*}: no test-suite.log (the build failed)"
done
failed_tests build-ci build-san
if grep -q '^not ok ' build-fuzz.tap; then
	echo "FAIL: tests/fuzz/run.sh (build-fuzz)"
	failed_points build-fuzz.tap | sed 's/^/    /'
fi
failed=$((failed + $(grep -c '^not ok ' build-fuzz.tap || true)))
[ "$passed" -gt 0 ] || status=1
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
