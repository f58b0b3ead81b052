/* deliver.c: one incoming message into the helpdesk (DESIGN.md, "Data flow
 * of one message"): parse, classify, resolve the queue, gather the facts
 * (token, author, threading, the case's state), let deliver_plan() decide,
 * and write the plan in one transaction. */
#include <glib.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "authres.h"
#include "classify.h"
#include "config.h"
#include "db.h"
#include "deliver.h"
#include "deliver_plan.h"
#include "digest.h"
#include "keyring.h"
#include "langguess.h"
#include "mail.h"
#include "outbound.h"
#include "quote.h"
#include "sla.h"
#include "store.h"
#include "template.h"
#include "thread.h"
#include "token.h"

/* Everything known about the message while it is being taken in. */
struct deliver {
	const struct config *cfg;
	struct db *db;
	const struct keyring *ring;
	struct langguess *guess;	/* NULL: no language guessing */
	char *guessed;			/* the guess for the customer's text, NULL when none */
	const struct deliver_envelope *env;
	const char *raw;
	size_t len;
	unsigned char hash[crypto_generichash_BYTES];	/* BLAKE2b-256 of raw */
	unsigned char body_hash[crypto_generichash_BYTES];	/* of the bytes after the header */
	long long reused_case;		/* a case with this sender and Message-ID but other content */
	struct mail *mail;		/* NULL when quarantined unparsed */
	struct classify_result cls;
	long long queue_id;
	char *queue_addr;
	char *queue_name;		/* filled with queue_disabled */
	bool queue_disabled;		/* the queue takes no new cases */
	char *recipient;		/* the full recipient that matched, lower-case */
	char *token;			/* the recipient's extension, NULL when none */
	char token_role[4];
	const char *quarantine_reason;	/* non-NULL: store raw in a quarantined case */
	char verified_why[300];		/* what the Authentication-Results showed */
	struct deliver_result *res;
	GArray *queued;			/* outbox ids for the caller to send */
	/* part intake (issue 15) */
	const char *spam_header, *spam_value;	/* the field that marks it spam, NULL when none */
	struct mail *head;		/* oversized: the beginning kept, parsed; NULL when unreadable */
	struct classify_result head_cls;
	size_t total;			/* the size the MTA sent */
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
	case DELIVER_DIGEST: return "digest";
	}
	return "?";
}

/* Find the queue of the recipient (else of the original recipient). */
static int deliver_queue(struct deliver *d, struct fault *f)
{
	const char *candidates[2] = { d->env->recipient, d->env->original_recipient };
	int i;

	for (i = 0; i < 2; i++) {
		char *base, *ext;
		int ret;

		if (candidates[i] == NULL || *candidates[i] == '\0')
			continue;
		address_split(candidates[i], d->cfg->recipient_delimiter, &base, &ext);
		ret = store_queue_find(d->db, base, &d->queue_id, &d->queue_addr, f);
		g_free(base);
		if (ret == 0 && d->queue_addr != NULL) {
			d->recipient = address_fold(candidates[i]);
			d->token = ext;
			return 0;
		}
		g_free(ext);
		if (ret < 0)
			return -1;
	}
	return fault_set(f, FAULT_NOUSER, "no queue for recipient %s",
			 d->env->recipient ? d->env->recipient : "(none given)");
}

/* The case named by a list of Message-IDs, newest reference first: a signed
 * id of ours, else a stored message of a case the sender takes part in
 * (any case for bounces, which come from the MTA, not from a participant). */
static int deliver_reference_case(struct deliver *d, GPtrArray *ids, struct thread_facts *facts,
				  struct fault *f)
{
	GString *list = g_string_new(NULL);
	GArray *cases;
	guint i;
	int ret;

