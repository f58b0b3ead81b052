/* cmd_queue.c: "postdesk queue add|set|disable|enable|list": the support
 * addresses and their service levels, timers and state. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "cmd.h"
#include "config.h"
#include "db.h"
#include "duration.h"
#include "json.h"
#include "sla.h"
#include "store.h"

/* A duration option as text seconds for the database, or NULL when absent. */
static int cmd_queue_duration(const char *opt, const char *text, char *buf, size_t size,
			      const char **param_r, struct fault *f)
{
	long long secs;

	*param_r = NULL;
	if (text == NULL)
		return 0;
	if (duration_parse(text, &secs, f) < 0 || secs <= 0 || secs > 3650LL * 86400) {
		fault_perm(f, "--%s: '%s' is not a duration between 1s and 3650d (e.g. 30m, 4h, 3d)", opt, text);
		return -1;
	}
	snprintf(buf, size, "%lld", secs);
	*param_r = buf;
	return 0;
}

/* The options of "queue add", in the order of cmd_queue_main's table and
 * of store_queue_field; then "queue set"'s --survey. */
enum { QO_ADDRESS, QO_LANGUAGE, QO_FIRST, QO_NEXT, QO_RESOLUTION, QO_CALENDAR, QO_ESCALATE_TO,
       QO_ESCALATE_AFTER, QO_REMIND, QO_AUTOCLOSE, QO_CLOSE, QO_RETENTION, QO_NO_SURVEY, QO_COUNT, QO_SURVEY = QO_COUNT };
G_STATIC_ASSERT((int)QO_COUNT == (int)SQF_COUNT && (int)QO_NO_SURVEY == (int)SQF_SURVEY);

/* The duration options by index (NULL: not a duration). */
static const char *const cmd_queue_durs[QO_COUNT] = {
	[QO_FIRST] = "first-response", [QO_NEXT] = "next-response", [QO_RESOLUTION] = "resolution",
	[QO_ESCALATE_AFTER] = "escalate-after", [QO_REMIND] = "remind-after", [QO_AUTOCLOSE] = "autoclose-after",
	[QO_CLOSE] = "close-after", [QO_RETENTION] = "retention",
};

/* Option values checked and made database values (value[i], pointing into
 * opts or into what this holds). */
struct cmd_queue_values {
	const char *value[QO_COUNT];
	char bufs[QO_COUNT][24];
	char *address, *escalate;
};

/* Check the options that are given (opts[i] not NULL) into v; with
 * may_unset, "none" unsets an optional one (value NULL). */
static int cmd_queue_check(struct cmd_ctx *ctx, const char *const opts[QO_COUNT], bool may_unset,
			   struct cmd_queue_values *v, struct fault *f)
{
	static const bool optional[QO_COUNT] = {
		[QO_LANGUAGE] = true, [QO_FIRST] = true, [QO_NEXT] = true, [QO_RESOLUTION] = true,
		[QO_CALENDAR] = true, [QO_ESCALATE_TO] = true, [QO_REMIND] = true, [QO_AUTOCLOSE] = true,
		[QO_CLOSE] = true, [QO_RETENTION] = true,
	};
	const char *delim = ctx->cfg->recipient_delimiter;
	int i;

	for (i = 0; i < QO_COUNT; i++) {
		v->value[i] = opts[i];
		if (opts[i] == NULL || i == QO_NO_SURVEY)
			continue;
		if (may_unset && strcmp(opts[i], "none") == 0) {
			if (!optional[i])
				return fault_perm(f, "--%s cannot be unset", i == QO_ADDRESS ? "address" : cmd_queue_durs[i]);
			v->value[i] = NULL;
		} else if (cmd_queue_durs[i] != NULL) {
			if (cmd_queue_duration(cmd_queue_durs[i], opts[i], v->bufs[i], sizeof(v->bufs[i]), &v->value[i],
					       f) < 0)
				return -1;
		} else if (i == QO_ADDRESS) {
			if (address_normalize(opts[i], &v->address, f) < 0)
				return -1;
			if (strstr(v->address, delim) != NULL && strstr(v->address, delim) < strchr(v->address, '@'))
				return fault_perm(f, "queue address %s contains the recipient delimiter '%s'", v->address,
						  delim);
			v->value[i] = v->address;
		} else if (i == QO_LANGUAGE) {
			if (config_check_language(opts[i], f) < 0)
				return -1;
		} else if (i == QO_ESCALATE_TO) {
			if (address_normalize(opts[i], &v->escalate, f) < 0)
				return -1;
			v->value[i] = v->escalate;
		}
	}
	return 0;
}

