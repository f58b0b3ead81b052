/* deliver.c: one incoming message into the helpdesk (DESIGN.md, "Data flow
 * of one message"): parse, classify, resolve the queue, gather threading
 * facts, then store everything in one transaction. */
#include <glib.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "classify.h"
#include "config.h"
#include "db.h"
#include "deliver.h"
#include "keyring.h"
#include "mail.h"
#include "outbound.h"
#include "quote.h"
#include "sla.h"
#include "thread.h"
#include "token.h"

/* Everything known about the message while it is being taken in. */
struct deliver {
	const struct config *cfg;
	struct db *db;
	const struct keyring *ring;
	const struct deliver_envelope *env;
	const char *raw;
	size_t len;
	unsigned char hash[crypto_generichash_BYTES];	/* BLAKE2b-256 of raw */
	struct mail *mail;		/* NULL when quarantined unparsed */
	struct classify_result cls;
	char queue_id[24];
	char *queue_addr;
	char *recipient;		/* the full recipient that matched, lower-case */
	char *token;			/* the recipient's extension, NULL when none */
	long long token_case;
	char token_role[4];
	long long agent_id;		/* From is an active registered agent */
	int rating;			/* sent to a survey's rating address: 1 to 5 */
	const char *kind;		/* customer, agent, note */
	const char *classification;
	const char *quarantine_reason;	/* non-NULL: store raw in a quarantined case */
	struct deliver_result *res;
	GArray *queued;			/* outbox ids for the caller to send */
};

const char *deliver_action_name(enum deliver_action action)
{
	switch (action) {
	case DELIVER_NEW: return "new";
	case DELIVER_FOLLOWUP: return "follow-up";
	case DELIVER_REOPEN: return "reopen";
	case DELIVER_LINKED: return "new-linked";
	case DELIVER_DUPLICATE: return "duplicate";
	case DELIVER_QUARANTINE: return "quarantine";
	case DELIVER_DROP: return "drop";
	}
	return "?";
}

void deliver_split_address(const char *addr, const char *delimiters, char **base_r, char **ext_r)
{
	char *lower = g_ascii_strdown(addr, -1);
	char *at = strrchr(lower, '@');
	size_t cut;

	*ext_r = NULL;
	if (at == NULL || delimiters == NULL || *delimiters == '\0') {
		*base_r = lower;
		return;
	}
	cut = strcspn(lower, delimiters);
	if (lower + cut >= at) {
		*base_r = lower;
		return;
	}
	*ext_r = g_strndup(lower + cut + 1, (size_t)(at - lower - cut - 1));
	*base_r = g_strdup_printf("%.*s%s", (int)cut, lower, at);
	g_free(lower);
}

/* A decimal id as text for a query parameter. */
static const char *deliver_id(long long id, char buf[24])
{
	snprintf(buf, 24, "%lld", id);
	return buf;
}

/* Run a query that returns one bigint or no row; 0 when no row. */
static int deliver_query_id(struct db *db, const char *sql, int n, const char *const *params,
			    long long *id_r, struct fault *f)
{
	PGresult *res = db_exec(db, sql, n, params, f);

	if (res == NULL)
		return -1;
	*id_r = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? atoll(PQgetvalue(res, 0, 0)) : 0;
	PQclear(res);
	return 0;
}

/* Find the queue of the recipient (else of the original recipient). */
static int deliver_queue(struct deliver *d, struct fault *f)
{
	const char *candidates[2] = { d->env->recipient, d->env->original_recipient };
	int i;

	for (i = 0; i < 2; i++) {
		char *base, *ext;
		PGresult *res;

		if (candidates[i] == NULL || *candidates[i] == '\0')
			continue;
		deliver_split_address(candidates[i], d->cfg->recipient_delimiter, &base, &ext);
		res = db_exec(d->db, "SELECT id, address FROM queues WHERE address = $1", 1,
			      (const char *[]){ base }, f);
		if (res != NULL && PQntuples(res) == 1) {
			snprintf(d->queue_id, sizeof(d->queue_id), "%s", PQgetvalue(res, 0, 0));
			d->queue_addr = g_strdup(PQgetvalue(res, 0, 1));
			d->recipient = g_ascii_strdown(candidates[i], -1);
			d->token = ext;
			ext = NULL;
		}
		g_free(base);
		g_free(ext);
		if (res == NULL)
			return -1;
		PQclear(res);
		if (d->queue_addr != NULL)
			return 0;
	}
	return fault_set(f, FAULT_NOUSER, "no queue for recipient %s",
			 d->env->recipient ? d->env->recipient : "(none given)");
}

