/* test_html.c: HTML to readable text, and the allow-list sanitizer. */
#include <glib.h>

#include "html.h"
#include "html_allowed.h"
#include "tap.h"

/* Convert html and compare with want. */
static void check(const char *html, const char *want, const char *what)
{
	char *got = html_to_text(html);

	tap_is(got, want, "%s", what);
	tap_ok(g_utf8_validate(got, -1, NULL), "%s: valid UTF-8", what);
	g_free(got);
}

/* Sanitize html and compare with want; the result holds only what the
 * allow-list has. */
static void clean(const char *html, const char *want, const char *what)
{
	char *got = html_sanitize(html);
	const char *bad = html_allowed_violation(got);

	tap_is(got, want, "sanitize: %s", what);
	if (!tap_ok(bad == NULL, "sanitize: %s: only allowed elements and attributes", what))
		printf("# %s\n", bad);
	g_free(got);
}

/* Hostile input of n units: 0, a <pre> of n blank lines and n <br> after
 * text; 1, 4n '<'; 2, n levels of unclosed nesting; 3, n unclosed quoted
 * attributes. */
static GString *hostile(int kind, int n)
{
	static const char *const units[] = { "\n", "<<<<", "<div><blockquote><a href=\"x\">", "<a x=\"" };
	GString *s = g_string_new(kind == 0 ? "start<pre>" : "");
	int i;

	for (i = 0; i < n; i++)
		g_string_append(s, units[kind]);
	for (i = 0; kind == 0 && i < n; i++)
		g_string_append(s, "<br>");
	g_string_append(s, kind == 0 ? "</pre>end" : kind == 2 ? "deep" : "");
	return s;
}

/* Seconds f takes on s; the length of its result. */
static double timed_on(char *(*f)(const char *), const char *s, size_t *len_r)
{
	gint64 t = g_get_monotonic_time();
	char *out = f(s);

	t = g_get_monotonic_time() - t;
	*len_r = strlen(out);
	g_free(out);
	return (double)t / G_USEC_PER_SEC;
}

/* Seconds html_to_text takes on hostile(kind, n); the length of its text. */
static double timed(int kind, int n, size_t *len_r)
{
	GString *s = hostile(kind, n);
	double t = timed_on(html_to_text, s->str, len_r);

	g_string_free(s, TRUE);
	return t;
}

/* Ten times the input takes about ten times as long, not a hundred: a
 * ratio, so that it holds under valgrind and the sanitizers too. */
static void check_linear(int kind, int n, size_t want_len, const char *what)
{
	size_t len;
	double t1 = timed(kind, n, &len), t10 = timed(kind, 10 * n, &len);

	tap_ok(t10 < 30 * t1 + 0.05, "%s: ten times the input, %.3f s instead of %.3f s (linear: about ten times)",
	       what, t10, t1);
	if (want_len != (size_t)-1)
		tap_int((long long)len, (long long)want_len, "%s: the text", what);
	else
		tap_ok(len < 6 * 10 * (size_t)n, "%s: the text is shorter than the input", what);
}

/* Hostile input stays linear (issue 13): 200,000 blank lines in a <pre>
 * and 200,000 <br> took 26 s when each <br> counted every line break
 * before it; also 4 MB of '<', deep nesting, unclosed quotes. The text:
 * "start", the <pre>'s lines (its first newline is not text) and the
 * <br>s as line breaks, "end"; the '<'s; of 200,000 levels of nesting
 * only what is above libxml2's depth limit, 85 empty links ("x", the
 * outermost shown as its target, in the quote); the unclosed attributes
 * are no text but where a tag took too many of them. */
static void test_hostile(void)
{
	size_t len;

	check_linear(0, 20000, 5 + 2 * 200000 + 1 + 3, "<br> after as many blank lines of a <pre>");
	check_linear(1, 100000, 4000000, "'<' alone");
	check_linear(2, 20000, strlen("> x"), "unclosed nesting (each link shown as its target)");
	check_linear(3, 50000, (size_t)-1, "unclosed quoted attributes");
	{
		GString *s = hostile(2, 1000);
		char *text = html_to_text(s->str);

		tap_is(text, "> x", "unclosed nesting: the text above the depth limit");
		g_free(text);
		g_string_free(s, TRUE);
	}
	(void)len;
}

