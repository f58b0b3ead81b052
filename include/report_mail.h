/* report_mail.h: the report as a mail (issue 16, part "mail", "postdesk
 * report --mail ADDR"): a text part and an HTML alternative of template
 * "report" in the language of the first queue of the report (else
 * default_language), the figures as "Label: value" tables, the backlog,
 * its age, the ratings and the cases per queue as bar charts drawn with
 * tables and inline styles (no scripts, no images, no style sheets, so
 * Outlook and Gmail show them as they are); the text part has the same
 * figures in aligned columns with bars of '#'. */
#ifndef POSTDESK_REPORT_MAIL_H
#define POSTDESK_REPORT_MAIL_H

#include "fault.h"

struct outbound;
struct report;
struct template_result;
struct template_vars;

/* The widest bar of a chart, in pixels (HTML) and in '#' (text). */
#define REPORT_MAIL_BAR_PX 200
#define REPORT_MAIL_BAR_CHARS 30

/* Set the variables of template "report" in v from r. */
void report_mail_vars(struct template_vars *v, const struct report *r, const char *helpdesk_name);
/* Render template "report" for r in language lang (fallback: fallback_lang)
 * from override_dir (may be NULL) then builtin_dir into *out
 * (template_result_clear). */
int report_mail_render(const struct report *r, const char *helpdesk_name, const char *override_dir,
		       const char *builtin_dir, const char *lang, const char *fallback_lang,
		       struct template_result *out, struct fault *f);
/* Queue the report r as a mail to addr inside the caller's transaction:
 * from the address of the report's first queue (else of the first queue
 * of the helpdesk), auto-generated, an outbox row of kind "report" with no
 * case; its id appended to ob->queued, for the caller to send after the
 * commit as other mail is. addr must be one address (permanent fault
 * otherwise); fails permanently when the helpdesk has no queue. */
int report_mail(struct outbound *ob, const struct report *r, const char *addr, struct fault *f);

#endif
