#!/bin/sh
# The man pages: each one the project promises (and xcni.service names) is
# installed by `make install`, and mandoc -Tlint finds no warning or error in any
# installed page (style notes are shown, not counted).
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

pages="xcni-supervisor.8 xcni-worker.8 xcni.ini.5 kube-node.8"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

n=0
result() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

make -s -C "$top_builddir" install DESTDIR="$tmp/root" > "$tmp/make.log" 2>&1
rc=$?
[ $rc -eq 0 ] || sed 's/^/# /' "$tmp/make.log"
result $rc "make install DESTDIR"

for page in $pages; do
	found=$(find "$tmp/root" -path "*/man/man${page##*.}/$page")
	if [ -n "$found" ]; then
		result 0 "$page installed"
	else
		# Written by the owner of the program it documents.
		n=$((n + 1))
		if [ -f "$top_srcdir/man/$page" ]; then
			echo "not ok $n - $page installed"
		else
			echo "not ok $n - $page installed # TODO not written yet"
		fi
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

if ! command -v mandoc > /dev/null; then
	n=$((n + 1))
	echo "ok $n - mandoc -Tlint # SKIP no mandoc"
else
	for f in $(find "$tmp/root" -path '*/man/man[0-9]/*' -type f | sort); do
		mandoc -Tlint "$f" > "$tmp/lint" 2>&1
		mandoc -Tlint -Wwarning "$f" > /dev/null 2>&1
		rc=$?
		sed "s|$tmp/root||; s/^/# /" "$tmp/lint"
		result $rc "mandoc -Tlint: ${f##*/}"
	done
fi

echo "1..$n"
