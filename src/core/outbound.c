/* outbound.c: acknowledgments, agent notifications, relayed answers and
 * agents' #commands (DESIGN.md, "Agents" and "Mail etiquette"). All of it
 * runs in deliver's transaction: outbox rows, outgoing messages, events and
 * case changes commit together with the incoming message or not at all. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "agentcmd.h"
#include "attach.h"
#include "classify.h"
#include "compose.h"
#include "config.h"
#include "datetext.h"
#include "db.h"
#include "deliver_plan.h"
#include "duration.h"
#include "html.h"
#include "mail.h"
#include "outbound.h"
#include "outbox.h"
#include "ownmail.h"
#include "quote_html.h"
#include "sla.h"
#include "store.h"
#include "template.h"
#include "token.h"

/* The case as the templates and addresses need it. */
struct outbound_case {
	struct store_case_info info;
	char id[24];
	char *domain, *local;		/* of the queue's address */
};

/* Free what a case record holds. */
static void outbound_case_clear(struct outbound_case *c)
{
	store_case_info_clear(&c->info);
	g_free(c->domain);
	g_free(c->local);
}

/* Load the case (locked by deliver already). */
static int outbound_load(struct outbound *ob, long long case_id, struct outbound_case *c, struct fault *f)
{
	const char *at;

	if (store_case_info(ob->db, case_id, ob->cfg->default_language, &c->info, f) < 0)
		return -1;
	snprintf(c->id, sizeof(c->id), "%lld", case_id);
	at = strrchr(c->info.queue_addr, '@');
	c->local = g_strndup(c->info.queue_addr, (gsize)(at - c->info.queue_addr));
	c->domain = g_strdup(at + 1);
	return 0;
}

/* The queue's address with a signed token for role: local+TOKEN@domain. */
static int outbound_token_addr(struct outbound *ob, const struct outbound_case *c, const char *role,
			       char **addr_r, struct fault *f)
{
	char token[TOKEN_MAX];

	if (token_make(ob->ring, c->info.id, role, token, f) < 0)
		return -1;
	*addr_r = g_strdup_printf("%s%c%s@%s", c->local, ob->cfg->recipient_delimiter[0], token, c->domain);
	return 0;
}

/* Template variables every template has. */
static struct template_vars *outbound_vars(struct outbound *ob, const struct outbound_case *c)
{
	struct template_vars *v = template_vars_new();

	template_vars_set(v, "helpdesk_name", ob->cfg->helpdesk_name);
	template_vars_set(v, "case_id", c->id);
	template_vars_set(v, "case_subject", c->info.subject);
	template_vars_set(v, "queue_name", c->info.queue_name);
	template_vars_set(v, "customer_name", c->info.customer_name);
	template_vars_set(v, "customer_email", c->info.customer_email);
	template_vars_set(v, "language", c->info.language);
	return v;
}

/* One outgoing mail: who, which template, threading and automatic flags. */
struct outbound_mail {
	const char *kind;		/* outbox kind: ack, notify, reply, agent-error */
	enum msg_kind msg_kind;		/* of the stored outgoing message: auto, system, agent */
	const char *template;
	const char *language;
	const char *from_name;
	const char *reply_to;
	const char *const *to;
	const char *const *cc;
	const char *envelope_from;	/* "" for the null sender */
	const char *in_reply_to;
	const char *const *references;
	const char *auto_submitted;
	const char *body_text;		/* stored as the message's body (what was relayed) */
	const struct compose_attachment *attachments;	/* n_attachments of them, borrowed */
	size_t n_attachments;
};

/* Render, compose, store as an outgoing message of the case, queue it. */
static int outbound_send(struct outbound *ob, const struct outbound_case *c, const struct outbound_mail *m,
			 const struct template_vars *vars, struct fault *f)
{
	struct template_result r = { 0 };
	const char *builtin = POSTDESK_TEMPLATE_DIR;
	const char *override = strcmp(ob->cfg->template_dir, builtin) == 0 ? NULL : ob->cfg->template_dir;
	char *msgid = NULL, *raw = NULL, *to = NULL;
	size_t len, nrcpt = 0;
	long long outbox_id;
	GPtrArray *rcpts = g_ptr_array_new();
	int ret = -1, i;

	/* every addressee: the customer and all the watchers (max_watchers bounds them) */
	for (i = 0; m->to[i] != NULL; i++)
		g_ptr_array_add(rcpts, (gpointer)m->to[i]);
	for (i = 0; m->cc != NULL && m->cc[i] != NULL; i++)
		g_ptr_array_add(rcpts, (gpointer)m->cc[i]);
	nrcpt = rcpts->len;
	if (template_render(override, builtin, m->language, ob->cfg->default_language, m->template, vars, &r, f) < 0) {
		/* A broken or missing template must not hold up the intake: the
		 * message is stored, the case says which mail was not made. */
		if (f->kind == FAULT_PERMANENT) {
			char *detail = g_strdup_printf("%s not sent: %s", m->kind, f->text);

			ret = store_event(ob->db, c->info.id, EV_MAIL_SKIPPED, "system", detail, f);
			g_free(detail);
		}
		goto out;
	}
	if (token_message_id(ob->ring, c->info.id, c->domain, &msgid, f) < 0)
		goto out;
	{
		struct compose comp = {
			.from_name = m->from_name, .from_addr = c->info.queue_addr, .reply_to = m->reply_to,
			.to = m->to, .cc = m->cc, .subject = r.subject, .text = r.text, .html = r.html,
			.message_id = msgid, .in_reply_to = m->in_reply_to, .references = m->references,
			.auto_submitted = m->auto_submitted, .loop = c->info.queue_addr, .language = m->language,
			.attachments = m->attachments, .n_attachments = m->n_attachments,
		};

		if (compose_build(&comp, &raw, &len, f) < 0)
			goto out;
	}
	if (outbox_add(ob->db, c->info.id, m->kind, m->envelope_from, (const char *const *)rcpts->pdata, nrcpt, raw, len,
		       ob->send_now ? outbox_lease(ob->cfg) : 0, &outbox_id, f) < 0)
		goto out;
	g_array_append_val(ob->queued, outbox_id);
	to = g_strjoinv(", ", (char **)m->to);
	if (store_message_out(ob->db, c->info.id, c->info.queue_id, m->msg_kind, c->info.queue_addr, to, r.subject,
			      msgid, raw, len, m->body_text ? m->body_text : r.text, f) < 0)
		goto out;
	ret = 0;
out:
	g_ptr_array_free(rcpts, TRUE);
	template_result_clear(&r);
	g_free(msgid);
	g_free(raw);
	g_free(to);
	return ret;
}

/* Count one automatic mail to addr today; false when over the daily limit. */
static int outbound_rate_ok(struct outbound *ob, const char *addr, bool *ok_r, struct fault *f)
{
	long long count;

	if (store_auto_mail_count(ob->db, addr, &count, f) < 0)
		return -1;
	*ok_r = count <= ob->cfg->auto_reply_limit;
	return 0;
}

/* With a business calendar, the ack's first_response_due: the due time
 * as a local date and time in the customer's zone (their mail's UTC
 * offset, the calendar's zone when it has that offset now), else the
 * calendar's; not set without a calendar or when it is past. */
static int outbound_promise(struct outbound *ob, const struct outbound_case *c, struct template_vars *v,
			    struct fault *f)
{
	struct store_case_promise p;
	char *text;

	if (store_case_promise(ob->db, c->info.id, &p, f) < 0)
		return -1;
	if (p.zone != NULL && p.due > p.now) {
		bool theirs = p.has_offset && !datetext_zone_has_offset(p.zone, p.now, p.offset);

		text = datetext_due(p.due, p.now, theirs ? NULL : p.zone, p.offset, c->info.language);
		template_vars_set(v, "first_response_due", text);
		g_free(text);
	}
	g_free(p.zone);
	return 0;
}

/* Acknowledge a new case to the customer, unless etiquette forbids it. */
static int outbound_ack(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			struct fault *f)
{
	const char *to[2] = { c->info.customer_email, NULL };
	GPtrArray *refs;
	struct template_vars *v;
	char *reply_to = NULL, dur[32];
	bool ok;
	guint i;
	int ret;

	if (c->info.customer_email == NULL || classify_robot_address(c->info.customer_email))
		return 0;
	if (outbound_rate_ok(ob, c->info.customer_email, &ok, f) < 0)
		return -1;
	if (!ok)
		return store_event(ob->db, c->info.id, EV_ACK_SUPPRESSED, "system",
				   "daily limit of automatic mail to this address reached", f);
	if (outbound_token_addr(ob, c, TOKEN_ROLE_CUSTOMER, &reply_to, f) < 0)
		return -1;
	v = outbound_vars(ob, c);
	if (c->info.first_response_s > 0) {
		duration_format(c->info.first_response_s, dur, sizeof(dur));
		template_vars_set(v, "first_response", dur);
		if (outbound_promise(ob, c, v, f) < 0) {
			template_vars_free(&v);
			g_free(reply_to);
			return -1;
		}
	}
	refs = g_ptr_array_new();
	for (i = 0; i < mail->references->len; i++)
		g_ptr_array_add(refs, g_ptr_array_index(mail->references, i));
	g_ptr_array_add(refs, NULL);
	{
		struct outbound_mail m = {
			.kind = "ack", .msg_kind = MSG_AUTO, .template = "ack", .language = c->info.language,
			.from_name = ob->cfg->helpdesk_name, .reply_to = reply_to, .to = to,
			.envelope_from = "",	/* RFC 3834: automatic replies use the null sender */
			.in_reply_to = mail->message_id, .references = (const char *const *)refs->pdata,
			.auto_submitted = "auto-replied",
		};

		ret = outbound_send(ob, c, &m, v, f);
	}
	template_vars_free(&v);
	g_ptr_array_free(refs, TRUE);
	g_free(reply_to);
	return ret;
}

