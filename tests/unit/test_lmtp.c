/* test_lmtp.c: the LMTP server side over a socketpair, a client thread
 * writing the whole input at once (pipelined) and reading every reply:
 * commands and their order, MAIL and RCPT parameters, ORCPT's xtext, DATA's
 * dot-unstuffing and line ends, long lines, more recipients than allowed,
 * the bound on a message's size, the per-read deadline, ending a session;
 * the queue id of Postfix's Received: lines and of others; a 10 MB message
 * costs about ten times a 1 MB one; listening (unix:, inet:). */
#include <glib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmtp.h"
#include "tap.h"

/* What the callback saw: one "sender|rcpt|orcpt|qid|len|total" line per
 * delivery; the messages themselves in datas. */
static GString *seen;
static GPtrArray *datas;
static struct lmtp_session *cur;
static int end_after = -1;	/* lmtp_session_last() after this many deliveries */

/* The callback: recipients starting "nouser" are unknown, "temp" fail;
 * "abort" calls lmtp_session_abort() as the deadline's handler does
 * ("abort-committed": after the commit). */
static int deliver(void *arg, const struct lmtp_delivery *d, struct fault *f)
{
	(void)arg;
	g_string_append_printf(seen, "%s|%s|%s|%s|%zu|%zu\n", d->sender, d->recipient,
			       d->original_recipient ? d->original_recipient : "-",
			       d->queue_id ? d->queue_id : "-", d->len, d->total);
	if (datas != NULL)
		g_ptr_array_add(datas, g_strndup(d->data, d->len));
	if (end_after >= 0 && (int)seen->len > 0 && --end_after == 0)
		lmtp_session_last(cur);
	if (g_str_has_prefix(d->recipient, "abort"))
		lmtp_session_abort(cur, g_str_has_prefix(d->recipient, "abort-committed"), "timed out");
	if (g_str_has_prefix(d->recipient, "nouser"))
		return fault_set(f, FAULT_NOUSER, "no queue for recipient %s", d->recipient);
	if (g_str_has_prefix(d->recipient, "temp"))
		return fault_temp(f, "database unavailable");
	return 0;
}

struct client {
	int fd;
	const char *in;
	size_t len;
	bool hold;		/* keep sending side open (a stalling client) */
	GString *out;
};

/* The client thread: write everything, then read every reply until EOF. */
static gpointer client_run(gpointer data)
{
	struct client *c = data;
	size_t done = 0;
	char buf[65536];
	ssize_t n;

	while (done < c->len && (n = write(c->fd, c->in + done, c->len - done)) > 0)
		done += (size_t)n;
	if (!c->hold)
		shutdown(c->fd, SHUT_WR);
	while ((n = read(c->fd, buf, sizeof(buf))) > 0)
		g_string_append_len(c->out, buf, n);
	return NULL;
}

static struct lmtp_params params = {
	.hostname = "lmtp.test", .max_message_size = 1 << 20, .timeout_ms = 5000, .deliver = deliver,
};

/* Run a session on input; returns its replies (g_free), *end_r how it ended. */
static char *session(const char *in, size_t len, bool hold, enum lmtp_end *end_r)
{
	struct client c = { .in = in, .len = len, .hold = hold, .out = g_string_new(NULL) };
	int sv[2];
	GThread *t;
	enum lmtp_end end;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		abort();
	c.fd = sv[1];
	g_string_truncate(seen, 0);
	cur = lmtp_session_new(&params);
	t = g_thread_new("client", client_run, &c);
	end = lmtp_session_run(cur, sv[0]);
	close(sv[0]);
	g_thread_join(t);
	close(sv[1]);
	lmtp_session_free(&cur);
	if (end_r != NULL)
		*end_r = end;
	return g_string_free(c.out, FALSE);
}

/* The reply codes of out, one "NNN" per line, separated by spaces. */
static char *codes(const char *out)
{
	char **lines = g_strsplit(out, "\r\n", -1);
	GString *s = g_string_new(NULL);
	size_t i;

	for (i = 0; lines[i] != NULL; i++)
		if (lines[i][0] != '\0')
			g_string_append_printf(s, "%s%.3s", s->len > 0 ? " " : "", lines[i]);
	g_strfreev(lines);
	return g_string_free(s, FALSE);
}

/* Run a session on a string; its reply codes (g_free). */
static char *run(const char *in)
{
	char *out = session(in, strlen(in), false, NULL), *c = codes(out);

	g_free(out);
	return c;
}

