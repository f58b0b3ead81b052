/* cmd_case.c: "postdesk case list|show|assign|status|attachment|merge":
 * what agents and administrators see of the cases, the changes they make
 * by hand (a new assignee is mailed; merging a duplicate), and an
 * attachment's bytes. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "attach.h"
#include "cmd.h"
#include "db.h"
#include "json.h"
#include "model.h"
#include "outbound.h"
#include "outbox.h"
#include "sla.h"
#include "store.h"

/* A nullable column for text output: "-" when SQL NULL. */
static const char *cmd_case_txt(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "-" : PQgetvalue(res, row, col);
}

/* "case list" rows at most unless --limit says otherwise. */
#define CMD_CASE_LIST_LIMIT 100

/* Check and fold "case list"'s filter options into flt (the addresses
 * into *assignee_r and *customer_r, g_free both). */
static int cmd_case_filter(struct cmd_ctx *ctx, struct store_case_filter *flt, const char *limit,
			   char **assignee_r, char **customer_r, struct fault *f)
{
	enum case_status s;
	long long agent = 0;

	if (flt->status != NULL && model_status_parse(flt->status, &s) < 0)
		return cmd_usage_fault(f, "case", "--status must be new, open, pending, resolved or closed");
	if (limit != NULL && (*limit == '\0' || strspn(limit, "0123456789") != strlen(limit) || strlen(limit) > 9))
		return cmd_usage_fault(f, "case", "--limit needs a number (0: no limit)");
	flt->limit = limit != NULL ? atoll(limit) : CMD_CASE_LIST_LIMIT;
	if (flt->search != NULL) {
		const char *p;
		bool word = false;

		if (!g_utf8_validate(flt->search, -1, NULL) || strlen(flt->search) > 1000)
			return cmd_usage_fault(f, "case", "--search needs up to 1000 bytes of UTF-8 text");
		for (p = flt->search; *p != '\0' && !word; p = g_utf8_next_char(p))
			word = g_unichar_isalnum(g_utf8_get_char(p));
		if (!word)
			return cmd_usage_fault(f, "case", "--search needs a word to look for");
	}
	if (flt->customer != NULL) {
		if (address_normalize(flt->customer, customer_r, f) < 0)
			return -1;
		flt->customer = *customer_r;
	}
	if (flt->assignee != NULL && strcmp(flt->assignee, "none") == 0) {
		flt->assignee = "";
	} else if (flt->assignee != NULL) {
		if (address_normalize(flt->assignee, assignee_r, f) < 0 || cmd_db(ctx, f) < 0 ||
		    store_agent_find(ctx->db, *assignee_r, &agent, f) < 0)
			return -1;
		if (agent == 0)
			return fault_perm(f, "no agent %s (see 'postdesk agent list')", *assignee_r);
		flt->assignee = *assignee_r;
	}
	return 0;
}

/* List the cases the filter selects, earliest due time first. */
static int cmd_case_list(struct cmd_ctx *ctx, struct store_case_filter flt, const char *limit, bool as_json,
			 struct fault *f)
{
	char *assignee = NULL, *customer = NULL;
	PGresult *res = NULL;
	int i, n;

