/* mutate.c: test helper for tests/db_mutation.sh (tests only, not
 * installed): a small deterministic mail mutator and the hostile messages
 * of issue 13.
 *   mutate --seed N --count N --out DIR FILE...
 *	writes COUNT mutated messages DIR/NNNNNN-K.eml, from the seed files
 *	and a few small hostile messages of its own, the same ones for the
 *	same seed (splitmix64); K says how to deliver it: c customer, t to a
 *	case's customer token, a agent (a From: of the agent added on top, to
 *	the agent token), u unknown recipient, n null sender
 *   mutate --hostile DIR
 *	writes the large hostile messages, one file each, DIR/NAME.eml
 * Mutations, one to three stacked: bit flips, byte insertion and deletion,
 * header duplication, boundary corruption, truncation, huge header lines,
 * deep nesting, charset garbage, NULs, CR-only or CRLF line ends, splicing
 * two seeds, non-ASCII addresses. Mutated output is cut at 1 MB (the hostile
 * messages are larger). */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Mutated messages are cut here, so that a run's time stays bounded. */
#define MUTATE_MAX_SIZE (1u << 20)

static guint64 mutate_state;

/* The next number of the splitmix64 sequence. */
static guint64 mutate_next(void)
{
	guint64 z = (mutate_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n); 0 when n is 0. */
static gsize mutate_below(gsize n)
{
	return n == 0 ? 0 : (gsize)(mutate_next() % n);
}

/* A size between lo and hi (1 <= lo <= hi), spread evenly over the powers
 * of two between them: as many small ones as huge ones. */
static gsize mutate_size(gsize lo, gsize hi)
{
	int lo_bits = g_bit_storage(lo), hi_bits = g_bit_storage(hi);
	int bits = lo_bits + (int)mutate_below((gsize)(hi_bits - lo_bits + 1));
	gsize n = mutate_below((gsize)1 << bits);

	return n < lo ? lo : n > hi ? hi : n;
}

/* Write a buffer to a file; exits on failure (a test helper). */
static void mutate_write(const char *path, const guint8 *data, gsize len)
{
	GError *err = NULL;

	if (!g_file_set_contents(path, (const char *)data, (gssize)len, &err)) {
		fprintf(stderr, "mutate: %s\n", err->message);
		exit(2);
	}
}

/* Insert n bytes at offset at (GByteArray has no insert). */
static void mutate_put(GByteArray *b, guint at, const guint8 *data, guint n)
{
	guint old = b->len;

	if (at > old)
		at = old;
	g_byte_array_set_size(b, old + n);
	memmove(b->data + at + n, b->data + at, old - at);
	if (n > 0)
		memcpy(b->data + at, data, n);
}

/* Where the header ends: the offset of the blank line, else the length. */
static gsize mutate_header_end(const GByteArray *b)
{
	gsize i;

	for (i = 0; i + 1 < b->len; i++) {
		if (b->data[i] == '\n' && b->data[i + 1] == '\n')
			return i + 1;
		if (b->data[i] == '\n' && b->data[i + 1] == '\r' && i + 2 < b->len && b->data[i + 2] == '\n')
			return i + 1;
	}
	return b->len;
}

/* The offset of the first occurrence of s at or after from, or -1. */
static gssize mutate_find(const GByteArray *b, gsize from, const char *s)
{
	gsize n = strlen(s), i;

	for (i = from; i + n <= b->len; i++)
		if (memcmp(b->data + i, s, n) == 0)
			return (gssize)i;
	return -1;
}

/* A byte that parsers care about, or any byte. */
static guint8 mutate_byte(void)
{
	static const char special[] = "\r\n\t :;=?-<>[]\"'\\@,#&";

	switch (mutate_below(4)) {
	case 0: return (guint8)special[mutate_below(sizeof(special) - 1)];
	case 1: return (guint8)(0x80 + mutate_below(0x80));
	case 2: return 0;
	default: return (guint8)mutate_below(256);
	}
}

/* Flip one to sixteen bits. */
static void mutate_bitflip(GByteArray *b)
{
	gsize n = 1 + mutate_below(16);

	while (b->len > 0 && n-- > 0)
		b->data[mutate_below(b->len)] ^= (guint8)(1u << mutate_below(8));
}

/* Insert one to 64 bytes at one place. */
static void mutate_insert(GByteArray *b)
{
	guint8 buf[64];
	gsize n = 1 + mutate_below(sizeof(buf)), i;

	for (i = 0; i < n; i++)
		buf[i] = mutate_byte();
	mutate_put(b, (guint)mutate_below(b->len + 1), buf, (guint)n);
}

/* Delete up to 256 bytes at one place. */
static void mutate_delete(GByteArray *b)
{
	gsize at = mutate_below(b->len), n = 1 + mutate_below(256);

	if (b->len == 0)
		return;
	if (n > b->len - at)
		n = b->len - at;
	g_byte_array_remove_range(b, (guint)at, (guint)n);
}

/* Repeat one header field (with its folded lines) up to 500 times. */
static void mutate_dup_header(GByteArray *b)
{
	gsize end = mutate_header_end(b), start = 0, stop, i, times;
	GByteArray *field;

	/* the start of a random field: a line that does not begin with white space */
	for (i = 0; i < 8; i++) {
		gsize at = mutate_below(end);

		while (at > 0 && b->data[at - 1] != '\n')
			at--;
		if (at < end && b->data[at] != ' ' && b->data[at] != '\t') {
			start = at;
			break;
		}
	}
	for (stop = start; stop < end; stop++)
		if (b->data[stop] == '\n' && (stop + 1 >= end || (b->data[stop + 1] != ' ' && b->data[stop + 1] != '\t')))
			break;
	if (stop >= end || stop == start)
		return;
	field = g_byte_array_new();
	g_byte_array_append(field, b->data + start, (guint)(stop + 1 - start));
	times = mutate_size(1, 500);
	for (i = 0; i < times; i++)
		mutate_put(b, (guint)start, field->data, field->len);
	g_byte_array_free(field, TRUE);
}

/* Corrupt a MIME boundary: the parameter or one delimiter line. */
static void mutate_boundary(GByteArray *b)
{
	gssize at = mutate_find(b, 0, "boundary=");
	gsize v, vend, skip;
	char *value, *delim;
	gssize line;

	if (at < 0) {
		mutate_bitflip(b);
		return;
	}
	v = (gsize)at + 9;
	if (v < b->len && b->data[v] == '"')
		v++;
	for (vend = v; vend < b->len && b->data[vend] != '"' && b->data[vend] != ';' && b->data[vend] != '\n' &&
	     b->data[vend] != '\r'; vend++)
		;
	if (vend == v)
		return;
	value = g_strndup((const char *)b->data + v, vend - v);
	delim = g_strconcat("--", value, NULL);
	line = mutate_find(b, vend, delim);
	/* the n-th delimiter line, if there are that many */
	for (skip = mutate_below(6); line >= 0 && skip > 0; skip--) {
		gssize next = mutate_find(b, (gsize)line + 1, delim);

		if (next < 0)
			break;
		line = next;
	}
	switch (mutate_below(5)) {
	case 0:	/* the parameter loses its last character */
		g_byte_array_remove_index(b, (guint)(vend - 1));
		break;
	case 1:	/* a delimiter line loses its last character */
		if (line >= 0)
			g_byte_array_remove_index(b, (guint)((gsize)line + strlen(delim) - 1));
		break;
	case 2:	/* a delimiter becomes the close delimiter early */
		if (line >= 0)
			mutate_put(b, (guint)((gsize)line + strlen(delim)), (const guint8 *)"--", 2);
		break;
	case 3:	/* the parameter becomes empty or a quote */
		g_byte_array_remove_range(b, (guint)v, (guint)(vend - v));
		mutate_put(b, (guint)v, (const guint8 *)"\"", mutate_below(2));
		break;
	default:	/* everything after a delimiter is gone */
		if (line >= 0)
			g_byte_array_set_size(b, (guint)((gsize)line + strlen(delim)));
		break;
	}
	g_free(value);
	g_free(delim);
}

/* Cut the message at a random place. */
static void mutate_truncate(GByteArray *b)
{
	if (b->len > 1)
		g_byte_array_set_size(b, (guint)(1 + mutate_below(b->len - 1)));
}

/* Text for a huge header field: one of a few hostile patterns. */
static GString *mutate_huge_text(gsize len)
{
	static const char *const units[] = {
		"[", "<", "a", ", ", "x@example.com, ", "=?UTF-8?B?", "\xc3\x96", "#1]", "  ", "\"", "(", "\\",
		"=?ISO-8859-2?Q?=B1?= ", "\n ",
	};
	const char *unit = units[mutate_below(G_N_ELEMENTS(units))];
	GString *s = g_string_sized_new(len + 16);

	while (s->len < len)
		g_string_append(s, unit);
	return s;
}

/* Put a huge header field on top: a new one, or a long Subject, To or
 * References (up to 1 MB). */
static void mutate_huge_header(GByteArray *b)
{
	static const char *const names[] = { "X-Huge: ", "Subject: ", "To: ", "Cc: ", "References: ", "From: " };
	GString *s = mutate_huge_text(mutate_size(1000, 1u << 20));

	g_string_prepend(s, names[mutate_below(G_N_ELEMENTS(names))]);
	g_string_append_c(s, '\n');
	g_byte_array_prepend(b, (const guint8 *)s->str, (guint)s->len);
	g_string_free(s, TRUE);
}

/* Wrap the body in 20 to 2000 levels of multipart/mixed, a text part at
 * some levels; the old body becomes the innermost text part. */
static void mutate_nest(GByteArray *b)
{
	static const char top[] = "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"n0\"\n";
	gsize body = mutate_header_end(b), levels = mutate_size(20, 2000), i;
	GString *open = g_string_new(NULL), *close = g_string_new(NULL);

	/* the body begins after the blank line */
	while (body < b->len && b->data[body] != '\n')
		body++;
	body = MIN(body + 1, b->len);
	for (i = 0; i < levels; i++) {
		g_string_append_printf(open, "--n%zu\n", i);
		if (mutate_below(3) == 0)
			g_string_append_printf(open, "Content-Type: text/plain\n\nlevel %zu\n--n%zu\n", i, i);
		g_string_append_printf(open, "Content-Type: multipart/mixed; boundary=\"n%zu\"\n\n", i + 1);
	}
	g_string_append_printf(open, "--n%zu\nContent-Type: text/plain; charset=UTF-8\n\n", levels);
	for (i = levels + 1; i-- > 0;)
		g_string_append_printf(close, "\n--n%zu--", i);
	g_string_append_c(close, '\n');
	mutate_put(b, (guint)body, (const guint8 *)open->str, (guint)open->len);
	g_byte_array_append(b, (const guint8 *)close->str, (guint)close->len);
	g_byte_array_prepend(b, (const guint8 *)top, sizeof(top) - 1);
	g_string_free(open, TRUE);
	g_string_free(close, TRUE);
}

/* Garbage where a charset is named, or an encoded word of garbage. */
static void mutate_charset(GByteArray *b)
{
	static const char *const junk[] = {
		"x-unknown-42", "utf-7", "ISO-2022-JP", "\"", "", "utf-8\"; charset=koi8-r", "UTF-16",
		"\xff\xfe", "../../etc/passwd", "GB18030", "ucs-4",
	};
	gssize at = mutate_find(b, 0, "charset=");
	const char *j = junk[mutate_below(G_N_ELEMENTS(junk))];
	char word[96];
	gsize i, n;

	if (at >= 0 && mutate_below(2) == 0) {
		gsize v = (gsize)at + 8, vend;

		for (vend = v; vend < b->len && b->data[vend] != ';' && b->data[vend] != '\n' && b->data[vend] != '\r';
		     vend++)
			;
		g_byte_array_remove_range(b, (guint)v, (guint)(vend - v));
		mutate_put(b, (guint)v, (const guint8 *)j, (guint)strlen(j));
		return;
	}
	n = (gsize)snprintf(word, sizeof(word), "Subject: =?%s?%c?", j, mutate_below(2) ? 'B' : 'Q');
	for (i = 0; i < 24 && n + 8 < sizeof(word); i++) {
		guint8 c = mutate_byte();

		word[n++] = c == '\n' || c == '\r' || c == 0 ? '=' : (char)c;
	}
	memcpy(word + n, "?=\n", 3);
	g_byte_array_prepend(b, (const guint8 *)word, (guint)(n + 3));
}

/* NUL bytes at up to a hundred places. */
static void mutate_nuls(GByteArray *b)
{
	gsize n = 1 + mutate_below(100);
	static const guint8 nul = 0;

	while (n-- > 0)
		mutate_put(b, (guint)mutate_below(b->len + 1), &nul, 1);
}

/* Line ends as CR alone, as CRLF, or mixed. */
static void mutate_line_ends(GByteArray *b)
{
	GByteArray *out = g_byte_array_sized_new(b->len + b->len / 16);
	gsize mode = mutate_below(3), i;

	for (i = 0; i < b->len; i++) {
		guint8 c = b->data[i];

		if (c != '\n') {
			g_byte_array_append(out, &c, 1);
			continue;
		}
		if (mode == 0 || (mode == 2 && mutate_below(2) == 0))
			g_byte_array_append(out, (const guint8 *)"\r", 1);
		else
			g_byte_array_append(out, (const guint8 *)"\r\n", 2);
	}
	g_byte_array_set_size(b, 0);
	g_byte_array_append(b, out->data, out->len);
	g_byte_array_free(out, TRUE);
}

/* The start of this message and the end of another. */
static void mutate_splice(GByteArray *b, const GBytes *other)
{
	gsize olen, cut = mutate_below(b->len + 1), from;
	const guint8 *o = g_bytes_get_data((GBytes *)other, &olen);

	from = mutate_below(olen + 1);
	g_byte_array_set_size(b, (guint)cut);
	g_byte_array_append(b, o + from, (guint)(olen - from));
}

/* Addresses with non-ASCII characters (EAI) in From or Cc on top. */
static void mutate_non_ascii(GByteArray *b)
{
	static const char *const fields[] = {
		"From: \xc3\x96STER <\xc3\x96STER@example.de>\n", "Cc: J\xc3\x9cRGEN@example.de, ewa@example.net\n",
		"From: =?UTF-8?B?w5ZTVEVS?= <\xc3\xb6ster@B\xc3\x9c" "CHER.example>\n",
		"Cc: \xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd@\xd0\xbf\xd1\x80\xd0\xb8\xd0\xbc\xd0\xb5\xd1\x80.example\n",
		"From: \xd6STER@example.de\n",
	};
	const char *f = fields[mutate_below(G_N_ELEMENTS(fields))];

	g_byte_array_prepend(b, (const guint8 *)f, (guint)strlen(f));
}

/* Apply one randomly chosen mutation. */
static void mutate_one(GByteArray *b, GPtrArray *seeds)
{
	switch (mutate_below(14)) {
	case 0: case 1: mutate_bitflip(b); break;
	case 2: mutate_insert(b); break;
	case 3: mutate_delete(b); break;
	case 4: mutate_dup_header(b); break;
	case 5: case 6: mutate_boundary(b); break;
	case 7: mutate_truncate(b); break;
	case 8: mutate_huge_header(b); break;
	case 9: mutate_nest(b); break;
	case 10: mutate_charset(b); break;
	case 11: mutate_nuls(b); break;
	case 12: mutate_line_ends(b); break;
	default:
		if (mutate_below(4) == 0)
			mutate_non_ascii(b);
		else
			mutate_splice(b, g_ptr_array_index(seeds, mutate_below(seeds->len)));
		break;
	}
}

/* A message with the usual headers, subject and body given. */
static GString *mutate_message(const char *id, const char *subject, const char *extra, const char *body)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "From: Hostile <hostile@example.net>\nTo: support@example.org\nSubject: %s\n"
			       "Date: Sun, 22 Nov 2026 10:00:00 +0100\nMessage-ID: <%s@example.net>\n%s\n%s",
			       subject, id, extra, body);
	return s;
}