#define HELLO "LHLO client.example\r\n"
#define LHLO_CODES "220 250 250 250 250 250 250"

static void test_commands(void)
{
	enum lmtp_end end;
	char *out = session(HELLO "QUIT\r\n", strlen(HELLO "QUIT\r\n"), false, &end), *c;

	tap_ok(g_str_has_prefix(out, "220 lmtp.test LMTP postdesk ready\r\n"), "greeting: 220 HOST LMTP postdesk ready");
	tap_ok(strstr(out, "250-lmtp.test\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n"
			   "250-SMTPUTF8\r\n250 SIZE\r\n") != NULL, "LHLO: the host, then the extensions, SIZE with no number");
	tap_ok(g_str_has_suffix(out, "221 2.0.0 Bye\r\n"), "QUIT: 221");
	tap_int(end, LMTP_END_QUIT, "the session ends with QUIT");
	g_free(out);

	c = run("MAIL FROM:<a@example.net>\r\nHELO x\r\nEHLO x\r\nLHLO\r\n" HELLO
		"DATA\r\nRCPT TO:<b@example.org>\r\nVRFY x\r\nNOOP\r\nFOO\r\n"
		"MAIL FROM:<a@example.net>\r\nMAIL FROM:<a@example.net>\r\nDATA\r\n"
		"RSET\r\nRCPT TO:<b@example.org>\r\nQUIT\r\n");
	tap_is(c, "220 503 500 500 501 250 250 250 250 250 250 503 503 252 250 500 250 503 503 250 503 221",
	       "MAIL before LHLO 503, HELO and EHLO 500, LHLO without a name 501, DATA and RCPT before MAIL 503, "
	       "VRFY 252, NOOP 250, unknown 500, nested MAIL 503, DATA without RCPT 503, RSET clears the transaction");
	g_free(c);
	tap_is(seen->str, "", "no delivery");
}

static void test_transaction(void)
{
	const char *in = HELLO "MAIL FROM:<c@example.net>\r\nRCPT TO:<support@example.org>\r\n"
		"RCPT TO:<nouser@example.org>\r\nRCPT TO:<temp@example.org>\r\nRCPT TO:<sales@example.org>\r\n"
		"DATA\r\nSubject: hi\r\n\r\nbody\r\n.\r\n"
		"MAIL FROM:<>\r\nRCPT TO:<support@example.org>\r\nDATA\r\nSubject: two\r\n\r\n2\r\n.\r\nQUIT\r\n";
	char *out = session(in, strlen(in), false, NULL), *c = codes(out);

	tap_is(c, LHLO_CODES " 250 250 250 250 250 354 250 550 451 250 250 250 354 250 221",
	       "two transactions pipelined in one write: a reply per command, one per recipient after DATA");
	tap_ok(strstr(out, "250 2.0.0 <support@example.org> stored\r\n550 5.1.1 <nouser@example.org> no queue for "
			   "recipient nouser@example.org\r\n451 4.3.0 <temp@example.org> database unavailable\r\n"
			   "250 2.0.0 <sales@example.org> stored\r\n") != NULL,
	       "the recipients answered in order: 250, 550 5.1.1 for no such queue only, 451 4.3.0 for the rest");
	tap_is(seen->str, "c@example.net|support@example.org|-|-|18|18\nc@example.net|nouser@example.org|-|-|18|18\n"
			  "c@example.net|temp@example.org|-|-|18|18\nc@example.net|sales@example.org|-|-|18|18\n"
			  "|support@example.org|-|-|16|16\n",
	       "each recipient delivered once, in order; the null sender as \"\"");
	g_free(out);
	g_free(c);
}

