/* test_quote_html.c: the agent's part of an HTML reply, as each mail
 * client writes replies (tests/fixtures/html/), and hostile HTML. */
#include <glib.h>

#include "html.h"
#include "html_allowed.h"
#include "quote_html.h"
#include "tap.h"

/* quote_html(html) is want (NULL: nothing), holds only allowed markup,
 * and reads as want_text. */
static void check(const char *html, const char *want, const char *want_text, const char *what)
{
	char *got = quote_html(html);

	tap_is(got, want, "%s", what);
	if (got != NULL) {
		const char *bad = html_allowed_violation(got);
		char *text = html_to_text(got);

		if (!tap_ok(bad == NULL, "%s: only allowed elements and attributes", what))
			printf("# %s\n", bad);
		if (want_text != NULL)
			tap_is(text, want_text, "%s: its text", what);
		g_free(text);
	}
	g_free(got);
}

/* The fixture NAME.html of tests/fixtures/html/ (g_free). */
static char *fixture(const char *name)
{
	const char *dir = g_getenv("TEST_SRCDIR");
	char *path = g_strdup_printf("%s/fixtures/html/%s.html", dir != NULL ? dir : "tests", name), *s = NULL;

	if (!g_file_get_contents(path, &s, NULL, NULL))
		s = NULL;
	tap_ok(s != NULL, "fixture %s read", path);
	g_free(path);
	return s != NULL ? s : g_strdup("");
}

/* A fixture through quote_html(). */
static void check_fixture(const char *name, const char *want, const char *want_text, const char *what)
{
	char *html = fixture(name);

	check(html, want, want_text, what);
	g_free(html);
}

