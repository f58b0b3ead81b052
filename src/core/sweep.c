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
#include "store.h"
#include "sweep.h"

/* One pass's working state. */
struct sweep {
	const struct config *cfg;
	struct db *db;
	struct outbound ob;
	GHashTable *calendars;		/* calendar id -> struct calendar * */
	struct sweep_stats *st;
	PGresult *res;
	int row;
	long long id;			/* the current row's case */
	long long now;			/* the pass's time, Unix seconds */
};

/* A column of the current row as a number, 0 when NULL. */
static long long sweep_num(const struct sweep *s, enum store_sweep_col col)
{
	return db_get_ll(s->res, s->row, col);
}

/* A column of the current row as text, NULL when NULL. */
static const char *sweep_txt(const struct sweep *s, enum store_sweep_col col)
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
static int sweep_event(struct sweep *s, enum event_type type, const char *detail, struct fault *f)
{
	return store_event(s->db, s->id, type, "sweeper", detail, f);
}

/* Why a case escalates: which level was missed, when, and how late; the
 * mail's template words it, the event has it in English (reason). */
struct sweep_overdue {
	struct outbound_overdue mail;
	char late[32], due[32];
	char *reason;
};

/* Fill o for a level due at due (free o->reason). */
static void sweep_overdue(struct sweep *s, const struct calendar *cal, long long due,
			  struct sweep_overdue *o)
{
	static const char *const words[] = { "first response", "next response", "resolution" };
	GDateTime *dt = g_date_time_new_from_unix_utc(due);
	gchar *iso = g_date_time_format(dt, "%Y-%m-%d %H:%M UTC");
	int which = 2;

	if (due == sweep_num(s, SWEEP_FIRST_DUE))
		which = 0;
	else if (due == sweep_num(s, SWEEP_NEXT_DUE))
		which = 1;
	duration_format(calendar_between(cal, due, s->now), o->late, sizeof(o->late));
	snprintf(o->due, sizeof(o->due), "%s", iso);
	g_free(iso);
	g_date_time_unref(dt);
	o->mail = (struct outbound_overdue){ .missed = which == 0 ? "first" : which == 1 ? "next" : "resolution",
					     .late = o->late, .business = cal != NULL, .due = o->due };
	o->reason = g_strdup_printf("%s overdue by %s%s (due %s)", words[which], o->late,
				    cal ? " of business hours" : "", o->due);
}

/* Mail the step's addresses and record it on the case. */
static int sweep_escalation_mail(struct sweep *s, int level, const struct sweep_overdue *o, GPtrArray *to,
				 const char *extra, struct fault *f)
{
	char *list, *detail;
	int ret;

	g_ptr_array_add(to, NULL);
	if (to->len > 1 && outbound_escalation(&s->ob, s->id, level, &o->mail,
						(const char *const *)to->pdata, f) < 0)
		return -1;
	list = g_strjoinv(", ", (char **)to->pdata);
	detail = g_strdup_printf("level %d: %s; %s%s%s", level, o->reason, to->len > 1 ? "mailed " : "",
				 to->len > 1 ? list : level == 1 ? "no agent to mail" : "no escalation address",
				 extra ? extra : "");
	ret = sweep_event(s, EV_ESCALATED, detail, f);
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
	struct sweep_overdue o = { 0 };
	int ret = -1;

	if (sweep_calendar(s, &cal, f) < 0 || store_agents_to_escalate(s->db, s->id, to, f) < 0)
		goto out;
	if (calendar_add(cal, due, sweep_num(s, SWEEP_ESCALATE_AFTER), &next, f) < 0) {
		/* a calendar without hours must not stop the sweeper: wall time */
		log_warning("case %lld: %s; step 2 in wall time", s->id, f->text);
		fault_clear(f);
		next = due + sweep_num(s, SWEEP_ESCALATE_AFTER);
	}
	sweep_overdue(s, cal, due, &o);
	if (sweep_escalation_mail(s, 1, &o, to, NULL, f) == 0)
		ret = store_case_escalated_first(s->db, s->id, due, next, f);
out:
	g_ptr_array_free(to, TRUE);
	g_free(o.reason);
	return ret;
}

/* Step 2: the queue's escalation address, and a higher priority. */
static int sweep_escalate_second(struct sweep *s, struct fault *f)
{
	const struct calendar *cal;
	GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
	enum case_priority old = PRIORITY_NORMAL, raised;
	struct sweep_overdue o;
	char *extra;
	int ret = -1;

	if (sweep_calendar(s, &cal, f) < 0) {
		g_ptr_array_free(to, TRUE);
		return -1;
	}
	(void)model_priority_parse(sweep_txt(s, SWEEP_PRIORITY), &old);
	raised = model_priority_raise(old);
	if (sweep_txt(s, SWEEP_ESCALATE_TO) != NULL)
		g_ptr_array_add(to, g_strdup(sweep_txt(s, SWEEP_ESCALATE_TO)));
	sweep_overdue(s, cal, sweep_num(s, SWEEP_UNTIL), &o);
	extra = g_strdup_printf("; priority %s -> %s", model_priority_name(old), model_priority_name(raised));
	if (sweep_escalation_mail(s, 2, &o, to, extra, f) == 0)
		ret = store_case_escalated_second(s->db, s->id, raised, f);
	g_ptr_array_free(to, TRUE);
	g_free(o.reason);
	g_free(extra);
	return ret;
}

