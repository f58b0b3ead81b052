/* duration.c: parsing and printing of durations and byte sizes. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

static const struct {
	char unit;
	long long seconds;
} duration_units[] = {
	{ 'w', 7 * 86400 }, { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
};

/* Read a non-negative decimal number at *p, advancing it. */
static int duration_number(const char **p, long long *n_r)
{
	char *end;
	long long n;

	if (!isdigit((unsigned char)**p))
		return -1;
	errno = 0;
	n = strtoll(*p, &end, 10);
	if (errno != 0)
		return -1;
	*p = end;
	*n_r = n;
	return 0;
}

int duration_parse(const char *text, long long *seconds_r, struct fault *f)
{
	const char *p = text;
	long long total = 0, n;
	size_t i;

	if (*p == '\0')
		return fault_perm(f, "empty duration");
	while (*p != '\0') {
		if (duration_number(&p, &n) < 0)
			return fault_perm(f, "bad duration '%s' (expected e.g. 30m, 4h, 3d)", text);
		if (*p == '\0') {
			if (total != 0 || strpbrk(text, "wdhms") != NULL)
				return fault_perm(f, "bad duration '%s': number without a unit", text);
			total = n;	/* a bare number: seconds */
			break;
		}
		for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++)
			if (duration_units[i].unit == *p)
				break;
		if (i == sizeof(duration_units) / sizeof(duration_units[0]))
			return fault_perm(f, "bad duration '%s': unknown unit '%c' (use s, m, h, d, w)",
					  text, *p);
		if (n > (LLONG_MAX - total) / duration_units[i].seconds)
			return fault_perm(f, "duration '%s' is too large", text);
		total += n * duration_units[i].seconds;
		p++;
	}
	*seconds_r = total;
	return 0;
}

void duration_format(long long seconds, char *buf, size_t size)
{
	size_t i, len = 0;

	if (seconds == 0) {
		snprintf(buf, size, "0s");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < sizeof(duration_units) / sizeof(duration_units[0]); i++) {
		long long n = seconds / duration_units[i].seconds;

		if (n == 0 || (duration_units[i].unit == 'w' && seconds % (7 * 86400) != 0))
			continue;	/* weeks only when exact: "10d" reads better than "1w3d" */
		seconds -= n * duration_units[i].seconds;
		if (len < size)
			len += snprintf(buf + len, size - len, "%lld%c", n, duration_units[i].unit);
	}
}

int duration_parse_size(const char *text, long long *bytes_r, struct fault *f)
{
	const char *p = text;
	long long n, mult = 1;

	if (duration_number(&p, &n) < 0)
		return fault_perm(f, "bad size '%s' (expected e.g. 512k, 10M)", text);
	switch (*p) {
	case '\0': break;
	case 'k': case 'K': mult = 1024; p++; break;
	case 'M': mult = 1024 * 1024; p++; break;
	case 'G': mult = 1024LL * 1024 * 1024; p++; break;
	default:
		return fault_perm(f, "bad size '%s': unknown suffix (use k, M, G)", text);
	}
	if (*p != '\0')
		return fault_perm(f, "bad size '%s'", text);
	if (n > LLONG_MAX / mult)
		return fault_perm(f, "size '%s' is too large", text);
	*bytes_r = n * mult;
	return 0;
}

void duration_format_size(long long bytes, char *buf, size_t size)
{
	static const char *const units[] = { "KB", "MB", "GB", "TB" };
	long long unit = 1024;
	size_t i = 0;

	if (bytes < 1024) {
		snprintf(buf, size, "%lld B", bytes < 0 ? 0 : bytes);
		return;
	}
	/* the unit in which the rounded number is below 1024 */
	while (i + 1 < sizeof(units) / sizeof(units[0]) && (bytes + unit / 2) / unit >= 1024) {
		unit *= 1024;
		i++;
	}
	if (bytes < 10 * unit - unit / 20) {
		long long tenths = (bytes * 10 + unit / 2) / unit;

		snprintf(buf, size, "%lld.%lld %s", tenths / 10, tenths % 10, units[i]);
	} else {
		snprintf(buf, size, "%lld %s", (bytes + unit / 2) / unit, units[i]);
	}
}
