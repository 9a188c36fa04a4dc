/*
 * testhook.h: a test hook for the crash tests, inert in normal use.
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
 */
#ifndef VW_TESTHOOK_H
#define VW_TESTHOOK_H

/* Count one durability point; log it and kill the process when asked. */
void test_crash_point(const char *what);

#endif
