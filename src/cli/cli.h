/* cli.h: placeholder until its owner lands it. */
#ifndef VW_CLI_H
#define VW_CLI_H
#endif
