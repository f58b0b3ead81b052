/* html.h: HTML mail through libxml2's HTML parser: readable plain text
 * (for agents, and the stored body when a message has no text/plain part),
 * an allow-list sanitizer (the HTML relayed to customers) and the parsed
 * document that quote_html.c cuts the quoted history out of. */
#ifndef POSTDESK_HTML_H
#define POSTDESK_HTML_H

#include <stdbool.h>

/* libxml2's node type (libxml/tree.h), named here without its headers */
struct _xmlNode;

/* How deep libxml2 2.9 lets a document nest (xmlParserMaxDepth): at the
 * next level it stops parsing, and the rest of the input is left out. */
#define HTML_MAX_DEPTH 256

/* Text from HTML (UTF-8 in, UTF-8 out, g_free the result): no markup, no
 * head, style or script, entities decoded, paragraphs separated by a blank
 * line, each <br> a line break, list items as "- ", links as "text <href>"
 * (the target alone when it is also the text), the lines of a <blockquote>
 * prefixed with "> " ("> > " nested). Never fails, whatever the input. */
char *html_to_text(const char *html);

/* The HTML as a body fragment (no <html>, <head> or <body>; g_free) that
 * keeps only what the allow-list has: p, br, div, ul, ol, li, b, strong, i,
 * em, u, s, blockquote, pre, code, h1-h6, tables (colspan and rowspan),
 * links to http:, https: and mailto: (href only, rel="noopener
 * noreferrer" added), and cid: images (src, alt, width, height). Other
 * elements are unwrapped (their text kept; blocks become div), or dropped
 * with their content (script, style, head, forms, embedded objects, svg,
 * math...); comments and every other attribute are dropped. Serialized
 * from the parsed tree, so the result is well-formed and at most about six
 * times as long as the input. Never fails, whatever the input. */
char *html_sanitize(const char *html);

/* A parsed HTML document (libxml2's tree), for quote_html.c. */
struct html_doc;

/* Parse html (any bytes; NULL is ""), as UTF-8 whatever its meta says, with
 * the bounds that keep libxml2 linear. Never fails. */
struct html_doc *html_doc_new(const char *html);
/* Free the document and set *d to NULL. */
void html_doc_free(struct html_doc **d);
/* The document's root element (<html>), NULL when the input had nothing. */
struct _xmlNode *html_doc_root(struct html_doc *d);
/* Whether libxml2 stopped before the end of the input (nesting deeper than
 * HTML_MAX_DEPTH, or a text of over 10 MB): what followed is missing. */
bool html_doc_cut(const struct html_doc *d);
/* html_to_text() of the document as it is now. */
char *html_doc_text(struct html_doc *d);
/* html_sanitize() of the document as it is now; *content_r (may be NULL)
 * tells whether the result shows anything (text or an image). */
char *html_doc_sanitize(struct html_doc *d, bool *content_r);

/* Visit the nodes below top in document order: enter(n) before n's
 * children (which are visited only when it returns true), leave(n) after
 * them. Iterative: any depth. The tree must not change meanwhile. */
void html_walk(struct _xmlNode *top, bool (*enter)(struct _xmlNode *n, void *data),
	       void (*leave)(struct _xmlNode *n, void *data), void *data);
/* Whether text s shows anything: not only white space, no-break and
 * zero-width spaces. */
bool html_visible(const char *s);
/* Whether n is an element named name (lower case). */
bool html_is(const struct _xmlNode *n, const char *name);
/* Whether n's elements and text are hidden (head, script, style...). */
bool html_hidden(const struct _xmlNode *n);
/* Whether n is an element that starts a new line (a block: p, div, li...). */
bool html_block(const struct _xmlNode *n);
/* Whether n is a <blockquote> that quotes: not the indentation Gmail's
 * "indent" button makes (style "border:none", no class, no type=cite). */
bool html_is_quote(const struct _xmlNode *n);
/* Whether n's style attribute, in lower case and without white space,
 * holds decl ("border:none", "padding:3.0pt0"). */
bool html_style_has(const struct _xmlNode *n, const char *decl);
/* Whether the space-separated attribute attr of n has the word word
 * (class="gmail_quote x"); with prefix, a word that begins with it. */
bool html_attr_word(const struct _xmlNode *n, const char *attr, const char *word, bool prefix);

#endif
