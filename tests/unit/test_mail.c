/* test_mail.c: parsing with GMime into struct mail: headers, addresses,
 * ids, language, bodies, charsets, attachments and delivery reports. */
#include <glib.h>

#include "mail.h"
#include "tap.h"

/* Parse a message given as text; NULL on failure. */
static struct mail *parse(const char *raw)
{
	struct mail *m = NULL;
	struct fault f = { 0 };

	if (mail_parse(raw, strlen(raw), &m, &f) < 0)
		return NULL;
	return m;
}

/* Convert and compare. */
static void utf8(const char *in, size_t len, const char *cs, const char *want, const char *what)
{
	char *got = mail_to_utf8(in, len, cs);

	tap_is(got, want, "%s", what);
	g_free(got);
}

int main(void)
{
	struct mail *m;
	struct fault f = { 0 };
	const struct mail_attachment *a;

	m = parse("From: =?UTF-8?B?UGF3ZcWCIMWad2nEhXRlaw==?= <Pawel@Example.NET>\n"
		  "To: Support <support@example.org>, team: a@example.org, B@example.org;\n"
		  "Cc: ewa@example.net\n"
		  "Reply-To: other@example.net\n"
		  "Subject: =?ISO-8859-2?Q?Zam=F3wienie?= =?UTF-8?Q?_nr_12?= =?UTF-8?Q?_a=0D=0Ab?=\n"
		  "Message-ID: <abc.123@example.net>\n"
		  "In-Reply-To: <first@x> <second@x>\n"
		  "References: <r1@x>\n <r2@x>\n"
		  "Content-Language: pl-PL\n"
		  "X-Custom: =?UTF-8?Q?caf=C3=A9?=\n"
		  "\nbody\n");
	tap_ok(m != NULL, "headers message parses");
	tap_is(m->from_addr, "pawel@example.net", "From address lower-cased");
	tap_is(m->from_name, "Paweł Świątek", "From name decoded (RFC 2047 B)");
	tap_is(m->reply_to_addr, "other@example.net", "Reply-To");
	tap_ok(m->to->len == 3 && strcmp(g_ptr_array_index(m->to, 1), "a@example.org") == 0 &&
	       strcmp(g_ptr_array_index(m->to, 2), "b@example.org") == 0, "To with a group expanded");
	tap_ok(m->cc->len == 1, "Cc");
	tap_is(m->subject, "Zamówienie nr 12 a  b", "subject decoded across words, CR/LF removed");
	tap_is(m->message_id, "abc.123@example.net", "Message-ID without brackets");
	tap_is(m->in_reply_to, "first@x", "first In-Reply-To id");
	tap_ok(m->references->len == 2 && strcmp(g_ptr_array_index(m->references, 1), "r2@x") == 0,
	       "folded References, oldest first");
	tap_is(m->language, "pl", "Content-Language primary subtag");
	tap_is(mail_header(m, "x-custom"), "café", "mail_header decodes, any case of name");
	tap_ok(mail_header(m, "X-Missing") == NULL, "absent header is NULL");
	tap_is(m->body_text, "body\n", "body");
	mail_free(&m);
	tap_ok(m == NULL, "mail_free sets NULL");

	m = parse("From: x@example.net\nAccept-Language: cs;q=0.9, en\n\nhi\n");
	tap_is(m ? m->language : NULL, "cs", "Accept-Language when no Content-Language");
	mail_free(&m);
	m = parse("From: not an address\nSubject: s\n\nhi\n");
	tap_ok(m != NULL && m->from_addr == NULL, "unusable From gives NULL, no crash");
	mail_free(&m);

	tap_ok(mail_parse("", 0, &m, &f) < 0 && f.kind == FAULT_PERMANENT, "empty input fails (permanent)");
	{
		char junk[512];
		size_t i;

		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (char)(i * 37 + 11);
		junk[0] = '\x01';
		tap_ok(mail_parse(junk, sizeof(junk), &m, &f) < 0, "binary garbage is not a message");
	}

	/* nested multipart with attachments */
	m = parse("From: j@example.net\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=o\n\n"
		  "--o\nContent-Type: multipart/alternative; boundary=a\n\n"
		  "--a\nContent-Type: text/plain; charset=iso-8859-2\nContent-Transfer-Encoding: quoted-printable\n\n"
		  "=BF=F3=B3w\n"
		  "--a\nContent-Type: text/html; charset=utf-8\n\n<p>html &amp; more</p>\n--a--\n"
		  "--o\nContent-Type: application/pdf\nContent-Disposition: attachment;\n"
		  " filename*0*=UTF-8''%C5%BC%C3%B3%C5%82w;\n filename*1*=.pdf\nContent-Transfer-Encoding: base64\n\n"
		  "SGVsbG8=\n"
		  "--o\nContent-Type: message/rfc822\n\nFrom: inner@example.net\nSubject: inner\n\ninner body\n"
		  "--o--\n");
	tap_ok(m != NULL && m->attachments->len == 2, "two attachments");
	tap_is(m->body_text, "żółw", "ISO-8859-2 quoted-printable body as UTF-8");
	tap_ok(m->body_html != NULL && strstr(m->body_html, "html &amp; more") != NULL, "HTML kept");
	a = g_ptr_array_index(m->attachments, 0);
	tap_is(a->filename, "żółw.pdf", "RFC 2231 continued, encoded filename");
	tap_is(a->content_type, "application/pdf", "content type");
	tap_ok(g_bytes_get_size(a->content) == 5 && memcmp(g_bytes_get_data(a->content, NULL), "Hello", 5) == 0,
	       "base64 content decoded");
	a = g_ptr_array_index(m->attachments, 1);
	tap_ok(strcmp(a->content_type, "message/rfc822") == 0 &&
	       g_strstr_len(g_bytes_get_data(a->content, NULL), (gssize)g_bytes_get_size(a->content), "inner body") != NULL,
	       "attached message kept whole, not taken as the body");
	mail_free(&m);

	m = parse("From: s@example.com\nContent-Type: text/html; charset=utf-8\n\n"
		  "<style>x{}</style><p>Hello&nbsp;there</p><ul><li>one</li></ul>\n");
	tap_is(m ? m->body_text : NULL, "Hello there\n\n- one", "HTML-only: body_text from the HTML");
	mail_free(&m);

	/* delivery report */
	m = parse("From: MAILER-DAEMON@mx.example.net\nMIME-Version: 1.0\n"
		  "Content-Type: multipart/report; report-type=delivery-status; boundary=b\n\n"
		  "--b\nContent-Type: text/plain\n\nfailed\n"
		  "--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
		  "Final-Recipient: rfc822; ok@example.net\nAction: delivered\nStatus: 2.0.0\n\n"
		  "Final-Recipient: rfc822; Gone@Example.NET\nAction: failed\nStatus: 5.1.1\n"
		  "Diagnostic-Code: smtp; 550 5.1.1 user\n unknown\n\n"
		  "--b\nContent-Type: text/rfc822-headers\n\nFrom: support@example.org\nMessage-ID: <pd.orig@example.org>\n\n"
		  "--b--\n");
	tap_ok(m != NULL && m->report != NULL, "multipart/report delivery-status recognised");
	tap_is(m->report->recipient, "gone@example.net", "the failed recipient, not the delivered one");
	tap_is(m->report->action, "failed", "action");
	tap_is(m->report->status, "5.1.1", "status");
	tap_is(m->report->diagnostic, "550 5.1.1 user unknown", "folded diagnostic");
	tap_is(m->report->original_message_id, "pd.orig@example.org", "original Message-ID from the headers part");
	mail_free(&m);

	utf8("\xbf\xf3\xb3w", 4, "ISO-8859-2", "żółw", "ISO-8859-2");
	utf8("P\xf8\xedli\x9a", 6, "windows-1250", "Příliš", "windows-1250");
	utf8("P\xf8\xedli\x9a", 6, "cp1250", "Příliš", "cp1250 alias");
	utf8("\xf0\xd2\xc9\xd7\xc5\xd4", 6, "koi8-r", "Привет", "KOI8-R");
	utf8("\x1b$B%W%j%s%?!<\x1b(B", 16, "iso-2022-jp", "プリンター", "ISO-2022-JP (stateful)");
	utf8("\xb4\xf2\xd3\xa1", 4, "gb2312", "打印", "GB2312");
	utf8("caf\xe9", 4, NULL, "café", "undeclared 8-bit: windows-1252");
	utf8("caf\xc3\xa9", 5, NULL, "café", "undeclared but valid UTF-8 stays UTF-8");
	utf8("a\xff" "b", 3, "utf-8", "a\xef\xbf\xbd" "b", "invalid UTF-8 byte replaced");
	utf8("caf\xe9", 4, "x-unknown-charset", "café", "unknown charset: guessed");
	utf8("\x1b$B%W\x1b(B\xff", 9, "iso-2022-jp", "プ\xef\xbf\xbd", "invalid byte after ISO-2022-JP text replaced");
	{
		char *c = mail_clean_header(" a\r\nb\tc\x01 ");

		tap_is(c, "a  b c", "clean_header: CR, LF, TAB and controls become spaces, trimmed");
		g_free(c);
	}
	return tap_done();
}
