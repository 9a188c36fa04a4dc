/*
 * txstate.h: a transaction's state as the journal tells it (internal to
 * src/engine). Apply, resume, undo and status all read the journal through
 * txstate_load() and act on this summary, never on guesses.
 */
#ifndef VW_TXSTATE_H
#define VW_TXSTATE_H

#include "vfio-wizard/journal.h"

struct tx_file {
	const struct jrec *plan;   /* JR_FILE: intended bytes */
	const struct jrec *backup; /* JR_BACKUP or NULL */
	bool written;
	bool restored;
};

struct tx_command {
	const struct jrec *plan; /* JR_COMMAND */
	int runs;		 /* JR_RUN records seen */
	int done;		 /* JR_RAN records seen */
	int last_status;
};

/* The step record that closes the intent: every file and command is known. */
#define TX_INTENT_STEP "plan"
#define TX_INTENT_STATE "recorded"

struct txstate {
	struct jrec *recs;
	size_t n_recs;
	enum journal_tail tail;
	const struct jrec *begin;
	struct tx_file *files; /* in plan order */
	size_t n_files;
	struct tx_command *cmds;
	size_t n_cmds;
	bool intent_complete; /* the plan is wholly journalled */
	bool applied;
	const struct jrec *reboot; /* reboot awaited from this boot */
	bool undo_started, undone, undo_force;
	bool verified_after_reboot; /* every step's latest after-reboot
				       verify record is ok */
	/* the latest after-reboot verify record of each step */
	const struct jrec **after_reboot;
	size_t n_after_reboot;
};

/*
 * Load the journal below the root. Returns 0 with *exists false when there
 * is none; -EBADMSG (with *cause) when it cannot be trusted.
 */
int txstate_load(
    const struct root *, struct txstate *, bool *exists, char **cause);
/*
 * The same over records already read (an archived journal): takes recs
 * (freed by txstate_free, or here on failure).
 */
int txstate_from(struct txstate *, struct jrec *recs, size_t n,
    enum journal_tail, char **cause);
void txstate_free(struct txstate *);
/* A transaction that apply must not start over: begun and not undone. */
bool txstate_open(const struct txstate *);
struct tx_file *txstate_file(struct txstate *, const char *path);

#endif