/* Mail the customer a notice and record it (type, with what happened). */
static int sweep_notice(struct sweep *s, const char *template, long long since, enum event_type type,
			const char *what, struct fault *f)
{
	long long days = since ? (s->now - since) / 86400 : 0;
	char *detail;
	bool sent;
	int ret;

	if (outbound_customer_notice(&s->ob, s->id, template, days, &sent, f) < 0)
		return -1;
	detail = g_strdup_printf("%s (%lld days); %s", what, days, sent ? "customer mailed" : "no mail sent");
	ret = sweep_event(s, type, detail, f);
	g_free(detail);
	return ret;
}

/* Close the case as of the pass's time, its pause bookkeeping with it. */
static int sweep_close(struct sweep *s, struct fault *f)
{
	if (store_case_set_status(s->db, s->id, CASE_CLOSED, s->now, NULL, f) < 0)
		return -1;
	return sla_refresh(s->db, s->id, s->now, f);
}

/* A case pending on the customer: the reminder, then the auto-close. */
static int sweep_pending(struct sweep *s, struct fault *f)
{
	long long since = sweep_num(s, SWEEP_PENDING_SINCE);

	if (!db_get_bool(s->res, s->row, SWEEP_REMINDED) && sweep_txt(s, SWEEP_REMIND_AFTER) != NULL) {
		s->st->reminded++;
		if (sweep_notice(s, "reminder", since, EV_REMINDED, "waiting for the customer", f) < 0)
			return -1;
		return store_case_reminded(s->db, s->id, s->now, f);
	}
	s->st->closed++;
	if (sweep_notice(s, "autoclose", since, EV_AUTO_CLOSED, "no answer from the customer", f) < 0)
		return -1;
	return sweep_close(s, f);
}

/* A resolved case: the survey, then closing it. */
static int sweep_resolved(struct sweep *s, struct fault *f)
{
	if (db_get_bool(s->res, s->row, SWEEP_SURVEY_DUE)) {
		s->st->surveyed++;
		if (sweep_notice(s, "resolved_survey", 0, EV_SURVEY, "satisfaction survey", f) < 0)
			return -1;
		return store_case_surveyed(s->db, s->id, s->now, f);
	}
	s->st->closed++;
	if (sweep_close(s, f) < 0)
		return -1;
	return sweep_event(s, EV_CLOSED, "resolved without a reply from the customer", f);
}

/* A closed case past the queue's retention: drop the mail and what names
 * the customer; the times, status, priority and rating stay. */
static int sweep_purge(struct sweep *s, struct fault *f)
{
	s->st->purged++;
	if (store_case_purge(s->db, s->id, s->now, f) < 0)
		return -1;
	return sweep_event(s, EV_PURGED, "retention: mail and personal data removed", f);
}

/* The next action on the current row's case. */
static int sweep_case(struct sweep *s, struct fault *f)
{
	enum case_status status = CASE_CLOSED;

	s->id = sweep_num(s, SWEEP_ID);
	(void)model_status_parse(sweep_txt(s, SWEEP_STATUS), &status);
	switch (status) {
	case CASE_NEW:
	case CASE_OPEN:
		return sweep_num(s, SWEEP_LEVEL) == 0 ? sweep_escalate_first(s, f) : sweep_escalate_second(s, f);
	case CASE_PENDING:
		return sweep_pending(s, f);
	case CASE_RESOLVED:
		return sweep_resolved(s, f);
	case CASE_CLOSED:
		break;
	}
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
	log_warning("sweep: case %lld skipped: %s", s->id, f->text);
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
	int ret = 0;

	*count_r = 0;
	s.calendars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, sweep_calendar_free);
	if (db_begin(db, f) < 0) {
		ret = -1;
		goto out;
	}
	s.res = store_sweep_claim(db, now, limit, f);
	if (s.res == NULL) {
		ret = -1;
		goto done;
	}
	*count_r = PQntuples(s.res);
	if (*count_r > 0)
		s.now = sweep_num(&s, SWEEP_NOW);	/* one time for the batch */
	for (s.row = 0; s.row < *count_r && ret == 0; s.row++)
		ret = sweep_guarded(&s, f);
	PQclear(s.res);
	if (ret == 0)
		ret = store_auto_mail_forget(db, f);	/* rate-limit rows past their day */
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
