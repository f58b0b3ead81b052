/* smtp.c: one SMTP transaction with libetpan. libetpan's session timeout
 * bounds the connect and every reply; it does the dot-stuffing and turns
 * bare LF into CRLF when it sends the data. */
#include <glib.h>
#include <libetpan/libetpan.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "smtp.h"

/* Split "host:port" or "[v6]:port" (port 25 when absent). */
static int smtp_target(const char *server, char **host_r, uint16_t *port_r, struct fault *f)
{
	const char *colon;
	char *end;
	long port = 25;

	if (server[0] == '[') {
		const char *close = strchr(server, ']');

		if (close == NULL)
			return fault_perm(f, "smtp_server '%s': missing ']'", server);
		*host_r = g_strndup(server + 1, (gsize)(close - server - 1));
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(server, ':');
		*host_r = colon ? g_strndup(server, (gsize)(colon - server)) : g_strdup(server);
	}
	if (colon != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535) {
			g_free(*host_r);
			return fault_perm(f, "smtp_server '%s': bad port", server);
		}
	}
	*port_r = (uint16_t)port;
	return 0;
}

/* Read the first line of the password file, which must not be world-readable. */
static int smtp_password(const char *path, char **pass_r, struct fault *f)
{
	gchar *text = NULL;
	struct stat st;

	if (stat(path, &st) < 0 || !g_file_get_contents(path, &text, NULL, NULL))
		return fault_temp(f, "cannot read smtp_password_file %s", path);
	if ((st.st_mode & S_IROTH) != 0) {
		g_free(text);
		return fault_perm(f, "smtp_password_file %s is readable by others", path);
	}
	text[strcspn(text, "\r\n")] = '\0';
	*pass_r = text;
	return 0;
}

/* The outcome of a failed step: the reply code decides, no reply is temporary. */
static enum smtp_outcome smtp_failed(mailsmtp *s, int r, char *reply, size_t size)
{
	int code = s->response_code;

	snprintf(reply, size, "%d %s", code, s->response ? s->response : mailsmtp_strerror(r));
	reply[strcspn(reply, "\r\n")] = '\0';
	if (r == MAILSMTP_ERROR_STREAM || code == 0)
		snprintf(reply, size, "%s", mailsmtp_strerror(r));
	return code >= 500 && code < 600 && r != MAILSMTP_ERROR_STREAM ? SMTP_PERMFAIL : SMTP_TEMPFAIL;
}

/* Bound every read and write on the session's stream by smtp_timeout. */
static void smtp_stream_timeout(mailsmtp *s, const struct config *cfg)
{
	if (s->stream != NULL && mailstream_get_low(s->stream) != NULL)
		mailstream_low_set_timeout(mailstream_get_low(s->stream), (time_t)cfg->smtp_timeout);
}

/* The session after the greeting: EHLO (or HELO), STARTTLS, AUTH. */
static int smtp_hello(const struct config *cfg, mailsmtp *s, const char *pass, enum smtp_outcome *out,
		      char *reply, size_t size)
{
	int r = mailesmtp_ehlo(s);
	bool esmtp = r == MAILSMTP_NO_ERROR;

	if (!esmtp && (r = mailsmtp_helo(s)) != MAILSMTP_NO_ERROR) {
		*out = smtp_failed(s, r, reply, size);
		return -1;
	}
	if (strcmp(cfg->smtp_tls, "starttls") == 0) {
		if (!esmtp || (s->esmtp & MAILSMTP_ESMTP_STARTTLS) == 0) {
			snprintf(reply, size, "the server does not offer STARTTLS");
			*out = SMTP_TEMPFAIL;
			return -1;
		}
		if ((r = mailsmtp_socket_starttls(s)) != MAILSMTP_NO_ERROR ||
		    (smtp_stream_timeout(s, cfg), (r = mailesmtp_ehlo(s)) != MAILSMTP_NO_ERROR)) {
			*out = smtp_failed(s, r, reply, size);
			return -1;
		}
	}
	if (pass != NULL && (r = mailsmtp_auth(s, cfg->smtp_user, pass)) != MAILSMTP_NO_ERROR) {
		*out = smtp_failed(s, r, reply, size);
		return -1;
	}
	return 0;
}

