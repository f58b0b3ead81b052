/* outbound.c: acknowledgments, agent notifications, relayed answers and
 * agents' #commands (DESIGN.md, "Agents" and "Mail etiquette"). All of it
 * runs in deliver's transaction: outbox rows, outgoing messages, events and
 * case changes commit together with the incoming message or not at all. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentcmd.h"
#include "classify.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "deliver_plan.h"
#include "duration.h"
#include "mail.h"
#include "outbound.h"
#include "outbox.h"
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

/* Tell agents about a message with template: the assignee, else the
 * queue's agents (all of them for a note); never the author. */
static int outbound_notify(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			   const struct deliver_plan *p, struct fault *f)
{
	char *reply_to = NULL, *note = NULL, *from_name, *assignee = NULL, *assignee_name = NULL;
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
	    (c->info.assignee_id != 0 && store_agent_get(ob->db, c->info.assignee_id, &assignee_name, &assignee, f) < 0)) {
		PQclear(res);
		g_free(reply_to);
		g_free(note);
		return -1;
	}
	from_name = g_strdup_printf("%s via %s", mail->from_name ? mail->from_name :
				    mail->from_addr ? mail->from_addr : "Customer", ob->cfg->helpdesk_name);
	for (i = 0; i < PQntuples(res) && ret == 0; i++) {
		const char *to[2] = { PQgetvalue(res, i, 0), NULL };
		struct template_vars *v = outbound_vars(ob, c);
		guint k;

		template_vars_set(v, "agent_name", PQgetvalue(res, i, 1));
		template_vars_set(v, "message_from", mail->from_addr);
		template_vars_set(v, "message_body", p->notify_body);
		outbound_actions(v, ob->cfg->helpdesk_name, c->id, c->info.subject, reply_to, note,
				 g_strcmp0(assignee, to[0]) != 0);
		for (k = 0; k < mail->attachments->len; k++) {
			const struct mail_attachment *a = g_ptr_array_index(mail->attachments, k);
			struct template_vars *item = template_vars_add(v, "attachments");
			char size[24];

			snprintf(size, sizeof(size), "%zu", g_bytes_get_size(a->content));
			template_vars_set(item, "filename", a->filename ? a->filename : "(no name)");
			template_vars_set(item, "size", size);
		}
		{
			struct outbound_mail m = {
				.kind = "notify", .msg_kind = MSG_SYSTEM, .template = p->notify_template,
				.language = ob->cfg->default_language, .from_name = from_name,
				.reply_to = reply_to, .to = to, .envelope_from = c->info.queue_addr,
				.in_reply_to = mail->message_id, .auto_submitted = "auto-generated",
			};

			ret = outbound_send(ob, c, &m, v, f);
		}
		template_vars_free(&v);
	}
	PQclear(res);
	g_free(from_name);
	g_free(reply_to);
	g_free(note);
	g_free(assignee);
	g_free(assignee_name);
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

/* Relay an agent's answer to the customer and the watchers. */
static int outbound_relay(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			  const struct deliver_plan *p, struct fault *f)
{
	GPtrArray *cc = g_ptr_array_new_with_free_func(g_free), *refs = g_ptr_array_new_with_free_func(g_free);
	const char *to[2] = { c->info.customer_email, NULL };
	char *reply_to = NULL, *from_name = NULL, *irt = NULL, *name = NULL, *email = NULL;
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
	    store_agent_get(ob->db, p->agent_id, &name, &email, f) < 0)
		goto out;
	from_name = g_strdup_printf("%s via %s", name ? name : "Agent", ob->cfg->helpdesk_name);
	v = outbound_vars(ob, c);
	template_vars_set(v, "agent_name", name ? name : "");
	template_vars_set(v, "answer", p->answer);
	{
		struct outbound_mail m = {
			.kind = "reply", .msg_kind = MSG_AGENT, .template = "reply", .language = c->info.language,
			.from_name = from_name, .reply_to = reply_to, .to = to,
			.cc = (const char *const *)cc->pdata, .envelope_from = c->info.queue_addr,
			.in_reply_to = irt, .references = (const char *const *)refs->pdata, .body_text = p->answer,
		};

		ret = outbound_send(ob, c, &m, v, f);
	}
	template_vars_free(&v);
out:
	g_ptr_array_free(cc, TRUE);
	g_ptr_array_free(refs, TRUE);
	g_free(reply_to);
	g_free(from_name);
	g_free(irt);
	g_free(name);
	g_free(email);
	return ret;
}

/* Mail the author of an agent's mail about it with template (kind in
 * the outbox), its variables in v (freed here). */
static int outbound_to_author(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			      const char *kind, const char *template, struct template_vars *v, struct fault *f)
{
	const char *to[2] = { mail->from_addr, NULL };
	struct outbound_mail m = {
		.kind = kind, .msg_kind = MSG_SYSTEM, .template = template,
		.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
		.to = to, .envelope_from = "", .in_reply_to = mail->message_id,
		.auto_submitted = "auto-replied",
	};
	int ret = outbound_send(ob, c, &m, v, f);

	template_vars_free(&v);
	return ret;
}

