/* smtp.c: SMTP transactions with libetpan, bounded in time, on a connection
 * kept from one message to the next (struct smtp_session).
 *
 * The connection: made at the first message; RSET before each further one;
 * closed with QUIT when it sat unused for smtp_idle_time (at the next
 * message, or by smtp_session_expire()), and dropped without a word after
 * anything but a plain reply to a command of the transaction (no reply,
 * 421, a deadline, SMTP_UNKNOWN). A kept connection found broken before the
 * data went out (the server closed it meanwhile, as Postfix's smtpd does
 * after its idle timeout) is made again once and the message tried again
 * within the same deadline: the server cannot have the message, so this
 * cannot make a duplicate.
 *
 * What libetpan does and does not do, as read in its source (1.9.x) and
 * checked by tests/db_outbox.sh against Postfix's smtp-sink:
 * - mailsmtp_socket_connect() bounds the TCP connect by the session timeout
 *   but opens the stream without one, so the greeting and every later read
 *   would wait on the process-wide mailstream_network_delay (five minutes).
 *   So we connect ourselves (any address family, non-blocking connect with a
 *   deadline) and open the stream with mailstream_socket_open_timeout(), and
 *   set the stream's timeout again before every step: no global state.
 * - Each read and write waits at most that timeout (select()), then sends on
 *   a blocking socket, which SO_SNDTIMEO bounds. A server that trickles one
 *   byte at a time keeps one step alive longer; SMTP_SESSION_LIMIT caps a
 *   message (a reconnection for it included) before each step, not inside
 *   one.
 * - mailsmtp_data_message() dot-stuffs and turns bare LF (and bare CR) into
 *   CRLF, then appends CRLF "." CRLF: a message that already ends with a line
 *   end would gain an empty line, so one final line end is cut off here.
 * - The reply code of the last command is in response_code (0 when no reply
 *   came) and its text, without codes, in response (lines joined by LF).
 * - libetpan writes with send() without MSG_NOSIGNAL: SIGPIPE is blocked in
 *   this thread while a message (or QUIT) is sent and a pending one is
 *   taken back.
 * - mailsmtp_free() sends QUIT (and waits for the reply) when the stream is
 *   still open: closing without a word closes the stream first.
 * - MAIL FROM, RCPT TO and AUTH are formatted into 513-byte buffers: longer
 *   addresses are refused here before they could be cut short.
 * - STARTTLS encrypts but checks no certificate (libetpan verifies nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <libetpan/libetpan.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "smtp.h"

/* RFC 5321 4.5.3.1.3: a path is at most 256 octets. */
#define SMTP_PATH_MAX 256
/* The password file is one short line. */
#define SMTP_PASSWORD_MAX 1024

/* A session: the settings, the connection while there is one, and for the
 * message in hand its deadline and where its reply goes. */
struct smtp_session {
	const struct config *cfg;
	mailsmtp *s;		/* NULL when not connected */
	int fd;			/* the connected socket (owned by the stream once opened) */
	gint64 deadline;	/* monotonic microseconds */
	gint64 step_start;	/* when the current step began */
	time_t step_timeout;	/* and how long it may wait */
	gint64 idle_since;	/* when the connection finished its last message */
	bool loopback;		/* the server is on this host */
	bool tls;
	bool broken;		/* the last transaction left the connection unusable */
	bool data_sent;		/* it got as far as sending the data */
	char *reply;
	size_t size;
	char scratch[256];	/* the reply buffer outside a send (QUIT) */
};

