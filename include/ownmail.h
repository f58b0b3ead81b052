/* ownmail.h: postdesk's own mail inside an agent's answer. An agent who
 * replies to a notification quotes it; whatever the reply extraction
 * misses, no line of a mail postdesk sent to agents may reach the customer
 * (DESIGN.md, "Trust"). Pure logic. */
#ifndef POSTDESK_OWNMAIL_H
#define POSTDESK_OWNMAIL_H

#include <stddef.h>

/* The answer without the lines that are lines of ours (the texts postdesk
 * sent to agents about the case) and not lines of theirs (the customer's
 * texts, which an interleaved answer may quote): compared with quote
 * markers (">", "|"), case and runs of white space left out; lines of fewer than
 * OWNMAIL_MIN_CHARS letters and digits are never dropped. Both lists are
 * NULL-terminated. *dropped_r counts the lines left out. Returns a new
 * string (g_free). Linear in the total size. */
char *ownmail_strip(const char *answer, const char *const *ours, const char *const *theirs, size_t *dropped_r);

#define OWNMAIL_MIN_CHARS 8

#endif
