/* fuzz_quote.c: libFuzzer target for the text of an agent's reply, taken
 * apart as a delivery does it: agentcmd_parse() takes the #command lines
 * off the top, quote_reply() finds the new text and the signature in the
 * rest; the raw text goes through quote_reply() alone too (a customer's
 * survey comment). */
#include <glib.h>
#include <string.h>

#include "agentcmd.h"
#include "fuzz.h"
#include "quote.h"

/* Whether s is "" or ends with a line end. */
static bool fuzz_quote_lines(const char *s)
{
	return *s == '\0' || s[strlen(s) - 1] == '\n';
}

/* Take text apart and check what quote_reply() promises. */
static void fuzz_quote_reply(const char *text)
{
	struct quote_reply r;
	size_t len = strlen(text), tlen, slen;

	quote_reply(text, &r);
	fuzz_assert(r.text != NULL, "quote_reply left no text");
	fuzz_touch_str(r.text);
	fuzz_touch_str(r.signature);
	tlen = strlen(r.text);
	slen = r.signature ? strlen(r.signature) : 0;
	/* lines are kept or dropped whole, each ends in LF: at most one byte more */
	fuzz_assert(tlen <= len + 1, "quote_reply made %zu bytes of %zu", tlen, len);
	fuzz_assert(tlen + slen <= len + 1, "text and signature are %zu bytes of %zu", tlen + slen, len);
	fuzz_assert(fuzz_quote_lines(r.text), "the text does not end with a line end");
	fuzz_assert(r.signature == NULL || (*r.signature != '\0' && fuzz_quote_lines(r.signature)),
		    "the signature is empty or does not end with a line end");
	fuzz_assert(strstr(r.text, "\r\n") == NULL, "a line of the text ends in CR");
	fuzz_assert(!r.interleaved || strchr(r.text, '>') != NULL, "interleaved without a quoted line");
	if (g_utf8_validate(text, -1, NULL))
		fuzz_assert(g_utf8_validate(r.text, -1, NULL) &&
			    (r.signature == NULL || g_utf8_validate(r.signature, -1, NULL)),
			    "valid UTF-8 in, invalid out");
	quote_reply_clear(&r);
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
	fuzz_quote_reply(cmd.text);
	agentcmd_clear(&cmd);
	fuzz_quote_reply(text);
	g_free(text);
	return 0;
}
