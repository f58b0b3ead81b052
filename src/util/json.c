/* json.c: a streaming JSON writer; it tracks nesting to place commas. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"

#define JSON_MAX_DEPTH 32

struct json {
	FILE *out;
	int depth;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

struct json *json_new(FILE *out)
{
	struct json *j = calloc(1, sizeof(*j));

	if (j == NULL)
		log_panic("out of memory");
	j->out = out;
	return j;
}

void json_free(struct json **j)
{
	free(*j);
	*j = NULL;
}

/* Write the separator a new value needs at this position. */
static void json_sep(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->need_comma[j->depth])
		fputc(',', j->out);
	j->need_comma[j->depth] = true;
}

/* Write s as a quoted JSON string, escaping quotes, backslashes and controls. */
static void json_quote(struct json *j, const char *s)
{
	const unsigned char *p;

	fputc('"', j->out);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"': fputs("\\\"", j->out); break;
		case '\\': fputs("\\\\", j->out); break;
		case '\n': fputs("\\n", j->out); break;
		case '\r': fputs("\\r", j->out); break;
		case '\t': fputs("\\t", j->out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(j->out, "\\u%04x", *p);
			else
				fputc(*p, j->out);
		}
	}
	fputc('"', j->out);
}

/* Open a container with the given bracket. */
static void json_open(struct json *j, char bracket)
{
	json_sep(j);
	if (j->depth + 1 >= JSON_MAX_DEPTH)
		log_panic("json: nesting deeper than %d", JSON_MAX_DEPTH);
	fputc(bracket, j->out);
	j->need_comma[++j->depth] = false;
}

/* Close a container; the outermost one ends the document with a newline. */
static void json_close(struct json *j, char bracket)
{
	if (j->depth == 0)
		log_panic("json: close without open");
	fputc(bracket, j->out);
	if (--j->depth == 0)
		fputc('\n', j->out);
}

void json_object_begin(struct json *j) { json_open(j, '{'); }
void json_object_end(struct json *j) { json_close(j, '}'); }
void json_array_begin(struct json *j) { json_open(j, '['); }
void json_array_end(struct json *j) { json_close(j, ']'); }

void json_key(struct json *j, const char *key)
{
	json_sep(j);
	json_quote(j, key);
	fputc(':', j->out);
	j->after_key = true;
}

void json_string(struct json *j, const char *s)
{
	if (s == NULL) {
		json_null(j);
		return;
	}
	json_sep(j);
	json_quote(j, s);
}

void json_int(struct json *j, long long v)
{
	json_sep(j);
	fprintf(j->out, "%lld", v);
}

void json_double(struct json *j, double v)
{
	json_sep(j);
	if (!isfinite(v))
		fputs("null", j->out);
	else if (v == (double)(long long)v && v > -1e15 && v < 1e15)
		fprintf(j->out, "%lld", (long long)v);
	else
		fprintf(j->out, "%.3f", v);
}

void json_bool(struct json *j, bool v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->out);
}

void json_null(struct json *j)
{
	json_sep(j);
	fputs("null", j->out);
}

void json_kv_string(struct json *j, const char *key, const char *s)
{
	json_key(j, key);
	json_string(j, s);
}

void json_kv_int(struct json *j, const char *key, long long v)
{
	json_key(j, key);
	json_int(j, v);
}
