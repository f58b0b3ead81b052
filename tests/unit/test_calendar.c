/* test_calendar.c: business-hours specifications, zones and dates, and
 * business-time arithmetic across weekends, holidays and DST changes. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "calendar.h"
#include "tap.h"

/* Parse spec and return the number of spans, or -1. */
static int spans(const char *spec, struct calendar_week *w)
{
	struct fault f = { 0 };

	*w = (struct calendar_week){ 0 };
	return calendar_parse_hours(spec, w, &f) < 0 ? -1 : w->count;
}

/* A calendar in zone with hours spec and holidays (NULL-terminated). */
static struct calendar *cal_new(const char *zone, const char *spec, const char *const *holidays)
{
	struct calendar_week w = { 0 };
	struct fault f = { 0 };
	struct calendar *cal;

	if (calendar_parse_hours(spec, &w, &f) < 0)
		return NULL;
	cal = calendar_new(zone, &w, &f);
	for (; cal != NULL && holidays != NULL && *holidays != NULL; holidays++)
		calendar_add_holiday(cal, *holidays, &f);
	return cal;
}

/* The instant of a local time "YYYY-MM-DD HH:MM" in zone. */
static long long at(const char *zone, const char *local)
{
	GTimeZone *tz = g_time_zone_new_identifier(zone);
	int y, mo, d, h, mi;
	GDateTime *dt;
	long long t;

	sscanf(local, "%d-%d-%d %d:%d", &y, &mo, &d, &h, &mi);
	dt = g_date_time_new(tz, y, mo, d, h, mi, 0);
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	g_time_zone_unref(tz);
	return t;
}

/* An instant as local "YYYY-MM-DD HH:MM" in zone (static buffer). */
static const char *local(const char *zone, long long t)
{
	static char buf[4][32];
	static int i;
	GTimeZone *tz = g_time_zone_new_identifier(zone);
	GDateTime *utc = g_date_time_new_from_unix_utc(t), *dt = g_date_time_to_timezone(utc, tz);
	gchar *s = g_date_time_format(dt, "%Y-%m-%d %H:%M");

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s", s);
	g_free(s);
	g_date_time_unref(dt);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);
	return buf[i];
}

/* calendar_add from a local time, as a local time. */
static const char *add(const struct calendar *cal, const char *zone, const char *from, long long seconds)
{
	static struct fault f;
	long long end;

	if (calendar_add(cal, at(zone, from), seconds, &end, &f) < 0)
		return f.text;
	return local(zone, end);
}

#define H 3600LL
#define WAW "Europe/Warsaw"

