/* template_sample.c: sample data for every template (see template_sample.h).
 * The values hold what customers write (markup, "{{case_id}}", non-ASCII,
 * a URL), so that escaping, one-pass expansion and the HTML layout are
 * exercised by every check. */
#include <glib.h>
#include <string.h>

#include "outbound.h"
#include "report.h"
#include "report_mail.h"
#include "template_sample.h"
#include "token.h"

#define SAMPLE_ID G_STRINGIFY(TEMPLATE_SAMPLE_CASE)
#define SAMPLE_SUBJECT "Invoice <2024/117> & \"refund\" {{case_id}}"

/* The queue's address with a token for role: signed with ring, or a
 * look-alike ("support+a4711.0.sample@example.org"). g_free it. */
static char *template_sample_addr(const struct keyring *ring, const char *role)
{
	char token[TOKEN_MAX];
	struct fault f = { 0 };

	if (ring == NULL || token_make(ring, TEMPLATE_SAMPLE_CASE, role, token, &f) < 0)
		g_snprintf(token, sizeof(token), "%s%s.0.sample", role, SAMPLE_ID);
	return g_strdup_printf("support+%s@example.org", token);
}

/* Variables every template has. */
static void template_sample_common(struct template_vars *v, const char *helpdesk_name)
{
	template_vars_set(v, "helpdesk_name", helpdesk_name);
	template_vars_set(v, "case_id", SAMPLE_ID);
	template_vars_set(v, "case_subject", SAMPLE_SUBJECT);
	template_vars_set(v, "queue_name", "support");
	template_vars_set(v, "customer_name", "Zofia Dąbrowska");
	template_vars_set(v, "customer_email", "zofia@example.net");
	template_vars_set(v, "language", "pl");
}

/* The actions of a mail to an agent, as outbound adds them. */
static void template_sample_actions(struct template_vars *v, const char *helpdesk_name, const struct keyring *ring)
{
	char *agent = template_sample_addr(ring, TOKEN_ROLE_AGENT), *note = template_sample_addr(ring, TOKEN_ROLE_NOTE);

	outbound_actions(v, helpdesk_name, SAMPLE_ID, SAMPLE_SUBJECT, agent, note, true);
	g_free(agent);
	g_free(note);
}

/* One attachment in a list item: into a new item of list (or into v itself
 * when list is NULL). */
static struct template_vars *template_sample_file(struct template_vars *v, const char *list, const char *n,
						  const char *filename, const char *type, const char *size,
						  const char *human)
{
	struct template_vars *item = list ? template_vars_add(v, list) : v;

	template_vars_set(item, "n", n);
	template_vars_set(item, "filename", filename);
	template_vars_set(item, "content_type", type);
	template_vars_set(item, "size", size);
	template_vars_set(item, "size_human", human);
	return item;
}

/* A notification's own variables. */
static void template_sample_notify(struct template_vars *v)
{
	struct template_vars *item;

	template_vars_set(v, "agent_name", "Alice Agent");
	template_vars_set(v, "message_from", "zofia@example.net");
	template_vars_set(v, "message_body", "Hello,\n\nthe invoice says 117 EUR, the order said 71 EUR:\n"
			  "https://shop.example.net/orders/2024-117?view=full&lang=pl\n"
			  "Could you check? <b>Thank you</b> {{case_id}}\n\nZofia\n");
	item = template_sample_file(v, "attachments", "1", "invoice-2024-117.pdf", "application/pdf", "48213", "47 KB");
	template_vars_set(item, "attached", "yes");
	template_vars_set(item, "too_large", "");
	item = template_sample_file(v, "attachments", "2", "order <1>.png", "image/png", "12040000", "11 MB");
	template_vars_set(item, "attached", "");	/* set, and false */
	template_vars_set(item, "too_large", "yes");
	template_vars_set(v, "attachments_left_out", "yes");
	template_vars_set(v, "attachments_by_mail", "yes");
	template_vars_set(v, "attachment_limit", "10 MB");
	template_vars_set(v, "copied", "ewa@example.net, piotr.nowak@firma.example.pl");
}

