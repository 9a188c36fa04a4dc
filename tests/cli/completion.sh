#!/bin/sh
# completion.sh: the bash completion (completion/vfio-wizard) on a replayed
# fixture root. Sets COMP_WORDS and COMP_CWORD as bash does, calls the
# completion function and compares COMPREPLY for each kind of word: the
# commands, the options, --mode values, --demo names, --device addresses and
# --vm ids (from the fixture tree given with --root, never the real /sys or
# /etc/pve), file and directory names, replay's SPEC and DIR. bash runs under
# the tripwire with the fixture as its root. Uses bash-completion's
# _init_completion when bash-completion is installed, else a small shim.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"

if ! command -v bash >/dev/null; then
	echo "1..0 # SKIP bash is not installed"
	exit 0
fi
. "$top_srcdir/tests/lib/cli.sh"
script=$(tw_abs "$top_srcdir/completion/vfio-wizard")

cli_workdir completion
root=$work/root
# bash's own files (its cwd, HOME, the driver) live inside the fixture root
files=$root/tmp/completion

bashcomp=/usr/share/bash-completion/bash_completion
if [ ! -f "$bashcomp" ]; then
	bashcomp=
fi
# What bash-completion itself reads when it is sourced (its service, SELinux
# and distribution probes): none of it is host state the script looks at.
TRIPWIRE_ALLOW=$(tw_abs "$top_srcdir/completion")
if [ -n "$bashcomp" ]; then
	TRIPWIRE_ALLOW=$TRIPWIRE_ALLOW:/usr/share/bash-completion:/etc/bash_completion.d:/etc/init.d:/etc/rc.d:/etc/slackware-version:/etc/selinux:/proc/filesystems
fi
TRIPWIRE_EXEC=$wizard
export TRIPWIRE_ALLOW TRIPWIRE_EXEC
# the only accesses outside the root bash itself makes: stat and eaccess of
# its own binary, and stat of the directories above its cwd and of the
# caller's $PWD
{
	for b in /usr/bin/bash /bin/bash; do
		printf 'tripwire: stat %s\ntripwire: eaccess %s\n' "$b" "$b"
	done
	printf 'tripwire: stat %s\n' "$(pwd)" "$(pwd -P)"
	d=$files
	while [ "$d" != / ] && [ -n "$d" ]; do
		d=$(dirname "$d")
		printf 'tripwire: stat %s\n' "$d"
	done
} >"$work/benign"

# The driver bash runs: bash-completion (or the shim), the script, then
# COMP_WORDS from its arguments with the cursor on the last one; prints
# COMPREPLY sorted, one a line.
cat >"$work/driver.bash" <<'DRIVER'
if [[ -n $VW_BASHCOMP ]]; then
	. "$VW_BASHCOMP"
