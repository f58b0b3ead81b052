/* sweep.c: escalation, reminders, auto-close, surveys, closing and
 * retention for the cases that are due (see sweep.h). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "config.h"
#include "db.h"
#include "duration.h"
#include "log.h"
#include "outbound.h"
#include "sla.h"
#include "sweep.h"

/* The batch: what a case's next action needs, read with the claim. */
enum {
	SWEEP_ID, SWEEP_STATUS, SWEEP_LEVEL, SWEEP_FIRST_DUE, SWEEP_NEXT_DUE, SWEEP_RESOLUTION_DUE,
	SWEEP_UNTIL, SWEEP_WAKE, SWEEP_CALENDAR, SWEEP_ESCALATE_AFTER, SWEEP_ESCALATE_TO, SWEEP_PRIORITY,
	SWEEP_PENDING_SINCE, SWEEP_REMINDED, SWEEP_REMIND_AFTER, SWEEP_RESOLVED_AT, SWEEP_SURVEY_DUE,
	SWEEP_NOW,
};
static const char sweep_batch_sql[] =
	"WITH t AS (SELECT CASE WHEN $1 = '0' THEN now() ELSE to_timestamp($1::float8) END AS now)"
	" SELECT c.id, c.status, c.escalation_level,"
	" " DB_EPOCH("CASE WHEN c.first_response_at IS NULL THEN c.first_response_due END") ","
	" " DB_EPOCH("c.next_response_due") ", " DB_EPOCH("c.resolution_due") ","
	" " DB_EPOCH("c.escalated_until") ", " DB_EPOCH("c.wake_at") ","
	" q.calendar_id, q.escalate_after_s, q.escalate_to, c.priority,"
	" " DB_EPOCH("c.pending_since") ", c.reminded_at IS NOT NULL, q.remind_after_s,"
	" " DB_EPOCH("c.resolved_at") ", c.survey_sent_at IS NULL AND q.survey AND c.customer_id IS NOT NULL,"
	" " DB_EPOCH("t.now")
	" FROM cases c JOIN queues q ON q.id = c.queue_id, t"
	" WHERE c.wake_at <= t.now ORDER BY c.wake_at LIMIT $2 FOR UPDATE OF c SKIP LOCKED";

/* One pass's working state. */
struct sweep {
	const struct config *cfg;
	struct db *db;
	struct outbound ob;
	GHashTable *calendars;		/* calendar id -> struct calendar * */
	struct sweep_stats *st;
	PGresult *res;
	int row;
	char id[24];
	long long now;			/* the pass's time, Unix seconds */
	char at[24];			/* the same as a query parameter */
};

/* A column of the current row as a number, 0 when NULL. */
static long long sweep_num(const struct sweep *s, int col)
{
	const char *v = db_value(s->res, s->row, col);

	return v ? atoll(v) : 0;
}

/* A column of the current row as text, NULL when NULL. */
static const char *sweep_txt(const struct sweep *s, int col)
{
	return db_value(s->res, s->row, col);
}

/* The case's business calendar (NULL: wall time), loaded once per batch. */
static int sweep_calendar(struct sweep *s, const struct calendar **cal_r, struct fault *f)
{
	const char *id = sweep_txt(s, SWEEP_CALENDAR);
	struct calendar *cal;

	*cal_r = NULL;
	if (id == NULL)
		return 0;
	cal = g_hash_table_lookup(s->calendars, id);
	if (cal == NULL) {
		if (sla_calendar_load(s->db, id, &cal, f) < 0)
			return -1;
		g_hash_table_insert(s->calendars, g_strdup(id), cal);
	}
	*cal_r = cal;
	return 0;
}

/* Record what was done. */
static int sweep_event(struct sweep *s, const char *type, const char *detail, struct fault *f)
{
	return db_run(s->db, "INSERT INTO events (case_id, type, actor, detail) VALUES ($1, $2, 'sweeper', $3)",
		      3, (const char *[]){ s->id, type, detail }, f);
}

