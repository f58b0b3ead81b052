/* test_report_mail.c: the report as a mail (report_mail.h) from a struct
 * report filled by hand: both parts carry the figures, hostile queue names
 * and comments are escaped, nothing active, the bars in proportion, every
 * language's template. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_mail.h"
#include "tap.h"
#include "template.h"

#define HOSTILE_QUEUE "<script>alert('q')</script>&amp;\"Sales\""
#define HOSTILE_COMMENT "</td></table><script src=\"http://evil.example/x.js\"></script><img src=x onerror=1> {{helpdesk_name}}"

/* The shipped templates' directory, from TEST_SRCDIR (make check sets it). */
static char *templates_dir(void)
{
	const char *src = g_getenv("TEST_SRCDIR");

	return g_build_filename(src != NULL ? src : "tests", "..", "templates", NULL);
}

/* Fill one queue's figures (strings borrowed). */
static void fill(struct report_figures *q, const char *name, const char *lang, long long opened, GPtrArray *agents,
		 GPtrArray *comments)
{
	memset(q, 0, sizeof(*q));
	q->name = (char *)name;
	q->language = (char *)lang;
	q->opened = opened;
	q->resolved = opened - 3;
	q->reopened = 1;
	q->first_response = (struct report_dist){ true, 7200, 36000, 3600, 18000 };
	q->resolution = (struct report_dist){ false, 0, 0, 0, 0 };
	q->breach_first_response = 5;
	q->breach_next_response = 2;
	q->breach_resolution = 0;
	q->backlog_new = 40;
	q->backlog_open = 20;
	q->backlog_pending = 10;
	q->backlog_resolved = 0;
	q->age[0] = 1;
	q->age[4] = 3;
	q->agents = agents;
	q->surveys_sent = 9;
	q->rated = 4;
	q->average = 3.75;
	q->counts[0] = 1;
	q->counts[4] = 3;
	q->comments = comments;
}

/* The width of the bar cell in the row of the HTML after label (the first
 * width="N" after it), -1 when none before the next row's label. */
static long long bar_after(const char *html, const char *label)
{
	const char *p = strstr(html, label), *w;

	if (p == NULL)
		return -1;
	w = strstr(p, "width=\"");
	if (w == NULL || (strstr(p, "</tr></table></td></tr>") != NULL && w > strstr(p, "</tr></table></td></tr>")))
		return -1;
	return atoll(w + 7);
}

/* How often needle is in hay. */
static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* English, two queues (one named to break HTML) and the total. */
static void test_english(const char *dir)
{
	struct report_agent alice = { (char *)"alice@example.org", 12, 10, true, 5400 };
	struct report_comment c1 = { 4711, 1, (char *)HOSTILE_COMMENT "\r\nsecond line", (char *)"2026-11-23 14:02" };
	struct report_figures q[3];
	GPtrArray *ag = g_ptr_array_new(), *cm = g_ptr_array_new();
	struct report r = { (char *)"2026-11-16", (char *)"2026-11-23", g_ptr_array_new(), &q[2] };
	struct template_result out = { 0 };
	struct fault f = { 0 };

	g_ptr_array_add(ag, &alice);
	g_ptr_array_add(cm, &c1);
	fill(&q[0], "support", "en", 30, ag, cm);
	fill(&q[1], HOSTILE_QUEUE, NULL, 15, NULL, NULL);
	fill(&q[2], "total", NULL, 45, ag, cm);
	g_ptr_array_add(r.queues, &q[0]);
	g_ptr_array_add(r.queues, &q[1]);
	tap_int(report_mail_render(&r, "Example Desk", NULL, dir, "en", "en", &out, &f), 0, "renders (%s)",
		f.text ? f.text : "");
	tap_is(out.subject, "[Example Desk] Service report 2026-11-16 to 2026-11-23: 45 cases opened, 42 resolved",
	       "the subject has the period and the total");
	/* text part */
	tap_ok(strstr(out.text, "Cases opened:      30") != NULL && strstr(out.text, "Cases opened:      45") != NULL,
	       "text: opened per queue and in total, aligned");
	tap_ok(strstr(out.text, "Median:            2h, 1h") != NULL && strstr(out.text, "90% within:        10h, 5h") != NULL,
	       "text: first response median and p90, wall then business");
	tap_ok(strstr(out.text, "No case was resolved yet.") != NULL, "text: no resolution time said so");
	tap_ok(strstr(out.text, "First response:    5 (17%)") != NULL && strstr(out.text, "First response:    5 (33%)") != NULL,
	       "text: breaches with their share of the cases opened");
	tap_ok(strstr(out.text, "New:               40 ##############################\n") != NULL &&
	       strstr(out.text, "Open:              20 ###############\n") != NULL &&
	       strstr(out.text, "Pending:           10 ########\n") != NULL &&
	       strstr(out.text, "Resolved:           0\n") != NULL,
	       "text: the backlog's bars of '#' in proportion (30, 15, 8, none), numbers aligned");
	tap_ok(strstr(out.text, "alice@example.org: 12 owned, 10 answered, median first response 1h30m") != NULL,
	       "text: the agent's figures");
	tap_ok(strstr(out.text, "Average rating:    3.8 of 5") != NULL, "text: the average rating");
	tap_ok(strstr(out.text, HOSTILE_COMMENT "  second line") != NULL, "text: the comment as written, on one line");
	tap_ok(strstr(out.text, HOSTILE_QUEUE "  15 ###############") != NULL &&
	       strstr(out.text, "support" "                                  30 ##############################") != NULL,
	       "text: the chart per queue, names padded to one column");
	/* HTML part */
	tap_ok(strstr(out.html, "<script") == NULL && strstr(out.html, "<img") == NULL &&
	       strstr(out.html, "src=\"") == NULL,
	       "html: no script, no image, nothing loaded (src=)");
	tap_ok(strstr(out.html, "&lt;script&gt;alert(") != NULL && strstr(out.html, "&lt;/td&gt;&lt;/table&gt;") != NULL,
	       "html: the hostile queue name and comment escaped");
	tap_ok(strstr(out.html, "&amp;amp;") != NULL, "html: an entity in a name escaped, not taken");
	tap_ok(strstr(out.html, "{{helpdesk_name}}") != NULL, "html: a comment's {{...}} not expanded");
	tap_ok(strstr(out.html, " style=\"") != NULL && strstr(out.html, "<style") == NULL &&
	       strstr(out.html, "bgcolor=\"#2f6fb5\"") != NULL,
	       "html: inline styles and bgcolor cells, no style sheet");
	tap_int(bar_after(out.html, ">New:"), REPORT_MAIL_BAR_PX, "html: the longest backlog bar is full width");
	tap_int(bar_after(out.html, ">Open:"), REPORT_MAIL_BAR_PX / 2, "html: half the count, half the width");
	tap_int(bar_after(out.html, ">Pending:"), REPORT_MAIL_BAR_PX / 4, "html: a quarter, a quarter");
	tap_ok(count(out.html, "width=\"200\"") >= 4, "html: the longest bar of each chart is full width");
	tap_ok(strstr(out.html, "<td style=\"padding:2px 12px 2px 0;font-size:13px\">support</td>") != NULL,
	       "html: the chart per queue has a row per queue");
	tap_ok(strstr(out.html, ">30</td>") != NULL && strstr(out.html, ">45</td>") != NULL &&
	       strstr(out.html, "5 (17%)") != NULL && strstr(out.html, "1h30m") != NULL,
	       "html: the same figures as the text");
	if (g_getenv("REPORT_MAIL_DUMP") != NULL)
		printf("%s\n====\n%s\n", out.text, out.html);
	template_result_clear(&out);
	g_ptr_array_unref(r.queues);
	g_ptr_array_unref(ag);
	g_ptr_array_unref(cm);
}

