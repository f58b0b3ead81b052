/* outbound.h: what the helpdesk does after a message is stored, inside the
 * same transaction: acknowledge new cases, notify agents, relay agents'
 * answers to the customer, act on agents' #commands. Every mail becomes an
 * outbox row and an outgoing message of the case. */
#ifndef POSTDESK_OUTBOUND_H
#define POSTDESK_OUTBOUND_H

#include <glib.h>
#include <stdbool.h>

#include "fault.h"

struct config;
struct db;
struct deliver_plan;
struct keyring;
struct mail;
struct template_vars;

struct outbound {
	const struct config *cfg;
	struct db *db;
	const struct keyring *ring;
	GArray *queued;			/* long long outbox ids queued, to send after commit */
	bool send_now;			/* the caller sends them itself right after the
					 * commit: rows are born claimed by it */
};

/* Make the mail the plan of a stored message calls for (its reaction),
 * and apply an agent's commands. Fails only when the database or a template
 * fails (the caller rolls back: nothing is half done). */
int outbound_react(struct outbound *ob, long long case_id, const struct mail *mail,
		   const struct deliver_plan *plan, struct fault *f);
/* Tell agent agent_id that the case is now theirs (template "assigned"),
 * by: who assigned it ("postdesk case assign": the CLI). */
int outbound_assigned_notice(struct outbound *ob, long long case_id, long long agent_id, const char *by,
			     struct fault *f);
/* Which service level a case missed, for the escalation mail's words: each
 * language's template phrases it (missed_first, missed_next or
 * missed_resolution; late; business; due). */
struct outbound_overdue {
	const char *missed;	/* "first", "next" or "resolution" */
	const char *late;	/* how late, as duration_format() writes it ("2h") */
	bool business;		/* late counts business hours */
	const char *due;	/* "2026-12-07 10:00 UTC" */
};

/* The sweeper's escalation mail for step level of a case, one to each
 * address of the NULL-terminated list to, telling what is overdue. */
int outbound_escalation(struct outbound *ob, long long case_id, int level,
			const struct outbound_overdue *overdue, const char *const *to, struct fault *f);
/* The one-click actions of a mail to an agent about a case (notifications,
 * escalations): the variables agent_address and note_address, and the
 * mailto: URLs answer_url and note_url (a reply to the agent and note
 * token addresses), resolve_url, assign_url (only with assign: the agent is
 * not the assignee) and priority_url (to the agent address with the
 * command as the body), all with the subject "Re: [HELPDESK #ID] SUBJECT"
 * (control characters as spaces).
 * The templates write the labels. */
void outbound_actions(struct template_vars *v, const char *helpdesk_name, const char *case_id,
		      const char *case_subject, const char *agent_addr, const char *note_addr, bool assign);
/* The sweeper's mail to a case's customer: template reminder, autoclose
 * (days: how long the case waited) or resolved_survey (with one signed
 * rating address per rating). Not sent, with a mail-skipped event, to a
 * robot's or bounced address or over the daily limit of automatic mail;
 * *sent_r says whether it was queued. */
int outbound_customer_notice(struct outbound *ob, long long case_id, const char *template, long long days,
			     bool *sent_r, struct fault *f);

/* part admin (issue 15). An agent was disabled and the n cases (ids, all
 * of one queue, first one first) are nobody's now: one mail (template
 * handed_back) to the queue's active agents lists the first
 * OUTBOUND_HANDED_BACK_LISTED of them, each with its agent address and an
 * "assign me" action; Reply-To is the first case's agent address, and the
 * mail is stored as a message of that case. *told_r: how many agents it
 * is addressed to; when the queue has no active agent it goes to the
 * queue's escalation address instead (*told_r -1), else nowhere (0). */
#define OUTBOUND_HANDED_BACK_LISTED 100
int outbound_handed_back(struct outbound *ob, const long long *cases, size_t n, const char *agent_name,
			 const char *agent_email, int *told_r, struct fault *f);

#endif
/* Part intake (issue 15): a case marked spam is not (actor says who said
 * so, agent_id the agent, 0 for the command line): unmarked, its due times
 * computed, and its first mail acknowledged (as etiquette allows) and the
 * queue's agents notified, as for new mail; *was_r false when it was not
 * marked spam (then nothing is done: it happens once). Without keys
 * nothing is sent. */
int outbound_unspam(struct outbound *ob, long long case_id, const char *actor, long long agent_id, bool *was_r,
		    struct fault *f);
