/* template.c: the mail templates. A template file is a "Subject:" line, a
 * blank line and a body; {{name}} inserts a value, {{#if name}} {{else}}
 * {{/if}}, {{#each list}} {{/each}}, {{#quote}} {{/quote}}, {{#link name}}
 * {{/link}}, {{#textpart}} {{/textpart}} and {{#htmlpart}} {{/htmlpart}}
 * are the directives, {{! ...}} a comment. A file is parsed into a tree
 * first (syntax errors name FILE:LINE), then rendered in one pass: a value
 * is copied into the output and never looked at again, so a customer who
 * writes "{{case_id}}" sees it literally. The tree renders twice: as the
 * text part, and into pieces (template text, values, links, quotes) that
 * are laid out as the HTML part: paragraphs reflowed, lists, tables of
 * fields, quotations, links. The subject is its text without controls. */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "template.h"

const char *const template_names[] = {
	"ack", "notify_new", "notify_followup", "notify_note", "reply", "escalation",
	"reminder", "autoclose", "resolved_survey", "agent_error", "agent_unverified", "agent_done",
	"relay_refused", "assigned", "attachments",
	"handed_back",	/* part admin (issue 15) */
	"bounce_notice", "low_rating",	/* issue 15, people */
	"too_large",	/* part intake (issue 15) */
	"digest",	/* part digest */
	"report",	/* part mail (issue 16) */
	NULL,
};

/* A value: text (and HTML for the HTML part), or a list of nested sets. */
struct template_value {
	char *text;
	char *html;		/* NULL: the HTML part shows text, escaped */
	GPtrArray *items;	/* struct template_vars *, owned */
};

struct template_vars {
	GHashTable *values;	/* name -> struct template_value * */
};

enum tnode_kind { TN_TEXT, TN_VAR, TN_IF, TN_EACH, TN_QUOTE, TN_LINK, TN_TEXTPART, TN_HTMLPART };

/* The block directives: {{#NAME}} or {{#NAME variable}}, then {{/NAME}}. */
static const struct tblock {
	const char *name;
	enum tnode_kind kind;
	bool arg;		/* names a variable */
} tblocks[] = {
	{ "if", TN_IF, true },
	{ "each", TN_EACH, true },
	{ "quote", TN_QUOTE, false },
	{ "link", TN_LINK, true },
	{ "textpart", TN_TEXTPART, false },
	{ "htmlpart", TN_HTMLPART, false },
};

/* Quotations nest at most this deep (each level copies what it quotes). */
#define TEMPLATE_MAX_QUOTES 8

/* One piece of a parsed template. */
struct tnode {
	enum tnode_kind kind;
	char *str;		/* the text, or the variable's name (NULL for a
				 * block without one) */
	int line;
	GPtrArray *body;	/* a block's content; if: the true part */
	GPtrArray *alt;		/* if: the {{else}} part */
};

/* An open {{#if}} or {{#each}} while parsing. */
struct tframe {
	struct tnode *block;
	bool in_else;
};

struct tparse {
	const char *file;
	GPtrArray *root;	/* struct tnode * */
	GArray *open;		/* struct tframe */
	int links, quotes, parts;	/* open {{#link}}, {{#quote}}, {{#textpart}} or {{#htmlpart}} */
};

/* Where names are looked up while rendering: a loop item, then outward. */
struct tscope {
	const struct template_vars *vars;
	const char *list;	/* the name of the list this item came from */
	const struct tscope *outer;
};

/* Free one value. */
static void template_value_free(gpointer p)
{
	struct template_value *v = p;

	g_free(v->text);
	g_free(v->html);
	if (v->items != NULL)
		g_ptr_array_free(v->items, TRUE);
	g_free(v);
}

/* Free a nested set (GDestroyNotify for the item lists). */
static void template_vars_free_item(gpointer p)
{
	struct template_vars *vars = p;

	template_vars_free(&vars);
}

struct template_vars *template_vars_new(void)
{
	struct template_vars *vars = g_new0(struct template_vars, 1);

	vars->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, template_value_free);
	return vars;
}

void template_vars_free(struct template_vars **vars)
{
	if (*vars == NULL)
		return;
	g_hash_table_destroy((*vars)->values);
	g_free(*vars);
	*vars = NULL;
}

void template_vars_set(struct template_vars *vars, const char *name, const char *value)
{
	struct template_value *v;

	if (value == NULL) {
		g_hash_table_remove(vars->values, name);
		return;
	}
	v = g_new0(struct template_value, 1);
	/* output is UTF-8 whatever a caller passes in */
	v->text = g_utf8_make_valid(value, -1);
	g_hash_table_replace(vars->values, g_strdup(name), v);
}

void template_vars_set_html(struct template_vars *vars, const char *name, const char *text, const char *html)
{
	struct template_value *v;

	template_vars_set(vars, name, text != NULL ? text : "");
	v = g_hash_table_lookup(vars->values, name);
	if (html != NULL)
		v->html = g_utf8_make_valid(html, -1);
}

const char *template_vars_get(const struct template_vars *vars, const char *name)
{
	const struct template_value *v = g_hash_table_lookup(vars->values, name);

	return v != NULL ? v->text : NULL;
}

struct template_vars *template_vars_add(struct template_vars *vars, const char *name)
{
	struct template_value *v = g_hash_table_lookup(vars->values, name);
	struct template_vars *item = template_vars_new();

	if (v == NULL || v->items == NULL) {
		v = g_new0(struct template_value, 1);
		v->items = g_ptr_array_new_with_free_func(template_vars_free_item);
		g_hash_table_replace(vars->values, g_strdup(name), v);
	}
	g_ptr_array_add(v->items, item);
	return item;
}

void template_result_clear(struct template_result *out)
{
	g_free(out->subject);
	g_free(out->text);
	g_free(out->html);
	out->subject = out->text = out->html = NULL;
}

/* Free a parsed node and what it holds (GDestroyNotify). */
static void tnode_free(gpointer p)
{
	struct tnode *n = p;

	g_free(n->str);
	if (n->body != NULL)
		g_ptr_array_free(n->body, TRUE);
	if (n->alt != NULL)
		g_ptr_array_free(n->alt, TRUE);
	g_free(n);
}

/* A new node list. */
static GPtrArray *tnode_list(void)
{
	return g_ptr_array_new_with_free_func(tnode_free);
}

/* A variable reference: a name, or list.field; letters, digits, '_'. */
static bool tparse_name_ok(const char *s)
{
	bool dot = false, start = true;

	for (; *s != '\0'; s++) {
		if (*s == '.' && !dot && !start) {
			dot = start = true;
			continue;
		}
		if (!(g_ascii_isalpha(*s) || *s == '_' || (!start && g_ascii_isdigit(*s))))
			return false;
		start = false;
	}
	return !start;
}

/* The innermost open block, NULL at the top. */
static struct tframe *tparse_top(struct tparse *tp)
{
	return tp->open->len == 0 ? NULL : &g_array_index(tp->open, struct tframe, tp->open->len - 1);
}

/* The list new nodes go to: the innermost open block's current part. */
static GPtrArray *tparse_target(struct tparse *tp)
{
	struct tframe *fr = tparse_top(tp);

	if (fr == NULL)
		return tp->root;
	return fr->in_else ? fr->block->alt : fr->block->body;
}

