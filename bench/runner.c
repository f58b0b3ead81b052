/* runner.c: hand messages to a delivery program as an MTA does, and
 * measure it (issues 7 and 17):
 *   runner -j JOBS LISTFILE COMMAND [ARGS...]
 *   runner -j JOBS LISTFILE --lmtp|--smtp unix:/PATH|inet:HOST:PORT
 * LISTFILE names one message file a line, optionally followed by a space and
 * its envelope recipient. With COMMAND (a pipe filter, as Postfix's pipe(8)
 * runs one), each run gets one message on stdin, with at most JOBS runs at
 * once; "{}" in an argument is replaced by the line number (from 1), for
 * per-message arguments such as a queue id, and "{to}" by the recipient
 * (empty when the line gives none). With --lmtp (as Postfix's lmtp(8)), JOBS
 * connections stay open (LHLO once) and each message is one transaction on
 * one of them: MAIL FROM:<customer@example.net>, RCPT TO the line's
 * recipient, DATA (dot-stuffed, CRLF), pipelined, then the recipient's
 * reply; a connection the server closes (421, say after server_max_use) is
 * opened again and a message not yet sent tried again once. --smtp is the
 * same with EHLO, to inject mail into an MTA quickly. Prints one line:
 * runs, failures (exit status other than 0; with --lmtp, a recipient reply
 * other than 250), elapsed seconds, messages/s, p50 and p99 latency in ms
 * (fork to exit; with --lmtp, MAIL to the recipient's reply) and the peak
 * RSS in KiB over all runs (wait4's ru_maxrss; 0 with --lmtp: the server's
 * processes are not the runner's children). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNNER_MAX_JOBS 64
/* the longest the runner waits for a reply or to write, seconds */
#define RUNNER_IO_TIMEOUT 180
#define RUNNER_SENDER "customer@example.net"

struct runner_job {
	pid_t pid;
	double start;
};

/* The messages and the results, shared by the LMTP connections. */
struct runner_set {
	char **files, **rcpts;
	double *lat;
	long nfiles, next, done, failed;
	const char *addr, *hello;	/* "LHLO" or "EHLO" */
	pthread_mutex_t lock;
};

/* One LMTP connection and its input buffer. */
struct runner_conn {
	int fd;
	char buf[8192];
	size_t len, off;
};

/* Monotonic seconds. */
static double runner_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Order doubles. */
static int runner_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Start one run of argv with file on stdin; "{}" becomes n, "{to}" rcpt. */
static pid_t runner_start(char **argv, const char *file, const char *rcpt, long n)
{
	pid_t pid = fork();

	if (pid == 0) {
		char num[24], **args;
		int fd = open(file, O_RDONLY), i, argc = 0;

		while (argv[argc] != NULL)
			argc++;
		args = calloc((size_t)argc + 1, sizeof(*args));
		snprintf(num, sizeof(num), "%ld", n);
		for (i = 0; i < argc; i++)
			args[i] = strcmp(argv[i], "{}") == 0 ? num : strcmp(argv[i], "{to}") == 0 ? (char *)rcpt : argv[i];
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		close(fd);
		execv(args[0], args);
		_exit(127);
	}
	return pid;
}

/* Connect to unix:/PATH or inet:HOST:PORT (HOST may be [IPv6]); fd or -1. */
static int runner_connect(const char *addr)
{
	struct timeval tv = { RUNNER_IO_TIMEOUT, 0 };
	int fd = -1;

	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(addr + 5) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, addr + 5);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			close(fd);
			fd = -1;
		}
	} else if (strncmp(addr, "inet:", 5) == 0) {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL, *ai;
		char host[256];
		const char *colon = strrchr(addr + 5, ':');
		size_t hl = colon ? (size_t)(colon - (addr + 5)) : 0;

		if (colon == NULL || hl >= sizeof(host))
			return -1;
		memcpy(host, addr + 5, hl);
		host[hl] = '\0';
		if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
			memmove(host, host + 1, hl - 2);
			host[hl - 2] = '\0';
		}
		if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
			return -1;
		for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
			fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
			if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
				close(fd);
				fd = -1;
			}
		}
		freeaddrinfo(res);
	}
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