/* Blocks, white space, lists, tables: the text as a mail client shows it. */
static void test_text_blocks(void)
{
	check("<p>Hello</p><p>World</p>", "Hello\n\nWorld", "paragraphs");
	check("a<br>b<br/>c<BR >d", "a\nb\nc\nd", "line breaks");
	check("a<br><br>b", "a\n\nb", "two line breaks: an empty line");
	check("<div>Hi,</div><div><br></div><div>text</div>", "Hi,\n\ntext", "Gmail's empty line: a div with a <br>");
	check("<div>Hi,<br></div><div>text</div>", "Hi,\ntext", "a <br> that ends a block adds no line");
	check("  lots   of\n\n  space  ", "lots of space", "white space collapsed");
	check("<div>a</div><div>b</div>", "a\nb", "divs on their own lines");
	check("<div>a</div><div>&nbsp;</div><div>b</div>", "a\n\nb", "a div with only a no-break space: an empty line");
	check("<h1>Title</h1>text", "Title\n\ntext", "heading");
	check("<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>", "1 2\n3", "table rows");
	check("<ul><li>one</li><li>two</li></ul>", "- one\n- two", "list items");
	check("<ol><li>first<li>second</ol>", "- first\n- second", "unclosed list items");
	check("<ul><li></li><li><p>para</p></li></ul>", "- para", "empty item dropped, paragraph in an item");
	check("<ul><li></li></ul><p>x</p>", "x", "an empty item leaves no bullet behind");
	check("<p>x</p><p></p><p></p><p>y</p>", "x\n\ny", "empty paragraphs give one blank line");
	check("<pre>a  b\n  c</pre>d", "a  b\n  c\n\nd", "pre keeps white space");
	check("x<pre>\ncode\n\nmore</pre>", "x\n\ncode\n\nmore", "the newline that starts a <pre> is not text");
	check("<P>Upper</P>", "Upper", "tags in upper case");
	check("<div>Best,</div><div><br></div><span class=\"gmail_signature_prefix\">-- </span><br><div>Anna</div>",
	      "Best,\n\n-- \nAnna", "Gmail's signature separator keeps its space");
	check("<p>Hi</p><div class=\"moz-signature\">-- <br>\n  Anna</div>", "Hi\n\n-- \nAnna",
	      "Thunderbird's signature separator keeps its space");
	check("<pre class=\"moz-signature\" cols=72>--   \nAnna</pre>", "-- \nAnna", "a separator in <pre>: one space");
	check("<blockquote>x<br>-- <br>sig</blockquote>", "> x\n> -- \n> sig", "a quoted separator");
	check("a --<br>b -- <br>--x <br>", "a --\nb --\n--x", "other lines lose their trailing space");
	check("<b>bold</b> and <i>it</i>alic", "bold and italic", "inline tags add nothing");
	check("hello <b>x</b><p>para</p>tail", "hello x\n\npara\n\ntail",
	      "text before any element is no paragraph of its own");
	/* Word (Outlook): paragraphs without space between them, an empty one
	 * (<o:p>&nbsp;</o:p>) an empty line; <o:p> is not a <p> */
	check("<p class=MsoNormal>Hi,<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>"
	      "<p class=MsoNormal>line one<o:p></o:p></p><p class=MsoNormal>line two<o:p></o:p></p>",
	      "Hi,\n\nline one\nline two", "Word paragraphs");
	check("<p class=x_MsoNormal>a</p><p class=x_MsoNormal>b</p>", "a\nb",
	      "Word paragraphs as Outlook on the web quotes them");
	check("<p class=MsoListParagraph style='mso-list:l0 level1 lfo1'><![if !supportLists]>"
	      "<span style='mso-list:Ignore'>1.<span style='font:7.0pt \"Times New Roman\"'>&nbsp;&nbsp; </span>"
	      "</span><![endif]>First<o:p></o:p></p>",
	      "1. First", "Word's list: the downlevel conditional comments are no text");
	check("<p>a<![if !vml]><img src=x><![endif]>b</p>", "ab", "other downlevel conditional comments");
	check("a<!--[if mso]>only in Outlook<![endif]-->b", "ab", "conditional comments dropped");
	check("<st1:PersonName w:st=\"on\">Jan</st1:PersonName> <v:shape><v:imagedata src=\"x\"/></v:shape>wrote",
	      "Jan wrote", "Word's prefixed elements: inline");
}

