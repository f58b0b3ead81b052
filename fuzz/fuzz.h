/* fuzz.h: what the libFuzzer targets in fuzz/ share: the entry point
 * libFuzzer calls, the input as a C string, reading every byte of a result
 * (so that AddressSanitizer sees a bad length or a freed buffer) and
 * invariants that stop the run with a report. */
#ifndef POSTDESK_FUZZ_H
#define POSTDESK_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, one call per input; each target defines it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input up to its first NUL as a new NUL-terminated string (g_free). */
char *fuzz_string(const uint8_t *data, size_t size);
/* Read len bytes at p, one by one. */
void fuzz_touch(const void *p, size_t len);
/* Read a string to its NUL (nothing for NULL); returns its length. */
size_t fuzz_touch_str(const char *s);
/* Report a broken invariant at file:line and abort: libFuzzer keeps the
 * input as a crash. */
void fuzz_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
/* Unless cond holds, report the printf-style message and abort. */
#define fuzz_assert(cond, ...) \
	do { \
		if (!(cond)) \
			fuzz_fail_at(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)
/* Check that s (may be NULL) is valid UTF-8, and with one_line that it has no
 * CR or LF either (a header value); what names it in the report. */
void fuzz_check_text(const char *s, bool one_line, const char *what);

#endif
