/* mail.c: parsing one incoming message with GMime into what postdesk keeps:
 * cleaned UTF-8 headers, the readable text, the HTML, the attachments and
 * the details of a delivery report. */
#include <errno.h>
#include <gmime/gmime.h>
#include <string.h>

#include "address.h"
#include "html.h"
#include "mail.h"

/* Deeper MIME nesting than this is not looked into (the raw message is kept);
 * the body text then ends with a note of how many parts were left out. */
#define MAIL_MAX_DEPTH 32
/* RFC 5322 line limit: longer "ids" are junk. */
#define MAIL_MAX_ID 998
#define MAIL_REPLACEMENT "\xEF\xBF\xBD"	/* U+FFFD in UTF-8 */

/* What mail.c keeps besides the public fields. */
struct mail_priv {
	GMimeMessage *msg;
	GMimeParserOptions *options;
	GHashTable *headers;	/* lower-case name -> cleaned value, for mail_header() */
	GString *text, *html;	/* the bodies while the parts are walked; NULL: none yet */
	unsigned left_out;	/* MIME parts nested deeper than MAIL_MAX_DEPTH */
	unsigned attachments_left_out;	/* attachments after MAIL_MAX_ATTACHMENTS */
};

/* Declared charsets read as a superset, as web browsers do: mail clients
 * label windows-1252 text as ISO-8859-1, GBK text as GB2312, and so on. The
 * ASCII names are not here: 8-bit text labelled ASCII is guessed instead. */
static const struct {
	const char *declared;
	const char *iconv_name;
} mail_supersets[] = {
	{ "iso-8859-1", "WINDOWS-1252" }, { "iso8859-1", "WINDOWS-1252" }, { "iso_8859-1", "WINDOWS-1252" },
	{ "latin1", "WINDOWS-1252" }, { "l1", "WINDOWS-1252" },
	{ "gb2312", "GB18030" }, { "gbk", "GB18030" }, { "x-gbk", "GB18030" }, { "cp936", "GB18030" },
	{ "euc-cn", "GB18030" },
	{ "euc-kr", "CP949" }, { "ks_c_5601-1987", "CP949" },
	{ "shift_jis", "CP932" }, { "shift-jis", "CP932" }, { "sjis", "CP932" }, { "x-sjis", "CP932" },
	{ "unicode-1-1-utf-7", "UTF-7" },
};

/* Names under which text is only ASCII (or unlabelled UTF-8 in practice). */
static const char *const mail_ascii_names[] = {
	"us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", NULL,
};

/* Parser options for one message; initialises GMime on the first call. */
static GMimeParserOptions *mail_options(void)
{
	/* 8-bit header text without RFC 2047: UTF-8 when valid, else windows-1252 */
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
	g_mime_parser_options_set_parameter_compliance_mode(o, GMIME_RFC_COMPLIANCE_LOOSE);
	return o;
}

char *mail_clean_header(const char *s)
{
	char *valid = g_utf8_make_valid(s ? s : "", -1), *r, *w;

	for (r = w = valid; *r != '\0'; r++) {
		unsigned char c = (unsigned char)*r;

		if (c == '\r' || c == '\n')
			*w++ = ' ';	/* unfolding leftovers, injected line breaks */
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			continue;	/* other controls: dropped */
		else
			*w++ = *r;
	}
	*w = '\0';
	return g_strstrip(valid);
}

/* Whether a NULL-terminated list holds name, ignoring ASCII case. */
static bool mail_in_list(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (g_ascii_strcasecmp(name, *list) == 0)
			return true;
	return false;
}

/* The iconv name to read a declared charset with; NULL for "guess". */
static const char *mail_charset_name(const char *charset)
{
	size_t i;

	if (charset == NULL || *charset == '\0' || mail_in_list(charset, mail_ascii_names))
		return NULL;
	for (i = 0; i < G_N_ELEMENTS(mail_supersets); i++)
		if (g_ascii_strcasecmp(charset, mail_supersets[i].declared) == 0)
			return mail_supersets[i].iconv_name;
	return g_mime_charset_iconv_name(charset);	/* "cp1250" -> "CP1250", ... */
}

