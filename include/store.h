/* store.h: the one place with the SQL on cases, customers, messages,
 * attachments, watchers and events (and the look-ups of queues and agents
 * that delivery needs). Everything runs in the caller's transaction; rows
 * that callers read come back as PGresult with named columns. */
#ifndef POSTDESK_STORE_H
#define POSTDESK_STORE_H

#include <glib.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "fault.h"
#include "model.h"

struct db;

/* ---- events ---------------------------------------------------------- */

/* Add an event to the case's audit trail; actor and detail may be NULL. */
int store_event(struct db *db, long long case_id, enum event_type type, const char *actor,
		const char *detail, struct fault *f);

/* The texts of the newest STORE_TEXTS_MAX messages of a kind on a case,
 * each cut to STORE_TEXT_MAX characters, appended to texts (g_free each). */
int store_case_texts(struct db *db, long long case_id, enum msg_kind kind, GPtrArray *texts, struct fault *f);
#define STORE_TEXTS_MAX 50
#define STORE_TEXT_MAX (256 * 1024)

/* ---- queues and agents, as delivery needs them -------------------------- */

/* The queue whose address is addr (lower-case, no extension): *id_r and
 * *addr_r (g_free); *id_r = 0 when none. */
int store_queue_find(struct db *db, const char *addr, long long *id_r, char **addr_r, struct fault *f);
/* The id of the active agent with address email, 0 when none. */
int store_agent_active(struct db *db, const char *email, long long *id_r, struct fault *f);
/* The id of the registered agent (active or not) with address email, 0 when none. */
int store_agent_find(struct db *db, const char *email, long long *id_r, struct fault *f);
/* An agent's name and address (g_free both; NULL when there is no such agent). */
int store_agent_get(struct db *db, long long agent_id, char **name_r, char **email_r, struct fault *f);
/* The agents to tell about a message on a case: the assignee, else the
 * queue's agents (all of the queue's agents for a note), never the author;
 * active ones only. Columns: 0 email, 1 name. PQclear the result. */
PGresult *store_agents_to_notify(struct db *db, long long queue_id, long long assignee_id,
				 long long author_id, bool note, struct fault *f);
/* Who gets step 1 of an escalation: the active assignee, else the queue's
 * active agents, as addresses (g_free each) appended to to. */
int store_agents_to_escalate(struct db *db, long long case_id, GPtrArray *to, struct fault *f);

/* ---- customers ---------------------------------------------------------- */

/* Insert or find the customer with address email (the customer whose
 * alias email is, when it is one); name fills it when not known yet. */
int store_customer_upsert(struct db *db, const char *email, const char *name, long long *id_r, struct fault *f);
/* A person's mail on case case_id showed language (from_header: its
 * Content-Language or Accept-Language, else guessed from its text). The
 * customer with address email remembers it, unless it is a guess and what
 * they remember came from a header; the case takes it when it has none
 * and email is its customer. An alias's language is its customer's. */
int store_language_seen(struct db *db, long long case_id, const char *email, const char *language,
			bool from_header, struct fault *f);
/* Mark an address as undeliverable (a failed delivery report). */
int store_customer_bounced(struct db *db, const char *email, const char *detail, struct fault *f);
/* Count one automatic mail to addr today; *count_r is today's count with it. */
int store_auto_mail_count(struct db *db, const char *addr, long long *count_r, struct fault *f);

/* ---- cases -------------------------------------------------------------- */

/* Create a case (customer_id and linked_id 0 for none). */
int store_case_create(struct db *db, long long queue_id, long long customer_id, const char *subject,
		      bool quarantined, long long linked_id, long long *id_r, struct fault *f);
/* Whether case id exists. */
int store_case_exists(struct db *db, long long id, bool *yes_r, struct fault *f);
/* Lock a case for the rest of the transaction and read its status and how
 * many seconds ago it was closed (0 when not closed). */
int store_case_lock(struct db *db, long long id, enum case_status *status_r, long long *closed_age_r,
		    struct fault *f);
/* Whether addr takes part in the case: its customer (or one of the
 * customer's aliases), a watcher or its assignee. */
