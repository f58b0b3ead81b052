/* cmd_db.c: "postdesk db migrate" and "postdesk db status". */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "log.h"
#include "migrate.h"

/* Apply pending migrations and say how many were applied. */
static int cmd_db_migrate(struct cmd_ctx *ctx, struct fault *f)
{
	int applied;

	if (cmd_db(ctx, f) < 0 || migrate_run(ctx->db, &applied, f) < 0)
		return -1;
	printf("%d migration%s applied\n", applied, applied == 1 ? "" : "s");
	return 0;
}

/* Show each migration and whether it is applied. */
static int cmd_db_status(struct cmd_ctx *ctx, bool as_json, struct fault *f)
{
	struct migrate_state *st;
	int i, n, pending = 0;

	if (cmd_db(ctx, f) < 0 || migrate_status(ctx->db, &st, &n, f) < 0)
		return -1;
	if (as_json) {
		struct json *j = json_new(stdout);

		json_array_begin(j);
		for (i = 0; i < n; i++) {
			json_object_begin(j);
			json_kv_int(j, "version", st[i].version);
			json_kv_string(j, "name", st[i].name);
			json_kv_string(j, "applied", st[i].applied[0] ? st[i].applied : NULL);
			json_key(j, "changed");
			json_bool(j, st[i].changed != 0);
			json_object_end(j);
		}
		json_array_end(j);
		json_free(&j);
	} else {
		for (i = 0; i < n; i++) {
			printf("%03d %-30s %s%s\n", st[i].version, st[i].name ? st[i].name : "(unknown to this postdesk)",
			       st[i].applied[0] ? st[i].applied : "pending",
			       st[i].changed ? " (CHANGED since applied)" : "");
			pending += st[i].applied[0] == '\0';
		}
		printf("%d pending\n", pending);
	}
	g_free(st);
	return 0;
}

int cmd_db_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool first = true, as_json = false;
	int c;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		if (c == -2)
			return -1;
		if (c == 'h')
			return cmd_help("db");
		as_json = true;
	}
	if (optind + 1 != argc)
		return cmd_usage_fault(f, "db", "expected 'migrate' or 'status'");
	if (strcmp(argv[optind], "migrate") == 0)
		return cmd_db_migrate(ctx, f);
	if (strcmp(argv[optind], "status") == 0)
		return cmd_db_status(ctx, as_json, f);
	return cmd_usage_fault(f, "db", "expected 'migrate' or 'status'");
}
