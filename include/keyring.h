/* keyring.h: the secret key file. Each line is "VERSION HEXKEY"; the highest
 * version signs new tokens and every listed version still verifies. */
#ifndef POSTDESK_KEYRING_H
#define POSTDESK_KEYRING_H

#include <stdbool.h>
#include <stddef.h>

#include "fault.h"

#define KEYRING_KEY_BYTES 32
/* Key versions run from 1 to this. */
#define KEYRING_VERSION_MAX 1000000

struct keyring;

/* Read a key file; it must not be readable by others. */
int keyring_load(const char *path, struct keyring **ring_r, struct fault *f);
/* Wipe the keys and set *ring to NULL. */
void keyring_free(struct keyring **ring);
/* The newest key and its version. */
const unsigned char *keyring_current(const struct keyring *ring, unsigned *version_r);
/* The key of a version, or NULL when the file has no such version. */
const unsigned char *keyring_get(const struct keyring *ring, unsigned version);
/* Write a new random key file (mode 0600). With rotate, an existing file keeps
 * its keys and gains a new version; without, an existing file is an error. */
int keyring_generate(const char *path, bool rotate, unsigned *version_r, struct fault *f);

#endif