int store_case_participant(struct db *db, long long case_id, const char *addr, bool *yes_r, struct fault *f);
/* The case as mail about it needs it (store_case_info_clear after). */
struct store_case_info {
	long long id;
	char *subject;
	enum case_status status;
	char *customer_email, *customer_name;	/* NULL when none */
	char *language;			/* the case's, else the customer's, else the queue's, else the default */
	long long queue_id;
	char *queue_name, *queue_addr;
	long long first_response_s;	/* the queue's, 0 when not set */
	long long assignee_id;		/* 0 when none */
	bool bounced;			/* the customer's address bounced */
};
int store_case_info(struct db *db, long long id, const char *default_language, struct store_case_info *c,
		    struct fault *f);
void store_case_info_clear(struct store_case_info *c);
/* The case changed without a change of its own fields: updated = now. */
int store_case_touch(struct db *db, long long id, struct fault *f);
/* Store a survey answer: rating 1-5 and an optional comment. */
int store_case_rate(struct db *db, long long id, int rating, const char *comment, struct fault *f);
/* Assign the case to the registered agent with address email (NULL:
 * nobody), by hand; *old_r (256 bytes) gets the previous assignee's address
 * or "nobody". No such case is a permanent failure. */
int store_case_assign(struct db *db, long long id, const char *email, char *old_r, struct fault *f);
/* Assign the case to an agent by id. */
int store_case_assign_id(struct db *db, long long id, long long agent_id, struct fault *f);
/* Set the case's priority. */
int store_case_set_priority(struct db *db, long long id, enum case_priority priority, struct fault *f);
/* An agent answered the customer: the first-response clock stops, the
 * next-response clock starts again, an escalation round ends. */
int store_case_answered(struct db *db, long long id, struct fault *f);
/* Set the status with the time stamps that go with it (pending since,
 * resolved, closed; a new reminder after the next pending), as of now (Unix
 * seconds; 0: the transaction's time). *old_r (may be NULL) gets the
 * status it had. No such case is a permanent failure. */
int store_case_set_status(struct db *db, long long id, enum case_status status, long long now,
			  enum case_status *old_r, struct fault *f);

/* What the due times are computed from (store_case_sla_read). Instants are
 * Unix seconds, 0 = none. */
struct store_case_sla {
	enum case_status status;
	long long created, paused_at, paused_s, last_reply;
	long long first_s, next_s, resolution_s;	/* the queue's levels, 0 when unset */
	long long unanswered;		/* the first customer mail after the last answer */
	long long now;			/* the given time, else the transaction's */
	char *calendar_id;		/* the queue's calendar, NULL for wall time (g_free) */
	bool spam;			/* marked spam: no due times until it is not */
	long long first_at, resolved_at;	/* first response, resolution not yet measured (0: none) */
};
/* Read and lock what the case's due times depend on. */
int store_case_sla_read(struct db *db, long long id, long long now, struct store_case_sla *s, struct fault *f);
/* Write the due times and pause bookkeeping (0 = none). */
int store_case_sla_write(struct db *db, long long id, long long first_due, long long next_due,
			 long long resolution_due, long long paused_s, long long paused_at, struct fault *f);

/* ---- cases for the sweeper ---------------------------------------------- */

/* The columns of store_sweep_claim's rows. */
enum store_sweep_col {
	SWEEP_ID, SWEEP_STATUS, SWEEP_LEVEL, SWEEP_FIRST_DUE, SWEEP_NEXT_DUE, SWEEP_RESOLUTION_DUE,
	SWEEP_UNTIL, SWEEP_WAKE, SWEEP_CALENDAR, SWEEP_ESCALATE_AFTER, SWEEP_ESCALATE_TO, SWEEP_PRIORITY,
	SWEEP_PENDING_SINCE, SWEEP_REMINDED, SWEEP_REMIND_AFTER, SWEEP_RESOLVED_AT, SWEEP_SURVEY_DUE,
	SWEEP_NOW,
};
/* Claim up to limit cases due at now (0: the transaction's time), locked,
 * skipping those other sweepers hold. PQclear the result. */
PGresult *store_sweep_claim(struct db *db, long long now, int limit, struct fault *f);
/* Step 1 of an escalation done: the breach at until is dealt with, step 2 at next. */
int store_case_escalated_first(struct db *db, long long id, long long until, long long next, struct fault *f);
/* Step 2 done: no further step; the priority raised. */
int store_case_escalated_second(struct db *db, long long id, enum case_priority priority, struct fault *f);
/* The customer was reminded, or sent the survey, at time at. */
int store_case_reminded(struct db *db, long long id, long long at, struct fault *f);
int store_case_surveyed(struct db *db, long long id, long long at, struct fault *f);
/* Retention: drop the case's mail and what names the customer, as of at;
 * the customer row (and its aliases) too when it has no other case. */
