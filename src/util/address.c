/* address.c: checking and normalising bare email addresses. */
#include <glib.h>
#include <string.h>

#include "address.h"

int address_normalize(const char *text, char **addr_r, struct fault *f)
{
	const char *at = strrchr(text, '@');
	const unsigned char *p;

	if (at == NULL || at == text || at[1] == '\0')
		return fault_perm(f, "'%s' is not an address like name@example.org", text);
	if (at - text > 64 || strlen(text) > 254)
		return fault_perm(f, "address '%s' is too long", text);
	for (p = (const unsigned char *)text; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>()[]\\,;:\"", *p) != NULL ||
		    (*p == '@' && (const char *)p != at))
			return fault_perm(f, "address '%s' contains a character not allowed here", text);
	if (at[1] == '.' || text[strlen(text) - 1] == '.' || strstr(at, "..") != NULL)
		return fault_perm(f, "address '%s' has a malformed domain", text);
	*addr_r = address_fold(text);
	return 0;
}

char *address_fold(const char *addr)
{
	GString *s;
	const char *p;

	if (!g_utf8_validate(addr, -1, NULL))
		return g_ascii_strdown(addr, -1);
	s = g_string_sized_new(strlen(addr));
	for (p = addr; *p != '\0'; p = g_utf8_next_char(p))
		g_string_append_unichar(s, g_unichar_tolower(g_utf8_get_char(p)));
	return g_string_free(s, FALSE);
}

void address_split(const char *addr, const char *delimiters, char **base_r, char **ext_r)
{
	const char *at = strrchr(addr, '@');
	size_t cut;
	char *base;

	*ext_r = NULL;
	cut = delimiters != NULL && *delimiters != '\0' ? strcspn(addr, delimiters) : strlen(addr);
	if (at == NULL || addr + cut >= at) {
		*base_r = address_fold(addr);
		return;
	}
	/* the extension (a token) folds ASCII only: one spelling of a token */
	*ext_r = g_ascii_strdown(addr + cut + 1, (gssize)(at - addr - cut - 1));
	base = g_strdup_printf("%.*s%s", (int)cut, addr, at);
	*base_r = address_fold(base);
	g_free(base);
}
