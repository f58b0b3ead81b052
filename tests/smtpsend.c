/* smtpsend.c: test helper for smtp_session_send() (tests only, not installed).
 *   smtpsend CONFIG [--from ADDR] [--again SECONDS] RCPT... < message
 *       send the message with the configuration's smtp_* settings (one
 *       struct smtp_session); print "OUTCOME reply" and then "codes: " with
 *       the reply code to each RCPT. --again: wait SECONDS and send it once
 *       more in the same session (printed the same way).
 *       Exit 0 whatever the outcome, 2 when smtp_session_send() fails
 *       ("error temporary|permanent: text").
 *   smtpsend --serve PORTFILE SECONDS [DATAFILE [LOGFILE]]
 *       a scripted SMTP server for what smtp-sink cannot do: it listens on a
 *       free port of 127.0.0.1 (written to PORTFILE), refuses RCPT TO an
 *       address that starts with "bad" (550) or "soft" (450), accepts the
 *       others, and writes the DATA of the last message as it came over the
 *       wire (CRLF, dot-stuffed, with the final ".") to DATAFILE. A message
 *       to an address that starts with "die" gets no reply to its data (the
 *       connection closes); one to "drop" its 250, then "421" and the
 *       connection closes (as smtpd after its idle timeout); one to "gone"
 *       its 250, then the connection closes without a word. LOGFILE gets a
 *       line per connection ("connect") and per command: its verb (MAIL,
 *       RSET, QUIT...), for RCPT TO the local part of the address; and
 *       "queued" for each message accepted. It serves one
 *       connection after another and exits after SECONDS. */
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config.h"
#include "smtp.h"

/* LOGFILE of --serve, line-buffered; NULL when not asked for. */
static FILE *serve_log;

/* Log a command: its verb, and for RCPT TO the address's local part. */
static void serve_note(const char *line)
{
	if (serve_log == NULL)
		return;
	if (strncasecmp(line, "RCPT TO:<", 9) == 0)
		fprintf(serve_log, "%.*s\n", (int)strcspn(line + 9, "@>\r\n"), line + 9);
	else
		fprintf(serve_log, "%.*s\n", (int)strcspn(line, " :\r\n"), line);
}

/* Answer one SMTP connection on fd. */
static void serve_one(int fd, const char *datafile)
{
	FILE *in = fdopen(dup(fd), "r"), *out = fdopen(fd, "w");
	char line[1024];
	bool die = false, drop = false, gone = false;

	if (in == NULL || out == NULL)
		exit(1);
	if (serve_log != NULL)
		fputs("connect\n", serve_log);
	fputs("220 smtpsend ESMTP test server\r\n", out);
	fflush(out);
	while (fgets(line, sizeof(line), in) != NULL) {
		serve_note(line);
		if (strncasecmp(line, "EHLO", 4) == 0) {
			fputs("250-smtpsend\r\n250-PIPELINING\r\n250 8BITMIME\r\n", out);
		} else if (strncasecmp(line, "MAIL", 4) == 0) {
			die = drop = gone = false;
			fputs("250 2.1.0 Ok\r\n", out);
		} else if (strncasecmp(line, "RCPT TO:<bad", 12) == 0) {
			fputs("550 5.1.1 no such user here\r\n", out);
		} else if (strncasecmp(line, "RCPT TO:<soft", 13) == 0) {
			fputs("450 4.2.1 mailbox busy, try later\r\n", out);
		} else if (strncasecmp(line, "DATA", 4) == 0) {
			FILE *data = datafile ? fopen(datafile, "wb") : NULL;

			fputs("354 go ahead\r\n", out);
			fflush(out);
			while (fgets(line, sizeof(line), in) != NULL) {
				if (data != NULL)
					fputs(line, data);
				if (strcmp(line, ".\r\n") == 0)
					break;
			}
			if (data != NULL)
				fclose(data);
			if (die)
				break;
			if (serve_log != NULL)
				fputs("queued\n", serve_log);
			fputs("250 2.0.0 Ok: queued as TEST\r\n", out);
			if (drop)
				fputs("421 4.4.2 smtpsend Error: timeout exceeded\r\n", out);
			if (drop || gone)
				break;
		} else if (strncasecmp(line, "QUIT", 4) == 0) {
			fputs("221 2.0.0 Bye\r\n", out);
			break;
		} else {
			if (strncasecmp(line, "RCPT TO:<die", 12) == 0)
				die = true;
			if (strncasecmp(line, "RCPT TO:<drop", 13) == 0)
				drop = true;
			if (strncasecmp(line, "RCPT TO:<gone", 13) == 0)
				gone = true;
			fputs("250 2.0.0 Ok\r\n", out);
		}
		fflush(out);
	}
	fclose(in);
	fclose(out);
}

