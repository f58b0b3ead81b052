/* html.h: readable plain text from HTML mail, for agents and for the
 * stored body when a message has no text/plain part. */
#ifndef POSTDESK_HTML_H
#define POSTDESK_HTML_H

/* Text from HTML (UTF-8 in, UTF-8 out, g_free the result): no markup, no
 * style or script, entities decoded, blocks on their own lines, list items
 * as "- ", links as "text <href>". Never fails, whatever the input. */
char *html_to_text(const char *html);

#endif