static void test_parameters(void)
{
	char *c = run(HELLO "MAIL FROM:<a@example.net> SIZE=1234 BODY=8BITMIME SMTPUTF8\r\nRSET\r\n"
		      "MAIL FROM:<a@example.net> BODY=7BIT\r\nRSET\r\nMAIL FROM: <a@example.net>\r\nRSET\r\n"
		      "MAIL FROM:<a@example.net> BODY=BINARYMIME\r\nMAIL FROM:<a@example.net> SIZE=big\r\n"
		      "MAIL FROM:<a@example.net> FOO=1\r\nMAIL FROM:a@example.net\r\nMAIL FROM:<a@example.net\r\n"
		      "mail from:<\"x>y\"@example.net>\r\nrcpt to:<b@example.org> NOTIFY=NEVER\r\n"
		      "RCPT TO:<b@example.org> FOO=1\r\nRCPT TO:<>\r\nRCPT TO:b@example.org\r\nQUIT\r\n");

	tap_is(c, LHLO_CODES " 250 250 250 250 250 250 555 555 555 501 501 250 250 455 451 451 221",
	       "MAIL: SIZE=, BODY=7BIT|8BITMIME, SMTPUTF8, a space after the colon accepted; others 555; "
	       "no <> 501; a quoted '>' and lower case fine; RCPT: NOTIFY accepted; never 5xx for a recipient: "
	       "other parameters 455, <> and no <> 451");
	g_free(c);
}

static void test_orcpt(void)
{
	char *c, buf[64];

	c = run(HELLO "MAIL FROM:<a@example.net>\r\nRCPT TO:<s@example.org> ORCPT=rfc822;S+2Bext+3Dx@Example.ORG\r\n"
		"RCPT TO:<t@example.org> ORCPT=RFC822;t@example.org\r\nRCPT TO:<u@example.org> ORCPT=x400;abc\r\n"
		"RCPT TO:<v@example.org> ORCPT=rfc822;v+zz\r\nRCPT TO:<w@example.org> ORCPT=rfc822\r\n"
		"DATA\r\nx\r\n.\r\n");
	tap_is(c, LHLO_CODES " 250 250 250 250 455 455 354 250 250 250", "ORCPT: rfc822 (any case) and other types taken, "
	       "a bad xtext or no type 455 (4xx: never 5xx for a recipient)");
	tap_is(seen->str, "a@example.net|s@example.org|S+ext=x@Example.ORG|-|2|2\n"
			  "a@example.net|t@example.org|t@example.org|-|2|2\na@example.net|u@example.org|-|-|2|2\n",
	       "ORCPT's xtext decoded into the original recipient; another type of address: none");
	g_free(c);
	tap_ok(lmtp_xtext_decode("a+2b+2B", buf, sizeof(buf)) == 0 && strcmp(buf, "a++") == 0, "xtext: hex in any case");
	tap_ok(lmtp_xtext_decode("a+2", buf, sizeof(buf)) < 0 && lmtp_xtext_decode("a=b", buf, sizeof(buf)) < 0 &&
	       lmtp_xtext_decode("a b", buf, sizeof(buf)) < 0, "xtext: a cut escape, '=' and a space refused");
	tap_ok(lmtp_xtext_decode("abcdef", buf, 4) < 0, "xtext: too long for the buffer refused");
}

/* Deliver one message with DATA body (the raw lines, final dot included);
 * returns what the callback got (g_free). */
static char *data_of(const char *body)
{
	char *in = g_strconcat(HELLO "MAIL FROM:<a@example.net>\r\nRCPT TO:<s@example.org>\r\nDATA\r\n", body,
			       "QUIT\r\n", NULL);
	char *c, *got;

	datas = g_ptr_array_new_with_free_func(g_free);
	c = run(in);
	got = g_strdup(datas->len == 1 ? (const char *)g_ptr_array_index(datas, 0) : "(no delivery)");
	g_ptr_array_free(datas, TRUE);
	datas = NULL;
	g_free(c);
	g_free(in);
	return got;
}

static void test_data(void)
{
	static const struct {
		const char *in, *want, *what;
	} cases[] = {
		{ "Subject: x\r\n\r\n..leading dot\r\n. space\r\n...\r\nend\r\n.\r\n",
		  "Subject: x\n\n.leading dot\n space\n..\nend\n", "DATA: dot-unstuffed, CRLF to LF" },
		{ "a\nb\n.\n", "a\nb\n", "bare LF ends lines, and \".\" LF ends the message" },
		{ "a\rb\r\r\nc\r\n.\rx\r\n.\r\n", "a\rb\r\nc\n\rx\n", "a bare CR is kept; \".\" CR x is not the end" },
		{ ".\r\n", "", "an empty message" },
	};
	size_t i;
	char *got;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		got = data_of(cases[i].in);
		tap_is(got, cases[i].want, "%s", cases[i].what);
		g_free(got);
	}
	/* a 70,000-byte line, longer than the input buffer */
	{
		GString *s = g_string_new(NULL);

		g_string_append(s, "X: ");
		while (s->len < 70000)
			g_string_append_c(s, 'y');
		g_string_append(s, "\r\n.\r\n");
		got = data_of(s->str);
		tap_ok(strlen(got) == 70001 && got[70000] == '\n' && got[3] == 'y', "a DATA line of 70,000 bytes kept whole");
		g_free(got);
		g_string_free(s, TRUE);
	}
}

