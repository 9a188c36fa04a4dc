/*
 * testhook.h: test hooks for the crash and fault tests, inert in normal use.
 *
 * Every durability point of the engine (each journal_append after its
 * fsync; each fsio write and rename) calls test_crash_point() with a short
 * untranslated name. The points are counted across the process:
 *
 *   VFIO_WIZARD_TEST_CRASH_LOG=FILE  appends "N what\n" to FILE for each
 *                                    point passed (tests count them);
 *   VFIO_WIZARD_TEST_CRASH_AT=N      raises SIGKILL right after point N
 *                                    (logged first), as a power cut would.
 *
 * With neither variable set the call only bumps a counter.
 *
 * Fault injection: every open(at), write, fsync, rename(at) and unlink(at)
 * made through struct fsio_ops (by fsio and the journal) is counted across
 * the process when one of these is set (the environment is read once):
 *
 *   VFIO_WIZARD_TEST_FAULT=N:ERR     call N fails with ERR: EIO, ENOSPC or
 *                                    EROFS; SHORT makes write N write half
 *                                    its bytes and return that count, and
 *                                    the next write fail with EIO (a disk
 *                                    filling up); SHORT on a call that is
 *                                    not a write, or a write of one byte,
 *                                    fails it with EIO;
 *   VFIO_WIZARD_TEST_FAULT_LOG=FILE  appends "N op path\n" to FILE for each
 *                                    call counted (op: open, write, fsync,
 *                                    rename, unlink; rename names the
 *                                    target), the faulted one included.
 *
 * With neither set, fsio_ops() returns the ops in force untouched.
 */
#ifndef VW_TESTHOOK_H
#define VW_TESTHOOK_H

#include <stdbool.h>

/* Count one durability point; log it and kill the process when asked. */
void test_crash_point(const char *what);

/* test_fault_point(): cut this write short (SHORT; the caller does it). */
#define TEST_FAULT_SHORT (-1)

/* True when either fault variable is set. */
bool test_fault_enabled(void);
/*
 * Count one fsio call (op as above; the file is name below dirfd, or the
 * open fd dirfd itself when name is NULL, resolved for the log only):
 * 0 lets it through, else the errno to fail it with or TEST_FAULT_SHORT.
 */
int test_fault_point(const char *op, int dirfd, const char *name);

#endif
