/* attach.c: a case's attachments read back from the raw messages they came
 * in, the ones of an agent's that must not reach the customer, and their
 * cost in a mail. */
#include <glib.h>
#include <libpq-fe.h>
#include <string.h>

#include "attach.h"
#include "classify.h"
#include "db.h"
#include "store.h"
#include "token.h"

/* Attached messages looked into for a copy of postdesk's own mail: an
 * Outlook forward of a forward of a notification is two levels deep. */
#define ATTACH_MAX_NESTING 3

int attach_list(struct db *db, long long case_id, GArray *refs, struct fault *f)
{
	PGresult *res;
	char *purged = NULL;
	bool exists;
	int i;

	if (store_case_purged(db, case_id, &exists, &purged, f) < 0)
		return -1;
	if (!exists)
		return fault_perm(f, "no case %lld", case_id);
	if (purged != NULL) {
		fault_perm(f, "case %lld was purged at %s (retention): its mail and attachments are gone", case_id,
			   purged);
		g_free(purged);
		return -1;
	}
	res = store_case_attachments(db, case_id, f);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		struct attach_ref r = {
			.n = db_get_ll(res, i, ATT_N), .message = db_get_ll(res, i, ATT_MESSAGE),
			.index = (int)db_get_ll(res, i, ATT_INDEX), .filename = g_strdup(db_value(res, i, ATT_FILENAME)),
			.content_type = g_strdup(PQgetvalue(res, i, ATT_TYPE)), .size = db_get_ll(res, i, ATT_SIZE),
			.customer = db_get_bool(res, i, ATT_CUSTOMER),
		};

		g_array_append_val(refs, r);
	}
	PQclear(res);
	return 0;
}

void attach_refs_clear(GArray *refs)
{
	guint i;

	for (i = 0; i < refs->len; i++) {
		struct attach_ref *r = &g_array_index(refs, struct attach_ref, i);

		g_free(r->filename);
		g_free(r->content_type);
	}
	g_array_set_size(refs, 0);
}

/* The attachment ref names in a parsed message, NULL when the message does
 * not hold one of that type and size there. */
static const struct mail_attachment *attach_find(const struct mail *m, const struct attach_ref *ref)
{
	const struct mail_attachment *a;

	if (m == NULL || ref->index < 1 || (guint)ref->index > m->attachments->len)
		return NULL;
	a = g_ptr_array_index(m->attachments, ref->index - 1);
	if (strcmp(a->content_type, ref->content_type) != 0 || (long long)g_bytes_get_size(a->content) != ref->size)
		return NULL;
	return a;
}

int attach_read(struct db *db, const struct attach_ref *refs, size_t n, attach_fn *fn, void *ctx,
		struct fault *f)
{
	size_t i = 0;

	while (i < n) {
		long long message = refs[i].message;
		unsigned char *raw = NULL;
		size_t len = 0;
		struct mail *m = NULL;
		struct fault pf = { 0 };
		const char *why = NULL;
		int ret = 0;

		if (store_message_raw(db, message, &raw, &len, f) < 0)
			return -1;
		if (raw == NULL)
			why = "its message is no longer stored";
		else if (mail_parse((const char *)raw, len, &m, &pf) < 0)
			why = "its message cannot be read";
		PQfreemem(raw);
		for (; i < n && refs[i].message == message && ret == 0; i++) {
			const struct mail_attachment *a = why ? NULL : attach_find(m, &refs[i]);

			ret = fn(ctx, &refs[i], a, a || why ? why : "its message no longer holds it as it did", f);
		}
		mail_free(&m);
		if (ret < 0)
			return -1;
	}
	return 0;
}

/* Whether an attachment is, or may be, a whole message: message/rfc822 (and
 * RFC 6532's message/global), or a file called *.eml. */
static bool attach_is_message(const struct mail_attachment *a)
{
	return strcmp(a->content_type, "message/rfc822") == 0 || strcmp(a->content_type, "message/global") == 0 ||
	       (a->filename != NULL && g_str_has_suffix(a->filename, ".eml")) ||
	       (a->filename != NULL && g_str_has_suffix(a->filename, ".EML"));
}

/* Why an attached message is a copy of postdesk's own mail, NULL when it
 * is not (or is no message); looks into its attached messages too. */
static const char *attach_ours(const struct keyring *ring, const struct mail_attachment *a, int depth)
{
	const char *why = NULL;
	struct mail *inner = NULL;
	struct fault f = { 0 };
	long long case_id;
	guint i;

	if (depth >= ATTACH_MAX_NESTING || !attach_is_message(a) ||
	    mail_parse(g_bytes_get_data(a->content, NULL), g_bytes_get_size(a->content), &inner, &f) < 0)
		return NULL;
	if (inner->message_id != NULL && ring != NULL && token_message_id_case(ring, inner->message_id, &case_id) == 0)
		why = "a copy of a mail postdesk sent (its Message-ID is postdesk's)";
	else if (mail_header(inner, CLASSIFY_LOOP_HEADER) != NULL)
		why = "a copy of a mail postdesk sent (it carries " CLASSIFY_LOOP_HEADER ")";
	for (i = 0; why == NULL && i < inner->attachments->len; i++)
		if (attach_ours(ring, g_ptr_array_index(inner->attachments, i), depth + 1) != NULL)
			why = "an attached message holding a copy of a mail postdesk sent";
	mail_free(&inner);
	return why;
}

const char *attach_refusal(const struct keyring *ring, const struct mail_attachment *a)
{
	static const char *const signatures[] = {
		"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature", NULL,
	};
	size_t i;

	for (i = 0; signatures[i] != NULL; i++)
		if (strcmp(a->content_type, signatures[i]) == 0)
			return "the signature of the agent's mail (it cannot verify on the relayed one)";
	return attach_ours(ring, a, 0);
}

long long attach_cost(long long size)
{
	long long b64 = (size + 2) / 3 * 4;

	return b64 + (b64 + 75) / 76 * 2 + ATTACH_PART_OVERHEAD;	/* 76 characters and CRLF a line */
}

void attach_compose(const struct mail_attachment *a, struct compose_attachment *c, char **type_r)
{
	static const char token_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:+-";
	bool charset = a->charset != NULL && strspn(a->charset, token_chars) == strlen(a->charset);

	*type_r = charset ? g_strdup_printf("%s; charset=%s", a->content_type, a->charset) : NULL;
	*c = (struct compose_attachment){
		.filename = a->filename, .content_type = charset ? *type_r : a->content_type,
		.content_id = a->content_id, .inline_part = a->inline_part, .content = a->content,
	};
}
