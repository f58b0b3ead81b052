/* lmtp.c: the server side of LMTP (RFC 2033). A session reads what the
 * client sends into one buffer and takes commands from it as they come
 * (PIPELINING, RFC 2920); the replies are collected and written whenever
 * the buffer holds no further complete command, before the next read.
 * After DATA each recipient is handed to the caller's callback and its
 * reply written at once. Every read waits at most timeout_ms. */
#define _GNU_SOURCE	/* ppoll, memmem */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "handoff.h"
#include "lmtp.h"

/* The input buffer: a command line fits many times over. */
#define LMTP_IN_SIZE 65536
/* A kept message buffer larger than this is given back after the transaction. */
#define LMTP_DATA_KEEP (1024 * 1024)

/* Where the DATA decoder is: see lmtp_data_feed(). */
enum lmtp_dstate {
	LMTP_D_BOL,	/* at the start of a line */
	LMTP_D_MID,	/* inside a line */
	LMTP_D_DOT,	/* a line started with '.' */
	LMTP_D_DOTCR,	/* a line started with ".\r" */
	LMTP_D_CR,	/* inside a line, after a '\r' */
};

struct lmtp_session {
	const struct lmtp_params *p;
	int fd;
	char *in;			/* LMTP_IN_SIZE bytes, in[pos, len) not taken yet */
	size_t pos, len;
	GString *out;			/* replies not written yet */
	bool lhlo, mail, last;
	char *sender;
	GPtrArray *rcpts, *orcpts;	/* char *; an orcpt may be NULL */
	GByteArray *data;
	size_t total;
	enum lmtp_dstate dstate;
	int error;			/* errno of the read or write that failed */
	gint64 started;			/* when DATA came */
	int errors;			/* commands refused since the last message */
	/* for lmtp_session_abort(): set while the recipients are delivered */
	volatile sig_atomic_t delivering;
	volatile size_t current, nrcpts;
};

/* What a read got. */
enum lmtp_read { LMTP_R_DATA, LMTP_R_EOF, LMTP_R_TIMEOUT, LMTP_R_ERROR, LMTP_R_STOP };

struct lmtp_session *lmtp_session_new(const struct lmtp_params *params)
{
	struct lmtp_session *s = g_new0(struct lmtp_session, 1);

	s->p = params;
	s->fd = -1;
	s->in = g_malloc(LMTP_IN_SIZE);
	s->out = g_string_sized_new(1024);
	s->rcpts = g_ptr_array_new_with_free_func(g_free);
	s->orcpts = g_ptr_array_new_with_free_func(g_free);
	s->data = g_byte_array_new();
	return s;
}

void lmtp_session_free(struct lmtp_session **sp)
{
	struct lmtp_session *s = *sp;

	if (s == NULL)
		return;
	g_free(s->in);
	g_string_free(s->out, TRUE);
	g_free(s->sender);
	g_ptr_array_free(s->rcpts, TRUE);
	g_ptr_array_free(s->orcpts, TRUE);
	g_byte_array_free(s->data, TRUE);
	g_free(s);
	*sp = NULL;
}

void lmtp_session_last(struct lmtp_session *s)
{
	s->last = true;
}

/* Forget the transaction (RSET, LHLO, after DATA). */
static void lmtp_reset(struct lmtp_session *s)
{
	s->mail = false;
	g_free(s->sender);
	s->sender = NULL;
	g_ptr_array_set_size(s->rcpts, 0);
	g_ptr_array_set_size(s->orcpts, 0);
	if (s->data->len > LMTP_DATA_KEEP) {
		g_byte_array_free(s->data, TRUE);
		s->data = g_byte_array_new();
	}
	g_byte_array_set_size(s->data, 0);
	s->total = 0;
}

