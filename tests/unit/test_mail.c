/* test_mail.c: parsing with GMime into struct mail: headers, addresses,
 * ids, language, bodies, charsets, attachments and delivery reports, on the
 * fixture mails in tests/fixtures and on small inline messages. */
#include <glib.h>
#include <string.h>

#include "mail.h"
#include "tap.h"

#define SHA256_PDF "b28432138ad89f9c015795f9f121db845a12e4443e98fa8870d86c65d0d17a59"

/* Parse a message given as text; NULL on failure. */
static struct mail *parse(const char *raw)
{
	struct mail *m = NULL;
	struct fault f = { 0 };

	if (mail_parse(raw, strlen(raw), &m, &f) < 0)
		return NULL;
	return m;
}

/* Read a fixture file into *raw_r (g_free); false when it cannot be read. */
static bool fixture(const char *name, char **raw_r, gsize *len_r)
{
	const char *dir = g_getenv("TEST_SRCDIR");
	char *path = g_build_filename(dir ? dir : "tests", "fixtures", name, NULL);
	bool ok = g_file_get_contents(path, raw_r, len_r, NULL);

	if (!ok)
		printf("# cannot read %s (set TEST_SRCDIR)\n", path);
	g_free(path);
	return ok;
}

/* Parse a fixture; NULL (and a failed test) when it does not parse. */
static struct mail *parse_fixture(const char *name)
{
	struct mail *m = NULL;
	struct fault f = { 0 };
	char *raw = NULL;
	gsize len = 0;
	int r = -1;

	if (fixture(name, &raw, &len))
		r = mail_parse(raw, len, &m, &f);
	g_free(raw);
	if (!tap_ok(r == 0 && m != NULL, "%s parses", name))
		printf("# %s\n", f.text);
	return m;
}

/* Whether s is NULL or valid UTF-8; header fields also without CR and LF. */
static bool sane(const char *s, bool header)
{
	return s == NULL || (g_utf8_validate(s, -1, NULL) && (!header || strpbrk(s, "\r\n") == NULL));
}

/* Whether all strings of an address or id list are sane header fields. */
static bool sane_list(const GPtrArray *a)
{
	guint i;

	for (i = 0; i < a->len; i++)
		if (g_ptr_array_index(a, i) == NULL || !sane(g_ptr_array_index(a, i), true))
			return false;
	return true;
}

/* One test: every string in m is valid UTF-8, header fields without CR/LF. */
static void check_sane(const struct mail *m, const char *name)
{
	bool ok = sane(m->from_addr, true) && sane(m->from_name, true) && sane(m->reply_to_addr, true) &&
		  sane_list(m->to) && sane_list(m->cc) && m->subject != NULL && sane(m->subject, true) &&
		  sane(m->message_id, true) && sane(m->in_reply_to, true) && sane_list(m->references) &&
		  sane(m->language, true) && m->body_text != NULL && sane(m->body_text, false) &&
		  sane(m->body_html, false);
	guint i;

	for (i = 0; ok && i < m->attachments->len; i++) {
		const struct mail_attachment *a = g_ptr_array_index(m->attachments, i);

		ok = sane(a->filename, true) && a->content_type != NULL && sane(a->content_type, true) &&
		     sane(a->charset, true) && sane(a->content_id, true) && a->content != NULL;
	}
	if (ok && m->report != NULL)
		ok = sane(m->report->original_message_id, true) && sane(m->report->recipient, true) &&
		     sane(m->report->action, true) && sane(m->report->status, true) &&
		     sane(m->report->diagnostic, true);
	tap_ok(ok, "%s: all strings valid UTF-8, header fields without CR/LF", name);
}

/* Whether text contains part. */
static bool contains(const char *text, const char *part)
{
	return text != NULL && strstr(text, part) != NULL;
}

/* Element i of a string array, NULL when there is none. */
static const char *at(const GPtrArray *a, guint i)
{
	return i < a->len ? g_ptr_array_index(a, i) : NULL;
}

/* Attachment i, NULL when there is none. */
static const struct mail_attachment *attachment(const struct mail *m, guint i)
{
	return i < m->attachments->len ? g_ptr_array_index(m->attachments, i) : NULL;
}

/* The SHA-256 of an attachment's content as hex (g_free). */
static char *sha256(const struct mail_attachment *a)
{
	return a ? g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, a->content) : g_strdup("");
}

/* New customer mail, UTF-8, 8bit, with a Cc list. */
static void test_plain_utf8(void)
{
	struct mail *m = parse_fixture("plain-utf8.eml");

	if (m == NULL)
		return;
	check_sane(m, "plain-utf8");
	tap_is(m->from_addr, "zoe.kowalski@example.com", "plain: From address lower-cased");
	tap_is(m->from_name, "Zoë Kowalski", "plain: From name decoded");
	tap_ok(m->reply_to_addr == NULL, "plain: no Reply-To");
	tap_ok(m->to->len == 1 && g_strcmp0(at(m->to, 0), "support@example.org") == 0, "plain: To");
	tap_ok(m->cc->len == 2 && g_strcmp0(at(m->cc, 0), "marek.nowak@example.net") == 0 &&
	       g_strcmp0(at(m->cc, 1), "accounting@example.com") == 0, "plain: Cc, bare and lower-case");
	tap_is(m->subject, "Invoice 4411 charged twice", "plain: subject");
	tap_is(m->message_id, "8f2c1a9e-77b3-4c1e-9d0a-5b6f3e2d1c40@example.com", "plain: Message-ID");
	tap_ok(m->in_reply_to == NULL && m->references->len == 0, "plain: no In-Reply-To, no References");
	tap_ok(m->language == NULL, "plain: no language");
	tap_ok(contains(m->body_text, "I was charged twice for invoice 4411 – could you refund the second payment?\n"
				      "The amount was 129,00 € and"), "plain: body text");
	tap_ok(m->body_html == NULL && m->attachments->len == 0 && m->report == NULL,
	       "plain: no HTML, no attachments, no report");
	mail_free(&m);
}

/* Polish, ISO-8859-2, quoted-printable; encoded-words in ISO-8859-2. */
static void test_iso_8859_2(void)
{
	struct mail *m = parse_fixture("iso-8859-2.eml");

	if (m == NULL)
		return;
	check_sane(m, "iso-8859-2");
	tap_is(m->from_name, "Paweł Wiśniewski", "iso-8859-2: From name");
	tap_is(m->subject, "Zamówienie nr 5521 nie dotarło", "iso-8859-2: subject");
	tap_ok(contains(m->body_text, "moje zamówienie nr 5521 nie dotarło. Proszę o pilną odpowiedź."),
	       "iso-8859-2: body in UTF-8");
	mail_free(&m);
}

