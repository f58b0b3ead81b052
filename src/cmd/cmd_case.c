/* cmd_case.c: "postdesk case list|show|assign|status": what agents and
 * administrators see of the cases, and the two changes they make by hand. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "cmd.h"
#include "db.h"
#include "json.h"
#include "sla.h"

/* A nullable column for text output: "-" when SQL NULL. */
static const char *cmd_case_txt(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "-" : PQgetvalue(res, row, col);
}

/* List cases, newest first, optionally of one queue and status. */
static int cmd_case_list(struct cmd_ctx *ctx, const char *queue, const char *status, bool as_json,
			 struct fault *f)
{
	PGresult *res;
	int i;

	if (cmd_db(ctx, f) < 0)
		return -1;
	res = db_exec(ctx->db,
		      "SELECT c.id, q.name, c.status, c.priority, c.subject, cu.email, a.email, "
		      DB_ISO("c.created") ", c.quarantined,"
		      " (SELECT count(*) FROM messages m WHERE m.case_id = c.id)"
		      " FROM cases c JOIN queues q ON q.id = c.queue_id"
		      " LEFT JOIN customers cu ON cu.id = c.customer_id LEFT JOIN agents a ON a.id = c.assignee_id"
		      " WHERE ($1::text IS NULL OR q.name = $1) AND ($2::text IS NULL OR c.status = $2)"
		      " ORDER BY c.id DESC", 2, (const char *[]){ queue, status }, f);
	if (res == NULL)
		return -1;
	if (as_json) {
		struct json *j = json_new(stdout);

		json_array_begin(j);
		for (i = 0; i < PQntuples(res); i++) {
			json_object_begin(j);
			json_kv_int(j, "id", atoll(PQgetvalue(res, i, 0)));
			json_kv_string(j, "queue", PQgetvalue(res, i, 1));
			json_kv_string(j, "status", PQgetvalue(res, i, 2));
			json_kv_string(j, "priority", PQgetvalue(res, i, 3));
			json_kv_string(j, "subject", PQgetvalue(res, i, 4));
			json_kv_string(j, "customer", db_value(res, i, 5));
			json_kv_string(j, "assignee", db_value(res, i, 6));
			json_kv_string(j, "created", PQgetvalue(res, i, 7));
			json_key(j, "quarantined");
			json_bool(j, PQgetvalue(res, i, 8)[0] == 't');
			json_kv_int(j, "messages", atoll(PQgetvalue(res, i, 9)));
			json_object_end(j);
		}
		json_array_end(j);
		json_free(&j);
	} else {
		printf("%-6s %-12s %-9s %-7s %-28s %-20s %s\n", "CASE", "QUEUE", "STATUS", "PRIO",
		       "CUSTOMER", "CREATED", "SUBJECT");
		for (i = 0; i < PQntuples(res); i++)
			printf("%-6s %-12s %-9s %-7s %-28s %-20s %s%s\n", PQgetvalue(res, i, 0),
			       PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), PQgetvalue(res, i, 3),
			       cmd_case_txt(res, i, 5), PQgetvalue(res, i, 7),
			       PQgetvalue(res, i, 8)[0] == 't' ? "[quarantined] " : "", PQgetvalue(res, i, 4));
	}
	PQclear(res);
	return 0;
}

/* The queries behind "case show", run in one snapshot. */
struct cmd_case_rows {
	PGresult *c, *watchers, *messages, *attachments, *events;
};

/* Fetch everything about one case; c has no row when the case does not exist. */
static int cmd_case_fetch(struct cmd_ctx *ctx, const char *id, struct cmd_case_rows *r, struct fault *f)
{
	const char *p[1] = { id };

	if (db_run(ctx->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, f) < 0)
		return -1;
	r->c = db_exec(ctx->db,
		       "SELECT c.id, q.name, c.status, c.priority, c.subject, cu.email, a.email, "
		       DB_ISO("c.created") ", " DB_ISO("c.first_response_due") ", "
		       DB_ISO("c.resolution_due") ", c.escalation_level, c.quarantined, c.linked_case_id,"
		       " cu.name, cu.language, " DB_ISO("c.updated") ", " DB_ISO("c.next_response_due") ","
		       " " DB_ISO("c.first_response_at") ", c.rating, c.rating_comment"
		       " FROM cases c JOIN queues q ON q.id = c.queue_id"
		       " LEFT JOIN customers cu ON cu.id = c.customer_id LEFT JOIN agents a ON a.id = c.assignee_id"
		       " WHERE c.id = $1", 1, p, f);
	r->watchers = r->c ? db_exec(ctx->db, "SELECT address FROM watchers WHERE case_id = $1"
				     " ORDER BY created, address", 1, p, f) : NULL;
	r->messages = r->watchers ? db_exec(ctx->db,
		"SELECT id, direction, kind, classification, from_addr, to_addrs, subject, message_id, "
		DB_ISO("created") ", body_text, cc_addrs FROM messages WHERE case_id = $1 ORDER BY id",
		1, p, f) : NULL;
	r->attachments = r->messages ? db_exec(ctx->db,
		"SELECT a.message_id, a.filename, a.content_type, a.size FROM attachments a"
		" JOIN messages m ON m.id = a.message_id WHERE m.case_id = $1 ORDER BY a.id", 1, p, f) : NULL;
	r->events = r->attachments ? db_exec(ctx->db,
		"SELECT type, " DB_ISO("created") ", detail, actor FROM events WHERE case_id = $1 ORDER BY id",
		1, p, f) : NULL;
	db_rollback(ctx->db);
	return r->events ? 0 : -1;
}

