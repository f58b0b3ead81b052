/* deliver_plan.c: what one delivery does, decided from facts alone (see
 * deliver_plan.h); deliver.c gathers the facts and writes the plan. */
#include <glib.h>
#include <string.h>

#include "address.h"
#include "classify.h"
#include "deliver_plan.h"
#include "mail.h"
#include "quote.h"
#include "token.h"

/* Add an event with a copy of detail to list. */
static void deliver_plan_event(GArray *list, enum event_type type, const char *detail)
{
	struct deliver_plan_event ev = { type, g_strdup(detail) };

	g_array_append_val(list, ev);
}

/* Who wrote: the message's kind, and whether an agent token came from
 * someone else than its registered agent (stored, flagged, never acted on). */
static void deliver_plan_author(const struct deliver_facts *fa, struct deliver_plan *p)
{
	const char *role = fa->token_role;
	bool agent_role = fa->token_case > 0 && role != NULL &&
			  (strcmp(role, TOKEN_ROLE_AGENT) == 0 || strcmp(role, TOKEN_ROLE_NOTE) == 0);

	p->kind = MSG_CUSTOMER;
	if (agent_role && fa->agent_id > 0 && fa->verify_agents && !fa->verified)
		p->untrusted = p->unverified = true;	/* From may be forged: the MTA did not vouch for it */
	else if (agent_role && fa->agent_id > 0)
		p->kind = strcmp(role, TOKEN_ROLE_NOTE) == 0 ? MSG_NOTE : MSG_AGENT;
	else if (agent_role || (fa->agent_id > 0 && fa->token != NULL && *fa->token != '\0' && fa->token_case == 0))
		p->untrusted = true;
}

/* A case subject from a mail's: cut to DELIVER_SUBJECT_MAX bytes at a
 * character boundary, "..." added. g_free it. */
static char *deliver_plan_subject(const char *subject)
{
	const char *end;

	if (strlen(subject) <= DELIVER_SUBJECT_MAX)
		return g_strdup(subject);
	end = subject + DELIVER_SUBJECT_MAX - 3;
	while (end > subject && (*end & 0xc0) == 0x80)
		end--;	/* not inside a character */
	return g_strdup_printf("%.*s...", (int)(end - subject), subject);
}

/* Which case, and what customer mail does to its status. */
static void deliver_plan_case(const struct deliver_facts *fa, struct deliver_plan *p)
{
	const struct mail *m = fa->mail;
	enum thread_action action;
	long long picked = 0;

	p->how = THREAD_NEW;
	if (m != NULL)
		p->how = thread_pick(&fa->thread, &picked);
	p->how_name = fa->quarantine_reason ? fa->quarantine_reason : thread_how_name(p->how);
	p->subject = deliver_plan_subject(m != NULL && m->subject[0] ? m->subject : m == NULL && p->quarantined ?
					  "(unreadable message)" : "(no subject)");
	if (picked == 0) {
		p->action = p->quarantined ? DELIVER_QUARANTINE : DELIVER_NEW;
		deliver_plan_event(p->case_events, EV_CREATED, fa->quarantine_reason ? fa->quarantine_reason :
				   p->classification);
		return;
	}
	action = p->customer_mail ? thread_on_status(fa->status, fa->closed_age, fa->reopen_window) : THREAD_APPEND;
	if (action == THREAD_NEW_LINKED) {
		char old[24];

		g_snprintf(old, sizeof(old), "%lld", picked);
		p->action = DELIVER_LINKED;
		p->linked_case = picked;
		deliver_plan_event(p->case_events, EV_CREATED, "reply to a case closed long ago");
		deliver_plan_event(p->case_events, EV_LINKED, old);
		return;
	}
	p->case_id = picked;
	p->action = action == THREAD_REOPEN ? DELIVER_REOPEN : DELIVER_FOLLOWUP;
	if (!p->customer_mail)
		return;
	if (action == THREAD_REOPEN) {
		p->reopen = true;
		deliver_plan_event(p->case_events, EV_REOPENED, model_status_name(fa->status));
	} else if (fa->status == CASE_PENDING) {
		p->reopen = true;
		deliver_plan_event(p->case_events, EV_STATUS, "pending -> open (customer replied)");
	} else {
		p->touch = true;
	}
}

/* The customer address of a new case: From (of an oversized mail's
 * beginning too), else the envelope sender. */