int store_case_purge(struct db *db, long long id, long long at, struct fault *f);

/* ---- cases for people: "case list" and "case show" ----------------------- */

/* The columns of store_case_list's rows. LIST_DUE: the earliest due time
 * the clocks run for (new and open cases: the first response while
 * unanswered, the next response, the resolution), NULL when none;
 * LIST_OVERDUE: it has passed. */
enum store_list_col {
	LIST_ID, LIST_QUEUE, LIST_STATUS, LIST_PRIORITY, LIST_SUBJECT, LIST_CUSTOMER, LIST_ASSIGNEE,
	LIST_CREATED, LIST_QUARANTINED, LIST_MESSAGES, LIST_DUE, LIST_OVERDUE,
};
/* What "case list" selects; NULL (false, 0) fields select everything. */
struct store_case_filter {
	const char *queue, *status;	/* a queue's name, a status name */
	const char *assignee;		/* an agent's address; "" for cases nobody is assigned */
	const char *customer;		/* the customer's address (folded) */
	const char *search;		/* words (websearch_to_tsquery) in the subject or in the
					 * text of customers', agents' mail and notes */
	bool overdue;			/* only cases whose due time has passed */
	bool spam;			/* only the cases marked spam (else: none of them) */
	long long limit;		/* at most this many rows; 0: all */
};
/* The cases the filter selects, earliest due time first (none last), then
 * by number. PQclear it. */
PGresult *store_case_list(struct db *db, const struct store_case_filter *flt, struct fault *f);

/* Everything "case show" prints, read in one snapshot. */
enum store_show_case_col {
	SHOW_ID, SHOW_QUEUE, SHOW_STATUS, SHOW_PRIORITY, SHOW_SUBJECT, SHOW_CUSTOMER, SHOW_ASSIGNEE,
	SHOW_CREATED, SHOW_FIRST_DUE, SHOW_RESOLUTION_DUE, SHOW_LEVEL, SHOW_QUARANTINED, SHOW_LINKED,
	SHOW_CUSTOMER_NAME, SHOW_CUSTOMER_LANGUAGE, SHOW_UPDATED, SHOW_NEXT_DUE, SHOW_ANSWERED,
	SHOW_RATING, SHOW_RATING_COMMENT, SHOW_MERGED_INTO,
	SHOW_SPAM,	/* part intake */
};
enum store_show_message_col {
	SHOW_MSG_ID, SHOW_MSG_DIRECTION, SHOW_MSG_KIND, SHOW_MSG_CLASS, SHOW_MSG_FROM, SHOW_MSG_TO,
	SHOW_MSG_SUBJECT, SHOW_MSG_MESSAGE_ID, SHOW_MSG_CREATED, SHOW_MSG_BODY, SHOW_MSG_CC,
};
enum store_show_attachment_col { SHOW_ATT_MESSAGE, SHOW_ATT_FILENAME, SHOW_ATT_TYPE, SHOW_ATT_SIZE };
enum store_show_event_col { SHOW_EV_TYPE, SHOW_EV_CREATED, SHOW_EV_DETAIL, SHOW_EV_ACTOR };
struct store_case_show {
	PGresult *c;			/* no row when there is no such case */
	PGresult *watchers;		/* 0 address */
	PGresult *messages, *attachments, *events;
};
int store_case_show(struct db *db, long long id, struct store_case_show *r, struct fault *f);
void store_case_show_clear(struct store_case_show *r);

/* ---- attachments, read back ---------------------------------------------- */

/* The columns of store_case_attachments' rows. */
enum store_attachment_col {
	ATT_N, ATT_MESSAGE, ATT_INDEX, ATT_FILENAME, ATT_TYPE, ATT_SIZE, ATT_CUSTOMER,
};
/* The case's attachments, numbered (n, from 1) in the order they were
 * stored, as "case show" lists them; each with its message's row id, its
 * place among that message's attachments (index, from 1), filename (NULL
 * when none), content type, size, and whether a customer's incoming mail
 * brought it. PQclear the result. */
PGresult *store_case_attachments(struct db *db, long long case_id, struct fault *f);
/* How many attachments the case's messages have. */
int store_case_attachment_count(struct db *db, long long case_id, long long *count_r, struct fault *f);
/* Whether the case exists, and when retention purged it: *purged_r the
 * time as ISO 8601 text (g_free), NULL when not purged. */
