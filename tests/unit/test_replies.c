/* test_replies.c: the corpus of agent replies in tests/replies/, as the
 * mail clients write them: each NAME.eml parsed with mail_parse(), its
 * #command lines taken off with agentcmd_parse() and its new text found
 * with quote_reply(), which must be exactly NAME.expected (and the
 * signature NAME.signature, when there is one). Nothing of postdesk's own
 * notification (a "support+" token address, a line of notify_new.tmpl)
 * may be left in what would be relayed. */
#include <glib.h>
#include <string.h>

#include "agentcmd.h"
#include "mail.h"
#include "quote.h"
#include "tap.h"

/* The corpus folder, from TEST_SRCDIR (make check sets it). */
static char *replies_dir(void)
{
	const char *dir = g_getenv("TEST_SRCDIR");

	return g_build_filename(dir ? dir : "tests", "replies", NULL);
}

/* The contents of dir/name, NULL when it cannot be read. */
static char *read_file(const char *dir, const char *name, gsize *len_r)
{
	char *path = g_build_filename(dir, name, NULL), *data = NULL;

	if (!g_file_get_contents(path, &data, len_r, NULL))
		data = NULL;
	g_free(path);
	return data;
}

/* The lines of the notification templates that are the same in every
 * notification (no {{field}} in them), and the fixed start of those that
 * have one when it is long enough to mean something: what must never reach
 * a customer. */
static GPtrArray *boilerplate(void)
{
	static const char *const langs[] = { "en", "pl", "cs", "ms", NULL };
	const char *src = g_getenv("TEST_SRCDIR");
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	int i, j;

	for (i = 0; langs[i] != NULL; i++) {
		char *path = g_build_filename(src ? src : "tests", "..", "templates", langs[i], "notify_new.tmpl", NULL);
		char *text = NULL, **l;

		if (!g_file_get_contents(path, &text, NULL, NULL))
			printf("# cannot read %s\n", path);
		l = g_strsplit(text ? text : "", "\n", -1);
		for (j = 0; l[j] != NULL; j++) {
			char *field = strstr(l[j], "{{"), *fixed;

			if (j == 0 || (field != NULL && field[2] == '!'))
				continue;	/* the Subject line, comments */
			fixed = g_strstrip(field ? g_strndup(l[j], (gsize)(field - l[j])) : g_strdup(l[j]));
			if (strlen(fixed) >= 12)
				g_ptr_array_add(lines, fixed);
			else
				g_free(fixed);
		}
		g_strfreev(l);
		g_free(text);
		g_free(path);
	}
	return lines;
}

/* The first boilerplate line or token address text holds, or NULL. */
static const char *leaked(const char *text, const GPtrArray *boiler)
{
	guint i;

	if (text == NULL)
		return NULL;
	if (strstr(text, "support+") != NULL)
		return "support+";
	for (i = 0; i < boiler->len; i++)
		if (strstr(text, g_ptr_array_index(boiler, i)) != NULL)
			return g_ptr_array_index(boiler, i);
	return NULL;
}

/* Show got and want as a diagnostic, line by line. */
static void show(const char *what, const char *got, const char *want)
{
	char **g = g_strsplit(got ? got : "(none)", "\n", -1), **w = g_strsplit(want ? want : "(none)", "\n", -1);
	int i;

	printf("# %s got:\n", what);
	for (i = 0; g[i] != NULL; i++)
		printf("#   |%s\n", g[i]);
	printf("# %s want:\n", what);
	for (i = 0; w[i] != NULL; i++)
		printf("#   |%s\n", w[i]);
	g_strfreev(g);
	g_strfreev(w);
}

/* Check one fixture: one result line; its name added to leaks when what
 * would be relayed holds notification text, to no_history when its mail
 * does not hold a token address at all (the leak check would prove
 * nothing). */
static void check_fixture(const char *dir, const char *eml, const GPtrArray *boiler, GString *leaks, GString *no_history)
{
	char *base = g_strndup(eml, strlen(eml) - strlen(".eml")), *name, *raw, *want, *want_sig;
	struct mail *m = NULL;
	struct fault f = { 0 };
	struct agentcmd cmd;
	struct quote_reply r;
	const char *leak;
	gsize len = 0;
	bool ok;

	name = g_strconcat(base, ".expected", NULL);
	want = read_file(dir, name, NULL);
	g_free(name);
	name = g_strconcat(base, ".signature", NULL);
	want_sig = read_file(dir, name, NULL);
	g_free(name);
	raw = read_file(dir, eml, &len);
	if (raw == NULL || want == NULL || mail_parse(raw, len, &m, &f) < 0) {
		tap_ok(false, "%s: readable, with a .expected, and parses (%s)", base, f.text);
		g_free(raw);
		g_free(want);
		g_free(want_sig);
		g_free(base);
		return;
	}
	agentcmd_parse(m->body_text, &cmd);
	quote_reply(cmd.text, &r);
	ok = cmd.error == NULL && strcmp(r.text, want) == 0 &&
	     (want_sig == NULL ? r.signature == NULL : r.signature != NULL && strcmp(r.signature, want_sig) == 0);
	tap_ok(ok, "%s", base);
	if (!ok) {
		if (cmd.error != NULL)
			printf("# command error: %s\n", cmd.error);
		show("text", r.text, want);
		show("signature", r.signature, want_sig);
	}
	leak = leaked(r.text, boiler);
	if (leak == NULL)
		leak = leaked(r.signature, boiler);
	if (leak != NULL)
		g_string_append_printf(leaks, " %s (\"%s\")", base, leak);
	if (strstr(m->body_text, "support+") == NULL)
		g_string_append_printf(no_history, " %s", base);
	quote_reply_clear(&r);
	agentcmd_clear(&cmd);
	mail_free(&m);
	g_free(raw);
	g_free(want);
	g_free(want_sig);
	g_free(base);
}

/* Order of two names in a GPtrArray. */
static gint by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	char *dir = replies_dir();
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free), *boiler = boilerplate();
	GString *leaks = g_string_new(NULL), *no_history = g_string_new(NULL);
	const char *e;
	guint i;

	if (!tap_ok(d != NULL, "the corpus %s is there (set TEST_SRCDIR)", dir))
		return tap_done();
	while ((e = g_dir_read_name(d)) != NULL)
		if (g_str_has_suffix(e, ".eml"))
			g_ptr_array_add(names, g_strdup(e));
	g_dir_close(d);
	g_ptr_array_sort(names, by_name);
	tap_ok(names->len >= 45, "at least 45 replies in the corpus: %u", names->len);
	tap_ok(boiler->len >= 20, "the notification's fixed lines are known: %u", boiler->len);
	for (i = 0; i < names->len; i++)
		check_fixture(dir, g_ptr_array_index(names, i), boiler, leaks, no_history);
	if (!tap_ok(leaks->len == 0, "no relayed text holds a token address or a line of the notification"))
		printf("# in:%s\n", leaks->str);
	if (!tap_ok(no_history->len == 0, "every reply quotes the notification with its note address (so the check "
		    "above can fail)"))
		printf("# not in:%s\n", no_history->str);
	g_string_free(leaks, TRUE);
	g_string_free(no_history, TRUE);
	g_ptr_array_free(boiler, TRUE);
	g_ptr_array_free(names, TRUE);
	g_free(dir);
	return tap_done();
}
