/* htmlcheck.c: test helper that checks the HTML part of postdesk's own
 * mail with libxml2's HTML parser: no parse error, nothing active (script,
 * style, images, frames, forms), every link mailto: or http(s), and every
 * mailto: link to a token address signed with the key file's key.
 *   htmlcheck KEYFILE < MESSAGE
 *     the message's text/html part; one line per mailto: link:
 *     "link ROLE CASE BODY | SUBJECT | ADDRESS" (ROLE and CASE "-" for an
 *     address without a token, BODY and SUBJECT "-" when none); exit 1 on
 *     any problem.
 *   htmlcheck --templates KEYFILE DIR [OUT]
 *     every template of every language in DIR rendered with the sample data
 *     (template_sample.h); the action links (answer_url, note_url,
 *     resolve_url, assign_url, priority_url) must all be there with the
 *     agent or note token and a command that agentcmd understands.
 *     "ok LANG/NAME: N links" or "FAIL LANG/NAME: why"; with OUT, the
 *     parts are written to OUT/LANG-NAME.html and .txt. */
#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agentcmd.h"
#include "keyring.h"
#include "mail.h"
#include "template.h"
#include "template_sample.h"
#include "token.h"

/* One mailto: link, decoded. */
struct link {
	char *addr, *subject, *body, *text;
	char role[4];		/* "" without a token, "BAD" for a bad one */
	long long case_id;
};

struct check {
	const struct keyring *ring;
	GPtrArray *links;	/* struct link * */
	GString *problems;
};

/* Record a problem. */
G_GNUC_PRINTF(2, 3)
static void check_problem(struct check *c, const char *fmt, ...)
{
	va_list ap;

	g_string_append(c->problems, c->problems->len > 0 ? "; " : "");
	va_start(ap, fmt);
	g_string_append_vprintf(c->problems, fmt, ap);
	va_end(ap);
}

/* libxml2's errors and warnings, as problems. */
static void check_xml_error(void *data, const xmlError *e)
{
	struct check *c = data;
	char *msg = g_strdup_printf("line %d: %s", e->line, e->message ? g_strchomp(e->message) : "?");

	check_problem(c, "parse: %s", msg);
	g_free(msg);
}

/* Free a link (GDestroyNotify). */
static void link_free(gpointer p)
{
	struct link *l = p;

	g_free(l->addr);
	g_free(l->subject);
	g_free(l->body);
	g_free(l->text);
	g_free(l);
}

/* The value of a mailto: header field (hfname=...) in query, decoded, or NULL. */
static char *mailto_field(const char *query, const char *name)
{
	char **fields = g_strsplit(query, "&", -1), *v = NULL;
	size_t nlen = strlen(name);
	int i;

	for (i = 0; fields[i] != NULL && v == NULL; i++)
		if (strncmp(fields[i], name, nlen) == 0 && fields[i][nlen] == '=')
			v = g_uri_unescape_string(fields[i] + nlen + 1, NULL);
	g_strfreev(fields);
	return v;
}

/* Decode and check one mailto: link. */
static void check_mailto(struct check *c, const char *href, const char *text)
{
	struct link *l = g_new0(struct link, 1);
	const char *q = strchr(href, '?'), *plus, *at;
	char *to = g_strndup(href + 7, q != NULL ? (size_t)(q - href - 7) : strlen(href + 7));
	struct fault f = { 0 };

	l->addr = g_uri_unescape_string(to, NULL);
	l->subject = q != NULL ? mailto_field(q + 1, "subject") : NULL;
	l->body = q != NULL ? mailto_field(q + 1, "body") : NULL;
	l->text = g_strdup(text);
	g_free(to);
	if (l->addr == NULL) {
		check_problem(c, "a mailto: address that does not decode: %s", href);
		link_free(l);
		return;
	}
	plus = strchr(l->addr, '+');
	at = strrchr(l->addr, '@');
	if (plus != NULL && at != NULL && plus < at) {
		char *token = g_strndup(plus + 1, (size_t)(at - plus - 1));

		if (token_check(c->ring, token, &l->case_id, l->role, &f) < 0) {
			strcpy(l->role, "BAD");
			check_problem(c, "a token that does not verify: %s", l->addr);
		}
		g_free(token);
	}
	g_ptr_array_add(c->links, l);
}

