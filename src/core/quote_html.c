/* quote_html.c: the agent's own part of an HTML reply. The document is read
 * as a sequence of pieces in document order (text, line breaks, quotes,
 * attributions, the start of Outlook's history); what is history is cut
 * from the tree, and the rest goes through the sanitizer (html.c). The
 * markers are the mail clients' own: Gmail, Outlook desktop, on the web and
 * on phones, Windows Mail, Thunderbird, Apple Mail and iOS, Yahoo, Proton,
 * Zoho; attribution lines are quote.c's. */
#include <glib.h>
#include <libxml/tree.h>
#include <stdbool.h>
#include <string.h>

#include "html.h"
#include "quote.h"
#include "quote_html.h"

/* An attribution line is short: a longer line is not one. */
#define QUOTE_HTML_LINE_MAX 1024
/* How far into an element to look for the first label of a header block. */
#define QUOTE_HTML_LABEL_NODES 64

/* What a piece of the document is. */
enum quote_html_kind {
	QH_TEXT,	/* the agent's: visible text, or an image of the mail */
	QH_WHITE,	/* white space, an image from elsewhere */
	QH_BREAK,	/* a line boundary: <br>, the edge of a block */
	QH_QUOTE,	/* a quote (the element, whole) */
	QH_ATTRIB,	/* an attribution, or a line that reads as one */
	QH_CUT,		/* the start of history that runs to the end (Outlook) */
};

struct quote_html_piece {
	xmlNode *node;		/* NULL for the edge of a block */
	enum quote_html_kind kind;
	bool attrib_line;	/* a text of a line that reads as an attribution */
};

struct quote_html {
	GArray *pieces;
	guint line_first;	/* the first piece of the current line */
	GString *line;		/* its text, white space collapsed, up to QUOTE_HTML_LINE_MAX */
	bool line_long;		/* it was longer */
};

/* Whether the attribute attr of n has s in it (any case). */
static bool quote_html_attr_has(const xmlNode *n, const char *attr, const char *s)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)attr);
	bool found = false;

	if (v != NULL) {
		char *low = g_ascii_strdown((const char *)v, -1), *want = g_ascii_strdown(s, -1);

		found = strstr(low, want) != NULL;
		g_free(want);
		g_free(low);
		xmlFree(v);
	}
	return found;
}

/* Whether n's id is id (any case). */
static bool quote_html_id(const xmlNode *n, const char *id)
{
	return html_attr_word(n, "id", id, false);
}

/* s trimmed, no-break spaces taken for spaces ("De\xc2\xa0:"; g_free). */
static char *quote_html_trimmed(const char *s)
{
	GString *t = g_string_new(NULL);

	for (; *s != '\0'; s++) {
		if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0) {
			g_string_append_c(t, ' ');
			s++;
		} else {
			g_string_append_c(t, *s);
		}
	}
	return g_strstrip(g_string_free(t, FALSE));
}

/* The first visible text in n, trimmed, looking at no more than
 * QUOTE_HTML_LABEL_NODES nodes (g_free; NULL when none). */
static char *quote_html_first_text(xmlNode *n)
{
	xmlNode *c = n->children;
	int seen = 0;

	while (c != NULL && seen++ < QUOTE_HTML_LABEL_NODES) {
		if (c->type == XML_TEXT_NODE && c->content != NULL) {
			char *t = quote_html_trimmed((const char *)c->content);

			if (*t != '\0')
				return t;
			g_free(t);
		}
		if (c->type == XML_ELEMENT_NODE && c->children != NULL && !html_hidden(c)) {
			c = c->children;
			continue;
		}
		while (c != NULL && c != n && c->next == NULL)
			c = c->parent;
		c = c != NULL && c != n ? c->next : NULL;
	}
	return NULL;
}

/* Whether n is Outlook's header block of the quoted message: a div with a
 * top border and Word's padding whose first text is a label ("From:",
 * "Von:", "De :", "Od:"...), as Outlook desktop and Windows Mail write it. */
static bool quote_html_outlook_block(xmlNode *n)
{
	char *label;
	bool found;

	if (!html_is(n, "div") || !html_style_has(n, "border-top:solid") || !html_style_has(n, "padding:3.0pt0"))
		return false;
	label = quote_html_first_text(n);
	found = label != NULL && strlen(label) <= 32 && g_str_has_suffix(label, ":");
	g_free(label);
	return found;
}

/* Whether element n starts history that runs to the end of the mail. */
static bool quote_html_cut(xmlNode *n)
{
	return quote_html_id(n, "divRplyFwdMsg") || quote_html_id(n, "appendonsend") ||
	       (html_is(n, "hr") && quote_html_id(n, "stopSpelling")) ||
	       quote_html_id(n, "mail-editor-reference-message-container") ||
	       quote_html_id(n, "OLK_SRC_BODY_SECTION") ||
	       html_attr_word(n, "class", "OutlookMessageHeader", false) || quote_html_outlook_block(n);
}

