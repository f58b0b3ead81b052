/* thread.c: deciding which case a message continues (DESIGN.md, "Threading
 * rules"). deliver gathers the facts; this file only weighs them. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>

#include "thread.h"

enum thread_how thread_pick(const struct thread_facts *facts, long long *case_r)
{
	*case_r = 0;
	if (facts->token_case > 0) {
		*case_r = facts->token_case;
		return THREAD_BY_TOKEN;
	}
	if (facts->signed_ref_case > 0) {
		*case_r = facts->signed_ref_case;
		return THREAD_BY_SIGNED_REFERENCE;
	}
	if (facts->stored_ref_case > 0) {
		*case_r = facts->stored_ref_case;
		return THREAD_BY_REFERENCE;
	}
	if (facts->subject_case > 0) {
		*case_r = facts->subject_case;
		return THREAD_BY_SUBJECT;
	}
	return THREAD_NEW;
}

const char *thread_how_name(enum thread_how how)
{
	switch (how) {
	case THREAD_NEW: return "new";
	case THREAD_BY_TOKEN: return "token";
	case THREAD_BY_SIGNED_REFERENCE: return "signed-reference";
	case THREAD_BY_REFERENCE: return "reference";
	case THREAD_BY_SUBJECT: return "subject-tag";
	}
	return "new";
}

enum thread_action thread_on_status(enum case_status status, long long closed_age, long long reopen_window)
{
	if (status == CASE_RESOLVED)
		return THREAD_REOPEN;
	if (status == CASE_CLOSED)
		return closed_age > reopen_window ? THREAD_NEW_LINKED : THREAD_REOPEN;
	return THREAD_APPEND;
}

/* Where a subject tag is looked for: our own tag is at the front and mail
 * clients only prepend "Re: ", "AW: ", "Fwd: " (the RFC 5322 line limit is
 * 998), so a tag must end within the first THREAD_TAG_SCAN bytes; what
 * follows is never looked at, however long the subject. */
#define THREAD_TAG_SCAN 1000

long long thread_subject_tag(const char *subject)
{
	const char *open = NULL, *hash = NULL;
	int hashes = 0;
	size_t i;

	/* the first well-formed "[... #N]": N right before the "]", no "[" or
	 * other "#" between the "[" and the "#". One pass, each "]" ends the
	 * candidate that began at the last "[" before it. */
	for (i = 0; i < THREAD_TAG_SCAN && subject[i] != '\0'; i++) {
		const char *p = subject + i;

		if (*p == '[') {
			open = p;
			hashes = 0;
		} else if (*p == '#' && open != NULL) {
			hash = p;
			hashes++;
		} else if (*p == ']' && open != NULL) {
			if (hashes == 1 && isdigit((unsigned char)hash[1]) && hash[1] != '0') {
				char *end;
				long long n;

				errno = 0;
				n = strtoll(hash + 1, &end, 10);
				if (errno == 0 && end == p)
					return n;
			}
			open = NULL;
		}
	}
	return 0;
}