/* Describe one attachment in a template list item: n (as "case show"
 * numbers it), filename, content_type, size (bytes) and size_human. */
static void outbound_file_vars(struct template_vars *item, long long n, const char *filename,
			       const char *content_type, long long size)
{
	char num[24], bytes[24], human[32];

	snprintf(num, sizeof(num), "%lld", n);
	snprintf(bytes, sizeof(bytes), "%lld", size);
	duration_format_size(size, human, sizeof(human));
	template_vars_set(item, "n", num);
	template_vars_set(item, "filename", filename ? filename : "(no name)");
	template_vars_set(item, "content_type", content_type);
	template_vars_set(item, "size", bytes);
	template_vars_set(item, "size_human", human);
}

/* The attachments of a message for the mail to agents about it. */
struct outbound_files {
	long long first_n;	/* the case's number of the message's first attachment */
	bool *attached;		/* one per attachment: it goes with the mail */
	bool left_out;		/* some do not */
	GArray *atts;		/* struct compose_attachment, the ones attached */
	GPtrArray *types;	/* strings atts borrow */
};

/* Pick which of the message's attachments go with the notifications: in
 * order, each that still fits into notify_attachment_limit (counted as
 * they are in the mail, base64), at most ATTACH_MAIL_MAX. */
static int outbound_files_pick(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			       struct outbound_files *fl, struct fault *f)
{
	long long limit = ob->cfg->notify_attachment_limit, used = 0, count;
	guint k;

	fl->attached = g_new0(bool, (mail ? mail->attachments->len : 0) + 1);
	fl->atts = g_array_new(FALSE, TRUE, sizeof(struct compose_attachment));
	fl->types = g_ptr_array_new_with_free_func(g_free);
	if (mail == NULL || mail->attachments->len == 0)
		return 0;
	/* the message is stored: its attachments are the case's last ones */
	if (store_case_attachment_count(ob->db, c->info.id, &count, f) < 0)
		return -1;
	fl->first_n = count - mail->attachments->len + 1;
	for (k = 0; k < mail->attachments->len; k++) {
		const struct mail_attachment *a = g_ptr_array_index(mail->attachments, k);
		long long cost = attach_cost((long long)g_bytes_get_size(a->content));
		struct compose_attachment ca;
		char *type;

		if (cost > limit - used || fl->atts->len >= ATTACH_MAIL_MAX) {
			fl->left_out = true;
			continue;
		}
		attach_compose(a, &ca, &type);
		if (type != NULL)
			g_ptr_array_add(fl->types, type);
		g_array_append_val(fl->atts, ca);
		used += cost;
		fl->attached[k] = true;
	}
	return 0;
}

/* Free what outbound_files_pick() made. */
static void outbound_files_clear(struct outbound_files *fl)
{
	g_free(fl->attached);
	if (fl->atts != NULL)
		g_array_free(fl->atts, TRUE);
	if (fl->types != NULL)
		g_ptr_array_free(fl->types, TRUE);
}

/* The template variables of a notification's attachments: the list
 * (attached: "yes" for those that go with it; too_large: "yes" for those no
 * mail to agents carries), attachments_left_out, attachments_by_mail (the
 * limit is not 0: #attachments can mail them), attachment_limit. */
static void outbound_files_vars(struct outbound *ob, const struct mail *mail, const struct outbound_files *fl,
				struct template_vars *v)
{
	char limit[32];
	guint k;

	for (k = 0; mail != NULL && k < mail->attachments->len; k++) {
		const struct mail_attachment *a = g_ptr_array_index(mail->attachments, k);
		struct template_vars *item = template_vars_add(v, "attachments");
		long long size = (long long)g_bytes_get_size(a->content);

		outbound_file_vars(item, fl->first_n + k, a->filename, a->content_type, size);
		template_vars_set(item, "attached", fl->attached[k] ? "yes" : NULL);
		template_vars_set(item, "too_large", attach_cost(size) > ob->cfg->notify_attachment_limit ? "yes" : NULL);
	}
	duration_format_size(ob->cfg->notify_attachment_limit, limit, sizeof(limit));
	template_vars_set(v, "attachments_left_out", fl->left_out ? "yes" : NULL);
	template_vars_set(v, "attachments_by_mail", ob->cfg->notify_attachment_limit > 0 ? "yes" : NULL);
	template_vars_set(v, "attachment_limit", limit);
}

void outbound_actions(struct template_vars *v, const char *helpdesk_name, const char *case_id,
		      const char *case_subject, const char *agent_addr, const char *note_addr, bool assign)
{
	static const struct {
		const char *name, *body;
	} commands[] = {
		{ "resolve_url", "#resolve" }, { "assign_url", "#assign me" }, { "priority_url", "#priority high" },
	};
	char *subject = g_strdup_printf("Re: [%s #%s] %s", helpdesk_name, case_id, case_subject ? case_subject : "");
	char *url, *p;
	size_t i;

	for (p = subject; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';	/* a subject is one line: no header in the reply from it */

	template_vars_set(v, "agent_address", agent_addr);
	template_vars_set(v, "note_address", note_addr);
	url = template_mailto(agent_addr, subject, NULL);
	template_vars_set(v, "answer_url", url);
	g_free(url);
	url = template_mailto(note_addr, subject, NULL);
	template_vars_set(v, "note_url", url);
	g_free(url);
	for (i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(commands[i].name, "assign_url") == 0 && !assign)
			continue;
		url = template_mailto(agent_addr, subject, commands[i].body);
		template_vars_set(v, commands[i].name, url);
		g_free(url);
	}
	g_free(subject);
}

/* Who is copied on the case (its watchers, ", "-joined) into *copied_r
 * (g_free), NULL when nobody. */
static int outbound_copied(struct outbound *ob, const struct outbound_case *c, char **copied_r, struct fault *f)
{
	GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
	int ret = store_watchers_list(ob->db, c->info.id, list, f);

	*copied_r = NULL;
	if (ret == 0 && list->len > 0) {
		g_ptr_array_add(list, NULL);
		*copied_r = g_strjoinv(", ", (char **)list->pdata);
	}
	g_ptr_array_free(list, TRUE);
	return ret;
}

/* Tell agents about a message with template: the assignee, else the
 * queue's agents (all of them for a note); never the author. Its
 * attachments go with it as far as notify_attachment_limit allows. */
