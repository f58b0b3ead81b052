/* handoff.c: the deliver-to-server socket protocol. One request packet:
 * "postdesk-handoff-1", the configuration path, then the arguments, each
 * NUL-terminated, with the message's descriptor attached (SCM_RIGHTS). One
 * answer packet: a letter (O, T, N, R, U) and the text. */
#define _GNU_SOURCE	/* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "handoff.h"

#define HANDOFF_MAGIC "postdesk-handoff-1"
#define HANDOFF_MAX 8192		/* the largest request packet */
#define HANDOFF_MAX_ARGS 64
/* Seconds a server waits for the request after taking a connection: the
 * client sends it at once, and a client that does not must not hold a
 * worker (the workers are few). */
#define HANDOFF_RECV_TIMEOUT 2

static const char handoff_letters[] = "OTNRU";	/* indexed by enum handoff_answer */

/* Fill addr with path; fails when the path does not fit. */
static int handoff_address(const char *path, struct sockaddr_un *addr, struct fault *f)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path))
		return fault_perm(f, "socket path too long: %s", path);
	strcpy(addr->sun_path, path);
	return 0;
}

/* Whether the client may trust what uid owns or runs: root, or itself. */
static bool handoff_trusted(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/* Check one directory of the socket's path: see handoff_check_path(). */
static int handoff_check_dir(const char *dir, struct fault *f)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return fault_perm(f, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fault_perm(f, "%s is not a directory", dir);
	if (!handoff_trusted(st.st_uid))
		return fault_perm(f, "%s is owned by uid %u (neither root nor uid %u)", dir,
				  (unsigned)st.st_uid, (unsigned)geteuid());
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)
		return fault_perm(f, "%s is writable by group or others (mode %04o, not sticky)", dir,
				  (unsigned)(st.st_mode & 07777));
	return 0;
}

int handoff_check_path(const char *path, char *real, size_t size, struct fault *f)
{
	char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
	char *rdir = realpath(dir, NULL), *cur = NULL, *full = NULL, *slash;
	struct stat st;
	int ret = 0;

	if (rdir == NULL) {
		/* no such directory, so no server there: connecting says so */
		g_strlcpy(real, path, size);
		goto out;
	}
	cur = g_strdup(rdir);
	while (ret == 0) {
		ret = handoff_check_dir(cur, f);
		slash = strrchr(cur, '/');
		if (slash == NULL || (slash == cur && cur[1] == '\0'))
			break;
		slash[slash == cur] = '\0';	/* up one: "/a/b" -> "/a", "/a" -> "/" */
	}
	if (ret < 0)
		goto out;
	full = g_build_filename(rdir, base, NULL);
	if (lstat(full, &st) == 0 && !S_ISSOCK(st.st_mode))
		ret = fault_perm(f, "%s is not a socket", full);
	else if (lstat(full, &st) == 0 && !handoff_trusted(st.st_uid))
		ret = fault_perm(f, "%s is owned by uid %u (neither root nor uid %u)", full,
				 (unsigned)st.st_uid, (unsigned)geteuid());
	else if (strlen(full) >= size)
		ret = fault_perm(f, "socket path too long: %s", full);
	else
		g_strlcpy(real, full, size);
out:
	g_free(dir);
	g_free(base);
	free(rdir);
	g_free(cur);
	g_free(full);
	return ret;
}

int handoff_peer(int sock, unsigned *uid_r, long *pid_r, struct fault *f)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof(cred))
		return fault_temp(f, "SO_PEERCRED: %s", strerror(errno));
	*uid_r = (unsigned)cred.uid;
	*pid_r = (long)cred.pid;
	return 0;
}

int handoff_connect(const char *path, int *sock_r, struct fault *f)
{
	struct sockaddr_un addr;
	unsigned uid;
	long pid;
	int sock;

	if (handoff_address(path, &addr, f) < 0)
		return -1;
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return fault_temp(f, "socket: %s", strerror(errno));
	while (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;

		if (e == EINTR)
			continue;
		close(sock);
		if (e == ENOENT || e == ECONNREFUSED)
			return 0;
		return fault_temp(f, "connecting to %s: %s", path, strerror(e));
	}
	/* whoever listens gets the message: only a server of root's or ours */
	if (handoff_peer(sock, &uid, &pid, f) < 0) {
		close(sock);
		return -1;
	}
	if (!handoff_trusted((uid_t)uid)) {
		close(sock);
		return fault_perm(f, "the server at %s runs as uid %u (pid %ld), neither root nor uid %u",
				  path, uid, pid, (unsigned)geteuid());
	}
	*sock_r = sock;
	return 1;
}

int handoff_send(int sock, const char *config, int argc, char *const *argv, int msg_fd,
		 struct fault *f)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	GString *s = g_string_new(NULL);
	struct iovec iov;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cm;
	ssize_t n;
	int i;

	g_string_append_len(s, HANDOFF_MAGIC, sizeof(HANDOFF_MAGIC));
	g_string_append_len(s, config, (gssize)strlen(config) + 1);
	for (i = 0; i < argc; i++)
		g_string_append_len(s, argv[i], (gssize)strlen(argv[i]) + 1);
	if (s->len > HANDOFF_MAX || argc > HANDOFF_MAX_ARGS) {
		g_string_free(s, TRUE);
		return fault_perm(f, "arguments too long to hand to the server");
	}
	iov.iov_base = s->str;
	iov.iov_len = s->len;
	memset(&control, 0, sizeof(control));
	msg.msg_control = control.buf;
	msg.msg_controllen = sizeof(control.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &msg_fd, sizeof(int));
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	g_string_free(s, TRUE);
	if (n < 0)
		return fault_temp(f, "handing the message to the server: %s", strerror(errno));
	return 0;
}

