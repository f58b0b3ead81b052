/* test_quote.c: the agent's new text in a reply: top-, bottom- and
 * interleaved posting, the attribution and separator lines of the common
 * clients in each language, signatures, and huge or hostile input. */
#include <glib.h>
#include <string.h>

#include "quote.h"
#include "tap.h"

/* Run quote_reply on body and compare the text (and signature, NULL for none). */
static void reply(const char *body, const char *want, const char *want_sig, const char *what)
{
	struct quote_reply r;

	quote_reply(body, &r);
	tap_is(r.text, want, "%s", what);
	if (want_sig != NULL || r.signature != NULL)
		tap_is(r.signature ? r.signature : "(none)", want_sig ? want_sig : "(none)", "%s: signature", what);
	quote_reply_clear(&r);
}

/* The text of body alone. */
static void trim(const char *body, const char *want, const char *what)
{
	reply(body, want, NULL, what);
}

/* Whether quote_reply marks body as interleaved. */
static bool interleaved(const char *body)
{
	struct quote_reply r;
	bool i;

	quote_reply(body, &r);
	i = r.interleaved;
	quote_reply_clear(&r);
	return i;
}

/* Top-posted replies: the history below an attribution or separator. */
static void test_top(void)
{
	trim("Please unplug it.\n\nOn Sun, 22 Nov 2026 at 10:00, Jan Kowalski <jan@example.net> wrote:\n> It is on fire.\n",
	     "Please unplug it.\n", "Gmail");
	trim("Please unplug it.\n\nOn Sun, 22 Nov 2026 at 10:00, Jan Kowalski\n<jan@example.net> wrote:\n> fire\n",
	     "Please unplug it.\n", "Gmail, attribution wrapped over two lines");
	trim("See you at 10:00.\nJan Kowalski <jan@example.net> wrote:\n> fire\n", "See you at 10:00.\n",
	     "a sentence with a time before a short attribution is not joined to it");
	trim("Answer\r\n\r\n-----Original Message-----\r\nFrom: Jan\r\nSent: Sunday\r\n\r\nold\r\n",
	     "Answer\n", "Outlook, Original Message, CRLF");
	trim("Answer\n\n________________________________\nFrom: Jan <jan@example.net>\nSent: Sunday, November 22, 2026 10:00\nTo: support\n\nold\n",
	     "Answer\n", "Outlook on the web, rule and header block");
	trim("Answer\n\nFrom: Jan <jan@example.net>\nSent: Sunday\nSubject: x\n\nold\n", "Answer\n",
	     "Outlook header block without a rule");
	trim("Answer\n\xc2\xa0\nFrom: Jan <jan@example.net>\nSent: Sunday\n\xc2\xa0\nold\n", "Answer\n",
	     "Outlook's empty paragraphs (a no-break space) are blank lines");
	trim("Answer\n\n*From:* Jan <jan@example.net>\n*Sent:* Sunday\n*To:* x\n\nold\n", "Answer\n",
	     "Outlook header block in bold (as a text part renders <b>)");
	trim("Answer\n\nFrom: Jan Kowalski via Example Support\n<support@example.org>\nDate: Sunday, 22 November 2026 at 10:00\nTo: Anna\n\nold\n",
	     "Answer\n", "Outlook for Mac, the From line wrapped, Date");
	trim("Antwort\n\nVon: Jan <jan@example.net>\nGesendet: Sonntag, 22. November 2026 10:00\nAn: x\nBetreff: y\n\nalt\n",
	     "Antwort\n", "Outlook de header block");
	trim("Réponse\n\nDe : Jan <jan@example.net>\nEnvoyé : dimanche 22 novembre 2026 10:00\nÀ : x\nObjet : y\n\nvieux\n",
	     "Réponse\n", "Outlook fr header block (space before the colon)");
	trim("Respuesta\n\nDe: Jan <jan@example.net>\nEnviado el: domingo, 22 de noviembre de 2026 10:00\nPara: x\nAsunto: y\n",
	     "Respuesta\n", "Outlook es header block");
	trim("Risposta\n\nDa: Jan <jan@example.net>\nInviato: domenica 22 novembre 2026 10:00\nA: x\nOggetto: y\n",
	     "Risposta\n", "Outlook it header block");
	trim("Resposta\n\nDe: Jan <jan@example.net>\nEnviado: domingo, 22 de novembro de 2026 10:00\nPara: x\nAssunto: y\n",
	     "Resposta\n", "Outlook pt header block");
	trim("Antwoord\n\nVan: Jan <jan@example.net>\nVerzonden: zondag 22 november 2026 10:00\nAan: x\nOnderwerp: y\n",
	     "Antwoord\n", "Outlook nl header block");
	trim("Odpowiedź\n\nOd: Jan <jan@example.net>\nWysłano: niedziela, 22 listopada 2026 10:00\nDo: x\nTemat: y\n",
	     "Odpowiedź\n", "Outlook pl header block");
	trim("Odpověď\n\nOd: Jan <jan@example.net>\nOdesláno: neděle 22. listopadu 2026 10:00\nKomu: x\nPředmět: y\n",
	     "Odpověď\n", "Outlook cs header block");
	trim("Jawapan\n\nDaripada: Ali <ali@example.net>\nDihantar: Ahad, 22 November 2026 10:00\nKepada: x\nPerkara: y\n",
	     "Jawapan\n", "Outlook ms header block");
	trim("A\n\n-----Ursprüngliche Nachricht-----\nVon: x\n", "A\n", "Outlook de rule");
	trim("A\n\n-----Message d'origine-----\nDe : x\n", "A\n", "Outlook fr rule");
	trim("A\n\n-----Mensaje original-----\nDe: x\n", "A\n", "Outlook es rule");
	trim("A\n\n-----Messaggio originale-----\nDa: x\n", "A\n", "Outlook it rule");
	trim("A\n\n-----Mensagem original-----\nDe: x\n", "A\n", "Outlook pt rule");
	trim("A\n\n-----Oorspronkelijk bericht-----\nVan: x\n", "A\n", "Outlook nl rule");
	trim("A\n\n-----Wiadomość oryginalna-----\nOd: x\n", "A\n", "Outlook pl rule");
	trim("A\n\n-----Oryginalna wiadomość-----\nOd: x\n", "A\n", "Outlook pl rule, other order");
	trim("A\n\nOryginalna wiadomość\nOd: Jan <jan@example.net>\nData: 22.11.2026 10:00\n", "A\n",
	     "a bare rule title before a header block");
	trim("A\n\n-----Původní zpráva-----\nOd: x\n", "A\n", "Outlook cs rule");
	trim("A\n\n-----Mesej Asal-----\nDaripada: x\n", "A\n", "Outlook ms rule");
	trim("A\n\n-----ORIGINAL MESSAGE-----\nFrom: x\n", "A\n", "rule matched case-insensitively");
	trim("A\n\n-------- Original Message --------\nSubject: x\n", "A\n", "Thunderbird's rule (forward inline)");
	trim("A\n\n--- Treść oryginalnej wiadomości ---\nTemat: x\n", "A\n", "Thunderbird pl rule");
	trim("Answer\n\nOn 22/11/2026 10:00, Jan Kowalski wrote:\n> old\n", "Answer\n", "Thunderbird");
	trim("Answer\n\n> On 22 Nov 2026, at 10:00, Jan <jan@example.net> wrote:\n> \n> old\n", "Answer\n",
	     "Apple Mail (quoted attribution: trailing quote block)");
	trim("Answer\n\nSent from my iPhone\n\n> On 22 Nov 2026, at 10:00, Jan <jan@example.net> wrote:\n>\n> old\n",
	     "Answer\n\nSent from my iPhone\n", "iOS Mail: 'Sent from my iPhone' is the agent's text");
	trim("Answer\n\n* Jan Kowalski <jan@example.net> [2026-11-22 10:00]:\n> old\n", "Answer\n", "Mutt");
	trim("Answer\n\nOn Sun, Nov 22, 2026 at 10:00:00AM +0100, Jan Kowalski wrote:\n> old\n", "Answer\n",
	     "Mutt's default attribution");
	trim("Odpowiedź\n\nDnia 22.11.2026 o 10:00 Jan Kowalski <jan@example.net> napisał(a):\n> stare\n",
	     "Odpowiedź\n", "Polish attribution");
	trim("Odpowiedź\n\nW dniu 22.11.2026 o 10:00, Jan Kowalski pisze:\n> stare\n", "Odpowiedź\n",
	     "Thunderbird pl");
	trim("Odpowiedź\n\nniedz., 22 lis 2026 o 10:00 Jan Kowalski <jan@example.net> napisał(a):\n> stare\n",
	     "Odpowiedź\n", "Gmail pl");
	trim("Odpowiedź\n\nWiadomość napisana przez Jan Kowalski <jan@example.net> w dniu 22.11.2026, o godz. 10:00:\n\n> stare\n",
	     "Odpowiedź\n", "Apple Mail pl");
	trim("Odpověď\n\nDne 22. 11. 2026 10:00 Jan Novák napsal(a):\n> staré\n", "Odpověď\n", "Czech attribution");
	trim("Odpověď\n\nne 22. 11. 2026 v 10:00 odesílatel Jan Novák <jan@example.cz>\nnapsal:\n\n> staré\n",
	     "Odpověď\n", "Gmail cs, wrapped");
	trim("Jawapan\n\nPada 22 Nov 2026, Ali menulis:\n> lama\n", "Jawapan\n", "Malay attribution");
	trim("Jawapan\n\nPada Ahd, 22 Nov 2026 pada 10:00 PG, Ali <ali@example.my> menulis:\n> lama\n", "Jawapan\n",
	     "Gmail ms");
	trim("Antwort\n\nAm So., 22. Nov. 2026 um 10:00 Uhr schrieb Jan Kowalski <jan@example.net>:\n> alt\n",
	     "Antwort\n", "Gmail de");
	trim("Antwort\n\nAm 22.11.26 um 10:00 schrieb Jan Kowalski:\n> alt\n", "Antwort\n", "Thunderbird de");
	trim("Réponse\n\nLe dim. 22 nov. 2026 à 10:00, Jan <jan@example.net> a écrit\xe2\x80\xaf:\n> vieux\n", "Réponse\n",
	     "Gmail fr (narrow no-break space before the colon)");
	trim("Respuesta\n\nEl dom, 22 nov 2026 a las 10:00, Jan (<jan@example.net>) escribió:\n> viejo\n", "Respuesta\n",
	     "Gmail es");
	trim("Risposta\n\nIl giorno dom 22 nov 2026 alle ore 10:00 Jan Kowalski\n<jan@example.net> ha scritto:\n> vecchio\n",
	     "Risposta\n", "Gmail it, wrapped");
	trim("Resposta\n\nEm dom., 22 de nov. de 2026 às 10:00, Jan <jan@example.net> escreveu:\n> antigo\n",
	     "Resposta\n", "Gmail pt");
	trim("Antwoord\n\nOp zo 22 nov 2026 om 10:00 schreef Jan <jan@example.net>:\n> oud\n", "Antwoord\n", "Gmail nl");
	trim("Antwoord\n\nOp 22 nov. 2026 om 10:00 heeft Jan <jan@example.net> het volgende geschreven:\n\n> oud\n",
	     "Antwoord\n", "Apple Mail nl");
	trim("Answer\n\nOn Sun, Nov 22, 2026 at 10:00 AM Jan <jan@example.net> wrote:\nold history, not quoted\n",
	     "Answer\n", "an attribution with an address above unquoted history (HTML as text)");
	trim("Answer\n\n---------- Forwarded message ---------\nFrom: Jan <jan@example.net>\nDate: Sun\n\nold\n",
	     "Answer\n", "a forwarded message below the answer is history too");
}