/* Write all of buf; 0 or -1. */
static int runner_write(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one reply (all its lines); its code, or -1 on EOF, error or
 * timeout. A line longer than the buffer is read on as one line. */
static int runner_reply(struct runner_conn *c)
{
	int code = -1;

	for (;;) {
		char *nl = memchr(c->buf + c->off, '\n', c->len - c->off);

		if (nl != NULL) {
			char *line = c->buf + c->off;
			size_t ll = (size_t)(nl - line);

			c->off += ll + 1;
			if (ll < 3 || line[0] < '1' || line[0] > '5')
				return -1;
			code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
			if (ll == 3 || line[3] != '-')
				return code;
			continue;
		}
		if (c->off > 0) {
			memmove(c->buf, c->buf + c->off, c->len - c->off);
			c->len -= c->off;
			c->off = 0;
		}
		if (c->len == sizeof(c->buf))
			c->len = 0;	/* a very long line: keep only its end */
		{
			ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return -1;
			c->len += (size_t)n;
		}
	}
}

/* Open the connection: greeting and LHLO (or EHLO); 0 or -1. */
static int runner_open(struct runner_conn *c, const char *addr, const char *hello)
{
	char cmd[64];
	int n = snprintf(cmd, sizeof(cmd), "%s runner.example.net\r\n", hello);

	c->len = c->off = 0;
	c->fd = runner_connect(addr);
	if (c->fd < 0)
		return -1;
	if (runner_reply(c) == 220 && runner_write(c->fd, cmd, (size_t)n) == 0 && runner_reply(c) == 250)
		return 0;
	close(c->fd);
	c->fd = -1;
	return -1;
}

/* The file as DATA: CRLF line ends, dot-stuffed, ending with ".\r\n";
 * malloc'd, length in *len_r; NULL when it cannot be read. */
static char *runner_data(const char *file, size_t *len_r)
{
	FILE *in = fopen(file, "rb");
	struct stat st;
	char *out = NULL;
	size_t n = 0;
	int ch, bol = 1;

	if (in == NULL)
		return NULL;
	if (fstat(fileno(in), &st) == 0)
		out = malloc((size_t)st.st_size * 2 + 8);
	while (out != NULL && (ch = getc(in)) != EOF) {
		if (bol && ch == '.')
			out[n++] = '.';
		if (ch == '\n')
			out[n++] = '\r';
		out[n++] = (char)ch;
		bol = ch == '\n';
	}
	fclose(in);
	if (out == NULL)
		return NULL;
	if (!bol) {
		out[n++] = '\r';
		out[n++] = '\n';
	}
	memcpy(out + n, ".\r\n", 3);
	*len_r = n + 3;
	return out;
}

/* One transaction for the message: 1 when the recipient's reply was 250, 0
 * when it was another, -1 when the connection broke (sent: whether the
 * message's data had been sent). */
static int runner_transaction(struct runner_conn *c, const char *rcpt, const char *data, size_t len, int *sent)
{
	char cmd[1200];
	int n = snprintf(cmd, sizeof(cmd), "MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n", RUNNER_SENDER, rcpt);
	int mail, to, go;

	*sent = 0;
	if (n < 0 || (size_t)n >= sizeof(cmd) || runner_write(c->fd, cmd, (size_t)n) < 0)
		return -1;
	mail = runner_reply(c);
	to = runner_reply(c);
	go = runner_reply(c);
	if (mail < 0 || to < 0 || go < 0)
		return -1;
	if (go != 354)
		return mail == 421 || to == 421 || go == 421 ? -1
			: runner_write(c->fd, "RSET\r\n", 6) == 0 && runner_reply(c) == 250 ? 0 : -1;
	*sent = 1;
	if (runner_write(c->fd, data, len) < 0)
		return -1;
	n = runner_reply(c);
	return n < 0 ? -1 : n == 250;
}

/* One LMTP connection's loop: take the next message until none is left. */
static void *runner_lmtp_loop(void *arg)
{
	struct runner_set *set = arg;
	struct runner_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->fd = -1;
	for (;;) {
		long i;
		char *data;
		size_t len = 0;
		double start;
		int r = -1, tries, sent = 0;

		pthread_mutex_lock(&set->lock);
		i = set->next < set->nfiles ? set->next++ : -1;
		pthread_mutex_unlock(&set->lock);
		if (i < 0)
			break;
		data = runner_data(set->files[i], &len);
		start = runner_now();
		/* a connection closed before the data went is opened again, once */
		for (tries = 0; data != NULL && tries < 2 && r < 0 && !sent; tries++) {
			if (c->fd < 0 && runner_open(c, set->addr, set->hello) < 0)
				break;
			r = runner_transaction(c, set->rcpts[i], data, len, &sent);
			if (r < 0) {
				close(c->fd);
				c->fd = -1;
			}
		}
		free(data);
		pthread_mutex_lock(&set->lock);
		set->lat[set->done++] = (runner_now() - start) * 1000.0;
		if (r != 1)
			set->failed++;
		pthread_mutex_unlock(&set->lock);
	}
	if (c->fd >= 0) {
		if (runner_write(c->fd, "QUIT\r\n", 6) == 0)
			runner_reply(c);
		close(c->fd);
	}
	free(c);
	return NULL;
}

/* Run the messages through njobs LMTP connections to addr. */
static void runner_lmtp(struct runner_set *set, int njobs)
{
	pthread_t threads[RUNNER_MAX_JOBS];
	int i, started = 0;

	pthread_mutex_init(&set->lock, NULL);
	for (i = 0; i < njobs; i++)
		if (pthread_create(&threads[started], NULL, runner_lmtp_loop, set) == 0)
			started++;
	for (i = 0; i < started; i++)
		pthread_join(threads[i], NULL);
	pthread_mutex_destroy(&set->lock);
}

/* Run argv once per message, at most njobs at once; the peak RSS in KiB. */
static long runner_pipe(struct runner_set *set, int njobs, char **argv)
{
	struct runner_job jobs[RUNNER_MAX_JOBS] = { 0 };
	long maxrss = 0;
	int running = 0, i;

	while (set->done < set->nfiles) {
		while (running < njobs && set->next < set->nfiles) {
			for (i = 0; jobs[i].pid != 0; i++)
				;
			jobs[i].start = runner_now();
			jobs[i].pid = runner_start(argv, set->files[set->next], set->rcpts[set->next], set->next + 1);
			set->next++;
			running++;
		}
		{
			struct rusage ru;
			int status;
			pid_t pid = wait4(-1, &status, 0, &ru);

			if (pid < 0)
				break;
			for (i = 0; i < njobs && jobs[i].pid != pid; i++)
				;
			if (i == njobs)
				continue;
			set->lat[set->done++] = (runner_now() - jobs[i].start) * 1000.0;
			jobs[i].pid = 0;
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				set->failed++;
			if (ru.ru_maxrss > maxrss)
				maxrss = ru.ru_maxrss;
		}
	}
	return maxrss;
}

int main(int argc, char **argv)
{
	struct runner_set set = { 0 };
	char line[4096];
	double t0;
	long maxrss = 0, i, done;
	int njobs;
	FILE *list;

	if (argc == 6 && (strcmp(argv[4], "--lmtp") == 0 || strcmp(argv[4], "--smtp") == 0)) {
		set.hello = argv[4][2] == 'l' ? "LHLO" : "EHLO";
		set.addr = argv[5];
	}
	if (argc < 5 || strcmp(argv[1], "-j") != 0 || (njobs = atoi(argv[2])) < 1 || njobs > RUNNER_MAX_JOBS) {
		fprintf(stderr, "usage: runner -j JOBS LISTFILE COMMAND [ARGS...]\n"
				"       runner -j JOBS LISTFILE --lmtp|--smtp unix:/PATH|inet:HOST:PORT\n");
		return 2;
	}
	list = fopen(argv[3], "r");
	if (list == NULL) {
		perror(argv[3]);
		return 2;
	}
	while (fgets(line, sizeof(line), list) != NULL) {
		char *space;

		line[strcspn(line, "\n")] = '\0';
		space = strchr(line, ' ');
		if (space != NULL)
			*space++ = '\0';
		set.files = realloc(set.files, (size_t)(set.nfiles + 1) * sizeof(*set.files));
		set.rcpts = realloc(set.rcpts, (size_t)(set.nfiles + 1) * sizeof(*set.rcpts));
		set.rcpts[set.nfiles] = strdup(space ? space : "");
		set.files[set.nfiles++] = strdup(line);
	}
	fclose(list);
	set.lat = calloc((size_t)set.nfiles + 1, sizeof(*set.lat));
	t0 = runner_now();
	if (set.addr != NULL)
		runner_lmtp(&set, njobs);
	else
		maxrss = runner_pipe(&set, njobs, argv + 4);
	done = set.done;
	{
		double elapsed = runner_now() - t0;

		qsort(set.lat, (size_t)done, sizeof(*set.lat), runner_cmp);
		printf("runs=%ld failed=%ld seconds=%.3f msgs_per_s=%.1f p50_ms=%.1f p99_ms=%.1f peak_rss_kib=%ld\n",
		       done, set.failed, elapsed, done / elapsed, done ? set.lat[done / 2] : 0.0,
		       done ? set.lat[(done * 99) / 100 < done ? (done * 99) / 100 : done - 1] : 0.0, maxrss);
	}
	for (i = 0; i < set.nfiles; i++) {
		free(set.files[i]);
		free(set.rcpts[i]);
	}
	free(set.files);
	free(set.rcpts);
	free(set.lat);
	return set.failed == 0 ? 0 : 1;
}
