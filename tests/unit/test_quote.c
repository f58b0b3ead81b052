/* test_quote.c: trimming quoted history (five mail clients' styles). */
#include <glib.h>

#include "quote.h"
#include "tap.h"

/* Trim body and compare with want. */
static void trim(const char *body, const char *want, const char *what)
{
	char *got = quote_trim(body);

	tap_is(got, want, "%s", what);
	g_free(got);
}

int main(void)
{
	trim("Please unplug it.\n\nOn Sun, 22 Nov 2026 at 10:00, Jan Kowalski <jan@example.net> wrote:\n> It is on fire.\n",
	     "Please unplug it.\n", "Gmail");
	trim("Please unplug it.\n\nOn Sun, 22 Nov 2026 at 10:00, Jan Kowalski\n<jan@example.net> wrote:\n> fire\n",
	     "Please unplug it.\n", "Gmail, attribution wrapped over two lines");
	trim("Answer\r\n\r\n-----Original Message-----\r\nFrom: Jan\r\nSent: Sunday\r\n\r\nold\r\n",
	     "Answer\n", "Outlook, Original Message, CRLF");
	trim("Answer\n\n________________________________\nFrom: Jan <jan@example.net>\nSent: Sunday, November 22, 2026 10:00\nTo: support\n\nold\n",
	     "Answer\n", "Outlook, rule and header block");
	trim("Answer\n\nFrom: Jan <jan@example.net>\nSent: Sunday\nSubject: x\n\nold\n", "Answer\n",
	     "Outlook header block without a rule");
	trim("Answer\n\nOn 22/11/2026 10:00, Jan Kowalski wrote:\n> old\n", "Answer\n", "Thunderbird");
	trim("Answer\n\n> On 22 Nov 2026, at 10:00, Jan <jan@example.net> wrote:\n> \n> old\n", "Answer\n",
	     "Apple Mail (quoted attribution: trailing quote block)");
	trim("Answer\n\n* Jan Kowalski <jan@example.net> [2026-11-22 10:00]:\n> old\n", "Answer\n", "Mutt");
	trim("Odpowiedź\n\nDnia 22.11.2026 o 10:00 Jan Kowalski <jan@example.net> napisał(a):\n> stare\n",
	     "Odpowiedź\n", "Polish attribution");
	trim("Odpověď\n\nDne 22. 11. 2026 10:00 Jan Novák napsal(a):\n> staré\n", "Odpověď\n", "Czech attribution");
	trim("Jawapan\n\nPada 22 Nov 2026, Ali menulis:\n> lama\n", "Jawapan\n", "Malay attribution");
	trim("> you asked X\nAnswer to X.\n> and Y\nAnswer to Y.\n\n> old tail\n> more\n",
	     "> you asked X\nAnswer to X.\n> and Y\nAnswer to Y.\n", "interleaved answers kept, trailing quotes cut");
	trim("No quotes at all.\nSecond line.\n", "No quotes at all.\nSecond line.\n", "nothing to trim");
	trim("", "", "empty body");
	trim("I wrote: on Monday we will call.\n", "I wrote: on Monday we will call.\n", "'wrote' inside a sentence is not an attribution");
	return tap_done();
}
