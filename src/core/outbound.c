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
#include "duration.h"
#include "mail.h"
#include "outbound.h"
#include "outbox.h"
#include "quote.h"
#include "sla.h"
#include "template.h"
#include "token.h"

/* The case as the templates and addresses need it. */
struct outbound_case {
	char id[24];
	char *subject, *status;
	char *customer_email, *customer_name, *language;
	char *queue_id, *queue_name, *queue_addr, *domain, *local;
	long long first_response_s;
	long long assignee_id;
	bool bounced;			/* the customer's address bounced */
};

/* Free what a case record holds. */
static void outbound_case_clear(struct outbound_case *c)
{
	g_free(c->subject);
	g_free(c->status);
	g_free(c->customer_email);
	g_free(c->customer_name);
	g_free(c->language);
	g_free(c->queue_id);
	g_free(c->queue_name);
	g_free(c->queue_addr);
	g_free(c->domain);
	g_free(c->local);
}

/* Load the case (locked by deliver already). */
static int outbound_load(struct outbound *ob, long long case_id, struct outbound_case *c, struct fault *f)
{
	PGresult *res;
	char *at;

	snprintf(c->id, sizeof(c->id), "%lld", case_id);
	res = db_exec(ob->db,
		      "SELECT c.subject, c.status, cu.email, cu.name,"
		      " coalesce(cu.language, q.language, $2), q.id, q.name, q.address,"
		      " coalesce(q.first_response_s, 0), coalesce(c.assignee_id, 0), cu.bounced_at IS NOT NULL"
		      " FROM cases c JOIN queues q ON q.id = c.queue_id"
		      " LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1",
		      2, (const char *[]){ c->id, ob->cfg->default_language }, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return fault_perm(f, "case %s vanished", c->id);
	}
	c->subject = g_strdup(db_value(res, 0, 0));
	c->status = g_strdup(db_value(res, 0, 1));
	c->customer_email = g_strdup(db_value(res, 0, 2));
	c->customer_name = g_strdup(db_value(res, 0, 3));
	c->language = g_strdup(db_value(res, 0, 4));
	c->queue_id = g_strdup(db_value(res, 0, 5));
	c->queue_name = g_strdup(db_value(res, 0, 6));
	c->queue_addr = g_strdup(db_value(res, 0, 7));
	c->first_response_s = atoll(PQgetvalue(res, 0, 8));
	c->assignee_id = atoll(PQgetvalue(res, 0, 9));
	c->bounced = strcmp(PQgetvalue(res, 0, 10), "t") == 0;
	PQclear(res);
	at = strrchr(c->queue_addr, '@');
	c->local = g_strndup(c->queue_addr, (gsize)(at - c->queue_addr));
	c->domain = g_strdup(at + 1);
	return 0;
}

/* The queue's address with a signed token for role: local+TOKEN@domain. */
static int outbound_token_addr(struct outbound *ob, const struct outbound_case *c, const char *role,
			       char **addr_r, struct fault *f)
{
	char token[TOKEN_MAX];

	if (token_make(ob->ring, atoll(c->id), role, token, f) < 0)
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
	template_vars_set(v, "case_subject", c->subject);
	template_vars_set(v, "queue_name", c->queue_name);
	template_vars_set(v, "customer_name", c->customer_name);
	template_vars_set(v, "customer_email", c->customer_email);
	template_vars_set(v, "language", c->language);
	return v;
}

static int outbound_event_row(struct outbound *ob, const struct outbound_case *c, const char *type,
			      const char *actor, const char *detail, struct fault *f);

/* One outgoing mail: who, which template, threading and automatic flags. */
struct outbound_mail {
	const char *kind;		/* outbox kind: ack, notify, reply, agent-error */
	const char *msg_kind;		/* messages.kind: auto, system, agent */
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
	const char *rcpts[64];
	int ret = -1, i;

