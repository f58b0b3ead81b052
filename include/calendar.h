/* calendar.h: business-hours calendars: a timezone, weekly hours, holidays. */
#ifndef POSTDESK_CALENDAR_H
#define POSTDESK_CALENDAR_H

#include "fault.h"

#define CALENDAR_MAX_SPANS 64

/* Business hours on one weekday (1 = Monday), in minutes since midnight. */
struct calendar_span {
	int weekday;
	int start_min;
	int end_min;		/* exclusive; 1440 means midnight at the end of the day */
};

struct calendar_week {
	int count;
	struct calendar_span spans[CALENDAR_MAX_SPANS];
};

/* Add the hours of a spec like "mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00"
 * to week. Overlapping hours on a day are an error. */
int calendar_parse_hours(const char *spec, struct calendar_week *week, struct fault *f);
/* Check that zone names a timezone in the system's tz database. */
int calendar_check_zone(const char *zone, struct fault *f);
/* Check a date written YYYY-MM-DD. */
int calendar_check_date(const char *date, struct fault *f);

/* A calendar for business-time arithmetic: a zone, weekly hours, holidays.
 * Instants are Unix seconds; local days and hours are those of the zone
 * (system tzdata), so weekends, holidays and DST changes fall where the
 * people of that zone see them. */
struct calendar;

/* A calendar in zone with the given weekly hours (at least one span) and no
 * holidays yet; NULL with a permanent fault for an unknown zone or no hours. */
struct calendar *calendar_new(const char *zone, const struct calendar_week *week, struct fault *f);
/* Free the calendar and set *cal to NULL. */
void calendar_free(struct calendar **cal);
/* Make the local day YYYY-MM-DD a holiday (no business hours). */
int calendar_add_holiday(struct calendar *cal, const char *date, struct fault *f);
/* The instant at which seconds of business time have passed from start
 * (start itself when seconds <= 0; the start of the next business hours
 * when start is outside them). With cal NULL, wall time: start + seconds.
 * Fails (permanent) when the calendar has no business hours for ten years
 * from start, e.g. when every day is a holiday. */
int calendar_add(const struct calendar *cal, long long start, long long seconds, long long *end_r,
		 struct fault *f);
/* The business seconds between instants a and b (0 when b <= a); wall
 * seconds with cal NULL. calendar_between(c, s, calendar_add(c, s, n)) == n. */
long long calendar_between(const struct calendar *cal, long long a, long long b);

#endif