/* <blockquote>: lines prefixed "> ", as quote.c expects them. */
static void test_text_quotes(void)
{
	check("<blockquote>quoted</blockquote>after", "> quoted\n\nafter", "blockquote");
	check("<p>answer</p><blockquote type=cite><p>a</p><p>b</p></blockquote>",
	      "answer\n\n> a\n>\n> b", "a quote of two paragraphs: the blank line between them quoted");
	check("<blockquote>one<blockquote>two</blockquote>three</blockquote>",
	      "> one\n>\n> > two\n>\n> three", "nested quotes");
	check("<blockquote><pre>x\ny</pre></blockquote>", "> x\n> y", "a <pre> in a quote");
	check("<blockquote><ul><li>a<li>b</ul></blockquote>", "> - a\n> - b", "a list in a quote");
	check("<div class=moz-cite-prefix>On 4 March 2024, Jan wrote:<br></div>"
	      "<blockquote type=\"cite\">Question?</blockquote><p>Answer.</p>",
	      "On 4 March 2024, Jan wrote:\n\n> Question?\n\nAnswer.", "Thunderbird's bottom post");
	check("<blockquote style=\"margin:0 0 0 40px;border:none;padding:0px\">indented</blockquote>",
	      "indented", "Gmail's indentation is no quote");
	{
		GString *s = g_string_new(NULL);
		int i;

		for (i = 0; i < 12; i++)
			g_string_append(s, "<blockquote>");
		g_string_append(s, "deep");
		check(s->str, "> > > > > > > > deep", "quotes deeper than 8 are shown at 8");
		g_string_free(s, TRUE);
	}
}

/* Character references and encodings. */
static void test_text_chars(void)
{
	check("&amp; &lt;b&gt; &quot;q&quot; &apos;a&apos; &#233; &#x17C; &#X17b; &euro; &nbsp;x",
	      "& <b> \"q\" 'a' é ż Ż € x", "entities");
	check("&eacute;t&eacute; &copy; 2024 &hellip; a&mdash;b&ndash;c &laquo;q&raquo;",
	      "été © 2024 … a—b–c «q»", "named entities");
	/* libxml2 drops numeric references to no character (the old scanner
	 * kept them as text) */
	check("&bogus; &#xFFFFFFFF; &#0; & alone &amp", "&bogus; & alone &amp",
	      "unknown entities kept as text, references to no character dropped");
	check("a&nbsp;&nbsp;&nbsp;b", "a b", "nbsp collapses like a space");
	check("caf\xc3\xa9 \xff bad", "café \xef\xbf\xbd bad", "invalid UTF-8 replaced");
	check("<meta charset=\"iso-8859-2\"><p>Za\xc5\xbc\xc3\xb3\xc5\x82\xc4\x87</p>", "Zażółć",
	      "a charset meta changes nothing: the input is UTF-8");
	check("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1252\">\xe2\x82\xac 5",
	      "€ 5", "nor a Content-Type meta");
	check("\xef\xbb\xbfhello", "hello", "a byte order mark is no text");
	check("ctl\x01\x02 ok", "ctl ok", "control characters dropped (libxml2)");
}

/* Links. */
static void test_text_links(void)
{
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
	check("<a href=\"data:text/html,x\">d</a> <a href=\"cid:part1\">c</a> <a href=\"VBScript:x\">v</a>", "d c v",
	      "data:, cid: and vbscript: links show no target");
	check("see <a href=\"https://e.example/i\"><img src=\"i.png\"></a>!", "see https://e.example/i!",
	      "image link: the target instead of the empty text");
	check("<a title=\"a>b\" href=\"https://e.example/\">t</a>", "t <https://e.example/>",
	      "'>' inside a quoted attribute");
	check("<a href=\"https://one.example/\">a<div>b<a href=\"https://two.example/\">c</a></div></a>",
	      "a\nbc <https://one.example/>", "a link inside a link: the outer one's target");
	check("<blockquote><a href=\"https://e.example/\">quoted link</a></blockquote>",
	      "> quoted link <https://e.example/>", "a link in a quote");
}

