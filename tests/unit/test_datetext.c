/* test_datetext.c: due times for people in en, pl, cs and ms. */
#include <glib.h>
#include <stdbool.h>

#include "datetext.h"
#include "tap.h"

/* Monday 7 December 2026 11:30 UTC, and a Thursday before it */
#define MON 1796643000LL
#define NOW 1796383800LL

/* One phrase: datetext_due(t, NOW, zone, offset, lang) is want. */
static void due(long long t, const char *zone, int offset, const char *lang, const char *want)
{
	char *got = datetext_due(t, NOW, zone, offset, lang);

	tap_is(got, want, "%s %s%+d: %s", lang ? lang : "(none)", zone ? zone : "offset ", offset, want);
	g_free(got);
}

int main(void)
{
	due(MON, "Europe/Warsaw", 0, "en", "by Monday 7 December 12:30 CET");
	due(MON, "Europe/Warsaw", 0, "pl", "w poniedziałek 7 grudnia do 12:30 CET");
	due(MON + 86400, "Europe/Warsaw", 0, "pl", "we wtorek 8 grudnia do 12:30 CET");
	due(MON + 2 * 86400, "Europe/Prague", 0, "cs", "ve středu 9. prosince do 12:30 CET");
	due(MON, "Europe/Prague", 0, "cs-CZ", "v pondělí 7. prosince do 12:30 CET");
	due(MON + 4 * 86400, "Asia/Kuala_Lumpur", 0, "ms",
	    "selewat-lewatnya pada hari Jumaat, 11 Disember, pukul 19:30 UTC+08:00");
	due(MON, NULL, -300, "en", "by Monday 7 December 06:30 UTC-05:00");
	due(MON, NULL, 0, "en", "by Monday 7 December 11:30 UTC");
	due(MON, NULL, 330, "en", "by Monday 7 December 17:00 UTC+05:30");
	due(MON, "Not/A_Zone", 60, "en", "by Monday 7 December 12:30 UTC+01:00");
	due(MON, "Europe/London", 0, "de", "by Monday 7 December 11:30 GMT");
	due(MON, "America/New_York", 0, NULL, "by Monday 7 December 06:30 EST");
	/* summer time, and a date in another year than now */
	due(MON - 150 * 86400LL, "Europe/Warsaw", 0, "en", "by Friday 10 July 13:30 CEST");
	due(MON + 28 * 86400LL, "Europe/Warsaw", 0, "pl", "w poniedziałek 4 stycznia 2027 do 12:30 CET");
	tap_ok(datetext_zone_has_offset("Europe/Warsaw", MON, 60) && !datetext_zone_has_offset("Europe/Warsaw", MON, 120) &&
	       datetext_zone_has_offset("Europe/Warsaw", MON - 150 * 86400LL, 120) &&
	       !datetext_zone_has_offset("Not/A_Zone", MON, 0) && !datetext_zone_has_offset(NULL, MON, 0),
	       "datetext_zone_has_offset: the zone's offset at that instant (DST too); unknown zones: never");
	return tap_done();
}
