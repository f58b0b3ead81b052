/* test_token.c: signed tokens and Message-IDs: valid ones verify, forged,
 * altered and re-targeted ones never do. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyring.h"
#include "tap.h"
#include "token.h"

/* Whether text verifies, and as which case and role. */
static int check(const struct keyring *ring, const char *text, long long *case_id, char role[4])
{
	struct fault f = { 0 };

	*case_id = 0;
	role[0] = '\0';
	return token_check(ring, text, case_id, role, &f);
}

int main(void)
{
	char dir[] = "/tmp/postdesk-token-XXXXXX", path[128], path2[128];
	char tok[TOKEN_MAX], bad[TOKEN_MAX], role[4];
	struct keyring *ring = NULL, *other = NULL, *rotated = NULL;
	struct fault f = { 0 };
	long long c;
	unsigned v;
	char *id = NULL;
	size_t len;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/a.key", dir);
	snprintf(path2, sizeof(path2), "%s/b.key", dir);
	if (keyring_generate(path, false, &v, &f) < 0 || keyring_generate(path2, false, &v, &f) < 0 ||
	    keyring_load(path, &ring, &f) < 0 || keyring_load(path2, &other, &f) < 0)
		return 1;

	tap_ok(token_make(ring, 42, TOKEN_ROLE_CUSTOMER, tok, &f) == 0, "make a customer token: %s", tok);
	len = strlen(tok);
	tap_ok(len < 64, "under 64 octets (%zu)", len);
	tap_int(strspn(tok, "abcdefghijklmnopqrstuvwxyz0123456789."), len, "lower-case letters, digits, dots");
	tap_ok(check(ring, tok, &c, role) == 0 && c == 42 && strcmp(role, "c") == 0, "verifies as case 42, role c");
	tap_ok(check(other, tok, &c, role) < 0, "another installation's key does not verify it");

	/* re-targeting: change the case number, keep the MAC */
	snprintf(bad, sizeof(bad), "c43%s", tok + 3);
	tap_ok(check(ring, bad, &c, role) < 0 && c == 0, "case 42 token edited to case 43 fails");
	snprintf(bad, sizeof(bad), "a%s", tok + 1);
	tap_ok(check(ring, bad, &c, role) < 0, "role edited (c -> a) fails");
	snprintf(bad, sizeof(bad), "%s", tok);
	bad[len - 1] = bad[len - 1] == '0' ? '1' : '0';
	tap_ok(check(ring, bad, &c, role) < 0, "last MAC digit altered fails");
	bad[len - 1] = '\0';
	tap_ok(check(ring, bad, &c, role) < 0, "truncated MAC fails");
	snprintf(bad, sizeof(bad), "c4.1.00000000000000000000");
	tap_ok(check(ring, bad, &c, role) < 0, "made-up MAC fails");
	snprintf(bad, sizeof(bad), "c42.9.%s", strrchr(tok, '.') + 1);
	tap_ok(check(ring, bad, &c, role) < 0, "unknown key version fails");
	tap_ok(check(ring, "", &c, role) < 0 && check(ring, "c42", &c, role) < 0 &&
	       check(ring, "c042.1.x", &c, role) < 0 && check(ring, "42.1.abc", &c, role) < 0 &&
	       check(ring, "c-1.1.00000000000000000000", &c, role) < 0,
	       "malformed tokens fail");
	/* one spelling only: the version and the case number as token_make()
	 * writes them, without leading zeros, signs or spaces */
	{
		const char *mac = strrchr(tok, '.') + 1;
		static const char *const spell[] = { "c42.01.", "c42.001.", "c42.0000001.", "c42.+1.",
						     "c42. 1.", "c42.1 .", "c42.-1.", "c42.0.",
						     "c042.1.", "c+42.1.", "c42..1." };
		size_t i;
		int none = 1;

		for (i = 0; i < G_N_ELEMENTS(spell); i++) {
			snprintf(bad, sizeof(bad), "%s%s", spell[i], mac);
			if (check(ring, bad, &c, role) == 0) {
				none = 0;
				printf("# accepted: %s\n", bad);
			}
		}
		tap_ok(none, "the same MAC under another spelling of version or case fails (%zu spellings)",
		       G_N_ELEMENTS(spell));
		snprintf(bad, sizeof(bad), "c42.1.%s", mac);
		tap_ok(check(ring, bad, &c, role) == 0 && c == 42, "... and its one spelling verifies: %s", bad);
		snprintf(bad, sizeof(bad), "c42.99999999999999999999.%s", mac);
		tap_ok(check(ring, bad, &c, role) < 0, "a version of 20 digits fails");
		snprintf(bad, sizeof(bad), "c99999999999999999999.1.%s", mac);
		tap_ok(check(ring, bad, &c, role) < 0, "a case number past the range fails");
	}
	{
		char upper[TOKEN_MAX];
		size_t i;

		for (i = 0; i <= len; i++)
			upper[i] = (char)g_ascii_toupper(tok[i]);
		tap_ok(check(ring, upper, &c, role) < 0, "upper-cased token is not accepted as is");
	}
	tap_ok(token_make(ring, 7, TOKEN_ROLE_NOTE, tok, &f) == 0 && check(ring, tok, &c, role) == 0 &&
	       c == 7 && strcmp(role, "n") == 0, "note role round trip");
	tap_ok(token_make(ring, 7, "s1", tok, &f) < 0, "roles are letters only");
	tap_ok(token_make(ring, 0, "c", tok, &f) < 0, "case 0 refused");

	/* key rotation: old tokens still verify, new ones use the new key */
	token_make(ring, 99, "c", tok, &f);
	keyring_generate(path, true, &v, &f);
	keyring_load(path, &rotated, &f);
	tap_ok(check(rotated, tok, &c, role) == 0 && c == 99, "token of key 1 verifies after rotation");
	token_make(rotated, 99, "c", bad, &f);
	tap_ok(strstr(bad, ".2.") != NULL && check(rotated, bad, &c, role) == 0, "new tokens use key 2");

	/* Message-IDs */
	tap_ok(token_message_id(ring, 1234, "helpdesk.example.org", &id, &f) == 0 &&
	       g_str_has_prefix(id, "pd.m1234.") && g_str_has_suffix(id, "@helpdesk.example.org"),
	       "signed Message-ID: %s", id);
	tap_ok(token_message_id_case(ring, id, &c) == 0 && c == 1234, "its case is found again");
	tap_ok(token_message_id_case(other, id, &c) < 0, "not with another key");
	id[4] = '9';
	tap_ok(token_message_id_case(ring, id, &c) < 0, "altered Message-ID fails");
	g_free(id);
	tap_ok(token_message_id_case(ring, "CAB1234@mail.gmail.com", &c) < 0, "a stranger's Message-ID is not ours");
	token_make(ring, 5, "c", tok, &f);
	id = g_strdup_printf("pd.%s.abcd@x", tok);
	tap_ok(token_message_id_case(ring, id, &c) < 0, "a reply-address token is not a Message-ID token");
	g_free(id);

	/* a token anywhere in a text: in an address, upper-cased, in a Message-ID */
	{
		char found[TOKEN_MAX], *text, *up;
		GString *big = g_string_new(NULL);
		int i;

		token_make(ring, 77, TOKEN_ROLE_NOTE, tok, &f);
		text = g_strdup_printf("Thanks!\nTo: Helpdesk <support+%s@example.org>\n", tok);
		tap_ok(token_find(ring, text, found) && strcmp(found, tok) == 0, "token_find: in an address");
		up = g_ascii_strup(text, -1);
		tap_ok(token_find(ring, up, found) && strcmp(found, tok) == 0, "token_find: upper-cased by a client");
		g_free(up);
		g_free(text);
		token_message_id(ring, 77, "example.org", &id, &f);
		text = g_strdup_printf("References: <%s>", id);
		tap_ok(token_find(ring, text, found), "token_find: in one of our Message-IDs");
		g_free(text);
		g_free(id);
		tap_ok(!token_find(ring, "support+c42.1.00000000000000000000@example.org and a1.1.", found),
		       "token_find: a forged token is not ours");
		token_make(other, 77, TOKEN_ROLE_NOTE, bad, &f);
		tap_ok(!token_find(ring, bad, found), "token_find: another installation's token is not ours");
		/* a million almost-tokens: linear */
		for (i = 0; i < 200000; i++)
			g_string_append(big, "a1.2.0123456789abcdef012 ");
		g_string_append_printf(big, "+%s@", tok);
		tap_ok(token_find(ring, big->str, found), "token_find: found after 200,000 near misses");
		g_string_free(big, TRUE);
	}

	keyring_free(&ring);
	keyring_free(&other);
	keyring_free(&rotated);
	unlink(path);
	unlink(path2);
	rmdir(dir);
	return tap_done();
}