/* A message of many addresses in one field (To or Cc). */
static GString *mutate_addresses(const char *id, const char *field, gsize n)
{
	GString *list = g_string_new(NULL);
	GString *s;
	gsize i;

	for (i = 0; i < n; i++)
		g_string_append_printf(list, "%suser%zu@example.com", i ? ", " : "", i);
	s = g_string_new(NULL);
	g_string_append_printf(s, "From: hostile@example.net\n%s: support@example.org, %s\nSubject: %zu addresses\n"
			       "Message-ID: <%s@example.net>\n\nhello\n", field, list->str, n, id);
	g_string_free(list, TRUE);
	return s;
}

/* A message of multiparts nested levels deep, a text part at each level. */
static GString *mutate_deep(const char *id, gsize levels)
{
	GString *s = mutate_message(id, "deep", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"d0\"\n", "");
	gsize i;

	for (i = 0; i < levels; i++)
		g_string_append_printf(s, "--d%zu\nContent-Type: text/plain\n\nlevel %zu\n--d%zu\n"
				       "Content-Type: multipart/mixed; boundary=\"d%zu\"\n\n", i, i, i, i + 1);
	g_string_append_printf(s, "--d%zu\nContent-Type: text/plain\n\nthe bottom\n", levels);
	for (i = levels + 1; i-- > 0;)
		g_string_append_printf(s, "--d%zu--\n", i);
	return s;
}

