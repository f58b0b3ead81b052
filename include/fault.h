/* fault.h: the error convention. Functions return 0 on success and -1 on
 * failure, filling a struct fault that says whether retrying may help. */
#ifndef POSTDESK_FAULT_H
#define POSTDESK_FAULT_H

enum fault_kind {
	FAULT_NONE = 0,
	FAULT_TEMPORARY,	/* may clear up: database down, timeout, no memory */
	FAULT_PERMANENT,	/* will fail again the same way: bad data, bad config */
	FAULT_USAGE,		/* bad command line */
	FAULT_NOUSER,		/* the recipient matches no queue */
};

struct fault {
	enum fault_kind kind;
	char text[512];
};

#define FAULT_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Record a failure of the given kind; always returns -1 for tail calls. */
int fault_set(struct fault *f, enum fault_kind kind, const char *fmt, ...) FAULT_PRINTF(3, 4);
/* Shorthands for the two common kinds; both return -1. */
int fault_temp(struct fault *f, const char *fmt, ...) FAULT_PRINTF(2, 3);
int fault_perm(struct fault *f, const char *fmt, ...) FAULT_PRINTF(2, 3);
/* Put "context: " in front of the recorded text, keeping the kind. */
void fault_prefix(struct fault *f, const char *fmt, ...) FAULT_PRINTF(2, 3);
/* Forget any recorded failure. */
void fault_clear(struct fault *f);

#endif