/* Whether element n is a quote, taken whole. */
static bool quote_html_quote(const xmlNode *n)
{
	return html_is_quote(n) || quote_html_attr_has(n, "class", "yahoo_quoted") ||
	       quote_html_attr_has(n, "id", "yahoo_quoted") || html_attr_word(n, "class", "protonmail_quote", false) ||
	       html_attr_word(n, "class", "zmail_extra", false) || html_attr_word(n, "id", "AOLMsgPart", true);
}

/* Whether element n is an attribution by its class. */
static bool quote_html_attribution(const xmlNode *n)
{
	return html_attr_word(n, "class", "moz-cite-prefix", false) || html_attr_word(n, "class", "gmail_attr", false);
}

/* Whether n is an image of the mail itself (src cid:), which is content. */
static bool quote_html_cid(const xmlNode *n)
{
	xmlChar *src = html_is(n, "img") ? xmlGetProp(n, (const xmlChar *)"src") : NULL;
	const char *s = src != NULL ? (const char *)src : "";
	bool cid = g_ascii_strncasecmp(s + strspn(s, " \t\r\n"), "cid:", 4) == 0;

	xmlFree(src);
	return cid;
}

/* Add a piece. */
static void quote_html_add(struct quote_html *q, xmlNode *node, enum quote_html_kind kind)
{
	struct quote_html_piece p = { .node = node, .kind = kind };

	g_array_append_val(q->pieces, p);
}

/* The current line ends: when its text is an Outlook rule, history starts
 * at its first text; when it is an attribution, its texts are marked. */
static void quote_html_line_end(struct quote_html *q)
{
	const char *l = q->line->str;
	guint i;

	if (q->line->len > 0 && !q->line_long && quote_is_attribution(l, NULL)) {
		bool rule = l[strspn(l, " ")] == '-' || l[strspn(l, " ")] == '_';

		for (i = q->line_first; i < q->pieces->len; i++) {
			struct quote_html_piece *p = &g_array_index(q->pieces, struct quote_html_piece, i);

			if (p->kind != QH_TEXT)
				continue;
			if (rule) {
				p->kind = QH_CUT;
				break;
			}
			p->attrib_line = true;
		}
	}
	g_string_truncate(q->line, 0);
	q->line_long = false;
	q->line_first = q->pieces->len;
}

/* A boundary piece: it ends the line. */
static void quote_html_boundary(struct quote_html *q, xmlNode *node, enum quote_html_kind kind)
{
	quote_html_line_end(q);
	quote_html_add(q, node, kind);
	q->line_first = q->pieces->len;
}

/* A text node: the agent's text or white space, and the line's text. */
static void quote_html_text(struct quote_html *q, xmlNode *n)
{
	const char *s = (const char *)n->content;

	for (; s != NULL && *s != '\0' && !q->line_long; s = g_utf8_next_char(s)) {
		gunichar u = g_utf8_get_char(s);
		char one[8] = { 0 };

		g_unichar_to_utf8(u, one);
		if (q->line->len >= QUOTE_HTML_LINE_MAX)
			q->line_long = true;
		else if (html_visible(one))
			g_string_append(q->line, one);
		else if (q->line->len > 0 && q->line->str[q->line->len - 1] != ' ')
			g_string_append_c(q->line, ' ');
	}
	quote_html_add(q, n, html_visible((const char *)n->content) ? QH_TEXT : QH_WHITE);
}

/* Before a node: what piece it is, and whether to look inside. */
static bool quote_html_enter(xmlNode *n, void *data)
{
	struct quote_html *q = data;

	if (n->type == XML_TEXT_NODE) {
		quote_html_text(q, n);
		return false;
	}
	if (n->type != XML_ELEMENT_NODE || html_hidden(n))
		return false;
	if (quote_html_cut(n)) {
		quote_html_boundary(q, n, QH_CUT);
		return false;
	}
	if (quote_html_quote(n)) {
		quote_html_boundary(q, n, QH_QUOTE);
		return false;
	}
	if (quote_html_attribution(n)) {
		quote_html_boundary(q, n, QH_ATTRIB);
		return false;
	}
	if (html_is(n, "img")) {
		quote_html_add(q, n, quote_html_cid(n) ? QH_TEXT : QH_WHITE);
		return false;
	}
	if (html_block(n))
		quote_html_boundary(q, NULL, QH_BREAK);
	return true;
}

/* After a node: the end of a block is a line boundary. */
static void quote_html_leave(xmlNode *n, void *data)
{
	struct quote_html *q = data;

	if (n->type == XML_ELEMENT_NODE && html_block(n) && !html_is(n, "br"))
		quote_html_boundary(q, NULL, QH_BREAK);
}

