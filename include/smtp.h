/* smtp.h: sending one message over SMTP with libetpan, with a deadline on
 * the connection and on every command; optional STARTTLS and AUTH. */
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

/* The longest one smtp_send() may take, in seconds: each step waits at most
 * smtp_timeout, the whole session at most this (outbox leases outlast it). */
#define SMTP_SESSION_LIMIT(timeout) (2 * (timeout) + 30)

/* Send one message to cfg->smtp_server (host:port, smtp_tls, smtp_user,
 * smtp_password_file, smtp_timeout). Returns 0 with *outcome_r set and the
 * server's last reply (one line) in reply; -1 only for a local problem
 * (unreadable password file, bad smtp_server), with f filled. */
int smtp_send(const struct config *cfg, const struct smtp_message *msg,
	      enum smtp_outcome *outcome_r, char *reply, size_t reply_size, struct fault *f);

#endif