/* Whether addr takes part in the case: its customer, a watcher or its assignee. */
static int deliver_participant(struct deliver *d, long long case_id, const char *addr,
			       bool *yes_r, struct fault *f)
{
	char id[24];
	long long n;

	*yes_r = false;
	if (addr == NULL)
		return 0;
	if (deliver_query_id(d->db,
			     "SELECT 1 FROM cases c JOIN customers cu ON cu.id = c.customer_id"
			     " WHERE c.id = $1 AND cu.email = $2"
			     " UNION ALL SELECT 1 FROM watchers WHERE case_id = $1 AND address = $2"
			     " UNION ALL SELECT 1 FROM cases c JOIN agents a ON a.id = c.assignee_id"
			     " WHERE c.id = $1 AND a.email = $2 LIMIT 1",
			     2, (const char *[]){ deliver_id(case_id, id), addr }, &n, f) < 0)
		return -1;
	*yes_r = n == 1;
	return 0;
}

/* The case named by a list of Message-IDs, newest reference first: a signed
 * id of ours, else a stored message of a case the sender takes part in
 * (any case for bounces, which come from the MTA, not from a participant). */
static int deliver_reference_case(struct deliver *d, GPtrArray *ids, struct thread_facts *facts,
				  struct fault *f)
{
	GString *list = g_string_new(NULL);
	PGresult *res;
	guint i;
	int r;

	for (i = ids->len; i-- > 0;) {
		long long c;

		if (d->ring != NULL && token_message_id_case(d->ring, g_ptr_array_index(ids, i), &c) == 0) {
			facts->signed_ref_case = c;
			break;
		}
		if (list->len > 0)
			g_string_append_c(list, '\n');
		g_string_append(list, g_ptr_array_index(ids, i));
	}
	if (facts->signed_ref_case > 0 || list->len == 0) {
		g_string_free(list, TRUE);
		return 0;
	}
	/* the same Message-ID may be in several queues (one mail to two queue
	 * addresses): this queue's cases first, then the newest */
	res = db_exec(d->db, "SELECT case_id FROM messages WHERE message_id = ANY (string_to_array($1, E'\\n'))"
		      " ORDER BY queue_id = $2 DESC, id DESC LIMIT 20", 2,
		      (const char *[]){ list->str, d->queue_id }, f);
	g_string_free(list, TRUE);
	if (res == NULL)
		return -1;
	for (r = 0; r < PQntuples(res); r++) {
		long long c = atoll(PQgetvalue(res, r, 0));
		bool part = d->cls.kind == CLASSIFY_BOUNCE;

		if (!part && deliver_participant(d, c, d->mail->from_addr, &part, f) < 0) {
			PQclear(res);
			return -1;
		}
		if (part) {
			facts->stored_ref_case = c;
			break;
		}
	}
	PQclear(res);
	return 0;
}

/* Check the recipient's token: a valid one names a case and a role. */
static int deliver_token(struct deliver *d, struct fault *f)
{
	struct fault bad;
	long long exists;
	char id[24];

	if (d->token == NULL || *d->token == '\0')
		return 0;
	if (d->ring == NULL || token_check(d->ring, d->token, &d->token_case, d->token_role, &bad) < 0) {
		d->token_case = 0;
		return 0;	/* forged or altered: as if there were no token */
	}
	if (deliver_query_id(d->db, "SELECT id FROM cases WHERE id = $1", 1,
			     (const char *[]){ deliver_id(d->token_case, id) }, &exists, f) < 0)
		return -1;
	if (exists == 0)
		d->token_case = 0;
	else
		d->rating = token_role_rating(d->token_role);
	return 0;
}

/* Work out who wrote: kind customer, or agent/note when an agent token
 * comes from the registered agent. Agent tokens from anyone else are stored
 * but marked untrusted. */
