/* test_ownmail.c: the lines of postdesk's own notifications are dropped
 * from an agent's answer wherever they are; the customer's words and the
 * agent's are kept. */
#include <glib.h>
#include <string.h>

#include "ownmail.h"
#include "tap.h"

#define NOTIFY "Hello Alice,\n\nA new case #1 has arrived in the support queue.\n\n" \
	"Reply to this message to answer the customer (jan@example.net);\n" \
	"whoever answers first owns the case.\nMy invoice is wrong.\nThanks,\n"
#define CUSTOMER "My invoice is wrong.\n"

/* Strip answer against the one notification and the one customer mail. */
static void strip(const char *answer, const char *want, size_t want_dropped, const char *what)
{
	const char *ours[] = { NOTIFY, NULL }, *theirs[] = { CUSTOMER, NULL };
	size_t dropped;
	char *got = ownmail_strip(answer, ours, theirs, &dropped);

	tap_is(got, want, "%s", what);
	tap_int((long long)dropped, (long long)want_dropped, "%s: lines dropped", what);
	g_free(got);
}

int main(void)
{
	GString *big = g_string_new(NULL);
	const char *ours[] = { NOTIFY, NULL };
	size_t dropped;
	double t;
	char *got;
	int i;

	strip("Fixed.\n> A new case #1 has arrived in the support queue.\n", "Fixed.\n", 1, "a quoted line of ours");
	strip("Fixed.\n| whoever   answers FIRST owns the case.\n", "Fixed.\n", 1,
	      "another quote mark, spacing and case do not matter");
	strip("> My invoice is wrong.\nIt is fixed.\n", "> My invoice is wrong.\nIt is fixed.\n", 0,
	      "the customer's words, also in our notification, are kept");
	strip("Fixed.\nThanks,\n", "Fixed.\nThanks,\n", 0, "short lines are never dropped");
	strip("Fixed.\n\xff\xfe broken \xc3 UTF-8 A new case\n", "Fixed.\n\xff\xfe broken \xc3 UTF-8 A new case\n", 0,
	      "invalid UTF-8 survives");
	strip("", "", 0, "empty answer");
	got = ownmail_strip(NULL, NULL, NULL, &dropped);
	tap_is(got, "", "no answer and no texts");
	g_free(got);
	for (i = 0; i < 500000; i++)
		g_string_append(big, i % 2 ? "> A new case #1 has arrived in the support queue.\n" : "x\n");
	t = g_get_monotonic_time();
	got = ownmail_strip(big->str, ours, NULL, &dropped);
	t = (g_get_monotonic_time() - t) / 1e6;
	tap_ok(dropped == 250000 && strlen(got) == 500000, "500,000 lines: half dropped");
	tap_ok(tap_within(t, 5), "in %.2f s", t);
	g_free(got);
	g_string_free(big, TRUE);
	return tap_done();
}