/* Bottom-posted replies: a leading quote (after an attribution), the answer below. */
static void test_bottom(void)
{
	trim("On 22/11/2026 10:00, Jan Kowalski wrote:\n> It is on fire.\n> Help.\n\nPlease unplug it.\n",
	     "Please unplug it.\n", "Thunderbird bottom-post");
	trim("W dniu 22.11.2026 o 10:00, Jan pisze:\n> Pali się.\n\nProszę odłączyć.\n\nDrugi akapit.\n",
	     "Proszę odłączyć.\n\nDrugi akapit.\n", "bottom-post of two paragraphs");
	trim("> Hello Anna,\n>\n> It is on fire.\n\nPlease unplug it.\n\n> Reply to this message to answer the customer\n",
	     "> It is on fire.\n\nPlease unplug it.\n",
	     "an answer put inside the quote (quoted lines before and after it) is interleaved");
	reply("> It is on fire.\n\nPlease unplug it.\n\n-- \nAnna\n\n> old\n", "Please unplug it.\n", "Anna\n",
	      "a quote after the signature is history: a bottom-post still");
	tap_ok(!interleaved("> question\nanswer\n"), "a bottom-post is not interleaved");
	trim("Jan Kowalski wrote:\n> fire\n\nUnplug it.\n", "Unplug it.\n", "a short attribution before a quote");
	reply("On 22/11/2026 10:00, Jan Kowalski wrote:\n> fire\n\nUnplug it.\n\n-- \nAnna Agent\nExample Support\n",
	      "Unplug it.\n", "Anna Agent\nExample Support\n", "bottom-post with a signature");
	trim("> only quoted\n> lines\n", "", "only a quote: no new text");
	trim("On 22/11/2026 10:00, Jan Kowalski wrote:\n> fire\n", "", "only an attribution and a quote");
}

