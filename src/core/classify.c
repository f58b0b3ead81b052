/* classify.c: telling customer mail from automatic mail (RFC 3834, RFC 3464,
 * RFC 2369/2919 list headers and vendors' auto-responder headers). */
#include <glib.h>
#include <string.h>

#include "classify.h"
#include "mail.h"

const char *classify_name(enum classify_kind kind)
{
	switch (kind) {
	case CLASSIFY_NORMAL: return "normal";
	case CLASSIFY_AUTO_REPLY: return "auto-reply";
	case CLASSIFY_BOUNCE: return "bounce";
	case CLASSIFY_LIST: return "list";
	case CLASSIFY_LOOP: return "loop";
	}
	return "normal";
}

bool classify_robot_address(const char *addr)
{
	static const char *const robots[] = {
		"mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply", "donotreply",
		"do-not-reply", "do_not_reply", "bounce", "bounces", "mail-daemon", "listserv",
		"majordomo", "nobody",
	};
	const char *at = strchr(addr, '@');
	size_t len = at ? (size_t)(at - addr) : strlen(addr), i;

	for (i = 0; i < sizeof(robots) / sizeof(robots[0]); i++)
		if (len == strlen(robots[i]) && g_ascii_strncasecmp(addr, robots[i], len) == 0)
			return true;
	/* VERP-style bounce addresses: bounce-123-user=example.org@lists.example.com */
	return len > 7 && (g_ascii_strncasecmp(addr, "bounce-", 7) == 0 ||
			   g_ascii_strncasecmp(addr, "bounces-", 8) == 0 ||
			   g_ascii_strncasecmp(addr, "noreply-", 8) == 0);
}

/* Whether a header is present with a value other than the given one. */
static bool classify_header_not(const struct mail *m, const char *name, const char *harmless)
{
	const char *v = mail_header(m, name);

	return v != NULL && (harmless == NULL || g_ascii_strncasecmp(v, harmless, strlen(harmless)) != 0 ||
			     v[strlen(harmless)] != '\0');
}

/* Whether a Precedence header has one of the given values. */
static bool classify_precedence(const struct mail *m, const char *const *values)
{
	const char *v = mail_header(m, "Precedence");

	for (; v != NULL && *values != NULL; values++)
		if (g_ascii_strcasecmp(v, *values) == 0)
			return true;
	return false;
}

/* The subjects out-of-office and other auto-responders write in front of
 * the subject they answer (Exchange and Outlook in their languages, old
 * and new wording; webmail vacation replies), compared in the form
 * classify_fold() gives. */
static const char *const classify_auto_subjects[] = {
	"Automatic reply", "Automatic response", "Automated reply", "Automated response", "Auto reply",
	"Autoreply", "Auto response", "Autoresponse", "Out of office", "Out of office reply",
	"Out of office autoreply", "Out of the office",
	"Automatische Antwort", "Abwesenheitsnotiz", "Abwesenheitsnachricht",
	"Réponse automatique", "Absence du bureau", "Réponse automatique d'absence du bureau",
	"Respuesta automática", "Fuera de la oficina",
	"Risposta automatica", "Fuori sede", "Fuori ufficio",
	"Resposta automática", "Fora do escritório",
	"Automatisch antwoord", "Afwezig", "Buiten kantoor",
	"Autoodpowiedź", "Odpowiedź automatyczna", "Automatyczna odpowiedź", "Poza biurem",
	"Automatická odpověď", "Mimo kancelář", "Automatická odpoveď", "Mimo kancelárie",
	"Balasan automatik", "Balas automatik", "Di luar pejabat", "Balasan otomatis", "Di luar kantor",
	"Automatiskt svar", "Automatisk svar", "Autosvar", "Automaattinen vastaus", "Automatikus válasz",
	"Răspuns automat", "Otomatik yanıt", "Автоматический ответ", "Автоматична відповідь",
	"Αυτόματη απάντηση", "自動応答", "自动回复", "自動回覆", "자동 회신",
};

/* How subjects are compared: at most the first 200 bytes, without
 * accents, case folded, dashes and every kind of space as one space. */
static char *classify_fold(const char *text)
{
	char *head = g_utf8_make_valid(text, (gssize)strnlen(text, 200));
	char *folded = g_utf8_casefold(head, -1), *nfd = g_utf8_normalize(folded, -1, G_NORMALIZE_NFD);
	GString *out = g_string_new(NULL);
	const char *p;

	for (p = nfd ? nfd : ""; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (g_unichar_ismark(c))
			continue;
		if (g_unichar_isspace(c) || c == '-' || c == '_' || c == 0x00a0 || c == 0x202f) {
			if (out->len > 0 && out->str[out->len - 1] != ' ')
				g_string_append_c(out, ' ');
			continue;
		}
		g_string_append_unichar(out, c == 0x0131 ? 'i' : c);	/* Turkish dotless i */
	}
	g_free(nfd);
	g_free(folded);
	g_free(head);
	return g_string_free(out, FALSE);
}