	if (cmd_case_filter(ctx, &flt, limit, &assignee, &customer, f) < 0 || cmd_db(ctx, f) < 0)
		goto out;
	if (flt.limit > 0)
		flt.limit++;	/* one more tells that there are more */
	res = store_case_list(ctx->db, &flt, f);
	if (res == NULL)
		goto out;
	n = PQntuples(res);
	if (flt.limit > 0 && n == flt.limit)
		n--;
	if (as_json) {
		struct json *j = json_new(stdout);

		json_array_begin(j);
		for (i = 0; i < n; i++) {
			json_object_begin(j);
			json_kv_int(j, "id", db_get_ll(res, i, LIST_ID));
			json_kv_string(j, "queue", PQgetvalue(res, i, LIST_QUEUE));
			json_kv_string(j, "status", PQgetvalue(res, i, LIST_STATUS));
			json_kv_string(j, "priority", PQgetvalue(res, i, LIST_PRIORITY));
			json_kv_string(j, "subject", PQgetvalue(res, i, LIST_SUBJECT));
			json_kv_string(j, "customer", db_value(res, i, LIST_CUSTOMER));
			json_kv_string(j, "assignee", db_value(res, i, LIST_ASSIGNEE));
			json_kv_string(j, "created", PQgetvalue(res, i, LIST_CREATED));
			json_kv_string(j, "due", db_value(res, i, LIST_DUE));
			json_key(j, "overdue");
			json_bool(j, db_get_bool(res, i, LIST_OVERDUE));
			json_key(j, "quarantined");
			json_bool(j, db_get_bool(res, i, LIST_QUARANTINED));
			json_kv_int(j, "messages", db_get_ll(res, i, LIST_MESSAGES));
			json_object_end(j);
		}
		json_array_end(j);
		json_free(&j);
	} else {
		printf("%-6s %-12s %-8s %-6s %-24s %-28s %-20s %s\n", "CASE", "QUEUE", "STATUS", "PRIO",
		       "ASSIGNEE", "CUSTOMER", "DUE", "SUBJECT");
		for (i = 0; i < n; i++)
			printf("%-6s %-12s %-8s %-6s %-24s %-28s %-20s %s%s%s\n", PQgetvalue(res, i, LIST_ID),
			       PQgetvalue(res, i, LIST_QUEUE), PQgetvalue(res, i, LIST_STATUS),
			       PQgetvalue(res, i, LIST_PRIORITY), cmd_case_txt(res, i, LIST_ASSIGNEE),
			       cmd_case_txt(res, i, LIST_CUSTOMER), cmd_case_txt(res, i, LIST_DUE),
			       db_get_bool(res, i, LIST_OVERDUE) ? "[overdue] " : "",
			       db_get_bool(res, i, LIST_QUARANTINED) ? "[quarantined] " : "",
			       PQgetvalue(res, i, LIST_SUBJECT));
	}
	if (n < PQntuples(res))
		fprintf(stderr, "case list: the first %d cases shown; more with --limit N (0: all)\n", n);
	PQclear(res);
	g_free(assignee);
	g_free(customer);
	return 0;
out:
	g_free(assignee);
	g_free(customer);
	return -1;
}

/* A nullable integer column as JSON: null when SQL NULL. */
static void cmd_case_json_int(struct json *j, const char *key, const PGresult *res, int row, int col)
{
	json_key(j, key);
	if (PQgetisnull(res, row, col))
		json_null(j);
	else
		json_int(j, db_get_ll(res, row, col));
}

