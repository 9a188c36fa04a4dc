/*
 * cpu.c: the CPU probe. Reads /proc/cpuinfo for the vendor, model and the
 * virtualisation flags (vmx = VT-x, svm = AMD-V), and asks the knowledge base
 * whether the SKU has VT-d: there is no cpuinfo flag for VT-d (it is the
 * ACPI DMAR table), so the model name is the only CPU-side clue.
 */
#include "vfio-wizard/host.h"
#include "vfio-wizard/kb.h"
#include "vfio-wizard/root.h"

#include <stdlib.h>
#include <string.h>

/* The value of "key<tabs>: value" if line is that key, else NULL. */
static const char *
cpuinfo_value(const char *line, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	if (strncmp(line, key, n) != 0)
		return NULL;
	p = line + n;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (*p == ' ')
		p++;
	return p;
}

/* True when the space-separated flags line holds flag as a whole word. */
static bool
has_flag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = flags;

	while ((p = strstr(p, flag)) != NULL) {
		bool start = p == flags || p[-1] == ' ';
		bool end = p[n] == '\0' || p[n] == ' ';

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

void
probe_cpu(struct host *h, const struct root *r, const struct kb *kb)
{
	struct host_cpu *c = &h->cpu;
	char *text, *line, *save = NULL;
	bool first_done = false;
	int err;

	c->family = c->model = c->stepping = -1;
	c->sku_vtd = TRI_UNKNOWN;
	err = root_read(r, "/proc/cpuinfo", &text, NULL);
	if (err < 0) {
		host_problem(h, "cpu", "cannot read '/proc/cpuinfo': %s",
		    strerror(-err));
		return;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *v;

		if (cpuinfo_value(line, "processor") != NULL) {
			if (c->threads > 0)
				first_done = true;
			c->threads++;
			continue;
		}
		if (first_done)
			continue;
		if ((v = cpuinfo_value(line, "vendor_id")) != NULL)
			c->vendor = xstrdup(v);
		else if ((v = cpuinfo_value(line, "model name")) != NULL)
			c->model_name = xstrdup(v);
		else if ((v = cpuinfo_value(line, "cpu family")) != NULL)
			c->family = atoi(v);
		else if ((v = cpuinfo_value(line, "model")) != NULL)
			c->model = atoi(v);
		else if ((v = cpuinfo_value(line, "stepping")) != NULL)
			c->stepping = atoi(v);
		else if ((v = cpuinfo_value(line, "flags")) != NULL) {
			c->vmx = has_flag(v, "vmx");
			c->svm = has_flag(v, "svm");
			c->hypervisor = has_flag(v, "hypervisor");
		}
	}
	free(text);
	if (c->vendor == NULL)
		host_problem(h, "cpu", "no vendor_id in '/proc/cpuinfo'");
	if (kb != NULL && c->model_name != NULL) {
		const struct kb_cpu_sku *sku = NULL;
		int v = kb_cpu_vtd(kb, c->vendor, c->model_name, &sku);

		c->sku_vtd = v < 0 ? TRI_UNKNOWN : v ? TRI_YES : TRI_NO;
		if (sku != NULL) {
			c->sku_note = xasprintf("%s%s%s", sku->match,
			    sku->note != NULL ? ": " : "",
			    sku->note != NULL ? sku->note : "");
		}
	}
}