/* Interleaved replies: quote, answer, quote, answer. */
static void test_interleaved(void)
{
	trim("> you asked X\nAnswer to X.\n> and Y\nAnswer to Y.\n\n> old tail\n> more\n",
	     "> you asked X\nAnswer to X.\n> and Y\nAnswer to Y.\n", "interleaved answers kept, trailing quotes cut");
	trim("* Jan <jan@example.net> [2026-11-22 10:00]:\n> Is it X?\n\nYes.\n\n> Or Y?\n\nNo.\n\n> Thanks\n",
	     "> Is it X?\n\nYes.\n\n> Or Y?\n\nNo.\n", "Mutt interleaved: attribution and trailing quote dropped");
	tap_ok(interleaved("> a\nb\n> c\nd\n"), "two quote blocks each followed by text: interleaved");
	trim("Hello,\n\n> Is it X?\nYes.\n", "Hello,\n\n> Is it X?\nYes.\n",
	     "text, quote, text: interleaved (the quote sits between new text)");
	trim("> On 22 Nov 2026, at 10:00, Jan <jan@example.net> wrote:\n>\n> Is it X?\nYes.\n> Or Y?\nNo.\n",
	     "> Is it X?\nYes.\n> Or Y?\nNo.\n", "a quoted attribution inside a kept quote is dropped");
	trim("> Il giorno dom 22 nov 2026 alle ore 10:00 Jan\n> <jan@example.net> ha scritto:\n> X?\nSì.\n> Y?\nNo.\n",
	     "> X?\nSì.\n> Y?\nNo.\n", "a wrapped quoted attribution inside a kept quote is dropped");
	reply("> X?\nYes.\n> Y?\nNo.\n\n-- \nAnna\n\n> old\n", "> X?\nYes.\n> Y?\nNo.\n", "Anna\n",
	      "interleaved with a signature before the trailing quote");
	trim("> Hello Anna,\n>\n> A new case #7 has arrived.\n>\n> -----------------------------\n> Is it X?\nYes.\n> Y?\nNo.\n",
	     "> Is it X?\nYes.\n> Y?\nNo.\n",
	     "of a quote kept, only its last paragraph (the one answered): not the greeting above it");
	trim("Hi,\n\n> first\n\n> second\n>\n\nanswer\n> third\nmore\n", "Hi,\n\n> second\n\nanswer\n> third\nmore\n",
	     "a quote followed by another quote, not by text, is left out; empty quoted lines before the answer too");
	tap_ok(!interleaved("> a\n\n> b\nanswer\n"), "two quotes before the only answer: a bottom-post");
}

