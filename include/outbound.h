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
/* The sweeper's escalation mail for step level of a case, one to each
 * address of the NULL-terminated list to, telling reason. */
int outbound_escalation(struct outbound *ob, long long case_id, int level, const char *reason,
			const char *const *to, struct fault *f);
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
/* Tell agent assignee that by (an agent's address) gave them the case
 * (template assigned, Reply-To the case's agent address). */
int outbound_assigned_mail(struct outbound *ob, long long case_id, long long assignee, const char *by,
			   struct fault *f);

#endif