/* Why the case escalates: which level was missed, when, and how late. */
static char *sweep_reason(struct sweep *s, const struct calendar *cal, long long due)
{
	const char *what = "resolution";
	char late[32], when[32];
	GDateTime *dt = g_date_time_new_from_unix_utc(due);
	gchar *iso = g_date_time_format(dt, "%Y-%m-%d %H:%M UTC");

	if (due == sweep_num(s, SWEEP_FIRST_DUE))
		what = "first response";
	else if (due == sweep_num(s, SWEEP_NEXT_DUE))
		what = "next response";
	duration_format(calendar_between(cal, due, s->now), late, sizeof(late));
	snprintf(when, sizeof(when), "%s", iso);
	g_free(iso);
	g_date_time_unref(dt);
	return g_strdup_printf("%s overdue by %s%s (due %s)", what, late,
			       cal ? " of business hours" : "", when);
}

/* Who gets step 1: the assignee, else the queue's active agents. */
static int sweep_agents(struct sweep *s, GPtrArray *to, struct fault *f)
{
	PGresult *res = db_exec(s->db,
		"SELECT a.email FROM cases c JOIN agents a ON a.active AND (a.id = c.assignee_id OR"
		" (NOT EXISTS (SELECT 1 FROM agents x WHERE x.id = c.assignee_id AND x.active)"
		"  AND a.id IN (SELECT agent_id FROM agent_queues WHERE queue_id = c.queue_id)))"
		" WHERE c.id = $1 ORDER BY a.email", 1, (const char *[]){ s->id }, f);
	int i;

	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		g_ptr_array_add(to, g_strdup(PQgetvalue(res, i, 0)));
	PQclear(res);
	return 0;
}

/* The priority one step up (urgent stays urgent). */
static const char *sweep_raise(const char *priority)
{
	static const char *const order[] = { "low", "normal", "high", "urgent" };
	size_t i;

	for (i = 0; i + 1 < G_N_ELEMENTS(order); i++)
		if (strcmp(priority, order[i]) == 0)
			return order[i + 1];
	return "urgent";
}

/* Mail the step's addresses and record it on the case. */
static int sweep_escalation_mail(struct sweep *s, int level, const char *reason, GPtrArray *to,
				 const char *extra, struct fault *f)
{
	char *list, *detail;
	int ret;

	g_ptr_array_add(to, NULL);
	if (to->len > 1 && outbound_escalation(&s->ob, atoll(s->id), level, reason,
						(const char *const *)to->pdata, f) < 0)
		return -1;
	list = g_strjoinv(", ", (char **)to->pdata);
	detail = g_strdup_printf("level %d: %s; %s%s%s", level, reason, to->len > 1 ? "mailed " : "",
				 to->len > 1 ? list : level == 1 ? "no agent to mail" : "no escalation address",
				 extra ? extra : "");
	ret = sweep_event(s, "escalated", detail, f);
	g_free(list);
	g_free(detail);
	s->st->escalated++;
	return ret;
}

/* Step 1 of a new breach: the assignee or the queue's agents. */
static int sweep_escalate_first(struct sweep *s, struct fault *f)
{
	const struct calendar *cal;
	GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
	long long due = sweep_num(s, SWEEP_WAKE), next;
	char *reason = NULL, p[2][24];
	int ret = -1;

	if (sweep_calendar(s, &cal, f) < 0 || sweep_agents(s, to, f) < 0)
		goto out;
	if (calendar_add(cal, due, sweep_num(s, SWEEP_ESCALATE_AFTER), &next, f) < 0) {
		/* a calendar without hours must not stop the sweeper: wall time */
		log_warning("case %s: %s; step 2 in wall time", s->id, f->text);
		fault_clear(f);
		next = due + sweep_num(s, SWEEP_ESCALATE_AFTER);
	}
	reason = sweep_reason(s, cal, due);
	snprintf(p[0], sizeof(p[0]), "%lld", due);
	snprintf(p[1], sizeof(p[1]), "%lld", next);
	if (sweep_escalation_mail(s, 1, reason, to, NULL, f) == 0)
		ret = db_run(s->db, "UPDATE cases SET escalation_level = 1, escalated_until = to_timestamp($2::float8),"
			     " escalation_next = to_timestamp($3::float8) WHERE id = $1",
			     3, (const char *[]){ s->id, p[0], p[1] }, f);
out:
	g_ptr_array_free(to, TRUE);
	g_free(reason);
	return ret;
}