/* Queue one reply line (CRLF added); control characters become spaces. */
__attribute__((format(printf, 2, 3)))
static void lmtp_reply(struct lmtp_session *s, const char *fmt, ...)
{
	size_t start = s->out->len, i;
	va_list ap;

	va_start(ap, fmt);
	g_string_append_vprintf(s->out, fmt, ap);
	va_end(ap);
	for (i = start; i < s->out->len; i++)
		if ((unsigned char)s->out->str[i] < 0x20 || s->out->str[i] == 0x7f)
			s->out->str[i] = ' ';
	g_string_append(s->out, "\r\n");
	if (s->out->str[start] == '5' && !s->delivering)
		s->errors++;	/* a command refused (a recipient's 550 is no error of the client's) */
}

/* Milliseconds left until deadline (g_get_monotonic_time()), at least 0. */
static int lmtp_left(gint64 deadline)
{
	gint64 left = (deadline - g_get_monotonic_time() + 999) / 1000;

	return left > 0 ? (int)left : 0;
}

/* Write the queued replies, waiting at most timeout_ms for the client to
 * take them. */
static int lmtp_flush(struct lmtp_session *s)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)s->p->timeout_ms * 1000;
	size_t done = 0;
	bool ok;

	while (done < s->out->len) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLOUT };
		ssize_t n = send(s->fd, s->out->str + done, s->out->len - done, MSG_NOSIGNAL);

		if (n > 0) {
			done += (size_t)n;
			continue;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			s->error = errno;
			break;
		}
		if (n < 0 && errno != EINTR && (lmtp_left(deadline) == 0 || poll(&pfd, 1, lmtp_left(deadline)) == 0)) {
			s->error = ETIMEDOUT;
			break;
		}
	}
	ok = done == s->out->len;
	g_string_truncate(s->out, 0);
	return ok ? 0 : -1;
}

/* Read more of the client's bytes into the buffer (first writing the
 * replies queued: the client may be waiting for them), waiting at most
 * timeout_ms and not past until (0: no such bound). A stop request ends
 * the wait when stoppable. */
static enum lmtp_read lmtp_fill(struct lmtp_session *s, bool stoppable, gint64 until)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)s->p->timeout_ms * 1000;

	if (until > 0 && until < deadline)
		deadline = until;

	if (s->out->len > 0 && lmtp_flush(s) < 0)
		return LMTP_R_ERROR;
	if (s->pos > 0) {
		memmove(s->in, s->in + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
	}
	for (;;) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		struct timespec ts;
		ssize_t n;
		int left, r;

		if (stoppable && s->p->stop != NULL && *s->p->stop)
			return LMTP_R_STOP;
		n = recv(s->fd, s->in + s->len, LMTP_IN_SIZE - s->len, MSG_DONTWAIT);
		if (n > 0) {
			s->len += (size_t)n;
			return LMTP_R_DATA;
		}
		if (n == 0)
			return LMTP_R_EOF;
		if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			s->error = errno;
			return LMTP_R_ERROR;
		}
		if (errno == EINTR)
			continue;
		left = lmtp_left(deadline);
		if (left == 0)
			return LMTP_R_TIMEOUT;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		r = ppoll(&pfd, 1, &ts, s->p->wait_mask);
		if (r < 0 && errno != EINTR) {
			s->error = errno;
			return LMTP_R_ERROR;
		}
	}
}

/* How a session ends when a read got r (not LMTP_R_DATA or LMTP_R_STOP). */
static enum lmtp_end lmtp_end_of(enum lmtp_read r)
{
	return r == LMTP_R_TIMEOUT ? LMTP_END_TIMEOUT : r == LMTP_R_EOF ? LMTP_END_EOF : LMTP_END_ERROR;
}

/* Keep n bytes of the message, up to max_message_size; count them all. */
static void lmtp_put(struct lmtp_session *s, const char *p, size_t n)
{
	size_t room = s->data->len < s->p->max_message_size ? s->p->max_message_size - s->data->len : 0;

	if (room > 0)
		g_byte_array_append(s->data, (const guint8 *)p, (guint)(n < room ? n : room));
	s->total += n;
}

