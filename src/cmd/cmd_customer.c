/* cmd_customer.c: "postdesk customer alias": a customer with several
 * addresses. Mail from an alias is the customer's (store.h, "people").
 * "customer export" and "customer erase": a person's access and erasure
 * requests (store.h, "privacy"). */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "cmd.h"
#include "config.h"
#include "db.h"
#include "json.h"
#include "store.h"

/* The customer with address email, which must exist, into *id_r. */
static int cmd_customer_find(struct cmd_ctx *ctx, const char *email, long long *id_r, struct fault *f)
{
	if (store_customer_find(ctx->db, email, id_r, f) < 0)
		return -1;
	if (*id_r == 0)
		return fault_perm(f, "no customer %s", email);
	return 0;
}

/* List the customer's aliases, as text or JSON. */
static int cmd_customer_list(struct cmd_ctx *ctx, const char *email, bool as_json, struct fault *f)
{
	PGresult *res;
	long long id;
	int i;

	if (cmd_customer_find(ctx, email, &id, f) < 0 || (res = store_customer_aliases(ctx->db, id, f)) == NULL)
		return -1;
	if (as_json) {
		struct json *j = json_new(stdout);

		json_object_begin(j);
		json_kv_string(j, "customer", email);
		json_key(j, "aliases");
		json_array_begin(j);
		for (i = 0; i < PQntuples(res); i++) {
			json_object_begin(j);
			json_kv_string(j, "address", PQgetvalue(res, i, 0));
			json_kv_string(j, "created", PQgetvalue(res, i, 1));
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
		json_free(&j);
	} else {
		printf("%-40s %s\n", "ALIAS", "ADDED");
		for (i = 0; i < PQntuples(res); i++)
			printf("%-40s %s\n", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	}
	PQclear(res);
	return 0;
}

/* Make other an alias of email, or (remove) stop it being one; in one
 * transaction, saying what happened. */
static int cmd_customer_alias(struct cmd_ctx *ctx, const char *email, const char *other, bool remove,
			      struct fault *f)
{
	char *base, *ext;
	long long id;
	bool done;
	int ret;

	if (strcmp(email, other) == 0)
		return fault_perm(f, "%s cannot be an alias of itself", email);
	if (db_begin(ctx->db, f) < 0)
		return -1;
	if (remove) {
		ret = cmd_customer_find(ctx, email, &id, f);
		if (ret == 0)
			ret = store_customer_alias_remove(ctx->db, id, other, &done, f);
	} else {
		address_split(other, ctx->cfg->recipient_delimiter, &base, &ext);
		ret = store_customer_alias_add(ctx->db, email, other, base, &done, f);
		g_free(base);
		g_free(ext);
	}
	if (ret == 0)
		ret = db_commit(ctx->db, f);
	if (ret < 0) {
		if (!remove && db_unique_violation(ctx->db))
			fault_perm(f, "%s became an alias meanwhile: try again", other);
		db_rollback(ctx->db);
		return -1;
	}
	if (remove)
		printf(done ? "customer %s: alias %s removed\n" : "customer %s: %s was no alias (nothing removed)\n",
		       email, other);
	else
		printf(done ? "customer %s: alias %s added\n" : "customer %s: %s is an alias already\n", email, other);
	return 0;
}

/* Write one row's columns as JSON keys (names[i]: the key of column i,
 * NULL to skip it; numeric: a string with 'n' at the columns written as
 * numbers, shorter than the row when the rest are text). */
static void cmd_customer_json_row(struct json *j, const PGresult *res, int row, const char *const *names,
				  const char *numeric)
{
	size_t nlen = strlen(numeric);
	int c;

	json_object_begin(j);
	for (c = 0; c < PQnfields(res); c++) {
		if (names[c] == NULL)
			continue;
		json_key(j, names[c]);
		if (PQgetisnull(res, row, c))
			json_null(j);
		else if ((size_t)c < nlen && numeric[c] == 'n')
			json_int(j, db_get_ll(res, row, c));
		else
			json_string(j, PQgetvalue(res, row, c));
	}
	json_object_end(j);
}

/* The messages of the export with their attachments' metadata. */
static void cmd_customer_json_messages(struct json *j, const PGresult *msg, const PGresult *att)
{
	static const char *const names[] = { "id", "case", "created", "direction", "kind", "from", "from_name", "to",
					     "cc", "subject", "message_id", "body_text", "body_html" };
	int i, k;

	json_array_begin(j);
	for (i = 0; i < PQntuples(msg); i++) {
		json_object_begin(j);
		for (k = 0; k < PQnfields(msg); k++) {
			json_key(j, names[k]);
			if (PQgetisnull(msg, i, k))
				json_null(j);
			else if (k < 2)
				json_int(j, db_get_ll(msg, i, k));
			else
				json_string(j, PQgetvalue(msg, i, k));
		}
		json_key(j, "attachments");
		json_array_begin(j);
		for (k = 0; k < PQntuples(att); k++) {
			if (strcmp(PQgetvalue(att, k, 0), PQgetvalue(msg, i, 0)) == 0)
				cmd_customer_json_row(j, att, k,
						      (const char *const[]){ NULL, "filename", "content_type", "size" },
						      "...n");
		}
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
}

/* Rows of res as a JSON array under key. */
static void cmd_customer_json_rows(struct json *j, const char *key, const PGresult *res, const char *const *names,
				   const char *numeric)
{
	int i;

	json_key(j, key);
	json_array_begin(j);
	for (i = 0; i < PQntuples(res); i++)
		cmd_customer_json_row(j, res, i, names, numeric);
	json_array_end(j);
}

/* One mboxrd message: the From_ line, then the text with CRLF as LF and
 * every line starting ">*From " quoted with one more '>'. */
static void cmd_customer_mbox_one(FILE *out, const char *sender, const char *iso, const unsigned char *raw,
				  size_t len)
{
	GDateTime *dt = g_date_time_new_from_iso8601(iso, NULL);
	char *date = dt != NULL ? g_date_time_format(dt, "%a %b %e %H:%M:%S %Y") : g_strdup("Thu Jan  1 00:00:00 1970");
	size_t i = 0, e, k;

	fprintf(out, "From %s %s\n", sender != NULL && *sender != '\0' ? sender : "MAILER-DAEMON", date);
	g_free(date);
	if (dt != NULL)
		g_date_time_unref(dt);
	while (i < len) {
		for (e = i; e < len && raw[e] != '\n'; e++)
			;
		k = i;
		while (k < e && raw[k] == '>')
			k++;
		if (e - k >= 5 && memcmp(raw + k, "From ", 5) == 0)
			fputc('>', out);
		k = e > i && raw[e - 1] == '\r' ? e - 1 : e;
		fwrite(raw + i, 1, k - i, out);
		fputc('\n', out);
		i = e + 1;
	}
	fputc('\n', out);
}

/* The rows of res (2 time, 3 sender, 4 raw bytea) as mbox messages. */
static void cmd_customer_mbox_rows(FILE *out, const PGresult *res)
{
	int i;

	for (i = 0; i < PQntuples(res); i++) {
		size_t len = 0;
		unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 4), &len);

		if (raw == NULL)
			continue;
		cmd_customer_mbox_one(out, PQgetvalue(res, i, 3), PQgetvalue(res, i, 2), raw, len);
		PQfreemem(raw);
	}
}

/* Write their original mail, then the mail sent to them, to path as mboxrd. */
static int cmd_customer_mbox(struct cmd_ctx *ctx, const struct privacy_person *p, const char *path,
			     long long *count_r, struct fault *f)
{
	PGresult *in = store_privacy_messages(ctx->db, p, true, f), *out = NULL;
	FILE *fp;
	int ret = 0;

	if (in == NULL || (out = store_privacy_outbox(ctx->db, p, true, f)) == NULL) {
		PQclear(in);
		return -1;
	}
	fp = fopen(path, "w");
	if (fp == NULL) {
		ret = fault_perm(f, "cannot write %s: %s", path, g_strerror(errno));
	} else {
		cmd_customer_mbox_rows(fp, in);
		cmd_customer_mbox_rows(fp, out);
		if (fclose(fp) != 0)
			ret = fault_perm(f, "cannot write %s: %s", path, g_strerror(errno));
	}
	*count_r = PQntuples(in) + PQntuples(out);
	PQclear(in);
	PQclear(out);
	return ret;
}

/* The export as one JSON document on stdout. */
static void cmd_customer_export_json(const char *email, const struct privacy_person *p, PGresult *const r[6])
{
	struct json *j = json_new(stdout);
	guint i;

	json_object_begin(j);
	json_kv_string(j, "address", email);
	json_key(j, "addresses");
	json_array_begin(j);
	for (i = 0; i < p->addrs->len; i++)
		json_string(j, p->addrs->pdata[i]);
	json_array_end(j);
	json_key(j, "customer");
	if (PQntuples(r[0]) == 1)
		cmd_customer_json_row(j, r[0], 0,
				      (const char *const[]){ "email", "name", "language", "language_source", "utc_offset",
							     "created", "bounced_at", "bounce_info" },
				      "....n");
	else
		json_null(j);
	cmd_customer_json_rows(j, "cases", r[1],
			       (const char *const[]){ "id", "queue", "role", "status", "priority", "subject", "created",
						      "first_response_at", "resolved_at", "closed_at", "rating",
						      "rating_comment", "language" },
			       "n.........n");
	json_key(j, "messages");
	cmd_customer_json_messages(j, r[2], r[3]);
	cmd_customer_json_rows(j, "events", r[4],
			       (const char *const[]){ "case", "type", "actor", "detail", "created" }, "n");
	cmd_customer_json_rows(j, "outbox", r[5],
			       (const char *const[]){ "id", "case", "kind", "recipients", "status", "created", "sent_at" },
			       "nn");
	json_object_end(j);
	json_free(&j);
}

/* The export as text: who, then one line per case, message and mail sent. */
static void cmd_customer_export_text(const char *email, const struct privacy_person *p, PGresult *const r[6])
{
	int i;

	printf("person:    %s\n", email);
	if (PQntuples(r[0]) == 1)
		printf("customer:  %s (%s), since %s\n", PQgetvalue(r[0], 0, 0),
		       PQgetisnull(r[0], 0, 1) ? "no name" : PQgetvalue(r[0], 0, 1), PQgetvalue(r[0], 0, 5));
	else
		printf("customer:  none\n");
	printf("addresses: %u, names: %u\n", p->addrs->len, p->names->len);
	printf("cases:     %d\n", PQntuples(r[1]));
	for (i = 0; i < PQntuples(r[1]); i++)
		printf("  #%s %-8s %-8s %s %s\n", PQgetvalue(r[1], i, 0), PQgetvalue(r[1], i, 2), PQgetvalue(r[1], i, 3),
		       PQgetvalue(r[1], i, 6), PQgetvalue(r[1], i, 5));
	printf("messages:  %d (attachments: %d)\n", PQntuples(r[2]), PQntuples(r[3]));
	for (i = 0; i < PQntuples(r[2]); i++)
		printf("  %s #%s %-8s %s\n", PQgetvalue(r[2], i, 2), PQgetvalue(r[2], i, 1), PQgetvalue(r[2], i, 4),
		       PQgetvalue(r[2], i, 9));
	printf("events:    %d\n", PQntuples(r[4]));
	printf("mail sent: %d\n", PQntuples(r[5]));
	for (i = 0; i < PQntuples(r[5]); i++)
		printf("  %s #%s %-10s %s\n", PQgetvalue(r[5], i, 5), PQgetisnull(r[5], i, 1) ? "-" : PQgetvalue(r[5], i, 1),
		       PQgetvalue(r[5], i, 2), PQgetvalue(r[5], i, 4));
}

/* "customer export": everything stored about email, in one read-only
 * transaction (one snapshot). */
static int cmd_customer_export(struct cmd_ctx *ctx, const char *email, bool as_json, const char *mbox,
			       struct fault *f)
{
	struct privacy_person p;
	PGresult *r[6] = { NULL };
	long long n = 0;
	int i, ret = -1;

	if (db_begin(ctx->db, f) < 0)
		return -1;
	if (store_privacy_person(ctx->db, email, &p, f) < 0)
		goto out;
	if ((r[0] = store_privacy_customer(ctx->db, &p, f)) == NULL || (r[1] = store_privacy_cases(ctx->db, &p, f)) == NULL ||
	    (r[2] = store_privacy_messages(ctx->db, &p, false, f)) == NULL ||
	    (r[3] = store_privacy_attachments(ctx->db, &p, f)) == NULL ||
	    (r[4] = store_privacy_events(ctx->db, &p, f)) == NULL || (r[5] = store_privacy_outbox(ctx->db, &p, false, f)) == NULL)
		goto out;
	if (mbox != NULL && cmd_customer_mbox(ctx, &p, mbox, &n, f) < 0)
		goto out;
	if (as_json)
		cmd_customer_export_json(email, &p, r);
	else
		cmd_customer_export_text(email, &p, r);
	if (mbox != NULL)
		fprintf(as_json ? stderr : stdout, "mbox:      %lld messages written to %s\n", n, mbox);
	ret = 0;
out:
	for (i = 0; i < 6; i++)
		PQclear(r[i]);
	store_privacy_person_clear(&p);
	db_rollback(ctx->db);
	return ret;
}

/* Ask on the terminal whether to erase email; false unless "yes". */
static bool cmd_customer_confirm(const char *email, const struct privacy_person *p)
{
	char line[64];

	fprintf(stderr, "Erase everything stored about %s (%u address%s, %u name%s)? This cannot be undone.\n"
		"Type \"yes\" to erase: ", email, p->addrs->len, p->addrs->len == 1 ? "" : "es", p->names->len,
		p->names->len == 1 ? "" : "s");
	fflush(stderr);
	if (fgets(line, sizeof(line), stdin) == NULL)
		return false;
	g_strstrip(line);
	return strcmp(line, "yes") == 0;
}

/* "customer erase": remove the person's data everywhere, in one
 * transaction, after a confirmation unless yes. */
static int cmd_customer_erase(struct cmd_ctx *ctx, const char *email, bool yes, struct fault *f)
{
	struct privacy_person p;
	struct privacy_erased n;
	int ret = -1;

	if (!yes && !isatty(STDIN_FILENO))
		return fault_perm(f, "customer erase: stdin is not a terminal; give --yes to erase %s", email);
	if (db_begin(ctx->db, f) < 0)
		return -1;
	if (store_privacy_person(ctx->db, email, &p, f) < 0)
		goto out;
	if (p.agent) {
		fault_perm(f, "%s is a registered agent's address: remove the agent first", email);
		goto out;
	}
	if (!yes && !cmd_customer_confirm(email, &p)) {
		fault_perm(f, "customer erase: not confirmed, nothing erased");
		goto out;
	}
	if (store_privacy_erase(ctx->db, &p, (long long)time(NULL), &n, f) < 0 || db_commit(ctx->db, f) < 0)
		goto out;
	printf("customer %s erased: %lld own case%s purged, removed from %lld other case%s; %lld watcher row%s,"
	       " %lld message%s deleted, %lld scrubbed, %lld outbox row%s, %lld event%s, %lld rate-limit row%s\n",
	       email, n.cases, n.cases == 1 ? "" : "s", n.touched, n.touched == 1 ? "" : "s", n.watchers,
	       n.watchers == 1 ? "" : "s", n.messages, n.messages == 1 ? "" : "s", n.scrubbed, n.outbox,
	       n.outbox == 1 ? "" : "s", n.events, n.events == 1 ? "" : "s", n.rate_rows, n.rate_rows == 1 ? "" : "s");
	ret = 0;
out:
	if (ret < 0)
		db_rollback(ctx->db);
	store_privacy_person_clear(&p);
	return ret;
}

int cmd_customer_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "remove", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "mbox", required_argument, NULL, 'm' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *email = NULL, *other = NULL;
	const char *mbox = NULL, *verb;
	bool first = true, as_json = false, remove = false, yes = false;
	int c, n, ret;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		switch (c) {
		case -2: return -1;
		case 'h': return cmd_help("customer");
		case 'r': remove = true; break;
		case 'j': as_json = true; break;
		case 'm': mbox = optarg; break;
		case 'y': yes = true; break;
		}
	}
	n = argc - optind;
	verb = n > 0 ? argv[optind] : "";
	if (strcmp(verb, "export") == 0 || strcmp(verb, "erase") == 0) {
		bool export = verb[1] == 'x';

		if (n != 2 || remove || (export && yes) || (!export && (as_json || mbox != NULL)))
			return cmd_usage_fault(f, "customer",
					       "expected export EMAIL [--json] [--mbox FILE], erase EMAIL [--yes]");
	} else if (n < 2 || n > 3 || strcmp(verb, "alias") != 0 || (n == 2 && remove) || (n == 3 && as_json) ||
		   mbox != NULL || yes) {
		return cmd_usage_fault(f, "customer", "expected alias EMAIL [--json], alias EMAIL OTHER [--remove]");
	}
	if (address_normalize(argv[optind + 1], &email, f) < 0 ||
	    (n == 3 && address_normalize(argv[optind + 2], &other, f) < 0)) {
		g_free(email);
		return -1;
	}
	ret = cmd_db(ctx, f);
	if (ret == 0 && strcmp(verb, "export") == 0)
		ret = cmd_customer_export(ctx, email, as_json, mbox, f);
	else if (ret == 0 && strcmp(verb, "erase") == 0)
		ret = cmd_customer_erase(ctx, email, yes, f);
	else if (ret == 0)
		ret = n == 2 ? cmd_customer_list(ctx, email, as_json, f) : cmd_customer_alias(ctx, email, other, remove, f);
	g_free(email);
	g_free(other);
	return ret;
}
