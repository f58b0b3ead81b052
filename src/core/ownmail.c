/* ownmail.c: dropping the lines of postdesk's own notifications from an
 * agent's answer (see ownmail.h). */
#include <glib.h>
#include <string.h>

#include "ownmail.h"

/* One line as compared: without quote markers ("> ", "| "), folded to lower case,
 * white space runs as one space, trimmed; NULL when it has fewer than
 * OWNMAIL_MIN_CHARS letters and digits. */
static char *ownmail_key(const char *line, size_t len)
{
	GString *k = g_string_new(NULL);
	const char *p = line, *end = line + len;
	size_t alnum = 0;
	char *folded;

	while (p < end && (*p == '>' || *p == '|' || *p == ' ' || *p == '\t'))
		p++;
	for (; p < end; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char_validated(p, end - p);

		if (c == (gunichar)-1 || c == (gunichar)-2)
			break;
		if (g_unichar_isspace(c)) {
			if (k->len > 0 && k->str[k->len - 1] != ' ')
				g_string_append_c(k, ' ');
			continue;
		}
		if (g_unichar_isalnum(c))
			alnum++;
		g_string_append_unichar(k, c);
	}
	while (k->len > 0 && k->str[k->len - 1] == ' ')
		g_string_truncate(k, k->len - 1);
	if (alnum < OWNMAIL_MIN_CHARS) {
		g_string_free(k, TRUE);
		return NULL;
	}
	folded = g_utf8_casefold(k->str, (gssize)k->len);
	g_string_free(k, TRUE);
	return folded;
}

/* Add the key of every line of each text to set; with remove, take them out. */
static void ownmail_lines(GHashTable *set, const char *const *texts, gboolean remove)
{
	for (; texts != NULL && *texts != NULL; texts++) {
		const char *p = *texts;

		while (*p != '\0') {
			size_t n = strcspn(p, "\n");
			char *key = ownmail_key(p, n);

			if (key != NULL && remove) {
				g_hash_table_remove(set, key);
				g_free(key);
			} else if (key != NULL) {
				g_hash_table_add(set, key);
			}
			p += n + (p[n] == '\n');
		}
	}
}

char *ownmail_strip(const char *answer, const char *const *ours, const char *const *theirs, size_t *dropped_r)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GString *out = g_string_new(NULL);
	const char *p = answer ? answer : "";

	*dropped_r = 0;
	ownmail_lines(set, ours, FALSE);
	ownmail_lines(set, theirs, TRUE);
	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		char *key = ownmail_key(p, n);

		if (key != NULL && g_hash_table_contains(set, key))
			(*dropped_r)++;
		else
			g_string_append_len(out, p, (gssize)(n + (p[n] == '\n')));
		g_free(key);
		p += n + (p[n] == '\n');
	}
	g_hash_table_destroy(set);
	return g_string_free(out, FALSE);
}
