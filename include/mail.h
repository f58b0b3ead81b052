/* mail.h: one incoming message parsed with GMime: the headers threading and
 * classification need (decoded to UTF-8, stripped of CR, LF and NUL), the
 * readable text, the HTML, the attachments, and delivery-report details. */
#ifndef POSTDESK_MAIL_H
#define POSTDESK_MAIL_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "fault.h"

struct mail_attachment {
	char *filename;		/* decoded from RFC 2231/2047, cleaned; NULL when none */
	char *content_type;	/* "type/subtype", lower-case */
	char *charset;		/* of a text part, cleaned; NULL when not given */
	char *content_id;	/* Content-ID without <>, cleaned; NULL when none */
	bool inline_part;	/* shown in the body: Content-Disposition inline, or
				 * none inside multipart/related */
	GBytes *content;	/* the decoded bytes */
};

/* Attachments kept per message at most: the parts after these are left out
 * (body_text ends with a note saying how many; the raw message keeps them). */
#define MAIL_MAX_ATTACHMENTS 1000

/* A delivery status notification (RFC 3464) found in the message. */
struct mail_report {
	char *original_message_id;	/* of the message that bounced, without <> */
	char *recipient;		/* Final-Recipient address, lower-case */
	char *action;			/* "failed", "delayed", "delivered", ... */
	char *status;			/* "5.1.1" */
	char *diagnostic;		/* Diagnostic-Code text */
};

/* Read-only for everyone but mail.c. Strings are UTF-8, never NULL unless
 * said; addresses are bare and lower-case. */
struct mail {
	char *from_addr;		/* NULL when there is no usable From */
	char *from_name;		/* display name, NULL when none */
	char *reply_to_addr;		/* NULL when none */
	GPtrArray *to;			/* char *, addresses from To */
	GPtrArray *cc;			/* char *, addresses from Cc */
	char *subject;			/* "" when absent */
	char *message_id;		/* without angle brackets; NULL when absent */
	char *in_reply_to;		/* the first id in In-Reply-To; NULL when absent */
	GPtrArray *references;		/* char *, ids from References, oldest first */
	char *language;			/* primary tag of Content-Language, else
					 * Accept-Language, lower-case ("pl"); NULL */
	char *body_text;		/* best text/plain, else the HTML as text; "" when none;
					 * ends with a "[postdesk: N MIME parts nested deeper
					 * than 32 levels were left out; ...]" note when so,
					 * and a "[postdesk: N attachments ... left out" one */
	char *body_html;		/* the text/html part, NULL when none */
	GPtrArray *attachments;		/* struct mail_attachment *, in the order of the
					 * message, at most MAIL_MAX_ATTACHMENTS */
	struct mail_report *report;	/* NULL unless multipart/report delivery-status */
	size_t fields_cut;		/* top-level header fields read only up to MAIL_FIELD_MAX */
	void *priv;			/* the GMime message, for mail_header() */
};

/* A top-level header field (its first line and its continuation lines)
 * is read up to this many bytes; the rest of it is left out (Postfix keeps
 * at most 100 KB of a header, header_size_limit). */
#define MAIL_FIELD_MAX (256 * 1024)

/* Parse raw RFC 5322 bytes. Fails (permanent) only when there is nothing
 * GMime can read as a message; the caller then quarantines the raw bytes. */
int mail_parse(const char *raw, size_t len, struct mail **mail_r, struct fault *f);
/* Free a parsed message and set *mail to NULL. */
void mail_free(struct mail **mail);
/* The value of a top-level header (first occurrence), unfolded, decoded and
 * cleaned; NULL when absent. Valid until mail_free(). */
const char *mail_header(const struct mail *mail, const char *name);
/* The UTC offset (minutes) of the Date field, the writer's local time:
 * false when there is none, it cannot be read, says "-0000" (unknown)
 * or lies outside -12:00..+14:00. */
bool mail_date_offset(const struct mail *mail, int *minutes_r);
/* The raw values of every top-level header called name, topmost first,
 * unfolded and cleaned but not decoded, at most max of them, appended to
 * out (g_free each). */
void mail_header_all(const struct mail *mail, const char *name, size_t max, GPtrArray *out);
/* Text in charset (NULL or unknown: guess) as valid UTF-8; invalid bytes
 * become U+FFFD. Returns a new string (g_free). */
char *mail_to_utf8(const char *text, size_t len, const char *charset);
/* A copy of s without CR, LF and NUL (CR/LF become spaces), for reuse in
 * headers. Returns a new string (g_free). */
char *mail_clean_header(const char *s);

#endif
