/* cmdline.h: placeholder until its owner lands it. */
#ifndef VW_CMDLINE_H
#define VW_CMDLINE_H
#endif
