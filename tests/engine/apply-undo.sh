#!/bin/sh
# apply-undo.sh: the engine end to end on the i7-4770 fixture host, with
# the engine's test steps (VFIO_WIZARD_TEST_STEPS=1), every run under the
# tripwire: the plan equals its golden diff and is the same twice; apply
# asks (and refuses without a terminal), then with --yes writes the golden
# tree, runs each command once and says a reboot is needed; a second plan is
# empty; undo gives back the original tree byte for byte, modes and owners
# included, runs the commands again, and undo twice equals undo once. Then
# undo refuses to clobber a file changed since, until --force; resume waits
# for a reboot and verifies after one (a new boot id), and undo after it
# says a reboot is needed (exit 4); and Proxmox's guards
# (a running VM, a config's `lock:` key, /etc/pve without quorum) refuse
# before anything changes.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/tripwire.sh"
. "$top_srcdir/tests/lib/tree.sh"

wizard=$(tw_abs "$top_builddir/vfio-wizard")
golden=$(tw_abs "$top_srcdir/tests/engine/golden")
host=i7-4770-pve8
spec=$(tw_abs "$top_srcdir/tests/hosts/$host.yaml")
LC_ALL=C
LANGUAGE=
VFIO_WIZARD_TEST_STEPS=1
VFIO_WIZARD_DATADIR=${VFIO_WIZARD_DATADIR:-$(tw_abs "$top_srcdir/data")}
export LC_ALL LANGUAGE VFIO_WIZARD_TEST_STEPS VFIO_WIZARD_DATADIR
unset LANG LC_MESSAGES VFIO_WIZARD_LOCALEDIR

work=$(mktemp -d "${TMPDIR:-/tmp}/vw-engine.XXXXXX") || tap_bail mktemp
trap 'rm -rf "$work"' EXIT
work=$(cd "$work" && pwd -P)
TMPDIR=$work/tmp
mkdir "$TMPDIR"
export TMPDIR
root=$work/root
fakelog=$root/var/log/vfio-wizard-fake-commands.log

# wiz OUT ARGS...: the wizard on the fixture root, under the tripwire;
# stdout+stderr to OUT, the exit status in $status.
wiz() {
	w_out=$1
	shift
	tw_run "$root" "$wizard" --root "$root" "$@" >"$w_out" 2>&1 </dev/null
	w_rc=$?
	status=$tw_status
	if [ "$w_rc" -eq 99 ]; then
		tap_not_ok "tripwire: $* stayed inside the root"
		tap_diag_file "$w_out"
	fi
}

expect_status() {
	if [ "$status" -eq "$1" ]; then
		tap_ok "$2 (exit $1)"
	else
		tap_not_ok "$2 (exit $1, got $status)"
		tap_diag_file "$3"
	fi
}

# golden NAME FILE DESC: compare with tests/engine/golden/NAME
golden() {
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		cp "$2" "$golden/$1"
	fi
	tap_same_file "$golden/$1" "$2" "$3"
}

"$wizard" replay "$spec" "$root" || tap_bail "replay failed"
tree_manifest "$root" >"$work/orig"

wiz "$work/plan1" plan --vm 100
expect_status 0 "plan" "$work/plan1"
golden "$host.plan" "$work/plan1" "the plan equals its golden diff"
wiz "$work/plan2" plan --vm 100
tap_same_file "$work/plan1" "$work/plan2" "planning twice gives the same plan"

wiz "$work/noyes" apply --vm 100
expect_status 2 "apply without --yes and no terminal is refused" "$work/noyes"
tree_manifest "$root" >"$work/t"
tap_same_file "$work/orig" "$work/t" "... and changes nothing"

wiz "$work/apply" apply --yes --vm 100
expect_status 4 "apply --yes says a reboot is needed" "$work/apply"
tree_manifest "$root" >"$work/after"
golden "$host.after" "$work/after" "after apply the tree is the golden tree"
cut -f1 "$fakelog" 2>/dev/null | sort | uniq -c | sed 's/^ *//' >"$work/cmds"
printf '1 update-grub\n1 update-initramfs\n' >"$work/cmds.want"
tap_same_file "$work/cmds.want" "$work/cmds" \
	"each regeneration command ran once (not once per step)"

wiz "$work/plan3" plan --vm 100
if grep -q "Nothing to do" "$work/plan3"; then
	tap_ok "a second plan is empty"
else
	tap_not_ok "a second plan is empty"
	tap_diag_file "$work/plan3"
fi
wiz "$work/status" status
if grep -q "Applied. Reboot" "$work/status"; then
	tap_ok "status says a reboot is awaited"
else
	tap_not_ok "status says a reboot is awaited"
	tap_diag_file "$work/status"
fi

wiz "$work/undo" undo
expect_status 0 "undo" "$work/undo"
tree_manifest "$root" >"$work/t"
tap_same_file "$work/orig" "$work/t" \
	"undo gives back the original tree, modes and owners included"
if [ "$(grep -c update-grub "$fakelog")" -eq 2 ]; then
	tap_ok "undo ran the regeneration commands again"
else
	tap_not_ok "undo ran the regeneration commands again"
	tap_diag_file "$fakelog"
