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
#include "store.h"

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

int sla_refresh(struct db *db, long long case_id, long long now, struct fault *f)
{
	struct store_case_sla c;
	struct calendar *cal = NULL;
	long long first_due, next_due, resolution_due;
	bool paused;

	if (store_case_sla_read(db, case_id, now, &c, f) < 0)
		return -1;
	if (sla_calendar_load(db, c.calendar_id, &cal, f) < 0) {
		g_free(c.calendar_id);
		return -1;
	}
	g_free(c.calendar_id);
	if ((c.first_at != 0 || c.resolved_at != 0) &&
	    store_case_business_write(db, case_id, c.first_at ? calendar_between(cal, c.created, c.first_at) : -1,
				      c.resolved_at ? calendar_between(cal, c.created, c.resolved_at) : -1, f) < 0) {
		calendar_free(&cal);
		return -1;
	}
	/* the pause bookkeeping, then the due times */
	paused = !model_status_active(c.status);
	if (paused && c.paused_at == 0) {
		c.paused_at = c.now;
	} else if (!paused && c.paused_at != 0) {
		c.paused_s += calendar_between(cal, c.paused_at, c.now);
		c.paused_at = 0;
	}
	sla_due(cal, c.created, c.first_s, &first_due);
	sla_due(cal, c.created, c.resolution_s ? c.resolution_s + c.paused_s : 0, &resolution_due);
	sla_due(cal, c.last_reply ? c.unanswered : 0, c.next_s, &next_due);
	calendar_free(&cal);
	if (c.spam)
		first_due = next_due = resolution_due = 0;	/* nobody is to answer spam */
	return store_case_sla_write(db, case_id, first_due, next_due, resolution_due, c.paused_s, c.paused_at, f);
}
