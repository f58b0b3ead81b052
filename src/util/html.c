/* html.c: HTML mail through libxml2's HTML parser: the text agents read
 * (html_to_text), the allow-list sanitizer for the HTML relayed to
 * customers (html_sanitize), and the parsed document quote_html.c cuts.
 *
 * libxml2 2.9 is linear but for two things, which parsing bounds here:
 * each attribute of a tag is compared with all the earlier ones (a tag of
 * 40,000 attributes took 8 s), so no tag reaches libxml2 with more than
 * HTML_MAX_ATTRS (html_prepare() ends it there); and each end tag that
 * closes nothing looks through every open element, which its own depth
 * limit (HTML_MAX_DEPTH: at the next level it stops parsing) keeps to 256.
 * The tree is walked without recursion. */
#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "html.h"

/* The most attributes of one tag given to libxml2 (see above). */
#define HTML_MAX_ATTRS 64
/* libxml2 splits names after this many characters (HTML_PARSER_BUFFER_SIZE). */
#define HTML_NAME_MAX 100
/* The deepest quote the text shows as such ("> " repeated); deeper ones
 * are shown at this depth, so that prefixes cannot multiply the text. */
#define HTML_TEXT_QUOTE_MAX 8
/* Output bounds: html_to_text at most 4 and html_sanitize at most 6 times
 * the input (plus a little); what would go beyond is left out. */
#define HTML_TEXT_GROWTH 4
#define HTML_CLEAN_GROWTH 6
#define HTML_GROWTH_SLACK 4096

/* The name given to the paragraphs libxml2 adds (html_sax_start()). */
#define HTML_IMPLIED "html-implied-p"

#define HTML_OPTIONS (HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR | \
		      HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC)

struct html_doc {
	xmlDoc *doc;
	bool cut;
};

/* What an element is for the text (html_to_text). */
enum html_text_kind {
	HTML_T_INLINE,	/* nothing of its own */
	HTML_T_LINE,	/* on its own line */
	HTML_T_PARA,	/* a paragraph: blank lines around it */
	HTML_T_HIDDEN,	/* no text: its content is not shown */
};

/* What the sanitizer does with an element. */
enum html_clean_kind {
	HTML_C_UNWRAP,	/* the tag is left out, its content kept */
	HTML_C_KEEP,	/* kept, without attributes */
	HTML_C_AS,	/* kept as another allowed element */
	HTML_C_DROP,	/* left out with its content */
	HTML_C_LINK,	/* <a>: kept when its href is allowed */
	HTML_C_IMG,	/* <img>: kept when its src is cid: */
	HTML_C_CELL,	/* <td>, <th>: colspan and rowspan kept */
};

struct html_element {
	const char *name;
	enum html_text_kind text;
	enum html_clean_kind clean;
	const char *as;		/* HTML_C_AS: the element written instead */
};

/* The elements with a rule; any other (unknown, or a prefixed name such as
 * Word's <o:p>) is inline and unwrapped. */