/* Czech, windows-1250, 8bit: the bytes where it differs from ISO-8859-2. */
static void test_windows_1250(void)
{
	struct mail *m = parse_fixture("windows-1250.eml");

	if (m == NULL)
		return;
	check_sane(m, "windows-1250");
	tap_is(m->from_addr, "jiri.stastny@example.net", "windows-1250: From address");
	tap_is(m->from_name, "Jiří Šťastný", "windows-1250: From name (Š and ť are 0x8a, 0x9d)");
	tap_is(m->subject, "Tiskárna nefunguje", "windows-1250: subject");
	tap_is(m->message_id, "000001da7065$3f1c2a40$bd547ec0$@example.net", "windows-1250: Outlook Message-ID");
	tap_ok(contains(m->body_text, "Příliš žluťoučký kůň úpěl ďábelské ódy."), "windows-1250: body in UTF-8");
	tap_is(m->language, "cs", "windows-1250: Content-Language");
	mail_free(&m);
}

/* Russian, KOI8-R, base64. */
static void test_koi8_r(void)
{
	struct mail *m = parse_fixture("koi8-r.eml");

	if (m == NULL)
		return;
	check_sane(m, "koi8-r");
	tap_is(m->from_name, "Иван Петров", "koi8-r: From name (B word)");
	tap_is(m->subject, "Принтер не печатает", "koi8-r: subject");
	tap_ok(contains(m->body_text, "Мой принтер не печатает после обновления."), "koi8-r: body in UTF-8");
	mail_free(&m);
}

/* Japanese, ISO-2022-JP, 7bit (a stateful encoding). */
static void test_iso_2022_jp(void)
{
	struct mail *m = parse_fixture("iso-2022-jp.eml");

	if (m == NULL)
		return;
	check_sane(m, "iso-2022-jp");
	tap_is(m->from_name, "山田太郎", "iso-2022-jp: From name");
	tap_is(m->subject, "プリンターの故障について", "iso-2022-jp: subject");
	tap_ok(contains(m->body_text, "お世話になっております。プリンターが動きません。\n至急ご確認ください。"),
	       "iso-2022-jp: body in UTF-8");
	mail_free(&m);
}

/* Chinese, GB2312, base64. */
static void test_gb2312(void)
{
	struct mail *m = parse_fixture("gb2312.eml");

	if (m == NULL)
		return;
	check_sane(m, "gb2312");
	tap_is(m->from_name, "王小明", "gb2312: From name");
	tap_is(m->subject, "打印机无法打印", "gb2312: subject");
	tap_ok(contains(m->body_text, "我的打印机无法打印，请尽快帮我解决。"), "gb2312: body in UTF-8");
	mail_free(&m);
}

/* Latin-1 bytes with no charset anywhere, also raw in the headers. */
static void test_undeclared_8bit(void)
{
	struct mail *m = parse_fixture("undeclared-8bit.eml");

	if (m == NULL)
		return;
	check_sane(m, "undeclared-8bit");
	tap_is(m->from_name, "Jürgen Müller", "undeclared-8bit: raw 8-bit From name guessed");
	tap_is(m->subject, "Rückruf erbeten", "undeclared-8bit: raw 8-bit subject guessed");
	tap_ok(contains(m->body_text, "Grüße aus München! Bitte um Rückruf wegen der Lieferung."),
	       "undeclared-8bit: body read as windows-1252");
	mail_free(&m);
}

/* Declared UTF-8 with invalid bytes: U+FFFD, never a failure. */
static void test_invalid_utf8(void)
{
	struct mail *m = parse_fixture("invalid-utf8.eml");

	if (m == NULL)
		return;
	check_sane(m, "invalid-utf8");
	tap_is(m->body_text, "Café order is fine, but here \xEF\xBF\xBD\xEF\xBF\xBD are bad bytes and a cut-off "
			     "\xEF\xBF\xBD\xEF\xBF\xBD sequence.\n", "invalid-utf8: each bad byte is U+FFFD");
	/* the 8-bit header is read word by word with the fallback charsets */
	tap_is(m->subject, "Café order ÿ broken", "invalid-utf8: raw header: valid words UTF-8, the rest windows-1252");
	mail_free(&m);
}

/* RFC 2047: B and Q words, a character split over two words, folding,
 * CR/LF inside an encoded-word. */
static void test_rfc2047(void)
{
	struct mail *m = parse_fixture("rfc2047-subject.eml");

	if (m == NULL)
		return;
	check_sane(m, "rfc2047-subject");
	tap_is(m->subject, "Żółta paczka: prośba o zwrot (order 77)", "rfc2047: B, Q and a split character");
	tap_is(m->from_addr, "francois.muller@example.net", "rfc2047: From address");
	tap_is(m->from_name, "François Müller", "rfc2047: ISO-8859-1 Q-encoded name");
	tap_is(mail_header(m, "Keywords"), "a  b", "rfc2047: encoded CR LF become spaces");
	tap_is(mail_header(m, "X-Injected"), "x  Bcc: victim@example.com", "rfc2047: no header injection");
	mail_free(&m);
}

/* RFC 2231 filename in continued, percent-encoded parameters. */
static void test_rfc2231(void)
{
	struct mail *m = parse_fixture("rfc2231-filename.eml");
	const struct mail_attachment *a;

	if (m == NULL)
		return;
	check_sane(m, "rfc2231-filename");
	tap_is(m->subject, "Faktura w załączniku", "rfc2231: subject");
	tap_is(m->body_text, "W załączniku przesyłam fakturę.\n", "rfc2231: body is the text part");
	tap_int(m->attachments->len, 1, "rfc2231: one attachment");
	a = attachment(m, 0);
	tap_is(a ? a->filename : NULL, "Faktura zażółć – październik.pdf", "rfc2231: filename*0*, *1*, *2 joined");
	tap_is(a ? a->content_type : NULL, "application/pdf", "rfc2231: content type");
	tap_ok(a != NULL && g_bytes_get_size(a->content) == 282 &&
	       memcmp(g_bytes_get_data(a->content, NULL), "%PDF-1.4\n", 9) == 0, "rfc2231: content decoded (282 bytes)");
	mail_free(&m);
}