static int outbound_notify(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			   const struct deliver_plan *p, struct fault *f)
{
	char *reply_to = NULL, *note = NULL, *from_name, *assignee = NULL, *assignee_name = NULL, *copied = NULL;
	struct outbound_files fl = { 0 };
	/* the beginning of an oversized mail (NULL when unreadable) has no whole attachment */
	const struct mail *files = p->oversized > 0 ? NULL : mail;
	const char *from_addr = mail ? mail->from_addr : p->customer_addr;
	PGresult *res;
	int i, ret = 0;

	res = store_agents_to_notify(ob->db, c->info.queue_id, c->info.assignee_id, p->agent_id,
				     p->reaction == REACT_NOTE, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (outbound_token_addr(ob, c, TOKEN_ROLE_AGENT, &reply_to, f) < 0 ||
	    outbound_token_addr(ob, c, TOKEN_ROLE_NOTE, &note, f) < 0 ||
	    outbound_files_pick(ob, c, files, &fl, f) < 0 || outbound_copied(ob, c, &copied, f) < 0 ||
	    (c->info.assignee_id != 0 && store_agent_get(ob->db, c->info.assignee_id, &assignee_name, &assignee, f) < 0)) {
		PQclear(res);
		g_free(reply_to);
		g_free(note);
		g_free(copied);
		outbound_files_clear(&fl);
		return -1;
	}
	from_name = g_strdup_printf("%s via %s", mail && mail->from_name ? mail->from_name :
				    from_addr ? from_addr : "Customer", ob->cfg->helpdesk_name);
	for (i = 0; i < PQntuples(res) && ret == 0; i++) {
		const char *to[2] = { PQgetvalue(res, i, 0), NULL };
		struct template_vars *v = outbound_vars(ob, c);

		template_vars_set(v, "agent_name", PQgetvalue(res, i, 1));
		template_vars_set(v, "message_from", from_addr);
		template_vars_set(v, "message_body", p->notify_body);
		template_vars_set(v, "copied", copied);
		outbound_actions(v, ob->cfg->helpdesk_name, c->id, c->info.subject, reply_to, note,
				 g_strcmp0(assignee, to[0]) != 0);
		outbound_files_vars(ob, files, &fl, v);
		{
			struct outbound_mail m = {
				.kind = "notify", .msg_kind = MSG_SYSTEM, .template = p->notify_template,
				.language = ob->cfg->default_language, .from_name = from_name,
				.reply_to = reply_to, .to = to, .envelope_from = c->info.queue_addr,
				.in_reply_to = mail ? mail->message_id : NULL, .auto_submitted = "auto-generated",
				.attachments = (const struct compose_attachment *)(void *)fl.atts->data,
				.n_attachments = fl.atts->len,
			};

			ret = outbound_send(ob, c, &m, v, f);
		}
		template_vars_free(&v);
	}
	PQclear(res);
	outbound_files_clear(&fl);
	g_free(from_name);
	g_free(reply_to);
	g_free(note);
	g_free(assignee);
	g_free(assignee_name);
	g_free(copied);
	return ret;
}

/* Thread into the customer's conversation: refs gets the last ten ids but
 * one, oldest first, and a NULL; *irt_r the newest (g_free; NULL if none). */
static int outbound_conversation(struct outbound *ob, const struct outbound_case *c, GPtrArray *refs,
				 char **irt_r, struct fault *f)
{
	*irt_r = NULL;
	if (store_message_conversation(ob->db, c->info.id, refs, f) < 0)
		return -1;
	if (refs->len > 0)
		*irt_r = g_ptr_array_steal_index(refs, refs->len - 1);
	g_ptr_array_add(refs, NULL);
	return 0;
}

/* The agent's attachments that go to the customer with the answer, into
 * atts (struct compose_attachment; types: strings they borrow); for each one
 * that must not (attach_refusal), a relay-skipped event says why. */
static int outbound_relay_files(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
				GArray *atts, GPtrArray *types, struct fault *f)
{
	guint k;

	for (k = 0; k < mail->attachments->len; k++) {
		const struct mail_attachment *a = g_ptr_array_index(mail->attachments, k);
		const char *why = attach_refusal(ob->ring, a);
		struct compose_attachment ca;
		char *type;

		if (why != NULL) {
			char *detail = g_strdup_printf("attachment %s (%s) not relayed: %s",
						       a->filename ? a->filename : "(no name)", a->content_type, why);
			int r = store_event(ob->db, c->info.id, EV_RELAY_SKIPPED, mail->from_addr, detail, f);

			g_free(detail);
			if (r < 0)
				return -1;
			continue;
		}
		attach_compose(a, &ca, &type);
		if (type != NULL)
			g_ptr_array_add(types, type);
		g_array_append_val(atts, ca);
	}
	return 0;
}

/* The letters and digits of text, case-folded: what two renderings of
 * the same words (a text part and an HTML part) have in common. */
static char *outbound_words(const char *text)
{
	GString *w = g_string_new(NULL);
	const char *p;
	char *folded;

	for (p = text ? text : ""; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_isalnum(c))
			g_string_append_unichar(w, c);
	}
	folded = g_utf8_casefold(w->str, (gssize)w->len);
	g_string_free(w, TRUE);
	return folded;
}

/* Whether a and b hold the same words (outbound_words). */
static bool outbound_same_words(const char *a, const char *b)
{
	char *wa = outbound_words(a), *wb = outbound_words(b);
	bool same = strcmp(wa, wb) == 0;

	g_free(wa);
	g_free(wb);
	return same;
}

/* The agent's own HTML for the relayed answer: their HTML part without
 * the quoted history, sanitized (quote_html), but only when it says what
 * the text relayed says, word for word (the answer, then the signature):
 * no command line at its top, no line of ours left out of the text, no
 * token of ours anywhere in it (attributes too).
 * NULL otherwise: the HTML part is then made from the text. */
static char *outbound_relay_html(struct outbound *ob, const struct mail *mail, const struct deliver_plan *p,
				 const char *answer)
{
	char *html, *text, *said, token[TOKEN_MAX];
	bool same;

	if (mail->body_html == NULL || strcmp(answer, p->answer) != 0 ||
	    !outbound_same_words(p->cmd.text, mail->body_text) || (html = quote_html(mail->body_html)) == NULL)
		return NULL;
	text = html_to_text(html);
	said = g_strconcat(answer, "\n", p->signature ? p->signature : "", NULL);
	/* words only: an attribute (alt, href) could still hold one of our tokens */
	same = outbound_same_words(text, said) && !token_find(ob->ring, html, token);
	g_free(text);
	g_free(said);
	if (!same)
		g_clear_pointer(&html, g_free);
	return html;
}

/* Whether an agent's mail has an attachment that may go to the customer. */
static bool outbound_relayable_files(struct outbound *ob, const struct mail *mail)
{
	guint k;

	for (k = 0; k < mail->attachments->len; k++)
		if (attach_refusal(ob->ring, g_ptr_array_index(mail->attachments, k)) == NULL)
			return true;
	return false;
}

/* Relay an agent's answer, with the attachments, to the customer and the
 * watchers. */
static int outbound_relay(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			  const struct deliver_plan *p, const char *answer, struct fault *f)
{
	GPtrArray *cc = g_ptr_array_new_with_free_func(g_free), *refs = g_ptr_array_new_with_free_func(g_free);
	GArray *atts = g_array_new(FALSE, TRUE, sizeof(struct compose_attachment));
	GPtrArray *types = g_ptr_array_new_with_free_func(g_free);
	const char *to[2] = { c->info.customer_email, NULL };
	char *reply_to = NULL, *from_name = NULL, *irt = NULL, *name = NULL, *email = NULL, *html = NULL;
	struct template_vars *v;
	int ret = -1;

	if (c->info.customer_email == NULL) {
		ret = store_event(ob->db, c->info.id, EV_RELAY_SKIPPED, mail->from_addr,
				  "the case has no customer address", f);
		goto out;
	}
	if (store_watchers_list(ob->db, c->info.id, cc, f) < 0)
		goto out;
	g_ptr_array_add(cc, NULL);
	if (outbound_conversation(ob, c, refs, &irt, f) < 0 ||
	    outbound_token_addr(ob, c, TOKEN_ROLE_CUSTOMER, &reply_to, f) < 0 ||
	    store_agent_get(ob->db, p->agent_id, &name, &email, f) < 0 ||
	    outbound_relay_files(ob, c, mail, atts, types, f) < 0)
		goto out;
	from_name = g_strdup_printf("%s via %s", name ? name : "Agent", ob->cfg->helpdesk_name);
	v = outbound_vars(ob, c);
	template_vars_set(v, "agent_name", name ? name : "");
	html = outbound_relay_html(ob, mail, p, answer);
	if (html != NULL) {
		/* the agent's HTML holds their signature already */
		template_vars_set_html(v, "answer", answer, html);
		if (p->signature != NULL)
			template_vars_set_html(v, "signature", p->signature, "");
	} else {
		template_vars_set(v, "answer", answer);
		template_vars_set(v, "signature", p->signature);
	}
	{
		struct outbound_mail m = {
			.kind = "reply", .msg_kind = MSG_AGENT, .template = "reply", .language = c->info.language,
			.from_name = from_name, .reply_to = reply_to, .to = to,
			.cc = (const char *const *)cc->pdata, .envelope_from = c->info.queue_addr,
			.in_reply_to = irt, .references = (const char *const *)refs->pdata, .body_text = answer,
			.attachments = (const struct compose_attachment *)(void *)atts->data,
			.n_attachments = atts->len,
		};

		ret = outbound_send(ob, c, &m, v, f);
	}
	template_vars_free(&v);
out:
	g_ptr_array_free(cc, TRUE);
	g_ptr_array_free(refs, TRUE);
	g_array_free(atts, TRUE);
	g_ptr_array_free(types, TRUE);
	g_free(reply_to);
	g_free(from_name);
	g_free(irt);
	g_free(name);
	g_free(email);
	g_free(html);
	return ret;
}

/* Mail the author of an agent's mail about it with template (kind in
 * the outbox), its variables in v (freed here). A trusted agent's answer
 * carries the case's agent token as Reply-To, so that they can act again
 * by replying. */
static int outbound_to_author(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			      const char *kind, const char *template, bool trusted, struct template_vars *v,
			      struct fault *f)
{
	const char *to[2] = { mail->from_addr, NULL };
	char *reply_to = NULL;
	int ret = -1;

	if (!trusted || outbound_token_addr(ob, c, TOKEN_ROLE_AGENT, &reply_to, f) == 0) {
		struct outbound_mail m = {
			.kind = kind, .msg_kind = MSG_SYSTEM, .template = template,
			.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
			.reply_to = reply_to, .to = to, .envelope_from = "", .in_reply_to = mail->message_id,
			.auto_submitted = "auto-replied",
		};

		ret = outbound_send(ob, c, &m, v, f);
	}
	g_free(reply_to);
	template_vars_free(&v);
	return ret;
}

/* Tell a trusted agent why their mail was not carried out (template, its
 * variables in v, freed here) and record it on the case as ev. */