	for (i = ids->len; i-- > 0;) {
		long long c;

		if (d->ring != NULL && token_message_id_case(d->ring, g_ptr_array_index(ids, i), &c) == 0) {
			/* ours for a case merged away since: the case it went into */
			if (store_case_final(d->db, c, &facts->signed_ref_case, f) < 0) {
				g_string_free(list, TRUE);
				return -1;
			}
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
	cases = g_array_new(FALSE, FALSE, sizeof(long long));
	ret = store_message_cases(d->db, list->str, d->queue_id, cases, f);
	g_string_free(list, TRUE);
	/* stored messages are on a case that was not merged away: a merge moves them */
	for (i = 0; ret == 0 && i < cases->len; i++) {
		long long c = g_array_index(cases, long long, i);
		bool part = d->cls.kind == CLASSIFY_BOUNCE;

		if (!part && store_case_participant(d->db, c, d->mail->from_addr, &part, f) < 0)
			ret = -1;
		else if (part) {
			facts->stored_ref_case = c;
			break;
		}
	}
	g_array_free(cases, TRUE);
	return ret;
}

/* Check the recipient's token: a valid one names an existing case and a
 * role; a case merged away stands for the case it was merged into. */
static int deliver_token(struct deliver *d, struct deliver_facts *fa, struct fault *f)
{
	struct fault bad;
	long long c, final;

	if (d->token == NULL || *d->token == '\0')
		return 0;
	if (d->ring == NULL || token_check(d->ring, d->token, &c, d->token_role, &bad) < 0 ||
	    strcmp(d->token_role, TOKEN_ROLE_DIGEST) == 0)
		return 0;	/* forged or altered (or an agent's digest address): as if there were no token */
	if (store_case_final(d->db, c, &final, f) < 0)
		return -1;
	if (final > 0) {
		fa->token_case = final;
		fa->token_role = d->token_role;
		fa->token_merged = final != c ? c : 0;
	}
	return 0;
}

/* Gather the threading facts: references, then the subject tag. */
static int deliver_thread(struct deliver *d, struct thread_facts *facts, struct fault *f)
{
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
	if (facts->token_case == 0)
		ret = deliver_reference_case(d, ids, facts, f);
	g_ptr_array_free(ids, TRUE);
	if (ret < 0)
		return -1;
	tag = thread_subject_tag(d->mail->subject);
	if (facts->token_case == 0 && facts->signed_ref_case == 0 && facts->stored_ref_case == 0 && tag > 0) {
		bool part = false;

		/* a merged case's tag: the case it went into, and its participants */
		if (store_case_final(d->db, tag, &tag, f) < 0)
			return -1;
		if (tag > 0 && store_case_participant(d->db, tag, d->mail->from_addr, &part, f) < 0)
			return -1;
		if (part)
			facts->subject_case = tag;
	}
	return 0;
}

/* Whether the MTA's Authentication-Results vouch for the From domain of
 * an agent's mail (authserv_id set). */
static void deliver_verify(struct deliver *d, struct deliver_facts *fa)
{
	GPtrArray *headers = g_ptr_array_new_with_free_func(g_free);
	const char *at = strrchr(d->mail->from_addr, '@');

	mail_header_all(d->mail, "Authentication-Results", 50, headers);
	fa->verify_agents = true;
	fa->verified = authres_verified((const char *const *)headers->pdata, headers->len, d->cfg->authserv_id,
					at ? at + 1 : "", d->verified_why, sizeof(d->verified_why));
	fa->verified_why = d->verified_why;
	g_ptr_array_free(headers, TRUE);
}

/* The customer's own text, for guessing its language: the first
 * LANGGUESS_SCAN_MAX bytes of the body, up to the first attribution line
 * of quoted history (langguess_text() leaves out "> " lines and the
 * signature itself). g_free it. */
static char *deliver_own_text(const char *body)
{
	char *head = g_strndup(body, LANGGUESS_SCAN_MAX), **lines = g_strsplit(head, "\n", -1);
	size_t end = 0;
	int i;

	for (i = 0; lines[i] != NULL && !quote_is_attribution(lines[i], lines[i + 1]); i++)
		end += strlen(lines[i]) + 1;
	g_strfreev(lines);
	head[MIN(end, strlen(head))] = '\0';
	return head;
}

/* Guess the language of a person's mail m that names none, among the
 * languages there are templates for. */
static void deliver_guess(struct deliver *d, const struct mail *m, struct deliver_facts *fa)
{
	const char *builtin = POSTDESK_TEMPLATE_DIR;
	GPtrArray *langs;
	char *text;

	if (d->guess == NULL || m->language != NULL || fa->cls.kind != CLASSIFY_NORMAL || fa->agent_id > 0)
		return;
	langs = g_ptr_array_new_with_free_func(g_free);
	if (strcmp(d->cfg->template_dir, builtin) != 0)
		template_languages(d->cfg->template_dir, langs);
	template_languages(builtin, langs);
	g_ptr_array_add(langs, NULL);
	text = deliver_own_text(m->body_text ? m->body_text : "");
	g_free(d->guessed);
	d->guessed = g_strdup(langguess_text(d->guess, text, (const char *const *)langs->pdata));
	fa->guessed_language = d->guessed;
	g_free(text);
	g_ptr_array_free(langs, TRUE);
}

/* Everything the plan is decided from; the case it names is locked. */
static int deliver_facts(struct deliver *d, struct deliver_facts *fa, struct fault *f)
{
	long long picked;

	*fa = (struct deliver_facts){
		.mail = d->mail, .quarantine_reason = d->quarantine_reason, .cls = d->cls,
		.envelope_sender = d->env->sender, .queue_addr = d->queue_addr,
		.recipient_delimiter = d->cfg->recipient_delimiter, .token = d->token,
		.reopen_window = d->cfg->reopen_window, .have_keys = d->ring != NULL,
		.reused_case = d->reused_case, .spam_header = d->spam_header, .spam_value = d->spam_value,
		.head = d->head, .head_cls = d->head_cls,
	};
	if (d->total > d->len)
		fa->oversized = d->total;
	if (d->queue_name == NULL) {
		bool active;

		if (store_queue_state(d->db, d->queue_id, &active, &d->queue_name, f) < 0)
			return -1;
		d->queue_disabled = !active;
	}
	fa->queue_disabled = d->queue_disabled;
	if (d->mail == NULL) {
		if (d->head != NULL) {
			fa->cls = d->head_cls;	/* for the guess alone: the plan reads head_cls */
			deliver_guess(d, d->head, fa);
			memset(&fa->cls, 0, sizeof(fa->cls));
		}
		return 0;
	}
	if (deliver_token(d, fa, f) < 0 || store_agent_active(d->db, d->mail->from_addr, &fa->agent_id, f) < 0)
		return -1;
	if (fa->token_case > 0 && token_role_rating(fa->token_role) > 0 &&
	    store_case_rater(d->db, fa->token_case, d->mail->from_addr, &fa->rater, f) < 0)
		return -1;
	if (fa->agent_id > 0 && d->cfg->authserv_id[0] != '\0')
		deliver_verify(d, fa);
	deliver_guess(d, d->mail, fa);
	if (d->spam_header != NULL)
		return 0;	/* its own case whatever it names: nothing else to know */
	fa->thread.token_case = fa->token_case;
	if (deliver_thread(d, &fa->thread, f) < 0)
		return -1;
	thread_pick(&fa->thread, &picked);
	if (picked > 0 && store_case_lock(d->db, picked, &fa->status, &fa->closed_age, f) < 0)
		return -1;
	if (picked > 0) {
		long long final;

		/* merged away between the look-up and the lock: try again later */
		if (store_case_final(d->db, picked, &final, f) < 0)
			return -1;
		if (final != picked)
			return fault_temp(f, "case %lld was merged into case %lld meanwhile", picked, final);
	}
	return 0;
}

/* Join a list of strings with sep; NULL for an empty or no list. */
static char *deliver_join(GPtrArray *list, const char *sep)
{
	GString *s;
	guint i;

	if (list == NULL || list->len == 0)
		return NULL;
	s = g_string_new(NULL);
	for (i = 0; i < list->len; i++)
		g_string_append_printf(s, "%s%s", i ? sep : "", (char *)g_ptr_array_index(list, i));
	return g_string_free(s, FALSE);
}

/* Store the message row and its attachments. */
static int deliver_store_message(struct deliver *d, const struct deliver_plan *p, long long case_id,
				 struct fault *f)
{
	const struct mail *m = d->mail;
	char *to = deliver_join(m ? m->to : NULL, ", "), *cc = deliver_join(m ? m->cc : NULL, ", ");
	char *refs = deliver_join(m ? m->references : NULL, "\n");
	struct store_attachment *atts = NULL;
	size_t n = m ? m->attachments->len : 0, i;
	struct store_message_in row = {
		.case_id = case_id, .queue_id = d->queue_id, .kind = p->kind, .classification = p->classification,
		.from_addr = m ? m->from_addr : NULL, .from_name = m ? m->from_name : NULL,
		.to_addrs = to ? to : "", .cc_addrs = cc ? cc : "", .subject = m ? m->subject : NULL,
		.message_id = m ? m->message_id : NULL, .in_reply_to = m ? m->in_reply_to : NULL,
		.references = refs, .envelope_sender = d->env->sender, .envelope_recipient = d->recipient,
		.mta_queue_id = d->env->queue_id, .raw = d->raw, .raw_len = d->len,
		.raw_hash = d->hash, .raw_hash_len = sizeof(d->hash),
		.body_hash = d->body_hash, .body_hash_len = sizeof(d->body_hash),
		.body_text = m ? m->body_text : "", .body_html = m ? m->body_html : NULL,
	};
	int ret;

	if (n > 0)
		atts = g_new0(struct store_attachment, n);
	for (i = 0; i < n; i++) {
		const struct mail_attachment *a = g_ptr_array_index(m->attachments, i);

		atts[i] = (struct store_attachment){ a->filename, a->content_type, g_bytes_get_size(a->content) };
	}
	ret = store_message_in(d->db, &row, atts, n, f);
	g_free(atts);
	g_free(to);
	g_free(cc);
	g_free(refs);
	return ret;
}

/* Write a list of the plan's events. */
static int deliver_events(struct deliver *d, long long case_id, GArray *events, struct fault *f)
{
	const char *actor = d->mail && d->mail->from_addr ? d->mail->from_addr : "mta";
	guint i;

	for (i = 0; i < events->len; i++) {
		const struct deliver_plan_event *ev = &g_array_index(events, struct deliver_plan_event, i);

		if (store_event(d->db, case_id, ev->type, actor, ev->detail, f) < 0)
			return -1;
	}
	return 0;
}

/* Remember the language the mail showed, on its author and the case. */
static int deliver_language(struct deliver *d, const struct deliver_plan *p, long long case_id, struct fault *f)
{
	const char *from = p->customer_addr ? p->customer_addr : d->mail ? d->mail->from_addr : NULL;
	char *addr;
	int ret;

	if (from == NULL)
		return 0;
	addr = address_fold(from);
	ret = store_language_seen(d->db, case_id, addr, p->language, p->language_header, f);
	g_free(addr);
	return ret;
}

/* Remember the customer's UTC offset from the Date of their own mail. */
static int deliver_offset(struct deliver *d, const struct deliver_plan *p, struct fault *f)
{
	int minutes;
	char *addr;
	int ret;

	if ((!p->customer_mail && !p->spam) || d->mail->from_addr == NULL || !mail_date_offset(d->mail, &minutes))
		return 0;
	addr = address_fold(d->mail->from_addr);
	ret = store_customer_offset(d->db, addr, minutes, f);
	g_free(addr);
	return ret;
}

/* Write the plan: the case, the message, the events, the changes to the
 * case and the mail it calls for. The body of the transaction. */
static int deliver_execute(struct deliver *d, const struct deliver_plan *p, struct fault *f)
{
	const char *actor = d->mail && d->mail->from_addr ? d->mail->from_addr : "mta";
	long long case_id = p->case_id;

	if (case_id == 0) {
		long long customer = 0;

		if ((p->customer_addr != NULL &&
		     store_customer_upsert(d->db, p->customer_addr, d->mail ? d->mail->from_name : NULL, &customer,
					   f) < 0) ||
		    store_case_create(d->db, d->queue_id, customer, p->subject, p->quarantined, p->linked_case,
				      &case_id, f) < 0)
			return -1;
	}
	d->res->case_id = case_id;
	if (p->spam && store_case_mark_spam(d->db, case_id, f) < 0)
		return -1;
	if (deliver_events(d, case_id, p->case_events, f) < 0)
		return -1;
	if (p->reopen && store_case_set_status(d->db, case_id, CASE_OPEN, 0, NULL, f) < 0)
		return -1;
	if (p->touch && store_case_touch(d->db, case_id, f) < 0)
		return -1;
	if (deliver_store_message(d, p, case_id, f) < 0 || deliver_events(d, case_id, p->message_events, f) < 0)
		return -1;
	if (p->bounced_addr != NULL && store_customer_bounced(d->db, p->bounced_addr, p->bounce_detail, f) < 0)
		return -1;
	if (store_watchers_add(d->db, case_id, p->watchers, p->watcher_bases, d->cfg->max_watchers, actor, f) < 0)
		return -1;
	if (p->rating > 0 && store_case_rate(d->db, case_id, p->rating, p->rating_comment, f) < 0)
		return -1;
	if (p->language != NULL && deliver_language(d, p, case_id, f) < 0)
		return -1;
	if (deliver_offset(d, p, f) < 0)
		return -1;
	/* the ack states the first-response due time: computed before it */
	if (p->ack && sla_refresh(d->db, case_id, 0, f) < 0)
		return -1;
	if (p->reaction != REACT_NONE) {
		struct outbound ob = { .cfg = d->cfg, .db = d->db, .ring = d->ring, .queued = d->queued,
				       .send_now = true };

		if (outbound_react(&ob, case_id, d->mail ? d->mail : d->head, p, f) < 0)
			return -1;
	}
	return sla_refresh(d->db, case_id, 0, f);
}

/* Gather the facts, decide, write. */
static int deliver_store(struct deliver *d, struct fault *f)
{
	struct deliver_facts fa;
	struct deliver_plan p;
	int ret;

	if (deliver_facts(d, &fa, f) < 0)
		return -1;
	deliver_plan(&fa, &p);
	if (p.refused) {
		deliver_plan_clear(&p);
		return fault_set(f, FAULT_NOUSER, "queue %s is disabled", d->queue_name ? d->queue_name : "?");
	}
	d->res->action = p.action;
	d->res->how = p.how_name;
	d->res->classification = p.classification;
	d->res->mail = p.summary;
	ret = deliver_execute(d, &p, f);
	deliver_plan_clear(&p);
	return ret;
}

/* Whether the message was stored before: the same bytes to the same
 * recipient, or the same sender, Message-ID and body to the same queue
 * (fills the case); notes a case with that Message-ID and other content. */
static int deliver_duplicate(struct deliver *d, long long *case_r, struct fault *f)
{
	const struct mail *m = d->mail;
	const struct store_message_seen seen = {
		.recipient = d->recipient, .raw_hash = d->hash, .queue_id = d->queue_id,
		.from_addr = m ? m->from_addr : NULL, .message_id = m ? m->message_id : NULL,
		.body_hash = d->body_hash, .hash_len = sizeof(d->hash),
	};

	long long row;

	if (store_message_duplicate(d->db, &seen, case_r, &d->reused_case, f) < 0)
		return -1;
	if (*case_r > 0)
		return 0;
	/* one mail to two queue addresses: the MTA delivers it once per
	 * recipient; the case is the first delivery's, in its queue */
	if (store_message_twin(d->db, &seen, &row, case_r, f) < 0)
		return -1;
	if (*case_r > 0)
		snprintf(d->res->how_text, sizeof(d->res->how_text), "duplicate of message %lld (other queue)", row);
	return 0;
}

/* The hash of the body: the bytes after the first empty line (all of
 * them when there is none). */
static void deliver_body_hash(struct deliver *d)
{
	const char *body = d->raw, *end, *p;

	if (d->len > 0) {
		end = d->raw + d->len;
		for (p = d->raw; p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL;) {
			p++;
			if (p < end && *p == '\n') {
				body = p + 1;
				break;
			}
			if (p + 1 < end && p[0] == '\r' && p[1] == '\n') {
				body = p + 2;
				break;
			}
		}
	}
	crypto_generichash(d->body_hash, sizeof(d->body_hash), (const unsigned char *)body,
			   d->len - (size_t)(body - d->raw), NULL, 0);
}

/* The transaction: duplicate check, then store; a concurrent twin that
 * committed first turns this one into a duplicate. */
static int deliver_transaction(struct deliver *d, struct fault *f)
{
	long long dup;

	if (db_begin(d->db, f) < 0)
		return -1;
	if (store_message_lock(d->db, d->mail ? d->mail->message_id : NULL, f) < 0 ||
	    deliver_duplicate(d, &dup, f) < 0)
		goto fail;
	g_array_set_size(d->queued, 0);
	if (dup > 0) {
		db_rollback(d->db);
		d->res->action = DELIVER_DUPLICATE;
		d->res->case_id = dup;
		d->res->how = d->res->how_text[0] ? d->res->how_text : "already stored";
		return 0;
	}
	if (deliver_store(d, f) < 0 || db_commit(d->db, f) < 0)
		goto fail;
	return 0;
fail:
	if (db_unique_violation(d->db)) {
		/* the twin delivered at the same moment won the race */
		struct fault why = *f;

		db_rollback(d->db);
		if (deliver_duplicate(d, &dup, f) < 0)
			return -1;
		if (dup == 0) {
			/* no twin: another unique constraint, a permanent failure */
			*f = why;
			g_array_set_size(d->queued, 0);
			return -1;
		}
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

/* Storing failed for good, which trying again cannot change: store the raw
 * message in a quarantined case instead, with the reason. When even that
 * fails, the failure is temporary (the mail stays queued at the MTA, the
 * log says why) rather than a bounce. */
static int deliver_quarantine_failed(struct deliver *d, struct fault *f)
{
	char first[sizeof(f->text)];

	snprintf(first, sizeof(first), "%s", f->text);
	snprintf(d->res->reason, sizeof(d->res->reason), "not stored (%.250s): quarantined raw", first);
	fault_clear(f);
	if (d->quarantine_reason == NULL) {
		mail_free(&d->mail);
		memset(&d->cls, 0, sizeof(d->cls));
		d->spam_header = d->spam_value = NULL;	/* they pointed into the mail */
		d->quarantine_reason = d->res->reason;
		d->res->classification = "quarantined";
		int ret = deliver_transaction(d, f);

		if (ret == 0 || f->kind != FAULT_PERMANENT)
			return ret;
	}
	return fault_temp(f, "%.250s; storing it quarantined failed too", first);
}

/* ---- part digest ----------------------------------------------------------- */

/* The agent whose digest address the recipient is, 0 when it is none. */
static long long deliver_digest_agent(const struct deliver *d)
{
	struct fault bad;
	char role[4];
	long long agent;

	if (d->ring == NULL || d->token == NULL || *d->token == '\0' ||
	    token_check(d->ring, d->token, &agent, role, &bad) < 0 || strcmp(role, TOKEN_ROLE_DIGEST) != 0)
		return 0;
	return agent;
}

/* Mail to an agent's digest address: no case's. Recorded, and answered
 * (its commands run) only when it is that agent's, as agent mail is
 * trusted (deliver_plan_digest), in one transaction. */
static int deliver_digest(struct deliver *d, long long agent, struct fault *f)
{
	struct outbound ob = { .cfg = d->cfg, .db = d->db, .ring = d->ring, .queued = d->queued, .send_now = true };
	struct deliver_facts fa = { .mail = d->mail };
	struct digest_request rq = {
		.agent_id = agent, .mail = d->mail, .recipient = d->recipient, .queue_addr = d->queue_addr,
		.raw_hash = d->hash, .hash_len = sizeof(d->hash),
	};
	bool dup;

	if (db_begin(d->db, f) < 0)
		return -1;
	g_array_set_size(d->queued, 0);
	if (store_agent_active(d->db, d->mail->from_addr, &fa.agent_id, f) < 0)
		goto fail;
	if (fa.agent_id > 0 && d->cfg->authserv_id[0] != '\0')
		deliver_verify(d, &fa);
	rq.verdict = deliver_plan_digest(agent, fa.agent_id, fa.verify_agents, fa.verified, d->cls.kind, &rq.outcome);
	if (digest_answer(&ob, &rq, &dup, f) < 0 || db_commit(d->db, f) < 0)
		goto fail;
	d->res->action = dup ? DELIVER_DUPLICATE : DELIVER_DIGEST;
	d->res->how = dup ? "already stored" : rq.outcome;
	d->res->mail = !dup && rq.verdict == DIGEST_ANSWER ? "digest" : "none";
	return 0;
fail:
	db_rollback(d->db);
	g_array_set_size(d->queued, 0);
	return -1;
}

int deliver_message(const struct config *cfg, struct db *db, const struct keyring *ring,
		    struct langguess *guess, const struct deliver_envelope *env, const char *raw, size_t len,
		    size_t total, GArray *queued, struct deliver_result *res, struct fault *f)
{
	struct deliver d = { .cfg = cfg, .db = db, .ring = ring, .guess = guess, .env = env, .raw = raw,
			     .len = len, .res = res, .queued = queued };
	struct fault parse_fault;
	long long digest_agent;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->classification = "normal";
	res->mail = "none";
	crypto_generichash(d.hash, sizeof(d.hash), (const unsigned char *)raw, len, NULL, 0);
	deliver_body_hash(&d);
	if (deliver_queue(&d, f) < 0)
		goto out;
	snprintf(res->queue_addr, sizeof(res->queue_addr), "%s", d.queue_addr);
	d.total = total;
	if (total > len) {
		d.quarantine_reason = "oversized: cut at max_message_size";
		/* what it begins with says who wrote, in what language, and
		 * whether it may be answered */
		if (mail_parse(raw, len, &d.head, &parse_fault) == 0)
			classify_mail(d.head, env->sender, d.queue_addr, &d.head_cls);
	}
	else if (mail_parse(raw, len, &d.mail, &parse_fault) < 0)
		d.quarantine_reason = "unparsable";
	else if (d.mail->from_addr == NULL && (env->sender == NULL || *env->sender == '\0') &&
		 d.mail->report == NULL)
		d.quarantine_reason = "no sender address";
	if (d.quarantine_reason != NULL) {
		mail_free(&d.mail);
		res->classification = "quarantined";
	} else {
		classify_mail(d.mail, env->sender, d.queue_addr, &d.cls);
		res->classification = classify_name(d.cls.kind);
		if (d.cls.kind == CLASSIFY_LOOP) {
			res->action = DELIVER_DROP;
			res->how = d.cls.reason;
			ret = 0;
			goto out;
		}
		if (classify_spam(d.mail, cfg->spam_header_names, cfg->spam_header_prefixes, &d.spam_header,
				  &d.spam_value))
			res->classification = "spam";
	}
	/* mail to an agent's digest address is no case's */
	if (d.mail != NULL && (digest_agent = deliver_digest_agent(&d)) > 0)
		ret = deliver_digest(&d, digest_agent, f);
	else	/* the plan says the rest, once it is made */
		ret = deliver_transaction(&d, f);
	if (ret < 0 && f->kind == FAULT_PERMANENT)
		ret = deliver_quarantine_failed(&d, f);
out:
	mail_free(&d.mail);
	mail_free(&d.head);
	g_free(d.guessed);
	g_free(d.queue_addr);
	g_free(d.queue_name);
	g_free(d.recipient);
	g_free(d.token);
	return ret;
}
