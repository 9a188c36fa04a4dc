/* spec.h: placeholder until its owner lands it. */
#ifndef VW_SPEC_H
#define VW_SPEC_H
#endif