static void test_long_line(void)
{
	GString *s = g_string_new(HELLO "NOOP ");
	char *c;

	while (s->len < 5000)
		g_string_append_c(s, 'x');
	g_string_append(s, "\r\nNOOP ");
	while (s->len < 80000)
		g_string_append_c(s, 'x');	/* longer than the input buffer */
	g_string_append(s, "\r\nNOOP\r\n");
	g_string_append_len(s, "NO\0OP\r\n", 7);
	g_string_append(s, "QUIT\r\n");
	c = session(s->str, s->len, false, NULL);
	{
		char *k = codes(c);

		tap_is(k, LHLO_CODES " 500 500 250 500 221", "command lines over 4096 bytes (and one with a NUL): 500, "
		       "the session goes on");
		g_free(k);
	}
	tap_ok(strstr(c, "500 5.5.2 Error: line too long\r\n") != NULL, "... 500 5.5.2 line too long");
	g_free(c);
	g_string_free(s, TRUE);
	/* the bound itself: 4096 octets with the CRLF taken, 4097 not */
	s = g_string_new(HELLO "NOOP ");
	while (s->len < strlen(HELLO) + 4094)
		g_string_append_c(s, 'x');
	g_string_append(s, "\r\nNOOP x");
	while (s->len < strlen(HELLO) + 4096 + 4095)
		g_string_append_c(s, 'x');
	g_string_append(s, "\r\nQUIT\r\n");
	c = session(s->str, s->len, false, NULL);
	{
		char *k = codes(c);

		tap_is(k, LHLO_CODES " 250 500 221", "a command line of 4096 octets with its CRLF: taken; of 4097: 500");
		g_free(k);
	}
	g_free(c);
	g_string_free(s, TRUE);
}

static void test_many_recipients(void)
{
	GString *s = g_string_new(HELLO "MAIL FROM:<a@example.net>\r\n");
	char *out, **lines;
	size_t i, n250 = 0;

	for (i = 0; i < 1002; i++)
		g_string_append_printf(s, "RCPT TO:<r%zu@example.org>\r\n", i);
	g_string_append(s, "DATA\r\nSubject: many\r\n\r\nx\r\n.\r\nQUIT\r\n");
	out = session(s->str, s->len, false, NULL);
	lines = g_strsplit(out, "\r\n", -1);
	for (i = 0; lines[i] != NULL; i++)
		n250 += g_str_has_prefix(lines[i], "250 2.1.5 ");
	tap_int(n250, 1000, "1002 recipients: 1000 taken");
	tap_int(g_strv_length(lines) > 1010 ? (long long)(strstr(out, "452 4.5.3 Error: too many recipients\r\n452 4.5.3")
							   != NULL) : 0, 1, "... the rest 452 4.5.3");
	n250 = 0;
	for (i = 0; lines[i] != NULL; i++)
		n250 += g_str_has_prefix(lines[i], "250 2.0.0 <r");
	tap_int(n250, 1000, "... and after DATA 1000 replies, one per recipient");
	tap_ok(g_str_has_prefix(seen->str, "a@example.net|r0@example.org|") &&
	       strstr(seen->str, "|r999@example.org|") != NULL && strstr(seen->str, "|r1000@") == NULL,
	       "... delivered in order, r0 to r999");
	g_strfreev(lines);
	g_free(out);
	g_string_free(s, TRUE);
}

static void test_size_bound(void)
{
	GString *s = g_string_new(HELLO "MAIL FROM:<a@example.net>\r\nRCPT TO:<s@example.org>\r\nDATA\r\n");
	char *c, want[32];
	int i;

	for (i = 0; i < 250; i++)
		g_string_append(s, "0123456789abcdefghi\r\n");
	g_string_append(s, ".\r\nQUIT\r\n");
	params.max_message_size = 100;
	c = run(s->str);
	params.max_message_size = 1 << 20;
	g_snprintf(want, sizeof(want), "|100|%d\n", 250 * 20);
	tap_ok(g_str_has_suffix(seen->str, want), "max_message_size 100: 100 bytes kept, all %d counted", 250 * 20);
	tap_ok(g_str_has_suffix(c, "354 250 221"), "... and the recipient answered as any other");
	g_free(c);
	g_string_free(s, TRUE);
}

