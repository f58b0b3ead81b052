/* html.c: HTML mail to readable text. A small scanner, not a full HTML
 * parser: it only has to make the text of a mail readable for a person,
 * and it must survive any malformed input. */
#include <ctype.h>
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "html.h"

static const struct {
	const char *name;
	gunichar c;
} html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", 0xa0 }, { "copy", 0xa9 }, { "reg", 0xae }, { "euro", 0x20ac }, { "hellip", 0x2026 },
	{ "mdash", 0x2014 }, { "ndash", 0x2013 }, { "laquo", 0xab }, { "raquo", 0xbb },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "bull", 0x2022 }, { "middot", 0xb7 }, { "deg", 0xb0 }, { "times", 0xd7 },
	{ "eacute", 0xe9 }, { "egrave", 0xe8 }, { "aacute", 0xe1 }, { "agrave", 0xe0 },
	{ "uuml", 0xfc }, { "ouml", 0xf6 }, { "auml", 0xe4 }, { "szlig", 0xdf }, { "ccedil", 0xe7 },
};

/* Tags that start a new line, and those whose content is not text. */
static const char *const html_blocks[] = {
	"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
	"table", "ul", "ol", "pre", "hr", "dd", "dt", "section", "article", "header", "footer", NULL,
};
static const char *const html_hidden[] = { "head", "script", "style", "title", NULL };

struct html {
	GString *out;
	bool space;		/* a space is due before the next word */
	char *hidden;		/* inside <script> etc.: the closing tag awaited */
	char *href;		/* inside <a href>: the target */
	gsize link_start;	/* where the link's text began in out */
};

/* Whether name is in a NULL-terminated list. */
static bool html_in(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

/* End the output with at least n line breaks (none at the very start). */
static void html_break(struct html *h, int n)
{
	int have = 0;

	while (h->out->len > 0 && h->out->str[h->out->len - 1] == ' ')
		g_string_truncate(h->out, h->out->len - 1);
	for (gsize i = h->out->len; i > 0 && h->out->str[i - 1] == '\n'; i--)
		have++;
	if (h->out->len > 0)
		for (; have < n; have++)
			g_string_append_c(h->out, '\n');
	h->space = false;
}

/* Add one character of text, collapsing white space. */
static void html_char(struct html *h, gunichar c)
{
	if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0xa0) {
		h->space = true;
		return;
	}
	if (h->space && h->out->len > 0 && h->out->str[h->out->len - 1] != '\n')
		g_string_append_c(h->out, ' ');
	h->space = false;
	g_string_append_unichar(h->out, c);
}

/* Decode the entity at p (just after '&'); returns the bytes used, 0 if none. */
static size_t html_entity(const char *p, gunichar *c)
{
	const char *semi = strchr(p, ';');
	size_t len, i;

	if (semi == NULL || semi - p > 10 || semi == p)
		return 0;
	len = (size_t)(semi - p);
	if (p[0] == '#') {
		gchar *end;
		guint64 v = (p[1] == 'x' || p[1] == 'X') ? g_ascii_strtoull(p + 2, &end, 16)
							 : g_ascii_strtoull(p + 1, &end, 10);

		if (end != semi || v == 0 || v > 0x10ffff || !g_unichar_validate((gunichar)v))
			return 0;
		*c = (gunichar)v;
		return len + 1;
	}
	for (i = 0; i < G_N_ELEMENTS(html_entities); i++)
		if (strlen(html_entities[i].name) == len && strncmp(p, html_entities[i].name, len) == 0) {
			*c = html_entities[i].c;
			return len + 1;
		}
	return 0;
}

/* The value of attribute attr in a tag's text, entities left as they are. */
static char *html_attr(const char *tag, const char *attr)
{
	const char *p = tag;
	size_t alen = strlen(attr);

	while ((p = strstr(p, attr)) != NULL) {
		const char *v = p + alen;

		if ((p == tag || isspace((unsigned char)p[-1])) && *v == '=') {
			char quote = *++v;
			size_t n;

			if (quote == '"' || quote == '\'') {
				const char *end = strchr(++v, quote);

				n = end ? (size_t)(end - v) : strlen(v);
			} else {
				n = strcspn(v, " \t\n>");
			}
			return g_strndup(v, n);
		}
		p += alen;
	}
	return NULL;
}

/* Act on one tag (the text between '<' and '>'). */
static void html_tag(struct html *h, const char *tag)
{
	bool closing = tag[0] == '/';
	const char *p = tag + closing;
	size_t n = 0;
	char name[16];

	while (n < sizeof(name) - 1 && isalnum((unsigned char)p[n])) {
		name[n] = (char)g_ascii_tolower(p[n]);
		n++;
	}
	name[n] = '\0';
	if (n == 0)
		return;
	if (h->hidden != NULL) {
		if (closing && strcmp(name, h->hidden) == 0)
			g_clear_pointer(&h->hidden, g_free);
		return;
	}
	if (!closing && html_in(name, html_hidden)) {
		h->hidden = g_strdup(name);
		return;
	}
	if (strcmp(name, "a") == 0) {
		if (!closing) {
			g_free(h->href);
			h->href = html_attr(p, "href");
			h->link_start = h->out->len;
		} else if (h->href != NULL) {
			char *text = g_strndup(h->out->str + h->link_start, h->out->len - h->link_start);

			if (strcmp(g_strstrip(text), h->href) != 0 && strncmp(h->href, "#", 1) != 0 &&
			    strncmp(h->href, "javascript:", 11) != 0) {
				g_string_append_printf(h->out, " <%s>", h->href);
			}
			g_free(text);
			g_clear_pointer(&h->href, g_free);
		}
		return;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		h->space = true;	/* cells of a row: separated by a space */
	if (!html_in(name, html_blocks))
		return;
	if (strcmp(name, "br") == 0) {
		html_break(h, 1);
	} else if (strcmp(name, "li") == 0 && !closing) {
		html_break(h, 1);
		g_string_append(h->out, "- ");
	} else if (strcmp(name, "p") == 0 || name[0] == 'h' || strcmp(name, "blockquote") == 0 ||
		   strcmp(name, "table") == 0) {
		html_break(h, 2);
	} else {
		html_break(h, 1);
	}
}

char *html_to_text(const char *html)
{
	struct html h = { .out = g_string_new(NULL) };
	char *valid = g_utf8_make_valid(html ? html : "", -1);
	const char *p = valid;

	while (*p != '\0') {
		if (*p == '<' && strncmp(p, "<!--", 4) == 0) {
			const char *end = strstr(p + 4, "-->");

			p = end ? end + 3 : p + strlen(p);
		} else if (*p == '<' && (isalpha((unsigned char)p[1]) || p[1] == '/' || p[1] == '!')) {
			const char *end = strchr(p, '>');
			char *tag = g_strndup(p + 1, end ? (size_t)(end - p - 1) : strlen(p + 1));

			html_tag(&h, tag);
			g_free(tag);
			p = end ? end + 1 : p + strlen(p);
		} else if (h.hidden != NULL) {
			p++;
		} else {
			gunichar c = g_utf8_get_char(p);
			size_t used;

			if (c == '&' && (used = html_entity(p + 1, &c)) > 0) {
				html_char(&h, c);
				p += used + 1;
			} else {
				html_char(&h, c);
				p = g_utf8_next_char(p);
			}
		}
	}
	g_free(valid);
	g_free(h.hidden);
	g_free(h.href);
	html_break(&h, 0);
	while (h.out->len > 0 && h.out->str[h.out->len - 1] == '\n')
		g_string_truncate(h.out, h.out->len - 1);
	return g_string_free(h.out, FALSE);
}
