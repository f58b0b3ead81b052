/* test_compose.c: outgoing messages: built with GMime, read back with
 * mail_parse() and with GMime itself, header injection impossible,
 * attachments byte for byte with their names and Content-IDs. */
#include <gmime/gmime.h>
#include <glib.h>
#include <string.h>

#include "compose.h"
#include "mail.h"
#include "tap.h"

/* Parse raw with GMime alone (not mail.c). */
static GMimeMessage *gmime_parse(const char *raw, size_t len)
{
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	g_object_unref(p);
	g_object_unref(s);
	return m;
}

/* The MIME tree as "type[child,child]" of lower-case types. */
static void tree(GMimeObject *obj, GString *out)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *type = g_mime_content_type_get_mime_type(ct), *lower = g_ascii_strdown(type, -1);

	g_string_append(out, lower);
	g_free(type);
	g_free(lower);
	if (GMIME_IS_MULTIPART(obj)) {
		int i, n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		g_string_append_c(out, '[');
		for (i = 0; i < n; i++) {
			if (i > 0)
				g_string_append_c(out, ',');
			tree(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), out);
		}
		g_string_append_c(out, ']');
	}
}

/* The structure of a composed message. */
static char *structure(GMimeMessage *m)
{
	GString *out = g_string_new(NULL);

	tree(g_mime_message_get_mime_part(m), out);
	return g_string_free(out, FALSE);
}

/* The part at path (indexes into nested multiparts, -1 ends). */
static GMimeObject *part_at(GMimeMessage *m, const int *path)
{
	GMimeObject *obj = g_mime_message_get_mime_part(m);

	for (; obj != NULL && *path >= 0; path++)
		obj = GMIME_IS_MULTIPART(obj) && *path < g_mime_multipart_get_count(GMIME_MULTIPART(obj)) ?
		      g_mime_multipart_get_part(GMIME_MULTIPART(obj), *path) : NULL;
	return obj;
}

/* The decoded bytes of a leaf part. */
static GBytes *decoded(GMimeObject *obj)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *arr;
	GBytes *b;

	if (GMIME_IS_PART(obj) && g_mime_part_get_content(GMIME_PART(obj)) != NULL)
		g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(obj)), mem);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	b = g_bytes_new(arr->data, arr->len);
	g_object_unref(mem);
	return b;
}

/* Whether the raw message has a header line starting with start. */
static bool raw_line(const char *raw, const char *start)
{
	const char *p;

	for (p = raw; (p = strstr(p, start)) != NULL; p++)
		if (p == raw || p[-1] == '\n')
			return true;
	return false;
}

/* Binary content: every byte value, CR LF and lone CR and LF, NUL, a
 * line "." and "From " (what transports like to change). */
