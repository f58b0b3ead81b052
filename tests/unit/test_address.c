/* test_address.c: address checks. */
#include <glib.h>
#include <locale.h>

#include "address.h"
#include "tap.h"

/* Normalise text, expecting want (NULL: must fail). */
static void addr(const char *text, const char *want)
{
	struct fault f = { 0 };
	char *got = NULL;
	int r = address_normalize(text, &got, &f);

	if (want == NULL)
		tap_ok(r < 0 && f.text[0] != '\0', "'%s' rejected (%s)", text, f.text);
	else
		tap_is(got, want, "'%s' normalises", text);
	g_free(got);
}

/* address_fold in the current locale: the same result in every one. */
static void fold(const char *locale)
{
	struct { const char *in, *want; } cases[] = {
		{ "\303\226STER@Example.DE", "\303\266ster@example.de" },
		{ "J\303\234RGEN@B\303\234RO.example", "j\303\274rgen@b\303\274ro.example" },
		{ "IVAN@example.org", "ivan@example.org" },		/* no Turkish dotless i, whatever the locale */
		{ "\316\243\316\221\316\243@example.gr", "\317\203\316\261\317\203@example.gr" },	/* simple mapping: no final sigma */
		{ "bad\377BYTE@example.org", "bad\377byte@example.org" },	/* invalid UTF-8: ASCII lowered, bytes kept */
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = address_fold(cases[i].in);

		tap_is(got, cases[i].want, "fold '%s' in the %s locale", cases[i].in, locale);
		g_free(got);
	}
}

int main(void)
{
	const char *locales[] = { "C", "C.UTF-8", "tr_TR.UTF-8" };
	size_t i;

	/* the one spelling of an address must not depend on the locale */
	for (i = 0; i < G_N_ELEMENTS(locales); i++)
		if (setlocale(LC_ALL, locales[i]) != NULL)
			fold(locales[i]);
	setlocale(LC_ALL, "C");
	addr("\303\226STER@Example.DE", "\303\266ster@example.de");
	addr("Support@Example.ORG", "support@example.org");
	addr("a.b+c@x", "a.b+c@x");
	addr("no-at-sign", NULL);
	addr("@example.org", NULL);
	addr("a@", NULL);
	addr("a b@example.org", NULL);
	addr("a@b@example.org", NULL);
	addr("<a@example.org>", NULL);
	addr("a@example..org", NULL);
	addr("a@example.org.", NULL);
	return tap_done();
}