/* mixed > (alternative > text, related > html + inline image), two equal PDFs. */
static void test_nested(void)
{
	struct mail *m = parse_fixture("nested-multipart.eml");
	const struct mail_attachment *a;
	char *h1, *h2;

	if (m == NULL)
		return;
	check_sane(m, "nested-multipart");
	tap_is(m->from_name, "Lee, Morgan", "nested: quoted display name with a comma");
	tap_is(m->body_text, "The export fails with the error in the screenshot. Both reports are attached.\n\nMorgan",
	       "nested: body_text is the text/plain alternative");
	tap_ok(contains(m->body_html, "<p>The export fails with the error in the screenshot.") &&
	       contains(m->body_html, "src=\"cid:shot-1@example.com\""), "nested: body_html from multipart/related");
	tap_int(m->attachments->len, 3, "nested: three attachments (inline image, two PDFs)");
	a = attachment(m, 0);
	tap_ok(a != NULL && g_strcmp0(a->filename, "screenshot.png") == 0 && strcmp(a->content_type, "image/png") == 0 &&
	       g_bytes_get_size(a->content) == 70 && memcmp(g_bytes_get_data(a->content, NULL), "\x89PNG", 4) == 0,
	       "nested: inline image is an attachment");
	a = attachment(m, 1);
	tap_ok(a != NULL && g_strcmp0(a->filename, "report.pdf") == 0 && strcmp(a->content_type, "application/pdf") == 0 &&
	       g_bytes_get_size(a->content) == 497, "nested: report.pdf");
	a = attachment(m, 2);
	tap_ok(a != NULL && g_strcmp0(a->filename, "report (copy).pdf") == 0 && g_bytes_get_size(a->content) == 497,
	       "nested: report (copy).pdf");
	h1 = sha256(attachment(m, 1));
	h2 = sha256(attachment(m, 2));
	tap_is(h1, SHA256_PDF, "nested: PDF content decoded exactly");
	tap_is(h2, h1, "nested: identical attachments hash equal (different base64 line lengths)");
	g_free(h1);
	g_free(h2);
	mail_free(&m);
}

/* Only text/html: body_text made from it. */
static void test_html_only(void)
{
	struct mail *m = parse_fixture("html-only.eml");

	if (m == NULL)
		return;
	check_sane(m, "html-only");
	tap_is(m->body_text, "Hello team,\n\n"
			     "my order from the order page <https://shop.example.com/orders/881?a=1&b=2> has not "
			     "arrived — it’s been 10 days & I paid 49€.\n\n"
			     "- Order 881\n- Café table & 2 chairs\n\nRegards,\nBuyer",
	       "html-only: readable text from the HTML");
	tap_ok(contains(m->body_html, "<ul><li>Order 881</li>") && strchr(m->body_html, '\r') == NULL,
	       "html-only: HTML kept, LF line ends");
	tap_int(m->attachments->len, 0, "html-only: no attachments");
	mail_free(&m);
}

/* A Gmail reply to one of our notifications. */
static void test_gmail_reply(void)
{
	struct mail *m = parse_fixture("gmail-style-reply.eml");

	if (m == NULL)
		return;
	check_sane(m, "gmail-style-reply");
	tap_is(m->subject, "Re: [Helpdesk #1042] Invoice 4411 charged twice", "gmail reply: subject");
	tap_is(m->message_id, "CAJx8k3hQ5nV+2bXm=Yy4Ww0tT9Gq7Rr1s@mail.gmail.com", "gmail reply: Message-ID");
	tap_is(m->in_reply_to, "pd.1042.9f86d081884c7d65@example.org", "gmail reply: In-Reply-To");
	tap_ok(m->references->len == 2 &&
	       g_strcmp0(at(m->references, 0), "8f2c1a9e-77b3-4c1e-9d0a-5b6f3e2d1c40@example.com") == 0 &&
	       g_strcmp0(at(m->references, 1), "pd.1042.9f86d081884c7d65@example.org") == 0,
	       "gmail reply: folded References, oldest first");
	tap_is(at(m->to, 0), "support+c1042.a7f3e9@example.org", "gmail reply: To with the token");
	tap_ok(g_str_has_prefix(m->body_text, "Thanks, the refund arrived today.\n\nOn Fri, 8 Mar 2024 at 16:05, "
					      "Example Support <support+c1042.a7f3e9@example.org> wrote:\n\n> Hello Zoë,"),
	       "gmail reply: text part with the quoted history");
	tap_ok(contains(m->body_html, "class=\"gmail_quote\""), "gmail reply: HTML part");
	mail_free(&m);
}

/* Microsoft 365 / Exchange out-of-office reply. */
static void test_exchange_autoreply(void)
{
	struct mail *m = parse_fixture("exchange-autoreply.eml");

	if (m == NULL)
		return;
	check_sane(m, "exchange-autoreply");
	tap_is(m->subject, "Automatic reply: [Helpdesk #1043] Printer setup", "exchange: subject");
	tap_is(mail_header(m, "Auto-Submitted"), "auto-generated", "exchange: Auto-Submitted");
	tap_is(mail_header(m, "X-Auto-Response-Suppress"), "All", "exchange: X-Auto-Response-Suppress");
	tap_is(mail_header(m, "X-MS-Exchange-Inbox-Rules-Loop"), "anna.schmidt@example.com", "exchange: rules loop header");
	tap_is(mail_header(m, "X-MS-Has-Attach"), "", "exchange: empty header is \"\", not NULL");
	tap_is(m->in_reply_to, "pd.1043.3c9909afec25354d@example.org", "exchange: In-Reply-To");
	tap_is(m->language, "de", "exchange: Content-Language de-DE gives de");
	tap_ok(contains(m->body_text, "nicht im Büro"), "exchange: ISO-8859-1 QP body");
	mail_free(&m);
}

/* Gmail vacation responder. */
static void test_gmail_vacation(void)
{
	struct mail *m = parse_fixture("gmail-vacation.eml");

	if (m == NULL)
		return;
	check_sane(m, "gmail-vacation");
	tap_is(mail_header(m, "Auto-Submitted"), "auto-replied", "vacation: Auto-Submitted");
	tap_is(m->in_reply_to, "pd.1050.2c624232cdd221771294dfbb310aca00@example.org", "vacation: In-Reply-To");
	tap_is(m->body_text, "Thanks for your email. I'm on vacation until April 2 and will reply when I'm back.\n",
	       "vacation: text part");
	mail_free(&m);
}

