/* grub_default.h: placeholder until its owner lands it. */
#ifndef VW_GRUB_DEFAULT_H
#define VW_GRUB_DEFAULT_H
#endif