/* Split "host:port", "[v6]:port" or "host" (port 25). */
static int smtp_target(const char *server, char **host_r, char *port, size_t port_size, struct fault *f)
{
	const char *colon = NULL, *p;
	char *host, *end = NULL;
	long n = 25;

	if (server[0] == '[') {
		const char *close = strchr(server, ']');

		if (close == NULL || close == server + 1 || (close[1] != '\0' && close[1] != ':'))
			return fault_perm(f, "smtp_server '%s': expected [address]:port", server);
		host = g_strndup(server + 1, (gsize)(close - server - 1));
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strchr(server, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			return fault_perm(f, "smtp_server '%s': an IPv6 address needs brackets, as in [::1]:25", server);
		host = colon ? g_strndup(server, (gsize)(colon - server)) : g_strdup(server);
	}
	if (colon != NULL) {
		errno = 0;
		n = strtol(colon + 1, &end, 10);
	}
	for (p = host; *p != '\0' && !g_ascii_isspace(*p) && !g_ascii_iscntrl(*p); p++)
		;
	if (host[0] == '\0' || *p != '\0' ||
	    (colon != NULL && (colon[1] == '\0' || *end != '\0' || errno != 0 || n < 1 || n > 65535))) {
		g_free(host);
		return fault_perm(f, "smtp_server '%s': expected host:port", server);
	}
	snprintf(port, port_size, "%ld", n);
	*host_r = host;
	return 0;
}

/* Read the first line of the password file, which must be a regular file
 * that others cannot read. A missing or unreadable file may be fixed by the
 * administrator while mail waits: temporary; others may read it: permanent. */
static int smtp_password(const char *path, char **pass_r, struct fault *f)
{
	char *buf;
	struct stat st;
	ssize_t n;
	int fd;

	if (path == NULL || path[0] == '\0')
		return fault_perm(f, "smtp_user is set but smtp_password_file is not");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fault_temp(f, "cannot open smtp_password_file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fault_temp(f, "smtp_password_file %s is not a regular file", path);
	}
	if ((st.st_mode & S_IROTH) != 0) {
		close(fd);
		return fault_perm(f, "smtp_password_file %s is readable by others (chmod o-r)", path);
	}
	buf = g_malloc0(SMTP_PASSWORD_MAX + 1);
	do
		n = read(fd, buf, SMTP_PASSWORD_MAX);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0) {
		g_free(buf);
		return fault_temp(f, "cannot read smtp_password_file %s: %s", path, strerror(errno));
	}
	buf[strcspn(buf, "\r\n")] = '\0';
	*pass_r = buf;
	return 0;
}

/* Forget a password: overwrite, then free. */
static void smtp_password_free(char **pass)
{
	if (*pass == NULL)
		return;
	explicit_bzero(*pass, SMTP_PASSWORD_MAX + 1);
	g_free(*pass);
	*pass = NULL;
}

/* Whether an address may go into MAIL FROM/RCPT TO as <address>. */
static bool smtp_path_ok(const char *addr)
{
	const char *p;

	if (strlen(addr) > SMTP_PATH_MAX)
		return false;
	for (p = addr; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == 0x7f)
			return false;
	return true;
}

/* Microseconds left until the session's deadline. */
static gint64 smtp_left(const struct smtp_session *ss)
{
	return ss->deadline - g_get_monotonic_time();
}

/* Before each step: reads and writes wait at most smtp_timeout, and never
 * past the session's deadline. Returns -1 (reply filled) when time is up. */
static int smtp_step(struct smtp_session *ss)
{
	gint64 left = smtp_left(ss) / G_USEC_PER_SEC;
	time_t t = left < ss->cfg->smtp_timeout ? (time_t)left : (time_t)ss->cfg->smtp_timeout;

	if (t < 1) {
		snprintf(ss->reply, ss->size, "the SMTP session took longer than %llds",
			 (long long)SMTP_SESSION_LIMIT(ss->cfg->smtp_timeout));
		return -1;
	}
	ss->step_start = g_get_monotonic_time();
	ss->step_timeout = t;
	mailsmtp_set_timeout(ss->s, t);		/* the TLS handshake uses this one */
	if (ss->s->stream != NULL)
		mailstream_low_set_timeout(mailstream_get_low(ss->s->stream), t);
	return 0;
}

/* The reply to the last command as one line, "550 5.1.1 text" (the last
 * line of a multi-line reply), control characters replaced; or, when no
 * reply came, what was being waited for. */
