/* test_thread.c: the threading decision alone. */
#include "tap.h"
#include "thread.h"

int main(void)
{
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
	return tap_done();
}
