/* sla.c: due times of a case in business time, recomputed from its state. */
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "db.h"
#include "log.h"
#include "sla.h"

int sla_calendar_load(struct db *db, const char *calendar_id, struct calendar **cal_r, struct fault *f)
{
	struct calendar_week week = { 0 };
	PGresult *res;
	int i, ret = 0;

	*cal_r = NULL;
	if (calendar_id == NULL)
		return 0;
	res = db_exec(db, "SELECT c.timezone, h.weekday, h.start_min, h.end_min FROM calendars c"
		      " JOIN calendar_hours h ON h.calendar_id = c.id WHERE c.id = $1", 1,
		      (const char *[]){ calendar_id }, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return fault_perm(f, "calendar %s has no business hours", calendar_id);
	}
	for (i = 0; i < PQntuples(res) && week.count < CALENDAR_MAX_SPANS; i++)
		week.spans[week.count++] = (struct calendar_span){
			atoi(PQgetvalue(res, i, 1)), atoi(PQgetvalue(res, i, 2)), atoi(PQgetvalue(res, i, 3)) };
	*cal_r = calendar_new(PQgetvalue(res, 0, 0), &week, f);
	PQclear(res);
	if (*cal_r == NULL)
		return -1;
	res = db_exec(db, "SELECT day::text FROM calendar_holidays WHERE calendar_id = $1", 1,
		      (const char *[]){ calendar_id }, f);
	if (res == NULL)
		ret = -1;
	for (i = 0; res != NULL && i < PQntuples(res) && ret == 0; i++)
		ret = calendar_add_holiday(*cal_r, PQgetvalue(res, i, 0), f);
	PQclear(res);
	if (ret < 0)
		calendar_free(cal_r);
	return ret;
}

/* What sla_refresh reads and writes. Instants are Unix seconds, 0 = none. */
struct sla_case {
	char status[16];
	long long created, paused_at, paused_s, last_reply;
	long long first_s, next_s, resolution_s, unanswered, now;
	long long first_due, next_due, resolution_due;
};

/* A column as a number, 0 when NULL. */
static long long sla_num(const PGresult *res, int col)
{
	const char *v = db_value(res, 0, col);

	return v ? atoll(v) : 0;
}

/* Read the case, its queue's service levels and the first customer mail
 * not answered yet; *calendar_id_r gets the queue's calendar (g_free). */
static int sla_read(struct db *db, const char *id, long long now, struct sla_case *c, char **calendar_id_r,
		    struct fault *f)
{
	char at[24];
	PGresult *res;

	snprintf(at, sizeof(at), "%lld", now);
	res = db_exec(db,
		      "SELECT c.status, " DB_EPOCH("c.created") ", " DB_EPOCH("c.paused_at") ", c.paused_s,"
		      " " DB_EPOCH("c.last_reply_at") ", q.first_response_s, q.next_response_s, q.resolution_s,"
		      " q.calendar_id, (SELECT " DB_EPOCH("min(m.created)") " FROM messages m WHERE m.case_id = c.id"
		      "  AND m.direction = 'in' AND m.kind = 'customer' AND m.classification = 'normal'"
		      "  AND m.created > c.last_reply_at),"
		      " CASE WHEN $2 = '0' THEN " DB_EPOCH("now()") " ELSE $2::bigint END"
		      " FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id = $1 FOR UPDATE OF c",
		      2, (const char *[]){ id, at }, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return fault_perm(f, "case %s vanished", id);
	}
	snprintf(c->status, sizeof(c->status), "%s", PQgetvalue(res, 0, 0));
	c->created = sla_num(res, 1);
	c->paused_at = sla_num(res, 2);
	c->paused_s = sla_num(res, 3);
	c->last_reply = sla_num(res, 4);
	c->first_s = sla_num(res, 5);
	c->next_s = sla_num(res, 6);
	c->resolution_s = sla_num(res, 7);
	*calendar_id_r = db_value(res, 0, 8) ? g_strdup(db_value(res, 0, 8)) : NULL;
	c->unanswered = sla_num(res, 9);
	c->now = sla_num(res, 10);
	PQclear(res);
	return 0;
}