/* Replies as the mail clients write them. */
static void test_clients(void)
{
	check_fixture("gmail-en",
		      "<div><div>Hi Jan,</div><div><br></div><div>your refund of <b>49.90 EUR</b> was issued today.</div>"
		      "<div><br></div><div>Kind regards,</div><div>Anna</div><div><br></div>-- <br><div><div>"
		      "Anna Nowak | Example Shop Support<br><a href=\"https://shop.example.com\" rel=\"noopener noreferrer\">"
		      "shop.example.com</a></div></div></div>",
		      "Hi Jan,\n\nyour refund of 49.90 EUR was issued today.\n\nKind regards,\nAnna\n\n-- \n"
		      "Anna Nowak | Example Shop Support\nshop.example.com <https://shop.example.com>",
		      "Gmail, English, top-posted, with a signature (gmail_quote_container)");
	check_fixture("gmail-pl",
		      "<div>Dzień dobry,<div><br></div><div>paczka wyszła wczoraj, numer przesyłki: "
		      "<a href=\"https://tracking.example.pl/?n=123\" rel=\"noopener noreferrer\">123</a>.</div>"
		      "<div><br></div><div>Pozdrawiam<br>Anna</div></div>",
		      "Dzień dobry,\n\npaczka wyszła wczoraj, numer przesyłki: 123 <https://tracking.example.pl/?n=123>.\n\n"
		      "Pozdrawiam\nAnna",
		      "Gmail, Polish (\"napisał(a):\")");
	check_fixture("gmail-interleaved",
		      "<div>Hi Jan,<div><br></div><div>answers below.</div></div><br><div><blockquote><div>"
		      "1. Can I change the delivery address?<br></div></blockquote><div>Yes, until the parcel ships.</div>"
		      "<div> </div><blockquote><div>2. Do you ship to Malaysia?</div></blockquote><div>Not yet, sorry.</div></div>",
		      "Hi Jan,\n\nanswers below.\n\n> 1. Can I change the delivery address?\n\nYes, until the parcel ships.\n\n"
		      "> 2. Do you ship to Malaysia?\n\nNot yet, sorry.",
		      "Gmail, interleaved: the quotes answered kept, the last one and the attribution cut");
	check_fixture("gmail-bottom",
		      "<div>Su pedido sale hoy.</div><div><br></div><div>Saludos,</div><div>Lucía</div>",
		      "Su pedido sale hoy.\n\nSaludos,\nLucía", "Gmail, Spanish, bottom-posted");
	check_fixture("outlook-en",
		      "<div><div>Hello Jan,</div> <div>\xc2\xa0</div> <div>The replacement was sent today, tracking number "
		      "<b>PL123456</b>.</div> <div>See <a href=\"https://track.example.com/PL123456\" "
		      "rel=\"noopener noreferrer\">the tracking page</a>.</div> <div>\xc2\xa0</div> <div>Best regards,</div> "
		      "<div>Anna Nowak</div></div>",
		      "Hello Jan,\n\nThe replacement was sent today, tracking number PL123456.\n"
		      "See the tracking page <https://track.example.com/PL123456>.\n\nBest regards,\nAnna Nowak",
		      "Outlook desktop, English: the header block and all after it cut");
	check_fixture("outlook-fr",
		      "<div><div>Bonjour Madame Dubois,</div><div>\xc2\xa0</div><div>Voici les étapes\xc2\xa0:</div>"
		      "<div>1.\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0 Redémarrez le routeur.</div>"
		      "<div>2.\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0\xc2\xa0 Attendez <i>deux</i> minutes.</div><div>\xc2\xa0</div>"
		      "<div>Cordialement,</div><div>Marie</div></div>",
		      "Bonjour Madame Dubois,\n\nVoici les étapes :\n1. Redémarrez le routeur.\n2. Attendez deux minutes.\n\n"
		      "Cordialement,\nMarie",
		      "Outlook desktop, French (\"De :\"), a Word list, the history in a blue-bordered block");
	check_fixture("outlook-de",
		      "<div><div>Guten Tag Herr Schmidt,</div> <div>\xc2\xa0</div> <div>die Gutschrift über 49,90\xc2\xa0€ "
		      "ist unterwegs.</div> <div>\xc2\xa0</div> <div>Mit freundlichen Grüßen</div> <table> <tr> <td> <div>"
		      "<img src=\"cid:image001.png@01DA6E1F.5E7A3B20\" alt=\"Logo Beispiel GmbH\" width=\"64\" height=\"64\">"
		      "</div> </td> <td> <div><b>Lukas Becker</b></div> <div>Kundendienst | "
		      "<a href=\"mailto:lukas.becker@beispiel.de\" rel=\"noopener noreferrer\">lukas.becker@beispiel.de</a>"
		      "</div></td></tr></table></div>",
		      "Guten Tag Herr Schmidt,\n\ndie Gutschrift über 49,90 € ist unterwegs.\n\nMit freundlichen Grüßen\n\n"
		      "Lukas Becker\nKundendienst | lukas.becker@beispiel.de",
		      "Outlook desktop, German, a signature table with the logo as a cid: image");
	check_fixture("outlook-cs",
		      "<div><div>Dobrý den,</div><div>\xc2\xa0</div><div>reklamaci jsme přijali, náhradu pošleme do pátku.</div>"
		      "<div>\xc2\xa0</div><div>S pozdravem</div><div>Petr Dvořák</div></div>",
		      "Dobrý den,\n\nreklamaci jsme přijali, náhradu pošleme do pátku.\n\nS pozdravem\nPetr Dvořák",
		      "Outlook 2010, Czech (\"Od:\"), the older header border");
	check_fixture("owa-es",
		      "<div> Hola Carlos,</div> <div> <br> </div> <div> el pedido ya está en camino.</div> <div> <br> </div> "
		      "<div> Saludos,<br> Lucía</div>",
		      "Hola Carlos,\n\nel pedido ya está en camino.\n\nSaludos,\nLucía",
		      "Outlook on the web, Spanish: appendonsend and all after it cut");
	check_fixture("outlook-ios-ms",
		      "<div>Selamat pagi Encik Ahmad,</div> <div><br></div> <div>Bayaran balik telah diproses.</div> "
		      "<div><div><br></div>Dapatkan <a href=\"https://aka.ms/o0ukef\" rel=\"noopener noreferrer\">Outlook untuk iOS</a></div>",
		      "Selamat pagi Encik Ahmad,\n\nBayaran balik telah diproses.\n\nDapatkan Outlook untuk iOS <https://aka.ms/o0ukef>",
		      "Outlook for iOS, Malay: the reference message container cut");
	check_fixture("windows-mail-pl",
		      "<div><div>Dziękuję, już działa.</div><div>\xc2\xa0</div><div>Wysłane z "
		      "<a href=\"https://go.microsoft.com/fwlink/?LinkId=550986\" rel=\"noopener noreferrer\">Poczty</a> dla Windows"
		      "</div></div>",
		      "Dziękuję, już działa.\n\nWysłane z Poczty <https://go.microsoft.com/fwlink/?LinkId=550986> dla Windows",
		      "Windows Mail, Polish (\"Od: \" in bold)");
	check_fixture("thunderbird-cs",
		      "<p>Dobrý den,</p> <p>reklamace byla schválena.</p> <p>S pozdravem<br> Petr</p> <div>-- <br> "
		      "Petr Svoboda, zákaznická podpora</div>",
		      "Dobrý den,\n\nreklamace byla schválena.\n\nS pozdravem\nPetr\n\n-- \nPetr Svoboda, zákaznická podpora",
		      "Thunderbird, Czech, top-posted with a signature");
	check_fixture("thunderbird-bottom",
		      "<p>It left our warehouse this morning.</p> <p>Anna<br> </p> <div>-- <br> Anna Nowak</div>",
		      "It left our warehouse this morning.\n\nAnna\n\n-- \nAnna Nowak",
		      "Thunderbird, bottom-posted: the leading quote and its attribution cut");
	check_fixture("thunderbird-interleaved",
		      "<blockquote><p>Können Sie die Lieferadresse ändern?</p> </blockquote> <p>Ja, das ist erledigt.</p> "
		      "<blockquote> <p>Und wann kommt die Rechnung?</p> </blockquote> <p>Sie kommt per Post.</p>",
		      "> Können Sie die Lieferadresse ändern?\n\nJa, das ist erledigt.\n\n> Und wann kommt die Rechnung?\n\n"
		      "Sie kommt per Post.",
		      "Thunderbird, German, interleaved");
	check_fixture("thunderbird-only-quote", NULL, NULL, "Thunderbird, nothing written: nothing");
	check_fixture("apple-old", "I can call you at 3 pm, if that suits you.<div><br></div><div>Patrick</div>",
		      "I can call you at 3 pm, if that suits you.\n\nPatrick",
		      "Apple Mail (2014): the attribution div before the quote");
	check_fixture("apple-new",
		      "<div>Dear Ms Taylor,</div><div><br></div><div>the replacement is on its way.</div><div><br></div>"
		      "<div>Kind regards,</div><div>Camille</div><br><div>Sent from my Mac</div>",
		      "Dear Ms Taylor,\n\nthe replacement is on its way.\n\nKind regards,\nCamille\n\nSent from my Mac",
		      "Apple Mail: the attribution in the quote");
	check_fixture("ios-ms",
		      "<div>Terima kasih, kami akan menghubungi anda esok.</div><div><br></div><div>Dihantar dari iPhone saya</div>",
		      "Terima kasih, kami akan menghubungi anda esok.\n\nDihantar dari iPhone saya",
		      "iOS Mail, Malay (\"menulis:\"): both quotes cut");
	check_fixture("yahoo-en", "<div><div>Thanks, the issue is fixed now.</div></div>", "Thanks, the issue is fixed now.",
		      "Yahoo: yahoo_quoted cut");
	check_fixture("original-message", "<div>Ok, zrobione.</div>", "Ok, zrobione.",
		      "a \"-----Original Message-----\" line and all after it cut");
}

