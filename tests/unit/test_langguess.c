/* test_langguess.c: guessing the language of a customer's text, on short
 * and long texts in each language the templates have (en, pl, cs, ms), in
 * languages they do not have, mixed, quoted, signed, and on hostile input
 * (empty, binary, huge). The fingerprints are libexttextcat-data's. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "fault.h"
#include "langguess.h"
#include "tap.h"

/* The languages postdesk ships templates for, and more. */
static const char *const shipped[] = { "en", "pl", "cs", "ms", NULL };
static const char *const wide[] = { "en", "pl", "cs", "ms", "de", "fr", NULL };

static const char en_short[] = "Hi, I was charged twice for my subscription this month, please refund one.";
static const char en_long[] =
	"Hello,\n\nsince Monday I cannot log in to the customer portal: every time I try, it says that my\n"
	"password is wrong. I have reset the password twice, but the link in your email does not work\n"
	"either. Could you please check what is going on with my account? I need the invoices for last\n"
	"month before Friday.\n\nThanks a lot,\nJohn Smith\n";
static const char pl_short[] = "Dzień dobry, moje zamówienie jeszcze nie dotarło.";
static const char pl_long[] =
	"Dzień dobry,\n\nod kilku dni próbuję zalogować się do panelu klienta, ale za każdym razem pojawia się\n"
	"komunikat, że hasło jest nieprawidłowe. Zresetowałem hasło dwa razy, niestety link z wiadomości\n"
	"nie działa. Czy mogliby Państwo sprawdzić, co się dzieje z moim kontem? Potrzebuję dostępu do\n"
	"faktur za ostatni miesiąc.\n\nZ poważaniem\nJan Kowalski\n";
static const char cs_short[] = "Dobrý den, moje objednávka ještě nedorazila.";
static const char cs_long[] =
	"Dobrý den,\n\nuž několik dní se nemohu přihlásit do zákaznického účtu, pokaždé se objeví hláška, že\n"
	"heslo je nesprávné. Heslo jsem dvakrát obnovil, ale odkaz v e-mailu nefunguje. Mohli byste se\n"
	"prosím podívat, co se s mým účtem děje? Potřebuji se dostat k fakturám za minulý měsíc.\n\n"
	"S pozdravem\nPetr Novák\n";
static const char ms_short[] = "Selamat pagi, pesanan saya masih belum sampai lagi.";
static const char ms_long[] =
	"Selamat petang,\n\nsudah beberapa hari saya cuba log masuk ke akaun pelanggan, tetapi setiap kali\n"
	"mesej kata laluan tidak sah dipaparkan. Saya telah menetapkan semula kata laluan dua kali, namun\n"
	"pautan dalam e-mel itu tidak berfungsi. Bolehkah pihak tuan semak apa yang berlaku pada akaun\n"
	"saya? Saya perlukan invois untuk bulan lepas.\n\nTerima kasih,\nAhmad bin Ismail\n";
static const char id_long[] =
	"Selamat siang,\n\nsudah beberapa hari saya tidak bisa masuk ke akun pelanggan, setiap kali muncul pesan\n"
	"bahwa kata sandi salah. Saya sudah mengatur ulang kata sandi dua kali, tetapi tautan di email\n"
	"tersebut tidak berfungsi. Bisakah Anda memeriksa apa yang terjadi dengan akun saya?\n";
static const char de_short[] = "Guten Tag, meine Bestellung ist noch nicht angekommen.";
static const char de_long[] =
	"Guten Tag,\n\nseit einigen Tagen versuche ich, mich im Kundenportal anzumelden, aber jedes Mal\n"
	"erscheint die Meldung, dass das Passwort falsch ist. Ich habe das Passwort zweimal zurückgesetzt,\n"
	"leider funktioniert der Link in der E-Mail nicht. Könnten Sie bitte prüfen, was mit meinem Konto\n"
	"los ist?\n\nMit freundlichen Grüßen\nHans Müller\n";
static const char fr_short[] = "Bonjour, ma commande n'est toujours pas arrivée.";
static const char fr_long[] =
	"Bonjour,\n\ndepuis quelques jours, j'essaie de me connecter à l'espace client, mais à chaque fois un\n"
	"message indique que le mot de passe est incorrect. J'ai réinitialisé le mot de passe deux fois,\n"
	"malheureusement le lien dans le courriel ne fonctionne pas. Pourriez-vous vérifier ce qui se passe\n"
	"avec mon compte ?\n\nCordialement,\nMarie Dubois\n";
static const char pt_long[] =
	"Bom dia,\n\nhá alguns dias não consigo entrar na área de cliente: sempre aparece a mensagem de que a\n"
	"senha está errada. Já redefini a senha duas vezes, mas o link do e-mail também não funciona.\n"
	"Poderiam verificar o que está acontecendo com a minha conta?\n";

/* The guess for text among allowed, as a string for tap_is. */
static const char *guess(struct langguess *g, const char *text, const char *const *allowed)
{
	return langguess_text(g, text, allowed);
}

