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
	*addr_r = g_ascii_strdown(text, -1);
	return 0;
}
