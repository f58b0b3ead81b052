/* log.h: one-line log records in the spirit of Postfix, to stderr or syslog. */
#ifndef POSTDESK_LOG_H
#define POSTDESK_LOG_H

#include "fault.h"

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_SYSLOG,
};

/* Choose where records go; facility is a syslog facility name ("mail"). */
int log_open(enum log_target target, const char *facility, struct fault *f);
/* Stop logging to syslog (if open). */
void log_close(void);
/* Records at each severity; stderr records read "postdesk[pid]: level: text". */
void log_info(const char *fmt, ...) FAULT_PRINTF(1, 2);
void log_warning(const char *fmt, ...) FAULT_PRINTF(1, 2);
void log_error(const char *fmt, ...) FAULT_PRINTF(1, 2);
/* A bug: log and abort. */
void log_panic(const char *fmt, ...) FAULT_PRINTF(1, 2) __attribute__((noreturn));

#endif