static void smtp_reply(const struct smtp_session *ss, const char *what, char *buf, size_t size)
{
	const char *text = ss->s->response ? ss->s->response : "", *last = text, *p;
	size_t len;
	char *q;

	if (ss->s->response_code == 0) {
		gint64 waited = g_get_monotonic_time() - ss->step_start;

		if (waited >= ss->step_timeout * G_USEC_PER_SEC - G_USEC_PER_SEC / 10)
			snprintf(buf, size, "no reply to %s: timed out after %llds", what,
				 (long long)ss->step_timeout);
		else
			snprintf(buf, size, "no reply to %s: connection lost", what);
		return;
	}
	len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (p = text; p < text + len; p++)
		if (*p == '\n')
			last = p + 1;
	snprintf(buf, size, "%d %.*s", ss->s->response_code, (int)(text + len - last), last);
	for (q = buf; *q != '\0'; q++)
		if ((unsigned char)*q < ' ' || *q == 0x7f)
			*q = '?';
}

/* The outcome a reply code calls for: 4xx or none temporary, 5xx permanent. */
static enum smtp_outcome smtp_code_outcome(int code)
{
	return code >= 500 && code < 600 ? SMTP_PERMFAIL : SMTP_TEMPFAIL;
}

/* Connect to host:port within smtp_timeout, trying each address in turn
 * while time is left. Fills ss->fd, or the reply with what went wrong. */
static int smtp_dial(struct smtp_session *ss, const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	gint64 deadline = g_get_monotonic_time() + ss->cfg->smtp_timeout * G_USEC_PER_SEC;
	struct timeval tv = { .tv_sec = (time_t)ss->cfg->smtp_timeout };
	int r = getaddrinfo(host, port, &hints, &res), err = 0;

	if (r != 0) {
		snprintf(ss->reply, ss->size, "connect to %s: %s", ss->cfg->smtp_server, gai_strerror(r));
		return -1;
	}
	ss->fd = -1;
	for (ai = res; ai != NULL && ss->fd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
		gint64 left = deadline - g_get_monotonic_time();
		socklen_t len = sizeof(err);

		if (fd < 0) {
			err = errno;
			continue;
		}
		if (left <= 0) {
			err = ETIMEDOUT;
		} else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			err = 0;
		} else if (errno != EINPROGRESS) {
			err = errno;
		} else {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			do
				r = poll(&pfd, 1, (int)((left + 999) / 1000));
			while (r < 0 && errno == EINTR && (left = deadline - g_get_monotonic_time()) > 0);
			if (r == 0 || (r < 0 && errno == EINTR))
				err = ETIMEDOUT;
			else if (r < 0)
				err = errno;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
		}
		if (err == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0 &&
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == 0) {
			ss->fd = fd;
			ss->loopback = (ai->ai_family == AF_INET &&
					(ntohl(((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr.s_addr) >> 24) == 127) ||
				       (ai->ai_family == AF_INET6 &&
					IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr));
		} else {
			if (err == 0)
				err = errno;
			close(fd);
		}
	}
	freeaddrinfo(res);
	if (ss->fd < 0) {
		snprintf(ss->reply, ss->size, "connect to %s: %s", ss->cfg->smtp_server,
			 err == ETIMEDOUT ? "timed out" : strerror(err ? err : ECONNREFUSED));
		return -1;
	}
	return 0;
}

/* Open the stream on the socket and read the greeting. */
static int smtp_greeting(struct smtp_session *ss)
{
	mailstream *stream;
	int r;

	if (smtp_step(ss) < 0) {
		close(ss->fd);
		return -1;
	}
	stream = mailstream_socket_open_timeout(ss->fd, mailsmtp_get_timeout(ss->s));
	if (stream == NULL) {
		close(ss->fd);
		snprintf(ss->reply, ss->size, "out of memory");
		return -1;
	}
	/* on failure mailsmtp_connect() closes the stream and the socket */
	r = mailsmtp_connect(ss->s, stream);
	if (r != MAILSMTP_NO_ERROR) {
		smtp_reply(ss, "the greeting", ss->reply, ss->size);
		return -1;
	}
	return 0;
}