/* Convert with an iconv descriptor into out, replacing bytes it cannot read
 * by U+FFFD; the state is kept across a bad byte (ISO-2022-JP stays in its
 * current character set). */
static void mail_iconv(GIConv cd, const char *text, size_t len, GString *out)
{
	char buf[4096], *inp = (char *)text, *outp;
	gsize inleft = len, outleft;

	while (inleft > 0) {
		gsize r;

		outp = buf;
		outleft = sizeof(buf);
		r = g_iconv(cd, &inp, &inleft, &outp, &outleft);
		g_string_append_len(out, buf, (gssize)(outp - buf));
		if (r != (gsize)-1 || errno == E2BIG)
			continue;
		/* EILSEQ (not in the charset) or EINVAL (cut off): skip one byte */
		g_string_append(out, MAIL_REPLACEMENT);
		inp++;
		inleft--;
	}
	outp = buf;	/* back to the initial shift state */
	outleft = sizeof(buf);
	g_iconv(cd, NULL, NULL, &outp, &outleft);
	g_string_append_len(out, buf, (gssize)(outp - buf));
}

char *mail_to_utf8(const char *text, size_t len, const char *charset)
{
	const char *name = mail_charset_name(charset);
	GIConv cd = (GIConv)-1;
	GString *out;
	char *valid;
	bool utf8;

	if (text == NULL)
		return g_strdup("");
	utf8 = name != NULL && (g_ascii_strcasecmp(name, "UTF-8") == 0 || g_ascii_strcasecmp(name, "UTF8") == 0);
	if (name != NULL && !utf8)
		cd = g_iconv_open("UTF-8", name);
	/* UTF-8, or undeclared, or unknown to iconv: take it as UTF-8 when it
	 * is valid; otherwise guess windows-1252 (every byte is text there, and
	 * it is what unlabelled 8-bit mail from Western clients mostly is) --
	 * except for declared UTF-8, where bad bytes just become U+FFFD */
	if (cd == (GIConv)-1) {
		if (utf8 || g_utf8_validate_len(text, len, NULL))
			return g_utf8_make_valid(text, (gssize)len);
		cd = g_iconv_open("UTF-8", "WINDOWS-1252");
		if (cd == (GIConv)-1)
			return g_utf8_make_valid(text, (gssize)len);
	}
	out = g_string_sized_new(len + 16);
	mail_iconv(cd, text, len, out);
	g_iconv_close(cd);
	valid = g_utf8_make_valid(out->str, (gssize)out->len);	/* NUL -> U+FFFD */
	g_string_free(out, TRUE);
	return valid;
}

/* Everything written to a memory stream, as GBytes. */
static GBytes *mail_stream_bytes(GMimeStream *mem)
{
	GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));

	return g_bytes_new(arr->data, arr->len);
}

/* The decoded content of a leaf part (transfer encoding undone). */
static GBytes *mail_part_bytes(GMimePart *part)
{
	GMimeDataWrapper *w = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();
	GBytes *b;

	if (w != NULL)
		g_mime_data_wrapper_write_to_stream(w, mem);
	b = mail_stream_bytes(mem);
	g_object_unref(mem);
	return b;
}

/* The bytes of a whole message as GMime writes it (attached messages). */
static GBytes *mail_object_bytes(GMimeObject *obj)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GBytes *b;

	g_mime_object_write_to_stream(obj, NULL, mem);
	b = mail_stream_bytes(mem);
	g_object_unref(mem);
	return b;
}

/* "type/subtype" of an object, lower-case and clean. */
static char *mail_type(GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *s = ct ? g_mime_content_type_get_mime_type(ct) : g_strdup("application/octet-stream");
	char *clean = mail_clean_header(s), *lower = g_ascii_strdown(clean, -1);

	g_free(s);
	g_free(clean);
	return lower;
}

/* A cleaned copy of a header value, NULL when it is NULL, empty or not
 * shorter than MAIL_MAX_ID (no filename, id or charset is that long). */