int store_case_purged(struct db *db, long long case_id, bool *exists_r, char **purged_r, struct fault *f);
/* The raw bytes of a stored message into *raw_r (PQfreemem) and *len_r;
 * *raw_r NULL when they are not kept (purged). */
int store_message_raw(struct db *db, long long message_row, unsigned char **raw_r, size_t *len_r, struct fault *f);

/* ---- watchers ----------------------------------------------------------- */

/* Make the addresses (folded, each once) watchers of the case, in order,
 * leaving out queue addresses (bases: each address without its extension,
 * same order), agents, the case's customer (and their aliases) and those already watching, up
 * to max watchers on the case; each added one gets a watcher-added event
 * by actor, and one watchers-left-out event counts what did not fit and
 * names the first STORE_WATCHERS_NAMED. */
#define STORE_WATCHERS_NAMED 5
int store_watchers_add(struct db *db, long long case_id, GPtrArray *addrs, GPtrArray *bases, long long max,
		       const char *actor, struct fault *f);
/* The case's watchers, by address, appended to list (g_free each). */
int store_watchers_list(struct db *db, long long case_id, GPtrArray *list, struct fault *f);

/* ---- messages ----------------------------------------------------------- */

/* An incoming message as it is stored. NULL fields are SQL NULL. */
struct store_message_in {
	long long case_id, queue_id;
	enum msg_kind kind;
	const char *classification;
	const char *from_addr, *from_name;
	const char *to_addrs, *cc_addrs;	/* ", "-joined */
	const char *subject, *message_id, *in_reply_to;
	const char *references;		/* "\n"-joined */
	const char *envelope_sender, *envelope_recipient, *mta_queue_id;
	const char *raw;
	size_t raw_len;
	const unsigned char *raw_hash, *body_hash;
	size_t raw_hash_len, body_hash_len;
	const char *body_text, *body_html;
};
/* One attachment's description (its content stays in the raw message). */
struct store_attachment {
	const char *filename, *content_type;
	size_t size;
};
/* Store an incoming message and its n attachments. */
int store_message_in(struct db *db, const struct store_message_in *m, const struct store_attachment *atts,
		     size_t n, struct fault *f);
/* Store an outgoing message of the case (what was sent, and as what text). */
int store_message_out(struct db *db, long long case_id, long long queue_id, enum msg_kind kind,
		      const char *from_addr, const char *to_addrs, const char *subject, const char *message_id,
		      const char *raw, size_t raw_len, const char *body_text, struct fault *f);
/* A message stored before, as the duplicate check sees it. */
struct store_message_seen {
	const char *recipient;		/* the same bytes to the same recipient, */
	const unsigned char *raw_hash;
	long long queue_id;		/* or the same sender, Message-ID and body to the queue */
	const char *from_addr, *message_id;
	const unsigned char *body_hash;
	size_t hash_len;		/* of both hashes */
};
/* *dup_r: the case of a duplicate, 0 when none; *reused_r: a case with the
 * same sender and Message-ID but other content, 0 when none. */
int store_message_duplicate(struct db *db, const struct store_message_seen *m, long long *dup_r,
			    long long *reused_r, struct fault *f);
/* The cases of stored messages with one of the Message-IDs ("\n"-joined),
 * this queue's first, then the newest; up to 20 ids appended to cases. */
int store_message_cases(struct db *db, const char *message_ids, long long queue_id, GArray *cases,
			struct fault *f);
/* The customer conversation's last ten Message-IDs, oldest first, appended
 * to ids (g_free each). */
int store_message_conversation(struct db *db, long long case_id, GPtrArray *ids, struct fault *f);

/* ---- merging cases (part merge, issue 15) -------------------------------- */

/* How many merge steps store_case_final follows at most. store_case_merge
 * keeps every merged case pointing at a case that was not merged away, so
 * one step is the most a chain needs; more is a broken database. */
#define STORE_MERGE_HOPS 16
/* The case that mail to case id goes to: id itself, or the case it was
 * merged into (to the end of the chain); 0 when there is no case id. A
 * chain longer than STORE_MERGE_HOPS, or a cycle, is a permanent failure. */
int store_case_final(struct db *db, long long id, long long *final_r, struct fault *f);
/* Lock cases source and target for the rest of the transaction (the lower
 * id first, so that two merges never deadlock) and say why source cannot
 * be merged into target: *why_r (g_free) is NULL when it can; else it is
 * one sentence: the same case, no such case, either was merged away
 * already (merging into a case merged into source would be a cycle), or
 * purged. agent_id > 0: the agent must also be in both cases' queues. */
