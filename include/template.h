/* template.h: the mail templates: templates/<lang>/<name>.tmpl, rendered in
 * one pass into a subject, a plain-text body and an HTML alternative laid
 * out from the same template (paragraphs, lists, fields, quotations,
 * links). Values that came from customers are inserted as data and never
 * expanded again. */
#ifndef POSTDESK_TEMPLATE_H
#define POSTDESK_TEMPLATE_H

#include <glib.h>
#include <stdbool.h>

#include "fault.h"

struct template_vars;

/* A set of named values; a value is text, or a list of nested sets (loops). */
struct template_vars *template_vars_new(void);
/* Free the set (and its nested sets) and set *vars to NULL. */
void template_vars_free(struct template_vars **vars);
/* Set name to a copy of value (NULL: unset, false in conditionals). */
void template_vars_set(struct template_vars *vars, const char *name, const char *value);
/* Set name to text for the text part and to html, inserted as it is (it
 * must be safe: sanitized), for the HTML part; html NULL: as
 * template_vars_set(). Alone on its line, the HTML is a block of its own. */
void template_vars_set_html(struct template_vars *vars, const char *name, const char *text, const char *html);
/* The text of name (not of an outer set), NULL when unset or a list. */
const char *template_vars_get(const struct template_vars *vars, const char *name);
/* Append a new nested set to the list called name and return it (owned by vars). */
struct template_vars *template_vars_add(struct template_vars *vars, const char *name);

struct template_result {
	char *subject;		/* one line, CR/LF stripped */
	char *text;		/* the text/plain body, UTF-8 */
	char *html;		/* the text/html alternative, UTF-8 */
};

/* Render template name in language lang. Looked up in override_dir (the
 * administrator's, may be NULL) then in builtin_dir; in lang, then in
 * fallback_lang (see template_find). */
int template_render(const char *override_dir, const char *builtin_dir, const char *lang,
		    const char *fallback_lang, const char *name, const struct template_vars *vars,
		    struct template_result *out, struct fault *f);
/* Find the file template_render would use into *path_r (g_free): for each
 * language in turn, override_dir/<l>/<name>.tmpl then builtin_dir/<l>/...;
 * the languages are lang ("pt_BR" read as "pt-br"), its primary part ("pt"),
 * fallback_lang. A lang that is not a language tag is skipped. */
int template_find(const char *override_dir, const char *builtin_dir, const char *lang,
		  const char *fallback_lang, const char *name, char **path_r, struct fault *f);
/* Add the language directories found in dir (if it exists) to langs
 * (copies, g_free each), those not in it yet. */
void template_languages(const char *dir, GPtrArray *langs);
/* Render one template file. With strict (for "template check"), a reference
 * in any branch to a name vars does not define, a list used as text or text
 * used as a list, or an empty subject is an error naming FILE:LINE. */
int template_render_file(const char *path, const struct template_vars *vars, bool strict,
			 struct template_result *out, struct fault *f);
/* Render template text held in memory as template_render_file() renders
 * the file path: path names it in errors, and its directory's name is the
 * language of the HTML part; nothing is read from disk. */
int template_render_text(const char *path, const char *text, const struct template_vars *vars, bool strict,
			 struct template_result *out, struct fault *f);
/* A mailto: URL for addr with a subject and a body (each NULL: none),
 * percent-encoded as RFC 6068 says (UTF-8, spaces %20, line ends %0D%0A);
 * g_free it. */
char *template_mailto(const char *addr, const char *subject, const char *body);
/* Free what a result holds (not the struct itself). */
void template_result_clear(struct template_result *out);
/* The template names every language must have. */
extern const char *const template_names[];

#endif
