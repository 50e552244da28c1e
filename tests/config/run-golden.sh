#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Golden tests of xcni-supervisor --check, one TAP test per case:
# valid/NAME.ini must exit 0 printing valid/NAME.out (and, on stderr, the
# warnings in valid/NAME.err if that exists), and its output must check to
# itself; invalid/NAME.ini must exit 1 printing exactly invalid/NAME.err.
# Cases that should not be committed (a 1 MB line, binary bytes) are made
# here. Paths are given relative, as the messages show them.
set -u

bin="$top_builddir/supervisor/xcni-supervisor"
. "$top_srcdir/tests/tap.sh"
cd "$top_srcdir/tests/config" || exit 1
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The same environment everywhere: no host name, no $KUBECONFIG.
run_check() {
	env -i PATH=/usr/bin:/bin NODE_NAME=node-1 \
	    XCNI_WORKER="$top_builddir/worker/xcni-worker" "$bin" --check "$@" \
	    >"$tmp/stdout" 2>"$tmp/stderr"
	echo $? >"$tmp/rc"
}

expect() {	# name rc stdout-file stderr-file ("-": not compared)
	want_err=$4
	[ "$want_err" = - ] && want_err="$tmp/stderr"
	printf '%s\n' "$2" >"$tmp/want-rc"
	if cmp -s "$tmp/rc" "$tmp/want-rc" && cmp -s "$tmp/stdout" "$3" &&
	    cmp -s "$tmp/stderr" "$want_err"; then
		ok "$1"
	else
		diff -u "$3" "$tmp/stdout" >"$tmp/diff-out"
		diff -u "$want_err" "$tmp/stderr" >"$tmp/diff-err"
		echo "exit status $(cat "$tmp/rc"), expected $2" >"$tmp/why"
		not_ok "$1" "$tmp/why" "$tmp/diff-out" "$tmp/diff-err"
	fi
}

