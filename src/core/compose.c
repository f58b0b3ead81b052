/* compose.c: outgoing messages built with GMime. Every value that may have
 * come from a customer is cleaned of CR, LF and NUL before it becomes a
 * header; GMime does the RFC 2047, RFC 2231 and transfer encodings. */
#include <gmime/gmime.h>
#include <string.h>

#include "classify.h"
#include "compose.h"
#include "mail.h"

/* Set a header to a cleaned value. */
static void compose_header(GMimeObject *obj, const char *name, const char *value)
{
	char *clean = mail_clean_header(value);

	g_mime_object_set_header(obj, name, clean, "utf-8");
	g_free(clean);
}

/* Add cleaned addresses to one of the message's address lists. */
static void compose_addresses(GMimeMessage *msg, GMimeAddressType type, const char *const *addrs)
{
	for (; addrs != NULL && *addrs != NULL; addrs++) {
		char *clean = mail_clean_header(*addrs);

		g_mime_message_add_mailbox(msg, type, NULL, clean);
		g_free(clean);
	}
}

/* "<a> <b> <c>" for In-Reply-To and References. */
static char *compose_ids(const char *const *ids, const char *last)
{
	GString *s = g_string_new(NULL);

	for (; ids != NULL && *ids != NULL; ids++)
		g_string_append_printf(s, "%s<%s>", s->len ? " " : "", *ids);
	if (last != NULL)
		g_string_append_printf(s, "%s<%s>", s->len ? " " : "", last);
	return g_string_free(s, FALSE);
}

/* A UTF-8 text part of the given subtype. */
static GMimeObject *compose_text_part(const char *subtype, const char *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);

	g_mime_text_part_set_text(part, text);	/* sets charset=utf-8 */
	g_mime_part_set_content_encoding(GMIME_PART(part), GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return GMIME_OBJECT(part);
}

/* Add the ids of every "cid:" URL in html to ids (RFC 2392: percent-encoded;
 * the id as written and decoded both), in one pass. */
static void compose_cid_refs(const char *html, GHashTable *ids)
{
	const char *p;

	for (p = html; p != NULL && (p = strchr(p, ':')) != NULL; p++) {
		size_t n;
		char *id, *decoded;

		if (p - html < 3 || g_ascii_strncasecmp(p - 3, "cid", 3) != 0)
			continue;
		n = strcspn(p + 1, "\"'<> \t\r\n)");
		if (n == 0)
			continue;
		id = g_strndup(p + 1, n);
		decoded = g_uri_unescape_string(id, NULL);
		if (decoded != NULL)
			g_hash_table_add(ids, decoded);
		g_hash_table_add(ids, id);
		p += n;
	}
}

/* The Content-Type of an attachment, application/octet-stream when it has
 * none or it cannot be read as "type/subtype". */
static GMimeContentType *compose_content_type(const char *value)
{
	char *clean = mail_clean_header(value ? value : "");
	GMimeContentType *ct = *clean ? g_mime_content_type_parse(NULL, clean) : NULL;
	const char *type = ct ? g_mime_content_type_get_media_type(ct) : NULL;
	const char *sub = ct ? g_mime_content_type_get_media_subtype(ct) : NULL;

	g_free(clean);
	if (type == NULL || sub == NULL || *type == '\0' || *sub == '\0' || strchr(value, '/') == NULL) {
		if (ct != NULL)
			g_object_unref(ct);
		ct = g_mime_content_type_new("application", "octet-stream");
	}
	return ct;
}

/* An attached message as a message/rfc822 part (RFC 2046 allows no base64
 * there); NULL when its bytes are not a message. */
static GMimeObject *compose_message_part(GBytes *content)
{
	gsize len;
	const char *data = g_bytes_get_data(content, &len);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data ? data : "", len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *inner = len > 0 ? g_mime_parser_construct_message(parser, NULL) : NULL;
	GMimeMessagePart *part = NULL;

	if (inner != NULL) {
		part = g_mime_message_part_new_with_message("rfc822", inner);
		g_object_unref(inner);
	}
	g_object_unref(parser);
	g_object_unref(stream);
	return part ? GMIME_OBJECT(part) : NULL;
}

