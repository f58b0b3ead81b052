/* calendar.c: business-hours calendars: parsing them, and business-time
 * arithmetic in their timezone (weekends, holidays, DST changes). */
#include <ctype.h>
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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
static int calendar_add_span(struct calendar_week *week, int day, int start, int end,
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
				ret = calendar_add_span(week, d, start, end, r, f);
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

/* The most days calendar_add walks before giving up: ten years. */
#define CALENDAR_MAX_DAYS 3660
/* The instants the walk handles: 0001-01-03 to 9980-01-01 UTC, so that local
 * days and ten years of walking stay within GDateTime's years 1 to 9999. */
#define CALENDAR_MIN_T (-62135596800LL + 2 * 86400)
#define CALENDAR_MAX_T 252771148800LL

struct calendar {
	GTimeZone *tz;
	struct calendar_week week;	/* sorted by weekday, then start */
	GArray *holidays;		/* guint32 Julian day numbers, sorted */
};

/* Order spans by weekday, then start. */
static int calendar_span_cmp(const void *a, const void *b)
{
	const struct calendar_span *x = a, *y = b;

	if (x->weekday != y->weekday)
		return x->weekday - y->weekday;
	return x->start_min - y->start_min;
}

/* Check that a week has hours and that each span is a part of a day. */
static int calendar_check_week(const struct calendar_week *week, const char *zone, struct fault *f)
{
	int i;

	if (week->count <= 0 || week->count > CALENDAR_MAX_SPANS)
		return fault_perm(f, "calendar in %s has no business hours", zone);
	for (i = 0; i < week->count; i++) {
		const struct calendar_span *s = &week->spans[i];

		if (s->weekday < 1 || s->weekday > 7 || s->start_min < 0 || s->start_min >= s->end_min ||
		    s->end_min > 1440)
			return fault_perm(f, "calendar in %s: bad hours (weekday %d, minutes %d-%d)", zone,
					  s->weekday, s->start_min, s->end_min);
	}
	return 0;
}

struct calendar *calendar_new(const char *zone, const struct calendar_week *week, struct fault *f)
{
	struct calendar *cal;

	if (calendar_check_zone(zone, f) < 0 || calendar_check_week(week, zone, f) < 0)
		return NULL;
	cal = g_new0(struct calendar, 1);
	cal->tz = g_time_zone_new_identifier(zone);
	cal->week = *week;
	qsort(cal->week.spans, (size_t)cal->week.count, sizeof(cal->week.spans[0]), calendar_span_cmp);
	cal->holidays = g_array_new(FALSE, FALSE, sizeof(guint32));
	return cal;
}

void calendar_free(struct calendar **cal)
{
	if (*cal == NULL)
		return;
	g_time_zone_unref((*cal)->tz);
	g_array_free((*cal)->holidays, TRUE);
	g_free(*cal);
	*cal = NULL;
}

/* Order Julian day numbers. */
static int calendar_julian_cmp(gconstpointer a, gconstpointer b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

	return x < y ? -1 : x > y;
}

int calendar_add_holiday(struct calendar *cal, const char *date, struct fault *f)
{
	int y, m, d;
	guint32 julian;
	GDate day;

	if (calendar_check_date(date, f) < 0 || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
		return -1;
	g_date_clear(&day, 1);
	g_date_set_dmy(&day, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	julian = g_date_get_julian(&day);
	g_array_append_val(cal->holidays, julian);
	g_array_sort(cal->holidays, calendar_julian_cmp);
	return 0;
}

/* Whether the local day is a holiday. */
static bool calendar_holiday(const struct calendar *cal, const GDate *day)
{
	guint32 julian = g_date_get_julian(day);
	guint lo = 0, hi = cal->holidays->len;

	while (lo < hi) {
		guint mid = (lo + hi) / 2;
		guint32 v = g_array_index(cal->holidays, guint32, mid);

		if (v == julian)
			return true;
		if (v < julian)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* The instant of minute min (0 to 1440) of a local day. A local time that
 * does not exist (DST gap) is moved on by GLib; 1440 is the next midnight. */
static long long calendar_instant(const struct calendar *cal, const GDate *day, int min)
{
	GDate d = *day;
	GDateTime *dt;
	long long t;

	if (min >= 1440) {
		g_date_add_days(&d, 1);
		min -= 1440;
	}
	dt = g_date_time_new(cal->tz, g_date_get_year(&d), g_date_get_month(&d), g_date_get_day(&d),
			     min / 60, min % 60, 0);
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* Walking the business hours day by day from a local day on. */
struct calendar_walk {
	const struct calendar *cal;
	GDate day;
	int days;	/* days walked */
	int max_days;	/* days to walk at most */
	int next;	/* the next span of the week to look at on this day */
};

/* Start a walk of at most max_days days on the local day of instant t. */
static void calendar_walk_start(struct calendar_walk *w, const struct calendar *cal, long long t, int max_days)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(t), *local = g_date_time_to_timezone(utc, cal->tz);

	w->cal = cal;
	w->days = 0;
	w->max_days = max_days;
	w->next = 0;
	g_date_clear(&w->day, 1);
	g_date_set_dmy(&w->day, (GDateDay)g_date_time_get_day_of_month(local),
		       (GDateMonth)g_date_time_get_month(local), (GDateYear)g_date_time_get_year(local));
	g_date_time_unref(local);
	g_date_time_unref(utc);
}

/* The next business span [*s, *e) that ends after t, cut to start at t at
 * the earliest; -1 when none comes within the walk's days. */
static int calendar_walk_next(struct calendar_walk *w, long long t, long long *s, long long *e)
{
	const struct calendar_week *week = &w->cal->week;

	while (w->days < w->max_days) {
		int wd = (int)g_date_get_weekday(&w->day);	/* 1 = Monday, as in the week */

		while (w->next < week->count && !calendar_holiday(w->cal, &w->day)) {
			const struct calendar_span *span = &week->spans[w->next++];

			if (span->weekday != wd)
				continue;
			*s = calendar_instant(w->cal, &w->day, span->start_min);
			*e = calendar_instant(w->cal, &w->day, span->end_min);
			if (*e <= t || *e <= *s)
				continue;
			if (*s < t)
				*s = t;
			return 0;
		}
		g_date_add_days(&w->day, 1);
		w->days++;
		w->next = 0;
	}
	return -1;
}

int calendar_add(const struct calendar *cal, long long start, long long seconds, long long *end_r,
		 struct fault *f)
{
	struct calendar_walk w;
	long long t = start, left = seconds, s, e;

	*end_r = start;
	if (seconds <= 0)
		return 0;
	if (cal == NULL) {
		*end_r = start + seconds;
		return 0;
	}
	if (start < CALENDAR_MIN_T || start > CALENDAR_MAX_T)
		return fault_perm(f, "instant %lld is outside the years the calendar covers", start);
	calendar_walk_start(&w, cal, start, CALENDAR_MAX_DAYS);
	while (calendar_walk_next(&w, t, &s, &e) == 0) {
		if (e - s >= left) {
			*end_r = s + left;
			return 0;
		}
		left -= e - s;
		t = e;
	}
	return fault_perm(f, "the calendar has no business hours left within %d days", CALENDAR_MAX_DAYS);
}

long long calendar_between(const struct calendar *cal, long long a, long long b)
{
	struct calendar_walk w;
	long long t, total = 0, s, e;

	if (b <= a)
		return 0;
	if (cal == NULL)
		return b - a;
	t = a = a < CALENDAR_MIN_T ? CALENDAR_MIN_T : a;
	b = b > CALENDAR_MAX_T ? CALENDAR_MAX_T : b;
	if (b <= a)
		return 0;
	calendar_walk_start(&w, cal, a, (int)((b - a) / 86400) + 3);	/* local days a to b, DST days too */
	while (calendar_walk_next(&w, t, &s, &e) == 0 && s < b) {
		total += (e < b ? e : b) - s;
		t = e;
	}
	return total;
}