static void deliver_plan_customer(const struct deliver_facts *fa, struct deliver_plan *p)
{
	const struct mail *m = fa->mail ? fa->mail : fa->head;
	const char *addr = m && m->from_addr ? m->from_addr : fa->envelope_sender;

	if (addr != NULL && *addr != '\0' && strchr(addr, '@') != NULL)
		p->customer_addr = address_fold(addr);
}

/* The language a person's mail shows: the header's, else the guess. */
static void deliver_plan_language(const struct deliver_facts *fa, struct deliver_plan *p)
{
	const struct mail *m = fa->mail ? fa->mail : fa->head;

	if (m != NULL && m->language != NULL) {
		p->language = m->language;
		p->language_header = true;
	} else {
		p->language = fa->guessed_language;
	}
}

/* The event that records the stored message. */
static enum event_type deliver_plan_message_event(const struct deliver_facts *fa, enum msg_kind author)
{
	if (fa->quarantine_reason != NULL)
		return EV_QUARANTINED;
	if (author != MSG_CUSTOMER)
		return author == MSG_NOTE ? EV_NOTE : EV_AGENT_REPLY;
	switch (fa->cls.kind) {
	case CLASSIFY_AUTO_REPLY: return EV_AUTO_REPLY;
	case CLASSIFY_LIST: return EV_LIST_MAIL;
	default: return EV_CUSTOMER_MAIL;
	}
}

/* The events that describe the stored message: what it is, then what is
 * odd about it (header fields cut, a reused Message-ID, a bad token, an
 * agent token used by someone else). */
static void deliver_plan_message_events(const struct deliver_facts *fa, enum msg_kind author, struct deliver_plan *p)
{
	const struct mail *m = fa->mail;

	deliver_plan_event(p->message_events, deliver_plan_message_event(fa, author), p->how_name);
	if (m == NULL)
		return;
	if (m->fields_cut > 0) {
		char *detail = g_strdup_printf("%zu header field%s longer than %d KB read only that far (the raw"
					       " message is stored whole)", m->fields_cut, m->fields_cut == 1 ? "" : "s",
					       MAIL_FIELD_MAX / 1024);

		deliver_plan_event(p->message_events, EV_HEADERS_CUT, detail);
		g_free(detail);
	}
	if (fa->reused_case > 0) {
		char *detail = g_strdup_printf("Message-ID <%s> from %s is also in case %lld with other content",
					       m->message_id, m->from_addr, fa->reused_case);

		deliver_plan_event(p->message_events, EV_MESSAGE_ID_REUSED, detail);
		g_free(detail);
	}
	if (fa->token != NULL && fa->token_case == 0)
		deliver_plan_event(p->message_events, EV_BAD_TOKEN, "recipient token did not verify; ignored");
	if (p->unverified) {
		char *detail = g_strdup_printf("agent mail not trusted: %s", fa->verified_why ? fa->verified_why : "");

		deliver_plan_event(p->message_events, EV_UNTRUSTED_AGENT_MAIL, detail);
		g_free(detail);
	} else if (p->untrusted) {
		deliver_plan_event(p->message_events, EV_UNTRUSTED_AGENT_MAIL,
				   "agent token used by an address that is not a registered agent");
	}
}

/* A delivery report: an event, and the address marked when delivery failed. */
static void deliver_plan_bounce(const struct mail_report *r, struct deliver_plan *p)
{
	struct deliver_plan_event *ev;
	char *detail;

	if (r == NULL) {
		deliver_plan_event(p->message_events, EV_BOUNCE, "delivery failure (not an RFC 3464 report)");
		return;
	}
	detail = g_strdup_printf("%s %s %s%s%s", r->recipient ? r->recipient : "(unknown recipient)",
				 r->action ? r->action : "", r->status ? r->status : "",
				 r->diagnostic ? ": " : "", r->diagnostic ? r->diagnostic : "");
	deliver_plan_event(p->message_events, EV_BOUNCE, detail);
	g_free(detail);
	ev = &g_array_index(p->message_events, struct deliver_plan_event, p->message_events->len - 1);
	if (r->recipient != NULL && r->action != NULL && g_ascii_strcasecmp(r->action, "failed") == 0) {
		p->bounced_addr = r->recipient;
		p->bounce_detail = ev->detail;
	}
}