/* The survey's rating addresses, best first. */
static void template_sample_ratings(struct template_vars *v, const struct keyring *ring)
{
	int rating;

	for (rating = TOKEN_RATING_MAX; rating >= 1; rating--) {
		struct template_vars *item = template_vars_add(v, "rating");
		char role[4], label[4], *addr;

		token_rating_role(rating, role);
		addr = template_sample_addr(ring, role);
		g_snprintf(label, sizeof(label), "%d", rating);
		template_vars_set(item, "label", label);
		template_vars_set(item, "address", addr);
		g_free(addr);
	}
}

/* The cases an agent handed back to the queue, as outbound lists them. */
static void template_sample_handed_back(struct template_vars *v, const char *helpdesk_name,
					const struct keyring *ring)
{
	struct template_vars *item = template_vars_add(v, "cases");

	template_vars_set(v, "agent_name", "Bob Agent");
	template_vars_set(v, "agent_email", "bob@example.org");
	template_vars_set(v, "count", "102");
	template_vars_set(v, "more", "100");
	template_vars_set(item, "id", SAMPLE_ID);
	template_vars_set(item, "subject", SAMPLE_SUBJECT);
	template_vars_set(item, "customer", "zofia@example.net");
	template_vars_set(item, "status", "open");
	template_sample_actions(item, helpdesk_name, ring);
	item = template_vars_add(v, "cases");
	template_vars_set(item, "id", "4712");
	template_vars_set(item, "subject", "Žluťoučký kůň: <script> {{case_id}}");
	template_vars_set(item, "customer", "");	/* set, and false: no customer */
	template_vars_set(item, "status", "pending");
	template_sample_actions(item, helpdesk_name, ring);
}

/* One case of a digest's list. */
static void template_sample_digest_case(struct template_vars *v, const char *list, const char *addr, const char *id,
					const char *subject, const char *customer, const char *name, const char *due,
					bool overdue)
{
	struct template_vars *item = template_vars_add(v, list);
	char *url = template_mailto(addr, "[Helpdesk #" SAMPLE_ID "]", "#assign 42 me");

	/* "" is set and false: strict checking sees every name in every item */

	template_vars_set(item, "id", id);
	template_vars_set(item, "subject", subject);
	template_vars_set(item, "status", "open");
	template_vars_set(item, "priority", "high");
	template_vars_set(item, "customer", customer ? customer : "");
	template_vars_set(item, "customer_name", name ? name : "");
	template_vars_set(item, "queue", "support");
	template_vars_set(item, "due", due ? due : "");
	template_vars_set(item, "overdue", overdue ? "yes" : "");
	template_vars_set(item, strcmp(list, "mine") == 0 ? "resolve_url" : "assign_url", url);
	g_free(url);
}

/* The digest (part digest): results of command lines, both lists. */
static void template_sample_digest(struct template_vars *v, const struct keyring *ring)
{
	static const char *const results[][2] = {
		{ "done_status", "open -> pending" }, { "done_priority", "high" }, { "done_assignee", "bob@example.org" },
		{ "same", "pending" }, { "refused", "yes" }, { "no_agent", "yes" },
		{ "error", "expected #status open|pending|resolved|closed" },
	};
	char *addr = template_sample_addr(ring, TOKEN_ROLE_DIGEST), *url = template_mailto(addr, "digest", NULL);
	size_t i;

	template_vars_set(v, "agent_name", "Alice Agent");
	template_vars_set(v, "agent_email", "alice@example.org");
	template_vars_set(v, "digest_address", addr);
	template_vars_set(v, "digest_url", url);
	template_vars_set(v, "today", "2026-11-23");
	template_vars_set(v, "requested", "yes");
	for (i = 0; i < G_N_ELEMENTS(results); i++) {
		struct template_vars *item = template_vars_add(v, "commands");
		size_t k;

		template_vars_set(item, "line", "#status " SAMPLE_ID " pending");
		template_vars_set(item, "case_id", SAMPLE_ID);
		for (k = 0; k < G_N_ELEMENTS(results); k++)
			template_vars_set(item, results[k][0], k == i ? results[k][1] : "");
	}
	template_vars_set(v, "commands_left_out", "yes");
	template_vars_set(v, "commands_max", "50");
	template_sample_digest_case(v, "mine", addr, SAMPLE_ID, SAMPLE_SUBJECT, "zofia@example.net", "Zofia Dąbrowska",
				    "2026-11-23 14:00 CET", true);
	template_sample_digest_case(v, "mine", addr, "4712", "Zwrot {{case_id}}", NULL, NULL, NULL, false);
	template_sample_digest_case(v, "unassigned", addr, "4713", "Pomoc <b>pilne</b>", "jan@example.net", NULL,
				    "2026-11-24 09:30 +08", false);
	template_vars_set(v, "mine_count", "102");
	template_vars_set(v, "unassigned_count", "1");
	template_vars_set(v, "overdue_count", "1");
	template_vars_set(v, "mine_more", "100");
	template_vars_set(v, "unassigned_more", "3");
	g_free(addr);
	g_free(url);
}

