/* front.c: the postdesk command itself, kept small. The MTA starts it for
 * every message, and a program linked with GMime, libetpan, libpq and
 * libsodium spends about 6 ms just being loaded; this one links only GLib.
 * "postdesk deliver" with a server running (server_socket) is handed to it
 * here; everything else, and deliver without a server, runs postdesk-core
 * (the whole program) with the same arguments. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "handoff.h"
#include "log.h"
#include "mta.h"

/* Seconds the client waits for the server beyond the server's own deadline. */
#define FRONT_GRACE 15

/* Run postdesk-core with our arguments: from our own directory (the build
 * tree), else from the installed libexec directory. Returns only on failure. */
static int front_core(char **argv, bool mta)
{
	char self[PATH_MAX], core[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(core, sizeof(core), "%s/postdesk-core", self);
			if (access(core, X_OK) == 0)
				execv(core, argv);
		}
	}
	snprintf(core, sizeof(core), "%s/postdesk-core", POSTDESK_LIBEXEC_DIR);
	execv(core, argv);
	if (mta) {
		printf("4.3.0 cannot run %s: %s\n", core, strerror(errno));
		return EX_TEMPFAIL;
	}
	fprintf(stderr, "postdesk: cannot run %s: %s\n", core, strerror(errno));
	return EX_UNAVAILABLE;
}

/* Hand "deliver ARGS" to the server. Returns 1 with *code_r set when the
 * server took the message, 0 when the core must deliver it (stdin untouched). */
static int front_handoff(const struct config *cfg, int argc, char **argv, int *code_r)
{
	const char *qid = "NOQUEUE";
	char config[PATH_MAX], text[HANDOFF_TEXT_MAX + 1], path[PATH_MAX];
	enum handoff_answer answer;
	struct fault f = { 0 };
	int i, sock, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 0;
		if (strcmp(argv[i], "--queue-id") == 0 && i + 1 < argc)
			qid = argv[i + 1];
	}
	if (realpath(cfg->path, config) == NULL)
		return 0;
	/* a socket someone else could have put there may be a fake server that
	 * says "stored" and drops the message */
	if (handoff_check_path(cfg->server_socket, path, sizeof(path), &f) < 0) {
		log_warning("%s: not using the server at %s: %s; delivering in-process", qid,
			    cfg->server_socket, f.text);
		return 0;
	}
	r = handoff_connect(path, &sock, &f);
	if (r == 0) {
		log_warning("%s: no server at %s (not running); delivering in-process", qid, cfg->server_socket);
		return 0;
	}
	if (r < 0) {
		log_warning("%s: not using the server at %s: %s; delivering in-process", qid,
			    cfg->server_socket, f.text);
		return 0;
	}
	alarm((unsigned)(cfg->deliver_timeout + FRONT_GRACE));
	if (handoff_send(sock, config, argc, argv, STDIN_FILENO, &f) < 0) {
		close(sock);
		log_warning("%s: %s; delivering in-process", qid, f.text);
		return 0;
	}
	r = handoff_wait(sock, &answer, text, sizeof(text), &f);
	close(sock);
	alarm(0);
	if (r < 0) {
		log_warning("%s: status=deferred (%s)", qid, f.text);
		*code_r = mta_exit(&f, false);
		return 1;
	}
	switch (answer) {
	case HANDOFF_OK:
		*code_r = 0;
		return 1;
	case HANDOFF_NOUSER:
		fault_set(&f, FAULT_NOUSER, "%s", text);
		*code_r = mta_exit(&f, false);
		return 1;
	case HANDOFF_TEMPFAIL:
		fault_temp(&f, "%s", text);
		*code_r = mta_exit(&f, false);
		return 1;
	case HANDOFF_USAGE:
		fault_set(&f, FAULT_USAGE, "%s", text);
		*code_r = mta_exit(&f, false);
		return 1;
	case HANDOFF_REFUSED:
		break;
	}
	log_warning("%s: the server at %s did not take it (%s); delivering in-process", qid,
		    cfg->server_socket, text);
	return 0;
}

/* Whether the command line may be the MTA's "postdesk deliver" with a
 * mistake before "deliver" (postdesk-core judges it): any argument is
 * "deliver". Then a missing postdesk-core is EX_TEMPFAIL too. */
static bool front_mta_argv(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "deliver") == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	const char *path = config_path();
	struct config *cfg = NULL;
	struct fault f = { 0 };
	int i = 1, code = 0, taken = 0;

	if (i + 1 < argc && (strcmp(argv[i], "-c") == 0 || strcmp(argv[i], "--config") == 0)) {
		path = argv[i + 1];
		i += 2;
	} else if (i < argc && strncmp(argv[i], "--config=", 9) == 0) {
		path = argv[i] + 9;
		i++;
	}
	if (i >= argc || strcmp(argv[i], "deliver") != 0)
		return front_core(argv, front_mta_argv(argc, argv));
	mta_guard();
	/* Any trouble with the configuration is the core's to report. */
	if (config_load(path, &cfg, &f) == 0 && cfg->server_socket[0] != '\0' && config_open_log(cfg, &f) == 0)
		taken = front_handoff(cfg, argc - i, argv + i, &code);
	config_free(&cfg);
	log_close();
	return taken ? code : front_core(argv, true);
}
