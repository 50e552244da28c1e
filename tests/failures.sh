# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# Sourced by tests/run.sh and tests/install/test-distcheck.sh: what failed
# in a finished run, told where the run ends, so that a failure names
# itself and shows its evidence without anyone opening a log.
#
#   failed_points TAPFILE   each failing point of a TAP stream (or a test's
#                           .log) with its diagnostics; Bail out! and the
#                           TAP driver's ERROR lines too
#   failed_tests DIR...     every test under DIR whose .trs records a
#                           failure: its name, then failed_points of its
#                           .log, or the log's last lines if no point failed

failed_points() {
	awk '
	/^not ok/ { p = 1; print; next }
	/^(ok|1\.\.)/ { p = 0; next }
	/^Bail out!/ || /^ERROR: / { print; next }
	p && /^#/ { print }' "$1" | head -n 200
}

failed_tests() {
	find "$@" -name '*.trs' 2>/dev/null | sort | while read -r trs; do
		grep -qE '^:test-result: (FAIL|ERROR|XPASS)' "$trs" || continue
		log=${trs%.trs}.log
		# The driver's result lines name the test as make check does.
		name=$(sed -n 's/^\(FAIL\|ERROR\|XPASS\|PASS\|SKIP\): \([^ ]*\).*/\2/p' \
		    "$log" 2>/dev/null | head -n 1)
		echo "FAIL: ${name:-${log%.log}} (${log%.log})"
		failed_points "$log" >"$log.failed" 2>&1
		if grep -q '^not ok' "$log.failed"; then
			sed 's/^/    /' "$log.failed"
		else	# no point failed: it ended early; its last words
			tail -n 20 "$log" 2>&1 | sed 's/^/    | /'
		fi
		rm -f "$log.failed"
	done
}
