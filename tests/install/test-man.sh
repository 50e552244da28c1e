#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The man pages: each one the project promises (and xcni.service names) is
# installed by `make install`, and mandoc -Tlint finds no warning or error in any
# installed page (style notes are shown, not counted).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/tap.sh"

pages="xcni-supervisor.8 xcni-worker.8 xcni.ini.5 kube-node.8"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

make -s -C "$top_builddir" install DESTDIR="$tmp/root" > "$tmp/make.log" 2>&1
result $? "make install DESTDIR" "$tmp/make.log"

for page in $pages; do
	found=$(find "$tmp/root" -path "*/man/man${page##*.}/$page")
	if [ -n "$found" ]; then
		ok "$page installed"
	else
		find "$tmp/root" -path '*/man/*' >"$tmp/man-found"
		not_ok "$page installed (installed pages below)" "$tmp/man-found"
	fi
done

# What xcni.service points its users to.
missing=
for doc in $(sed -n 's/^Documentation=//p' "$top_srcdir/systemd/xcni.service.in"); do
	page=$(echo "$doc" | sed -n 's/^man:\(.*\)(\([0-9]\))$/\1.\2/p')
	case " $pages " in
	*" $page "*) ;;
	*) missing="$missing $doc" ;;
	esac
done
[ -z "$missing" ]
result $? "xcni.service's Documentation= pages are among them${missing:+:$missing}"

if need_for "mandoc -Tlint" mandoc; then
	for f in $(find "$tmp/root" -path '*/man/man[0-9]/*' -type f | sort); do
		mandoc -Tlint "$f" 2>&1 | sed "s|$tmp/root||" > "$tmp/lint"
		mandoc -Tlint -Wwarning "$f" > /dev/null 2>&1
		rc=$?
		result $rc "mandoc -Tlint: ${f##*/}" "$tmp/lint"
		# Style notes are shown, not counted.
		[ $rc -ne 0 ] || sed 's/^/# /' "$tmp/lint"
	done
fi
done_testing