static int deliver_author(struct deliver *d, struct fault *f)
{
	bool agent_role = d->token_case > 0 &&
			  (strcmp(d->token_role, TOKEN_ROLE_AGENT) == 0 || strcmp(d->token_role, TOKEN_ROLE_NOTE) == 0);

	d->kind = "customer";
	if (d->mail->from_addr != NULL &&
	    deliver_query_id(d->db, "SELECT id FROM agents WHERE email = $1 AND active", 1,
			     (const char *[]){ d->mail->from_addr }, &d->agent_id, f) < 0)
		return -1;
	if (agent_role && d->agent_id > 0)
		d->kind = strcmp(d->token_role, TOKEN_ROLE_NOTE) == 0 ? "note" : "agent";
	else if (agent_role || (d->agent_id > 0 && d->token != NULL && *d->token != '\0' && d->token_case == 0))
		d->classification = "untrusted";	/* never relayed: stored and flagged */
	return 0;
}

/* Gather the threading facts and decide; fills *case_r (0: new case). */
static int deliver_thread(struct deliver *d, long long *case_r, enum thread_how *how_r,
			  struct fault *f)
{
	struct thread_facts facts = { .token_case = d->token_case };
	GPtrArray *ids = g_ptr_array_new();
	long long tag;
	guint i;
	int ret = 0;

	if (d->cls.kind == CLASSIFY_BOUNCE) {
		if (d->mail->report != NULL && d->mail->report->original_message_id != NULL)
			g_ptr_array_add(ids, d->mail->report->original_message_id);
	} else {
		for (i = 0; i < d->mail->references->len; i++)
			g_ptr_array_add(ids, g_ptr_array_index(d->mail->references, i));
		if (d->mail->in_reply_to != NULL)
			g_ptr_array_add(ids, d->mail->in_reply_to);	/* newest: checked first */
	}
	if (facts.token_case == 0)
		ret = deliver_reference_case(d, ids, &facts, f);
	g_ptr_array_free(ids, TRUE);
	if (ret < 0)
		return -1;
	tag = thread_subject_tag(d->mail->subject);
	if (facts.token_case == 0 && facts.signed_ref_case == 0 && facts.stored_ref_case == 0 && tag > 0) {
		bool part;

		if (deliver_participant(d, tag, d->mail->from_addr, &part, f) < 0)
			return -1;
		if (part)
			facts.subject_case = tag;
	}
	*how_r = thread_pick(&facts, case_r);
	return 0;
}

/* Add an event to the case's audit trail. */
static int deliver_event(struct deliver *d, long long case_id, const char *type, const char *detail,
			 struct fault *f)
{
	char id[24];
	const char *actor = d->mail && d->mail->from_addr ? d->mail->from_addr : "mta";

	return db_run(d->db, "INSERT INTO events (case_id, type, actor, detail) VALUES ($1, $2, $3, $4)",
		      4, (const char *[]){ deliver_id(case_id, id), type, actor, detail }, f);
}

/* Insert or find the customer of a new case; 0 when there is no address. */
static int deliver_customer(struct deliver *d, long long *customer_r, struct fault *f)
{
	const struct mail *m = d->mail;

	const char *addr = m && m->from_addr ? m->from_addr : d->env->sender;
	char *lower;
	int ret;

	*customer_r = 0;
	if (addr == NULL || *addr == '\0' || strchr(addr, '@') == NULL)
		return 0;
	lower = g_ascii_strdown(addr, -1);
	ret = deliver_query_id(d->db,
				"INSERT INTO customers (email, name, language) VALUES ($1, $2, $3)"
				" ON CONFLICT (email) DO UPDATE SET"
				" name = coalesce(customers.name, EXCLUDED.name),"
				" language = coalesce(customers.language, EXCLUDED.language)"
				" RETURNING id",
				3, (const char *[]){ lower, m ? m->from_name : NULL, m ? m->language : NULL },
				customer_r, f);
	g_free(lower);
	return ret;
}

/* Create a case (linked to another when linked > 0). */
static int deliver_new_case(struct deliver *d, long long linked, long long *case_r, struct fault *f)
{
	char cust[24], link[24];
	const char *subject = d->mail && d->mail->subject[0] ? d->mail->subject : "(no subject)";
	long long customer;

	if (deliver_customer(d, &customer, f) < 0)
		return -1;
	if (d->quarantine_reason != NULL && d->mail == NULL)
		subject = "(unreadable message)";
	return deliver_query_id(d->db,
				"INSERT INTO cases (queue_id, customer_id, subject, quarantined, linked_case_id)"
				" VALUES ($1, $2, $3, $4, $5) RETURNING id",
				5, (const char *[]){ d->queue_id, customer > 0 ? deliver_id(customer, cust) : NULL,
						     subject, d->quarantine_reason ? "t" : "f",
						     linked > 0 ? deliver_id(linked, link) : NULL },
				case_r, f);
}

