/* handoffclient.c: test helper that speaks the deliver-to-server protocol
 * from outside postdesk, as another local user could (tests only, not
 * installed). It connects with a plain connect(), without the checks the
 * postdesk front makes.
 *   handoffclient send SOCKET CONFIG ARG... < message
 *       hand ARGs ("deliver", "--recipient", ...) and stdin to the server;
 *       print its answer as "LETTER text" (O stored, T temporary failure,
 *       N no such user, R refused, U bad command line), or "closed" when
 *       it closes the connection without one (also when it did so before
 *       the request could be sent). Exit 0; 2 when it cannot connect or
 *       send ("error: ...").
 *   handoffclient idle SOCKET SECONDS
 *       connect, print "connected", send nothing; then print "closed after
 *       N.N s" when the server closes the connection, or "open after
 *       SECONDS s". Exit 0; 2 when it cannot connect.
 *   handoffclient serve SOCKET SECONDS COUNTFILE
 *       a fake server: listen on SOCKET (mode 0666) and answer every
 *       request "O" without reading its message, as a server put up by
 *       someone else would; write the number of requests taken to
 *       COUNTFILE (0 at the start); exit after SECONDS. */
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "handoff.h"

/* Fill addr with path, or exit 2 when it does not fit. */
static void client_address(const char *path, struct sockaddr_un *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr->sun_path)) {
		printf("error: socket path too long\n");
		exit(2);
	}
	strcpy(addr->sun_path, path);
}

/* Connect to path, or exit 2. */
static int client_connect(const char *path)
{
	struct sockaddr_un addr;
	int sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	client_address(path, &addr);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		printf("error: connecting to %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return sock;
}

/* "send": one request with stdin, and its answer. */
static int client_send(const char *path, const char *config, int argc, char **argv)
{
	char text[HANDOFF_TEXT_MAX + 1];
	enum handoff_answer answer;
	struct fault f = { 0 };
	int sock = client_connect(path);

	/* a server that refuses before reading may have closed the connection
	 * already: its answer, if any, is waiting */
	if (handoff_send(sock, config, argc, argv, STDIN_FILENO, &f) < 0) {
		struct fault ignored;

		fcntl(sock, F_SETFL, O_NONBLOCK);
		if (handoff_wait(sock, &answer, text, sizeof(text), &ignored) < 0) {
			printf("error: %s\n", f.text);
			return 2;
		}
		printf("%c %s\n", "OTNRU"[answer], text);
		return 0;
	}
	if (handoff_wait(sock, &answer, text, sizeof(text), &f) < 0)
		printf("closed\n");
	else
		printf("%c %s\n", "OTNRU"[answer], text);
	close(sock);
	return 0;
}

/* "idle": connect, send nothing, report when the server hangs up. */
static int client_idle(const char *path, int seconds)
{
	int sock = client_connect(path);
	struct pollfd p = { .fd = sock, .events = POLLIN };
	gint64 start = g_get_monotonic_time();
	char c;

	printf("connected\n");
	fflush(stdout);
	while (poll(&p, 1, seconds * 1000) < 0 && errno == EINTR)
		;
	if (p.revents != 0 && recv(sock, &c, 1, MSG_DONTWAIT) <= 0)
		printf("closed after %.1f s\n", (double)(g_get_monotonic_time() - start) / 1e6);
	else
		printf("open after %d s\n", seconds);
	close(sock);
	return 0;
}

/* Write n to path. */
static void client_count(const char *path, int n)
{
	FILE *fp = fopen(path, "w");

	if (fp != NULL) {
		fprintf(fp, "%d\n", n);
		fclose(fp);
	}
}

/* "serve": a fake server that takes every request and stores nothing. */
static int client_serve(const char *path, int seconds, const char *countfile)
{
	struct sockaddr_un addr;
	gint64 end = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
	int sock = socket(AF_UNIX, SOCK_SEQPACKET, 0), n = 0;

	client_address(path, &addr);
	unlink(path);
	if (sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0666) < 0 ||
	    listen(sock, 16) < 0) {
		printf("error: listening on %s: %s\n", path, strerror(errno));
		return 2;
	}
	client_count(countfile, 0);
	while (g_get_monotonic_time() < end) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		struct handoff_request req;
		struct fault f = { 0 };
		int conn, msg_fd;

		if (poll(&p, 1, 100) <= 0 || (conn = accept(sock, NULL, NULL)) < 0)
			continue;
		if (handoff_receive(conn, &req, &msg_fd, &f) == 0) {
			client_count(countfile, ++n);
			handoff_answer(conn, HANDOFF_OK, "");
			close(msg_fd);
			handoff_request_clear(&req);
		}
		close(conn);
	}
	close(sock);
	unlink(path);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && strcmp(argv[1], "send") == 0)
		return client_send(argv[2], argv[3], argc - 4, argv + 4);
	if (argc == 4 && strcmp(argv[1], "idle") == 0)
		return client_idle(argv[2], atoi(argv[3]));
	if (argc == 5 && strcmp(argv[1], "serve") == 0)
		return client_serve(argv[2], atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: handoffclient send SOCKET CONFIG ARG... < message\n"
			"       handoffclient idle SOCKET SECONDS\n"
			"       handoffclient serve SOCKET SECONDS COUNTFILE\n");
	return 2;
}
