/* token.c: signed case tokens for reply addresses and Message-IDs. */
#include <glib.h>
#include <limits.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "keyring.h"
#include "token.h"

/* 80 bits of MAC: 20 hex digits, so a token stays far under 64 octets. */
#define TOKEN_MAC_BYTES 10
/* The most digits of a case id (a long long) and of a key version: 19
 * digits fit in an unsigned long long, and LLONG_MAX has 19. */
#define TOKEN_CASE_DIGITS 19
#define TOKEN_VERSION_DIGITS 7

/* Compute the MAC over role, case id and key version. */
static void token_mac(const unsigned char *key, unsigned version, long long case_id,
		      const char *role, unsigned char mac[TOKEN_MAC_BYTES])
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "postdesk-token\n%s\n%lld\n%u", role, case_id, version);

	crypto_generichash(mac, TOKEN_MAC_BYTES, (const unsigned char *)msg, (size_t)n, key,
			   KEYRING_KEY_BYTES);
}

/* Whether role is 1-3 lower-case letters. */
static int token_role_ok(const char *role, size_t len)
{
	return len >= 1 && len <= 3 && strspn(role, "abcdefghijklmnopqrstuvwxyz") >= len;
}

int token_make(const struct keyring *ring, long long case_id, const char *role,
	       char out[TOKEN_MAX], struct fault *f)
{
	unsigned char mac[TOKEN_MAC_BYTES];
	char hex[TOKEN_MAC_BYTES * 2 + 1];
	unsigned version;
	const unsigned char *key = keyring_current(ring, &version);

	if (!token_role_ok(role, strlen(role)) || case_id <= 0)
		return fault_perm(f, "token: bad role '%s' or case %lld", role, case_id);
	token_mac(key, version, case_id, role, mac);
	sodium_bin2hex(hex, sizeof(hex), mac, sizeof(mac));
	snprintf(out, TOKEN_MAX, "%s%lld.%u.%s", role, case_id, version, hex);
	return 0;
}

/* Parse the decimal number at s as token_make() writes it: 1 to maxdigits
 * digits, no leading zero, no sign or space, followed by '.'. Returns the
 * number and sets *end to the '.', or 0 when the text is not that. */
static unsigned long long token_number(const char *s, size_t maxdigits, const char **end)
{
	size_t n = strspn(s, "0123456789"), i;
	unsigned long long v = 0;

	if (n == 0 || n > maxdigits || s[0] == '0' || s[n] != '.')
		return 0;
	for (i = 0; i < n; i++)
		v = v * 10 + (unsigned long long)(s[i] - '0');
	*end = s + n;
	return v;
}

int token_check(const struct keyring *ring, const char *token, long long *case_id_r,
		char role_r[4], struct fault *f)
{
	unsigned char want[TOKEN_MAC_BYTES], got[TOKEN_MAC_BYTES];
	const unsigned char *key;
	size_t rlen = strspn(token, "abcdefghijklmnopqrstuvwxyz"), binlen;
	unsigned long long version, case_id;
	const char *end, *mac;
	char role[4];

	/* ROLE CASEID "." VERSION "." HEXMAC, nothing else, each number spelt
	 * one way only (as token_make() writes it) */
	if (strlen(token) >= TOKEN_MAX || !token_role_ok(token, rlen) ||
	    (case_id = token_number(token + rlen, TOKEN_CASE_DIGITS, &end)) == 0 || case_id > LLONG_MAX ||
	    (version = token_number(end + 1, TOKEN_VERSION_DIGITS, &end)) == 0 ||
	    version > KEYRING_VERSION_MAX)
		return fault_perm(f, "malformed token");
	mac = end + 1;
	if (strlen(mac) != TOKEN_MAC_BYTES * 2 || strspn(mac, "0123456789abcdef") != TOKEN_MAC_BYTES * 2 ||
	    sodium_hex2bin(got, sizeof(got), mac, TOKEN_MAC_BYTES * 2, NULL, &binlen, NULL) != 0 ||
	    binlen != sizeof(got))
		return fault_perm(f, "malformed token");
	key = keyring_get(ring, (unsigned)version);
	if (key == NULL)
		return fault_perm(f, "token signed with unknown key version %llu", version);
	memcpy(role, token, rlen);
	role[rlen] = '\0';
	token_mac(key, (unsigned)version, (long long)case_id, role, want);
	if (sodium_memcmp(want, got, sizeof(want)) != 0)
		return fault_perm(f, "token signature does not match");
	*case_id_r = (long long)case_id;
	memcpy(role_r, role, rlen + 1);
	return 0;
}