/* A multipart of n small text parts. */
static GString *mutate_parts(const char *id, gsize n)
{
	GString *s = mutate_message(id, "many parts", "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"p\"\n", "");
	gsize i;

	for (i = 0; i < n; i++)
		g_string_append_printf(s, "--p\nContent-Type: text/plain\n\npart %zu\n", i);
	g_string_append(s, "--p--\n");
	return s;
}

/* An HTML message: a <pre> of n blank lines and then n <br>. */
static GString *mutate_pre(const char *id, gsize n)
{
	GString *s = mutate_message(id, "pre", "MIME-Version: 1.0\nContent-Type: text/html; charset=UTF-8\n", "<pre>");
	gsize i;

	for (i = 0; i < n; i++)
		g_string_append_c(s, '\n');
	for (i = 0; i < n; i++)
		g_string_append(s, "<br>");
	g_string_append(s, "</pre>end\n");
	return s;
}

/* A message of one repeated unit in the subject or the body. */
static GString *mutate_repeat(const char *id, const char *where, const char *unit, gsize len, const char *tail,
			      const char *extra)
{
	GString *r = g_string_sized_new(len + 16), *s;

	while (r->len < len)
		g_string_append(r, unit);
	g_string_append(r, tail);
	if (strcmp(where, "subject") == 0)
		s = mutate_message(id, r->str, extra, "hello\n");
	else if (strcmp(where, "header") == 0) {
		g_string_prepend(r, "X-Long: ");
		g_string_append_c(r, '\n');
		s = mutate_message(id, "a long header line", r->str, "hello\n");
	} else {
		g_string_append_c(r, '\n');
		s = mutate_message(id, "a long body", extra, r->str);
	}
	g_string_free(r, TRUE);
	return s;
}

