/* test_classify.c: customer mail versus automatic mail, and who may get
 * automatic replies. Messages are parsed with mail_parse() first. */
#include <glib.h>

#include "classify.h"
#include "mail.h"
#include "tap.h"

/* Classify headers + a short body sent by sender to support@example.org. */
static void check(const char *headers, const char *sender, enum classify_kind want_kind,
		  bool want_no_auto, const char *what)
{
	char *raw = g_strdup_printf("%s\nSubject: test\n\nbody\n", headers);
	struct mail *m = NULL;
	struct fault f = { 0 };
	struct classify_result r;

	if (mail_parse(raw, strlen(raw), &m, &f) < 0) {
		tap_ok(0, "%s (parse failed: %s)", what, f.text);
		g_free(raw);
		return;
	}
	classify_mail(m, sender, "support@example.org", &r);
	if (!tap_ok(r.kind == want_kind && r.no_auto_reply == want_no_auto, "%s", what))
		printf("# kind %s, no_auto_reply %d, reason %s\n", classify_name(r.kind), r.no_auto_reply, r.reason);
	mail_free(&m);
	g_free(raw);
}

int main(void)
{
	const char *from = "From: Jan <jan@example.net>";

	check(from, "jan@example.net", CLASSIFY_NORMAL, false, "plain customer mail");
	check(from, NULL, CLASSIFY_NORMAL, false, "unknown envelope sender: still answerable");
	check(from, "", CLASSIFY_NORMAL, true, "null envelope sender: no automatic reply");
	check("From: Jan <jan@example.net>\nAuto-Submitted: no", "jan@example.net", CLASSIFY_NORMAL, false,
	      "Auto-Submitted: no is a person");
	check("From: Jan <jan@example.net>\nAuto-Submitted: auto-replied", "jan@example.net",
	      CLASSIFY_AUTO_REPLY, true, "RFC 3834 auto-replied");
	check("From: Jan <jan@example.net>\nAuto-Submitted: auto-generated; owner-email=x@example.net",
	      "jan@example.net", CLASSIFY_AUTO_REPLY, true, "auto-generated with parameters");
	check("From: Jan <jan@example.net>\nX-Autoreply: yes", "jan@example.net", CLASSIFY_AUTO_REPLY, true,
	      "X-Autoreply");
	check("From: Jan <jan@example.net>\nX-Autorespond: vacation", "jan@example.net", CLASSIFY_AUTO_REPLY,
	      true, "X-Autorespond");
	check("From: Jan <jan@example.net>\nPrecedence: auto_reply", "jan@example.net", CLASSIFY_AUTO_REPLY,
	      true, "Precedence: auto_reply");
	check("From: Jan <jan@example.net>\nX-MS-Exchange-Inbox-Rules-Loop: jan@example.net", "jan@example.net",
	      CLASSIFY_AUTO_REPLY, true, "Exchange inbox rule loop header");
	check("From: Jan <jan@example.net>\nX-Auto-Response-Suppress: All", "jan@example.net",
	      CLASSIFY_NORMAL, true, "X-Auto-Response-Suppress: a person, but no automatic reply");
	check("From: News <news@example.com>\nList-Id: <news.example.com>", "news@example.com", CLASSIFY_LIST,
	      true, "List-Id");
	check("From: News <news@example.com>\nList-Unsubscribe: <mailto:u@example.com>", "news@example.com",
	      CLASSIFY_LIST, true, "List-Unsubscribe");
	check("From: News <news@example.com>\nPrecedence: bulk", "news@example.com", CLASSIFY_LIST, true,
	      "Precedence: bulk");
	check("From: News <news@example.com>\nPrecedence: junk", "news@example.com", CLASSIFY_LIST, true,
	      "Precedence: junk");
	check("From: support@example.org\nX-Postdesk-Loop: support@example.org", "", CLASSIFY_LOOP, true,
	      "our own loop header: loop");
	check("From: help@other.example\nX-Postdesk-Loop: help@other.example", "help@other.example",
	      CLASSIFY_AUTO_REPLY, true, "another helpdesk's loop header: automatic, never answered");
	check("From: Mail Delivery System <MAILER-DAEMON@mx.example.net>", "", CLASSIFY_BOUNCE, true,
	      "null sender from MAILER-DAEMON: bounce");
	check("From: <noreply@shop.example.com>", "noreply@shop.example.com", CLASSIFY_NORMAL, true,
	      "noreply sender: stored as normal, never answered");
	check("From: Jan <jan@example.net>", "bounce-42-jan=example.net@lists.example.com", CLASSIFY_NORMAL,
	      true, "VERP bounce envelope: never answered");
	check("From: postmaster@example.net", "postmaster@example.net", CLASSIFY_NORMAL, true,
	      "postmaster: never answered");
	tap_ok(classify_robot_address("MAILER-DAEMON@x") && classify_robot_address("no-reply@x") &&
	       classify_robot_address("donotreply@x") && !classify_robot_address("jan@x") &&
	       !classify_robot_address("bouncer@x") && !classify_robot_address("noreplyguy@x"),
	       "robot addresses by local part");
	return tap_done();
}
