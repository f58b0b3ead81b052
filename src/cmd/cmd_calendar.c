/* cmd_calendar.c: "postdesk calendar add" and "postdesk calendar list". */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "cmd.h"
#include "db.h"
#include "json.h"

static const char *const cmd_calendar_days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* Insert a calendar, its hours and holidays in one transaction. */
static int cmd_calendar_add(struct cmd_ctx *ctx, const char *name, const char *zone,
			    GPtrArray *hours, GPtrArray *holidays, struct fault *f)
{
	struct calendar_week week = { 0 };
	PGresult *res;
	char id[24], wd[8], start[8], end[8];
	guint i;

	if (cmd_check_name("calendar", name, f) < 0)
		return -1;
	if (zone == NULL || hours->len == 0)
		return cmd_usage_fault(f, "calendar", "add needs --tz and --hours");
	if (calendar_check_zone(zone, f) < 0)
		return -1;
	for (i = 0; i < hours->len; i++)
		if (calendar_parse_hours(g_ptr_array_index(hours, i), &week, f) < 0)
			return -1;
	for (i = 0; i < holidays->len; i++)
		if (calendar_check_date(g_ptr_array_index(holidays, i), f) < 0)
			return -1;
	if (cmd_db(ctx, f) < 0 || db_begin(ctx->db, f) < 0)
		return -1;
	res = db_exec(ctx->db, "INSERT INTO calendars (name, timezone) VALUES ($1, $2) RETURNING id",
		      2, (const char *[]){ name, zone }, f);
	if (res == NULL) {
		if (db_unique_violation(ctx->db))
			fault_perm(f, "a calendar named '%s' already exists", name);
		goto fail;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	for (i = 0; i < (guint)week.count; i++) {
		snprintf(wd, sizeof(wd), "%d", week.spans[i].weekday);
		snprintf(start, sizeof(start), "%d", week.spans[i].start_min);
		snprintf(end, sizeof(end), "%d", week.spans[i].end_min);
		if (db_run(ctx->db, "INSERT INTO calendar_hours (calendar_id, weekday, start_min, end_min)"
			   " VALUES ($1, $2, $3, $4)", 4, (const char *[]){ id, wd, start, end }, f) < 0)
			goto fail;
	}
	for (i = 0; i < holidays->len; i++)
		if (db_run(ctx->db, "INSERT INTO calendar_holidays (calendar_id, day) VALUES ($1, $2)"
			   " ON CONFLICT DO NOTHING", 2,
			   (const char *[]){ id, g_ptr_array_index(holidays, i) }, f) < 0)
			goto fail;
	if (db_commit(ctx->db, f) < 0)
		goto fail;
	printf("calendar %s added: %s, %d business-hour range%s, %u holiday%s\n", name, zone,
	       week.count, week.count == 1 ? "" : "s", holidays->len, holidays->len == 1 ? "" : "s");
	return 0;
fail:
	db_rollback(ctx->db);
	return -1;
}

/* Format minutes since midnight as HH:MM. */
static const char *cmd_calendar_hhmm(const char *minutes, char *buf, size_t size)
{
	int m = atoi(minutes);

	snprintf(buf, size, "%02d:%02d", m / 60, m % 60);
	return buf;
}

/* List calendars with their hours and holidays. */
static int cmd_calendar_list(struct cmd_ctx *ctx, bool as_json, struct fault *f)
{
	PGresult *cals, *hours, *days;
	struct json *j = NULL;
	int i, k;

	if (cmd_db(ctx, f) < 0)
		return -1;
	cals = db_exec(ctx->db, "SELECT id, name, timezone FROM calendars ORDER BY name", 0, NULL, f);
	hours = cals ? db_exec(ctx->db, "SELECT calendar_id, weekday, start_min, end_min FROM calendar_hours"
			       " ORDER BY calendar_id, weekday, start_min", 0, NULL, f) : NULL;
	days = hours ? db_exec(ctx->db, "SELECT calendar_id, day FROM calendar_holidays"
			       " ORDER BY calendar_id, day", 0, NULL, f) : NULL;
	if (days == NULL) {
		PQclear(cals);
		PQclear(hours);
		return -1;
	}
	if (as_json) {
		j = json_new(stdout);
		json_array_begin(j);
	}
	for (i = 0; i < PQntuples(cals); i++) {
		const char *id = PQgetvalue(cals, i, 0);
		char a[16], b[16];

		if (j) {
			json_object_begin(j);
			json_kv_string(j, "name", PQgetvalue(cals, i, 1));
			json_kv_string(j, "timezone", PQgetvalue(cals, i, 2));
			json_key(j, "hours");
			json_array_begin(j);
		} else {
			printf("%s (%s)\n  hours:", PQgetvalue(cals, i, 1), PQgetvalue(cals, i, 2));
		}
		for (k = 0; k < PQntuples(hours); k++) {
			const char *day = cmd_calendar_days[atoi(PQgetvalue(hours, k, 1)) - 1];

			if (strcmp(PQgetvalue(hours, k, 0), id) != 0)
				continue;
			cmd_calendar_hhmm(PQgetvalue(hours, k, 2), a, sizeof(a));
			cmd_calendar_hhmm(PQgetvalue(hours, k, 3), b, sizeof(b));
			if (j) {
				json_object_begin(j);
				json_kv_string(j, "day", day);
				json_kv_string(j, "start", a);
				json_kv_string(j, "end", b);
				json_object_end(j);
			} else {
				printf(" %s %s-%s", day, a, b);
			}
		}
		if (j) {
			json_array_end(j);
			json_key(j, "holidays");
			json_array_begin(j);
		} else {
			printf("\n  holidays:");
		}
		for (k = 0; k < PQntuples(days); k++) {
			if (strcmp(PQgetvalue(days, k, 0), id) != 0)
				continue;
			if (j)
				json_string(j, PQgetvalue(days, k, 1));
			else
				printf(" %s", PQgetvalue(days, k, 1));
		}
		if (j) {
			json_array_end(j);
			json_object_end(j);
		} else {
			printf("\n");
		}
	}
	if (j) {
		json_array_end(j);
		json_free(&j);
	}
	PQclear(cals);
	PQclear(hours);
	PQclear(days);
	return 0;
}

int cmd_calendar_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "tz", required_argument, NULL, 'z' },
		{ "hours", required_argument, NULL, 'H' },
		{ "holiday", required_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	GPtrArray *hours = g_ptr_array_new(), *holidays = g_ptr_array_new();
	const char *zone = NULL;
	bool first = true, as_json = false;
	int c, ret;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		if (c == -2 || c == 'h')
			break;
		if (c == 'z')
			zone = optarg;
		else if (c == 'H')
			g_ptr_array_add(hours, optarg);
		else if (c == 'D')
			g_ptr_array_add(holidays, optarg);
		else
			as_json = true;
	}
	if (c == -2)
		ret = -1;
	else if (c == 'h')
		ret = cmd_help("calendar");
	else if (optind + 2 == argc && strcmp(argv[optind], "add") == 0)
		ret = cmd_calendar_add(ctx, argv[optind + 1], zone, hours, holidays, f);
	else if (optind + 1 == argc && strcmp(argv[optind], "list") == 0)
		ret = cmd_calendar_list(ctx, as_json, f);
	else
		ret = cmd_usage_fault(f, "calendar", "expected 'add NAME --tz ZONE --hours SPEC' or 'list'");
	g_ptr_array_free(hours, TRUE);
	g_ptr_array_free(holidays, TRUE);
	return ret;
}
