/* datetext.c: due times written for people in en, pl, cs and ms (see
 * datetext.h). The names are the forms each phrase needs: Polish and
 * Czech put the weekday in the accusative after "w"/"we", "v"/"ve", and the
 * month in the genitive after the day. */
#include <glib.h>
#include <string.h>

#include "datetext.h"

/* One language's phrase: weekdays (Monday first) and months as the
 * phrase has them, and the words around them: LEAD WEEKDAY AFTER_WEEKDAY
 * DAY AFTER_DAY MONTH[ YEAR] BEFORE_TIME TIME ZONE. */
struct datetext_lang {
	const char *tag;
	const char *weekdays[7];
	const char *months[12];
	const char *lead, *after_weekday, *after_day, *before_time;
};

static const struct datetext_lang datetext_langs[] = {
	{ "en", { "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday" },
	  { "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
	    "November", "December" },
	  "by ", " ", " ", " " },
	{ "pl", { "w poniedziałek", "we wtorek", "w środę", "w czwartek", "w piątek", "w sobotę", "w niedzielę" },
	  { "stycznia", "lutego", "marca", "kwietnia", "maja", "czerwca", "lipca", "sierpnia", "września",
	    "października", "listopada", "grudnia" },
	  "", " ", " ", " do " },
	{ "cs", { "v pondělí", "v úterý", "ve středu", "ve čtvrtek", "v pátek", "v sobotu", "v neděli" },
	  { "ledna", "února", "března", "dubna", "května", "června", "července", "srpna", "září", "října",
	    "listopadu", "prosince" },
	  "", " ", ". ", " do " },
	{ "ms", { "Isnin", "Selasa", "Rabu", "Khamis", "Jumaat", "Sabtu", "Ahad" },
	  { "Januari", "Februari", "Mac", "April", "Mei", "Jun", "Julai", "Ogos", "September", "Oktober",
	    "November", "Disember" },
	  "selewat-lewatnya pada hari ", ", ", " ", ", pukul " },
};

/* The names of lang's primary tag ("pl-PL" is "pl"), else English. */
static const struct datetext_lang *datetext_find(const char *lang)
{
	size_t i, n = lang ? strcspn(lang, "-_") : 0;

	for (i = 0; i < G_N_ELEMENTS(datetext_langs); i++)
		if (n == strlen(datetext_langs[i].tag) && g_ascii_strncasecmp(lang, datetext_langs[i].tag, n) == 0)
			return &datetext_langs[i];
	return &datetext_langs[0];
}

/* An offset in minutes as "UTC", "UTC+01:00", "UTC-05:30". */
static char *datetext_offset_name(int offset_min)
{
	int a = offset_min < 0 ? -offset_min : offset_min;

	if (offset_min == 0)
		return g_strdup("UTC");
	return g_strdup_printf("UTC%c%02d:%02d", offset_min < 0 ? '-' : '+', a / 60, a % 60);
}

char *datetext_due(long long t, long long now, const char *zone, int offset_min, const char *lang)
{
	const struct datetext_lang *l = datetext_find(lang);
	GTimeZone *tz = zone != NULL ? g_time_zone_new_identifier(zone) : NULL;
	GDateTime *utc = g_date_time_new_from_unix_utc(t), *local, *now_local;
	const char *abbrev;
	char *zone_name, *time, *out, year[16] = "";

	if (tz == NULL)
		tz = g_time_zone_new_offset((gint32)offset_min * 60);
	local = g_date_time_to_timezone(utc, tz);
	now_local = g_date_time_new_from_unix_utc(now);
	abbrev = zone != NULL && g_strcmp0(g_time_zone_get_identifier(tz), zone) == 0 ?
		 g_date_time_get_timezone_abbreviation(local) : NULL;
	if (abbrev != NULL && abbrev[0] != '\0' && abbrev[0] != '+' && abbrev[0] != '-')
		zone_name = g_strdup(abbrev);
	else
		zone_name = datetext_offset_name((int)(g_date_time_get_utc_offset(local) / G_TIME_SPAN_MINUTE));
	if (g_date_time_get_year(local) != g_date_time_get_year(now_local))
		g_snprintf(year, sizeof(year), " %d", g_date_time_get_year(local));
	time = g_date_time_format(local, "%H:%M");
	out = g_strdup_printf("%s%s%s%d%s%s%s%s%s %s", l->lead, l->weekdays[g_date_time_get_day_of_week(local) - 1],
			      l->after_weekday, g_date_time_get_day_of_month(local), l->after_day,
			      l->months[g_date_time_get_month(local) - 1], year, l->before_time, time, zone_name);
	g_free(time);
	g_free(zone_name);
	g_date_time_unref(now_local);
	g_date_time_unref(local);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);
	return out;
}

bool datetext_zone_has_offset(const char *zone, long long t, int offset_min)
{
	GTimeZone *tz = zone != NULL ? g_time_zone_new_identifier(zone) : NULL;
	GDateTime *utc, *local;
	bool same;

	if (tz == NULL)
		return false;
	utc = g_date_time_new_from_unix_utc(t);
	local = g_date_time_to_timezone(utc, tz);
	same = g_date_time_get_utc_offset(local) / G_TIME_SPAN_MINUTE == offset_min;
	g_date_time_unref(local);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);
	return same;
}