/* Each language on a short and a long text. */
static void test_languages(struct langguess *g)
{
	static const char *const en_id[] = { "en", "id", NULL }, *const en_ptbr[] = { "en", "pt-br", NULL };
	static const char *const en_cs[] = { "en", "cs", NULL };
	static const struct {
		const char *text;
		const char *const *allowed;
		const char *want, *what;
	} rows[] = {
		{ en_short, shipped, "en", "English, one sentence" },
		{ en_long, shipped, "en", "English, a mail" },
		{ pl_short, shipped, "pl", "Polish, one sentence" },
		{ pl_long, shipped, "pl", "Polish, a mail" },
		{ cs_short, shipped, "cs", "Czech, one sentence" },
		{ cs_long, shipped, "cs", "Czech, a mail" },
		{ ms_short, shipped, "ms", "Malay, one sentence" },
		{ ms_long, shipped, "ms", "Malay, a mail" },
		{ id_long, shipped, "ms", "Indonesian counts as Malay when only Malay is allowed" },
		{ ms_long, en_id, "id", "and Malay as Indonesian when only Indonesian is" },
		{ de_short, shipped, NULL, "German, one sentence, not allowed: no guess" },
		{ de_long, shipped, NULL, "German mail, not allowed: no guess (not the nearest allowed one)" },
		{ fr_short, shipped, NULL, "French, one sentence, not allowed: no guess" },
		{ fr_long, shipped, NULL, "French mail, not allowed: no guess" },
		{ de_short, wide, "de", "German, one sentence, allowed" },
		{ de_long, wide, "de", "German mail, allowed" },
		{ fr_short, wide, "fr", "French, one sentence, allowed" },
		{ fr_long, wide, "fr", "French mail, allowed" },
		{ pl_long, wide, "pl", "Polish among more languages" },
		{ pt_long, en_ptbr, "pt-br", "a language allowed by its primary subtag: pt for pt-br" },
		{ pl_long, en_cs, NULL, "Polish when only English and Czech are allowed: no guess, not the nearest" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(rows); i++)
		tap_is(guess(g, rows[i].text, rows[i].allowed), rows[i].want, "%s", rows[i].what);
}

/* Short, quoted, signed and mixed texts: what the customer wrote counts. */
static void test_customer_text(struct langguess *g)
{
	char *text;

	tap_is(guess(g, "Dziękuję!", shipped), NULL, "one word: too short");
	tap_is(guess(g, "Thanks, ok.", shipped), NULL, "two words: too short");
	tap_is(guess(g, "Hello, I cannot log in to my account since yesterday. Can you help me?", shipped), NULL,
	       "an English sentence too close to five other languages: no guess");
	tap_is(guess(g, "https://example.com/orders/view?id=123456&lang=en orders@example.com\n"
		     "<mailto:help@example.org> www.example.org/help/contact-us-now Thanks", shipped), NULL,
	       "URLs and addresses are no text: too short");
	tap_is(guess(g, "Zamówienie https://shop.example.com/en/orders/view?order=123456&currency=EUR nie dotarło, "
		     "proszę o kontakt: <jan.kowalski@example.com> http://www.example.com/english/help/contact",
		     shipped), "pl", "Polish around English URLs: Polish");
	text = g_strconcat("Dziękuję bardzo, teraz wszystko działa poprawnie.\n\n",
			   "> Hello, please clear the cache of your browser and log in again. If the\n"
			   "> problem persists, send us a screenshot of the page and the time it happened.\n"
			   "> Best regards, the support team\n", NULL);
	tap_is(guess(g, text, shipped), "pl", "Polish answer above quoted English: Polish");
	g_free(text);
	text = g_strconcat("> Dzień dobry, od kilku dni próbuję zalogować się do panelu klienta, ale hasło\n"
			   "> jest nieprawidłowe. Czy mogliby Państwo sprawdzić moje konto?\n\n", en_short, "\n", NULL);
	tap_is(guess(g, text, shipped), "en", "English answer below quoted Polish: English");
	g_free(text);
	text = g_strconcat("> Dzień dobry, od kilku dni próbuję zalogować się do panelu klienta.\n"
			   ">> Zresetowałem hasło dwa razy, niestety link z wiadomości nie działa.\n"
			   "   > Czy mogliby Państwo sprawdzić, co się dzieje z moim kontem?\n", NULL);
	tap_is(guess(g, text, shipped), NULL, "only quoted lines: no text of the customer's own");
	g_free(text);
	text = g_strconcat(pl_short, "\n\n-- \nJohn Smith, Senior Account Manager\nExample Trading Ltd., London\n"
			   "Please consider the environment before printing this email. This message is\n"
			   "confidential and intended only for the addressee named above.\n", NULL);
	tap_is(guess(g, text, shipped), "pl", "Polish above an English signature: Polish");
	g_free(text);
	tap_is(guess(g, "Dzień dobry, w aplikacji Mobile Banking po kliknięciu Sign in pojawia się błąd "
		     "Internal Server Error. Proszę o pomoc, bo nie mogę zapłacić rachunków.", shipped), "pl",
	       "Polish with English product names: Polish");
	text = g_strconcat(pl_long, "\n", en_long, NULL);
	{
		const char *got = guess(g, text, shipped);

		tap_ok(got == NULL || strcmp(got, "pl") == 0 || strcmp(got, "en") == 0,
		       "Polish and English halves: one of the two or none, never a third (%s)", got ? got : "none");
	}
	g_free(text);
	text = g_strconcat(cs_long, "\n", de_long, NULL);
	{
		const char *got = guess(g, text, shipped);

		tap_ok(got == NULL || strcmp(got, "cs") == 0,
		       "Czech and German halves, German not allowed: Czech or none (%s)", got ? got : "none");
	}
	g_free(text);
}

/* Input no mail should break it with. */
static void test_hostile(struct langguess *g)
{
	GString *big = g_string_new(NULL);
	GRand *rand = g_rand_new_with_seed(14);
	char *bin = g_malloc(65536 + 1);
	gint64 t0;
	double secs;
	size_t i;

	tap_is(guess(g, "", shipped), NULL, "empty text");
	tap_is(guess(g, NULL, shipped), NULL, "no text");
	tap_is(guess(NULL, pl_long, shipped), NULL, "no fingerprints: no guess");
	tap_is(guess(g, pl_long, (const char *const[]){ NULL }), NULL, "nothing allowed: no guess");
	tap_is(guess(g, "   \n\n\t\r\n  \n", shipped), NULL, "white space only");
	for (i = 0; i < 65536; i++)
		bin[i] = (char)(g_rand_int_range(rand, 1, 256));
	bin[65536] = '\0';
	tap_is(guess(g, bin, shipped), NULL, "64 KB of random bytes: no guess");
	for (i = 0; i < 65536; i += 4)
		memcpy(bin + i, "\xff\xfe\xc3\x28", 4);
	tap_is(guess(g, bin, shipped), NULL, "64 KB of invalid UTF-8: no guess");
	memset(bin, 'a', 65536);
	tap_is(guess(g, bin, shipped), NULL, "one 64 KB word: no guess");
	g_free(bin);
	g_rand_free(rand);
	while (big->len < 5 * 1024 * 1024)
		g_string_append(big, pl_long);
	t0 = g_get_monotonic_time();
	tap_is(guess(g, big->str, shipped), "pl", "5 MB of Polish: Polish");
	secs = (double)(g_get_monotonic_time() - t0) / 1e6;
	tap_ok(tap_within(secs, 0.5), "5 MB read only as far as needed (%.4f s)", secs);
	g_string_truncate(big, 0);
	while (big->len < LANGGUESS_SCAN_MAX)
		g_string_append(big, "> Hello, please clear the cache of your browser and log in again.\n");
	while (big->len < 5 * 1024 * 1024)
		g_string_append(big, pl_long);
	tap_is(guess(g, big->str, shipped), NULL, "text after the first 64 KB is not read");
	g_string_free(big, TRUE);
}

/* An fpdb.conf whose fingerprint file is missing: found, not loaded. */
static void test_broken(void)
{
	char *dir = g_dir_make_tmp("langguess-XXXXXX", NULL), *conf = g_build_filename(dir, "fpdb.conf", NULL);
	struct fault f = { 0 };
	struct langguess *g;

	g_file_set_contents(conf, "# one language, its file missing\nxx.lm  xx--utf8\n", -1, NULL);
	g = langguess_new(dir, &f);
	tap_ok(g != NULL, "a directory with fpdb.conf is taken (%s)", f.text);
	tap_ok(g != NULL && langguess_load(g, &f) < 0 && f.kind == FAULT_PERMANENT, "loading a missing .lm file fails (%s)",
	       f.text);
	tap_is(guess(g, pl_long, shipped), NULL, "and then nothing is guessed");
	langguess_free(&g);
	g_unlink(conf);
	g_rmdir(dir);
	g_free(conf);
	g_free(dir);
}

int main(void)
{
	struct fault f = { 0 };
	struct langguess *g = langguess_new("/nonexistent/fingerprints", &f);

	tap_ok(g == NULL && f.kind == FAULT_PERMANENT && strstr(f.text, "fpdb.conf") != NULL,
	       "a directory without fingerprints: a permanent failure naming fpdb.conf (%s)", f.text);
	fault_clear(&f);
	test_broken();
	g = langguess_new(NULL, &f);
	if (!tap_ok(g != NULL && langguess_load(g, &f) == 0 && langguess_load(g, &f) == 0,
		    "the built-in fingerprint directory loads, once (%s)", f.text))
		return tap_done();
	test_languages(g);
	test_customer_text(g);
	test_hostile(g);
	langguess_free(&g);
	tap_ok(g == NULL, "langguess_free clears the pointer");
	langguess_free(&g);
	return tap_done();
}