/* Join a list of addresses with ", ". */
static char *deliver_join(GPtrArray *list)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; list != NULL && i < list->len; i++)
		g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)g_ptr_array_index(list, i));
	return g_string_free(s, FALSE);
}

/* Store the message row and its attachments. */
static int deliver_store_message(struct deliver *d, long long case_id, struct fault *f)
{
	const struct mail *m = d->mail;
	char cid[24], *to = deliver_join(m ? m->to : NULL), *cc = deliver_join(m ? m->cc : NULL);
	GString *refs = g_string_new(NULL);
	const char *params[19];
	int lengths[19] = { 0 }, binary[19] = { 0 };
	long long msg_id;
	guint i;
	int ret;

	for (i = 0; m != NULL && i < m->references->len; i++)
		g_string_append_printf(refs, "%s%s", i ? "\n" : "", (char *)g_ptr_array_index(m->references, i));
	params[0] = deliver_id(case_id, cid);
	params[1] = d->queue_id;
	params[2] = d->kind;
	params[3] = d->classification;
	params[4] = m ? m->from_addr : NULL;
	params[5] = m ? m->from_name : NULL;
	params[6] = to;
	params[7] = cc;
	params[8] = m ? m->subject : NULL;
	params[9] = m ? m->message_id : NULL;
	params[10] = m ? m->in_reply_to : NULL;
	params[11] = refs->len ? refs->str : NULL;
	params[12] = d->env->sender;
	params[13] = d->recipient;
	params[14] = d->env->queue_id;
	params[15] = d->raw;
	lengths[15] = (int)d->len;
	binary[15] = 1;
	params[16] = (const char *)d->hash;
	lengths[16] = sizeof(d->hash);
	binary[16] = 1;
	params[17] = m ? m->body_text : "";
	params[18] = m ? m->body_html : NULL;
	{
		PGresult *res = db_exec_bin(d->db,
			"INSERT INTO messages (case_id, queue_id, direction, kind, classification, from_addr,"
			" from_name, to_addrs, cc_addrs, subject, message_id, in_reply_to, references_ids,"
			" envelope_sender, envelope_recipient, mta_queue_id, raw, raw_hash, body_text, body_html)"
			" VALUES ($1, $2, 'in', $3, $4, $5, $6, $7, $8, $9, $10, $11,"
			" string_to_array($12, E'\\n'), $13, $14, $15, $16, $17, $18, $19) RETURNING id",
			19, params, lengths, binary, f);

		ret = res ? 0 : -1;
		msg_id = res ? atoll(PQgetvalue(res, 0, 0)) : 0;
		PQclear(res);
	}
	g_free(to);
	g_free(cc);
	g_string_free(refs, TRUE);
	for (i = 0; ret == 0 && m != NULL && i < m->attachments->len; i++) {
		const struct mail_attachment *a = g_ptr_array_index(m->attachments, i);
		char mid[24], sz[24];
		const char *ap[4] = { deliver_id(msg_id, mid), a->filename, a->content_type, sz };

		snprintf(sz, sizeof(sz), "%zu", (size_t)g_bytes_get_size(a->content));
		ret = db_run(d->db, "INSERT INTO attachments (message_id, filename, content_type, size)"
			     " VALUES ($1, $2, $3, $4)", 4, ap, f);
	}
	return ret;
}

/* Cc'd and other To addresses of customer mail become watchers of the case,
 * except our queues, the customer, agents and robots. */
