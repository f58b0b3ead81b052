/* model.h: the vocabulary of the stored data. Case status, priority,
 * message kind and event type are enums inside the C code; each has the
 * one name it has in the database and in the JSON of "case show". */
#ifndef POSTDESK_MODEL_H
#define POSTDESK_MODEL_H

enum case_status {
	CASE_NEW,
	CASE_OPEN,
	CASE_PENDING,		/* waiting for the customer */
	CASE_RESOLVED,
	CASE_CLOSED,
};
#define CASE_STATUS_COUNT (CASE_CLOSED + 1)

enum case_priority {
	PRIORITY_LOW,
	PRIORITY_NORMAL,
	PRIORITY_HIGH,
	PRIORITY_URGENT,
};

/* messages.kind */
enum msg_kind {
	MSG_CUSTOMER,		/* anyone but an agent: customers, watchers, robots */
	MSG_AGENT,		/* a trusted agent's answer */
	MSG_NOTE,		/* a trusted agent's internal note */
	MSG_AUTO,		/* our automatic mail to a customer (ack, reminder, survey) */
	MSG_SYSTEM,		/* our mail to agents (notifications, escalations) */
};

/* events.type: every event there is. */
enum event_type {
	EV_CREATED,
	EV_LINKED,
	EV_REOPENED,
	EV_STATUS,
	EV_ASSIGNED,
	EV_PRIORITY,
	EV_CUSTOMER_MAIL,
	EV_AUTO_REPLY,
	EV_LIST_MAIL,
	EV_AGENT_REPLY,
	EV_NOTE,
	EV_QUARANTINED,
	EV_BAD_TOKEN,
	EV_MESSAGE_ID_REUSED,
	EV_HEADERS_CUT,
	EV_UNTRUSTED_AGENT_MAIL,
	EV_BOUNCE,
	EV_WATCHER_ADDED,
	EV_WATCHERS_LEFT_OUT,
	EV_RATED,
	EV_ACK_SUPPRESSED,
	EV_MAIL_SKIPPED,
	EV_RELAY_SKIPPED,
	EV_COMMAND_ERROR,
	EV_DELIVERY_FAILED,
	EV_ESCALATED,
	EV_REMINDED,
	EV_AUTO_CLOSED,
	EV_SURVEY,
	EV_CLOSED,
	EV_PURGED,
	/* part merge (issue 15): on the case merged away, detail "#TARGET";
	 * on the case it was merged into, detail "#SOURCE" */
	EV_MERGED_INTO,
	EV_MERGED_FROM,
	/* part admin (issue 15) */
	EV_UNASSIGNED,		/* the assignee was taken off: agent disabled */
	/* part "people" of issue 15: watchers by command, ratings, notices */
	EV_WATCHER_REMOVED,
	EV_RATING_IGNORED,
	EV_BOUNCE_NOTICE,	/* the agents were told that mail to an address bounced */
	EV_LOW_RATING_NOTICE,	/* the agents were told of a rating of 1 or 2 */
	/* part intake (issue 15) */
	EV_SPAM,		/* the MTA's filter marked the mail spam: no ack, no notification */
	EV_NOT_SPAM,		/* a person said it is not: the ack and the notification went out then */
	EV_TOO_LARGE,		/* over max_message_size: the sender told, or why not */
	/* part privacy (issue 16) */
	EV_ERASED,		/* a person's data erased on request (the event names nobody) */
};
#define EVENT_TYPE_COUNT (EV_ERASED + 1)

/* The stored names ("pending", "high", "note", "watcher-added"). */
const char *model_status_name(enum case_status status);
const char *model_priority_name(enum case_priority priority);
const char *model_kind_name(enum msg_kind kind);
const char *model_event_name(enum event_type type);
/* Read a stored name; -1 when it is none of them. */
int model_status_parse(const char *name, enum case_status *status_r);
int model_priority_parse(const char *name, enum case_priority *priority_r);
/* Whether the service-level clocks run in this status (new, open). */
int model_status_active(enum case_status status);
/* The priority one step up (urgent stays urgent). */
enum case_priority model_priority_raise(enum case_priority priority);

#endif
