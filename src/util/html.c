/* html.c: HTML mail to readable text. A small scanner, not a full HTML
 * parser: it only has to make the text of a mail readable for a person,
 * and it must survive any malformed input. */
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "html.h"

/* Named character references understood; others stay as they are. */
static const struct {
	const char *name;
	gunichar c;
} html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", 0xa0 }, { "copy", 0xa9 }, { "reg", 0xae }, { "trade", 0x2122 }, { "euro", 0x20ac },
	{ "pound", 0xa3 }, { "yen", 0xa5 }, { "cent", 0xa2 }, { "sect", 0xa7 }, { "para", 0xb6 },
	{ "hellip", 0x2026 }, { "mdash", 0x2014 }, { "ndash", 0x2013 }, { "laquo", 0xab }, { "raquo", 0xbb },
	{ "lsquo", 0x2018 }, { "rsquo", 0x2019 }, { "sbquo", 0x201a }, { "ldquo", 0x201c },
	{ "rdquo", 0x201d }, { "bdquo", 0x201e }, { "bull", 0x2022 }, { "middot", 0xb7 }, { "deg", 0xb0 },
	{ "times", 0xd7 }, { "divide", 0xf7 }, { "plusmn", 0xb1 }, { "shy", 0xad }, { "zwnj", 0x200c },
	{ "eacute", 0xe9 }, { "Eacute", 0xc9 }, { "egrave", 0xe8 }, { "ecirc", 0xea }, { "aacute", 0xe1 },
	{ "agrave", 0xe0 }, { "acirc", 0xe2 }, { "iacute", 0xed }, { "oacute", 0xf3 }, { "Oacute", 0xd3 },
	{ "uacute", 0xfa }, { "yacute", 0xfd }, { "uuml", 0xfc }, { "Uuml", 0xdc }, { "ouml", 0xf6 },
	{ "Ouml", 0xd6 }, { "auml", 0xe4 }, { "Auml", 0xc4 }, { "szlig", 0xdf }, { "ccedil", 0xe7 },
	{ "ntilde", 0xf1 }, { "oslash", 0xf8 }, { "aring", 0xe5 },
};

/* Tags that start a new line (blank line for the "paragraph" ones), and
 * tags whose content is not text. */
static const char *const html_blocks[] = {
	"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table",
	"ul", "ol", "pre", "hr", "dd", "dt", "dl", "section", "article", "header", "footer", "address",
	"form", "fieldset", "center", NULL,
};
static const char *const html_paragraphs[] = {
	"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "pre", "hr", "dl", NULL,
};
static const char *const html_hidden[] = { "head", "script", "style", "title", "template", NULL };

