/* langguess.h: which language a text is written in, guessed with
 * libexttextcat's n-gram fingerprints (Cavnar and Trenkle), among the
 * languages the caller can answer in, and only when the guess is clear. */
#ifndef POSTDESK_LANGGUESS_H
#define POSTDESK_LANGGUESS_H

#include "fault.h"

/* A text needs this many letters (after what langguess_text() leaves out)
 * for a guess: one short sentence. */
#define LANGGUESS_MIN_LETTERS 20
/* At most this many bytes of the text are read, and at most
 * LANGGUESS_TEXT_MAX bytes of the words kept are compared, so that a
 * guess costs the same on a huge mail as on a page. */
#define LANGGUESS_SCAN_MAX (64 * 1024)
#define LANGGUESS_TEXT_MAX 4096

struct langguess;

/* A guesser for the fingerprints listed in DIR/fpdb.conf (libexttextcat-
 * data's layout: one "FILE.lm NAME" line each, NAME like "pl--utf8");
 * NULL for the directory found when postdesk was built. No fpdb.conf
 * there is a permanent failure. The fingerprints (1.5 MB, some 20 ms) are
 * read by the first guess, or by langguess_load(). */
struct langguess *langguess_new(const char *fingerprint_dir_or_NULL, struct fault *f);
/* Read the fingerprints now (once: a failure is kept, and then every
 * guess is NULL; the first guess logs it). */
int langguess_load(struct langguess *g, struct fault *f);
/* Free the fingerprints and set *g to NULL. */
void langguess_free(struct langguess **g);
/* The language tag among allowed (NULL-terminated, like "en", "pl",
 * "pt-br") that text is written in, as one of the strings of allowed; NULL
 * when not confident. Lines quoted with '>' and everything after a "-- "
 * signature line are left out, and so are addresses and URLs. Not
 * confident: fewer than LANGGUESS_MIN_LETTERS letters, no verdict from the
 * library (too short, or more than five languages about as likely), a
 * likeliest language that is not allowed, or two allowed languages about
 * as likely (within the library's 3%). A language allowed by its primary
 * subtag ("pt" for "pt-br") counts; Indonesian counts as Malay (and
 * Malay as Indonesian) and Scots as English when those are allowed and
 * the others are not: the models are close, and their readers read the
 * other. Not for two threads at once (the first guess loads). */
const char *langguess_text(struct langguess *g, const char *text, const char *const *allowed);

#endif
