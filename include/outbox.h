/* outbox.h: outgoing mail as database rows. A row is written in the same
 * transaction as the event that causes it, sent after the commit, and
 * retried with backoff until the server takes it or refuses it for good. */
#ifndef POSTDESK_OUTBOX_H
#define POSTDESK_OUTBOX_H

#include <stddef.h>

#include "fault.h"

struct config;
struct db;

struct outbox_stats {
	int sent;
	int deferred;		/* 4xx, unreachable, unknown outcome: retried later */
	int failed;		/* 5xx, or gave up after the retry limit */
};

/* Queue one message inside the caller's open transaction. envelope_from ""
 * is the null sender. *id_r gets the row id (may be NULL). */
int outbox_add(struct db *db, long long case_id, const char *kind, const char *envelope_from,
	       const char *const *recipients, size_t nrecipients, const char *raw, size_t len,
	       long long *id_r, struct fault *f);
/* Send rows that are due: only the given ids when ids is not NULL (deliver
 * sends what it queued), else up to limit due rows of any process (sweep),
 * claimed with FOR UPDATE SKIP LOCKED. Each outcome is recorded on the row;
 * a permanent failure also as an event on its case. Fails only when the
 * database fails. */
int outbox_flush(const struct config *cfg, struct db *db, const long long *ids, size_t nids,
		 int limit, struct outbox_stats *st, struct fault *f);

#endif