/* Step 2: the queue's escalation address, and a higher priority. */
static int sweep_escalate_second(struct sweep *s, struct fault *f)
{
	const struct calendar *cal;
	GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
	const char *old = sweep_txt(s, SWEEP_PRIORITY), *raised = sweep_raise(old);
	char *reason, *extra;
	int ret = -1;

	if (sweep_calendar(s, &cal, f) < 0) {
		g_ptr_array_free(to, TRUE);
		return -1;
	}
	if (sweep_txt(s, SWEEP_ESCALATE_TO) != NULL)
		g_ptr_array_add(to, g_strdup(sweep_txt(s, SWEEP_ESCALATE_TO)));
	reason = sweep_reason(s, cal, sweep_num(s, SWEEP_UNTIL));
	extra = g_strdup_printf("; priority %s -> %s", old, raised);
	if (sweep_escalation_mail(s, 2, reason, to, extra, f) == 0)
		ret = db_run(s->db, "UPDATE cases SET escalation_level = 2, escalation_next = NULL, priority = $2,"
			     " updated = now() WHERE id = $1", 2, (const char *[]){ s->id, raised }, f);
	g_ptr_array_free(to, TRUE);
	g_free(reason);
	g_free(extra);
	return ret;
}

/* Mail the customer a notice and record it (type, with what happened). */
static int sweep_notice(struct sweep *s, const char *template, long long since, const char *type,
			const char *what, struct fault *f)
{
	long long days = since ? (s->now - since) / 86400 : 0;
	char *detail;
	bool sent;
	int ret;

	if (outbound_customer_notice(&s->ob, atoll(s->id), template, days, &sent, f) < 0)
		return -1;
	detail = g_strdup_printf("%s (%lld days); %s", what, days, sent ? "customer mailed" : "no mail sent");
	ret = sweep_event(s, type, detail, f);
	g_free(detail);
	return ret;
}

/* Close the case as of the pass's time, its pause bookkeeping with it. */
static int sweep_close(struct sweep *s, struct fault *f)
{
	if (sla_set_status(s->db, atoll(s->id), "closed", s->now, NULL, f) < 0)
		return -1;
	return sla_refresh(s->db, atoll(s->id), s->now, f);
}

/* A case pending on the customer: the reminder, then the auto-close. */
static int sweep_pending(struct sweep *s, struct fault *f)
{
	long long since = sweep_num(s, SWEEP_PENDING_SINCE);

	if (strcmp(sweep_txt(s, SWEEP_REMINDED), "f") == 0 && sweep_txt(s, SWEEP_REMIND_AFTER) != NULL) {
		s->st->reminded++;
		if (sweep_notice(s, "reminder", since, "reminded", "waiting for the customer", f) < 0)
			return -1;
		return db_run(s->db, "UPDATE cases SET reminded_at = to_timestamp($2::float8) WHERE id = $1", 2,
			      (const char *[]){ s->id, s->at }, f);
	}
	s->st->closed++;
	if (sweep_notice(s, "autoclose", since, "auto-closed", "no answer from the customer", f) < 0)
		return -1;
	return sweep_close(s, f);
}

/* A resolved case: the survey, then closing it. */
static int sweep_resolved(struct sweep *s, struct fault *f)
{
	if (strcmp(sweep_txt(s, SWEEP_SURVEY_DUE), "t") == 0) {
		s->st->surveyed++;
		if (sweep_notice(s, "resolved_survey", 0, "survey", "satisfaction survey", f) < 0)
			return -1;
		return db_run(s->db, "UPDATE cases SET survey_sent_at = to_timestamp($2::float8) WHERE id = $1", 2,
			      (const char *[]){ s->id, s->at }, f);
	}
	s->st->closed++;
	if (sweep_close(s, f) < 0)
		return -1;
	return sweep_event(s, "closed", "resolved without a reply from the customer", f);
}

/* A closed case past the queue's retention: drop the mail and what names
 * the customer; the times, status, priority and rating stay. */