static char *mail_clean_value(const char *s)
{
	char *clean = s ? mail_clean_header(s) : NULL;

	if (clean != NULL && (*clean == '\0' || strlen(clean) >= MAIL_MAX_ID))
		g_clear_pointer(&clean, g_free);
	return clean;
}

/* Add part obj as an attachment; takes over content. Past
 * MAIL_MAX_ATTACHMENTS it is only counted. A part is inline when its
 * Content-Disposition says so, or when it has none inside multipart/related. */
static void mail_add_attachment(struct mail *m, GMimeObject *obj, const char *filename, const char *type,
				GBytes *content, bool in_related)
{
	struct mail_priv *priv = m->priv;
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
	const char *how = disp ? g_mime_content_disposition_get_disposition(disp) : NULL;
	struct mail_attachment *a;

	if (m->attachments->len >= MAIL_MAX_ATTACHMENTS) {
		priv->attachments_left_out++;
		g_bytes_unref(content);
		return;
	}
	a = g_new0(struct mail_attachment, 1);
	a->filename = mail_clean_value(filename);
	a->content_type = g_strdup(type);
	if (g_str_has_prefix(type, "text/"))
		a->charset = mail_clean_value(g_mime_object_get_content_type_parameter(obj, "charset"));
	a->content_id = mail_clean_value(g_mime_object_get_content_id(obj));	/* without <> */
	a->inline_part = how != NULL ? g_ascii_strcasecmp(how, "inline") == 0 : in_related;
	a->content = content;
	g_ptr_array_add(m->attachments, a);
}

/* Text with CRLF (or a lone CR) turned into LF, in place. */
static char *mail_lf(char *text)
{
	char *r, *w;

	for (r = w = text; *r != '\0'; r++) {
		if (r[0] == '\r' && r[1] == '\n')
			continue;
		*w++ = *r == '\r' ? '\n' : *r;
	}
	*w = '\0';
	return text;
}

/* The value of a "type; value" field ("rfc822; a@b", "smtp; 550 ..."). */
static char *mail_typed_value(const char *v)
{
	const char *semi = strchr(v, ';');

	return mail_clean_header(semi ? semi + 1 : v);
}

/* The fields of one recipient block of a delivery-status body. */
struct mail_dsn_block {
	char *recipient, *action, *status, *diagnostic;
};

/* Read one "Name: value" field (already unfolded) into a recipient block. */
static void mail_dsn_field(struct mail_dsn_block *b, char *line)
{
	char *colon = strchr(line, ':'), **slot = NULL;
	bool typed = false;

	if (colon == NULL)
		return;
	*colon = '\0';
	g_strstrip(line);
	if (g_ascii_strcasecmp(line, "Final-Recipient") == 0)
		slot = &b->recipient, typed = true;
	else if (g_ascii_strcasecmp(line, "Action") == 0)
		slot = &b->action;
	else if (g_ascii_strcasecmp(line, "Status") == 0)
		slot = &b->status;
	else if (g_ascii_strcasecmp(line, "Diagnostic-Code") == 0)
		slot = &b->diagnostic, typed = true;
	if (slot == NULL || *slot != NULL)
		return;
	*slot = typed ? mail_typed_value(colon + 1) : mail_clean_header(colon + 1);
	if (slot == &b->recipient || slot == &b->action) {
		char *lower = address_fold(*slot);

		g_free(*slot);
		*slot = lower;
	}
}

/* Free the strings of a recipient block. */
static void mail_dsn_block_clear(struct mail_dsn_block *b)
{
	g_free(b->recipient);
	g_free(b->action);
	g_free(b->status);
	g_free(b->diagnostic);
	memset(b, 0, sizeof(*b));
}

/* End of a recipient block: keep it in the report when it is the first
 * one, or the first failed one after others that did not fail. */
static void mail_dsn_block_end(struct mail_report *r, struct mail_dsn_block *b)
{
	if (b->recipient != NULL &&
	    (r->recipient == NULL || (g_strcmp0(r->action, "failed") != 0 && g_strcmp0(b->action, "failed") == 0))) {
		g_free(r->recipient);
		g_free(r->action);
		g_free(r->status);
		g_free(r->diagnostic);
		r->recipient = b->recipient;
		r->action = b->action;
		r->status = b->status;
		r->diagnostic = b->diagnostic;
		memset(b, 0, sizeof(*b));
	}
	mail_dsn_block_clear(b);
}

