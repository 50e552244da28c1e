#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# A worker program that is missing or cannot run: the supervisor refuses to
# start (exit 78, EX_CONFIG) with one message naming the path and where it
# came from, instead of restarting it forever; it touches nothing first.
# --check says so too, as a warning (the file itself is valid).
. "$top_srcdir/tests/tap.sh"

need timeout
bin=$top_builddir/supervisor/xcni-supervisor
tmp=$(mktemp -d "${TMPDIR:-/tmp}/xcni-missing-worker.XXXXXX") || bail "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP

ini=$tmp/xcni.ini
printf '[global]\nnode-name = node-1\nkubeconfig = %s\nuser = 65534:65534\nstate-dir = %s\ncni-conf-dir = %s\n\n[xcluster]\n' \
    "$tmp/kubeconfig" "$tmp/state" "$tmp/net.d" >"$ini"
chmod 644 "$ini"

# start WORKER-ENV...: the supervisor in the foreground, 10 s at most;
# sets rc, $tmp/out, $tmp/err.
start() {
	env -i PATH=/usr/bin:/bin "$@" timeout 10 "$bin" -f -c "$ini" \
	    >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# refused DESC WORDS WORKER-ENV...: exit 78 with one error line holding
# WORDS, and nothing made.
refused() {
	desc=$1
	words=$2
	shift 2
	start "$@"
	if [ "$rc" = 78 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] &&
	    grep -qF -- "$words" "$tmp/err" && [ ! -e "$tmp/state" ] &&
	    [ ! -e "$tmp/net.d" ]; then
		ok "$desc: exit 78, one message, nothing made"
	else
		echo "exit $rc" >"$tmp/rc"
		ls -la "$tmp" >"$tmp/ls"
		not_ok "$desc: exit 78 with \"$words\"" "$tmp/rc" "$tmp/err" \
		    "$tmp/ls"
	fi
}

refused "a missing XCNI_WORKER" \
    "xcni-supervisor: error: worker program $tmp/nonexistent (from \$XCNI_WORKER): No such file or directory; set XCNI_WORKER to the path of xcni-worker" \
    XCNI_WORKER="$tmp/nonexistent"

printf '#!/bin/sh\nexit 0\n' >"$tmp/worker"
chmod 644 "$tmp/worker"
# root may run any file with an x bit; none is set here.
refused "an XCNI_WORKER that is not executable" \
    "worker program $tmp/worker (from \$XCNI_WORKER): not executable" \
    XCNI_WORKER="$tmp/worker"

mkdir "$tmp/dir"
refused "an XCNI_WORKER that is a directory" \
    "worker program $tmp/dir (from \$XCNI_WORKER): not a regular file" \
    XCNI_WORKER="$tmp/dir"

# The installed worker, when this build is not installed (--check tells).
env -i PATH=/usr/bin:/bin timeout 10 "$bin" --check -c "$ini" \
    >"$tmp/out" 2>"$tmp/err"
default=$(sed -n 's/^.*worker program \([^ ]*\) (the install directory.*$/\1/p' \
    "$tmp/err")
if [ -z "$default" ]; then
	skip "a missing installed worker is refused" "xcni-worker is installed"
else
	refused "a missing installed worker" \
	    "xcni-supervisor: error: worker program $default (the install directory ${default%/xcni-worker}): No such file or directory; install xcni-worker there, or set XCNI_WORKER to its path"
fi

env -i PATH=/usr/bin:/bin XCNI_WORKER="$tmp/nonexistent" \
    timeout 10 "$bin" --check -c "$ini" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--check says so, as a warning naming the path (exit $rc)" \
    grep -qx "$ini: warning: worker program $tmp/nonexistent (from \$XCNI_WORKER): No such file or directory; set XCNI_WORKER to the path of xcni-worker; the supervisor will not start" \
    "$tmp/err"
check "and still prints the valid file, exit 0" \
    test "$rc" = 0 -a -n "$(grep -x '\[xcluster\]' "$tmp/out")"
env -i PATH=/usr/bin:/bin XCNI_WORKER="$top_builddir/worker/xcni-worker" \
    timeout 10 "$bin" --check -c "$ini" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "--check is quiet about a worker that can run" \
    test "$rc" = 0 -a ! -s "$tmp/err"

done_testing
