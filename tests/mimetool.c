/* mimetool.c: test helper that reads a received message with GMime alone
 * (not postdesk's mail.c), for checking what an SMTP receiver got (tests
 * only, not installed).
 *   mimetool tree FILE        one line per MIME part: PATH TYPE, and for a
 *                             leaf disposition, filename, Content-ID, size,
 *                             SHA-256 of the decoded bytes
 *   mimetool part FILE PATH   the decoded bytes of part PATH ("0.1.2")
 *   mimetool cids FILE        each cid: URL of the HTML parts: "ok ID" when a
 *                             part of the enclosing multipart/related has
 *                             that Content-ID, else "missing ID" */
#include <gmime/gmime.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read and parse FILE; NULL (with a message) when it is no message. */
static GMimeMessage *mimetool_load(const char *path)
{
	GMimeStream *s;
	GMimeParser *p;
	GMimeMessage *m;
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		perror(path);
		return NULL;
	}
	s = g_mime_stream_file_new(fp);
	p = g_mime_parser_new_with_stream(s);
	m = g_mime_parser_construct_message(p, NULL);
	g_object_unref(p);
	g_object_unref(s);
	if (m == NULL)
		fprintf(stderr, "%s: not a message\n", path);
	return m;
}

/* The decoded content of a leaf part. */
static GByteArray *mimetool_bytes(GMimeObject *obj)
{
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *copy = g_byte_array_new(), *arr;

	if (GMIME_IS_PART(obj) && g_mime_part_get_content(GMIME_PART(obj)) != NULL)
		g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(obj)), mem);
	arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_byte_array_append(copy, arr->data, arr->len);
	g_object_unref(mem);
	return copy;
}

/* Print the tree below obj, its path in path. */
static void mimetool_tree(GMimeObject *obj, GString *path)
{
	char *type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(obj));
	char *lower = g_ascii_strdown(type, -1);

	printf("%s %s", path->str, lower);
	if (GMIME_IS_MULTIPART(obj)) {
		int i, n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		printf("\n");
		for (i = 0; i < n; i++) {
			gsize len = path->len;

			g_string_append_printf(path, ".%d", i);
			mimetool_tree(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), path);
			g_string_truncate(path, len);
		}
	} else if (GMIME_IS_PART(obj)) {
		GByteArray *b = mimetool_bytes(obj);
		char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, b->data, b->len);
		const char *disp = g_mime_object_get_disposition(obj), *name = g_mime_part_get_filename(GMIME_PART(obj));
		const char *cid = g_mime_object_get_content_id(obj);

		printf(" disposition=%s filename=%s cid=%s size=%u sha256=%s\n", disp ? disp : "-", name ? name : "-",
		       cid ? cid : "-", b->len, sum);
		g_free(sum);
		g_byte_array_free(b, TRUE);
	} else {
		printf("\n");
	}
	g_free(type);
	g_free(lower);
}

/* The part at a path like "0.1.2" (the top part is "0"). */
static GMimeObject *mimetool_find(GMimeMessage *m, const char *path)
{
	GMimeObject *obj = g_mime_message_get_mime_part(m);
	char **steps = g_strsplit(path, ".", -1);
	int i;

	for (i = 1; obj != NULL && steps[0] != NULL && steps[i] != NULL; i++) {
		int k = atoi(steps[i]);

		obj = GMIME_IS_MULTIPART(obj) && k < g_mime_multipart_get_count(GMIME_MULTIPART(obj)) ?
		      g_mime_multipart_get_part(GMIME_MULTIPART(obj), k) : NULL;
	}
	g_strfreev(steps);
	return obj;
}

/* Whether a multipart holds a part (at any depth) with Content-ID id. */
static bool mimetool_has_cid(GMimeObject *obj, const char *id)
{
	int i, n;

	if (!GMIME_IS_MULTIPART(obj))
		return g_strcmp0(g_mime_object_get_content_id(obj), id) == 0;
	n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));
	for (i = 0; i < n; i++)
		if (mimetool_has_cid(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), id))
			return true;
	return false;
}

/* Check the cid: URLs of the HTML parts below obj against related, the
 * nearest multipart/related around them (NULL: none); counts misses. */
static void mimetool_cids(GMimeObject *obj, GMimeObject *related, int *missing)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	if (GMIME_IS_MULTIPART(obj)) {
		int i, n = g_mime_multipart_get_count(GMIME_MULTIPART(obj));

		if (g_mime_content_type_is_type(ct, "multipart", "related"))
			related = obj;
		for (i = 0; i < n; i++)
			mimetool_cids(g_mime_multipart_get_part(GMIME_MULTIPART(obj), i), related, missing);
	} else if (GMIME_IS_PART(obj) && g_mime_content_type_is_type(ct, "text", "html")) {
		GByteArray *b = mimetool_bytes(obj);
		char *html = g_strndup((const char *)b->data, b->len), *p;

		for (p = html; (p = strstr(p, "cid:")) != NULL; p += 4) {
			char *id = g_strndup(p + 4, strcspn(p + 4, "\"'<> \t\r\n)"));
			bool ok = related != NULL && mimetool_has_cid(related, id);

			printf("%s %s\n", ok ? "ok" : "missing", id);
			*missing += !ok;
			g_free(id);
		}
		g_free(html);
		g_byte_array_free(b, TRUE);
	}
}

int main(int argc, char **argv)
{
	GMimeMessage *m;
	int ret = 0;

	if (argc < 3 || (strcmp(argv[1], "part") == 0 && argc != 4)) {
		fprintf(stderr, "usage: mimetool tree|cids FILE | mimetool part FILE PATH\n");
		return 2;
	}
	g_mime_init();
	m = mimetool_load(argv[2]);
	if (m == NULL)
		return 2;
	if (strcmp(argv[1], "tree") == 0) {
		GString *path = g_string_new("0");

		mimetool_tree(g_mime_message_get_mime_part(m), path);
		g_string_free(path, TRUE);
	} else if (strcmp(argv[1], "part") == 0) {
		GMimeObject *obj = mimetool_find(m, argv[3]);
		GByteArray *b = obj ? mimetool_bytes(obj) : NULL;

		if (b == NULL || fwrite(b->data, 1, b->len, stdout) != b->len)
			ret = 1;
		if (b != NULL)
			g_byte_array_free(b, TRUE);
	} else if (strcmp(argv[1], "cids") == 0) {
		int missing = 0;

		mimetool_cids(g_mime_message_get_mime_part(m), NULL, &missing);
		ret = missing > 0;
	} else {
		ret = 2;
	}
	g_object_unref(m);
	return ret;
}
