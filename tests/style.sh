#!/bin/sh
# style.sh: the tree follows its own rules: every C file is clang-format
# clean against .clang-format, carries a purpose comment at the top, and
# stays under 700 lines (the guideline is about 600).
set -u
: "${top_srcdir:=.}"
. "$top_srcdir/tests/lib/tap.sh"

cd "$top_srcdir" || tap_bail "no source tree"
files=$(find src include tests -name '*.[ch]' | sort)
[ -n "$files" ] || tap_bail "no C files found"

if command -v clang-format >/dev/null 2>&1; then
	bad=
	for f in $files; do
		clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
	done
	if [ -z "$bad" ]; then
		tap_ok "every C file is clang-format clean"
	else
		tap_not_ok "every C file is clang-format clean"
		tap_diag "not clean:$bad"
	fi
else
	tap_skip "clang-format" "clang-format is not installed"
fi

bad=
for f in $files; do
	head -n 3 "$f" | grep -q '^/\*' || bad="$bad $f"
done
if [ -z "$bad" ]; then
	tap_ok "every C file opens with a purpose comment"
else
	tap_not_ok "every C file opens with a purpose comment"
	tap_diag "without:$bad"
fi

bad=
for f in $files; do
	n=$(wc -l <"$f")
	[ "$n" -le 700 ] || bad="$bad $f($n)"
done
if [ -z "$bad" ]; then
	tap_ok "no C file over 700 lines"
else
	tap_not_ok "no C file over 700 lines"
	tap_diag "too long:$bad"
fi
tap_done
