/*
 * test_fsio_pve.c: fsio under /etc/pve follows the pmxcfs rules (PVE's temp
 * name, no fsync, chown or chmod, 1 MiB, refused without quorum), every
 * call of a pmxcfs replacement failed in turn leaves the old config or the
 * new one; fsio_read, fsio_remove and the journal's durable append.
 */
#include "fsio_faults.h"

static void
test_read_and_remove(void **state)
{
	const char *t = *state;
	struct file_meta m;
	struct root *r;
	char *data, *cause;
	size_t len;

	assert_int_equal(root_open(t, &r), 0);
	assert_int_equal(
	    fsio_read(r, "/etc/modprobe.d/vfio.conf", &data, &len, &m, &cause),
	    0);
	assert_true(m.exists);
	assert_int_equal(len, strlen(OLD));
	assert_memory_equal(data, OLD, len);
	assert_int_equal(m.uid, geteuid());
	free(data);
	assert_int_equal(
	    fsio_read(r, "/etc/modprobe.d/none.conf", &data, &len, &m, &cause),
	    0);
	assert_false(m.exists);
	assert_int_equal(len, 0);
	free(data);

	assert_int_equal(
	    fsio_remove(r, "/etc/modprobe.d/vfio.conf", 0, &cause), 0);
	assert_false(root_exists(r, "/etc/modprobe.d/vfio.conf"));
	/* twice = once */
	assert_int_equal(
	    fsio_remove(r, "/etc/modprobe.d/vfio.conf", 0, &cause), 0);
	fx_symlink(t, "/etc/modprobe.d/l.conf", "/etc/hostname");
	assert_int_equal(
	    fsio_remove(r, "/etc/modprobe.d/l.conf", 0, &cause), -EINVAL);
	assert_non_null(strstr(cause, "not a regular file"));
	free(cause);
	root_free(r);
}

static void
test_durable_append(void **state)
{
	const char *t = *state;
	struct file_meta m = {true, 0600, geteuid(), getegid()};
	char *s, *cause;

	assert_int_equal(replace(t, "/var/lib/vfio-wizard/journal.yaml", "a\n",
			     &m, FSIO_DURABLE_ONLY, &cause),
	    0);
	assert_int_equal(replace(t, "/var/lib/vfio-wizard/journal.yaml", "b\n",
			     &m, FSIO_DURABLE_ONLY, &cause),
	    0);
	s = slurp(t, "/var/lib/vfio-wizard/journal.yaml");
	assert_string_equal(s, "a\nb\n");
	free(s);
	/* a failed append leaves the file as it was */
	reset_faults();
	F.short_write = true;
	F.at = 1;
	F.err = ENOSPC;
	assert_int_equal(replace(t, "/var/lib/vfio-wizard/journal.yaml",
			     "cccc\n", &m, FSIO_DURABLE_ONLY, &cause),
	    -ENOSPC);
	free(cause);
	s = slurp(t, "/var/lib/vfio-wizard/journal.yaml");
	assert_string_equal(s, "a\nb\n");
	free(s);
	assert_int_equal(count_entries(t, "/var/lib/vfio-wizard"), 1);
}

/* A Proxmox fixture: pmxcfs stands in as /etc/pve with .version. */
static void
make_pve(const char *t)
{
	fx_write(t, "/etc/pve/.version", "{\"version\": 5}\n");
	fx_write(
	    t, "/etc/pve/nodes/pve1/qemu-server/100.conf", "memory: 2048\n");
	fx_symlink(t, "/etc/pve/local", "nodes/pve1");
	fx_symlink(t, "/etc/pve/qemu-server", "nodes/pve1/qemu-server");
}

