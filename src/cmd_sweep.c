/* cmd_sweep.c: "postdesk sweep": the periodic pass. For now it retries the
 * outbox (sending what is due, in batches, safe with several sweepers at
 * once); escalation, reminders and surveys come with the sweeper. */
#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "db.h"
#include "outbox.h"

#define CMD_SWEEP_BATCH 100

static volatile sig_atomic_t cmd_sweep_stop;

/* SIGTERM/SIGINT: finish the current batch, then stop. */
static void cmd_sweep_signal(int sig)
{
	(void)sig;
	cmd_sweep_stop = 1;
}

/* One pass: batches until a batch comes back short. */
static int cmd_sweep_pass(struct cmd_ctx *ctx, struct fault *f)
{
	struct outbox_stats st = { 0 };
	int before;

	do {
		before = st.sent + st.deferred + st.failed;
		if (outbox_flush(ctx->cfg, ctx->db, NULL, 0, CMD_SWEEP_BATCH, &st, f) < 0)
			return -1;
	} while (st.sent + st.deferred + st.failed - before == CMD_SWEEP_BATCH && !cmd_sweep_stop);
	printf("outbox: %d sent, %d deferred, %d failed\n", st.sent, st.deferred, st.failed);
	fflush(stdout);
	return 0;
}

int cmd_sweep_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "now", required_argument, NULL, 'n' },
		{ "every", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sigaction sa = { .sa_handler = cmd_sweep_signal };
	bool first = true;
	long every = 0;
	char *end;
	int c;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		switch (c) {
		case -2: return -1;
		case 'h': return cmd_help("sweep");
		case 'n': {
			/* accepted now for scripts; the outbox pass uses the database clock */
			GDateTime *now = g_date_time_new_from_iso8601(optarg, NULL);

			if (now == NULL)
				return cmd_usage_fault(f, "sweep", "--now wants ISO 8601 like 2026-11-23T10:00:00Z");
			g_date_time_unref(now);
			break;
		}
		case 'e':
			errno = 0;
			every = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || every < 1 || every > 86400)
				return cmd_usage_fault(f, "sweep", "--every wants seconds between 1 and 86400");
			break;
		}
	}
	if (optind != argc)
		return cmd_usage_fault(f, "sweep", "takes options only");
	if (cmd_db(ctx, f) < 0)
		return -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	do {
		if (cmd_sweep_pass(ctx, f) < 0)
			return -1;
		for (c = 0; every > 0 && c < every && !cmd_sweep_stop; c++)
			sleep(1);
	} while (every > 0 && !cmd_sweep_stop);
	return 0;
}
