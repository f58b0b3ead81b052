/* attach.h: the attachments of a case between its two sides. Their content
 * is kept only in the raw message they came in (sql/005_attachments.sql), so
 * they are read back from there with mail_parse(): one reading of "the
 * attachments of a message", at delivery and after. Also: which of an
 * agent's attachments may go to the customer, and what one costs in a mail. */
#ifndef POSTDESK_ATTACH_H
#define POSTDESK_ATTACH_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#include "compose.h"
#include "fault.h"
#include "mail.h"

struct db;
struct keyring;

/* Attachments one mail carries at most; more are listed, not attached. */
#define ATTACH_MAIL_MAX 100
/* What one attachment's MIME headers add to a mail, counted against limits. */
#define ATTACH_PART_OVERHEAD 512

/* One attachment of a case as stored; its content is read on demand. */
struct attach_ref {
	long long n;		/* as "postdesk case show" numbers it, from 1 */
	long long message;	/* the row id of the message it came in */
	int index;		/* its place among that message's attachments, from 1 */
	char *filename;		/* NULL when none */
	char *content_type;
	long long size;		/* decoded bytes */
	bool customer;		/* a customer's incoming mail brought it */
};

/* Append the case's attachments, in order, to refs (an array of struct
 * attach_ref; attach_refs_clear() after). No such case, or a case whose mail
 * retention purged, is a permanent failure that says so. */
int attach_list(struct db *db, long long case_id, GArray *refs, struct fault *f);
/* Free what the refs hold and empty the array. */
void attach_refs_clear(GArray *refs);

/* Called for each attachment read back: with a (valid during the call), or
 * with a NULL and why it cannot be read (the raw message is gone, or no
 * longer holds an attachment of that type and size at that place). */
typedef int attach_fn(void *ctx, const struct attach_ref *ref, const struct mail_attachment *a, const char *why,
		      struct fault *f);
/* Read n refs back from their raw messages, in order, calling fn for each;
 * a message is read and parsed once for each run of refs into it. */
int attach_read(struct db *db, const struct attach_ref *refs, size_t n, attach_fn *fn, void *ctx,
		struct fault *f);

/* Why an agent's attachment must not go to the customer, NULL when it may:
 * a copy of a mail postdesk sent (an attached message, also inside attached
 * messages, whose Message-ID postdesk signed or that carries postdesk's loop
 * header: Outlook's "forward as attachment" of a notification), or the
 * signature of the agent's own mail (S/MIME, OpenPGP), which cannot verify
 * on the relayed one. */
const char *attach_refusal(const struct keyring *ring, const struct mail_attachment *a);
/* The bytes an attachment of size bytes adds to a mail: base64 with its
 * line ends, and ATTACH_PART_OVERHEAD. */
long long attach_cost(long long size);
/* a as a compose attachment, borrowing a's strings and bytes; a text
 * part's charset goes with its type into *type_r (g_free). */
void attach_compose(const struct mail_attachment *a, struct compose_attachment *c, char **type_r);

#endif