fi
wiz "$work/undo2" undo
expect_status 0 "a second undo" "$work/undo2"
tree_manifest "$root" >"$work/t"
tap_same_file "$work/orig" "$work/t" "undo twice equals undo once"
if ls "$root"/var/lib/vfio-wizard/history/*.yaml >/dev/null 2>&1; then
	tap_ok "the undone transaction is kept in history/"
else
	tap_not_ok "the undone transaction is kept in history/"
fi

# someone edits a file the wizard wrote: undo must not clobber it
wiz "$work/apply2" apply --yes --vm 100
expect_status 4 "apply again after the undo" "$work/apply2"
echo "# an administrator's edit" >>"$root/etc/modprobe.d/vfio-wizard.conf"
cp "$root/etc/modprobe.d/vfio-wizard.conf" "$work/edited"
wiz "$work/undo3" undo
expect_status 3 "undo over a file changed since is refused" "$work/undo3"
if cmp -s "$work/edited" "$root/etc/modprobe.d/vfio-wizard.conf" &&
	grep -q "an administrator's edit" "$work/undo3"; then
	tap_ok "... the file is untouched and its diff is shown"
else
	tap_not_ok "... the file is untouched and its diff is shown"
	tap_diag_file "$work/undo3"
fi
wiz "$work/undo4" undo --force
expect_status 0 "undo --force" "$work/undo4"
tree_manifest "$root" >"$work/t"
tap_same_file "$work/orig" "$work/t" "undo --force restores the original tree"
# a reboot: the boot id changes; resume then verifies for real
wiz "$work/apply3" apply --yes --vm 100
expect_status 4 "apply once more" "$work/apply3"
wiz "$work/resume0" resume
expect_status 4 "resume before the reboot says a reboot is still needed" \
	"$work/resume0"
cp -p "$root/proc/sys/kernel/random/boot_id" "$work/boot_id"
echo 0b7e1f0c-7d0e-4f5e-9c1a-5d2e3f4a5b6c >"$root/proc/sys/kernel/random/boot_id"
wiz "$work/resume1" resume
expect_status 0 "resume after the reboot verifies" "$work/resume1"
if grep -q "verifying" "$work/resume1" && grep -q "test-modules: verified" \
	"$work/resume1"; then
	tap_ok "... each step's verify ran after the reboot"
else
	tap_not_ok "... each step's verify ran after the reboot"
	tap_diag_file "$work/resume1"
fi
wiz "$work/status2" status
if grep -q "Applied and verified" "$work/status2"; then
	tap_ok "status says applied and verified"
else
	tap_not_ok "status says applied and verified"
	tap_diag_file "$work/status2"
fi
wiz "$work/undo5" undo
expect_status 4 "undo after the reboot: a reboot is needed" "$work/undo5"
if grep -q "reboot it to boot the restored configuration" "$work/undo5"; then
	tap_ok "... and it says the host runs with the changes until then"
else
	tap_not_ok "... and it says the host runs with the changes until then"
	tap_diag_file "$work/undo5"
fi
cp -p "$work/boot_id" "$root/proc/sys/kernel/random/boot_id" # the test's own
tree_manifest "$root" >"$work/t"
tap_same_file "$work/orig" "$work/t" "undo after the reboot restores the tree"

# a regeneration command fails: apply stops and says so; once it works
# again, resume runs it (again) and ends in the same tree as a clean apply
cp -p "$root/usr/sbin/update-grub" "$work/update-grub"
printf '#!/bin/sh\necho "grub-mkconfig: error" >&2\nexit 1\n' \
	>"$root/usr/sbin/update-grub"
wiz "$work/apply4" apply --yes --vm 100
if [ "$status" -eq 1 ] &&
	grep -q "'update-grub' failed with exit status 1" "$work/apply4"; then
	tap_ok "a failing update-grub stops apply with its exit status"
else
	tap_not_ok "a failing update-grub stops apply with its exit status"
	tap_diag "exit $status"
	tap_diag_file "$work/apply4"
fi
cp -p "$work/update-grub" "$root/usr/sbin/update-grub"
wiz "$work/resume2" resume
expect_status 4 "resume after the fix finishes the apply" "$work/resume2"
tree_manifest "$root" >"$work/t"
tap_same_file "$work/after" "$work/t" "... in exactly the tree of a clean apply"
wiz "$work/undo6" undo
expect_status 0 "and undo takes it back" "$work/undo6"

# Proxmox's guards: refused before anything changes
refused() {
	tree_manifest "$root" >"$work/before"
	wiz "$work/ref" "$@"
	tree_manifest "$root" >"$work/after-ref"
	if [ "$status" -ne 0 ] && [ "$status" -ne 4 ] &&
		grep -q "$refused_why" "$work/ref" &&
		cmp -s "$work/before" "$work/after-ref" &&
		[ ! -e "$root/var/lib/vfio-wizard/journal.yaml" ]; then
		tap_ok "$refused_desc"
	else
		tap_not_ok "$refused_desc"
		tap_diag "exit $status"
		tap_diag_file "$work/ref"
	fi
}
refused_why="VM 101 is running" refused_desc="a running VM's config is refused, nothing changes" \
	refused apply --yes --vm 101
conf=$root/etc/pve/nodes/pve/qemu-server/100.conf
cp "$conf" "$work/conf.orig"
echo "lock: backup" >>"$conf"
refused_why="VM 100 is locked ('lock: backup')" \
	refused_desc="a config with 'lock: backup' is refused, nothing changes" \
	refused apply --yes --vm 100
cp "$work/conf.orig" "$conf"
printf '{\n"nodename": "pve",\n"version": 4,\n"cluster": { "name": "c", "version": 2, "nodes": 2, "quorate": 0 }\n}\n' \
	>"$root/etc/pve/.members"
refused_why="quorum" \
	refused_desc="/etc/pve without quorum is refused, nothing changes" \
	refused apply --yes --vm 100

leftover=$(find "$root" -name '*.vw-*' -o -name '*.tmp.*' | head -5)
if [ -z "$leftover" ]; then
	tap_ok "no temporary files are left behind"
else
	tap_not_ok "no temporary files are left behind"
	tap_diag "$leftover"
fi
tap_done