/* Unlink and free node n. */
static void quote_html_remove(xmlNode *n)
{
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

/* Remove n and everything after it in document order. */
static void quote_html_remove_from(xmlNode *n)
{
	xmlNode *level = n, *s = n;

	while (level != NULL && level->type != XML_DOCUMENT_NODE && level->type != XML_HTML_DOCUMENT_NODE) {
		xmlNode *parent = level->parent;

		while (s != NULL) {
			xmlNode *next = s->next;

			quote_html_remove(s);
			s = next;
		}
		level = parent;
		s = level != NULL ? level->next : NULL;
	}
}

/* Whether a node shows nothing, once it has no children. */
static bool quote_html_empty(const xmlNode *n)
{
	if (n->children != NULL)
		return false;
	if (n->type == XML_TEXT_NODE)
		return !html_visible((const char *)n->content);
	return !quote_html_cid(n);	/* an empty element, a <br>, a comment */
}

/* The deepest first (or last) descendant of n. */
static xmlNode *quote_html_leaf(xmlNode *n, bool last)
{
	while (n->children != NULL)
		n = last ? n->last : n->children;
	return n;
}

/* Remove what shows nothing at the start (or the end) of top: empty
 * paragraphs, line breaks, white space, the empty wrappers left by the
 * cuts. Each node is looked at about once. */
static void quote_html_trim(xmlNode *top, bool end)
{
	xmlNode *n;

	if (top == NULL || top->children == NULL)
		return;
	n = quote_html_leaf(top, end);
	while (n != NULL && n != top && quote_html_empty(n)) {
		xmlNode *sibling = end ? n->prev : n->next, *parent = n->parent;

		quote_html_remove(n);
		n = sibling != NULL ? quote_html_leaf(sibling, end) : parent;
	}
}

/* The element the content is in: <body>, else the root. */
static xmlNode *quote_html_body(xmlNode *root)
{
	for (xmlNode *c = root != NULL ? root->children : NULL; c != NULL; c = c->next)
		if (html_is(c, "body"))
			return c;
	return root;
}

/* The kind of piece i, NULL past the end. */
static struct quote_html_piece *quote_html_piece(struct quote_html *q, guint i)
{
	return i < q->pieces->len ? &g_array_index(q->pieces, struct quote_html_piece, i) : NULL;
}

/* Decide what is history among the first n pieces and remove it; returns
 * false when nothing of the agent's is there. *text_last_r tells whether
 * the agent's text is the last thing (line breaks aside) in them. */
static bool quote_html_decide(struct quote_html *q, guint n, bool *text_last_r)
{
	guint i, first = n, last = n;
	bool interleaved = false, history_after = true;

	/* attributions, from the end: history when what follows them (line
	 * breaks and white space aside) is history too, or nothing */
	for (i = n; i-- > 0;) {
		struct quote_html_piece *p = quote_html_piece(q, i);

		if (p->kind == QH_WHITE || p->kind == QH_BREAK)
			continue;
		if (p->kind == QH_ATTRIB || (p->kind == QH_TEXT && p->attrib_line)) {
			p->kind = history_after ? QH_ATTRIB : QH_TEXT;
			continue;
		}
		history_after = p->kind == QH_QUOTE || p->kind == QH_CUT;
	}
	for (i = 0; i < n; i++)
		if (quote_html_piece(q, i)->kind == QH_TEXT) {
			if (first == n)
				first = i;
			last = i;
		}
	if (first == n)
		return false;
	for (i = first; i < last; i++)
		if (quote_html_piece(q, i)->kind == QH_QUOTE)
			interleaved = true;
	*text_last_r = true;
	for (i = last + 1; i < n; i++)
		if (quote_html_piece(q, i)->kind == QH_QUOTE || quote_html_piece(q, i)->kind == QH_ATTRIB)
			*text_last_r = false;
	for (i = 0; i < n; i++) {
		struct quote_html_piece *p = quote_html_piece(q, i);
		bool drop = p->kind == QH_ATTRIB ||
			    (i > last && (p->kind == QH_QUOTE || p->kind == QH_WHITE)) ||
			    (i < first && !interleaved && (p->kind == QH_QUOTE || p->kind == QH_WHITE));

		if (drop && p->node != NULL) {
			quote_html_remove(p->node);
			p->node = NULL;
		}
	}
	return true;
}

char *quote_html(const char *html)
{
	struct html_doc *d = html_doc_new(html);
	struct quote_html q = { .pieces = g_array_new(FALSE, FALSE, sizeof(struct quote_html_piece)),
				.line = g_string_new(NULL) };
	xmlNode *root = html_doc_root(d), *cut = NULL;
	char *out = NULL;
	bool content = false, text_last = false;
	guint n;

	if (root != NULL) {
		html_walk(root, quote_html_enter, quote_html_leave, &q);
		quote_html_line_end(&q);
	}
	for (n = 0; n < q.pieces->len && cut == NULL; n++)
		if (quote_html_piece(&q, n)->kind == QH_CUT)
			cut = quote_html_piece(&q, n)->node;
	if (cut != NULL)
		n--;	/* the pieces before the cut */
	if (quote_html_decide(&q, n, &text_last)) {
		if (cut != NULL)
			quote_html_remove_from(cut);
		/* the end libxml2 did not read may go on with the agent's text:
		 * relaying half of it would mislead */
		if (!html_doc_cut(d) || cut != NULL || !text_last) {
			quote_html_trim(quote_html_body(root), true);
			quote_html_trim(quote_html_body(root), false);
			out = html_doc_sanitize(d, &content);
			if (!content)
				g_clear_pointer(&out, g_free);
		}
	}
	g_array_free(q.pieces, TRUE);
	g_string_free(q.line, TRUE);
	html_doc_free(&d);
	return out;
}
