/* cmd_sweep.c: "postdesk sweep", the periodic pass: the cases that are due
 * (escalation, reminders, auto-close, surveys, closing, retention; see
 * sweep.h), the agents' daily digests when digest_hour is set (digest.h),
 * then the outbox. All work in batches, safe with any number of sweepers
 * at once. --every turns the pass into a loop that ends cleanly
 * on SIGTERM/SIGINT. */
#include <errno.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "db.h"
#include "digest.h"
#include "log.h"
#include "outbox.h"
#include "smtp.h"
#include "sweep.h"

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

/* The cases that are due, batch after batch until one comes back short. */
static int cmd_sweep_cases(struct cmd_ctx *ctx, long long now, struct sweep_stats *st, struct fault *f)
{
	int count, failed;

	do {
		failed = st->failed;
		if (sweep_cases(ctx->cfg, ctx->db, ctx->ring, now, CMD_SWEEP_BATCH, st, &count, f) < 0)
			return -1;
		/* a batch of nothing but failures would come back the same */
	} while (count == CMD_SWEEP_BATCH && st->failed - failed < count && !cmd_sweep_stop_pending());
	return 0;
}

/* The outbox: batches until one comes back short. */
static int cmd_sweep_outbox(struct cmd_ctx *ctx, struct outbox_stats *st, struct fault *f)
{
	int before;

	do {
		before = st->sent + st->deferred + st->failed;
		if (outbox_flush(ctx->cfg, ctx->db, cmd_smtp(ctx), NULL, 0, CMD_SWEEP_BATCH, st, f) < 0)
			return -1;
	} while (st->sent + st->deferred + st->failed - before == CMD_SWEEP_BATCH && !cmd_sweep_stop_pending());
	return 0;
}

/* One pass: the cases, the daily digests (digest_hour set), then the
 * outbox (which sends what the cases and digests queued). SIGTERM and SIGINT are held meanwhile, so that they cannot cut
 * an SMTP session short (a broken session can mean a duplicate), and end
 * the pass after the batch at hand. */
static int cmd_sweep_pass(struct cmd_ctx *ctx, long long now, struct fault *f)
{
	struct sweep_stats cs = { 0 };
	struct digest_stats ds = { 0 };
	struct outbox_stats os = { 0 };
	sigset_t stop, old;
	int ret;

	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_BLOCK, &stop, &old);
	ret = cmd_sweep_cases(ctx, now, &cs, f);
	if (ret == 0 && ctx->cfg->digest_hour >= 0 && !cmd_sweep_stop_pending())
		ret = digest_sweep(ctx->cfg, ctx->db, ctx->ring, now, (int)ctx->cfg->digest_hour, &ds, f);
	if (ret == 0 && !cmd_sweep_stop_pending())
		ret = cmd_sweep_outbox(ctx, &os, f);
	smtp_session_free(&ctx->smtp);	/* one connection a pass: QUIT before the pause */
	sigprocmask(SIG_SETMASK, &old, NULL);	/* a held signal is handled here */
	printf("cases: %d escalated, %d reminded, %d closed, %d surveyed, %d purged, %d failed\n",
	       cs.escalated, cs.reminded, cs.closed, cs.surveyed, cs.purged, cs.failed);
	printf("digests: %d sent, %d empty, %d failed\n", ds.sent, ds.empty, ds.failed);
	printf("outbox: %d sent, %d deferred, %d failed\n", os.sent, os.deferred, os.failed);
	fflush(stdout);
	if (ds.sent + ds.failed > 0)
		log_info("sweep: digests sent=%d, empty=%d, skipped=%d", ds.sent, ds.empty, ds.failed);
	if (cs.escalated + cs.reminded + cs.closed + cs.surveyed + cs.purged + cs.failed +
	    os.sent + os.deferred + os.failed > 0)
		log_info("sweep: escalated=%d, reminded=%d, closed=%d, surveyed=%d, purged=%d, skipped=%d,"
			 " sent=%d, deferred=%d, failed=%d", cs.escalated, cs.reminded, cs.closed, cs.surveyed,
			 cs.purged, cs.failed, os.sent, os.deferred, os.failed);
	return ret;
}

/* Parse --now: ISO 8601 with a time; no zone means UTC. */
static int cmd_sweep_now(const char *text, long long *now_r, struct fault *f)
{
	GTimeZone *utc = g_time_zone_new_utc();
	GDateTime *now = g_date_time_new_from_iso8601(text, utc);

	g_time_zone_unref(utc);
	if (now == NULL)
		return cmd_usage_fault(f, "sweep", "--now wants ISO 8601 like 2026-11-23T10:00:00Z");
	*now_r = g_date_time_to_unix(now);
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
	long long now = 0;
	long every = 0;
	char *end;
	int c, ret = 0;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		switch (c) {
		case -2:
			return -1;
		case 'h':
			cmd_help("sweep");
			printf("\n  --now ISO8601    act as of this time instead of the database clock\n"
			       "                   (cases and daily digests only: the outbox sends what is\n"
			       "                   due by the clock)\n"
			       "  --every SECONDS  repeat the pass with this pause until SIGTERM/SIGINT\n");
			return 0;
		case 'n':
			if (cmd_sweep_now(optarg, &now, f) < 0)
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
	if (cmd_keyring(ctx, f) < 0)
		return -1;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	for (;;) {
		if (cmd_db(ctx, f) < 0 || cmd_sweep_pass(ctx, now, f) < 0) {
			/* one pass: the caller (cron, systemd) sees the failure; a
			 * loop outlives a database restart and connects again */
			if (every == 0 || f->kind != FAULT_TEMPORARY) {
				ret = -1;
				break;
			}
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
	return ret;
}
