# tap.sh: TAP output helpers for the shell tests (sourced, POSIX sh).
#
# The test harness runs every test through build-aux/tap-driver.sh, which
# reads "ok N - ..." / "not ok N - ..." lines and a "1..N" plan from stdout.
#
#   tap_plan N             print the plan first (or call tap_done at the end)
#   tap_ok DESC            a passing case
#   tap_not_ok DESC        a failing case
#   tap_result RC DESC     ok when RC is 0
#   tap_skip DESC REASON   a skipped case
#   tap_diag TEXT...       diagnostics ("# " lines; reads stdin without args)
#   tap_diag_file FILE [N] the first N (200) lines of FILE as diagnostics
#   tap_same_file EXPECTED ACTUAL DESC
#                          ok when the files are equal, else not ok and the
#                          unified diff as diagnostics
#   tap_same_text EXPECTED ACTUAL DESC   the same for two strings
#   tap_bail REASON        abort the whole test ("Bail out!")
#   tap_done               print the plan if none was given; exit 0
#
# Failures are reported in the TAP stream; the script itself exits 0.

tap_n=0
tap_failed=0
tap_planned=

tap_plan() {
	tap_planned=$1
	echo "1..$1"
}

# A description must not carry a bare "#": TAP would read a directive.
tap_desc_() {
	printf '%s' "$*" | tr '\n' ' ' | sed 's/#/\\#/g'
}

tap_ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $(tap_desc_ "$@")"
}

tap_not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $(tap_desc_ "$@")"
}

tap_result() {
	tap_rc_=$1
	shift
	if [ "$tap_rc_" -eq 0 ]; then
		tap_ok "$@"
	else
		tap_not_ok "$@"
	fi
}

tap_skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $(tap_desc_ "$1") # SKIP $(tap_desc_ "${2:-}")"
}

tap_diag() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$@" | sed 's/^/# /'
	else
		sed 's/^/# /'
	fi
}

tap_diag_file() {
	if [ -s "$1" ]; then
		head -n "${2:-200}" "$1" | sed 's/^/# /'
	fi
}

tap_same_file() {
	if cmp -s "$1" "$2"; then
		tap_ok "$3"
	else
		tap_not_ok "$3"
		if [ ! -e "$1" ]; then
			tap_diag "missing: $1"
		else
			diff -u "$1" "$2" | head -n 200 | tap_diag
		fi
	fi
}

tap_same_text() {
	tap_tmp_=$(mktemp "${TMPDIR:-/tmp}/tap.XXXXXX")
	printf '%s\n' "$1" >"$tap_tmp_.want"
	printf '%s\n' "$2" >"$tap_tmp_"
	tap_same_file "$tap_tmp_.want" "$tap_tmp_" "$3"
	rm -f "$tap_tmp_" "$tap_tmp_.want"
}

tap_bail() {
	echo "Bail out! $(tap_desc_ "$@")"
	exit 1
}

tap_done() {
	if [ -z "$tap_planned" ]; then
		echo "1..$tap_n"
	elif [ "$tap_planned" -ne "$tap_n" ]; then
		tap_diag "planned $tap_planned tests but ran $tap_n"
	fi
	exit 0
}
