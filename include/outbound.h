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
struct keyring;
struct mail;

/* A stored incoming message that may call for mail. */
struct outbound_event {
	long long case_id;
	bool new_case;
	const char *kind;		/* customer, agent, note */
	const struct mail *mail;
	bool customer_mail;		/* a person's mail (not automatic, not untrusted) */
	bool no_auto_reply;		/* never an automatic answer to its sender */
	long long agent_id;		/* the author, for agent and note */
};

struct outbound {
	const struct config *cfg;
	struct db *db;
	const struct keyring *ring;
	GArray *queued;			/* long long outbox ids queued, to send after commit */
	const char *summary;		/* what was done, for the log ("ack+notify") */
};

/* React to one stored message. Fails only when the database or a template
 * fails (the caller rolls back: nothing is half done). */
int outbound_react(struct outbound *ob, const struct outbound_event *ev, struct fault *f);

#endif
