/* fuzz_langguess.c: libFuzzer target for langguess_text(), which guesses
 * the language of a customer's text on the deliver path: any bytes in, a
 * guess that is one of the allowed tags or none, in time linear in what it
 * reads (at most LANGGUESS_SCAN_MAX bytes), never a crash. */
#include <glib.h>
#include <string.h>

#include "fuzz.h"
#include "langguess.h"

/* One input: the text, up to its first NUL, against the shipped template
 * languages and against a wider list. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const lists[][7] = {
		{ "en", "pl", "cs", "ms", NULL },
		{ "de", "fr", "pt-br", "id", "sco", "en", NULL },
	};
	static struct langguess *g;
	char *text = fuzz_string(data, size);
	size_t l;
	int i;

	if (g == NULL) {
		struct fault f;

		g = langguess_new(NULL, &f);
		fuzz_assert(g != NULL && langguess_load(g, &f) == 0, "no fingerprints: %s", f.text);
	}
	for (l = 0; l < G_N_ELEMENTS(lists); l++) {
		const char *got = langguess_text(g, text, lists[l]);
		bool allowed = got == NULL;

		for (i = 0; lists[l][i] != NULL; i++)
			allowed = allowed || got == lists[l][i];
		fuzz_assert(allowed, "langguess_text returned '%s', not one of the allowed", got);
	}
	g_free(text);
	return 0;
}
