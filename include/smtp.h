/* smtp.h: sending messages over SMTP with libetpan on a connection kept
 * from one message to the next, with a deadline on the connection and on
 * every command; optional STARTTLS and AUTH. */
#ifndef POSTDESK_SMTP_H
#define POSTDESK_SMTP_H

#include <stddef.h>

#include "fault.h"

struct config;

enum smtp_outcome {
	SMTP_SENT,		/* the server accepted the message (250 after DATA) */
	SMTP_TEMPFAIL,		/* 4xx, connection failure, timeout: try again later */
	SMTP_PERMFAIL,		/* 5xx for the sender or all recipients, or the data */
	SMTP_UNKNOWN,		/* the connection broke after the data was sent and
				 * before the reply: it may have been delivered */
};

struct smtp_message {
	const char *envelope_from;		/* "" for the null sender */
	const char *const *recipients;
	size_t nrecipients;
	const char *data;			/* the RFC 5322 message, CRLF or LF line ends */
	size_t len;
	int *rcpt_codes;			/* optional, nrecipients entries, filled with
						 * the reply code to each RCPT TO (0: not tried
						 * or no reply; 553: refused locally) */
};

/* The longest one message may take, in seconds (a reconnection included):
 * each step waits at most smtp_timeout, the message at most this (outbox
 * leases outlast it). */
#define SMTP_SESSION_LIMIT(timeout) (2 * (timeout) + 30)

/* A connection to cfg->smtp_server (host:port, smtp_tls, smtp_user,
 * smtp_password_file, smtp_timeout, smtp_idle_time), made at the first
 * message and kept for the next ones. */
struct smtp_session;

/* A session, not connected yet. cfg must outlive it. */
struct smtp_session *smtp_session_new(const struct config *cfg);
/* Close the connection (QUIT) and free the session; NULL is fine. */
void smtp_session_free(struct smtp_session **s);
/* Send one message: connect when not connected or when the connection sat
 * unused longer than smtp_idle_time, RSET before each further message; a
 * kept connection found broken before the message's data went out is made
 * again once and the message tried again; after no reply, a 421, a
 * deadline or SMTP_UNKNOWN the connection is dropped. Returns 0 with
 * *outcome_r set and the server's last reply (one line) in reply; -1 only
 * for a local problem (unreadable password file, bad smtp_server), with f
 * filled. */
int smtp_session_send(struct smtp_session *s, const struct smtp_message *msg,
		      enum smtp_outcome *outcome_r, char *reply, size_t reply_size, struct fault *f);
/* Milliseconds until the connection should be closed for idleness (0: now);
 * -1 when not connected (or s is NULL). */
long long smtp_session_idle_ms(const struct smtp_session *s);
/* Close the connection (QUIT) when it sat unused for smtp_idle_time. */
void smtp_session_expire(struct smtp_session *s);

#endif
