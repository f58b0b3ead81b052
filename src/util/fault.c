/* fault.c: recording failures with their kind (temporary or permanent). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fault.h"

/* Format a failure text into f with the given kind. */
static FAULT_PRINTF(3, 0) int fault_vset(struct fault *f, enum fault_kind kind, const char *fmt, va_list ap)
{
	f->kind = kind;
	vsnprintf(f->text, sizeof(f->text), fmt, ap);
	return -1;
}

int fault_set(struct fault *f, enum fault_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vset(f, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int fault_temp(struct fault *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vset(f, FAULT_TEMPORARY, fmt, ap);
	va_end(ap);
	return -1;
}

int fault_perm(struct fault *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fault_vset(f, FAULT_PERMANENT, fmt, ap);
	va_end(ap);
	return -1;
}

void fault_prefix(struct fault *f, const char *fmt, ...)
{
	char old[sizeof(f->text)];
	size_t n;
	va_list ap;

	memcpy(old, f->text, sizeof(old));
	va_start(ap, fmt);
	n = (size_t)vsnprintf(f->text, sizeof(f->text), fmt, ap);
	va_end(ap);
	if (n + 2 >= sizeof(f->text))
		return;
	memcpy(f->text + n, ": ", 2);
	n += 2;
	old[sizeof(old) - n - 1] = '\0';	/* keep what fits */
	memcpy(f->text + n, old, strlen(old) + 1);
}

void fault_clear(struct fault *f)
{
	f->kind = FAULT_NONE;
	f->text[0] = '\0';
}