/* What is not text, and malformed input. */
static void test_text_hidden(void)
{
	check("<head><title>T</title><style>p{color:red}</style></head><body>Hi<script>alert(1)</script></body>",
	      "Hi", "head, style and script dropped");
	check("<script>if (a<b && c>d) { s = \"</p>it's\"; }</script>after", "after", "script with '<' and quotes");
	check("<STYLE type=\"text/css\">a{}</STYLE>x", "x", "style in upper case");
	check("<head><title>never closed<body>text", "text", "unclosed head ends at body");
	check("<style>never closed", "", "unclosed style hides the rest");
	check("a<!-- secret <p>x</p> -->b", "ab", "comments dropped");
	check("a<!-- unterminated", "a", "unterminated comment");
	check("<!DOCTYPE html><?xml version=\"1.0\"?><html>x</html>", "x", "doctype and processing instruction");
	check("a<svg><text>svg text</text></svg><template>t</template><object>o</object>b", "ab",
	      "svg, template and object content hidden");

	check("x < y and <b>bold", "x < y and bold", "stray '<' and unclosed tag");
	/* libxml2 keeps the unterminated tag: an empty link, shown as its target */
	check("<p>cut <a href=\"http://e", "cut http://e", "truncated input inside a tag");
	check("<p>cut <a href=\"http://e.example/\">li", "cut li <http://e.example/>", "truncated input inside a link");
	check("<li><a href=\"x\"></li>", "- x", "link cut by a block end");
	check("</p></div></a></li>text", "text", "closing tags without opening ones");
	check("<<<>>>", "<<<>>>", "angle brackets only");
	check("<", "<", "lone '<'");
	check("&", "&", "lone '&'");
	check("", "", "empty input");
	check(NULL, "", "NULL input");
	check("a\0b", "a", "a NUL ends the string");
}

/* The sanitizer: what is kept, exactly. */
static void test_sanitize_kept(void)
{
	clean("<p>Hello <b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <s>x</s></p>",
	      "<p>Hello <b>bold</b> <strong>s</strong> <i>i</i> <em>e</em> <u>u</u> <s>x</s></p>", "emphasis");
	clean("<div>a<br>b</div><ul><li>one<li>two</ul><ol><li>x</ol>",
	      "<div>a<br>b</div><ul><li>one</li><li>two</li></ul><ol><li>x</li></ol>", "lines and lists");
	clean("<h1>T</h1><h6>t</h6><pre>  a\n  b</pre><code>c()</code><blockquote type=cite cite=\"mid:x\">q</blockquote>",
	      "<h1>T</h1><h6>t</h6><pre>  a\n  b</pre><code>c()</code><blockquote>q</blockquote>",
	      "headings, pre, code, blockquote without attributes");
	clean("<table border=1 width=600 style=\"x\"><tr><td colspan=2 rowspan=\"3\" width=80>a</td><th colspan=x>b</th></tr></table>",
	      "<table><tr><td colspan=\"2\" rowspan=\"3\">a</td><th>b</th></tr></table>",
	      "tables: colspan and rowspan of digits only");
	clean("<p class=MsoNormal style=\"margin:0\">Word<o:p></o:p></p><p class=MsoNormal><o:p>&nbsp;</o:p></p>",
	      "<div>Word</div><div>\xc2\xa0</div>", "Word paragraphs become lines (div), <o:p> unwrapped");
	clean("<span style=\"color:red\">a</span><font face=Arial>b</font><center>c</center><section>d</section>",
	      "ab<div>c</div><div>d</div>", "span and font unwrapped, other blocks become div");
	clean("<strike>old</strike> <del>d</del> <ins>new</ins> <tt>t</tt>", "<s>old</s> <s>d</s> <u>new</u> <code>t</code>",
	      "elements kept as their allowed kin");
	clean("<a href=\"https://e.example/?a=1&amp;b=2\" target=_blank class=x onclick=\"evil()\">go</a>",
	      "<a href=\"https://e.example/?a=1&amp;b=2\" rel=\"noopener noreferrer\">go</a>",
	      "a link: href only, rel added");
	clean("<a href=\"  MAILTO:jan@example.com \">jan</a> <a href=\"http://e.example/\">h</a>",
	      "<a href=\"MAILTO:jan@example.com\" rel=\"noopener noreferrer\">jan</a> "
	      "<a href=\"http://e.example/\" rel=\"noopener noreferrer\">h</a>",
	      "mailto: and http: links, trimmed");
	clean("<img src=\"cid:image001.png@01DA6E1F.5E7A3B20\" alt='Logo \"A&B\"' width=120 height=\"40px\" style=x id=i>",
	      "<img src=\"cid:image001.png@01DA6E1F.5E7A3B20\" alt=\"Logo &quot;A&amp;B&quot;\" width=\"120\">",
	      "a cid: image: src, alt, width and height of digits");
	clean("<p>1 &lt; 2 &amp;&amp; 3 &gt; 2, \"quoted\" 'single'</p>",
	      "<p>1 &lt; 2 &amp;&amp; 3 &gt; 2, \"quoted\" 'single'</p>", "text escaped");
	clean("<p>a\x01\x02\x7f b</p>", "<p>a b</p>", "control characters dropped");
	clean("<html><head><title>T</title><style>p{}</style></head><body><p>x</p></body></html>", "<p>x</p>",
	      "a body fragment: no html, head or body");
	clean("plain text", "plain text", "text alone");
	clean("", "", "empty");
	clean(NULL, "", "NULL");
}

