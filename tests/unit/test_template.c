/* test_template.c: the template language, its three outputs (the HTML
 * part's layout too), one-pass expansion, syntax errors, strict checking
 * and the lookup order. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>

#include "tap.h"
#include "template.h"

static char *tmp_root;

/* The HTML part's blocks as template.c writes them. */
#define P "<p style=\"margin:0 0 1em 0\">"
#define IND "<p style=\"margin:0 0 1em 0;padding:0 0 0 1.5em\">"
#define UL "<ul style=\"margin:0 0 1em 0;padding:0 0 0 1.5em\">\n"
#define LI "<li style=\"margin:0 0 .2em 0\">"
#define TD "<td style=\"padding:0 1em .2em 0;vertical-align:top;white-space:nowrap;color:#5f6368\">"
#define TDV "<td style=\"padding:0 0 .2em 0;vertical-align:top;word-break:break-word\">"
#define BLOCK "<div style=\"margin:0 0 1em 0\">"

/* Write a file under the temporary directory, making its directories. */
static char *put(const char *rel, const char *content)
{
	char *path = g_build_filename(tmp_root, rel, NULL), *dir = g_path_get_dirname(path);

	g_mkdir_with_parents(dir, 0700);
	g_file_set_contents(path, content, -1, NULL);
	g_free(dir);
	return path;
}

/* Render template text (written to t/<lang>/x.tmpl) into r; returns the result code. */
static int render(const char *text, const struct template_vars *v, bool strict, struct template_result *r,
		  struct fault *f)
{
	char *path = put("t/en/x.tmpl", text);
	int ret = template_render_file(path, v, strict, r, f);

	g_free(path);
	return ret;
}

/* Render and compare the text body with want. */
static void text_is(const char *tmpl, const struct template_vars *v, const char *want, const char *what)
{
	struct template_result r = { 0 };
	struct fault f = { 0 };

	if (render(tmpl, v, false, &r, &f) < 0) {
		tap_ok(0, "%s", what);
		printf("# fault: %s\n", f.text);
		return;
	}
	tap_is(r.text, want, "%s", what);
	template_result_clear(&r);
}

/* Expect a permanent fault whose text contains want. */
static void bad(const char *tmpl, bool strict, const struct template_vars *v, const char *want, const char *what)
{
	struct template_result r = { 0 };
	struct fault f = { 0 };
	int ret = render(tmpl, v, strict, &r, &f);

	if (!tap_ok(ret < 0 && f.kind == FAULT_PERMANENT && strstr(f.text, want) != NULL && r.text == NULL,
		    "%s", what))
		printf("# message: %s\n# wanted:  %s\n", f.text, want);
	template_result_clear(&r);
}

/* A template of levels nested {{#each l}} around "x", with before and after
 * around them (g_free). */
static char *nested_loops(int levels, const char *before, const char *after)
{
	GString *t = g_string_new("Subject: s\n\n");
	int k;

	g_string_append(t, before);
	for (k = 0; k < levels; k++)
		g_string_append(t, "{{#each l}}");
	g_string_append(t, "x");
	for (k = 0; k < levels; k++)
		g_string_append(t, "{{/each}}");
	g_string_append(t, after);
	g_string_append(t, "\n");
	return g_string_free(t, FALSE);
}

/* Remove the temporary tree. */
static void rm_tree(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *e;

	if (d != NULL) {
		while ((e = g_dir_read_name(d)) != NULL) {
			char *p = g_build_filename(path, e, NULL);

			rm_tree(p);
			g_free(p);
		}
		g_dir_close(d);
	}
	g_remove(path);
}

