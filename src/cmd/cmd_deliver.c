/* cmd_deliver.c: "postdesk deliver", the MTA's pipe(8) command: read one
 * message on stdin (bounded), hand it to deliver_message(), and log one
 * line in the spirit of Postfix. The server's workers (hand-off and LMTP)
 * deliver through the same cmd_deliver_buf(). Exit codes are chosen by
 * main(). */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "deliver.h"
#include "log.h"
#include "mta.h"
#include "outbox.h"

/* Read all of fd, keeping at most max bytes; *total_r counts every byte. */
static int cmd_deliver_read(int fd, size_t max, GByteArray *buf, size_t *total_r, struct fault *f)
{
	char chunk[65536];

	*total_r = 0;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fault_temp(f, "reading the message: %s", strerror(errno));
		if (n == 0)
			return 0;
		if (buf->len < max)
			g_byte_array_append(buf, (const guint8 *)chunk,
					    (guint)((size_t)n < max - buf->len ? (size_t)n : max - buf->len));
		*total_r += (size_t)n;
	}
}

/* Write the one log line for this message (res NULL: not stored, f says why; st unused). */
static void cmd_deliver_log(const struct deliver_envelope *env, const struct deliver_result *res,
			    const struct outbox_stats *st, size_t total, gint64 started, const struct fault *f)
{
	double delay = (double)(g_get_monotonic_time() - started) / 1e6;
	const char *qid = env->queue_id ? env->queue_id : "NOQUEUE";
	const char *to = env->recipient ? env->recipient : "";
	const char *from = env->sender ? env->sender : "";

	if (f == NULL)
		log_info("%s: to=<%s>, from=<%s>, case=%lld, action=%s, class=%s, via=%s, mail=%s,"
			 " sent=%d/%d, size=%zu, delay=%.2f, status=%s", qid, to, from, res->case_id,
			 deliver_action_name(res->action), res->classification, res->how ? res->how : "",
			 res->mail, st->sent, st->sent + st->deferred + st->failed,
			 total, delay, res->action == DELIVER_DROP ? "dropped" : "stored");
	else
		log_info("%s: to=<%s>, from=<%s>, size=%zu, delay=%.2f, status=%s (%s)", qid, to, from,
			 total, delay, f->kind == FAULT_NOUSER ? "bounced" : "deferred", f->text);
}

int cmd_deliver_buf(struct cmd_ctx *ctx, const struct deliver_envelope *env, const char *raw, size_t len,
		    size_t total, int64_t started, struct fault *f)
{
	struct deliver_result res;
	struct outbox_stats st = { 0 };
	GArray *queued = g_array_new(FALSE, FALSE, sizeof(long long));
	int ret = -1;

	if (cmd_keyring(ctx, f) < 0 || cmd_db(ctx, f) < 0 ||
	    deliver_message(ctx->cfg, ctx->db, ctx->ring, cmd_langguess(ctx), env, raw, len, total, queued,
			    &res, f) < 0) {
		if (f->kind == FAULT_PERMANENT)
			f->kind = FAULT_TEMPORARY;	/* never bounce by accident: keep it queued */
		cmd_deliver_log(env, NULL, &st, total, started, f);
	} else {
		/* The message is safe in the database: send what it caused now,
		 * best effort; what does not go out stays queued for the sweeper. */
		struct fault send_fault;

		mta_committed = 1;
		if (queued->len > 0 &&
		    outbox_flush(ctx->cfg, ctx->db, cmd_smtp(ctx), (const long long *)(void *)queued->data, queued->len, 0,
				 &st, &send_fault) < 0)
			log_warning("%s: sending after commit: %s (left in the outbox)",
				    env->queue_id ? env->queue_id : "NOQUEUE", send_fault.text);
		cmd_deliver_log(env, &res, &st, total, started, NULL);
		ret = 0;
	}
	g_array_free(queued, TRUE);
	return ret;
}

int cmd_deliver_fd(struct cmd_ctx *ctx, const struct deliver_envelope *env, int fd, struct fault *f)
{
	GByteArray *buf = g_byte_array_new();
	gint64 started = g_get_monotonic_time();
	size_t total = 0;
	int ret;

	if (cmd_deliver_read(fd, (size_t)ctx->cfg->max_message_size, buf, &total, f) < 0) {
		f->kind = FAULT_TEMPORARY;
		cmd_deliver_log(env, NULL, NULL, total, started, f);
		ret = -1;
	} else {
		ret = cmd_deliver_buf(ctx, env, (const char *)buf->data, buf->len, total, started, f);
	}
	g_byte_array_free(buf, TRUE);
	return ret;
}

int cmd_deliver_args(int argc, char **argv, struct deliver_envelope *env, struct fault *f)
{
	static const struct option options[] = {
		{ "sender", required_argument, NULL, 's' },
		{ "recipient", required_argument, NULL, 'r' },
		{ "original-recipient", required_argument, NULL, 'o' },
		{ "queue-id", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool first = true;
	int c;

	memset(env, 0, sizeof(*env));
	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		switch (c) {
		case -2: return -1;
		case 'h': return 1;
		case 's': env->sender = optarg; break;
		case 'r': env->recipient = optarg; break;
		case 'o': env->original_recipient = optarg; break;
		case 'q': env->queue_id = optarg; break;
		}
	}
	if (optind != argc)
		return cmd_usage_fault(f, "deliver", "takes options only; the message comes on stdin");
	if (env->recipient == NULL)
		return cmd_usage_fault(f, "deliver", "--recipient is required");
	return 0;
}

int cmd_deliver_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	struct deliver_envelope env;
	int ret = cmd_deliver_args(argc, argv, &env, f);

	if (ret != 0)
		return ret > 0 ? cmd_help("deliver") : -1;
	if (cmd_config(ctx, f) < 0)
		return -1;
	alarm((unsigned)ctx->cfg->deliver_timeout);
	ret = cmd_deliver_fd(ctx, &env, STDIN_FILENO, f);
	alarm(0);
	return ret;
}
