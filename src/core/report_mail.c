/* report_mail.c: the report as a mail (see report_mail.h): the template
 * variables with the charts drawn in C, the rendering, and the outbox row. */
#include <glib.h>
#include <math.h>	/* isfinite, a macro: no libm */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "address.h"
#include "compose.h"
#include "config.h"
#include "duration.h"
#include "outbound.h"
#include "outbox.h"
#include "report.h"
#include "report_mail.h"
#include "store.h"
#include "template.h"

/* The bars' colour and the chart's cells (inline styles: mail clients drop
 * style sheets; bgcolor and width too, for Outlook's Word renderer). */
#define RM_BAR_COLOUR "#2f6fb5"
#define RM_TABLE "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\"" \
	" style=\"border-collapse:collapse\">"
#define RM_NUM_TD "<td align=\"right\" style=\"padding:0 8px 0 0;font-size:13px;white-space:nowrap\">"

/* Set name to the number n. */
static void rm_set_ll(struct template_vars *v, const char *name, long long n)
{
	char buf[32];

	g_snprintf(buf, sizeof(buf), "%lld", n);
	template_vars_set(v, name, buf);
}

/* Set name to seconds s as a duration, rounded to what a reader needs
 * (whole minutes from 10 minutes on, whole hours from 2 days on). */
static void rm_set_duration(struct template_vars *v, const char *name, double s)
{
	long long n = s < 0 || !isfinite(s) || s > 1e15 ? 0 : (long long)(s + 0.5);
	char buf[64];

	if (n >= 2 * 86400)
		n = (n + 1800) / 3600 * 3600;
	else if (n >= 600)
		n = (n + 30) / 60 * 60;
	duration_format(n, buf, sizeof(buf));
	template_vars_set(v, name, buf);
}

/* The length of bar n of a chart whose longest bar (max) is full long:
 * proportional, rounded, at least 1 when n is not 0. */
static long long rm_bar_len(long long n, long long max, long long full)
{
	long long len;

	if (n <= 0 || max <= 0)
		return 0;
	if (n >= max)
		return full;
	len = (long long)((double)n * (double)full / (double)max + 0.5);
	return len < 1 ? 1 : len;
}

/* Append the text bar of n: the number right-aligned in width, then '#'s. */
static void rm_text_bar(GString *t, long long n, long long max, int width)
{
	long long k, len = rm_bar_len(n, max, REPORT_MAIL_BAR_CHARS);

	g_string_append_printf(t, "%*lld", width, n);
	if (len > 0)
		g_string_append_c(t, ' ');
	for (k = 0; k < len; k++)
		g_string_append_c(t, '#');
}

/* Append the HTML bar of n: a table of one coloured cell of a width in
 * proportion to max, and the number after it. */
static void rm_html_bar(GString *h, long long n, long long max)
{
	long long px = rm_bar_len(n, max, REPORT_MAIL_BAR_PX);

	g_string_append(h, RM_TABLE "<tr>");
	if (px > 0)
		g_string_append_printf(h, "<td width=\"%lld\" height=\"12\" bgcolor=\"" RM_BAR_COLOUR "\" style=\"width:%lldpx;"
				       "height:12px;background-color:" RM_BAR_COLOUR ";font-size:1px;line-height:1px\">"
				       "&#160;</td>", px, px);
	g_string_append_printf(h, "<td style=\"padding:0 0 0 6px;font-size:13px;white-space:nowrap\">%lld</td></tr></table>",
			       n);
}

/* The digits of n. */
static int rm_digits(long long n)
{
	char buf[32];

	return g_snprintf(buf, sizeof(buf), "%lld", n);
}

/* Set the n bars of one chart, names[i] to counts[i], in proportion to the
 * largest. */
static void rm_set_bars(struct template_vars *v, const char *const *names, const long long *counts, size_t n)
{
	long long max = 0;
	int width = 1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (counts[i] > max)
			max = counts[i];
		if (rm_digits(counts[i]) > width)
			width = rm_digits(counts[i]);
	}
	for (i = 0; i < n; i++) {
		GString *t = g_string_new(NULL), *h = g_string_new(NULL);

		rm_text_bar(t, counts[i], max, width);
		rm_html_bar(h, counts[i], max);
		template_vars_set_html(v, names[i], t->str, h->str);
		g_string_free(t, TRUE);
		g_string_free(h, TRUE);
	}
}