/* Decode DATA from p (n bytes): a '.' starting a line is dropped, CRLF
 * becomes LF (a bare LF ends a line too, a bare CR is kept), "." alone on
 * a line ends the message. *used_r says how much was taken; returns
 * whether the end was seen. */
static bool lmtp_data_feed(struct lmtp_session *s, const char *p, size_t n, size_t *used_r)
{
	size_t i = 0;

	while (i < n) {
		const char *nl;
		size_t end;

		switch (s->dstate) {
		case LMTP_D_BOL:
			s->dstate = p[i] == '.' ? LMTP_D_DOT : LMTP_D_MID;
			i += p[i] == '.';
			break;
		case LMTP_D_DOT:
		case LMTP_D_DOTCR:
			if (p[i] == '\n') {
				*used_r = i + 1;
				return true;
			}
			if (s->dstate == LMTP_D_DOT && p[i] == '\r') {
				s->dstate = LMTP_D_DOTCR;
				i++;
				break;
			}
			if (s->dstate == LMTP_D_DOTCR)
				lmtp_put(s, "\r", 1);	/* ".\rX": the dot dropped, the CR kept */
			s->dstate = LMTP_D_MID;
			break;
		case LMTP_D_CR:
			if (p[i] != '\n')
				lmtp_put(s, "\r", 1);
			s->dstate = LMTP_D_MID;
			break;
		case LMTP_D_MID:
			nl = memchr(p + i, '\n', n - i);
			end = nl != NULL ? (size_t)(nl - p) : n;
			if (end > i && p[end - 1] == '\r') {
				lmtp_put(s, p + i, end - 1 - i);
				if (nl == NULL)
					s->dstate = LMTP_D_CR;
			} else {
				lmtp_put(s, p + i, end - i);
			}
			if (nl != NULL) {
				lmtp_put(s, "\n", 1);
				s->dstate = LMTP_D_BOL;
			}
			i = nl != NULL ? end + 1 : n;
			break;
		}
	}
	*used_r = n;
	return false;
}

