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

#endif
