/* mail.c: parsing one incoming message with GMime into what postdesk keeps:
 * cleaned UTF-8 headers, the readable text, the HTML, the attachments and
 * the details of a delivery report. */
#include <errno.h>
#include <gmime/gmime.h>
#include <string.h>

#include "html.h"
#include "mail.h"

/* What mail.c keeps besides the public fields. */
struct mail_priv {
	GMimeMessage *msg;
	GMimeParserOptions *options;
	GHashTable *headers;	/* name -> cleaned value, for mail_header() */
};

/* Initialise GMime once per process. */
static GMimeParserOptions *mail_options(void)
{
	static const char *fallback[] = { "UTF-8", "windows-1252", NULL };
	static gboolean ready;
	GMimeParserOptions *o;

	if (!ready) {
		g_mime_init();
		ready = TRUE;
	}
	o = g_mime_parser_options_new();
	g_mime_parser_options_set_fallback_charsets(o, fallback);
	g_mime_parser_options_set_rfc2047_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_address_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	return o;
}

char *mail_clean_header(const char *s)
{
	char *valid = g_utf8_make_valid(s ? s : "", -1), *p;

	for (p = valid; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';	/* CR, LF, TAB and other controls */
	return g_strstrip(valid);
}

/* Convert with an iconv descriptor, replacing bytes it cannot read by U+FFFD. */
static char *mail_iconv(GIConv cd, const char *text, size_t len)
{
	GString *out = g_string_sized_new(len + 16);
	char buf[4096], *inp = (char *)text;
	gsize inleft = len;

	while (inleft > 0) {
		char *outp = buf;
		gsize outleft = sizeof(buf);
		gsize r = g_iconv(cd, &inp, &inleft, &outp, &outleft);

		g_string_append_len(out, buf, (gssize)(outp - buf));
		if (r == (gsize)-1 && errno == E2BIG)
			continue;
		if (r == (gsize)-1) {	/* EILSEQ or EINVAL: skip one byte */
			g_string_append(out, "\xEF\xBF\xBD");
			inp++;
			inleft--;
			g_iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	{	/* flush the shift state (ISO-2022-JP) */
		char *outp = buf;
		gsize outleft = sizeof(buf);

		g_iconv(cd, NULL, NULL, &outp, &outleft);
		g_string_append_len(out, buf, (gssize)(outp - buf));
	}
	return g_string_free(out, FALSE);
}

char *mail_to_utf8(const char *text, size_t len, const char *charset)
{
	const char *name = charset ? g_mime_charset_iconv_name(charset) : NULL;
	GIConv cd = (GIConv)-1;
	char *out, *valid;

	if (name != NULL && g_ascii_strcasecmp(name, "UTF-8") != 0 &&
	    g_ascii_strcasecmp(name, "US-ASCII") != 0 && g_ascii_strcasecmp(name, "ASCII") != 0)
		cd = g_iconv_open("UTF-8", name);
	/* undeclared or unknown charset: UTF-8 when it is valid, else windows-1252 */
	if (cd == (GIConv)-1 && !g_utf8_validate(text, (gssize)len, NULL) &&
	    (name == NULL || g_ascii_strcasecmp(name, "UTF-8") != 0))
		cd = g_iconv_open("UTF-8", "WINDOWS-1252");
	if (cd == (GIConv)-1)
		return g_utf8_make_valid(text, (gssize)len);
	out = mail_iconv(cd, text, len);
	g_iconv_close(cd);
	valid = g_utf8_make_valid(out, -1);
	g_free(out);
	return valid;
}

/* The decoded content of a leaf part. */
static GBytes *mail_part_bytes(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *arr;
	GBytes *b;

	if (w != NULL)
		g_mime_data_wrapper_write_to_stream(w, mem);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	b = g_bytes_new(arr->data, arr->len);
	g_object_unref(mem);
	return b;
}

/* The bytes of a whole object as written by GMime (attached messages). */
static GBytes *mail_object_bytes(GMimeObject *obj)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *arr;
	GBytes *b;

	g_mime_object_write_to_stream(obj, NULL, mem);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	b = g_bytes_new(arr->data, arr->len);
	g_object_unref(mem);
	return b;
}

/* "type/subtype" of an object, lower-case. */
static char *mail_type(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *s = ct ? g_mime_content_type_get_mime_type(ct) : g_strdup("application/octet-stream");
	char *lower = g_ascii_strdown(s, -1);

	g_free(s);
	return lower;
}

/* Add one attachment. */
static void mail_add_attachment(struct mail *m, const char *filename, const char *type, GBytes *content)
{
	struct mail_attachment *a = g_new0(struct mail_attachment, 1);

	a->filename = filename && *filename ? mail_clean_header(filename) : NULL;
	a->content_type = g_strdup(type);
	a->content = content;
	g_ptr_array_add(m->attachments, a);
}

/* Parse "rfc822; addr" and other "type; value" fields: the value, trimmed. */
static char *mail_typed_value(const char *v)
{
	const char *semi = strchr(v, ';');

	return mail_clean_header(semi ? semi + 1 : v);
}

/* Read the recipient blocks of a message/delivery-status body. */
static void mail_parse_dsn(struct mail *m, GBytes *body)
{
	gsize len;
	const char *data = g_bytes_get_data(body, &len);
	char *text = g_strndup(data ? data : "", len), **blocks, **b;
	struct mail_report *r = m->report;

	/* unfold, then split into blocks at blank lines */
	g_strdelimit(text, "\r", '\n');
	blocks = g_regex_split_simple("\n\\s*\n", text, 0, 0);
	for (b = blocks; *b != NULL; b++) {
		char **lines = g_strsplit(*b, "\n", -1), **l;
		char *rcpt = NULL, *action = NULL, *status = NULL, *diag = NULL, **last = NULL;

		for (l = lines; *l != NULL; l++) {
			char *colon = strchr(*l, ':');

			if ((**l == ' ' || **l == '\t') && last != NULL && *last != NULL) {
				char *joined = g_strconcat(*last, " ", g_strstrip(*l), NULL);

				g_free(*last);
				*last = joined;
				continue;
			}
			if (colon == NULL)
				continue;
			*colon = '\0';
			if (g_ascii_strcasecmp(*l, "Final-Recipient") == 0 && rcpt == NULL)
				*(last = &rcpt) = mail_typed_value(colon + 1);
			else if (g_ascii_strcasecmp(*l, "Action") == 0 && action == NULL)
				*(last = &action) = mail_clean_header(colon + 1);
			else if (g_ascii_strcasecmp(*l, "Status") == 0 && status == NULL)
				*(last = &status) = mail_clean_header(colon + 1);
			else if (g_ascii_strcasecmp(*l, "Diagnostic-Code") == 0 && diag == NULL)
				*(last = &diag) = mail_typed_value(colon + 1);
			else
				last = NULL;
		}
		g_strfreev(lines);
		/* the first failed recipient wins; else the first recipient */
		if (rcpt != NULL && (r->recipient == NULL ||
				     (g_strcmp0(r->action, "failed") != 0 && g_strcmp0(action, "failed") == 0))) {
			g_free(r->recipient);
			g_free(r->action);
			g_free(r->status);
			g_free(r->diagnostic);
			r->recipient = g_ascii_strdown(rcpt, -1);
			r->action = action ? g_ascii_strdown(action, -1) : NULL;
			r->status = status;
			r->diagnostic = diag;
			g_free(rcpt);
			g_free(action);
		} else {
			g_free(rcpt);
			g_free(action);
			g_free(status);
			g_free(diag);
		}
	}
	g_strfreev(blocks);
	g_free(text);
}

/* The Message-ID found in text/rfc822-headers content. */
static char *mail_headers_message_id(GBytes *body)
{
	gsize len;
	const char *data = g_bytes_get_data(body, &len);
	GMimeStream *s = g_mime_stream_mem_new_with_buffer(data ? data : "", len);
	GMimeParser *p = g_mime_parser_new_with_stream(s);
	GMimeParserOptions *o = mail_options();
	GMimeMessage *msg = g_mime_parser_construct_message(p, o);
	char *id = NULL;

	if (msg != NULL && g_mime_message_get_message_id(msg) != NULL)
		id = mail_clean_header(g_mime_message_get_message_id(msg));
	if (msg != NULL)
		g_object_unref(msg);
	g_object_unref(p);
	g_object_unref(s);
	g_mime_parser_options_free(o);
	return id;
}

/* Append text to a body string (parts of one body split by inline images). */
static void mail_append(char **body, char *text)
{
	char *joined, *r, *w;

	for (r = w = text; *r != '\0'; r++)	/* CRLF to LF: text for people */
		if (!(r[0] == '\r' && r[1] == '\n'))
			*w++ = *r;
	*w = '\0';

	if (*body == NULL) {
		*body = text;
		return;
	}
	joined = g_strconcat(*body, "\n", text, NULL);
	g_free(*body);
	g_free(text);
	*body = joined;
}

/* Visit a MIME object: bodies, attachments, report parts. */
static void mail_walk(struct mail *m, GMimeObject *obj, int depth)
{
	char *type;

	if (depth > 32)
		return;	/* absurd nesting: the raw message is kept anyway */
	if (GMIME_IS_MULTIPART(obj)) {
		int i, n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		for (i = 0; i < n; i++)
			mail_walk(m, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1);
		return;
	}
	type = mail_type(obj);
	if (GMIME_IS_MESSAGE_PART(obj)) {
		GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));

		if (m->report != NULL && m->report->original_message_id == NULL && inner != NULL &&
		    g_mime_message_get_message_id(inner) != NULL)
			m->report->original_message_id = mail_clean_header(g_mime_message_get_message_id(inner));
		mail_add_attachment(m, g_mime_object_get_content_disposition_parameter(obj, "filename"), type,
				    inner ? mail_object_bytes(GMIME_OBJECT(inner)) : g_bytes_new(NULL, 0));
	} else if (GMIME_IS_PART(obj)) {
		GMimePart *part = GMIME_PART(obj);
		const char *filename = g_mime_part_get_filename(part);
		GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
		bool attached = filename != NULL || (disp && g_mime_content_disposition_is_attachment(disp));
		GBytes *bytes = mail_part_bytes(part);

		if (m->report != NULL && strcmp(type, "message/delivery-status") == 0)
			mail_parse_dsn(m, bytes);
		if (m->report != NULL && m->report->original_message_id == NULL &&
		    strcmp(type, "text/rfc822-headers") == 0)
			m->report->original_message_id = mail_headers_message_id(bytes);
		if (!attached && (strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0)) {
			gsize len;
			const char *data = g_bytes_get_data(bytes, &len);
			const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
			char *text = mail_to_utf8(data ? data : "", len, cs);

			mail_append(strcmp(type, "text/plain") == 0 ? &m->body_text : &m->body_html, text);
			g_bytes_unref(bytes);
		} else {
			mail_add_attachment(m, filename, type, bytes);
		}
	}
	g_free(type);
}