	for (i = 0; m->to[i] != NULL && nrcpt < 32; i++)
		rcpts[nrcpt++] = m->to[i];
	for (i = 0; m->cc != NULL && m->cc[i] != NULL && nrcpt < 64; i++)
		rcpts[nrcpt++] = m->cc[i];
	if (template_render(override, builtin, m->language, ob->cfg->default_language, m->template, vars, &r, f) < 0) {
		/* A broken or missing template must not hold up the intake: the
		 * message is stored, the case says which mail was not made. */
		if (f->kind == FAULT_PERMANENT) {
			char *detail = g_strdup_printf("%s not sent: %s", m->kind, f->text);

			ret = outbound_event_row(ob, c, "mail-skipped", "system", detail, f);
			g_free(detail);
		}
		goto out;
	}
	if (token_message_id(ob->ring, atoll(c->id), c->domain, &msgid, f) < 0)
		goto out;
	{
		struct compose comp = {
			.from_name = m->from_name, .from_addr = c->queue_addr, .reply_to = m->reply_to,
			.to = m->to, .cc = m->cc, .subject = r.subject, .text = r.text, .html = r.html,
			.message_id = msgid, .in_reply_to = m->in_reply_to, .references = m->references,
			.auto_submitted = m->auto_submitted, .loop = c->queue_addr, .language = m->language,
		};

		if (compose_build(&comp, &raw, &len, f) < 0)
			goto out;
	}
	if (outbox_add(ob->db, atoll(c->id), m->kind, m->envelope_from, rcpts, nrcpt, raw, len,
		       ob->send_now ? outbox_lease(ob->cfg) : 0, &outbox_id, f) < 0)
		goto out;
	g_array_append_val(ob->queued, outbox_id);
	to = g_strjoinv(", ", (char **)m->to);
	{
		const char *p[9] = { c->id, c->queue_id, m->msg_kind, c->queue_addr, to, r.subject, msgid,
				     raw, m->body_text ? m->body_text : r.text };
		const int l[9] = { 0, 0, 0, 0, 0, 0, 0, (int)len, 0 }, b[9] = { 0, 0, 0, 0, 0, 0, 0, 1, 0 };
		PGresult *res = db_exec_bin(ob->db,
			"INSERT INTO messages (case_id, queue_id, direction, kind, from_addr, to_addrs, subject,"
			" message_id, raw, body_text) VALUES ($1, $2, 'out', $3, $4, $5, $6, $7, $8, $9)",
			9, p, l, b, f);

		if (res == NULL)
			goto out;
		PQclear(res);
	}
	ret = 0;
out:
	template_result_clear(&r);
	g_free(msgid);
	g_free(raw);
	g_free(to);
	return ret;
}

/* Record an event on the case. */
static int outbound_event_row(struct outbound *ob, const struct outbound_case *c, const char *type,
			      const char *actor, const char *detail, struct fault *f)
{
	return db_run(ob->db, "INSERT INTO events (case_id, type, actor, detail) VALUES ($1, $2, $3, $4)",
		      4, (const char *[]){ c->id, type, actor, detail }, f);
}

/* Count one automatic mail to addr today; false when over the daily limit. */
static int outbound_rate_ok(struct outbound *ob, const char *addr, bool *ok_r, struct fault *f)
{
	PGresult *res = db_exec(ob->db,
				"INSERT INTO auto_mail_counts (address, day, count) VALUES ($1, current_date, 1)"
				" ON CONFLICT (address, day) DO UPDATE SET count = auto_mail_counts.count + 1"
				" RETURNING count", 1, (const char *[]){ addr }, f);

	if (res == NULL)
		return -1;
	*ok_r = atoll(PQgetvalue(res, 0, 0)) <= ob->cfg->auto_reply_limit;
	PQclear(res);
	return 0;
}

/* Acknowledge a new case to the customer, unless etiquette forbids it. */
static int outbound_ack(struct outbound *ob, const struct outbound_case *c, const struct outbound_event *ev,
			struct fault *f)
{
	const struct mail *mail = ev->mail;
	const char *to[2] = { c->customer_email, NULL };
	GPtrArray *refs = g_ptr_array_new();
	struct template_vars *v;
	char *reply_to = NULL, dur[32];
	bool ok;
	guint i;
	int ret;

