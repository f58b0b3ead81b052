/* quote.h: the agent's new text in a reply, so that the customer gets the
 * answer and not the whole conversation again: found above the quoted
 * history (top-posting), below a leading quote (bottom-posting) or between
 * quoted lines (interleaved), in the styles of Gmail, Outlook, Thunderbird,
 * Apple Mail, iOS and Windows Mail and Mutt, in en, pl, cs, ms, de, fr, es,
 * it, pt and nl. */
#ifndef POSTDESK_QUOTE_H
#define POSTDESK_QUOTE_H

#include <stdbool.h>

struct quote_reply {
	char *text;		/* the agent's new text, with the quoted lines kept where the agent
				 * interleaved; trailing history, attribution lines and a leading
				 * bottom-post quote dropped; no signature; ends with "\n" or is "" */
	char *signature;	/* the lines after a "-- " line in the new text, NULL when none */
	bool interleaved;	/* quoted lines were kept */
};

/* The new text of body (NULL is ""), line by line (CR LF as LF, trailing
 * white space dropped), into *out (quote_reply_clear() it):
 * - The history starts at the first unquoted line that is an Outlook rule
 *   ("-----Original Message-----" and its translations, Thunderbird's
 *   "-------- Original Message --------", a row of underscores before a
 *   header block), an Outlook header block ("From:" then "Sent:"/"Date:"
 *   within 4 lines, in each language, also "*From:*"), or a full
 *   attribution with a date and time and an address or a known opening
 *   ("On ... wrote:", "W dniu ... pisze:", "Am ... schrieb ...:", ...,
 *   Mutt's "* Name <addr> [2026-11-22 10:00]:") that is not followed by a
 *   quoted line. Everything from there on is dropped.
 * - Other attribution lines (also "Jan Kowalski wrote:"), on one line or
 *   wrapped over two, count only when a quoted line follows them; they are
 *   dropped.
 * - The first "-- " line (or "--": clients that trim trailing spaces) in
 *   the new text ends it: the lines after it, up to the next quoted or
 *   attribution line, are the signature, the rest is history.
 * - Of what is left, quoted lines ("> ") after the last line of new text
 *   are trailing history and dropped. The reply is interleaved when quoted
 *   lines stand between two lines of new text, or both before and after
 *   the new text (the answer was put inside the quote): then each block of
 *   quoted lines that new text follows keeps its last paragraph (after its
 *   last empty or rule line: the part the answer below refers to), without
 *   the attribution lines quoted in it, and the other quoted lines go.
 *   Otherwise (quoted lines only before the new text: bottom-posted; only
 *   after it: top-posted) no quoted line is kept.
 * Lines such as "Sent from my iPhone" are the agent's text and stay.
 * Linear in the length of body. */
void quote_reply(const char *body, struct quote_reply *out);
/* Free what r holds and zero it. */
void quote_reply_clear(struct quote_reply *r);
/* Whether line (or line joined with next, which may be NULL: a client
 * wrapped it) is an attribution with a date and time ("On ... wrote:" and
 * the like, Mutt's "* Name [date]:") or an Outlook/Thunderbird separator
 * rule, in any client and language quote.c knows. */
bool quote_is_attribution(const char *line, const char *next);

#endif
