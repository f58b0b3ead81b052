/* test_thread.c: the threading decision alone. */
#include <glib.h>
#include <string.h>

#include "tap.h"
#include "thread.h"

/* A subject of n copies of c followed by tail (g_free). */
static char *repeat(char c, size_t n, const char *tail)
{
	char *s = g_malloc(n + strlen(tail) + 1);

	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

/* The subject tag of n copies of c and tail, and the seconds it took. */
static long long tag_timed(char c, size_t n, const char *tail, double *secs)
{
	char *s = repeat(c, n, tail);
	gint64 t = g_get_monotonic_time();
	long long tag = thread_subject_tag(s);

	*secs = (double)(g_get_monotonic_time() - t) / 1e6;
	g_free(s);
	return tag;
}

int main(void)
{
	double secs;
	char *s;
	struct thread_facts f;
	long long c;

	f = (struct thread_facts){ 0 };
	tap_ok(thread_pick(&f, &c) == THREAD_NEW && c == 0, "no facts: new case");
	f = (struct thread_facts){ .token_case = 5, .signed_ref_case = 6, .stored_ref_case = 7, .subject_case = 8 };
	tap_ok(thread_pick(&f, &c) == THREAD_BY_TOKEN && c == 5, "token wins over everything");
	f.token_case = 0;
	tap_ok(thread_pick(&f, &c) == THREAD_BY_SIGNED_REFERENCE && c == 6, "then a signed reference");
	f.signed_ref_case = 0;
	tap_ok(thread_pick(&f, &c) == THREAD_BY_REFERENCE && c == 7, "then a stored reference");
	f.stored_ref_case = 0;
	tap_ok(thread_pick(&f, &c) == THREAD_BY_SUBJECT && c == 8, "then the subject tag");
	tap_is(thread_how_name(THREAD_BY_SUBJECT), "subject-tag", "rule names");

	tap_int(thread_on_status(CASE_OPEN, 0, 100), THREAD_APPEND, "open: append");
	tap_int(thread_on_status(CASE_PENDING, 0, 100), THREAD_APPEND, "pending: append");
	tap_int(thread_on_status(CASE_NEW, 0, 100), THREAD_APPEND, "new: append");
	tap_int(thread_on_status(CASE_RESOLVED, 0, 100), THREAD_REOPEN, "resolved: reopen");
	tap_int(thread_on_status(CASE_CLOSED, 50, 100), THREAD_REOPEN, "closed recently: reopen");
	tap_int(thread_on_status(CASE_CLOSED, 100, 100), THREAD_REOPEN, "closed exactly the window ago: reopen");
	tap_int(thread_on_status(CASE_CLOSED, 101, 100), THREAD_NEW_LINKED, "closed long ago: new linked case");

	tap_int(thread_subject_tag("[Helpdesk #123] Printer on fire"), 123, "tag at the front");
	tap_int(thread_subject_tag("Re: AW: [Helpdesk #77] x"), 77, "after reply prefixes");
	tap_int(thread_subject_tag("Re: [Acme Support #9] x [Helpdesk #10]"), 9, "the first tag counts");
	tap_int(thread_subject_tag("Printer on fire"), 0, "no tag");
	tap_int(thread_subject_tag("[Helpdesk #] x"), 0, "tag without number");
	tap_int(thread_subject_tag("[Helpdesk #12x] x"), 0, "tag with junk after the number");
	tap_int(thread_subject_tag("[Helpdesk #012] x"), 0, "leading zero is not a case number");
	tap_int(thread_subject_tag("[Helpdesk #99999999999999999999999] x"), 0, "overflow is no tag");
	tap_int(thread_subject_tag("[a [Helpdesk #5] x"), 5, "a stray bracket before the tag");
	tap_int(thread_subject_tag("[Helpdesk #5"), 0, "unclosed tag");
	tap_int(thread_subject_tag("[a #b #5] x"), 0, "two '#' in one bracket: no tag");
	tap_int(thread_subject_tag("[a] [b #6]"), 6, "a bracket without '#' before the tag");
	tap_int(thread_subject_tag("#7] [Helpdesk #8]"), 8, "a '#' and ']' before any '['");

	/* the bound: a tag must end within the first 1000 bytes */
	s = repeat(' ', 1000 - strlen("[Helpdesk #42]"), "[Helpdesk #42] x");
	tap_int(thread_subject_tag(s), 42, "a tag ending at byte 1000 counts");
	g_free(s);
	s = repeat(' ', 1001 - strlen("[Helpdesk #42]"), "[Helpdesk #42] x");
	tap_int(thread_subject_tag(s), 0, "a tag ending at byte 1001 is not looked at");
	g_free(s);
	s = repeat('[', 2000, "[Helpdesk #7]");
	tap_int(thread_subject_tag(s), 0, "2000 '[' and a tag: past the bound, no tag");
	g_free(s);
	/* hostile subjects (issue 13): quadratic before, 30 s for 1.6 MB */
	tap_int(tag_timed('[', 4 << 20, "]", &secs), 0, "4 MB of '[' and a ']': no tag");
	tap_ok(tap_within(secs, 0.5), "... in %.3f s (under 0.5 s)", secs);
	tap_int(tag_timed('[', 4 << 20, "#1]", &secs), 0, "4 MB of '[' and '#1]': no tag");
	tap_ok(tap_within(secs, 0.5), "... in %.3f s (under 0.5 s)", secs);
	tap_int(tag_timed(' ', 4 << 20, "[Helpdesk #1]", &secs), 0, "a tag after 4 MB of spaces: not looked at");
	tap_ok(tap_within(secs, 0.5), "... in %.3f s (under 0.5 s)", secs);
	return tap_done();
}