/* Signatures: after "-- " (or "--") in the new text; in the history they are history. */
static void test_signature(void)
{
	reply("Unplug it.\n\n-- \nAnna Agent\n+48 22 000 00 00\n\nOn 22/11/2026 10:00, Jan wrote:\n> fire\n",
	      "Unplug it.\n", "Anna Agent\n+48 22 000 00 00\n", "top-post, signature above the quote");
	reply("Unplug it.\n--\nAnna\n", "Unplug it.\n", "Anna\n", "'--' without the space");
	reply("Unplug it.\r\n-- \r\nAnna\r\n", "Unplug it.\n", "Anna\n", "CRLF signature");
	reply("Unplug it.\n\n-- \nAnna\n\nFrom: Jan <jan@example.net>\nSent: Sunday\n\nold\n-- \nJan's signature\n",
	      "Unplug it.\n", "Anna\n", "Outlook: the signature stops at the header block; the old one is history");
	reply("Unplug it.\n\nOn 22/11/2026 10:00, Jan wrote:\n> fire\n> -- \n> Jan's signature\n", "Unplug it.\n", NULL,
	      "a signature in the quoted history is history");
	reply("Unplug it.\n\n-- \n\n", "Unplug it.\n", NULL, "an empty signature is none");
	reply("Unplug it.\n---\nAnna\n", "Unplug it.\n---\nAnna\n", NULL, "'---' is not a separator");
}