/* Print one case as JSON (the contract of DESIGN.md). */
static void cmd_case_json(struct store_case_show *r)
{
	struct json *j = json_new(stdout);
	PGresult *c = r->c, *m = r->messages, *a = r->attachments, *e = r->events;
	int i, k;

	json_object_begin(j);
	json_kv_int(j, "id", db_get_ll(c, 0, SHOW_ID));
	json_kv_string(j, "queue", PQgetvalue(c, 0, SHOW_QUEUE));
	json_kv_string(j, "status", PQgetvalue(c, 0, SHOW_STATUS));
	json_kv_string(j, "priority", PQgetvalue(c, 0, SHOW_PRIORITY));
	json_kv_string(j, "subject", PQgetvalue(c, 0, SHOW_SUBJECT));
	json_kv_string(j, "customer", db_value(c, 0, SHOW_CUSTOMER));
	json_kv_string(j, "customer_name", db_value(c, 0, SHOW_CUSTOMER_NAME));
	json_kv_string(j, "customer_language", db_value(c, 0, SHOW_CUSTOMER_LANGUAGE));
	json_kv_string(j, "assignee", db_value(c, 0, SHOW_ASSIGNEE));
	json_key(j, "watchers");
	json_array_begin(j);
	for (i = 0; i < PQntuples(r->watchers); i++)
		json_string(j, PQgetvalue(r->watchers, i, 0));
	json_array_end(j);
	json_kv_string(j, "created", PQgetvalue(c, 0, SHOW_CREATED));
	json_kv_string(j, "updated", PQgetvalue(c, 0, SHOW_UPDATED));
	json_kv_string(j, "first_response_due", db_value(c, 0, SHOW_FIRST_DUE));
	json_kv_string(j, "resolution_due", db_value(c, 0, SHOW_RESOLUTION_DUE));
	json_kv_string(j, "next_response_due", db_value(c, 0, SHOW_NEXT_DUE));
	json_kv_string(j, "first_response_at", db_value(c, 0, SHOW_ANSWERED));
	json_kv_int(j, "escalation_level", db_get_ll(c, 0, SHOW_LEVEL));
	cmd_case_json_int(j, "rating", c, 0, SHOW_RATING);
	json_kv_string(j, "rating_comment", db_value(c, 0, SHOW_RATING_COMMENT));
	json_key(j, "quarantined");
	json_bool(j, db_get_bool(c, 0, SHOW_QUARANTINED));
	json_key(j, "spam");
	json_bool(j, db_get_bool(c, 0, SHOW_SPAM));
	cmd_case_json_int(j, "linked_case", c, 0, SHOW_LINKED);
	cmd_case_json_int(j, "merged_into", c, 0, SHOW_MERGED_INTO);
	json_key(j, "messages");
	json_array_begin(j);
	for (i = 0; i < PQntuples(m); i++) {
		json_object_begin(j);
		json_kv_string(j, "direction", PQgetvalue(m, i, SHOW_MSG_DIRECTION));
		json_kv_string(j, "kind", PQgetvalue(m, i, SHOW_MSG_KIND));
		json_kv_string(j, "classification", PQgetvalue(m, i, SHOW_MSG_CLASS));
		json_kv_string(j, "from", db_value(m, i, SHOW_MSG_FROM));
		json_kv_string(j, "to", db_value(m, i, SHOW_MSG_TO));
		json_kv_string(j, "cc", db_value(m, i, SHOW_MSG_CC));
		json_kv_string(j, "subject", db_value(m, i, SHOW_MSG_SUBJECT));
		json_kv_string(j, "body", db_value(m, i, SHOW_MSG_BODY));
		json_kv_string(j, "message_id", db_value(m, i, SHOW_MSG_MESSAGE_ID));
		json_kv_string(j, "created", PQgetvalue(m, i, SHOW_MSG_CREATED));
		json_key(j, "attachments");
		json_array_begin(j);
		for (k = 0; k < PQntuples(a); k++) {
			if (db_get_ll(a, k, SHOW_ATT_MESSAGE) != db_get_ll(m, i, SHOW_MSG_ID))
				continue;
			json_object_begin(j);
			json_kv_int(j, "n", k + 1);	/* for "case attachment" */
			json_kv_string(j, "filename", db_value(a, k, SHOW_ATT_FILENAME));
			json_kv_string(j, "content_type", PQgetvalue(a, k, SHOW_ATT_TYPE));
			json_kv_int(j, "size", db_get_ll(a, k, SHOW_ATT_SIZE));
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "events");
	json_array_begin(j);
	for (i = 0; i < PQntuples(e); i++) {
		json_object_begin(j);
		json_kv_string(j, "type", PQgetvalue(e, i, SHOW_EV_TYPE));
		json_kv_string(j, "created", PQgetvalue(e, i, SHOW_EV_CREATED));
		json_kv_string(j, "detail", db_value(e, i, SHOW_EV_DETAIL));
		json_kv_string(j, "actor", db_value(e, i, SHOW_EV_ACTOR));
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_free(&j);
}

/* Print one case for a person: header, messages with bodies, events. */
static void cmd_case_text(struct store_case_show *r)
{
	PGresult *c = r->c, *m = r->messages, *a = r->attachments, *e = r->events;
	int i, k;

	printf("Case %s: %s\n", PQgetvalue(c, 0, SHOW_ID), PQgetvalue(c, 0, SHOW_SUBJECT));
	printf("Queue: %s  Status: %s  Priority: %s%s%s\n", PQgetvalue(c, 0, SHOW_QUEUE),
	       PQgetvalue(c, 0, SHOW_STATUS), PQgetvalue(c, 0, SHOW_PRIORITY),
	       db_get_bool(c, 0, SHOW_QUARANTINED) ? "  [quarantined]" : "",
	       db_get_bool(c, 0, SHOW_SPAM) ? "  [spam]" : "");
	printf("Customer: %s  Assignee: %s\n", cmd_case_txt(c, 0, SHOW_CUSTOMER), cmd_case_txt(c, 0, SHOW_ASSIGNEE));
	printf("Created: %s  First response due: %s  Resolution due: %s\n", PQgetvalue(c, 0, SHOW_CREATED),
	       cmd_case_txt(c, 0, SHOW_FIRST_DUE), cmd_case_txt(c, 0, SHOW_RESOLUTION_DUE));
	printf("Answered: %s  Next response due: %s  Escalation level: %s\n", cmd_case_txt(c, 0, SHOW_ANSWERED),
	       cmd_case_txt(c, 0, SHOW_NEXT_DUE), PQgetvalue(c, 0, SHOW_LEVEL));
	if (!PQgetisnull(c, 0, SHOW_RATING))
		printf("Rating: %s of 5%s%s\n", PQgetvalue(c, 0, SHOW_RATING),
		       PQgetisnull(c, 0, SHOW_RATING_COMMENT) ? "" : ": ", PQgetvalue(c, 0, SHOW_RATING_COMMENT));
	if (!PQgetisnull(c, 0, SHOW_LINKED))
		printf("Linked to case: %s\n", PQgetvalue(c, 0, SHOW_LINKED));
	if (!PQgetisnull(c, 0, SHOW_MERGED_INTO))
		printf("Merged into case: %s (its mail goes there)\n", PQgetvalue(c, 0, SHOW_MERGED_INTO));
	for (i = 0; i < PQntuples(r->watchers); i++)
		printf("%s%s", i ? ", " : "Watchers: ", PQgetvalue(r->watchers, i, 0));
	if (PQntuples(r->watchers) > 0)
		printf("\n");
	for (i = 0; i < PQntuples(m); i++) {
		printf("\n--- %s %s (%s, %s) %s\nFrom: %s\nTo: %s\nSubject: %s\n", PQgetvalue(m, i, SHOW_MSG_DIRECTION),
		       PQgetvalue(m, i, SHOW_MSG_KIND), PQgetvalue(m, i, SHOW_MSG_CLASS),
		       PQgetvalue(m, i, SHOW_MSG_CREATED), cmd_case_txt(m, i, SHOW_MSG_MESSAGE_ID),
		       cmd_case_txt(m, i, SHOW_MSG_FROM), cmd_case_txt(m, i, SHOW_MSG_TO),
		       cmd_case_txt(m, i, SHOW_MSG_SUBJECT));
		for (k = 0; k < PQntuples(a); k++)
			if (db_get_ll(a, k, SHOW_ATT_MESSAGE) == db_get_ll(m, i, SHOW_MSG_ID))
				printf("Attachment %d: %s (%s, %s bytes)\n", k + 1, cmd_case_txt(a, k, SHOW_ATT_FILENAME),
				       PQgetvalue(a, k, SHOW_ATT_TYPE), PQgetvalue(a, k, SHOW_ATT_SIZE));
		printf("\n%s\n", cmd_case_txt(m, i, SHOW_MSG_BODY));
	}
	printf("\nEvents:\n");
	for (i = 0; i < PQntuples(e); i++)
		printf("  %s %-14s %s%s%s\n", PQgetvalue(e, i, SHOW_EV_CREATED), PQgetvalue(e, i, SHOW_EV_TYPE),
		       cmd_case_txt(e, i, SHOW_EV_DETAIL), PQgetisnull(e, i, SHOW_EV_ACTOR) ? "" : " by ",
		       PQgetisnull(e, i, SHOW_EV_ACTOR) ? "" : PQgetvalue(e, i, SHOW_EV_ACTOR));
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
	struct store_case_show r = { 0 };
	int ret = 0;

	if (cmd_case_number(id, f) < 0 || cmd_db(ctx, f) < 0)
		return -1;
	if (store_case_show(ctx->db, atoll(id), &r, f) < 0)
		ret = -1;
	else if (PQntuples(r.c) == 0)
		ret = fault_perm(f, "no case %s", id);
	else if (as_json)
		cmd_case_json(&r);
	else
		cmd_case_text(&r);
	store_case_show_clear(&r);
	return ret;
}

/* attach_fn: write the attachment's bytes to stdout. */
static int cmd_case_write_attachment(void *ctx, const struct attach_ref *ref, const struct mail_attachment *a,
				     const char *why, struct fault *f)
{
	gsize len;
	const char *data;

	(void)ctx;
	if (a == NULL)
		return fault_perm(f, "attachment %lld cannot be read: %s", ref->n, why);
	data = g_bytes_get_data(a->content, &len);
	if ((len > 0 && fwrite(data, 1, len, stdout) != len) || fflush(stdout) != 0)
		return fault_temp(f, "writing attachment %lld: %s", ref->n, g_strerror(errno));
	return 0;
}

/* Write attachment n of a case, as "case show" numbers them, to stdout as
 * it came (its transfer encoding undone), read from its raw message. */
static int cmd_case_attachment(struct cmd_ctx *ctx, const char *id, const char *n, struct fault *f)
{
	GArray *refs = g_array_new(FALSE, TRUE, sizeof(struct attach_ref));
	long long want;
	int ret;

	if (cmd_case_number(id, f) < 0)
		return -1;
	if (*n == '\0' || strspn(n, "0123456789") != strlen(n) || strlen(n) > 9 || (want = atoll(n)) < 1)
		return cmd_usage_fault(f, "case", "expected an attachment number as 'case show' lists them");
	if (isatty(STDOUT_FILENO))
		return fault_perm(f, "not writing attachment bytes to a terminal: redirect them, as in"
				  " 'postdesk case attachment %s %s > FILE'", id, n);
	ret = cmd_db(ctx, f);
	if (ret == 0)
		ret = attach_list(ctx->db, atoll(id), refs, f);
	if (ret == 0 && want > (long long)refs->len)
		ret = fault_perm(f, "case %s has no attachment %s (it has %u)", id, n, refs->len);
	if (ret == 0)
		ret = attach_read(ctx->db, &g_array_index(refs, struct attach_ref, want - 1), 1,
				  cmd_case_write_attachment, NULL, f);
	attach_refs_clear(refs);
	g_array_free(refs, TRUE);
	return ret;
}

/* How a case changes: fill old_r (256 bytes) with what it was before. */
typedef int cmd_case_apply(struct db *db, long long id, const char *value, char *old_r, struct fault *f);

/* Refuse to change a case merged away: its mail goes to the case it was
 * merged into, so that one is the one to change. */
static int cmd_case_live(struct cmd_ctx *ctx, const char *id, struct fault *f)
{
	long long final = 0;

	if (store_case_final(ctx->db, atoll(id), &final, f) < 0)
		return -1;
	if (final != 0 && final != atoll(id))
		return fault_perm(f, "case %s was merged into case %lld: change that one", id, final);
	return 0;
}

/* Change one case and record an event in the same transaction. */
static int cmd_case_change(struct cmd_ctx *ctx, const char *id, cmd_case_apply *apply, const char *value,
			   enum event_type event, struct fault *f)
{
	char old[256], *detail;
	int ret;

	if (cmd_db(ctx, f) < 0 || db_begin(ctx->db, f) < 0)
		return -1;
	if (cmd_case_live(ctx, id, f) < 0 || apply(ctx->db, atoll(id), value, old, f) < 0)
		goto fail;
	detail = g_strdup_printf("%s -> %s", old, value);
	ret = store_event(ctx->db, atoll(id), event, "cli", detail, f);
	g_free(detail);
	if (ret < 0 || db_commit(ctx->db, f) < 0)
		goto fail;
	printf("case %s: %s %s\n", id, model_event_name(event), value);
	return 0;
fail:
	db_rollback(ctx->db);
	return -1;
}

/* Set case id's status to value (checked by the caller). */
static int cmd_case_apply_status(struct db *db, long long id, const char *value, char *old_r, struct fault *f)
{
	enum case_status status = CASE_OPEN, old;

	(void)model_status_parse(value, &status);
	if (store_case_set_status(db, id, status, 0, &old, f) < 0)
		return -1;
	snprintf(old_r, 256, "%s", model_status_name(old));
	return sla_refresh(db, id, 0, f);
}

/* Assign a case to a registered agent. A new assignee who is active gets
 * the "assigned" mail (as with #assign), queued in the same transaction
 * and sent right after the commit (else by the sweeper); without keys
 * (no token for its Reply-To) the case is assigned and the mail left out,
 * with a warning. */
static int cmd_case_assign(struct cmd_ctx *ctx, const char *id, const char *agent, struct fault *f)
{
	GArray *queued = g_array_new(FALSE, FALSE, sizeof(long long));
	struct fault key_fault = { 0 };
	char *addr, old[256], *detail;
	long long agent_id = 0, active_id = 0;
	bool mail;
	int ret;

	if (cmd_case_number(id, f) < 0 || address_normalize(agent, &addr, f) < 0) {
		g_array_free(queued, TRUE);
		return -1;
	}
	ret = cmd_db(ctx, f);
	if (ret == 0)
		ret = store_agent_find(ctx->db, addr, &agent_id, f);
	if (ret == 0 && agent_id == 0)
		ret = fault_perm(f, "no agent %s (add it with 'postdesk agent add')", addr);
	if (ret == 0 && (ret = store_agent_active(ctx->db, addr, &active_id, f)) == 0 && active_id == 0)
		ret = fault_perm(f, "agent %s is disabled (see 'postdesk agent enable')", addr);
	mail = ret == 0 && cmd_keyring(ctx, &key_fault) == 0;
	if (ret == 0)
		ret = db_begin(ctx->db, f);
	if (ret == 0) {
		ret = cmd_case_live(ctx, id, f);
		if (ret == 0)
			ret = store_case_assign(ctx->db, atoll(id), addr, old, f);
		else
			old[0] = '\0';
		detail = g_strdup_printf("%s -> %s", old, addr);
		if (ret == 0)
			ret = store_event(ctx->db, atoll(id), EV_ASSIGNED, "cli", detail, f);
		g_free(detail);
		mail = mail && strcmp(old, addr) != 0;	/* the same assignee again: nothing new to tell */
		if (ret == 0 && mail) {
			struct outbound ob = { .cfg = ctx->cfg, .db = ctx->db, .ring = ctx->ring, .queued = queued,
					       .send_now = true };

			char *by = g_strdup_printf("%s (postdesk case assign)", g_get_user_name());

			ret = outbound_assigned_notice(&ob, atoll(id), agent_id, by, f);
			g_free(by);
		}
		if (ret == 0)
			ret = db_commit(ctx->db, f);
		if (ret < 0)
			db_rollback(ctx->db);
	}
	if (ret == 0) {
		struct outbox_stats st = { 0 };
		struct fault send_fault;

		printf("case %s: %s %s\n", id, model_event_name(EV_ASSIGNED), addr);
		if (active_id > 0 && key_fault.kind != FAULT_NONE)
			fprintf(stderr, "postdesk: case %s: %s not mailed: %s\n", id, addr, key_fault.text);
		if (queued->len > 0 &&
		    outbox_flush(ctx->cfg, ctx->db, cmd_smtp(ctx), (const long long *)(void *)queued->data, queued->len, 0, &st,
				 &send_fault) < 0)
			fprintf(stderr, "postdesk: case %s: sending the mail to %s: %s (left in the outbox)\n", id,
				addr, send_fault.text);
	}
	g_array_free(queued, TRUE);
	g_free(addr);
	return ret;
}

/* "case status N open" (or new) of a case marked spam: it is not spam,
 * and its acknowledgment and notification go out now, once (part intake).
 * The keys are needed only then. */
static int cmd_case_open(struct cmd_ctx *ctx, const char *id, const char *status, struct fault *f)
{
	GArray *queued = g_array_new(FALSE, FALSE, sizeof(long long));
	struct outbound ob = { .queued = queued, .send_now = true };
	struct outbox_stats st = { 0 };
	struct fault key_fault, send_fault;
	char old[256], *detail;
	bool was = false;
	int ret = -1;

	if (cmd_db(ctx, f) < 0 || db_begin(ctx->db, f) < 0)
		goto out;
	(void)cmd_keyring(ctx, &key_fault);
	ob.cfg = ctx->cfg;
	ob.db = ctx->db;
	ob.ring = ctx->ring;
	if (cmd_case_live(ctx, id, f) < 0 || cmd_case_apply_status(ctx->db, atoll(id), status, old, f) < 0)
		goto fail;
	detail = g_strdup_printf("%s -> %s", old, status);
	ret = store_event(ctx->db, atoll(id), EV_STATUS, "cli", detail, f);
	g_free(detail);
	if (ret < 0 || outbound_unspam(&ob, atoll(id), "cli", 0, &was, f) < 0)
		goto fail;
	if (was && ctx->ring == NULL) {
		*f = key_fault;	/* no ack without the keys: nothing changed */
		goto fail;
	}
	if (db_commit(ctx->db, f) < 0)
		goto fail;
	printf("case %s: %s %s\n", id, model_event_name(EV_STATUS), status);
	if (was)
		printf("case %s: not spam: acknowledged, the queue's agents notified\n", id);
	if (queued->len > 0 && outbox_flush(ctx->cfg, ctx->db, cmd_smtp(ctx), (const long long *)(void *)queued->data, queued->len,
					    0, &st, &send_fault) < 0)
		fprintf(stderr, "postdesk: case %s: sending: %s (left in the outbox)\n", id, send_fault.text);
	ret = 0;
	goto out;
fail:
	ret = -1;
	db_rollback(ctx->db);
out:
	g_array_free(queued, TRUE);
	return ret;
}

/* Set a case's status by hand, keeping the time stamps that go with it. */
static int cmd_case_status(struct cmd_ctx *ctx, const char *id, const char *status, struct fault *f)
{
	enum case_status s;

	if (cmd_case_number(id, f) < 0)
		return -1;
	if (model_status_parse(status, &s) < 0)
		return cmd_usage_fault(f, "case", "status must be new, open, pending, resolved or closed");
	if (s == CASE_NEW || s == CASE_OPEN)
		return cmd_case_open(ctx, id, status, f);
	return cmd_case_change(ctx, id, cmd_case_apply_status, status, EV_STATUS, f);
}

/* Merge case source into case target: one transaction, both cases'
 * due times refreshed; says what moved. */
static int cmd_case_merge(struct cmd_ctx *ctx, const char *source, const char *target, bool as_json,
			  struct fault *f)
{
	struct store_merge_moved moved;
	long long s, t;

	if (cmd_case_number(source, f) < 0 || cmd_case_number(target, f) < 0 || cmd_db(ctx, f) < 0 ||
	    db_begin(ctx->db, f) < 0)
		return -1;
	s = atoll(source);
	t = atoll(target);
	if (store_case_merge(ctx->db, s, t, "cli", &moved, f) < 0 || sla_refresh(ctx->db, s, 0, f) < 0 ||
	    sla_refresh(ctx->db, t, 0, f) < 0 || db_commit(ctx->db, f) < 0) {
		db_rollback(ctx->db);
		return -1;
	}
	if (as_json) {
		struct json *j = json_new(stdout);

		json_object_begin(j);
		json_kv_int(j, "source", s);
		json_kv_int(j, "target", t);
		json_kv_int(j, "messages", moved.messages);
		json_kv_int(j, "attachments", moved.attachments);
		json_kv_int(j, "watchers", moved.watchers);
		json_kv_int(j, "outbox", moved.outbox);
		json_object_end(j);
		json_free(&j);
	} else
		printf("case %lld merged into case %lld: %lld messages, %lld attachments, %lld watchers added,"
		       " %lld unsent mails moved; case %lld is closed\n", s, t, moved.messages, moved.attachments,
		       moved.watchers, moved.outbox, s);
	return 0;
}

int cmd_case_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "status", required_argument, NULL, 's' },
		{ "assignee", required_argument, NULL, 'a' },
		{ "customer", required_argument, NULL, 'c' },
		{ "search", required_argument, NULL, 'S' },
		{ "overdue", no_argument, NULL, 'o' },
		{ "spam", no_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_case_filter flt = { 0 };
	const char *limit = NULL, *verb;
	bool first = true, as_json = false;
	int c, n;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		switch (c) {
		case -2: return -1;
		case 'h': return cmd_help("case");
		case 'q': flt.queue = optarg; break;
		case 's': flt.status = optarg; break;
		case 'a': flt.assignee = optarg; break;
		case 'c': flt.customer = optarg; break;
		case 'S': flt.search = optarg; break;
		case 'o': flt.overdue = true; break;
		case 'p': flt.spam = true; break;
		case 'l': limit = optarg; break;
		case 'j': as_json = true; break;
		}
	}
	n = argc - optind;
	verb = n > 0 ? argv[optind] : "";
	if (strcmp(verb, "list") == 0 && n == 1)
		return cmd_case_list(ctx, flt, limit, as_json, f);
	if (strcmp(verb, "show") == 0 && n == 2)
		return cmd_case_show(ctx, argv[optind + 1], as_json, f);
	if (strcmp(verb, "assign") == 0 && n == 3)
		return cmd_case_assign(ctx, argv[optind + 1], argv[optind + 2], f);
	if (strcmp(verb, "status") == 0 && n == 3)
		return cmd_case_status(ctx, argv[optind + 1], argv[optind + 2], f);
	if (strcmp(verb, "merge") == 0 && n == 3)
		return cmd_case_merge(ctx, argv[optind + 1], argv[optind + 2], as_json, f);
	if (strcmp(verb, "attachment") == 0 && n == 3 && !as_json)
		return cmd_case_attachment(ctx, argv[optind + 1], argv[optind + 2], f);
	return cmd_usage_fault(f, "case", "expected list, show N, assign N AGENT, status N STATUS, attachment N A"
			      " or merge SOURCE TARGET");
}