int store_case_merge_check(struct db *db, long long source, long long target, long long agent_id,
			   char **why_r, struct fault *f);
/* What a merge moved. */
struct store_merge_moved {
	long long messages, attachments, watchers, outbox;
};
/* Merge case source into case target in the caller's transaction (checked
 * as store_case_merge_check does, agents aside: a refusal is a permanent
 * failure with its sentence): source's messages (their attachments with
 * them), watchers (each once; source's customer too when target has
 * another) and unsent outbox rows move to target; target takes source's
 * customer and assignee when it has none, the higher priority, and opens
 * again when it was resolved or closed and source was not; source is
 * closed with merged_into = target, and so is every case merged into
 * source before. Events stay on their case; source gets "merged-into"
 * ("#target"), target "merged-from" ("#source"), both by actor. The caller
 * refreshes both cases' due times (sla_refresh). */
int store_case_merge(struct db *db, long long source, long long target, const char *actor,
		     struct store_merge_moved *moved, struct fault *f);
/* ---- administration: agents and queues (part admin, issue 15) ------------ */

/* Set whether the agent with address email is active: *id_r 0 when there
 * is no such agent; *changed_r false when it already was. */
int store_agent_set_active(struct db *db, const char *email, bool active, long long *id_r, bool *changed_r,
			   struct fault *f);
/* The columns of store_hand_back's rows. */
enum store_hand_back_col { HAND_CASE, HAND_QUEUE };
/* Take the agent off their open cases (new, open, pending): each becomes
 * unassigned, with an "unassigned" event by actor saying detail. The
 * rows: the cases, by queue, then number. PQclear it. */
PGresult *store_hand_back(struct db *db, long long agent_id, const char *actor, const char *detail,
			  struct fault *f);
/* The columns of store_agent_list's rows. */
enum store_agent_list_col { AGENT_EMAIL, AGENT_NAME, AGENT_ACTIVE, AGENT_QUEUES, AGENT_OPEN };
/* Every agent by address, with its queues (","-joined names) and how many
 * open cases (new, open, pending) it is assigned. PQclear it. */
PGresult *store_agent_list(struct db *db, struct fault *f);
/* Whether the queue takes new cases, and its name (g_free). */
int store_queue_state(struct db *db, long long queue_id, bool *active_r, char **name_r, struct fault *f);
/* Set whether the named queue takes new cases: *found_r false when there is
 * no such queue, *changed_r false when it already was so. */
int store_queue_set_active(struct db *db, const char *name, bool active, bool *found_r, bool *changed_r,
			   struct fault *f);
/* The settings of a queue, in the order of "queue add"'s options. */
enum store_queue_field {
	SQF_ADDRESS, SQF_LANGUAGE, SQF_FIRST, SQF_NEXT, SQF_RESOLUTION, SQF_CALENDAR, SQF_ESCALATE_TO,
	SQF_ESCALATE_AFTER, SQF_REMIND, SQF_AUTOCLOSE, SQF_CLOSE, SQF_RETENTION, SQF_SURVEY, SQF_COUNT
};
/* Change the named queue: each field with set[i] takes value[i] (NULL:
 * unset; durations as seconds, the calendar by name, survey "t" or "f"),
 * the others stay. *id_r 0 when there is no such queue. A unique violation
 * (address) is left for the caller to tell (db_unique_violation). */
int store_queue_update(struct db *db, const char *name, const bool set[SQF_COUNT],
		       const char *const value[SQF_COUNT], long long *id_r, struct fault *f);
/* The queue's cases whose due times run or wait (new, open, pending),
 * appended to ids (long long). */
int store_queue_open_cases(struct db *db, long long queue_id, GArray *ids, struct fault *f);
/* ---- people: customer aliases, watchers by command, notices (issue 15) -- */

/* The id of the customer with address email, 0 when none (an alias is not
 * one). */
int store_customer_find(struct db *db, const char *email, long long *id_r, struct fault *f);
/* Make other (other_base: without its extension) an alias of the customer
 * email, who is created when unknown; *added_r false when it was one
 * already. Refused (permanent, saying why) when other is an agent, a queue
 * address, another customer's alias or a customer with cases of its own,
 * or when email is itself someone's alias. A customer other without cases
 * is dropped: its mail is email's from now on. */
int store_customer_alias_add(struct db *db, const char *email, const char *other, const char *other_base,
			     bool *added_r, struct fault *f);
