/* compose.h: building outgoing messages with GMime: addresses and subject
 * encoded as RFC 2047 needs, a text/plain part and an HTML alternative in
 * UTF-8, attachments, and the headers that keep mail clients' threads and
 * loops right. */
#ifndef POSTDESK_COMPOSE_H
#define POSTDESK_COMPOSE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "fault.h"

/* One attachment, borrowed. Sent base64-encoded (the bytes arrive as they
 * are) with its filename (RFC 2231 in Content-Disposition, RFC 2047 in the
 * Content-Type name, as Thunderbird writes them); a message/rfc822 one as
 * the attached message it is. */
struct compose_attachment {
	const char *filename;		/* NULL: none */
	const char *content_type;	/* "type/subtype", parameters allowed ("; charset=..."); NULL or
					 * unreadable: application/octet-stream */
	const char *content_id;		/* without <>, NULL: none; kept as it is */
	bool inline_part;		/* Content-Disposition inline, else attachment */
	GBytes *content;
};

/* The message's structure: the body is text/plain, or multipart/alternative
 * [text/plain, text/html] with html. Attachments with a Content-ID that the
 * HTML refers to ("cid:ID") go with it as multipart/related [body, images];
 * all others after it, in multipart/mixed [body, attachments]. */
struct compose {
	const char *from_name;		/* display name, e.g. "Alice via Helpdesk" */
	const char *from_addr;
	const char *reply_to;		/* NULL: none */
	const char *const *to;		/* NULL-terminated */
	const char *const *cc;		/* NULL-terminated, may be NULL */
	const char *subject;
	const char *text;
	const char *html;		/* NULL: text only */
	const char *message_id;		/* without <> */
	const char *in_reply_to;	/* without <>, NULL: none */
	const char *const *references;	/* NULL-terminated ids without <>, may be NULL */
	const char *auto_submitted;	/* "auto-replied", "auto-generated" or NULL */
	const char *loop;		/* X-Postdesk-Loop value */
	const char *language;		/* Content-Language, NULL: none */
	const struct compose_attachment *attachments;	/* n_attachments of them, in order */
	size_t n_attachments;
};

/* Write the message as RFC 5322 text with CRLF line ends (g_free *raw_r). */
int compose_build(const struct compose *c, char **raw_r, size_t *len_r, struct fault *f);

#endif
