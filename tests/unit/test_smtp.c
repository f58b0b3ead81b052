/* test_smtp.c: struct smtp_session where no SMTP server is needed: not
 * connected until a message connects it, refusals made here before any
 * connection, a failed connection leaving it unconnected. (The SMTP
 * conversation itself: tests/db_outbox.sh, tests/db_outbox_keep.sh.) */
#include <glib.h>
#include <stdlib.h>

#include "config.h"
#include "smtp.h"
#include "tap.h"

#define BASE "database = dbname=x\nsecret_key_file = /k\nsmtp_timeout = 2s\n"

/* Send a one-line message from `from` to `to` through ss. */
static int send1(struct smtp_session *ss, const char *from, const char *to, enum smtp_outcome *out, char *reply,
		 size_t size, struct fault *f)
{
	const char *rcpts[] = { to };
	int codes[1] = { -1 };
	struct smtp_message msg = {
		.envelope_from = from, .recipients = rcpts, .nrecipients = 1,
		.data = "Subject: t\n\nhi\n", .len = 15, .rcpt_codes = codes,
	};

	return smtp_session_send(ss, &msg, out, reply, size, f);
}

int main(void)
{
	struct config *cfg = NULL, *badcfg = NULL;
	struct smtp_session *ss, *bad;
	struct fault f = { 0 };
	enum smtp_outcome out = SMTP_SENT;
	char reply[256];

	/* port 1 of 127.0.0.1: nothing listens there */
	if (config_parse("t", BASE "smtp_server = 127.0.0.1:1\n", &cfg, &f) < 0 ||
	    config_parse("t", BASE "smtp_server = ::1:25\n", &badcfg, &f) < 0) {
		printf("Bail out! %s\n", f.text);
		return 1;
	}
	ss = smtp_session_new(cfg);
	tap_int(smtp_session_idle_ms(ss), -1, "a new session is not connected");
	tap_int(smtp_session_idle_ms(NULL), -1, "no session: not connected");
	smtp_session_expire(ss);
	smtp_session_expire(NULL);
	tap_int(smtp_session_idle_ms(ss), -1, "expiring an unconnected session does nothing");

	tap_ok(send1(ss, "a b@example.org", "c@example.net", &out, reply, sizeof(reply), &f) == 0 &&
	       out == SMTP_PERMFAIL, "a bad envelope sender: PERMFAIL");
	tap_ok(strstr(reply, "refused locally") != NULL, "refused here (%s)", reply);
	tap_int(smtp_session_idle_ms(ss), -1, "without connecting");

	tap_ok(send1(ss, "a@example.org", "c@example.net", &out, reply, sizeof(reply), &f) == 0 &&
	       out == SMTP_TEMPFAIL, "connection refused: TEMPFAIL");
	tap_ok(strncmp(reply, "connect to 127.0.0.1:1:", 23) == 0, "the reply says so (%s)", reply);
	tap_int(smtp_session_idle_ms(ss), -1, "and the session is still not connected");

	bad = smtp_session_new(badcfg);
	tap_ok(send1(bad, "a@example.org", "c@example.net", &out, reply, sizeof(reply), &f) < 0 &&
	       f.kind == FAULT_PERMANENT && strstr(f.text, "brackets") != NULL, "a bad smtp_server: a local fault");
	smtp_session_free(&bad);
	tap_ok(bad == NULL, "smtp_session_free sets the pointer to NULL");
	smtp_session_free(&bad);
	smtp_session_free(&ss);
	config_free(&cfg);
	config_free(&badcfg);
	return tap_done();
}