/* The hostile messages of issue 13 at full size, by name. */
static GString *mutate_hostile_one(const char *name)
{
	if (strcmp(name, "subject-brackets-4m") == 0)
		return mutate_repeat(name, "subject", "[", 4u << 20, "]", "");
	if (strcmp(name, "subject-brackets-tag-1m6") == 0)
		return mutate_repeat(name, "subject", "[", 1677722, "#1]", "");
	if (strcmp(name, "to-300k") == 0)
		return mutate_addresses(name, "To", 300000);
	if (strcmp(name, "cc-300k") == 0)
		return mutate_addresses(name, "Cc", 300000);
	if (strcmp(name, "header-1m") == 0)
		return mutate_repeat(name, "header", "a", 1u << 20, "", "");
	if (strcmp(name, "header-folded-1m") == 0)
		return mutate_repeat(name, "header", "word\n ", 1u << 20, "", "");
	if (strcmp(name, "deep-2000") == 0)
		return mutate_deep(name, 2000);
	if (strcmp(name, "parts-100k") == 0)
		return mutate_parts(name, 100000);
	if (strcmp(name, "html-lt-4m") == 0)
		return mutate_repeat(name, "body", "<", 4u << 20, "",
				     "MIME-Version: 1.0\nContent-Type: text/html; charset=UTF-8\n");
	if (strcmp(name, "html-pre-br") == 0)
		return mutate_pre(name, 500000);
	if (strcmp(name, "html-nested-200k") == 0)
		return mutate_repeat(name, "body", "<div><blockquote><b>", 4u << 20, "deep",
				     "MIME-Version: 1.0\nContent-Type: text/html; charset=UTF-8\n");
	if (strcmp(name, "lines-2m") == 0)
		return mutate_repeat(name, "body", "\n", 2u << 20, "end", "");
	if (strcmp(name, "non-ascii-from-cc") == 0)
		return g_string_new("From: \xc3\x96STER <\xc3\x96STER@example.de>\nTo: support@example.org\n"
				    "Cc: J\xc3\x9cRGEN@example.de, ewa@example.net\nSubject: Umlaute\n"
				    "Message-ID: <non-ascii-from-cc@example.de>\nMIME-Version: 1.0\n"
				    "Content-Type: text/plain; charset=UTF-8\n\nGr\xc3\xbc\xc3\x9f" "e\n");
	return NULL;
}

