/* calendar.c: parsing business-hours calendars. */
#include <ctype.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"

static const char *const calendar_days[] = { "mon", "tue", "wed", "thu", "fri", "sat", "sun" };

/* The ISO weekday of a three-letter day name, or 0. */
static int calendar_day(const char *s, size_t len)
{
	int i;

	if (len != 3)
		return 0;
	for (i = 0; i < 7; i++)
		if (g_ascii_strncasecmp(s, calendar_days[i], 3) == 0)
			return i + 1;
	return 0;
}

/* Parse "HH:MM" (00:00 to 24:00) into minutes. */
static int calendar_time(const char *s, size_t len, int *min_r)
{
	int h, m;
	char tail;

	if (len != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	if (sscanf(s, "%2d:%2d%c", &h, &m, &tail) < 2 || m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*min_r = h * 60 + m;
	return 0;
}

/* Parse a day set "mon-fri" or "mon,wed,fri" or "sat" into a bit mask. */
static int calendar_days_mask(const char *s, unsigned *mask_r)
{
	char **parts = g_strsplit(s, ",", -1);
	unsigned mask = 0;
	int i, ret = 0;

	for (i = 0; parts[i] != NULL && ret == 0; i++) {
		char *dash = strchr(parts[i], '-');
		int a, b, d;

		if (dash != NULL) {
			a = calendar_day(parts[i], (size_t)(dash - parts[i]));
			b = calendar_day(dash + 1, strlen(dash + 1));
		} else {
			a = b = calendar_day(parts[i], strlen(parts[i]));
		}
		if (a == 0 || b == 0) {
			ret = -1;
			break;
		}
		for (d = a;; d = d % 7 + 1) {	/* "sat-mon" wraps over Sunday */
			mask |= 1u << d;
			if (d == b)
				break;
		}
	}
	g_strfreev(parts);
	*mask_r = mask;
	return ret == 0 && mask != 0 ? 0 : -1;
}

/* Add one span to week unless it overlaps another on that day. */
static int calendar_add(struct calendar_week *week, int day, int start, int end,
			const char *group, struct fault *f)
{
	int i;

	for (i = 0; i < week->count; i++) {
		const struct calendar_span *s = &week->spans[i];

		if (s->weekday == day && start < s->end_min && s->start_min < end)
			return fault_perm(f, "hours '%s' overlap other hours on %s", group,
					  calendar_days[day - 1]);
	}
	if (week->count == CALENDAR_MAX_SPANS)
		return fault_perm(f, "more than %d business-hour ranges", CALENDAR_MAX_SPANS);
	week->spans[week->count++] = (struct calendar_span){ day, start, end };
	return 0;
}

/* Parse one group "DAYS RANGE[,RANGE]..." into week. */
static int calendar_group(char *group, struct calendar_week *week, struct fault *f)
{
	char *sp = group + strcspn(group, " \t"), **ranges;
	unsigned mask;
	int i, d, ret = 0;

	if (*sp == '\0')
		return fault_perm(f, "hours '%s': expected days then times, e.g. 'mon-fri 09:00-17:00'", group);
	*sp++ = '\0';
	if (calendar_days_mask(group, &mask) < 0)
		return fault_perm(f, "hours: bad days '%s' (use mon..sun, ranges like mon-fri, lists like mon,wed)", group);
	ranges = g_strsplit(g_strstrip(sp), ",", -1);
	for (i = 0; ranges[i] != NULL && ret == 0; i++) {
		char *r = g_strstrip(ranges[i]), *dash = strchr(r, '-');
		int start, end;

		if (dash == NULL || calendar_time(r, (size_t)(dash - r), &start) < 0 ||
		    calendar_time(dash + 1, strlen(dash + 1), &end) < 0 || start >= end) {
			ret = fault_perm(f, "hours: bad time range '%s' (use HH:MM-HH:MM, start before end)", r);
			break;
		}
		for (d = 1; d <= 7 && ret == 0; d++)
			if (mask & (1u << d))
				ret = calendar_add(week, d, start, end, r, f);
	}
	g_strfreev(ranges);
	return ret;
}

int calendar_parse_hours(const char *spec, struct calendar_week *week, struct fault *f)
{
	char **groups = g_strsplit(spec, ";", -1);
	int i, ret = 0, seen = 0;

	for (i = 0; groups[i] != NULL && ret == 0; i++) {
		char *g = g_strstrip(groups[i]);

		if (*g == '\0')
			continue;
		seen++;
		ret = calendar_group(g, week, f);
	}
	g_strfreev(groups);
	if (ret == 0 && seen == 0)
		return fault_perm(f, "hours: empty specification");
	return ret;
}

int calendar_check_zone(const char *zone, struct fault *f)
{
	GTimeZone *tz;

	if (*zone == '\0' || strstr(zone, "..") != NULL)
		return fault_perm(f, "'%s' is not a timezone", zone);
	tz = g_time_zone_new_identifier(zone);
	if (tz == NULL)
		return fault_perm(f, "unknown timezone '%s' (expected a tz database name like Europe/Warsaw)", zone);
	g_time_zone_unref(tz);
	return 0;
}

int calendar_check_date(const char *date, struct fault *f)
{
	int y, m, d;
	char tail;

	if (strlen(date) != 10 || sscanf(date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
	    !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y) || date[4] != '-' || date[7] != '-')
		return fault_perm(f, "bad date '%s' (expected YYYY-MM-DD)", date);
	return 0;
}