/* EHLO with our host name, or HELO when the server does not know EHLO.
 * Sets *esmtp. */
static int smtp_ehlo(struct smtp_session *ss, bool *esmtp)
{
	int r;

	if (smtp_step(ss) < 0)
		return -1;
	r = mailesmtp_ehlo(ss->s);
	*esmtp = r == MAILSMTP_NO_ERROR;
	if (*esmtp)
		return 0;
	if (r == MAILSMTP_ERROR_HOSTNAME) {
		snprintf(ss->reply, ss->size, "gethostname() failed");
		return -1;
	}
	if (ss->s->response_code / 100 != 5) {
		smtp_reply(ss, "EHLO", ss->reply, ss->size);
		return -1;
	}
	if (smtp_step(ss) < 0)
		return -1;
	if (mailsmtp_helo(ss->s) != MAILSMTP_NO_ERROR) {
		smtp_reply(ss, "HELO", ss->reply, ss->size);
		return -1;
	}
	return 0;
}

/* STARTTLS (if configured) and AUTH (if a user is configured). */
static int smtp_secure(struct smtp_session *ss, const char *host, const char *pass)
{
	const struct config *cfg = ss->cfg;
	const char *mech;
	bool esmtp;
	int r;

	if (smtp_ehlo(ss, &esmtp) < 0)
		return -1;
	if (strcmp(cfg->smtp_tls, "starttls") == 0) {
		if (!esmtp || (ss->s->esmtp & MAILSMTP_ESMTP_STARTTLS) == 0) {
			snprintf(ss->reply, ss->size, "%s does not offer STARTTLS (smtp_tls = starttls)", host);
			return -1;
		}
		if (smtp_step(ss) < 0)
			return -1;
		r = mailsmtp_socket_starttls(ss->s);
		if (r != MAILSMTP_NO_ERROR) {
			if (r == MAILSMTP_ERROR_SSL)
				snprintf(ss->reply, ss->size, "TLS handshake with %s failed", host);
			else
				smtp_reply(ss, "STARTTLS", ss->reply, ss->size);
			return -1;
		}
		ss->tls = true;
		if (smtp_ehlo(ss, &esmtp) < 0)
			return -1;
	}
	if (pass == NULL)
		return 0;
	if (!esmtp || (ss->s->auth & (MAILSMTP_AUTH_PLAIN | MAILSMTP_AUTH_LOGIN)) == 0) {
		snprintf(ss->reply, ss->size, "%s offers neither AUTH PLAIN nor AUTH LOGIN", host);
		return -1;
	}
	if (!ss->tls && !ss->loopback) {
		snprintf(ss->reply, ss->size, "refusing to send the SMTP password in clear text to %s"
			 " (set smtp_tls = starttls)", host);
		return -1;
	}
	mech = (ss->s->auth & MAILSMTP_AUTH_PLAIN) ? "PLAIN" : "LOGIN";
	if (smtp_step(ss) < 0)
		return -1;
	ss->s->response_code = 0;	/* tells a reply to AUTH from a local SASL failure */
	r = mailesmtp_auth_sasl(ss->s, mech, host, NULL, NULL, cfg->smtp_user, cfg->smtp_user, pass, NULL);
	if (r != MAILSMTP_NO_ERROR) {
		char what[32];

		snprintf(what, sizeof(what), "AUTH %s", mech);
		if (ss->s->response_code == 0 && r != MAILSMTP_ERROR_STREAM)
			snprintf(ss->reply, ss->size, "AUTH %s failed here: %s (Cyrus SASL: is libsasl2-modules"
				 " installed?)", mech, mailsmtp_strerror(r));
		else
			smtp_reply(ss, what, ss->reply, ss->size);
		return -1;
	}
	return 0;
}