/* Weekends, holidays, inside and outside hours, several ranges a day. */
static void test_add(void)
{
	static const char *const monday_off[] = { "2026-11-23", NULL };
	static const char *const xmas[] = { "2026-12-24", "2026-12-25", "2026-12-26", "2027-01-01", NULL };
	struct calendar *c = cal_new(WAW, "mon-fri 09:00-17:00", NULL);
	struct calendar *hol = cal_new(WAW, "mon-fri 09:00-17:00", monday_off);
	struct calendar *split = cal_new(WAW, "mon-fri 09:00-12:00,13:00-17:00", NULL);
	struct calendar *year = cal_new(WAW, "mon-fri 09:00-17:00", xmas);

	tap_is(add(c, WAW, "2026-11-20 16:30", 4 * H), "2026-11-23 12:30", "Friday 16:30 + 4h = Monday 12:30");
	tap_is(add(hol, WAW, "2026-11-20 16:30", 4 * H), "2026-11-24 12:30", "... Tuesday 12:30 when Monday is a holiday");
	tap_is(add(c, WAW, "2026-11-24 10:00", 2 * H), "2026-11-24 12:00", "inside hours with room left");
	tap_is(add(c, WAW, "2026-11-24 17:00", 1 * H), "2026-11-25 10:00", "at closing time: from the next opening");
	tap_is(add(c, WAW, "2026-11-24 07:00", 1 * H), "2026-11-24 10:00", "before opening: from the opening");
	tap_is(add(c, WAW, "2026-11-21 11:00", 1 * H), "2026-11-23 10:00", "on Saturday: from Monday's opening");
	tap_is(add(c, WAW, "2026-11-21 11:00", 0), "2026-11-21 11:00", "zero: the start itself, even outside hours");
	tap_is(add(c, WAW, "2026-11-21 11:00", -5), "2026-11-21 11:00", "negative: the start itself");
	tap_is(add(c, WAW, "2026-11-24 09:00", 8 * H), "2026-11-24 17:00", "a full day ends at closing, not next morning");
	tap_is(add(c, WAW, "2026-11-24 09:00", 8 * H + 60), "2026-11-25 09:01", "a minute more: next morning");
	tap_is(add(c, WAW, "2026-11-23 09:00", 40 * H), "2026-11-27 17:00", "a business week");
	tap_is(add(split, WAW, "2026-11-24 11:30", 1 * H), "2026-11-24 13:30", "lunch break skipped");
	tap_is(add(split, WAW, "2026-11-24 12:15", 30 * 60), "2026-11-24 13:30", "starting in the break");
	tap_is(add(year, WAW, "2026-12-23 16:00", 2 * H), "2026-12-28 10:00", "Christmas holidays and the weekend skipped");
	tap_is(add(year, WAW, "2026-12-31 16:00", 2 * H), "2027-01-04 10:00", "New Year's Day and the weekend skipped");
	tap_is(add(NULL, WAW, "2026-11-21 11:00", 2 * H), "2026-11-21 13:00", "no calendar: wall time");
	calendar_free(&c);
	calendar_free(&hol);
	calendar_free(&split);
	calendar_free(&year);
	tap_ok(c == NULL, "calendar_free clears the pointer");
	calendar_free(&c);
}

/* Whether add and between agree for starts every 15 minutes over the local
 * days from..to (exclusive) and durations of 1 to 300 minutes. */
static int inverse_over(const struct calendar *cal, const char *zone, const char *from, const char *to)
{
	struct fault f = { 0 };
	long long s, e, prev, n, last = at(zone, to);
	int bad = 0;

	for (s = at(zone, from); s < last; s += 900) {
		prev = s;
		for (n = 60; n <= 300 * 60; n += 7 * 60 + 13) {
			if (calendar_add(cal, s, n, &e, &f) < 0 || e < prev || calendar_between(cal, s, e) != n) {
				if (bad++ < 3)
					printf("# %s: start %s + %llds\n", zone, local(zone, s), n);
			}
			prev = e;
		}
	}
	return bad == 0;
}

/* Hours that start or end in the hour that is skipped or repeated. GLib
 * moves a skipped local time to the end of the gap (02:00-02:59 -> 03:00)
 * and takes a repeated one in standard time (the second 02:00-02:59). */
static void test_dst_edges(void)
{
	struct calendar *gap = cal_new(WAW, "sun 02:30-03:30", NULL);
	struct calendar *twice = cal_new(WAW, "sun 02:00-03:00", NULL);
	struct calendar *all = cal_new(WAW, "mon-sun 00:00-24:00", NULL);
	struct calendar *night = cal_new(WAW, "mon-sun 01:00-02:30,02:45-04:00", NULL);
	long long spring = at(WAW, "2026-03-29 00:00"), autumn = at(WAW, "2026-10-25 00:00"), first;

	tap_int(calendar_between(gap, spring, spring + 24 * H), 30 * 60,
	        "02:30-03:30 in the spring gap: the 30 minutes that exist");
	tap_int(calendar_between(twice, autumn, autumn + 25 * H), H, "02:00-03:00 on the autumn Sunday: one hour");
	first = at(WAW, "2026-10-25 01:30") + H;	/* 02:30 summer time, the first of the two */
	tap_is(local(WAW, first), "2026-10-25 02:30", "the first 02:30 of the autumn Sunday");
	tap_int(calendar_between(twice, first, first + H), 30 * 60, "... is before 02:00-03:00 standard time");
	tap_ok(inverse_over(all, WAW, "2026-03-28 00:00", "2026-03-31 00:00") &&
	       inverse_over(all, WAW, "2026-10-24 00:00", "2026-10-27 00:00"),
	       "all hours: add and between agree every 15 minutes over both changes");
	tap_ok(inverse_over(night, WAW, "2026-03-28 00:00", "2026-03-31 00:00") &&
	       inverse_over(night, WAW, "2026-10-24 00:00", "2026-10-27 00:00"),
	       "night hours around the changed hour: add and between agree, add grows with n");
	calendar_free(&gap);
	calendar_free(&twice);
	calendar_free(&all);
	calendar_free(&night);
}

