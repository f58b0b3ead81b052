/* main.c: the postdesk command: global options, dispatch to a subcommand,
 * and the one place where a result becomes an exit code. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "log.h"
#include "mta.h"

/* Print the top-level help. */
static void main_usage(FILE *out)
{
	const struct cmd *c;

	fprintf(out,
		"usage: postdesk [-c FILE] COMMAND [ARGS]\n"
		"       postdesk --help | --version\n\n"
		"An email helpdesk mail processor: threads mail into cases in PostgreSQL.\n\n"
		"options:\n"
		"  -c, --config FILE   configuration file (default $POSTDESK_CONF, else\n"
		"                      %s)\n"
		"  -h, --help          this text; 'postdesk COMMAND --help' for a command\n"
		"  -V, --version       print the version\n\n"
		"commands:\n", config_default_path());
	for (c = cmd_table; c->name != NULL; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nSee postdesk(8) and postdesk.conf(5).\n");
}

/* Whether a command line whose global options or command name could not be
 * parsed was meant for "postdesk deliver": the first argument that names a
 * command (the value of a -c included: "-c deliver --sender ..." lost its
 * file) is one the MTA runs. Such a mistake is in master.cf: the mail must
 * stay queued (75), not bounce (64). */
static bool main_mta_argv(int argc, char **argv)
{
	const struct cmd *c;
	int i;

	for (i = 1; i < argc; i++)
		for (c = cmd_table; c->name != NULL; c++)
			if (strcmp(c->name, argv[i]) == 0)
				return c->mta;
	return false;
}

/* A bad command line before the command (f says what): EX_USAGE, or for
 * the MTA's command EX_TEMPFAIL with the one 4.3.5 line. */
static int main_usage_error(int argc, char **argv, const struct fault *f)
{
	if (main_mta_argv(argc, argv))
		return mta_exit(f, true);
	fprintf(stderr, "%s\nTry 'postdesk --help'.\n", f->text);
	return EX_USAGE;
}

/* The exit code for a failed command. */
static int main_exit_code(const struct fault *f)
{
	switch (f->kind) {
	case FAULT_USAGE: return EX_USAGE;
	case FAULT_TEMPORARY: return EX_TEMPFAIL;
	case FAULT_NOUSER: return EX_NOUSER;
	case FAULT_PERMANENT:
	case FAULT_NONE: break;
	}
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_ctx ctx = { 0 };
	struct fault f = { 0 };
	const struct cmd *c;
	int opt, ret;

	ctx.config_path = config_path();
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+:c:hV", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			ctx.config_path = optarg;
			break;
		case 'h':
			main_usage(stdout);
			return 0;
		case 'V':
			printf("postdesk %s\n", PACKAGE_VERSION);
			return 0;
		case ':':
			fault_set(&f, FAULT_USAGE, "postdesk: option %s needs a value", argv[optind - 1]);
			return main_usage_error(argc, argv, &f);
		default:
			if (optopt != 0)
				fault_set(&f, FAULT_USAGE, "postdesk: unknown option -%c", optopt);
			else
				fault_set(&f, FAULT_USAGE, "postdesk: unknown option %s", argv[optind - 1]);
			return main_usage_error(argc, argv, &f);
		}
	}
	if (optind >= argc && main_mta_argv(argc, argv)) {
		fault_set(&f, FAULT_USAGE, "postdesk: no command after the options");
		return main_usage_error(argc, argv, &f);
	}
	if (optind >= argc) {
		main_usage(stderr);
		return EX_USAGE;
	}
	for (c = cmd_table; c->name != NULL; c++)
		if (strcmp(c->name, argv[optind]) == 0)
			break;
	if (c->name == NULL) {
		fprintf(stderr, "postdesk: unknown command '%s'. Try 'postdesk --help'.\n", argv[optind]);
		return EX_USAGE;
	}
	if (c->mta)
		mta_guard();
	ret = c->run(&ctx, argc - optind, argv + optind, &f);
	cmd_ctx_release(&ctx);
	if (ret == 0)
		return 0;
	if (c->mta)
		return mta_exit(&f, ctx.config_failed);
	fprintf(stderr, "postdesk: %s\n", f.text);
	return main_exit_code(&f);
}
