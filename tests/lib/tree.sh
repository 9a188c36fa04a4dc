# tree.sh: a manifest of a root tree, to compare trees byte for byte with
# their metadata (sourced, POSIX sh).
#
#   tree_manifest DIR   one line per entry, sorted by path: path, type, mode,
#                       uid:gid, a link's target, and the sha256 of a
#                       file's bytes. Left out: the wizard's own state
#                       directory (the journal), the fake commands' log
#                       (the test double's trace) and /run/lock (runtime
#                       lock files on a tmpfs, which qemu-server, like the
#                       wizard taking its per-VM lock, creates and keeps).

tree_manifest() {
	tm_tab=$(printf '\t')
	tm_tmp=$(mktemp -d "${TMPDIR:-/tmp}/manifest.XXXXXX") || return 1
	(
		cd "$1" || exit 1
		find . \( -path ./var/lib/vfio-wizard -o -path ./run/lock -o \
			-path ./var/log/vfio-wizard-fake-commands.log \) -prune \
			-o -printf '%p\t%y\t%m\t%U:%G\t%l\n' |
			LC_ALL=C sort -t "$tm_tab" -k1,1 >"$tm_tmp/meta"
		find . \( -path ./var/lib/vfio-wizard -o -path ./run/lock -o \
			-path ./var/log/vfio-wizard-fake-commands.log \) -prune \
			-o -type f -print0 | xargs -0 -r sha256sum |
			sed 's/^\([0-9a-f]*\)  \(.*\)$/\2\t\1/' |
			LC_ALL=C sort -t "$tm_tab" -k1,1 >"$tm_tmp/sums"
		LC_ALL=C join -t "$tm_tab" -a 1 "$tm_tmp/meta" "$tm_tmp/sums"
	)
	tm_rc=$?
	rm -rf "$tm_tmp"
	return $tm_rc
}