static const struct html_element html_elements[] = {
	{ "a", HTML_T_INLINE, HTML_C_LINK, NULL },
	{ "address", HTML_T_LINE, HTML_C_AS, "div" },
	{ "applet", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "area", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "article", HTML_T_LINE, HTML_C_AS, "div" },
	{ "aside", HTML_T_LINE, HTML_C_AS, "div" },
	{ "audio", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "b", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "base", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "blockquote", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "br", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "button", HTML_T_INLINE, HTML_C_DROP, NULL },
	{ "canvas", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "caption", HTML_T_LINE, HTML_C_AS, "div" },
	{ "center", HTML_T_LINE, HTML_C_AS, "div" },
	{ "code", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "datalist", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "dd", HTML_T_LINE, HTML_C_AS, "div" },
	{ "del", HTML_T_INLINE, HTML_C_AS, "s" },
	{ "details", HTML_T_LINE, HTML_C_AS, "div" },
	{ "dir", HTML_T_PARA, HTML_C_AS, "ul" },
	{ "div", HTML_T_LINE, HTML_C_KEEP, NULL },
	{ "dl", HTML_T_PARA, HTML_C_AS, "div" },
	{ "dt", HTML_T_LINE, HTML_C_AS, "div" },
	{ "em", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "embed", HTML_T_INLINE, HTML_C_UNWRAP, NULL },	/* void, but not to libxml2 2.9 */
	{ "fieldset", HTML_T_LINE, HTML_C_AS, "div" },
	{ "figcaption", HTML_T_LINE, HTML_C_AS, "div" },
	{ "figure", HTML_T_LINE, HTML_C_AS, "div" },
	{ "footer", HTML_T_LINE, HTML_C_AS, "div" },
	{ "form", HTML_T_LINE, HTML_C_DROP, NULL },
	{ "frame", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "frameset", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "h1", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "h2", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "h3", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "h4", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "h5", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "h6", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "head", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "header", HTML_T_LINE, HTML_C_AS, "div" },
	{ "hgroup", HTML_T_LINE, HTML_C_AS, "div" },
	{ "hr", HTML_T_PARA, HTML_C_DROP, NULL },
	{ "i", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "iframe", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "img", HTML_T_INLINE, HTML_C_IMG, NULL },
	{ "input", HTML_T_INLINE, HTML_C_DROP, NULL },
	{ "ins", HTML_T_INLINE, HTML_C_AS, "u" },
	{ "kbd", HTML_T_INLINE, HTML_C_AS, "code" },
	{ "legend", HTML_T_LINE, HTML_C_AS, "div" },
	{ "li", HTML_T_LINE, HTML_C_KEEP, NULL },
	{ "link", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "listing", HTML_T_PARA, HTML_C_AS, "pre" },
	{ "main", HTML_T_LINE, HTML_C_AS, "div" },
	{ "map", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "math", HTML_T_INLINE, HTML_C_DROP, NULL },
	{ "menu", HTML_T_PARA, HTML_C_AS, "ul" },
	{ "meta", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "nav", HTML_T_LINE, HTML_C_AS, "div" },
	{ "noembed", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "noframes", HTML_T_LINE, HTML_C_DROP, NULL },
	{ "noscript", HTML_T_INLINE, HTML_C_DROP, NULL },
	{ "object", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "ol", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "optgroup", HTML_T_INLINE, HTML_C_DROP, NULL },
	{ "option", HTML_T_INLINE, HTML_C_DROP, NULL },
	{ "p", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "param", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "picture", HTML_T_INLINE, HTML_C_DROP, NULL },
	{ "plaintext", HTML_T_PARA, HTML_C_AS, "pre" },
	{ "pre", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "s", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "samp", HTML_T_INLINE, HTML_C_AS, "code" },
	{ "script", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "section", HTML_T_LINE, HTML_C_AS, "div" },
	{ "select", HTML_T_INLINE, HTML_C_DROP, NULL },
	{ "source", HTML_T_INLINE, HTML_C_UNWRAP, NULL },	/* the same */
	{ "strike", HTML_T_INLINE, HTML_C_AS, "s" },
	{ "strong", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "style", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "summary", HTML_T_LINE, HTML_C_AS, "div" },
	{ "svg", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "table", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "tbody", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "td", HTML_T_INLINE, HTML_C_CELL, NULL },
	{ "template", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "textarea", HTML_T_LINE, HTML_C_DROP, NULL },
	{ "tfoot", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "th", HTML_T_INLINE, HTML_C_CELL, NULL },
	{ "thead", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "title", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "tr", HTML_T_LINE, HTML_C_KEEP, NULL },
	{ "track", HTML_T_INLINE, HTML_C_UNWRAP, NULL },	/* the same */
	{ "tt", HTML_T_INLINE, HTML_C_AS, "code" },
	{ "u", HTML_T_INLINE, HTML_C_KEEP, NULL },
	{ "ul", HTML_T_PARA, HTML_C_KEEP, NULL },
	{ "video", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "xml", HTML_T_HIDDEN, HTML_C_DROP, NULL },
	{ "xmp", HTML_T_PARA, HTML_C_AS, "pre" },
};

static GHashTable *html_element_table;

/* One-time set-up: libxml2's own (it must run once before threads use the
 * parser) and the element table. */
static gpointer html_init_once(gpointer unused)
{
	GHashTable *t = g_hash_table_new(g_str_hash, g_str_equal);
	size_t i;

	(void)unused;
	xmlInitParser();
	for (i = 0; i < G_N_ELEMENTS(html_elements); i++)
		g_hash_table_insert(t, (gpointer)html_elements[i].name, (gpointer)&html_elements[i]);
	html_element_table = t;
	return NULL;
}

/* Run html_init_once() once. */
static void html_init(void)
{
	static GOnce once = G_ONCE_INIT;

	g_once(&once, html_init_once, NULL);
}

/* The rule of element n, NULL for text and unknown elements. */
static const struct html_element *html_element(const xmlNode *n)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE || n->name == NULL)
		return NULL;
	return g_hash_table_lookup(html_element_table, n->name);
}

/* ---- parsing ------------------------------------------------------------ */

/* Where a tag that libxml2 may be reading stands (html_prepare()): the
 * states of htmlParseStartTag() from the '<' on. */
enum html_tag_state {
	HTML_S_LT,	/* after '<' (a letter follows) */
	HTML_S_TAGNAME,	/* in the element's name */
	HTML_S_SEP,	/* between attributes */
	HTML_S_ANAME,	/* in an attribute's name */
	HTML_S_AFTERNAME, /* blanks after the name: '=' or the next attribute */
	HTML_S_AFTEREQ,	/* after '=' */
	HTML_S_UNQUOTED, /* in a value without quotes */
	HTML_S_DQUOTED,	/* in a value in "" */
	HTML_S_SQUOTED,	/* in a value in '' */
	HTML_S_BOGUS,	/* in something that is no attribute: up to a blank */
	HTML_S_END,	/* the tag ended (not a state a tag stays in) */
	HTML_S_COUNT = HTML_S_END,
};

/* libxml2's blanks (IS_BLANK_CH) and name characters (htmlParseHTMLName). */
static bool html_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool html_name_char(char c)
{
	return g_ascii_isalnum(c) || c == ':' || c == '-' || c == '_' || c == '.';
}

static bool html_name_start(char c)
{
	return g_ascii_isalpha(c) || c == '_' || c == ':' || c == '.';
}

/* The state after c (next: the character after it) in state s, from
 * between attributes or after a name; *attr set when c begins an attribute. */
