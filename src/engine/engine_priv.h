/*
 * engine_priv.h: what apply, resume and undo share inside src/engine.
 */
#ifndef VW_ENGINE_PRIV_H
#define VW_ENGINE_PRIV_H

#include "vfio-wizard/engine.h"
#include "vfio-wizard/journal.h"
#include "txstate.h"

/* Say one line of progress (translated) to the UI, if it listens. */
void engine_say(const struct engine_ui *, const char *fmt, ...) VW_PRINTF(2, 3);
/* Append a record, or fail with a message naming what it guarded. */
int engine_record(struct journal *, struct jrec *, char **cause);
/*
 * Finish the transaction t describes: write every file not yet written,
 * run every command not yet run, verify, record the reboot and "applied".
 */
int engine_carry_on(const struct root *, const struct host *,
    const struct step *const *steps, struct txstate *t, struct journal *,
    const struct engine_ui *, enum engine_outcome *, char **cause);
/* Run the transaction's commands (once each) and journal them. */
int engine_run_commands(const struct root *, struct txstate *, struct journal *,
    const struct engine_ui *, bool all, char **cause);
/* Current UTC time, ISO 8601. */
char *engine_now(void);

struct lock;
/* The VM id of "/etc/pve/.../qemu-server/<id>.conf", else -1. */
int engine_vm_id(const char *path);
/* Before apply: refuse a VM config whose VM runs or whose `lock:` is set. */
int engine_vm_precheck(
    const struct root *, const struct host *, const char *path, char **cause);
/*
 * Around a write of path: qemu-server's per-VM flock, and the `lock:` key
 * checked again in the current text under it. *out NULL for other files.
 */
int engine_vm_lock(const struct root *, const char *path, const char *text,
    size_t len, struct lock **out, char **cause);

#endif
