/* cmd.c: the subcommand table and what the subcommands share. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "db.h"
#include "keyring.h"
#include "langguess.h"
#include "log.h"
#include "smtp.h"

const struct cmd cmd_table[] = {
	{ "db", "apply or show schema migrations",
	  "db migrate\ndb status [--json]", false, cmd_db_main },
	{ "keygen", "write a new secret key file (mode 0600)",
	  "keygen [--rotate]", false, cmd_keygen_main },
	{ "queue", "add, change, disable, enable and list queues (support addresses)",
	  "queue add NAME --address ADDR [--language L] [--first-response DUR]\n"
	  "          [--next-response DUR] [--resolution DUR] [--calendar NAME]\n"
	  "          [--escalate-to ADDR] [--escalate-after DUR] [--remind-after DUR]\n"
	  "          [--autoclose-after DUR] [--close-after DUR] [--retention DUR]\n"
	  "          [--no-survey]\n"
	  "queue set NAME [the options of add] [--survey]   (only those given change;\n"
	  "          'none' unsets --language, --calendar, --escalate-to and the\n"
	  "          durations but --escalate-after)\n"
	  "queue disable NAME   (no new cases; follow-ups as usual)\n"
	  "queue enable NAME\n"
	  "queue list [--json]", false, cmd_queue_main },
	{ "calendar", "add and list business-hours calendars",
	  "calendar add NAME --tz ZONE --hours 'mon-fri 09:00-17:00' [--hours SPEC]...\n"
	  "          [--holiday YYYY-MM-DD]...\n"
	  "calendar list [--json]", false, cmd_calendar_main },
	{ "agent", "add, disable, enable and list agents, print an agent's digest address",
	  "agent add EMAIL --name NAME [--queue Q]...\n"
	  "agent disable EMAIL   (their open cases go back to their queues)\n"
	  "agent enable EMAIL\n"
	  "agent list [--json]\n"
	  "agent digest EMAIL", false, cmd_agent_main },
	{ "deliver", "take one message from the MTA on stdin (pipe(8))",
	  "deliver --recipient ADDR [--sender ADDR] [--original-recipient ADDR]\n"
	  "          [--queue-id ID] < message", true, cmd_deliver_main },
	{ "server", "keep workers ready for deliver and LMTP (lmtp_listen): warm database connections",
	  "server", false, cmd_server_main },
	{ "case", "list, show, assign, set the status of and merge cases; write out an attachment",
	  "case list [--queue Q] [--status S] [--assignee EMAIL|none] [--customer EMAIL]\n"
	  "          [--search TEXT] [--overdue] [--spam] [--limit N (100; 0: all)] [--json]\n"
	  "case show N [--json]\n"
	  "case assign N AGENT\n"
	  "case status N new|open|pending|resolved|closed   (open on a spam case: not spam, ack it now)\n"
	  "case attachment N A > FILE   (attachment A as 'case show' numbers them)\n"
	  "case merge SOURCE TARGET [--json]   (SOURCE's mail moves to TARGET, SOURCE is closed)",
	  false, cmd_case_main },
	{ "customer", "a customer's other addresses (aliases); a person's data exported or erased",
	  "customer alias EMAIL OTHER [--remove]\n"
	  "customer alias EMAIL [--json]\n"
	  "customer export EMAIL [--json] [--mbox FILE]\n"
	  "customer erase EMAIL [--yes]", false, cmd_customer_main },
	{ "template", "check that every template parses and renders",
	  "template check [--dir DIR]", false, cmd_template_main },
	{ "sweep", "the periodic pass: escalate, remind, close, survey, purge; retry the outbox",
	  "sweep [--now ISO8601] [--every SECONDS]", false, cmd_sweep_main },
	{ "report", "the service's figures: response and resolution times, breaches, backlog, agents, ratings",
	  "report [--since DUR (7d) | --from DATE --to DATE] [--queue Q] [--agent EMAIL] [--json | --mail ADDR]\n"
	  "          (cases created in the period; DATE YYYY-MM-DD, --to's day included, or ISO 8601;\n"
	  "          --mail: the report as a mail to ADDR, in the queue's language)",
	  false, cmd_report_main },
	{ NULL, NULL, NULL, false, NULL },
};

int cmd_config(struct cmd_ctx *ctx, struct fault *f)
{
	if (ctx->cfg != NULL)
		return 0;
	if (config_load(ctx->config_path, &ctx->cfg, f) < 0 || config_open_log(ctx->cfg, f) < 0) {
		ctx->config_failed = true;
		return -1;
	}
	config_warn_mode(ctx->cfg);
	return 0;
}

int cmd_keyring(struct cmd_ctx *ctx, struct fault *f)
{
	if (ctx->ring != NULL)
		return 0;
	if (cmd_config(ctx, f) < 0)
		return -1;
	return keyring_load(ctx->cfg->secret_key_file, &ctx->ring, f);
}

int cmd_db(struct cmd_ctx *ctx, struct fault *f)
{
	if (ctx->db != NULL)
		return 0;
	if (cmd_config(ctx, f) < 0)
		return -1;
	return db_open(ctx->cfg, &ctx->db, f);
}

struct langguess *cmd_langguess(struct cmd_ctx *ctx)
{
	struct fault f;

	if (ctx->guess_made)
		return ctx->guess;
	ctx->guess_made = true;
	if (ctx->cfg->language_fingerprints[0] == '\0')
		return NULL;
	ctx->guess = langguess_new(ctx->cfg->language_fingerprints, &f);
	if (ctx->guess == NULL)
		log_warning("no language guessing: %s (language_fingerprints)", f.text);
	return ctx->guess;
}

struct smtp_session *cmd_smtp(struct cmd_ctx *ctx)
{
	if (ctx->smtp == NULL)
		ctx->smtp = smtp_session_new(ctx->cfg);
	return ctx->smtp;
}

void cmd_ctx_release(struct cmd_ctx *ctx)
{
	smtp_session_free(&ctx->smtp);
	langguess_free(&ctx->guess);
	ctx->guess_made = false;
	db_free(&ctx->db);
	keyring_free(&ctx->ring);
	config_free(&ctx->cfg);
	log_close();
}

int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       bool *first, struct fault *f)
{
	char opts[64];
	size_t mode = shortopts[0] == '+' || shortopts[0] == '-';
	int c, longindex = -1;

	/* a ':' first (after a '+' or '-') makes getopt tell a missing value (':') from an unknown option ('?') */
	g_snprintf(opts, sizeof(opts), "%.*s:%s", (int)mode, shortopts, shortopts + mode);
	if (*first) {
		optind = 0;	/* glibc: start over for this argument vector */
		opterr = 0;
		*first = false;
	}
	c = getopt_long(argc, argv, opts, longopts, &longindex);
	if (c == '?' && optopt == 0)
		fault_set(f, FAULT_USAGE, "%s: option %s is unknown", argv[0], argv[optind - 1]);
	else if (c == '?')
		fault_set(f, FAULT_USAGE, "%s: option -%c is unknown", argv[0], optopt);
	else if (c == ':' && strncmp(argv[optind - 1], "--", 2) == 0)
		fault_set(f, FAULT_USAGE, "%s: option %s needs a value", argv[0], argv[optind - 1]);
	else if (c == ':')
		fault_set(f, FAULT_USAGE, "%s: option -%c needs a value", argv[0], optopt);
	else
		return c;
	return -2;
}

int cmd_usage_fault(struct fault *f, const char *name, const char *what)
{
	return fault_set(f, FAULT_USAGE, "%s: %s (see 'postdesk %s --help')", name, what, name);
}

int cmd_help(const char *name)
{
	const struct cmd *c;
	const char *p;

	for (c = cmd_table; c->name != NULL; c++) {
		if (strcmp(c->name, name) != 0)
			continue;
		printf("usage:");
		for (p = c->usage; *p != '\0';) {
			size_t n = strcspn(p, "\n");

			if (*p == ' ')
				printf("\t                   %.*s\n", (int)n, p);
			else
				printf("\tpostdesk [-c FILE] %.*s\n", (int)n, p);
			p += n + (p[n] == '\n');
		}
		return 0;
	}
	return 0;
}

int cmd_check_name(const char *what, const char *name, struct fault *f)
{
	size_t len = strlen(name);

	if (len == 0 || len > 64 || name[0] == '-' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len)
		return fault_perm(f, "bad %s name '%s' (use up to 64 letters, digits, '.', '_', '-')",
				  what, name);
	return 0;
}