int token_message_id(const struct keyring *ring, long long case_id, const char *domain,
		     char **id_r, struct fault *f)
{
	char token[TOKEN_MAX];
	unsigned char rnd[8];
	char rhex[sizeof(rnd) * 2 + 1];

	if (token_make(ring, case_id, "m", token, f) < 0)
		return -1;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rhex, sizeof(rhex), rnd, sizeof(rnd));
	*id_r = g_strdup_printf("pd.%s.%s@%s", token, rhex, domain);
	return 0;
}

int token_message_id_case(const struct keyring *ring, const char *id, long long *case_id_r)
{
	struct fault ignored;
	const char *at = strrchr(id, '@'), *last;
	char token[TOKEN_MAX], role[4];
	size_t len;

	if (strncmp(id, "pd.", 3) != 0 || at == NULL)
		return -1;
	/* pd.TOKEN.RANDOM@domain: the token is between "pd." and the last dot before '@' */
	for (last = at - 1; last > id + 3 && *last != '.'; last--)
		;
	len = (size_t)(last - (id + 3));
	if (last <= id + 3 || len >= sizeof(token))
		return -1;
	memcpy(token, id + 3, len);
	token[len] = '\0';
	if (token_check(ring, token, case_id_r, role, &ignored) < 0 || strcmp(role, "m") != 0)
		return -1;
	return 0;
}

void token_rating_role(int rating, char role[4])
{
	role[0] = 'r';
	role[1] = (char)('a' + rating - 1);
	role[2] = '\0';
}

int token_role_rating(const char *role)
{
	if (role[0] != 'r' || role[1] < 'a' || role[1] >= 'a' + TOKEN_RATING_MAX || role[2] != '\0')
		return 0;
	return role[1] - 'a' + 1;
}

/* Whether a token's shape starts at s (lower-case text): 1-3 letters,
 * digits, '.', digits, '.', the hex MAC; its length into *len_r. */
static bool token_shape(const char *s, size_t *len_r)
{
	size_t r = strspn(s, "abcdefghijklmnopqrstuvwxyz"), n = r, d;

	if (r < 1 || r > 3)
		return false;
	if ((d = strspn(s + n, "0123456789")) == 0 || d > TOKEN_CASE_DIGITS || s[n + d] != '.')
		return false;
	n += d + 1;
	if ((d = strspn(s + n, "0123456789")) == 0 || d > TOKEN_VERSION_DIGITS || s[n + d] != '.')
		return false;
	n += d + 1;
	if (strspn(s + n, "0123456789abcdef") < TOKEN_MAC_BYTES * 2)
		return false;
	*len_r = n + TOKEN_MAC_BYTES * 2;
	return true;
}

bool token_find(const struct keyring *ring, const char *text, char found[TOKEN_MAX])
{
	char *low = g_ascii_strdown(text ? text : "", -1), role[4];
	struct fault ignored;
	long long case_id;
	bool hit = false;
	size_t i, len;

	/* a token begins with a letter that follows no letter or digit */
	for (i = 0; low[i] != '\0' && !hit; i++) {
		char tok[TOKEN_MAX];

		if (!g_ascii_islower(low[i]) || (i > 0 && g_ascii_isalnum(low[i - 1])) || !token_shape(low + i, &len) ||
		    len >= TOKEN_MAX)
			continue;
		memcpy(tok, low + i, len);
		tok[len] = '\0';
		if (token_check(ring, tok, &case_id, role, &ignored) == 0) {
			memcpy(found, tok, len + 1);
			hit = true;
		}
	}
	g_free(low);
	return hit;
}
