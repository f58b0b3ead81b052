/* keyring.c: loading and generating secret key files with libsodium. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyring.h"

#define KEYRING_MAX 64
/* The largest key file read: KEYRING_MAX lines of "VERSION HEXKEY" and comments. */
#define KEYRING_FILE_MAX 65536

struct keyring_entry {
	unsigned version;
	unsigned char key[KEYRING_KEY_BYTES];
};

struct keyring {
	size_t count;
	struct keyring_entry entries[KEYRING_MAX];
};

/* Parse the text of a key file into ring; errors name path and line. */
static int keyring_parse(const char *path, char *text, struct keyring *ring, struct fault *f)
{
	char **lines = g_strsplit(text, "\n", -1);
	int i, ret = 0;

	for (i = 0; lines[i] != NULL && ret == 0; i++) {
		struct keyring_entry *e = &ring->entries[ring->count];
		char *line = g_strstrip(lines[i]), *hex, *end;
		size_t binlen;
		unsigned long v;
		size_t j;

		if (*line == '\0' || *line == '#')
			continue;
		if (ring->count == KEYRING_MAX) {
			ret = fault_perm(f, "%s:%d: more than %d keys", path, i + 1, KEYRING_MAX);
			break;
		}
		errno = 0;
		v = strtoul(line, &end, 10);
		hex = end + strspn(end, " \t");
		if (errno != 0 || end == line || hex == end || v == 0 || v > KEYRING_VERSION_MAX ||
		    sodium_hex2bin(e->key, sizeof(e->key), hex, strlen(hex), NULL, &binlen, NULL) != 0 ||
		    binlen != sizeof(e->key)) {
			ret = fault_perm(f, "%s:%d: expected 'VERSION HEXKEY' with a %d-byte key", path, i + 1,
					 KEYRING_KEY_BYTES);
			break;
		}
		e->version = (unsigned)v;
		for (j = 0; j < ring->count; j++)
			if (ring->entries[j].version == e->version)
				ret = fault_perm(f, "%s:%d: key version %u appears twice", path, i + 1, e->version);
		ring->count++;
	}
	for (i = 0; lines[i] != NULL; i++)
		sodium_memzero(lines[i], strlen(lines[i]));
	g_strfreev(lines);
	if (ret == 0 && ring->count == 0)
		ret = fault_perm(f, "%s: no keys (create one with 'postdesk keygen')", path);
	return ret;
}

/* The permission bits a key file must not have: group or others writing
 * could add a key of their own and forge tokens, others reading could
 * copy the keys. Group reading is allowed (a group of administrators). */
#define KEYRING_BAD_MODE (S_IWGRP | S_IWOTH | S_IROTH | S_IXOTH)

/* Read the key file's text from fd, after checking its mode on the same
 * descriptor (no window between the check and the read). */
static int keyring_read(const char *path, int fd, GString *text, struct fault *f)
{
	char chunk[4096];
	struct stat st;

	if (fstat(fd, &st) < 0)
		return fault_temp(f, "secret key file %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fault_perm(f, "secret key file %s is not a regular file", path);
	if ((st.st_mode & KEYRING_BAD_MODE) != 0)
		return fault_perm(f, "secret key file %s has mode %04o: it must not be writable by group or "
				  "others, nor readable by others (chmod 0600 it)", path,
				  (unsigned)(st.st_mode & 07777));
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sodium_memzero(chunk, sizeof(chunk));
			return fault_temp(f, "cannot read %s: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		if (text->len + (size_t)n > KEYRING_FILE_MAX) {
			sodium_memzero(chunk, sizeof(chunk));
			return fault_perm(f, "secret key file %s is larger than %d bytes", path, KEYRING_FILE_MAX);
		}
		g_string_append_len(text, chunk, n);
	}
	sodium_memzero(chunk, sizeof(chunk));
	return 0;
}

