/* test_html.c: HTML to readable text. */
#include <glib.h>

#include "html.h"
#include "tap.h"

/* Convert html and compare with want. */
static void check(const char *html, const char *want, const char *what)
{
	char *got = html_to_text(html);

	tap_is(got, want, "%s", what);
	tap_ok(g_utf8_validate(got, -1, NULL), "%s: valid UTF-8", what);
	g_free(got);
}

/* Hostile input of n units: 0, a <pre> of n blank lines and n <br>; 1, 4n
 * '<'; 2, n levels of unclosed nesting; 3, n unclosed quoted attributes. */
static GString *hostile(int kind, int n)
{
	static const char *const units[] = { "\n", "<<<<", "<div><blockquote><a href=\"x\">", "<a x=\"" };
	GString *s = g_string_new(kind == 0 ? "<pre>" : "");
	int i;

	for (i = 0; i < n; i++)
		g_string_append(s, units[kind]);
	for (i = 0; kind == 0 && i < n; i++)
		g_string_append(s, "<br>");
	g_string_append(s, kind == 0 ? "</pre>end" : kind == 2 ? "deep" : "");
	return s;
}

/* Seconds html_to_text takes on hostile(kind, n); the length of its text. */
static double timed(int kind, int n, size_t *len_r)
{
	GString *s = hostile(kind, n);
	gint64 t = g_get_monotonic_time();
	char *out = html_to_text(s->str);

	t = g_get_monotonic_time() - t;
	*len_r = strlen(out);
	g_free(out);
	g_string_free(s, TRUE);
	return (double)t / G_USEC_PER_SEC;
}

/* Ten times the input takes about ten times as long, not a hundred: a
 * ratio, so that it holds under valgrind and the sanitizers too. */
static void check_linear(int kind, int n, size_t want_len, const char *what)
{
	size_t len;
	double t1 = timed(kind, n, &len), t10 = timed(kind, 10 * n, &len);

	tap_ok(t10 < 30 * t1 + 0.05, "%s: ten times the input, %.3f s instead of %.3f s (linear: about ten times)",
	       what, t10, t1);
	tap_int((long long)len, (long long)want_len, "%s: the text", what);
}

/* Hostile input stays linear (issue 13): 200,000 blank lines in a <pre>
 * and 200,000 <br> took 26 s when each <br> counted every line break
 * before it; also 4 MB of '<', deep nesting, unclosed quotes. */
static void test_hostile(void)
{
	check_linear(0, 20000, 200000 + 3, "<br> after as many blank lines of a <pre>");
	check_linear(1, 100000, 4000000, "'<' alone");
	check_linear(2, 20000, 600003, "unclosed nesting (each link shown as its target)");
	check_linear(3, 50000, 0, "unclosed quoted attributes");
}

