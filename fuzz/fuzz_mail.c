/* fuzz_mail.c: libFuzzer target for incoming mail: the input is a raw
 * message, parsed by mail_parse() as "postdesk deliver" parses stdin; every
 * field of the result is read and checked against mail.h's promises (UTF-8,
 * header values on one line), then mail_header() and classify_mail() run on
 * it as delivery runs them. */
#include <glib.h>
#include <string.h>

#include "classify.h"
#include "fuzz.h"
#include "mail.h"

/* Headers looked up by delivery and classification, and one never present. */
static const char *const fuzz_mail_headers[] = {
	"Subject", "From", "To", "Message-ID", "Auto-Submitted", "Precedence", "List-Id",
	"List-Unsubscribe", "X-Auto-Response-Suppress", CLASSIFY_LOOP_HEADER, "Content-Language",
	"Authentication-Results", "Content-Type", "X-Fuzz-Never-There", NULL,
};

/* Check a list of header-like strings (addresses, ids). */
static void fuzz_mail_list(const GPtrArray *list, const char *what)
{
	guint i;

	fuzz_assert(list != NULL, "%s is NULL", what);
	for (i = 0; i < list->len; i++) {
		const char *s = g_ptr_array_index(list, i);

		fuzz_assert(s != NULL, "%s[%u] is NULL", what, i);
		fuzz_check_text(s, true, what);
	}
}

/* Read and check every field of a parsed message. */
static void fuzz_mail_fields(const struct mail *m)
{
	guint i;

	fuzz_check_text(m->from_addr, true, "from_addr");
	fuzz_check_text(m->from_name, true, "from_name");
	fuzz_check_text(m->reply_to_addr, true, "reply_to_addr");
	fuzz_mail_list(m->to, "to");
	fuzz_mail_list(m->cc, "cc");
	fuzz_assert(m->subject != NULL, "subject is NULL");
	fuzz_check_text(m->subject, true, "subject");
	fuzz_check_text(m->message_id, true, "message_id");
	fuzz_check_text(m->in_reply_to, true, "in_reply_to");
	fuzz_mail_list(m->references, "references");
	fuzz_check_text(m->language, true, "language");
	fuzz_assert(m->body_text != NULL, "body_text is NULL");
	fuzz_check_text(m->body_text, false, "body_text");
	fuzz_touch_str(m->body_html);
	fuzz_assert(m->attachments != NULL, "attachments is NULL");
	for (i = 0; i < m->attachments->len; i++) {
		const struct mail_attachment *a = g_ptr_array_index(m->attachments, i);
		gsize len = 0;
		const void *data;

		fuzz_check_text(a->filename, true, "attachment filename");
		fuzz_assert(a->content_type != NULL, "attachment %u has no content type", i);
		fuzz_check_text(a->content_type, true, "attachment content_type");
		fuzz_assert(a->content != NULL, "attachment %u has no content", i);
		data = g_bytes_get_data(a->content, &len);
		fuzz_touch(data, len);
	}
	if (m->report != NULL) {
		fuzz_check_text(m->report->original_message_id, true, "report original_message_id");
		fuzz_check_text(m->report->recipient, true, "report recipient");
		fuzz_check_text(m->report->action, true, "report action");
		fuzz_check_text(m->report->status, true, "report status");
		fuzz_check_text(m->report->diagnostic, true, "report diagnostic");
	}
}

/* Classify the message for a few envelope senders and check the answer. */
static void fuzz_mail_classify(const struct mail *m)
{
	static const char *const senders[] = { "customer@example.org", "", NULL };
	struct classify_result r;
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(senders); i++) {
		memset(&r, 0, sizeof(r));
		classify_mail(m, senders[i], "support@example.org", &r);
		fuzz_assert(r.kind >= CLASSIFY_NORMAL && r.kind <= CLASSIFY_LOOP, "classify kind %d", (int)r.kind);
		fuzz_touch_str(classify_name(r.kind));
		fuzz_touch_str(r.reason);
	}
	if (m->from_addr != NULL)
		(void)classify_robot_address(m->from_addr);
}

/* One input: a raw message. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail *m = NULL;
	struct fault f = { 0 };
	size_t i;

	if (mail_parse((const char *)data, size, &m, &f) < 0) {
		fuzz_assert(m == NULL && f.kind == FAULT_PERMANENT, "mail_parse failed with kind %d", (int)f.kind);
		return 0;
	}
	fuzz_assert(m != NULL, "mail_parse succeeded without a message");
	fuzz_mail_fields(m);
	for (i = 0; fuzz_mail_headers[i] != NULL; i++) {
		const char *v = mail_header(m, fuzz_mail_headers[i]);

		fuzz_check_text(v, true, fuzz_mail_headers[i]);
		/* the second lookup comes from mail.c's cache: the same text */
		fuzz_assert(v == mail_header(m, fuzz_mail_headers[i]), "mail_header(%s) changed", fuzz_mail_headers[i]);
	}
	fuzz_mail_classify(m);
	mail_free(&m);
	fuzz_assert(m == NULL, "mail_free left the pointer");
	return 0;
}