	if (c->customer_email == NULL || classify_robot_address(c->customer_email))
		return 0;
	if (outbound_rate_ok(ob, c->customer_email, &ok, f) < 0)
		return -1;
	if (!ok)
		return outbound_event_row(ob, c, "ack-suppressed", "system",
					  "daily limit of automatic mail to this address reached", f);
	if (outbound_token_addr(ob, c, TOKEN_ROLE_CUSTOMER, &reply_to, f) < 0)
		return -1;
	v = outbound_vars(ob, c);
	if (c->first_response_s > 0) {
		duration_format(c->first_response_s, dur, sizeof(dur));
		template_vars_set(v, "first_response", dur);
	}
	for (i = 0; i < mail->references->len; i++)
		g_ptr_array_add(refs, g_ptr_array_index(mail->references, i));
	g_ptr_array_add(refs, NULL);
	{
		struct outbound_mail m = {
			.kind = "ack", .msg_kind = "auto", .template = "ack", .language = c->language,
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

/* Tell agents about a message: the assignee, else the queue's agents; never
 * the author. */
static int outbound_notify(struct outbound *ob, const struct outbound_case *c, const struct outbound_event *ev,
			   const char *template, const char *body, struct fault *f)
{
	char assignee[24], author[24], *reply_to = NULL, *note = NULL, *from_name;
	const struct mail *mail = ev->mail;
	PGresult *res;
	int i, ret = 0;

	snprintf(assignee, sizeof(assignee), "%lld", c->assignee_id);
	snprintf(author, sizeof(author), "%lld", ev->agent_id);
	res = db_exec(ob->db,
		      "SELECT a.email, a.name FROM agents a WHERE a.active AND a.id <> $3 AND"
		      " (a.id = $2 OR ($2 = 0 AND a.id IN (SELECT agent_id FROM agent_queues WHERE queue_id = $1))"
		      " OR ($4 = 'note' AND a.id IN (SELECT agent_id FROM agent_queues WHERE queue_id = $1)))"
		      " ORDER BY a.email",
		      4, (const char *[]){ c->queue_id, assignee, author, ev->kind }, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	if (outbound_token_addr(ob, c, TOKEN_ROLE_AGENT, &reply_to, f) < 0 ||
	    outbound_token_addr(ob, c, TOKEN_ROLE_NOTE, &note, f) < 0) {
		PQclear(res);
		g_free(reply_to);
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
		template_vars_set(v, "message_body", body);
		template_vars_set(v, "note_address", note);
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
				.kind = "notify", .msg_kind = "system", .template = template,
				.language = ob->cfg->default_language, .from_name = from_name,
				.reply_to = reply_to, .to = to, .envelope_from = c->queue_addr,
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
	return ret;
}

/* Thread into the customer's conversation: refs gets the last ten ids but
 * one, oldest first, and a NULL; *irt_r the newest (g_free; NULL if none). */
static int outbound_conversation(struct outbound *ob, const struct outbound_case *c, GPtrArray *refs,
				 char **irt_r, struct fault *f)
{
	PGresult *res = db_exec(ob->db,
		"SELECT message_id FROM (SELECT id, message_id FROM messages WHERE case_id = $1"
		" AND message_id IS NOT NULL AND (direction = 'in' AND kind = 'customer' AND classification = 'normal'"
		" OR direction = 'out' AND kind IN ('auto', 'agent')) ORDER BY id DESC LIMIT 10) s ORDER BY id",
		1, (const char *[]){ c->id }, f);
	int i;

	*irt_r = NULL;
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res) - 1; i++)
		g_ptr_array_add(refs, g_strdup(PQgetvalue(res, i, 0)));
	*irt_r = PQntuples(res) > 0 ? g_strdup(PQgetvalue(res, PQntuples(res) - 1, 0)) : NULL;
	PQclear(res);
	g_ptr_array_add(refs, NULL);
	return 0;
}

/* Relay an agent's answer to the customer and the watchers. */
static int outbound_relay(struct outbound *ob, const struct outbound_case *c, const struct outbound_event *ev,
			  const char *answer, struct fault *f)
{
	GPtrArray *cc = g_ptr_array_new_with_free_func(g_free), *refs = g_ptr_array_new_with_free_func(g_free);
	const char *to[2] = { c->customer_email, NULL };
	char *reply_to = NULL, *from_name = NULL, *irt = NULL, agent[24];
	struct template_vars *v;
	PGresult *res;
	int i, ret = -1;

	snprintf(agent, sizeof(agent), "%lld", ev->agent_id);

	if (c->customer_email == NULL)
		return outbound_event_row(ob, c, "relay-skipped", ev->mail->from_addr,
					  "the case has no customer address", f);
	res = db_exec(ob->db, "SELECT address FROM watchers WHERE case_id = $1 ORDER BY address", 1,
		      (const char *[]){ c->id }, f);
	if (res == NULL)
		goto out;
	for (i = 0; i < PQntuples(res); i++)
		g_ptr_array_add(cc, g_strdup(PQgetvalue(res, i, 0)));
	PQclear(res);
	g_ptr_array_add(cc, NULL);
	if (outbound_conversation(ob, c, refs, &irt, f) < 0 ||
	    outbound_token_addr(ob, c, TOKEN_ROLE_CUSTOMER, &reply_to, f) < 0)
		goto out;
	res = db_exec(ob->db, "SELECT name FROM agents WHERE id = $1", 1, (const char *[]){ agent }, f);
	if (res == NULL)
		goto out;
	from_name = g_strdup_printf("%s via %s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "Agent",
				    ob->cfg->helpdesk_name);
	v = outbound_vars(ob, c);
	template_vars_set(v, "agent_name", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
	template_vars_set(v, "answer", answer);
	PQclear(res);
	{
		struct outbound_mail m = {
			.kind = "reply", .msg_kind = "agent", .template = "reply", .language = c->language,
			.from_name = from_name, .reply_to = reply_to, .to = to,
			.cc = (const char *const *)cc->pdata, .envelope_from = c->queue_addr,
			.in_reply_to = irt, .references = (const char *const *)refs->pdata, .body_text = answer,
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
	return ret;
}

/* Tell an agent that the #commands of their mail were not understood. */
static int outbound_agent_error(struct outbound *ob, const struct outbound_case *c,
				const struct outbound_event *ev, const char *error, struct fault *f)
{
	const char *to[2] = { ev->mail->from_addr, NULL };
	struct template_vars *v = outbound_vars(ob, c);
	int ret;

	template_vars_set(v, "error", error);
	template_vars_set(v, "command", error);
	{
		struct outbound_mail m = {
			.kind = "agent-error", .msg_kind = "system", .template = "agent_error",
			.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
			.to = to, .envelope_from = "", .in_reply_to = ev->mail->message_id,
			.auto_submitted = "auto-replied",
		};

		ret = outbound_send(ob, c, &m, v, f);
	}
	template_vars_free(&v);
	if (ret == 0)
		ret = outbound_event_row(ob, c, "command-error", ev->mail->from_addr, error, f);
	return ret;
}

/* Apply an agent's #status, #priority and #assign, each with an event;
 * an answer to the customer makes the case pending unless #status says
 * otherwise, stops the first-response clock and ends an escalation round
 * (breaches until now are dealt with; a later one starts a new round). */
static int outbound_commands(struct outbound *ob, const struct outbound_case *c, const struct outbound_event *ev,
			     const struct agentcmd *cmd, bool relayed, struct fault *f)
{
	const char *status = cmd->status ? cmd->status : relayed ? "pending" : NULL;
	char agent[24];
	PGresult *res;

	snprintf(agent, sizeof(agent), "%lld", ev->agent_id);
	if (cmd->assign != NULL) {
		res = db_exec(ob->db, "UPDATE cases SET assignee_id = a.id, updated = now() FROM agents a"
			      " WHERE cases.id = $1 AND a.email = $2 AND a.active RETURNING a.id", 2,
			      (const char *[]){ c->id, cmd->assign }, f);
		if (res == NULL)
			return -1;
		if (PQntuples(res) == 0) {
			PQclear(res);
			return outbound_agent_error(ob, c, ev, "#assign: no such active agent", f);
		}
		PQclear(res);
		if (outbound_event_row(ob, c, "assigned", ev->mail->from_addr, cmd->assign, f) < 0)
			return -1;
	} else if (relayed && c->assignee_id == 0) {
		if (db_run(ob->db, "UPDATE cases SET assignee_id = $2 WHERE id = $1", 2,
			   (const char *[]){ c->id, agent }, f) < 0 ||
		    outbound_event_row(ob, c, "assigned", ev->mail->from_addr, ev->mail->from_addr, f) < 0)
			return -1;
	}
	if (cmd->priority != NULL &&
	    (db_run(ob->db, "UPDATE cases SET priority = $2, updated = now() WHERE id = $1", 2,
		    (const char *[]){ c->id, cmd->priority }, f) < 0 ||
	     outbound_event_row(ob, c, "priority", ev->mail->from_addr, cmd->priority, f) < 0))
		return -1;
	if (relayed && db_run(ob->db, "UPDATE cases SET first_response_at = coalesce(first_response_at, now()),"
			      " last_reply_at = now(), updated = now(), escalation_level = 0, escalation_next = NULL,"
			      " escalated_until = greatest(escalated_until, now()) WHERE id = $1", 1, (const char *[]){ c->id }, f) < 0)
		return -1;
	if (status != NULL && strcmp(status, c->status) != 0) {
		char *detail = g_strdup_printf("%s -> %s", c->status, status);
		int r = sla_set_status(ob->db, atoll(c->id), status, 0, NULL, f);

		if (r == 0)
			r = outbound_event_row(ob, c, "status", ev->mail->from_addr, detail, f);
		g_free(detail);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* An agent's mail: commands, then an internal note or an answer relayed. */
static int outbound_agent(struct outbound *ob, const struct outbound_case *c, const struct outbound_event *ev,
			  struct fault *f)
{
	struct agentcmd cmd;
	char *answer = NULL;
	int ret;

	agentcmd_parse(ev->mail->body_text, &cmd);
	if (cmd.error != NULL) {
		ob->summary = "command-error";
		ret = outbound_agent_error(ob, c, ev, cmd.error, f);
	} else if (cmd.note || strcmp(ev->kind, "note") == 0) {
		ob->summary = "note";
		ret = db_run(ob->db, "UPDATE messages SET kind = 'note' WHERE case_id = $1 AND id ="
			     " (SELECT max(id) FROM messages WHERE case_id = $1 AND direction = 'in')", 1,
			     (const char *[]){ c->id }, f);
		if (ret == 0)
			ret = outbound_commands(ob, c, ev, &cmd, false, f);
		if (ret == 0)
			ret = outbound_notify(ob, c, &(struct outbound_event){ .case_id = ev->case_id, .kind = "note",
					      .mail = ev->mail, .agent_id = ev->agent_id }, "notify_note", cmd.text, f);
	} else {
		answer = g_strchomp(quote_trim(cmd.text));
		ob->summary = "relay";
		ret = outbound_relay(ob, c, ev, answer, f);
		if (ret == 0)
			ret = outbound_commands(ob, c, ev, &cmd, true, f);
	}
	g_free(answer);
	agentcmd_clear(&cmd);
	return ret;
}

int outbound_react(struct outbound *ob, const struct outbound_event *ev, struct fault *f)
{
	struct outbound_case c = { 0 };
	int ret = 0;

	ob->summary = "none";
	if (ob->ring == NULL || ev->mail == NULL)
		return 0;
	if (strcmp(ev->kind, "customer") == 0 && !ev->customer_mail)
		return 0;	/* automatic or untrusted mail: stored, nothing sent */
	if (outbound_load(ob, ev->case_id, &c, f) < 0)
		return -1;
	if (strcmp(ev->kind, "customer") == 0) {
		if (ev->new_case && !ev->no_auto_reply)
			ret = outbound_ack(ob, &c, ev, f);
		if (ret == 0)
			ret = outbound_notify(ob, &c, ev, ev->new_case ? "notify_new" : "notify_followup",
					      ev->mail->body_text, f);
		ob->summary = ev->new_case && !ev->no_auto_reply ? "ack+notify" : "notify";
	} else {
		ret = outbound_agent(ob, &c, ev, f);
	}
	outbound_case_clear(&c);
	return ret;
}

int outbound_escalation(struct outbound *ob, long long case_id, int level, const char *reason,
			const char *const *to, struct fault *f)
{
	struct outbound_case c = { 0 };
	struct template_vars *v;
	char lv[8], assignee[24];
	PGresult *res;
	int i, ret;

	if (outbound_load(ob, case_id, &c, f) < 0)
		return -1;
	snprintf(lv, sizeof(lv), "%d", level);
	snprintf(assignee, sizeof(assignee), "%lld", c.assignee_id);
	res = db_exec(ob->db, "SELECT email FROM agents WHERE id = $1", 1, (const char *[]){ assignee }, f);
	ret = res == NULL ? -1 : 0;
	for (i = 0; to[i] != NULL && ret == 0; i++) {
		const char *one[2] = { to[i], NULL };
		struct outbound_mail m = {
			.kind = "escalation", .msg_kind = "system", .template = "escalation",
			.language = ob->cfg->default_language, .from_name = ob->cfg->helpdesk_name,
			.to = one, .envelope_from = c.queue_addr, .auto_submitted = "auto-generated",
		};

		v = outbound_vars(ob, &c);
		template_vars_set(v, "level", lv);
		template_vars_set(v, "reason", reason);
		template_vars_set(v, "assignee", PQntuples(res) ? PQgetvalue(res, 0, 0) : NULL);
		ret = outbound_send(ob, &c, &m, v, f);
		template_vars_free(&v);
	}
	PQclear(res);
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
	if (c.customer_email == NULL || classify_robot_address(c.customer_email))
		skip = "no address to write to";
	else if (c.bounced)
		skip = "the customer's address bounced";
	else if (outbound_rate_ok(ob, c.customer_email, &ok, f) < 0)
		goto out;
	else if (!ok)
		skip = "daily limit of automatic mail to this address reached";
	if (skip != NULL) {
		char *detail = g_strdup_printf("%s not sent: %s", template, skip);

		ret = outbound_event_row(ob, &c, "mail-skipped", "system", detail, f);
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
		const char *to[2] = { c.customer_email, NULL };
		struct outbound_mail m = {
			.kind = template, .msg_kind = "auto", .template = template, .language = c.language,
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
