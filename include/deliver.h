/* deliver.h: taking one incoming message into the helpdesk: resolve the
 * queue, classify, thread, and store case, message, attachments, watchers
 * and events in one transaction. */
#ifndef POSTDESK_DELIVER_H
#define POSTDESK_DELIVER_H

#include <glib.h>
#include <stddef.h>

#include "fault.h"

struct config;
struct db;
struct keyring;
struct langguess;

/* What the MTA said about the message; NULL when not given. */
struct deliver_envelope {
	const char *sender;		/* "" is the null sender */
	const char *recipient;
	const char *original_recipient;
	const char *queue_id;		/* the MTA's, for the log */
};

enum deliver_action {
	DELIVER_NEW,		/* a new case */
	DELIVER_FOLLOWUP,	/* added to an existing case */
	DELIVER_REOPEN,		/* added to a resolved or recently closed case, opened again */
	DELIVER_LINKED,		/* a new case linked to one closed long ago */
	DELIVER_DUPLICATE,	/* already stored: nothing written */
	DELIVER_QUARANTINE,	/* unreadable or oversized: stored raw in a quarantined case */
	DELIVER_DROP,		/* our own mail come back: nothing written */
	DELIVER_DIGEST,		/* mail to an agent's digest address: recorded, no case (digest.h) */
};

struct deliver_result {
	enum deliver_action action;
	long long case_id;		/* 0 for drop */
	const char *classification;	/* "normal", "auto-reply", "bounce", ... */
	const char *how;		/* threading rule, or why quarantined */
	const char *mail;		/* what mail it caused: "ack+notify", "relay", "none" */
	char queue_addr[256];
	char reason[320];		/* why a message that failed to store was quarantined */
	char how_text[96];		/* how points here when it names a message */
};

/* Take one message. raw holds len bytes; total is the size the MTA sent
 * (larger than len when the message was cut at max_message_size). The
 * keyring may be NULL only when there is no key file yet (tokens then
 * never match, nothing is sent). guess (NULL: none) guesses the language
 * of a person's mail that names none. The outbox ids of the mail it caused are
 * put in queued (long long), for the caller to send after the commit. A
 * recipient that matches no queue is FAULT_NOUSER; a temporary failure
 * (the database or the clock unavailable) leaves nothing behind. A
 * permanent failure while storing (a constraint, bad data) rolls back and
 * stores the raw message in a quarantined case with the reason instead:
 * only when that fails too does it fail, as temporary. */
int deliver_message(const struct config *cfg, struct db *db, const struct keyring *ring,
		    struct langguess *guess, const struct deliver_envelope *env, const char *raw, size_t len,
		    size_t total, GArray *queued, struct deliver_result *res, struct fault *f);
/* The action's name for the log ("new", "follow-up", ...). */
const char *deliver_action_name(enum deliver_action action);

#endif