/* Read the recipient blocks of a message/delivery-status body (RFC 3464:
 * header-like blocks separated by blank lines, the first one about the
 * reporting MTA): the first failed recipient wins, else the first one. */
static void mail_parse_dsn(struct mail *m, GBytes *body)
{
	gsize len;
	const char *data = g_bytes_get_data(body, &len);
	char *text = mail_to_utf8(data, len, "UTF-8");	/* RFC 6533 allows UTF-8 */
	char **lines = g_strsplit(mail_lf(text), "\n", -1), **l;
	GString *field = g_string_new(NULL);	/* the field being unfolded */
	struct mail_dsn_block b = { 0 };

	for (l = lines;; l++) {
		bool blank = *l == NULL || strspn(*l, " \t") == strlen(*l);

		if (!blank && (**l == ' ' || **l == '\t') && field->len > 0) {
			/* a folded line: one space for the fold, however indented */
			g_string_append_c(field, ' ');
			g_string_append(field, *l + strspn(*l, " \t"));
			continue;
		}
		if (field->len > 0)
			mail_dsn_field(&b, field->str);
		g_string_truncate(field, 0);
		if (blank)
			mail_dsn_block_end(m->report, &b);
		if (*l == NULL)
			break;
		if (!blank)
			g_string_append(field, *l);
	}
	g_string_free(field, TRUE);
	g_strfreev(lines);
	g_free(text);
}

/* The Message-ID found in text/rfc822-headers content, without <>. */
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

/* Append text to a body being collected (one body may come in several
 * parts, e.g. text split by inline images, or a list's footer), a line
 * break between parts; in place, so that 100,000 parts stay linear. Takes
 * over text. */
static void mail_append(GString **body, char *text)
{
	mail_lf(text);	/* text for people: LF line ends */
	if (*body == NULL)
		*body = g_string_new(NULL);
	else
		g_string_append_c(*body, '\n');
	g_string_append(*body, text);
	g_free(text);
}

/* Whether a MIME type is that of delivery-status fields (RFC 3464, 6533). */
static bool mail_is_dsn_type(const char *type)
{
	return strcmp(type, "message/delivery-status") == 0 ||
	       strcmp(type, "message/global-delivery-status") == 0;
}

/* Whether a MIME type is that of the returned headers of a bounced message. */
static bool mail_is_headers_type(const char *type)
{
	return strcmp(type, "text/rfc822-headers") == 0 || strcmp(type, "message/global-headers") == 0;
}

/* A leaf part: body text or HTML, or an attachment; report parts are read
 * for the report and kept as attachments too. */
static void mail_leaf(struct mail *m, GMimeObject *obj, const char *type, bool in_related)
{
	GMimePart *part = GMIME_PART(obj);
	const char *filename = g_mime_part_get_filename(part);	/* RFC 2231 and 2047 decoded */
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
	bool attached = filename != NULL || (disp != NULL && g_mime_content_disposition_is_attachment(disp));
	GBytes *bytes = mail_part_bytes(part);

	if (m->report != NULL && mail_is_dsn_type(type))
		mail_parse_dsn(m, bytes);
	if (m->report != NULL && m->report->original_message_id == NULL && mail_is_headers_type(type))
		m->report->original_message_id = mail_headers_message_id(bytes);
	if (!attached && (strcmp(type, "text/plain") == 0 || strcmp(type, "text/html") == 0)) {
		gsize len;
		const char *data = g_bytes_get_data(bytes, &len);
		const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
		char *text = mail_to_utf8(data ? data : "", len, cs);
		struct mail_priv *priv = m->priv;

		mail_append(strcmp(type, "text/plain") == 0 ? &priv->text : &priv->html, text);
		g_bytes_unref(bytes);
	} else {
		mail_add_attachment(m, obj, filename, type, bytes, in_related);
	}
}

/* An attached message: one attachment, not looked into (but in a report,
 * the bounced message's Message-ID is taken). */