/* Postfix bounce: multipart/report with message/delivery-status, CRLF. */
static void test_bounce(void)
{
	struct mail *m = parse_fixture("bounce-dsn.eml");
	const struct mail_attachment *a;

	if (m == NULL)
		return;
	check_sane(m, "bounce-dsn");
	tap_is(m->from_addr, "mailer-daemon@mx.example.org", "bounce: From");
	tap_is(m->from_name, "Mail Delivery System", "bounce: name from the comment");
	tap_ok(m->report != NULL, "bounce: report found");
	if (m->report == NULL) {
		mail_free(&m);
		return;
	}
	tap_is(m->report->recipient, "nobody@example.net", "bounce: the failed recipient, lower-case");
	tap_is(m->report->action, "failed", "bounce: action");
	tap_is(m->report->status, "5.1.1", "bounce: status");
	tap_is(m->report->diagnostic, "550 5.1.1 <nobody@example.net>: Recipient address rejected: "
				      "User unknown in virtual mailbox table", "bounce: folded Diagnostic-Code");
	tap_is(m->report->original_message_id, "pd.1044.7d865e959b2466918c9863afca942d0f@example.org",
	       "bounce: original Message-ID from text/rfc822-headers");
	tap_ok(g_str_has_prefix(m->body_text, "This is the mail system at host mx.example.org.\n\n") &&
	       strchr(m->body_text, '\r') == NULL, "bounce: human-readable part is the body, LF line ends");
	tap_int(m->attachments->len, 2, "bounce: report parts kept as attachments");
	a = attachment(m, 0);
	tap_is(a ? a->content_type : NULL, "message/delivery-status", "bounce: delivery-status attachment");
	a = attachment(m, 1);
	tap_is(a ? a->content_type : NULL, "text/rfc822-headers", "bounce: headers attachment");
	mail_free(&m);
}

/* Mailing list traffic. */
static void test_list(void)
{
	struct mail *m = parse_fixture("list-mail.eml");

	if (m == NULL)
		return;
	check_sane(m, "list-mail");
	tap_is(mail_header(m, "List-Id"), "Example users <example-users.lists.example.com>", "list: List-Id");
	tap_is(mail_header(m, "List-Unsubscribe"),
	       "<https://lists.example.com/mailman/options/example-users>, "
	       "<mailto:example-users-request@lists.example.com?subject=unsubscribe>", "list: folded List-Unsubscribe");
	tap_is(mail_header(m, "precedence"), "list", "list: Precedence, any case of name");
	tap_is(m->subject, "[example-users] Weekly digest, Vol 12, Issue 3", "list: subject");
	mail_free(&m);
}

/* Random bytes without headers: refused, permanently, without harm. */
static void test_garbage(void)
{
	struct mail *m = NULL;
	struct fault f = { 0 };
	char *raw = NULL;
	gsize len = 0;

	tap_ok(fixture("garbage.eml", &raw, &len) && len == 2048, "garbage: fixture read");
	tap_ok(mail_parse(raw, len, &m, &f) < 0 && f.kind == FAULT_PERMANENT && m == NULL,
	       "garbage: not a message, permanent fault, nothing returned");
	g_free(raw);
}

/* Content-Language wins over Accept-Language. */
static void test_content_language(void)
{
	struct mail *m = parse_fixture("content-language.eml");

	if (m == NULL)
		return;
	check_sane(m, "content-language");
	tap_is(m->language, "pl", "content-language: pl (not Accept-Language en-US)");
	tap_is(m->from_name, "Ewa Zielińska", "content-language: raw UTF-8 name (RFC 6532)");
	tap_is(m->subject, "Pytanie o gwarancję", "content-language: raw UTF-8 subject");
	tap_is(m->body_text, "Czy drukarka jest jeszcze na gwarancji?\n", "content-language: body");
	mail_free(&m);
}

/* Convert and compare. */
static void utf8(const char *in, size_t len, const char *cs, const char *want, const char *what)
{
	char *got = mail_to_utf8(in, len, cs);

	tap_is(got, want, "%s", what);
	g_free(got);
}

/* mail_to_utf8 on each charset and on bad input. */
static void test_to_utf8(void)
{
	utf8("\xbf\xf3\xb3w", 4, "ISO-8859-2", "żółw", "to_utf8: ISO-8859-2");
	utf8("P\xf8\xedli\x9a", 6, "windows-1250", "Příliš", "to_utf8: windows-1250");
	utf8("P\xf8\xedli\x9a", 6, "cp1250", "Příliš", "to_utf8: cp1250 alias");
	utf8("\xf0\xd2\xc9\xd7\xc5\xd4", 6, "koi8-r", "Привет", "to_utf8: KOI8-R");
	utf8("\x1b$B%W%j%s%?!<\x1b(B", 16, "iso-2022-jp", "プリンター", "to_utf8: ISO-2022-JP (stateful)");
	utf8("\xb4\xf2\xd3\xa1", 4, "gb2312", "打印", "to_utf8: GB2312");
	utf8("\x81\x40", 2, "gb2312", "丂", "to_utf8: GBK character labelled GB2312 (read as GB18030)");
	utf8("\x81\x40", 2, "x-gbk", "丂", "to_utf8: x-gbk alias");
	utf8("caf\xe9 \x93q\x94", 8, "iso-8859-1", "café “q”", "to_utf8: ISO-8859-1 read as windows-1252");
	utf8("caf\xe9", 4, NULL, "café", "to_utf8: undeclared 8-bit: windows-1252");
	utf8("caf\xc3\xa9", 5, NULL, "café", "to_utf8: undeclared but valid UTF-8 stays UTF-8");
	utf8("caf\xc3\xa9", 5, "us-ascii", "café", "to_utf8: UTF-8 labelled US-ASCII stays UTF-8");
	utf8("caf\xe9", 4, "us-ascii", "café", "to_utf8: 8-bit labelled US-ASCII: windows-1252");
	utf8("a\xff" "b", 3, "utf-8", "a\xef\xbf\xbd" "b", "to_utf8: invalid UTF-8 byte replaced");
	utf8("caf\xe9", 4, "x-unknown-charset", "café", "to_utf8: unknown charset: guessed");
	utf8("\x1b$B%W\xff%j\x1b(B!", 12, "iso-2022-jp", "プ\xef\xbf\xbdリ!",
	     "to_utf8: invalid byte inside ISO-2022-JP replaced, shift state kept");
	utf8("\x1b$B%W", 5, "iso-2022-jp", "プ", "to_utf8: ISO-2022-JP without the return to ASCII");
	utf8("\xb4\xf2\xd3", 3, "gb2312", "打\xef\xbf\xbd", "to_utf8: cut-off multibyte character replaced");
	utf8("a\0b", 3, "iso-8859-2", "a\xef\xbf\xbd" "b", "to_utf8: NUL becomes U+FFFD, text not cut");
	utf8("a\0b", 3, "utf-8", "a\xef\xbf\xbd" "b", "to_utf8: NUL in UTF-8 becomes U+FFFD");
	utf8("", 0, "koi8-r", "", "to_utf8: empty");
}