int handoff_wait(int sock, enum handoff_answer *answer_r, char *text, size_t size, struct fault *f)
{
	char buf[HANDOFF_TEXT_MAX + 2];	/* the letter, the text, a NUL */
	const char *letter;
	ssize_t n;

	do
		n = recv(sock, buf, sizeof(buf) - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fault_temp(f, "waiting for the server: %s", strerror(errno));
	if (n == 0)
		return fault_temp(f, "the server closed the connection without an answer");
	buf[n] = '\0';
	letter = strchr(handoff_letters, buf[0]);
	if (letter == NULL || buf[0] == '\0')
		return fault_temp(f, "the server gave an answer this client does not know");
	*answer_r = (enum handoff_answer)(letter - handoff_letters);
	g_strlcpy(text, buf + 1, size);
	return 0;
}

int handoff_listen(const char *path, int *sock_r, struct fault *f)
{
	struct sockaddr_un addr;
	struct stat st;
	int other, r;

	if (handoff_address(path, &addr, f) < 0)
		return -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return fault_perm(f, "%s exists and is not a socket", path);
		r = handoff_connect(path, &other, f);
		if (r > 0) {
			close(other);
			return fault_perm(f, "a server already listens on %s", path);
		}
		if (r < 0 && f->kind == FAULT_PERMANENT)
			return -1;	/* another user's server: not ours to replace */
		unlink(path);
	}
	return handoff_bind(path, SOCK_SEQPACKET, sock_r, f);
}

int handoff_bind(const char *path, int type, int *sock_r, struct fault *f)
{
	struct sockaddr_un addr;
	int sock;

	if (handoff_address(path, &addr, f) < 0)
		return -1;
	sock = socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (sock < 0)
		return fault_temp(f, "socket: %s", strerror(errno));
	if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0660) < 0 ||
	    listen(sock, 128) < 0) {
		fault_perm(f, "listening on %s: %s", path, strerror(errno));
		close(sock);
		return -1;
	}
	*sock_r = sock;
	return 0;
}

/* Take the next NUL-terminated string of the packet at *pos; NULL at the end. */
static const char *handoff_next(const char *buf, size_t len, size_t *pos)
{
	const char *s = buf + *pos;
	const char *end;

	if (*pos >= len || (end = memchr(s, '\0', len - *pos)) == NULL)
		return NULL;
	*pos += (size_t)(end - s) + 1;
	return s;
}

int handoff_receive(int sock, struct handoff_request *req, int *msg_fd_r, struct fault *f)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct timeval tv = { .tv_sec = HANDOFF_RECV_TIMEOUT };
	char *buf = g_malloc(HANDOFF_MAX);
	struct iovec iov = { .iov_base = buf, .iov_len = HANDOFF_MAX };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = control.buf, .msg_controllen = sizeof(control.buf) };
	struct cmsghdr *cm;
	const char *magic, *config, *arg;
	GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
	int fd = -1, ret = -1;
	size_t pos = 0;
	ssize_t n;

	memset(req, 0, sizeof(*req));
	setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		fault_temp(f, "receiving a request: %s", strerror(errno));
		goto out;
	}
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm)) {
		size_t i, count;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < count; i++) {
			int got;

			memcpy(&got, CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
			if (fd < 0)
				fd = got;
			else
				close(got);	/* one descriptor is all a request carries */
		}
	}
	magic = handoff_next(buf, (size_t)n, &pos);
	config = handoff_next(buf, (size_t)n, &pos);
	while (args->len <= HANDOFF_MAX_ARGS && (arg = handoff_next(buf, (size_t)n, &pos)) != NULL)
		g_ptr_array_add(args, g_strdup(arg));
	if (fd < 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0 || magic == NULL ||
	    strcmp(magic, HANDOFF_MAGIC) != 0 || config == NULL || args->len == 0 ||
	    args->len > HANDOFF_MAX_ARGS || pos != (size_t)n) {
		fault_perm(f, "a malformed request (%zd bytes%s)", n, fd < 0 ? ", no descriptor" : "");
		goto out;
	}
	req->config = g_strdup(config);
	req->argc = (int)args->len;
	g_ptr_array_add(args, NULL);
	req->argv = (char **)g_ptr_array_free(args, FALSE);
	args = NULL;
	*msg_fd_r = fd;
	fd = -1;
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	if (args != NULL)
		g_ptr_array_free(args, TRUE);
	g_free(buf);
	return ret;
}

void handoff_request_clear(struct handoff_request *req)
{
	g_free(req->config);
	g_strfreev(req->argv);
	memset(req, 0, sizeof(*req));
}

int handoff_answer(int sock, enum handoff_answer answer, const char *text)
{
	char buf[HANDOFF_TEXT_MAX + 1];
	size_t len = strlen(text);

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[0] = handoff_letters[answer];
	memcpy(buf + 1, text, len);
	return send(sock, buf, len + 1, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

void handoff_linger(int sock, int ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)ms * 1000;
	char buf[512];

	shutdown(sock, SHUT_WR);
	for (;;) {
		gint64 left = (deadline - g_get_monotonic_time()) / 1000;
		struct pollfd p = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return;
		n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return;
	}
}