static void mail_message_part(struct mail *m, GMimeObject *obj, const char *type, bool in_related)
{
	GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
	const char *filename = g_mime_object_get_content_disposition_parameter(obj, "filename");

	if (filename == NULL)
		filename = g_mime_object_get_content_type_parameter(obj, "name");
	if (m->report != NULL && m->report->original_message_id == NULL && inner != NULL &&
	    g_mime_message_get_message_id(inner) != NULL)
		m->report->original_message_id = mail_clean_header(g_mime_message_get_message_id(inner));
	mail_add_attachment(m, obj, filename, type,
			    inner ? mail_object_bytes(GMIME_OBJECT(inner)) : g_bytes_new(NULL, 0), in_related);
}

/* The number of MIME parts in an object, itself and every part inside,
 * containers too (GMime keeps an empty multipart where it stopped parsing
 * nesting itself); walked without recursion, as the tree may be deep. */
static unsigned mail_count_parts(GMimeObject *top)
{
	GPtrArray *todo = g_ptr_array_new();
	unsigned n = 0;

	g_ptr_array_add(todo, top);
	while (todo->len > 0) {
		GMimeObject *obj = g_ptr_array_steal_index_fast(todo, todo->len - 1);

		if (obj == NULL)
			continue;
		n++;
		if (GMIME_IS_MULTIPART(obj)) {
			int i, count = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

			for (i = 0; i < count; i++)
				g_ptr_array_add(todo, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i));
		}
	}
	g_ptr_array_free(todo, TRUE);
	return n;
}

/* Visit a MIME object: bodies, attachments, report parts. All text parts
 * that are not attachments make the body: in multipart/alternative the
 * text/plain one gives body_text and the HTML one body_html. Parts nested
 * deeper than MAIL_MAX_DEPTH are only counted. in_related: obj is a part
 * of a multipart/related. */
static void mail_walk(struct mail *m, GMimeObject *obj, int depth, bool in_related)
{
	char *type;

	if (obj == NULL)
		return;
	if (depth > MAIL_MAX_DEPTH) {
		((struct mail_priv *)m->priv)->left_out += mail_count_parts(obj);
		return;
	}
	type = mail_type(obj);
	if (GMIME_IS_MULTIPART(obj)) {
		int i, n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
		bool related = strcmp(type, "multipart/related") == 0;

		for (i = 0; i < n; i++)
			mail_walk(m, g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), depth + 1, related);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		mail_message_part(m, obj, type, in_related);
	} else if (GMIME_IS_PART(obj)) {
		mail_leaf(m, obj, type, in_related);
	}
	g_free(type);
}

/* Add the bare lower-case addresses of a list (groups expanded) to out, and
 * the display name of the first one to *first_name when asked. */
static void mail_addresses(InternetAddressList *list, GPtrArray *out, char **first_name, int depth)
{
	int i, n = list ? internet_address_list_length(list) : 0;

	for (i = 0; i < n && depth < 4; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		const char *addr, *name, *at;
		char *clean;

		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			mail_addresses(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), out,
				       first_name, depth + 1);
			continue;
		}
		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
		clean = mail_clean_header(addr);
		at = strrchr(clean, '@');
		/* only local@domain is usable: no "undisclosed", "@x", "x@" */
		if (at == NULL || at == clean || at[1] == '\0' || strpbrk(clean, " \t<>") != NULL) {
			g_free(clean);
			continue;
		}
		g_ptr_array_add(out, address_fold(clean));
		g_free(clean);
		name = internet_address_get_name(ia);
		if (first_name != NULL && out->len == 1 && name != NULL) {
			*first_name = mail_clean_header(name);
			if (**first_name == '\0')
				g_clear_pointer(first_name, g_free);
		}
	}
}

/* The first address of a list into *addr_r (and its name into *name_r). */
static void mail_first_address(InternetAddressList *list, char **addr_r, char **name_r)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(g_free);

	mail_addresses(list, all, name_r, 0);
	*addr_r = all->len > 0 ? g_strdup(g_ptr_array_index(all, 0)) : NULL;
	g_ptr_array_free(all, TRUE);
}

