/* test_calendar.c: business-hours specifications, zones and dates. */
#include "calendar.h"
#include "tap.h"

/* Parse spec and return the number of spans, or -1. */
static int spans(const char *spec, struct calendar_week *w)
{
	struct fault f = { 0 };

	*w = (struct calendar_week){ 0 };
	return calendar_parse_hours(spec, w, &f) < 0 ? -1 : w->count;
}

int main(void)
{
	struct calendar_week w;
	struct fault f = { 0 };

	tap_ok(spans("mon-fri 09:00-17:00", &w) == 5, "mon-fri is five spans");
	tap_ok(w.spans[0].weekday == 1 && w.spans[0].start_min == 540 && w.spans[0].end_min == 1020,
	       "monday 09:00-17:00 in minutes");
	tap_ok(w.spans[4].weekday == 5, "last span is friday");
	tap_ok(spans("mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00", &w) == 11,
	       "split days and a saturday");
	tap_ok(spans("sat-mon 00:00-24:00", &w) == 3, "sat-mon wraps over sunday");
	tap_ok(spans("mon,wed,fri 08:00-16:00", &w) == 3, "day list");
	tap_ok(w.spans[1].weekday == 3, "wednesday in the list");
	tap_ok(spans("MON 09:00-10:00", &w) == 1, "day names in any case");
	tap_ok(spans("mon 09:00-17:00; mon 16:00-18:00", &w) == -1, "overlap rejected");
	tap_ok(spans("mon 09:00-12:00,12:00-13:00", &w) == 2, "touching ranges are fine");
	tap_ok(spans("mon 17:00-09:00", &w) == -1, "end before start rejected");
	tap_ok(spans("mon 9:00-17:00", &w) == -1, "H:MM rejected (HH:MM)");
	tap_ok(spans("mon 09:00-24:01", &w) == -1, "past 24:00 rejected");
	tap_ok(spans("mon 09:60-10:00", &w) == -1, "minute 60 rejected");
	tap_ok(spans("funday 09:00-10:00", &w) == -1, "unknown day rejected");
	tap_ok(spans("mon-fri", &w) == -1, "days without times rejected");
	tap_ok(spans("", &w) == -1, "empty spec rejected");
	tap_ok(calendar_check_zone("Europe/Warsaw", &f) == 0, "Europe/Warsaw is a zone");
	tap_ok(calendar_check_zone("UTC", &f) == 0, "UTC is a zone");
	tap_ok(calendar_check_zone("Mars/Olympus", &f) < 0, "Mars/Olympus is not: %s", f.text);
	tap_ok(calendar_check_zone("../../etc/passwd", &f) < 0, "path tricks rejected");
	tap_ok(calendar_check_date("2026-12-24", &f) == 0, "2026-12-24 is a date");
	tap_ok(calendar_check_date("2026-02-29", &f) < 0, "2026-02-29 is not");
	tap_ok(calendar_check_date("2028-02-29", &f) == 0, "2028-02-29 is (leap year)");
	tap_ok(calendar_check_date("2026-1-5", &f) < 0, "2026-1-5 rejected");
	tap_ok(calendar_check_date("2026-12-24x", &f) < 0, "trailing junk rejected");
	return tap_done();
}