/* Free the rows of "case show". */
static void cmd_case_rows_free(struct cmd_case_rows *r)
{
	PQclear(r->c);
	PQclear(r->watchers);
	PQclear(r->messages);
	PQclear(r->attachments);
	PQclear(r->events);
}

/* Print one case as JSON (the contract of DESIGN.md). */
static void cmd_case_json(struct cmd_case_rows *r)
{
	struct json *j = json_new(stdout);
	PGresult *c = r->c;
	int i, k;

	json_object_begin(j);
	json_kv_int(j, "id", atoll(PQgetvalue(c, 0, 0)));
	json_kv_string(j, "queue", PQgetvalue(c, 0, 1));
	json_kv_string(j, "status", PQgetvalue(c, 0, 2));
	json_kv_string(j, "priority", PQgetvalue(c, 0, 3));
	json_kv_string(j, "subject", PQgetvalue(c, 0, 4));
	json_kv_string(j, "customer", db_value(c, 0, 5));
	json_kv_string(j, "customer_name", db_value(c, 0, 13));
	json_kv_string(j, "customer_language", db_value(c, 0, 14));
	json_kv_string(j, "assignee", db_value(c, 0, 6));
	json_key(j, "watchers");
	json_array_begin(j);
	for (i = 0; i < PQntuples(r->watchers); i++)
		json_string(j, PQgetvalue(r->watchers, i, 0));
	json_array_end(j);
	json_kv_string(j, "created", PQgetvalue(c, 0, 7));
	json_kv_string(j, "updated", PQgetvalue(c, 0, 15));
	json_kv_string(j, "first_response_due", db_value(c, 0, 8));
	json_kv_string(j, "resolution_due", db_value(c, 0, 9));
	json_kv_string(j, "next_response_due", db_value(c, 0, 16));
	json_kv_string(j, "first_response_at", db_value(c, 0, 17));
	json_kv_int(j, "escalation_level", atoll(PQgetvalue(c, 0, 10)));
	json_key(j, "rating");
	if (PQgetisnull(c, 0, 18))
		json_null(j);
	else
		json_int(j, atoll(PQgetvalue(c, 0, 18)));
	json_kv_string(j, "rating_comment", db_value(c, 0, 19));
	json_key(j, "quarantined");
	json_bool(j, PQgetvalue(c, 0, 11)[0] == 't');
	json_key(j, "linked_case");
	if (PQgetisnull(c, 0, 12))
		json_null(j);
	else
		json_int(j, atoll(PQgetvalue(c, 0, 12)));
	json_key(j, "messages");
	json_array_begin(j);
	for (i = 0; i < PQntuples(r->messages); i++) {
		PGresult *m = r->messages;

		json_object_begin(j);
		json_kv_string(j, "direction", PQgetvalue(m, i, 1));
		json_kv_string(j, "kind", PQgetvalue(m, i, 2));
		json_kv_string(j, "classification", PQgetvalue(m, i, 3));
		json_kv_string(j, "from", db_value(m, i, 4));
		json_kv_string(j, "to", db_value(m, i, 5));
		json_kv_string(j, "cc", db_value(m, i, 10));
		json_kv_string(j, "subject", db_value(m, i, 6));
		json_kv_string(j, "body", db_value(m, i, 9));
		json_kv_string(j, "message_id", db_value(m, i, 7));
		json_kv_string(j, "created", PQgetvalue(m, i, 8));
		json_key(j, "attachments");
		json_array_begin(j);
		for (k = 0; k < PQntuples(r->attachments); k++) {
			if (strcmp(PQgetvalue(r->attachments, k, 0), PQgetvalue(m, i, 0)) != 0)
				continue;
			json_object_begin(j);
			json_kv_string(j, "filename", db_value(r->attachments, k, 1));
			json_kv_string(j, "content_type", PQgetvalue(r->attachments, k, 2));
			json_kv_int(j, "size", atoll(PQgetvalue(r->attachments, k, 3)));
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "events");
	json_array_begin(j);
	for (i = 0; i < PQntuples(r->events); i++) {
		json_object_begin(j);
		json_kv_string(j, "type", PQgetvalue(r->events, i, 0));
		json_kv_string(j, "created", PQgetvalue(r->events, i, 1));
		json_kv_string(j, "detail", db_value(r->events, i, 2));
		json_kv_string(j, "actor", db_value(r->events, i, 3));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_free(&j);
}

/* Print one case for a person: header, messages with bodies, events. */
static void cmd_case_text(struct cmd_case_rows *r)
{
	PGresult *c = r->c, *m = r->messages;
	int i, k;

	printf("Case %s: %s\n", PQgetvalue(c, 0, 0), PQgetvalue(c, 0, 4));
	printf("Queue: %s  Status: %s  Priority: %s%s\n", PQgetvalue(c, 0, 1), PQgetvalue(c, 0, 2),
	       PQgetvalue(c, 0, 3), PQgetvalue(c, 0, 11)[0] == 't' ? "  [quarantined]" : "");
	printf("Customer: %s  Assignee: %s\n", cmd_case_txt(c, 0, 5), cmd_case_txt(c, 0, 6));
	printf("Created: %s  First response due: %s  Resolution due: %s\n", PQgetvalue(c, 0, 7),
	       cmd_case_txt(c, 0, 8), cmd_case_txt(c, 0, 9));
	printf("Answered: %s  Next response due: %s  Escalation level: %s\n", cmd_case_txt(c, 0, 17),
	       cmd_case_txt(c, 0, 16), PQgetvalue(c, 0, 10));
	if (!PQgetisnull(c, 0, 18))
		printf("Rating: %s of 5%s%s\n", PQgetvalue(c, 0, 18), PQgetisnull(c, 0, 19) ? "" : ": ",
		       PQgetvalue(c, 0, 19));
	if (!PQgetisnull(c, 0, 12))
		printf("Linked to case: %s\n", PQgetvalue(c, 0, 12));
	for (i = 0; i < PQntuples(r->watchers); i++)
		printf("%s%s", i ? ", " : "Watchers: ", PQgetvalue(r->watchers, i, 0));
	if (PQntuples(r->watchers) > 0)
		printf("\n");
	for (i = 0; i < PQntuples(m); i++) {
		printf("\n--- %s %s (%s, %s) %s\nFrom: %s\nTo: %s\nSubject: %s\n", PQgetvalue(m, i, 1),
		       PQgetvalue(m, i, 2), PQgetvalue(m, i, 3), PQgetvalue(m, i, 8), cmd_case_txt(m, i, 7),
		       cmd_case_txt(m, i, 4), cmd_case_txt(m, i, 5), cmd_case_txt(m, i, 6));
		for (k = 0; k < PQntuples(r->attachments); k++)
			if (strcmp(PQgetvalue(r->attachments, k, 0), PQgetvalue(m, i, 0)) == 0)
				printf("Attachment: %s (%s, %s bytes)\n", cmd_case_txt(r->attachments, k, 1),
				       PQgetvalue(r->attachments, k, 2), PQgetvalue(r->attachments, k, 3));
		printf("\n%s\n", cmd_case_txt(m, i, 9));
	}
	printf("\nEvents:\n");
	for (i = 0; i < PQntuples(r->events); i++)
		printf("  %s %-14s %s%s%s\n", PQgetvalue(r->events, i, 1), PQgetvalue(r->events, i, 0),
		       cmd_case_txt(r->events, i, 2), PQgetisnull(r->events, i, 3) ? "" : " by ",
		       PQgetisnull(r->events, i, 3) ? "" : PQgetvalue(r->events, i, 3));
}

/* Check a case number argument. */
static int cmd_case_number(const char *text, struct fault *f)
{
	if (*text == '\0' || strspn(text, "0123456789") != strlen(text) || strlen(text) > 18)
		return cmd_usage_fault(f, "case", "expected a case number");
	return 0;
}

/* Show one case. */
static int cmd_case_show(struct cmd_ctx *ctx, const char *id, bool as_json, struct fault *f)
{
	struct cmd_case_rows r = { 0 };
	int ret = 0;

	if (cmd_case_number(id, f) < 0 || cmd_db(ctx, f) < 0)
		return -1;
	if (cmd_case_fetch(ctx, id, &r, f) < 0)
		ret = -1;
	else if (PQntuples(r.c) == 0)
		ret = fault_perm(f, "no case %s", id);
	else if (as_json)
		cmd_case_json(&r);
	else
		cmd_case_text(&r);
	cmd_case_rows_free(&r);
	return ret;
}

/* How a case changes: fill old_r (256 bytes) with what it was before. */
typedef int cmd_case_apply(struct db *db, long long id, const char *value, char *old_r, struct fault *f);

/* Change one case and record an event in the same transaction. */
static int cmd_case_change(struct cmd_ctx *ctx, const char *id, cmd_case_apply *apply, const char *value,
			   const char *event, struct fault *f)
{
	char old[256], *detail;

	if (cmd_db(ctx, f) < 0 || db_begin(ctx->db, f) < 0)
		return -1;
	if (apply(ctx->db, atoll(id), value, old, f) < 0)
		goto fail;
	detail = g_strdup_printf("%s -> %s", old, value);
	if (db_run(ctx->db, "INSERT INTO events (case_id, type, actor, detail) VALUES ($1, $2, 'cli', $3)",
		   3, (const char *[]){ id, event, detail }, f) < 0) {
		g_free(detail);
		goto fail;
	}
	g_free(detail);
	if (db_commit(ctx->db, f) < 0)
		goto fail;
	printf("case %s: %s %s\n", id, event, value);
	return 0;
fail:
	db_rollback(ctx->db);
	return -1;
}

/* Assign case id to the agent with address value. */
static int cmd_case_apply_assign(struct db *db, long long id, const char *value, char *old_r, struct fault *f)
{
	char num[24];
	PGresult *res;

	snprintf(num, sizeof(num), "%lld", id);
	res = db_exec(db, "UPDATE cases c SET assignee_id = (SELECT id FROM agents WHERE email = $2),"
		      " updated = now() FROM cases old LEFT JOIN agents a ON a.id = old.assignee_id"
		      " WHERE c.id = $1 AND old.id = c.id RETURNING coalesce(a.email, 'nobody')",
		      2, (const char *[]){ num, value }, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return fault_perm(f, "no case %s", num);
	}
	snprintf(old_r, 256, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* Set case id's status to value. */
static int cmd_case_apply_status(struct db *db, long long id, const char *value, char *old_r, struct fault *f)
{
	if (sla_set_status(db, id, value, 0, old_r, f) < 0)
		return -1;
	return sla_refresh(db, id, 0, f);
}

/* Assign a case to a registered agent. */
static int cmd_case_assign(struct cmd_ctx *ctx, const char *id, const char *agent, struct fault *f)
{
	char *addr;
	PGresult *res;
	int ret, found;

	if (cmd_case_number(id, f) < 0 || address_normalize(agent, &addr, f) < 0)
		return -1;
	if (cmd_db(ctx, f) < 0) {
		g_free(addr);
		return -1;
	}
	res = db_exec(ctx->db, "SELECT 1 FROM agents WHERE email = $1", 1, (const char *[]){ addr }, f);
	found = res != NULL && PQntuples(res) == 1;
	PQclear(res);
	if (res == NULL || !found) {
		if (res != NULL)
			fault_perm(f, "no agent %s (add it with 'postdesk agent add')", addr);
		g_free(addr);
		return -1;
	}
	ret = cmd_case_change(ctx, id, cmd_case_apply_assign, addr, "assigned", f);
	g_free(addr);
	return ret;
}

/* Set a case's status by hand, keeping the time stamps that go with it. */
static int cmd_case_status(struct cmd_ctx *ctx, const char *id, const char *status, struct fault *f)
{
	static const char *const valid[] = { "new", "open", "pending", "resolved", "closed", NULL };
	const char *const *v;

	if (cmd_case_number(id, f) < 0)
		return -1;
	for (v = valid; *v != NULL && strcmp(*v, status) != 0; v++)
		;
	if (*v == NULL)
		return cmd_usage_fault(f, "case", "status must be new, open, pending, resolved or closed");
	return cmd_case_change(ctx, id, cmd_case_apply_status, status, "status", f);
}

int cmd_case_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "status", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *queue = NULL, *status = NULL, *verb;
	bool first = true, as_json = false;
	int c, n;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		switch (c) {
		case -2: return -1;
		case 'h': return cmd_help("case");
		case 'q': queue = optarg; break;
		case 's': status = optarg; break;
		case 'j': as_json = true; break;
		}
	}
	n = argc - optind;
	verb = n > 0 ? argv[optind] : "";
	if (strcmp(verb, "list") == 0 && n == 1)
		return cmd_case_list(ctx, queue, status, as_json, f);
	if (strcmp(verb, "show") == 0 && n == 2)
		return cmd_case_show(ctx, argv[optind + 1], as_json, f);
	if (strcmp(verb, "assign") == 0 && n == 3)
		return cmd_case_assign(ctx, argv[optind + 1], argv[optind + 2], f);
	if (strcmp(verb, "status") == 0 && n == 3)
		return cmd_case_status(ctx, argv[optind + 1], argv[optind + 2], f);
	return cmd_usage_fault(f, "case", "expected list, show N, assign N AGENT or status N STATUS");
}