/* Add the Message-IDs of a References or In-Reply-To value to out, without
 * angle brackets, cleaned. */
static void mail_ids(GMimeParserOptions *o, const char *value, GPtrArray *out)
{
	GMimeReferences *refs;
	int i;

	if (value == NULL)
		return;
	refs = g_mime_references_parse(o, value);
	for (i = 0; refs != NULL && i < g_mime_references_length(refs); i++) {
		char *id = mail_clean_header(g_mime_references_get_message_id(refs, i));

		if (*id != '\0' && strlen(id) < MAIL_MAX_ID)
			g_ptr_array_add(out, id);
		else
			g_free(id);
	}
	if (refs != NULL)
		g_mime_references_free(refs);
}

/* The primary subtag of the first tag of a language list ("pl-PL, en;q=0.5"
 * gives "pl"), lower-case; NULL unless it is 2 or 3 letters. */
static char *mail_language_tag(const char *v)
{
	size_t n;

	if (v == NULL)
		return NULL;
	v += strspn(v, " \t");
	n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	if (n < 2 || n > 3 || (v[n] != '\0' && strchr("-_,; \t", v[n]) == NULL))
		return NULL;
	return g_ascii_strdown(v, (gssize)n);
}

/* The language of the message: Content-Language, else Accept-Language. */
static char *mail_language(const struct mail *m)
{
	const char *v = mail_header(m, "Content-Language");

	if (v != NULL)
		return mail_language_tag(v);
	return mail_language_tag(mail_header(m, "Accept-Language"));
}

/* A new, empty struct mail around a parsed message. */
static struct mail *mail_new(GMimeMessage *msg, GMimeParserOptions *o)
{
	struct mail *m = g_new0(struct mail, 1);
	struct mail_priv *priv = g_new0(struct mail_priv, 1);

	priv->msg = msg;
	priv->options = o;
	priv->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	m->priv = priv;
	m->to = g_ptr_array_new_with_free_func(g_free);
	m->cc = g_ptr_array_new_with_free_func(g_free);
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->attachments = g_ptr_array_new();
	return m;
}

/* Fill the header fields of m from its message. */
static void mail_fill_headers(struct mail *m, GMimeMessage *msg, GMimeParserOptions *o)
{
	GPtrArray *irt = g_ptr_array_new_with_free_func(g_free);
	const char *id = g_mime_message_get_message_id(msg);	/* decoded, without <> */

	mail_first_address(g_mime_message_get_from(msg), &m->from_addr, &m->from_name);
	mail_first_address(g_mime_message_get_reply_to(msg), &m->reply_to_addr, NULL);
	mail_addresses(g_mime_message_get_to(msg), m->to, NULL, 0);
	mail_addresses(g_mime_message_get_cc(msg), m->cc, NULL, 0);
	m->subject = mail_clean_header(g_mime_message_get_subject(msg));	/* decoded */
	if (id != NULL) {
		m->message_id = mail_clean_header(id);
		if (*m->message_id == '\0' || strlen(m->message_id) >= MAIL_MAX_ID)
			g_clear_pointer(&m->message_id, g_free);
	}
	mail_ids(o, g_mime_object_get_header(GMIME_OBJECT(msg), "In-Reply-To"), irt);
	if (irt->len > 0)
		m->in_reply_to = g_strdup(g_ptr_array_index(irt, 0));
	g_ptr_array_free(irt, TRUE);
	mail_ids(o, g_mime_object_get_header(GMIME_OBJECT(msg), "References"), m->references);
	m->language = mail_language(m);
}

/* Whether a parsed message has at least one of the headers every mail has
 * some of: random bytes can look like a header ("n:\xe3...") to GMime. */
static bool mail_has_mail_header(GMimeMessage *msg)
{
	static const char *const names[] = {
		"From", "Sender", "Reply-To", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID",
		"In-Reply-To", "References", "Received", "Return-Path", "MIME-Version", NULL,
	};
	size_t i;

	for (i = 0; names[i] != NULL; i++)
		if (g_mime_object_get_header(GMIME_OBJECT(msg), names[i]) != NULL)
			return true;
	return false;
}

