/* test_handoff.c: the deliver-to-server protocol over a socketpair: the
 * arguments (an empty one for the null sender) and the descriptor arrive
 * whole; each answer kind comes back; malformed requests are refused;
 * listening refuses a path that is not a socket and one a server holds. */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handoff.h"
#include "tap.h"

/* Send argv over a fresh pair and check what the server side receives. */
static void roundtrip(int argc, char *const *argv, const char *label)
{
	struct handoff_request req;
	struct fault f = { 0 };
	int sv[2], pipefd[2], got_fd = -1, i;
	char buf[8] = { 0 };

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0 || pipe(pipefd) < 0)
		abort();
	(void)!write(pipefd[1], "abc", 3);
	close(pipefd[1]);
	tap_ok(handoff_send(sv[0], "/etc/postdesk/postdesk.conf", argc, argv, pipefd[0], &f) == 0,
	       "%s: sent", label);
	close(pipefd[0]);
	tap_ok(handoff_receive(sv[1], &req, &got_fd, &f) == 0, "%s: received (%s)", label, f.text);
	tap_is(req.config, "/etc/postdesk/postdesk.conf", "%s: configuration path", label);
	tap_ok(req.argc == argc && req.argv[argc] == NULL, "%s: %d arguments", label, argc);
	for (i = 0; i < argc && i < req.argc; i++)
		tap_is(req.argv[i], argv[i], "%s: argument %d", label, i);
	tap_ok(got_fd >= 0 && read(got_fd, buf, sizeof(buf) - 1) == 3 && strcmp(buf, "abc") == 0,
	       "%s: the message is read through the passed descriptor", label);
	tap_ok(got_fd >= 0 && (fcntl(got_fd, F_GETFD) & FD_CLOEXEC) != 0,
	       "%s: the descriptor is close-on-exec", label);
	if (got_fd >= 0)
		close(got_fd);
	handoff_request_clear(&req);
	close(sv[0]);
	close(sv[1]);
}