/* What is not an attribution. */
static void test_not(void)
{
	trim("No quotes at all.\nSecond line.\n", "No quotes at all.\nSecond line.\n", "nothing to trim");
	trim("", "", "empty body");
	reply(NULL, "", NULL, "NULL body");
	trim("no line end", "no line end\n", "a last line without LF gets one");
	trim("I wrote: on Monday we will call.\n", "I wrote: on Monday we will call.\n",
	     "'wrote' inside a sentence is not an attribution");
	trim("On Monday I wrote:\nWe will call.\n", "On Monday I wrote:\nWe will call.\n",
	     "'On ... wrote:' without a time nor a quote after it is text");
	trim("At 10:00 the technician wrote:\nAll fixed.\n", "At 10:00 the technician wrote:\nAll fixed.\n",
	     "a time but no address nor opening: text unless a quote follows");
	trim("From: the warehouse\nIt ships on Monday.\n", "From: the warehouse\nIt ships on Monday.\n",
	     "'From:' without 'Sent:' is text");
	trim("Thanks\n__________\nAnna\n", "Thanks\n__________\nAnna\n", "underscores not before a header block are text");
	trim("   indented text\n\ttab\n", "   indented text\n\ttab\n", "leading white space kept");
	trim("trailing spaces   \nflowed \nlines\n", "trailing spaces\nflowed\nlines\n", "trailing white space dropped");
	tap_ok(quote_is_attribution("On Sun, 22 Nov 2026 at 10:00, Jan <jan@example.net> wrote:", NULL),
	       "quote_is_attribution: Gmail");
	tap_ok(quote_is_attribution("Il giorno dom 22 nov 2026 alle ore 10:00 Jan", "<jan@example.net> ha scritto:"),
	       "quote_is_attribution: wrapped");
	tap_ok(quote_is_attribution("-----Original Message-----", NULL), "quote_is_attribution: Outlook rule");
	tap_ok(!quote_is_attribution("Jan wrote:", NULL), "quote_is_attribution: no date, not alone");
	tap_ok(!quote_is_attribution("Thanks.", "On Sun, 22 Nov 2026 at 10:00, Jan <jan@example.net> wrote:"),
	       "quote_is_attribution: a sentence is not joined to the attribution after it");
}

/* Seconds that quote_reply(body) takes, with the text it made (g_free). */
static double timed(const char *body, char **text_r)
{
	struct quote_reply r;
	gint64 t0 = g_get_monotonic_time();

	quote_reply(body, &r);
	*text_r = g_steal_pointer(&r.text);
	quote_reply_clear(&r);
	return (double)(g_get_monotonic_time() - t0) / 1e6;
}

/* n copies of line, then tail. */
static GString *repeated(const char *line, int n, const char *tail)
{
	GString *s = g_string_new(NULL);
	int i;

	for (i = 0; i < n; i++)
		g_string_append(s, line);
	g_string_append(s, tail);
	return s;
}