/* raw with every top-level header field cut to MAIL_FIELD_MAX bytes, at a
 * line end where it has one (whole continuation lines left out, so what is
 * left is still well formed); NULL when no field is that long. GMime grows
 * its header buffer a little at a time: bounded, no field costs more than
 * this whatever the allocator. *cut_r counts the fields cut. */
static char *mail_bound_fields(const char *raw, size_t len, size_t *len_r, size_t *cut_r)
{
	const char *p = raw, *end = raw + len, *field = raw;
	GString *out = NULL;
	size_t kept = 0;	/* bytes of raw before p already copied to out */

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;

		if (p[0] == '\n' || (p[0] == '\r' && p + 1 < end && p[1] == '\n'))
			break;	/* the empty line: the body follows */
		if (p[0] != ' ' && p[0] != '\t')
			field = p;	/* a new field starts */
		if ((size_t)(next - field) > MAIL_FIELD_MAX) {
			if (out == NULL)
				out = g_string_sized_new(len);
			g_string_append_len(out, raw + kept, p - (raw + kept));
			if (p == field || kept != (size_t)(p - raw))
				(*cut_r)++;	/* a field reaches the limit */
			if (p == field) {
				/* one line longer than the limit: cut it */
				g_string_append_len(out, p, MAIL_FIELD_MAX);
				g_string_append_c(out, '\n');
			}
			kept = (size_t)(next - raw);
		}
		p = next;
	}
	if (out == NULL)
		return NULL;
	g_string_append_len(out, raw + kept, (gssize)(len - kept));
	*len_r = out->len;
	return g_string_free(out, FALSE);
}

/* The note that ends body_text when parts were nested too deep: the one
 * place that says so, for agents (the raw message keeps every part). */
static char *mail_left_out_note(unsigned n)
{
	return g_strdup_printf("[postdesk: %u MIME %s nested deeper than %d levels %s left out;"
			       " the message is stored whole]\n",
			       n, n == 1 ? "part" : "parts", MAIL_MAX_DEPTH, n == 1 ? "was" : "were");
}

/* The note that ends body_text when a message had more attachments than
 * MAIL_MAX_ATTACHMENTS. */
static char *mail_attachments_note(unsigned n)
{
	return g_strdup_printf("[postdesk: %u %s after the first %d %s left out;"
			       " the message is stored whole]\n",
			       n, n == 1 ? "attachment" : "attachments", MAIL_MAX_ATTACHMENTS,
			       n == 1 ? "was" : "were");
}

/* End body_text with note (taken over), after a blank line. */
static void mail_add_note(struct mail *m, char *note)
{
	const char *sep = *m->body_text == '\0' ? "" : g_str_has_suffix(m->body_text, "\n") ? "\n" : "\n\n";
	char *with_note = g_strconcat(m->body_text, sep, note, NULL);

	g_free(note);
	g_free(m->body_text);
	m->body_text = with_note;
}

/* The bodies from the collected parts: body_text is the text/plain parts,
 * else the HTML as text; notes at its end say what nesting and the bound on
 * attachments left out. */
static void mail_finish_bodies(struct mail *m)
{
	struct mail_priv *priv = m->priv;

	if (priv->html != NULL)
		m->body_html = g_string_free(g_steal_pointer(&priv->html), FALSE);
	if (priv->text != NULL)
		m->body_text = g_string_free(g_steal_pointer(&priv->text), FALSE);
	else
		m->body_text = m->body_html ? html_to_text(m->body_html) : g_strdup("");
	if (priv->left_out > 0)
		mail_add_note(m, mail_left_out_note(priv->left_out));
	if (priv->attachments_left_out > 0)
		mail_add_note(m, mail_attachments_note(priv->attachments_left_out));
}

