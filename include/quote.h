/* quote.h: trimming the quoted history from an agent's reply, so that the
 * customer gets the answer and not the whole conversation again. */
#ifndef POSTDESK_QUOTE_H
#define POSTDESK_QUOTE_H

/* The new text of a reply: everything before the first attribution line
 * ("On ... wrote:", Outlook's "-----Original Message-----" or "From:/Sent:"
 * block, Mutt's "* Name [date]:") and without a trailing block of "> "
 * lines. Returns a new string (g_free). */
char *quote_trim(const char *body);

#endif
