/* compose.h: building outgoing messages with GMime: addresses and subject
 * encoded as RFC 2047 needs, a text/plain part and an HTML alternative in
 * UTF-8, and the headers that keep mail clients' threads and loops right. */
#ifndef POSTDESK_COMPOSE_H
#define POSTDESK_COMPOSE_H

#include <stddef.h>

#include "fault.h"

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
};

/* Write the message as RFC 5322 text with CRLF line ends (g_free *raw_r). */
int compose_build(const struct compose *c, char **raw_r, size_t *len_r, struct fault *f);

#endif
