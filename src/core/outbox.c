/* outbox.c: the outbox table as a mail queue.
 *
 * A row is written in the caller's transaction (outbox_add). Sending
 * (outbox_flush) claims due rows in one short statement of its own
 * (FOR UPDATE SKIP LOCKED; status 'sending', attempts + 1, next_attempt =
 * now + a lease longer than one SMTP session); deliver, which sends its
 * rows right after its commit, writes them claimed that way already and
 * saves the claim. Each row is sent outside any transaction, and the
 * outcome recorded without waiting for the disk (synchronous_commit off
 * while a flush runs), in one statement when all went well, else in a
 * short transaction: 'sent';
 * 'queued' again with backoff (1m, 5m, 15m, 1h, then every 4h); or
 * 'failed' with a 'delivery-failed' event on the case, for a 5xx or when
 * the retry limit is reached (10 attempts or 5 days, as Postfix's
 * maximal_queue_lifetime). The outcome is recorded only while the row is
 * still ours (same status and attempt number).
 *
 * The guarantee: a message is never lost, and never sent twice except for
 * one duplicate in two cases: the process dies (or loses the database)
 * between the server's acceptance and the record, or the database crashes
 * before the record reached its disk, so the row's lease runs out and it
 * is claimed again; or the connection broke after all the data
 * went out and before the server's reply (SMTP_UNKNOWN), which is retried
 * because the server may not have it. Several senders at once (deliver and
 * any number of sweepers, on any hosts) never send the same row at the same
 * time: a row is claimed by one of them, and the lease is renewed before
 * each send when the batch has been slow.
 *
 * Recipients are handled one by one where SMTP allows: of a message some
 * recipients took and others refused, the refused ones with a 5xx get an
 * event and the ones with a 4xx are queued again as a row of their own. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "outbox.h"
#include "smtp.h"
#include "store.h"

/* Give up after this many attempts or this long after the row was made. */
#define OUTBOX_MAX_ATTEMPTS 10
#define OUTBOX_MAX_AGE "5 days"
/* Rows claimed at once when the caller gives no limit. */
#define OUTBOX_DEFAULT_BATCH 100
/* Renew a row's lease before sending it when the batch is older than this (s). */
#define OUTBOX_RENEW_AFTER 10

/* The columns the claim returns. */
enum { OB_ID, OB_CASE, OB_KIND, OB_FROM, OB_RCPTS, OB_RAW, OB_ATTEMPTS, OB_TOO_OLD };

/* One claimed row while it is being sent. */
struct outbox_row {
	const char *id;
	const char *case_id;	/* NULL when the mail belongs to no case */
	const char *kind;
	char attempts[16];
	char **rcpts;
	size_t nrcpts;
	bool give_up;		/* this attempt is the last one */
};

long long outbox_lease(const struct config *cfg)
{
	return SMTP_SESSION_LIMIT(cfg->smtp_timeout) + 30;
}

/* Backoff before attempt n + 1: 1m, 5m, 15m, 1h, then 4h. */
static long long outbox_backoff(int attempts)
{
	static const long long steps[] = { 60, 300, 900, 3600, 14400 };

	return steps[attempts < 1 ? 0 : attempts > 5 ? 4 : attempts - 1];
}

int outbox_add(struct db *db, long long case_id, const char *kind, const char *envelope_from,
	       const char *const *recipients, size_t nrecipients, const char *raw, size_t len,
	       long long lease_s, long long *id_r, struct fault *f)
{
	GString *rcpts;
	const char *p[6];
	int l[6] = { 0, 0, 0, 0, (int)len, 0 }, b[6] = { 0, 0, 0, 0, 1, 0 };
	PGresult *res;
	size_t i;

	if (kind == NULL || kind[0] == '\0' || envelope_from == NULL || nrecipients == 0)
		return fault_perm(f, "outbox: a mail needs a kind, an envelope sender and recipients");
	if (len > (size_t)G_MAXINT)
		return fault_perm(f, "outbox: a %zu-byte mail is too large", len);
	rcpts = g_string_new(NULL);
	for (i = 0; i < nrecipients; i++) {
		if (recipients[i] == NULL || recipients[i][0] == '\0' || strpbrk(recipients[i], "\r\n") != NULL) {
			g_string_free(rcpts, TRUE);
			return fault_perm(f, "outbox: recipient %zu is empty or holds a line break", i + 1);
		}
		g_string_append_printf(rcpts, "%s%s", i ? "\n" : "", recipients[i]);
	}
	p[0] = case_id > 0 ? DB_ID(case_id) : NULL;
	p[1] = kind;
	p[2] = envelope_from;
	p[3] = rcpts->str;
	p[4] = raw;
	p[5] = DB_ID(lease_s);
	res = db_exec_bin(db, "INSERT INTO outbox (case_id, kind, envelope_from, recipients, raw, status, attempts,"
			  " next_attempt) VALUES ($1, $2, $3, string_to_array($4, E'\\n'), $5,"
			  " CASE WHEN $6::int > 0 THEN 'sending' ELSE 'queued' END,"
			  " CASE WHEN $6::int > 0 THEN 1 ELSE 0 END, now() + $6::int * interval '1 second') RETURNING id",
			  6, p, l, b, f);
	g_string_free(rcpts, TRUE);
	if (res == NULL)
		return -1;
	if (id_r != NULL)
		*id_r = db_get_ll(res, 0, 0);
	PQclear(res);
	return 0;
}

