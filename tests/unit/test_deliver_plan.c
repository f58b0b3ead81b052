/* test_deliver_plan.c: the rules of one delivery, decided from facts alone.
 * Each row is a mail (parsed and classified as deliver does) with the
 * facts deliver would have read, and the plan expected, written as one line
 * so that a failure shows all of what was decided. */
#include <glib.h>
#include <string.h>

#include "classify.h"
#include "deliver_plan.h"
#include "mail.h"
#include "tap.h"
#include "token.h"

#define QUEUE "support@example.org"

/* A customer's mail: From Jan, to the queue, with extra headers and body. */
#define JAN "From: Jan Nowak <jan@example.net>\nTo: " QUEUE "\nMessage-ID: <j1@example.net>\n"

struct row {
	const char *what;
	const char *raw;		/* NULL: quarantined unparsed */
	const char *fixture;		/* else a file of tests/fixtures */
	const char *sender;		/* envelope sender */
	const char *quarantine;
	const char *token;		/* the recipient's extension */
	long long reused_case;
	int verify;			/* 1: authserv_id set, not verified; 2: verified */
	long long token_case;
	const char *token_role;
	long long agent_id;
	struct thread_facts thread;
	enum case_status status;
	long long closed_age;
	bool no_keys;
	bool queue_disabled;
	bool rater;			/* From may rate the token's case */
	const char *want;
};

/* The plan as one line. */
static char *describe(const struct deliver_plan *p)
{
	static const char *const reactions[] = {
		"none", "customer", "command-error", "note", "relay", "commands", "unverified", "attachments",
		"bounce", "low-rating",
	};
	GString *s = g_string_new(NULL);
	GArray *lists[2] = { p->case_events, p->message_events };
	guint i;
	int l;

	g_string_append_printf(s, "%s case=%lld linked=%lld kind=%s class=%s react=%s%s%s%s%s",
			       deliver_action_name(p->action), p->case_id, p->linked_case, model_kind_name(p->kind),
			       p->classification, reactions[p->reaction], p->ack ? " ack" : "",
			       p->reopen ? " reopen" : "", p->touch ? " touch" : "",
			       p->customer_mail ? " customer-mail" : "");
	if (p->notify_template != NULL)
		g_string_append_printf(s, " notify=%s", p->notify_template);
	g_string_append_printf(s, " summary=%s%s", p->summary, p->refused ? " REFUSED" : "");
	if (p->customer_addr != NULL)
		g_string_append_printf(s, " customer=%s subject=%s", p->customer_addr, p->subject);
	for (l = 0; l < 2; l++) {
		g_string_append(s, l ? " |" : " events:");
		for (i = 0; i < lists[l]->len; i++) {
			const struct deliver_plan_event *ev = &g_array_index(lists[l], struct deliver_plan_event, i);

			g_string_append_printf(s, " %s(%s)", model_event_name(ev->type), ev->detail ? ev->detail : "");
		}
	}
	for (i = 0; i < p->watchers->len; i++)
		g_string_append_printf(s, "%s%s", i ? "," : " watchers=", (char *)g_ptr_array_index(p->watchers, i));
	if (p->bounced_addr != NULL)
		g_string_append_printf(s, " bounced=%s", p->bounced_addr);
	if (p->rating > 0)
		g_string_append_printf(s, " rating=%d comment=%s", p->rating, p->rating_comment ? p->rating_comment : "-");
	if (p->answer != NULL && *p->answer != '\0')
		g_string_append_printf(s, " answer=[%s]", p->answer);
	if (p->cmd.assign != NULL)
		g_string_append_printf(s, " assign=%s", p->cmd.assign);
	return g_string_free(s, FALSE);
}

