/* html_allowed.h: the check that what html_sanitize() and quote_html()
 * return holds nothing off their allow-list: the output parsed again with
 * libxml2, every element and attribute looked at. Its own list, written
 * from html.h's promise, not from html.c's table. Shared by
 * tests/unit/test_html.c, tests/unit/test_quote_html.c and
 * fuzz/fuzz_html.c. */
#ifndef POSTDESK_HTML_ALLOWED_H
#define POSTDESK_HTML_ALLOWED_H

#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <string.h>

/* The elements the output may have; libxml2 adds html and body itself. */
static const char *const html_allowed_elements[] = {
	"p", "br", "div", "ul", "ol", "li", "b", "strong", "i", "em", "u", "s", "blockquote", "pre",
	"code", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tfoot", "tr", "td",
	"th", "a", "img", "html", "body", NULL,
};

/* Whether s is in the NULL-terminated list. */
static bool html_allowed_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* Whether v is a number of 1 to 5 digits. */
static bool html_allowed_number(const char *v)
{
	size_t n = strlen(v);

	return n > 0 && n <= 5 && strspn(v, "0123456789") == n;
}

/* Whether attribute name=value may be on element el. */
static bool html_allowed_attr(const char *el, const char *name, const char *v)
{
	if (strcmp(el, "a") == 0) {
		if (strcmp(name, "rel") == 0)
			return strcmp(v, "noopener noreferrer") == 0;
		return strcmp(name, "href") == 0 &&
		       (g_ascii_strncasecmp(v, "http:", 5) == 0 || g_ascii_strncasecmp(v, "https:", 6) == 0 ||
			g_ascii_strncasecmp(v, "mailto:", 7) == 0);
	}
	if (strcmp(el, "img") == 0) {
		if (strcmp(name, "src") == 0)
			return g_ascii_strncasecmp(v, "cid:", 4) == 0;
		if (strcmp(name, "width") == 0 || strcmp(name, "height") == 0)
			return html_allowed_number(v);
		return strcmp(name, "alt") == 0;
	}
	if (strcmp(el, "td") == 0 || strcmp(el, "th") == 0)
		return (strcmp(name, "colspan") == 0 || strcmp(name, "rowspan") == 0) && html_allowed_number(v);
	return false;
}

/* NULL when every node of html is allowed; else what is not (a static
 * buffer, valid until the next call). */
static const char *html_allowed_violation(const char *html)
{
	static char why[256];
	htmlDocPtr doc = htmlReadMemory(html, (int)strlen(html), NULL, "UTF-8",
					HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
						HTML_PARSE_NONET | HTML_PARSE_NODEFDTD);
	xmlNode *n = doc != NULL ? doc->children : NULL;
	const char *bad = NULL;

	while (n != NULL && bad == NULL) {
		if (n->type == XML_ELEMENT_NODE) {
			const char *el = (const char *)n->name;

			if (!html_allowed_in(el, html_allowed_elements)) {
				g_snprintf(why, sizeof(why), "element <%s>", el);
				bad = why;
			}
			for (xmlAttr *a = n->properties; a != NULL && bad == NULL; a = a->next) {
				xmlChar *v = xmlNodeGetContent((xmlNode *)a);

				if (!html_allowed_attr(el, (const char *)a->name, v != NULL ? (const char *)v : "")) {
					g_snprintf(why, sizeof(why), "attribute %s=\"%.80s\" on <%s>", a->name,
						   v != NULL ? (const char *)v : "", el);
					bad = why;
				}
				xmlFree(v);
			}
		} else if (n->type != XML_TEXT_NODE) {
			g_snprintf(why, sizeof(why), "a node of type %d (comment, processing instruction...)", n->type);
			bad = why;
		}
		if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
			n = n->children;
			continue;
		}
		while (n != NULL && n->next == NULL)
			n = n->parent != (xmlNode *)doc ? n->parent : NULL;
		if (n != NULL)
			n = n->next;
	}
	if (doc != NULL)
		xmlFreeDoc(doc);
	return bad;
}

#endif
