/* token.h: signed tokens. A token names a case and a role and carries a
 * keyed MAC (libsodium) over both and the key version, so that it can be
 * put in a reply address ("support+c42.1.<mac>@example.org") or in a
 * Message-ID we generate, and can be checked without the database. */
#ifndef POSTDESK_TOKEN_H
#define POSTDESK_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#include "fault.h"

struct keyring;

/* Longest token text, with its NUL. */
#define TOKEN_MAX 64

/* Roles; a role is short lower-case text so that later roles (survey
 * ratings) fit without changing the format. */
#define TOKEN_ROLE_CUSTOMER "c"
#define TOKEN_ROLE_AGENT "a"
#define TOKEN_ROLE_NOTE "n"
/* An agent's digest address: the number in this role's token is the
 * AGENT's id, not a case id (token_make(ring, agent_id, TOKEN_ROLE_DIGEST)):
 * "support+g7.1.<mac>@example.org" (sql/012_digest.sql). */
#define TOKEN_ROLE_DIGEST "g"
/* Survey ratings 1 (worst) to 5 (best): roles "ra" to "re". */
#define TOKEN_RATING_MAX 5

/* Write the role of a rating (1 to TOKEN_RATING_MAX) into role (4 bytes). */
void token_rating_role(int rating, char role[4]);
/* The rating a role stands for, or 0 when it is not a rating role. */
int token_role_rating(const char *role);

/* Write the token for case_id and role with the newest key:
 * ROLE CASEID "." VERSION "." HEXMAC; role is lower-case letters
 * (1 to 3 lower-case letters). */
int token_make(const struct keyring *ring, long long case_id, const char *role,
	       char out[TOKEN_MAX], struct fault *f);
/* Check a token; on success fill case id and role (role_r holds 4 bytes).
 * Any malformed, altered or unknown-key token fails (permanent). The MAC is
 * compared in constant time. */
int token_check(const struct keyring *ring, const char *token, long long *case_id_r,
		char role_r[4], struct fault *f);
/* A new signed Message-ID (without <>) for mail about case_id:
 * "pd." TOKEN "." RANDOM "@" domain. */
int token_message_id(const struct keyring *ring, long long case_id, const char *domain,
		     char **id_r, struct fault *f);
/* If id is a Message-ID made by token_message_id() with a valid signature,
 * return 0 and its case id; otherwise -1 (f untouched: not an error). */
int token_message_id_case(const struct keyring *ring, const char *id, long long *case_id_r);

/* Whether text holds a token we signed (any role, any case, any of our
 * keys; letters in any case), as in one of our reply addresses or
 * Message-IDs; the first one is copied into found. Linear in the text. */
bool token_find(const struct keyring *ring, const char *text, char found[TOKEN_MAX]);

#endif
