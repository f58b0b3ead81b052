/* cmd_agent.c: "postdesk agent add", "postdesk agent list" and "postdesk
 * agent digest" (the agent's digest address). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "cmd.h"
#include "db.h"
#include "digest.h"
#include "json.h"

/* Insert an agent and its queue memberships in one transaction. */
static int cmd_agent_add(struct cmd_ctx *ctx, const char *email, const char *name,
			 GPtrArray *queues, struct fault *f)
{
	char *addr = NULL;
	PGresult *res;
	guint i;

	if (name == NULL || *name == '\0')
		return cmd_usage_fault(f, "agent", "add needs --name");
	if (strpbrk(name, "\r\n") != NULL)
		return fault_perm(f, "agent name must be one line");
	if (address_normalize(email, &addr, f) < 0)
		return -1;
	if (cmd_db(ctx, f) < 0 || db_begin(ctx->db, f) < 0)
		goto fail_free;
	res = db_exec(ctx->db, "INSERT INTO agents (email, name) VALUES ($1, $2) RETURNING id", 2,
		      (const char *[]){ addr, name }, f);
	if (res == NULL) {
		if (db_unique_violation(ctx->db))
			fault_perm(f, "agent %s already exists", addr);
		goto fail;
	}
	for (i = 0; i < queues->len; i++) {
		const char *params[2] = { PQgetvalue(res, 0, 0), g_ptr_array_index(queues, i) };
		PGresult *r = db_exec(ctx->db, "INSERT INTO agent_queues (agent_id, queue_id)"
				      " SELECT $1, id FROM queues WHERE name = $2 ON CONFLICT DO NOTHING"
				      " RETURNING queue_id", 2, params, f);
		bool found = r != NULL && PQntuples(r) == 1;

		PQclear(r);
		if (r != NULL && !found)
			fault_perm(f, "no queue named '%s'", params[1]);
		if (r == NULL || !found) {
			PQclear(res);
			goto fail;
		}
	}
	PQclear(res);
	if (db_commit(ctx->db, f) < 0)
		goto fail;
	printf("agent %s added\n", addr);
	g_free(addr);
	return 0;
fail:
	db_rollback(ctx->db);
fail_free:
	g_free(addr);
	return -1;
}

/* List agents with the queues they serve. */
static int cmd_agent_list(struct cmd_ctx *ctx, bool as_json, struct fault *f)
{
	PGresult *res;
	int i;

	if (cmd_db(ctx, f) < 0)
		return -1;
	res = db_exec(ctx->db,
		      "SELECT a.email, a.name, a.active, coalesce(string_agg(q.name, ',' ORDER BY q.name), '')"
		      " FROM agents a LEFT JOIN agent_queues aq ON aq.agent_id = a.id"
		      " LEFT JOIN queues q ON q.id = aq.queue_id GROUP BY a.id ORDER BY a.email",
		      0, NULL, f);
	if (res == NULL)
		return -1;
	if (as_json) {
		struct json *j = json_new(stdout);

		json_array_begin(j);
		for (i = 0; i < PQntuples(res); i++) {
			char **qs = g_strsplit(PQgetvalue(res, i, 3), ",", -1), **q;

			json_object_begin(j);
			json_kv_string(j, "email", PQgetvalue(res, i, 0));
			json_kv_string(j, "name", PQgetvalue(res, i, 1));
			json_key(j, "active");
			json_bool(j, db_get_bool(res, i, 2));
			json_key(j, "queues");
			json_array_begin(j);
			for (q = qs; *q != NULL; q++)
				if (**q != '\0')
					json_string(j, *q);
			json_array_end(j);
			json_object_end(j);
			g_strfreev(qs);
		}
		json_array_end(j);
		json_free(&j);
	} else {
		printf("%-32s %-24s %s\n", "EMAIL", "NAME", "QUEUES");
		for (i = 0; i < PQntuples(res); i++)
			printf("%-32s %-24s %s%s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			       PQgetvalue(res, i, 3)[0] ? PQgetvalue(res, i, 3) : "-",
			       db_get_bool(res, i, 2) ? "" : " (inactive)");
	}
	PQclear(res);
	return 0;
}

/* part digest: print the agent's signed digest address. */
static int cmd_agent_digest(struct cmd_ctx *ctx, const char *email, struct fault *f)
{
	char *addr = NULL, *found = NULL;

	if (address_normalize(email, &addr, f) < 0)
		return -1;
	if (cmd_keyring(ctx, f) < 0 || cmd_db(ctx, f) < 0 ||
	    digest_address(ctx->cfg, ctx->db, ctx->ring, addr, &found, f) < 0) {
		g_free(addr);
		return -1;
	}
	if (found == NULL)
		fault_perm(f, "no active agent %s in a queue", addr);
	else
		printf("%s\n", found);
	g_free(addr);
	g_free(found);
	return found == NULL ? -1 : 0;
}

int cmd_agent_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "queue", required_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	GPtrArray *queues = g_ptr_array_new();
	const char *name = NULL;
	bool first = true, as_json = false;
	int c, ret;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		if (c == -2 || c == 'h')
			break;
		if (c == 'n')
			name = optarg;
		else if (c == 'q')
			g_ptr_array_add(queues, optarg);
		else
			as_json = true;
	}
	if (c == -2)
		ret = -1;
	else if (c == 'h')
		ret = cmd_help("agent");
	else if (optind + 2 == argc && strcmp(argv[optind], "add") == 0)
		ret = cmd_agent_add(ctx, argv[optind + 1], name, queues, f);
	else if (optind + 1 == argc && strcmp(argv[optind], "list") == 0)
		ret = cmd_agent_list(ctx, as_json, f);
	else if (optind + 2 == argc && strcmp(argv[optind], "digest") == 0)
		ret = cmd_agent_digest(ctx, argv[optind + 1], f);
	else
		ret = cmd_usage_fault(f, "agent", "expected 'add EMAIL --name NAME', 'list' or 'digest EMAIL'");
	g_ptr_array_free(queues, TRUE);
	return ret;
}
