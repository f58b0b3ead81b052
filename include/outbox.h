/* outbox.h: outgoing mail as database rows. A row is written in the same
 * transaction as the event that causes it, sent after the commit, and
 * retried with backoff until the server takes it or refuses it for good. */
#ifndef POSTDESK_OUTBOX_H
#define POSTDESK_OUTBOX_H

#include <stddef.h>

#include "fault.h"

struct config;
struct db;
struct smtp_session;

struct outbox_stats {
	int sent;
	int deferred;		/* 4xx, unreachable, unknown outcome: retried later */
	int failed;		/* 5xx, or gave up after the retry limit */
};

/* How long a claim on a row holds, in seconds: longer than any SMTP session. */
long long outbox_lease(const struct config *cfg);
/* Queue one message inside the caller's open transaction. envelope_from ""
 * is the null sender. lease_s 0: due at once, for whoever flushes next;
 * lease_s > 0: the caller sends it itself right after the commit, so the
 * row is born claimed by it (first attempt) for that many seconds, and only
 * after that is it anyone's. *id_r gets the row id (may be NULL). */
int outbox_add(struct db *db, long long case_id, const char *kind, const char *envelope_from,
	       const char *const *recipients, size_t nrecipients, const char *raw, size_t len,
	       long long lease_s, long long *id_r, struct fault *f);
/* Send rows: when ids is not NULL, those the caller queued born claimed
 * (deliver, right after its commit; one whose claim ran out is left alone);
 * else up to limit due rows of any process (sweep), claimed with FOR UPDATE
 * SKIP LOCKED. They go over smtp's connection, kept for the caller's next
 * flush (NULL: a session of this call's own, closed at its end). Each
 * outcome is recorded on the row; a permanent failure also as an event on
 * its case. Fails only when the database fails. */
int outbox_flush(const struct config *cfg, struct db *db, struct smtp_session *smtp, const long long *ids,
		 size_t nids, int limit, struct outbox_stats *st, struct fault *f);

#endif