/* One attachment as a MIME part: its bytes base64-encoded (an attached
 * message as it is), its filename, disposition and Content-ID. */
static GMimeObject *compose_attachment_part(const struct compose_attachment *a)
{
	GMimeContentType *ct = compose_content_type(a->content_type);
	GMimeContentDisposition *disp = g_mime_content_disposition_new();
	GMimeObject *obj = NULL;
	char *filename = a->filename ? mail_clean_header(a->filename) : NULL;

	if (g_ascii_strcasecmp(g_mime_content_type_get_media_type(ct), "message") == 0 &&
	    g_ascii_strcasecmp(g_mime_content_type_get_media_subtype(ct), "rfc822") == 0)
		obj = compose_message_part(a->content);
	if (obj == NULL) {
		gsize len;
		const char *data = g_bytes_get_data(a->content, &len);
		GMimePart *part = g_mime_part_new();
		GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data ? data : "", len);
		GMimeDataWrapper *w = g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);

		if (g_ascii_strcasecmp(g_mime_content_type_get_media_type(ct), "message") == 0 ||
		    g_ascii_strcasecmp(g_mime_content_type_get_media_type(ct), "multipart") == 0) {
			/* not a message after all, or a container type: opaque bytes */
			g_object_unref(ct);
			ct = g_mime_content_type_new("application", "octet-stream");
		}
		g_mime_part_set_content(part, w);
		g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
		g_object_unref(w);
		g_object_unref(stream);
		obj = GMIME_OBJECT(part);
	}
	g_mime_object_set_content_type(obj, ct);
	g_mime_content_disposition_set_disposition(disp, a->inline_part ? GMIME_DISPOSITION_INLINE :
						   GMIME_DISPOSITION_ATTACHMENT);
	if (filename != NULL && *filename != '\0') {
		GMimeParam *name, *fn;

		g_mime_content_disposition_set_parameter(disp, "filename", filename);	/* RFC 2231 */
		g_mime_content_type_set_parameter(ct, "name", filename);
		/* old Outlook reads the name in RFC 2047 words, not RFC 2231; both
		 * in UTF-8 (GMime would pick the smallest charset that fits) */
		name = g_mime_param_list_get_parameter(g_mime_content_type_get_parameters(ct), "name");
		fn = g_mime_param_list_get_parameter(g_mime_content_disposition_get_parameters(disp), "filename");
		if (name != NULL) {
			g_mime_param_set_encoding_method(name, GMIME_PARAM_ENCODING_METHOD_RFC2047);
			g_mime_param_set_charset(name, "UTF-8");
		}
		if (fn != NULL)
			g_mime_param_set_charset(fn, "UTF-8");
	}
	g_mime_object_set_content_disposition(obj, disp);
	if (a->content_id != NULL) {
		char *cid = mail_clean_header(a->content_id);

		if (*cid != '\0')
			g_mime_object_set_content_id(obj, cid);
		g_free(cid);
	}
	g_object_unref(disp);
	g_object_unref(ct);
	g_free(filename);
	return obj;
}

/* body with the attachments around it: the inline ones the HTML refers to
 * in multipart/related [body, images], then multipart/mixed [that, the
 * others]. Takes over body; returns the new top part. */
static GMimeObject *compose_with_attachments(const struct compose *c, GMimeObject *body)
{
	GHashTable *refs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GMimeMultipart *related = NULL, *mixed = NULL;
	size_t i;

	if (c->html != NULL)
		compose_cid_refs(c->html, refs);
	for (i = 0; i < c->n_attachments; i++) {
		const struct compose_attachment *a = &c->attachments[i];
		GMimeObject *part = compose_attachment_part(a);
		/* an image the HTML shows; Outlook marks some of them "attachment" */
		bool in_related = a->content_id != NULL && g_hash_table_contains(refs, a->content_id);
		GMimeMultipart **group = in_related ? &related : &mixed;

		if (*group == NULL) {
			*group = g_mime_multipart_new_with_subtype(in_related ? "related" : "mixed");
			if (in_related)
				g_mime_object_set_content_type_parameter(GMIME_OBJECT(*group), "type",
									 "multipart/alternative");
		}
		g_mime_multipart_add(*group, part);
		g_object_unref(part);
	}
	g_hash_table_destroy(refs);
	if (related != NULL) {
		g_mime_multipart_insert(related, 0, body);
		g_object_unref(body);
		body = GMIME_OBJECT(related);
	}
	if (mixed != NULL) {
		g_mime_multipart_insert(mixed, 0, body);
		g_object_unref(body);
		body = GMIME_OBJECT(mixed);
	}
	return body;
}