/* RCPT TO for each recipient; returns how many were accepted. Refusals go
 * into refused ("<a>: 550 ...; <b>: 450 ..."); *soft_r tells whether any was
 * temporary or unanswered; *lost_r whether the connection broke (or the
 * server said 421, closing it). */
static size_t smtp_rcpts(struct smtp_session *ss, const struct smtp_message *msg, GString *refused,
			 bool *soft_r, bool *lost_r)
{
	size_t i, accepted = 0;
	char line[300];

	*soft_r = *lost_r = false;
	for (i = 0; i < msg->nrecipients; i++) {
		const char *rcpt = msg->recipients[i];
		int code;

		if (*lost_r || smtp_step(ss) < 0) {
			*soft_r = *lost_r = true;
			break;
		}
		if (!smtp_path_ok(rcpt) || rcpt[0] == '\0') {
			code = 553;
			snprintf(line, sizeof(line), "refused locally: not a valid address");
		} else {
			int r = mailsmtp_rcpt(ss->s, rcpt);

			code = r == MAILSMTP_NO_ERROR ? 250 : ss->s->response_code;
			if (r != MAILSMTP_NO_ERROR)
				smtp_reply(ss, "RCPT TO", line, sizeof(line));
		}
		if (msg->rcpt_codes != NULL)
			msg->rcpt_codes[i] = code;
		if (code / 100 == 2) {
			accepted++;
			continue;
		}
		if (code / 100 != 5)
			*soft_r = true;
		if (code == 0 || code == 421)
			*lost_r = true;	/* no reply, or the server is closing */
		g_string_append_printf(refused, "%s<%.*s>: %s", refused->len ? "; " : "", SMTP_PATH_MAX,
				       smtp_path_ok(rcpt) ? rcpt : "(invalid)", line);
	}
	if (i < msg->nrecipients && *lost_r)
		g_string_append_printf(refused, "%s%zu recipient(s) not tried", refused->len ? "; " : "",
				       msg->nrecipients - i);
	return accepted;
}

/* Whether the last reply leaves the connection unusable: none, or 421. */
static bool smtp_gone(const struct smtp_session *ss)
{
	return ss->s->response_code == 0 || ss->s->response_code == 421;
}

/* The envelope and the data, after a successful hello; fills *out and
 * ss->broken, ss->data_sent.
 * Choice for mixed RCPT replies: as soon as one recipient is accepted the
 * message goes to the accepted ones (SMTP_SENT) and the refused ones are
 * named in the reply; rcpt_codes lets the caller retry the 4xx ones. With
 * none accepted: any 4xx (or no reply) makes it SMTP_TEMPFAIL, else
 * SMTP_PERMFAIL. */
