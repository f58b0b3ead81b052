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

/* Classify a person's mail (no automatic headers) with a subject. */
static enum classify_kind subject_kind(const char *subject)
{
	char *raw = g_strdup_printf("From: Jan <jan@example.net>\nTo: support@example.org\nSubject: %s\n"
				    "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n"
				    "Content-Transfer-Encoding: 8bit\n\nI am away until Monday.\n", subject);
	struct mail *m = NULL;
	struct fault f = { 0 };
	struct classify_result r = { 0 };

	if (mail_parse(raw, strlen(raw), &m, &f) == 0)
		classify_mail(m, "jan@example.net", "support@example.org", &r);
	else
		r.kind = CLASSIFY_LOOP;	/* fails every check below */
	mail_free(&m);
	g_free(raw);
	return r.kind;
}

/* Out-of-office replies known by their subject alone, as Exchange, Outlook
 * and webmail write it in their languages, and subjects of persons that
 * only look like one. */
static void test_auto_subjects(void)
{
	static const char *const automatic[] = {
		"Automatic reply: [Helpdesk #12] Invoice wrong",
		"Automatic Reply: Re: Invoice wrong",
		"AUTOMATIC REPLY: Invoice wrong",
		"Auto reply: Invoice wrong",
		"Auto-Reply: Invoice wrong",
		"AutoReply: Invoice wrong",
		"Autoreply",
		"Out of Office: [Helpdesk #12] Invoice wrong",
		"Out of office: Invoice wrong",
		"Out-of-Office: Invoice wrong",
		"Out of Office AutoReply: Invoice wrong",
		"Out of Office",
		"  Out of office  ",
		"Abwesenheitsnotiz: [Helpdesk #12] Rechnung falsch",
		"Automatische Antwort: Rechnung falsch",
		"Réponse automatique : Facture erronée",
		"Réponse automatique\xc2\xa0: Facture erronée",
		"Reponse automatique: Facture erronee",
		"Absence du bureau : Facture erronée",
		"Respuesta automática: Factura incorrecta",
		"Fuera de la oficina: Factura incorrecta",
		"Risposta automatica: Fattura errata",
		"Fuori sede: Fattura errata",
		"Resposta automática: Fatura errada",
		"Automatisch antwoord: Factuur onjuist",
		"Afwezig: Factuur onjuist",
		"Autoodpowiedź: Błędna faktura",
		"Odpowiedź automatyczna: [Helpdesk #12] Błędna faktura",
		"ODPOWIEDŹ AUTOMATYCZNA: Błędna faktura",
		"Poza biurem: Błędna faktura",
		"Automatická odpověď: Chybná faktura",
		"Automaticka odpoved: Chybna faktura",
		"Mimo kancelář: Chybná faktura",
		"Balasan automatik: Invois salah",
		"Balasan Automatik: [Helpdesk #12] Invois salah",
		"Di luar pejabat: Invois salah",
		"Automatiskt svar: Fel faktura",
		"Otomatik yanıt: Hatalı fatura",
		"OTOMATİK YANIT: HATALI FATURA",
		"Автоматический ответ: Неверный счёт",
		"自動応答: 請求書",
		"=?UTF-8?B?T2Rwb3dpZWTFuiBhdXRvbWF0eWN6bmE6IELFgsSZZG5hIGZha3R1cmE=?=",
	};
	static const char *const personal[] = {
		"Re: my out of office settings are broken",
		"Out of office settings are broken",
		"Out of office message does not turn off",
		"RE: Automatic reply: Invoice wrong",
		"AW: Automatische Antwort: Rechnung falsch",
		"Odp: Poza biurem: Błędna faktura",
		"Fwd: Out of Office: Invoice wrong",
		"Question about automatic replies",
		"Automatic replying does not work: help",
		"Autoreplies are sent twice",
		"Afwezigheid melden",
		"Poza biurem nie działa mi VPN",
		"[Helpdesk #12] Automatic reply",
		"",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(automatic); i++)
		tap_ok(subject_kind(automatic[i]) == CLASSIFY_AUTO_REPLY, "auto-responder subject: %s", automatic[i]);
	for (i = 0; i < G_N_ELEMENTS(personal); i++)
		tap_ok(subject_kind(personal[i]) == CLASSIFY_NORMAL, "a person's subject: '%s'", personal[i]);
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
	test_auto_subjects();
	/* spam marks (part intake): the topmost field, a prefix ignoring case */
	{
		char *names[] = { "X-Spam-Flag", "X-Spam-Status", "X-Spamd-Result", NULL };
		char *prefixes[] = { "YES", "Yes", "default: True", NULL };
		static const struct { const char *headers; bool spam; const char *what; } cases[] = {
			{ "X-Spam-Flag: YES\n", true, "X-Spam-Flag: YES" },
			{ "X-Spam-Flag: yes\n", true, "X-Spam-Flag: yes (any case)" },
			{ "X-Spam-Status: Yes, score=7.2 required=5.0 tests=BAYES_99\n", true, "X-Spam-Status: Yes, score=..." },
			{ "X-Spam-Status: No, score=-0.1 required=5.0\n", false, "X-Spam-Status: No" },
			{ "X-Spamd-Result: default: True [12.30 / 15.00];\n BAYES_SPAM(5.10)[99.99%]\n", true,
			  "X-Spamd-Result: default: True, folded" },
			{ "X-Spamd-Result: default: False [1.20 / 15.00]\n", false, "X-Spamd-Result: default: False" },
			{ "X-Spam-Flag: NO\nX-Spam-Flag: YES\n", false, "a second X-Spam-Flag below the MTA's does not count" },
			{ "X-Spam-Flagged: YES\n", false, "another field's name does not count" },
			{ "X-Spam-Flag: Y\n", false, "a shorter value is no prefix match" },
		};
		size_t i;

		for (i = 0; i < G_N_ELEMENTS(cases); i++) {
			char *raw = g_strdup_printf("From: jan@example.net\n%sSubject: x\n\nbody\n", cases[i].headers);
			struct mail *m = NULL;
			struct fault f = { 0 };
			const char *name = NULL, *value = NULL;

			tap_ok(mail_parse(raw, strlen(raw), &m, &f) == 0 &&
			       classify_spam(m, names, prefixes, &name, &value) == cases[i].spam &&
			       (!cases[i].spam || (name != NULL && value != NULL)), "spam: %s", cases[i].what);
			mail_free(&m);
			g_free(raw);
		}
	}
	return tap_done();
}