/* The sanitizer: what is dropped (hostile input). */
static void test_sanitize_dropped(void)
{
	clean("a<script>alert(1)</script><style>p{x:expression(alert(1))}</style>b", "ab", "script and style dropped");
	clean("<a href=\"javascript:alert(1)\">x</a> <a href=\" JaVaScRiPt:alert(1)\">y</a> "
	      "<a href=\"java&#x09;script:alert(1)\">z</a> <a href=\"javascript&#58;alert(1)\">w</a>",
	      "x y z w", "javascript: links unwrapped, however spelled");
	clean("<a href=\"data:text/html;base64,PHNjcmlwdD4=\">d</a><a href=\"vbscript:msgbox\">v</a>"
	      "<a href=\"//evil.example/\">r</a><a href=\"/relative\">l</a><a>n</a>",
	      "dvrln", "data:, vbscript:, relative and missing targets unwrapped");
	clean("<img src=\"http://tracker.example/p.gif\" width=1 height=1><img src=\"data:image/png;base64,AAAA\">"
	      "<img src=\"javascript:x\"><img>x", "x", "images not in the mail dropped (trackers)");
	clean("<img src=\"cid:x\" onerror=\"alert(1)\" style=\"background:url(javascript:x)\">",
	      "<img src=\"cid:x\">", "event handlers and styles dropped");
	clean("<div style=\"width:expression(alert(1))\" class=c id=i onclick=x>d</div>", "<div>d</div>",
	      "CSS expressions with the style attribute");
	clean("<base href=\"http://evil.example/\"><meta http-equiv=\"refresh\" content=\"0;url=http://evil.example/\">"
	      "<link rel=stylesheet href=x>ok", "ok", "base, meta refresh, link dropped");
	clean("<iframe src=x>i</iframe><object data=x>o</object><applet>a</applet>ok", "ok",
	      "embedded objects dropped with their content");
	clean("<embed src=x>ok <video><source src=x>v</video>", "ok",
	      "embed and source are void (libxml2 2.9 does not know): what follows them is kept");
	clean("<form action=x><input value=v><button>b</button><select><option>o</select><textarea>t</textarea></form>ok",
	      "ok", "forms dropped with their content");
	clean("<svg><script>alert(1)</script><a xlink:href=\"javascript:x\">s</a></svg><math><mi>m</mi></math>ok", "ok",
	      "svg and math dropped");
	clean("<svg:script>alert(1)</svg:script>", "alert(1)", "a prefixed script is an unknown element: its text shown");
	clean("<noscript><img src=\"http://t.example/\"></noscript><template><b>t</b></template>ok", "ok",
	      "noscript and template dropped");
	clean("a<!-- c --><!--[if mso]><b>mso</b><![endif]--><![if !vml]>v<![endif]>b", "avb",
	      "comments and conditional comments dropped");
	clean("<xmp>a<script>x</script>&lt;b&gt;</xmp>", "<pre>a&lt;b&gt;</pre>",
	      "xmp (libxml2 reads markup in it)");
	clean("<p title=\"&quot;><script>alert(1)</script>\">t</p>", "<p>t</p>", "markup in an attribute stays out");
	clean("<a href=\"http://e.example/\"><a href=\"https://f.example/\">x</a></a>",
	      "<a href=\"http://e.example/\" rel=\"noopener noreferrer\"></a>"
	      "<a href=\"https://f.example/\" rel=\"noopener noreferrer\">x</a>", "nested links as libxml2 reads them");
	clean("<p>unclosed <b>bold <i>both", "<p>unclosed <b>bold <i>both</i></b></p>", "unclosed tags closed");
	clean("<table><tr><td>cell<table><tr><td>inner", "<table><tr><td>cell<table><tr><td>inner</td></tr></table></td></tr></table>",
	      "unclosed tables closed");
}