static const char *const mutate_hostile_names[] = {
	"subject-brackets-4m", "subject-brackets-tag-1m6", "to-300k", "cc-300k", "header-1m", "header-folded-1m",
	"deep-2000", "parts-100k", "html-lt-4m", "html-pre-br", "html-nested-200k", "lines-2m",
	"non-ascii-from-cc", NULL,
};

/* The small hostile messages added to the seeds of the mutations. */
static void mutate_builtin_seeds(GPtrArray *seeds)
{
	GString *s[] = {
		mutate_repeat("b1", "subject", "[", 20000, "]", ""),
		mutate_addresses("b2", "To", 2000),
		mutate_addresses("b3", "Cc", 500),
		mutate_deep("b4", 40),
		mutate_parts("b5", 300),
		mutate_pre("b6", 2000),
		mutate_repeat("b7", "header", "a", 20000, "", ""),
		g_string_new("From: \xc3\x96STER <\xc3\x96STER@example.de>\nTo: support@example.org\n"
			     "Cc: J\xc3\x9cRGEN@example.de\nSubject: Umlaute\nMessage-ID: <b8@example.de>\n\nhallo\n"),
	};
	gsize i;

	for (i = 0; i < G_N_ELEMENTS(s); i++) {
		gsize len = s[i]->len;

		g_ptr_array_add(seeds, g_bytes_new_take(g_string_free(s[i], FALSE), len));
	}
}

