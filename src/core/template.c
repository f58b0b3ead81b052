/* template.c: the mail templates. A template file is a "Subject:" line, a
 * blank line and a body; {{name}} inserts a value, {{#if name}} {{else}}
 * {{/if}} and {{#each list}} {{/each}} are the only directives, {{! ...}} a
 * comment. A file is parsed into a tree first (syntax errors name FILE:LINE),
 * then rendered in one pass: a value is copied into the output and never
 * looked at again, so a customer who writes "{{case_id}}" sees it literally.
 * The body renders once as text; the HTML alternative is that text escaped
 * and put into paragraphs, the subject is that line without controls. */
#include <errno.h>
#include <glib.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "template.h"

const char *const template_names[] = {
	"ack", "notify_new", "notify_followup", "notify_note", "reply", "escalation",
	"reminder", "autoclose", "resolved_survey", "agent_error", "agent_unverified", NULL,
};

/* A value: text, or a list of nested sets. */
struct template_value {
	char *text;
	GPtrArray *items;	/* struct template_vars *, owned */
};

struct template_vars {
	GHashTable *values;	/* name -> struct template_value * */
};

enum tnode_kind { TN_TEXT, TN_VAR, TN_IF, TN_EACH };

/* One piece of a parsed template. */
struct tnode {
	enum tnode_kind kind;
	char *str;		/* the text, or the variable's name */
	int line;
	GPtrArray *body;	/* if: the true part; each: the loop body */
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

/* The list new nodes go to: the innermost open block's current part. */
static GPtrArray *tparse_target(struct tparse *tp)
{
	struct tframe *fr;

	if (tp->open->len == 0)
		return tp->root;
	fr = &g_array_index(tp->open, struct tframe, tp->open->len - 1);
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

/* Handle the inside of one {{...}} found on line. */
static int tparse_tag(struct tparse *tp, const char *inner, size_t len, int line, struct fault *f)
{
	char *tag = g_strstrip(g_strndup(inner, len));
	const char *arg = NULL;
	enum tnode_kind kind = TN_VAR;
	struct tnode *n;
	int ret = 0;

	if (tag[0] == '!') {
		/* a comment */
	} else if (strcmp(tag, "else") == 0) {
		struct tframe *fr = tp->open->len == 0 ? NULL :
			&g_array_index(tp->open, struct tframe, tp->open->len - 1);

		if (fr == NULL || fr->block->kind != TN_IF)
			ret = fault_perm(f, "%s:%d: {{else}} outside {{#if}}", tp->file, line);
		else if (fr->in_else)
			ret = fault_perm(f, "%s:%d: a second {{else}} for the {{#if}} of line %d",
					 tp->file, line, fr->block->line);
		else
			fr->in_else = true;
	} else if (strcmp(tag, "/if") == 0 || strcmp(tag, "/each") == 0) {
		enum tnode_kind want = tag[1] == 'i' ? TN_IF : TN_EACH;
		struct tframe *fr = tp->open->len == 0 ? NULL :
			&g_array_index(tp->open, struct tframe, tp->open->len - 1);

		if (fr == NULL)
			ret = fault_perm(f, "%s:%d: {{%s}} without an opening {{#%s}}", tp->file, line, tag, tag + 1);
		else if (fr->block->kind != want)
			ret = fault_perm(f, "%s:%d: {{%s}} closes the {{#%s %s}} of line %d", tp->file, line, tag,
					 fr->block->kind == TN_IF ? "if" : "each", fr->block->str, fr->block->line);
		else
			g_array_set_size(tp->open, tp->open->len - 1);
	} else if (g_str_has_prefix(tag, "#if ") || g_str_has_prefix(tag, "#each ")) {
		kind = tag[1] == 'i' ? TN_IF : TN_EACH;
		arg = g_strchug(strchr(tag, ' '));
		if (!tparse_name_ok(arg))
			ret = fault_perm(f, "%s:%d: bad variable name '%s' in {{%s}}", tp->file, line, arg, tag);
	} else if (strcmp(tag, "#if") == 0 || strcmp(tag, "#each") == 0) {
		ret = fault_perm(f, "%s:%d: {{%s}} needs a variable name", tp->file, line, tag);
	} else if (tag[0] == '#' || tag[0] == '/') {
		ret = fault_perm(f, "%s:%d: unknown directive {{%s}} (known: #if NAME, else, /if, "
				 "#each LIST, /each, ! comment)", tp->file, line, tag);
	} else if (!tparse_name_ok(tag)) {
		ret = fault_perm(f, "%s:%d: bad variable name '%s' (letters, digits and '_', or list.field)",
				 tp->file, line, tag);
	} else {
		arg = tag;
	}
	if (ret == 0 && arg != NULL) {
		n = g_new0(struct tnode, 1);
		n->kind = kind;
		n->str = g_strdup(arg);
		n->line = line;
		g_ptr_array_add(tparse_target(tp), n);
		if (kind != TN_VAR) {
			struct tframe fr = { n, false };

			n->body = tnode_list();
			n->alt = kind == TN_IF ? tnode_list() : NULL;
			g_array_append_val(tp->open, fr);
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
		struct tframe *fr = &g_array_index(tp->open, struct tframe, tp->open->len - 1);

		ret = fault_perm(f, "%s:%d: {{#%s %s}} is not closed with {{/%s}}", tp->file, fr->block->line,
				 fr->block->kind == TN_IF ? "if" : "each", fr->block->str,
				 fr->block->kind == TN_IF ? "if" : "each");
	}
	g_string_free(text, TRUE);
	return ret;
}

/* Parse one piece of a template into a new node list. */
static int tparse(const char *file, const char *s, int line, GPtrArray **nodes_r, struct fault *f)
{
	struct tparse tp = { file, tnode_list(), g_array_new(FALSE, FALSE, sizeof(struct tframe)) };
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
 * notify_new are about 600,000). */
#define TEMPLATE_MAX_STEPS 2000000

/* Count one node visit; false once the rendering has used its budget. */
static bool template_step(size_t *steps)
{
	return ++*steps <= TEMPLATE_MAX_STEPS;
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
		if (n->kind == TN_VAR && v->items != NULL)
			return fault_perm(f, "%s:%d: '%s' is a list: use {{#each %s}}", file, n->line, n->str, n->str);
		if (n->kind == TN_EACH && v->items == NULL)
			return fault_perm(f, "%s:%d: {{#each %s}}: '%s' is not a list", file, n->line, n->str, n->str);
		if (n->kind == TN_IF && (template_strict(file, n->body, sc, steps, f) < 0 ||
					 template_strict(file, n->alt, sc, steps, f) < 0))
			return -1;
		for (k = 0; n->kind == TN_EACH && k < v->items->len; k++) {
			struct tscope inner = { g_ptr_array_index(v->items, k), n->str, sc };

			if (template_strict(file, n->body, &inner, steps, f) < 0)
				return -1;
		}
	}
	return 0;
}

/* Render nodes into out, in one pass: values are copied, never parsed.
 * False when the rendering ran out of steps. */
static bool template_expand(const GPtrArray *nodes, const struct tscope *sc, size_t *steps, GString *out)
{
	guint i, k;

	for (i = 0; i < nodes->len; i++) {
		const struct tnode *n = g_ptr_array_index(nodes, i);
		const struct template_value *v = n->kind == TN_TEXT ? NULL : tscope_lookup(sc, n->str);

		if (!template_step(steps))
			return false;
		switch (n->kind) {
		case TN_TEXT:
			g_string_append(out, n->str);
			break;
		case TN_VAR:
			if (v != NULL && v->text != NULL)
				g_string_append(out, v->text);
			break;
		case TN_IF:
			if (v != NULL && ((v->text != NULL && *v->text != '\0') ||
					  (v->items != NULL && v->items->len > 0))) {
				if (!template_expand(n->body, sc, steps, out))
					return false;
			} else if (!template_expand(n->alt, sc, steps, out)) {
				return false;
			}
			break;
		case TN_EACH:
			for (k = 0; v != NULL && v->items != NULL && k < v->items->len; k++) {
				struct tscope inner = { g_ptr_array_index(v->items, k), n->str, sc };

				if (!template_expand(n->body, &inner, steps, out))
					return false;
			}
			break;
		}
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

/* Whether a line (up to its LF) holds only blanks. */
static bool template_blank_line(const char *s)
{
	s += strspn(s, " \t");
	return *s == '\n' || *s == '\0';
}

/* The HTML alternative of a text body: everything escaped, blank-line
 * separated paragraphs in <p>, line breaks as <br>, leading blanks kept. */
static char *template_html_body(const char *text, const char *subject, const char *lang)
{
	GString *out = g_string_new("<!DOCTYPE html>\n");
	const char *p = text;
	bool in_para = false;

	if (lang != NULL)
		g_string_append_printf(out, "<html lang=\"%s\">\n", lang);
	else
		g_string_append(out, "<html>\n");
	g_string_append(out, "<head>\n<meta charset=\"utf-8\">\n<title>");
	template_html_escape(out, subject, strlen(subject));
	g_string_append(out, "</title>\n</head>\n<body>\n");
	while (*p != '\0') {
		size_t n = strcspn(p, "\n"), lead;

		if (template_blank_line(p)) {
			if (in_para)
				g_string_append(out, "</p>\n");
			in_para = false;
		} else {
			g_string_append(out, in_para ? "<br>\n" : "<p>");
			in_para = true;
			for (lead = 0; p[lead] == ' ' || p[lead] == '\t'; lead++)
				g_string_append(out, p[lead] == ' ' ? "&#160;" : "&#160;&#160;&#160;&#160;");
			template_html_escape(out, p + lead, n - lead);
		}
		p += n + (p[n] == '\n');
	}
	if (in_para)
		g_string_append(out, "</p>\n");
	g_string_append(out, "</body>\n</html>\n");
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
	GString *s, *b;
	size_t steps = 0;
	char *lang;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (template_parse(path, text, &subject, &body, f) < 0)
		goto out;
	if (strict && (template_strict(path, subject, &root, &steps, f) < 0 ||
		       template_strict(path, body, &root, &steps, f) < 0))
		goto out;
	s = g_string_new(NULL);
	b = g_string_new(NULL);
	steps = 0;
	if (!template_expand(subject, &root, &steps, s) || !template_expand(body, &root, &steps, b)) {
		g_string_free(s, TRUE);
		g_string_free(b, TRUE);
		ret = fault_perm(f, "%s: more than %d steps to render: nested {{#each}} too costly", path,
				 TEMPLATE_MAX_STEPS);
		goto out;
	}
	out->subject = template_subject_line(s->str);
	out->text = template_text_body(b->str);
	lang = template_file_lang(path);
	out->html = template_html_body(out->text, out->subject, lang);
	g_free(lang);
	g_string_free(s, TRUE);
	g_string_free(b, TRUE);
	ret = 0;
	if (strict && *out->subject == '\0') {
		template_result_clear(out);
		ret = fault_perm(f, "%s: the subject is empty", path);
	}
out:
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