static int outbound_not_done(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			     const char *kind, const char *template, struct template_vars *v, enum event_type ev,
			     const char *detail, struct fault *f)
{
	if (outbound_to_author(ob, c, mail, kind, template, true, v, f) < 0)
		return -1;
	return store_event(ob->db, c->info.id, ev, mail->from_addr, detail, f);
}

/* Tell an agent that their mail was not carried out because of the
 * command line line (why: error): nothing was sent, nothing changed. */
static int outbound_agent_error(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
				const char *line, const char *error, struct fault *f)
{
	struct template_vars *v = outbound_vars(ob, c);
	char *detail = g_strdup_printf("%s: %s", line, error);
	int ret;

	template_vars_set(v, "error", error);
	template_vars_set(v, "command", line);
	ret = outbound_not_done(ob, c, mail, "agent-error", "agent_error", v, EV_COMMAND_ERROR, detail, f);
	g_free(detail);
	return ret;
}

/* Tell the registered agent whose address wrote to an agent or note
 * address that the mail was not trusted (within the daily limit of
 * automatic mail: forged mail must not become a mail bomb). */
static int outbound_unverified(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			       const char *reason, struct fault *f)
{
	struct template_vars *v;
	bool ok;

	if (outbound_rate_ok(ob, mail->from_addr, &ok, f) < 0)
		return -1;
	if (!ok)
		return store_event(ob->db, c->info.id, EV_MAIL_SKIPPED, "system",
				   "agent_unverified not sent: daily limit of automatic mail to this address reached", f);
	v = outbound_vars(ob, c);
	template_vars_set(v, "reason", reason);
	return outbound_to_author(ob, c, mail, "agent-unverified", "agent_unverified", false, v, f);
}

/* Mails one #attachments answer is split into at most; what does not fit
 * is listed in the last one. */
#define OUTBOUND_ATTACHMENT_MAILS 5

/* Why an attachment asked for with #attachments is not mailed. */
enum outbound_left_why { LEFT_TOO_LARGE, LEFT_TOO_MANY, LEFT_MISSING, LEFT_UNREADABLE };

/* One attachment not mailed. */
struct outbound_left {
	long long n;
	const struct attach_ref *ref;	/* NULL: no such attachment */
	enum outbound_left_why why;
};

/* One attachment read back for a mail, owned (its message is freed). */
struct outbound_got {
	long long n, size;
	char *filename, *content_type, *content_id;
	bool inline_part;
	GBytes *content;
};

/* What an #attachments answer is made of. */
struct outbound_pack {
	GPtrArray *batches;	/* GArray of struct attach_ref (shallow copies), one per mail */
	GArray *left;		/* struct outbound_left */
	long long used;		/* what the last batch costs */
	GArray *got;		/* struct outbound_got, of the mail being made */
};

/* Free one attachment read back. */
static void outbound_got_clear(gpointer p)
{
	struct outbound_got *g = p;

	g_free(g->filename);
	g_free(g->content_type);
	g_free(g->content_id);
	g_bytes_unref(g->content);
}

/* Note an attachment that is not mailed. */
static void outbound_left_add(struct outbound_pack *pk, long long n, const struct attach_ref *ref,
			      enum outbound_left_why why)
{
	struct outbound_left l = { n, ref, why };

	g_array_append_val(pk->left, l);
}

/* Split the wanted attachments into mails: in order, as many into one mail
 * as notify_attachment_limit allows (counted as in the mail, base64), at
 * most ATTACH_MAIL_MAX a mail and OUTBOUND_ATTACHMENT_MAILS mails. */
static void outbound_pack_plan(struct outbound *ob, struct outbound_pack *pk, const struct attach_ref *ref)
{
	long long limit = ob->cfg->notify_attachment_limit, cost = attach_cost(ref->size);
	GArray *cur = pk->batches->len ? g_ptr_array_index(pk->batches, pk->batches->len - 1) : NULL;

	if (cost > limit) {
		outbound_left_add(pk, ref->n, ref, LEFT_TOO_LARGE);
		return;
	}
	if (cur == NULL || cost > limit - pk->used || cur->len >= ATTACH_MAIL_MAX) {
		if (pk->batches->len == OUTBOUND_ATTACHMENT_MAILS) {
			outbound_left_add(pk, ref->n, ref, LEFT_TOO_MANY);
			return;
		}
		cur = g_array_new(FALSE, TRUE, sizeof(struct attach_ref));
		g_ptr_array_add(pk->batches, cur);
		pk->used = 0;
	}
	g_array_append_val(cur, *ref);
	pk->used += cost;
}

/* attach_fn: keep an attachment read back for the mail being made. */
static int outbound_pack_got(void *ctx, const struct attach_ref *ref, const struct mail_attachment *a,
			     const char *why, struct fault *f)
{
	struct outbound_pack *pk = ctx;
	struct outbound_got g = { 0 };
	struct compose_attachment ca;
	char *type;

	(void)why;
	(void)f;
	if (a == NULL) {
		outbound_left_add(pk, ref->n, ref, LEFT_UNREADABLE);
		return 0;
	}
	attach_compose(a, &ca, &type);
	g = (struct outbound_got){
		.n = ref->n, .size = ref->size, .filename = g_strdup(a->filename),
		.content_type = type ? type : g_strdup(a->content_type), .content_id = g_strdup(a->content_id),
		.inline_part = a->inline_part, .content = g_bytes_ref(a->content),
	};
	g_array_append_val(pk->got, g);
	return 0;
}

/* The variables of the list of what is not mailed (in the last mail). */
static void outbound_pack_left_vars(const struct outbound_pack *pk, struct template_vars *v)
{
	static const char *const flags[] = {
		[LEFT_TOO_LARGE] = "too_large", [LEFT_TOO_MANY] = "too_many",
		[LEFT_MISSING] = "missing", [LEFT_UNREADABLE] = "unreadable",
	};
	guint i;

	for (i = 0; i < pk->left->len; i++) {
		const struct outbound_left *l = &g_array_index(pk->left, struct outbound_left, i);
		struct template_vars *item = template_vars_add(v, "left_out");

		if (l->ref != NULL) {
			outbound_file_vars(item, l->n, l->ref->filename, l->ref->content_type, l->ref->size);
		} else {
			char num[24];

			snprintf(num, sizeof(num), "%lld", l->n);
			template_vars_set(item, "n", num);
		}
		template_vars_set(item, flags[l->why], "yes");
	}
}

/* Make and queue mail part (from 1) of parts (0 when there is only one) of
 * an #attachments answer, with the attachments in pk->got. */
static int outbound_pack_send(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			      struct outbound_pack *pk, const char *agent_name, guint part, guint parts, bool last,
			      struct fault *f)
{
	const char *to[2] = { mail->from_addr, NULL };
	struct template_vars *v = outbound_vars(ob, c);
	GArray *atts = g_array_new(FALSE, TRUE, sizeof(struct compose_attachment));
	char num[16], total[16], limit[32];
	guint i;
	int ret;

	for (i = 0; i < pk->got->len; i++) {
		const struct outbound_got *g = &g_array_index(pk->got, struct outbound_got, i);
		struct compose_attachment ca = { g->filename, g->content_type, g->content_id, g->inline_part, g->content };

		g_array_append_val(atts, ca);
		outbound_file_vars(template_vars_add(v, "attachments"), g->n, g->filename, g->content_type, g->size);
	}
	snprintf(num, sizeof(num), "%u", part);
	snprintf(total, sizeof(total), "%u", parts);
	duration_format_size(ob->cfg->notify_attachment_limit, limit, sizeof(limit));
	template_vars_set(v, "agent_name", agent_name);
	template_vars_set(v, "part", parts > 1 ? num : NULL);
	template_vars_set(v, "parts", parts > 1 ? total : NULL);
	template_vars_set(v, "attachment_limit", limit);
	if (last)
		outbound_pack_left_vars(pk, v);
	{
		struct outbound_mail m = {
			.kind = "attachments", .msg_kind = MSG_SYSTEM, .template = "attachments",
			.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
			.to = to, .envelope_from = "", .in_reply_to = mail->message_id,
			.auto_submitted = "auto-replied",
			.attachments = (const struct compose_attachment *)(void *)atts->data,
			.n_attachments = atts->len,
		};

		ret = outbound_send(ob, c, &m, v, f);
	}
	g_array_free(atts, TRUE);
	template_vars_free(&v);
	return ret;
}

/* Answer an agent's #attachments: the case's attachments the agent asked
 * for (by number; else all that customers sent), in as few mails as
 * notify_attachment_limit allows; what cannot be mailed is listed with how
 * to get it. */
