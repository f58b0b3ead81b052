/* test_keyring.c: generating, rotating and loading secret key files. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyring.h"
#include "tap.h"

int main(void)
{
	char dir[] = "/tmp/postdesk-keyring-XXXXXX";
	char path[128], bad[160];
	struct keyring *ring = NULL;
	struct fault f = { 0 };
	const unsigned char *k1, *k2;
	unsigned char saved[KEYRING_KEY_BYTES];
	unsigned v = 0;
	struct stat st;
	FILE *fp;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/secret.key", dir);
	tap_ok(keyring_generate(path, false, &v, &f) == 0 && v == 1, "new key file, version 1");
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "mode is 0600");
	tap_ok(keyring_generate(path, false, &v, &f) < 0 && strstr(f.text, "--rotate") != NULL,
	       "existing file is not overwritten: %s", f.text);
	tap_ok(keyring_load(path, &ring, &f) == 0, "loads");
	k1 = keyring_current(ring, &v);
	memcpy(saved, k1, sizeof(saved));
	tap_int(v, 1, "current version 1");
	keyring_free(&ring);
	tap_ok(ring == NULL, "keyring_free sets NULL");
	tap_ok(keyring_generate(path, true, &v, &f) == 0 && v == 2, "rotate adds version 2");
	tap_ok(keyring_load(path, &ring, &f) == 0, "rotated file loads");
	k2 = keyring_current(ring, &v);
	tap_ok(v == 2 && memcmp(k2, saved, sizeof(saved)) != 0, "version 2 signs, with a new key");
	tap_ok(keyring_get(ring, 1) != NULL && memcmp(keyring_get(ring, 1), saved, sizeof(saved)) == 0,
	       "version 1 still there, unchanged");
	tap_ok(keyring_get(ring, 3) == NULL, "no version 3");
	keyring_free(&ring);

	chmod(path, 0644);
	tap_ok(keyring_load(path, &ring, &f) < 0 && strstr(f.text, "readable by others") != NULL,
	       "world-readable key file refused");
	{
		/* group or others writing could add a key and forge tokens; others reading could steal them */
		static const mode_t refused[] = { 0602, 0620, 0660, 0604, 0606, 0622, 0666, 0700 | 0002 };
		static const mode_t accepted[] = { 0600, 0400, 0640, 0440 };
		size_t i;
		int all = 1;

		for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
			chmod(path, refused[i]);
			fault_clear(&f);
			if (keyring_load(path, &ring, &f) == 0 || strstr(f.text, "chmod 0600") == NULL ||
			    f.kind != FAULT_PERMANENT) {
				all = 0;
				printf("# mode %04o accepted or not explained: %s\n", (unsigned)refused[i], f.text);
				keyring_free(&ring);
			}
		}
		tap_ok(all, "key file writable by group or others, or readable by others, refused (%zu modes)",
		       sizeof(refused) / sizeof(refused[0]));
		chmod(path, 0602);
		keyring_load(path, &ring, &f);
		tap_ok(strstr(f.text, "0602") != NULL, "... the message gives the mode: %s", f.text);
		for (i = 0, all = 1; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
			chmod(path, accepted[i]);
			fault_clear(&f);
			if (keyring_load(path, &ring, &f) < 0) {
				all = 0;
				printf("# mode %04o refused: %s\n", (unsigned)accepted[i], f.text);
			}
			keyring_free(&ring);
		}
		tap_ok(all, "modes 0600, 0400, 0640, 0440 load");
	}
	snprintf(bad, sizeof(bad), "%s/bad.key", dir);
	fp = fopen(bad, "w");
	fputs("1 abcdef\n", fp);
	fclose(fp);
	chmod(bad, 0600);
	tap_ok(keyring_load(bad, &ring, &f) < 0 && strstr(f.text, "bad.key:1") != NULL,
	       "short key names FILE:LINE: %s", f.text);
	fp = fopen(bad, "w");
	fputs("# empty\n", fp);
	fclose(fp);
	tap_ok(keyring_load(bad, &ring, &f) < 0 && strstr(f.text, "no keys") != NULL, "no keys refused");
	tap_ok(keyring_load("/nonexistent/k", &ring, &f) < 0 && f.kind == FAULT_TEMPORARY,
	       "missing file is temporary");
	unlink(path);
	unlink(bad);
	rmdir(dir);
	return tap_done();
}