static int sweep_purge(struct sweep *s, struct fault *f)
{
	const char *p[2] = { s->id, s->at };

	s->st->purged++;
	if (db_run(s->db, "DELETE FROM attachments WHERE message_id IN"
		   " (SELECT id FROM messages WHERE case_id = $1)", 1, p, f) < 0 ||
	    db_run(s->db, "UPDATE messages SET raw = NULL, body_text = NULL, body_html = NULL, subject = NULL,"
		   " from_addr = NULL, from_name = NULL, to_addrs = NULL, cc_addrs = NULL,"
		   " envelope_sender = NULL, envelope_recipient = NULL WHERE case_id = $1", 1, p, f) < 0 ||
	    db_run(s->db, "DELETE FROM outbox WHERE case_id = $1", 1, p, f) < 0 ||
	    db_run(s->db, "DELETE FROM watchers WHERE case_id = $1", 1, p, f) < 0 ||
	    db_run(s->db, "UPDATE events SET detail = NULL, actor = NULL WHERE case_id = $1", 1, p, f) < 0 ||
	    db_run(s->db, "UPDATE cases SET subject = '', customer_id = NULL, rating_comment = NULL,"
		   " purged_at = to_timestamp($2::float8) WHERE id = $1", 2, p, f) < 0)
		return -1;
	return sweep_event(s, "purged", "retention: mail and personal data removed", f);
}

/* The next action on the current row's case. */
static int sweep_case(struct sweep *s, struct fault *f)
{
	const char *status = sweep_txt(s, SWEEP_STATUS);

	snprintf(s->id, sizeof(s->id), "%s", sweep_txt(s, SWEEP_ID));
	if (strcmp(status, "new") == 0 || strcmp(status, "open") == 0)
		return sweep_num(s, SWEEP_LEVEL) == 0 ? sweep_escalate_first(s, f) : sweep_escalate_second(s, f);
	if (strcmp(status, "pending") == 0)
		return sweep_pending(s, f);
	if (strcmp(status, "resolved") == 0)
		return sweep_resolved(s, f);
	return sweep_purge(s, f);
}

/* The case's action in a savepoint: a case that fails for good (its data
 * or a template cannot work) is skipped with a warning, counted, and left
 * due, so that it cannot hold up the others; a temporary failure ends the
 * batch. */
static int sweep_guarded(struct sweep *s, struct fault *f)
{
	struct sweep_stats before = *s->st;

	if (db_run(s->db, "SAVEPOINT sweep_case", 0, NULL, f) < 0)
		return -1;
	if (sweep_case(s, f) == 0)
		return db_run(s->db, "RELEASE SAVEPOINT sweep_case", 0, NULL, f);
	if (f->kind != FAULT_PERMANENT)
		return -1;
	log_warning("sweep: case %s skipped: %s", s->id, f->text);
	fault_clear(f);
	*s->st = before;	/* what was counted was rolled back */
	s->st->failed++;
	return db_run(s->db, "ROLLBACK TO SAVEPOINT sweep_case", 0, NULL, f);
}

/* Free a cached calendar. */
static void sweep_calendar_free(gpointer cal)
{
	struct calendar *c = cal;

	calendar_free(&c);
}

int sweep_cases(const struct config *cfg, struct db *db, const struct keyring *ring, long long now,
		int limit, struct sweep_stats *st, int *count_r, struct fault *f)
{
	GArray *queued = g_array_new(FALSE, FALSE, sizeof(long long));
	struct sweep s = { .cfg = cfg, .db = db, .st = st,
			   .ob = { .cfg = cfg, .db = db, .ring = ring, .queued = queued } };
	char at[24], lim[16];
	int ret = 0;

	*count_r = 0;
	snprintf(at, sizeof(at), "%lld", now);
	snprintf(lim, sizeof(lim), "%d", limit);
	s.calendars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, sweep_calendar_free);
	if (db_begin(db, f) < 0) {
		ret = -1;
		goto out;
	}
	s.res = db_exec(db, sweep_batch_sql, 2, (const char *[]){ at, lim }, f);
	if (s.res == NULL) {
		ret = -1;
		goto done;
	}
	*count_r = PQntuples(s.res);
	if (*count_r > 0) {
		s.now = sweep_num(&s, SWEEP_NOW);	/* one time for the batch */
		snprintf(s.at, sizeof(s.at), "%lld", s.now);
	}
	for (s.row = 0; s.row < *count_r && ret == 0; s.row++)
		ret = sweep_guarded(&s, f);
	PQclear(s.res);
done:
	if (ret == 0)
		ret = db_commit(db, f);
	if (ret < 0)
		db_rollback(db);
out:
	g_hash_table_destroy(s.calendars);
	g_array_free(queued, TRUE);
	return ret;
}
