/* test_address.c: address checks. */
#include <glib.h>
#include <locale.h>
#include <string.h>

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
	{
		/* the base folds, the extension (a token) folds ASCII only: a
		 * KELVIN SIGN is no second spelling of a 'k' in a token */
		char *base, *ext;

		address_split("\303\226STER+C1.1.AbK@Example.DE", "+", &base, &ext);
		tap_is(base, "\303\266ster@example.de", "split: the base address folded");
		tap_is(ext, "c1.1.abk", "split: the extension lowered");
		g_free(base);
		g_free(ext);
		address_split("support+c1.1.ab\342\204\252@example.org", "+", &base, &ext);
		tap_is(ext, "c1.1.ab\342\204\252", "split: a KELVIN SIGN in the extension stays itself");
		g_free(base);
		g_free(ext);
		address_split("Plain@Example.ORG", "+", &base, &ext);
		tap_ok(strcmp(base, "plain@example.org") == 0 && ext == NULL, "split: no extension");
		g_free(base);
		g_free(ext);
	}
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