struct html {
	GString *out;
	bool space;		/* a space is due before the next word */
	bool bullet;		/* a list item began: "- " before its text */
	int pre;		/* inside <pre>: white space kept */
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

/* Whether the output ends a line (or is empty). */
static bool html_at_line_start(const struct html *h)
{
	return h->out->len == 0 || h->out->str[h->out->len - 1] == '\n';
}

/* End the output with at least n line breaks (none at the very start). */
static void html_break(struct html *h, int n)
{
	int have = 0;
	gsize i;

	while (h->out->len > 0 && h->out->str[h->out->len - 1] == ' ')
		g_string_truncate(h->out, h->out->len - 1);
	/* count no further than n: a <pre> may have left any number, and
	 * counting them all for every <br> after it was quadratic */
	for (i = h->out->len; i > 0 && have < n && h->out->str[i - 1] == '\n'; i--)
		have++;
	if (h->out->len > 0)
		for (; have < n; have++)
			g_string_append_c(h->out, '\n');
	h->space = false;
}

/* Start text: the pending bullet, or the pending space. */
static void html_text_start(struct html *h)
{
	if (h->bullet) {
		g_string_append(h->out, "- ");
		h->bullet = false;
	} else if (h->space && !html_at_line_start(h)) {
		g_string_append_c(h->out, ' ');
	}
	h->space = false;
}

/* Add one character of text, collapsing white space (outside <pre>). */
static void html_char(struct html *h, gunichar c)
{
	bool white = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';

	if (h->pre > 0 && white) {
		if (c == '\n')
			g_string_append_c(h->out, '\n');
		else if (c != '\r')
			g_string_append_c(h->out, ' ');
		h->space = false;
		return;
	}
	if (white || c == 0xa0) {	/* &nbsp; too: mail uses it as plain space */
		h->space = true;
		return;
	}
	html_text_start(h);
	g_string_append_unichar(h->out, c);
}

/* Add a word (a link target) as text. */
static void html_word(struct html *h, const char *s)
{
	html_text_start(h);
	g_string_append(h->out, s);
}

/* Decode the character reference at p (just after '&') into *c; returns the
 * bytes used (with the ';'), 0 when it is not one. */
static size_t html_entity(const char *p, gunichar *c)
{
	size_t len = 0, i;

	while (len < 12 && p[len] != '\0' && p[len] != ';' && (g_ascii_isalnum(p[len]) || p[len] == '#'))
		len++;
	if (len == 0 || p[len] != ';')
		return 0;
	if (p[0] == '#') {
		gchar *end;
		guint64 v = (p[1] == 'x' || p[1] == 'X') ? g_ascii_strtoull(p + 2, &end, 16)
							 : g_ascii_strtoull(p + 1, &end, 10);

		if (end != p + len || end == p + 1 || v == 0 || v > 0x10ffff || !g_unichar_validate((gunichar)v))
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

/* A copy of s with its character references decoded (attribute values). */
static char *html_decode(const char *s, size_t n)
{
	GString *out = g_string_sized_new(n);
	const char *end = s + n;

	while (s < end) {
		gunichar c;
		size_t used;

		if (*s == '&' && (used = html_entity(s + 1, &c)) > 0 && s + 1 + used <= end) {
			g_string_append_unichar(out, c);
			s += used + 1;
		} else {
			g_string_append_c(out, *s++);
		}
	}
	return g_string_free(out, FALSE);
}

/* The value of attribute attr (lower-case) in a tag's text, decoded; NULL
 * when absent. */
static char *html_attr(const char *tag, const char *attr)
{
	size_t alen = strlen(attr);
	const char *p = tag;

	/* skip the tag name, then look at each name[=value] in turn */
	p += strcspn(p, " \t\r\n/>");
	while (*p != '\0') {
		const char *name, *v;
		size_t nlen, vlen;

		p += strspn(p, " \t\r\n/");
		name = p;
		nlen = strcspn(p, " \t\r\n/=>");
		p += nlen;
		p += strspn(p, " \t\r\n");
		if (*p != '=') {
			if (nlen == 0)
				break;
			continue;	/* an attribute without value */
		}
		p++;
		p += strspn(p, " \t\r\n");
		if (*p == '"' || *p == '\'') {
			const char *close = strchr(p + 1, *p);

			v = p + 1;
			vlen = close ? (size_t)(close - v) : strlen(v);
			p = close ? close + 1 : v + vlen;
		} else {
			v = p;
			vlen = strcspn(p, " \t\r\n>");
			p += vlen;
		}
		if (nlen == alen && g_ascii_strncasecmp(name, attr, alen) == 0) {
			char *value = html_decode(v, vlen);

			return g_strstrip(value);
		}
	}
	return NULL;
}

/* At the end of a link: show the target after its text when they differ. */
static void html_link_end(struct html *h)
{
	gsize start = MIN(h->link_start, h->out->len);	/* html_break() may have cut */
	char *text = g_strndup(h->out->str + start, h->out->len - start);
	const char *href = h->href, *bare = href;

	g_strstrip(text);
	if (g_ascii_strncasecmp(bare, "mailto:", 7) == 0)
		bare += 7;
	if (*href == '\0' || *href == '#' || g_ascii_strncasecmp(href, "javascript:", 11) == 0 ||
	    strcmp(text, href) == 0 || strcmp(text, bare) == 0) {
		/* nothing to add */
	} else if (*text == '\0') {
		html_word(h, href);	/* an image link: the target is all there is */
	} else {
		g_string_append_printf(h->out, " <%s>", href);
	}
	g_free(text);
	g_clear_pointer(&h->href, g_free);
}

/* Act on one tag (the text between '<' and '>'). */
static void html_tag(struct html *h, const char *tag)
{
	bool closing = tag[0] == '/';
	const char *p = tag + closing;
	size_t n = 0;
	char name[16];

	while (n < sizeof(name) - 1 && g_ascii_isalnum(p[n])) {
		name[n] = g_ascii_tolower(p[n]);
		n++;
	}
	name[n] = '\0';
	if (n == 0)
		return;	/* <!DOCTYPE>, <?xml?>, "< " */
	if (!closing && html_in(name, html_hidden) && tag[strlen(tag) - 1] != '/') {
		h->hidden = g_strdup(name);
		return;
	}
	if (strcmp(name, "a") == 0) {
		if (h->href != NULL)
			html_link_end(h);	/* unclosed link before this one */
		if (!closing) {
			h->href = html_attr(p, "href");
			h->link_start = h->out->len;
		}
		return;
	}
	if (strcmp(name, "td") == 0 || strcmp(name, "th") == 0)
		h->space = true;	/* cells of a row: separated by a space */
	if (strcmp(name, "pre") == 0)
		h->pre = closing ? MAX(h->pre - 1, 0) : h->pre + 1;
	if (!html_in(name, html_blocks))
		return;
	if (strcmp(name, "br") == 0) {
		html_break(h, 1);
	} else if (strcmp(name, "li") == 0 && !closing) {
		html_break(h, 1);
		h->bullet = true;
	} else {
		html_break(h, html_in(name, html_paragraphs) ? 2 : 1);
	}
}

/* Where a tag starting at p ('<') ends ('>'), quotes respected; NULL when
 * the input ends first. */
static const char *html_tag_end(const char *p)
{
	char quote = '\0';

	for (p++; *p != '\0'; p++) {
		if (quote != '\0') {
			if (*p == quote)
				quote = '\0';
		} else if (*p == '"' || *p == '\'') {
			/* only quotes that open an attribute value count */
			if (p[-1] == '=' || p[-1] == ' ')
				quote = *p;
		} else if (*p == '>') {
			return p;
		}
	}
	return NULL;
}

/* Skip the content of a hidden element (script, style, head...), which is
 * not HTML: just look for its end tag; a <body> also ends a <head> that was
 * never closed. Returns where to go on. */
static const char *html_skip_hidden(struct html *h, const char *p)
{
	size_t n = strlen(h->hidden);
	bool head = strcmp(h->hidden, "head") == 0;
	const char *q, *end;

	for (q = strchr(p, '<'); q != NULL; q = strchr(q + 1, '<')) {
		if (q[1] == '/' && g_ascii_strncasecmp(q + 2, h->hidden, n) == 0 && !g_ascii_isalnum(q[2 + n]))
			break;
		if (head && g_ascii_strncasecmp(q + 1, "body", 4) == 0 && !g_ascii_isalnum(q[5]))
			break;
	}
	if (q == NULL)
		return p + strlen(p);	/* never closed: the rest is hidden */
	g_clear_pointer(&h->hidden, g_free);
	if (q[1] != '/')
		return q;	/* the <body> tag itself is read as usual */
	end = strchr(q, '>');
	return end ? end + 1 : q + strlen(q);
}

char *html_to_text(const char *html)
{
	struct html h = { .out = g_string_new(NULL) };
	char *valid = g_utf8_make_valid(html ? html : "", -1);
	const char *p = valid;

	while (*p != '\0') {
		if (h.hidden != NULL) {
			p = html_skip_hidden(&h, p);
		} else if (strncmp(p, "<!--", 4) == 0) {
			const char *end = strstr(p + 4, "-->");

			p = end ? end + 3 : p + strlen(p);
		} else if (*p == '<' && (g_ascii_isalpha(p[1]) || p[1] == '/' || p[1] == '!' || p[1] == '?')) {
			const char *end = html_tag_end(p);
			char *tag;

			if (end == NULL)
				break;	/* input cut off inside a tag */
			tag = g_strndup(p + 1, (size_t)(end - p - 1));
			html_tag(&h, tag);
			g_free(tag);
			p = end + 1;
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
	if (h.href != NULL)
		html_link_end(&h);
	g_free(valid);
	g_free(h.hidden);
	html_break(&h, 0);
	while (h.out->len > 0 && (h.out->str[h.out->len - 1] == '\n' || h.out->str[h.out->len - 1] == ' '))
		g_string_truncate(h.out, h.out->len - 1);
	return g_string_free(h.out, FALSE);
}
