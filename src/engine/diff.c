/*
 * diff.c: unified diffs of two texts, line by line, with Myers' O(ND)
 * algorithm (the one GNU diff and git use). Files the wizard edits are
 * small configuration files, so the simple variant that keeps every round's
 * frontier for the backtrack is plenty. A last line without a newline is
 * marked as diff(1) marks it.
 */
#include "vfio-wizard/plan.h"

#include <stdlib.h>
#include <string.h>

#define CONTEXT 3

struct lines {
	const char **p;
	size_t *len;
	size_t n;
};

static void
split_lines(const char *t, size_t len, struct lines *l)
{
	size_t i, start = 0;

	memset(l, 0, sizeof *l);
	for (i = 0; i < len; i++) {
		if (t[i] != '\n' && i + 1 < len)
			continue;
		l->p = xreallocarray(l->p, l->n + 1, sizeof *l->p);
		l->len = xreallocarray(l->len, l->n + 1, sizeof *l->len);
		l->p[l->n] = t + start;
		l->len[l->n] = i + 1 - start;
		l->n++;
		start = i + 1;
	}
}

static bool
same_line(const struct lines *a, size_t i, const struct lines *b, size_t j)
{
	return a->len[i] == b->len[j] &&
	       memcmp(a->p[i], b->p[j], a->len[i]) == 0;
}

/*
 * The edit script from a to b as a string of '=' (keep), '-' (delete from
 * a) and '+' (insert from b), in order; *n gets its length.
 */
static char *
myers(const struct lines *a, const struct lines *b, size_t *n)
{
	long N = (long)a->n, M = (long)b->n, max = N + M, d, k, x, y;
	long off = max + 1, width = 2 * max + 3;
	long *v = xcalloc((size_t)width, sizeof *v);
	long **trace = NULL;
	size_t n_trace = 0, n_ops = 0;
	char *ops;

	for (d = 0; d <= max; d++) {
		long *copy = xreallocarray(NULL, (size_t)width, sizeof *copy);

		memcpy(copy, v, (size_t)width * sizeof *v);
		ARRAY_PUSH(trace, n_trace, copy);
		for (k = -d; k <= d; k += 2) {
			if (k == -d ||
			    (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < N && y < M &&
			       same_line(a, (size_t)x, b, (size_t)y)) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= N && y >= M)
				goto found;
		}
	}
found:
	ops = xmalloc((size_t)(N + M) + 1);
	x = N;
	y = M;
	for (d = (long)n_trace - 1; d >= 0; d--) {
		long *t = trace[d], prev_k, prev_x, prev_y;

		k = x - y;
		if (k == -d || (k != d && t[off + k - 1] < t[off + k + 1]))
			prev_k = k + 1;
		else
			prev_k = k - 1;
		prev_x = t[off + prev_k];
		prev_y = prev_x - prev_k;
		while (x > prev_x && y > prev_y) {
			ops[n_ops++] = '=';
			x--;
			y--;
		}
		if (d > 0)
			ops[n_ops++] = x == prev_x ? '+' : '-';
		x = prev_x;
		y = prev_y;
	}
	/* the ops were collected backwards */
	for (k = 0; k < (long)n_ops / 2; k++) {
		char c = ops[k];

		ops[k] = ops[(long)n_ops - 1 - k];
		ops[(long)n_ops - 1 - k] = c;
	}
	while (n_trace > 0)
		free(trace[--n_trace]);
	free(trace);
	free(v);
	*n = n_ops;
	return ops;
}

static void
emit_line(struct strbuf *out, char mark, const char *p, size_t len)
{
	sb_addc(out, mark);
	sb_add(out, p, len);
	if (len == 0 || p[len - 1] != '\n')
		sb_adds(out, "\n\\ No newline at end of file\n");
}

/* "start,count" of a hunk side, as diff -u prints it. */
static void
emit_range(struct strbuf *out, size_t start, size_t count)
{
	if (count == 1)
		sb_addf(out, "%zu", start + 1);
	else
		sb_addf(out, "%zu,%zu", count == 0 ? start : start + 1, count);
}

void
diff_unified(const char *a, size_t alen, const char *b, size_t blen,
    const char *label_a, const char *label_b, struct strbuf *out)
{
	struct lines la, lb;
	size_t n_ops, i, ai = 0, bi = 0;
	char *ops;

	split_lines(a != NULL ? a : "", a != NULL ? alen : 0, &la);
	split_lines(b != NULL ? b : "", b != NULL ? blen : 0, &lb);
	ops = myers(&la, &lb, &n_ops);
	sb_addf(out, "--- %s\n+++ %s\n", label_a, label_b);
	i = 0;
	while (i < n_ops) {
		size_t start, end, j, a0, b0, ac = 0, bc = 0, ka, kb;

		if (ops[i] == '=') {
			i++;
			ai++;
			bi++;
			continue;
		}
		/* a hunk: back up the context, then extend over close changes
		 */
		start = i;
		a0 = ai;
		b0 = bi;
		for (j = 0; j < CONTEXT && start > 0 && ops[start - 1] == '=';
		     j++) {
			start--;
			a0--;
			b0--;
		}
		end = i;
		for (;;) {
			size_t run = 0;

			while (end < n_ops && ops[end] != '=')
				end++;
			while (end + run < n_ops && ops[end + run] == '=')
				run++;
			if (end + run >= n_ops || run > 2 * CONTEXT) {
				end += run < CONTEXT ? run : CONTEXT;
				break;
			}
			end += run;
		}
		for (j = start; j < end; j++) {
			ac += ops[j] != '+';
			bc += ops[j] != '-';
		}
		sb_adds(out, "@@ -");
		emit_range(out, a0, ac);
		sb_adds(out, " +");
		emit_range(out, b0, bc);
		sb_adds(out, " @@\n");
		ka = a0;
		kb = b0;
		for (j = start; j < end; j++) {
			if (ops[j] == '=') {
				emit_line(out, ' ', la.p[ka], la.len[ka]);
				ka++;
				kb++;
			} else if (ops[j] == '-') {
				emit_line(out, '-', la.p[ka], la.len[ka]);
				ka++;
			} else {
				emit_line(out, '+', lb.p[kb], lb.len[kb]);
				kb++;
			}
		}
		ai = ka;
		bi = kb;
		i = end;
	}
	free(ops);
	free(la.p);
	free(la.len);
	free(lb.p);
	free(lb.len);
}