int mail_parse(const char *raw, size_t len, struct mail **mail_r, struct fault *f)
{
	char *bounded;
	size_t bounded_len = 0, cut = 0;
	struct mail *m;
	GMimeStream *stream;
	GMimeParser *parser;
	GMimeMessage *msg;
	GMimeParserOptions *o;
	GMimeObject *body;

	*mail_r = NULL;
	if (raw == NULL || len == 0)
		return fault_perm(f, "empty message");
	o = mail_options();
	bounded = mail_bound_fields(raw, len, &bounded_len, &cut);
	stream = g_mime_stream_mem_new_with_buffer(bounded ? bounded : raw, bounded ? bounded_len : len);
	parser = g_mime_parser_new_with_stream(stream);
	msg = g_mime_parser_construct_message(parser, o);
	g_object_unref(parser);
	g_object_unref(stream);
	g_free(bounded);
	if (msg == NULL || !mail_has_mail_header(msg)) {
		if (msg != NULL)
			g_object_unref(msg);
		g_mime_parser_options_free(o);
		return fault_perm(f, "not a mail message (no mail headers)");
	}
	m = mail_new(msg, o);
	m->fields_cut = cut;
	mail_fill_headers(m, msg, o);

	body = g_mime_message_get_mime_part(msg);
	if (body != NULL) {
		char *type = mail_type(body);
		const char *report_type = g_mime_object_get_content_type_parameter(body, "report-type");

		if (strcmp(type, "multipart/report") == 0 && report_type != NULL &&
		    g_ascii_strcasecmp(report_type, "delivery-status") == 0)
			m->report = g_new0(struct mail_report, 1);
		g_free(type);
		mail_walk(m, body, 0, false);
	}
	mail_finish_bodies(m);
	*mail_r = m;
	return 0;
}

const char *mail_header(const struct mail *m, const char *name)
{
	struct mail_priv *priv = m->priv;
	GMimeObject *top = g_mime_message_get_mime_part(priv->msg);
	const char *raw;
	char *key, *value, *decoded;

	key = g_ascii_strdown(name, -1);
	value = g_hash_table_lookup(priv->headers, key);
	if (value != NULL) {
		g_free(key);
		return value;
	}
	/* unfolded by GMime; 8-bit text already read with the fallback charsets */
	raw = g_mime_object_get_header(GMIME_OBJECT(priv->msg), name);
	if (raw == NULL && top != NULL)
		/* GMime files the Content-* headers under the top MIME part */
		raw = g_mime_object_get_header(top, name);
	if (raw == NULL) {
		g_free(key);
		return NULL;
	}
	decoded = g_mime_utils_header_decode_text(priv->options, raw);
	value = mail_clean_header(decoded);
	g_free(decoded);
	g_hash_table_insert(priv->headers, key, value);
	return value;
}

/* Free one attachment. */
static void mail_attachment_free(struct mail_attachment *a)
{
	g_free(a->filename);
	g_free(a->content_type);
	g_free(a->charset);
	g_free(a->content_id);
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
	if (priv->text != NULL)
		g_string_free(priv->text, TRUE);
	if (priv->html != NULL)
		g_string_free(priv->html, TRUE);
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

void mail_header_all(const struct mail *m, const char *name, size_t max, GPtrArray *out)
{
	struct mail_priv *priv = m->priv;
	GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(priv->msg));
	int i, n = list ? g_mime_header_list_get_count(list) : 0;

	for (i = 0; i < n && out->len < max; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(list, i);

		/* raw: a structured header is never RFC 2047 decoded (an encoded
		 * word must not turn into what it spells) */
		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0)
			g_ptr_array_add(out, mail_clean_header(g_mime_header_get_raw_value(h)));
	}
}

bool mail_date_offset(const struct mail *m, int *minutes_r)
{
	const char *date = mail_header(m, "Date");
	GDateTime *dt;
	gint64 offset;

	/* RFC 5322 3.3: "-0000" says the local zone is unknown */
	if (date == NULL || strstr(date, "-0000") != NULL || strlen(date) > 200)
		return false;
	dt = g_mime_utils_header_decode_date(date);
	if (dt == NULL)
		return false;
	offset = g_date_time_get_utc_offset(dt) / G_TIME_SPAN_MINUTE;
	g_date_time_unref(dt);
	if (offset < -720 || offset > 840)
		return false;
	*minutes_r = (int)offset;
	return true;
}
