/*
 * lock.h: one vfio-wizard at a time, and Proxmox's own locks.
 *
 * lock_instance() takes an exclusive, non-blocking flock on
 * /var/lib/vfio-wizard/lock below the root: a second instance is refused at
 * once with a message naming the holder's pid. lock_vm() takes the flock
 * qemu-server takes (/var/lock/qemu-server/lock-<vmid>.conf) before a VM
 * config is written, waiting up to a timeout as qm does. Locks are released
 * by lock_release() or when the process dies (flock semantics), so a crash
 * never leaves a stale lock behind.
 */
#ifndef VW_LOCK_H
#define VW_LOCK_H

#include "vfio-wizard/common.h"

struct root;
struct lock;

#define STATE_DIR "/var/lib/vfio-wizard"

int lock_instance(const struct root *, struct lock **out, char **cause);
int lock_vm(const struct root *, int vmid, int timeout_sec, struct lock **out,
    char **cause);
void lock_release(struct lock *);

#endif
