/* fuzz_html.c: libFuzzer target for html_to_text(), which turns the HTML of
 * mail that has no text part into the text agents read: any bytes in,
 * valid UTF-8 out, never a crash. */
#include <glib.h>

#include "fuzz.h"
#include "html.h"

/* One input: the HTML of a mail part, up to its first NUL. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html = fuzz_string(data, size), *text;

	text = html_to_text(html);
	fuzz_assert(text != NULL, "html_to_text returned NULL");
	fuzz_check_text(text, false, "html_to_text's text");
	g_free(text);
	g_free(html);
	return 0;
}