static int deliver_watchers(struct deliver *d, long long case_id, struct fault *f)
{
	GPtrArray *lists[2] = { d->mail->to, d->mail->cc };
	char id[24];
	int l;
	guint i;

	deliver_id(case_id, id);
	for (l = 0; l < 2; l++) {
		for (i = 0; i < lists[l]->len; i++) {
			const char *addr = g_ptr_array_index(lists[l], i);
			char *base, *ext;
			PGresult *res;

			if (classify_robot_address(addr))
				continue;
			deliver_split_address(addr, d->cfg->recipient_delimiter, &base, &ext);
			/* the queue written to and the author: known here, no query */
			if (strcmp(base, d->queue_addr) == 0 ||
			    (d->mail->from_addr != NULL && g_ascii_strcasecmp(addr, d->mail->from_addr) == 0)) {
				g_free(base);
				g_free(ext);
				continue;
			}
			res = db_exec(d->db,
				      "INSERT INTO watchers (case_id, address) SELECT $1, $2"
				      " WHERE NOT EXISTS (SELECT 1 FROM queues WHERE address = $3)"
				      " AND NOT EXISTS (SELECT 1 FROM agents WHERE email = $2)"
				      " AND NOT EXISTS (SELECT 1 FROM cases c JOIN customers cu ON cu.id = c.customer_id"
				      " WHERE c.id = $1 AND cu.email = $2)"
				      " ON CONFLICT DO NOTHING RETURNING address",
				      3, (const char *[]){ id, addr, base }, f);
			g_free(base);
			g_free(ext);
			if (res == NULL)
				return -1;
			if (PQntuples(res) == 1 && deliver_event(d, case_id, "watcher-added", addr, f) < 0) {
				PQclear(res);
				return -1;
			}
			PQclear(res);
		}
	}
	return 0;
}

/* A bounce marks the address it reports as undeliverable. */
static int deliver_mark_bounce(struct deliver *d, long long case_id, struct fault *f)
{
	const struct mail_report *r = d->mail->report;
	char *detail;
	int ret;

	if (r == NULL)
		return deliver_event(d, case_id, "bounce", "delivery failure (not an RFC 3464 report)", f);
	detail = g_strdup_printf("%s %s %s%s%s", r->recipient ? r->recipient : "(unknown recipient)",
				 r->action ? r->action : "", r->status ? r->status : "",
				 r->diagnostic ? ": " : "", r->diagnostic ? r->diagnostic : "");
	ret = deliver_event(d, case_id, "bounce", detail, f);
	if (ret == 0 && r->recipient != NULL && r->action != NULL && g_ascii_strcasecmp(r->action, "failed") == 0)
		ret = db_run(d->db, "UPDATE customers SET bounced_at = now(), bounce_info = $2 WHERE email = $1",
			     2, (const char *[]){ r->recipient, detail }, f);
	g_free(detail);
	return ret;
}

/* Change a case's status for customer mail on it, with an event. */
static int deliver_status(struct deliver *d, long long case_id, enum thread_action action,
			  const char *status, struct fault *f)
{
	char id[24];

	if (action == THREAD_REOPEN) {
		if (sla_set_status(d->db, case_id, "open", 0, NULL, f) < 0)
			return -1;
		return deliver_event(d, case_id, "reopened", status, f);
	}
	if (strcmp(status, "pending") == 0) {
		if (sla_set_status(d->db, case_id, "open", 0, NULL, f) < 0)
			return -1;
		return deliver_event(d, case_id, "status", "pending -> open (customer replied)", f);
	}
	return db_run(d->db, "UPDATE cases SET updated = now() WHERE id = $1", 1,
		      (const char *[]){ deliver_id(case_id, id) }, f);
}

/* Store a survey answer on the case: the rating, and the text as the
 * comment (without the quoted survey). Automatic answers rate nothing. */
static int deliver_rating(struct deliver *d, long long case_id, struct fault *f)
{
	char id[24], rating[12], *comment, *detail;
	int ret;

	if (d->cls.kind != CLASSIFY_NORMAL)
		return 0;
	snprintf(rating, sizeof(rating), "%d", d->rating);
	comment = g_strstrip(quote_trim(d->mail->body_text ? d->mail->body_text : ""));
	ret = db_run(d->db, "UPDATE cases SET rating = $2, rating_comment = $3, rated_at = now() WHERE id = $1", 3,
		     (const char *[]){ deliver_id(case_id, id), rating, *comment ? comment : NULL }, f);
	detail = g_strdup_printf("%s of %d%s", rating, TOKEN_RATING_MAX, *comment ? ", with a comment" : "");
	if (ret == 0)
		ret = deliver_event(d, case_id, "rated", detail, f);
	g_free(detail);
	g_free(comment);
	return ret;
}

/* The event type that records a stored message. */
static const char *deliver_message_event(const struct deliver *d)
{
	if (d->quarantine_reason != NULL)
		return "quarantined";
	if (strcmp(d->kind, "customer") != 0)
		return strcmp(d->kind, "note") == 0 ? "note" : "agent-reply";
	switch (d->cls.kind) {
	case CLASSIFY_AUTO_REPLY: return "auto-reply";
	case CLASSIFY_LIST: return "list-mail";
	default: return "customer-mail";
	}
}

