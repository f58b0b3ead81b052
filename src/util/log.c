/* log.c: one-line log records to stderr or syslog, printf-checked. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static enum log_target log_target = LOG_TO_STDERR;

static const struct {
	const char *name;
	int facility;
} log_facilities[] = {
	{ "mail", LOG_MAIL }, { "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 }, { "local2", LOG_LOCAL2 },
	{ "local3", LOG_LOCAL3 }, { "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
};

int log_open(enum log_target target, const char *facility, struct fault *f)
{
	size_t i;

	log_target = target;
	if (target != LOG_TO_SYSLOG)
		return 0;
	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]); i++) {
		if (strcmp(log_facilities[i].name, facility) == 0) {
			openlog("postdesk", LOG_PID | LOG_NDELAY, log_facilities[i].facility);
			return 0;
		}
	}
	log_target = LOG_TO_STDERR;
	return fault_perm(f, "unknown syslog facility '%s'", facility);
}

void log_close(void)
{
	if (log_target == LOG_TO_SYSLOG)
		closelog();
	log_target = LOG_TO_STDERR;
}

/* Emit one record at a syslog priority. */
static FAULT_PRINTF(3, 0) void log_emit(int priority, const char *level, const char *fmt, va_list ap)
{
	char line[2048];

	vsnprintf(line, sizeof(line), fmt, ap);
	if (log_target == LOG_TO_SYSLOG) {
		syslog(priority, "%s%s%s", level ? level : "", level ? ": " : "", line);
		return;
	}
	fprintf(stderr, "postdesk[%ld]: %s%s%s\n", (long)getpid(),
		level ? level : "", level ? ": " : "", line);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void log_warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_WARNING, "warning", fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_ERR, "error", fmt, ap);
	va_end(ap);
}

void log_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, "panic", fmt, ap);
	va_end(ap);
	abort();
}