static void
test_pmxcfs_detection(void **state)
{
	const char *t = *state;
	struct root *r;

	assert_int_equal(root_open(t, &r), 0);
	assert_false(fsio_is_pmxcfs(r, "/etc/pve/qemu-server/100.conf"));
	make_pve(t);
	assert_true(fsio_is_pmxcfs(r, "/etc/pve/qemu-server/100.conf"));
	assert_true(
	    fsio_is_pmxcfs(r, "/etc/pve/nodes/pve1/qemu-server/1.conf"));
	assert_false(fsio_is_pmxcfs(r, "/etc/pve/../modules"));
	assert_false(fsio_is_pmxcfs(r, "/etc/pveX/a"));
	assert_false(fsio_is_pmxcfs(r, "/etc/modules"));
	root_free(r);
}

static void
test_pmxcfs_replace(void **state)
{
	const char *t = *state;
	const char *path = "/etc/pve/qemu-server/100.conf";
	char *s, *cause, *want, *big;
	struct stat st;
	char *p;

	make_pve(t);
	assert_int_equal(replace(t, path, NEW, NULL, 0, &cause), 0);
	s = slurp(t, path);
	assert_string_equal(s, NEW);
	free(s);
	want = xasprintf("100.conf.tmp.%ld", (long)getpid());
	assert_string_equal(F.created, want);
	free(want);
	assert_int_equal(F.fsyncs, 0);
	assert_int_equal(F.fchmods, 0);
	assert_int_equal(F.fchowns, 0);
	/* a new VM config is 0640 (umask permitting) */
	reset_faults();
	assert_int_equal(
	    replace(t, "/etc/pve/qemu-server/101.conf", NEW, NULL, 0, &cause),
	    0);
	p = host_path(t, "/etc/pve/nodes/pve1/qemu-server/101.conf");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0707, 0600);
	free(p);

	/* over 1 MiB: refused before anything is opened */
	reset_faults();
	big = xcalloc(FSIO_PMXCFS_MAX + 2, 1);
	memset(big, 'x', FSIO_PMXCFS_MAX + 1);
	assert_int_equal(replace(t, path, big, NULL, 0, &cause), -EFBIG);
	assert_non_null(strstr(cause, "1 MiB"));
	free(cause);
	free(big);
	assert_int_equal(F.calls, 0);

	/* no quorum: /etc/pve is read-only, refused before anything */
	fx_write(t, "/etc/pve/.members",
	    "{\n\"nodename\": \"pve1\",\n\"cluster\": { \"name\": \"c\", "
	    "\"nodes\": 3, \"quorate\": 0 }\n}\n");
	reset_faults();
	F.at = 1000;
	assert_int_equal(replace(t, path, OLD, NULL, 0, &cause), -EROFS);
	assert_non_null(strstr(cause, "quorum"));
	free(cause);
	assert_false(F.fired);
	assert_int_equal(F.calls, 0);
	s = slurp(t, path);
	assert_string_equal(s, NEW);
	free(s);
	/* with quorum again it goes through */
	fx_write(t, "/etc/pve/.members", "{\"cluster\": {\"quorate\": 1}}\n");
	assert_int_equal(replace(t, path, OLD, NULL, 0, &cause), 0);
	assert_int_equal(
	    count_entries(t, "/etc/pve/nodes/pve1/qemu-server"), 2);
}

static void
test_pmxcfs_faults(void **state)
{
	const char *t = *state;
	const char *path = "/etc/pve/nodes/pve1/qemu-server/100.conf";
	int at, n = 0;

	make_pve(t);
	for (at = 1;; at++) {
		char *cause = NULL, *s;
		int rc;

		fx_write(t, path, OLD);
		reset_faults();
		F.at = at;
		F.err = EIO;
		rc = replace(t, path, NEW, NULL, 0, &cause);
		if (!F.fired) {
			assert_int_equal(rc, 0);
			break;
		}
		n++;
		s = slurp(t, path);
		assert_string_equal(s, F.renamed ? NEW : OLD);
		free(s);
		free(cause);
		assert_int_equal(
		    count_entries(t, "/etc/pve/nodes/pve1/qemu-server"), 1);
	}
	assert_true(n >= 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	    T(test_read_and_remove),
	    T(test_durable_append),
	    T(test_pmxcfs_detection),
	    T(test_pmxcfs_replace),
	    T(test_pmxcfs_faults),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