/* Add literal text. */
static void tparse_text(struct tparse *tp, GString *text, int line)
{
	struct tnode *n;

	if (text->len == 0)
		return;
	n = g_new0(struct tnode, 1);
	n->kind = TN_TEXT;
	n->str = g_strndup(text->str, text->len);
	n->line = line;
	g_ptr_array_add(tparse_target(tp), n);
	g_string_truncate(text, 0);
}

/* Whether the inside of a tag is a directive (not a variable). */
static bool tparse_is_block(const char *inner, size_t len)
{
	while (len > 0 && (*inner == ' ' || *inner == '\t'))
		inner++, len--;
	while (len > 0 && (inner[len - 1] == ' ' || inner[len - 1] == '\t'))
		len--;
	return len > 0 && (*inner == '#' || *inner == '/' || *inner == '!' ||
			   (len == 4 && strncmp(inner, "else", 4) == 0));
}

/* The directive called name (len bytes), or NULL. */
static const struct tblock *tblock_find(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(tblocks); i++)
		if (strlen(tblocks[i].name) == len && strncmp(tblocks[i].name, name, len) == 0)
			return &tblocks[i];
	return NULL;
}

/* The directive of a block kind. */
static const struct tblock *tblock_of(enum tnode_kind kind)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(tblocks) && tblocks[i].kind != kind; i++)
		;
	return &tblocks[i < G_N_ELEMENTS(tblocks) ? i : 0];
}

/* A block's opening tag as written, "#each attachments" or "#quote" (g_free). */
static char *tnode_tag(const struct tnode *n)
{
	const char *name = tblock_of(n->kind)->name;

	return n->str != NULL ? g_strdup_printf("#%s %s", name, n->str) : g_strdup_printf("#%s", name);
}

/* Count a {{#link}}, {{#quote}} or part opened (by 1) or closed (by -1). */
static void tparse_count(struct tparse *tp, enum tnode_kind kind, int by)
{
	if (kind == TN_LINK)
		tp->links += by;
	else if (kind == TN_QUOTE)
		tp->quotes += by;
	else if (kind == TN_TEXTPART || kind == TN_HTMLPART)
		tp->parts += by;
}

/* Whether a block of kind may open here: a link holds only text, a part is
 * never inside a part, quotations nest TEMPLATE_MAX_QUOTES deep. */
static int tparse_nesting(struct tparse *tp, const char *tag, enum tnode_kind kind, int line, struct fault *f)
{
	if ((kind == TN_LINK || kind == TN_QUOTE) && tp->links > 0)
		return fault_perm(f, "%s:%d: {{%s}} inside a {{#link}} (a link's label is text)", tp->file, line, tag);
	if ((kind == TN_TEXTPART || kind == TN_HTMLPART) && tp->parts > 0)
		return fault_perm(f, "%s:%d: {{%s}} inside a {{#textpart}} or {{#htmlpart}}", tp->file, line, tag);
	if (kind == TN_QUOTE && tp->quotes >= TEMPLATE_MAX_QUOTES)
		return fault_perm(f, "%s:%d: {{#quote}} nested more than %d deep", tp->file, line, TEMPLATE_MAX_QUOTES);
	return 0;
}

/* Handle a closing tag ("/if"). */
static int tparse_close(struct tparse *tp, const char *tag, int line, struct fault *f)
{
	const struct tblock *b = tblock_find(tag + 1, strlen(tag + 1));
	struct tframe *fr = tparse_top(tp);
	char *open;
	int ret;

	if (b == NULL)
		return fault_perm(f, "%s:%d: unknown directive {{%s}}", tp->file, line, tag);
	if (fr == NULL)
		return fault_perm(f, "%s:%d: {{%s}} without an opening {{#%s}}", tp->file, line, tag, tag + 1);
	if (fr->block->kind == b->kind) {
		tparse_count(tp, b->kind, -1);
		g_array_set_size(tp->open, tp->open->len - 1);
		return 0;
	}
	open = tnode_tag(fr->block);
	ret = fault_perm(f, "%s:%d: {{%s}} closes the {{%s}} of line %d", tp->file, line, tag, open, fr->block->line);
	g_free(open);
	return ret;
}

/* Check an opening tag ("#if name"): *b_r its directive, *arg_r its
 * variable's name (NULL for a block without one; points into tag). */
static int tparse_open(struct tparse *tp, char *tag, int line, const struct tblock **b_r, const char **arg_r,
		       struct fault *f)
{
	size_t wlen = strcspn(tag + 1, " \t");
	const struct tblock *b = tblock_find(tag + 1, wlen);
	const char *arg = tag + 1 + wlen + strspn(tag + 1 + wlen, " \t");

	if (b == NULL)
		return fault_perm(f, "%s:%d: unknown directive {{%s}} (known: #if NAME, else, /if, #each LIST, /each, "
				  "#quote, /quote, #link NAME, /link, #textpart, /textpart, #htmlpart, /htmlpart, "
				  "! comment)", tp->file, line, tag);
	if (b->arg && *arg == '\0')
		return fault_perm(f, "%s:%d: {{%s}} needs a variable name", tp->file, line, tag);
	if (b->arg && !tparse_name_ok(arg))
		return fault_perm(f, "%s:%d: bad variable name '%s' in {{%s}}", tp->file, line, arg, tag);
	if (!b->arg && *arg != '\0')
		return fault_perm(f, "%s:%d: {{#%s}} takes no variable name", tp->file, line, b->name);
	if (tparse_nesting(tp, tag, b->kind, line, f) < 0)
		return -1;
	*b_r = b;
	*arg_r = b->arg ? arg : NULL;
	return 0;
}

/* Handle the inside of one {{...}} found on line. */
static int tparse_tag(struct tparse *tp, const char *inner, size_t len, int line, struct fault *f)
{
	char *tag = g_strstrip(g_strndup(inner, len));
	const struct tblock *b = NULL;
	const char *arg = NULL;
	struct tnode *n;
	int ret = 0;

	if (tag[0] == '!') {
		/* a comment */
	} else if (strcmp(tag, "else") == 0) {
		struct tframe *fr = tparse_top(tp);

		if (fr == NULL || fr->block->kind != TN_IF)
			ret = fault_perm(f, "%s:%d: {{else}} outside {{#if}}", tp->file, line);
		else if (fr->in_else)
			ret = fault_perm(f, "%s:%d: a second {{else}} for the {{#if}} of line %d",
					 tp->file, line, fr->block->line);
		else
			fr->in_else = true;
	} else if (tag[0] == '/') {
		ret = tparse_close(tp, tag, line, f);
	} else if (tag[0] == '#') {
		ret = tparse_open(tp, tag, line, &b, &arg, f);
	} else if (!tparse_name_ok(tag)) {
		ret = fault_perm(f, "%s:%d: bad variable name '%s' (letters, digits and '_', or list.field)",
				 tp->file, line, tag);
	} else {
		arg = tag;
	}
	if (ret == 0 && (arg != NULL || b != NULL)) {
		n = g_new0(struct tnode, 1);
		n->kind = b != NULL ? b->kind : TN_VAR;
		n->str = g_strdup(arg);
		n->line = line;
		g_ptr_array_add(tparse_target(tp), n);
		if (b != NULL) {
			struct tframe fr = { n, false };

			n->body = tnode_list();
			n->alt = n->kind == TN_IF ? tnode_list() : NULL;
			g_array_append_val(tp->open, fr);
			tparse_count(tp, n->kind, 1);
		}
	}
	g_free(tag);
	return ret;
}