static enum html_tag_state html_tag_between(enum html_tag_state s, char c, char next, bool *attr)
{
	if (s == HTML_S_AFTERNAME) {
		if (html_blank(c))
			return HTML_S_AFTERNAME;
		if (c == '=')
			return HTML_S_AFTEREQ;
	}
	if (html_blank(c))
		return HTML_S_SEP;
	if (c == '>')
		return HTML_S_END;
	if (c == '/' && next == '>')
		return HTML_S_SEP;	/* "/>": the '>' ends it */
	if (html_name_start(c)) {
		*attr = true;
		return HTML_S_ANAME;
	}
	return HTML_S_BOGUS;
}

/* The state after c in state s; run is c's place in a run of name
 * characters (libxml2 cuts a name after HTML_NAME_MAX of them, and what
 * follows is the next attribute); *attr set when c begins an attribute. */
static enum html_tag_state html_tag_step(enum html_tag_state s, char c, char next, size_t run, bool *attr)
{
	switch (s) {
	case HTML_S_LT:
		return g_ascii_isalpha(c) ? HTML_S_TAGNAME : HTML_S_END;
	case HTML_S_TAGNAME:
	case HTML_S_ANAME:
		if (html_name_char(c)) {
			if (run > 0 && run % HTML_NAME_MAX == 0) {
				*attr = true;
				return HTML_S_ANAME;
			}
			return s;
		}
		return html_tag_between(s == HTML_S_ANAME ? HTML_S_AFTERNAME : HTML_S_SEP, c, next, attr);
	case HTML_S_SEP:
	case HTML_S_AFTERNAME:
		return html_tag_between(s, c, next, attr);
	case HTML_S_AFTEREQ:
		if (html_blank(c))
			return s;
		if (c == '"')
			return HTML_S_DQUOTED;
		if (c == '\'')
			return HTML_S_SQUOTED;
		return c == '>' ? HTML_S_END : HTML_S_UNQUOTED;
	case HTML_S_UNQUOTED:
		return html_blank(c) ? HTML_S_SEP : c == '>' ? HTML_S_END : s;
	case HTML_S_DQUOTED:
		return c == '"' ? HTML_S_SEP : s;
	case HTML_S_SQUOTED:
		return c == '\'' ? HTML_S_SEP : s;
	case HTML_S_BOGUS:
		if (html_blank(c))
			return HTML_S_SEP;
		if (c == '>')
			return HTML_S_END;
		return c == '/' && next == '>' ? HTML_S_SEP : s;
	case HTML_S_END:
		break;
	}
	return HTML_S_END;
}

/* Every tag libxml2 may be in, as the most attributes seen so far by the
 * tags in each state: tags in the same state go on alike, so the set stays
 * small whatever the input. */
struct html_tags {
	int count[HTML_S_COUNT];
	unsigned live;		/* the states some tag is in, one bit each */
	size_t run;		/* the current character's place in a run of name characters */
};

/* Advance every tag in t over c; returns false, changing nothing, when a
 * tag would then hold more than HTML_MAX_ATTRS attributes. */
static bool html_tags_step(struct html_tags *t, char c, char next)
{
	int after[HTML_S_COUNT];
	unsigned live = 0;
	int s;

	for (s = 0; s < HTML_S_COUNT; s++) {
		bool attr = false;
		enum html_tag_state to;
		int n;

		if (!(t->live & (1u << s)))
			continue;
		to = html_tag_step((enum html_tag_state)s, c, next, t->run, &attr);
		n = t->count[s] + (attr ? 1 : 0);
		if (n > HTML_MAX_ATTRS)
			return false;
		if (to == HTML_S_END)
			continue;
		if (!(live & (1u << to)) || n > after[to])
			after[to] = n;
		live |= 1u << to;
	}
	/* a '<' before a letter may begin a tag, wherever it is */
	if (c == '<' && g_ascii_isalpha(next) && !(live & (1u << HTML_S_LT))) {
		after[HTML_S_LT] = 0;
		live |= 1u << HTML_S_LT;
	}
	for (s = 0; s < HTML_S_COUNT; s++)
		if (live & (1u << s))
			t->count[s] = after[s];
	t->live = live;
	t->run = html_name_char(c) ? t->run + 1 : 0;
	return true;
}

/* The input libxml2 parses: valid UTF-8 (libxml2 would switch to Latin-1
 * at the first bad byte), a '<' that starts the text written "&lt;"
 * (libxml2 drops text before the first element), and a '>' put before the
 * attribute that would be one too many in a tag: without knowing the
 * context (comment, script, attribute value) it follows every tag that
 * may be open, so no tag libxml2 reads has more than HTML_MAX_ATTRS. */
static GString *html_prepare(const char *html)
{
	char *valid = g_utf8_make_valid(html != NULL ? html : "", -1);
	size_t len = strlen(valid), i = 0, from;
	GString *out = g_string_sized_new(len + len / 64 + 16);
	struct html_tags t = { .live = 0 };

	while (i < len && html_blank(valid[i]))
		i++;
	g_string_append_len(out, valid, (gssize)i);
	while (i < len && valid[i] == '<' && !g_ascii_isalpha(valid[i + 1]) && valid[i + 1] != '/' &&
	       valid[i + 1] != '!' && valid[i + 1] != '?') {
		g_string_append(out, "&lt;");
		i++;
	}
	for (from = i; i < len;) {
		if (t.live == 0) {
			/* no tag open: straight to the next '<' */
			const char *lt = memchr(valid + i, '<', len - i);

			if (lt == NULL)
				break;
			i = (size_t)(lt - valid);
			t.run = 0;
		}
		if (!html_tags_step(&t, valid[i], valid[i + 1])) {
			/* end the tag that would take one attribute too many */
			g_string_append_len(out, valid + from, (gssize)(i - from));
			g_string_append_c(out, '>');
			from = i;
			html_tags_step(&t, '>', valid[i]);
			continue;
		}
		i++;
	}
	g_string_append_len(out, valid + from, (gssize)(len - from));
	g_free(valid);
	return out;
}