/* Small cases: each rule alone. */
static void test_rules(void)
{
	check("<p>Just an answer.</p>", "<p>Just an answer.</p>", "Just an answer.", "no history: all of it");
	check("", NULL, NULL, "empty: nothing");
	check(NULL, NULL, NULL, "NULL: nothing");
	check("<blockquote>only a quote</blockquote>", NULL, NULL, "only a quote: nothing");
	check("<p>&nbsp;</p><br><div> </div>", NULL, NULL, "only white space: nothing");
	check("<p><img src=\"cid:sig@x\"></p><blockquote>q</blockquote>", "<p><img src=\"cid:sig@x\"></p>", "",
	      "an image of the mail is the agent's");
	check("<p>Answer</p><p><img src=\"http://tracker.example/p.gif\"></p><blockquote>q</blockquote>",
	      "<p>Answer</p>", "Answer", "a tracker image is nothing: trimmed with the quote");
	check("<p>Answer</p><blockquote>old</blockquote>", "<p>Answer</p>", "Answer", "a trailing plain blockquote cut");
	check("<p>Answer</p><blockquote style=\"margin:0 0 0 40px;border:none;padding:0px\">indented</blockquote>",
	      "<p>Answer</p><blockquote>indented</blockquote>", "Answer\n\n> indented",
	      "Gmail's indentation is the agent's (a blockquote without its style then)");
	check("<p>Answer</p><div>On Mon, 4 Mar 2024 at 10:12, Jan &lt;jan@example.com&gt; wrote:</div><blockquote>q</blockquote>",
	      "<p>Answer</p>", "Answer", "an attribution line before the quote cut with it");
	check("<p>Answer</p><div class=\"gmail_quote\">On Mon, Mar 4, 2024 at 10:12 AM, Jan Kowalski &lt;"
	      "<a href=\"mailto:jan@example.com\">jan@example.com</a>&gt; wrote:<br><blockquote class=\"gmail_quote\">q</blockquote></div>",
	      "<p>Answer</p>", "Answer", "old Gmail: the attribution as text in gmail_quote");
	check("<p>On Monday our team wrote:</p><p>the fix is live.</p>",
	      "<p>On Monday our team wrote:</p><p>the fix is live.</p>", "On Monday our team wrote:\n\nthe fix is live.",
	      "a line that reads like an attribution, with no quote after it, is the agent's");
	check("<blockquote>q1</blockquote><p>a1</p><blockquote>q2</blockquote><p>a2</p><blockquote>q3</blockquote>",
	      "<blockquote>q1</blockquote><p>a1</p><blockquote>q2</blockquote><p>a2</p>", "> q1\n\na1\n\n> q2\n\na2",
	      "interleaved from the first line: the first quote kept too");
	check("<p>top</p><blockquote>q1</blockquote><p>a1</p><blockquote>q2</blockquote>",
	      "<p>top</p><blockquote>q1</blockquote><p>a1</p>", "top\n\n> q1\n\na1", "answers above and between quotes");
	check("<blockquote>q</blockquote><p>below</p>", "<p>below</p>", "below", "bottom-posted: the quote cut");
	check("<p>Answer</p><div id=\"divRplyFwdMsg\">From: x</div><p>interleaved answers are lost</p>",
	      "<p>Answer</p>", "Answer", "Outlook: all after the header block cut, even answers in it");
	check("<div><p>Answer</p><div><hr id=\"stopSpelling\">history</div></div><p>more history</p>",
	      "<div><p>Answer</p></div>", "Answer", "hr#stopSpelling (Windows Live Mail): cut from there, at every level");
	check("<p>Answer</p><div class=\"OutlookMessageHeader\"><hr><b>From:</b> x</div>q", "<p>Answer</p>", "Answer",
	      "Outlook 2003's OutlookMessageHeader");
	check("<p>Answer</p><div style=\"border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm\">A bordered note</div>",
	      "<p>Answer</p><div>A bordered note</div>", "Answer\n\nA bordered note",
	      "a bordered block without a header label is the agent's");
	check("<p>Answer</p><p>________________________________<br>From: x</p><p>q</p>", "<p>Answer</p>", "Answer",
	      "Outlook's rule of underscores");
	check("<p>Answer</p><div class=\"protonmail_quote\">On Monday, x wrote:<blockquote>q</blockquote></div>",
	      "<p>Answer</p>", "Answer", "Proton Mail's protonmail_quote");
	check("<p>Answer</p><script>x</script><style>p{}</style><blockquote>q</blockquote>", "<p>Answer</p>", "Answer",
	      "hidden elements are nothing");
}