/* Write the mutated messages. */
static void mutate_run(guint64 seed, gsize count, const char *dir, GPtrArray *seeds)
{
	static const char kinds[] = "ccccccctaaun";	/* mostly customers */
	gsize i;

	mutate_state = seed;
	for (i = 1; i <= count; i++) {
		const GBytes *from = g_ptr_array_index(seeds, mutate_below(seeds->len));
		gsize len, steps = 1 + mutate_below(3);
		const guint8 *data = g_bytes_get_data((GBytes *)from, &len);
		GByteArray *b = g_byte_array_sized_new((guint)len + 64);
		char kind = kinds[mutate_below(sizeof(kinds) - 1)], *path, name[32];

		g_byte_array_append(b, data, (guint)len);
		while (steps-- > 0)
			mutate_one(b, seeds);
		if (kind == 'a') {
			static const char agent[] = "From: Alice Agent <alice@example.org>\n";

			g_byte_array_prepend(b, (const guint8 *)agent, sizeof(agent) - 1);
		}
		if (b->len > MUTATE_MAX_SIZE)
			g_byte_array_set_size(b, MUTATE_MAX_SIZE);
		if (b->len == 0)
			g_byte_array_append(b, (const guint8 *)"\n", 1);
		snprintf(name, sizeof(name), "%06zu-%c.eml", i, kind);
		path = g_build_filename(dir, name, NULL);
		mutate_write(path, b->data, b->len);
		g_free(path);
		g_byte_array_free(b, TRUE);
	}
}

int main(int argc, char **argv)
{
	GPtrArray *seeds;
	guint64 seed = 1;
	gsize count = 100;
	const char *dir = NULL;
	int i;

	if (argc == 3 && strcmp(argv[1], "--hostile") == 0) {
		const char *const *n;

		for (n = mutate_hostile_names; *n != NULL; n++) {
			GString *s = mutate_hostile_one(*n);
			char *file = g_strconcat(*n, ".eml", NULL), *path = g_build_filename(argv[2], file, NULL);

			mutate_write(path, (const guint8 *)s->str, s->len);
			g_string_free(s, TRUE);
			g_free(path);
			g_free(file);
		}
		return 0;
	}
	seeds = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			seed = g_ascii_strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			count = (gsize)g_ascii_strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			gchar *data;
			gsize len;
			GError *err = NULL;

			if (!g_file_get_contents(argv[i], &data, &len, &err)) {
				fprintf(stderr, "mutate: %s\n", err->message);
				return 2;
			}
			g_ptr_array_add(seeds, g_bytes_new_take(data, len));
		}
	}
	if (dir == NULL) {
		fprintf(stderr, "usage: mutate --seed N --count N --out DIR FILE... | mutate --hostile DIR\n");
		return 2;
	}
	mutate_builtin_seeds(seeds);
	mutate_run(seed, count, dir, seeds);
	g_ptr_array_free(seeds, TRUE);
	return 0;
}