/* libxml2's start of an element, with two names changed. A prefixed name
 * is kept whole: libxml2 would make Word's <o:p> a <p>, so the ':' becomes
 * '-' (an unknown element). And the <p> libxml2 adds around text that has
 * no element yet (the start of a fragment) is no paragraph: browsers add
 * none, so it becomes HTML_IMPLIED (unknown too): libxml2 names the
 * elements it adds with its own constants, those it reads from its
 * dictionary. */
static void html_sax_start(void *ctx, const xmlChar *name, const xmlChar **atts)
{
	xmlParserCtxtPtr ctxt = ctx;
	char local[2 * HTML_NAME_MAX];

	if (name != NULL && strchr((const char *)name, ':') != NULL) {
		size_t i;

		for (i = 0; name[i] != '\0' && i < sizeof(local) - 1; i++)
			local[i] = name[i] == ':' ? '-' : (char)name[i];
		local[i] = '\0';
		name = (const xmlChar *)local;
	} else if (name != NULL && strcmp((const char *)name, "p") == 0 && !xmlDictOwns(ctxt->dict, name)) {
		name = (const xmlChar *)HTML_IMPLIED;
	}
	xmlSAX2StartElement(ctx, name, atts);
}

/* Remove the markers of Word's "downlevel-revealed" conditional comments
 * (<![if !supportLists]>, <![endif]>) that libxml2 leaves in the text:
 * browsers take them for comments. */
static bool html_strip_markers(xmlNode *n, void *data)
{
	const char *s;
	GString *out;

	(void)data;
	if (n->type != XML_TEXT_NODE || n->content == NULL)
		return n->type == XML_ELEMENT_NODE;
	s = (const char *)n->content;
	if (strstr(s, "<![") == NULL)
		return false;
	out = g_string_new(NULL);
	for (const char *m; (m = strstr(s, "<![")) != NULL;) {
		const char *end = strchr(m, '>');

		g_string_append_len(out, s, m - s);
		s = end != NULL ? end + 1 : m + strlen(m);
	}
	g_string_append(out, s);
	xmlNodeSetContent(n, (const xmlChar *)out->str);
	g_string_free(out, TRUE);
	return false;
}

/* Nothing to do after a node. */
static void html_leave_nothing(xmlNode *n, void *data)
{
	(void)n;
	(void)data;
}

struct html_doc *html_doc_new(const char *html)
{
	struct html_doc *d = g_new0(struct html_doc, 1);
	GString *in;
	htmlParserCtxtPtr ctxt;

	html_init();
	in = html_prepare(html);
	if (in->len > INT_MAX) {
		g_string_truncate(in, INT_MAX);
		d->cut = true;
	}
	ctxt = htmlNewParserCtxt();
	if (ctxt != NULL && in->len > 0) {
		ctxt->sax->startElement = html_sax_start;
		d->doc = htmlCtxtReadMemory(ctxt, in->str, (int)in->len, NULL, "UTF-8", HTML_OPTIONS);
		/* libxml2 stops itself (xmlHaltParser) at its depth limit or a huge text */
		if (ctxt->disableSAX != 0)
			d->cut = true;
	}
	if (ctxt != NULL)
		htmlFreeParserCtxt(ctxt);
	g_string_free(in, TRUE);
	if (d->doc != NULL)
		html_walk((xmlNode *)d->doc, html_strip_markers, html_leave_nothing, NULL);
	return d;
}

void html_doc_free(struct html_doc **d)
{
	if (*d == NULL)
		return;
	if ((*d)->doc != NULL)
		xmlFreeDoc((*d)->doc);
	g_free(*d);
	*d = NULL;
}

xmlNode *html_doc_root(struct html_doc *d)
{
	return d->doc != NULL ? xmlDocGetRootElement(d->doc) : NULL;
}

bool html_doc_cut(const struct html_doc *d)
{
	return d->cut;
}

/* ---- the tree ----------------------------------------------------------- */

void html_walk(xmlNode *top, bool (*enter)(xmlNode *n, void *data), void (*leave)(xmlNode *n, void *data),
	       void *data)
{
	xmlNode *n = top != NULL ? top->children : NULL;

	while (n != NULL) {
		if (enter(n, data) && n->children != NULL) {
			n = n->children;
			continue;
		}
		for (;;) {
			leave(n, data);
			if (n->next != NULL) {
				n = n->next;
				break;
			}
			n = n->parent;
			if (n == NULL || n == top)
				return;
		}
	}
}

bool html_is(const xmlNode *n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->name != NULL &&
	       strcmp((const char *)n->name, name) == 0;
}

bool html_hidden(const xmlNode *n)
{
	const struct html_element *e;

	html_init();
	e = html_element(n);
	return e != NULL && e->text == HTML_T_HIDDEN;
}

bool html_block(const xmlNode *n)
{
	const struct html_element *e;

	html_init();
	e = html_element(n);
	return html_is(n, "br") || (e != NULL && (e->text == HTML_T_LINE || e->text == HTML_T_PARA));
}

