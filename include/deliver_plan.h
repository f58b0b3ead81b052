/* deliver_plan.h: the rules of one delivery as one pure function. Given
 * what deliver read (the parsed mail, its classification, the recipient's
 * token, the author, the threading facts and the state of the case they
 * name), deliver_plan() decides everything that is then written in one
 * transaction: the action, the case, the message's kind and
 * classification, the events, the status change, watchers, the rating and
 * what mail to make. No I/O, so every rule is tested alone. */
#ifndef POSTDESK_DELIVER_PLAN_H
#define POSTDESK_DELIVER_PLAN_H

#include <glib.h>
#include <stdbool.h>

#include "agentcmd.h"
#include "classify.h"
#include "deliver.h"
#include "model.h"
#include "thread.h"

struct mail;

/* A case's subject is the mail's cut to this many bytes (at a character,
 * with "..."): it goes into every mail about the case. The message keeps
 * its whole subject. */
#define DELIVER_SUBJECT_MAX 500

/* Everything known before deciding. Strings are borrowed. */
struct deliver_facts {
	const struct mail *mail;	/* NULL when quarantined */
	const char *quarantine_reason;	/* non-NULL: store raw in a quarantined case */
	struct classify_result cls;	/* of mail */
	const char *envelope_sender;	/* NULL when not given, "" for the null sender */
	const char *queue_addr;		/* the queue written to */
	const char *recipient_delimiter;
	const char *token;		/* the recipient's extension, NULL when none */
	long long token_case;		/* its valid token's existing case, 0 when none */
	const char *token_role;		/* that token's role */
	long long token_merged;		/* the token's own case when it was merged into
					 * token_case, 0 when not */
	long long agent_id;		/* From is this active registered agent, 0 when not */
	bool verify_agents;		/* authserv_id is set: agent mail must be verified */
	bool verified;			/* the MTA's Authentication-Results verify From's domain */
	const char *verified_why;	/* what they showed */
	struct thread_facts thread;	/* the references and subject tag found */
	/* the state of the case thread_pick(&thread) names, when it names one */
	enum case_status status;
	long long closed_age;		/* seconds since it was closed */
	long long reopen_window;	/* from the configuration */
	bool have_keys;			/* tokens can be made: mail can be sent */
	long long reused_case;		/* a case holds this sender's Message-ID with other content */
	const char *guessed_language;	/* the template language the customer's own text is
					 * clearly written in (langguess_text), NULL when none */
	bool queue_disabled;		/* the queue takes no new cases (queue disable) */
	/* part intake (issue 15) */
	const char *spam_header;	/* the field that marks the mail spam (spam_headers), */
	const char *spam_value;		/* and its value; NULL when not spam */
	size_t oversized;		/* over max_message_size: the size the MTA sent, else 0 */
	const struct mail *head;	/* oversized: its beginning parsed, NULL when unreadable */
	struct classify_result head_cls;	/* of head */
	bool rater;			/* a survey answer's From may rate the token's case:
					 * its customer, an alias of theirs or a watcher */
};

/* A survey rating this low (1 or 2) is told to the assignee and the
 * queue's escalation address. */
#define DELIVER_LOW_RATING 2

/* An event the plan writes, detail owned by the plan. */
struct deliver_plan_event {
	enum event_type type;
	char *detail;
};

/* What mail a delivery makes (outbound executes it). */
enum deliver_reaction {
	REACT_NONE,		/* automatic, untrusted, quarantined mail, or no keys */
	REACT_CUSTOMER,		/* customer mail: an ack for a new case, agents notified */
	REACT_COMMAND_ERROR,	/* an agent's #command was not understood: tell them */
	REACT_NOTE,		/* an internal note: commands, the queue's agents notified */
	REACT_RELAY,		/* an answer: relayed to the customer, then the commands */
	REACT_COMMANDS,		/* an agent's mail with no new text: the commands, confirmed to them */
	REACT_UNVERIFIED,	/* agent mail the MTA did not verify: tell the agent */
	REACT_ATTACHMENTS,	/* an agent's #attachments: the commands, then the case's
				 * attachments mailed to the agent; nothing relayed */
	REACT_BOUNCE,		/* mail to bounced_addr on the case failed: the assignee
				 * (else the queue's agents) told once, with the reason */
	REACT_LOW_RATING,	/* a rating of DELIVER_LOW_RATING or less: the assignee
				 * and the queue's escalation address told, with the comment */
	REACT_TOO_LARGE,	/* oversized mail: the queue's agents notified (answer: their
				 * text), the sender told (too_large_to) */
};