/* DST changes in Europe/Warsaw: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00. */
static void test_dst(void)
{
	struct calendar *all = cal_new(WAW, "mon-sun 00:00-24:00", NULL);
	struct calendar *office = cal_new(WAW, "mon-fri 09:00-17:00", NULL);
	struct calendar *night = cal_new(WAW, "sun 01:00-04:00", NULL);
	long long a = at(WAW, "2026-03-29 00:00"), b = at(WAW, "2026-03-30 00:00");

	tap_is(add(all, WAW, "2026-10-24 12:00", 24 * H), "2026-10-25 11:00", "autumn: the 25-hour day");
	tap_is(add(all, WAW, "2026-03-28 12:00", 24 * H), "2026-03-29 13:00", "spring: the 23-hour day");
	tap_is(add(office, WAW, "2026-10-23 16:00", 2 * H), "2026-10-26 10:00", "a weekend DST change leaves office hours alone");
	tap_is(add(office, WAW, "2026-03-27 16:00", 2 * H), "2026-03-30 10:00", "... in spring too");
	tap_int(calendar_between(all, a, b), 23 * H, "spring Sunday holds 23 business hours");
	tap_int(calendar_between(night, a, b), 2 * H, "01:00-04:00 on the spring Sunday is 2 real hours");
	tap_int(calendar_between(all, at(WAW, "2026-10-25 00:00"), at(WAW, "2026-10-26 00:00")), 25 * H,
	        "autumn Sunday holds 25");
	tap_int(calendar_between(night, at(WAW, "2026-10-25 00:00"), at(WAW, "2026-10-26 00:00")), 4 * H,
	        "01:00-04:00 on the autumn Sunday is 4 real hours");
	tap_ok(calendar_between(office, at(WAW, "2026-03-23 00:00"), at(WAW, "2026-04-06 00:00")) == 80 * H &&
	       calendar_between(office, at(WAW, "2026-10-19 00:00"), at(WAW, "2026-11-02 00:00")) == 80 * H,
	       "office weeks around both changes: 40h each");
	tap_is(add(office, WAW, "2026-03-30 09:00", 8 * H), "2026-03-30 17:00", "Monday after the change: 8h");
	calendar_free(&all);
	calendar_free(&office);
	calendar_free(&night);
	test_dst_edges();
}

/* Sao Paulo changed at midnight until 2019: 2018-11-04 00:00 -> 01:00 (no
 * midnight that day), 2018-02-18 00:00 -> 2018-02-17 23:00 (23:00 twice). */