/* Remove other as an alias of customer id; *removed_r false when it was not one. */
int store_customer_alias_remove(struct db *db, long long customer_id, const char *other, bool *removed_r,
				struct fault *f);
/* The customer's aliases by address: rows of 0 address, 1 created (ISO
 * 8601). PQclear it. */
PGresult *store_customer_aliases(struct db *db, long long customer_id, struct fault *f);
/* Whether addr may rate the case: its customer, one of the customer's
 * aliases or a watcher (not its agents, not whoever holds the survey
 * address). */
int store_case_rater(struct db *db, long long case_id, const char *addr, bool *yes_r, struct fault *f);
/* Why addr (base: without its extension) cannot become a watcher of the
 * case by an agent's #cc, into *why_r (static text; NULL: it can): it
 * watches already, is a queue address, an agent, the case's customer, or
 * the case has max watchers. */
int store_watcher_refusal(struct db *db, long long case_id, const char *addr, const char *base, long long max,
			  const char **why_r, struct fault *f);
/* Stop addr watching the case, with a watcher-removed event by actor;
 * *removed_r false when it was no watcher. */
int store_watcher_remove(struct db *db, long long case_id, const char *addr, const char *actor, bool *removed_r,
			 struct fault *f);
/* Record that people were told something (an event of type with detail),
 * unless the case has that event with that detail already: *first_r
 * says whether this is the first time (tell them once). */
int store_case_told(struct db *db, long long case_id, enum event_type type, const char *detail, bool *first_r,
		    struct fault *f);
/* The queue's escalation address (g_free), NULL when it has none. */
int store_queue_escalate_to(struct db *db, long long queue_id, char **addr_r, struct fault *f);

/* ---- intake: spam, twins to other queues, the ack's promise (issue 15) ---- */

/* Mark a new case spam (the MTA's filter said so). */
int store_case_mark_spam(struct db *db, long long id, struct fault *f);
/* The case is not spam; *was_r says whether it was marked (false: nothing changed). */
int store_case_unspam(struct db *db, long long id, bool *was_r, struct fault *f);
/* Remember the UTC offset (minutes) of a customer's mail's Date. */
int store_customer_offset(struct db *db, const char *email, int minutes, struct fault *f);
/* Serialize, until the end of the transaction, deliveries of mail with
 * this Message-ID (NULL: nothing to do): the second of two deliveries of
 * one message to two queues sees the first one's rows. */
int store_message_lock(struct db *db, const char *message_id, struct fault *f);
/* The same message delivered before to another queue: the same Message-ID
 * and the same bytes, or the same sender and body. *row_r its message row,
 * *case_r its case; both 0 when none. */
int store_message_twin(struct db *db, const struct store_message_seen *m, long long *row_r, long long *case_r,
		       struct fault *f);
/* What the acknowledgment promises: the first-response due time and the
 * zones to write it in. Instants are Unix seconds, 0 = none. */
struct store_case_promise {
	long long due, now;
	char *zone;			/* the queue's calendar's tz name, NULL without a calendar (g_free) */
	bool has_offset;		/* the customer's UTC offset is known: */
	int offset;			/* minutes */
};
int store_case_promise(struct db *db, long long id, struct store_case_promise *p, struct fault *f);
/* The case's first incoming customer message: its row id (0 when none),
 * envelope sender and the case's queue address (g_free both; NULL when none). */
int store_case_first_mail(struct db *db, long long id, long long *row_r, char **sender_r, char **queue_addr_r,
			  struct fault *f);

/* ---- part digest: the queue by mail (sql/012_digest.sql) ---------------- */

/* Record mail to agent_id's digest address (raw_hash: hash_len bytes of
 * its raw text); *new_r false when the same bytes to the same address, or
 * (trusted) the agent's same Message-ID, were recorded before: then it was
 * dealt with already and nothing is to be done again. */
int store_digest_request(struct db *db, long long agent_id, const char *recipient, const unsigned char *raw_hash,
			 size_t hash_len, const char *from_addr, const char *message_id, bool trusted,
			 const char *outcome, bool *new_r, struct fault *f);
/* Who a digest is for: the agent, their first queue (the lowest id: its
 * address is the base of their digest address) and that queue's
 * calendar's time zone ("UTC" without one); the strings g_free'd by
 * store_digest_agent_clear. *found_r false when the agent is not active
 * or in no queue. */