int main(void)
{
	/* blocks and white space */
	check("<p>Hello</p><p>World</p>", "Hello\n\nWorld", "paragraphs");
	check("a<br>b<br/>c<BR >d", "a\nb\nc\nd", "line breaks");
	check("  lots   of\n\n  space  ", "lots of space", "white space collapsed");
	check("<div>a</div><div>b</div>", "a\nb", "divs on their own lines");
	check("<h1>Title</h1>text", "Title\n\ntext", "heading");
	check("<blockquote>quoted</blockquote>after", "quoted\n\nafter", "blockquote");
	check("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n3", "table rows");
	check("<ul><li>one</li><li>two</li></ul>", "- one\n- two", "list items");
	check("<ol><li>first<li>second</ol>", "- first\n- second", "unclosed list items");
	check("<ul><li></li><li><p>para</p></li></ul>", "- para", "empty item dropped, paragraph in an item");
	check("<p>x</p><p></p><p></p><p>y</p>", "x\n\ny", "empty paragraphs give one blank line");
	check("<pre>a  b\n  c</pre>d", "a  b\n  c\n\nd", "pre keeps white space");
	check("<P>Upper</P>", "Upper", "tags in upper case");
	check("<b>bold</b> and <i>it</i>alic", "bold and italic", "inline tags add nothing");

	/* entities */
	check("&amp; &lt;b&gt; &quot;q&quot; &apos;a&apos; &#233; &#x17C; &#X17b; &euro; &nbsp;x",
	      "& <b> \"q\" 'a' é ż Ż € x", "entities");
	check("&eacute;t&eacute; &copy; 2024 &hellip; a&mdash;b&ndash;c &laquo;q&raquo;",
	      "été © 2024 … a—b–c «q»", "named entities");
	check("&bogus; &#xFFFFFFFF; &#0; & alone &amp", "&bogus; &#xFFFFFFFF; &#0; & alone &amp",
	      "unknown or broken entities kept as text");
	check("a&nbsp;&nbsp;&nbsp;b", "a b", "nbsp collapses like a space");

	/* links */
	check("<a href=\"https://example.com/x\">your order</a>", "your order <https://example.com/x>", "link with text");
	check("<a href='https://example.com'>https://example.com</a>", "https://example.com", "link that is its own text");
	check("<A HREF = \"https://example.com/?a=1&amp;b=2\">go</A>", "go <https://example.com/?a=1&b=2>",
	      "link: upper case, spaces around =, entity in the URL");
	check("<a href=https://example.com/u>bare</a>", "bare <https://example.com/u>", "link: unquoted href");
	check("<a data-href=\"x\" href=\"https://e.example/\">t</a>", "t <https://e.example/>",
	      "link: other attribute ending in href ignored");
	check("<a href=\"mailto:a@example.org\">a@example.org</a>", "a@example.org", "mailto link that is its own text");
	check("<a href=\"#top\">top</a> <a href=\"javascript:x()\">js</a> <a name=\"n\">anchor</a>", "top js anchor",
	      "fragment, javascript and name-only links show no target");
	check("see <a href=\"https://e.example/i\"><img src=\"i.png\"></a>!", "see https://e.example/i!",
	      "image link: the target instead of the empty text");
	check("<a title=\"a>b\" href=\"https://e.example/\">t</a>", "t <https://e.example/>",
	      "'>' inside a quoted attribute");

	/* what is not text */
	check("<head><title>T</title><style>p{color:red}</style></head><body>Hi<script>alert(1)</script></body>",
	      "Hi", "head, style and script dropped");
	check("<script>if (a<b && c>d) { s = \"</p>it's\"; }</script>after", "after", "script with '<' and quotes");
	check("<STYLE type=\"text/css\">a{}</STYLE>x", "x", "style in upper case");
	check("<head><title>never closed<body>text", "text", "unclosed head ends at body");
	check("<style>never closed", "", "unclosed style hides the rest");
	check("a<!-- secret <p>x</p> -->b", "ab", "comments dropped");
	check("a<!-- unterminated", "a", "unterminated comment");
	check("<!DOCTYPE html><?xml version=\"1.0\"?><html>x</html>", "x", "doctype and processing instruction");

	/* malformed input */
	check("x < y and <b>bold", "x < y and bold", "stray '<' and unclosed tag");
	check("<p>cut <a href=\"http://e", "cut", "truncated input inside a tag");
	check("<p>cut <a href=\"http://e.example/\">li", "cut li <http://e.example/>", "truncated input inside a link");
	check("<li><a href=\"x\"></li>", "- x", "link cut by a block end");
	check("</p></div></a></li>text", "text", "closing tags without opening ones");
	check("<<<>>>", "<<<>>>", "angle brackets only");
	check("<", "<", "lone '<'");
	check("&", "&", "lone '&'");
	check("", "", "empty input");
	check(NULL, "", "NULL input");
	check("caf\xc3\xa9 \xff bad", "café \xef\xbf\xbd bad", "invalid UTF-8 replaced");
	test_hostile();
	return tap_done();
}
