/* fuzz.c: the helpers every libFuzzer target of fuzz/ links (fuzz.h). */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

/* Where fuzz_touch() reads to: volatile, so the reads are not optimised away. */
static volatile unsigned char fuzz_sink;

/* The input up to its first NUL, as a C string. */
char *fuzz_string(const uint8_t *data, size_t size)
{
	return g_strndup((const char *)data, size);
}

/* Read every byte of a buffer. */
void fuzz_touch(const void *p, size_t len)
{
	const unsigned char *b = p;
	unsigned char acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc ^= b[i];
	fuzz_sink ^= acc;
}

/* Read every byte of a string, its NUL too. */
size_t fuzz_touch_str(const char *s)
{
	size_t len;

	if (s == NULL)
		return 0;
	len = strlen(s);
	fuzz_touch(s, len + 1);
	return len;
}

/* Report a broken invariant and abort. */
void fuzz_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: invariant broken: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Valid UTF-8, and one line when asked. */
void fuzz_check_text(const char *s, bool one_line, const char *what)
{
	size_t len = fuzz_touch_str(s);

	if (s == NULL)
		return;
	fuzz_assert(g_utf8_validate(s, (gssize)len, NULL), "%s is not valid UTF-8", what);
	fuzz_assert(!one_line || strpbrk(s, "\r\n") == NULL, "%s holds a CR or LF: '%s'", what, s);
}
