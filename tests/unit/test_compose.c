/* test_compose.c: outgoing messages: built with GMime, read back with
 * mail_parse(), header injection impossible. */
#include <glib.h>

#include "compose.h"
#include "mail.h"
#include "tap.h"

int main(void)
{
	const char *to[] = { "jan@example.net", NULL }, *cc[] = { "ewa@example.net", NULL };
	const char *refs[] = { "a@x", "b@x", NULL };
	struct compose c = {
		.from_name = "Alicja Żak via Helpdesk", .from_addr = "support@example.org",
		.reply_to = "support+c1.1.0123456789abcdef0123@example.org", .to = to, .cc = cc,
		.subject = "[Helpdesk #1] Drukarka się pali\r\nBcc: victim@example.com",
		.text = "Dzień dobry,\nproszę odłączyć drukarkę.\n", .html = "<p>Dzień dobry</p>",
		.message_id = "pd.m1.1.abc.def@example.org", .in_reply_to = "b@x", .references = refs,
		.auto_submitted = "auto-replied", .loop = "support@example.org", .language = "pl",
	};
	struct fault f = { 0 };
	struct mail *m = NULL;
	char *raw = NULL;
	size_t len = 0;

	tap_ok(compose_build(&c, &raw, &len, &f) == 0, "composes");
	tap_ok(strstr(raw, "\r\n\r\n") != NULL && strstr(raw, "\nBcc:") == NULL && strncmp(raw, "Bcc:", 4) != 0,
	       "CRLF line ends; no injected Bcc header line");
	tap_ok(strstr(raw, "Subject: [Helpdesk #1] Drukarka =?UTF-8?") != NULL, "non-ASCII subject is RFC 2047 encoded");
	tap_ok(mail_parse(raw, len, &m, &f) == 0, "parses back");
	tap_is(m->subject, "[Helpdesk #1] Drukarka się pali  Bcc: victim@example.com", "subject round trip, CR/LF gone");
	tap_is(m->from_name, "Alicja Żak via Helpdesk", "From name round trip");
	tap_is(m->from_addr, "support@example.org", "From address");
	tap_is(m->reply_to_addr, "support+c1.1.0123456789abcdef0123@example.org", "Reply-To carries the token");
	tap_ok(m->to->len == 1 && m->cc->len == 1, "To and Cc");
	tap_is(m->message_id, "pd.m1.1.abc.def@example.org", "Message-ID");
	tap_is(m->in_reply_to, "b@x", "In-Reply-To");
	tap_ok(m->references->len == 3 && strcmp(g_ptr_array_index(m->references, 2), "b@x") == 0,
	       "References: the chain plus the message answered");
	tap_is(mail_header(m, "Auto-Submitted"), "auto-replied", "Auto-Submitted");
	tap_is(mail_header(m, "X-Postdesk-Loop"), "support@example.org", "loop header");
	tap_is(m->language, "pl", "Content-Language");
	tap_is(m->body_text, "Dzień dobry,\nproszę odłączyć drukarkę.\n", "text part, UTF-8");
	tap_ok(m->body_html != NULL && strstr(m->body_html, "Dzień dobry") != NULL, "HTML alternative");
	tap_ok(mail_header(m, "Date") != NULL && mail_header(m, "MIME-Version") != NULL, "Date and MIME-Version");
	mail_free(&m);
	g_free(raw);
	c.to = NULL;
	tap_ok(compose_build(&c, &raw, &len, &f) < 0, "no recipient: error");
	return tap_done();
}
