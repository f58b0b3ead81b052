/* cmd_report.c: "postdesk report": the service's figures over a period
 * (report.h), as text, --json or a mail (--mail, report_mail.h). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "db.h"
#include "duration.h"
#include "json.h"
#include "outbound.h"
#include "outbox.h"
#include "report.h"
#include "report_mail.h"

#define CMD_REPORT_DEFAULT_SINCE (7 * 86400)

/* An ISO time (UTC) from DATE (YYYY-MM-DD: its midnight, UTC; plus one day
 * when end, so that --to names the last day) or an ISO 8601 time. */
static char *cmd_report_time(const char *text, bool end, struct fault *f)
{
	GTimeZone *utc = g_time_zone_new_utc();
	char *iso = strlen(text) == 10 ? g_strconcat(text, "T00:00:00Z", NULL) : g_strdup(text);
	GDateTime *t = g_date_time_new_from_iso8601(iso, utc), *t2;
	char *out = NULL;

	g_time_zone_unref(utc);
	g_free(iso);
	if (t == NULL) {
		cmd_usage_fault(f, "report", "--from and --to want YYYY-MM-DD or ISO 8601 like 2026-11-23T10:00:00Z");
		return NULL;
	}
	if (end && strlen(text) == 10) {
		t2 = g_date_time_add_days(t, 1);
		g_date_time_unref(t);
		t = t2;
	}
	t2 = g_date_time_to_utc(t);
	out = g_date_time_format(t2, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(t2);
	g_date_time_unref(t);
	return out;
}

/* The period of --since (or the default week) ending now. */
static void cmd_report_since(long long since, char **from_r, char **to_r)
{
	GDateTime *now = g_date_time_new_now_utc();
	GDateTime *from = g_date_time_add_seconds(now, -(double)since);

	*from_r = g_date_time_format(from, "%Y-%m-%dT%H:%M:%SZ");
	*to_r = g_date_time_format(now, "%Y-%m-%dT%H:%M:%SZ");
	g_date_time_unref(from);
	g_date_time_unref(now);
}

/* Mail the report to addr: queued in one transaction, sent after it (what
 * does not go now, the sweeper retries). */
static int cmd_report_mail(struct cmd_ctx *ctx, const struct report *r, const char *addr, struct fault *f)
{
	GArray *queued = g_array_new(FALSE, FALSE, sizeof(long long));
	struct outbound ob = { .cfg = ctx->cfg, .db = ctx->db, .queued = queued, .send_now = true };
	struct outbox_stats st = { 0 };
	struct fault send_fault;
	int ret = db_begin(ctx->db, f);

	if (ret == 0 && (ret = report_mail(&ob, r, addr, f)) == 0)
		ret = db_commit(ctx->db, f);
	if (ret < 0)
		db_rollback(ctx->db);
	if (ret == 0) {
		if (queued->len > 0 && outbox_flush(ctx->cfg, ctx->db, cmd_smtp(ctx), (const long long *)(void *)queued->data,
						    queued->len, 0, &st, &send_fault) < 0)
			fprintf(stderr, "postdesk: report: sending: %s (left in the outbox)\n", send_fault.text);
		printf("report %s .. %s mailed to %s: %d sent, %d deferred, %d failed\n", r->from, r->to, addr,
		       st.sent, st.deferred, st.failed);
	}
	g_array_free(queued, TRUE);
	return ret;
}

int cmd_report_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "since", required_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'F' },
		{ "to", required_argument, NULL, 'T' },
		{ "queue", required_argument, NULL, 'q' },
		{ "agent", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "mail", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_query q = { 0 };
	struct report *r = NULL;
	const char *since_text = NULL, *from_text = NULL, *to_text = NULL, *mail = NULL;
	char *from = NULL, *to = NULL;
	long long since = CMD_REPORT_DEFAULT_SINCE;
	bool first = true, json = false;
	int c, ret = -1;

	while ((c = cmd_getopt(argc, argv, "", options, &first, f)) != -1) {
		switch (c) {
		case 's': since_text = optarg; break;
		case 'F': from_text = optarg; break;
		case 'T': to_text = optarg; break;
		case 'q': q.queue = optarg; break;
		case 'a': q.agent = optarg; break;
		case 'j': json = true; break;
		case 'm': mail = optarg; break;
		case 'h': return cmd_help("report");
		default: return -1;
		}
	}
	if (optind < argc)
		return cmd_usage_fault(f, "report", "takes no arguments, only options");
	if (since_text != NULL && (from_text != NULL || to_text != NULL))
		return cmd_usage_fault(f, "report", "--since or --from/--to, not both");
	if ((from_text == NULL) != (to_text == NULL))
		return cmd_usage_fault(f, "report", "--from and --to go together");
	if (mail != NULL && json)
		return cmd_usage_fault(f, "report", "--mail or --json, not both");
	if (since_text != NULL && (duration_parse(since_text, &since, f) < 0 || since <= 0))
		return since > 0 ? -1 : cmd_usage_fault(f, "report", "--since wants a duration like 7d");
	if (from_text != NULL) {
		if ((from = cmd_report_time(from_text, false, f)) == NULL ||
		    (to = cmd_report_time(to_text, true, f)) == NULL)
			goto out;
	} else {
		cmd_report_since(since, &from, &to);
	}
	q.from = from;
	q.to = to;
	if (cmd_config(ctx, f) < 0 || cmd_db(ctx, f) < 0 || report_build(ctx->db, &q, &r, f) < 0)
		goto out;
	if (mail != NULL) {
		if (cmd_report_mail(ctx, r, mail, f) < 0)
			goto out;
	} else if (json) {
		struct json *j = json_new(stdout);

		report_json(r, j);
		json_free(&j);
	} else {
		report_text(r, stdout);
	}
	ret = 0;
out:
	report_free(&r);
	g_free(from);
	g_free(to);
	return ret;
}
