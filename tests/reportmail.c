/* reportmail.c: for tests/db_report_mail.sh, report_mail() of a hand-filled
 * report (until "postdesk report --mail" is merged): reportmail CONF ADDR
 * [LANG] queues it in one transaction, commits and sends it; prints
 * "queued ID sent N" or the fault (exit 1). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "outbound.h"
#include "outbox.h"
#include "report.h"
#include "report_mail.h"

int main(int argc, char **argv)
{
	struct report_agent alice = { (char *)"alice@example.org", 4, 3, true, 3600 };
	struct report_comment c = { 1, 2, (char *)"<b>slow</b> & {{helpdesk_name}}", (char *)"2026-11-23 10:00" };
	struct report_figures q = { 0 };
	struct report r = { (char *)"2026-11-16", (char *)"2026-11-23", g_ptr_array_new(), &q };
	GPtrArray *ag = g_ptr_array_new(), *cm = g_ptr_array_new();
	GArray *queued = g_array_new(FALSE, FALSE, sizeof(long long));
	struct config *cfg = NULL;
	struct db *db = NULL;
	struct fault f = { 0 };
	struct outbox_stats st = { 0 };
	int ret = 1;

	if (argc < 3)
		return 2;
	g_ptr_array_add(ag, &alice);
	g_ptr_array_add(cm, &c);
	q.name = (char *)"support";
	q.language = argc > 3 ? argv[3] : NULL;
	q.opened = 4;
	q.resolved = 2;
	q.backlog_open = 2;
	q.backlog_new = 1;
	q.agents = ag;
	q.comments = cm;
	q.rated = 1;
	q.average = 2;
	q.counts[1] = 1;
	g_ptr_array_add(r.queues, &q);
	if (config_load(argv[1], &cfg, &f) == 0 && db_open(cfg, &db, &f) == 0 && db_begin(db, &f) == 0) {
		struct outbound ob = { .cfg = cfg, .db = db, .queued = queued, .send_now = true };

		if (report_mail(&ob, &r, argv[2], &f) == 0 && db_commit(db, &f) == 0 &&
		    outbox_flush(cfg, db, NULL, (const long long *)(void *)queued->data, queued->len, 0, &st, &f) == 0) {
			printf("queued %lld sent %d\n", g_array_index(queued, long long, 0), st.sent);
			ret = 0;
		} else {
			db_rollback(db);
		}
	}
	if (ret != 0)
		fprintf(stderr, "reportmail: %s\n", f.text);
	db_free(&db);
	config_free(&cfg);
	g_array_free(queued, TRUE);
	g_ptr_array_unref(r.queues);
	g_ptr_array_unref(ag);
	g_ptr_array_unref(cm);
	return ret;
}
