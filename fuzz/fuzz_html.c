/* fuzz_html.c: libFuzzer target for the HTML of mail (html.c, quote_html.c):
 * html_to_text() (the text agents read), html_sanitize() and quote_html()
 * (the HTML relayed to customers). Any bytes in: valid UTF-8 out, never a
 * crash, and the HTML out holds only what the allow-list has (parsed again
 * with libxml2: tests/unit/html_allowed.h), at most six times the input. */
#include <glib.h>

#include "fuzz.h"
#include "html.h"
#include "quote_html.h"
#include "../tests/unit/html_allowed.h"

/* The HTML out: UTF-8, allowed markup only, bounded. */
static void fuzz_html_check(const char *out, size_t in_len, const char *what)
{
	const char *bad;

	fuzz_check_text(out, false, what);
	if (out == NULL)
		return;
	bad = html_allowed_violation(out);
	fuzz_assert(bad == NULL, "%s holds %s: '%s'", what, bad, out);
	fuzz_assert(strlen(out) <= 6 * in_len + 4096, "%s: %zu bytes out of %zu", what, strlen(out), in_len);
}

/* One input: the HTML of a mail part, up to its first NUL. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html = fuzz_string(data, size), *text, *clean, *answer;
	size_t len = strlen(html);

	text = html_to_text(html);
	fuzz_assert(text != NULL, "html_to_text returned NULL");
	fuzz_check_text(text, false, "html_to_text's text");
	clean = html_sanitize(html);
	fuzz_assert(clean != NULL, "html_sanitize returned NULL");
	fuzz_html_check(clean, len, "html_sanitize's HTML");
	answer = quote_html(html);
	fuzz_html_check(answer, len, "quote_html's HTML");
	g_free(answer);
	g_free(clean);
	g_free(text);
	g_free(html);
	return 0;
}