struct store_digest_agent {
	char *name, *email, *queue_addr, *timezone;
};
int store_digest_agent(struct db *db, long long agent_id, struct store_digest_agent *a, bool *found_r,
		       struct fault *f);
void store_digest_agent_clear(struct store_digest_agent *a);
/* The active agents in a queue whose local time (their first queue's
 * calendar) at now (Unix seconds; 0: the transaction's time) is within
 * hour (hour:00 to hour:59) and whose digest of that local day is not claimed yet, at most
 * limit, lowest id first. Columns: 0 agent id, 1 the local day
 * (YYYY-MM-DD). PQclear it. */
PGresult *store_digest_due(struct db *db, long long now, int hour, int limit, struct fault *f);
/* Claim agent_id's daily digest of day for the caller's transaction,
 * listing cases cases; *claimed_r false when it was claimed before (by
 * another sweeper: it waits here until that one commits or rolls back). */
int store_digest_claim(struct db *db, long long agent_id, const char *day, int cases, bool *claimed_r,
		       struct fault *f);
/* The columns of store_digest_cases' rows. */
enum store_digest_col {
	DG_ID, DG_SUBJECT, DG_STATUS, DG_PRIORITY, DG_CUSTOMER, DG_CUSTOMER_NAME, DG_QUEUE, DG_DUE,
	DG_TIMEZONE, DG_MINE, DG_OVERDUE, DG_TOTAL,
};
/* What agent_id's digest lists as of now (0: the transaction's time):
 * their open cases (new, open, pending; mine true), then the unassigned
 * ones of their queues, each part at most limit rows, the earliest due
 * first (none last), then by id. due: the earliest due time (Unix
 * seconds, NULL when none); timezone: the case's queue's calendar's
 * ("UTC" without one); overdue: new or open and due before now; total:
 * how many the part has without the limit. PQclear it. */
PGresult *store_digest_cases(struct db *db, long long agent_id, long long now, int limit, struct fault *f);
/* Lock case_id for a command of agent_id's digest mail and read its
 * status, priority and assignee (0: none); *ok_r false when there is no
 * such case or it is not in one of the agent's queues. */
int store_digest_case_lock(struct db *db, long long case_id, long long agent_id, bool *ok_r,
			   enum case_status *status_r, enum case_priority *priority_r, long long *assignee_r,
			   struct fault *f);
/* Forget digest records older than days days (the claims of past days,
 * the requests that only had to be recognised when sent again). */
int store_digest_forget(struct db *db, int days, struct fault *f);

/* ---- privacy: a person's data exported or erased (issue 16) ------------ */

/* The person an export or erasure is about. */
struct privacy_person {
	long long customer_id;	/* 0: not a customer (perhaps only copied somewhere) */
	bool agent;		/* one of the addresses is a registered agent */
	GPtrArray *addrs;	/* char *: the address asked for, the customer's, the aliases */
	GPtrArray *names;	/* char *: the customer's name, the display names of their mail */
	char *addr_array;	/* addrs as a text[] literal */
	char *regex;		/* addrs and names as one case-insensitive expression */
};
/* What an erasure removed or changed. */
struct privacy_erased {
	long long cases;	/* their own cases, purged */
	long long touched;	/* other people's cases they were removed from */
	long long watchers, messages, scrubbed, outbox, events, rate_rows;
};
/* Find the person with address email (a customer's address or alias, or
 * anyone's): their addresses and names. Clear p with
 * store_privacy_person_clear, also after a failure. */
int store_privacy_person(struct db *db, const char *email, struct privacy_person *p, struct fault *f);
void store_privacy_person_clear(struct privacy_person *p);
/* The customer row: 0 email, 1 name, 2 language, 3 language_source,
 * 4 utc_offset, 5 created, 6 bounced_at, 7 bounce_info. PQclear it. */
PGresult *store_privacy_customer(struct db *db, const struct privacy_person *p, struct fault *f);
/* Their cases as customer or watcher: 0 id, 1 queue, 2 role, 3 status,
 * 4 priority, 5 subject, 6 created, 7 first_response_at, 8 resolved_at,
 * 9 closed_at, 10 rating, 11 rating_comment, 12 language. */
PGresult *store_privacy_cases(struct db *db, const struct privacy_person *p, struct fault *f);
/* with_raw: the mail they sent, kept raw: 0 id, 1 case, 2 created, 3 from,
 * 4 raw (bytea). Else their mail and the conversation of their own cases
 * (customer and agent mail, not notes): 0 id, 1 case, 2 created,
 * 3 direction, 4 kind, 5 from_addr, 6 from_name, 7 to, 8 cc, 9 subject,
 * 10 message_id, 11 body_text, 12 body_html. */
