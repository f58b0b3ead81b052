/* sweep.h: the sweeper's work on cases (DESIGN.md, "Sweeper"). A case that
 * needs the sweeper has a wake time (sql/002_sweeper.sql); a batch claims
 * the cases that are due with FOR UPDATE SKIP LOCKED, acts on each, and
 * commits, so that any number of sweepers can run at once and every action
 * happens exactly once, with an event:
 *   new, open   escalate an overdue case: step 1 mails the assignee (or the
 *               queue's agents), step 2, after the queue's escalate_after,
 *               mails the queue's escalation address and raises the priority
 *   pending     remind the customer, then close the case with a notice
 *   resolved    send the satisfaction survey, then close the case
 *   closed      purge the mail after the queue's retention */
#ifndef POSTDESK_SWEEP_H
#define POSTDESK_SWEEP_H

#include <stdbool.h>

#include "fault.h"

struct config;
struct db;
struct keyring;

struct sweep_stats {
	int escalated, reminded, closed, surveyed, purged;
	int failed;		/* skipped after a permanent failure; still due */
};

/* One batch of at most limit due cases as of now (Unix seconds; 0: the
 * database's clock), in one transaction. *count_r gets how many cases were
 * claimed: fewer than limit means none is left. A case whose action fails
 * for good is rolled back alone (a savepoint), counted in failed and left
 * due. The mail it queues is sent by the outbox (outbox_flush). */
int sweep_cases(const struct config *cfg, struct db *db, const struct keyring *ring, long long now,
		int limit, struct sweep_stats *st, int *count_r, struct fault *f);

#endif