/* mail_clean_header. */
static void test_clean_header(void)
{
	char *c = mail_clean_header(" a\r\nb\tc\x01\x1b[31m\x7f ");

	tap_is(c, "a  b\tc[31m", "clean_header: CR, LF become spaces, TAB kept, other controls dropped, trimmed");
	g_free(c);
	c = mail_clean_header("caf\xe9");
	tap_is(c, "caf\xef\xbf\xbd", "clean_header: invalid UTF-8 replaced");
	g_free(c);
	c = mail_clean_header(NULL);
	tap_is(c, "", "clean_header: NULL gives \"\"");
	g_free(c);
}

/* Small inline messages for the cases the fixtures do not cover. */
static void test_inline(void)
{
	struct mail *m;
	struct fault f = { 0 };
	const struct mail_attachment *a;

	m = parse("From: =?UTF-8?B?UGF3ZcWCIMWad2nEhXRlaw==?= <Pawel@Example.NET>\n"
		  "To: Support <support@example.org>, team: a@example.org, B@example.org;\n"
		  "Cc: ewa@example.net, undisclosed-recipients:;\n"
		  "Reply-To: other@example.net\n"
		  "Subject: =?ISO-8859-2?Q?Zam=F3wienie?= =?UTF-8?Q?_nr_12?= =?UTF-8?Q?_a=0D=0Ab?=\n"
		  "Message-ID: <abc.123@example.net>\n"
		  "In-Reply-To: Your message of Mon <first@x> (comment) <second@x>\n"
		  "References: <r1@x>\n <r2@x>\n"
		  "Content-Language: pl-PL\n"
		  "X-Custom: =?UTF-8?Q?caf=C3=A9?=\n"
		  "X-Folded: one\n\ttwo\n"
		  "\nbody\r\nline two\r\n");
	tap_ok(m != NULL, "inline: headers message parses");
	if (m == NULL)
		return;
	check_sane(m, "inline");
	tap_is(m->from_addr, "pawel@example.net", "inline: From address lower-cased");
	tap_is(m->from_name, "Paweł Świątek", "inline: From name decoded (RFC 2047 B)");
	tap_is(m->reply_to_addr, "other@example.net", "inline: Reply-To");
	tap_ok(m->to->len == 3 && g_strcmp0(at(m->to, 1), "a@example.org") == 0 &&
	       g_strcmp0(at(m->to, 2), "b@example.org") == 0, "inline: To with a group expanded");
	tap_int(m->cc->len, 1, "inline: Cc, empty group ignored");
	tap_is(m->subject, "Zamówienie nr 12 a  b", "inline: subject decoded across words, CR/LF removed");
	tap_is(m->message_id, "abc.123@example.net", "inline: Message-ID without brackets");
	tap_is(m->in_reply_to, "first@x", "inline: first In-Reply-To id, phrase skipped");
	tap_ok(m->references->len == 2 && g_strcmp0(at(m->references, 1), "r2@x") == 0,
	       "inline: folded References, oldest first");
	tap_is(m->language, "pl", "inline: Content-Language primary subtag");
	tap_is(mail_header(m, "x-custom"), "café", "inline: mail_header decodes, any case of name");
	tap_ok(mail_header(m, "X-Custom") == mail_header(m, "x-custom"), "inline: mail_header caches its strings");
	tap_is(mail_header(m, "X-Folded"), "one\ttwo", "inline: mail_header unfolds");
	tap_ok(mail_header(m, "X-Missing") == NULL, "inline: absent header is NULL");
	tap_is(m->body_text, "body\nline two\n", "inline: body with LF line ends");
	mail_free(&m);
	tap_ok(m == NULL, "inline: mail_free sets NULL");
	mail_free(&m);
	tap_ok(m == NULL, "inline: mail_free on NULL is harmless");

	m = parse("From: x@example.net\nAccept-Language: cs;q=0.9, en\n\nhi\n");
	tap_is(m ? m->language : NULL, "cs", "inline: Accept-Language when no Content-Language");
	mail_free(&m);
	m = parse("From: x@example.net\nContent-Language: english\n\nhi\n");
	tap_ok(m != NULL && m->language == NULL, "inline: language that is not a tag is ignored");
	mail_free(&m);
	m = parse("From: not an address\nSubject: s\n\nhi\n");
	tap_ok(m != NULL && m->from_addr == NULL && m->from_name == NULL, "inline: unusable From gives NULL, no crash");
	mail_free(&m);
	m = parse("From: <@example.net>, Someone <>\nSubject: s\n\nhi\n");
	tap_ok(m != NULL && m->from_addr == NULL, "inline: From without local part gives NULL");
	mail_free(&m);
	m = parse("Subject: no from\n\nhi\n");
	tap_ok(m != NULL && m->from_addr == NULL && m->message_id == NULL && strcmp(m->subject, "no from") == 0,
	       "inline: missing From and Message-ID");
	mail_free(&m);
	m = parse("From sender@example.net Mon Jan  1 00:00:00 2024\nFrom: a@example.net\nSubject: mbox\n\nhi\n");
	tap_ok(m != NULL && g_strcmp0(m->from_addr, "a@example.net") == 0 && strcmp(m->subject, "mbox") == 0,
	       "inline: leading mbox From_ line (pipe flag F) is skipped");
	mail_free(&m);
	m = parse("From: a@example.net\n\n");
	tap_ok(m != NULL && strcmp(m->subject, "") == 0 && strcmp(m->body_text, "") == 0 && m->body_html == NULL,
	       "inline: no subject, no body: \"\"");
	mail_free(&m);

	tap_ok(mail_parse("", 0, &m, &f) < 0 && f.kind == FAULT_PERMANENT, "inline: empty input fails (permanent)");
	{
		char junk[512];
		size_t i;

		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (char)(i * 37 + 11);
		junk[0] = '\x01';
		tap_ok(mail_parse(junk, sizeof(junk), &m, &f) < 0 && f.kind == FAULT_PERMANENT,
		       "inline: binary garbage is not a message");
		/* what random bytes once looked like in CI: a header "n" to GMime */
		memcpy(junk, "n:\xe3\xe6\xb1\xd2\xf1^#\xe6M[", 13);
		junk[200] = '\n';
		tap_ok(mail_parse(junk, sizeof(junk), &m, &f) < 0 && f.kind == FAULT_PERMANENT && m == NULL,
		       "inline: garbage that starts like a header is not a message either");
		m = parse("X-Only: a header no mail is without\n\nbody\n");
		tap_ok(m == NULL, "inline: no From, To, Subject, Date, Message-ID or the like: not a message");
		mail_free(&m);
		m = parse("Subject: only a subject\n\nbody\n");
		tap_ok(m != NULL && strcmp(m->subject, "only a subject") == 0, "inline: one usual header is enough");
		mail_free(&m);
	}

	/* attached message, text attachment, undeclared charset in a part */
	m = parse("From: j@example.net\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=o\n\n"
		  "--o\nContent-Type: text/plain; charset=iso-8859-2\nContent-Transfer-Encoding: quoted-printable\n\n"
		  "=BF=F3=B3w\n"
		  "--o\nContent-Type: text/plain; name=notes.txt\nContent-Disposition: inline; filename=notes.txt\n\n"
		  "not the body\n"
		  "--o\nContent-Type: text/csv\n\na,b\n"
		  "--o\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=\"fwd.eml\"\n\n"
		  "From: inner@example.net\nSubject: inner\n\ninner body\n"
		  "--o\nContent-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\nGr\xfc\xdf" "e\n"
		  "--o--\n");
	tap_ok(m != NULL, "inline: multipart parses");
	if (m == NULL)
		return;
	check_sane(m, "inline multipart");
	tap_is(m->body_text, "żółw\nGrüße", "inline: inline text parts make the body, each in its charset");
	tap_int(m->attachments->len, 3, "inline: three attachments");
	a = attachment(m, 0);
	tap_ok(a != NULL && g_strcmp0(a->filename, "notes.txt") == 0 && strcmp(a->content_type, "text/plain") == 0,
	       "inline: text part with a filename is an attachment");
	a = attachment(m, 1);
	tap_ok(a != NULL && a->filename == NULL && strcmp(a->content_type, "text/csv") == 0,
	       "inline: text/csv is an attachment, without filename");
	a = attachment(m, 2);
	tap_ok(a != NULL && strcmp(a->content_type, "message/rfc822") == 0 && g_strcmp0(a->filename, "fwd.eml") == 0 &&
	       g_strstr_len(g_bytes_get_data(a->content, NULL), (gssize)g_bytes_get_size(a->content),
			    "inner body") != NULL, "inline: attached message kept whole, not taken as the body");
	tap_ok(m->report == NULL, "inline: no report outside multipart/report");
	mail_free(&m);

	m = parse("From: x@example.net\nSubject: =?UTF-8?Q?evil=0D=0ABcc:_x@example.com?=\n\nhi\n");
	tap_ok(m != NULL && strpbrk(m->subject, "\r\n") == NULL && strcmp(m->subject, "evil  Bcc: x@example.com") == 0,
	       "inline: CR/LF from an encoded-word in Subject removed");
	mail_free(&m);
}