/* To and Cc of customer mail that may watch the case: not robots, not the
 * queue written to, not the author, each once (the store adds them up to
 * max_watchers, after leaving out agents, other queues and the case's
 * customer; the header bound, MAIL_FIELD_MAX, keeps the list short). The
 * author too when they wrote through the case's customer token: whoever
 * holds it takes part (the customer's second address, a colleague). */
static void deliver_plan_watchers(const struct deliver_facts *fa, struct deliver_plan *p)
{
	const struct mail *m = fa->mail;
	GPtrArray *lists[2] = { m->to, m->cc };
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	guint i;
	int l;

	for (l = 0; l < 2; l++) {
		for (i = 0; i < lists[l]->len; i++) {
			const char *addr = g_ptr_array_index(lists[l], i);
			char *base, *ext;

			if (classify_robot_address(addr) || g_hash_table_contains(seen, addr))
				continue;
			address_split(addr, fa->recipient_delimiter, &base, &ext);
			g_free(ext);
			if (strcmp(base, fa->queue_addr) == 0 ||
			    (m->from_addr != NULL && strcmp(addr, m->from_addr) == 0)) {
				g_free(base);
				continue;
			}
			g_hash_table_add(seen, (gpointer)addr);
			g_ptr_array_add(p->watchers, g_strdup(addr));
			g_ptr_array_add(p->watcher_bases, base);
		}
	}
	if (fa->token_case > 0 && g_strcmp0(fa->token_role, TOKEN_ROLE_CUSTOMER) == 0 && m->from_addr != NULL &&
	    !classify_robot_address(m->from_addr) && !g_hash_table_contains(seen, m->from_addr)) {
		char *base, *ext;

		address_split(m->from_addr, fa->recipient_delimiter, &base, &ext);
		g_free(ext);
		g_ptr_array_add(p->watchers, g_strdup(m->from_addr));
		g_ptr_array_add(p->watcher_bases, base);
	}
	g_hash_table_destroy(seen);
}

/* A survey answer rates the case; the text, without the quoted survey, is
 * its comment. Automatic answers rate nothing, nor does anyone but the
 * case's customer, their aliases and its watchers. */
static void deliver_plan_rating(const struct deliver_facts *fa, int rating, struct deliver_plan *p)
{
	struct quote_reply reply;
	char *comment, *detail;

	if (fa->cls.kind != CLASSIFY_NORMAL)
		return;
	if (!fa->rater) {
		/* the survey address may have been passed on: only the case's
		 * own people rate it */
		detail = g_strdup_printf("%d of %d from %s, who is not the customer, an alias of theirs or a"
					 " watcher: not counted", rating, TOKEN_RATING_MAX,
					 fa->mail->from_addr ? fa->mail->from_addr : "an unknown sender");
		deliver_plan_event(p->message_events, EV_RATING_IGNORED, detail);
		g_free(detail);
		return;
	}
	p->rating = rating;
	quote_reply(fa->mail->body_text, &reply);
	comment = g_strstrip(g_steal_pointer(&reply.text));
	quote_reply_clear(&reply);
	detail = g_strdup_printf("%d of %d%s", rating, TOKEN_RATING_MAX, *comment ? ", with a comment" : "");
	deliver_plan_event(p->message_events, EV_RATED, detail);
	g_free(detail);
	if (*comment)
		p->rating_comment = comment;
	else
		g_free(comment);
}