static void test_midnight_dst(void)
{
	static const char sp[] = "America/Sao_Paulo";
	struct calendar *all = cal_new(sp, "mon-sun 00:00-24:00", NULL);
	struct calendar *early = cal_new(sp, "sun 00:00-02:00", NULL);
	struct calendar *office = cal_new(sp, "mon-fri 09:00-17:00", NULL);

	tap_int(calendar_between(all, at(sp, "2018-11-03 00:00"), at(sp, "2018-11-05 00:00")), 47 * H,
	        "Sao Paulo: the weekend without a midnight holds 47h");
	tap_int(calendar_between(early, at(sp, "2018-11-03 00:00"), at(sp, "2018-11-05 00:00")), H,
	        "... and sun 00:00-02:00 that day one hour");
	tap_int(calendar_between(all, at(sp, "2018-02-17 00:00"), at(sp, "2018-02-18 00:00")), 25 * H,
	        "Sao Paulo: the Saturday with 23:00 twice holds 25h");
	tap_is(add(all, sp, "2018-11-03 22:00", 3 * H), "2018-11-04 02:00", "Sao Paulo: over the missing midnight");
	tap_is(add(office, sp, "2018-11-02 16:00", 2 * H), "2018-11-05 10:00", "Sao Paulo: office hours unmoved");
	tap_ok(inverse_over(all, sp, "2018-11-03 00:00", "2018-11-05 00:00") &&
	       inverse_over(all, sp, "2018-02-17 00:00", "2018-02-19 00:00"), "Sao Paulo: add and between agree");
	calendar_free(&all);
	calendar_free(&early);
	calendar_free(&office);
}

/* Other zones: New York's DST, Tokyo without DST, UTC. */
static void test_zones(void)
{
	struct calendar *ny = cal_new("America/New_York", "mon-fri 09:00-17:00", NULL);
	struct calendar *tokyo = cal_new("Asia/Tokyo", "mon-fri 09:00-18:00", NULL);
	struct calendar *utc = cal_new("UTC", "mon-sat 08:00-16:00", NULL);

	tap_is(add(ny, "America/New_York", "2026-11-06 16:00", 2 * H), "2026-11-09 10:00",
	       "New York: over the weekend of the DST end");
	tap_is(add(ny, "America/New_York", "2026-03-06 16:00", 2 * H), "2026-03-09 10:00",
	       "New York: over the weekend of the DST start");
	tap_is(add(tokyo, "Asia/Tokyo", "2026-11-20 17:00", 3 * H), "2026-11-23 11:00", "Tokyo");
	tap_is(add(utc, "UTC", "2026-11-21 15:00", 2 * H), "2026-11-23 09:00", "UTC with Saturdays");
	tap_int(at("Asia/Tokyo", "2026-11-23 11:00"), at("UTC", "2026-11-23 02:00"), "the instants are absolute");
	test_midnight_dst();
	calendar_free(&ny);
	calendar_free(&tokyo);
	calendar_free(&utc);
}

/* calendar_between is calendar_add's inverse, over a year of starts. */
static void test_between(void)
{
	static const char *const hols[] = { "2026-04-06", "2026-05-01", "2026-11-11", "2026-12-25", NULL };
	struct calendar *c = cal_new(WAW, "mon-fri 08:00-12:00,12:30-16:30; sat 10:00-13:00", hols);
	struct fault f = { 0 };
	long long start = at(WAW, "2026-01-01 00:00"), end;
	int i, bad = 0, n = 0;

	for (i = 0; i < 800; i++) {
		long long s = start + (long long)i * 39437, secs = 60 + ((long long)i * 7919) % (60 * H), e;

		n++;
		if (calendar_add(c, s, secs, &e, &f) < 0 || calendar_between(c, s, e) != secs) {
			if (bad++ < 3)
				printf("# start %s + %llds: between %lld\n", local(WAW, s), secs, calendar_between(c, s, e));
		}
	}
	tap_int(bad, 0, "between(s, add(s, n)) == n for %d starts over 2026 (DST days, holidays, breaks)", n);
	tap_int(calendar_between(c, at(WAW, "2026-11-23 00:00"), at(WAW, "2026-11-30 00:00")), 43 * H,
	        "a week: 5 x 8h + 3h on Saturday");
	tap_int(calendar_between(c, at(WAW, "2026-11-24 10:00"), at(WAW, "2026-11-24 10:00")), 0, "empty interval: 0");
	tap_int(calendar_between(c, at(WAW, "2026-11-24 11:00"), at(WAW, "2026-11-24 10:00")), 0, "b before a: 0");
	tap_ok(calendar_between(NULL, 100, 250) == 150 && calendar_between(NULL, 250, 100) == 0, "no calendar: wall time");
	end = 0;
	n = calendar_add(c, start, 1000 * H, &end, &f) == 0;
	tap_ok(n && calendar_between(c, start, end) == 1000 * H, "1000 business hours: %s", local(WAW, end));
	calendar_free(&c);
	c = cal_new(WAW, "mon-fri 09:00-17:00", NULL);
	tap_int(calendar_between(c, at(WAW, "2026-11-23 00:00"), at(WAW, "2026-11-30 00:00")), 40 * H,
	        "a business week of mon-fri 09:00-17:00: 40h");
	tap_int(calendar_between(c, at(WAW, "2026-11-23 12:00"), at(WAW, "2026-11-30 12:00")), 40 * H,
	        "... from midday to midday too");
	calendar_free(&c);
}

