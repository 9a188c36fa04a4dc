/*
 * allow.h: the only paths vfio-wizard writes (issue 3, "Writing files").
 *
 *   /etc/default/grub            /etc/default/grub.d/<file>
 *   /etc/kernel/cmdline          /etc/modules
 *   /etc/modules-load.d/<file>   /etc/modprobe.d/<file>
 *   /etc/sysfs.d/vfio-wizard.conf (sysfsutils, SR-IOV VFs at boot)
 *   /etc/pve/qemu-server/<vmid>.conf (must lead to
 *                                /etc/pve/nodes/<node>/qemu-server/<vmid>.conf)
 *   /var/lib/vfio-wizard/...     (the state directory)
 *
 * A path is allowed when it is on the list as given (absolute, no "." or
 * ".." components) and when it still is, under the same entry, once every
 * symlink in it has been resolved inside the root: a link such as
 * /etc/modprobe.d/x.conf -> /etc/passwd (or -> /etc/modules), or
 * /etc/modprobe.d -> /etc, is refused. Returns 0, or -EPERM
 * (or the errno of a failed resolution) with an untranslated message.
 */
#ifndef VW_ALLOW_H
#define VW_ALLOW_H

#include "vfio-wizard/common.h"

struct root;

/* 0 when path may be written; -EPERM etc. and *cause otherwise. */
int allow_check(const struct root *, const char *path, char **cause);
/*
 * The same, giving back the resolved path inside the root (the file the
 * write really lands on, e.g. /etc/pve/nodes/pve1/qemu-server/100.conf);
 * caller frees *resolved.
 */
int allow_resolve(
    const struct root *, const char *path, char **resolved, char **cause);

#endif