/* The mail the message calls for. */
static void deliver_plan_reaction(const struct deliver_facts *fa, struct deliver_plan *p)
{
	const struct mail *m = fa->mail;
	bool new_case = p->action == DELIVER_NEW || p->action == DELIVER_LINKED;

	if (!fa->have_keys || m == NULL || p->quarantined)
		return;
	if (p->unverified) {
		/* the registered agent learns of it, whoever wrote it */
		p->reaction = REACT_UNVERIFIED;
		p->answer = g_strdup_printf("Your mail \"%s\" was stored on the case but not relayed, and no"
					    " command in it was run: the mail server did not verify that it"
					    " comes from your domain (%s).", p->subject,
					    fa->verified_why ? fa->verified_why : "");
		p->summary = "unverified";
		return;
	}
	if (p->kind == MSG_CUSTOMER && p->rating > 0 && p->rating <= DELIVER_LOW_RATING) {
		p->reaction = REACT_LOW_RATING;
		p->summary = "low-rating";
		return;
	}
	if (p->kind == MSG_CUSTOMER && p->bounced_addr != NULL && p->case_id > 0) {
		p->reaction = REACT_BOUNCE;	/* outbound tells it once per address */
		p->summary = "bounce-notice";
		return;
	}
	if (p->kind == MSG_CUSTOMER) {
		if (!p->customer_mail)
			return;	/* automatic or untrusted mail: stored, nothing sent */
		p->reaction = REACT_CUSTOMER;
		p->ack = new_case && !fa->cls.no_auto_reply;
		p->notify_template = new_case ? "notify_new" : "notify_followup";
		p->notify_body = m->body_text;
		p->summary = p->ack ? "ack+notify" : "notify";
		return;
	}
	agentcmd_parse(m->body_text, &p->cmd);
	if (p->cmd.assign_me)
		p->cmd.assign = g_strdup(m->from_addr);	/* an agent's mail: From is the agent */
	if (p->cmd.error != NULL) {
		p->reaction = REACT_COMMAND_ERROR;
		p->summary = "command-error";
	} else if (p->cmd.attachments) {
		/* a request to the helpdesk, not an answer: stored as a note */
		p->reaction = REACT_ATTACHMENTS;
		p->kind = MSG_NOTE;
		p->summary = "attachments";
	} else if (p->cmd.note || p->kind == MSG_NOTE) {
		p->reaction = REACT_NOTE;
		p->kind = MSG_NOTE;	/* "#note": stored as the note it is */
		p->notify_template = "notify_note";
		p->notify_body = p->cmd.text;
		p->summary = "note";
	} else {
		struct quote_reply reply;
		bool relay;

		quote_reply(p->cmd.text, &reply);
		p->answer = g_strchomp(g_steal_pointer(&reply.text));
		p->signature = reply.signature != NULL ? g_strchomp(g_steal_pointer(&reply.signature)) : NULL;
		quote_reply_clear(&reply);
		/* commands alone (a signature at most), or nothing new at all:
		 * nothing to relay; a file alone is an answer */
		relay = *p->answer != '\0' || m->attachments->len > 0;
		p->reaction = relay ? REACT_RELAY : REACT_COMMANDS;
		p->summary = relay ? "relay" : "commands";
	}
}

/* Mail the MTA's filter marked spam: a new case of its own whatever it
 * names (a spammer can write any token, reference or subject tag), marked
 * spam, nothing sent. Its language is kept for the ack that a person's
 * "not spam" sends. */
static void deliver_plan_spam(const struct deliver_facts *fa, struct deliver_plan *p)
{
	char *detail = g_strdup_printf("%s: %.200s", fa->spam_header, fa->spam_value);

	p->spam = true;
	p->kind = MSG_CUSTOMER;
	p->untrusted = p->unverified = false;
	p->classification = "spam";
	p->action = DELIVER_NEW;
	p->how = THREAD_NEW;
	p->how_name = "spam";
	p->subject = deliver_plan_subject(fa->mail->subject[0] ? fa->mail->subject : "(no subject)");
	deliver_plan_event(p->case_events, EV_CREATED, "spam");
	deliver_plan_event(p->message_events, EV_SPAM, detail);
	g_free(detail);
	deliver_plan_customer(fa, p);
	if (fa->cls.kind == CLASSIFY_NORMAL)
		deliver_plan_language(fa, p);
	p->summary = "none (spam)";
}

/* Oversized mail, quarantined: the queue's agents are told, and the
 * sender once, politely, unless etiquette forbids an automatic answer
 * (the rate limit is the database's: outbound checks it). */
static void deliver_plan_too_large(const struct deliver_facts *fa, struct deliver_plan *p)
{
	const struct mail *h = fa->head;
	const char *to = h != NULL && h->from_addr != NULL ? h->from_addr : fa->envelope_sender;

	p->reaction = REACT_TOO_LARGE;
	p->oversized = fa->oversized;
	p->notify_template = "notify_new";
	deliver_plan_language(fa, p);
	if (fa->envelope_sender != NULL && *fa->envelope_sender == '\0')
		p->too_large_skip = "null sender";
	else if (to == NULL || *to == '\0' || strchr(to, '@') == NULL)
		p->too_large_skip = "no sender address";
	else if (h != NULL && fa->head_cls.no_auto_reply)
		p->too_large_skip = fa->head_cls.reason ? fa->head_cls.reason : "automatic or list mail";
	else if (classify_robot_address(to))
		p->too_large_skip = "a robot's address";
	else
		p->too_large_to = address_fold(to);
	p->summary = p->too_large_to ? "notify+too-large" : "notify";
}

