/* lmtp.h: the server side of LMTP (RFC 2033), as Postfix's lmtp(8) and
 * Dovecot speak it: one connection served to its end, many transactions on
 * it, commands pipelined, one reply per recipient after DATA. What a
 * delivery is belongs to the caller (a callback), so that this knows
 * nothing of helpdesks. Every read has a deadline; a message is kept up to
 * a bound, the rest counted. */
#ifndef POSTDESK_LMTP_H
#define POSTDESK_LMTP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "fault.h"

/* At most this many recipients per transaction (452 4.5.3 beyond). */
#define LMTP_MAX_RCPTS 1000
/* The longest command line, CRLF included (longer: 500 5.5.2). */
#define LMTP_MAX_LINE 4096
/* A client whose commands are refused (5xx) this often since its last
 * message is dropped (421 4.7.0): it is not an MTA that works. */
#define LMTP_MAX_ERRORS 20

/* One recipient's delivery, as the callback gets it. */
struct lmtp_delivery {
	const char *sender;		/* MAIL FROM, "" for the null sender */
	const char *recipient;		/* RCPT TO */
	const char *original_recipient;	/* ORCPT=rfc822;... decoded, NULL when not given */
	const char *queue_id;		/* the MTA's (lmtp_queue_id()), NULL when unknown */
	const char *data;		/* the message, dot-unstuffed, LF line ends */
	size_t len;			/* bytes kept in data */
	size_t total;			/* bytes the client sent (more than len: cut) */
	long long started;		/* g_get_monotonic_time() at DATA, for the log's delay */
	size_t index;			/* which of the transaction's recipients, from 0 */
};

/* Deliver one recipient: 0 when stored (250), -1 with FAULT_NOUSER for no
 * such mailbox (550 5.1.1), -1 with any other fault for "try again" (451
 * 4.3.0). Called after DATA once per recipient, in order; the reply is
 * written as soon as it returns. */
typedef int lmtp_deliver_fn(void *arg, const struct lmtp_delivery *d, struct fault *f);

struct lmtp_params {
	const char *hostname;		/* for the greeting and LHLO */
	size_t max_message_size;	/* bytes of a message kept */
	int timeout_ms;			/* the longest wait for the client's next bytes */
	int data_timeout_ms;		/* the longest a message's DATA may take (0: no bound) */
	/* the signal mask while waiting for the client (NULL: keep the
	 * current one), and a flag a signal handler sets to end the session
	 * between transactions (421 4.3.2); NULL: none */
	const sigset_t *wait_mask;
	volatile sig_atomic_t *stop;
	lmtp_deliver_fn *deliver;
	void *arg;
};

/* How a session ended. */
enum lmtp_end {
	LMTP_END_QUIT,		/* the client said QUIT */
	LMTP_END_EOF,		/* the client hung up */
	LMTP_END_TIMEOUT,	/* the client stalled longer than timeout_ms, or its DATA took
				 * longer than data_timeout_ms (421 4.4.2 sent) */
	LMTP_END_ERROR,		/* reading or writing failed (errno says why) */
	LMTP_END_STOP,		/* stopped by *stop or lmtp_session_last() (421 4.3.2 sent) */
	LMTP_END_ERRORS,	/* LMTP_MAX_ERRORS commands refused (421 4.7.0 sent) */
};

struct lmtp_session;

/* A session's state and buffers, kept from one connection to the next;
 * params (and what it points to) must outlive it. */
struct lmtp_session *lmtp_session_new(const struct lmtp_params *params);
/* Free it and set *s to NULL. */
void lmtp_session_free(struct lmtp_session **s);
/* Serve the client on fd (a connected stream socket, blocking or not) from
 * the greeting to its end; fd is left open. */
enum lmtp_end lmtp_session_run(struct lmtp_session *s, int fd);
/* From the callback: end the session once this transaction is answered
 * (421 4.3.2). */
void lmtp_session_last(struct lmtp_session *s);
/* From a signal handler (async-signal-safe) during the deliveries after
 * DATA: answer every recipient still unanswered, the one being delivered
 * 250 when committed is true and 451 4.4.7 otherwise, the rest 451 4.4.7
 * (why: a short text); outside the deliveries, 421 4.3.0. */
void lmtp_session_abort(struct lmtp_session *s, bool committed, const char *why);
/* Write "421 4.7.0 text" on fd for a client that is refused before the
 * greeting. */
void lmtp_refuse(int fd, const char *text);

/* Decode an xtext (RFC 3461: "+XX" hex escapes) into out (size bytes);
 * fails on a malformed escape or when it does not fit. */
int lmtp_xtext_decode(const char *in, char *out, size_t size);
/* The MTA's queue id from the topmost Received: field of a message
 * (header lines end in LF or CRLF) when Postfix wrote it ("by HOST
 * (Postfix...) ... id QUEUEID"): letters and digits, into out (size
 * bytes). Returns whether one was found. Linear in the header's size. */
bool lmtp_queue_id(const char *msg, size_t len, char *out, size_t size);

/* Listen where spec says: "unix:/path" (a stream socket, mode 0660; a stale
 * socket is replaced, one where a server answers is refused) or
 * "inet:HOST:PORT" (HOST an IPv4 literal, [IPv6] or a name: every address
 * it resolves to). The descriptors (non-blocking, close-on-exec) are put in
 * socks, up to max; *n_r counts them. */
int lmtp_listen(const char *spec, int *socks, size_t max, size_t *n_r, struct fault *f);

#endif