/* Bare lower-case addresses (and names) of an address list, groups expanded. */
static void mail_addresses(InternetAddressList *list, GPtrArray *out, char **first_name)
{
	int i, n = list ? internet_address_list_length(list) : 0;

	for (i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			mail_addresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out, NULL);
		} else if (INTERNET_ADDRESS_IS_MAILBOX(ia)) {
			const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
			char *clean = mail_clean_header(addr);

			if (strchr(clean, '@') == NULL || strchr(clean, ' ') != NULL) {
				g_free(clean);
				continue;
			}
			g_ptr_array_add(out, g_ascii_strdown(clean, -1));
			g_free(clean);
			if (first_name != NULL && *first_name == NULL && internet_address_get_name(ia) != NULL &&
			    *internet_address_get_name(ia) != '\0')
				*first_name = mail_clean_header(internet_address_get_name(ia));
		}
	}
}

/* The first address of a list into *addr_r (and its name into *name_r). */
static void mail_first_address(InternetAddressList *list, char **addr_r, char **name_r)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(g_free);

	mail_addresses(list, all, name_r);
	*addr_r = all->len > 0 ? g_strdup(g_ptr_array_index(all, 0)) : NULL;
	g_ptr_array_free(all, TRUE);
}

/* Message-IDs of a References or In-Reply-To header, cleaned. */
static void mail_ids(GMimeParserOptions *o, const char *value, GPtrArray *out)
{
	GMimeReferences *refs;
	int i;

	if (value == NULL)
		return;
	refs = g_mime_references_parse(o, value);
	for (i = 0; refs != NULL && i < g_mime_references_length(refs); i++) {
		char *id = mail_clean_header(g_mime_references_get_message_id(refs, i));

		if (*id != '\0' && strlen(id) < 998)
			g_ptr_array_add(out, id);
		else
			g_free(id);
	}
	if (refs != NULL)
		g_mime_references_free(refs);
}