/* The value of n's attribute name (g_free), NULL when it has none. */
static char *html_attr(const xmlNode *n, const char *name)
{
	xmlChar *v;
	char *copy;

	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return NULL;
	v = xmlGetProp(n, (const xmlChar *)name);
	if (v == NULL)
		return NULL;
	copy = g_strdup((const char *)v);
	xmlFree(v);
	return copy;
}

bool html_attr_word(const xmlNode *n, const char *attr, const char *word, bool prefix)
{
	char *v = html_attr(n, attr);
	size_t wlen = strlen(word);
	bool found = false;
	const char *p;

	for (p = v; p != NULL && *p != '\0' && !found;) {
		size_t len;

		p += strspn(p, " \t\r\n\f");
		len = strcspn(p, " \t\r\n\f");
		if (len > 0 && (prefix ? len >= wlen : len == wlen) && g_ascii_strncasecmp(p, word, wlen) == 0)
			found = true;
		p += len;
	}
	g_free(v);
	return found;
}

bool html_style_has(const xmlNode *n, const char *decl)
{
	char *v = html_attr(n, "style");
	bool found = false;

	if (v != NULL) {
		char *w = v;

		for (const char *r = v; *r != '\0'; r++)
			if (!g_ascii_isspace(*r))
				*w++ = g_ascii_tolower(*r);
		*w = '\0';
		found = strstr(v, decl) != NULL;
		g_free(v);
	}
	return found;
}

bool html_is_quote(const xmlNode *n)
{
	if (!html_is(n, "blockquote"))
		return false;
	if (html_attr_word(n, "type", "cite", false) || html_attr_word(n, "class", "gmail_quote", false))
		return true;
	return !html_style_has(n, "border:none");
}

/* Whether n is a paragraph of Word (Outlook): class MsoNormal and the like
 * (x_MsoNormal after Outlook on the web), which Word shows without space
 * between them: a line each, an empty one an empty line. */
static bool html_word_paragraph(const xmlNode *n)
{
	char *v;
	bool found = false;

	if (!html_is(n, "p") || (v = html_attr(n, "class")) == NULL)
		return false;
	for (const char *p = v; (p = strstr(p, "Mso")) != NULL; p++)
		if (p == v || p[-1] == ' ' || p[-1] == '_') {
			found = true;
			break;
		}
	g_free(v);
	return found;
}

/* ---- text --------------------------------------------------------------- */

struct html_text {
	GString *out;
	gsize limit;		/* the output's bound */
	gsize line;		/* where the last output line begins */
	gsize pending;		/* line breaks due before the next text */
	int depth;		/* blockquotes around the text now */
	int line_depth;		/* the quote depth of the last line */
	int pre;		/* inside <pre>: white space kept */
	bool pre_start;		/* at the start of a <pre>: a newline there is not text */
	bool space;		/* a space is due before the next word */
	bool bullet;		/* a list item began: "- " before its text */
	bool full;		/* the bound is reached: nothing more is written */
	const xmlNode *link;	/* the <a href> whose text is being written */
	bool link_begun;	/* its text began, at link_start */
	gsize link_start;
	guint nbsp, hard;	/* no-break spaces and hard line breaks so far */
	GArray *lines;		/* for each open line block: a struct html_text_mark */
};

/* Where the text stood when a line block (div, Word paragraph) began. */
struct html_text_mark {
	gsize len;
	guint nbsp, hard;
};

/* Whether the last line is the signature separator "--" (after its quote
 * prefix), so far without its space. */
static bool html_text_sig_line(const struct html_text *h, const char *sep)
{
	const char *s = h->out->str + h->line;

	while (s[0] == '>' && s[1] == ' ')
		s += 2;
	return strcmp(s, sep) == 0;
}

/* The space due is dropped at a line break, but for the one of a
 * signature separator: "-- " stays as quote.c looks for it. */
static void html_text_drop_space(struct html_text *h)
{
	if (h->space && h->pending == 0 && html_text_sig_line(h, "--"))
		g_string_append_c(h->out, ' ');
	h->space = false;
}

/* A line break due (at least n of them; none at the start). */
static void html_text_soft(struct html_text *h, gsize n)
{
	html_text_drop_space(h);
	if (h->out->len > 0)
		h->pending = MAX(h->pending, n);
}

/* A line break that is one even on an empty line (<br>, a newline in <pre>). */
static void html_text_hard(struct html_text *h)
{
	html_text_drop_space(h);
	if (h->out->len > 0)
		h->pending++;
	h->hard++;
}

/* The quote prefix of depth levels: "> > " for text, "> >" for a blank line. */
static void html_text_prefix(struct html_text *h, int depth, bool blank)
{
	int i;

	depth = MIN(depth, HTML_TEXT_QUOTE_MAX);
	for (i = 0; i < depth; i++)
		g_string_append(h->out, blank && i == depth - 1 ? ">" : "> ");
}

/* Before a visible character: the due line breaks (blank lines quoted as
 * deep as both lines around them), the quote prefix, the bullet or the due
 * space. Returns false when the bound is reached. */