/* The calendar a queue names must exist (name NULL: none named). */
static int cmd_queue_calendar(struct cmd_ctx *ctx, const char *name, struct fault *f)
{
	PGresult *res;
	int found;

	if (name == NULL)
		return 0;
	res = db_exec(ctx->db, "SELECT 1 FROM calendars WHERE name = $1", 1, &name, f);
	found = res != NULL && PQntuples(res) == 1;
	PQclear(res);
	if (res != NULL && !found)
		fault_perm(f, "no calendar named '%s' (add it with 'postdesk calendar add')", name);
	return found ? 0 : -1;
}

/* Free what checked values hold. */
static void cmd_queue_values_clear(struct cmd_queue_values *v)
{
	g_free(v->address);
	g_free(v->escalate);
}

/* Insert one queue from checked option values. */
static int cmd_queue_add(struct cmd_ctx *ctx, const char *name, const char *const opts[QO_COUNT],
			 struct fault *f)
{
	struct cmd_queue_values v = { 0 };
	const char *params[QO_NO_SURVEY + 2] = { name };
	int i, ret = -1;

	if (cmd_check_name("queue", name, f) < 0)
		return -1;
	if (opts[QO_ADDRESS] == NULL)
		return cmd_usage_fault(f, "queue", "add needs --address");
	if (cmd_config(ctx, f) < 0 || cmd_queue_check(ctx, opts, false, &v, f) < 0 || cmd_db(ctx, f) < 0)
		goto out;
	for (i = 0; i < QO_NO_SURVEY; i++)
		params[i + 1] = v.value[i];
	params[QO_NO_SURVEY + 1] = opts[QO_NO_SURVEY] ? "f" : "t";
	if (db_begin(ctx->db, f) < 0)
		goto out;
	if (cmd_queue_calendar(ctx, opts[QO_CALENDAR], f) < 0)
		goto rollback;
	if (db_run(ctx->db,
		   "INSERT INTO queues (name, address, language, first_response_s, next_response_s,"
		   " resolution_s, calendar_id, escalate_to, escalate_after_s, remind_after_s,"
		   " autoclose_after_s, close_after_s, retention_s, survey) VALUES ($1, $2, $3, $4, $5, $6,"
		   " (SELECT id FROM calendars WHERE name = $7), $8, coalesce($9::integer, 3600), $10, $11, $12,"
		   " $13, $14)", QO_COUNT + 1, params, f) < 0) {
		if (db_unique_violation(ctx->db))
			fault_perm(f, "a queue named '%s' or with address %s already exists", name, v.address);
		goto rollback;
	}
	if (db_commit(ctx->db, f) < 0)
		goto rollback;
	printf("queue %s added: %s\n", name, v.address);
	ret = 0;
	goto out;
rollback:
	db_rollback(ctx->db);
out:
	cmd_queue_values_clear(&v);
	return ret;
}

/* Recompute the due times of the queue's open cases (its service levels
 * or calendar changed); *n_r how many. */
static int cmd_queue_refresh(struct cmd_ctx *ctx, long long queue_id, guint *n_r, struct fault *f)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(long long));
	guint i;
	int ret = store_queue_open_cases(ctx->db, queue_id, ids, f);

	for (i = 0; ret == 0 && i < ids->len; i++)
		ret = sla_refresh(ctx->db, g_array_index(ids, long long, i), 0, f);
	*n_r = ids->len;
	g_array_free(ids, TRUE);
	return ret;
}

/* Change the given settings of a queue; "none" unsets an optional one. */
static int cmd_queue_set(struct cmd_ctx *ctx, const char *name, const char *const opts[QO_COUNT + 1],
			 struct fault *f)
{
	struct cmd_queue_values v = { 0 };
	bool set[QO_COUNT] = { false }, any = false;
	GString *what = g_string_new(NULL);
	long long id;
	guint refreshed = 0;
	int i, ret = -1;