/* Intervals longer than the ten years calendar_add walks, and instants
 * outside the years GLib handles: no GLib criticals (they are fatal here). */
static void test_range(void)
{
	struct calendar *all = cal_new("UTC", "mon-sun 00:00-24:00", NULL);
	struct calendar *c = cal_new(WAW, "mon-fri 09:00-17:00", NULL);
	long long a = at(WAW, "2020-01-01 00:00"), b = at(WAW, "2032-01-01 00:00"), end = 0;
	struct fault f = { 0 };

	tap_int(calendar_between(all, a, b), b - a, "between over twelve years is not cut at ten");
	tap_int(calendar_between(c, a, b), 3131 * 8 * H, "twelve years of weekdays: 3131 x 8h");
	tap_ok(calendar_add(c, 1LL << 60, H, &end, &f) < 0 && f.kind == FAULT_PERMANENT,
	       "add from the far future: refused (%s)", f.text);
	f = (struct fault){ 0 };
	tap_ok(calendar_add(c, -(1LL << 60), H, &end, &f) < 0 && f.kind == FAULT_PERMANENT,
	       "add from before year 1: refused (%s)", f.text);
	tap_int(calendar_between(c, -(1LL << 60), -(1LL << 59)), 0, "between before year 1: 0");
	tap_int(calendar_between(all, at("UTC", "9979-12-31 00:00"), 1LL << 62), 24 * H,
	        "between into the far future stops at 9980-01-01");
	calendar_free(&all);
	calendar_free(&c);
}

/* Calendars that cannot be made, and one with no hours left. */
static void test_errors(void)
{
	struct calendar_week empty = { 0 }, w = { 0 };
	struct fault f = { 0 };
	struct calendar *c;
	long long end;
	char day[16];
	int i, ok = 1;

	tap_ok(calendar_new(WAW, &empty, &f) == NULL && f.kind == FAULT_PERMANENT, "no hours: refused (%s)", f.text);
	calendar_parse_hours("mon 09:00-17:00", &w, &f);
	f = (struct fault){ 0 };
	tap_ok(calendar_new("Mars/Olympus", &w, &f) == NULL && f.kind == FAULT_PERMANENT,
	       "unknown zone: refused (%s)", f.text);
	w.spans[0].weekday = 8;
	tap_ok(calendar_new(WAW, &w, &f) == NULL, "weekday 8: refused (%s)", f.text);
	w.spans[0] = (struct calendar_span){ 1, 600, 1441 };
	tap_ok(calendar_new(WAW, &w, &f) == NULL, "past 24:00: refused (%s)", f.text);
	w.spans[0] = (struct calendar_span){ 1, 600, 600 };
	tap_ok(calendar_new(WAW, &w, &f) == NULL, "empty span: refused (%s)", f.text);
	w.spans[0] = (struct calendar_span){ 1, 540, 1020 };
	c = calendar_new(WAW, &w, &f);
	f = (struct fault){ 0 };
	tap_ok(calendar_add_holiday(c, "2026-02-30", &f) < 0 && f.kind == FAULT_PERMANENT,
	       "bad holiday date refused (%s)", f.text);
	tap_ok(calendar_add_holiday(c, "26-12-24", &f) < 0, "short holiday date refused (%s)", f.text);
	for (i = 0; i < 530 && ok; i++) {	/* every Monday for ten years */
		GDateTime *first = g_date_time_new_utc(2026, 11, 23, 0, 0, 0), *m = g_date_time_add_weeks(first, i);
		gchar *s = g_date_time_format(m, "%Y-%m-%d");

		snprintf(day, sizeof(day), "%s", s);
		ok = calendar_add_holiday(c, day, &f) == 0;
		g_free(s);
		g_date_time_unref(m);
		g_date_time_unref(first);
	}
	tap_ok(ok, "530 holidays added");
	f = (struct fault){ 0 };
	tap_ok(calendar_add(c, at(WAW, "2026-11-22 12:00"), H, &end, &f) < 0 && f.kind == FAULT_PERMANENT,
	       "no business hours for ten years: an error, not a hang (%s)", f.text);
	calendar_free(&c);
}