static bool html_text_start(struct html_text *h)
{
	if (h->full)
		return false;
	if (h->out->len > 0 && h->pending > 0) {
		gsize i;

		while (h->out->len > h->line && h->out->str[h->out->len - 1] == ' ' && !html_text_sig_line(h, "-- "))
			g_string_truncate(h->out, h->out->len - 1);
		g_string_append_c(h->out, '\n');
		for (i = 1; i < h->pending && h->out->len <= h->limit; i++) {
			html_text_prefix(h, MIN(h->line_depth, h->depth), true);
			g_string_append_c(h->out, '\n');
		}
		h->line = h->out->len;
		h->space = false;
	}
	h->pending = 0;
	if (h->out->len == h->line) {
		html_text_prefix(h, h->depth, false);
		h->line_depth = h->depth;
		h->space = false;
	}
	if (h->bullet) {
		g_string_append(h->out, "- ");
		h->bullet = false;
	} else if (h->space) {
		g_string_append_c(h->out, ' ');
	}
	h->space = false;
	if (h->link != NULL && !h->link_begun) {
		h->link_begun = true;
		h->link_start = h->out->len;
	}
	if (h->out->len > h->limit) {
		h->full = true;
		return false;
	}
	return true;
}

/* One character of text: white space collapsed (outside <pre>). */
static void html_text_char(struct html_text *h, gunichar c)
{
	bool white = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
	bool pre_start = h->pre_start;

	h->pre_start = false;
	if (h->pre > 0 && white) {
		if (c == '\n' && !pre_start)
			html_text_hard(h);
		else if (c != '\n' && c != '\r' && html_text_start(h))
			g_string_append_c(h->out, ' ');
		return;
	}
	if (white || c == 0xa0) {	/* &nbsp; too: mail uses it as plain space */
		h->space = true;
		h->nbsp += c == 0xa0;
		return;
	}
	if (html_text_start(h))
		g_string_append_unichar(h->out, c);
}

/* The text of a text node. */
static void html_text_node(struct html_text *h, const char *s)
{
	for (; s != NULL && *s != '\0' && !h->full; s = g_utf8_next_char(s))
		html_text_char(h, g_utf8_get_char(s));
}

/* Whether a link's target is not worth showing: a fragment, a script,
 * inline data, a part of this mail. */
static bool html_link_hidden(const char *href)
{
	static const char *const hidden[] = { "javascript:", "vbscript:", "data:", "cid:", NULL };
	const char *const *p;

	if (*href == '\0' || *href == '#')
		return true;
	for (p = hidden; *p != NULL; p++)
		if (g_ascii_strncasecmp(href, *p, strlen(*p)) == 0)
			return true;
	return false;
}

/* At the end of a link: its target after its text when they differ, or
 * instead of it when it has none (an image). */
static void html_text_link_end(struct html_text *h)
{
	char *href = html_attr(h->link, "href");
	char *text = h->link_begun ? g_strndup(h->out->str + h->link_start, h->out->len - h->link_start)
				   : g_strdup("");
	const char *bare;

	g_strstrip(href);
	g_strstrip(text);
	bare = g_ascii_strncasecmp(href, "mailto:", 7) == 0 ? href + 7 : href;
	h->link = NULL;
	if (html_link_hidden(href) || strcmp(text, href) == 0 || strcmp(text, bare) == 0) {
		/* nothing to add */
	} else if (*text == '\0') {
		if (html_text_start(h))
			g_string_append(h->out, href);
	} else if (!h->full) {
		g_string_append_printf(h->out, " <%s>", href);
	}
	g_free(text);
	g_free(href);
}

/* Whether n is a block on its own line without a margin (div, a Word
 * paragraph): with only a no-break space in it, it is an empty line. */
static bool html_text_line_block(const xmlNode *n)
{
	return html_is(n, "div") || html_word_paragraph(n);
}

/* Before a node's content. */
static bool html_text_enter(xmlNode *n, void *data)
{
	struct html_text *h = data;
	const struct html_element *e;

	if (n->type == XML_TEXT_NODE) {
		html_text_node(h, (const char *)n->content);
		return false;
	}
	if (n->type != XML_ELEMENT_NODE)
		return false;
	e = html_element(n);
	if (e != NULL && e->text == HTML_T_HIDDEN)
		return false;
	if (html_is(n, "br")) {
		html_text_hard(h);
	} else if (html_is(n, "li")) {
		html_text_soft(h, 1);
		h->bullet = true;
	} else if (html_is(n, "td") || html_is(n, "th")) {
		h->space = true;	/* the cells of a row: separated by a space */
	} else if (e != NULL && e->text != HTML_T_INLINE) {
		html_text_soft(h, e->text == HTML_T_PARA && !html_word_paragraph(n) ? 2 : 1);
	}
	if (html_text_line_block(n)) {
		struct html_text_mark m = { h->out->len, h->nbsp, h->hard };

		g_array_append_val(h->lines, m);
	}
	if (html_is(n, "pre")) {
		h->pre++;
		h->pre_start = true;
	} else if (html_is_quote(n)) {
		h->depth++;
	} else if (html_is(n, "a") && h->link == NULL && xmlHasProp(n, (const xmlChar *)"href") != NULL) {
		h->link = n;
		h->link_begun = false;
	}
	return true;
}