/* Read a fixture file (g_free); NULL when it cannot be read. */
static char *fixture(const char *name, gsize *len_r)
{
	const char *dir = g_getenv("TEST_SRCDIR");
	char *path = g_build_filename(dir ? dir : "tests", "fixtures", name, NULL);
	char *raw = NULL;

	if (!g_file_get_contents(path, &raw, len_r, NULL))
		raw = NULL;
	g_free(path);
	return raw;
}

/* Plan one row and compare. */
static void check(const struct row *r)
{
	struct deliver_facts fa = {
		.quarantine_reason = r->quarantine, .envelope_sender = r->sender, .queue_addr = QUEUE,
		.recipient_delimiter = "+", .token = r->token, .token_case = r->token_case,
		.token_role = r->token_role, .agent_id = r->agent_id, .thread = r->thread,
		.status = r->status, .closed_age = r->closed_age, .reopen_window = 7 * 86400,
		.have_keys = !r->no_keys, .reused_case = r->reused_case, .rater = r->rater,
		.verify_agents = r->verify > 0, .verified = r->verify == 2, .verified_why = "dkim=fail (example.org)",
		.queue_disabled = r->queue_disabled,
	};
	struct deliver_plan p;
	struct mail *m = NULL;
	struct fault f = { 0 };
	char *raw = NULL, *got;
	gsize len = 0;

	if (r->fixture != NULL)
		raw = fixture(r->fixture, &len);
	else if (r->raw != NULL)
		raw = g_strdup(r->raw), len = strlen(r->raw);
	if ((r->raw != NULL || r->fixture != NULL) && (raw == NULL || mail_parse(raw, len, &m, &f) < 0)) {
		tap_ok(0, "%s (no mail: %s)", r->what, f.text);
		g_free(raw);
		return;
	}
	fa.mail = m;
	fa.thread.token_case = r->token_case;
	if (m != NULL)
		classify_mail(m, r->sender, QUEUE, &fa.cls);
	deliver_plan(&fa, &p);
	got = describe(&p);
	tap_is(got, r->want, "%s", r->what);
	g_free(got);
	deliver_plan_clear(&p);
	mail_free(&m);
	g_free(raw);
}

/* The language of the plan for a mail (headers, then body) and a guess. */
static void check_language(const char *what, const char *headers, const char *guessed, long long agent,
			   const char *want, bool want_header)
{
	char *raw = g_strdup_printf(JAN "%s%s\nDzień dobry, proszę o pomoc.\n",
				    strstr(headers, "Subject:") ? "" : "Subject: x\n", headers);
	struct deliver_facts fa = { .envelope_sender = "jan@example.net", .queue_addr = QUEUE,
				    .recipient_delimiter = "+", .have_keys = true, .guessed_language = guessed,
				    .agent_id = agent, .token = agent ? "a5" : NULL, .token_case = agent ? 5 : 0,
				    .token_role = agent ? TOKEN_ROLE_AGENT : NULL, .status = CASE_OPEN };
	struct deliver_plan p;
	struct mail *m = NULL;
	struct fault f = { 0 };

	if (!tap_ok(mail_parse(raw, strlen(raw), &m, &f) == 0, "%s: parsed (%s)", what, f.text)) {
		g_free(raw);
		return;
	}
	fa.mail = m;
	fa.thread.token_case = fa.token_case;
	classify_mail(m, fa.envelope_sender, QUEUE, &fa.cls);
	deliver_plan(&fa, &p);
	tap_is(p.language, want, "%s", what);
	tap_ok(p.language_header == want_header, "%s: %s", what, want_header ? "from the header" : "not from a header");
	deliver_plan_clear(&p);
	mail_free(&m);
	g_free(raw);
}

/* Which language a mail shows: the header wins over the guess; only a
 * person's mail on the case counts. */