void deliver_plan(const struct deliver_facts *fa, struct deliver_plan *p)
{
	const struct mail *m = fa->mail;
	enum msg_kind author;
	int rating = 0;

	memset(p, 0, sizeof(*p));
	p->case_events = g_array_new(FALSE, FALSE, sizeof(struct deliver_plan_event));
	p->message_events = g_array_new(FALSE, FALSE, sizeof(struct deliver_plan_event));
	p->watchers = g_ptr_array_new_with_free_func(g_free);
	p->watcher_bases = g_ptr_array_new_with_free_func(g_free);
	p->summary = "none";
	p->quarantined = fa->quarantine_reason != NULL;
	p->kind = MSG_CUSTOMER;
	p->agent_id = fa->agent_id;
	p->token_merged = fa->token_merged;
	if (m != NULL) {
		deliver_plan_author(fa, p);
		if (fa->token_case > 0 && fa->token_role != NULL)
			rating = token_role_rating(fa->token_role);
	}
	if (m != NULL && fa->spam_header != NULL) {
		deliver_plan_spam(fa, p);
		return;
	}
	author = p->kind;
	p->classification = p->quarantined ? "quarantined" : p->untrusted ? "untrusted" : classify_name(fa->cls.kind);
	/* a survey answer rates the case; it is not a follow-up */
	p->customer_mail = m != NULL && p->kind == MSG_CUSTOMER && fa->cls.kind == CLASSIFY_NORMAL &&
			   !p->untrusted && rating == 0;
	deliver_plan_case(fa, p);
	if (p->case_id == 0 && fa->queue_disabled) {
		/* a disabled queue takes follow-ups only */
		p->refused = true;
		p->summary = "refused";
		return;
	}
	if (p->case_id == 0)
		deliver_plan_customer(fa, p);
	deliver_plan_message_events(fa, author, p);
	if (m == NULL && fa->oversized > 0 && fa->have_keys)
		deliver_plan_too_large(fa, p);
	if (m == NULL)
		return;
	if (fa->cls.kind == CLASSIFY_BOUNCE)
		deliver_plan_bounce(m->report, p);
	if (p->customer_mail) {
		deliver_plan_watchers(fa, p);
		deliver_plan_language(fa, p);
	}
	if (rating > 0)
		deliver_plan_rating(fa, rating, p);
	deliver_plan_reaction(fa, p);
}

/* Free the details of a list of events. */
static void deliver_plan_events_free(GArray *list)
{
	guint i;

	if (list == NULL)
		return;
	for (i = 0; i < list->len; i++)
		g_free(g_array_index(list, struct deliver_plan_event, i).detail);
	g_array_free(list, TRUE);
}

void deliver_plan_clear(struct deliver_plan *p)
{
	deliver_plan_events_free(p->case_events);
	deliver_plan_events_free(p->message_events);
	if (p->watchers != NULL)
		g_ptr_array_free(p->watchers, TRUE);
	if (p->watcher_bases != NULL)
		g_ptr_array_free(p->watcher_bases, TRUE);
	g_free(p->customer_addr);
	g_free(p->subject);
	g_free(p->rating_comment);
	g_free(p->answer);
	g_free(p->signature);
	g_free(p->too_large_to);
	agentcmd_clear(&p->cmd);
	memset(p, 0, sizeof(*p));
}

/* ---- part digest --------------------------------------------------------- */

enum deliver_digest deliver_plan_digest(long long token_agent, long long from_agent, bool verify_agents,
					bool verified, enum classify_kind kind, const char **why_r)
{
	if (kind != CLASSIFY_NORMAL) {
		*why_r = "ignored: automatic mail";
		return DIGEST_AUTOMATIC;
	}
	if (token_agent <= 0 || from_agent != token_agent) {
		*why_r = "ignored: From is not the address's active agent";
		return DIGEST_NOT_AGENT;
	}
	if (verify_agents && !verified) {
		*why_r = "ignored: not verified by the MTA";
		return DIGEST_UNVERIFIED;
	}
	*why_r = "answered";
	return DIGEST_ANSWER;
}
