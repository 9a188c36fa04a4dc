#!/bin/sh
# check-hosts.sh: the scenario tests. For every fixture host
# tests/hosts/NAME.yaml, under the tripwire:
#   - `vfio-wizard check --replay SPEC` (text) and `check --replay SPEC
#     --json`: stdout and exit status against tests/cli/golden/NAME.txt,
#     NAME.json and NAME.exit;
#   - `vfio-wizard replay SPEC DIR`, then `check --root DIR` with DIR as the
#     tripwire's root: the same golden text and exit status.
# Once: `--demo list` names every host, and (when po/de.po has translations)
# a German run really is German.
#
# UPDATE_GOLDEN=1 rewrites the golden files from the --replay runs (review
# the diff before committing them). Runs with LC_ALL=C and LANGUAGE= empty.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"

. "$top_srcdir/tests/lib/cli.sh"
golden=$(tw_abs "$top_srcdir/tests/cli/golden")
TW_TIMEOUT=${TW_TIMEOUT:-300}

cli_workdir check-hosts
mkdir "$work/trees" "$work/out"

# run OUT ROOT CMD...: run under the tripwire with ROOT as its root; stdout
# to OUT, stderr to OUT.err, the exit status in $status, 99 in $trip if the
# tripwire caught something (else 0).
run() {
	r_out=$1 r_root=$2
	shift 2
	trip=0
	tw_run "$r_root" "$@" >"$r_out" 2>"$r_out.err" || trip=$?
	status=$tw_status
	[ "$trip" -eq 99 ] || trip=0
}

# verdict DESC OUT GOLDEN EXIT_GOLDEN: one TAP line for a run: stdout equal
# to GOLDEN, status equal to EXIT_GOLDEN, nothing caught by the tripwire.
verdict() {
	v_desc=$1 v_out=$2 v_gold=$3 v_exit=$4
	v_why=
	if [ "$trip" -ne 0 ]; then
		v_why="the tripwire caught accesses outside the root"
	elif [ ! -f "$v_gold" ] || [ ! -f "$v_exit" ]; then
		v_why="no golden $(basename "$v_gold") or $(basename "$v_exit")"
		v_why="$v_why (UPDATE_GOLDEN=1 writes them)"
	elif ! cmp -s "$v_gold" "$v_out"; then
		v_why="stdout differs from $(basename "$v_gold")"
	elif [ "$status" != "$(cat "$v_exit")" ]; then
		v_why="exit status $status, golden $(cat "$v_exit")"
	fi
	if [ -z "$v_why" ]; then
		tap_ok "$v_desc"
		return
	fi
	tap_not_ok "$v_desc"
	tap_diag "$v_why (exit status $status)"
	if [ -f "$v_gold" ] && [ "$trip" -eq 0 ]; then
		diff -u "$v_gold" "$v_out" | head -n 150 | tap_diag
	fi
	tap_diag_file "$v_out.err" 60
}

# golden_update DESC OUT GOLDEN [EXIT_GOLDEN]: rewrite golden files.
golden_update() {
	if [ "$trip" -ne 0 ]; then
		tap_not_ok "$1: not updated"
		tap_diag_file "$2.err" 60
		return
	fi
	mkdir -p "$golden" && cp "$2" "$3" &&
		{ [ $# -lt 4 ] || echo "$status" >"$4"; }
	tap_result $? "$1: golden file updated"
	tap_diag_file "$2.err" 20
}

if [ ! -x "$wizard" ]; then
	tap_not_ok "$wizard is built"
	tap_done
fi

specs=$(ls "$hosts"/*.yaml 2>/dev/null)
if [ -z "$specs" ]; then
	tap_not_ok "tests/hosts holds fixture host specs"
	tap_done
fi

for spec in $specs; do
	name=$(basename "$spec" .yaml)
	out=$work/out/$name
	tree=$work/trees/$name

	run "$out.txt" "$TMPDIR" "$wizard" check --replay "$spec"
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		golden_update "$name: check --replay" "$out.txt" \
			"$golden/$name.txt" "$golden/$name.exit"
	else
		verdict "$name: check --replay" "$out.txt" "$golden/$name.txt" \
			"$golden/$name.exit"
	fi

	run "$out.json" "$TMPDIR" "$wizard" check --replay "$spec" --json
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		golden_update "$name: check --replay --json" "$out.json" \
			"$golden/$name.json"
	else
		verdict "$name: check --replay --json" "$out.json" \
			"$golden/$name.json" "$golden/$name.exit"
	fi

	mkdir "$tree"
	run "$out.replay" "$tree" "$wizard" replay "$spec" "$tree"
	if [ "$trip" -eq 0 ] && [ "$status" -eq 0 ]; then
		tap_ok "$name: replay SPEC DIR"
	else
		tap_not_ok "$name: replay SPEC DIR"
		tap_diag "exit status $status"
		tap_diag_file "$out.replay.err" 60
	fi

	run "$out.root" "$tree" "$wizard" check --root "$tree"
	verdict "$name: check --root DIR (the replayed tree)" "$out.root" \
		"$golden/$name.txt" "$golden/$name.exit"
	rm -rf "$tree"
done

# --demo list: every fixture host is a demo host
run "$work/out/demo-list" "$TMPDIR" "$wizard" check --demo list
missing=
for spec in $specs; do
	name=$(basename "$spec" .yaml)
	grep -qw -- "$name" "$work/out/demo-list" || missing="$missing $name"
done
if [ "$trip" -eq 0 ] && [ "$status" -eq 0 ] && [ -z "$missing" ]; then
	tap_ok "--demo list names every host"
else
	tap_not_ok "--demo list names every host"
	tap_diag "exit status $status; missing:${missing:- none}"
	tap_diag_file "$work/out/demo-list.err" 20
fi

# German: only once po/de.po has translations
de_po=$top_srcdir/po/de.po
translated=0
if command -v msgfmt >/dev/null 2>&1 && [ -f "$de_po" ]; then
	mkdir -p "$work/locale/de/LC_MESSAGES"
	translated=$(msgfmt --statistics -o "$work/locale/de/LC_MESSAGES/vfio-wizard.mo" \
		"$de_po" 2>&1 | sed -n 's/^\([0-9][0-9]*\) translated.*/\1/p')
fi
if [ "${translated:-0}" -gt 0 ]; then
	spec=$(echo "$specs" | head -n 1)
	name=$(basename "$spec" .yaml)
	run "$work/out/c.txt" "$TMPDIR" "$wizard" check --replay "$spec"
	c_status=$status
	# gettext ignores LANGUAGE in the "C" locale, not in C.UTF-8
	LC_ALL=C.UTF-8 LANGUAGE=de VFIO_WIZARD_LOCALEDIR=$work/locale
	export VFIO_WIZARD_LOCALEDIR
	run "$work/out/de.txt" "$TMPDIR" "$wizard" check --replay "$spec"
	LC_ALL=C LANGUAGE=
	unset VFIO_WIZARD_LOCALEDIR
	if [ "$trip" -eq 0 ] && [ "$status" = "$c_status" ] &&
		[ -s "$work/out/de.txt" ] &&
		! cmp -s "$work/out/de.txt" "$work/out/c.txt"; then
		tap_ok "$name: LANGUAGE=de uses the German catalogue"
	else
		tap_not_ok "$name: LANGUAGE=de uses the German catalogue"
		tap_diag "exit status $status (C: $c_status); or not translated"
		tap_diag_file "$work/out/de.txt.err" 20
	fi
else
	tap_skip "LANGUAGE=de uses the German catalogue" \
		"po/de.po has no translations yet"
fi

tap_done
