/* test_misc.c: the JSON writer, address checks and faults. */
#include <glib.h>
#include <stdlib.h>

#include "address.h"
#include "json.h"
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
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct json *j = json_new(mem);
	struct fault f = { 0 };

	json_object_begin(j);
	json_kv_string(j, "a", "q\"b\\s\n\x01é");
	json_kv_int(j, "n", -42);
	json_key(j, "l");
	json_array_begin(j);
	json_bool(j, true);
	json_null(j);
	json_string(j, NULL);
	json_object_begin(j);
	json_object_end(j);
	json_array_end(j);
	json_object_end(j);
	json_free(&j);
	fclose(mem);
	tap_is(buf, "{\"a\":\"q\\\"b\\\\s\\n\\u0001é\",\"n\":-42,\"l\":[true,null,null,{}]}\n",
	       "JSON escaping, nesting and commas");
	tap_ok(j == NULL, "json_free sets NULL");
	free(buf);

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

	fault_temp(&f, "db %s", "down");
	fault_prefix(&f, "deliver");
	tap_int(f.kind, FAULT_TEMPORARY, "prefix keeps the kind");
	tap_is(f.text, "deliver: db down", "prefix text");
	return tap_done();
}