/* Variables, conditionals and loops. */
static void test_language(void)
{
	struct template_vars *v = template_vars_new(), *item, *sub;
	struct template_result r = { 0 };
	struct fault f = { 0 };

	template_vars_set(v, "name", "Zofia");
	template_vars_set(v, "case_id", "42");
	template_vars_set(v, "empty", "");
	tap_ok(render("Subject: [Desk #{{case_id}}] hi {{ name }}\n\nHello {{name}}!\n", v, false, &r, &f) == 0,
	       "a simple template renders");
	tap_is(r.subject, "[Desk #42] hi Zofia", "subject with variables");
	tap_is(r.text, "Hello Zofia!\n", "body with a variable");
	template_result_clear(&r);
	tap_ok(r.subject == NULL && r.text == NULL && r.html == NULL, "template_result_clear empties the result");

	text_is("Subject: s\n\na{{missing}}b\n", v, "ab\n", "a missing variable renders as nothing");
	text_is("Subject: s\n\n{{#if name}}yes{{else}}no{{/if}} {{#if empty}}yes{{else}}no{{/if}} "
		"{{#if missing}}yes{{else}}no{{/if}} {{#if name}}only{{/if}}.\n", v, "yes no no only.\n",
		"if/else: set, empty, unset, without else");
	text_is("Subject: s\n\n{{#if name}}\nHello {{name}},\n{{else}}\nHello,\n{{/if}}\n\nbody\n", v,
		"Hello Zofia,\n\nbody\n", "lines holding only a directive vanish");
	text_is("Subject: s\n\n{{! a comment for translators }}\nx{{! inline }}y\n", v, "xy\n", "comments");
	text_is("Subject: s\n\n\n\nbody  \n\n\n", v, "body\n", "blank lines at both ends trimmed, one final LF");
	text_is("Subject: s\r\n\r\nline one\r\n{{#if name}}\r\nline two\r\n{{/if}}\r\n", v,
		"line one\nline two\n", "a template with CRLF line ends");

	item = template_vars_add(v, "items");
	template_vars_set(item, "filename", "a.pdf");
	sub = template_vars_add(item, "parts");
	template_vars_set(sub, "p", "1");
	sub = template_vars_add(item, "parts");
	template_vars_set(sub, "p", "2");
	item = template_vars_add(v, "items");
	template_vars_set(item, "filename", "b.png");
	template_vars_set(item, "name", "inner");
	text_is("Subject: s\n\n{{#each items}}\n"
		"- {{filename}} for {{name}}:{{#each parts}} {{p}}/{{items.filename}}{{/each}}\n"
		"{{/each}}\n", v, "- a.pdf for Zofia: 1/a.pdf 2/a.pdf\n- b.png for inner:\n",
		"each: nested lists, names resolve in the item first, then outward; list.field");
	{
		/* nested loops multiply: bounded, not hours (found by fuzz_template) */
		char *deep = nested_loops(14, "", "");
		int k;

		for (k = 0; k < 3; k++)
			template_vars_add(v, "l");
		bad(deep, false, v, "nested {{#each}} too costly", "14 nested loops over 3 items: refused, in bounded time");
		bad(deep, true, v, "nested {{#each}} too costly", "... also when checked strictly");
		text_is("Subject: s\n\n{{#each l}}{{#each l}}x{{/each}}{{/each}}\n", v, "xxxxxxxxx\n",
			"two nested loops over 3 items: 9 times");
		g_free(deep);
	}
	text_is("Subject: s\n\n{{#if items}}has{{/if}}{{#each name}}x{{/each}}{{#each nothing}}x{{/each}}{{items}}.\n",
		v, "has.\n", "a list is true; each over text or nothing is empty; a list as text is empty");
	text_is("Subject: s\n\n{{items.filename}}.\n", v, ".\n", "list.field outside its loop renders nothing");
	template_vars_set(v, "name", NULL);
	text_is("Subject: s\n\n{{#if name}}set{{else}}unset{{/if}}\n", v, "unset\n", "template_vars_set(NULL) unsets");
	template_vars_set(v, "items", "now text");
	text_is("Subject: s\n\n{{items}}\n", v, "now text\n", "a list replaced by text");
	template_vars_free(&v);
	tap_ok(v == NULL, "template_vars_free sets the pointer to NULL");
	template_vars_free(&v);
}