valid=$(ls valid/*.ini)
invalid=$(ls invalid/*.ini)

: >"$tmp/empty"
for f in $valid; do
	base=${f%.ini}
	err="$base.err"
	[ -f "$err" ] || err="$tmp/empty"
	run_check -c "$f"
	expect "$f" 0 "$base.out" "$err"
	# What --check prints is what a worker is sent: it must read back
	# to itself.
	cp "$base.out" "$tmp/printed.ini"
	run_check -c "$tmp/printed.ini"
	expect "$f: printed form reads back" 0 "$base.out" -
done
for f in $invalid; do
	run_check -c "$f"
	expect "$f" 1 "$tmp/empty" "${f%.ini}.err"
done

# The example's user, xcni, need not exist on a test machine.
sed 's/^;user = xcni$/user = 65532:65532/' "$top_srcdir/etc/xcni.ini" >"$tmp/example.ini"
run_check -c "$tmp/example.ini"
expect "etc/xcni.ini" 0 example.out "$tmp/empty"

# Generated cases run in $tmp (in a subshell), so the messages show short
# names; a valid one must print what valid/minimal.ini prints.
gen() {	# name rc stderr-text, with the file $tmp/NAME made by the caller
	(cd "$tmp" && env -i PATH=/usr/bin:/bin NODE_NAME=node-1 \
	    XCNI_WORKER="$top_builddir/worker/xcni-worker" "$bin" \
	    --check -c "$1" >stdout 2>stderr; echo $? >rc)
	printf '%s' "$3" >"$tmp/want-err"
	if [ "$2" = 0 ]; then
		expect "generated $1" 0 valid/minimal.out "$tmp/want-err"
	else
		expect "generated $1" "$2" "$tmp/empty" "$tmp/want-err"
	fi
}
minimal='[global]
user = 65534:65534
[xcluster]
'

{ printf '[global]\nuser = 65534:65534\nnode-name = '
  head -c 1000000 /dev/zero | tr '\0' x
  printf '\n[xcluster]\n'; } >"$tmp/long-line.ini"
gen long-line.ini 1 'long-line.ini:3: line too long (1000012 bytes, at most 4096)
'

{ printf '[global]\nuser = 65534:65534\nnode-name = '
  head -c 4096 /dev/zero | tr '\0' x
  printf '\n[xcluster]\n'; } >"$tmp/line-4096.ini"
gen line-4096.ini 1 'line-4096.ini:3: line too long (4108 bytes, at most 4096)
'

{ printf '[global]\nuser = 65534:65534\nstate-dir = /run/'
  head -c 4070 /dev/zero | tr '\0' x
  printf '\n[xcluster]\n'; } >"$tmp/value-too-long.ini"
gen value-too-long.ini 1 "value-too-long.ini:3: state-dir: \"/run/$(head -c 63 /dev/zero | tr '\0' x)...\" is not allowed; use an absolute path of at most 1024 bytes without blanks, \".\" or \"..\"
"

printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000\003\000>\000\001\000\000\000\n\000[x]\n' \
    >"$tmp/binary.ini"
gen binary.ini 1 'binary.ini:1: NUL byte: this is not a text file
binary.ini: no network defined; add a [NAME] section (see xcni.ini(5))
'

printf '[global]\nuser = 65534:65534\n[xcluster]\nmtu = 15\37700\n; caf\303\251 is fine in a comment\n\033[31m\n' \
    >"$tmp/not-utf8.ini"
gen not-utf8.ini 1 'not-utf8.ini:4: byte 0xff in column 9: the file must be UTF-8 text without control characters
not-utf8.ini:6: byte 0x1b in column 1: the file must be UTF-8 text without control characters
'

{ printf '[global]\n'; head -c 1100000 /dev/zero | tr '\0' ';'; } \
    >"$tmp/too-large.ini"
gen too-large.ini 1 'too-large.ini: cannot read: larger than 1048576 bytes
'

gen missing.ini 1 'missing.ini: cannot read: No such file or directory
'

mkdir "$tmp/dir.ini"
gen dir.ini 1 'dir.ini: cannot read: Is a directory
'

printf '%s' "$minimal" | sed 's/$/\r/' >"$tmp/crlf.ini"
gen crlf.ini 0 ''

printf '\357\273\277%s' "$minimal" >"$tmp/bom.ini"
gen bom.ini 0 ''

printf '%s' "$minimal" | head -c -1 >"$tmp/no-final-newline.ini"
gen no-final-newline.ini 0 ''

printf '[xcluster]\n' >"$tmp/default-user.ini"
if getent passwd xcni >/dev/null; then
	skip "generated default-user.ini" "this machine has a user xcni"
else
	gen default-user.ini 1 'default-user.ini: user: the default user "xcni" does not exist; create it (useradd --system xcni) or set user = NAME or UID[:GID]
'
fi

env -i "$bin" --version >"$tmp/stdout" 2>"$tmp/stderr"
if [ $? = 0 ] && grep -q '^xcni-supervisor (xcni) [0-9]' "$tmp/stdout" &&
    [ ! -s "$tmp/stderr" ]; then
	ok "--version"
else
	not_ok "--version" "$tmp/stdout" "$tmp/stderr"
fi

env -i "$bin" --help >"$tmp/stdout" 2>"$tmp/stderr"
if [ $? = 0 ] && grep -q -- '--check' "$tmp/stdout" && [ ! -s "$tmp/stderr" ]
then
	ok "--help"
else
	not_ok "--help" "$tmp/stdout" "$tmp/stderr"
fi

env -i "$bin" --bogus >"$tmp/stdout" 2>"$tmp/stderr"
if [ $? = 64 ] && grep -q 'usage:' "$tmp/stderr" && [ ! -s "$tmp/stdout" ]
then
	ok "unknown option: usage, exit 64"
else
	not_ok "unknown option: usage, exit 64" "$tmp/stdout" "$tmp/stderr"
fi

done_testing