/* Send raw bytes (with or without a descriptor) and expect a refusal. */
static void malformed(const char *bytes, size_t len, int with_fd, const char *label)
{
	struct handoff_request req;
	struct fault f = { 0 };
	int sv[2], got_fd = -1;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		abort();
	if (with_fd) {
		union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } control;
		struct iovec iov = { .iov_base = (void *)bytes, .iov_len = len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
				      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
		struct cmsghdr *cm;
		int fd = 0;

		memset(&control, 0, sizeof(control));
		cm = CMSG_FIRSTHDR(&msg);

		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
		(void)!sendmsg(sv[0], &msg, 0);
	} else {
		(void)!send(sv[0], bytes, len, 0);
	}
	tap_ok(handoff_receive(sv[1], &req, &got_fd, &f) < 0 && got_fd == -1 &&
	       f.kind == FAULT_PERMANENT && req.config == NULL,
	       "%s: refused (%s)", label, f.text);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	static const char good[] = "postdesk-handoff-1\0/c\0deliver\0--sender\0";
	char *full[] = { "deliver", "--sender", "customer@example.net", "--recipient",
			 "support+x@example.org", "--queue-id", "4XyZ1", NULL };
	char *sparse[] = { "deliver", "--sender", "", "--recipient", "support@example.org", NULL };
	char *many[70];
	enum handoff_answer kinds[] = { HANDOFF_OK, HANDOFF_TEMPFAIL, HANDOFF_NOUSER, HANDOFF_REFUSED, HANDOFF_USAGE };
	struct fault f = { 0 };
	char path[] = "/tmp/test_handoff.XXXXXX", sock_path[64], text[64];
	int sv[2], i, fd, fd2;

	roundtrip(7, full, "every option");
	roundtrip(5, sparse, "an empty argument (the null sender)");
	for (i = 0; i < 70; i++)
		many[i] = "x";
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		abort();
	tap_ok(handoff_send(sv[0], "/c", 70, many, 0, &f) < 0 && f.kind == FAULT_PERMANENT,
	       "70 arguments are not sent (%s)", f.text);
	close(sv[0]);
	close(sv[1]);

	for (i = 0; i < (int)(sizeof(kinds) / sizeof(kinds[0])); i++) {
		enum handoff_answer got = HANDOFF_OK;

		if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
			abort();
		tap_ok(handoff_answer(sv[1], kinds[i], "4.3.0-ish text") == 0 &&
		       handoff_wait(sv[0], &got, text, sizeof(text), &f) == 0 && got == kinds[i] &&
		       strcmp(text, "4.3.0-ish text") == 0, "answer kind %d and its text come back", i);
		close(sv[1]);
		tap_ok(handoff_wait(sv[0], &got, text, sizeof(text), &f) < 0 &&
		       f.kind == FAULT_TEMPORARY && strstr(f.text, "without an answer") != NULL,
		       "a closed connection without an answer is temporary (%s)", f.text);
		close(sv[0]);
	}

	malformed(good, sizeof(good), 0, "a good request without a descriptor");
	malformed("postdesk-handoff-2\0/c\0deliver\0", 30, 1, "another protocol version");
	malformed("postdesk-handoff-1\0/c\0", 22, 1, "no arguments");
	malformed("postdesk-handoff-1\0/c\0deliver\0extra", 35, 1, "trailing bytes without a NUL");
	malformed("postdesk-handoff-1", 18, 1, "no terminating NUL");

	if (mkdtemp(path) == NULL)
		abort();
	snprintf(sock_path, sizeof(sock_path), "%s/s", path);
	fd = open(sock_path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	tap_ok(handoff_listen(sock_path, &fd, &f) < 0 && strstr(f.text, "not a socket") != NULL,
	       "a file that is not a socket is left alone (%s)", f.text);
	unlink(sock_path);
	tap_ok(handoff_listen(sock_path, &fd, &f) == 0, "listening on a fresh path");
	tap_ok(handoff_listen(sock_path, &fd2, &f) < 0 && strstr(f.text, "already listens") != NULL,
	       "a second listener on the same path is refused (%s)", f.text);
	tap_int(handoff_connect(sock_path, &fd2, &f), 1, "a client connects");
	close(fd2);

	/* the client's check of the socket's path (in /tmp: sticky, root's) */
	{
		char real[128], sub[96];

		fault_clear(&f);
		tap_ok(handoff_check_path(sock_path, real, sizeof(real), &f) == 0 && strcmp(real, sock_path) == 0,
		       "our socket in our directory in /tmp passes (%s)", f.text);
		chmod(path, 0777);
		tap_ok(handoff_check_path(sock_path, real, sizeof(real), &f) < 0 &&
		       strstr(f.text, "writable by group or others (mode 0777, not sticky)") != NULL,
		       "... not in a directory anyone may write to (%s)", f.text);
		chmod(path, 0770);
		tap_ok(handoff_check_path(sock_path, real, sizeof(real), &f) < 0, "... nor one its group may write to");
		chmod(path, 01777);
		tap_ok(handoff_check_path(sock_path, real, sizeof(real), &f) == 0,
		       "a sticky world-writable directory: our own socket passes");
		chmod(path, 0700);
		snprintf(sub, sizeof(sub), "%s/../%s/./s", path, strrchr(path, '/') + 1);
		tap_ok(handoff_check_path(sub, real, sizeof(real), &f) == 0 && strcmp(real, sock_path) == 0,
		       "the directories are resolved: %s", real);
		tap_ok(handoff_check_path("/nonexistent-pd/s", real, sizeof(real), &f) == 0 &&
		       strcmp(real, "/nonexistent-pd/s") == 0, "no such directory: no server, nothing unsafe");
		if (geteuid() == 0) {
			(void)!chown(sock_path, 65534, (gid_t)-1);
			tap_ok(handoff_check_path(sock_path, real, sizeof(real), &f) < 0 &&
			       strstr(f.text, "owned by uid 65534") != NULL, "a socket of another user's fails (%s)",
			       f.text);
			(void)!chown(sock_path, 0, (gid_t)-1);
			(void)!chown(path, 65534, (gid_t)-1);
			tap_ok(handoff_check_path(sock_path, real, sizeof(real), &f) < 0 &&
			       strstr(f.text, "owned by uid 65534") != NULL, "a directory of another user's fails (%s)",
			       f.text);
			(void)!chown(path, 0, (gid_t)-1);
		} else {
			tap_ok(1, "# SKIP not root: cannot give the socket away");
			tap_ok(1, "# SKIP not root: cannot give the directory away");
		}
	}
	close(fd);
	tap_int(handoff_connect(sock_path, &fd2, &f), 0, "a stale socket counts as no server");
	tap_ok(handoff_listen(sock_path, &fd, &f) == 0, "a stale socket is replaced");
	close(fd);
	unlink(sock_path);
	tap_int(handoff_connect(sock_path, &fd2, &f), 0, "no socket at all counts as no server");
	rmdir(path);
	return tap_done();
}