/* Tell an agent that the #commands of their mail were not understood. */
static int outbound_agent_error(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
				const char *error, struct fault *f)
{
	struct template_vars *v = outbound_vars(ob, c);

	template_vars_set(v, "error", error);
	template_vars_set(v, "command", error);
	if (outbound_to_author(ob, c, mail, "agent-error", "agent_error", v, f) < 0)
		return -1;
	return store_event(ob->db, c->info.id, EV_COMMAND_ERROR, mail->from_addr, error, f);
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
	return outbound_to_author(ob, c, mail, "agent-unverified", "agent_unverified", v, f);
}

/* Apply an agent's #status, #priority and #assign, each with an event;
 * an answer to the customer makes the case pending unless #status says
 * otherwise, stops the first-response clock and ends an escalation round
 * (breaches until now are dealt with; a later one starts a new round). */
static int outbound_commands(struct outbound *ob, const struct outbound_case *c, const struct mail *mail,
			     const struct deliver_plan *p, struct fault *f)
{
	const struct agentcmd *cmd = &p->cmd;
	bool relayed = p->reaction == REACT_RELAY;
	const char *who = mail->from_addr;
	enum case_status status = CASE_PENDING;
	bool set_status = relayed;

	if (cmd->assign != NULL) {
		bool found;

		if (store_case_assign_active(ob->db, c->info.id, cmd->assign, &found, f) < 0)
			return -1;
		if (!found)
			return outbound_agent_error(ob, c, mail, "#assign: no such active agent", f);
		if (store_event(ob->db, c->info.id, EV_ASSIGNED, who, cmd->assign, f) < 0)
			return -1;
	} else if (relayed && c->info.assignee_id == 0) {
		if (store_case_assign_id(ob->db, c->info.id, p->agent_id, f) < 0 ||
		    store_event(ob->db, c->info.id, EV_ASSIGNED, who, who, f) < 0)
			return -1;
	}
	if (cmd->set_priority &&
	    (store_case_set_priority(ob->db, c->info.id, cmd->priority, f) < 0 ||
	     store_event(ob->db, c->info.id, EV_PRIORITY, who, model_priority_name(cmd->priority), f) < 0))
		return -1;
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
		g_free(detail);
		if (r < 0)
			return -1;
	}
	return 0;
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
		ret = outbound_agent_error(ob, &c, mail, p->cmd.error, f);
		break;
	case REACT_NOTE:
		ret = outbound_commands(ob, &c, mail, p, f);
		if (ret == 0)
			ret = outbound_notify(ob, &c, mail, p, f);
		break;
	case REACT_RELAY:
		ret = outbound_relay(ob, &c, mail, p, f);
		if (ret == 0)
			ret = outbound_commands(ob, &c, mail, p, f);
		break;
	case REACT_UNVERIFIED:
		ret = outbound_unverified(ob, &c, mail, p->answer, f);
		break;
	}
	outbound_case_clear(&c);
	return ret;
}

int outbound_escalation(struct outbound *ob, long long case_id, int level, const char *reason,
			const char *const *to, struct fault *f)
{
	struct outbound_case c = { 0 };
	struct template_vars *v;
	char lv[8], *name = NULL, *assignee = NULL, *reply_to = NULL, *note = NULL;
	int i, ret;

	if (outbound_load(ob, case_id, &c, f) < 0)
		return -1;
	snprintf(lv, sizeof(lv), "%d", level);
	ret = store_agent_get(ob->db, c.info.assignee_id, &name, &assignee, f);
	/* a reply to an escalation is agent mail: an answer, commands */
	if (ret == 0 && (outbound_token_addr(ob, &c, TOKEN_ROLE_AGENT, &reply_to, f) < 0 ||
			 outbound_token_addr(ob, &c, TOKEN_ROLE_NOTE, &note, f) < 0))
		ret = -1;
	for (i = 0; to[i] != NULL && ret == 0; i++) {
		const char *one[2] = { to[i], NULL };
		struct outbound_mail m = {
			.kind = "escalation", .msg_kind = MSG_SYSTEM, .template = "escalation",
			.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
			.reply_to = reply_to, .to = one, .envelope_from = c.info.queue_addr,
			.auto_submitted = "auto-generated",
		};

		v = outbound_vars(ob, &c);
		template_vars_set(v, "level", lv);
		template_vars_set(v, "reason", reason);
		template_vars_set(v, "assignee", assignee);
		outbound_actions(v, ob->cfg->helpdesk_name, c.id, c.info.subject, reply_to, note,
				 g_strcmp0(assignee, to[i]) != 0);
		ret = outbound_send(ob, &c, &m, v, f);
		template_vars_free(&v);
	}
	g_free(name);
	g_free(assignee);
	g_free(reply_to);
	g_free(note);
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
