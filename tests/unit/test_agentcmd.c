/* test_agentcmd.c: the "#command" lines of agent mail. */
#include <glib.h>
#include <string.h>

#include "agentcmd.h"
#include "tap.h"

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
	tap_ok(c.error != NULL && strstr(c.error, "#attachments,") != NULL && strstr(c.error, "#notspam)") != NULL,
	       "the list of known commands names #attachments and #notspam");
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
	agentcmd_parse("# not a command\nText", &c);
	tap_ok(c.error == NULL && strcmp(c.text, "# not a command\nText") == 0, "'# ' with a space is text");
	agentcmd_clear(&c);
	return tap_done();
}