/* Ten times as many lines take about ten times as long, not a hundred: a
 * ratio, so that it holds under valgrind and the sanitizers too; want is
 * the length of the text of n lines, per line. */
static void check_linear(const char *line, int n, size_t want_per_line, const char *what)
{
	GString *small = repeated(line, n, ""), *big = repeated(line, 10 * n, "");
	char *text;
	double t1 = timed(small->str, &text), t10;

	g_free(text);
	t10 = timed(big->str, &text);
	tap_ok(t10 < 30 * t1 + 0.05, "%s: ten times the lines, %.3f s instead of %.3f s (linear: about ten times)",
	       what, t10, t1);
	tap_int((long long)strlen(text), (long long)(want_per_line * 10 * (size_t)n), "%s: the text", what);
	g_free(text);
	g_string_free(small, TRUE);
	g_string_free(big, TRUE);
}

/* Huge and hostile input: linear, whatever the shape (time limits stretched
 * by TAP_TIME_SCALE under valgrind and the sanitizers). */
static void test_huge(void)
{
	GString *s;
	char *text;
	double t;
	int i;

	/* 17 MB of text, a million lines, then a quote */
	s = repeated("line of new text\n", 1000000, "On Sun, 22 Nov 2026 at 10:00, Jan <jan@example.net> wrote:\n> old\n");
	t = timed(s->str, &text);
	tap_int((long long)strlen(text), 17000000, "a million lines of text, top-posted");
	tap_ok(tap_within(t, 1.0), "a million lines in %.2f s", t);
	g_free(text);
	g_string_free(s, TRUE);
	/* a million quoted lines interleaved with answers */
	s = repeated("> q\na\n", 500000, "");
	t = timed(s->str, &text);
	tap_int((long long)strlen(text), 500000 * 6, "a million interleaved lines kept");
	tap_ok(tap_within(t, 1.0), "a million interleaved lines in %.2f s", t);
	g_free(text);
	g_string_free(s, TRUE);
	/* a million '>' levels on one line, then an answer */
	s = repeated(">", 1000000, " On 22/11/2026 10:00, Jan wrote:\nanswer\n> x\nmore\n");
	t = timed(s->str, &text);
	tap_ok(g_str_has_suffix(text, "answer\n> x\nmore\n"), "a million quote levels");
	tap_ok(tap_within(t, 0.5), "a million quote levels in %.2f s", t);
	g_free(text);
	g_string_free(s, TRUE);
	/* 1 MB lines that end like an attribution, or are dashes, or underscores */
	s = g_string_new("On ");
	for (i = 0; i < 1000000; i++)
		g_string_append_c(s, i % 7 ? 'x' : ' ');
	g_string_append(s, " 10:00 <a@b> wrote:\n> q\n");
	for (i = 0; i < 1000000; i++)
		g_string_append_c(s, '-');
	g_string_append(s, "\nFrom: x\n");
	for (i = 0; i < 1000000; i++)
		g_string_append_c(s, '_');
	g_string_append(s, "\n");
	t = timed(s->str, &text);
	tap_ok(strlen(text) == s->len, "1 MB lines are text, kept whole");
	tap_ok(tap_within(t, 0.5), "1 MB lines in %.2f s", t);
	g_free(text);
	g_string_free(s, TRUE);
	/* lines that each make quote.c look further: linear all the same */
	check_linear("On 22/11/2026 10:00, x:\n", 20000, 24, "lines that each look like half an attribution");
	check_linear("From: x\n", 20000, 8, "'From:' lines (each looks a few lines ahead)");
	check_linear("> On 22/11/2026 10:00, x:\nb\n", 10000, 28, "interleaved quoted half attributions");
	check_linear("-- \n", 20000, 0, "'-- ' lines (the first counts)");
	check_linear("________________________________\n", 20000, 33, "underscore rules");
	/* invalid UTF-8 in attribution candidates */
	trim("A\n\xff\xfe On 22/11/2026 10:00, \xc3 wrote:\n> x\n", "A\n", "invalid UTF-8 in an attribution");
}

int main(void)
{
	test_top();
	test_bottom();
	test_interleaved();
	test_signature();
	test_not();
	test_huge();
	return tap_done();
}
