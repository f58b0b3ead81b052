/* quote.c: finding where the quoted history of a reply begins, for the
 * quoting styles of Gmail, Outlook, Thunderbird, Apple Mail and Mutt (and
 * their Polish, Czech, Malay and German attribution lines). */
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "quote.h"

/* Attribution lines that start the quoted part: a line that begins with
 * the first text and ends with the second (Gmail, Thunderbird, Apple Mail
 * and Mutt in several languages), matched on one line or on two lines
 * joined (Gmail wraps long ones). Plain string matching: GLib's regex
 * engine (PCRE2 JIT) is not needed for this and confuses valgrind. */
static const struct {
	const char *begin, *end;
} quote_attributions[] = {
	{ "On ", " wrote:" }, { "Dnia ", " napisał(a):" }, { "Dnia ", " napisał:" },
	{ "Dnia ", " napisała:" }, { "W dniu ", " napisał(a):" }, { "W dniu ", " napisał:" },
	{ "W dniu ", " napisała:" }, { "Dne ", " napsal(a):" }, { "Dne ", " napsal:" },
	{ "Dne ", " napsala:" }, { "Pada ", " menulis:" }, { "Am ", " schrieb:" },
	{ "Le ", " a écrit :" }, { "Le ", " a écrit:" },
};

/* Rules of dashes or underscores with a title, as Outlook writes them. */
static const char *const quote_rules[] = {
	"Original Message", "Ursprüngliche Nachricht", "Původní zpráva", "Oryginalna wiadomość",
	"Wiadomość oryginalna", NULL,
};

/* Whether one trimmed line is an attribution or an Outlook rule. */
static gboolean quote_attribution_line(const char *l)
{
	size_t len = strlen(l), i;
	const char *const *r;

	for (i = 0; i < G_N_ELEMENTS(quote_attributions); i++) {
		size_t b = strlen(quote_attributions[i].begin), e = strlen(quote_attributions[i].end);

		if (len > b + e && g_ascii_strncasecmp(l, quote_attributions[i].begin, b) == 0 &&
		    g_ascii_strcasecmp(l + len - e, quote_attributions[i].end) == 0)
			return TRUE;
	}
	if (len >= 10 && strspn(l, "_") == len)
		return TRUE;	/* Outlook's rule above its header block */
	if (l[0] == '-' && l[len - 1] == '-')
		for (r = quote_rules; *r != NULL; r++)
			if (strstr(l, *r) != NULL)
				return TRUE;
	/* Mutt: "* Name <addr> [2026-11-22 10:00]:" */
	if (l[0] == '*' && l[1] == ' ' && len > 16 && strcmp(l + len - 2, "]:") == 0) {
		const char *open = strrchr(l, '[');

		return open != NULL && g_ascii_isdigit(open[1]) && g_ascii_isdigit(open[4]) && open[5] == '-';
	}
	return FALSE;
}

bool quote_is_attribution(const char *line, const char *next)
{
	char *one = g_strstrip(g_strdup(line)), *joined;
	gboolean found = quote_attribution_line(one);

	if (!found && next != NULL && *one != '\0') {
		char *two = g_strstrip(g_strdup(next));

		joined = g_strconcat(one, " ", two, NULL);
		found = quote_attribution_line(joined);
		g_free(joined);
		g_free(two);
	}
	g_free(one);
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
	char **lines = g_strsplit(body ? body : "", "\n", -1);
	GString *out = g_string_new(NULL);
	int i, n, end;

	for (n = 0; lines[n] != NULL; n++)
		g_strchomp(lines[n]);	/* also drops the CR of CRLF */
	for (end = 0; end < n; end++)
		if (quote_is_attribution(lines[end], lines[end + 1]) || quote_outlook_block(lines, end))
			break;
	/* then drop a trailing block of quoted lines and blank lines */
	while (end > 0 && (lines[end - 1][0] == '>' || lines[end - 1][strspn(lines[end - 1], " \t")] == '\0'))
		end--;
	for (i = 0; i < end; i++)
		g_string_append_printf(out, "%s\n", lines[i]);
	g_strfreev(lines);
	return g_string_free(out, FALSE);
}
