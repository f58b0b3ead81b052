/* thread.h: the threading decision: which case a message belongs to, from
 * facts gathered beforehand (token, references, subject tag, participants).
 * Pure logic, no I/O, so that every rule is tested alone. */
#ifndef POSTDESK_THREAD_H
#define POSTDESK_THREAD_H

#include <stdbool.h>

#include "model.h"

/* What deliver found out before deciding; case ids are 0 when absent. */
struct thread_facts {
	long long token_case;		/* named by a valid token in the recipient address */
	long long signed_ref_case;	/* named by a signed Message-ID of ours in
					 * In-Reply-To/References */
	long long stored_ref_case;	/* a stored message referenced, of a case the
					 * sender takes part in */
	long long subject_case;		/* the subject tag's case, when the sender
					 * takes part in it */
};

enum thread_how {
	THREAD_NEW,		/* no rule matched: a new case */
	THREAD_BY_TOKEN,
	THREAD_BY_SIGNED_REFERENCE,
	THREAD_BY_REFERENCE,
	THREAD_BY_SUBJECT,
};

/* What a follow-up does to the case it names. */
enum thread_action {
	THREAD_APPEND,		/* add to the case as it is */
	THREAD_REOPEN,		/* resolved, or closed recently: open again */
	THREAD_NEW_LINKED,	/* closed too long ago: a new case linked to it */
};

/* Apply the rules in order: token, signed reference, stored reference,
 * subject tag. Fills *case_r (0 for a new case). */
enum thread_how thread_pick(const struct thread_facts *facts, long long *case_r);
/* The name of a rule for logs and events ("token", "references"). */
const char *thread_how_name(enum thread_how how);
/* What customer mail does to a case in status, closed closed_age seconds ago
 * (ignored unless closed), given the configured reopen window. */
enum thread_action thread_on_status(enum case_status status, long long closed_age, long long reopen_window);
/* The case number of the first "[Name #123]" tag in a subject, or 0; only
 * a tag that ends within the first 1000 bytes counts (one pass, bounded). */
long long thread_subject_tag(const char *subject);

#endif