static void smtp_transaction(struct smtp_session *ss, const struct smtp_message *msg, enum smtp_outcome *out)
{
	GString *refused = g_string_new(NULL);
	size_t len = msg->len, accepted;
	bool soft, lost;
	int r;

	ss->broken = ss->data_sent = false;
	if (smtp_step(ss) < 0)
		goto temp;
	if (mailsmtp_mail(ss->s, msg->envelope_from) != MAILSMTP_NO_ERROR) {
		*out = smtp_code_outcome(ss->s->response_code);
		ss->broken = smtp_gone(ss);
		smtp_reply(ss, "MAIL FROM", ss->reply, ss->size);
		goto done;
	}
	accepted = smtp_rcpts(ss, msg, refused, &soft, &lost);
	if (accepted == 0) {
		*out = soft ? SMTP_TEMPFAIL : SMTP_PERMFAIL;
		ss->broken = lost;
		snprintf(ss->reply, ss->size, "%s", refused->len ? refused->str : "no recipients");
		goto done;
	}
	if (smtp_step(ss) < 0)
		goto temp;
	if (mailsmtp_data(ss->s) != MAILSMTP_NO_ERROR) {
		*out = smtp_code_outcome(ss->s->response_code);
		ss->broken = smtp_gone(ss);
		smtp_reply(ss, "DATA", ss->reply, ss->size);
		goto done;
	}
	/* libetpan ends the data with CRLF "." CRLF itself */
	if (len > 0 && msg->data[len - 1] == '\n')
		len--;
	if (len > 0 && msg->data[len - 1] == '\r')
		len--;
	if (smtp_step(ss) < 0)
		goto temp;
	ss->data_sent = true;
	r = mailsmtp_data_message(ss->s, msg->data, len);
	if (r == MAILSMTP_NO_ERROR) {
		char line[256];

		*out = SMTP_SENT;
		smtp_reply(ss, "the end of data", line, sizeof(line));
		snprintf(ss->reply, ss->size, "%s%s%s", line, refused->len ? "; refused: " : "", refused->str);
	} else if (r == MAILSMTP_ERROR_STREAM && ss->s->response_code == 354) {
		/* the data did not all go out: the server cannot have taken it */
		*out = SMTP_TEMPFAIL;
		ss->broken = true;
		snprintf(ss->reply, ss->size, "connection lost while sending the data");
	} else if (ss->s->response_code == 0) {
		/* all sent, no answer: it may have been delivered */
		*out = SMTP_UNKNOWN;
		ss->broken = true;
		smtp_reply(ss, "the end of data", ss->reply, ss->size);
	} else {
		*out = smtp_code_outcome(ss->s->response_code);
		ss->broken = smtp_gone(ss);
		smtp_reply(ss, "the end of data", ss->reply, ss->size);
	}
	goto done;
temp:
	*out = SMTP_TEMPFAIL;
	ss->broken = true;	/* out of time in the middle of a transaction */
done:
	g_string_free(refused, TRUE);
}

/* Close the connection, with QUIT when polite and the server still listens. */
static void smtp_drop(struct smtp_session *ss, bool polite)
{
	if (ss->s == NULL)
		return;
	if (ss->s->stream != NULL && (!polite || smtp_step(ss) < 0)) {
		mailstream_close(ss->s->stream);
		ss->s->stream = NULL;
	}
	mailsmtp_free(ss->s);	/* QUIT when the stream is still open */
	ss->s = NULL;
}

/* Connect, read the greeting, EHLO, STARTTLS and AUTH. Returns -1 only for
 * a local problem (f filled); else 0, with ss->s set when connected or the
 * reply saying why not. */
static int smtp_connect(struct smtp_session *ss, struct fault *f)
{
	const struct config *cfg = ss->cfg;
	char *host = NULL, *pass = NULL, port[8];

	if (smtp_target(cfg->smtp_server, &host, port, sizeof(port), f) < 0)
		return -1;
	if (cfg->smtp_user[0] != '\0' && smtp_password(cfg->smtp_password_file, &pass, f) < 0) {
		g_free(host);
		return -1;
	}
	ss->s = mailsmtp_new(0, NULL);
	if (ss->s == NULL) {
		smtp_password_free(&pass);
		g_free(host);
		return fault_temp(f, "out of memory");
	}
	ss->tls = false;
	/* every failure before the transaction is about the session, not the
	 * message (refused greeting, HELO, TLS, AUTH): temporary, as in Postfix;
	 * QUIT when the server is still talking */
	if (smtp_dial(ss, host, port) < 0 || smtp_greeting(ss) < 0 || smtp_secure(ss, host, pass) < 0)
		smtp_drop(ss, ss->s->response_code != 0);
	smtp_password_free(&pass);
	g_free(host);
	return 0;
}

/* RSET on a kept connection; -1 (reply filled) when it did not answer 250. */
static int smtp_rset(struct smtp_session *ss)
{
	if (smtp_step(ss) < 0)
		return -1;
	if (mailsmtp_reset(ss->s) == MAILSMTP_NO_ERROR)
		return 0;
	smtp_reply(ss, "RSET", ss->reply, ss->size);
	return -1;
}