/* The structural promise on many hostile inputs: parsed again, the output
 * holds only allowed elements and attributes; and it is short. */
static void test_sanitize_property(void)
{
	static const char *const parts[] = {
		"<script>", "</script>", "<a href=\"javascript:alert(1)\">", "<a href=http://x>", "</a>", "<img src=x onerror=alert(1)>",
		"<img src=cid:a>", "<svg>", "<math>", "<style>", "</style>", "<!--", "-->", "<![if x]>", "<![endif]>",
		"<p", " style=\"x:expression(1)\"", " onclick='a'", ">", "\"", "'", "<", "&lt;", "&#0;", "&#x3c;script&#x3e;",
		"<table>", "<td colspan=9999999>", "<tr>", "</td>", "<blockquote type=cite>", "<o:p>", "</o:p>", "<base href=x>",
		"<meta http-equiv=refresh content=0>", "<iframe>", "</iframe>", "<textarea>", "<xmp>", "<plaintext>",
		"<form>", "<input>", "<a href=\"mailto:x\" rel=x>", "\xff\xfe", "\xc3", "text ", "\n", "<br/>", "<div>",
		"</div>", "<li>", "<pre>", "</pre>", "<noscript>", "<template>", "<object>", "<embed>", "<title>",
		"<head>", "<body onload=x>", "<html>", "<!DOCTYPE x>", "<?php ?>", "<![CDATA[x]]>", "<a href=\"cid:x\">",
		"<img src=\"cid:x\" width=\"1e9\" alt=\"\" title=t>",
	};
	GRand *r = g_rand_new_with_seed(14);
	int i, bad = 0, big = 0;

	for (i = 0; i < 3000; i++) {
		GString *s = g_string_new(NULL);
		int j, n = g_rand_int_range(r, 1, 40);
		char *out;
		const char *why;

		for (j = 0; j < n; j++)
			g_string_append(s, parts[g_rand_int_range(r, 0, G_N_ELEMENTS(parts))]);
		out = html_sanitize(s->str);
		if ((why = html_allowed_violation(out)) != NULL && bad++ == 0)
			printf("# input '%s'\n# output '%s'\n# holds %s\n", s->str, out, why);
		if (strlen(out) > 6 * s->len + 4096 && big++ == 0)
			printf("# input '%s' gave %zu bytes\n", s->str, strlen(out));
		g_free(out);
		g_string_free(s, TRUE);
	}
	g_rand_free(r);
	tap_int(bad, 0, "3,000 random hostile inputs: only allowed elements and attributes in the output");
	tap_int(big, 0, "3,000 random hostile inputs: the output at most six times the input");
}

