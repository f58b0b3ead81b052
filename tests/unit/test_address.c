/* test_address.c: address checks. */
#include <glib.h>

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

int main(void)
{
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
