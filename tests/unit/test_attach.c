/* test_attach.c: which of an agent's attachments may go to the customer
 * (never a copy of our own mail, however it is wrapped), what one costs in
 * a mail, and how a stored attachment becomes a composed one. The database
 * side (attach_list, attach_read) is tested by tests/db_attachments.sh. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "keyring.h"
#include "tap.h"
#include "token.h"

/* An attachment of type with content text (and a filename). */
static struct mail_attachment *att(const char *type, const char *filename, const char *text)
{
	struct mail_attachment *a = g_new0(struct mail_attachment, 1);

	a->content_type = g_strdup(type);
	a->filename = g_strdup(filename);
	a->content = g_bytes_new(text, strlen(text));
	return a;
}

/* Free one. */
static void att_free(struct mail_attachment *a)
{
	g_free(a->content_type);
	g_free(a->filename);
	g_free(a->charset);
	g_bytes_unref(a->content);
	g_free(a);
}

/* Whether attach_refusal() refuses, and names why with part. */
static void refused(const struct keyring *ring, struct mail_attachment *a, const char *part, const char *what)
{
	const char *why = attach_refusal(ring, a);

	if (part == NULL)
		tap_ok(why == NULL, "%s: relayed", what);
	else if (!tap_ok(why != NULL && strstr(why, part) != NULL, "%s: not relayed (%s)", what, part))
		printf("# why: %s\n", why ? why : "(relayed)");
	att_free(a);
}

/* A message wrapped depth times in message/rfc822 ("forward as attachment"
 * of a forward ...), innermost inner. */
static char *wrap(const char *inner, int depth)
{
	char *msg = g_strdup(inner);
	int i;

	for (i = 0; i < depth; i++) {
		char *outer = g_strdup_printf("From: a%d@example.org\nSubject: FW: x\nMessage-ID: <fw%d@example.org>\n"
					      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"w%d\"\n\n"
					      "--w%d\nContent-Type: text/plain\n\nsee attached\n"
					      "--w%d\nContent-Type: message/rfc822\n\n%s\n--w%d--\n",
					      i, i, i, i, i, msg, i);

		g_free(msg);
		msg = outer;
	}
	return msg;
}

int main(void)
{
	char dir[] = "/tmp/postdesk-attach-XXXXXX", path[128];
	struct keyring *ring = NULL;
	struct fault f = { 0 };
	char *id = NULL, *ours, *loop, *msg;
	unsigned v;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/a.key", dir);
	if (keyring_generate(path, false, &v, &f) < 0 || keyring_load(path, &ring, &f) < 0 ||
	    token_message_id(ring, 12, "example.org", &id, &f) < 0)
		return 1;
	/* our notification as Outlook attaches it: its own headers, our Message-ID */
	ours = g_strdup_printf("Date: Tue, 10 Mar 2026 09:14:30 +0000\nFrom: Zofia via Helpdesk <support@example.org>\n"
			       "Reply-To: support+a12.1.0123456789abcdef0123@example.org\nTo: alice@example.org\n"
			       "Subject: [Helpdesk #12] New case: x\nMessage-Id: <%s>\nMIME-Version: 1.0\n"
			       "Content-Type: text/plain; charset=utf-8\n\nHello Alice,\nnote address support+n12.1.x\n", id);
	loop = g_strdup("From: support@example.org\nSubject: [Helpdesk #12] New case: x\n"
			"Message-ID: <forged.1@example.org>\nX-Postdesk-Loop: support@example.org\n\nHello\n");

	refused(ring, att("message/rfc822", NULL, ours), "its Message-ID is postdesk's", "our notification attached");
	refused(ring, att("message/rfc822", "RE Case.eml", loop), "X-Postdesk-Loop", "a copy with our loop header only");
	refused(ring, att("application/octet-stream", "notification.eml", ours), "Message-ID is postdesk's",
		"our notification as an .eml file of type octet-stream");
	refused(ring, att("message/global", NULL, ours), "postdesk's", "our notification as message/global");
	msg = wrap(ours, 1);
	refused(ring, att("message/rfc822", NULL, msg), "holding a copy", "a forward that holds our notification");
	g_free(msg);
	msg = wrap(ours, 2);
	refused(ring, att("message/rfc822", NULL, msg), "holding a copy", "two forwards deep");
	g_free(msg);
	msg = wrap(ours, 3);
	refused(ring, att("message/rfc822", NULL, msg), NULL,
		"three forwards deep: not looked into (ATTACH_MAX_NESTING bounds the work)");
	g_free(msg);
	refused(ring, att("message/rfc822", NULL, "From: jan@example.net\nSubject: invoice\n"
			  "Message-ID: <CAJx9@mail.gmail.com>\n\nThe invoice.\n"), NULL, "the customer's own mail forwarded");
	refused(ring, att("message/rfc822", NULL, "From: x\nMessage-ID: <pd.c12.1.00000000000000000000.abc@example.org>\n\nx\n"),
		NULL, "a Message-ID that looks like ours but is not signed");
	refused(ring, att("message/rfc822", NULL, "\x01\x02 not a message"), NULL, "an attached message that is no message");
	refused(ring, att("application/pkcs7-signature", "smime.p7s", "0\x82"), "signature", "S/MIME signature");
	refused(ring, att("application/x-pkcs7-signature", "smime.p7s", "0\x82"), "signature", "old S/MIME signature");
	refused(ring, att("application/pgp-signature", "signature.asc", "-----BEGIN PGP"), "signature", "OpenPGP signature");
	refused(ring, att("application/pdf", "Faktura.pdf", "%PDF-1.7"), NULL, "a PDF");
	refused(ring, att("text/calendar", "invite.ics", "BEGIN:VCALENDAR"), NULL, "a calendar file (as a file)");
	refused(NULL, att("message/rfc822", NULL, loop), "X-Postdesk-Loop", "without keys: the loop header still counts");

	tap_int(attach_cost(0), ATTACH_PART_OVERHEAD, "cost of an empty file: the headers");
	tap_int(attach_cost(57), 76 + 2 + ATTACH_PART_OVERHEAD, "57 bytes: one base64 line and its CRLF");
	tap_int(attach_cost(58), 80 + 4 + ATTACH_PART_OVERHEAD, "58 bytes: two lines");
	tap_ok(attach_cost(10485760) > 10485760 * 4 / 3 && attach_cost(10485760) < 10485760 * 14 / 10,
	       "10 MB costs about 37%% more: %lld", attach_cost(10485760));
	{
		struct mail_attachment *a = att("text/plain", "poznámky.txt", "x");
		struct compose_attachment c;
		char *type = NULL;

		a->charset = g_strdup("windows-1250");
		attach_compose(a, &c, &type);
		tap_is(c.content_type, "text/plain; charset=windows-1250", "compose: a text file keeps its charset");
		tap_ok(c.filename == a->filename && c.content == a->content, "compose: name and bytes borrowed");
		g_free(type);
		g_free(a->charset);
		a->charset = g_strdup("utf-8\"; name=\"evil.exe");
		attach_compose(a, &c, &type);
		tap_is(c.content_type, "text/plain", "compose: a charset that is not a token is dropped");
		tap_ok(type == NULL, "compose: nothing to free then");
		att_free(a);
	}
	g_free(ours);
	g_free(loop);
	g_free(id);
	keyring_free(&ring);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