/* Fill one queue's figures of the sample report (strings borrowed). */
static void template_sample_figures(struct report_figures *q, const char *name, long long opened,
				    GPtrArray *agents, GPtrArray *comments)
{
	static const long long age[5] = { 3, 5, 0, 2, 1 }, counts[5] = { 1, 0, 2, 6, 9 };

	memset(q, 0, sizeof(*q));
	q->name = (char *)name;
	q->opened = opened;
	q->resolved = opened - 4;
	q->reopened = 2;
	q->first_response = (struct report_dist){ true, 5400, 30600, 3000, 14400 };
	q->resolution = (struct report_dist){ true, 190800, 612000, 61200, 201600 };
	q->breach_first_response = 3;
	q->breach_next_response = 1;
	q->breach_resolution = 0;
	q->backlog_new = 2;
	q->backlog_open = 7;
	q->backlog_pending = 2;
	q->backlog_resolved = 14;
	memcpy(q->age, age, sizeof(age));
	q->agents = agents;
	q->surveys_sent = 25;
	q->rated = 18;
	q->average = 4.2;
	memcpy(q->counts, counts, sizeof(counts));
	q->comments = comments;
}

/* The report (issue 16, part mail): two queues and the total, the names
 * and comments as hostile as customers' and administrators' text can be. */
static void template_sample_report(struct template_vars *v, const char *helpdesk_name)
{
	struct report_agent agents[2] = {
		{ (char *)"alice@example.org", 12, 10, true, 4200 }, { (char *)"bob@example.org", 3, 0, false, 0 },
	};
	struct report_comment comments[2] = {
		{ 4711, 1, (char *)"Nikt mi nie odpowiedział <b>{{case_id}}</b>\n<script>alert(1)</script>",
		  (char *)"2026-11-23 14:02" },
		{ 4705, 5, (char *)"Thank you & goodbye", (char *)"2026-11-20 09:15" },
	};
	struct report_figures q[3];
	struct report r = { (char *)"2026-11-16", (char *)"2026-11-23", g_ptr_array_new(), &q[2] };
	GPtrArray *ag = g_ptr_array_new(), *cm = g_ptr_array_new();

	g_ptr_array_add(ag, &agents[0]);
	g_ptr_array_add(ag, &agents[1]);
	g_ptr_array_add(cm, &comments[0]);
	g_ptr_array_add(cm, &comments[1]);
	template_sample_figures(&q[0], "Wsparcie — zażółć", 19, ag, cm);
	template_sample_figures(&q[1], "<b>Sales</b> & {{case_id}}", 6, ag, cm);
	template_sample_figures(&q[2], "total", 25, ag, cm);
	g_ptr_array_add(r.queues, &q[0]);
	g_ptr_array_add(r.queues, &q[1]);
	report_mail_vars(v, &r, helpdesk_name);
	g_ptr_array_unref(r.queues);
	g_ptr_array_unref(ag);
	g_ptr_array_unref(cm);
}

struct template_vars *template_sample_vars(const char *name, const char *helpdesk_name, const struct keyring *ring)
{
	struct template_vars *v = template_vars_new();