/* Escaping by output, and one pass. */
static void test_outputs(void)
{
	struct template_vars *v = template_vars_new();
	struct template_result r = { 0 };
	struct fault f = { 0 };
	const char *evil = "<script>alert('x')</script> & \"q\"";

	template_vars_set(v, "case_id", "7");
	template_vars_set(v, "evil", evil);
	template_vars_set(v, "subj", "Refund\r\nBcc: victim@example.org\tnow\x01!");
	template_vars_set(v, "curly", "{{case_id}} {{#if case_id}}x{{/if}} {{/each}} {{");
	tap_ok(render("Subject: [D #{{case_id}}] {{subj}}\n\nFirst {{evil}}\nsecond line\n\n   indented\n\nThird {{curly}}\n",
		      v, false, &r, &f) == 0, "render for the escaping tests");
	tap_is(r.subject, "[D #7] Refund Bcc: victim@example.org now !", "subject: CR, LF, TAB, controls stripped");
	tap_ok(strchr(r.subject, '\r') == NULL && strchr(r.subject, '\n') == NULL, "subject is one line");
	tap_ok(strstr(r.text, evil) != NULL, "text body: values as they are");
	tap_ok(strstr(r.html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;") != NULL,
	       "html: & < > \" ' escaped");
	tap_ok(strstr(r.html, "<script") == NULL, "html: no tag from data");
	tap_ok(strstr(r.html, "<meta charset=\"utf-8\">") != NULL && strstr(r.html, "<html lang=\"en\">") != NULL &&
	       strstr(r.html, "<body") != NULL && strstr(r.html, "</html>") != NULL,
	       "html: a minimal document, utf-8, the template's language");
	tap_ok(strstr(r.html, P "First &lt;script&gt;") != NULL &&
	       strstr(r.html, "&quot;q&quot;<br>\nsecond line</p>") != NULL,
	       "html: paragraphs in <p>; after a value, a line break is kept");
	tap_ok(strstr(r.html, "padding:0 0 0 1.5em\">indented</p>") != NULL, "html: an indented line is set in");
	tap_ok(strstr(r.subject, "{{") == NULL, "one pass: subject has no braces from the template");
	tap_ok(strstr(r.text, "Third {{case_id}} {{#if case_id}}x{{/if}} {{/each}} {{\n") != NULL,
	       "one pass: a value with {{...}} stays literal in the text");
	tap_ok(strstr(r.html, "Third {{case_id}} {{#if case_id}}x{{/if}} {{/each}} {{</p>") != NULL,
	       "one pass: ... and in the html");
	template_result_clear(&r);
	tap_ok(render("Subject: {{curly}}\n\nx\n", v, false, &r, &f) == 0 &&
	       strcmp(r.subject, "{{case_id}} {{#if case_id}}x{{/if}} {{/each}} {{") == 0,
	       "one pass: ... and in the subject");
	template_result_clear(&r);
	template_vars_set(v, "bad", "caf\xe9 \xff");
	tap_ok(render("Subject: {{bad}}\n\n{{bad}}\n", v, false, &r, &f) == 0 && g_utf8_validate(r.subject, -1, NULL) &&
	       g_utf8_validate(r.text, -1, NULL) && g_utf8_validate(r.html, -1, NULL),
	       "a value that is not UTF-8 still gives UTF-8 output");
	template_result_clear(&r);
	template_vars_free(&v);
}

/* Render tmpl (as t/en/x.tmpl) into r; false (and a diagnostic) when it fails. */
static bool html_ok(const char *tmpl, const struct template_vars *v, struct template_result *r)
{
	struct fault f = { 0 };

	template_result_clear(r);
	if (render(tmpl, v, false, r, &f) == 0)
		return true;
	printf("# fault: %s\n", f.text);
	return false;
}

/* Whether the HTML part of tmpl holds want. */
static void html_has(const char *tmpl, const struct template_vars *v, const char *want, const char *what)
{
	struct template_result r = { 0 };

	if (!tap_ok(html_ok(tmpl, v, &r) && strstr(r.html, want) != NULL, "%s", what))
		printf("# wanted: %s\n# in:     %s\n", want, r.html ? strstr(r.html, "<div") : "");
	template_result_clear(&r);
}

/* The HTML part: reflow, lists, fields, rules, indented lines. */
static void test_html_layout(void)
{
	struct template_vars *v = template_vars_new(), *item;
	struct template_result r = { 0 };

	template_vars_set(v, "name", "Zofia");
	template_vars_set(v, "long", "a value with a line that is long enough to be reflowed\nits second line");
	html_has("Subject: s\n\nThis is a long line of template prose that wraps at\nseventy-two columns, then\n"
		 "goes on.\n", v, P "This is a long line of template prose that wraps at seventy-two columns, then<br>\n"
		 "goes on.</p>", "reflow: the template's line breaks after long lines become spaces; short lines keep theirs");
	html_has("Subject: s\n\nKind regards,\n{{name}}\n", v, P "Kind regards,<br>\nZofia</p>",
		 "a greeting's short lines keep their breaks");
	html_has("Subject: s\n\n{{long}}\nafter\n", v, "reflowed<br>\nits second line<br>\nafter</p>",
		 "a value's line breaks are kept, and a break right after a value");
	html_has("Subject: s\n\nFirst paragraph.\n\n\nSecond.\n", v, P "First paragraph.</p>\n" P "Second.</p>",
		 "blank lines separate paragraphs");
	html_has("Subject: s\n\nAttachments:\n  - a.pdf\n  * {{name}}\n- three\nAfter.\n", v,
		 P "Attachments:</p>\n" UL LI "a.pdf</li>\n" LI "Zofia</li>\n" LI "three</li>\n</ul>\n" P "After.</p>",
		 "'- ' and '* ' lines (also indented) are a list");
	tap_ok(html_ok("Subject: s\n\n- item one\n", v, &r) && strcmp(r.text, "- item one\n") == 0,
	       "... the text part as written");
	template_vars_set(v, "items", "- not\n- a list");
	html_has("Subject: s\n\n{{items}}\n", v, P "- not<br>\n- a list</p>", "a value's dashes make no list");
	html_has("Subject: s\n\nFrom:    {{name}} <a@example.net>\nSubject: Hello\n\n", v,
		 "<tr>" TD "From:</td>" TDV "Zofia &lt;<a href=\"mailto:a@example.net\"", "'Label:  value' lines are a table");
	html_has("Subject: s\n\nFrom:    x\nSubject: Hello\n", v, TD "Subject:</td>" TDV "Hello</td></tr>\n</table>",
		 "... one space after the label is enough in a run");
	html_has("Subject: s\n\nNote: one line alone\n", v, P "Note: one line alone</p>", "a single 'Label: value' is prose");
	html_has("Subject: s\n\nCase #{{name}} needs attention: now\nQueue:  x\n", v, P "Case #Zofia needs",
		 "a label is the template's text, few words, no '#'");
	html_has("Subject: s\n\nText\n--\nFooter\n", v, "</p>\n<hr style=", "a line of dashes is a rule");
	html_has("Subject: s\n\n  #status open\n  #resolve\n\n", v, IND "#status open<br>\n#resolve</p>",
		 "indented lines keep their breaks");
	item = template_vars_add(v, "att");
	template_vars_set(item, "f", "x.pdf");
	html_has("Subject: s\n\n{{#each att}}\n  - {{f}}\n{{/each}}\n", v, LI "x.pdf</li>", "a list from a loop");
	template_result_clear(&r);
	template_vars_free(&v);
}

/* Addresses and URLs become links: one scan, no regular expression. */
static void test_html_links(void)
{
	struct template_vars *v = template_vars_new();
	struct template_result r = { 0 };
	GString *big = g_string_new(NULL);
	double t[2] = { 0, 0 };
	bool ok = false;
	gint64 t0;
	int k, n;

	template_vars_set(v, "t", "See https://shop.example.net/o?a=1&b=2. Or (https://en.example.org/wiki/Foo_(bar)), "
			  "mail jan.kowalski+x@example.net, not foo@bar, a@b@c.de or http:// alone.");
	tap_ok(html_ok("Subject: s\n\n{{t}}\n", v, &r), "render for the link tests");
	tap_ok(strstr(r.html, "See <a href=\"https://shop.example.net/o?a=1&amp;b=2\" style=\"color:#1d4fa3\">"
			      "https://shop.example.net/o?a=1&amp;b=2</a>. Or (") != NULL,
	       "a URL in a value: a link, escaped, the full stop after it outside");
	tap_ok(strstr(r.html, ">https://en.example.org/wiki/Foo_(bar)</a>), ") != NULL, "a URL's own parentheses stay in it");
	tap_ok(strstr(r.html, "<a href=\"mailto:jan.kowalski+x@example.net\"") != NULL &&
	       strstr(r.html, ">jan.kowalski+x@example.net</a>, not foo@bar, a@b@c.de or http:// alone.") != NULL,
	       "an address: a mailto: link; no link for foo@bar, a@b@c.de, a bare http://");
	html_has("Subject: s\n\nStatus: https://status.example.org and ops@example.org\n", v,
		 "Status: <a href=\"https://status.example.org\"", "the template's own text is linked too");
	template_vars_set(v, "t", "javascript:alert(1) <a href=\"x\">y</a> data:text/html,x");
	tap_ok(html_ok("Subject: s\n\n{{t}}\n", v, &r) && strstr(r.html, "javascript:alert(1) &lt;a href=&quot;x&quot;&gt;y"
								"&lt;/a&gt; data:text/html,x") != NULL,
	       "other schemes and markup are text");
	/* what makes a linkifier slow, 0.35 and 3.5 MB: '@', brackets, dots,
	 * "http"; ten times the input takes about ten times as long (a ratio,
	 * so that it holds under valgrind and the sanitizers too) */
	for (n = 10000; n <= 100000; n *= 10) {
		g_string_truncate(big, 0);
		for (k = 0; k < n; k++)
			g_string_append(big, "@@((((http://a.b))))....x@y.z ");
		for (k = 0; k < n / 2; k++)
			g_string_append(big, "((a@b@c@d.e)");
		template_vars_set(v, "t", big->str);
		t0 = g_get_monotonic_time();
		ok = html_ok("Subject: s\n\n{{t}}\n{{#quote}}\n{{t}}\n{{/quote}}\n", v, &r) && strlen(r.html) > 2 * big->len;
		t[n == 10000 ? 0 : 1] = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	}
	tap_ok(ok, "3.5 MB of '@', brackets and URLs, twice: rendered");
	tap_ok(t[1] < 30 * t[0] + 0.05, "... ten times the input: %.3f s instead of %.3f s (linear: about ten times)",
	       t[1], t[0]);
	g_string_free(big, TRUE);
	template_result_clear(&r);
	template_vars_free(&v);
}

/* {{#quote}}, HTML values, {{#link}}, {{#textpart}} and {{#htmlpart}}. */
static void test_html_blocks(void)
{
	struct template_vars *v = template_vars_new();
	struct template_result r = { 0 };
	char *url;

	template_vars_set(v, "case_id", "7");
	template_vars_set(v, "msg", "\n\nHello,\r\n\r\nthe invoice is wrong: it is a long line that stays a line\n"
			  "<b>thanks</b> {{case_id}}\rZofia\n\n\n");
	tap_ok(html_ok("Subject: s\n\nBefore:\n{{#quote}}\n{{msg}}\n{{/quote}}\nAfter.\n", v, &r), "render a quotation");
	tap_is(r.text, "Before:\n> Hello,\n>\n> the invoice is wrong: it is a long line that stays a line\n"
		       "> <b>thanks</b> {{case_id}}\n> Zofia\nAfter.\n",
	       "text: each line \"> \", blank ones \">\", none at either end, CR and CRLF are line ends");
	tap_ok(strstr(r.html, P "Before:</p>\n<blockquote style=\"margin:0 0 1em 0;padding:.1em 0 .1em 12px;"
			      "border-left:3px solid #c6cbd1;color:#3c4043\">\n" P "Hello,</p>\n" P "the invoice is wrong: "
			      "it is a long line that stays a line<br>\n&lt;b&gt;thanks&lt;/b&gt; {{case_id}}<br>\nZofia</p>\n"
			      "</blockquote>\n" P "After.</p>") != NULL,
	       "html: a blockquote with a left border, every line break kept, escaped, one pass");
	tap_ok(html_ok("Subject: s\n\n{{#quote}}\nouter\n{{#quote}}\ninner\n{{/quote}}\n{{/quote}}\n", v, &r) &&
	       strcmp(r.text, "> outer\n> > inner\n") == 0 && strstr(r.html, "inner</p>\n</blockquote>\n</blockquote>") != NULL,
	       "nested quotations: \"> > \", blockquote in blockquote");
	tap_ok(html_ok("Subject: s\n\n{{#quote}}\n  indented\n{{/quote}}\n", v, &r) &&
	       strstr(r.html, P "&#160;&#160;indented</p>") != NULL, "a quotation keeps its indentation");

	template_vars_set_html(v, "answer", "Bold text {{case_id}}", "<p><b>Bold</b> text {{case_id}}</p>");
	tap_ok(html_ok("Subject: s\n\nHi\n{{answer}}\nBye {{answer}}.\n", v, &r) &&
	       strcmp(r.text, "Hi\nBold text {{case_id}}\nBye Bold text {{case_id}}.\n") == 0,
	       "an HTML value: its text in the text part");
	tap_ok(strstr(r.html, P "Hi</p>\n" BLOCK "<p><b>Bold</b> text {{case_id}}</p></div>\n" P "Bye <p><b>Bold</b>") != NULL,
	       "... its HTML as it is in the HTML part: a block alone on its line, else inline; not expanded");
	template_vars_set_html(v, "answer", "text", NULL);
	html_has("Subject: s\n\n<{{answer}}>\n", v, P "&lt;text&gt;</p>", "template_vars_set_html without HTML: text");
	template_vars_set_html(v, "empty", NULL, "<i>only</i>");
	tap_ok(html_ok("Subject: s\n\n{{#if empty}}set{{/if}}\n", v, &r) && strcmp(r.text, "set\n") == 0,
	       "a value with HTML only is set in {{#if}}");

	url = template_mailto("support+a7.1.00aa@example.org", "Re: [Desk #7] Zażółć & co?", "#resolve\nline\r\n");
	tap_is(url, "mailto:support+a7.1.00aa@example.org?subject=Re%3A%20%5BDesk%20%237%5D%20Za%C5%BC%C3%B3%C5%82%C4%87"
		    "%20%26%20co%3F&body=%23resolve%0D%0Aline%0D%0A", "template_mailto: RFC 6068, UTF-8, %%20, CRLF as %%0D%%0A");
	template_vars_set(v, "url", url);
	g_free(url);
	url = template_mailto("a b@example.org", NULL, "x");
	tap_is(url, "mailto:a%20b@example.org?body=x", "... the address encoded, a body without a subject");
	g_free(url);
	template_vars_set(v, "bad", "javascript:alert(1)");
	tap_ok(html_ok("Subject: s\n\n{{#link url}}Resolve <now>{{/link}} {{#link bad}}Click{{/link}} {{#link none}}X{{/link}}\n",
		       v, &r) && strcmp(r.text, "Resolve <now> Click X\n") == 0, "{{#link}}: the label alone in the text part");
	tap_ok(strstr(r.html, "<a href=\"mailto:support+a7.1.00aa@example.org?subject=Re%3A%20%5BDesk%20%237%5D%20Za%C5%BC"
			      "%C3%B3%C5%82%C4%87%20%26%20co%3F&amp;body=%23resolve%0D%0Aline%0D%0A\" style=\"display:inline-block;") != NULL &&
	       strstr(r.html, "\">Resolve &lt;now&gt;</a> Click X</p>") != NULL,
	       "... a button in the HTML part; a javascript: or unset URL: the label alone");
	template_vars_set(v, "t", "a\nb https://x.example.org");
	html_has("Subject: s\n\n{{#link url}}{{t}}{{/link}}\n", v, "\">a b https://x.example.org</a></p>",
		 "a link's label: one line, no link inside");
	tap_ok(html_ok("Subject: s\n\nboth\n{{#textpart}}\ntext only\n{{/textpart}}\n{{#htmlpart}}\nhtml only\n{{/htmlpart}}\n",
		       v, &r) && strcmp(r.text, "both\ntext only\n") == 0 && strstr(r.html, "both<br>\nhtml only</p>") != NULL &&
	       strstr(r.html, "text only") == NULL, "{{#textpart}} and {{#htmlpart}}: each in its part only");
	template_result_clear(&r);
	template_vars_free(&v);
}

/* The new directives' errors, strict checks, the step bound for both parts. */
static void test_html_errors(void)
{
	struct template_vars *v = template_vars_new(), *item;
	struct template_result r = { 0 };
	struct fault f = { 0 };
	GString *deep = g_string_new("Subject: s\n\n");
	char *loops;
	int k;

	bad("Subject: s\n\n{{#quote x}}\n{{/quote}}\n", false, v, "x.tmpl:3: {{#quote}} takes no variable name",
	    "{{#quote NAME}}: an error");
	bad("Subject: s\n\n{{#quote}}\nx\n", false, v, "x.tmpl:3: {{#quote}} is not closed with {{/quote}}", "unclosed quote");
	bad("Subject: s\n\n{{#if a}}\n{{/quote}}\n", false, v, "x.tmpl:4: {{/quote}} closes the {{#if a}} of line 3",
	    "mismatched /quote");
	bad("Subject: s\n\n{{#link}}x{{/link}}\n", false, v, "{{#link}} needs a variable name", "link without a name");
	bad("Subject: s\n\n{{#link a}}{{#link b}}x{{/link}}{{/link}}\n", false, v, "x.tmpl:3: {{#link b}} inside a {{#link}}",
	    "a link in a link");
	bad("Subject: s\n\n{{#link a}}\n{{#quote}}\n{{/quote}}\n{{/link}}\n", false, v, "x.tmpl:4: {{#quote}} inside a {{#link}}",
	    "a quotation in a link");
	bad("Subject: s\n\n{{#textpart}}\n{{#htmlpart}}\n{{/htmlpart}}\n{{/textpart}}\n", false, v,
	    "x.tmpl:4: {{#htmlpart}} inside a {{#textpart}} or {{#htmlpart}}", "a part in a part");
	for (k = 0; k < 9; k++)
		g_string_append(deep, "{{#quote}}\n");
	bad(deep->str, false, v, "x.tmpl:11: {{#quote}} nested more than 8 deep", "nine nested quotations: an error");
	bad("Subject: s\n\n{{#quote}}{{#quote}}{{/quote}}{{/quote}}{{#textpart}}{{/textpart}}{{#unless}}\n", false, v,
	    "unknown directive {{#unless}} (known: #if NAME, else, /if, #each LIST, /each, #quote, /quote, #link NAME,",
	    "the error lists the directives");
	bad("Subject: s\n\n{{/frob}}\n", false, v, "x.tmpl:3: unknown directive {{/frob}}", "unknown closing directive");
	template_vars_set(v, "known", "k");
	item = template_vars_add(v, "list");
	template_vars_set(item, "f", "1");
	bad("Subject: s\n\n{{#link nourl}}x{{/link}}\n", true, v, "x.tmpl:3: unknown variable 'nourl'", "strict: a link's URL");
	bad("Subject: s\n\n{{#link list}}x{{/link}}\n", true, v, "'list' is a list", "strict: a list as a link's URL");
	bad("Subject: s\n\n{{#link known}}{{typo}}{{/link}}\n", true, v, "x.tmpl:3: unknown variable 'typo'",
	    "strict: inside a link");
	bad("Subject: s\n\n{{#quote}}\n{{#htmlpart}}\n{{typo}}\n{{/htmlpart}}\n{{/quote}}\n", true, v,
	    "x.tmpl:5: unknown variable 'typo'", "strict: inside a quotation and a part");
	tap_ok(render("Subject: s\n\n{{#quote}}{{known}}{{/quote}}{{#htmlpart}}{{#link known}}x{{/link}}{{/htmlpart}}\n", v,
		      true, &r, &f) == 0, "strict: known names in the new blocks pass");
	template_result_clear(&r);
	/* 12 nested loops over 3 items: 1.3 million visits a rendering; the
	 * text and the HTML part each stay within the 2 million */
	for (k = 0; k < 3; k++)
		template_vars_add(v, "l");
	loops = nested_loops(12, "", "");
	tap_ok(render(loops, v, false, &r, &f) == 0 && strlen(r.text) == 531441 + 1 &&
	       strstr(r.html, "xxxxxxxxxx</p>") != NULL, "1.3 million visits: both parts rendered (a budget each)");
	template_result_clear(&r);
	g_free(loops);
	loops = nested_loops(13, "{{#quote}}", "{{/quote}}");
	bad(loops, false, v, "nested {{#each}} too costly", "13 levels in a quotation: refused");
	g_free(loops);
	g_string_free(deep, TRUE);
	template_vars_free(&v);
}

/* Syntax errors name FILE:LINE; strict mode finds unknown names. */
static void test_errors(void)
{
	struct template_vars *v = template_vars_new(), *item;
	char *path;

	bad("Subject: s\n\nline 3\nline {{name\n", false, v, "/t/en/x.tmpl:4: unclosed tag", "unclosed tag: FILE:LINE");
	bad("Subject: s\n\n{{#if a}}\nx\n", false, v, "x.tmpl:3: {{#if a}} is not closed", "unclosed if names its line");
	bad("Subject: s\n\nx\n{{/if}}\n", false, v, "x.tmpl:4: {{/if}} without an opening", "stray /if");
	bad("Subject: s\n\n{{#each a}}\n{{/if}}\n", false, v, "x.tmpl:4: {{/if}} closes the {{#each a}} of line 3",
	    "mismatched close");
	bad("Subject: s\n\n{{else}}\n", false, v, "x.tmpl:3: {{else}} outside {{#if}}", "else outside if");
	bad("Subject: s\n\n{{#if a}}{{else}}{{else}}{{/if}}\n", false, v, "x.tmpl:3: a second {{else}}", "two elses");
	bad("Subject: s\n\nok\n{{#unless a}}\n", false, v, "x.tmpl:4: unknown directive {{#unless a}}", "unknown directive");
	bad("Subject: s\n\n{{#if}}\n", false, v, "x.tmpl:3: {{#if}} needs a variable name", "if without a name");
	bad("Subject: s\n\n{{a-b}}\n", false, v, "x.tmpl:3: bad variable name 'a-b'", "bad variable name");
	bad("Subject: {{#if x}}\n\nbody\n", false, v, "x.tmpl:1: {{#if x}} is not closed", "error in the subject: line 1");
	bad("From: x\nSubject: s\n\nbody\n", false, v, "x.tmpl:1: expected 'Subject: ...'", "unknown header");
	bad("Subject: s\nSubject: t\n\nbody\n", false, v, "x.tmpl:2: a second Subject:", "two subjects");
	bad("Subject: s\n", false, v, "x.tmpl:2: the header ends without a blank line", "no blank line");
	bad("\nbody\n", false, v, "x.tmpl:1: the template must start with a 'Subject: ...'", "no subject");
	bad("Subject: s\n\nok\nna\xc5\n", false, v, "x.tmpl:4: not valid UTF-8", "invalid UTF-8 names its line");

	template_vars_set(v, "known", "k");
	item = template_vars_add(v, "list");
	template_vars_set(item, "f", "1");
	bad("Subject: s\n\n{{known}}\n{{unknown}}\n", true, v, "x.tmpl:4: unknown variable 'unknown'",
	    "strict: unknown variable named with FILE:LINE");
	bad("Subject: {{nope}}\n\nx\n", true, v, "x.tmpl:1: unknown variable 'nope'", "strict: in the subject");
	bad("Subject: s\n\n{{#if known}}\nyes\n{{else}}\n{{typo}}\n{{/if}}\n", true, v,
	    "x.tmpl:6: unknown variable 'typo'", "strict: also in the branch not taken");
	bad("Subject: s\n\n{{#each list}}{{g}}{{/each}}\n", true, v, "x.tmpl:3: unknown variable 'g'",
	    "strict: inside a loop");
	bad("Subject: s\n\n{{list}}\n", true, v, "'list' is a list", "strict: a list used as text");
	bad("Subject: s\n\n{{#each known}}{{/each}}\n", true, v, "'known' is not a list", "strict: each over text");
	bad("Subject: s\n\n{{list.f}}\n", true, v, "x.tmpl:3: {{list.f}} is outside {{#each list}}",
	    "strict: list.field outside its loop");
	bad("Subject: {{#if x}}{{/if}}\n\nx\n", true, v, "unknown variable 'x'", "strict: if over an unknown name");
	{
		struct template_result r = { 0 };
		struct fault f = { 0 };

		tap_ok(render("Subject: s {{known}}\n\n{{#each list}}{{f}} {{known}} {{list.f}}{{/each}}\n", v, true,
			      &r, &f) == 0, "strict: a template using only known names renders");
		template_result_clear(&r);
		tap_ok(render("Subject: s\n\n{{unknown}}\n", v, false, &r, &f) == 0 && strcmp(r.text, "\n") == 0,
		       "not strict: the same unknown name renders as nothing");
		template_result_clear(&r);
		path = g_build_filename(tmp_root, "t", "en", "missing.tmpl", NULL);
		tap_ok(template_render_file(path, v, false, &r, &f) < 0 && f.kind == FAULT_TEMPORARY,
		       "an unreadable template file is a temporary fault: %s", f.text);
		g_free(path);
	}
	template_vars_free(&v);
}

/* Render name through the lookup and return the subject (g_free), or NULL. */
static char *lookup(const char *over, const char *builtin, const char *lang, const char *fallback,
		    const char *name, struct fault *f)
{
	struct template_vars *v = template_vars_new();
	struct template_result r = { 0 };
	char *s = NULL;

	if (template_render(over, builtin, lang, fallback, name, v, &r, f) == 0)
		s = g_strdup(r.subject);
	template_result_clear(&r);
	template_vars_free(&v);
	return s;
}

/* Order strings in a GPtrArray. */
static gint cmp_str(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* override/lang, builtin/lang, override/fallback, builtin/fallback. */
static void test_lookup(void)
{
	char *over = g_build_filename(tmp_root, "over", NULL), *builtin = g_build_filename(tmp_root, "builtin", NULL);
	const char *files[] = {
		"over/pl/a.tmpl", "builtin/pl/a.tmpl", "over/en/a.tmpl", "builtin/en/a.tmpl",
		"builtin/pl/b.tmpl", "over/en/b.tmpl", "builtin/en/b.tmpl",
		"over/en/c.tmpl", "builtin/en/c.tmpl", "builtin/en/d.tmpl", "over/cs/e.tmpl",
	};
	struct fault f = { 0 };
	char *s, *path = NULL;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(files); i++) {
		char *text = g_strdup_printf("Subject: %s\n\nx\n", files[i]);

		g_free(put(files[i], text));
		g_free(text);
	}
	s = lookup(over, builtin, "pl", "en", "a", &f);
	tap_is(s, "over/pl/a.tmpl", "1. the override in the language");
	g_free(s);
	s = lookup(over, builtin, "pl", "en", "b", &f);
	tap_is(s, "builtin/pl/b.tmpl", "2. the builtin in the language");
	g_free(s);
	s = lookup(over, builtin, "pl", "en", "c", &f);
	tap_is(s, "over/en/c.tmpl", "3. the override in the fallback language");
	g_free(s);
	s = lookup(over, builtin, "pl", "en", "d", &f);
	tap_is(s, "builtin/en/d.tmpl", "4. the builtin in the fallback language");
	g_free(s);
	s = lookup(NULL, builtin, "pl", "en", "a", &f);
	tap_is(s, "builtin/pl/a.tmpl", "no override directory");
	g_free(s);
	s = lookup("", builtin, "de", "en", "a", &f);
	tap_is(s, "builtin/en/a.tmpl", "an empty override is none; a language without templates falls back");
	g_free(s);
	s = lookup(over, builtin, "pl", "en", "e", &f);
	tap_ok(s == NULL && f.kind == FAULT_PERMANENT && strstr(f.text, "template 'e' not found") != NULL &&
	       strstr(f.text, "builtin/en/e.tmpl") != NULL, "not found anywhere: permanent, naming the places: %s", f.text);
	g_free(s);
	s = lookup(over, builtin, "../pl", "en", "a", &f);
	tap_is(s, "over/en/a.tmpl", "a language that is no tag ('../pl') is never a path: the fallback is used");
	g_free(s);
	s = lookup(over, builtin, "PL_pl", "en", "b", &f);
	tap_is(s, "builtin/pl/b.tmpl", "pl_PL is tried as pl-pl, then pl");
	g_free(s);
	s = lookup(over, builtin, NULL, "en", "d", &f);
	tap_is(s, "builtin/en/d.tmpl", "no language: the fallback");
	g_free(s);
	s = lookup(over, builtin, "pl", "../en", "a", &f);
	tap_ok(s == NULL && f.kind == FAULT_PERMANENT, "a bad fallback language is refused: %s", f.text);
	g_free(s);
	s = lookup(over, builtin, "pl", "en", "../a", &f);
	tap_ok(s == NULL && f.kind == FAULT_PERMANENT, "a template name with '/' is refused: %s", f.text);
	g_free(s);
	tap_ok(template_find(over, builtin, "cs", NULL, "e", &path, &f) == 0 && g_str_has_suffix(path, "over/cs/e.tmpl"),
	       "template_find without a fallback");
	g_free(path);
	{
		GPtrArray *langs = g_ptr_array_new_with_free_func(g_free);
		char *odd = g_build_filename(over, "Old templates", NULL), *file = g_build_filename(over, "de", NULL), *got;

		g_mkdir_with_parents(odd, 0700);
		g_file_set_contents(file, "not a directory", -1, NULL);
		template_languages(over, langs);
		template_languages(builtin, langs);
		template_languages(NULL, langs);
		template_languages("/nonexistent", langs);
		g_ptr_array_sort(langs, cmp_str);
		g_ptr_array_add(langs, NULL);
		got = g_strjoinv(" ", (char **)langs->pdata);
		tap_is(got, "cs en pl", "template_languages: the language directories of both, each once");
		g_free(got);
		g_ptr_array_free(langs, TRUE);
		g_free(odd);
		g_free(file);
	}
	g_free(over);
	g_free(builtin);
}

/* template_render_text: the same results from memory, the path only names it. */
static void test_in_memory(void)
{
	const char *tmpl = "Subject: [{{x}}] hi\n\n{{#if x}}\nx is {{x}}\n{{/if}}\n";
	struct template_vars *v = template_vars_new();
	struct template_result r = { 0 }, rf = { 0 };
	struct fault f = { 0 };
	int ret;

	template_vars_set(v, "x", "1");
	ret = template_render_text("/nonexistent/cs/x.tmpl", tmpl, v, true, &r, &f);
	tap_ok(ret == 0 && r.text != NULL && strcmp(r.text, "x is 1\n") == 0 && strcmp(r.subject, "[1] hi") == 0,
	       "template_render_text renders text that is in no file");
	tap_ok(ret == 0 && strstr(r.html, "<html lang=\"cs\">") != NULL, "its path's directory is the language");
	render(tmpl, v, true, &rf, &f);
	tap_ok(ret == 0 && rf.html != NULL && strcmp(r.text, rf.text) == 0 && strcmp(r.subject, rf.subject) == 0,
	       "the same result as the file rendered");
	template_result_clear(&r);
	template_result_clear(&rf);
	ret = template_render_text("mem/en/y.tmpl", "Subject: a\n\n{{#if x}}\n", v, false, &r, &f);
	tap_ok(ret < 0 && f.kind == FAULT_PERMANENT && strstr(f.text, "mem/en/y.tmpl:3:") != NULL && r.text == NULL,
	       "errors name the given path and line: %s", f.text);
	template_vars_free(&v);
}

int main(void)
{
	size_t n;

	tmp_root = g_dir_make_tmp("test_template.XXXXXX", NULL);
	if (tmp_root == NULL) {
		printf("Bail out! cannot make a temporary directory\n");
		return 1;
	}
	for (n = 0; template_names[n] != NULL; n++)
		;
	tap_ok(n == 21 && strcmp(template_names[0], "ack") == 0 && strcmp(template_names[10], "agent_unverified") == 0 &&
	       strcmp(template_names[14], "attachments") == 0 && strcmp(template_names[15], "handed_back") == 0 &&
	       strcmp(template_names[17], "low_rating") == 0 && strcmp(template_names[18], "too_large") == 0 &&
	       strcmp(template_names[19], "digest") == 0 && strcmp(template_names[20], "report") == 0,
	       "template_names has the twenty-one templates");
	test_language();
	test_outputs();
	test_html_layout();
	test_html_links();
	test_html_blocks();
	test_html_errors();
	test_errors();
	test_lookup();
	test_in_memory();
	rm_tree(tmp_root);
	g_free(tmp_root);
	return tap_done();
}