/* Choose the case and store the message: the body of the transaction. */
static int deliver_store(struct deliver *d, struct fault *f)
{
	struct deliver_result *res = d->res;
	enum thread_how how = THREAD_NEW;
	long long case_id = 0;
	bool customer_mail;

	if (d->mail != NULL) {
		if (deliver_token(d, f) < 0 || deliver_author(d, f) < 0 ||
		    deliver_thread(d, &case_id, &how, f) < 0)
			return -1;
	}
	/* a survey answer rates the case; it is not a follow-up */
	customer_mail = d->mail != NULL && strcmp(d->kind, "customer") == 0 && d->cls.kind == CLASSIFY_NORMAL &&
			strcmp(d->classification, "untrusted") != 0 && d->rating == 0;
	res->how = d->quarantine_reason ? d->quarantine_reason : thread_how_name(how);
	if (case_id > 0) {
		char id[24];
		PGresult *r = db_exec(d->db, "SELECT status, extract(epoch FROM now() - closed_at)::bigint"
				      " FROM cases WHERE id = $1 FOR UPDATE", 1,
				      (const char *[]){ deliver_id(case_id, id) }, f);
		enum thread_action action;
		char status[16];
		long long age;

		if (r == NULL)
			return -1;
		snprintf(status, sizeof(status), "%s", PQgetvalue(r, 0, 0));
		age = PQgetisnull(r, 0, 1) ? 0 : atoll(PQgetvalue(r, 0, 1));
		PQclear(r);
		action = customer_mail ? thread_on_status(status, age, d->cfg->reopen_window) : THREAD_APPEND;
		if (action == THREAD_NEW_LINKED) {
			long long old = case_id;

			if (deliver_new_case(d, old, &case_id, f) < 0 ||
			    deliver_event(d, case_id, "created", "reply to a case closed long ago", f) < 0 ||
			    deliver_event(d, case_id, "linked", id, f) < 0)
				return -1;
			res->action = DELIVER_LINKED;
		} else {
			if (customer_mail && deliver_status(d, case_id, action, status, f) < 0)
				return -1;
			res->action = action == THREAD_REOPEN ? DELIVER_REOPEN : DELIVER_FOLLOWUP;
		}
	} else {
		if (deliver_new_case(d, 0, &case_id, f) < 0 ||
		    deliver_event(d, case_id, "created", d->quarantine_reason ? d->quarantine_reason :
				  d->classification, f) < 0)
			return -1;
		res->action = d->quarantine_reason ? DELIVER_QUARANTINE : DELIVER_NEW;
	}
	res->case_id = case_id;
	if (deliver_store_message(d, case_id, f) < 0 ||
	    deliver_event(d, case_id, deliver_message_event(d), res->how, f) < 0)
		return -1;
	if (d->mail != NULL && d->token != NULL && d->token_case == 0 &&
	    deliver_event(d, case_id, "bad-token", "recipient token did not verify; ignored", f) < 0)
		return -1;
	if (d->mail != NULL && strcmp(d->classification, "untrusted") == 0 &&
	    deliver_event(d, case_id, "untrusted-agent-mail",
			  "agent token used by an address that is not a registered agent", f) < 0)
		return -1;
	if (d->mail != NULL && d->cls.kind == CLASSIFY_BOUNCE && deliver_mark_bounce(d, case_id, f) < 0)
		return -1;
	if (customer_mail && deliver_watchers(d, case_id, f) < 0)
		return -1;
	if (d->mail != NULL && d->rating > 0 && deliver_rating(d, case_id, f) < 0)
		return -1;
	if (d->mail != NULL && d->quarantine_reason == NULL) {
		struct outbound ob = { .cfg = d->cfg, .db = d->db, .ring = d->ring, .queued = d->queued,
				       .send_now = true };
		struct outbound_event ev = {
			.case_id = case_id, .kind = d->kind, .mail = d->mail, .customer_mail = customer_mail,
			.new_case = res->action == DELIVER_NEW || res->action == DELIVER_LINKED,
			.no_auto_reply = d->cls.no_auto_reply, .agent_id = d->agent_id,
		};

		if (outbound_react(&ob, &ev, f) < 0)
			return -1;
		res->mail = ob.summary;
	}
	return sla_refresh(d->db, case_id, 0, f);
}

