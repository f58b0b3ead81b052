/* fuzz_template.c: libFuzzer target for the template parser and renderer:
 * the input is the text of a template file, rendered in memory
 * (template_render_text) with sample values of every kind, loosely as mail
 * is made and strictly as "postdesk template check" checks. A result has a
 * one-line subject and valid UTF-8 text and HTML; a failure is permanent. */
#include <glib.h>
#include <string.h>

#include "fuzz.h"
#include "template.h"

/* The sample values, made once: text, an empty value, two lists, and values
 * that look like template syntax (they must come out as they are). */
static struct template_vars *fuzz_template_vars(void)
{
	struct template_vars *v = template_vars_new(), *item;
	int i;

	template_vars_set(v, "helpdesk_name", "Example Support");
	template_vars_set(v, "case_id", "4711");
	template_vars_set(v, "case_subject", "Invoice <117> & \"refund\" {{case_id}}\r\nBcc: x@example.org");
	template_vars_set(v, "customer_name", "Zofia Dąbrowska");
	template_vars_set(v, "customer_email", "zofia@example.net");
	template_vars_set(v, "message_body", "Hello,\n\n{{#if x}}the invoice{{/if}}\n> quoted\n");
	template_vars_set(v, "agent_name", "");
	template_vars_set(v, "language", "pl");
	template_vars_set_html(v, "answer", "Bold {{case_id}}", "<p><b>Bold</b> {{case_id}}</p>");
	template_vars_set(v, "answer_url", "mailto:support+a1.1.00@example.org?subject=Re%3A%20x&body=%23resolve");
	for (i = 0; i < 3; i++) {
		char size[16];

		item = template_vars_add(v, "attachments");
		g_snprintf(size, sizeof(size), "%d", 1000 * i);
		template_vars_set(item, "filename", i == 1 ? "{{size}}.pdf" : "order.png");
		template_vars_set(item, "size", size);
	}
	item = template_vars_add(v, "rating");
	template_vars_set(item, "label", "good");
	template_vars_set(item, "address", "support+ra1.1.00@example.org");
	return v;
}

/* Check one rendering: a failure is permanent and leaves no result. */
static void fuzz_template_check(int ret, const struct template_result *r, const struct fault *f)
{
	if (ret < 0) {
		fuzz_assert(f->kind == FAULT_PERMANENT, "a template failed with kind %d: %s", (int)f->kind, f->text);
		fuzz_assert(r->subject == NULL && r->text == NULL && r->html == NULL, "a failure left a result");
		fuzz_touch_str(f->text);
		return;
	}
	fuzz_assert(r->subject != NULL && r->text != NULL && r->html != NULL, "a result is incomplete");
	fuzz_check_text(r->subject, true, "the subject");
	fuzz_check_text(r->text, false, "the text body");
	fuzz_check_text(r->html, false, "the HTML body");
}

/* One input: the text of a template file, up to its first NUL. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct template_vars *vars;
	char *text = fuzz_string(data, size);
	struct template_result r = { 0 };
	struct fault f = { 0 };
	int ret;

	if (vars == NULL)
		vars = fuzz_template_vars();	/* kept for the whole run */
	ret = template_render_text("fuzz/en/input.tmpl", text, vars, false, &r, &f);
	fuzz_template_check(ret, &r, &f);
	template_result_clear(&r);
	fault_clear(&f);
	ret = template_render_text("fuzz/en/input.tmpl", text, vars, true, &r, &f);
	fuzz_template_check(ret, &r, &f);
	template_result_clear(&r);
	g_free(text);
	return 0;
}