/* A copy of s for one line of the text part: control characters as spaces. */
static char *rm_one_line(const char *s)
{
	char *c = g_strdup(s != NULL ? s : ""), *p;

	for (p = c; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return c;
}

/* Set queues_chart: the cases opened per queue, one row each (name, bar). */
static void rm_set_queue_chart(struct template_vars *v, const GPtrArray *queues)
{
	GString *t = g_string_new(NULL), *h = g_string_new(RM_TABLE);
	long long max = 0;
	int nwidth = 1;
	glong width = 1;
	guint i;

	for (i = 0; i < queues->len; i++) {
		const struct report_figures *q = g_ptr_array_index(queues, i);
		char *name = rm_one_line(q->name);
		glong w = g_utf8_validate(name, -1, NULL) ? g_utf8_strlen(name, -1) : (glong)strlen(name);

		if (w > width)
			width = w;
		if (q->opened > max)
			max = q->opened;
		if (rm_digits(q->opened) > nwidth)
			nwidth = rm_digits(q->opened);
		g_free(name);
	}
	for (i = 0; i < queues->len; i++) {
		const struct report_figures *q = g_ptr_array_index(queues, i);
		char *name = rm_one_line(q->name), *esc = g_markup_escape_text(name, -1);
		glong w = g_utf8_validate(name, -1, NULL) ? g_utf8_strlen(name, -1) : (glong)strlen(name);

		g_string_append(t, name);
		for (; w < width + 2; w++)
			g_string_append_c(t, ' ');
		rm_text_bar(t, q->opened, max, nwidth);
		if (i + 1 < queues->len)
			g_string_append_c(t, '\n');
		g_string_append_printf(h, "<tr><td style=\"padding:2px 12px 2px 0;font-size:13px\">%s</td>"
				       "<td style=\"padding:2px 0\">", esc);
		rm_html_bar(h, q->opened, max);
		g_string_append(h, "</td></tr>");
		g_free(esc);
		g_free(name);
	}
	g_string_append(h, "</table>");
	template_vars_set_html(v, "queues_chart", t->str, h->str);
	g_string_free(t, TRUE);
	g_string_free(h, TRUE);
}

/* Set a breach count with its share of the cases opened: "3 (15%)". */
static void rm_set_share(struct template_vars *v, const char *name, long long n, long long opened)
{
	char buf[64];

	if (opened > 0)
		g_snprintf(buf, sizeof(buf), "%lld (%.0f%%)", n, 100.0 * (double)n / (double)opened);
	else
		g_snprintf(buf, sizeof(buf), "%lld", n);
	template_vars_set(v, name, buf);
}

/* Set a time distribution's variables: prefix (yes when there is one),
 * prefix_p50, _p90, _bp50, _bp90. */
static void rm_set_dist(struct template_vars *v, const char *prefix, const struct report_dist *d)
{
	static const char *const suffix[] = { "_p50", "_p90", "_bp50", "_bp90" };
	const double s[4] = { d->p50_s, d->p90_s, d->business_p50_s, d->business_p90_s };
	size_t i;

	template_vars_set(v, prefix, d->have ? "yes" : "");
	for (i = 0; i < G_N_ELEMENTS(suffix); i++) {
		char *name = g_strconcat(prefix, suffix[i], NULL);

		if (d->have)
			rm_set_duration(v, name, s[i]);
		else
			template_vars_set(v, name, "");
		g_free(name);
	}
}

/* Set the variables of one section (a queue, or the total) in s. */
static void rm_set_figures(struct template_vars *s, const struct report_figures *q, bool total)
{
	static const char *const backlog[] = { "backlog_new", "backlog_open", "backlog_pending", "backlog_resolved" };
	static const char *const age[] = { "age_1d", "age_3d", "age_7d", "age_30d", "age_older" };
	static const char *const ratings[] = { "rating_1", "rating_2", "rating_3", "rating_4", "rating_5" };
	const long long bl[4] = { q->backlog_new, q->backlog_open, q->backlog_pending, q->backlog_resolved };
	char buf[32];
	guint i;

	template_vars_set(s, "name", q->name);
	template_vars_set(s, "total", total ? "yes" : "");
	rm_set_ll(s, "opened", q->opened);
	rm_set_ll(s, "resolved", q->resolved);
	rm_set_ll(s, "reopened", q->reopened);
	rm_set_dist(s, "fr", &q->first_response);
	rm_set_dist(s, "res", &q->resolution);
	rm_set_share(s, "breach_fr", q->breach_first_response, q->opened);
	rm_set_share(s, "breach_nr", q->breach_next_response, q->opened);
	rm_set_share(s, "breach_res", q->breach_resolution, q->opened);
	rm_set_bars(s, backlog, bl, G_N_ELEMENTS(backlog));
	rm_set_bars(s, age, q->age, G_N_ELEMENTS(age));
	rm_set_ll(s, "surveys_sent", q->surveys_sent);
	rm_set_ll(s, "rated", q->rated);
	g_snprintf(buf, sizeof(buf), "%.1f", q->average);
	template_vars_set(s, "average", q->rated > 0 ? buf : "");
	rm_set_bars(s, ratings, q->counts, G_N_ELEMENTS(ratings));
	for (i = 0; q->agents != NULL && i < q->agents->len; i++) {
		const struct report_agent *a = g_ptr_array_index(q->agents, i);
		struct template_vars *item = template_vars_add(s, "agents");

		template_vars_set(item, "email", a->email);
		rm_set_ll(item, "owned", a->owned);
		rm_set_ll(item, "answered", a->answered);
		if (a->have_fr)
			rm_set_duration(item, "agent_fr", a->first_response_p50_s);
		else
			template_vars_set(item, "agent_fr", "");
	}
	for (i = 0; q->comments != NULL && i < q->comments->len; i++) {
		const struct report_comment *c = g_ptr_array_index(q->comments, i);
		struct template_vars *item = template_vars_add(s, "comments");

		rm_set_ll(item, "case_id", c->case_id);
		rm_set_ll(item, "rating", c->rating);
		char *comment = rm_one_line(c->comment);

		template_vars_set(item, "comment", comment);
		g_free(comment);
		template_vars_set(item, "created", c->created != NULL ? c->created : "");
	}
}

void report_mail_vars(struct template_vars *v, const struct report *r, const char *helpdesk_name)
{
	guint nq = r->queues != NULL ? r->queues->len : 0, i;

	template_vars_set(v, "helpdesk_name", helpdesk_name);
	template_vars_set(v, "period_from", r->from != NULL ? r->from : "");
	template_vars_set(v, "period_to", r->to != NULL ? r->to : "");
	rm_set_ll(v, "queue_count", nq);
	rm_set_ll(v, "opened", r->total != NULL ? r->total->opened : 0);
	rm_set_ll(v, "resolved", r->total != NULL ? r->total->resolved : 0);
	if (nq > 1)
		rm_set_queue_chart(v, r->queues);
	else
		template_vars_set(v, "queues_chart", NULL);
	for (i = 0; i < nq; i++)
		rm_set_figures(template_vars_add(v, "sections"), g_ptr_array_index(r->queues, i), false);
	/* one queue: its figures are the total */
	if (r->total != NULL && nq != 1)
		rm_set_figures(template_vars_add(v, "sections"), r->total, true);
}

int report_mail_render(const struct report *r, const char *helpdesk_name, const char *override_dir,
		       const char *builtin_dir, const char *lang, const char *fallback_lang,
		       struct template_result *out, struct fault *f)
{
	struct template_vars *v = template_vars_new();
	int ret;

	report_mail_vars(v, r, helpdesk_name);
	ret = template_render(override_dir, builtin_dir, lang, fallback_lang, "report", v, out, f);
	template_vars_free(&v);
	return ret;
}

int report_mail(struct outbound *ob, const struct report *r, const char *addr, struct fault *f)
{
	const char *builtin = POSTDESK_TEMPLATE_DIR;
	const char *override = strcmp(ob->cfg->template_dir, builtin) == 0 ? NULL : ob->cfg->template_dir;
	const struct report_figures *first = r->queues != NULL && r->queues->len > 0 ? g_ptr_array_index(r->queues, 0)
										    : NULL;
	const char *lang = first != NULL && first->language != NULL ? first->language : ob->cfg->default_language;
	struct template_result res = { 0 };
	char *to_addr = NULL, *from = NULL, *msgid = NULL, *raw = NULL;
	unsigned char rnd[8];
	char rhex[sizeof(rnd) * 2 + 1];
	long long id;
	size_t len;
	int ret = -1;

	if (address_normalize(addr, &to_addr, f) < 0) {
		fault_prefix(f, "--mail %s", addr);
		return -1;
	}
	if (store_report_from(ob->db, first != NULL ? first->name : NULL, &from, f) < 0)
		goto out;
	if (from == NULL) {
		fault_perm(f, "no queue to send the report from: add one with \"postdesk queue add\"");
		goto out;
	}
	if (report_mail_render(r, ob->cfg->helpdesk_name, override, builtin, lang, ob->cfg->default_language, &res, f) <
	    0)
		goto out;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rhex, sizeof(rhex), rnd, sizeof(rnd));
	/* not a signed case Message-ID: a reply to it threads into no case */
	msgid = g_strdup_printf("pd-report.%s@%s", rhex, strrchr(from, '@') + 1);
	{
		const char *to[2] = { to_addr, NULL };
		struct compose comp = {
			.from_name = ob->cfg->helpdesk_name, .from_addr = from, .to = to, .subject = res.subject,
			.text = res.text, .html = res.html, .message_id = msgid, .auto_submitted = "auto-generated",
			.loop = from, .language = lang,
		};

		if (compose_build(&comp, &raw, &len, f) < 0)
			goto out;
		if (outbox_add(ob->db, 0, "report", from, to, 1, raw, len, ob->send_now ? outbox_lease(ob->cfg) : 0, &id,
			       f) < 0)
			goto out;
	}
	g_array_append_val(ob->queued, id);
	ret = 0;
out:
	template_result_clear(&res);
	g_free(to_addr);
	g_free(from);
	g_free(msgid);
	g_free(raw);
	return ret;
}
