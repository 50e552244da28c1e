#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets with clang in build-fuzz/ and run each one for
# SECONDS (default 30) on a copy of its seed corpus. Prints TAP; a crash
# fails the run and leaves the reproducer in build-fuzz/crashes/.
set -u

seconds=${1:-30}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${FUZZ_BUILD_DIR:-$top/build-fuzz}
. "$top/tests/tap.sh"
need clang

mkdir -p "$build"
cd "$build" || exit 1
if [ ! -f Makefile ]; then
	CC=clang "$top/configure" -q --enable-fuzzing >configure.out 2>&1 ||
	    { not_ok "configure the fuzz build" configure.out; done_testing; exit; }
fi
# automake joins the += lines into one, continued with backslashes.
targets=$(sed -n '/^FUZZ_TARGETS = /{:a;/\\$/{N;ba};s/\\\n//g;s/^FUZZ_TARGETS = //;p}' Makefile)
if ! make -s -j"$(nproc)" $targets >make.out 2>&1; then
	not_ok "build the fuzz targets" make.out
	done_testing
	exit
fi

mkdir -p crashes
for t in $targets; do
	name=${t##*/fuzz_}
	corpus=$build/corpus/$name
	mkdir -p "$corpus"
	cp -n "$top/tests/fuzz/corpus/$name/"* "$corpus/" 2>/dev/null
	if "./$t" -max_total_time="$seconds" -rss_limit_mb=1024 \
	    -artifact_prefix=crashes/"$name"- "$corpus" >"fuzz-$name.log" 2>&1; then
		ok "fuzz $name for ${seconds}s"
	else
		not_ok "fuzz $name for ${seconds}s"
		# The report and its stack, not ASan's shadow byte legend.
		awk '/ERROR: |deadly signal|out-of-memory|timeout/ { p = 1 }
		    p && /^$/ { exit } p' "fuzz-$name.log" | head -n 30 |
		    sed 's/^/# /'
		grep -E '^(Test unit written|artifact_prefix)' \
		    "fuzz-$name.log" | sed 's/^/# /'
	fi
	grep -E '^#[0-9]+.*DONE' "fuzz-$name.log" | tail -n 1 | sed 's/^/# /'
done
done_testing
