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
	if (duration_parse(text, &secs, f) < 0 || secs <= 0 || secs > 365LL * 86400) {
		fault_perm(f, "--%s: '%s' is not a duration between 1s and 365d (e.g. 30m, 4h, 3d)", opt, text);
		return -1;
	}
	snprintf(buf, size, "%lld", secs);
	*param_r = buf;
	return 0;
}

/* Insert one queue from checked option values. */
static int cmd_queue_add(struct cmd_ctx *ctx, const char *name, const char *const opts[7],
			 struct fault *f)
{
	char fr[24], nr[24], rs[24];
	char *address = NULL, *escalate = NULL;
	const char *params[8] = { name };
	int ret = -1;

	if (cmd_check_name("queue", name, f) < 0)
		return -1;
	if (opts[0] == NULL)
		return cmd_usage_fault(f, "queue", "add needs --address");
	if (address_normalize(opts[0], &address, f) < 0 ||
	    (opts[1] != NULL && config_check_language(opts[1], f) < 0) ||
	    cmd_queue_duration("first-response", opts[2], fr, sizeof(fr), &params[3], f) < 0 ||
	    cmd_queue_duration("next-response", opts[3], nr, sizeof(nr), &params[4], f) < 0 ||
	    cmd_queue_duration("resolution", opts[4], rs, sizeof(rs), &params[5], f) < 0 ||
	    (opts[6] != NULL && address_normalize(opts[6], &escalate, f) < 0) ||
	    cmd_db(ctx, f) < 0)
		goto out;
	if (strstr(address, ctx->cfg->recipient_delimiter) != NULL &&
	    strstr(address, ctx->cfg->recipient_delimiter) < strchr(address, '@')) {
		fault_perm(f, "queue address %s contains the recipient delimiter '%s'", address,
			   ctx->cfg->recipient_delimiter);
		goto out;
	}
	params[1] = address;
	params[2] = opts[1];
	params[6] = opts[5];
	params[7] = escalate;
	if (db_begin(ctx->db, f) < 0)
		goto out;
	if (opts[5] != NULL) {
		PGresult *res = db_exec(ctx->db, "SELECT 1 FROM calendars WHERE name = $1", 1, &opts[5], f);
		int found = res != NULL && PQntuples(res) == 1;

		PQclear(res);
		if (res == NULL || !found) {
			if (res != NULL)
				fault_perm(f, "no calendar named '%s' (add it with 'postdesk calendar add')", opts[5]);
			goto rollback;
		}
	}
	if (db_run(ctx->db,
		   "INSERT INTO queues (name, address, language, first_response_s, next_response_s,"
		   " resolution_s, calendar_id, escalate_to) VALUES ($1, $2, $3, $4, $5, $6,"
		   " (SELECT id FROM calendars WHERE name = $7), $8)", 8, params, f) < 0) {
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
	static const char *const dur_keys[] = { "first_response", "next_response", "resolution" };
	PGresult *res;
	int i, k;

	if (cmd_db(ctx, f) < 0)
		return -1;
	res = db_exec(ctx->db,
		      "SELECT q.name, q.address, q.language, q.first_response_s, q.next_response_s,"
		      " q.resolution_s, c.name, q.escalate_to FROM queues q"
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
			for (k = 0; k < 3; k++) {
				json_key(j, dur_keys[k]);
				if (PQgetisnull(res, i, 3 + k))
					json_null(j);
				else
					json_int(j, atoll(PQgetvalue(res, i, 3 + k)));
			}
			json_kv_string(j, "calendar", db_value(res, i, 6));
			json_kv_string(j, "escalate_to", db_value(res, i, 7));
			json_object_end(j);
		}
		json_array_end(j);
		json_free(&j);
	} else {
		printf("%-16s %-32s %-5s %-8s %-8s %-8s %-12s %s\n", "NAME", "ADDRESS", "LANG",
		       "FIRST", "NEXT", "RESOLVE", "CALENDAR", "ESCALATE-TO");
		for (i = 0; i < PQntuples(res); i++) {
			char d[3][32];
			const char *cal = db_value(res, i, 6), *esc = db_value(res, i, 7);
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
		{ "address", required_argument, NULL, 0 },
		{ "language", required_argument, NULL, 1 },
		{ "first-response", required_argument, NULL, 2 },
		{ "next-response", required_argument, NULL, 3 },
		{ "resolution", required_argument, NULL, 4 },
		{ "calendar", required_argument, NULL, 5 },
		{ "escalate-to", required_argument, NULL, 6 },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *opts[7] = { NULL };
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
			opts[c] = optarg;
	}
	if (optind < argc && strcmp(argv[optind], "add") == 0 && optind + 2 == argc)
		return cmd_queue_add(ctx, argv[optind + 1], opts, f);
	if (optind + 1 == argc && strcmp(argv[optind], "list") == 0)
		return cmd_queue_list(ctx, as_json, f);
	return cmd_usage_fault(f, "queue", "expected 'add NAME --address ADDR' or 'list'");
}