/* What grows most in the output stays within six times the input. */
static void test_sanitize_bound(void)
{
	static const char *const units[] = { "&", "<", "<p>", "<li>", "<a href=http:x>", "<td colspan=1>" };
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(units); i++) {
		GString *s = g_string_new("x");
		char *out;
		int j;

		for (j = 0; j < 20000; j++)
			g_string_append(s, units[i]);
		out = html_sanitize(s->str);
		tap_ok(strlen(out) <= 6 * s->len + 4096 && html_allowed_violation(out) == NULL,
		       "20,000 times '%s': %zu bytes out of %zu, well-formed", units[i], strlen(out), s->len);
		g_free(out);
		g_string_free(s, TRUE);
	}
}

/* Hostile input: each function linear (ten times the input, about ten
 * times the time), deep nesting survives libxml2's depth limit. */
static void test_big(void)
{
	static const struct {
		const char *what, *unit, *end;
	} cases[] = {
		{ "nested <div>", "<div>", "end" },
		{ "nested <blockquote>", "<blockquote>", "end" },
		{ "end tags that close nothing, 250 levels deep", "</x>", "" },
		{ "<p>x", "<p>x", "" },
		{ "&amp;", "&amp;", "" },
		{ "an unterminated comment", "<!-- x", "" },
		{ "unclosed <b>", "<b>", "end" },
		{ "attributes of one tag", " a%d", ">x" },
		{ "characters of one attribute value", "a", "\">x</a>" },
	};
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cases); i++) {
		double t[2][2];
		int k;

		for (k = 0; k < 2; k++) {
			int n = k == 0 ? 5000 : 50000, j;
			GString *s = g_string_new(i == 2 ? "" : i == 7 ? "<p" : i == 8 ? "<a href=\"" : "");
			size_t len;

			for (j = 0; i == 2 && j < 250; j++)
				g_string_append(s, "<div>");
			for (j = 0; j < n; j++) {
				if (i == 7)
					g_string_append_printf(s, " a%d", j);
				else
					g_string_append(s, cases[i].unit);
			}
			g_string_append(s, cases[i].end);
			t[k][0] = timed_on(html_to_text, s->str, &len);
			t[k][1] = timed_on(html_sanitize, s->str, &len);
			g_string_free(s, TRUE);
		}
		tap_ok(t[1][0] < 30 * t[0][0] + 0.05 && t[1][1] < 30 * t[0][1] + 0.05,
		       "%s: ten times as many, html_to_text %.3f s for %.3f s, html_sanitize %.3f s for %.3f s",
		       cases[i].what, t[1][0], t[0][0], t[1][1], t[0][1]);
	}
}

/* Deep nesting: libxml2 stops at its limit; what came before stays. */
static void test_depth(void)
{
	GString *s = g_string_new("<p>before</p>");
	struct html_doc *d;
	char *text;
	int i;

	for (i = 0; i < 1000000; i++)
		g_string_append(s, "<div>");
	g_string_append(s, "deep<p>after</p>");
	d = html_doc_new(s->str);
	tap_ok(html_doc_cut(d), "1,000,000 levels: libxml2 stopped at its depth limit");
	text = html_doc_text(d);
	tap_is(text, "before", "1,000,000 levels: the text before them kept, the rest left out");
	g_free(text);
	html_doc_free(&d);
	g_string_free(s, TRUE);

	s = g_string_new(NULL);
	for (i = 0; i < HTML_MAX_DEPTH - 10; i++)
		g_string_append(s, "<div>");
	g_string_append(s, "deep");
	for (i = 0; i < HTML_MAX_DEPTH - 10; i++)
		g_string_append(s, "</div>");
	g_string_append(s, "<p>after</p>");
	d = html_doc_new(s->str);
	tap_ok(!html_doc_cut(d), "%d levels: read whole", HTML_MAX_DEPTH - 10);
	text = html_doc_text(d);
	tap_is(text, "deep\n\nafter", "%d levels: all the text", HTML_MAX_DEPTH - 10);
	g_free(text);
	html_doc_free(&d);
	g_string_free(s, TRUE);
}

int main(void)
{
	test_text_blocks();
	test_text_quotes();
	test_text_chars();
	test_text_links();
	test_text_hidden();
	test_hostile();
	test_sanitize_kept();
	test_sanitize_dropped();
	test_sanitize_property();
	test_sanitize_bound();
	test_big();
	test_depth();
	xmlCleanupParser();
	return tap_done();
}