/* The columns of a row to send, as the queries below return them. */
#define OUTBOX_COLUMNS(o) o "id, " o "case_id, " o "kind, " o "envelope_from, array_to_string(" o "recipients, E'\\n'),"\
	" " o "raw, " o "attempts, " o "created < now() - interval '" OUTBOX_MAX_AGE "'"

/* Claim up to limit due rows in one statement; returns them. */
static PGresult *outbox_claim(const struct config *cfg, struct db *db, int limit, struct fault *f)
{
	return db_exec(db,
		       "UPDATE outbox o SET status = 'sending', attempts = o.attempts + 1,"
		       " next_attempt = now() + $2 * interval '1 second'"
		       " FROM (SELECT id FROM outbox WHERE status IN ('queued', 'sending') AND next_attempt <= now()"
		       " ORDER BY next_attempt LIMIT $1 FOR UPDATE SKIP LOCKED) due"
		       " WHERE o.id = due.id RETURNING " OUTBOX_COLUMNS("o."),
		       2, (const char *[]){ DB_ID(limit > 0 ? limit : OUTBOX_DEFAULT_BATCH), DB_ID(outbox_lease(cfg)) }, f);
}

/* The rows among ids that the caller queued born claimed and still holds:
 * first attempt, claim not run out (a plain read: no commit to wait for). */
static PGresult *outbox_own(struct db *db, const long long *ids, size_t nids, struct fault *f)
{
	GString *list = g_string_new("{");
	PGresult *res;
	size_t i;

	for (i = 0; i < nids; i++)
		g_string_append_printf(list, "%s%lld", i ? "," : "", ids[i]);
	g_string_append_c(list, '}');
	res = db_exec(db, "SELECT " OUTBOX_COLUMNS("") " FROM outbox WHERE id = ANY ($1::bigint[])"
		      " AND status = 'sending' AND attempts = 1 AND next_attempt > now() ORDER BY id",
		      1, (const char *[]){ list->str }, f);
	g_string_free(list, TRUE);
	return res;
}

/* Renew the lease of a row before sending it; *mine_r is false when the
 * row is no longer ours (our lease ran out and someone else claimed it). */
static int outbox_renew(const struct config *cfg, struct db *db, const struct outbox_row *row, bool *mine_r,
			struct fault *f)
{
	PGresult *res;

	res = db_exec(db, "UPDATE outbox SET next_attempt = now() + $3 * interval '1 second'"
		      " WHERE id = $1 AND status = 'sending' AND attempts = $2 RETURNING id",
		      3, (const char *[]){ row->id, row->attempts, DB_ID(outbox_lease(cfg)) }, f);
	if (res == NULL)
		return -1;
	*mine_r = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

/* Join the recipients whose reply code is in [lo, hi] (0 counts as 400:
 * not answered, try again) with sep. */
static char *outbox_pick(const struct outbox_row *row, const int *codes, int lo, int hi, const char *sep)
{
	GString *s = g_string_new(NULL);
	size_t i;

	for (i = 0; i < row->nrcpts; i++) {
		int c = codes[i] == 0 ? 400 : codes[i];

		if (c >= lo && c <= hi)
			g_string_append_printf(s, "%s%s", s->len ? sep : "", row->rcpts[i]);
	}
	return g_string_free(s, FALSE);
}

/* A 'delivery-failed' event on the row's case (none for mail of no case). */
static int outbox_event(struct db *db, const struct outbox_row *row, const char *rcpts, const char *reply,
			bool gave_up, struct fault *f)
{
	char *detail;
	int r;

	if (row->case_id == NULL || rcpts[0] == '\0')
		return 0;
	detail = g_strdup_printf("%s to %s: %s%s%s%s", row->kind, rcpts, reply, gave_up ? " (gave up after " : "",
				 gave_up ? row->attempts : "", gave_up ? " attempts)" : "");
	r = store_event(db, atoll(row->case_id), EV_DELIVERY_FAILED, "system", detail, f);
	g_free(detail);
	return r;
}

/* Run an UPDATE of the row that ends in OUTBOX_OURS ($1 id, $2 attempts);
 * *mine_r says whether the row was still ours. */
static int outbox_update(struct db *db, const char *sql, int nparams, const char *const *params, bool *mine_r,
			 struct fault *f)
{
	PGresult *res = db_exec(db, sql, nparams, params, f);