static GBytes *binary_content(size_t n)
{
	GByteArray *a = g_byte_array_new();
	static const char tricky[] = "\r\n.\r\nFrom x\n\r\0\r\n--b\r\n";
	size_t i;

	g_byte_array_append(a, (const guint8 *)"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 15);
	for (i = 0; a->len < n; i++) {
		guint8 c = (guint8)(i * 131 + 7);

		g_byte_array_append(a, &c, 1);
		if (i % 997 == 0)
			g_byte_array_append(a, (const guint8 *)tricky, sizeof(tricky) - 1);
	}
	return g_byte_array_free_to_bytes(a);
}

/* Attachments of every kind: an inline image the HTML shows, a PDF with a
 * Polish name, a Czech text file in its charset, a forwarded message. */
static void test_attachments(void)
{
	const char *to[] = { "zofia@example.net", NULL };
	static const char png_bytes[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR tiny";
	/* "Příliš žluťoučký kůň" in windows-1250 */
	static const char txt_bytes[] = "P\xf8\xedli\x9a \x9elu\x9dou\xe8k\xfd k\xf9\xf2\n";
	GBytes *png = g_bytes_new_static(png_bytes, sizeof(png_bytes) - 1);
	GBytes *pdf = binary_content(50000);
	GBytes *txt = g_bytes_new_static(txt_bytes, sizeof(txt_bytes) - 1);
	static const char inner[] = "From: jan@example.net\nTo: b@example.org\nSubject: fwd\n"
				    "Message-ID: <inner.1@example.net>\n\ninner body\n";
	GBytes *eml = g_bytes_new_static(inner, sizeof(inner) - 1);
	struct compose_attachment atts[] = {
		{ "zrzut ekranu.png", "image/png", "part1.7A3C9E21.5B0D4F12@example.org", true, png },
		{ "Faktura zażółć – październik.pdf", "application/pdf", NULL, false, pdf },
		{ "poznámky.txt", "text/plain; charset=windows-1250", NULL, false, txt },
		{ "fwd.eml", "message/rfc822", NULL, false, eml },
	};
	struct compose c = {
		.from_name = "Alice via Helpdesk", .from_addr = "support@example.org", .to = to,
		.subject = "Re: faktura", .text = "See the screenshot.\n",
		.html = "<p>See <img src=\"cid:part1.7A3C9E21.5B0D4F12@example.org\" alt=\"\"></p>",
		.message_id = "pd.m1.x@example.org", .attachments = atts, .n_attachments = G_N_ELEMENTS(atts),
	};
	struct fault f = { 0 };
	struct mail *m = NULL;
	GMimeMessage *g;
	char *raw = NULL, *st;
	size_t len = 0;
	guint i;

	tap_ok(compose_build(&c, &raw, &len, &f) == 0, "attachments: composes");
	g = gmime_parse(raw, len);
	tap_ok(g != NULL, "attachments: GMime reads it back");
	if (g == NULL)
		return;
	st = structure(g);
	tap_is(st, "multipart/mixed[multipart/related[multipart/alternative[text/plain,text/html],image/png],"
		   "application/pdf,text/plain,message/rfc822]", "attachments: mixed[related[alternative, image], files]");
	g_free(st);
	{
		GMimeObject *img = part_at(g, (const int[]){ 0, 1, -1 });
		GMimeObject *rel = part_at(g, (const int[]){ 0, -1 });
		GMimeObject *pdfp = part_at(g, (const int[]){ 1, -1 });
		GMimeObject *txtp = part_at(g, (const int[]){ 2, -1 });
		GMimeObject *emlp = part_at(g, (const int[]){ 3, -1 });
		GBytes *b;

		tap_is(img ? g_mime_object_get_content_id(img) : NULL, "part1.7A3C9E21.5B0D4F12@example.org",
		       "attachments: the Content-ID is kept as it was (the HTML's cid: resolves)");
		tap_is(rel ? g_mime_object_get_content_type_parameter(rel, "type") : NULL, "multipart/alternative",
		       "attachments: related names its root's type");
		tap_is(img ? g_mime_object_get_disposition(img) : NULL, "inline", "attachments: the image is inline");
		b = img ? decoded(img) : g_bytes_new(NULL, 0);
		tap_ok(g_bytes_equal(b, png), "attachments: image bytes equal");
		g_bytes_unref(b);
		tap_is(pdfp ? g_mime_part_get_filename(GMIME_PART(pdfp)) : NULL, "Faktura zażółć – październik.pdf",
		       "attachments: non-ASCII filename read back");
		tap_is(pdfp ? g_mime_object_get_disposition(pdfp) : NULL, "attachment", "attachments: PDF is an attachment");
		tap_ok(pdfp && g_mime_part_get_content_encoding(GMIME_PART(pdfp)) == GMIME_CONTENT_ENCODING_BASE64,
		       "attachments: PDF in base64");
		b = pdfp ? decoded(pdfp) : g_bytes_new(NULL, 0);
		tap_ok(g_bytes_equal(b, pdf), "attachments: PDF bytes equal (%zu bytes with CR, LF, NUL, '.', 'From ')",
		       g_bytes_get_size(b));
		g_bytes_unref(b);
		tap_is(txtp ? g_mime_object_get_content_type_parameter(txtp, "charset") : NULL, "windows-1250",
		       "attachments: text file keeps its charset");
		b = txtp ? decoded(txtp) : g_bytes_new(NULL, 0);
		tap_ok(g_bytes_equal(b, txt), "attachments: text file bytes equal (base64: line ends untouched)");
		g_bytes_unref(b);
		tap_ok(emlp && GMIME_IS_MESSAGE_PART(emlp) &&
		       g_strcmp0(g_mime_message_get_message_id(g_mime_message_part_get_message(GMIME_MESSAGE_PART(emlp))),
				 "inner.1@example.net") == 0, "attachments: the forwarded message is a message/rfc822 part");
	}
	g_object_unref(g);
	/* GMime splits a long RFC 2231 value into continuations (filename*0*=, *1*=) */
	tap_ok(strstr(raw, "filename*0*=UTF-8''Faktura%20za%C5%BC") != NULL,
	       "attachments: RFC 2231 filename*0*= in Content-Disposition");
	tap_ok(strstr(raw, "name=\"Faktura =?UTF-8?b?") != NULL, "attachments: RFC 2047 name= in Content-Type (old Outlook)");
	tap_ok(mail_parse(raw, len, &m, &f) == 0 && m->attachments->len == 4, "attachments: mail_parse finds four");
	for (i = 0; m != NULL && i < m->attachments->len; i++) {
		const struct mail_attachment *a = g_ptr_array_index(m->attachments, i);

		tap_is(a->filename, atts[i].filename, "attachments: %u: filename round trip", i);
		if (i < 3)
			tap_ok(g_bytes_equal(a->content, atts[i].content), "attachments: %u: bytes round trip", i);
	}
	if (m != NULL) {
		const struct mail_attachment *a = g_ptr_array_index(m->attachments, 0);

		tap_is(a->content_id, "part1.7A3C9E21.5B0D4F12@example.org", "attachments: content_id round trip");
		tap_ok(a->inline_part, "attachments: inline round trip");
		tap_is(m->body_text, "See the screenshot.\n", "attachments: text body still the text part");
	}
	mail_free(&m);
	g_free(raw);

	/* text only: an inline image has no HTML to be shown in: mixed */
	c.html = NULL;
	c.n_attachments = 1;
	tap_ok(compose_build(&c, &raw, &len, &f) == 0 && (g = gmime_parse(raw, len)) != NULL, "text only: composes");
	st = structure(g);
	tap_is(st, "multipart/mixed[text/plain,image/png]", "text only: mixed[text, image]");
	g_free(st);
	g_object_unref(g);
	g_free(raw);
	/* an inline image the HTML does not show: an attachment, so it is seen */
	c.html = "<p>no image here, cid:other@x</p>";
	tap_ok(compose_build(&c, &raw, &len, &f) == 0 && (g = gmime_parse(raw, len)) != NULL, "unreferenced: composes");
	st = structure(g);
	tap_is(st, "multipart/mixed[multipart/alternative[text/plain,text/html],image/png]",
	       "unreferenced: the image goes into mixed");
	g_free(st);
	g_object_unref(g);
	g_free(raw);
	/* percent-encoded cid URL (RFC 2392) and an Outlook image marked attachment */
	atts[0].inline_part = false;
	c.html = "<img src=3D\"x\"><img src='CID:part1.7A3C9E21.5B0D4F12%40example.org'>";
	tap_ok(compose_build(&c, &raw, &len, &f) == 0 && (g = gmime_parse(raw, len)) != NULL, "encoded cid: composes");
	st = structure(g);
	tap_is(st, "multipart/related[multipart/alternative[text/plain,text/html],image/png]",
	       "encoded cid: related (no mixed when nothing else is attached)");
	g_free(st);
	g_object_unref(g);
	g_free(raw);
	g_bytes_unref(png);
	g_bytes_unref(pdf);
	g_bytes_unref(txt);
	g_bytes_unref(eml);
}

/* Names, types and ids from a hostile sender cannot make header lines. */
static void test_hostile_attachments(void)
{
	const char *to[] = { "zofia@example.net", NULL };
	GBytes *b = g_bytes_new_static("x", 1);
	struct compose_attachment atts[] = {
		{ "a.pdf\r\nBcc: victim@example.com\r\n\r\nbody", "application/pdf\r\nBcc: v@example.com", "id\r\nBcc: v@x",
		  false, b },
		{ NULL, "no slash", NULL, false, b },
		{ "", NULL, "", true, b },
		{ "x.bin", "multipart/mixed; boundary=zzz", NULL, false, b },
		{ "fake.eml", "message/rfc822", NULL, false, b },
	};
	struct compose c = {
		.from_addr = "support@example.org", .to = to, .subject = "s", .text = "t\n",
		.message_id = "pd.m2.x@example.org", .attachments = atts, .n_attachments = G_N_ELEMENTS(atts),
	};
	struct fault f = { 0 };
	struct mail *m = NULL;
	char *raw = NULL;
	size_t len = 0;
	guint i;
	bool ok = true;

	tap_ok(compose_build(&c, &raw, &len, &f) == 0, "hostile: composes");
	tap_ok(!raw_line(raw, "Bcc:") && !raw_line(raw, "bcc:"), "hostile: no Bcc header line from name, type or id");
	tap_ok(mail_parse(raw, len, &m, &f) == 0 && m->attachments->len == 5, "hostile: five attachments read back");
	for (i = 0; m != NULL && i < m->attachments->len; i++) {
		const struct mail_attachment *a = g_ptr_array_index(m->attachments, i);

		ok = ok && g_bytes_equal(a->content, b);
		if (i > 0)
			ok = ok && strcmp(a->content_type, "application/octet-stream") == 0;
	}
	tap_ok(ok, "hostile: bytes kept; no type, a multipart or a non-message: application/octet-stream");
	tap_ok(m != NULL && strcmp(((struct mail_attachment *)g_ptr_array_index(m->attachments, 0))->content_type,
				   "application/pdf") == 0, "hostile: the type before the injected line kept");
	mail_free(&m);
	g_free(raw);
	g_bytes_unref(b);
}

/* Many attachments and a large HTML: building is linear. */
static void test_many(void)
{
	const char *to[] = { "zofia@example.net", NULL };
	GBytes *b = g_bytes_new_static("0123456789", 10);
	struct compose_attachment *atts = g_new0(struct compose_attachment, 2000);
	GString *html = g_string_new(NULL);
	struct compose c = {
		.from_addr = "support@example.org", .to = to, .subject = "s", .text = "t\n",
		.message_id = "pd.m3.x@example.org", .attachments = atts,
	};
	struct fault f = { 0 };
	char *raw = NULL;
	size_t len = 0, i;
	gint64 t0, t1, t2;
	GMimeMessage *g;

	for (i = 0; i < 2000; i++) {
		atts[i] = (struct compose_attachment){ "f.bin", "image/png", NULL, true, b };
		atts[i].content_id = g_strdup_printf("img%zu@x", i);
	}
	for (i = 0; i < 200000; i++)
		g_string_append(html, "<p>cid: cid:\"cid:img7@x</p>");
	c.html = html->str;
	c.n_attachments = 200;
	t0 = g_get_monotonic_time();
	tap_ok(compose_build(&c, &raw, &len, &f) == 0, "many: 200 attachments");
	g_free(raw);
	t1 = g_get_monotonic_time();
	c.n_attachments = 2000;
	tap_ok(compose_build(&c, &raw, &len, &f) == 0, "many: 2000 attachments");
	t2 = g_get_monotonic_time();
	g = gmime_parse(raw, len);
	tap_int(g ? g_mime_multipart_get_count(GMIME_MULTIPART(g_mime_message_get_mime_part(g))) : 0, 2000,
		"many: 1 referenced image in related, 1999 in mixed");
	if (g != NULL)
		g_object_unref(g);
	tap_ok(t2 - t1 < 30 * (t1 - t0) + 200000, "many: 2000 in %.3f s, 200 in %.3f s (linear)",
	       (double)(t2 - t1) / 1e6, (double)(t1 - t0) / 1e6);
	g_free(raw);
	for (i = 0; i < 2000; i++)
		g_free((char *)atts[i].content_id);
	g_free(atts);
	g_string_free(html, TRUE);
	g_bytes_unref(b);
}

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
	test_attachments();
	test_hostile_attachments();
	test_many();
	return tap_done();
}
