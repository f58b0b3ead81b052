/* tap.h: a minimal TAP producer for the C unit tests. A failure says where
 * (file:line of the call) and, for tap_is and tap_int, what was got. */
#ifndef POSTDESK_TAP_H
#define POSTDESK_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>

static int tap_n, tap_failed;

/* Print one result line; a failure is counted and shows FILE:LINE. */
__attribute__((format(printf, 4, 0)))
static int tap_vok_at(const char *file, int line, int cond, const char *fmt, va_list ap)
{
	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	vprintf(fmt, ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		printf("#   at %s:%d\n", file, line);
	}
	return cond;
}

/* Report one test called at FILE:LINE; returns cond. */
__attribute__((format(printf, 4, 5), unused))
static int tap_ok_at(const char *file, int line, int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cond = tap_vok_at(file, line, cond, fmt, ap);
	va_end(ap);
	return cond;
}

/* Report one test; returns cond so callers can add diagnostics. */
#define tap_ok(cond, ...) tap_ok_at(__FILE__, __LINE__, (cond), __VA_ARGS__)

/* Compare two integers called at FILE:LINE, showing both on failure. */
__attribute__((format(printf, 5, 6), unused))
static int tap_int_at(const char *file, int line, long long got, long long want,
		      const char *fmt, ...)
{
	va_list ap;
	int cond;

	va_start(ap, fmt);
	cond = tap_vok_at(file, line, got == want, fmt, ap);
	va_end(ap);
	if (!cond)
		printf("# got:  %lld\n# want: %lld\n", got, want);
	return cond;
}

/* Compare two integers as long long; returns whether they are equal. */
#define tap_int(got, want, ...) tap_int_at(__FILE__, __LINE__, (got), (want), __VA_ARGS__)

/* Compare two strings, showing both on failure. */
#define tap_is(got, want, ...) do { \
	const char *tap_g = (got), *tap_w = (want); \
	if (!tap_ok(tap_g != NULL && tap_w != NULL ? strcmp(tap_g, tap_w) == 0 : tap_g == tap_w, __VA_ARGS__)) \
		printf("# got:  '%s'\n# want: '%s'\n", tap_g ? tap_g : "(null)", tap_w ? tap_w : "(null)"); \
} while (0)

/* Whether secs is within a deadline of limit seconds. Such a deadline
 * catches work that grows faster than its input (a quadratic loop at these
 * sizes takes minutes), it is no speed target (those are in make bench):
 * TAP_TIME_SCALE (set by tests/run-all.sh for the valgrind and sanitizer
 * runs) stretches it for slow builds. */
static inline int tap_within(double secs, double limit)
{
	const char *scale = getenv("TAP_TIME_SCALE");
	double k = scale != NULL ? atof(scale) : 1.0;

	return secs < limit * (k > 1.0 ? k : 1.0);
}

/* Print the plan at the end and give the exit status. */
static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed == 0 ? 0 : 1;
}

#endif