int lmtp_xtext_decode(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in != '\0'; in++) {
		int c = (unsigned char)*in;

		if (c == '+') {
			int hi = g_ascii_xdigit_value(in[1]), lo = hi < 0 ? -1 : g_ascii_xdigit_value(in[2]);

			if (lo < 0)
				return -1;
			c = hi * 16 + lo;
			in += 2;
		} else if (c < 0x21 || c > 0x7e || c == '=') {
			return -1;
		}
		if (o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

bool lmtp_queue_id(const char *msg, size_t len, char *out, size_t size)
{
	const char *end = msg + len, *line = msg, *field_end, *p, *mark;

	/* the first Received: field of the header */
	while (line < end && *line != '\n' && !(*line == '\r' && line + 1 < end && line[1] == '\n')) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		const char *next = nl != NULL ? nl + 1 : end;

		if ((size_t)(end - line) >= 9 && g_ascii_strncasecmp(line, "Received:", 9) == 0)
			break;
		line = next;
	}
	if (line >= end || (size_t)(end - line) < 9 || g_ascii_strncasecmp(line, "Received:", 9) != 0)
		return false;
	/* its end: the next line that does not start with white space */
	for (field_end = line;;) {
		const char *nl = memchr(field_end, '\n', (size_t)(end - field_end));

		field_end = nl != NULL ? nl + 1 : end;
		if (field_end >= end || (*field_end != ' ' && *field_end != '\t'))
			break;
	}
	mark = memmem(line, (size_t)(field_end - line), "(Postfix", 8);
	if (mark == NULL)
		return false;
	/* the word "id" between white space, then the id up to ';' or white space */
	for (p = mark + 8; p + 3 < field_end; p++) {
		size_t n = 0;

		if (!(g_ascii_isspace(p[0]) && p[1] == 'i' && p[2] == 'd' && g_ascii_isspace(p[3])))
			continue;
		for (p += 3; p < field_end && g_ascii_isspace(*p); p++)
			;
		while (p + n < field_end && p[n] != ';' && !g_ascii_isspace(p[n])) {
			if (!g_ascii_isalnum(p[n]) || n + 1 >= size)
				return false;
			n++;
		}
		if (n == 0)
			return false;
		memcpy(out, p, n);
		out[n] = '\0';
		return true;
	}
	return false;
}

/* Whether line starts with word (any case) followed by the end or a space;
 * *rest_r then points past the word and the spaces. */
static bool lmtp_is(const char *line, const char *word, const char **rest_r)
{
	size_t n = strlen(word);

	if (g_ascii_strncasecmp(line, word, n) != 0 || (line[n] != '\0' && line[n] != ' '))
		return false;
	for (line += n; *line == ' '; line++)
		;
	*rest_r = line;
	return true;
}

/* Parse "FROM:<addr> params" (prefix "FROM:" or "TO:"): the address (in
 * place, NUL-terminated) and where the parameters start. */
static int lmtp_path(char *arg, const char *prefix, char **addr_r, char **params_r)
{
	size_t n = strlen(prefix);
	char *p, *start;
	bool quoted = false;

	if (g_ascii_strncasecmp(arg, prefix, n) != 0)
		return -1;
	for (p = arg + n; *p == ' '; p++)
		;
	if (*p != '<')
		return -1;
	start = ++p;
	for (; *p != '\0' && (quoted || *p != '>'); p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
	}
	if (*p != '>' || (p[1] != '\0' && p[1] != ' '))
		return -1;
	*p++ = '\0';
	while (*p == ' ')
		p++;
	*addr_r = start;
	*params_r = p;
	return 0;
}

/* Take the next parameter "NAME[=VALUE]" from *params (in place). */
static char *lmtp_param(char **params, char **value_r)
{
	char *p = *params, *name, *eq;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return NULL;
	name = p;
	while (*p != '\0' && *p != ' ')
		p++;
	if (*p != '\0')
		*p++ = '\0';
	*params = p;
	eq = strchr(name, '=');
	if (eq != NULL)
		*eq++ = '\0';
	*value_r = eq;
	return name;
}

/* MAIL FROM:<addr> [SIZE=n] [BODY=7BIT|8BITMIME] [SMTPUTF8] */
static void lmtp_mail(struct lmtp_session *s, char *arg)
{
	char *addr, *params, *name, *value;

	if (!s->lhlo) {
		lmtp_reply(s, "503 5.5.1 Error: send LHLO first");
		return;
	}
	if (s->mail) {
		lmtp_reply(s, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (lmtp_path(arg, "FROM:", &addr, &params) < 0) {
		lmtp_reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
		return;
	}
	while ((name = lmtp_param(&params, &value)) != NULL) {
		if (g_ascii_strcasecmp(name, "SIZE") == 0 && value != NULL && *value != '\0' &&
		    strspn(value, "0123456789") == strlen(value))
			continue;
		if (g_ascii_strcasecmp(name, "BODY") == 0 && value != NULL &&
		    (g_ascii_strcasecmp(value, "7BIT") == 0 || g_ascii_strcasecmp(value, "8BITMIME") == 0))
			continue;
		if (g_ascii_strcasecmp(name, "SMTPUTF8") == 0 && value == NULL)
			continue;
		lmtp_reply(s, "555 5.5.4 Unsupported parameter %.64s", name);
		return;
	}
	s->mail = true;
	s->sender = g_strdup(addr);
	lmtp_reply(s, "250 2.1.0 Ok");
}

/* Refuse a recipient's command for its syntax: 4xx, never 5xx for a
 * recipient (the MTA keeps it queued); it counts as an error. */
__attribute__((format(printf, 2, 3)))
static void lmtp_rcpt_refuse(struct lmtp_session *s, const char *fmt, ...)
{
	va_list ap;
	char *text;

	va_start(ap, fmt);
	text = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	lmtp_reply(s, "%s", text);
	g_free(text);
	s->errors++;
}

/* RCPT TO:<addr> [ORCPT=rfc822;xtext] [NOTIFY=...] */
static void lmtp_rcpt(struct lmtp_session *s, char *arg)
{
	char *addr, *params, *name, *value, *orcpt = NULL;

	if (!s->mail) {
		lmtp_reply(s, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (lmtp_path(arg, "TO:", &addr, &params) < 0 || *addr == '\0') {
		lmtp_rcpt_refuse(s, "451 4.5.2 Syntax: RCPT TO:<address>");
		return;
	}
	while ((name = lmtp_param(&params, &value)) != NULL) {
		if (g_ascii_strcasecmp(name, "ORCPT") == 0 && value != NULL && orcpt == NULL) {
			char *semi = strchr(value, ';');
			size_t size = strlen(value) + 1;

			orcpt = g_malloc(size);
			if (semi == NULL || lmtp_xtext_decode(semi + 1, orcpt, size) < 0) {
				g_free(orcpt);
				lmtp_rcpt_refuse(s, "455 4.5.4 Bad ORCPT parameter");
				return;
			}
			if (semi - value != 6 || g_ascii_strncasecmp(value, "rfc822", 6) != 0) {
				g_free(orcpt);	/* another kind of address: not one of ours */
				orcpt = g_strdup("");
			}
			continue;
		}
		if (g_ascii_strcasecmp(name, "NOTIFY") == 0 && value != NULL)
			continue;
		g_free(orcpt);
		lmtp_rcpt_refuse(s, "455 4.5.4 Unsupported parameter %.64s", name);
		return;
	}
	if (s->rcpts->len >= LMTP_MAX_RCPTS) {
		g_free(orcpt);
		lmtp_reply(s, "452 4.5.3 Error: too many recipients");
		return;
	}
	if (orcpt != NULL && *orcpt == '\0') {
		g_free(orcpt);
		orcpt = NULL;
	}
	g_ptr_array_add(s->rcpts, g_strdup(addr));
	g_ptr_array_add(s->orcpts, orcpt);
	lmtp_reply(s, "250 2.1.5 Ok");
}

/* After DATA: deliver each recipient and answer it at once. */
static int lmtp_deliver_all(struct lmtp_session *s)
{
	struct lmtp_delivery d = { .sender = s->sender, .data = (const char *)s->data->data,
				   .len = s->data->len, .total = s->total,
				   .started = s->started };
	char qid[64];
	size_t i;
	int ret = 0;

	if (s->data->data == NULL)
		d.data = "";
	d.queue_id = lmtp_queue_id(d.data, d.len, qid, sizeof(qid)) ? qid : NULL;
	/* what is queued (the 354) goes before any answer lmtp_session_abort() writes */
	if (lmtp_flush(s) < 0) {
		lmtp_reset(s);
		return -1;
	}
	s->nrcpts = s->rcpts->len;
	s->current = 0;
	s->delivering = 1;
	for (i = 0; i < s->rcpts->len; i++) {
		struct fault f = { 0 };
		const char *rcpt = g_ptr_array_index(s->rcpts, i);

		s->current = i;
		d.recipient = rcpt;
		d.original_recipient = g_ptr_array_index(s->orcpts, i);
		d.index = i;
		if (s->p->deliver(s->p->arg, &d, &f) == 0)
			lmtp_reply(s, "250 2.0.0 <%.256s> stored", rcpt);
		else if (f.kind == FAULT_NOUSER)
			lmtp_reply(s, "550 5.1.1 <%.256s> %.200s", rcpt, f.text);
		else
			lmtp_reply(s, "451 4.3.0 <%.256s> %.200s", rcpt, f.text);
		s->current = i + 1;
		if (lmtp_flush(s) < 0) {
			ret = -1;	/* the client is gone: it tries the rest again */
			break;
		}
	}
	s->delivering = 0;
	s->errors = 0;
	lmtp_reset(s);
	return ret;
}

/* Read the message after 354 (within data_timeout_ms) and deliver it.
 * Returns whether to go on; *end_r says why not. */
static bool lmtp_data(struct lmtp_session *s, enum lmtp_end *end_r)
{
	gint64 until;

	lmtp_reply(s, "354 End data with <CR><LF>.<CR><LF>");
	s->started = g_get_monotonic_time();
	until = s->p->data_timeout_ms > 0 ? s->started + (gint64)s->p->data_timeout_ms * 1000 : 0;
	s->dstate = LMTP_D_BOL;
	g_byte_array_set_size(s->data, 0);
	s->total = 0;
	for (;;) {
		size_t used;
		bool done = lmtp_data_feed(s, s->in + s->pos, s->len - s->pos, &used);
		enum lmtp_read r;

		s->pos += used;
		if (done)
			break;
		r = lmtp_fill(s, false, until);
		if (r != LMTP_R_DATA) {
			*end_r = lmtp_end_of(r);
			return false;
		}
	}
	*end_r = LMTP_END_ERROR;
	return lmtp_deliver_all(s) == 0;
}

/* Answer one command line. Returns whether to read the next; *end_r
 * says why not. */
static bool lmtp_command(struct lmtp_session *s, char *line, enum lmtp_end *end_r)
{
	const char *rest;

	if (lmtp_is(line, "LHLO", &rest)) {
		if (*rest == '\0') {
			lmtp_reply(s, "501 5.5.4 Syntax: LHLO hostname");
			return true;
		}
		lmtp_reset(s);
		s->lhlo = true;
		g_string_append_printf(s->out, "250-%s\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n"
				       "250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE\r\n", s->p->hostname);
	} else if (lmtp_is(line, "MAIL", &rest)) {
		lmtp_mail(s, (char *)rest);
	} else if (lmtp_is(line, "RCPT", &rest)) {
		lmtp_rcpt(s, (char *)rest);
	} else if (lmtp_is(line, "DATA", &rest)) {
		if (!s->mail)
			lmtp_reply(s, "503 5.5.1 Error: need MAIL command");
		else if (s->rcpts->len == 0)
			lmtp_reply(s, "503 5.5.1 Error: need RCPT command");
		else
			return lmtp_data(s, end_r);
	} else if (lmtp_is(line, "RSET", &rest)) {
		lmtp_reset(s);
		lmtp_reply(s, "250 2.0.0 Ok");
	} else if (lmtp_is(line, "NOOP", &rest)) {
		lmtp_reply(s, "250 2.0.0 Ok");
	} else if (lmtp_is(line, "QUIT", &rest)) {
		lmtp_reply(s, "221 2.0.0 Bye");
		*end_r = LMTP_END_QUIT;
		return false;
	} else if (lmtp_is(line, "VRFY", &rest)) {
		lmtp_reply(s, "252 2.5.2 Cannot VRFY user; send some mail");
	} else if (lmtp_is(line, "HELO", &rest) || lmtp_is(line, "EHLO", &rest)) {
		lmtp_reply(s, "500 5.5.1 Error: this is LMTP, say LHLO");
	} else {
		lmtp_reply(s, "500 5.5.2 Error: command not recognized");
	}
	return true;
}

/* Take the next command line from the buffer (reading as needed): *line_r
 * NUL-terminated without its line end, NULL for one too long (skipped). */
static enum lmtp_read lmtp_line(struct lmtp_session *s, char **line_r)
{
	bool skipping = false;

	for (;;) {
		char *start = s->in + s->pos, *nl = memchr(start, '\n', s->len - s->pos);
		enum lmtp_read r;

		if (nl != NULL) {
			s->pos = (size_t)(nl + 1 - s->in);
			if (skipping || (size_t)(nl + 1 - start) > LMTP_MAX_LINE ||
			    memchr(start, '\0', (size_t)(nl - start)) != NULL) {
				*line_r = NULL;
				return LMTP_R_DATA;
			}
			if (nl > start && nl[-1] == '\r')
				nl--;
			*nl = '\0';
			*line_r = start;
			return LMTP_R_DATA;
		}
		if (s->len - s->pos > LMTP_MAX_LINE) {
			skipping = true;	/* drop it, keep looking for its end */
			s->pos = s->len;
		}
		r = lmtp_fill(s, !skipping && s->pos == s->len, 0);
		if (r != LMTP_R_DATA)
			return r;
	}
}

enum lmtp_end lmtp_session_run(struct lmtp_session *s, int fd)
{
	enum lmtp_end end;
	int flags = fcntl(fd, F_GETFL), one = 1;

	if (flags >= 0 && (flags & O_NONBLOCK) == 0)
		fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	/* each recipient's reply goes out alone, as soon as it is known: over
	 * TCP, Nagle's algorithm would hold it for the client's delayed ACK
	 * (fails harmlessly on a Unix socket) */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->fd = fd;
	s->error = s->errors = 0;
	s->pos = s->len = 0;
	s->lhlo = s->last = false;
	g_string_truncate(s->out, 0);
	lmtp_reset(s);
	lmtp_reply(s, "220 %s LMTP postdesk ready", s->p->hostname);
	for (;;) {
		enum lmtp_read r;
		char *line;

		if (s->last || (s->p->stop != NULL && *s->p->stop)) {
			lmtp_reply(s, "421 4.3.2 %s Service shutting down, closing the connection", s->p->hostname);
			end = LMTP_END_STOP;
			break;
		}
		if (s->errors >= LMTP_MAX_ERRORS) {
			lmtp_reply(s, "421 4.7.0 %s Error: too many errors", s->p->hostname);
			end = LMTP_END_ERRORS;
			break;
		}
		r = lmtp_line(s, &line);
		if (r == LMTP_R_STOP)
			continue;	/* answered above */
		if (r != LMTP_R_DATA) {
			end = lmtp_end_of(r);
			break;
		}
		if (line == NULL)
			lmtp_reply(s, "500 5.5.2 Error: line too long");
		else if (!lmtp_command(s, line, &end))
			break;
	}
	if (end == LMTP_END_TIMEOUT)
		lmtp_reply(s, "421 4.4.2 %s Error: timeout exceeded", s->p->hostname);
	if (s->out->len > 0)
		lmtp_flush(s);
	lmtp_reset(s);
	s->fd = -1;
	errno = s->error;
	return end;
}

/* Write the reply "code why" (CRLF added) with what a signal handler may call. */
static void lmtp_say(int fd, const char *code, const char *why)
{
	char buf[256];
	size_t n = strlen(code), w = strlen(why);

	if (fd < 0)
		return;
	if (w > sizeof(buf) - n - 2)
		w = sizeof(buf) - n - 2;
	memcpy(buf, code, n);
	memcpy(buf + n, why, w);
	memcpy(buf + n + w, "\r\n", 2);
	(void)!send(fd, buf, n + w + 2, MSG_NOSIGNAL);
}

void lmtp_session_abort(struct lmtp_session *s, bool committed, const char *why)
{
	size_t i;

	if (!s->delivering) {
		lmtp_say(s->fd, "421 4.3.0 ", why);
		return;
	}
	for (i = s->current; i < s->nrcpts; i++)
		lmtp_say(s->fd, i == s->current && committed ? "250 2.0.0 " : "451 4.4.7 ",
			 i == s->current && committed ? "stored" : why);
}

void lmtp_refuse(int fd, const char *text)
{
	lmtp_say(fd, "421 4.7.0 ", text);
}

/* Listen on the Unix stream socket at path (see lmtp_listen()). */
static int lmtp_listen_unix(const char *path, int *sock_r, struct fault *f)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof(addr.sun_path) || path[0] != '/')
		return fault_perm(f, "lmtp_listen: unix:%s: not an absolute path that fits a socket", path);
	strcpy(addr.sun_path, path);
	if (lstat(path, &st) == 0) {
		int other, r;

		if (!S_ISSOCK(st.st_mode))
			return fault_perm(f, "%s exists and is not a socket", path);
		other = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (other < 0)
			return fault_temp(f, "socket: %s", strerror(errno));
		r = connect(other, (struct sockaddr *)&addr, sizeof(addr));
		close(other);
		if (r == 0)
			return fault_perm(f, "a server already listens on %s", path);
		if (errno != ECONNREFUSED)
			return fault_perm(f, "%s: %s", path, strerror(errno));
		unlink(path);	/* stale: no one listens there */
	}
	return handoff_bind(path, SOCK_STREAM, sock_r, f);
}

/* Listen on every address HOST:PORT resolves to (see lmtp_listen()). */
static int lmtp_listen_inet(const char *hostport, int *socks, size_t max, size_t *n_r, struct fault *f)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL, *ai;
	const char *colon = strrchr(hostport, ':');
	char *host;
	int r, ret = 0;

	if (colon == NULL || colon == hostport || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return fault_perm(f, "lmtp_listen: inet:%s: not HOST:PORT", hostport);
	if (hostport[0] == '[' && colon[-1] == ']')
		host = g_strndup(hostport + 1, (size_t)(colon - hostport - 2));	/* [IPv6]:PORT */
	else
		host = g_strndup(hostport, (size_t)(colon - hostport));
	if (*host == '\0' || (hostport[0] != '[' && strchr(host, ':') != NULL)) {
		g_free(host);
		return fault_perm(f, "lmtp_listen: inet:%s: not HOST:PORT (an IPv6 address in [])", hostport);
	}
	r = getaddrinfo(host, colon + 1, &hints, &res);
	if (r != 0) {
		ret = fault_set(f, r == EAI_AGAIN ? FAULT_TEMPORARY : FAULT_PERMANENT,
				"lmtp_listen: inet:%s: %s", hostport, gai_strerror(r));
		goto out;
	}
	for (ai = res; ai != NULL && ret == 0; ai = ai->ai_next) {
		int one = 1, sock;

		if (*n_r >= max) {
			ret = fault_perm(f, "lmtp_listen: more than %zu sockets", max);
			break;
		}
		sock = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (sock < 0) {
			ret = fault_temp(f, "socket: %s", strerror(errno));
			break;
		}
		setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (ai->ai_family == AF_INET6)
			setsockopt(sock, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		if (bind(sock, ai->ai_addr, ai->ai_addrlen) < 0 || listen(sock, 128) < 0) {
			ret = fault_perm(f, "listening on inet:%s: %s", hostport, strerror(errno));
			close(sock);
			break;
		}
		socks[(*n_r)++] = sock;
	}
out:
	if (res != NULL)
		freeaddrinfo(res);
	g_free(host);
	return ret;
}

int lmtp_listen(const char *spec, int *socks, size_t max, size_t *n_r, struct fault *f)
{
	if (strncmp(spec, "unix:", 5) == 0) {
		if (*n_r >= max)
			return fault_perm(f, "lmtp_listen: more than %zu sockets", max);
		if (lmtp_listen_unix(spec + 5, &socks[*n_r], f) < 0)
			return -1;
		(*n_r)++;
		return 0;
	}
	if (strncmp(spec, "inet:", 5) == 0)
		return lmtp_listen_inet(spec + 5, socks, max, n_r, f);
	return fault_perm(f, "lmtp_listen: '%s' is neither unix:/PATH nor inet:HOST:PORT", spec);
}
