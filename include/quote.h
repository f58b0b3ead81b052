/* quote.h: trimming the quoted history from an agent's reply, so that the
 * customer gets the answer and not the whole conversation again. */
#ifndef POSTDESK_QUOTE_H
#define POSTDESK_QUOTE_H

#include <stdbool.h>

/* The new text of a reply: everything before the first attribution line
 * ("On ... wrote:", Outlook's "-----Original Message-----" or "From:/Sent:"
 * block, Mutt's "* Name [date]:") and without a trailing block of "> "
 * lines. Returns a new string (g_free). */
char *quote_trim(const char *body);
/* Whether line (or line joined with next, which may be NULL: a client
 * wrapped it) is an attribution or separator line that starts quoted
 * history, in any client and language quote.c knows. */
bool quote_is_attribution(const char *line, const char *next);

#endif