/* A line holding nothing but one directive and blanks: where the tag is
 * and where the next line starts, so that the whole line can vanish. */
static bool tparse_standalone(const char *p, const char **inner, size_t *len, const char **next)
{
	const char *q = p + strspn(p, " \t"), *end;

	if (strncmp(q, "{{", 2) != 0)
		return false;
	end = strstr(q + 2, "}}");
	if (end == NULL || memchr(q, '\n', (size_t)(end - q)) != NULL ||
	    !tparse_is_block(q + 2, (size_t)(end - q - 2)))
		return false;
	*inner = q + 2;
	*len = (size_t)(end - q - 2);
	end += 2;
	end += strspn(end, " \t");
	if (*end == '\r' && end[1] == '\n')
		end++;
	if (*end != '\n' && *end != '\0')
		return false;
	*next = *end == '\n' ? end + 1 : end;
	return true;
}

/* Parse template text that starts on line into tp->root. */
static int tparse_run(struct tparse *tp, const char *s, int line, struct fault *f)
{
	GString *text = g_string_new(NULL);
	const char *p = s, *inner, *next;
	bool bol = true;
	size_t len;
	int ret = 0, text_line = line;

	while (ret == 0 && *p != '\0') {
		if (bol && tparse_standalone(p, &inner, &len, &next)) {
			tparse_text(tp, text, text_line);
			ret = tparse_tag(tp, inner, len, line, f);
			if (next > p && next[-1] == '\n')
				line++;
			p = next;
			text_line = line;
			continue;
		}
		bol = false;
		if (p[0] == '{' && p[1] == '{') {
			const char *end = strstr(p + 2, "}}");

			if (end == NULL || memchr(p, '\n', (size_t)(end - p)) != NULL) {
				ret = fault_perm(f, "%s:%d: unclosed tag: '{{' without '}}' on the same line",
						 tp->file, line);
				break;
			}
			tparse_text(tp, text, text_line);
			ret = tparse_tag(tp, p + 2, (size_t)(end - p - 2), line, f);
			p = end + 2;
			text_line = line;
			continue;
		}
		g_string_append_c(text, *p);
		if (*p == '\n') {
			line++;
			bol = true;
		}
		p++;
	}
	if (ret == 0)
		tparse_text(tp, text, text_line);
	if (ret == 0 && tp->open->len > 0) {
		struct tframe *fr = tparse_top(tp);
		char *open = tnode_tag(fr->block);

		ret = fault_perm(f, "%s:%d: {{%s}} is not closed with {{/%s}}", tp->file, fr->block->line, open,
				 tblock_of(fr->block->kind)->name);
		g_free(open);
	}
	g_string_free(text, TRUE);
	return ret;
}

/* Parse one piece of a template into a new node list. */
static int tparse(const char *file, const char *s, int line, GPtrArray **nodes_r, struct fault *f)
{
	struct tparse tp = { file, tnode_list(), g_array_new(FALSE, FALSE, sizeof(struct tframe)), 0, 0, 0 };
	int ret = tparse_run(&tp, s, line, f);

	g_array_free(tp.open, TRUE);
	if (ret < 0) {
		g_ptr_array_free(tp.root, TRUE);
		return -1;
	}
	*nodes_r = tp.root;
	return 0;
}

