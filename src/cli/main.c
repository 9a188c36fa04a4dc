/* main.c: placeholder until the CLI lands. */
#include "vfio-wizard/common.h"
int main(void);
int
main(void)
{
	return 0;
}