int compose_build(const struct compose *c, char **raw_r, size_t *len_r, struct fault *f)
{
	GMimeMessage *msg;
	GMimeObject *body;
	GMimeFormatOptions *fmt;
	GDateTime *now;
	char *name, *subject, *from, *refs, *raw;

	if (c->from_addr == NULL || c->to == NULL || c->to[0] == NULL || c->message_id == NULL)
		return fault_perm(f, "compose: From, To and Message-ID are required");
	g_mime_init();	/* idempotent; mail.c may not have run */
	msg = g_mime_message_new(TRUE);
	name = mail_clean_header(c->from_name ? c->from_name : "");
	from = mail_clean_header(c->from_addr);
	g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, *name ? name : NULL, from);
	g_free(name);
	g_free(from);
	if (c->reply_to != NULL)
		compose_addresses(msg, GMIME_ADDRESS_TYPE_REPLY_TO, (const char *[]){ c->reply_to, NULL });
	compose_addresses(msg, GMIME_ADDRESS_TYPE_TO, c->to);
	compose_addresses(msg, GMIME_ADDRESS_TYPE_CC, c->cc);
	subject = mail_clean_header(c->subject ? c->subject : "");
	g_mime_message_set_subject(msg, subject, "utf-8");
	g_free(subject);
	now = g_date_time_new_now_local();
	g_mime_message_set_date(msg, now);
	g_date_time_unref(now);
	g_mime_message_set_message_id(msg, c->message_id);
	if (c->in_reply_to != NULL) {
		refs = compose_ids(NULL, c->in_reply_to);
		compose_header(GMIME_OBJECT(msg), "In-Reply-To", refs);
		g_free(refs);
	}
	if ((c->references != NULL && c->references[0] != NULL) || c->in_reply_to != NULL) {
		refs = compose_ids(c->references, c->in_reply_to);
		compose_header(GMIME_OBJECT(msg), "References", refs);
		g_free(refs);
	}
	if (c->auto_submitted != NULL) {
		compose_header(GMIME_OBJECT(msg), "Auto-Submitted", c->auto_submitted);
		/* ask Exchange and others not to answer automatic mail */
		compose_header(GMIME_OBJECT(msg), "X-Auto-Response-Suppress", "All");
	}
	if (c->loop != NULL)
		compose_header(GMIME_OBJECT(msg), CLASSIFY_LOOP_HEADER, c->loop);
	if (c->html != NULL) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype("alternative");
		GMimeObject *text = compose_text_part("plain", c->text ? c->text : "");
		GMimeObject *html = compose_text_part("html", c->html);

		g_mime_multipart_add(alt, text);
		g_mime_multipart_add(alt, html);
		g_object_unref(text);
		g_object_unref(html);
		body = GMIME_OBJECT(alt);
	} else {
		body = compose_text_part("plain", c->text ? c->text : "");
	}
	if (c->language != NULL)
		compose_header(body, "Content-Language", c->language);
	if (c->n_attachments > 0)
		body = compose_with_attachments(c, body);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	fmt = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fmt, GMIME_NEWLINE_FORMAT_DOS);
	raw = g_mime_object_to_string(GMIME_OBJECT(msg), fmt);
	g_mime_format_options_free(fmt);
	g_object_unref(msg);
	*len_r = strlen(raw);
	*raw_r = raw;
	return 0;
}