/* The line number at byte offset off of text. */
static int template_line_at(const char *text, size_t off)
{
	int line = 1;
	size_t i;

	for (i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/* Split a file into its Subject: line and its body, both parsed. */
static int template_parse(const char *file, const char *text, GPtrArray **subject_r, GPtrArray **body_r,
			  struct fault *f)
{
	const char *p = text, *subject = NULL, *end = NULL;
	int line = 1, subject_line = 0;
	char *s;
	int ret;

	if (!g_utf8_validate(text, -1, &end))
		return fault_perm(f, "%s:%d: not valid UTF-8", file, template_line_at(text, (size_t)(end - text)));
	if (g_str_has_prefix(p, "\xef\xbb\xbf"))
		p += 3;		/* a byte order mark some editors write */
	for (;;) {
		size_t n = strcspn(p, "\n");

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0 && *p == '\0')
			return fault_perm(f, "%s:%d: the header ends without a blank line before the body", file, line);
		if (n == 0)
			break;
		if (g_ascii_strncasecmp(p, "Subject:", 8) != 0)
			return fault_perm(f, "%s:%d: expected 'Subject: ...' (the only header), then a blank line",
					  file, line);
		if (subject != NULL)
			return fault_perm(f, "%s:%d: a second Subject: line (the first is on line %d)", file, line,
					  subject_line);
		subject = p;
		subject_line = line;
		p += strcspn(p, "\n");
		p += *p == '\n';
		line++;
	}
	if (subject == NULL)
		return fault_perm(f, "%s:%d: the template must start with a 'Subject: ...' line", file, line);
	p += strcspn(p, "\n");
	p += *p == '\n';
	s = g_strndup(subject + 8, strcspn(subject + 8, "\r\n"));
	ret = tparse(file, g_strstrip(s), subject_line, subject_r, f);
	g_free(s);
	if (ret < 0)
		return -1;
	if (tparse(file, p, line + 1, body_r, f) < 0) {
		g_ptr_array_free(*subject_r, TRUE);
		*subject_r = NULL;
		return -1;
	}
	return 0;
}

/* Find name in scope: in the loop item first, then outward; "list.field"
 * only in the item of the innermost loop over list. */
static const struct template_value *tscope_lookup(const struct tscope *sc, const char *name)
{
	const char *dot = strchr(name, '.');
	const struct template_value *v;

	for (; sc != NULL; sc = sc->outer) {
		if (dot != NULL) {
			if (sc->list != NULL && strncmp(sc->list, name, (size_t)(dot - name)) == 0 &&
			    sc->list[dot - name] == '\0')
				return g_hash_table_lookup(sc->vars->values, dot + 1);
			continue;
		}
		v = g_hash_table_lookup(sc->vars->values, name);
		if (v != NULL)
			return v;
	}
	return NULL;
}

/* Nodes one rendering (with its strict check) may visit at most: nested
 * {{#each}} multiply (14 levels over 3 items are 4.8 million visits), and
 * the lists hold what a customer sent (attachments: 100,000 of them in
 * notify_new are about 600,000). The text part, the HTML part and the
 * strict check each have this budget. */
#define TEMPLATE_MAX_STEPS 2000000

/* In the HTML part, a line break of the template's own text within a
 * paragraph becomes a space when the line before it has at least this many
 * characters (prose wrapped to the template's width); a shorter line (a
 * greeting, "Kind regards,", a name) keeps its break. */
#define TEMPLATE_REFLOW_MIN 40

/* Count one node visit; false once the rendering has used its budget. */
static bool template_step(size_t *steps)
{
	return ++*steps <= TEMPLATE_MAX_STEPS;
}

/* Whether a value counts as set in {{#if}}. */
static bool template_value_true(const struct template_value *v)
{
	return v != NULL && ((v->text != NULL && *v->text != '\0') || (v->html != NULL && *v->html != '\0') ||
			     (v->items != NULL && v->items->len > 0));
}

/* Check every reference in nodes (all branches) against the sample data. */
static int template_strict(const char *file, const GPtrArray *nodes, const struct tscope *sc, size_t *steps,
			   struct fault *f)
{
	guint i, k;

	for (i = 0; i < nodes->len; i++) {
		const struct tnode *n = g_ptr_array_index(nodes, i);
		const struct template_value *v;

		if (!template_step(steps))
			return fault_perm(f, "%s:%d: more than %d steps: nested {{#each}} too costly", file, n->line,
					  TEMPLATE_MAX_STEPS);
		if (n->kind == TN_TEXT)
			continue;
		if (n->str == NULL) {
			/* {{#quote}}, {{#textpart}}, {{#htmlpart}} */
			if (template_strict(file, n->body, sc, steps, f) < 0)
				return -1;
			continue;
		}
		v = tscope_lookup(sc, n->str);
		if (v == NULL && strchr(n->str, '.') != NULL) {
			size_t len = strcspn(n->str, ".");
			const struct tscope *s;

			for (s = sc; s != NULL; s = s->outer)
				if (s->list != NULL && strncmp(s->list, n->str, len) == 0 && s->list[len] == '\0')
					break;
			if (s == NULL)
				return fault_perm(f, "%s:%d: {{%s}} is outside {{#each %.*s}}", file, n->line,
						  n->str, (int)len, n->str);
		}
		if (v == NULL)
			return fault_perm(f, "%s:%d: unknown variable '%s'", file, n->line, n->str);
		if ((n->kind == TN_VAR || n->kind == TN_LINK) && v->items != NULL)
			return fault_perm(f, "%s:%d: '%s' is a list: use {{#each %s}}", file, n->line, n->str, n->str);
		if (n->kind == TN_EACH && v->items == NULL)
			return fault_perm(f, "%s:%d: {{#each %s}}: '%s' is not a list", file, n->line, n->str, n->str);
		if ((n->kind == TN_IF || n->kind == TN_LINK) && template_strict(file, n->body, sc, steps, f) < 0)
			return -1;
		if (n->kind == TN_IF && template_strict(file, n->alt, sc, steps, f) < 0)
			return -1;
		for (k = 0; n->kind == TN_EACH && k < v->items->len; k++) {
			struct tscope inner = { g_ptr_array_index(v->items, k), n->str, sc };

			if (template_strict(file, n->body, &inner, steps, f) < 0)
				return -1;
		}
	}
	return 0;
}

/* What the HTML rendering makes: a sequence of pieces, laid out after. */
enum hrun_kind {
	HR_TEXT,		/* the template's own text */
	HR_VALUE,		/* a value's text */
	HR_HTML,		/* a value's HTML (template_vars_set_html) */
	HR_LINK, HR_LINK_END,	/* {{#link}}: s is the URL */
	HR_QUOTE, HR_QUOTE_END,	/* {{#quote}} */
};

/* One piece (borrowed from the tree and the values). */
struct hrun {
	enum hrun_kind kind;
	const char *s;
	size_t len;
	const char *plain;	/* HR_HTML: the value's text */
};

/* One rendering: into text (the text part), or into pieces (the HTML part). */
struct texpand {
	bool html;
	GString *text;
	GArray *runs;		/* struct hrun */
	size_t steps;
};

/* Add a piece (a piece without text, such as the end of a link, has "",
 * so that no offset is ever taken from NULL). */
static void texpand_run(struct texpand *x, enum hrun_kind kind, const char *s, const char *plain)
{
	struct hrun r = { kind, s != NULL ? s : "", s != NULL ? strlen(s) : 0, plain };

	g_array_append_val(x->runs, r);
}

/* Append s to out as a quotation: on a line of its own, each line "> "
 * (">" when blank), without blank lines at either end. */
static void template_quote_lines(GString *out, const char *s)
{
	const char *end = s + strlen(s);

	for (;;) {
		const char *p = s + strspn(s, " \t");

		if (*p != '\n' && *p != '\r')
			break;
		s = p + 1 + (p[0] == '\r' && p[1] == '\n');
	}
	while (end > s && g_ascii_isspace(end[-1]))
		end--;
	if (s >= end)
		return;
	if (out->len > 0 && out->str[out->len - 1] != '\n')
		g_string_append_c(out, '\n');
	while (s < end) {
		size_t n = strcspn(s, "\r\n");
		bool blank;

		if (n > (size_t)(end - s))
			n = (size_t)(end - s);
		blank = strspn(s, " \t") >= n;
		g_string_append(out, blank ? ">" : "> ");
		if (!blank)
			g_string_append_len(out, s, (gssize)n);
		g_string_append_c(out, '\n');
		s += n;
		if (s < end && *s == '\r' && s + 1 < end && s[1] == '\n')
			s++;
		if (s < end)
			s++;	/* the CR or LF */
	}
}

/* A URL {{#link}} may point to: mailto:, http: or https:, no blanks or controls. */
static bool template_link_ok(const char *url)
{
	const char *p;

	if (g_ascii_strncasecmp(url, "mailto:", 7) != 0 && g_ascii_strncasecmp(url, "http://", 7) != 0 &&
	    g_ascii_strncasecmp(url, "https://", 8) != 0)
		return false;
	for (p = url; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

static bool template_expand(const GPtrArray *nodes, const struct tscope *sc, struct texpand *x);

/* Render a {{#quote}}: text mode quotes the rendered content ("> "); HTML
 * mode marks where it starts and ends. */
static bool template_expand_quote(const struct tnode *n, const struct tscope *sc, struct texpand *x)
{
	GString *outer = x->text;
	bool ok;

	if (x->html) {
		texpand_run(x, HR_QUOTE, NULL, NULL);
		ok = template_expand(n->body, sc, x);
		texpand_run(x, HR_QUOTE_END, NULL, NULL);
		return ok;
	}
	x->text = g_string_new(NULL);
	ok = template_expand(n->body, sc, x);
	if (ok)
		template_quote_lines(outer, x->text->str);
	g_string_free(x->text, TRUE);
	x->text = outer;
	return ok;
}

/* Render one variable. */
static void template_expand_var(const struct template_value *v, struct texpand *x)
{
	if (v == NULL || v->text == NULL)
		return;
	if (!x->html)
		g_string_append(x->text, v->text);
	else if (v->html != NULL)
		texpand_run(x, HR_HTML, v->html, v->text);
	else
		texpand_run(x, HR_VALUE, v->text, NULL);
}

/* Render nodes in one pass: values are copied, never parsed. False when
 * the rendering ran out of steps. */
static bool template_expand(const GPtrArray *nodes, const struct tscope *sc, struct texpand *x)
{
	guint i, k;

	for (i = 0; i < nodes->len; i++) {
		const struct tnode *n = g_ptr_array_index(nodes, i);
		const struct template_value *v = n->kind == TN_TEXT || n->str == NULL ? NULL : tscope_lookup(sc, n->str);
		bool ok = true;

		if (!template_step(&x->steps))
			return false;
		switch (n->kind) {
		case TN_TEXT:
			if (x->html)
				texpand_run(x, HR_TEXT, n->str, NULL);
			else
				g_string_append(x->text, n->str);
			break;
		case TN_VAR:
			template_expand_var(v, x);
			break;
		case TN_IF:
			ok = template_expand(template_value_true(v) ? n->body : n->alt, sc, x);
			break;
		case TN_EACH:
			for (k = 0; ok && v != NULL && v->items != NULL && k < v->items->len; k++) {
				struct tscope inner = { g_ptr_array_index(v->items, k), n->str, sc };

				ok = template_expand(n->body, &inner, x);
			}
			break;
		case TN_QUOTE:
			ok = template_expand_quote(n, sc, x);
			break;
		case TN_LINK:
			if (x->html && v != NULL && v->text != NULL && template_link_ok(v->text)) {
				texpand_run(x, HR_LINK, v->text, NULL);
				ok = template_expand(n->body, sc, x);
				texpand_run(x, HR_LINK_END, NULL, NULL);
			} else {
				ok = template_expand(n->body, sc, x);	/* the label alone */
			}
			break;
		case TN_TEXTPART:
		case TN_HTMLPART:
			if (x->html == (n->kind == TN_HTMLPART))
				ok = template_expand(n->body, sc, x);
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* The subject as a header: controls (CR, LF, TAB, C1, line separators)
 * become spaces, runs of spaces one space, no space at either end. */
static char *template_subject_line(const char *s)
{
	GString *out = g_string_new(NULL);
	bool space = false;

	for (; *s != '\0'; s = g_utf8_next_char(s)) {
		gunichar c = g_utf8_get_char(s);
		GUnicodeType t = g_unichar_type(c);

		if (c == ' ' || g_unichar_iscntrl(c) || t == G_UNICODE_LINE_SEPARATOR ||
		    t == G_UNICODE_PARAGRAPH_SEPARATOR) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = false;
		g_string_append_unichar(out, c);
	}
	return g_string_free(out, FALSE);
}

/* The text body: LF line ends, no blank lines at either end, one final LF. */
static char *template_text_body(const char *s)
{
	GString *out = g_string_new(NULL);

	for (; *s != '\0'; s++) {
		char c = *s == '\r' ? '\n' : *s;

		if (*s == '\r' && s[1] == '\n')
			continue;
		if (c != '\n' || out->len > 0)
			g_string_append_c(out, c);
	}
	while (out->len > 0 && g_ascii_isspace(out->str[out->len - 1]))
		g_string_truncate(out, out->len - 1);
	g_string_append_c(out, '\n');
	return g_string_free(out, FALSE);
}

/* Append len bytes of s to out, HTML-escaped (& < > " ' as entities that
 * every mail client knows); C0 controls other than TAB are dropped. */
static void template_html_escape(GString *out, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': g_string_append(out, "&amp;"); break;
		case '<': g_string_append(out, "&lt;"); break;
		case '>': g_string_append(out, "&gt;"); break;
		case '"': g_string_append(out, "&quot;"); break;
		case '\'': g_string_append(out, "&#39;"); break;
		default:
			if (((unsigned char)s[i] >= 0x20 && s[i] != 0x7f) || s[i] == '\t')
				g_string_append_c(out, s[i]);
		}
	}
}

/* Append s percent-encoded for a mailto: URL (RFC 6068): letters, digits
 * and "-._~" as they are (in the address also "!$*+,;:@"), every other
 * byte of the UTF-8 as %XX, a line end of any kind as %0D%0A. */
static void template_url_encode(GString *out, const char *s, bool addr)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (g_ascii_isalnum(c) || strchr("-._~", c) != NULL || (addr && strchr("!$*+,;:@", c) != NULL)) {
			g_string_append_c(out, (char)c);
		} else if (c == '\r' || c == '\n') {
			g_string_append(out, "%0D%0A");
			if (c == '\r' && s[1] == '\n')
				s++;
		} else {
			g_string_append_printf(out, "%%%02X", c);
		}
	}
}

char *template_mailto(const char *addr, const char *subject, const char *body)
{
	GString *out = g_string_new("mailto:");

	template_url_encode(out, addr, true);
	if (subject != NULL) {
		g_string_append(out, "?subject=");
		template_url_encode(out, subject, false);
	}
	if (body != NULL) {
		g_string_append(out, subject != NULL ? "&body=" : "?body=");
		template_url_encode(out, body, false);
	}
	return g_string_free(out, FALSE);
}

/* The inline styles of the HTML part: no <style> block (Gmail drops it),
 * nothing remote; one column of at most 40em that a phone shows whole. */
#define TH_FONT "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;" \
	"font-size:15px;line-height:1.5"
#define TH_LINK "color:#1d4fa3"
#define TH_P "<p style=\"margin:0 0 1em 0\">"
#define TH_INDENT "<p style=\"margin:0 0 1em 0;padding:0 0 0 1.5em\">"
#define TH_UL "<ul style=\"margin:0 0 1em 0;padding:0 0 0 1.5em\">\n"
#define TH_LI "<li style=\"margin:0 0 .2em 0\">"
#define TH_TABLE "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" " \
	"style=\"border-collapse:collapse;margin:0 0 1em 0\">\n"
#define TH_TD_LABEL "<td style=\"padding:0 1em .2em 0;vertical-align:top;white-space:nowrap;color:#5f6368\">"
#define TH_TD_VALUE "<td style=\"padding:0 0 .2em 0;vertical-align:top;word-break:break-word\">"
#define TH_QUOTE "<blockquote style=\"margin:0 0 1em 0;padding:.1em 0 .1em 12px;" \
	"border-left:3px solid #c6cbd1;color:#3c4043\">\n"
#define TH_BUTTON "display:inline-block;margin:0 .3em .5em 0;padding:.3em .8em;border-radius:4px;" \
	"background-color:#1d4fa3;border:1px solid #1d4fa3;color:#ffffff;text-decoration:none;" \
	"font-size:14px;line-height:1.5;white-space:nowrap"
#define TH_RULE "<hr style=\"border:0;border-top:1px solid #dadce0;margin:1.2em 0\">\n"
#define TH_BLOCK "<div style=\"margin:0 0 1em 0\">"

/* Bytes that end a word when looking for links. */
static bool template_word_end(char c)
{
	return (unsigned char)c <= ' ' || c == '<' || c == '>' || c == '"' || c == 0x7f;
}

/* Whether len bytes of s are an address: local@domain, the domain two or
 * more labels of letters, digits and '-' (UTF-8 allowed), no dot at an end. */
static bool template_is_address(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *p;
	size_t label = 0, labels = 0;

	if (at == NULL || at == s || at + 1 >= s + len || memchr(at + 1, '@', (size_t)(s + len - at - 1)) != NULL ||
	    len > 254 || s[0] == '.' || at[-1] == '.')
		return false;
	for (p = s; p < at; p++)
		if (!(g_ascii_isalnum(*p) || (unsigned char)*p >= 0x80 || strchr("!#$%&'*+-/=?^_`{|}~.", *p) != NULL) ||
		    (p[0] == '.' && p[1] == '.'))
			return false;
	for (p = at + 1; p <= s + len; p++) {
		if (p == s + len || *p == '.') {
			if (label == 0 || p[-1] == '-')
				return false;
			labels++;
			label = 0;
		} else if (g_ascii_isalnum(*p) || (unsigned char)*p >= 0x80 || (*p == '-' && label > 0)) {
			label++;
		} else {
			return false;
		}
	}
	return labels >= 2;
}

/* Append len bytes of s escaped, with http(s) URLs and addresses as
 * links: one scan, word by word (a word ends at a blank, '<', '>' or '"';
 * brackets before it and punctuation after it are not part of the link). */
static void template_html_linkify(GString *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i, a, b, open = 0, close = 0, k;

		if (template_word_end(s[i])) {
			template_html_escape(out, s + i, 1);
			i++;
			continue;
		}
		while (j < len && !template_word_end(s[j]))
			j++;
		for (a = i; a < j && strchr("([{'", s[a]) != NULL; a++)
			;
		for (k = a; k < j; k++) {
			open += s[k] == '(';
			close += s[k] == ')';
		}
		for (b = j; b > a && strchr(".,;:!?)]}'", s[b - 1]) != NULL; b--) {
			if (s[b - 1] == ')' && close <= open)
				break;	/* a URL's own parenthesis */
			close -= s[b - 1] == ')';
		}
		template_html_escape(out, s + i, a - i);
		if ((b - a > 8 && g_ascii_strncasecmp(s + a, "https://", 8) == 0) ||
		    (b - a > 7 && g_ascii_strncasecmp(s + a, "http://", 7) == 0)) {
			g_string_append(out, "<a href=\"");
			template_html_escape(out, s + a, b - a);
			g_string_append(out, "\" style=\"" TH_LINK "\">");
			template_html_escape(out, s + a, b - a);
			g_string_append(out, "</a>");
		} else if (template_is_address(s + a, b - a)) {
			char *addr = g_strndup(s + a, b - a), *url = template_mailto(addr, NULL, NULL);

			g_string_append(out, "<a href=\"");
			template_html_escape(out, url, strlen(url));
			g_string_append(out, "\" style=\"" TH_LINK "\">");
			template_html_escape(out, s + a, b - a);
			g_string_append(out, "</a>");
			g_free(url);
			g_free(addr);
		} else {
			template_html_escape(out, s + a, b - a);
		}
		template_html_escape(out, s + b, j - b);
		i = j;
	}
}

/* The HTML layout: the pieces cut into lines, each line a kind of block. */
enum hline_kind {
	HL_BLANK,		/* ends a block */
	HL_PARA,		/* a line of a paragraph */
	HL_ITEM,		/* "- " or "* " (after blanks) in template text: a list item */
	HL_FIELD,		/* "Label:  value", two or more in a row: a table row */
	HL_INDENT,		/* template text starting with a blank: kept as a line */
	HL_RULE,		/* template text of dashes only ("--"): a rule */
	HL_BLOCK,		/* an HTML value alone on its line: a block */
	HL_QUOTE, HL_QUOTE_END,	/* {{#quote}} starts, ends */
};

/* A piece of a piece, within one line. */
struct hfrag {
	enum hrun_kind kind;
	const char *s;
	size_t len;
	const char *plain;
};

struct hline {
	guint first, n;		/* its pieces in hdoc.frags */
	enum hline_kind kind;
	bool soft;		/* ends with a line break of the template's own text */
	bool quoted;		/* inside a {{#quote}} */
	size_t chars;		/* characters of text */
	size_t skip;		/* bytes of the first piece that are not content:
				 * the blanks and the item mark, the field's label */
};

struct hdoc {
	GArray *frags;		/* struct hfrag */
	GArray *lines;		/* struct hline */
	struct hline cur;	/* being cut */
	int depth;		/* of {{#quote}} */
};

/* Add a piece to the current line. */
static void hdoc_frag(struct hdoc *d, enum hrun_kind kind, const char *s, size_t len, const char *plain)
{
	struct hfrag fr = { kind, s, len, plain };

	g_array_append_val(d->frags, fr);
	d->cur.n++;
}

/* End the current line; soft: at a line break of the template's own text,
 * after its own text, not in a quotation (where every break is kept). */
static void hdoc_line(struct hdoc *d, bool soft, enum hline_kind kind)
{
	d->cur.soft = soft && d->depth == 0 && d->cur.n > 0 &&
		      g_array_index(d->frags, struct hfrag, d->frags->len - 1).kind == HR_TEXT;
	d->cur.quoted = d->depth > 0;
	d->cur.kind = kind;
	g_array_append_val(d->lines, d->cur);
	memset(&d->cur, 0, sizeof(d->cur));
	d->cur.first = d->frags->len;
}

/* Cut the pieces into lines at every line break (CR, LF or CRLF); within a
 * link a line break is a space, so a link never spans lines. */
static void hdoc_cut(struct hdoc *d, const GArray *runs)
{
	bool in_link = false;
	guint i;

	for (i = 0; i < runs->len; i++) {
		const struct hrun *r = &g_array_index(runs, struct hrun, i);
		const char *s = r->s, *end = r->s + r->len;

		switch (r->kind) {
		case HR_TEXT:
		case HR_VALUE:
			while (s < end) {
				const char *e = s;

				while (e < end && *e != '\n' && *e != '\r')
					e++;
				if (e > s)
					hdoc_frag(d, r->kind, s, (size_t)(e - s), NULL);
				if (e == end)
					break;
				s = e + 1 + (e[0] == '\r' && e + 1 < end && e[1] == '\n');
				if (in_link)
					hdoc_frag(d, HR_TEXT, " ", 1, NULL);
				else
					hdoc_line(d, r->kind == HR_TEXT, HL_PARA);
			}
			break;
		case HR_HTML:
		case HR_LINK:
		case HR_LINK_END:
			in_link = r->kind == HR_LINK;
			hdoc_frag(d, r->kind, r->s, r->len, r->plain);
			break;
		case HR_QUOTE:
		case HR_QUOTE_END:
			if (d->cur.n > 0)
				hdoc_line(d, false, HL_PARA);
			d->depth += r->kind == HR_QUOTE ? 0 : -1;
			hdoc_line(d, false, r->kind == HR_QUOTE ? HL_QUOTE : HL_QUOTE_END);
			d->depth += r->kind == HR_QUOTE ? 1 : 0;
			break;
		}
	}
	if (d->cur.n > 0)
		hdoc_line(d, false, HL_PARA);
}

/* A field's label: "Label:" and a blank at the start of the line's first
 * piece of template text, the label 1 to 3 words of at most 32 bytes
 * without '#'. Its length with the colon, 0 when the line is no field. */
static size_t hline_label(const struct hfrag *fr)
{
	size_t i, spaces = 0;

	for (i = 0; i < fr->len && i <= 32 && fr->s[i] != ':'; i++) {
		if (fr->s[i] == '#' || fr->s[i] == '\t' || (fr->s[i] == ' ' && (i == 0 || fr->s[i - 1] == ' ')))
			return 0;
		spaces += fr->s[i] == ' ';
	}
	if (i == 0 || i > 32 || spaces > 2 || i + 1 >= fr->len || fr->s[i] != ':' ||
	    (fr->s[i + 1] != ' ' && fr->s[i + 1] != '\t'))
		return 0;
	return i + 1;
}

/* Decide what a line is, from its pieces. */
static void hline_classify(const struct hdoc *d, struct hline *l)
{
	const struct hfrag *fr;
	guint i, content = 0, html = 0;
	size_t k, lead;

	if (l->kind != HL_PARA)
		return;
	if (l->n == 0) {
		l->kind = HL_BLANK;
		return;
	}
	fr = &g_array_index(d->frags, struct hfrag, l->first);
	for (i = 0; i < l->n; i++) {
		bool blank = true;

		if (fr[i].kind == HR_HTML) {
			l->chars += g_utf8_strlen(fr[i].plain, -1);
			blank = fr[i].s[strspn(fr[i].s, " \t\r\n")] == '\0';
			html += !blank;
		} else if (fr[i].kind == HR_LINK) {
			blank = false;
		}
		for (k = 0; fr[i].kind != HR_HTML && k < fr[i].len; k++) {
			l->chars += ((unsigned char)fr[i].s[k] & 0xc0) != 0x80;
			blank = blank && (fr[i].s[k] == ' ' || fr[i].s[k] == '\t');
		}
		content += !blank;
	}
	if (content == 0) {
		l->kind = HL_BLANK;
		return;
	}
	if (content == 1 && html == 1) {
		l->kind = HL_BLOCK;
		return;
	}
	if (l->quoted || fr[0].kind != HR_TEXT)
		return;
	lead = strspn(fr[0].s, " \t");
	if (lead > fr[0].len)
		lead = fr[0].len;
	if (l->n == 1 && fr[0].len - lead >= 2 && strspn(fr[0].s + lead, "-") >= 2 &&
	    strspn(fr[0].s + lead, "- \t") >= fr[0].len - lead) {
		l->kind = HL_RULE;
	} else if (fr[0].len - lead >= 2 && (fr[0].s[lead] == '-' || fr[0].s[lead] == '*') &&
		   fr[0].s[lead + 1] == ' ') {
		l->kind = HL_ITEM;
		l->skip = lead + 2;
	} else if (lead > 0) {
		l->kind = HL_INDENT;
		l->skip = lead;
	} else if ((l->skip = hline_label(&fr[0])) > 0) {
		l->kind = HL_FIELD;
	}
}

/* Append a line's content from byte skip of its first piece; blanks at
 * its start dropped, or with nbsp kept as non-breaking spaces. */
static void hline_emit(GString *out, const struct hdoc *d, const struct hline *l, size_t skip, bool nbsp)
{
	bool lead = true, in_link = false;
	guint i;

	for (i = 0; i < l->n; i++) {
		const struct hfrag *fr = &g_array_index(d->frags, struct hfrag, l->first + i);
		const char *s = fr->s + (i == 0 ? skip : 0);
		size_t len = fr->len - (i == 0 ? skip : 0);

		switch (fr->kind) {
		case HR_TEXT:
		case HR_VALUE:
			for (; lead && len > 0 && (*s == ' ' || *s == '\t'); s++, len--)
				if (nbsp)
					g_string_append(out, *s == ' ' ? "&#160;" : "&#160;&#160;&#160;&#160;");
			lead = lead && len == 0;
			if (in_link)
				template_html_escape(out, s, len);
			else
				template_html_linkify(out, s, len);
			break;
		case HR_HTML:
			lead = false;
			if (in_link)
				template_html_escape(out, fr->plain, strlen(fr->plain));
			else
				g_string_append_len(out, fr->s, (gssize)fr->len);
			break;
		case HR_LINK:
			lead = false;
			in_link = true;
			g_string_append(out, "<a href=\"");
			template_html_escape(out, fr->s, fr->len);
			g_string_append(out, "\" style=\"" TH_BUTTON "\">");
			break;
		case HR_LINK_END:
			in_link = false;
			g_string_append(out, "</a>");
			break;
		default:
			break;
		}
	}
}

/* End the open block. */
static void hdoc_close(GString *out, enum hline_kind *open)
{
	static const char *const ends[] = {
		[HL_PARA] = "</p>\n", [HL_INDENT] = "</p>\n", [HL_ITEM] = "</ul>\n", [HL_FIELD] = "</table>\n",
	};

	if (*open < G_N_ELEMENTS(ends) && ends[*open] != NULL)
		g_string_append(out, ends[*open]);
	*open = HL_BLANK;
}

/* Open a block of kind unless it is open; true when it was (the line
 * continues it). */
static bool hdoc_open(GString *out, enum hline_kind *open, enum hline_kind kind, const char *start)
{
	if (*open == kind)
		return true;
	hdoc_close(out, open);
	g_string_append(out, start);
	*open = kind;
	return false;
}

/* Lay out the lines as HTML blocks. */
static void hdoc_emit(GString *out, struct hdoc *d)
{
	enum hline_kind open = HL_BLANK;
	const struct hline *prev = NULL;
	guint i;

	for (i = 0; i < d->lines->len; i++) {
		struct hline *l = &g_array_index(d->lines, struct hline, i);

		switch (l->kind) {
		case HL_QUOTE:
		case HL_QUOTE_END:
		case HL_BLANK:
		case HL_RULE:
		case HL_BLOCK:
			hdoc_close(out, &open);
			g_string_append(out, l->kind == HL_QUOTE ? TH_QUOTE : l->kind == HL_QUOTE_END ? "</blockquote>\n" :
					l->kind == HL_RULE ? TH_RULE : l->kind == HL_BLOCK ? TH_BLOCK : "");
			if (l->kind == HL_BLOCK) {
				hline_emit(out, d, l, 0, false);
				g_string_append(out, "</div>\n");
			}
			break;
		case HL_ITEM:
			hdoc_open(out, &open, HL_ITEM, TH_UL);
			g_string_append(out, TH_LI);
			hline_emit(out, d, l, l->skip, false);
			g_string_append(out, "</li>\n");
			break;
		case HL_FIELD: {
			const struct hfrag *fr = &g_array_index(d->frags, struct hfrag, l->first);

			hdoc_open(out, &open, HL_FIELD, TH_TABLE);
			g_string_append(out, "<tr>" TH_TD_LABEL);
			template_html_escape(out, fr->s, l->skip);
			g_string_append(out, "</td>" TH_TD_VALUE);
			hline_emit(out, d, l, l->skip, false);
			g_string_append(out, "</td></tr>\n");
			break;
		}
		case HL_INDENT:
			if (hdoc_open(out, &open, HL_INDENT, TH_INDENT))
				g_string_append(out, "<br>\n");
			hline_emit(out, d, l, l->skip, false);
			break;
		case HL_PARA:
			if (hdoc_open(out, &open, HL_PARA, TH_P))
				g_string_append(out, prev->soft && prev->chars >= TEMPLATE_REFLOW_MIN ? " " : "<br>\n");
			hline_emit(out, d, l, 0, l->quoted);
			break;
		}
		prev = l;
	}
	hdoc_close(out, &open);
}

/* The HTML part from its pieces: a small document styled inline. */
static char *template_html_body(const GArray *runs, const char *subject, const char *lang)
{
	GString *out = g_string_new("<!DOCTYPE html>\n");
	struct hdoc d = { g_array_new(FALSE, FALSE, sizeof(struct hfrag)), g_array_new(FALSE, FALSE, sizeof(struct hline)),
			  { 0 }, 0 };
	guint i;
	bool *field;

	hdoc_cut(&d, runs);
	field = g_new0(bool, d.lines->len + 2);
	for (i = 0; i < d.lines->len; i++) {
		hline_classify(&d, &g_array_index(d.lines, struct hline, i));
		field[i + 1] = g_array_index(d.lines, struct hline, i).kind == HL_FIELD;
	}
	/* one "Label: value" line alone is prose */
	for (i = 0; i < d.lines->len; i++)
		if (field[i + 1] && !field[i] && !field[i + 2])
			g_array_index(d.lines, struct hline, i).kind = HL_PARA;
	g_free(field);
	if (lang != NULL)
		g_string_append_printf(out, "<html lang=\"%s\">\n", lang);
	else
		g_string_append(out, "<html>\n");
	g_string_append(out, "<head>\n<meta charset=\"utf-8\">\n"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	template_html_escape(out, subject, strlen(subject));
	g_string_append(out, "</title>\n</head>\n<body style=\"margin:0;padding:0\">\n"
			"<div style=\"max-width:40em;margin:0 auto;padding:16px;overflow-wrap:break-word;word-wrap:break-word;" \
			"word-break:break-word;" TH_FONT "\">\n");
	hdoc_emit(out, &d);
	g_string_append(out, "</div>\n</body>\n</html>\n");
	g_array_free(d.frags, TRUE);
	g_array_free(d.lines, TRUE);
	return g_string_free(out, FALSE);
}

/* The language a template file is written in: its directory's name. */
static char *template_file_lang(const char *path)
{
	char *dir = g_path_get_dirname(path), *lang = g_path_get_basename(dir);
	struct fault f = { 0 };

	g_free(dir);
	if (config_check_language(lang, &f) < 0) {
		g_free(lang);
		return NULL;
	}
	return lang;
}

int template_render_text(const char *path, const char *text, const struct template_vars *vars, bool strict,
			 struct template_result *out, struct fault *f)
{
	GPtrArray *subject = NULL, *body = NULL;
	struct tscope root = { vars, NULL, NULL };
	struct texpand ts = { false, g_string_new(NULL), NULL, 0 }, tb = { false, g_string_new(NULL), NULL, 0 };
	struct texpand th = { true, NULL, g_array_new(FALSE, FALSE, sizeof(struct hrun)), 0 };
	size_t steps = 0;
	char *lang;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (template_parse(path, text, &subject, &body, f) < 0)
		goto out;
	if (strict && (template_strict(path, subject, &root, &steps, f) < 0 ||
		       template_strict(path, body, &root, &steps, f) < 0))
		goto out;
	/* the subject and the text part share a budget, the HTML part has its own */
	if (!template_expand(subject, &root, &ts) || (tb.steps = ts.steps, !template_expand(body, &root, &tb)) ||
	    !template_expand(body, &root, &th)) {
		ret = fault_perm(f, "%s: more than %d steps to render: nested {{#each}} too costly", path,
				 TEMPLATE_MAX_STEPS);
		goto out;
	}
	out->subject = template_subject_line(ts.text->str);
	out->text = template_text_body(tb.text->str);
	lang = template_file_lang(path);
	out->html = template_html_body(th.runs, out->subject, lang);
	g_free(lang);
	ret = 0;
	if (strict && *out->subject == '\0') {
		template_result_clear(out);
		ret = fault_perm(f, "%s: the subject is empty", path);
	}
out:
	g_string_free(ts.text, TRUE);
	g_string_free(tb.text, TRUE);
	g_array_free(th.runs, TRUE);
	if (subject != NULL)
		g_ptr_array_free(subject, TRUE);
	if (body != NULL)
		g_ptr_array_free(body, TRUE);
	return ret;
}

int template_render_file(const char *path, const struct template_vars *vars, bool strict,
			 struct template_result *out, struct fault *f)
{
	GError *gerr = NULL;
	char *text = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!g_file_get_contents(path, &text, NULL, &gerr)) {
		/* a permission slip an administrator fixes: retrying may help */
		fault_temp(f, "cannot read template %s: %s", path, gerr->message);
		g_error_free(gerr);
		return -1;
	}
	ret = template_render_text(path, text, vars, strict, out, f);
	g_free(text);
	return ret;
}

/* The languages to try for lang, in order: the tag as given (lower case,
 * '_' as '-': "pt_BR" is pt-br), its primary part ("pt"), then fallback.
 * A tag that is no language tag at all (it may come from a customer's
 * mail) is skipped, never a path. Fills langs (g_free each), returns how many. */
static int template_langs(const char *lang, const char *fallback, char *langs[3])
{
	char *cand[3] = { NULL, NULL, NULL };
	struct fault f = { 0 };
	int i, j, n = 0;

	if (lang != NULL && *lang != '\0') {
		cand[0] = g_ascii_strdown(lang, -1);
		g_strdelimit(cand[0], "_", '-');
		cand[1] = g_strndup(cand[0], strcspn(cand[0], "-"));
	}
	cand[2] = g_strdup(fallback);
	for (i = 0; i < 3; i++) {
		bool dup = cand[i] == NULL || config_check_language(cand[i], &f) < 0;

		for (j = 0; j < n && !dup; j++)
			dup = strcmp(langs[j], cand[i]) == 0;
		if (dup)
			g_free(cand[i]);
		else
			langs[n++] = cand[i];
	}
	return n;
}

int template_find(const char *override_dir, const char *builtin_dir, const char *lang,
		  const char *fallback_lang, const char *name, char **path_r, struct fault *f)
{
	const char *dirs[2] = { override_dir, builtin_dir };
	char *langs[3], *file;
	size_t nlen = strlen(name);
	GString *tried;
	int i, j, nlangs;

	if (nlen == 0 || nlen > 64 || strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != nlen)
		return fault_perm(f, "bad template name '%s'", name);
	if (fallback_lang != NULL && config_check_language(fallback_lang, f) < 0) {
		fault_prefix(f, "template %s: fallback language", name);
		return -1;
	}
	nlangs = template_langs(lang, fallback_lang, langs);
	file = g_strconcat(name, ".tmpl", NULL);
	tried = g_string_new(NULL);
	*path_r = NULL;
	for (j = 0; j < nlangs; j++) {
		for (i = 0; i < 2 && *path_r == NULL; i++) {
			char *path;

			if (dirs[i] == NULL || *dirs[i] == '\0')
				continue;
			path = g_build_filename(dirs[i], langs[j], file, NULL);
			if (g_file_test(path, G_FILE_TEST_EXISTS)) {
				*path_r = path;
				break;
			}
			g_string_append_printf(tried, "%s%s", tried->len > 0 ? ", " : "", path);
			g_free(path);
		}
		g_free(langs[j]);
	}
	if (*path_r == NULL)
		fault_perm(f, "template '%s' not found for language '%s' (tried %s)", name,
			   lang != NULL ? lang : "", tried->len > 0 ? tried->str : "no directory");
	g_string_free(tried, TRUE);
	g_free(file);
	return *path_r != NULL ? 0 : -1;
}

void template_languages(const char *dir, GPtrArray *langs)
{
	GDir *d = dir != NULL && *dir != '\0' ? g_dir_open(dir, 0, NULL) : NULL;
	const char *e;

	if (d == NULL)
		return;
	while ((e = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, e, NULL);
		struct fault f = { 0 };
		guint i;

		if (g_file_test(path, G_FILE_TEST_IS_DIR) && config_check_language(e, &f) == 0 &&
		    !g_ptr_array_find_with_equal_func(langs, e, g_str_equal, &i))
			g_ptr_array_add(langs, g_strdup(e));
		g_free(path);
	}
	g_dir_close(d);
}

int template_render(const char *override_dir, const char *builtin_dir, const char *lang,
		    const char *fallback_lang, const char *name, const struct template_vars *vars,
		    struct template_result *out, struct fault *f)
{
	char *path = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	if (template_find(override_dir, builtin_dir, lang, fallback_lang, name, &path, f) < 0)
		return -1;
	ret = template_render_file(path, vars, false, out, f);
	g_free(path);
	return ret;
}
