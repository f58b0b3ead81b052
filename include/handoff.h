/* handoff.h: passing one delivery from "postdesk deliver" to a running
 * "postdesk server". The client sends its configuration file's path, the
 * deliver command's arguments and the descriptor of the message (its
 * stdin) in one packet over a Unix seqpacket socket; the server reads the
 * message from that descriptor, stores it, and answers with one packet: a
 * kind and one line of text. Nothing here needs more than GLib, so that
 * the client can start fast. */
#ifndef POSTDESK_HANDOFF_H
#define POSTDESK_HANDOFF_H

#include <stddef.h>

#include "fault.h"

/* The longest answer text; a longer one is cut. */
#define HANDOFF_TEXT_MAX 512

enum handoff_answer {
	HANDOFF_OK,		/* stored (or deliberately dropped) */
	HANDOFF_TEMPFAIL,	/* not stored; the MTA should try again */
	HANDOFF_NOUSER,		/* the recipient matches no queue */
	HANDOFF_REFUSED,	/* not taken, message untouched: deliver it yourself */
	HANDOFF_USAGE,		/* not taken: the command line is wrong (75, "4.3.5 ...") */
};

/* What the server receives: the client's configuration file (real path)
 * and the deliver command's arguments (argv[0] is "deliver", NULL after
 * the last). Owned; free with handoff_request_clear(). */
struct handoff_request {
	char *config;
	int argc;
	char **argv;
};

/* Client: check that no one but root and this user could have put up the
 * socket at path or could replace it: every directory from / down to it
 * owned by root or this user and not writable by group or others unless
 * sticky, and the socket (when there) a socket owned by root or this user.
 * real receives the path with its directories resolved: connect to that.
 * Returns 0, or -1 with a permanent fault naming what is unsafe. */
int handoff_check_path(const char *path, char *real, size_t size, struct fault *f);
/* Client: connect to the server's socket. Returns 1 when connected to a
 * server run by root or this user (SO_PEERCRED), 0 when no server listens
 * there (no socket, or a stale one), -1 on other errors (permanent: a
 * server of another user's). */
int handoff_connect(const char *path, int *sock_r, struct fault *f);
/* The uid and pid of the process at the other end of a Unix socket. */
int handoff_peer(int sock, unsigned *uid_r, long *pid_r, struct fault *f);
/* Client: send the request and the message's descriptor. */
int handoff_send(int sock, const char *config, int argc, char *const *argv, int msg_fd,
		 struct fault *f);
/* Client: wait for the answer; text receives its line (NUL-terminated). A
 * server that closes the connection without answering is a temporary fault. */
int handoff_wait(int sock, enum handoff_answer *answer_r, char *text, size_t size, struct fault *f);

/* Server: listen on path (mode 0660). A stale socket is replaced; a path
 * where a server answers, or that is not a socket, is refused. */
int handoff_listen(const char *path, int *sock_r, struct fault *f);
/* Server: listen on a new Unix socket of type (SOCK_SEQPACKET,
 * SOCK_STREAM; non-blocking, close-on-exec) at path, which must be free;
 * mode 0660. */
int handoff_bind(const char *path, int type, int *sock_r, struct fault *f);
/* Server: receive one request and the message's descriptor (close it);
 * a client that sends none within 2 seconds is a temporary fault. */
int handoff_receive(int sock, struct handoff_request *req, int *msg_fd_r, struct fault *f);
/* Free what the request holds. */
void handoff_request_clear(struct handoff_request *req);
/* Server: answer; text is one line. Async-signal-safe. Returns 0 or -1. */
int handoff_answer(int sock, enum handoff_answer answer, const char *text);

/* Before closing a connection whose request was not read: drop what the
 * peer still sends until it hangs up or ms pass, so that the close does
 * not reset the answer the peer has not read yet (Linux reports
 * ECONNRESET, not the queued answer, when a socket closes unread data). */
void handoff_linger(int sock, int ms);

#endif
