/* duration.h: durations like "30m", "4h", "3d", "1h30m" and sizes like "10M". */
#ifndef POSTDESK_DURATION_H
#define POSTDESK_DURATION_H

#include <stddef.h>

#include "fault.h"

/* Parse a duration into seconds: a sequence of NUMBER UNIT with units
 * s, m, h, d, w; a bare number means seconds. */
int duration_parse(const char *text, long long *seconds_r, struct fault *f);
/* Write seconds in the shortest exact form ("1d4h", "90s" becomes "1m30s"). */
void duration_format(long long seconds, char *buf, size_t size);
/* Parse a byte size: a number with an optional k, M or G suffix (powers of 1024). */
int duration_parse_size(const char *text, long long *bytes_r, struct fault *f);
/* Write a byte size for people in powers of 1024, as the parser reads them:
 * "517 B", "1.5 KB", "48 KB", "10 MB" (one decimal below 10 of a unit). */
void duration_format_size(long long bytes, char *buf, size_t size);

#endif
