/* fuzz_quote.c: libFuzzer target for the text of an agent's reply, taken
 * apart as a delivery does it: agentcmd_parse() takes the #command lines
 * off the top, quote_trim() cuts the quoted history from the rest; the raw
 * text goes through quote_trim() alone too (a customer's survey comment). */
#include <glib.h>
#include <string.h>

#include "agentcmd.h"
#include "fuzz.h"
#include "quote.h"

/* Trim text and check that the answer is no longer than what it came from. */
static void fuzz_quote_trim(const char *text)
{
	char *answer = quote_trim(text);

	fuzz_assert(answer != NULL, "quote_trim returned NULL");
	fuzz_touch_str(answer);
	/* lines are kept or dropped whole, each ends in LF: at most one byte more */
	fuzz_assert(strlen(answer) <= strlen(text) + 1, "quote_trim made %zu bytes of %zu", strlen(answer),
		    strlen(text));
	g_free(answer);
}

/* One input: the text of a reply, up to its first NUL. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	struct agentcmd cmd;

	agentcmd_parse(text, &cmd);
	fuzz_assert(cmd.text != NULL, "agentcmd_parse left no text");
	fuzz_assert(strlen(cmd.text) <= strlen(text), "the text without commands is longer than the mail");
	fuzz_touch_str(cmd.assign);
	fuzz_touch_str(cmd.error);
	fuzz_quote_trim(cmd.text);
	agentcmd_clear(&cmd);
	fuzz_quote_trim(text);
	g_free(text);
	return 0;
}
