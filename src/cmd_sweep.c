/* cmd_sweep.c: "postdesk sweep", the periodic pass. For now it retries the
 * outbox: sends what is due in batches, safe with any number of sweepers at
 * once; escalation, reminders, surveys and retention come with the sweeper.
 * --every turns the pass into a loop that ends cleanly on SIGTERM/SIGINT. */
#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "db.h"
#include "log.h"
#include "outbox.h"

#define CMD_SWEEP_BATCH 100
#define CMD_SWEEP_MAX_EVERY 86400

static volatile sig_atomic_t cmd_sweep_stop;

/* SIGTERM/SIGINT: finish the message at hand, then stop. */
static void cmd_sweep_signal(int sig)
{
	(void)sig;
	cmd_sweep_stop = 1;
}

/* Whether SIGTERM or SIGINT waits, blocked during a pass. */
static bool cmd_sweep_stop_pending(void)
{
	sigset_t pending;

	sigpending(&pending);
	return sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT);
}

/* One pass over the outbox: batches until one comes back short. SIGTERM
 * and SIGINT are held meanwhile, so that they cannot cut an SMTP session
 * short (a broken session can mean a duplicate), and end the pass after the
 * batch at hand. */
static int cmd_sweep_pass(struct cmd_ctx *ctx, struct fault *f)
{
	struct outbox_stats st = { 0 };
	sigset_t stop, old;
	int before, ret = 0;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, &old);
	do {
		before = st.sent + st.deferred + st.failed;
		if (outbox_flush(ctx->cfg, ctx->db, NULL, 0, CMD_SWEEP_BATCH, &st, f) < 0) {
			ret = -1;
			break;
		}
	} while (st.sent + st.deferred + st.failed - before == CMD_SWEEP_BATCH && !cmd_sweep_stop_pending());
	sigprocmask(SIG_SETMASK, &old, NULL);	/* a held signal is handled here */
	printf("outbox: %d sent, %d deferred, %d failed\n", st.sent, st.deferred, st.failed);
	fflush(stdout);
	return ret;
}

/* Parse --now: ISO 8601 with a time; no zone means UTC. */
static int cmd_sweep_now(const char *text, struct fault *f)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *now = g_date_time_new_from_iso8601(text, utc);

	g_time_zone_unref(utc);
	if (now == NULL)
		return cmd_usage_fault(f, "sweep", "--now wants ISO 8601 like 2026-11-23T10:00:00Z");
	g_date_time_unref(now);
	return 0;
}

/* Sleep up to seconds, waking early for a signal. */
static void cmd_sweep_sleep(long seconds)
{
	long i;

	for (i = 0; i < seconds && !cmd_sweep_stop; i++)
		sleep(1);
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
		case -2:
			return -1;
		case 'h':
			cmd_help("sweep");
			printf("\n  --now ISO8601    the time the pass acts as of (for tests); the outbox\n"
			       "                   pass does not use it: mail is due by the database clock\n"
			       "  --every SECONDS  repeat the pass with this pause until SIGTERM/SIGINT\n");
			return 0;
		case 'n':
			/* Accepted and checked now so scripts can rely on it; only the
			 * sweeper's case passes (escalation, reminders) will act as of
			 * this time. The outbox stays on the database clock. */
			if (cmd_sweep_now(optarg, f) < 0)
				return -1;
			break;
		case 'e':
			errno = 0;
			every = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || every < 1 || every > CMD_SWEEP_MAX_EVERY)
				return cmd_usage_fault(f, "sweep", "--every wants seconds between 1 and 86400");
			break;
		}
	}
	if (optind != argc)
		return cmd_usage_fault(f, "sweep", "takes options only");
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (;;) {
		if (cmd_db(ctx, f) < 0 || cmd_sweep_pass(ctx, f) < 0) {
			/* one pass: the caller (cron, systemd) sees the failure; a
			 * loop outlives a database restart and connects again */
			if (every == 0 || f->kind != FAULT_TEMPORARY)
				return -1;
			log_warning("sweep: %s (trying again in %lds)", f->text, every);
			fault_clear(f);
			db_free(&ctx->db);
		}
		if (every == 0 || cmd_sweep_stop)
			break;
		cmd_sweep_sleep(every);
		if (cmd_sweep_stop)
			break;
	}
	return 0;
}