static void test_language(void)
{
	check_language("no header, a guess: the guess", "", "pl", 0, "pl", false);
	check_language("no header, no guess: none", "", NULL, 0, NULL, false);
	check_language("Content-Language wins over the guess", "Content-Language: en-GB\n", "pl", 0, "en", true);
	check_language("Accept-Language when there is no Content-Language", "Accept-Language: cs-CZ, en;q=0.5\n",
		       "pl", 0, "cs", true);
	check_language("an auto-reply shows none", "Auto-Submitted: auto-replied\n", "pl", 0, NULL, false);
	check_language("an auto-reply known by its subject shows none", "Subject: Out of Office: x\n", "pl", 0,
		       NULL, false);
	check_language("an agent's answer shows none", "Content-Language: pl\n", "pl", 7, NULL, false);
}

/* part digest: who may use an agent's digest address. */
static void test_digest(void)
{
	const char *why;

	tap_ok(deliver_plan_digest(7, 7, false, false, CLASSIFY_NORMAL, &why) == DIGEST_ANSWER &&
	       strcmp(why, "answered") == 0, "digest: the token's agent, no authserv_id: answered");
	tap_ok(deliver_plan_digest(7, 7, true, true, CLASSIFY_NORMAL, &why) == DIGEST_ANSWER,
	       "digest: the token's agent, verified: answered");
	tap_ok(deliver_plan_digest(7, 7, true, false, CLASSIFY_NORMAL, &why) == DIGEST_UNVERIFIED,
	       "digest: the token's agent, not verified (a forged From): nothing");
	tap_ok(deliver_plan_digest(7, 8, false, false, CLASSIFY_NORMAL, &why) == DIGEST_NOT_AGENT,
	       "digest: agent B with agent A's address: nothing");
	tap_ok(deliver_plan_digest(7, 0, false, false, CLASSIFY_NORMAL, &why) == DIGEST_NOT_AGENT,
	       "digest: a customer (or a disabled agent) with an agent's address: nothing");
	tap_ok(deliver_plan_digest(0, 0, false, false, CLASSIFY_NORMAL, &why) == DIGEST_NOT_AGENT,
	       "digest: no agent at all: nothing");
	tap_ok(deliver_plan_digest(7, 7, false, false, CLASSIFY_AUTO_REPLY, &why) == DIGEST_AUTOMATIC,
	       "digest: the agent's out-of-office answer to the digest: nothing (no loop)");
	tap_ok(deliver_plan_digest(7, 7, true, true, CLASSIFY_BOUNCE, &why) == DIGEST_AUTOMATIC,
	       "digest: a bounce: nothing");
	tap_ok(deliver_plan_digest(7, 7, true, true, CLASSIFY_LIST, &why) == DIGEST_AUTOMATIC,
	       "digest: list mail: nothing");
}

