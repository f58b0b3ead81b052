/* cmd_template.c: "postdesk template check": every template of every
 * language directory parses and renders in strict mode with complete sample
 * data, and its subject carries the case tag that threading recognises. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "template.h"
#include "template_sample.h"
#include "thread.h"

#define SAMPLE_CASE G_STRINGIFY(TEMPLATE_SAMPLE_CASE)

/* Sort strings in a GPtrArray. */
static gint cmd_template_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Check one template of one language; 0 when fine, else the error in f. */
static int cmd_template_check_one(const char *override, const char *builtin, const char *lang,
				  const char *fallback, const char *name, const char *helpdesk_name,
				  char **path_r, struct fault *f)
{
	struct template_vars *v = NULL;
	struct template_result r = { 0 };
	int ret = -1;

	if (template_find(override, builtin, lang, fallback, name, path_r, f) < 0)
		return -1;
	v = template_sample_vars(name, helpdesk_name, NULL);
	if (template_render_file(*path_r, v, true, &r, f) < 0)
		goto out;
	if (strcmp(name, "digest") == 0 || strcmp(name, "report") == 0) {
		/* part digest, the report (issue 16): about no one case, so the subject names none */
		if (thread_subject_tag(r.subject) != 0) {
			fault_perm(f, "%s: the subject '%s' of a %s names a case", *path_r, r.subject, name);
			goto out;
		}
	} else if (thread_subject_tag(r.subject) != TEMPLATE_SAMPLE_CASE) {
		fault_perm(f, "%s: the subject '%s' does not start with a case tag like [%s #%s]", *path_r,
			   r.subject, helpdesk_name, SAMPLE_CASE);
		goto out;
	}
	ret = 0;
out:
	template_result_clear(&r);
	template_vars_free(&v);
	return ret;
}

/* "template check": with --dir, every language directory in DIR must hold
 * every template; otherwise the lookup deliver uses (template_dir over the
 * installed templates, default_language as the fallback) is checked. */
static int cmd_template_check(struct cmd_ctx *ctx, const char *dir, struct fault *f)
{
	const char *override = NULL, *builtin = dir, *fallback = NULL, *helpdesk_name = "Helpdesk";
	GPtrArray *langs = g_ptr_array_new_with_free_func(g_free);
	unsigned failed = 0, total = 0;
	guint i, k;

	if (dir != NULL) {
		if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
			g_ptr_array_free(langs, TRUE);
			return fault_perm(f, "%s: not a directory", dir);
		}
	} else {
		if (cmd_config(ctx, f) < 0) {
			g_ptr_array_free(langs, TRUE);
			return -1;
		}
		builtin = POSTDESK_TEMPLATE_DIR;
		if (strcmp(ctx->cfg->template_dir, builtin) != 0)
			override = ctx->cfg->template_dir;
		fallback = ctx->cfg->default_language;
		helpdesk_name = ctx->cfg->helpdesk_name;
		g_ptr_array_add(langs, g_strdup(fallback));
	}
	template_languages(override, langs);
	template_languages(builtin, langs);
	g_ptr_array_sort(langs, cmd_template_cmp);
	if (langs->len == 0) {
		g_ptr_array_free(langs, TRUE);
		return fault_perm(f, "%s: no language directories (like en/, pl/) found", builtin);
	}
	for (i = 0; i < langs->len; i++) {
		const char *lang = g_ptr_array_index(langs, i);

		for (k = 0; template_names[k] != NULL; k++) {
			char *file = g_strconcat(template_names[k], ".tmpl", NULL), *path = NULL;
			char *usual = g_build_filename(builtin, lang, file, NULL);
			struct fault tf = { 0 };

			total++;
			if (cmd_template_check_one(override, builtin, lang, fallback, template_names[k],
						   helpdesk_name, &path, &tf) < 0) {
				failed++;
				fprintf(stderr, "FAIL %s/%s: %s\n", lang, template_names[k], tf.text);
			} else if (strcmp(path, usual) != 0) {
				printf("ok %s/%s (%s)\n", lang, template_names[k], path);
			} else {
				printf("ok %s/%s\n", lang, template_names[k]);
			}
			g_free(path);
			g_free(usual);
			g_free(file);
		}
	}
	g_ptr_array_free(langs, TRUE);
	fflush(stdout);
	if (failed > 0)
		return fault_perm(f, "template check: %u of %u templates failed", failed, total);
	return 0;
}

int cmd_template_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL;
	bool first = true;
	int c;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		if (c == -2)
			return -1;
		if (c == 'h')
			return cmd_help("template");
		dir = optarg;
	}
	if (optind >= argc)
		return cmd_usage_fault(f, "template", "which action? (check)");
	if (strcmp(argv[optind], "check") != 0)
		return cmd_usage_fault(f, "template", "unknown action (check)");
	if (optind + 1 != argc)
		return cmd_usage_fault(f, "template", "check takes no arguments besides --dir DIR");
	return cmd_template_check(ctx, dir, f);
}