static int outbound_attachments(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
				const struct deliver_plan *p, struct fault *f)
{
	GArray *all = g_array_new(FALSE, TRUE, sizeof(struct attach_ref));
	struct outbound_pack pk = {
		.batches = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref),
		.left = g_array_new(FALSE, TRUE, sizeof(struct outbound_left)),
		.got = g_array_new(FALSE, TRUE, sizeof(struct outbound_got)),
	};
	char *name = NULL, *email = NULL;
	guint i, parts;
	int k, ret = -1;

	g_array_set_clear_func(pk.got, outbound_got_clear);
	if (attach_list(ob->db, c->info.id, all, f) < 0 || store_agent_get(ob->db, p->agent_id, &name, &email, f) < 0)
		goto out;
	if (p->cmd.n_attachment_n > 0) {
		for (k = 0; k < p->cmd.n_attachment_n; k++) {
			long long n = p->cmd.attachment_n[k];

			if (n <= (long long)all->len)	/* numbered 1, 2, ... in order */
				outbound_pack_plan(ob, &pk, &g_array_index(all, struct attach_ref, n - 1));
			else
				outbound_left_add(&pk, n, NULL, LEFT_MISSING);
		}
	} else {
		for (i = 0; i < all->len; i++)
			if (g_array_index(all, struct attach_ref, i).customer)
				outbound_pack_plan(ob, &pk, &g_array_index(all, struct attach_ref, i));
	}
	parts = pk.batches->len;
	ret = 0;
	for (i = 0; ret == 0 && i < MAX(parts, 1); i++) {
		GArray *batch = parts > 0 ? g_ptr_array_index(pk.batches, i) : NULL;

		g_array_set_size(pk.got, 0);
		if (batch != NULL &&
		    attach_read(ob->db, (const struct attach_ref *)(void *)batch->data, batch->len, outbound_pack_got,
				&pk, f) < 0)
			ret = -1;
		if (ret == 0)
			ret = outbound_pack_send(ob, c, mail, &pk, name ? name : "", i + 1, parts, i + 1 >= parts, f);
	}
out:
	g_ptr_array_free(pk.batches, TRUE);
	g_array_free(pk.left, TRUE);
	g_array_free(pk.got, TRUE);
	attach_refs_clear(all);
	g_array_free(all, TRUE);
	g_free(name);
	g_free(email);
	return ret;
}

/* The agent an #assign names, into *id_r (0 when none is named); false
 * when it names no active agent. */
static int outbound_assignee(struct outbound *ob, const struct deliver_plan *p, long long *id_r, bool *ok_r,
			     struct fault *f)
{
	*id_r = 0;
	*ok_r = true;
	if (p->cmd.assign == NULL)
		return 0;
	if (store_agent_active(ob->db, p->cmd.assign, id_r, f) < 0)
		return -1;
	*ok_r = *id_r > 0;
	return 0;
}

/* Say in done (the confirmation's variables) that name became value. */
static void outbound_done(struct template_vars *done, const char *name, const char *value)
{
	template_vars_set(done, name, value);
	template_vars_set(done, "done_nothing", NULL);
}

/* Apply an agent's #status, #priority and #assign (to assignee, found
 * already; relayed: an answer went to the customer), each with an event,
 * and say in done what changed (outbound_done); an answer to the customer makes
 * the case pending unless #status says otherwise, stops the
 * first-response clock and ends an escalation round (breaches until now
 * are dealt with; a later one starts a new round). */
static int outbound_commands(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			     const struct deliver_plan *p, bool relayed, long long assignee,
			     struct template_vars *done, struct fault *f)
{
	const struct agentcmd *cmd = &p->cmd;
	const char *who = mail->from_addr;
	enum case_status status = CASE_PENDING;
	bool set_status = relayed;

