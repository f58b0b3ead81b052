/* cmd_template.c: "postdesk template check": every template of every
 * language directory parses and renders in strict mode with complete sample
 * data, and its subject carries the case tag that threading recognises. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "config.h"
#include "template.h"
#include "thread.h"

#define SAMPLE_CASE_N 4711
#define SAMPLE_CASE G_STRINGIFY(SAMPLE_CASE_N)

/* Variables every template has; the subject holds what a customer might
 * write, so that escaping and one-pass expansion are exercised too. */
static void cmd_template_sample_common(struct template_vars *v, const char *helpdesk_name)
{
	template_vars_set(v, "helpdesk_name", helpdesk_name);
	template_vars_set(v, "case_id", SAMPLE_CASE);
	template_vars_set(v, "case_subject", "Invoice <2024/117> & \"refund\" {{case_id}}");
	template_vars_set(v, "queue_name", "support");
	template_vars_set(v, "customer_name", "Zofia Dąbrowska");
	template_vars_set(v, "customer_email", "zofia@example.net");
	template_vars_set(v, "language", "pl");
}

/* Complete sample data for one template, as the callers fill it. */
static struct template_vars *cmd_template_sample(const char *name, const char *helpdesk_name)
{
	struct template_vars *v = template_vars_new(), *item;

	cmd_template_sample_common(v, helpdesk_name);
	if (strcmp(name, "ack") == 0) {
		template_vars_set(v, "first_response", "4h");
	} else if (g_str_has_prefix(name, "notify_")) {
		template_vars_set(v, "agent_name", "Alice Agent");
		template_vars_set(v, "message_from", "zofia@example.net");
		template_vars_set(v, "message_body", "Hello,\n\nthe invoice says 117 EUR, the order said 71 EUR.\n"
				  "Could you check?\n\nZofia");
		template_vars_set(v, "note_address", "support+n4711abc@example.org");
		item = template_vars_add(v, "attachments");
		template_vars_set(item, "filename", "invoice-2024-117.pdf");
		template_vars_set(item, "size", "48213");
		item = template_vars_add(v, "attachments");
		template_vars_set(item, "filename", "order.png");
		template_vars_set(item, "size", "120400");
	} else if (strcmp(name, "reply") == 0) {
		template_vars_set(v, "agent_name", "Alice Agent");
		template_vars_set(v, "answer", "Thank you, you are right: the invoice was wrong.\n"
				  "A corrected one is attached.");
	} else if (strcmp(name, "escalation") == 0) {
		template_vars_set(v, "level", "2");
		template_vars_set(v, "reason", "first response overdue by 2h");
		template_vars_set(v, "assignee", "alice@example.org");
	} else if (strcmp(name, "reminder") == 0 || strcmp(name, "autoclose") == 0) {
		template_vars_set(v, "days_waiting", "5");
	} else if (strcmp(name, "resolved_survey") == 0) {
		static const char *const ratings[][2] = {
			{ "5", "support+re4711.1.0123456789abcdef0123@example.org" },
			{ "4", "support+rd4711.1.123456789abcdef01234@example.org" },
			{ "3", "support+rc4711.1.23456789abcdef012345@example.org" },
			{ "2", "support+rb4711.1.3456789abcdef0123456@example.org" },
			{ "1", "support+ra4711.1.456789abcdef01234567@example.org" },
		};
		size_t i;

		for (i = 0; i < G_N_ELEMENTS(ratings); i++) {
			item = template_vars_add(v, "rating");
			template_vars_set(item, "label", ratings[i][0]);
			template_vars_set(item, "address", ratings[i][1]);
		}
	} else if (strcmp(name, "agent_error") == 0) {
		template_vars_set(v, "error", "#assign: no such active agent");
		template_vars_set(v, "command", "#assign bob@example.org");
	} else if (strcmp(name, "agent_unverified") == 0) {
		template_vars_set(v, "reason", "not verified by mx.example.org for example.org: dkim=fail (example.org)");
	}
	return v;
}

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
	v = cmd_template_sample(name, helpdesk_name);
	if (template_render_file(*path_r, v, true, &r, f) < 0)
		goto out;
	if (thread_subject_tag(r.subject) != SAMPLE_CASE_N) {
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