/* before, n times unit, then after (g_string_free). */
static GString *repeated(const char *before, const char *unit, int n, const char *after)
{
	GString *s = g_string_new(before);
	int i;

	for (i = 0; i < n; i++)
		g_string_append(s, unit);
	g_string_append(s, after);
	return s;
}

/* Hostile HTML: still only allowed markup, and bounded time. */
static void test_hostile(void)
{
	GString *s;
	char *out;

	check("<p onclick=x>Hi <a href=\"javascript:alert(1)\">x</a><img src=\"http://t.example/\"><script>a()</script>"
	      "<base href=\"http://evil/\"><meta http-equiv=refresh content=0></p><blockquote>q</blockquote>",
	      "<p>Hi x</p>", "Hi x", "script in attributes, javascript: link, tracker, base, meta refresh");
	check("<p>unclosed <b>bold<blockquote>quote", "<p>unclosed <b>bold</b></p>", "unclosed bold",
	      "unclosed tags");
	check("<p>a\xff\xfe b</p>", "<p>a\xef\xbf\xbd\xef\xbf\xbd b</p>", "a\xef\xbf\xbd\xef\xbf\xbd b", "invalid UTF-8");
	check("<p>before NUL\0after</p>", "<p>before NUL</p>", "before NUL", "a NUL ends the string");

	/* the answer, then 100,000 nested quotes: libxml2 stops in the quote,
	 * which is cut anyway */
	s = repeated("<p>Answer</p>", "<blockquote type=cite>", 100000, "q");
	check(s->str, "<p>Answer</p>", "Answer", "100,000 nested quotes after the answer");
	g_string_free(s, TRUE);
	/* 100,000 nested divs with the text at the end: what libxml2 left
	 * out may be the agent's, so nothing */
	s = repeated("<p>Answer</p>", "<div>", 100000, "more of the answer");
	out = quote_html(s->str);
	tap_ok(out == NULL, "100,000 nested divs: the end not read, nothing relayed");
	g_free(out);
	g_string_free(s, TRUE);
	/* a 1 MB attribute */
	s = repeated("<p title=\"", "x", 1000000, "\">Answer</p><blockquote>q</blockquote>");
	check(s->str, "<p>Answer</p>", "Answer", "a 1 MB attribute");
	g_string_free(s, TRUE);
}

