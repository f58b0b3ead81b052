/* datetext.h: a due time as people read it: the local weekday, day, month
 * and time of an instant with its zone, as a phrase of a template language
 * ("by Monday 7 December 12:30 CET", "w poniedziałek 7 grudnia do 12:30
 * CET", "v pondělí 7. prosince do 12:30 CET", "selewat-lewatnya pada hari
 * Isnin, 7 Disember, pukul 12:30 CET"); other languages get English. Pure. */
#ifndef POSTDESK_DATETEXT_H
#define POSTDESK_DATETEXT_H

#include <stdbool.h>

/* The phrase for instant t (Unix seconds) in lang, the year added when it
 * is not that of now. zone is a tz database name; NULL or unknown: the
 * fixed UTC offset offset_min (minutes), written "UTC+01:00" ("UTC" for
 * 0). A zone whose abbreviation is only numbers ("+08") is written so too.
 * g_free the result. */
char *datetext_due(long long t, long long now, const char *zone, int offset_min, const char *lang);
/* Whether zone (a tz database name) is offset_min minutes from UTC at t. */
bool datetext_zone_has_offset(const char *zone, long long t, int offset_min);

#endif
