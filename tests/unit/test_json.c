/* test_json.c: the JSON writer. */
#include <stdlib.h>

#include "json.h"
#include "tap.h"

int main(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	struct json *j = json_new(mem);

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
	return tap_done();
}