/* The scripted server; never returns. */
static int serve(const char *portfile, int seconds, const char *datafile, const char *logfile)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);
	FILE *pf;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(s, 16) < 0 ||
	    getsockname(s, (struct sockaddr *)&sin, &len) < 0) {
		perror("smtpsend --serve");
		return 1;
	}
	pf = fopen(portfile, "w");
	if (pf == NULL) {
		perror(portfile);
		return 1;
	}
	if (logfile != NULL && (serve_log = fopen(logfile, "a")) == NULL) {
		perror(logfile);
		return 1;
	}
	if (serve_log != NULL)
		setvbuf(serve_log, NULL, _IOLBF, 0);
	fprintf(pf, "%d\n", ntohs(sin.sin_port));
	fclose(pf);
	signal(SIGPIPE, SIG_IGN);
	alarm((unsigned)seconds);	/* the default action ends the process */
	for (;;) {
		int c = accept(s, NULL, NULL);

		if (c < 0 && errno == EINTR)
			continue;
		if (c < 0)
			return 1;
		serve_one(c, datafile);
	}
}

/* Read all of stdin. */
static GByteArray *read_stdin(void)
{
	GByteArray *buf = g_byte_array_new();
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		g_byte_array_append(buf, (const guint8 *)chunk, (guint)n);
	return buf;
}

/* Send the message once through ss and print the outcome; -1 on a local fault. */
static int send_once(struct smtp_session *ss, const struct smtp_message *msg)
{
	static const char *const names[] = { "SENT", "TEMPFAIL", "PERMFAIL", "UNKNOWN" };
	enum smtp_outcome outcome;
	struct fault f = { 0 };
	char reply[1024];
	size_t i;

	if (smtp_session_send(ss, msg, &outcome, reply, sizeof(reply), &f) < 0) {
		printf("error %s: %s\n", f.kind == FAULT_TEMPORARY ? "temporary" : "permanent", f.text);
		return -1;
	}
	printf("%s %s\ncodes:", names[outcome], reply);
	for (i = 0; i < msg->nrecipients; i++)
		printf(" %d", msg->rcpt_codes[i]);
	printf("\n");
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct smtp_session *ss;
	struct fault f = { 0 };
	const char *from = "helpdesk@example.org";
	GByteArray *buf;
	int first = 2, ret = 0, again = -1, *codes;

	if (argc >= 4 && strcmp(argv[1], "--serve") == 0)
		return serve(argv[2], atoi(argv[3]), argc > 4 ? argv[4] : NULL, argc > 5 ? argv[5] : NULL);
	if (argc >= first + 2 && strcmp(argv[first], "--from") == 0) {
		from = argv[first + 1];
		first += 2;
	}
	if (argc >= first + 2 && strcmp(argv[first], "--again") == 0) {
		again = atoi(argv[first + 1]);
		first += 2;
	}
	if (argc < first + 1) {
		fprintf(stderr, "usage: smtpsend CONFIG [--from ADDR] [--again SECONDS] RCPT... < message\n"
			"       smtpsend --serve PORTFILE SECONDS [DATAFILE [LOGFILE]]\n");
		return 2;
	}
	if (config_load(argv[1], &cfg, &f) < 0) {
		fprintf(stderr, "smtpsend: %s\n", f.text);
		return 2;
	}
	buf = read_stdin();
	codes = g_new0(int, (gsize)(argc - first));
	ss = smtp_session_new(cfg);
	{
		struct smtp_message msg = {
			.envelope_from = from, .recipients = (const char *const *)(argv + first),
			.nrecipients = (size_t)(argc - first), .data = (const char *)buf->data, .len = buf->len,
			.rcpt_codes = codes,
		};

		if (send_once(ss, &msg) < 0)
			ret = 2;
		if (ret == 0 && again >= 0) {
			sleep((unsigned)again);
			if (send_once(ss, &msg) < 0)
				ret = 2;
		}
	}
	smtp_session_free(&ss);
	g_free(codes);
	g_byte_array_free(buf, TRUE);
	config_free(&cfg);
	return ret;
}