int main(void)
{
	struct calendar_week w;
	struct fault f = { 0 };

	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
	tap_int(spans("mon-fri 09:00-17:00", &w), 5, "mon-fri is five spans");
	tap_ok(w.spans[0].weekday == 1 && w.spans[0].start_min == 540 && w.spans[0].end_min == 1020,
	       "monday 09:00-17:00 in minutes");
	tap_int(w.spans[4].weekday, 5, "last span is friday");
	tap_int(spans("mon-fri 09:00-12:00,13:00-17:00; sat 10:00-14:00", &w), 11,
	        "split days and a saturday");
	tap_int(spans("sat-mon 00:00-24:00", &w), 3, "sat-mon wraps over sunday");
	tap_int(spans("mon,wed,fri 08:00-16:00", &w), 3, "day list");
	tap_int(w.spans[1].weekday, 3, "wednesday in the list");
	tap_int(spans("MON 09:00-10:00", &w), 1, "day names in any case");
	tap_int(spans("mon 09:00-17:00; mon 16:00-18:00", &w), -1, "overlap rejected");
	tap_int(spans("mon 09:00-12:00,12:00-13:00", &w), 2, "touching ranges are fine");
	tap_int(spans("mon 17:00-09:00", &w), -1, "end before start rejected");
	tap_int(spans("mon 9:00-17:00", &w), -1, "H:MM rejected (HH:MM)");
	tap_int(spans("mon 09:00-24:01", &w), -1, "past 24:00 rejected");
	tap_int(spans("mon 09:60-10:00", &w), -1, "minute 60 rejected");
	tap_int(spans("funday 09:00-10:00", &w), -1, "unknown day rejected");
	tap_int(spans("mon-fri", &w), -1, "days without times rejected");
	tap_int(spans("", &w), -1, "empty spec rejected");
	tap_ok(calendar_check_zone("Europe/Warsaw", &f) == 0, "Europe/Warsaw is a zone");
	tap_ok(calendar_check_zone("UTC", &f) == 0, "UTC is a zone");
	tap_ok(calendar_check_zone("Mars/Olympus", &f) < 0, "Mars/Olympus is not: %s", f.text);
	tap_ok(calendar_check_zone("../../etc/passwd", &f) < 0, "path tricks rejected");
	tap_ok(calendar_check_date("2026-12-24", &f) == 0, "2026-12-24 is a date");
	tap_ok(calendar_check_date("2026-02-29", &f) < 0, "2026-02-29 is not");
	tap_ok(calendar_check_date("2028-02-29", &f) == 0, "2028-02-29 is (leap year)");
	tap_ok(calendar_check_date("2026-1-5", &f) < 0, "2026-1-5 rejected");
	tap_ok(calendar_check_date("2026-12-24x", &f) < 0, "trailing junk rejected");
	test_add();
	test_dst();
	test_zones();
	test_between();
	test_errors();
	test_range();
	return tap_done();
}
