/* classify.h: what kind of mail a parsed message is (customer mail, an
 * automatic reply, a bounce, list mail, or our own mail come back) and
 * whether it may be answered automatically. Pure logic, no I/O. */
#ifndef POSTDESK_CLASSIFY_H
#define POSTDESK_CLASSIFY_H

#include <stdbool.h>

struct mail;

/* The header postdesk puts on all mail it sends; its value is the queue
 * address the mail was sent for. */
#define CLASSIFY_LOOP_HEADER "X-Postdesk-Loop"

enum classify_kind {
	CLASSIFY_NORMAL,
	CLASSIFY_AUTO_REPLY,	/* RFC 3834 and vendor auto-responders */
	CLASSIFY_BOUNCE,	/* RFC 3464 delivery report */
	CLASSIFY_LIST,		/* mailing-list or bulk mail */
	CLASSIFY_LOOP,		/* our own mail come back: drop */
};

struct classify_result {
	enum classify_kind kind;
	bool no_auto_reply;	/* never send ack, survey or reminders to the sender */
	const char *reason;	/* which header or rule decided, for the log */
};

/* Classify mail delivered to the queue address queue_addr, with envelope
 * sender ("" for the null sender, NULL when unknown). */
void classify_mail(const struct mail *mail, const char *sender, const char *queue_addr,
		   struct classify_result *r);
/* The name of a kind as stored on the message ("auto-reply"). */
const char *classify_name(enum classify_kind kind);
/* Whether an address belongs to a robot (MAILER-DAEMON, postmaster, noreply
 * and the like), which must never get automatic mail. */
bool classify_robot_address(const char *addr);
/* Whether the MTA's spam filter marked the mail: the topmost field of one
 * of the NULL-terminated names begins, ignoring case and leading blanks,
 * with the prefix of the same place in prefixes (spam_headers). The first
 * such field's name and value go into *name_r and *value_r (valid while
 * mail and names are). */
bool classify_spam(const struct mail *mail, char *const *names, char *const *prefixes, const char **name_r,
		   const char **value_r);

#endif