/* Block SIGPIPE while a session writes (libetpan's send() has no
 * MSG_NOSIGNAL); *pending_r tells whether one was pending already. */
static void smtp_pipe_hold(sigset_t *old, bool *pending_r)
{
	sigset_t pipe_set, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	*pending_r = sigismember(&pending, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, old);
}

/* Take back a SIGPIPE the session caused, then restore the mask. */
static void smtp_pipe_release(const sigset_t *old, bool was_pending)
{
	sigset_t pipe_set, pending;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* Close the connection with QUIT, bounded by smtp_timeout. */
static void smtp_close(struct smtp_session *ss)
{
	sigset_t old;
	bool pending;

	if (ss->s == NULL)
		return;
	smtp_pipe_hold(&old, &pending);
	ss->reply = ss->scratch;
	ss->size = sizeof(ss->scratch);
	ss->deadline = g_get_monotonic_time() + (ss->cfg->smtp_timeout + 1) * G_USEC_PER_SEC;
	smtp_drop(ss, true);
	smtp_pipe_release(&old, pending);
}

struct smtp_session *smtp_session_new(const struct config *cfg)
{
	struct smtp_session *ss = g_new0(struct smtp_session, 1);

	ss->cfg = cfg;
	ss->fd = -1;
	return ss;
}

void smtp_session_free(struct smtp_session **ss)
{
	if (*ss == NULL)
		return;
	smtp_close(*ss);
	g_free(*ss);
	*ss = NULL;
}

long long smtp_session_idle_ms(const struct smtp_session *ss)
{
	gint64 left;

	if (ss == NULL || ss->s == NULL)
		return -1;
	left = ss->idle_since + ss->cfg->smtp_idle_time * G_USEC_PER_SEC - g_get_monotonic_time();
	return left > 0 ? (left + 999) / 1000 : 0;
}

void smtp_session_expire(struct smtp_session *ss)
{
	if (smtp_session_idle_ms(ss) == 0)
		smtp_close(ss);
}

int smtp_session_send(struct smtp_session *ss, const struct smtp_message *msg,
		      enum smtp_outcome *outcome_r, char *reply, size_t reply_size, struct fault *f)
{
	bool retried = false, pending;
	sigset_t old;
	size_t i;
	int ret = 0;

	reply[0] = '\0';
	*outcome_r = SMTP_TEMPFAIL;
	if (!smtp_path_ok(msg->envelope_from)) {
		*outcome_r = SMTP_PERMFAIL;
		snprintf(reply, reply_size, "refused locally: the envelope sender is not a valid address");
		return 0;
	}
	smtp_session_expire(ss);
	smtp_pipe_hold(&old, &pending);
	ss->reply = reply;
	ss->size = reply_size;
	ss->deadline = g_get_monotonic_time() + SMTP_SESSION_LIMIT(ss->cfg->smtp_timeout) * G_USEC_PER_SEC;
	for (;;) {
		bool reused = ss->s != NULL;

		if (msg->rcpt_codes != NULL)
			for (i = 0; i < msg->nrecipients; i++)
				msg->rcpt_codes[i] = 0;
		*outcome_r = SMTP_TEMPFAIL;
		if (!reused && (ret = smtp_connect(ss, f)) < 0)
			break;
		if (ss->s == NULL)
			break;		/* not connected: the reply says why */
		if (reused && smtp_rset(ss) < 0)
			ss->broken = true, ss->data_sent = false;
		else
			smtp_transaction(ss, msg, outcome_r);
		if (!ss->broken)
			break;
		smtp_drop(ss, false);
		if (!reused || retried || ss->data_sent)
			break;
		retried = true;		/* the server closed a kept connection: once more, anew */
	}
	ss->idle_since = g_get_monotonic_time();
	smtp_pipe_release(&old, pending);
	ss->reply = ss->scratch;
	ss->size = sizeof(ss->scratch);
	return ret;
}
