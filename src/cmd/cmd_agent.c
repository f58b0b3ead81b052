/* cmd_agent.c: "postdesk agent add|list|disable|enable|digest": who the
 * agents are; an agent who leaves hands their open cases back to the
 * queues; the agent's digest address. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "cmd.h"
#include "db.h"
#include "digest.h"
#include "json.h"
#include "outbound.h"
#include "outbox.h"
#include "store.h"

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

/* List agents with their state, queues and open cases. */
static int cmd_agent_list(struct cmd_ctx *ctx, bool as_json, struct fault *f)
{
	PGresult *res;
	int i;

	if (cmd_db(ctx, f) < 0)
		return -1;
	res = store_agent_list(ctx->db, f);
	if (res == NULL)
		return -1;
	if (as_json) {
		struct json *j = json_new(stdout);

		json_array_begin(j);
		for (i = 0; i < PQntuples(res); i++) {
			char **qs = g_strsplit(PQgetvalue(res, i, AGENT_QUEUES), ",", -1), **q;

			json_object_begin(j);
			json_kv_string(j, "email", PQgetvalue(res, i, AGENT_EMAIL));
			json_kv_string(j, "name", PQgetvalue(res, i, AGENT_NAME));
			json_key(j, "active");
			json_bool(j, db_get_bool(res, i, AGENT_ACTIVE));
			json_kv_string(j, "state", db_get_bool(res, i, AGENT_ACTIVE) ? "active" : "disabled");
			json_key(j, "queues");
			json_array_begin(j);
			for (q = qs; *q != NULL; q++)
				if (**q != '\0')
					json_string(j, *q);
			json_array_end(j);
			json_kv_int(j, "open_cases", db_get_ll(res, i, AGENT_OPEN));
			json_object_end(j);
			g_strfreev(qs);
		}
		json_array_end(j);
		json_free(&j);
	} else {
		printf("%-32s %-24s %-8s %4s  %s\n", "EMAIL", "NAME", "STATE", "OPEN", "QUEUES");
		for (i = 0; i < PQntuples(res); i++)
			printf("%-32s %-24s %-8s %4s  %s\n", PQgetvalue(res, i, AGENT_EMAIL), PQgetvalue(res, i, AGENT_NAME),
			       db_get_bool(res, i, AGENT_ACTIVE) ? "active" : "disabled", PQgetvalue(res, i, AGENT_OPEN),
			       PQgetvalue(res, i, AGENT_QUEUES)[0] ? PQgetvalue(res, i, AGENT_QUEUES) : "-");
	}
	PQclear(res);
	return 0;
}

/* Hand the disabled agent's open cases back to their queues: unassigned
 * (with events), and one mail per queue to its agents. Prints what it did. */
static int cmd_agent_hand_back(struct cmd_ctx *ctx, struct outbound *ob, long long agent_id, const char *addr,
			       struct fault *f)
{
	char *detail = g_strdup_printf("agent %s disabled", addr), *name = NULL, *email = NULL;
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(long long));
	PGresult *res = store_hand_back(ctx->db, agent_id, "cli", detail, f);
	int i, n, ret = -1;

	g_free(detail);
	if (res == NULL || store_agent_get(ctx->db, agent_id, &name, &email, f) < 0)
		goto out;
	n = PQntuples(res);
	printf("agent %s disabled: %d open case%s handed back\n", addr, n, n == 1 ? "" : "s");
	for (i = 0; i < n; i++) {
		long long id = db_get_ll(res, i, HAND_CASE);
		int told;

		g_array_append_val(ids, id);
		if (i + 1 < n && db_get_ll(res, i + 1, HAND_QUEUE) == db_get_ll(res, i, HAND_QUEUE))
			continue;
		/* the last case of its queue: tell the queue once */
		if (outbound_handed_back(ob, (const long long *)(void *)ids->data, ids->len, name, email, &told, f) < 0)
			goto out;
		if (told != 0)
			printf("  case%s", ids->len == 1 ? "" : "s");
		else
			printf("  no active agent or escalation address to tell of case%s", ids->len == 1 ? "" : "s");
		for (guint k = 0; k < ids->len; k++)
			printf(" #%lld", g_array_index(ids, long long, k));
		if (told > 0)
			printf(": %d agent%s told\n", told, told == 1 ? "" : "s");
		else if (told < 0)
			printf(": no active agent left, the queue's escalation address told\n");
		else
			printf("\n");
		g_array_set_size(ids, 0);
	}
	ret = 0;
out:
	PQclear(res);
	g_free(name);
	g_free(email);
	g_array_free(ids, TRUE);
	return ret;
}

/* Disable or enable an agent. Disabling hands their open cases back; doing
 * either twice changes and tells nothing the second time. */
static int cmd_agent_set_active(struct cmd_ctx *ctx, const char *email, bool active, struct fault *f)
{
	GArray *queued = g_array_new(FALSE, FALSE, sizeof(long long));
	struct outbound ob = { .queued = queued, .send_now = true };
	struct outbox_stats st = { 0 };
	char *addr = NULL;
	long long id;
	bool changed;
	int ret = -1;

	if (address_normalize(email, &addr, f) < 0)
		goto out;
	if ((!active && cmd_keyring(ctx, f) < 0) || cmd_db(ctx, f) < 0 || db_begin(ctx->db, f) < 0)
		goto out;
	ob.cfg = ctx->cfg;
	ob.db = ctx->db;
	ob.ring = ctx->ring;
	if (store_agent_set_active(ctx->db, addr, active, &id, &changed, f) < 0)
		goto rollback;
	if (id == 0) {
		fault_perm(f, "no agent %s (see 'postdesk agent list')", addr);
		goto rollback;
	}
	if (!changed) {
		db_rollback(ctx->db);
		printf("agent %s is %s already: nothing changed\n", addr, active ? "active" : "disabled");
		ret = 0;
		goto out;
	}
	if (active)
		printf("agent %s enabled\n", addr);
	else if (cmd_agent_hand_back(ctx, &ob, id, addr, f) < 0)
		goto rollback;
	if (db_commit(ctx->db, f) < 0)
		goto rollback;
	/* the mail after the commit; what does not go now, the sweeper retries */
	ret = queued->len == 0 ? 0 : outbox_flush(ctx->cfg, ctx->db, cmd_smtp(ctx), (const long long *)(void *)queued->data,
						   queued->len, 0, &st, f);
	if (ret == 0 && queued->len > 0)
		printf("mail: %d sent, %d deferred, %d failed\n", st.sent, st.deferred, st.failed);
	goto out;
rollback:
	db_rollback(ctx->db);
out:
	g_free(addr);
	g_array_free(queued, TRUE);
	return ret;
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
	else if (optind + 2 == argc && (strcmp(argv[optind], "disable") == 0 || strcmp(argv[optind], "enable") == 0))
		ret = cmd_agent_set_active(ctx, argv[optind + 1], strcmp(argv[optind], "enable") == 0, f);
	else if (optind + 2 == argc && strcmp(argv[optind], "digest") == 0)
		ret = cmd_agent_digest(ctx, argv[optind + 1], f);
	else
		ret = cmd_usage_fault(f, "agent", "expected 'add EMAIL --name NAME', 'list', 'disable EMAIL',"
				      " 'enable EMAIL' or 'digest EMAIL'");
	g_ptr_array_free(queues, TRUE);
	return ret;
}
