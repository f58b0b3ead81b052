/* authres.c: Authentication-Results (RFC 8601) and DMARC-style alignment
 * (see authres.h). The header is read in one pass: comments dropped,
 * quoted strings kept whole, then split into ";"-separated results of
 * "method=result ptype.property=value ..." words. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "authres.h"

/* What is looked at of one header, at most (a real one is far shorter). */
#define AUTHRES_MAX_LEN 16384

/* The header without comments, with ";" outside quotes as the only
 * separator, in lower case but for quoted strings (their quotes dropped);
 * each result on a line of its own. g_free it. */
static char *authres_flatten(const char *value)
{
	size_t len = strnlen(value, AUTHRES_MAX_LEN);
	GString *s = g_string_sized_new(len);
	int depth = 0;
	bool quoted = false;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = value[i];

		if (quoted) {
			/* one word whatever it holds: no separators, no spaces */
			bool escaped = c == '\\' && i + 1 < len;

			if (escaped)
				c = value[++i];
			if (c == '"' && !escaped)
				quoted = false;
			else if (c != ';' && c != '\n' && !g_ascii_isspace(c))
				g_string_append_c(s, c);
		} else if (depth > 0) {
			if (c == '\\' && i + 1 < len)
				i++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (c == '(') {
			depth = 1;
			g_string_append_c(s, ' ');
		} else if (c == '"') {
			quoted = true;
		} else if (c == ';') {
			g_string_append_c(s, '\n');
		} else {
			g_string_append_c(s, g_ascii_isspace(c) ? ' ' : g_ascii_tolower(c));
		}
	}
	return g_string_free(s, FALSE);
}

/* Whether a domain is aligned with the From domain: the same, or one a
 * subdomain of the other, and a name with a dot in it. */
static bool authres_aligned(const char *d, const char *from)
{
	size_t ld = strlen(d), lf = strlen(from);

	if (ld == 0 || strchr(d, '.') == NULL)
		return false;
	if (g_ascii_strcasecmp(d, from) == 0)
		return true;
	if (lf > ld && from[lf - ld - 1] == '.' && g_ascii_strcasecmp(from + lf - ld, d) == 0)
		return true;
	return ld > lf && d[ld - lf - 1] == '.' && g_ascii_strcasecmp(d + ld - lf, from) == 0 &&
	       strchr(from, '.') != NULL;
}

/* Whether a header value starts with the authserv-id id itself: a bare
 * token, not quoted, not after a comment (forms a stripping milter that
 * compares text would not remove). */
static bool authres_ours(const char *value, const char *id)
{
	size_t n = strlen(id);

	while (*value == ' ' || *value == '\t')
		value++;
	return n > 0 && g_ascii_strncasecmp(value, id, n) == 0 &&
	       (value[n] == ';' || value[n] == ' ' || value[n] == '\t' || value[n] == '(');
}

/* Whether one result ("dkim=pass header.d=example.org ...") verifies from. */
static bool authres_result(const char *result, const char *from, GString *found)
{
	char **words = g_strsplit(result, " ", -1);
	const char *method = NULL, *verdict = NULL, *identity = NULL;
	bool ok = false;
	int i;

	for (i = 0; words[i] != NULL; i++) {
		char *eq = strchr(words[i], '=');

		if (eq == NULL || eq == words[i])
			continue;
		*eq = '\0';
		if (method == NULL) {
			method = words[i];
			verdict = eq + 1;
		} else if ((strcmp(method, "dkim") == 0 && strcmp(words[i], "header.d") == 0) ||
			   (strcmp(method, "spf") == 0 && strcmp(words[i], "smtp.mailfrom") == 0) ||
			   (strcmp(method, "dmarc") == 0 && strcmp(words[i], "header.from") == 0)) {
			const char *at = strrchr(eq + 1, '@');

			if (identity == NULL)	/* the first of a property counts */
				identity = at ? at + 1 : eq + 1;
		}
	}
	if (method != NULL && (strcmp(method, "dkim") == 0 || strcmp(method, "spf") == 0 ||
			       strcmp(method, "dmarc") == 0)) {
		/* a DMARC pass is for exactly the From domain */
		ok = strcmp(verdict, "pass") == 0 && identity != NULL &&
		     (strcmp(method, "dmarc") == 0 ? g_ascii_strcasecmp(identity, from) == 0 :
						     authres_aligned(identity, from));
		if (found->len < 200)
			g_string_append_printf(found, "%s%s=%s%s%s%s", found->len ? ", " : "", method, verdict,
					       identity ? " (" : "", identity ? identity : "", identity ? ")" : "");
	}
	g_strfreev(words);
	return ok;
}

bool authres_verified(const char *const *headers, size_t n, const char *authserv_id, const char *from_domain,
		      char *why, size_t size)
{
	size_t h;

	for (h = 0; h < n; h++) {
		char *flat, **results;
		GString *found;
		bool ok = false;
		int i;

		if (!authres_ours(headers[h], authserv_id))
			continue;
		flat = authres_flatten(headers[h]);
		results = g_strsplit(flat, "\n", -1);
		found = g_string_new(NULL);
		for (i = 1; results[i] != NULL; i++)
			if (authres_result(g_strstrip(results[i]), from_domain, found))
				ok = true;
		snprintf(why, size, "%s by %s for %s: %s", ok ? "verified" : "not verified", authserv_id, from_domain,
			 found->len ? found->str : "no dkim or spf result");
		g_string_free(found, TRUE);
		g_strfreev(results);
		g_free(flat);
		return ok;	/* the topmost of ours is the one that counts */
	}
	snprintf(why, size, "not verified: no Authentication-Results of %s", authserv_id);
	return false;
}