/* Seconds a session takes for a DATA of size bytes (lines of 76). */
static double data_seconds(size_t size)
{
	GString *s = g_string_new(HELLO "MAIL FROM:<a@example.net>\r\nRCPT TO:<s@example.org>\r\nDATA\r\n");
	gint64 t0;
	char *out;

	while (s->len < size)
		g_string_append(s, "..aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
	g_string_append(s, ".\r\nQUIT\r\n");
	t0 = g_get_monotonic_time();
	out = session(s->str, s->len, false, NULL);
	t0 = g_get_monotonic_time() - t0;
	g_free(out);
	g_string_free(s, TRUE);
	return (double)t0 / 1e6;
}

static void test_linear(void)
{
	double t1, t10;

	params.max_message_size = 20 << 20;
	t1 = data_seconds(1 << 20);
	t10 = data_seconds(10 << 20);
	params.max_message_size = 1 << 20;
	tap_ok(t10 < 30 * (t1 > 0.001 ? t1 : 0.001), "a 10 MB DATA takes about ten times a 1 MB one, not a hundred "
	       "(%.3f s vs %.3f s: %.1f times)", t10, t1, t10 / (t1 > 0 ? t1 : 1e-9));
	tap_ok(strrchr(seen->str, '|') != NULL && atoll(strrchr(seen->str, '|') + 1) > 10000000,
	       "... and it was delivered whole");
}

static void test_ending(void)
{
	enum lmtp_end end;
	volatile sig_atomic_t stop = 1;
	const char *in = HELLO "MAIL FROM:<a@example.net>\r\n";
	const char *two = HELLO "MAIL FROM:<a@example.net>\r\nRCPT TO:<s@example.org>\r\nRCPT TO:<t@example.org>\r\n"
			  "DATA\r\nx\r\n.\r\nNOOP\r\n";
	char *out, *c;
	gint64 t0 = g_get_monotonic_time();

	params.timeout_ms = 300;
	out = session(in, strlen(in), true, &end);
	params.timeout_ms = 5000;
	c = codes(out);
	tap_is(c, LHLO_CODES " 250 421", "a client that stalls: 421 after lmtp_timeout");
	tap_ok(strstr(out, "421 4.4.2 lmtp.test Error: timeout exceeded\r\n") != NULL && end == LMTP_END_TIMEOUT,
	       "... 421 4.4.2, the session ends as timed out");
	tap_ok((g_get_monotonic_time() - t0) / 1000 < 3000, "... after about 300 ms (%lld ms)",
	       (long long)((g_get_monotonic_time() - t0) / 1000));
	g_free(out);
	g_free(c);
	in = HELLO "MAIL FROM:<a@example.net>\r\nRCPT TO:<s@example.org>\r\nDATA\r\nhalf a mess";
	params.timeout_ms = 300;
	out = session(in, strlen(in), true, &end);
	params.timeout_ms = 5000;
	tap_ok(g_str_has_suffix(out, "354 End data with <CR><LF>.<CR><LF>\r\n421 4.4.2 lmtp.test Error: timeout exceeded\r\n") &&
	       end == LMTP_END_TIMEOUT && seen->len == 0, "a client stalling in DATA: 421 4.4.2, nothing delivered");
	g_free(out);

	/* the whole DATA bounded too: a client still sending (or stalled) when it ends */
	params.data_timeout_ms = 400;
	t0 = g_get_monotonic_time();
	out = session(in, strlen(in), true, &end);
	params.data_timeout_ms = 0;
	tap_ok(g_str_has_suffix(out, "354 End data with <CR><LF>.<CR><LF>\r\n421 4.4.2 lmtp.test Error: timeout exceeded\r\n") &&
	       end == LMTP_END_TIMEOUT && (g_get_monotonic_time() - t0) / 1000 < 3000,
	       "DATA longer than data_timeout_ms (400 ms, the per-read timeout 5 s): 421 4.4.2 after %lld ms",
	       (long long)((g_get_monotonic_time() - t0) / 1000));
	g_free(out);

	end_after = 1;
	out = session(two, strlen(two), false, &end);
	end_after = -1;
	c = codes(out);
	tap_is(c, LHLO_CODES " 250 250 250 354 250 250 421", "lmtp_session_last() in a delivery: the transaction is "
	       "finished, then 421");
	tap_ok(strstr(out, "421 4.3.2 ") != NULL && end == LMTP_END_STOP, "... 421 4.3.2, ended as stopped");
	g_free(out);
	g_free(c);

	in = HELLO "MAIL FROM:<a@example.net>\r\nRCPT TO:<s@example.org>\r\nRCPT TO:<abort-committed@example.org>\r\n"
	     "RCPT TO:<t@example.org>\r\nRCPT TO:<u@example.org>\r\nDATA\r\nx\r\n.\r\n";
	out = session(in, strlen(in), false, &end);
	tap_ok(strstr(out, "354 End data with <CR><LF>.<CR><LF>\r\n250 2.0.0 <s@example.org> stored\r\n"
			   "250 2.0.0 stored\r\n451 4.4.7 timed out\r\n451 4.4.7 timed out\r\n") != NULL,
	       "the deadline after the second recipient's commit: the first had its 250, the second gets 250, "
	       "the rest 451 4.4.7");
	g_free(out);
	in = HELLO "MAIL FROM:<a@example.net>\r\nRCPT TO:<abort@example.org>\r\nRCPT TO:<t@example.org>\r\n"
	     "DATA\r\nx\r\n.\r\n";
	out = session(in, strlen(in), false, &end);
	tap_ok(strstr(out, "354 End data with <CR><LF>.<CR><LF>\r\n451 4.4.7 timed out\r\n451 4.4.7 timed out\r\n")
	       != NULL, "the deadline before the first recipient's commit: 451 4.4.7 for both");
	g_free(out);

	params.stop = &stop;
	out = session(two, strlen(two), false, &end);
	params.stop = NULL;
	c = codes(out);
	tap_is(c, "220 421", "the stop flag set: 421 at once");
	g_free(out);
	g_free(c);
	out = session("", 0, false, &end);
	tap_int(end, LMTP_END_EOF, "a client that hangs up: ended by EOF");
	g_free(out);
	{
		GString *s = g_string_new(HELLO);
		int i;

		for (i = 0; i < 19; i++)
			g_string_append(s, "BOGUS\r\n");
		g_string_append(s, "MAIL FROM:<a@example.net>\r\nRCPT TO:<nouser@example.org>\r\nDATA\r\nx\r\n.\r\n");
		for (i = 0; i < 25; i++)
			g_string_append(s, "BOGUS\r\n");
		out = session(s->str, s->len, false, &end);
		c = codes(out);
		tap_ok(g_str_has_suffix(c, " 500 250 250 354 550 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 "
				      "500 500 500 500 500 421") && end == LMTP_END_ERRORS,
		       "20 commands refused since the last message: 421 (a message resets the count, a 550 is no error)");
		tap_ok(strstr(out, "421 4.7.0 lmtp.test Error: too many errors\r\n") != NULL, "... 421 4.7.0");
		g_free(out);
		g_free(c);
		g_string_free(s, TRUE);
	}
}

static void test_queue_id(void)
{
	static const struct {
		const char *msg, *want;
	} cases[] = {
		{ "Received: from mx.example.net (mx.example.net [192.0.2.1])\n\tby mail.example.org (Postfix) with "
		  "ESMTPS id 4QxYz1AbCdz9Kq\n\tfor <support@example.org>; Fri, 04 Dec 2026 03:00:00 +0000 (UTC)\n"
		  "Subject: x\n\nbody\n", "4QxYz1AbCdz9Kq" },
		{ "Received: by mail.example.org (Postfix, from userid 0)\n\tid 7D3A21E0F12; Fri, 4 Dec 2026 "
		  "03:00:00 +0000 (UTC)\n\n", "7D3A21E0F12" },
		{ "Return-Path: <a@example.net>\r\nReceived: from localhost (localhost [127.0.0.1])\r\n\tby "
		  "host.example (Postfix) with ESMTP id 12AB34CD56\r\n\tfor <x@example.org>; Fri, 4 Dec 2026\r\n"
		  "Received: from other (Postfix) with SMTP id OLDER1\r\n\r\n", "12AB34CD56" },
		{ "Received: from a (Postfix) with ESMTP id ABC123;Fri, 4 Dec 2026\n\n", "ABC123" },
		{ "Received: from mail-wr1-f41.google.com (mail-wr1-f41.google.com [209.85.221.41])\n\tby "
		  "mx.google.com with ESMTPS id a640c23a62f3a-9b2c1d3e4f5sor123456766b.12.2026.12.04\n\tfor "
		  "<x@example.org>; Fri, 04 Dec 2026\n\n", NULL },
		{ "Received: from [192.0.2.7] (helo=client)\n\tby exim.example with esmtpsa (Exim 4.96)\n\tid "
		  "1qXyZa-000AbC-Def; Fri, 04 Dec 2026\n\n", NULL },
		{ "Received: from x by y (Postfix) with ESMTP id 1qXyZa-000AbC; Fri\n\n", NULL },
		{ "Received: from x by y (Postfix) with ESMTP\n\n", NULL },
		{ "Subject: no received\n\nReceived: from a (Postfix) with ESMTP id INBODY\n", NULL },
		{ "Received: from first by mx (Sendmail) id S1\nReceived: from a (Postfix) with ESMTP id SECOND\n\n", NULL },
		{ "", NULL },
		{ "Received: from a (Postfix) with ESMTP id", NULL },
	};
	char out[32];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		bool found = lmtp_queue_id(cases[i].msg, strlen(cases[i].msg), out, sizeof(out));

		tap_is(found ? out : NULL, cases[i].want, "queue id %zu: %s", i, cases[i].want ? cases[i].want : "none");
	}
	tap_ok(!lmtp_queue_id("Received: (Postfix) id 0123456789012345678901234567890123456789\n\n", 60, out,
			      sizeof(out)), "an id longer than the buffer: none");
}

