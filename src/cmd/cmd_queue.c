/* cmd_queue.c: "postdesk queue add" and "postdesk queue list". */
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

/* The options of "queue add", in the order of cmd_queue_main's table. */
enum { QO_ADDRESS, QO_LANGUAGE, QO_FIRST, QO_NEXT, QO_RESOLUTION, QO_CALENDAR, QO_ESCALATE_TO,
       QO_ESCALATE_AFTER, QO_REMIND, QO_AUTOCLOSE, QO_CLOSE, QO_RETENTION, QO_NO_SURVEY, QO_COUNT };

/* Insert one queue from checked option values. */
static int cmd_queue_add(struct cmd_ctx *ctx, const char *name, const char *const opts[QO_COUNT],
			 struct fault *f)
{
	static const char *const durs[] = { "first-response", "next-response", "resolution", NULL, NULL,
					    "escalate-after", "remind-after", "autoclose-after", "close-after",
					    "retention" };
	char bufs[G_N_ELEMENTS(durs)][24];
	char *address = NULL, *escalate = NULL;
	const char *params[QO_NO_SURVEY + 2] = { name };
	size_t i;
	int ret = -1;

	if (cmd_check_name("queue", name, f) < 0)
		return -1;
	if (opts[QO_ADDRESS] == NULL)
		return cmd_usage_fault(f, "queue", "add needs --address");
	if (address_normalize(opts[QO_ADDRESS], &address, f) < 0 ||
	    (opts[QO_LANGUAGE] != NULL && config_check_language(opts[QO_LANGUAGE], f) < 0) ||
	    (opts[QO_ESCALATE_TO] != NULL && address_normalize(opts[QO_ESCALATE_TO], &escalate, f) < 0))
		goto out;
	for (i = 0; i < G_N_ELEMENTS(durs); i++)
		if (durs[i] != NULL && cmd_queue_duration(durs[i], opts[QO_FIRST + i], bufs[i], sizeof(bufs[i]),
							  &params[QO_FIRST + i + 1], f) < 0)
			goto out;
	if (cmd_db(ctx, f) < 0)
		goto out;
	if (strstr(address, ctx->cfg->recipient_delimiter) != NULL &&
	    strstr(address, ctx->cfg->recipient_delimiter) < strchr(address, '@')) {
		fault_perm(f, "queue address %s contains the recipient delimiter '%s'", address,
			   ctx->cfg->recipient_delimiter);
		goto out;
	}
	params[QO_ADDRESS + 1] = address;
	params[QO_LANGUAGE + 1] = opts[QO_LANGUAGE];
	params[QO_CALENDAR + 1] = opts[QO_CALENDAR];
	params[QO_ESCALATE_TO + 1] = escalate;
	params[QO_NO_SURVEY + 1] = opts[QO_NO_SURVEY] ? "f" : "t";
	if (db_begin(ctx->db, f) < 0)
		goto out;
	if (opts[QO_CALENDAR] != NULL) {
		PGresult *res = db_exec(ctx->db, "SELECT 1 FROM calendars WHERE name = $1", 1, &opts[QO_CALENDAR], f);
		int found = res != NULL && PQntuples(res) == 1;

		PQclear(res);
		if (res == NULL || !found) {
			if (res != NULL)
				fault_perm(f, "no calendar named '%s' (add it with 'postdesk calendar add')",
					   opts[QO_CALENDAR]);
			goto rollback;
		}
	}
	if (db_run(ctx->db,
		   "INSERT INTO queues (name, address, language, first_response_s, next_response_s,"
		   " resolution_s, calendar_id, escalate_to, escalate_after_s, remind_after_s,"
		   " autoclose_after_s, close_after_s, retention_s, survey) VALUES ($1, $2, $3, $4, $5, $6,"
		   " (SELECT id FROM calendars WHERE name = $7), $8, coalesce($9::integer, 3600), $10, $11, $12,"
		   " $13, $14)", QO_COUNT + 1, params, f) < 0) {
		if (db_unique_violation(ctx->db))
			fault_perm(f, "a queue named '%s' or with address %s already exists", name, address);
		goto rollback;
	}
	if (db_commit(ctx->db, f) < 0)
		goto rollback;
	printf("queue %s added: %s\n", name, address);
	ret = 0;
	goto out;
rollback:
	db_rollback(ctx->db);
out:
	g_free(address);
	g_free(escalate);
	return ret;
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
		      " q.close_after_s, q.retention_s, c.name, q.escalate_to, q.survey FROM queues q"
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
			json_object_end(j);
		}
		json_array_end(j);
		json_free(&j);
	} else {
		printf("%-16s %-32s %-5s %-8s %-8s %-8s %-12s %s\n", "NAME", "ADDRESS", "LANG",
		       "FIRST", "NEXT", "RESOLVE", "CALENDAR", "ESCALATE-TO");
		for (i = 0; i < PQntuples(res); i++) {
			char d[3][32];
			const char *cal = db_value(res, i, 11), *esc = db_value(res, i, 12);
			const char *lang = db_value(res, i, 2);

			printf("%-16s %-32s %-5s %-8s %-8s %-8s %-12s %s\n", PQgetvalue(res, i, 0),
			       PQgetvalue(res, i, 1), lang ? lang : "-",
			       cmd_queue_dur_text(res, i, 3, d[0], sizeof(d[0])),
			       cmd_queue_dur_text(res, i, 4, d[1], sizeof(d[1])),
			       cmd_queue_dur_text(res, i, 5, d[2], sizeof(d[2])),
			       cal ? cal : "-", esc ? esc : "-");
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
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opts[QO_COUNT] = { NULL };
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
			opts[c] = c == QO_NO_SURVEY ? "yes" : optarg;
	}
	if (optind < argc && strcmp(argv[optind], "add") == 0 && optind + 2 == argc)
		return cmd_queue_add(ctx, argv[optind + 1], opts, f);
	if (optind + 1 == argc && strcmp(argv[optind], "list") == 0)
		return cmd_queue_list(ctx, as_json, f);
	return cmd_usage_fault(f, "queue", "expected 'add NAME --address ADDR' or 'list'");
}
