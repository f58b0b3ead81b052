/* quote.c: finding where the quoted history of a reply begins, for the
 * quoting styles of Gmail, Outlook, Thunderbird, Apple Mail and Mutt (and
 * their Polish, Czech, Malay and German attribution lines). */
#include <glib.h>
#include <string.h>

#include "quote.h"

/* Attribution lines that start the quoted part, matched on one line or on
 * two lines joined (Gmail wraps long ones). */
static const char *const quote_patterns[] = {
	"^\\s*On\\s.+\\swrote:\\s*$",			/* Gmail, Thunderbird, Apple Mail, Mutt */
	"^\\s*Dnia\\s.+\\snapisał(\\(a\\)|a)?:\\s*$",	/* Polish */
	"^\\s*(W dniu|Dne)\\s.+\\s(napisał|napsal)(\\(a\\)|a)?:\\s*$",
	"^\\s*Pada\\s.+\\smenulis:\\s*$",		/* Malay */
	"^\\s*Am\\s.+\\sschrieb.*:\\s*$",		/* German */
	"^\\s*Le\\s.+\\sa écrit\\s*:\\s*$",		/* French */
	"^\\s*-+\\s*(Original Message|Ursprüngliche Nachricht|Původní zpráva|Oryginalna wiadomość|Wiadomość oryginalna)\\s*-+\\s*$",
	"^\\s*_{10,}\\s*$",				/* Outlook's rule above its header block */
	"^\\s*\\* .+ \\[[0-9]{4}-[0-9]{2}-[0-9]{2}.*\\]:\\s*$",	/* Mutt's default attribution */
	NULL,
};

/* Whether line (or line joined with the next) is an attribution line. */
static gboolean quote_attribution(GRegex *const *res, const char *line, const char *next)
{
	gboolean found = FALSE;
	char *joined = next ? g_strconcat(line, " ", next, NULL) : NULL;
	int i;

	for (i = 0; res[i] != NULL && !found; i++)
		found = g_regex_match(res[i], line, 0, NULL) ||
			(joined != NULL && *line != '\0' && g_regex_match(res[i], joined, 0, NULL));
	g_free(joined);
	return found;
}

/* Whether lines[i] starts Outlook's plain header block: "From:" followed by
 * "Sent:"/"Date:" within the next lines. */
static gboolean quote_outlook_block(char **lines, int i)
{
	const char *l = lines[i] + strspn(lines[i], " \t");
	int j;

	if (!g_str_has_prefix(l, "From:") && !g_str_has_prefix(l, "Od:"))
		return FALSE;
	for (j = i + 1; lines[j] != NULL && j <= i + 3; j++)
		if (g_str_has_prefix(lines[j], "Sent:") || g_str_has_prefix(lines[j], "Date:") ||
		    g_str_has_prefix(lines[j], "Wysłano:") || g_str_has_prefix(lines[j], "Odesláno:"))
			return TRUE;
	return FALSE;
}

char *quote_trim(const char *body)
{
	GRegex *res[G_N_ELEMENTS(quote_patterns)] = { NULL };
	char **lines = g_strsplit(body ? body : "", "\n", -1);
	GString *out = g_string_new(NULL);
	int i, n, end;

	for (i = 0; quote_patterns[i] != NULL; i++)
		res[i] = g_regex_new(quote_patterns[i], G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
	for (n = 0; lines[n] != NULL; n++)
		g_strchomp(lines[n]);	/* also drops the CR of CRLF */
	for (end = 0; end < n; end++)
		if (quote_attribution(res, lines[end], lines[end + 1]) || quote_outlook_block(lines, end))
			break;
	/* then drop a trailing block of quoted lines and blank lines */
	while (end > 0 && (lines[end - 1][0] == '>' || lines[end - 1][strspn(lines[end - 1], " \t")] == '\0'))
		end--;
	for (i = 0; i < end; i++)
		g_string_append_printf(out, "%s\n", lines[i]);
	for (i = 0; res[i] != NULL; i++)
		g_regex_unref(res[i]);
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}
