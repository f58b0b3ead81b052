/* tokentool.c: test helper that prints signed tokens and Message-IDs, as
 * the outbound side will put them in mail (tests only, not installed).
 *   tokentool KEYFILE CASE ROLE          a reply-address token
 *   tokentool --msgid KEYFILE CASE DOMAIN  a signed Message-ID */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyring.h"
#include "token.h"

int main(int argc, char **argv)
{
	struct keyring *ring = NULL;
	struct fault f = { 0 };
	char tok[TOKEN_MAX], *id = NULL;
	int msgid = argc == 5 && strcmp(argv[1], "--msgid") == 0, ret = 0;

	if (argc != 4 && !msgid) {
		fprintf(stderr, "usage: tokentool [--msgid] KEYFILE CASE ROLE|DOMAIN\n");
		return 2;
	}
	if (keyring_load(argv[1 + msgid], &ring, &f) < 0) {
		fprintf(stderr, "tokentool: %s\n", f.text);
		return 2;
	}
	if (msgid ? token_message_id(ring, atoll(argv[3]), argv[4], &id, &f) < 0
		  : token_make(ring, atoll(argv[2]), argv[3], tok, &f) < 0) {
		fprintf(stderr, "tokentool: %s\n", f.text);
		ret = 2;
	} else {
		printf("%s\n", msgid ? id : tok);
	}
	g_free(id);
	keyring_free(&ring);
	return ret;
}