/* Seconds quote_html takes on html. */
static double timed(const char *html)
{
	gint64 t = g_get_monotonic_time();
	char *out = quote_html(html);

	t = g_get_monotonic_time() - t;
	g_free(out);
	return (double)t / G_USEC_PER_SEC;
}

/* Linear: ten times the input, about ten times the time. */
static void test_linear(void)
{
	static const char *const units[] = {
		"<div>a</div><blockquote type=cite>q</blockquote>", "<p class=MsoNormal>x<o:p></o:p></p>",
		"<blockquote>", "<div>", "</x>", "On Mon, 4 Mar 2024, Jan wrote:<br>", "<a href=\"http://e/\">l</a> ",
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(units); i++) {
		double t[2];
		int k;

		for (k = 0; k < 2; k++) {
			GString *s = repeated("<p>Answer</p>", units[i], k == 0 ? 3000 : 30000, "");

			t[k] = timed(s->str);
			g_string_free(s, TRUE);
		}
		tap_ok(t[1] < 30 * t[0] + 0.05, "'%s' repeated: ten times as many, %.3f s instead of %.3f s", units[i],
		       t[1], t[0]);
	}
}

int main(void)
{
	test_clients();
	test_rules();
	test_hostile();
	test_linear();
	xmlCleanupParser();
	return tap_done();
}