/* Whether a subject is an auto-responder's: it starts with one of
 * classify_auto_subjects followed by a colon, or is one of them. A
 * person's reply to one ("Re: Automatic reply: ...") is a person's, and so
 * is a subject that only mentions it ("Out of office settings broken"). */
static bool classify_auto_subject(const char *subject)
{
	char *s = classify_fold(subject);
	const char *rest = NULL;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(classify_auto_subjects) && rest == NULL; i++) {
		char *want = classify_fold(classify_auto_subjects[i]);
		size_t n = strlen(want);

		if (strncmp(s, want, n) == 0) {
			rest = s + n + (s[n] == ' ');
			if (*rest != '\0' && *rest != ':' && !g_str_has_prefix(rest, "\xef\xbc\x9a"))	/* U+FF1A */
				rest = NULL;
		}
		g_free(want);
	}
	g_free(s);
	return rest != NULL;
}

/* Decide the kind; the first rule that matches wins. */
static void classify_kind(const struct mail *m, const char *sender, const char *queue_addr,
			  struct classify_result *r)
{
	static const char *const auto_precedence[] = { "auto_reply", "auto-reply", NULL };
	static const char *const list_precedence[] = { "bulk", "junk", "list", NULL };
	const char *loop = mail_header(m, CLASSIFY_LOOP_HEADER);

	r->kind = CLASSIFY_NORMAL;
	r->reason = "";
	if (loop != NULL && queue_addr != NULL && g_ascii_strcasecmp(loop, queue_addr) == 0) {
		r->kind = CLASSIFY_LOOP;
		r->reason = CLASSIFY_LOOP_HEADER;
	} else if (m->report != NULL) {
		r->kind = CLASSIFY_BOUNCE;
		r->reason = "delivery-status report";
	} else if (classify_header_not(m, "Auto-Submitted", "no")) {
		r->kind = CLASSIFY_AUTO_REPLY;
		r->reason = "Auto-Submitted";
	} else if (classify_header_not(m, "X-Autoreply", NULL) ||
		   classify_header_not(m, "X-Autorespond", NULL) ||
		   classify_header_not(m, "X-Autoresponder", NULL) ||
		   classify_header_not(m, "X-Vacation", NULL) ||
		   classify_header_not(m, "X-MS-Exchange-Inbox-Rules-Loop", NULL) ||
		   classify_precedence(m, auto_precedence)) {
		r->kind = CLASSIFY_AUTO_REPLY;
		r->reason = "auto-responder header";
	} else if (mail_header(m, "List-Id") != NULL || mail_header(m, "List-Unsubscribe") != NULL ||
		   classify_precedence(m, list_precedence)) {
		r->kind = CLASSIFY_LIST;
		r->reason = "list header";
	} else if (classify_auto_subject(m->subject)) {
		/* an out-of-office reply without RFC 3834's header */
		r->kind = CLASSIFY_AUTO_REPLY;
		r->reason = "auto-responder subject";
	} else if (sender != NULL && *sender == '\0' && m->from_addr != NULL &&
		   classify_robot_address(m->from_addr)) {
		/* a bounce that is not RFC 3464: null sender from MAILER-DAEMON */
		r->kind = CLASSIFY_BOUNCE;
		r->reason = "null sender from a mailer daemon";
	} else if (loop != NULL) {
		/* another postdesk's mail: treat as automatic so that two helpdesks
		 * never answer each other */
		r->kind = CLASSIFY_AUTO_REPLY;
		r->reason = "another helpdesk's loop header";
	}
}

void classify_mail(const struct mail *m, const char *sender, const char *queue_addr,
		   struct classify_result *r)
{
	classify_kind(m, sender, queue_addr, r);
	r->no_auto_reply = r->kind != CLASSIFY_NORMAL ||
			   (sender != NULL && (*sender == '\0' || classify_robot_address(sender))) ||
			   m->from_addr == NULL ||
			   classify_robot_address(m->from_addr) ||
			   mail_header(m, "X-Auto-Response-Suppress") != NULL;
	if (r->kind == CLASSIFY_NORMAL && r->no_auto_reply)
		r->reason = "no automatic reply to this sender";
}

bool classify_spam(const struct mail *m, char *const *names, char *const *prefixes, const char **name_r,
		   const char **value_r)
{
	size_t i;

	for (i = 0; names != NULL && names[i] != NULL; i++) {
		/* the topmost field only: the MTA's own filter adds its field on top */
		const char *v = mail_header(m, names[i]);
		size_t n = strlen(prefixes[i]);

		if (v == NULL)
			continue;
		while (*v == ' ' || *v == '\t')
			v++;
		if (g_ascii_strncasecmp(v, prefixes[i], n) == 0) {
			*name_r = names[i];
			*value_r = v;
			return true;
		}
	}
	return false;
}