int main(void)
{
	char survey_role[4], low_role[4];
	GString *long_subject = g_string_new(JAN "Subject: "), *want_subject = g_string_new(NULL);
	int k;

	/* 600 two-byte letters: the case gets 248 of them and "..." */
	for (k = 0; k < 600; k++)
		g_string_append(long_subject, "\304\205");
	g_string_append(long_subject, "\n\nHelp!\n");
	g_string_append(want_subject, "new case=0 linked=0 kind=customer class=normal react=customer ack customer-mail"
			" notify=notify_new summary=ack+notify customer=jan@example.net subject=");
	for (k = 0; k < 248; k++)
		g_string_append(want_subject, "\304\205");
	g_string_append(want_subject, "... events: created(normal) | customer-mail(new)");

	token_rating_role(4, survey_role);
	token_rating_role(1, low_role);
	{
		const struct row rows[] = {
		{ "a customer's first mail: a new case, acknowledged, agents told",
		  JAN "Subject: Printer on fire\n\nHelp!\n", .sender = "jan@example.net",
		  .want = "new case=0 linked=0 kind=customer class=normal react=customer ack customer-mail"
			  " notify=notify_new summary=ack+notify customer=jan@example.net subject=Printer on fire"
			  " events: created(normal) | customer-mail(new)" },
		{ "no subject: the case says so",
		  JAN "\nHelp!\n", .sender = "jan@example.net",
		  .want = "new case=0 linked=0 kind=customer class=normal react=customer ack customer-mail"
			  " notify=notify_new summary=ack+notify customer=jan@example.net subject=(no subject)"
			  " events: created(normal) | customer-mail(new)" },
		{ "a null envelope sender: agents told, no acknowledgment",
		  JAN "Subject: x\n\nHelp!\n", .sender = "",
		  .want = "new case=0 linked=0 kind=customer class=normal react=customer customer-mail"
			  " notify=notify_new summary=notify customer=jan@example.net subject=x"
			  " events: created(normal) | customer-mail(new)" },
		{ "an out-of-office reply: stored, nothing sent",
		  JAN "Subject: Out of office\nAuto-Submitted: auto-replied\n\nAway.\n", .sender = "jan@example.net",
		  .want = "new case=0 linked=0 kind=customer class=auto-reply react=none summary=none"
			  " customer=jan@example.net subject=Out of office"
			  " events: created(auto-reply) | auto-reply(new)" },
		{ "an out-of-office reply known by its subject alone, to a pending case: stored, it stays pending",
		  JAN "Subject: Automatic reply: [Helpdesk #5] x\n\nI am away until Monday.\n", .sender = "",
		  .thread = { .subject_case = 5 }, .status = CASE_PENDING,
		  .want = "follow-up case=5 linked=0 kind=customer class=auto-reply react=none summary=none"
			  " events: | auto-reply(subject-tag)" },
		{ "list mail: stored as list mail",
		  JAN "Subject: news\nList-Id: <news.example.net>\n\nNews.\n", .sender = "jan@example.net",
		  .want = "new case=0 linked=0 kind=customer class=list react=none summary=none"
			  " customer=jan@example.net subject=news events: created(list) | list-mail(new)" },
		{ "a follow-up by token to an open case: touched, agents told",
		  JAN "Subject: Re: x\n\nMore.\n", .sender = "jan@example.net", .token = "c5", .token_case = 5,
		  .token_role = TOKEN_ROLE_CUSTOMER, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=customer class=normal react=customer touch customer-mail"
			  " notify=notify_followup summary=notify events: | customer-mail(token)"
			  " watchers=jan@example.net" },
		{ "the customer's second address through the case's token: a watcher (the store leaves out the customer)",
		  "From: Jan at home <jan.nowak@example.com>\nTo: support+c5@example.org\nSubject: Re: x\n\nMore.\n",
		  .sender = "jan.nowak@example.com", .token = "c5", .token_case = 5, .token_role = TOKEN_ROLE_CUSTOMER,
		  .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=customer class=normal react=customer touch customer-mail"
			  " notify=notify_followup summary=notify events: | customer-mail(token)"
			  " watchers=jan.nowak@example.com" },
		{ "a follow-up to a pending case opens it again",
		  JAN "Subject: Re: x\n\nMore.\n", .sender = "jan@example.net", .token = "c5", .token_case = 5,
		  .token_role = TOKEN_ROLE_CUSTOMER, .status = CASE_PENDING,
		  .want = "follow-up case=5 linked=0 kind=customer class=normal react=customer reopen customer-mail"
			  " notify=notify_followup summary=notify"
			  " events: status(pending -> open (customer replied)) | customer-mail(token)"
			  " watchers=jan@example.net" },
		{ "a reply by reference to a resolved case reopens it",
		  JAN "Subject: Re: x\n\nStill broken.\n", .sender = "jan@example.net",
		  .thread = { .stored_ref_case = 7 }, .status = CASE_RESOLVED,
		  .want = "reopen case=7 linked=0 kind=customer class=normal react=customer reopen customer-mail"
			  " notify=notify_followup summary=notify events: reopened(resolved) | customer-mail(reference)" },
		{ "a reply to a case closed recently reopens it",
		  JAN "Subject: Re: x\n\nAgain.\n", .sender = "jan@example.net",
		  .thread = { .signed_ref_case = 7 }, .status = CASE_CLOSED, .closed_age = 3600,
		  .want = "reopen case=7 linked=0 kind=customer class=normal react=customer reopen customer-mail"
			  " notify=notify_followup summary=notify events: reopened(closed) | customer-mail(signed-reference)" },
		{ "a reply to a case closed long ago: a new case linked to it, acknowledged",
		  JAN "Subject: Re: x\n\nAgain.\n", .sender = "jan@example.net",
		  .thread = { .signed_ref_case = 7 }, .status = CASE_CLOSED, .closed_age = 30 * 86400,
		  .want = "new-linked case=0 linked=7 kind=customer class=normal react=customer ack customer-mail"
			  " notify=notify_new summary=ack+notify customer=jan@example.net subject=Re: x"
			  " events: created(reply to a case closed long ago) linked(7) | customer-mail(signed-reference)" },
		{ "a subject tag the threading facts confirmed",
		  JAN "Subject: Re: [Helpdesk #9] x\n\nMore.\n", .sender = "jan@example.net",
		  .thread = { .subject_case = 9 }, .status = CASE_NEW,
		  .want = "follow-up case=9 linked=0 kind=customer class=normal react=customer touch customer-mail"
			  " notify=notify_followup summary=notify events: | customer-mail(subject-tag)" },
		{ "an automatic reply to a resolved case does not reopen it",
		  JAN "Subject: Re: x\nAuto-Submitted: auto-replied\n\nAway.\n", .sender = "jan@example.net",
		  .thread = { .stored_ref_case = 7 }, .status = CASE_RESOLVED,
		  .want = "follow-up case=7 linked=0 kind=customer class=auto-reply react=none summary=none"
			  " events: | auto-reply(reference)" },
		{ "Cc'd and other To people become watchers; not the queue, robots or the author",
		  "From: Jan <jan@example.net>\nTo: " QUEUE ", Bob <bob@example.net>\n"
		  "Cc: carol@example.net, MAILER-DAEMON@example.net, support+c1.1.x@example.org, JAN@example.net,"
		  " bob@example.net\nSubject: x\n\nHelp!\n", .sender = "jan@example.net",
		  .want = "new case=0 linked=0 kind=customer class=normal react=customer ack customer-mail"
			  " notify=notify_new summary=ack+notify customer=jan@example.net subject=x"
			  " events: created(normal) | customer-mail(new)"
			  " watchers=bob@example.net,carol@example.net" },
		{ "a Message-ID this sender used before for other content: stored and flagged",
		  JAN "Subject: x\n\nOther text.\n", .sender = "jan@example.net", .reused_case = 3,
		  .want = "new case=0 linked=0 kind=customer class=normal react=customer ack customer-mail"
			  " notify=notify_new summary=ack+notify customer=jan@example.net subject=x"
			  " events: created(normal) | customer-mail(new) message-id-reused(Message-ID <j1@example.net>"
			  " from jan@example.net is also in case 3 with other content)" },
		{ "addresses are compared folded: an upper-case Cc of the author is the author",
		  "From: Jan <Jan@Example.NET>\nTo: " QUEUE "\nCc: JAN@EXAMPLE.NET, \303\226ster@Example.DE\n"
		  "Subject: x\n\nHelp!\n", .sender = "jan@example.net",
		  .want = "new case=0 linked=0 kind=customer class=normal react=customer ack customer-mail"
			  " notify=notify_new summary=ack+notify customer=jan@example.net subject=x"
			  " events: created(normal) | customer-mail(new) watchers=\303\266ster@example.de" },
		{ "an agent's answer by agent token: relayed without the quote",
		  "From: Anna <anna@example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\nIt is fixed.\n\n"
		  "On Mon, Jan wrote:\n> Help!\n", .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT,
		  .agent_id = 3, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=agent class=normal react=relay summary=relay"
			  " events: | agent-reply(token) answer=[It is fixed.]" },
		{ "an agent's mail of commands alone: not relayed, the commands confirmed",
		  "From: Anna <anna@example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\n#priority high\n\n"
		  "On Mon, Jan wrote:\n> Help!\n", .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT,
		  .agent_id = 3, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=agent class=normal react=commands summary=commands"
			  " events: | agent-reply(token)" },
		{ "an agent's reply with nothing new above or below the quote: not relayed",
		  "From: Anna <anna@example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\n\n"
		  "On Mon, Jan wrote:\n> Help!\n", .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT,
		  .agent_id = 3, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=agent class=normal react=commands summary=commands"
			  " events: | agent-reply(token)" },
		{ "with authserv_id: an answer the MTA verified is relayed",
		  "From: Anna <anna@example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\nIt is fixed.\n",
		  .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT, .agent_id = 3, .status = CASE_OPEN,
		  .verify = 2,
		  .want = "follow-up case=5 linked=0 kind=agent class=normal react=relay summary=relay"
			  " events: | agent-reply(token) answer=[It is fixed.]" },
		{ "with authserv_id: an answer the MTA did not verify is stored untrusted, the agent told",
		  "From: Anna <anna@example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\n#status closed\nDone.\n",
		  .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT, .agent_id = 3, .status = CASE_OPEN,
		  .verify = 1,
		  .want = "follow-up case=5 linked=0 kind=customer class=untrusted react=unverified summary=unverified"
			  " events: | customer-mail(token) untrusted-agent-mail(agent mail not trusted: dkim=fail"
			  " (example.org)) answer=[Your mail \"Re: x\" was stored on the case but not relayed, and no"
			  " command in it was run: the mail server did not verify that it comes from your domain"
			  " (dkim=fail (example.org)).]" },
		{ "an agent's #note: stored as a note, the queue told, nothing relayed",
		  "From: Anna <anna@example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\n#note\nCall him.\n",
		  .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT, .agent_id = 3, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=note class=normal react=note notify=notify_note summary=note"
			  " events: | agent-reply(token)" },
		{ "an agent's #attachments (a Thunderbird reply above the quote): stored as a note, nothing relayed",
		  "From: Anna <anna@example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\n#attachments\n\n"
		  "On 10.03.2026 09:14, Zofia via Helpdesk wrote:\n> Hello\n",
		  .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT, .agent_id = 3, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=note class=normal react=attachments summary=attachments"
			  " events: | agent-reply(token)" },
		{ "#assign me (the one-click action): the author is the assignee",
		  "From: Anna <Anna@Example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\n#assign me\n\nI will look into it.\n",
		  .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT, .agent_id = 3, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=agent class=normal react=relay summary=relay"
			  " events: | agent-reply(token) answer=[I will look into it.] assign=anna@example.org" },
		{ "mail to the note address: a note",
		  "From: Anna <anna@example.org>\nTo: support+n5@example.org\nSubject: Re: x\n\nCall him.\n",
		  .token = "n5", .token_case = 5, .token_role = TOKEN_ROLE_NOTE, .agent_id = 3, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=note class=normal react=note notify=notify_note summary=note"
			  " events: | note(token)" },
		{ "an agent's commands not understood: the agent is told, nothing relayed",
		  "From: Anna <anna@example.org>\nTo: support+a5@example.org\nSubject: Re: x\n\n#status later\nHi\n",
		  .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT, .agent_id = 3, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=agent class=normal react=command-error summary=command-error"
			  " events: | agent-reply(token)" },
		{ "an agent token used by someone else: stored untrusted, nothing sent",
		  "From: Mallory <mallory@example.net>\nTo: support+a5@example.org\nSubject: Re: x\n\nRefund me.\n",
		  .token = "a5", .token_case = 5, .token_role = TOKEN_ROLE_AGENT, .status = CASE_OPEN,
		  .want = "follow-up case=5 linked=0 kind=customer class=untrusted react=none summary=none"
			  " events: | customer-mail(token) untrusted-agent-mail(agent token used by an address that is"
			  " not a registered agent)" },
		{ "a registered agent writing to a forged token: a new untrusted case, the token flagged",
		  "From: Anna <anna@example.org>\nTo: support+a5.1.bad@example.org\nSubject: x\n\nHi\n",
		  .token = "a5.1.bad", .agent_id = 3,
		  .want = "new case=0 linked=0 kind=customer class=untrusted react=none summary=none"
			  " customer=anna@example.org subject=x events: created(untrusted) | customer-mail(new)"
			  " bad-token(recipient token did not verify; ignored) untrusted-agent-mail(agent token used by"
			  " an address that is not a registered agent)" },
		{ "a customer writing to a forged token: a new case, the token flagged",
		  JAN "Subject: x\n\nHi\n", .sender = "jan@example.net", .token = "c9.1.bad",
		  .want = "new case=0 linked=0 kind=customer class=normal react=customer ack customer-mail"
			  " notify=notify_new summary=ack+notify customer=jan@example.net subject=x"
			  " events: created(normal) | customer-mail(new) bad-token(recipient token did not verify; ignored)" },
		{ "a survey answer rates the case; it is not a follow-up",
		  JAN "Subject: Re: survey\n\nGreat service, thanks.\n\nOn Mon, Helpdesk wrote:\n> How did we do?\n",
		  .sender = "jan@example.net", .token = "x", .token_case = 5, .token_role = survey_role,
		  .status = CASE_RESOLVED, .rater = true,
		  .want = "follow-up case=5 linked=0 kind=customer class=normal react=none summary=none"
			  " events: | customer-mail(token) rated(4 of 5, with a comment) rating=4"
			  " comment=Great service, thanks." },
		{ "a survey answer from someone not of the case (the address passed on): stored, no rating",
		  "From: Mallory <mallory@example.com>\nTo: " QUEUE "\nSubject: Re: survey\n\nTerrible.\n",
		  .sender = "mallory@example.com", .token = "x", .token_case = 5, .token_role = low_role,
		  .status = CASE_RESOLVED,
		  .want = "follow-up case=5 linked=0 kind=customer class=normal react=none summary=none"
			  " events: | customer-mail(token) rating-ignored(1 of 5 from mallory@example.com, who is"
			  " not the customer, an alias of theirs or a watcher: not counted)" },
		{ "a rating of 1 by the customer: rated, and told to the agents (low-rating)",
		  JAN "Subject: Re: survey\n\nNobody answered for a week.\n", .sender = "jan@example.net",
		  .token = "x", .token_case = 5, .token_role = low_role, .status = CASE_RESOLVED, .rater = true,
		  .want = "follow-up case=5 linked=0 kind=customer class=normal react=low-rating summary=low-rating"
			  " events: | customer-mail(token) rated(1 of 5, with a comment) rating=1"
			  " comment=Nobody answered for a week." },
		{ "an automatic answer to a survey address rates nothing",
		  JAN "Subject: Re: survey\nAuto-Submitted: auto-replied\n\nAway.\n", .sender = "jan@example.net",
		  .token = "x", .token_case = 5, .token_role = survey_role, .status = CASE_RESOLVED,
		  .want = "follow-up case=5 linked=0 kind=customer class=auto-reply react=none summary=none"
			  " events: | auto-reply(token)" },
		{ "a delivery report: the bounce recorded and the address marked",
		  .fixture = "bounce-dsn.eml", .sender = "", .thread = { .stored_ref_case = 4 }, .status = CASE_OPEN,
		  .want = "follow-up case=4 linked=0 kind=customer class=bounce react=bounce summary=bounce-notice"
			  " events: | customer-mail(reference) bounce(nobody@example.net failed 5.1.1: 550 5.1.1"
			  " <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox table)"
			  " bounced=nobody@example.net" },
		{ "a delivery report of no case of ours: a case of its own, the address marked, nobody told",
		  .fixture = "bounce-dsn.eml", .sender = "",
		  .want = "new case=0 linked=0 kind=customer class=bounce react=none summary=none"
			  " customer=mailer-daemon@mx.example.org subject=Undelivered Mail Returned to Sender"
			  " events: created(bounce) | customer-mail(new) bounce(nobody@example.net failed 5.1.1: 550 5.1.1"
			  " <nobody@example.net>: Recipient address rejected: User unknown in virtual mailbox table)"
			  " bounced=nobody@example.net" },
		{ "unreadable mail: quarantined in a case of its own, nothing sent",
		  NULL, .sender = "jan@example.net", .quarantine = "unparsable",
		  .want = "quarantine case=0 linked=0 kind=customer class=quarantined react=none summary=none"
			  " customer=jan@example.net subject=(unreadable message)"
			  " events: created(unparsable) | quarantined(unparsable)" },
		{ "unreadable mail from the null sender: a case without a customer",
		  NULL, .sender = "", .quarantine = "oversized: cut at max_message_size",
		  .want = "quarantine case=0 linked=0 kind=customer class=quarantined react=none summary=none"
			  " events: created(oversized: cut at max_message_size) | quarantined(oversized: cut at"
			  " max_message_size)" },
		{ "a 1200-byte subject: the case's is cut at 500 bytes, at a character", long_subject->str,
		  .sender = "jan@example.net", .want = want_subject->str },
		{ "a disabled queue: a customer's first mail is refused (no mail, nothing written)",
		  JAN "Subject: Printer on fire\n\nHelp!\n", .sender = "jan@example.net", .queue_disabled = true,
		  .want = "new case=0 linked=0 kind=customer class=normal react=none customer-mail summary=refused REFUSED"
			  " events: created(normal) |" },
		{ "a disabled queue: a follow-up by token is handled as usual",
		  JAN "Subject: Re: x\n\nMore.\n", .sender = "jan@example.net", .token = "x", .token_case = 7,
		  .token_role = "c", .status = CASE_OPEN, .queue_disabled = true,
		  .want = "follow-up case=7 linked=0 kind=customer class=normal react=customer touch customer-mail"
			  " notify=notify_followup summary=notify events: | customer-mail(token) watchers=jan@example.net" },
		{ "a disabled queue: a reply to a case closed long ago would open one: refused",
		  JAN "Subject: Re: x\n\nAgain.\n", .sender = "jan@example.net", .thread = { .stored_ref_case = 3 },
		  .status = CASE_CLOSED, .closed_age = 30 * 86400, .queue_disabled = true,
		  .want = "new-linked case=0 linked=3 kind=customer class=normal react=none customer-mail summary=refused"
			  " REFUSED events: created(reply to a case closed long ago) linked(3) |" },
		{ "a disabled queue: unreadable mail (a quarantined case) is refused too",
		  NULL, .sender = "jan@example.net", .quarantine = "unparsable", .queue_disabled = true,
		  .want = "quarantine case=0 linked=0 kind=customer class=quarantined react=none summary=refused REFUSED"
			  " events: created(unparsable) |" },
		{ "no key yet: stored and threaded, no mail made",
		  JAN "Subject: x\n\nHelp!\n", .sender = "jan@example.net", .no_keys = true,
		  .want = "new case=0 linked=0 kind=customer class=normal react=none customer-mail summary=none"
			  " customer=jan@example.net subject=x events: created(normal) | customer-mail(new)" },
		};
		size_t i;

		for (i = 0; i < G_N_ELEMENTS(rows); i++)
			check(&rows[i]);
	}
	g_string_free(long_subject, TRUE);
	g_string_free(want_subject, TRUE);
	test_language();
	test_digest();
	return tap_done();
}