/* The envelope and the data; fills *out. */
static void smtp_transaction(mailsmtp *s, const struct smtp_message *msg, enum smtp_outcome *out,
			     char *reply, size_t size)
{
	GString *refused = g_string_new(NULL);
	size_t i, accepted = 0;
	int r;

	if ((r = mailsmtp_mail(s, msg->envelope_from)) != MAILSMTP_NO_ERROR) {
		*out = smtp_failed(s, r, reply, size);
		g_string_free(refused, TRUE);
		return;
	}
	*out = SMTP_PERMFAIL;
	for (i = 0; i < msg->nrecipients; i++) {
		r = mailsmtp_rcpt(s, msg->recipients[i]);
		if (r == MAILSMTP_NO_ERROR) {
			accepted++;
			continue;
		}
		/* one refused recipient must not hold back the others: a 4xx
		 * for some while others are accepted is reported, not retried */
		if (smtp_failed(s, r, reply, size) == SMTP_TEMPFAIL)
			*out = SMTP_TEMPFAIL;
		g_string_append_printf(refused, "%s<%s>: %s", refused->len ? "; " : "", msg->recipients[i], reply);
		if (r == MAILSMTP_ERROR_STREAM)
			break;
	}
	if (accepted == 0) {
		snprintf(reply, size, "%s", refused->len ? refused->str : "no recipients");
		g_string_free(refused, TRUE);
		return;
	}
	if ((r = mailsmtp_data(s)) != MAILSMTP_NO_ERROR) {
		*out = smtp_failed(s, r, reply, size);
	} else if ((r = mailsmtp_data_message(s, msg->data, msg->len)) != MAILSMTP_NO_ERROR) {
		*out = smtp_failed(s, r, reply, size);
		if (r == MAILSMTP_ERROR_STREAM)
			*out = SMTP_UNKNOWN;	/* the data went out; the answer did not come */
	} else {
		*out = SMTP_SENT;
		snprintf(reply, size, "%d %s%s%s", s->response_code, s->response ? s->response : "",
			 refused->len ? "; refused: " : "", refused->str);
		reply[strcspn(reply, "\r\n")] = '\0';
	}
	g_string_free(refused, TRUE);
}

int smtp_send(const struct config *cfg, const struct smtp_message *msg,
	      enum smtp_outcome *outcome_r, char *reply, size_t reply_size, struct fault *f)
{
	char *host = NULL, *pass = NULL;
	uint16_t port = 25;
	mailsmtp *s;
	int r;

	if (smtp_target(cfg->smtp_server, &host, &port, f) < 0)
		return -1;
	if (cfg->smtp_user[0] != '\0' && smtp_password(cfg->smtp_password_file, &pass, f) < 0) {
		g_free(host);
		return -1;
	}
	s = mailsmtp_new(0, NULL);
	/* the session timeout bounds the connect; reads wait on the stream's
	 * own timeout, or libetpan's process-wide default of five minutes */
	mailsmtp_set_timeout(s, (time_t)cfg->smtp_timeout);
	mailstream_network_delay.tv_sec = (time_t)cfg->smtp_timeout;
	mailstream_network_delay.tv_usec = 0;
	r = mailsmtp_socket_connect(s, host, port);
	if (r == MAILSMTP_NO_ERROR)
		smtp_stream_timeout(s, cfg);
	if (r != MAILSMTP_NO_ERROR) {
		snprintf(reply, reply_size, "connect to %s: %s", cfg->smtp_server, mailsmtp_strerror(r));
		*outcome_r = SMTP_TEMPFAIL;
	} else if (smtp_hello(cfg, s, pass, outcome_r, reply, reply_size) == 0) {
		smtp_transaction(s, msg, outcome_r, reply, reply_size);
		if (*outcome_r != SMTP_UNKNOWN)
			mailsmtp_quit(s);
	}
	mailsmtp_free(s);
	if (pass != NULL) {
		memset(pass, 0, strlen(pass));
		g_free(pass);
	}
	g_free(host);
	return 0;
}