	template_sample_common(v, helpdesk_name);
	if (strcmp(name, "ack") == 0) {
		template_vars_set(v, "first_response", "4h");
		template_vars_set(v, "first_response_due", "by Monday 7 December 12:30 CET");
	} else if (strcmp(name, "too_large") == 0) {
		template_vars_set(v, "size", "73 MB");
		template_vars_set(v, "limit", "50 MB");
	} else if (g_str_has_prefix(name, "notify_")) {
		template_sample_notify(v);
		template_sample_actions(v, helpdesk_name, ring);
	} else if (strcmp(name, "reply") == 0) {
		template_vars_set(v, "agent_name", "Alice Agent");
		template_vars_set(v, "answer", "Thank you, you are right: the invoice was wrong.\n"
				  "A corrected one is attached.");
		template_vars_set(v, "signature", "Alice Agent\nBilling, Example Ltd\n+48 22 123 45 67");
	} else if (strcmp(name, "escalation") == 0) {
		template_vars_set(v, "level", "2");
		template_vars_set(v, "missed_first", "yes");
		template_vars_set(v, "missed_next", "");
		template_vars_set(v, "missed_resolution", "");
		template_vars_set(v, "late", "2h");
		template_vars_set(v, "business", "yes");
		template_vars_set(v, "due", "2026-12-07 10:00 UTC");
		template_vars_set(v, "assignee", "alice@example.org");
		template_sample_actions(v, helpdesk_name, ring);
	} else if (strcmp(name, "reminder") == 0 || strcmp(name, "autoclose") == 0) {
		template_vars_set(v, "days_waiting", "5");
	} else if (strcmp(name, "resolved_survey") == 0) {
		template_sample_ratings(v, ring);
	} else if (strcmp(name, "agent_done") == 0) {
		template_vars_set(v, "done_status", "open -> pending");
		template_vars_set(v, "done_priority", "high");
		template_vars_set(v, "done_assignee", "bob@example.org");
		template_vars_set(v, "done_merged", "41");
		template_vars_set(v, "done_notspam", "yes");
		template_vars_set(v, "notspam_already", "yes");
		template_vars_set(v, "done_nothing", "yes");
		template_vars_set(v, "done_cc", "ewa@example.net");
		template_vars_set(v, "done_cc_already", "zofia@example.net (the customer)");
		template_vars_set(v, "done_uncc", "piotr.nowak@firma.example.pl");
		template_vars_set(v, "done_uncc_absent", "jan@example.net");
	} else if (strcmp(name, "bounce_notice") == 0 || strcmp(name, "low_rating") == 0) {
		/* the notices to agents: their actions, and what they tell */
		template_vars_set(v, "assignee", "alice@example.org");
		template_sample_actions(v, helpdesk_name, ring);
		template_vars_set(v, "bounced_address", "zofia@example.net");
		template_vars_set(v, "reason", "zofia@example.net failed 5.1.1: smtp; 550 5.1.1 <zofia@example.net>:"
				  " Recipient address rejected: User unknown");
		template_vars_set(v, "bounced_customer", "yes");
		template_vars_set(v, "rating", "1");
		template_vars_set(v, "rating_max", "5");
		template_vars_set(v, "comment", "Nikt mi nie odpowiedział na czas <b>{{case_id}}</b>.");
		template_vars_set(v, "rated_by", "zofia@example.net");
	} else if (strcmp(name, "relay_refused") == 0) {
		template_vars_set(v, "token", "n4711.1.0123456789abcdef0123");
	} else if (strcmp(name, "assigned") == 0) {
		template_vars_set(v, "agent_name", "Bob Agent");
		template_vars_set(v, "assigned_by", "alice@example.org");
	} else if (strcmp(name, "attachments") == 0) {
		struct template_vars *item;

		template_vars_set(v, "agent_name", "Alice Agent");
		template_vars_set(v, "part", "1");
		template_vars_set(v, "parts", "2");
		template_vars_set(v, "attachment_limit", "10 MB");
		template_sample_file(v, "attachments", "1", "invoice-2024-117.pdf", "application/pdf", "48213", "47 KB");
		item = template_sample_file(v, "left_out", "2", "video.mp4", "video/mp4", "52428800", "50 MB");
		template_vars_set(item, "too_large", "yes");
		template_vars_set(item, "too_many", "yes");
		template_vars_set(item, "missing", "yes");
		template_vars_set(item, "unreadable", "yes");
	} else if (strcmp(name, "agent_error") == 0) {
		template_vars_set(v, "error", "no such active agent");
		template_vars_set(v, "command", "#assign bob@example.org");
	} else if (strcmp(name, "handed_back") == 0) {
		template_sample_handed_back(v, helpdesk_name, ring);
	} else if (strcmp(name, "digest") == 0) {
		template_sample_digest(v, ring);
	} else if (strcmp(name, "report") == 0) {
		template_sample_report(v, helpdesk_name);
	} else if (strcmp(name, "agent_unverified") == 0) {
		template_vars_set(v, "reason", "not verified by mx.example.org for example.org: dkim=fail (example.org)");
	}
	return v;
}