int keyring_load(const char *path, struct keyring **ring_r, struct fault *f)
{
	struct keyring *ring;
	GString *text;
	int fd, ret;

	if (sodium_init() < 0)
		return fault_temp(f, "libsodium could not initialise");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fault_temp(f, "secret key file %s: %s", path, strerror(errno));
	/* sized in advance, so that no key is left behind in a freed smaller buffer */
	text = g_string_sized_new(KEYRING_FILE_MAX + 1);
	ret = keyring_read(path, fd, text, f);
	close(fd);
	ring = ret == 0 ? sodium_malloc(sizeof(*ring)) : NULL;
	if (ret == 0 && ring == NULL)
		ret = fault_temp(f, "out of memory");
	if (ret == 0) {
		memset(ring, 0, sizeof(*ring));
		ret = keyring_parse(path, text->str, ring, f);
		if (ret < 0)
			sodium_free(ring);
	}
	sodium_memzero(text->str, text->allocated_len);
	g_string_free(text, TRUE);
	if (ret < 0)
		return -1;
	*ring_r = ring;
	return 0;
}

void keyring_free(struct keyring **ring)
{
	if (*ring != NULL)
		sodium_free(*ring);	/* wipes the memory */
	*ring = NULL;
}

const unsigned char *keyring_current(const struct keyring *ring, unsigned *version_r)
{
	const struct keyring_entry *best = &ring->entries[0];
	size_t i;

	for (i = 1; i < ring->count; i++)
		if (ring->entries[i].version > best->version)
			best = &ring->entries[i];
	*version_r = best->version;
	return best->key;
}

const unsigned char *keyring_get(const struct keyring *ring, unsigned version)
{
	size_t i;

	for (i = 0; i < ring->count; i++)
		if (ring->entries[i].version == version)
			return ring->entries[i].key;
	return NULL;
}

/* Write text to a new file beside path with mode 0600, then rename it into place. */
static int keyring_write(const char *path, const char *text, struct fault *f)
{
	gchar *tmp = g_strdup_printf("%s.XXXXXX", path);
	size_t len = strlen(text), off = 0;
	int fd, ret = 0;

	fd = mkstemp(tmp);
	if (fd < 0) {
		fault_perm(f, "cannot create %s: %s", tmp, strerror(errno));
		g_free(tmp);
		return -1;
	}
	if (fchmod(fd, 0600) < 0)
		ret = fault_perm(f, "chmod %s: %s", tmp, strerror(errno));
	while (ret == 0 && off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ret = fault_perm(f, "write %s: %s", tmp, strerror(errno));
		else
			off += (size_t)n;
	}
	if (ret == 0 && fsync(fd) < 0)
		ret = fault_perm(f, "fsync %s: %s", tmp, strerror(errno));
	if (close(fd) < 0 && ret == 0)
		ret = fault_perm(f, "close %s: %s", tmp, strerror(errno));
	if (ret == 0 && rename(tmp, path) < 0)
		ret = fault_perm(f, "rename %s to %s: %s", tmp, path, strerror(errno));
	if (ret < 0)
		unlink(tmp);
	g_free(tmp);
	return ret;
}

int keyring_generate(const char *path, bool rotate, unsigned *version_r, struct fault *f)
{
	struct keyring *old = NULL;
	unsigned char key[KEYRING_KEY_BYTES];
	char hex[KEYRING_KEY_BYTES * 2 + 1];
	GString *text = g_string_new(NULL);
	unsigned version = 1;
	size_t i;
	int ret;

	if (sodium_init() < 0)
		return fault_temp(f, "libsodium could not initialise");
	if (access(path, F_OK) == 0) {
		if (!rotate) {
			g_string_free(text, TRUE);
			return fault_perm(f, "%s already exists (use --rotate to add a new key)", path);
		}
		if (keyring_load(path, &old, f) < 0) {
			g_string_free(text, TRUE);
			return -1;
		}
		keyring_current(old, &version);
		version++;
		for (i = 0; i < old->count; i++) {
			sodium_bin2hex(hex, sizeof(hex), old->entries[i].key, KEYRING_KEY_BYTES);
			g_string_append_printf(text, "%u %s\n", old->entries[i].version, hex);
		}
		keyring_free(&old);
	}
	randombytes_buf(key, sizeof(key));
	sodium_bin2hex(hex, sizeof(hex), key, sizeof(key));
	g_string_append_printf(text, "%u %s\n", version, hex);
	ret = keyring_write(path, text->str, f);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(text->str, text->len);
	g_string_free(text, TRUE);
	if (ret == 0)
		*version_r = version;
	return ret;
}