/* After a node's content. */
static void html_text_leave(xmlNode *n, void *data)
{
	struct html_text *h = data;
	const struct html_element *e;

	if (n->type != XML_ELEMENT_NODE)
		return;
	e = html_element(n);
	if (n == h->link)
		html_text_link_end(h);
	if (html_is(n, "li"))
		h->bullet = false;	/* an empty item: no bullet left over */
	if (html_is(n, "pre")) {
		h->pre--;
		h->pre_start = false;
	} else if (html_is_quote(n)) {
		html_text_soft(h, 2);
		h->depth--;
	}
	if (html_text_line_block(n) && h->lines->len > 0) {
		struct html_text_mark m = g_array_index(h->lines, struct html_text_mark, h->lines->len - 1);

		g_array_set_size(h->lines, h->lines->len - 1);
		/* only no-break spaces: a line high, as browsers show it */
		if (h->out->len == m.len && h->hard == m.hard && h->nbsp > m.nbsp)
			html_text_hard(h);
	}
	if (e != NULL && (e->text == HTML_T_LINE || e->text == HTML_T_PARA))
		html_text_soft(h, e->text == HTML_T_PARA && !html_word_paragraph(n) ? 2 : 1);
}

/* The text of d, bounded by the length of the input it came from. */
static char *html_doc_text_bounded(struct html_doc *d, gsize input_len)
{
	struct html_text h = { .out = g_string_new(NULL),
			       .lines = g_array_new(FALSE, FALSE, sizeof(struct html_text_mark)) };

	h.limit = HTML_TEXT_GROWTH * input_len + HTML_GROWTH_SLACK;
	html_init();
	if (d->doc != NULL)
		html_walk((xmlNode *)d->doc, html_text_enter, html_text_leave, &h);
	g_array_free(h.lines, TRUE);
	if (!g_utf8_validate(h.out->str, (gssize)h.out->len, NULL)) {
		char *valid = g_utf8_make_valid(h.out->str, (gssize)h.out->len);

		g_string_free(h.out, TRUE);
		return valid;
	}
	return g_string_free(h.out, FALSE);
}

/* The length of the text in d's tree: the bound of its outputs when the
 * input is not at hand. */
static bool html_count_enter(xmlNode *n, void *data)
{
	gsize *len = data;

	if (n->type == XML_TEXT_NODE && n->content != NULL)
		*len += strlen((const char *)n->content);
	*len += 8;	/* the tag */
	return n->type == XML_ELEMENT_NODE;
}

/* The input length that d stands for. */
static gsize html_doc_size(struct html_doc *d)
{
	gsize len = 0;

	if (d->doc != NULL)
		html_walk((xmlNode *)d->doc, html_count_enter, html_leave_nothing, &len);
	return len;
}

char *html_doc_text(struct html_doc *d)
{
	return html_doc_text_bounded(d, html_doc_size(d));
}

char *html_to_text(const char *html)
{
	struct html_doc *d = html_doc_new(html);
	char *text = html_doc_text_bounded(d, html != NULL ? strlen(html) : 0);

	html_doc_free(&d);
	return text;
}

/* ---- the sanitizer ------------------------------------------------------ */

struct html_clean {
	GString *out;
	gsize limit;		/* the output's bound */
	bool full;		/* the bound is reached: only end tags are written */
	bool content;		/* text or an image was written */
	int pre;
	GPtrArray *ends;	/* for each open element: its end tag, or NULL */
};

/* Append s (len bytes) escaped for HTML text (attr: for a value in "");
 * outside <pre> white space collapsed; control characters left out. */
static void html_escape(struct html_clean *c, const char *s, size_t len, bool attr, bool collapse)
{
	const char *end = s + len;
	bool white = false;

	for (; s < end; s++) {
		unsigned char b = (unsigned char)*s;

		if (collapse && (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f')) {
			if (!white)
				g_string_append_c(c->out, ' ');
			white = true;
			continue;
		}
		white = false;
		if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f)
			continue;
		if (b == '&')
			g_string_append(c->out, "&amp;");
		else if (b == '<')
			g_string_append(c->out, "&lt;");
		else if (b == '>')
			g_string_append(c->out, "&gt;");
		else if (b == '"' && attr)
			g_string_append(c->out, "&quot;");
		else
			g_string_append_c(c->out, (char)b);
	}
}

/* Append the attribute name="value", escaped. */
static void html_clean_attr(struct html_clean *c, const char *name, const char *value)
{
	g_string_append_printf(c->out, " %s=\"", name);
	html_escape(c, value, strlen(value), true, false);
	g_string_append_c(c->out, '"');
}

/* The value of n's URL attribute when it begins with one of schemes (case
 * ignored) once trimmed, without the tabs and line breaks browsers ignore
 * in URLs (g_free); NULL otherwise: no javascript:, data:, vbscript:, no
 * relative URL (nothing to resolve it against in a mail). */
static char *html_url(const xmlNode *n, const char *attr, const char *const *schemes)
{
	char *v = html_attr(n, attr), *w;
	const char *r;

	if (v == NULL)
		return NULL;
	for (r = v, w = v; *r != '\0'; r++)
		if (*r != '\t' && *r != '\n' && *r != '\r')
			*w++ = *r;
	*w = '\0';
	for (r = v; *r != '\0' && (unsigned char)*r <= ' '; r++)
		;
	memmove(v, r, strlen(r) + 1);
	for (w = v + strlen(v); w > v && (unsigned char)w[-1] <= ' '; w--)
		w[-1] = '\0';
	for (; *schemes != NULL; schemes++)
		if (g_ascii_strncasecmp(v, *schemes, strlen(*schemes)) == 0 && v[strlen(*schemes)] != '\0')
			return v;
	g_free(v);
	return NULL;
}

