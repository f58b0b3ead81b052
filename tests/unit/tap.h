/* tap.h: a minimal TAP producer for the C unit tests. */
#ifndef POSTDESK_TAP_H
#define POSTDESK_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

/* Report one test; returns cond so callers can add diagnostics. */
__attribute__((format(printf, 2, 3)))
static int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		tap_failed++;
	return cond;
}

/* Compare two strings, showing both on failure. */
#define tap_is(got, want, ...) do { \
	const char *tap_g = (got), *tap_w = (want); \
	if (!tap_ok(tap_g != NULL && tap_w != NULL ? strcmp(tap_g, tap_w) == 0 : tap_g == tap_w, __VA_ARGS__)) \
		printf("# got:  '%s'\n# want: '%s'\n", tap_g ? tap_g : "(null)", tap_w ? tap_w : "(null)"); \
} while (0)

/* Print the plan at the end and give the exit status. */
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}

#endif
