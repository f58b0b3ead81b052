/* test_agentcmd.c: the "#command" lines of agent mail. */
#include <glib.h>
#include <string.h>

#include "agentcmd.h"
#include "tap.h"

/* The fastest of reps parses of the command line (g_free'd here), in
 * microseconds; -1 when it was not refused. */
static gint64 parse_case_time(char *line, int reps)
{
	gint64 best = G_MAXINT64;
	int i;

	for (i = 0; i < reps; i++) {
		struct agentcmd c = { 0 };
		long long id;
		gint64 t = g_get_monotonic_time();

		agentcmd_parse_case(line, &id, &c);
		t = g_get_monotonic_time() - t;
		best = c.error != NULL ? MIN(best, t) : -1;
		agentcmd_clear(&c);
		if (best < 0)
			break;
	}
	g_free(line);
	return best;
}

int main(void)
{
	struct agentcmd c;

	agentcmd_parse("#status pending\n#priority HIGH\n\nHello Jan,\nplease try again.\n", &c);
	tap_ok(c.error == NULL && c.set_status && c.status == CASE_PENDING && c.set_priority && c.priority == PRIORITY_HIGH,
	       "status and priority commands");
	tap_is(c.text, "Hello Jan,\nplease try again.\n", "command lines removed from the text");
	agentcmd_clear(&c);
	agentcmd_parse("#resolve\n#assign Bob@Example.org\nDone.", &c);
	tap_ok(c.error == NULL && c.set_status && c.status == CASE_RESOLVED && g_strcmp0(c.assign, "bob@example.org") == 0,
	       "#resolve and #assign");
	agentcmd_clear(&c);
	agentcmd_parse("#note\nInternal only.", &c);
	tap_ok(c.note && c.error == NULL, "#note");
	agentcmd_clear(&c);
	agentcmd_parse("#frobnicate now\nText", &c);
	tap_ok(c.error != NULL && strstr(c.error, "unknown command") != NULL, "unknown command is an error: %s", c.error);
	agentcmd_clear(&c);
	agentcmd_parse("#status maybe\nText", &c);
	tap_ok(c.error != NULL && strstr(c.error, "#status open|pending") != NULL, "bad status is an error");
	agentcmd_clear(&c);
	agentcmd_parse("#assign not-an-address\n", &c);
	tap_ok(c.error != NULL, "bad assignee is an error");
	agentcmd_clear(&c);
	agentcmd_parse("Hello\n#status closed\n", &c);
	tap_ok(!c.set_status && c.error == NULL && strcmp(c.text, "Hello\n#status closed\n") == 0,
	       "commands only at the top: later # lines are text");
	agentcmd_clear(&c);
	/* found by fuzz/fuzz_quote: the first address leaked (ASan and valgrind runs) */
	agentcmd_parse("#assign a@example.org\n#assign B@example.org\nText", &c);
	tap_ok(c.error == NULL && g_strcmp0(c.assign, "b@example.org") == 0, "two #assign lines: the last one counts");
	agentcmd_clear(&c);
	agentcmd_parse("#assign a@example.org\n#assign bad\nText", &c);
	tap_ok(c.error != NULL && g_strcmp0(c.assign, "a@example.org") == 0,
	       "a bad second #assign is the error and leaves the first");
	agentcmd_clear(&c);
	agentcmd_parse("#attachments\n", &c);
	tap_ok(c.error == NULL && c.attachments && c.n_attachment_n == 0 && *c.text == '\0',
	       "#attachments: all of the customer's");
	agentcmd_clear(&c);
	agentcmd_parse("#Attachments 3 12\t3\n#priority high\nthanks\n", &c);
	tap_ok(c.error == NULL && c.attachments && c.n_attachment_n == 2 && c.attachment_n[0] == 3 &&
	       c.attachment_n[1] == 12 && c.set_priority, "#attachments 3 12 3: two numbers, once each, with another command");
	agentcmd_clear(&c);
	agentcmd_parse("#attachments two\n", &c);
	tap_ok(c.error != NULL && strstr(c.error, "'postdesk case show'") != NULL && !c.attachments,
	       "#attachments two: an error");
	agentcmd_clear(&c);
	agentcmd_parse("#attachments 0\n", &c);
	tap_ok(c.error != NULL, "#attachments 0: an error (they count from 1)");
	agentcmd_clear(&c);
	agentcmd_parse("#attachments 99999999999999999999\n", &c);
	tap_ok(c.error != NULL, "#attachments with a huge number: an error, no overflow");
	agentcmd_clear(&c);
	agentcmd_parse("#attachments 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n", &c);
	tap_ok(c.error != NULL && strstr(c.error, "at most 20") != NULL, "#attachments: at most 20 numbers");
	agentcmd_clear(&c);
	agentcmd_parse("#frobnicate\n", &c);
	tap_ok(c.error != NULL && strstr(c.error, "#attachments, #merge, #cc, #uncc, #notspam)") != NULL,
	       "the list of known commands names #attachments, #merge, #cc, #uncc and #notspam");
	agentcmd_clear(&c);
	agentcmd_parse("#assign ME\n\nText", &c);
	tap_ok(c.error == NULL && c.assign_me && c.assign == NULL && strcmp(c.text, "Text") == 0,
	       "#assign me: the author, whoever that is (deliver_plan fills it in)");
	agentcmd_clear(&c);
	agentcmd_parse("#assign me\n#assign bob@example.org\n", &c);
	tap_ok(c.error == NULL && !c.assign_me && g_strcmp0(c.assign, "bob@example.org") == 0,
	       "#assign me, then an address: the last one counts");
	agentcmd_clear(&c);
	agentcmd_parse("#assign bob@example.org\n#assign me\n", &c);
	tap_ok(c.error == NULL && c.assign_me && c.assign == NULL, "an address, then #assign me: me");
	agentcmd_clear(&c);
	agentcmd_parse("#assign me now\n", &c);
	tap_ok(c.error != NULL, "#assign me with more words is an error");
	agentcmd_clear(&c);
	agentcmd_parse("#merge 42\n\nThe same as case 42.", &c);
	tap_ok(c.error == NULL && c.merge == 42 && strcmp(c.text, "The same as case 42.") == 0, "#merge 42");
	agentcmd_clear(&c);
	agentcmd_parse("#MERGE #7\n", &c);
	tap_ok(c.error == NULL && c.merge == 7, "#MERGE #7: any case, '#' before the number");
	agentcmd_clear(&c);
	{
		static const char *const bad[] = { "#merge\n", "#merge 0\n", "#merge -3\n", "#merge 4 5\n",
						   "#merge #\n", "#merge 12a\n", "#merge 1234567890123456789\n",
						   "#merge ４２\n" };
		size_t i;
		int errors = 0;

		for (i = 0; i < G_N_ELEMENTS(bad); i++) {
			agentcmd_parse(bad[i], &c);
			errors += c.error != NULL && c.merge == 0 && strstr(c.error, "#merge") != NULL;
			agentcmd_clear(&c);
		}
		tap_int(errors, (int)G_N_ELEMENTS(bad), "#merge with no number, 0, negative, two, junk, 19 digits,"
			" full-width digits: each an error naming #merge");
	}
	agentcmd_parse("# not a command\nText", &c);
	tap_ok(c.error == NULL && strcmp(c.text, "# not a command\nText") == 0, "'# ' with a space is text");
	agentcmd_clear(&c);
	/* #cc and #uncc: addresses by space or comma, folded, each once; the
	 * last line naming an address decides */
	agentcmd_parse("#cc Ewa@Example.NET, piotr@example.pl\n#cc ewa@example.net\n\nHello", &c);
	tap_ok(c.error == NULL && c.n_cc == 2 && c.n_uncc == 0 && strcmp(c.cc[0], "ewa@example.net") == 0 &&
	       strcmp(c.cc[1], "piotr@example.pl") == 0 && strcmp(c.text, "Hello") == 0,
	       "#cc: two addresses, folded, each once, taken off the text");
	agentcmd_clear(&c);
	agentcmd_parse("#cc ewa@example.net\n#uncc EWA@example.net jan@example.net\n", &c);
	tap_ok(c.error == NULL && c.n_cc == 0 && c.n_uncc == 2 && strcmp(c.uncc[0], "ewa@example.net") == 0 &&
	       strcmp(c.uncc[1], "jan@example.net") == 0, "#cc then #uncc of the same address: the #uncc counts");
	agentcmd_clear(&c);
	agentcmd_parse("#uncc ewa@example.net\n#CC ewa@example.net\n", &c);
	tap_ok(c.error == NULL && c.n_cc == 1 && c.n_uncc == 0, "#uncc then #cc (any case): the #cc counts");
	agentcmd_clear(&c);
	agentcmd_parse("#cc\n", &c);
	tap_ok(c.error != NULL && strstr(c.error, "expected #cc ADDRESS") != NULL && c.n_cc == 0, "#cc alone: an error");
	agentcmd_clear(&c);
	agentcmd_parse("#uncc , ,\n", &c);
	tap_ok(c.error != NULL && strstr(c.error, "expected #uncc ADDRESS") != NULL, "#uncc of commas only: an error");
	agentcmd_clear(&c);
	agentcmd_parse("#cc not-an-address\n", &c);
	tap_ok(c.error != NULL && g_str_has_prefix(c.error, "#cc: ") && c.n_cc == 0 &&
	       strcmp(c.error_line, "#cc not-an-address") == 0, "#cc of no address: an error naming the line");
	agentcmd_clear(&c);
	agentcmd_parse("#cc \"Ewa\" <ewa@example.net>\r\n", &c);
	tap_ok(c.error != NULL && c.n_cc == 0, "#cc with a display name: an error, nothing half taken");
	agentcmd_clear(&c);
	agentcmd_parse("#cc żółw@przykład.pl\n", &c);
	tap_ok((c.error == NULL && c.n_cc == 1) || (c.error != NULL && c.n_cc == 0),
	       "#cc of a non-ASCII address: taken whole or refused whole (%s)", c.error ? c.error : c.cc[0]);
	agentcmd_clear(&c);
	{
		GString *many = g_string_new("#cc");
		int k;

		for (k = 0; k < 5000; k++)
			g_string_append_printf(many, " a%d@example.net,", k);
		agentcmd_parse(many->str, &c);
		tap_ok(c.error != NULL && strstr(c.error, "at most 10") != NULL && c.n_cc == AGENTCMD_CC_MAX &&
		       c.n_cc <= AGENTCMD_CC_MAX, "5000 addresses in one #cc line: an error at the limit, bounded (%d kept)",
		       c.n_cc);
		agentcmd_clear(&c);
		g_string_free(many, TRUE);
	}
	/* part digest: command lines that name their case */
	{
		long long id;
		GString *big = g_string_new("#status 17 ");
		gint64 t0, small;
		int k;

		agentcmd_parse_case("#assign 42 me", &id, &c);
		tap_ok(id == 42 && c.error == NULL && c.assign_me, "#assign 42 me: case 42, the author");
		agentcmd_clear(&c);
		agentcmd_parse_case("  #Status #17 PENDING\r", &id, &c);
		tap_ok(id == 17 && c.error == NULL && c.set_status && c.status == CASE_PENDING,
		       "#status #17 pending (any case, '#17', a CR): status pending");
		agentcmd_clear(&c);
		agentcmd_parse_case("#priority 9 high", &id, &c);
		tap_ok(id == 9 && c.set_priority && c.priority == PRIORITY_HIGH, "#priority 9 high");
		agentcmd_clear(&c);
		agentcmd_parse_case("#resolve 17", &id, &c);
		tap_ok(id == 17 && c.set_status && c.status == CASE_RESOLVED, "#resolve 17");
		agentcmd_clear(&c);
		agentcmd_parse_case("#assign 5 Bob@Example.ORG", &id, &c);
		tap_ok(id == 5 && g_strcmp0(c.assign, "bob@example.org") == 0, "#assign 5 ADDRESS, folded");
		agentcmd_clear(&c);
		agentcmd_parse_case("#resolve", &id, &c);
		tap_ok(id == 0 && c.error != NULL && strstr(c.error, "case number") != NULL &&
		       g_strcmp0(c.error_line, "#resolve") == 0, "#resolve without a number: an error naming the line");
		agentcmd_clear(&c);
		agentcmd_parse_case("#status pending 17", &id, &c);
		tap_ok(id == 0 && c.error != NULL, "the number comes first: '#status pending 17' is an error");
		agentcmd_clear(&c);
		agentcmd_parse_case("#status 17 new", &id, &c);
		tap_ok(c.error != NULL && strstr(c.error, "open|pending") != NULL &&
		       g_strcmp0(c.error_line, "#status 17 new") == 0, "#status 17 new: refused as on a case, line kept whole");
		agentcmd_clear(&c);
		agentcmd_parse_case("#note 17", &id, &c);
		tap_ok(c.error != NULL && strstr(c.error, "known here") != NULL, "#note is no digest command");
		agentcmd_clear(&c);
		agentcmd_parse_case("#resolve 17 now", &id, &c);
		tap_ok(c.error != NULL, "#resolve 17 with more words: an error");
		agentcmd_clear(&c);
		agentcmd_parse_case("#assign 0 me", &id, &c);
		tap_ok(id == 0 && c.error != NULL, "case 0: none");
		agentcmd_clear(&c);
		agentcmd_parse_case("#assign 0042 me", &id, &c);
		tap_ok(id == 0 && c.error != NULL, "a leading zero: not a case number (one spelling only)");
		agentcmd_clear(&c);
		agentcmd_parse_case("#assign 9999999999999999999999 me", &id, &c);
		tap_ok(id == 0 && c.error != NULL, "a huge number: an error, no overflow");
		agentcmd_clear(&c);
		agentcmd_parse_case("#assign 4\xc2\xb2 me", &id, &c);
		tap_ok(id == 0 && c.error != NULL, "a non-ASCII digit: not a number");
		agentcmd_clear(&c);
		agentcmd_parse_case("#przypisz 4 mnie \xc5\xbc\xc3\xb3\xc5\x82w", &id, &c);
		tap_ok(c.error != NULL && g_utf8_validate(c.error_line, -1, NULL), "a Polish verb: unknown, line kept as UTF-8");
		agentcmd_clear(&c);
		agentcmd_parse_case(NULL, &id, &c);
		tap_ok(id == 0 && c.error != NULL, "no line: an error, no crash");
		agentcmd_clear(&c);
		for (k = 0; k < 200000; k++)
			g_string_append(big, "pending ");
		small = parse_case_time(g_strndup(big->str, big->len / 10), 3);
		t0 = parse_case_time(g_strdup(big->str), 2);
		tap_ok(t0 >= 0 && small >= 0 && t0 < 30 * small + 50000,
		       "a 1.6 MB line: refused in %.3f s, a tenth of it in %.3f s (linear; best of 2 and 3)",
		       (double)t0 / 1e6, (double)small / 1e6);
		g_string_free(big, TRUE);
	}
	return tap_done();
}
