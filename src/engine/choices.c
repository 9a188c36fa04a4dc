/*
 * choices.c: the user's choices as "key=value" items, in the order given
 * (the journal records them; resume and undo read them back).
 */
#include "vfio-wizard/step.h"

#include <stdlib.h>
#include <string.h>

const char *
choices_get(const struct choices *c, const char *key)
{
	size_t i, n = strlen(key);
	const char *v = NULL;

	for (i = 0; c != NULL && i < c->n_items; i++) {
		if (strncmp(c->items[i], key, n) == 0 && c->items[i][n] == '=')
			v = c->items[i] + n + 1;
	}
	return v;
}

void
choices_add(struct choices *c, const char *key, const char *value)
{
	ARRAY_PUSH(c->items, c->n_items, xasprintf("%s=%s", key, value));
}

void
choices_free(struct choices *c)
{
	strv_free(c->items, c->n_items);
	c->items = NULL;
	c->n_items = 0;
}
