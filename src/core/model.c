/* model.c: the stored names of statuses, priorities, kinds and events. */
#include <stddef.h>
#include <string.h>

#include "model.h"

static const char *const model_statuses[] = {
	[CASE_NEW] = "new", [CASE_OPEN] = "open", [CASE_PENDING] = "pending",
	[CASE_RESOLVED] = "resolved", [CASE_CLOSED] = "closed",
};

static const char *const model_priorities[] = {
	[PRIORITY_LOW] = "low", [PRIORITY_NORMAL] = "normal", [PRIORITY_HIGH] = "high",
	[PRIORITY_URGENT] = "urgent",
};

static const char *const model_kinds[] = {
	[MSG_CUSTOMER] = "customer", [MSG_AGENT] = "agent", [MSG_NOTE] = "note",
	[MSG_AUTO] = "auto", [MSG_SYSTEM] = "system",
};

static const char *const model_events[EVENT_TYPE_COUNT] = {
	[EV_CREATED] = "created",
	[EV_LINKED] = "linked",
	[EV_REOPENED] = "reopened",
	[EV_STATUS] = "status",
	[EV_ASSIGNED] = "assigned",
	[EV_PRIORITY] = "priority",
	[EV_CUSTOMER_MAIL] = "customer-mail",
	[EV_AUTO_REPLY] = "auto-reply",
	[EV_LIST_MAIL] = "list-mail",
	[EV_AGENT_REPLY] = "agent-reply",
	[EV_NOTE] = "note",
	[EV_QUARANTINED] = "quarantined",
	[EV_BAD_TOKEN] = "bad-token",
	[EV_MESSAGE_ID_REUSED] = "message-id-reused",
	[EV_HEADERS_CUT] = "headers-cut",
	[EV_UNTRUSTED_AGENT_MAIL] = "untrusted-agent-mail",
	[EV_BOUNCE] = "bounce",
	[EV_WATCHER_ADDED] = "watcher-added",
	[EV_WATCHERS_LEFT_OUT] = "watchers-left-out",
	[EV_RATED] = "rated",
	[EV_ACK_SUPPRESSED] = "ack-suppressed",
	[EV_MAIL_SKIPPED] = "mail-skipped",
	[EV_RELAY_SKIPPED] = "relay-skipped",
	[EV_COMMAND_ERROR] = "command-error",
	[EV_DELIVERY_FAILED] = "delivery-failed",
	[EV_ESCALATED] = "escalated",
	[EV_REMINDED] = "reminded",
	[EV_AUTO_CLOSED] = "auto-closed",
	[EV_SURVEY] = "survey",
	[EV_CLOSED] = "closed",
	[EV_PURGED] = "purged",
	[EV_MERGED_INTO] = "merged-into",
	[EV_MERGED_FROM] = "merged-from",
	[EV_UNASSIGNED] = "unassigned",
	[EV_WATCHER_REMOVED] = "watcher-removed",
	[EV_RATING_IGNORED] = "rating-ignored",
	[EV_BOUNCE_NOTICE] = "bounce-notice",
	[EV_LOW_RATING_NOTICE] = "low-rating-notice",
	[EV_SPAM] = "spam",
	[EV_NOT_SPAM] = "not-spam",
	[EV_TOO_LARGE] = "too-large",
	[EV_ERASED] = "erased",
};

/* Look name up in a table of n names; -1 when absent. */
static int model_find(const char *const *names, size_t n, const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *model_status_name(enum case_status status)
{
	return model_statuses[status];
}

const char *model_priority_name(enum case_priority priority)
{
	return model_priorities[priority];
}

const char *model_kind_name(enum msg_kind kind)
{
	return model_kinds[kind];
}

const char *model_event_name(enum event_type type)
{
	return model_events[type];
}

int model_status_parse(const char *name, enum case_status *status_r)
{
	int i = model_find(model_statuses, CASE_STATUS_COUNT, name);

	if (i < 0)
		return -1;
	*status_r = (enum case_status)i;
	return 0;
}

int model_priority_parse(const char *name, enum case_priority *priority_r)
{
	int i = model_find(model_priorities, PRIORITY_URGENT + 1, name);

	if (i < 0)
		return -1;
	*priority_r = (enum case_priority)i;
	return 0;
}

int model_status_active(enum case_status status)
{
	return status == CASE_NEW || status == CASE_OPEN;
}

enum case_priority model_priority_raise(enum case_priority priority)
{
	return priority == PRIORITY_URGENT ? PRIORITY_URGENT : priority + 1;
}
