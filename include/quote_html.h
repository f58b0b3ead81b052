/* quote_html.h: the agent's own part of an HTML reply, the quoted history
 * cut, as safe HTML for the customer. */
#ifndef POSTDESK_QUOTE_HTML_H
#define POSTDESK_QUOTE_HTML_H

/* The agent's HTML of a reply without the quoted history, then sanitized
 * (html_sanitize(); g_free). Cut: Outlook's header block (divRplyFwdMsg,
 * appendonsend, the bordered From:/Sent: block of Outlook desktop and
 * Windows Mail, hr#stopSpelling, OutlookMessageHeader, the new Outlook's
 * reference-message container) and everything after it; a line that is an
 * Outlook rule ("-----Original Message-----" in any language quote.c
 * knows) and everything after it; the trailing quotes (blockquote
 * type=cite or any quoting <blockquote>, yahoo_quoted, protonmail_quote,
 * zmail_extra) with nothing of the agent's after them, and the
 * attributions before them (moz-cite-prefix, gmail_attr, or a line that
 * quote_is_attribution() knows); a leading quote the agent answered below
 * (bottom-posting). Quotes between parts of the answer (interleaved
 * replies) are kept. NULL when nothing of the agent's is left, or when the
 * HTML nests so deep that its end was not read and the agent's text may be
 * in it. */
char *quote_html(const char *html);

#endif