	if (opts[QO_NO_SURVEY] != NULL && opts[QO_SURVEY] != NULL) {
		g_string_free(what, TRUE);
		return cmd_usage_fault(f, "queue", "--survey and --no-survey contradict each other");
	}
	for (i = 0; i <= QO_COUNT; i++)
		any |= opts[i] != NULL;
	if (!any) {
		g_string_free(what, TRUE);
		return cmd_usage_fault(f, "queue", "set needs an option to change");
	}
	if (cmd_config(ctx, f) < 0 || cmd_queue_check(ctx, opts, true, &v, f) < 0 || cmd_db(ctx, f) < 0 ||
	    db_begin(ctx->db, f) < 0)
		goto out;
	for (i = 0; i < QO_COUNT; i++)
		set[i] = opts[i] != NULL;
	set[QO_NO_SURVEY] = opts[QO_NO_SURVEY] != NULL || opts[QO_SURVEY] != NULL;
	v.value[QO_NO_SURVEY] = opts[QO_SURVEY] != NULL ? "t" : "f";
	if ((v.value[QO_CALENDAR] != NULL && cmd_queue_calendar(ctx, v.value[QO_CALENDAR], f) < 0))
		goto rollback;
	if (store_queue_update(ctx->db, name, set, v.value, &id, f) < 0) {
		if (db_unique_violation(ctx->db))
			fault_perm(f, "a queue with address %s already exists", v.address);
		goto rollback;
	}
	if (id == 0) {
		fault_perm(f, "no queue named '%s' (see 'postdesk queue list')", name);
		goto rollback;
	}
	if ((set[QO_FIRST] || set[QO_NEXT] || set[QO_RESOLUTION] || set[QO_CALENDAR]) &&
	    cmd_queue_refresh(ctx, id, &refreshed, f) < 0)
		goto rollback;
	if (db_commit(ctx->db, f) < 0)
		goto rollback;
	for (i = 0; i <= QO_COUNT; i++) {
		static const char *const names[QO_COUNT + 1] = {
			[QO_ADDRESS] = "address", [QO_LANGUAGE] = "language", [QO_CALENDAR] = "calendar",
			[QO_ESCALATE_TO] = "escalate-to", [QO_NO_SURVEY] = "survey off", [QO_SURVEY] = "survey on",
		};

		if (opts[i] == NULL)
			continue;
		g_string_append_printf(what, "%s%s", what->len ? ", " : "", i < QO_COUNT && cmd_queue_durs[i] ?
				       cmd_queue_durs[i] : names[i]);
		if (i < QO_NO_SURVEY)
			g_string_append_printf(what, " %s", v.value[i] ? opts[i] : "none");
	}
	printf("queue %s changed: %s\n", name, what->str);
	if (set[QO_FIRST] || set[QO_NEXT] || set[QO_RESOLUTION] || set[QO_CALENDAR])
		printf("due times of %u open case%s recomputed\n", refreshed, refreshed == 1 ? "" : "s");
	ret = 0;
	goto out;
rollback:
	db_rollback(ctx->db);
out:
	g_string_free(what, TRUE);
	cmd_queue_values_clear(&v);
	return ret;
}

/* Stop or start taking new cases in a queue; twice changes nothing. */
static int cmd_queue_set_active(struct cmd_ctx *ctx, const char *name, bool active, struct fault *f)
{
	bool found, changed;

	if (cmd_db(ctx, f) < 0 || store_queue_set_active(ctx->db, name, active, &found, &changed, f) < 0)
		return -1;
	if (!found)
		return fault_perm(f, "no queue named '%s' (see 'postdesk queue list')", name);
	if (!changed)
		printf("queue %s is %s already: nothing changed\n", name, active ? "enabled" : "disabled");
	else if (active)
		printf("queue %s enabled: it takes new cases\n", name);
	else
		printf("queue %s disabled: it takes no new cases; follow-ups of its cases are handled as usual\n",
		       name);
	return 0;
}

/* Print a duration column: "-" when unset. */
static const char *cmd_queue_dur_text(PGresult *res, int row, int col, char *buf, size_t size)
{
	if (PQgetisnull(res, row, col))
		return "-";
	duration_format(atoll(PQgetvalue(res, row, col)), buf, size);
	return buf;
}

