/* compose.c: outgoing messages built with GMime. Every value that may have
 * come from a customer is cleaned of CR, LF and NUL before it becomes a
 * header; GMime does the RFC 2047 and transfer encodings. */
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
