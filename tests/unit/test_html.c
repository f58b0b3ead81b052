/* test_html.c: HTML to readable text. */
#include <glib.h>

#include "html.h"
#include "tap.h"

/* Convert html and compare with want. */
static void check(const char *html, const char *want, const char *what)
{
	char *got = html_to_text(html);

	tap_is(got, want, "%s", what);
	g_free(got);
}

int main(void)
{
	check("<p>Hello</p><p>World</p>", "Hello\n\nWorld", "paragraphs");
	check("a<br>b<br/>c", "a\nb\nc", "line breaks");
	check("  lots   of\n\n  space  ", "lots of space", "white space collapsed");
	check("<ul><li>one</li><li>two</li></ul>", "- one\n- two", "list items");
	check("&amp; &lt;b&gt; &quot;q&quot; &#233; &#x17C; &euro; &nbsp;x", "& <b> \"q\" é ż € x", "entities");
	check("&bogus; &#xFFFFFFFF; & alone", "&bogus; &#xFFFFFFFF; & alone", "unknown entities kept as text");
	check("<a href=\"https://example.com/x\">your order</a>", "your order <https://example.com/x>", "link with text");
	check("<a href='https://example.com'>https://example.com</a>", "https://example.com", "link that is its own text");
	check("<head><title>T</title><style>p{color:red}</style></head><body>Hi<script>alert(1)</script></body>",
	      "Hi", "head, style and script dropped");
	check("a<!-- secret -->b", "ab", "comments dropped");
	check("x < y and <b>bold", "x < y and bold", "stray '<' and unclosed tag");
	check("<p>cut <a href=\"http://e", "cut", "truncated input");
	check("<div>a</div><div>b</div>", "a\nb", "divs on their own lines");
	check("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n3", "table rows");
	check("", "", "empty input");
	check("<P>Upper</P>", "Upper", "tags in upper case");
	check("caf\xc3\xa9 \xff bad", "café \xef\xbf\xbd bad", "invalid UTF-8 replaced");
	return tap_done();
}