/* One queue: its figures only (no total, no chart per queue), in its
 * language, for each of the four. */
static void test_languages(const char *dir)
{
	static const char *const langs[][2] = {
		{ "pl", "Otwarto:" }, { "cs", "Otevřeno:" }, { "ms", "Kes dibuka:" }, { "en", "Cases opened:" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(langs); i++) {
		struct report_figures q[2];
		struct report r = { (char *)"2026-11-01", (char *)"2026-11-30", g_ptr_array_new(), &q[1] };
		struct template_result out = { 0 };
		struct fault f = { 0 };

		fill(&q[0], "wsparcie", langs[i][0], 7, NULL, NULL);
		fill(&q[1], "total", NULL, 7, NULL, NULL);
		q[0].rated = 0;
		g_ptr_array_add(r.queues, &q[0]);
		tap_int(report_mail_render(&r, "Desk", NULL, dir, langs[i][0], "en", &out, &f), 0, "%s: renders",
			langs[i][0]);
		tap_ok(out.text != NULL && strstr(out.text, langs[i][1]) != NULL && count(out.text, langs[i][1]) == 1 &&
		       strstr(out.html, langs[i][1]) != NULL,
		       "%s: in its language, one section (no total for one queue)", langs[i][0]);
		tap_ok(out.html != NULL && strstr(out.html, "wsparcie") != NULL && strstr(out.html, "<script") == NULL,
		       "%s: the HTML names the queue", langs[i][0]);
		template_result_clear(&out);
		g_ptr_array_unref(r.queues);
	}
}

/* A report with no queue and no case: zeros, no bar, no division by zero. */
static void test_empty(const char *dir)
{
	struct report_figures t;
	struct report r = { (char *)"2026-11-01", (char *)"2026-11-02", g_ptr_array_new(), &t };
	struct template_result out = { 0 };
	struct fault f = { 0 };

	memset(&t, 0, sizeof(t));
	t.name = (char *)"total";
	tap_int(report_mail_render(&r, "Desk", NULL, dir, "en", "en", &out, &f), 0, "empty: renders");
	tap_ok(strstr(out.text, "New:               0\n") != NULL && strstr(out.text, "First response:    0\n") != NULL &&
	       strstr(out.text, "No case had a first response yet.") != NULL,
	       "empty: zeros, no bars, no share of nothing");
	tap_ok(strstr(out.html, "bgcolor") == NULL, "empty: no bar cell in the HTML");
	template_result_clear(&out);
	g_ptr_array_unref(r.queues);
}

int main(void)
{
	char *dir = templates_dir();

	test_english(dir);
	test_languages(dir);
	test_empty(dir);
	g_free(dir);
	return tap_done();
}