/* List the queues with their service levels. */
static int cmd_queue_list(struct cmd_ctx *ctx, bool as_json, struct fault *f)
{
	static const char *const dur_keys[] = { "first_response", "next_response", "resolution", "escalate_after",
						"remind_after", "autoclose_after", "close_after", "retention" };
	PGresult *res;
	int i, k;

	if (cmd_db(ctx, f) < 0)
		return -1;
	res = db_exec(ctx->db,
		      "SELECT q.name, q.address, q.language, q.first_response_s, q.next_response_s,"
		      " q.resolution_s, q.escalate_after_s, q.remind_after_s, q.autoclose_after_s,"
		      " q.close_after_s, q.retention_s, c.name, q.escalate_to, q.survey, q.active FROM queues q"
		      " LEFT JOIN calendars c ON c.id = q.calendar_id ORDER BY q.name", 0, NULL, f);
	if (res == NULL)
		return -1;
	if (as_json) {
		struct json *j = json_new(stdout);

		json_array_begin(j);
		for (i = 0; i < PQntuples(res); i++) {
			json_object_begin(j);
			json_kv_string(j, "name", PQgetvalue(res, i, 0));
			json_kv_string(j, "address", PQgetvalue(res, i, 1));
			json_kv_string(j, "language", db_value(res, i, 2));
			for (k = 0; k < (int)G_N_ELEMENTS(dur_keys); k++) {
				json_key(j, dur_keys[k]);
				if (PQgetisnull(res, i, 3 + k))
					json_null(j);
				else
					json_int(j, atoll(PQgetvalue(res, i, 3 + k)));
			}
			json_kv_string(j, "calendar", db_value(res, i, 11));
			json_kv_string(j, "escalate_to", db_value(res, i, 12));
			json_key(j, "survey");
			json_bool(j, db_get_bool(res, i, 13));
			json_key(j, "active");
			json_bool(j, db_get_bool(res, i, 14));
			json_object_end(j);
		}
		json_array_end(j);
		json_free(&j);
	} else {
		printf("%-16s %-32s %-5s %-8s %-8s %-8s %-12s %-20s %s\n", "NAME", "ADDRESS", "LANG",
		       "FIRST", "NEXT", "RESOLVE", "CALENDAR", "ESCALATE-TO", "STATE");
		for (i = 0; i < PQntuples(res); i++) {
			char d[3][32];
			const char *cal = db_value(res, i, 11), *esc = db_value(res, i, 12);
			const char *lang = db_value(res, i, 2);

			printf("%-16s %-32s %-5s %-8s %-8s %-8s %-12s %-20s %s\n", PQgetvalue(res, i, 0),
			       PQgetvalue(res, i, 1), lang ? lang : "-",
			       cmd_queue_dur_text(res, i, 3, d[0], sizeof(d[0])),
			       cmd_queue_dur_text(res, i, 4, d[1], sizeof(d[1])),
			       cmd_queue_dur_text(res, i, 5, d[2], sizeof(d[2])),
			       cal ? cal : "-", esc ? esc : "-", db_get_bool(res, i, 14) ? "active" : "disabled");
		}
	}
	PQclear(res);
	return 0;
}

int cmd_queue_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "address", required_argument, NULL, QO_ADDRESS },
		{ "language", required_argument, NULL, QO_LANGUAGE },
		{ "first-response", required_argument, NULL, QO_FIRST },
		{ "next-response", required_argument, NULL, QO_NEXT },
		{ "resolution", required_argument, NULL, QO_RESOLUTION },
		{ "calendar", required_argument, NULL, QO_CALENDAR },
		{ "escalate-to", required_argument, NULL, QO_ESCALATE_TO },
		{ "escalate-after", required_argument, NULL, QO_ESCALATE_AFTER },
		{ "remind-after", required_argument, NULL, QO_REMIND },
		{ "autoclose-after", required_argument, NULL, QO_AUTOCLOSE },
		{ "close-after", required_argument, NULL, QO_CLOSE },
		{ "retention", required_argument, NULL, QO_RETENTION },
		{ "no-survey", no_argument, NULL, QO_NO_SURVEY },
		{ "survey", no_argument, NULL, QO_SURVEY },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opts[QO_COUNT + 1] = { NULL };
	bool first = true, as_json = false;
	int c;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		if (c == -2)
			return -1;
		if (c == 'h')
			return cmd_help("queue");
		if (c == 'j')
			as_json = true;
		else
			opts[c] = c == QO_NO_SURVEY || c == QO_SURVEY ? "yes" : optarg;
	}
	if (optind < argc && strcmp(argv[optind], "add") == 0 && optind + 2 == argc && opts[QO_SURVEY] == NULL)
		return cmd_queue_add(ctx, argv[optind + 1], opts, f);
	if (optind < argc && strcmp(argv[optind], "set") == 0 && optind + 2 == argc)
		return cmd_queue_set(ctx, argv[optind + 1], opts, f);
	if (optind + 2 == argc && (strcmp(argv[optind], "disable") == 0 || strcmp(argv[optind], "enable") == 0))
		return cmd_queue_set_active(ctx, argv[optind + 1], strcmp(argv[optind], "enable") == 0, f);
	if (optind + 1 == argc && strcmp(argv[optind], "list") == 0)
		return cmd_queue_list(ctx, as_json, f);
	return cmd_usage_fault(f, "queue", "expected 'add NAME --address ADDR', 'set NAME OPTION...',"
			       " 'disable NAME', 'enable NAME' or 'list'");
}