	if (res == NULL)
		return -1;
	*mine_r = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

#define OUTBOX_OURS " WHERE id = $1 AND status = 'sending' AND attempts = $2 RETURNING id"

/* Record the outcome of one attempt: one statement when all recipients
 * took it, else a short transaction (see the top). */
static int outbox_record(const struct outbox_row *row, struct db *db, enum smtp_outcome outcome, const int *codes,
			 const char *reply, struct outbox_stats *st, struct fault *f)
{
	const char *delay = DB_ID(outbox_backoff(atoi(row->attempts)));
	char *hard = outbox_pick(row, codes, 500, 599, ", ");
	char *soft = outbox_pick(row, codes, 400, 499, "\n"), *soft_list = outbox_pick(row, codes, 400, 499, ", ");
	char *all = outbox_pick(row, codes, 0, 999, ", ");
	bool mine = false, alone = outcome == SMTP_SENT && hard[0] == '\0' && soft[0] == '\0';
	int ret = -1;

	if (!alone && db_begin(db, f) < 0)
		goto out;
	if (outcome == SMTP_SENT) {
		st->sent++;
		if (outbox_update(db, "UPDATE outbox SET status = 'sent', sent_at = now(), last_error = $3" OUTBOX_OURS,
				  3, (const char *[]){ row->id, row->attempts, reply }, &mine, f) < 0)
			goto out;
		if (mine && outbox_event(db, row, hard, reply, false, f) < 0)
			goto out;
		/* the recipients that answered 4xx get a row of their own */
		if (mine && soft[0] != '\0' && row->give_up && outbox_event(db, row, soft_list, reply, true, f) < 0)
			goto out;
		if (mine && soft[0] != '\0' && !row->give_up &&
		    db_run(db, "INSERT INTO outbox (case_id, kind, envelope_from, recipients, raw, status, attempts,"
			   " next_attempt, last_error, created) SELECT case_id, kind, envelope_from,"
			   " string_to_array($2, E'\\n'), raw, 'queued', attempts, now() + $3 * interval '1 second',"
			   " $4, created FROM outbox WHERE id = $1",
			   4, (const char *[]){ row->id, soft, delay, reply }, f) < 0)
			goto out;
	} else if (outcome == SMTP_PERMFAIL || row->give_up) {
		st->failed++;
		if (outbox_update(db, "UPDATE outbox SET status = 'failed', last_error = $3" OUTBOX_OURS,
				  3, (const char *[]){ row->id, row->attempts, reply }, &mine, f) < 0)
			goto out;
		if (mine && outbox_event(db, row, all, reply, outcome != SMTP_PERMFAIL, f) < 0)
			goto out;
	} else {
		/* TEMPFAIL or UNKNOWN: again later, without those refused for good */
		char *keep = outbox_pick(row, codes, 0, 499, "\n");
		int r;

		st->deferred++;
		r = outbox_update(db, "UPDATE outbox SET status = 'queued', last_error = $3,"
				  " next_attempt = now() + $4 * interval '1 second',"
				  " recipients = CASE WHEN $5 = '' THEN recipients ELSE string_to_array($5, E'\\n') END"
				  OUTBOX_OURS, 5, (const char *[]){ row->id, row->attempts, reply, delay,
				  hard[0] != '\0' ? keep : "" }, &mine, f);
		g_free(keep);
		if (r < 0 || (mine && outbox_event(db, row, hard, reply, false, f) < 0))
			goto out;
	}
	ret = alone ? 0 : db_commit(db, f);
out:
	if (ret < 0)
		db_rollback(db);
	g_free(hard);
	g_free(soft);
	g_free(soft_list);
	g_free(all);
	return ret;
}

int outbox_flush(const struct config *cfg, struct db *db, struct smtp_session *smtp, const long long *ids,
		 size_t nids, int limit, struct outbox_stats *st, struct fault *f)
{
	struct smtp_session *own = NULL;
	PGresult *rows;
	gint64 claimed;
	char skip[512] = "";
	int i, ret = 0;

	if (ids != NULL && nids == 0)
		return 0;
	/* Records of outcomes do not wait for the disk: one lost in a database
	 * crash leaves its row claimed, and it is sent again when the claim runs
	 * out, the one duplicate the top allows. */
	if (db_run(db, "SET synchronous_commit TO off", 0, NULL, f) < 0)
		return -1;
	rows = ids ? outbox_own(db, ids, nids, f) : outbox_claim(cfg, db, limit, f);
	if (rows == NULL)
		ret = -1;
	claimed = g_get_monotonic_time();
	if (smtp == NULL)
		smtp = own = smtp_session_new(cfg);
	for (i = 0; rows != NULL && i < PQntuples(rows) && ret == 0; i++) {
		struct outbox_row row = {
			.id = PQgetvalue(rows, i, OB_ID), .case_id = db_value(rows, i, OB_CASE),
			.kind = PQgetvalue(rows, i, OB_KIND),
			.rcpts = g_strsplit(PQgetvalue(rows, i, OB_RCPTS), "\n", -1),
		};
		enum smtp_outcome outcome = SMTP_TEMPFAIL;
		char reply[1024] = "";
		size_t rawlen = 0;
		unsigned char *raw = NULL;
		int *codes;
		bool mine = true;

		snprintf(row.attempts, sizeof(row.attempts), "%s", PQgetvalue(rows, i, OB_ATTEMPTS));
		row.nrcpts = g_strv_length(row.rcpts);
		row.give_up = atoi(row.attempts) >= OUTBOX_MAX_ATTEMPTS || db_get_bool(rows, i, OB_TOO_OLD);
		codes = g_new0(int, row.nrcpts + 1);
		if (skip[0] == '\0' && g_get_monotonic_time() - claimed > OUTBOX_RENEW_AFTER * G_USEC_PER_SEC)
			ret = outbox_renew(cfg, db, &row, &mine, f);
		if (ret == 0 && mine && skip[0] != '\0') {
			/* the server made the last one wait out a timeout: do not
			 * make every other row of this batch wait as long */
			snprintf(reply, sizeof(reply), "not tried: %s", skip);
			ret = outbox_record(&row, db, SMTP_TEMPFAIL, codes, reply, st, f);
		} else if (ret == 0 && mine) {
			struct smtp_message msg = {
				.envelope_from = PQgetvalue(rows, i, OB_FROM),
				.recipients = (const char *const *)row.rcpts, .nrecipients = row.nrcpts,
				.rcpt_codes = codes,
			};
			gint64 started = g_get_monotonic_time();
			struct fault local = { 0 };

			raw = PQunescapeBytea((const unsigned char *)PQgetvalue(rows, i, OB_RAW), &rawlen);
			msg.data = (const char *)raw;
			msg.len = rawlen;
			if (raw == NULL)
				snprintf(reply, sizeof(reply), "out of memory");
			else if (smtp_session_send(smtp, &msg, &outcome, reply, sizeof(reply), &local) < 0)
				snprintf(reply, sizeof(reply), "%s", local.text);
			if (raw == NULL || local.kind != FAULT_NONE)
				outcome = SMTP_TEMPFAIL;	/* a local problem: keep the mail */
			if (outcome == SMTP_TEMPFAIL &&
			    g_get_monotonic_time() - started >= cfg->smtp_timeout * G_USEC_PER_SEC)
				snprintf(skip, sizeof(skip), "%s", reply);
			ret = outbox_record(&row, db, outcome, codes, reply, st, f);
		}
		PQfreemem(raw);
		g_free(codes);
		g_strfreev(row.rcpts);
	}
	PQclear(rows);
	smtp_session_free(&own);
	/* whatever comes next in this session (the sweeper's case work) is durable again */
	if (db_run(db, "RESET synchronous_commit", 0, NULL, ret == 0 ? f : &(struct fault){ 0 }) < 0)
		ret = -1;
	return ret;
}
