# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=sh
# The one TAP helper of the shell tests (sourced). Test points are counted
# as they run and the plan is printed last, by done_testing, so no script
# keeps a count by hand. A failing point prints the evidence it saw as
# diagnostics ("# " lines), which automake copies into the test's .log and
# tests/run.sh repeats at the end of the run.
#
#   ok DESC                      a passing point
#   not_ok DESC [FILE...]        a failing point; the files' last lines as evidence
#   check DESC CMD...            passes when CMD succeeds; else CMD's output is the evidence
#   check_not DESC CMD...        passes when CMD fails
#   is DESC GOT WANT             passes when GOT = WANT; else shows both
#   result STATUS DESC [FILE...] passes when STATUS is 0; else the files' last
#                                lines as evidence
#   skip DESC REASON             a point that cannot run in this build
#   diag FILE...                 the files' last 40 lines as diagnostics
#   note TEXT...                 one diagnostic line
#   need TOOL...                 every TOOL on PATH, or the script cannot run:
#                                skipped, but a failure under CI=true
#   need_root                    the same for root
#   need_path PATH...            the same for files a package installs
#   need_for DESC TOOL...        true when every TOOL is on PATH; else
#                                lacking DESC TOOL, and it returns 1:
#                                  if need_for DESC TOOL; then check DESC ...; fi
#   lacking DESC WHAT            the point DESC cannot run without WHAT:
#                                skipped, but a failure under CI=true
#   skip_all REASON              the whole script cannot run here
#   bail REASON                  stop: the script cannot go on
#   done_testing                 the plan; exit status 1 if any point failed

# Its own variables are all tap_*, so a caller's (f, desc, path...) stay as
# they were. Sourced once: a library that sources it again changes nothing.
[ -n "${tap_sourced:-}" ] && return 0
tap_sourced=1
tap_n=0
tap_failed=0
# check's output goes to a file that is already unlinked, held open on fd
# 9 and reopened by name through /proc: nothing is left behind however the
# script ends, and no EXIT trap of the script's own is needed for it.
tap_out=$(mktemp "${TMPDIR:-/tmp}/xcni-tap.XXXXXX") &&
    exec 9<>"$tap_out" && rm -f "$tap_out" || exit 99
tap_out=/proc/self/fd/9

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }

not_ok() {
	tap_desc=$1
	shift
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $tap_desc"
	diag "$@"
}

note() { echo "$*" | sed 's/^/# /'; }

diag() {
	for tap_f; do
		[ -s "$tap_f" ] || continue
		if [ "$tap_f" = "$tap_out" ]; then
			echo "# --- its output (last 40 lines):"
		else
			echo "# --- ${tap_f##*/} (last 40 lines):"
		fi
		# awk ends every line, the last one too: the next TAP line stays whole.
		tail -n 40 "$tap_f" | awk '{ print "#   " $0 }'
	done
	true
}

# The command runs in this shell (no subshell), so what it assigns stays.
check() {
	tap_desc=$1
	shift
	if "$@" >"$tap_out" 2>&1; then
		ok "$tap_desc"
	else
		tap_status "$?" "$@"
		not_ok "$tap_desc" "$tap_out"
	fi
}

check_not() {
	tap_desc=$1
	shift
	if "$@" >"$tap_out" 2>&1; then
		tap_status 0 "$@"
		not_ok "$tap_desc (succeeded, should have failed)" "$tap_out"
	else
		ok "$tap_desc"
	fi
}

# tap_status STATUS CMD...: what a check ran and how it ended, appended to
# the command's output as its last line of evidence.
tap_status() {
	tap_st=$1
	shift
	echo "exit status $tap_st: $*" | cut -c1-300 >>"$tap_out"
}

# is DESC GOT WANT: passes when the strings are equal; else shows both.
is() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		note "got:    $2"
		note "wanted: $3"
	fi
}

result() {
	tap_st=$1
	tap_desc=$2
	shift 2
	if [ "$tap_st" -eq 0 ]; then
		ok "$tap_desc"
	else
		not_ok "$tap_desc" "$@"
	fi
}

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }

skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

bail() {
	echo "Bail out! $*"
	exit 99
}

# need_root: the script needs root (namespaces, mounts, other users).
need_root() {
	[ "$(id -u)" = 0 ] && return 0
	[ "${CI:-}" = true ] && bail "needs root"
	skip_all "needs root"
}

need() {
	for tap_tool; do
		command -v "$tap_tool" >/dev/null 2>&1 && continue
		[ "${CI:-}" = true ] &&
		    bail "$tap_tool is missing: tests/deps.sh installs it"
		skip_all "$tap_tool is missing (tests/deps.sh installs it)"
	done
}

need_path() {
	for tap_path; do
		[ -e "$tap_path" ] && continue
		[ "${CI:-}" = true ] &&
		    bail "$tap_path is missing: tests/deps.sh installs it"
		skip_all "$tap_path is missing (tests/deps.sh installs it)"
	done
}

need_for() {
	tap_desc=$1
	shift
	for tap_tool; do
		command -v "$tap_tool" >/dev/null 2>&1 && continue
		lacking "$tap_desc" "$tap_tool"
		return 1
	done
}

lacking() {
	if [ "${CI:-}" = true ]; then
		not_ok "$1 ($2 is missing: tests/deps.sh installs it)"
	else
		skip "$1" "$2 is missing (tests/deps.sh installs it)"
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
