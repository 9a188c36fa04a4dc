/* pve_conf.h: placeholder until its owner lands it. */
#ifndef VW_PVE_CONF_H
#define VW_PVE_CONF_H
#endif