/* Whether the message was stored before (same bytes to the same recipient,
 * or same sender and Message-ID to the same queue); fills the case. */
static int deliver_duplicate(struct deliver *d, long long *case_r, struct fault *f)
{
	const struct mail *m = d->mail;
	const char *params[5] = { d->recipient, (const char *)d->hash, d->queue_id,
				  m ? m->from_addr : NULL, m ? m->message_id : NULL };
	const int lengths[5] = { 0, sizeof(d->hash), 0, 0, 0 }, binary[5] = { 0, 1, 0, 0, 0 };
	PGresult *res;

	*case_r = 0;
	/* one round trip; the second part finds nothing when $4 or $5 is NULL */
	res = db_exec_bin(d->db, "(SELECT case_id FROM messages WHERE direction = 'in' AND"
			  " envelope_recipient = $1 AND raw_hash = $2 LIMIT 1) UNION ALL"
			  " (SELECT case_id FROM messages WHERE direction = 'in' AND"
			  " queue_id = $3 AND from_addr = $4 AND message_id = $5 LIMIT 1) LIMIT 1",
			  5, params, lengths, binary, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1)
		*case_r = atoll(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

/* The transaction: duplicate check, then store; a concurrent twin that
 * committed first turns this one into a duplicate. */
static int deliver_transaction(struct deliver *d, struct fault *f)
{
	long long dup;

	if (db_begin(d->db, f) < 0)
		return -1;
	if (deliver_duplicate(d, &dup, f) < 0)
		goto fail;
	g_array_set_size(d->queued, 0);
	if (dup > 0) {
		db_rollback(d->db);
		d->res->action = DELIVER_DUPLICATE;
		d->res->case_id = dup;
		d->res->how = "already stored";
		return 0;
	}
	if (deliver_store(d, f) < 0 || db_commit(d->db, f) < 0)
		goto fail;
	return 0;
fail:
	if (db_unique_violation(d->db)) {
		/* the twin delivered at the same moment won the race */
		db_rollback(d->db);
		if (deliver_duplicate(d, &dup, f) < 0)
			return -1;
		d->res->action = DELIVER_DUPLICATE;
		d->res->case_id = dup;
		d->res->how = "already stored (concurrent delivery)";
		g_array_set_size(d->queued, 0);
		return 0;
	}
	db_rollback(d->db);
	g_array_set_size(d->queued, 0);
	return -1;
}

int deliver_message(const struct config *cfg, struct db *db, const struct keyring *ring,
		    const struct deliver_envelope *env, const char *raw, size_t len, size_t total,
		    GArray *queued, struct deliver_result *res, struct fault *f)
{
	struct deliver d = { .cfg = cfg, .db = db, .ring = ring, .env = env, .raw = raw, .len = len,
			     .kind = "customer", .classification = "normal", .res = res, .queued = queued };
	struct fault parse_fault;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->classification = "normal";
	res->mail = "none";
	crypto_generichash(d.hash, sizeof(d.hash), (const unsigned char *)raw, len, NULL, 0);
	if (deliver_queue(&d, f) < 0)
		goto out;
	snprintf(res->queue_addr, sizeof(res->queue_addr), "%s", d.queue_addr);
	if (total > len)
		d.quarantine_reason = "oversized: cut at max_message_size";
	else if (mail_parse(raw, len, &d.mail, &parse_fault) < 0)
		d.quarantine_reason = "unparsable";
	else if (d.mail->from_addr == NULL && (env->sender == NULL || *env->sender == '\0') &&
		 d.mail->report == NULL)
		d.quarantine_reason = "no sender address";
	if (d.quarantine_reason != NULL) {
		mail_free(&d.mail);
		d.classification = "quarantined";
	} else {
		classify_mail(d.mail, env->sender, d.queue_addr, &d.cls);
		d.classification = classify_name(d.cls.kind);
		if (d.cls.kind == CLASSIFY_LOOP) {
			res->action = DELIVER_DROP;
			res->classification = d.classification;
			res->how = d.cls.reason;
			ret = 0;
			goto out;
		}
	}
	ret = deliver_transaction(&d, f);
	res->classification = d.classification;
out:
	mail_free(&d.mail);
	g_free(d.queue_addr);
	g_free(d.recipient);
	g_free(d.token);
	return ret;
}