else
	# the part of bash-completion's API the script uses
	shopt -s extglob
	_init_completion() {
		local OPTIND o
		split=false
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${words[cword]}
		prev=${words[cword - 1]}
		while getopts sn: o; do
			if [[ $o == s && $cur == --?*=* ]]; then
				prev=${cur%%=*}
				cur=${cur#*=}
				split=true
			fi
		done
		return 0
	}
	_filedir() {
		local IFS=$'\n'
		if [[ ${1:-} == -d ]]; then
			COMPREPLY=($(compgen -d -- "$cur"))
		elif [[ -n ${1:-} ]]; then
			COMPREPLY=($(compgen -d -- "$cur")
				$(compgen -f -X "!*.@($1)" -- "$cur"))
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
	}
	__ltrim_colon_completions() {
		local prefix=${1%"${1##*:}"} i
		[[ $1 == *:* ]] || return 0
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$prefix"}
		done
	}
fi
. "$VW_SCRIPT"
COMP_WORDS=("$@")
COMP_CWORD=$(($# - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_vfio_wizard vfio-wizard "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
for w in "${COMPREPLY[@]}"; do
	printf '%s\n' "$w"
done
DRIVER

# comp DESC EXPECTED WORD...: complete the last WORD (bash in $files, under
# the tripwire with the fixture as its root) and compare the sorted COMPREPLY,
# one a line, with EXPECTED. compf: the same for file names, without the
# tripwire (bash's file name completion asks NSS about users; the files are
# the test's own).
comp() {
	c_tw=1
	comp_ "$@"
}
compf() {
	c_tw=0
	comp_ "$@"
}
comp_() {
	c_desc=$1 c_want=$2
	shift 2
	c_trip=0
	if [ "$c_tw" -eq 1 ]; then
		(cd "$files" && HOME=$files PATH=/usr/bin:/bin \
			VW_BASHCOMP=$bashcomp VW_SCRIPT=$script \
			tw_run "$root" bash --norc --noprofile \
			"$files/driver.bash" "$@") >"$work/raw" 2>"$work/err" ||
			c_trip=$?
	else
		(cd "$files" && HOME=$files VW_BASHCOMP=$bashcomp \
			VW_SCRIPT=$script bash --norc --noprofile \
			"$files/driver.bash" "$@") >"$work/raw" 2>"$work/err"
	fi
	LC_ALL=C sort -u "$work/raw" | sed '/^$/d' >"$work/out"
	# bash's start-up looks at itself and at its cwd's and $PWD's parents
	if [ "$c_trip" -eq 99 ] && ! grep '^tripwire: ' "$work/err" |
		grep -v "^tripwire: bash touched" | grep -Fxvq -f "$work/benign"
	then
		c_trip=0
		: >"$work/err"
	fi
	if [ "$c_trip" -eq 99 ]; then
		tap_not_ok "$c_desc: the tripwire caught a path outside the root"
		tap_diag_file "$work/err"
		return
	fi
	tap_same_text "$c_want" "$(cat "$work/out")" "$c_desc"
	if [ -s "$work/err" ]; then
		tap_diag_file "$work/err"
	fi
}

tap_plan 20

tw_run "$root" "$wizard" replay "$hosts/i7-4770-pve8.yaml" "$root" \
	>"$work/replay.out" 2>&1
tap_result $? "replay i7-4770-pve8 into the fixture root" ||
	tap_diag_file "$work/replay.out"
mkdir -p "$files/specs" && cp "$work/driver.bash" "$files/driver.bash" ||
	tap_bail "cannot set up $files"

nl='
'
cmds="apply${nl}check${nl}help${nl}plan${nl}replay${nl}report${nl}resume${nl}status${nl}undo"
comp "the commands" "$cmds" "$wizard" ""
comp "commands starting with 'r'" "replay${nl}report${nl}resume" "$wizard" r
comp "commands after --root DIR" "$cmds" "$wizard" --root "$root" ""
comp "no second command" "" "$wizard" check ""
comp "options starting with --r" "--replay${nl}--romfile${nl}--root" \
	"$wizard" --r
comp "options after a command" "--demo${nl}--device" "$wizard" check --de
comp "report's options" "--no-redact" "$wizard" report --no
comp "--mode values" "gvt-g${nl}legacy-igd${nl}sr-iov${nl}vfio" \
	"$wizard" plan --mode ""
comp "--mode=l" "legacy-igd" "$wizard" plan --mode=l

demos=$(ls "$hosts" | sed -n 's/\.yaml$//p')
comp "--demo names" "$(printf 'list\n%s\n' "$demos" | LC_ALL=C sort -u)" \
	"$wizard" --demo ""
comp "--demo i7" "$(printf '%s\n' "$demos" | grep '^i7' | LC_ALL=C sort)" \
	"$wizard" check --demo i7

devs=$(ls "$root/sys/bus/pci/devices")
short=$(printf '%s\n' "$devs" | sed -n 's/^0000://p')
comp "--device addresses from the root" \
	"$(printf '%s\n%s\n' "$devs" "$short" | LC_ALL=C sort -u)" \
	"$wizard" --root "$root" plan --device ""
comp "--device 00:0 (short form, colon kept out)" \
	"$(printf '%s\n' "$short" | sed -n 's/^00:0/0/p' | LC_ALL=C sort)" \
	"$wizard" --root "$root" plan --device 00:0
comp "--device 0000:00:1f (full form)" \
	"$(printf '%s\n' "$devs" | sed -n 's/^0000:00:1f/1f/p' | LC_ALL=C sort)" \
	"$wizard" --root="$root" check --device 0000:00:1f
comp "--vm ids from the root" "100${nl}101" \
	"$wizard" --root "$root" plan --device 00:02.0 --vm ""

touch "$files/specs/host.yaml" "$files/specs/answers.yml" \
	"$files/specs/notes.txt"
compf "--answers: YAML files and directories" \
	"specs/answers.yml${nl}specs/host.yaml" "$wizard" apply --answers specs/
compf "--root: directories" "specs" "$wizard" --root sp
compf "--romfile: any file" \
	"specs/answers.yml${nl}specs/host.yaml${nl}specs/notes.txt" \
	"$wizard" plan --romfile specs/
compf "replay SPEC" "specs/answers.yml${nl}specs/host.yaml" \
	"$wizard" replay specs/
tap_done