	if (assignee > 0 && assignee != c->info.assignee_id) {
		if (store_case_assign_id(ob->db, c->info.id, assignee, f) < 0 ||
		    store_event(ob->db, c->info.id, EV_ASSIGNED, who, cmd->assign, f) < 0)
			return -1;
		outbound_done(done, "done_assignee", cmd->assign);
	} else if (relayed && c->info.assignee_id == 0) {
		if (store_case_assign_id(ob->db, c->info.id, p->agent_id, f) < 0 ||
		    store_event(ob->db, c->info.id, EV_ASSIGNED, who, who, f) < 0)
			return -1;
	}
	if (cmd->set_priority) {
		if (store_case_set_priority(ob->db, c->info.id, cmd->priority, f) < 0 ||
		    store_event(ob->db, c->info.id, EV_PRIORITY, who, model_priority_name(cmd->priority), f) < 0)
			return -1;
		outbound_done(done, "done_priority", model_priority_name(cmd->priority));
	}
	if (relayed && store_case_answered(ob->db, c->info.id, f) < 0)
		return -1;
	if (cmd->set_status) {
		set_status = true;
		status = cmd->status;
	}
	if (set_status && status != c->info.status) {
		char *detail = g_strdup_printf("%s -> %s", model_status_name(c->info.status),
					       model_status_name(status));
		int r = store_case_set_status(ob->db, c->info.id, status, 0, NULL, f);

		if (r == 0)
			r = store_event(ob->db, c->info.id, EV_STATUS, who, detail, f);
		if (r == 0 && cmd->set_status)
			outbound_done(done, "done_status", detail);
		g_free(detail);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* Tell an agent whom another agent's #assign (or "postdesk case assign")
 * gave the case; by: who assigned it. */
static int outbound_assigned(struct outbound *ob, const struct outbound_case *c, const char *by,
			     long long assignee, struct fault *f)
{
	char *name = NULL, *email = NULL, *reply_to = NULL;
	int ret = -1;

	if (store_agent_get(ob->db, assignee, &name, &email, f) < 0 ||
	    outbound_token_addr(ob, c, TOKEN_ROLE_AGENT, &reply_to, f) < 0)
		goto out;
	{
		const char *to[2] = { email, NULL };
		struct template_vars *v = outbound_vars(ob, c);
		struct outbound_mail m = {
			.kind = "assigned", .msg_kind = MSG_SYSTEM, .template = "assigned",
			.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
			.reply_to = reply_to, .to = to, .envelope_from = c->info.queue_addr,
			.auto_submitted = "auto-generated",
		};

		template_vars_set(v, "agent_name", name);
		template_vars_set(v, "assigned_by", by);
		ret = outbound_send(ob, c, &m, v, f);
		template_vars_free(&v);
	}
out:
	g_free(name);
	g_free(email);
	g_free(reply_to);
	return ret;
}

/* The answer as it may reach the customer, into *text_r (g_free): the
 * lines of postdesk's own mail to agents on the case left out (whatever
 * the reply extraction missed). *token_r (TOKEN_MAX) gets a token of ours
 * the rest still holds, "" when none: then it must not be relayed. */
static int outbound_own_mail(struct outbound *ob, const struct outbound_case *c, const char *answer,
			     char **text_r, char *token_r, struct fault *f)
{
	GPtrArray *ours = g_ptr_array_new_with_free_func(g_free), *theirs = g_ptr_array_new_with_free_func(g_free);
	size_t dropped;
	int ret = -1;

	*text_r = NULL;
	token_r[0] = '\0';
	if (store_case_texts(ob->db, c->info.id, MSG_SYSTEM, ours, f) < 0 ||
	    store_case_texts(ob->db, c->info.id, MSG_CUSTOMER, theirs, f) < 0)
		goto out;
	g_ptr_array_add(ours, NULL);
	g_ptr_array_add(theirs, NULL);
	*text_r = ownmail_strip(answer, (const char *const *)ours->pdata, (const char *const *)theirs->pdata,
				&dropped);
	g_strchomp(*text_r);
	if (!token_find(ob->ring, *text_r, token_r))
		token_r[0] = '\0';
	ret = 0;
out:
	g_ptr_array_free(ours, TRUE);
	g_ptr_array_free(theirs, TRUE);
	return ret;
}

/* Tell an agent that their answer was not relayed because it still holds
 * one of our token addresses (token): nothing sent, nothing changed. */
static int outbound_refused(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			    const char *token, struct fault *f)
{
	struct template_vars *v = outbound_vars(ob, c);
	char *detail = g_strdup_printf("answer not relayed: it holds a postdesk token (%s)", token);
	int ret;

	template_vars_set(v, "token", token);
	ret = outbound_not_done(ob, c, mail, "relay-refused", "relay_refused", v, EV_RELAY_SKIPPED, detail, f);
	g_free(detail);
	return ret;
}

/* Whether an agent's #merge N may be carried out: *ok_r false when not,
 * and the agent told why (nothing sent, nothing changed). Both cases are
 * locked from here on. */
static int outbound_merge_check(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
				const struct deliver_plan *p, bool *ok_r, struct fault *f)
{
	char *why = NULL, *line;
	int ret = 0;

	*ok_r = true;
	if (p->cmd.merge == 0)
		return 0;
	if (p->token_merged > 0)
		why = g_strdup_printf("case #%lld was merged into case #%lld already: write #merge to case #%lld",
				      p->token_merged, c->info.id, c->info.id);
	else if (store_case_merge_check(ob->db, c->info.id, p->cmd.merge, p->agent_id, &why, f) < 0)
		return -1;
	if (why == NULL)
		return 0;
	*ok_r = false;
	line = g_strdup_printf("#merge %lld", p->cmd.merge);
	ret = outbound_agent_error(ob, c, mail, line, why, f);
	g_free(line);
	g_free(why);
	return ret;
}

/* Carry out an agent's #merge N (checked): this case goes into case N,
 * whose due times are refreshed (deliver refreshes this one's); done
 * says so. The customer is not told. */
static int outbound_merge(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			  const struct deliver_plan *p, struct template_vars *done, struct fault *f)
{
	struct store_merge_moved moved;
	char target[DB_ID_MAX];

	if (p->cmd.merge == 0)
		return 0;
	if (store_case_merge(ob->db, c->info.id, p->cmd.merge, mail->from_addr, &moved, f) < 0 ||
	    sla_refresh(ob->db, p->cmd.merge, 0, f) < 0)
		return -1;
	outbound_done(done, "done_merged", db_id_text(target, p->cmd.merge));
	return 0;
}

/* An agent's #cc lines: the addresses that can be copied into add
 * (g_free each) with their bases (without the extension) into bases;
 * *bad_r (g_free) the first that cannot be, with why, NULL when none. An
 * address copied already, or the case's customer, is no error: nothing to
 * do (said in done). */
static int outbound_cc_check(struct outbound *ob, const struct outbound_case *c, const struct deliver_plan *p,
			     GPtrArray *add, GPtrArray *bases, struct template_vars *done, char **bad_r,
			     struct fault *f)
{
	GString *same = g_string_new(NULL);
	int i, ret = 0;

	*bad_r = NULL;
	for (i = 0; i < p->cmd.n_cc && ret == 0 && *bad_r == NULL; i++) {
		const char *addr = p->cmd.cc[i], *why;
		char *base, *ext;

		address_split(addr, ob->cfg->recipient_delimiter, &base, &ext);
		g_free(ext);
		ret = store_watcher_refusal(ob->db, c->info.id, addr, base, ob->cfg->max_watchers, &why, f);
		if (ret == 0 && why == NULL) {
			g_ptr_array_add(add, g_strdup(addr));
			g_ptr_array_add(bases, g_steal_pointer(&base));
		} else if (ret == 0 && (strcmp(why, "already copied") == 0 || strcmp(why, "the customer") == 0)) {
			g_string_append_printf(same, "%s%s (%s)", same->len ? ", " : "", addr, why);
		} else if (ret == 0) {
			*bad_r = g_strdup_printf("%s is %s", addr, why);
		}
		g_free(base);
	}
	if (same->len > 0)
		outbound_done(done, "done_cc_already", same->str);
	g_string_free(same, TRUE);
	return ret;
}

/* Apply an agent's #cc (the addresses outbound_cc_check let through) and
 * #uncc, each change with its event by the agent, and say in done what
 * changed. */
static int outbound_cc_apply(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			     const struct deliver_plan *p, GPtrArray *add, GPtrArray *bases,
			     struct template_vars *done, struct fault *f)
{
	GString *removed = g_string_new(NULL), *absent = g_string_new(NULL);
	char *joined;
	int i, ret = 0;

	if (add->len > 0) {
		ret = store_watchers_add(ob->db, c->info.id, add, bases, ob->cfg->max_watchers, mail->from_addr, f);
		g_ptr_array_add(add, NULL);
		joined = g_strjoinv(", ", (char **)add->pdata);
		g_ptr_array_remove_index(add, add->len - 1);
		outbound_done(done, "done_cc", joined);
		g_free(joined);
	}
	for (i = 0; i < p->cmd.n_uncc && ret == 0; i++) {
		bool gone;

		ret = store_watcher_remove(ob->db, c->info.id, p->cmd.uncc[i], mail->from_addr, &gone, f);
		g_string_append_printf(gone ? removed : absent, "%s%s", (gone ? removed : absent)->len ? ", " : "",
				       p->cmd.uncc[i]);
	}
	if (removed->len > 0)
		outbound_done(done, "done_uncc", removed->str);
	if (absent->len > 0)
		outbound_done(done, "done_uncc_absent", absent->str);
	g_string_free(removed, TRUE);
	g_string_free(absent, TRUE);
	return ret;
}

/* An agent's #notspam: the case becomes a normal one, acknowledged and
 * notified now (outbound_unspam); done says so, or that it was not spam. */
static int outbound_notspam(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			    const struct deliver_plan *p, struct template_vars *done, struct fault *f)
{
	bool was;

	if (outbound_unspam(ob, c->info.id, mail->from_addr, p->agent_id, &was, f) < 0)
		return -1;
	if (was)
		outbound_done(done, "done_notspam", "yes");
	else
		template_vars_set(done, "notspam_already", "yes");
	return 0;
}

/* A trusted agent's mail: an answer relayed to the customer, a note
 * shown to the queue, the case's attachments mailed to the agent, or
 * commands alone confirmed to the agent; the commands applied. A bad #assign, or an answer that still holds one of
 * our tokens, stops it all before anything is sent or changed. */
static int outbound_agent_mail(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			       const struct deliver_plan *p, struct fault *f)
{
	struct template_vars *done = outbound_vars(ob, c);
	enum deliver_reaction react = p->reaction;
	GPtrArray *cc = g_ptr_array_new_with_free_func(g_free), *cc_bases = g_ptr_array_new_with_free_func(g_free);
	char token[TOKEN_MAX], *answer = NULL, *bad_cc = NULL;
	long long assignee;
	bool ok;
	int ret = -1;

	template_vars_set(done, "done_nothing", "yes");
	if (outbound_assignee(ob, p, &assignee, &ok, f) < 0 ||
	    outbound_cc_check(ob, c, p, cc, cc_bases, done, &bad_cc, f) < 0)
		goto out;
	if (!ok || bad_cc != NULL) {
		char *line = !ok ? g_strdup_printf("#assign %s", p->cmd.assign) : g_strdup_printf("#cc %.*s",
			     (int)strcspn(bad_cc, " "), bad_cc);

		ret = outbound_agent_error(ob, c, mail, line, !ok ? "no such active agent" : bad_cc, f);
		g_free(line);
		goto out;
	}
	if (outbound_merge_check(ob, c, mail, p, &ok, f) < 0)
		goto out;
	if (ok && p->cmd.notspam && outbound_notspam(ob, c, mail, p, done, f) < 0)
		goto out;
	if (!ok) {
		ret = 0;
		goto out;
	}
	if (react == REACT_RELAY) {
		if (outbound_own_mail(ob, c, p->answer, &answer, token, f) < 0)
			goto out;
		if (token[0] != '\0') {
			ret = outbound_refused(ob, c, mail, token, f);
			goto out;
		}
	}
	/* the watchers first: an answer in the same mail reaches those it copies */
	if (outbound_cc_apply(ob, c, mail, p, cc, cc_bases, done, f) < 0)
		goto out;
	if (react == REACT_RELAY) {
		/* nothing but our own mail quoted, and no file: nothing to relay */
		if (*answer == '\0' && !outbound_relayable_files(ob, mail))
			react = REACT_COMMANDS;
		else if (outbound_relay(ob, c, mail, p, answer, f) < 0)
			goto out;
	}
	if (outbound_commands(ob, c, mail, p, react == REACT_RELAY, assignee, done, f) < 0)
		goto out;
	if (react == REACT_NOTE)
		ret = outbound_notify(ob, c, mail, p, f);
	else if (react == REACT_ATTACHMENTS)
		ret = outbound_attachments(ob, c, mail, p, f);
	else
		ret = 0;
	/* the merge last: what was made above is of this case, and moves with it */
	if (ret == 0)
		ret = outbound_merge(ob, c, mail, p, done, f);
	if (ret == 0 && react == REACT_COMMANDS)
		ret = outbound_to_author(ob, c, mail, "agent-done", "agent_done", true, g_steal_pointer(&done), f);
	if (ret == 0 && assignee > 0 && assignee != c->info.assignee_id && assignee != p->agent_id)
		ret = outbound_assigned(ob, c, mail->from_addr, assignee, f);
out:
	template_vars_free(&done);
	g_free(answer);
	g_free(bad_cc);
	g_ptr_array_free(cc, TRUE);
	g_ptr_array_free(cc_bases, TRUE);
	return ret;
}

/* Mail each agent of the list to (NULL-terminated, each once) a notice
 * about the case with template (kind in the outbox), the variables of v
 * added to every mail's (v freed here), with the agent Reply-To token and
 * the one-click actions: a reply to a notice acts on the case. */
static int outbound_agent_notice(struct outbound *ob, const struct outbound_case *c, const char *kind,
				 const char *template, const char *const *to, struct template_vars *v,
				 struct fault *f)
{
	char *reply_to = NULL, *note = NULL, *name = NULL, *assignee = NULL;
	int i, ret;

	ret = store_agent_get(ob->db, c->info.assignee_id, &name, &assignee, f);
	if (ret == 0 && (outbound_token_addr(ob, c, TOKEN_ROLE_AGENT, &reply_to, f) < 0 ||
			 outbound_token_addr(ob, c, TOKEN_ROLE_NOTE, &note, f) < 0))
		ret = -1;
	for (i = 0; to[i] != NULL && ret == 0; i++) {
		const char *one[2] = { to[i], NULL };
		struct outbound_mail m = {
			.kind = kind, .msg_kind = MSG_SYSTEM, .template = template,
			.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
			.reply_to = reply_to, .to = one, .envelope_from = c->info.queue_addr,
			.auto_submitted = "auto-generated",
		};

		template_vars_set(v, "assignee", assignee);
		template_vars_set(v, "assign_url", NULL);	/* set again unless to[i] is the assignee */
		outbound_actions(v, ob->cfg->helpdesk_name, c->id, c->info.subject, reply_to, note,
				 g_strcmp0(assignee, to[i]) != 0);
		ret = outbound_send(ob, c, &m, v, f);
	}
	template_vars_free(&v);
	g_free(name);
	g_free(assignee);
	g_free(reply_to);
	g_free(note);
	return ret;
}

/* Add addr to the list to unless it is there (case-folded addresses). */
static void outbound_add_once(GPtrArray *to, const char *addr)
{
	guint i;

	for (i = 0; i < to->len; i++)
		if (strcmp(g_ptr_array_index(to, i), addr) == 0)
			return;
	g_ptr_array_add(to, g_strdup(addr));
}

/* Mail to an address of the case failed (a delivery report): the
 * assignee, else the queue's agents, are told once per address, with the
 * reason the report gave. */
static int outbound_bounce(struct outbound *ob, const struct outbound_case *c, const struct deliver_plan *p,
			   struct fault *f)
{
	GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
	struct template_vars *v;
	bool first;
	int ret;

	ret = store_case_told(ob->db, c->info.id, EV_BOUNCE_NOTICE, p->bounced_addr, &first, f);
	if (ret == 0 && first)
		ret = store_agents_to_escalate(ob->db, c->info.id, to, f);
	if (ret == 0 && first && to->len > 0) {
		g_ptr_array_add(to, NULL);
		v = outbound_vars(ob, c);
		template_vars_set(v, "bounced_address", p->bounced_addr);
		template_vars_set(v, "reason", p->bounce_detail);
		template_vars_set(v, "bounced_customer",
				  g_strcmp0(p->bounced_addr, c->info.customer_email) == 0 ? "yes" : NULL);
		ret = outbound_agent_notice(ob, c, "bounce-notice", "bounce_notice", (const char *const *)to->pdata, v, f);
	}
	g_ptr_array_free(to, TRUE);
	return ret;
}

/* A survey rating of DELIVER_LOW_RATING or less: the assignee (else the
 * queue's agents) and the queue's escalation address are told, with the
 * comment, once per case and rating. */
static int outbound_low_rating(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			       const struct deliver_plan *p, struct fault *f)
{
	GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
	char rating[24], *escalate_to = NULL;
	struct template_vars *v;
	bool first;
	int ret;

	snprintf(rating, sizeof(rating), "%d", p->rating);
	ret = store_case_told(ob->db, c->info.id, EV_LOW_RATING_NOTICE, rating, &first, f);
	if (ret == 0 && first && (store_agents_to_escalate(ob->db, c->info.id, to, f) < 0 ||
				  store_queue_escalate_to(ob->db, c->info.queue_id, &escalate_to, f) < 0))
		ret = -1;
	if (escalate_to != NULL)
		outbound_add_once(to, escalate_to);
	if (ret == 0 && first && to->len > 0) {
		g_ptr_array_add(to, NULL);
		v = outbound_vars(ob, c);
		template_vars_set(v, "rating", rating);
		template_vars_set(v, "rating_max", G_STRINGIFY(TOKEN_RATING_MAX));
		template_vars_set(v, "comment", p->rating_comment);
		template_vars_set(v, "rated_by", mail->from_addr);
		ret = outbound_agent_notice(ob, c, "low-rating", "low_rating", (const char *const *)to->pdata, v, f);
	}
	g_free(escalate_to);
	g_ptr_array_free(to, TRUE);
	return ret;
}

int outbound_assigned_notice(struct outbound *ob, long long case_id, long long agent_id, const char *by,
			     struct fault *f)
{
	struct outbound_case c = { 0 };
	int ret;

	if (outbound_load(ob, case_id, &c, f) < 0)
		return -1;
	ret = outbound_assigned(ob, &c, by, agent_id, f);
	outbound_case_clear(&c);
	return ret;
}

/* ---- part intake (issue 15): spam set right, oversized mail answered ---- */

/* Tell the sender of an oversized mail (head: its beginning, NULL when
 * unreadable) that it was too large and what the limit is, once, within
 * the daily limit of automatic mail; a too-large event says what was done. */
static int outbound_too_large(struct outbound *ob, const struct outbound_case *c, const struct mail *head,
			      const struct deliver_plan *p, struct fault *f)
{
	const char *to[2] = { p->too_large_to, NULL };
	struct template_vars *v;
	char limit[32], size[32], *reply_to = NULL, *detail;
	bool ok = false;
	int ret;

	duration_format_size(ob->cfg->max_message_size, limit, sizeof(limit));
	duration_format_size((long long)p->oversized, size, sizeof(size));
	if (p->too_large_to != NULL && outbound_rate_ok(ob, p->too_large_to, &ok, f) < 0)
		return -1;
	if (!ok) {
		detail = g_strdup_printf("%s, over the limit of %s: sender not told (%s)", size, limit,
					 p->too_large_to ? "daily limit of automatic mail to this address reached" :
					 p->too_large_skip);
		ret = store_event(ob->db, c->info.id, EV_TOO_LARGE, "system", detail, f);
		g_free(detail);
		return ret;
	}
	if (outbound_token_addr(ob, c, TOKEN_ROLE_CUSTOMER, &reply_to, f) < 0)
		return -1;
	v = outbound_vars(ob, c);
	template_vars_set(v, "limit", limit);
	template_vars_set(v, "size", size);
	{
		struct outbound_mail m = {
			.kind = "too-large", .msg_kind = MSG_AUTO, .template = "too_large", .language = c->info.language,
			.from_name = ob->cfg->helpdesk_name, .reply_to = reply_to, .to = to,
			.envelope_from = "",	/* RFC 3834 */
			.in_reply_to = head ? head->message_id : NULL, .auto_submitted = "auto-replied",
		};

		ret = outbound_send(ob, c, &m, v, f);
	}
	template_vars_free(&v);
	g_free(reply_to);
	if (ret < 0)
		return -1;
	detail = g_strdup_printf("%s, over the limit of %s: %s told", size, limit, p->too_large_to);
	ret = store_event(ob->db, c->info.id, EV_TOO_LARGE, "system", detail, f);
	g_free(detail);
	return ret;
}

int outbound_unspam(struct outbound *ob, long long case_id, const char *actor, long long agent_id, bool *was_r,
		    struct fault *f)
{
	struct deliver_plan p = { 0 };
	struct mail *m = NULL;
	struct fault bad;
	unsigned char *raw = NULL;
	char *queue_addr = NULL, *sender = NULL;
	long long row;
	size_t len;
	int ret;

	if (store_case_unspam(ob->db, case_id, was_r, f) < 0)
		return -1;
	if (!*was_r)
		return 0;
	if (store_event(ob->db, case_id, EV_NOT_SPAM, actor, "acknowledged and notified now", f) < 0 ||
	    sla_refresh(ob->db, case_id, 0, f) < 0 || store_case_first_mail(ob->db, case_id, &row, &sender, &queue_addr, f) < 0)
		return -1;
	ret = 0;
	if (ob->ring != NULL && row != 0)
		ret = store_message_raw(ob->db, row, &raw, &len, f);
	if (ret == 0 && raw != NULL && mail_parse((const char *)raw, len, &m, &bad) == 0) {
		struct classify_result cls;

		classify_mail(m, sender, queue_addr, &cls);
		p.reaction = REACT_CUSTOMER;
		p.ack = cls.kind == CLASSIFY_NORMAL && !cls.no_auto_reply;
		p.notify_template = "notify_new";
		p.notify_body = m->body_text;
		p.agent_id = agent_id;
		ret = outbound_react(ob, case_id, m, &p, f);
	}
	mail_free(&m);
	if (raw != NULL)
		PQfreemem(raw);
	g_free(queue_addr);
	g_free(sender);
	return ret;
}

int outbound_react(struct outbound *ob, long long case_id, const struct mail *mail,
		   const struct deliver_plan *p, struct fault *f)
{
	struct outbound_case c = { 0 };
	int ret = 0;

	if (p->reaction == REACT_NONE)
		return 0;
	if (outbound_load(ob, case_id, &c, f) < 0)
		return -1;
	switch (p->reaction) {
	case REACT_NONE:
		break;
	case REACT_CUSTOMER:
		if (p->ack)
			ret = outbound_ack(ob, &c, mail, f);
		if (ret == 0)
			ret = outbound_notify(ob, &c, mail, p, f);
		break;
	case REACT_COMMAND_ERROR:
		ret = outbound_agent_error(ob, &c, mail, p->cmd.error_line, p->cmd.error, f);
		break;
	case REACT_NOTE:
	case REACT_RELAY:
	case REACT_COMMANDS:
	case REACT_ATTACHMENTS:
		ret = outbound_agent_mail(ob, &c, mail, p, f);
		break;
	case REACT_UNVERIFIED:
		ret = outbound_unverified(ob, &c, mail, p->answer, f);
		break;
	case REACT_BOUNCE:
		ret = outbound_bounce(ob, &c, p, f);
		break;
	case REACT_LOW_RATING:
		ret = outbound_low_rating(ob, &c, mail, p, f);
		break;
	case REACT_TOO_LARGE:
		ret = outbound_notify(ob, &c, mail, p, f);
		if (ret == 0)
			ret = outbound_too_large(ob, &c, mail, p, f);
		break;
	}
	outbound_case_clear(&c);
	return ret;
}

int outbound_escalation(struct outbound *ob, long long case_id, int level,
			const struct outbound_overdue *overdue, const char *const *to, struct fault *f)
{

	struct outbound_case c = { 0 };
	struct template_vars *v;
	char lv[8];
	int ret;

	if (outbound_load(ob, case_id, &c, f) < 0)
		return -1;
	snprintf(lv, sizeof(lv), "%d", level);
	v = outbound_vars(ob, &c);
	template_vars_set(v, "level", lv);
	template_vars_set(v, "missed_first", strcmp(overdue->missed, "first") == 0 ? "yes" : "");
	template_vars_set(v, "missed_next", strcmp(overdue->missed, "next") == 0 ? "yes" : "");
	template_vars_set(v, "missed_resolution", strcmp(overdue->missed, "resolution") == 0 ? "yes" : "");
	template_vars_set(v, "late", overdue->late);
	template_vars_set(v, "business", overdue->business ? "yes" : "");
	template_vars_set(v, "due", overdue->due);
	/* a reply to an escalation is agent mail: an answer, commands */
	ret = outbound_agent_notice(ob, &c, "escalation", "escalation", to, v, f);
	outbound_case_clear(&c);
	return ret;
}

/* Add the survey's rating addresses to v, best first. */
static int outbound_ratings(struct outbound *ob, const struct outbound_case *c, struct template_vars *v,
			    struct fault *f)
{
	int rating;

	for (rating = TOKEN_RATING_MAX; rating >= 1; rating--) {
		struct template_vars *item = template_vars_add(v, "rating");
		char role[4], label[4], *addr;

		token_rating_role(rating, role);
		if (outbound_token_addr(ob, c, role, &addr, f) < 0)
			return -1;
		snprintf(label, sizeof(label), "%d", rating);
		template_vars_set(item, "label", label);
		template_vars_set(item, "address", addr);
		g_free(addr);
	}
	return 0;
}

int outbound_customer_notice(struct outbound *ob, long long case_id, const char *template, long long days,
			     bool *sent_r, struct fault *f)
{
	struct outbound_case c = { 0 };
	GPtrArray *refs = g_ptr_array_new_with_free_func(g_free);
	struct template_vars *v = NULL;
	char *reply_to = NULL, *irt = NULL, dw[24];
	const char *skip = NULL;
	bool ok = false;
	int ret = -1;

	*sent_r = false;
	if (outbound_load(ob, case_id, &c, f) < 0)
		goto out;
	if (c.info.customer_email == NULL || classify_robot_address(c.info.customer_email))
		skip = "no address to write to";
	else if (c.info.bounced)
		skip = "the customer's address bounced";
	else if (outbound_rate_ok(ob, c.info.customer_email, &ok, f) < 0)
		goto out;
	else if (!ok)
		skip = "daily limit of automatic mail to this address reached";
	if (skip != NULL) {
		char *detail = g_strdup_printf("%s not sent: %s", template, skip);

		ret = store_event(ob->db, case_id, EV_MAIL_SKIPPED, "system", detail, f);
		g_free(detail);
		goto out;
	}
	if (outbound_conversation(ob, &c, refs, &irt, f) < 0 ||
	    outbound_token_addr(ob, &c, TOKEN_ROLE_CUSTOMER, &reply_to, f) < 0)
		goto out;
	v = outbound_vars(ob, &c);
	snprintf(dw, sizeof(dw), "%lld", days);
	template_vars_set(v, "days_waiting", dw);
	if (strcmp(template, "resolved_survey") == 0 && outbound_ratings(ob, &c, v, f) < 0)
		goto out;
	{
		const char *to[2] = { c.info.customer_email, NULL };
		struct outbound_mail m = {
			.kind = template, .msg_kind = MSG_AUTO, .template = template, .language = c.info.language,
			.from_name = ob->cfg->helpdesk_name, .reply_to = reply_to, .to = to,
			.envelope_from = "",	/* automatic: no bounce loops (RFC 3834) */
			.in_reply_to = irt, .references = (const char *const *)refs->pdata,
			.auto_submitted = "auto-generated",
		};

		ret = outbound_send(ob, &c, &m, v, f);
		*sent_r = ret == 0;
	}
out:
	template_vars_free(&v);
	g_ptr_array_free(refs, TRUE);
	g_free(reply_to);
	g_free(irt);
	outbound_case_clear(&c);
	return ret;
}

/* ---- part admin (issue 15): cases handed back to their queue ------------ */

/* Add the listed case id to the handed_back mail's cases. */
static int outbound_handed_back_item(struct outbound *ob, struct template_vars *v, long long id, struct fault *f)
{
	struct outbound_case c = { 0 };
	struct template_vars *item;
	char *agent = NULL, *note = NULL;
	int ret = -1;

	if (outbound_load(ob, id, &c, f) < 0 || outbound_token_addr(ob, &c, TOKEN_ROLE_AGENT, &agent, f) < 0 ||
	    outbound_token_addr(ob, &c, TOKEN_ROLE_NOTE, &note, f) < 0)
		goto out;
	item = template_vars_add(v, "cases");
	template_vars_set(item, "id", c.id);
	template_vars_set(item, "subject", c.info.subject);
	template_vars_set(item, "customer", c.info.customer_email);
	template_vars_set(item, "status", model_status_name(c.info.status));
	outbound_actions(item, ob->cfg->helpdesk_name, c.id, c.info.subject, agent, note, true);
	ret = 0;
out:
	g_free(agent);
	g_free(note);
	outbound_case_clear(&c);
	return ret;
}

int outbound_handed_back(struct outbound *ob, const long long *cases, size_t n, const char *agent_name,
			 const char *agent_email, int *told_r, struct fault *f)
{
	struct outbound_case first = { 0 };
	struct template_vars *v = NULL;
	GPtrArray *to = g_ptr_array_new();
	PGresult *agents = NULL;
	char *reply_to = NULL, *escalate_to = NULL, count[24], more[24];
	size_t i;
	int ret = -1;

	*told_r = 0;
	if (n == 0) {
		g_ptr_array_free(to, TRUE);
		return 0;
	}
	if (outbound_load(ob, cases[0], &first, f) < 0)
		goto out;
	agents = store_agents_to_notify(ob->db, first.info.queue_id, 0, 0, false, f);
	if (agents == NULL)
		goto out;
	for (i = 0; i < (size_t)PQntuples(agents); i++)
		g_ptr_array_add(to, PQgetvalue(agents, (int)i, 0));
	/* nobody left in the queue: its escalation address, when it has one */
	if (to->len == 0 && store_queue_escalate_to(ob->db, first.info.queue_id, &escalate_to, f) < 0)
		goto out;
	if (to->len == 0 && escalate_to != NULL)
		g_ptr_array_add(to, escalate_to);
	ret = 0;
	if (to->len == 0)
		goto out;	/* nobody to tell */
	g_ptr_array_add(to, NULL);
	/* a reply is agent mail on the first case: #assign me takes it */
	ret = outbound_token_addr(ob, &first, TOKEN_ROLE_AGENT, &reply_to, f);
	v = outbound_vars(ob, &first);
	template_vars_set(v, "agent_name", agent_name);
	template_vars_set(v, "agent_email", agent_email);
	snprintf(count, sizeof(count), "%zu", n);
	template_vars_set(v, "count", count);
	snprintf(more, sizeof(more), "%zu", n > OUTBOUND_HANDED_BACK_LISTED ? n - OUTBOUND_HANDED_BACK_LISTED : 0);
	template_vars_set(v, "more", n > OUTBOUND_HANDED_BACK_LISTED ? more : NULL);
	for (i = 0; ret == 0 && i < n && i < OUTBOUND_HANDED_BACK_LISTED; i++)
		ret = outbound_handed_back_item(ob, v, cases[i], f);
	if (ret == 0) {
		struct outbound_mail m = {
			.kind = "handed-back", .msg_kind = MSG_SYSTEM, .template = "handed_back",
			.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
			.reply_to = reply_to, .to = (const char *const *)to->pdata,
			.envelope_from = first.info.queue_addr, .auto_submitted = "auto-generated",
		};

		ret = outbound_send(ob, &first, &m, v, f);
		if (ret == 0)
			*told_r = escalate_to != NULL ? -1 : (int)to->len - 1;
	}
out:
	template_vars_free(&v);
	g_free(reply_to);
	g_free(escalate_to);
	PQclear(agents);
	g_ptr_array_free(to, TRUE);
	outbound_case_clear(&first);
	return ret;
}