PGresult *store_privacy_messages(struct db *db, const struct privacy_person *p, bool with_raw, struct fault *f);
/* The attachments of those messages: 0 message, 1 filename, 2 type, 3 size. */
PGresult *store_privacy_attachments(struct db *db, const struct privacy_person *p, struct fault *f);
/* The events of their cases and those naming them: 0 case, 1 type,
 * 2 actor, 3 detail, 4 created. */
PGresult *store_privacy_events(struct db *db, const struct privacy_person *p, struct fault *f);
/* The outbox mail to them. with_raw: 0 id, 1 case, 2 sent (or queued),
 * 3 envelope_from, 4 raw (bytea); else 0 id, 1 case, 2 kind,
 * 3 recipients, 4 status, 5 created, 6 sent_at. */
PGresult *store_privacy_outbox(struct db *db, const struct privacy_person *p, bool with_raw, struct fault *f);
/* Erase the person, in the caller's transaction, as of time at: their own
 * cases purged as retention does (times, status, rating kept), the
 * customer and aliases deleted; elsewhere their watcher rows, rate-limit
 * rows, their mail and postdesk's own mail naming them (notifications
 * quoting them) deleted, other mail naming them loses its raw form
 * and has their addresses and names replaced by "[erased]" (so do event
 * details, case subjects, rating comments), outbox rows naming them are
 * deleted; an "erased" event naming nobody on every case touched. */
int store_privacy_erase(struct db *db, const struct privacy_person *p, long long at, struct privacy_erased *n,
			struct fault *f);
/* Retention of the rate limit: forget the counts of the days before today. */
int store_auto_mail_forget(struct db *db, struct fault *f);

/* ---- part report: figures over a period (sql/013_report.sql) ------------ */

/* Record the business seconds to the first response and to the resolution
 * (-1: leave as it is); written once, when they happen. */
int store_case_business_write(struct db *db, long long id, long long first_s, long long resolution_s,
			      struct fault *f);
/* The filter of every report query: cases created in [from, to) (ISO
 * times), of queue (NULL: all), assigned to agent (NULL: anyone); spam and
 * merged cases are left out. */
struct store_report_filter { const char *from, *to, *queue, *agent; };
/* The columns of store_report_figures' rows. */
enum store_report_col {
	RP_QUEUE, RP_LANGUAGE, RP_OPENED, RP_RESOLVED, RP_REOPENED,
	RP_FR_P50, RP_FR_P90, RP_FR_B50, RP_FR_B90, RP_RS_P50, RP_RS_P90, RP_RS_B50, RP_RS_B90,
	RP_BR_FIRST, RP_BR_NEXT, RP_BR_RESOLUTION, RP_SENT, RP_RATED, RP_AVERAGE,
	RP_C1, RP_C2, RP_C3, RP_C4, RP_C5, RP_FROM, RP_TO,
};
/* One row per queue (by name; all queues, or the one named) and last the
 * total (queue NULL): the period's figures; percentiles NULL when nothing
 * was measured. PQclear it. */
PGresult *store_report_figures(struct db *db, const struct store_report_filter *q, struct fault *f);
/* Backlog now (not the period's): per queue then total (queue NULL):
 * queue, new, open, pending, resolved, and the new/open/pending cases by
 * age <1 d, 1-3 d, 3-7 d, 7-30 d, >30 d. */
PGresult *store_report_backlog(struct db *db, const struct store_report_filter *q, struct fault *f);
/* Per queue and agent, then per agent over all queues (queue NULL): queue,
 * email, owned, answered (had a first response), median first response
 * (wall seconds, NULL: none). */
PGresult *store_report_agents(struct db *db, const struct store_report_filter *q, struct fault *f);
/* The latest 10 rating comments per queue, then in total (queue NULL):
 * queue, case id, rating, comment, rated (ISO). */
PGresult *store_report_comments(struct db *db, const struct store_report_filter *q, struct fault *f);

/* ---- part mail: the report as a mail (issue 16) ------------------------ */

/* The address a report mail comes from: the queue called name's, else
 * (no such queue, name NULL) the first queue's, into *addr_r (g_free;
 * NULL when there is no queue). */
int store_report_from(struct db *db, const char *name, char **addr_r, struct fault *f);

#endif
