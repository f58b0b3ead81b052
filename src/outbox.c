/* outbox.c: the outbox table as a mail queue.
 *
 * A row is claimed in a short transaction (FOR UPDATE SKIP LOCKED, status
 * 'sending', attempts + 1, next_attempt = now + a lease), sent outside any
 * transaction, then marked sent, queued again with backoff, or failed.
 * The guarantee: a message is never sent twice, except once more when the
 * process dies between the server's acceptance and the mark (the lease
 * expires and the row is claimed again), or when the connection broke after
 * the data and before the reply (SMTP_UNKNOWN is retried). At worst one
 * duplicate; never a loss. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "outbox.h"
#include "smtp.h"

/* Give up after this many attempts or this long after the row was made. */
#define OUTBOX_MAX_ATTEMPTS 10
#define OUTBOX_MAX_AGE "5 days"

int outbox_add(struct db *db, long long case_id, const char *kind, const char *envelope_from,
	       const char *const *recipients, size_t nrecipients, const char *raw, size_t len,
	       long long *id_r, struct fault *f)
{
	GString *rcpts = g_string_new(NULL);
	char cid[24];
	const char *p[5];
	int l[5] = { 0, 0, 0, 0, (int)len }, b[5] = { 0, 0, 0, 0, 1 };
	PGresult *res;
	size_t i;

	for (i = 0; i < nrecipients; i++)
		g_string_append_printf(rcpts, "%s%s", i ? "\n" : "", recipients[i]);
	snprintf(cid, sizeof(cid), "%lld", case_id);
	p[0] = case_id > 0 ? cid : NULL;
	p[1] = kind;
	p[2] = envelope_from;
	p[3] = rcpts->str;
	p[4] = raw;
	res = db_exec_bin(db, "INSERT INTO outbox (case_id, kind, envelope_from, recipients, raw)"
			  " VALUES ($1, $2, $3, string_to_array($4, E'\\n'), $5) RETURNING id", 5, p, l, b, f);
	g_string_free(rcpts, TRUE);
	if (res == NULL)
		return -1;
	if (id_r != NULL)
		*id_r = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* Claim due rows (only ids when given); returns the rows to send. */
static PGresult *outbox_claim(const struct config *cfg, struct db *db, const long long *ids, size_t nids,
			      int limit, struct fault *f)
{
	GString *list = g_string_new(NULL);
	char lim[16], lease[24];
	PGresult *res;
	size_t i;

	for (i = 0; i < nids; i++)
		g_string_append_printf(list, "%s%lld", i ? "," : "", ids[i]);
	snprintf(lim, sizeof(lim), "%d", ids ? (int)nids : limit);
	snprintf(lease, sizeof(lease), "%lld", 2 * cfg->smtp_timeout + 60);
	res = db_exec(db,
		      "UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1,"
		      " next_attempt = now() + $3 * interval '1 second'"
		      " FROM (SELECT id FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt <= now()"
		      " AND ($1::text IS NULL OR id = ANY (string_to_array($1, ',')::bigint[]))"
		      " ORDER BY next_attempt LIMIT $2 FOR UPDATE SKIP LOCKED) due"
		      " WHERE o.id = due.id RETURNING o.id, o.case_id, o.kind, o.envelope_from,"
		      " array_to_string(o.recipients, E'\\n'), o.raw, o.attempts,"
		      " o.created < now() - interval '" OUTBOX_MAX_AGE "'",
		      3, (const char *[]){ ids ? list->str : NULL, lim, lease }, f);
	g_string_free(list, TRUE);
	return res;
}

/* Backoff before attempt n + 1: 1m, 5m, 15m, 1h, then 4h. */
static long long outbox_backoff(int attempts)
{
	static const long long steps[] = { 60, 300, 900, 3600, 14400 };

	return steps[attempts < 1 ? 0 : attempts > 5 ? 4 : attempts - 1];
}

/* Record the outcome of one attempt. */
static int outbox_record(struct db *db, PGresult *rows, int i, enum smtp_outcome outcome, const char *reply,
			 struct outbox_stats *st, struct fault *f)
{
	const char *id = PQgetvalue(rows, i, 0), *case_id = db_value(rows, i, 1);
	int attempts = atoi(PQgetvalue(rows, i, 6));
	bool too_old = PQgetvalue(rows, i, 7)[0] == 't';
	char delay[24];

	if (outcome == SMTP_SENT) {
		st->sent++;
		return db_run(db, "UPDATE outbox SET status = 'sent', sent_at = now(), last_error = $2 WHERE id = $1",
			      2, (const char *[]){ id, reply }, f);
	}
	if (outcome != SMTP_PERMFAIL && attempts < OUTBOX_MAX_ATTEMPTS && !too_old) {
		st->deferred++;
		snprintf(delay, sizeof(delay), "%lld", outbox_backoff(attempts));
		return db_run(db, "UPDATE outbox SET status = 'queued', last_error = $2,"
			      " next_attempt = now() + $3 * interval '1 second' WHERE id = $1",
			      3, (const char *[]){ id, reply, delay }, f);
	}
	st->failed++;
	if (db_run(db, "UPDATE outbox SET status = 'failed', last_error = $2 WHERE id = $1", 2,
		   (const char *[]){ id, reply }, f) < 0)
		return -1;
	if (case_id == NULL)
		return 0;
	{
		char *detail = g_strdup_printf("%s to %s: %s%s", PQgetvalue(rows, i, 2), PQgetvalue(rows, i, 4),
					       reply, outcome == SMTP_PERMFAIL ? "" : " (gave up retrying)");
		int r;

		g_strdelimit(detail, "\n", ',');
		r = db_run(db, "INSERT INTO events (case_id, type, actor, detail) VALUES ($1, 'delivery-failed',"
			   " 'system', $2)", 2, (const char *[]){ case_id, detail }, f);
		g_free(detail);
		return r;
	}
}

int outbox_flush(const struct config *cfg, struct db *db, const long long *ids, size_t nids,
		 int limit, struct outbox_stats *st, struct fault *f)
{
	PGresult *rows = outbox_claim(cfg, db, ids, nids, limit, f);
	int i, ret = 0;

	if (rows == NULL)
		return -1;
	for (i = 0; i < PQntuples(rows) && ret == 0; i++) {
		char **rcpts = g_strsplit(PQgetvalue(rows, i, 4), "\n", -1);
		size_t rawlen;
		unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(rows, i, 5), &rawlen);
		struct smtp_message msg = {
			.envelope_from = PQgetvalue(rows, i, 3), .recipients = (const char *const *)rcpts,
			.nrecipients = g_strv_length(rcpts), .data = (const char *)raw, .len = rawlen,
		};
		enum smtp_outcome outcome = SMTP_TEMPFAIL;
		char reply[512] = "";
		struct fault local;

		if (raw == NULL || smtp_send(cfg, &msg, &outcome, reply, sizeof(reply), &local) < 0) {
			snprintf(reply, sizeof(reply), "%s", raw ? local.text : "out of memory");
			outcome = SMTP_TEMPFAIL;
		}
		ret = outbox_record(db, rows, i, outcome, reply, st, f);
		PQfreemem(raw);
		g_strfreev(rcpts);
	}
	PQclear(rows);
	return ret;
}
