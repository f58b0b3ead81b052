/* json.h: a small streaming JSON writer for the --json output of listings. */
#ifndef POSTDESK_JSON_H
#define POSTDESK_JSON_H

#include <stdbool.h>
#include <stdio.h>

struct json;

/* A writer that prints to out; the document ends with a newline. */
struct json *json_new(FILE *out);
/* Free the writer and set *j to NULL. */
void json_free(struct json **j);

void json_object_begin(struct json *j);
void json_object_end(struct json *j);
void json_array_begin(struct json *j);
void json_array_end(struct json *j);
/* The name of the next member of the current object. */
void json_key(struct json *j, const char *key);
/* Scalar values; a NULL string is written as null. */
void json_string(struct json *j, const char *s);
void json_int(struct json *j, long long v);
void json_bool(struct json *j, bool v);
/* A number: an integer when it is one, else three decimals; null when not finite. */
void json_double(struct json *j, double v);
void json_null(struct json *j);
/* A key and a value in one call. */
void json_kv_string(struct json *j, const char *key, const char *s);
void json_kv_int(struct json *j, const char *key, long long v);

#endif
