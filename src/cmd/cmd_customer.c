/* cmd_customer.c: "postdesk customer alias": a customer with several
 * addresses. Mail from an alias is the customer's (store.h, "people"). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

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

int cmd_customer_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "remove", no_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *email = NULL, *other = NULL;
	bool first = true, as_json = false, remove = false;
	int c, n, ret;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		switch (c) {
		case -2: return -1;
		case 'h': return cmd_help("customer");
		case 'r': remove = true; break;
		case 'j': as_json = true; break;
		}
	}
	n = argc - optind;
	if (n < 2 || n > 3 || strcmp(argv[optind], "alias") != 0 || (n == 2 && remove) || (n == 3 && as_json))
		return cmd_usage_fault(f, "customer", "expected alias EMAIL [--json], alias EMAIL OTHER [--remove]");
	if (address_normalize(argv[optind + 1], &email, f) < 0 ||
	    (n == 3 && address_normalize(argv[optind + 2], &other, f) < 0)) {
		g_free(email);
		return -1;
	}
	ret = cmd_db(ctx, f);
	if (ret == 0)
		ret = n == 2 ? cmd_customer_list(ctx, email, as_json, f) : cmd_customer_alias(ctx, email, other, remove, f);
	g_free(email);
	g_free(other);
	return ret;
}