static void test_listen(void)
{
	char *dir = g_dir_make_tmp("test_lmtp.XXXXXX", NULL), *path = g_build_filename(dir, "s", NULL);
	char *spec = g_strconcat("unix:", path, NULL);
	int socks[4];
	size_t n = 0;
	struct fault f = { 0 };
	struct stat st;
	int r;

	tap_ok(lmtp_listen(spec, socks, 4, &n, &f) == 0 && n == 1, "unix: listens (%s)", f.text);
	tap_ok(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0660, "... a socket, mode 0660");
	tap_ok(lmtp_listen(spec, socks, 4, &n, &f) < 0 && strstr(f.text, "already listens") != NULL && n == 1,
	       "a second server on the same socket is refused");
	close(socks[0]);
	n = 0;
	tap_ok(lmtp_listen(spec, socks, 4, &n, &f) == 0 && n == 1, "a stale socket is replaced (%s)", f.text);
	close(socks[0]);
	unlink(path);
	n = 0;
	tap_ok(lmtp_listen("inet:127.0.0.1:0", socks, 4, &n, &f) == 0 && n == 1, "inet:127.0.0.1:0 listens (%s)",
	       f.text);
	if (n == 1)
		close(socks[0]);
	n = 0;
	tap_ok(lmtp_listen("inet:[::1]:0", socks, 4, &n, &f) == 0 || strstr(f.text, "[::1]") != NULL,
	       "inet:[::1]:0 listens or says why (%s)", f.text);
	if (n == 1)
		close(socks[0]);
	n = 0;
	r = lmtp_listen("inet:localhost:0", socks, 4, &n, &f);
	tap_ok(r == 0 && n >= 1, "inet:localhost:0: every address of the name (%zu)", n);
	while (n > 0)
		close(socks[--n]);
	tap_ok(lmtp_listen("inet:2424", socks, 4, &n, &f) < 0 && lmtp_listen("inet::2424", socks, 4, &n, &f) < 0 &&
	       lmtp_listen("inet:::1:2424", socks, 4, &n, &f) < 0 && lmtp_listen("inet:host:port", socks, 4, &n, &f) < 0 &&
	       lmtp_listen("tcp:1.2.3.4:1", socks, 4, &n, &f) < 0 && lmtp_listen("unix:relative", socks, 4, &n, &f) < 0 &&
	       n == 0, "no host, a bare IPv6, no port number, another kind, a relative path: refused");
	g_free(spec);
	g_free(path);
	rmdir(dir);
	g_free(dir);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);	/* a client writing to a session that ended */
	seen = g_string_new(NULL);
	test_commands();
	test_transaction();
	test_parameters();
	test_orcpt();
	test_data();
	test_long_line();
	test_many_recipients();
	test_size_bound();
	test_linear();
	test_ending();
	test_queue_id();
	test_listen();
	g_string_free(seen, TRUE);
	return tap_done();
}