/* Due time: business seconds after start, 0 when the level is not set. A
 * calendar without business hours leaves the case without this due time
 * (with a warning): intake must not depend on the calendar being sane. */
static void sla_due(const struct calendar *cal, long long start, long long seconds, long long *due_r)
{
	struct fault bad = { 0 };

	*due_r = 0;
	if (seconds <= 0 || start == 0)
		return;
	if (calendar_add(cal, start, seconds, due_r, &bad) < 0) {
		log_warning("service level: %s; the case gets no due time", bad.text);
		*due_r = 0;
	}
}

/* The new state: pause bookkeeping and due times. */
static void sla_compute(struct sla_case *c, const struct calendar *cal)
{
	bool paused = strcmp(c->status, "new") != 0 && strcmp(c->status, "open") != 0;

	if (paused && c->paused_at == 0) {
		c->paused_at = c->now;
	} else if (!paused && c->paused_at != 0) {
		c->paused_s += calendar_between(cal, c->paused_at, c->now);
		c->paused_at = 0;
	}
	sla_due(cal, c->created, c->first_s, &c->first_due);
	sla_due(cal, c->created, c->resolution_s ? c->resolution_s + c->paused_s : 0, &c->resolution_due);
	sla_due(cal, c->last_reply ? c->unanswered : 0, c->next_s, &c->next_due);
}

/* An instant as a query parameter: NULL for none. */
static const char *sla_param(long long t, char buf[24])
{
	if (t == 0)
		return NULL;
	snprintf(buf, 24, "%lld", t);
	return buf;
}

int sla_refresh(struct db *db, long long case_id, long long now, struct fault *f)
{
	struct sla_case c = { 0 };
	struct calendar *cal = NULL;
	char id[24], p[5][24], *calendar_id = NULL;
	int ret;

	snprintf(id, sizeof(id), "%lld", case_id);
	if (sla_read(db, id, now, &c, &calendar_id, f) < 0)
		return -1;
	ret = sla_calendar_load(db, calendar_id, &cal, f);
	g_free(calendar_id);
	if (ret == 0)
		sla_compute(&c, cal);
	calendar_free(&cal);
	if (ret < 0)
		return -1;
	snprintf(p[4], sizeof(p[4]), "%lld", c.paused_s);
	return db_run(db,
		      "UPDATE cases SET first_response_due = to_timestamp($2::float8),"
		      " next_response_due = to_timestamp($3::float8), resolution_due = to_timestamp($4::float8),"
		      " paused_s = $5, paused_at = to_timestamp($6::float8) WHERE id = $1",
		      6, (const char *[]){ id, sla_param(c.first_due, p[0]), sla_param(c.next_due, p[1]),
					   sla_param(c.resolution_due, p[2]), p[4], sla_param(c.paused_at, p[3]) }, f);
}

int sla_set_status(struct db *db, long long case_id, const char *status, long long now, char *old_r,
		   struct fault *f)
{
	char id[24], at[24];
	PGresult *res;

	snprintf(id, sizeof(id), "%lld", case_id);
	res = db_exec(db,
		      "UPDATE cases c SET status = $2, updated = now(),"
		      " pending_since = CASE WHEN $2 = 'pending' THEN coalesce(c.pending_since, to_timestamp($3::float8), now()) END,"
		      " reminded_at = CASE WHEN $2 = 'pending' THEN c.reminded_at END,"
		      " resolved_at = CASE WHEN $2 IN ('resolved', 'closed') THEN coalesce(c.resolved_at, to_timestamp($3::float8), now()) END,"
		      " closed_at = CASE WHEN $2 = 'closed' THEN coalesce(c.closed_at, to_timestamp($3::float8), now()) END"
		      " FROM cases old WHERE c.id = $1 AND old.id = c.id RETURNING old.status",
		      3, (const char *[]){ id, status, now ? sla_param(now, at) : NULL }, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return fault_perm(f, "no case %s", id);
	}
	if (old_r != NULL)
		snprintf(old_r, 16, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