/* The primary language subtag of Content-Language or Accept-Language. */
static char *mail_language(const struct mail *m)
{
	const char *v = mail_header(m, "Content-Language");
	size_t n;

	if (v == NULL)
		v = mail_header(m, "Accept-Language");
	if (v == NULL)
		return NULL;
	v += strspn(v, " \t");
	n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	if (n < 2 || n > 3)
		return NULL;
	return g_ascii_strdown(v, (gssize)n);
}

int mail_parse(const char *raw, size_t len, struct mail **mail_r, struct fault *f)
{
	struct mail_priv *priv;
	struct mail *m;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeParserOptions *o;
	GMimeObject *body;
	GPtrArray *irt;
	char *type;

	if (len == 0)
		return fault_perm(f, "empty message");
	o = mail_options();
	stream = g_mime_stream_mem_new_with_buffer(raw, len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, o);
	g_object_unref(parser);
	g_object_unref(stream);
	if (msg == NULL || g_mime_header_list_get_count(g_mime_object_get_header_list(GMIME_OBJECT(msg))) == 0) {
		if (msg != NULL)
			g_object_unref(msg);
		g_mime_parser_options_free(o);
		return fault_perm(f, "not a mail message (no headers)");
	}
	m = g_new0(struct mail, 1);
	priv = g_new0(struct mail_priv, 1);
	priv->msg = msg;
	priv->options = o;
	priv->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->priv = priv;
	m->to = g_ptr_array_new_with_free_func(g_free);
	m->cc = g_ptr_array_new_with_free_func(g_free);
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->attachments = g_ptr_array_new();

	mail_first_address(g_mime_message_get_from(msg), &m->from_addr, &m->from_name);
	mail_first_address(g_mime_message_get_reply_to(msg), &m->reply_to_addr, NULL);
	mail_addresses(g_mime_message_get_to(msg), m->to, NULL);
	mail_addresses(g_mime_message_get_cc(msg), m->cc, NULL);
	m->subject = mail_clean_header(g_mime_message_get_subject(msg));
	if (g_mime_message_get_message_id(msg) != NULL && *g_mime_message_get_message_id(msg) != '\0')
		m->message_id = mail_clean_header(g_mime_message_get_message_id(msg));
	irt = g_ptr_array_new_with_free_func(g_free);
	mail_ids(o, g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"), irt);
	if (irt->len > 0)
		m->in_reply_to = g_strdup(g_ptr_array_index(irt, 0));
	g_ptr_array_free(irt, TRUE);
	mail_ids(o, g_mime_object_get_header(GMIME_OBJECT(msg), "References"), m->references);
	m->language = mail_language(m);

	body = g_mime_message_get_mime_part(msg);
	if (body != NULL) {
		type = mail_type(body);
		if (strcmp(type, "multipart/report") == 0 &&
		    g_ascii_strcasecmp(g_mime_object_get_content_type_parameter(body, "report-type") ?: "",
				       "delivery-status") == 0)
			m->report = g_new0(struct mail_report, 1);
		g_free(type);
		mail_walk(m, body, 0);
	}
	if (m->body_text == NULL)
		m->body_text = m->body_html ? html_to_text(m->body_html) : g_strdup("");
	*mail_r = m;
	return 0;
}

const char *mail_header(const struct mail *m, const char *name)
{
	struct mail_priv *priv = m->priv;
	const char *raw;
	char *key, *value;

	key = g_ascii_strdown(name, -1);
	value = g_hash_table_lookup(priv->headers, key);
	if (value != NULL) {
		g_free(key);
		return value;
	}
	raw = g_mime_object_get_header(GMIME_OBJECT(priv->msg), name);
	if (raw == NULL && g_mime_message_get_mime_part(priv->msg) != NULL)
		/* GMime files Content-* headers under the top MIME part */
		raw = g_mime_object_get_header(g_mime_message_get_mime_part(priv->msg), name);
	if (raw == NULL) {
		g_free(key);
		return NULL;
	}
	{
		char *decoded = g_mime_utils_header_decode_text(priv->options, raw);

		value = mail_clean_header(decoded);
		g_free(decoded);
	}
	g_hash_table_insert(priv->headers, key, value);
	return value;
}

/* Free one attachment. */
static void mail_attachment_free(struct mail_attachment *a)
{
	g_free(a->filename);
	g_free(a->content_type);
	g_bytes_unref(a->content);
	g_free(a);
}

void mail_free(struct mail **mail)
{
	struct mail *m = *mail;
	struct mail_priv *priv;
	guint i;

	if (m == NULL)
		return;
	priv = m->priv;
	g_object_unref(priv->msg);
	g_mime_parser_options_free(priv->options);
	g_hash_table_destroy(priv->headers);
	g_free(priv);
	g_free(m->from_addr);
	g_free(m->from_name);
	g_free(m->reply_to_addr);
	g_ptr_array_free(m->to, TRUE);
	g_ptr_array_free(m->cc, TRUE);
	g_free(m->subject);
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_ptr_array_free(m->references, TRUE);
	g_free(m->language);
	g_free(m->body_text);
	g_free(m->body_html);
	for (i = 0; i < m->attachments->len; i++)
		mail_attachment_free(g_ptr_array_index(m->attachments, i));
	g_ptr_array_free(m->attachments, TRUE);
	if (m->report != NULL) {
		g_free(m->report->original_message_id);
		g_free(m->report->recipient);
		g_free(m->report->action);
		g_free(m->report->status);
		g_free(m->report->diagnostic);
		g_free(m->report);
	}
	g_free(m);
	*mail = NULL;
}
