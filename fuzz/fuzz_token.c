/* fuzz_token.c: libFuzzer target for token checking: the input is the
 * part of a recipient address after the delimiter (token_check) and a
 * Message-ID (token_message_id_case), both checked against a fixed key ring
 * of versions 1 and 2. A token that verifies must be spelled exactly as
 * token_make() spells it (one spelling per token), with a positive case and
 * a role of 1 to 3 lower-case letters. The seeds in fuzz/corpus/token/ are
 * tokens and Message-IDs signed with these keys (tests/tokentool on a key
 * file holding the lines below). */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "keyring.h"
#include "token.h"

/* The fixed keys: version 1 and version 2 (never used anywhere else). */
#define FUZZ_KEY_1 "1 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
#define FUZZ_KEY_2 "2 202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\n"

/* Both versions (what checks), and version 1 alone (to spell its tokens). */
static struct keyring *fuzz_ring, *fuzz_ring_v1;

/* Load a key ring from text: a 0600 file in a new temporary directory, removed at once. */
static struct keyring *fuzz_token_ring(const char *text)
{
	char *dir = g_dir_make_tmp("fuzz_token.XXXXXX", NULL), *path;
	struct keyring *ring = NULL;
	struct fault f = { 0 };
	int fd;

	fuzz_assert(dir != NULL, "cannot make a temporary directory");
	path = g_build_filename(dir, "key", NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	fuzz_assert(fd >= 0, "cannot create %s: %s", path, strerror(errno));
	fuzz_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "cannot write %s", path);
	close(fd);
	fuzz_assert(keyring_load(path, &ring, &f) == 0, "keyring_load: %s", f.text);
	unlink(path);
	rmdir(dir);
	g_free(path);
	g_free(dir);
	return ring;
}

/* A verified token is one token_make() would write, with either key. */
static void fuzz_token_canonical(const char *token, long long case_id, const char *role)
{
	char remade[TOKEN_MAX], remade_v1[TOKEN_MAX];
	struct fault f = { 0 };

	fuzz_assert(case_id > 0, "token '%s' verified with case %lld", token, case_id);
	fuzz_assert(strlen(role) >= 1 && strlen(role) <= 3 && strspn(role, "abcdefghijklmnopqrstuvwxyz") == strlen(role),
		    "token '%s' verified with role '%s'", token, role);
	fuzz_assert(token_make(fuzz_ring, case_id, role, remade, &f) == 0, "token_make: %s", f.text);
	fuzz_assert(token_make(fuzz_ring_v1, case_id, role, remade_v1, &f) == 0, "token_make: %s", f.text);
	fuzz_assert(strcmp(token, remade) == 0 || strcmp(token, remade_v1) == 0,
		    "token '%s' verified, but case %lld role %s is spelled '%s' (or '%s')", token, case_id, role,
		    remade, remade_v1);
}

/* One input: a token, and the same bytes as a Message-ID, up to the first NUL. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size), role[4];
	struct fault f = { 0 };
	long long case_id = 0;

	if (fuzz_ring == NULL) {
		/* once per run, kept to the end */
		fuzz_ring = fuzz_token_ring(FUZZ_KEY_1 FUZZ_KEY_2);
		fuzz_ring_v1 = fuzz_token_ring(FUZZ_KEY_1);
	}
	if (token_check(fuzz_ring, text, &case_id, role, &f) == 0) {
		fuzz_token_canonical(text, case_id, role);
		(void)token_role_rating(role);
	} else {
		fuzz_assert(f.kind == FAULT_PERMANENT, "token_check failed with kind %d", (int)f.kind);
	}
	case_id = 0;
	if (token_message_id_case(fuzz_ring, text, &case_id) == 0)
		fuzz_assert(case_id > 0 && strncmp(text, "pd.m", 4) == 0, "Message-ID '%s' verified with case %lld",
			    text, case_id);
	g_free(text);
	return 0;
}
