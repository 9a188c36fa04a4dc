# engine.sh: helpers of the whole-apply engine tests (crash.sh, faults.sh),
# sourced after $wizard and $work are set (POSIX sh).
#
#   fresh                  $work/root becomes a copy of $work/pristine
#   run [VAR=VAL...] -- ARGS
#                          the wizard on $work/root with those variables;
#                          stdout to $work/out, stderr to $work/err, the
#                          exit status in $status
#   clean_tree             true when no temporary file of fsio or pmxcfs is
#                          left anywhere in $work/root

fresh() {
	rm -rf "$work/root"
	cp -a "$work/pristine" "$work/root"
}

run() {
	env_=
	while [ "$1" != "--" ]; do
		env_="$env_ $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	env $env_ "$wizard" --root "$work/root" "$@" \
		>"$work/out" 2>"$work/err" </dev/null
	status=$?
}

clean_tree() {
	[ -z "$(find "$work/root" -name '*.vw-*' -o -name '*.tmp.[0-9]*' |
		head -1)" ]
}