/* Walk the tree: no active content, every link checked. */
static void check_nodes(struct check *c, xmlNode *n)
{
	static const char *const banned[] = { "script", "style", "img", "iframe", "frame", "object", "embed", "form",
					      "link", "base", "input", NULL };

	for (; n != NULL; n = n->next) {
		int i;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (i = 0; banned[i] != NULL; i++)
			if (xmlStrcasecmp(n->name, (const xmlChar *)banned[i]) == 0)
				check_problem(c, "<%s> in the HTML", banned[i]);
		if (xmlStrcasecmp(n->name, (const xmlChar *)"a") == 0) {
			xmlChar *href = xmlGetProp(n, (const xmlChar *)"href"), *text = xmlNodeGetContent(n);
			const char *h = href != NULL ? (const char *)href : "";

			if (g_ascii_strncasecmp(h, "mailto:", 7) == 0)
				check_mailto(c, h, text != NULL ? (const char *)text : "");
			else if (g_ascii_strncasecmp(h, "http://", 7) != 0 && g_ascii_strncasecmp(h, "https://", 8) != 0)
				check_problem(c, "a link that is neither mailto: nor http(s): '%s'", h);
			xmlFree(href);
			xmlFree(text);
		}
		check_nodes(c, n->children);
	}
}

/* Parse html and check it into c. */
static void check_html(struct check *c, const char *html)
{
	htmlDocPtr doc;

	xmlSetStructuredErrorFunc(c, (xmlStructuredErrorFunc)check_xml_error);
	doc = htmlReadMemory(html, (int)strlen(html), "part.html", "UTF-8", HTML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (doc == NULL) {
		check_problem(c, "%s", "libxml2 read no document");
		return;
	}
	check_nodes(c, xmlDocGetRootElement(doc));
	xmlFreeDoc(doc);
}

/* The link whose decoded URL is the value of name in v, or NULL. */
static const struct link *check_find(const struct check *c, const struct template_vars *v, const char *name)
{
	const char *url = template_vars_get(v, name);
	guint i;

	for (i = 0; url != NULL && i < c->links->len; i++) {
		const struct link *l = g_ptr_array_index(c->links, i);
		char *want = template_mailto(l->addr, l->subject, l->body);
		bool same = strcmp(want, url) == 0;

		g_free(want);
		if (same)
			return l;
	}
	return NULL;
}

/* The actions of an agent's mail: every one a link, to the right token
 * address, its body a command agentcmd carries out. */
static void check_actions(struct check *c, const struct template_vars *v)
{
	static const struct {
		const char *name, *role, *body;
	} actions[] = {
		{ "answer_url", TOKEN_ROLE_AGENT, NULL }, { "note_url", TOKEN_ROLE_NOTE, NULL },
		{ "resolve_url", TOKEN_ROLE_AGENT, "#resolve" }, { "assign_url", TOKEN_ROLE_AGENT, "#assign me" },
		{ "priority_url", TOKEN_ROLE_AGENT, "#priority high" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(actions); i++) {
		const struct link *l = check_find(c, v, actions[i].name);
		struct agentcmd cmd;

		if (l == NULL) {
			check_problem(c, "no link for %s", actions[i].name);
			continue;
		}
		if (strcmp(l->role, actions[i].role) != 0 || l->case_id != TEMPLATE_SAMPLE_CASE)
			check_problem(c, "%s: not the case's token of the right role", actions[i].name);
		if (l->subject == NULL || strstr(l->subject, "#" G_STRINGIFY(TEMPLATE_SAMPLE_CASE) "]") == NULL)
			check_problem(c, "%s: the subject has no case tag", actions[i].name);
		if (g_strcmp0(l->body, actions[i].body) != 0)
			check_problem(c, "%s: not the command", actions[i].name);
		if (l->text[strspn(l->text, " \t\n")] == '\0')
			check_problem(c, "%s: a link without a label", actions[i].name);
		agentcmd_parse(l->body, &cmd);
		if (cmd.error != NULL || (l->body != NULL && !cmd.set_status && !cmd.set_priority && !cmd.assign_me))
			check_problem(c, "%s: agentcmd does not act on it", actions[i].name);
		agentcmd_clear(&cmd);
	}
}

/* Write a file into out, named LANG-NAME.EXT. */
static void write_part(const char *out, const char *lang, const char *name, const char *ext, const char *text)
{
	char *file = g_strdup_printf("%s-%s.%s", lang, name, ext), *path = g_build_filename(out, file, NULL);

	g_file_set_contents(path, text, -1, NULL);
	g_free(path);
	g_free(file);
}

/* Render and check one template; 0 when fine. */
static int check_template(const struct keyring *ring, const char *dir, const char *lang, const char *name,
			  const char *out)
{
	char *file = g_strconcat(name, ".tmpl", NULL), *path = g_build_filename(dir, lang, file, NULL);
	struct template_vars *v = template_sample_vars(name, "Helpdesk", ring);
	struct check c = { ring, g_ptr_array_new_with_free_func(link_free), g_string_new(NULL) };
	struct template_result r = { 0 };
	struct fault f = { 0 };
	int ret = 0;

	if (template_render_file(path, v, true, &r, &f) < 0) {
		check_problem(&c, "%s", f.text);
	} else {
		check_html(&c, r.html);
		if (template_vars_get(v, "answer_url") != NULL)
			check_actions(&c, v);
		if (out != NULL) {
			write_part(out, lang, name, "html", r.html);
			write_part(out, lang, name, "txt", r.text);
		}
	}
	if (c.problems->len > 0) {
		printf("FAIL %s/%s: %s\n", lang, name, c.problems->str);
		ret = -1;
	} else {
		printf("ok %s/%s: %u links\n", lang, name, c.links->len);
	}
	template_result_clear(&r);
	template_vars_free(&v);
	g_ptr_array_free(c.links, TRUE);
	g_string_free(c.problems, TRUE);
	g_free(path);
	g_free(file);
	return ret;
}

/* --templates: every template of every language directory of dir. */
static int check_templates(const struct keyring *ring, const char *dir, const char *out)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *e;
	int failed = 0, k;

	if (d == NULL) {
		fprintf(stderr, "htmlcheck: cannot read %s\n", dir);
		return 2;
	}
	while ((e = g_dir_read_name(d)) != NULL) {
		char *sub = g_build_filename(dir, e, NULL);

		for (k = 0; g_file_test(sub, G_FILE_TEST_IS_DIR) && template_names[k] != NULL; k++)
			failed += check_template(ring, dir, e, template_names[k], out) < 0;
		g_free(sub);
	}
	g_dir_close(d);
	return failed > 0;
}

/* A message on stdin: its HTML part and its mailto: links. */
static int check_message(const struct keyring *ring)
{
	struct check c = { ring, g_ptr_array_new_with_free_func(link_free), g_string_new(NULL) };
	GString *raw = g_string_new(NULL);
	struct mail *m = NULL;
	struct fault f = { 0 };
	char buf[65536];
	size_t n;
	guint i;
	int ret;

	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		g_string_append_len(raw, buf, (gssize)n);
	if (mail_parse(raw->str, raw->len, &m, &f) < 0)
		check_problem(&c, "%s", f.text);
	else if (m->body_html == NULL)
		check_problem(&c, "%s", "no text/html part");
	else
		check_html(&c, m->body_html);
	for (i = 0; i < c.links->len; i++) {
		const struct link *l = g_ptr_array_index(c.links, i);

		if (l->role[0] == '\0')
			printf("link - - %s | %s | %s\n", l->body ? l->body : "-", l->subject ? l->subject : "-", l->addr);
		else
			printf("link %s %lld %s | %s | %s\n", l->role, l->case_id, l->body ? l->body : "-",
			       l->subject ? l->subject : "-", l->addr);
	}
	ret = c.problems->len > 0;
	if (ret)
		printf("FAIL: %s\n", c.problems->str);
	mail_free(&m);
	g_string_free(raw, TRUE);
	g_ptr_array_free(c.links, TRUE);
	g_string_free(c.problems, TRUE);
	return ret;
}

int main(int argc, char **argv)
{
	bool templates = argc >= 4 && strcmp(argv[1], "--templates") == 0;
	struct keyring *ring = NULL;
	struct fault f = { 0 };
	int ret;

	if (!(argc == 2 || (templates && argc <= 5))) {
		fprintf(stderr, "usage: htmlcheck KEYFILE < MESSAGE | htmlcheck --templates KEYFILE DIR [OUT]\n");
		return 2;
	}
	if (keyring_load(argv[templates ? 2 : 1], &ring, &f) < 0) {
		fprintf(stderr, "htmlcheck: %s\n", f.text);
		return 2;
	}
	ret = templates ? check_templates(ring, argv[3], argc == 5 ? argv[4] : NULL) : check_message(ring);
	keyring_free(&ring);
	xmlCleanupParser();
	return ret;
}