/* A message of multiparts nested levels deep (the outermost is level 0);
 * each holds a text part "level N" first when with_text, and the innermost
 * also a PDF. */
static char *deep_message(int levels, bool with_text)
{
	GString *s = g_string_new("From: deep@example.net\nTo: support@example.org\nSubject: deep\n"
				  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n");
	int i;

	for (i = 0; i <= levels; i++) {
		g_string_append_printf(s, "--b%d\n", i);
		if (with_text)
			g_string_append_printf(s, "Content-Type: text/plain\n\nlevel %d\n--b%d\n", i, i);
		if (i < levels)
			g_string_append_printf(s, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n", i + 1);
		else
			g_string_append_printf(s, "Content-Type: application/pdf\n\n%%PDF-1.4\n");
	}
	for (i = levels; i >= 0; i--)
		g_string_append_printf(s, "--b%d--\n", i);
	return g_string_free(s, FALSE);
}

/* Nesting deeper than the limit (32): the text above it is the body, and a
 * note at its end says how many parts were left out (issue 13). */
static void test_deep(void)
{
	GString *want = g_string_new(NULL);
	char *raw = deep_message(40, true);
	struct mail *m = parse(raw);
	int i;

	g_free(raw);
	tap_ok(m != NULL, "deep: 40 levels of multipart parse");
	if (m == NULL)
		return;
	/* level N's text is at depth N + 1: levels 0-31 are read; below
	 * multipart 32 lie texts 32-40, multiparts 33-40 and the PDF */
	for (i = 0; i < 32; i++)
		g_string_append_printf(want, "%slevel %d", i ? "\n" : "", i);
	g_string_append(want, "\n\n[postdesk: 18 MIME parts nested deeper than 32 levels were left out;"
		       " the message is stored whole]\n");
	tap_is(m->body_text, want->str, "deep: the text above the limit, then a note of what was left out");
	tap_int(m->attachments->len, 0, "deep: the PDF below the limit is left out");
	mail_free(&m);
	g_string_free(want, TRUE);

	raw = deep_message(40, false);
	m = parse(raw);
	g_free(raw);
	tap_is(m ? m->body_text : NULL,
	       "[postdesk: 9 MIME parts nested deeper than 32 levels were left out; the message is stored whole]\n",
	       "deep: nothing readable above the limit: the note alone, not an empty body");
	mail_free(&m);

	raw = deep_message(32, true);
	m = parse(raw);
	g_free(raw);
	tap_ok(m != NULL && strstr(m->body_text, "level 31\n\n[postdesk: 2 MIME parts nested") != NULL,
	       "deep: one level too deep: 2 parts left out");
	mail_free(&m);

	raw = deep_message(31, true);
	m = parse(raw);
	g_free(raw);
	tap_ok(m != NULL && g_str_has_suffix(m->body_text, "level 31") && strstr(m->body_text, "postdesk:") == NULL &&
	       m->attachments->len == 1, "deep: nesting within the limit: every part read, no note");
	mail_free(&m);

	raw = deep_message(2000, false);
	m = parse(raw);
	g_free(raw);
	tap_ok(m != NULL && g_str_has_prefix(m->body_text, "[postdesk: ") &&
	       strstr(m->body_text, " MIME parts nested deeper than 32 levels were left out") != NULL,
	       "deep: 2000 levels (GMime keeps 1024): the note");
	mail_free(&m);
}

/* A multipart of n text parts. */
static char *many_parts(int n)
{
	GString *s = g_string_new("From: many@example.net\nTo: support@example.org\nSubject: many\n"
				  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n");
	int i;

	for (i = 0; i < n; i++)
		g_string_append_printf(s, "--b\nContent-Type: text/plain\n\npart %d of many, with some more words\n", i);
	g_string_append(s, "--b--\n");
	return g_string_free(s, FALSE);
}

/* Parse many_parts(n); the seconds it took, the message in *m_r. */
static double parse_parts(int n, struct mail **m_r)
{
	char *raw = many_parts(n);
	gint64 t = g_get_monotonic_time();

	*m_r = parse(raw);
	t = g_get_monotonic_time() - t;
	g_free(raw);
	return (double)t / G_USEC_PER_SEC;
}

/* Many text parts make one body in linear time (issue 13: 100,000 parts took
 * 16 s when each was joined to a copy of all before it): ten times the
 * parts take about ten times as long (a ratio, which holds under valgrind
 * and the sanitizers too). */
static void test_many_parts(void)
{
	struct mail *m;
	double t1 = parse_parts(4000, &m), t10;

	mail_free(&m);
	t10 = parse_parts(40000, &m);
	tap_ok(m != NULL && g_str_has_prefix(m->body_text, "part 0 of many") &&
	       g_str_has_suffix(m->body_text, "part 39999 of many, with some more words"),
	       "many parts: 40,000 text parts make the body, first to last");
	tap_ok(t10 < 30 * t1 + 0.05, "many parts: 40,000 in %.3f s, 4,000 in %.3f s (linear: about ten times)", t10, t1);
	mail_free(&m);
}

/* Gmail: mixed [related [alternative [text, html], inline photo], photo];
 * the inline photo's name RFC 2047 encoded in quotes, as Gmail writes it. */
static void test_gmail_photos(void)
{
	struct mail *m = parse_fixture("gmail-photos.eml");
	const struct mail_attachment *a;
	char *h;

	if (m == NULL)
		return;
	check_sane(m, "gmail-photos");
	tap_int(m->attachments->len, 2, "gmail photos: two attachments");
	a = attachment(m, 0);
	tap_ok(a != NULL && g_strcmp0(a->filename, "zdjęcie obudowy.jpg") == 0 && strcmp(a->content_type, "image/jpeg") == 0,
	       "gmail photos: inline photo, its name decoded");
	tap_is(a ? a->content_id : NULL, "ii_m7k2x9qa0", "gmail photos: Content-ID without <>");
	tap_ok(a != NULL && a->inline_part, "gmail photos: Content-Disposition inline");
	tap_ok(contains(m->body_html, "src=\"cid:ii_m7k2x9qa0\""), "gmail photos: the HTML refers to it");
	h = sha256(a);
	tap_is(h, "f644303eb447f53a13ccef21992fcc338db4d086cd49d988faa2745d256e3d3c", "gmail photos: inline bytes");
	g_free(h);
	a = attachment(m, 1);
	tap_ok(a != NULL && g_strcmp0(a->filename, "IMG_20260310_091144.jpg") == 0 && !a->inline_part &&
	       g_strcmp0(a->content_id, "f_m7k2xf3r1") == 0 && a->charset == NULL,
	       "gmail photos: the other one an attachment, with Gmail's Content-ID too");
	h = sha256(a);
	tap_is(h, "afcc1e598eea77c892b42eff03a00a5dbd84904f951acadb69cafea276606c44", "gmail photos: attached bytes");
	g_free(h);
	mail_free(&m);
}

/* Content-ID and inline as Outlook, Apple Mail, Thunderbird and webmail
 * write them. */
static void test_inline_parts(void)
{
	const struct mail_attachment *a;
	struct mail *m;

	/* Outlook 365: related with type=, the image inline with size= and dates */
	m = parse("From: Jan Nowak <jan.nowak@example.com>\nTo: support@example.org\nSubject: logo\n"
		  "MIME-Version: 1.0\nContent-Type: multipart/related;\n\tboundary=\"_004_DB9PR07MB7770\";\n"
		  "\ttype=\"multipart/alternative\"\n\n"
		  "--_004_DB9PR07MB7770\nContent-Type: multipart/alternative;\n\tboundary=\"_000_DB9PR07MB7770\"\n\n"
		  "--_000_DB9PR07MB7770\nContent-Type: text/plain; charset=\"iso-8859-2\"\n"
		  "Content-Transfer-Encoding: quoted-printable\n\nLogo:\n\n"
		  "--_000_DB9PR07MB7770\nContent-Type: text/html; charset=\"iso-8859-2\"\n"
		  "Content-Transfer-Encoding: quoted-printable\n\n"
		  "<p>Logo: <img width=3D\"96\" src=3D\"cid:image001.png@01DC91A3.5E2B7F40\"></p>\n"
		  "--_000_DB9PR07MB7770--\n\n"
		  "--_004_DB9PR07MB7770\nContent-Type: image/png; name=\"image001.png\"\n"
		  "Content-Description: image001.png\n"
		  "Content-Disposition: inline; filename=\"image001.png\"; size=4;\n"
		  "\tcreation-date=\"Tue, 10 Mar 2026 08:12:55 GMT\";\n"
		  "\tmodification-date=\"Tue, 10 Mar 2026 08:12:55 GMT\"\n"
		  "Content-ID: <image001.png@01DC91A3.5E2B7F40>\nContent-Transfer-Encoding: base64\n\niVBORw==\n\n"
		  "--_004_DB9PR07MB7770--\n");
	a = m ? attachment(m, 0) : NULL;
	tap_ok(a != NULL && g_strcmp0(a->content_id, "image001.png@01DC91A3.5E2B7F40") == 0 && a->inline_part &&
	       g_bytes_get_size(a->content) == 4, "outlook: related image, Content-ID with @, inline");
	mail_free(&m);
	/* Apple Mail, plain text with a photo between two text parts: inline, no Content-ID */
	m = parse("From: ewa@example.net\nSubject: photo\nMIME-Version: 1.0 (Mac OS X Mail 16.0 \\(3774.600.62\\))\n"
		  "Content-Type: multipart/mixed; boundary=\"Apple-Mail=_5F1E\"\n\n"
		  "--Apple-Mail=_5F1E\nContent-Transfer-Encoding: 7bit\nContent-Type: text/plain; charset=us-ascii\n\nSee:\n\n"
		  "--Apple-Mail=_5F1E\nContent-Disposition: inline; filename=IMG_0042.HEIC\n"
		  "Content-Type: image/heic; x-unix-mode=0644; name=\"IMG_0042.HEIC\"\n"
		  "Content-Transfer-Encoding: base64\n\nAAAAGGZ0eXBoZWlj\n"
		  "--Apple-Mail=_5F1E\nContent-Transfer-Encoding: 7bit\nContent-Type: text/plain; charset=us-ascii\n\nEwa\n"
		  "--Apple-Mail=_5F1E--\n");
	a = m ? attachment(m, 0) : NULL;
	tap_ok(a != NULL && a->content_id == NULL && a->inline_part && strcmp(a->content_type, "image/heic") == 0,
	       "apple mail: inline photo without Content-ID");
	tap_is(m ? m->body_text : NULL, "See:\n\nEwa", "apple mail: the text parts around it are the body");
	mail_free(&m);
	/* webmail: a related image without Content-Disposition is inline; an
	 * "attachment" one in related is not; odd Content-IDs */
	m = parse("From: x@example.net\nSubject: s\nMIME-Version: 1.0\nContent-Type: multipart/related; boundary=r\n\n"
		  "--r\nContent-Type: text/html\n\n<img src=\"cid:a\">\n"
		  "--r\nContent-Type: image/gif\nContent-ID: <a>\n\nGIF89a\n"
		  "--r\nContent-Type: image/gif\nContent-Disposition: attachment\nContent-ID: b@x\n\nGIF89a\n"
		  "--r\nContent-Type: image/gif\nContent-ID: <>\n\nGIF89a\n"
		  "--r\nContent-Type: text/plain; charset=windows-1250; name=a.txt\nContent-Disposition: attachment\n\n"
		  "x\n"
		  "--r--\n");
	tap_int(m ? m->attachments->len : 0, 4, "webmail: four attachments");
	a = m ? attachment(m, 0) : NULL;
	tap_ok(a != NULL && g_strcmp0(a->content_id, "a") == 0 && a->inline_part, "webmail: no disposition in related: inline");
	a = m ? attachment(m, 1) : NULL;
	tap_ok(a != NULL && g_strcmp0(a->content_id, "b@x") == 0 && !a->inline_part,
	       "webmail: 'attachment' in related is not inline; an id without <> read");
	a = m ? attachment(m, 2) : NULL;
	tap_ok(a != NULL && a->content_id == NULL, "webmail: empty Content-ID is none");
	a = m ? attachment(m, 3) : NULL;
	tap_ok(a != NULL && g_strcmp0(a->charset, "windows-1250") == 0 && !a->inline_part,
	       "webmail: a text attachment's charset kept");
	mail_free(&m);
	/* not in related, no disposition: not inline; a huge Content-ID: none */
	{
		GString *s = g_string_new("From: x@example.net\nSubject: s\nMIME-Version: 1.0\n"
					  "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n"
					  "--b\nContent-Type: application/pdf\nContent-ID: <");
		int i;

		for (i = 0; i < 2000; i++)
			g_string_append(s, "x");
		g_string_append(s, "@x>\n\n%PDF\n--b--\n");
		m = parse(s->str);
		g_string_free(s, TRUE);
		a = m ? attachment(m, 0) : NULL;
		tap_ok(a != NULL && !a->inline_part && a->content_id == NULL,
		       "mixed, no disposition: not inline; a 2000-byte Content-ID is dropped");
		mail_free(&m);
	}
}

/* A message of n attachments (each a small base64 part). */
static char *many_attachments(int n)
{
	GString *s = g_string_new("From: many@example.net\nTo: support@example.org\nSubject: many\n"
				  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
				  "--b\nContent-Type: text/plain\n\nMany files.\n");
	int i;

	for (i = 0; i < n; i++)
		g_string_append_printf(s, "--b\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"f%d.png\"\n"
				       "Content-ID: <f%d@x>\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n", i, i);
	g_string_append(s, "--b--\n");
	return g_string_free(s, FALSE);
}

/* The fastest of reps parses of a mail with n attachments, in microseconds
 * (the fastest, so that a busy machine does not pass for a slow parser). */
static gint64 parse_time(int n, int reps)
{
	char *raw = many_attachments(n);
	gint64 best = G_MAXINT64;
	int i;

	for (i = 0; i < reps; i++) {
		gint64 t = g_get_monotonic_time();
		struct mail *m = parse(raw);

		t = g_get_monotonic_time() - t;
		if (m == NULL || m->attachments->len != MAIL_MAX_ATTACHMENTS)
			t = G_MAXINT64 / 2;
		best = MIN(best, t);
		mail_free(&m);
	}
	g_free(raw);
	return best;
}

/* The attachments are bounded (MAIL_MAX_ATTACHMENTS, then a note) and
 * read in linear time. */
static void test_many_attachments(void)
{
	char *raw = many_attachments(MAIL_MAX_ATTACHMENTS);
	struct mail *m = parse(raw);
	gint64 small, big;
	const struct mail_attachment *a;

	g_free(raw);
	tap_ok(m != NULL && m->attachments->len == MAIL_MAX_ATTACHMENTS && strcmp(m->body_text, "Many files.") == 0,
	       "many attachments: %d kept, no note", MAIL_MAX_ATTACHMENTS);
	mail_free(&m);
	raw = many_attachments(5000);
	m = parse(raw);
	g_free(raw);
	tap_ok(m != NULL && m->attachments->len == MAIL_MAX_ATTACHMENTS, "many attachments: of 5000, %d kept",
	       MAIL_MAX_ATTACHMENTS);
	a = m ? attachment(m, MAIL_MAX_ATTACHMENTS - 1) : NULL;
	tap_ok(a != NULL && g_strcmp0(a->filename, "f999.png") == 0, "many attachments: the first ones, in order");
	tap_is(m ? m->body_text : NULL, "Many files.\n\n[postdesk: 4000 attachments after the first 1000 were left out;"
	       " the message is stored whole]\n", "many attachments: the note says how many were left out");
	mail_free(&m);
	small = parse_time(5000, 3);
	big = parse_time(50000, 2);
	tap_ok(big < 30 * small + 50000, "many attachments: 50,000 in %.3f s, 5,000 in %.3f s (linear; best of 2 and 3)",
	       (double)big / 1e6, (double)small / 1e6);
}

int main(void)
{
	test_plain_utf8();
	test_iso_8859_2();
	test_windows_1250();
	test_koi8_r();
	test_iso_2022_jp();
	test_gb2312();
	test_undeclared_8bit();
	test_invalid_utf8();
	test_rfc2047();
	test_rfc2231();
	test_nested();
	test_html_only();
	test_gmail_reply();
	test_exchange_autoreply();
	test_gmail_vacation();
	test_bounce();
	test_list();
	test_garbage();
	test_content_language();
	test_to_utf8();
	test_clean_header();
	test_inline();
	test_deep();
	test_many_parts();
	test_gmail_photos();
	test_inline_parts();
	test_many_attachments();
	return tap_done();
}