/* Append n's attribute name when its value is a number of 1 to max_digits digits. */
static void html_clean_number(struct html_clean *c, const xmlNode *n, const char *name, size_t max_digits)
{
	char *v = html_attr(n, name);

	if (v != NULL) {
		g_strstrip(v);
		if (*v != '\0' && strspn(v, "0123456789") == strlen(v) && strlen(v) <= max_digits)
			html_clean_attr(c, name, v);
		g_free(v);
	}
}

/* The start tag of an allowed element n (written as tag) with its allowed
 * attributes; returns false, writing nothing, when n is not kept after all
 * (a link to a scheme not allowed, an image not in the mail). */
static bool html_clean_start(struct html_clean *c, const xmlNode *n, const struct html_element *e,
			     const char *tag)
{
	static const char *const link_schemes[] = { "http:", "https:", "mailto:", NULL };
	static const char *const img_schemes[] = { "cid:", NULL };
	char *url = NULL;

	if (e->clean == HTML_C_LINK && (url = html_url(n, "href", link_schemes)) == NULL)
		return false;
	if (e->clean == HTML_C_IMG && (url = html_url(n, "src", img_schemes)) == NULL)
		return false;
	g_string_append_printf(c->out, "<%s", tag);
	if (e->clean == HTML_C_LINK) {
		html_clean_attr(c, "href", url);
		html_clean_attr(c, "rel", "noopener noreferrer");
	} else if (e->clean == HTML_C_IMG) {
		char *alt = html_attr(n, "alt");

		html_clean_attr(c, "src", url);
		if (alt != NULL)
			html_clean_attr(c, "alt", alt);
		html_clean_number(c, n, "width", 5);
		html_clean_number(c, n, "height", 5);
		g_free(alt);
		c->content = true;
	} else if (e->clean == HTML_C_CELL) {
		html_clean_number(c, n, "colspan", 3);
		html_clean_number(c, n, "rowspan", 3);
	}
	g_string_append_c(c->out, '>');
	g_free(url);
	return true;
}

bool html_visible(const char *s)
{
	for (; s != NULL && *s != '\0'; s = g_utf8_next_char(s)) {
		gunichar u = g_utf8_get_char(s);

		if (!g_unichar_isspace(u) && u != 0xa0 && u != 0x202f && u != 0x200b && u != 0xfeff)
			return true;
	}
	return false;
}

/* Before a node: its start tag, or its text. */
static bool html_clean_enter(xmlNode *n, void *data)
{
	struct html_clean *c = data;
	const struct html_element *e;
	const char *tag = NULL;
	bool descend = true;

	if (c->out->len > c->limit)
		c->full = true;
	if (n->type == XML_TEXT_NODE) {
		if (!c->full && n->content != NULL) {
			const char *s = (const char *)n->content;

			html_escape(c, s, strlen(s), false, c->pre == 0);
			c->content = c->content || html_visible(s);
		}
		return false;
	}
	if (n->type != XML_ELEMENT_NODE)
		return false;
	e = html_element(n);
	if (e == NULL || e->clean == HTML_C_UNWRAP) {
		/* unwrapped */
	} else if (e->clean == HTML_C_DROP) {
		descend = false;
	} else {
		tag = e->clean == HTML_C_AS ? e->as : html_word_paragraph(n) ? "div" : e->name;
		if (c->full || !html_clean_start(c, n, e, tag))
			tag = NULL;
		if (e->clean == HTML_C_IMG || html_is(n, "br")) {
			tag = NULL;	/* no end tag */
			descend = false;
		}
	}
	if (c->full)
		descend = false;
	if (tag != NULL && strcmp(tag, "pre") == 0)
		c->pre++;
	g_ptr_array_add(c->ends, (gpointer)tag);
	return descend;
}

/* After a node: the end tag of its start tag. */
static void html_clean_leave(xmlNode *n, void *data)
{
	struct html_clean *c = data;
	const char *tag;

	if (n->type != XML_ELEMENT_NODE || c->ends->len == 0)
		return;
	tag = g_ptr_array_index(c->ends, c->ends->len - 1);
	g_ptr_array_set_size(c->ends, c->ends->len - 1);
	if (tag == NULL)
		return;
	if (strcmp(tag, "pre") == 0)
		c->pre--;
	g_string_append_printf(c->out, "</%s>", tag);
}

/* The sanitized fragment of d, bounded by the input length it came from. */
static char *html_doc_sanitize_bounded(struct html_doc *d, gsize input_len, bool *content_r)
{
	struct html_clean c = { .out = g_string_new(NULL), .ends = g_ptr_array_new() };

	c.limit = HTML_CLEAN_GROWTH * input_len + HTML_GROWTH_SLACK;
	html_init();
	if (d->doc != NULL)
		html_walk((xmlNode *)d->doc, html_clean_enter, html_clean_leave, &c);
	g_ptr_array_free(c.ends, TRUE);
	if (content_r != NULL)
		*content_r = c.content;
	/* white space around a fragment is nothing (and outside <body>) */
	return g_strstrip(g_string_free(c.out, FALSE));
}

char *html_doc_sanitize(struct html_doc *d, bool *content_r)
{
	return html_doc_sanitize_bounded(d, html_doc_size(d), content_r);
}

char *html_sanitize(const char *html)
{
	struct html_doc *d = html_doc_new(html);
	char *out = html_doc_sanitize_bounded(d, html != NULL ? strlen(html) : 0, NULL);

	html_doc_free(&d);
	return out;
}