struct deliver_plan {
	enum deliver_action action;	/* new, follow-up, reopen, new-linked, quarantine */
	enum thread_how how;
	const char *how_name;		/* for the log: the rule, or why quarantined */
	long long case_id;		/* the existing case; 0 when one is created */
	long long linked_case;		/* the new case is linked to this one, 0 when not */
	long long token_merged;		/* the token named this case, merged into case_id */
	char *customer_addr;		/* of a new case (lower-case), NULL when none */
	char *subject;			/* of a new case: at most DELIVER_SUBJECT_MAX bytes */
	bool quarantined;
	enum msg_kind kind;		/* of the stored message */
	long long agent_id;		/* the author, when an active agent; 0 when not */
	const char *classification;	/* as stored: "normal", "bounce", "untrusted", ... */
	bool untrusted;			/* an agent token not from its registered agent */
	bool unverified;		/* from it, but not verified by the MTA */
	bool customer_mail;		/* a person's mail on the case: status, watchers, notify */
	/* what happens to the case */
	bool reopen;			/* its status becomes open */
	bool touch;			/* only its "updated" time changes */
	GArray *case_events;		/* struct deliver_plan_event, once the case is known */
	GArray *message_events;		/* struct deliver_plan_event, after the message */
	/* a failed delivery report marks its address */
	const char *bounced_addr;
	const char *bounce_detail;	/* points into message_events */
	/* customer mail: the To and Cc addresses that may become watchers, and
	 * each without its extension (to leave out queue addresses) */
	GPtrArray *watchers, *watcher_bases;
	/* the language a person's mail on the case shows: its Content-Language
	 * (else Accept-Language), else guessed_language; NULL when neither. The
	 * case takes it when it has none yet, the customer remembers it (a
	 * guess never replaces what a header said before) */
	const char *language;
	bool language_header;		/* it came from the header */
	/* a survey answer (from someone else than facts' rater: an event, no rating) */
	int rating;			/* 1 to 5, 0 when not a survey answer */
	char *rating_comment;		/* NULL when none */
	/* the mail */
	enum deliver_reaction reaction;
	bool ack;			/* acknowledge a new case to the customer */
	const char *notify_template;	/* notify_new, notify_followup, notify_note; NULL: none */
	const char *notify_body;	/* the text agents are shown */
	struct agentcmd cmd;		/* an agent's commands (REACT_NOTE, REACT_RELAY,
					 * REACT_COMMANDS, REACT_ATTACHMENTS) */
	char *answer;			/* REACT_RELAY: the text relayed to the customer
					 * (REACT_COMMANDS: "");
					 * REACT_UNVERIFIED: what the agent is told */
	char *signature;		/* REACT_RELAY: the agent's own signature, NULL when none */
	const char *summary;		/* for the log: "ack+notify", "relay", "none" */
	/* part intake (issue 15) */
	bool spam;			/* a new case marked spam: nothing sent */
	char *too_large_to;		/* REACT_TOO_LARGE: whom to tell, NULL: nobody, */
	const char *too_large_skip;	/* and then why not */
	size_t oversized;		/* the size the MTA sent */
	bool refused;			/* it would open a case in a disabled queue: refused
					 * like an unknown recipient, nothing stored */
};

/* ---- part digest: mail to an agent's digest address ------------------- */

/* What mail to an agent's digest address (TOKEN_ROLE_DIGEST) does. Only
 * the first acts; the others store a record and mail nothing, so that a
 * forged From never makes mail or changes a case. */
enum deliver_digest {
	DIGEST_ANSWER,		/* the token's active agent, verified when that is asked:
				 * the command lines run, the digest is mailed back */
	DIGEST_AUTOMATIC,	/* an auto-reply, a bounce, list mail */
	DIGEST_NOT_AGENT,	/* From is not the token's agent (another agent, anyone) */
	DIGEST_UNVERIFIED,	/* From is, but the MTA did not verify it (authserv_id set) */
};
/* Decide mail to the digest address of agent token_agent: from_agent is
 * the active registered agent From names (0: none); verify_agents and
 * verified as in struct deliver_facts; kind its classification. *why_r
 * gets the outcome as it is stored and logged ("answered", ...). */
enum deliver_digest deliver_plan_digest(long long token_agent, long long from_agent, bool verify_agents,
					bool verified, enum classify_kind kind, const char **why_r);

/* Decide the delivery. plan_clear() after, also when it was not used. */
void deliver_plan(const struct deliver_facts *facts, struct deliver_plan *plan);
/* Free what a plan holds. */
void deliver_plan_clear(struct deliver_plan *plan);

#endif
