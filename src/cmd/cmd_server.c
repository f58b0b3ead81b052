/* cmd_server.c: "postdesk server", delivery workers kept ready behind a
 * Unix socket and LMTP listeners. When server_socket is set, "postdesk
 * deliver" hands the message (its stdin) to a worker; when lmtp_listen is,
 * the MTA speaks LMTP (lmtp.h) to the workers directly, many recipients
 * and messages per connection. A worker keeps its database connection and
 * everything it loaded from one delivery to the next. The master process
 * only listens, starts the workers, replaces those that exit, reloads on
 * SIGHUP and stops on SIGTERM; a worker takes one connection at a time,
 * finishes the delivery in hand before stopping, and is replaced after
 * server_max_use deliveries. */
#define _GNU_SOURCE	/* ppoll, accept4 */
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "config.h"
#include "db.h"
#include "deliver.h"
#include "handoff.h"
#include "keyring.h"
#include "langguess.h"
#include "lmtp.h"
#include "log.h"
#include "mta.h"
#include "smtp.h"

#define SERVER_MAX_WORKERS 256
/* The most LMTP sockets lmtp_listen may open. */
#define SERVER_MAX_LMTP 16
/* The most users server_allowed_users may name. */
#define SERVER_MAX_USERS 64

static volatile sig_atomic_t server_stop, server_reload, server_wake;
/* In a worker: the client being served, for the deadline's answer (a
 * hand-off client, or the LMTP session while it delivers). */
static volatile sig_atomic_t server_client = -1;
static struct lmtp_session *volatile server_lmtp_client;

struct server {
	struct cmd_ctx *ctx;
	char config[PATH_MAX];		/* real path of the configuration file */
	int listen;			/* the hand-off socket, -1 when none */
	ino_t socket_inode;
	int lmtp[SERVER_MAX_LMTP];	/* the LMTP sockets */
	size_t nlmtp;
	char *lmtp_paths[SERVER_MAX_LMTP];	/* the Unix ones' paths (NULL: TCP), to remove at the end */
	ino_t lmtp_inodes[SERVER_MAX_LMTP];
	struct lmtp_params lmtp_params;	/* in a worker: for its session */
	struct lmtp_session *session;
	pid_t workers[SERVER_MAX_WORKERS];
	gint64 born[SERVER_MAX_WORKERS];	/* monotonic time each worker started */
	gint64 hold_until;		/* no new worker before this (workers keep failing) */
	long long uses;			/* in a worker: deliveries made */
	pid_t master;			/* the master's pid */
	uid_t allowed[SERVER_MAX_USERS + 2];	/* who may hand over: root, us, server_allowed_users */
	size_t nallowed;
};

/* Master and worker: note the signal for the loop. */
static void server_signal(int sig)
{
	if (sig == SIGTERM || sig == SIGINT)
		server_stop = 1;
	else if (sig == SIGHUP)
		server_reload = 1;
	server_wake = 1;
}

/* Worker: the deadline or a crash. Answer the client (a stored message is
 * stored; anything else is for the MTA to try again) and end the worker. */
static void server_worker_fatal(int sig)
{
	int client = server_client;

	if (server_lmtp_client != NULL)
		lmtp_session_abort(server_lmtp_client, mta_committed,
				   sig == SIGALRM ? "postdesk server: delivery timed out"
						  : "postdesk server: the worker crashed");
	else if (client >= 0 && mta_committed)
		handoff_answer(client, HANDOFF_OK, "");
	else if (client >= 0)
		handoff_answer(client, HANDOFF_TEMPFAIL,
			       sig == SIGALRM ? "postdesk server: delivery timed out"
					      : "postdesk server: the worker crashed");
	_exit(75);
}

/* Install handler for each signal in sigs (no SA_RESTART: waits wake up). */
static void server_handle(const int *sigs, size_t n, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < n; i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Whether uid is one of the users allowed to hand messages over. */
static bool server_allowed(const struct server *s, uid_t uid)
{
	size_t i;

	for (i = 0; i < s->nallowed; i++)
		if (s->allowed[i] == uid)
			return true;
	return false;
}

/* Worker: whether the peer on the Unix socket conn is an allowed user;
 * text (size bytes) receives why not. */
static bool server_peer_ok(struct server *s, int conn, char *text, size_t size)
{
	struct fault f = { 0 };
	unsigned uid;
	long pid;

	if (handoff_peer(conn, &uid, &pid, &f) < 0) {
		log_warning("server: %s", f.text);
		g_strlcpy(text, "cannot tell who is connected", size);
		return false;
	}
	if (server_allowed(s, (uid_t)uid))
		return true;
	log_warning("server: refused a connection from uid %u (pid %ld): not root, the server's "
		    "user or in server_allowed_users", uid, pid);
	g_snprintf(text, size, "uid %u may not hand messages to this server", uid);
	return false;
}

/* Worker: before a delivery, drop a database connection that was lost. */
static void server_db_check(struct server *s)
{
	if (s->ctx->db != NULL && !db_usable(s->ctx->db)) {
		log_info("server: the database connection was lost; connecting again");
		db_free(&s->ctx->db);
	}
}

/* Worker: take one request on conn and answer it. Returns whether a request
 * was received (it counts toward server_max_use). */
static bool server_serve(struct server *s, int conn)
{
	struct handoff_request req;
	struct deliver_envelope env;
	struct fault f = { 0 };
	char why[96];
	int msg_fd, ok, args;

	/* before reading anything: only the allowed users */
	if (!server_peer_ok(s, conn, why, sizeof(why))) {
		handoff_answer(conn, HANDOFF_REFUSED, why);
		handoff_linger(conn, 500);
		return false;
	}
	if (handoff_receive(conn, &req, &msg_fd, &f) < 0) {
		log_warning("server: %s", f.text);
		return false;
	}
	args = strcmp(req.argv[0], "deliver") == 0 ? cmd_deliver_args(req.argc, req.argv, &env, &f)
						    : fault_set(&f, FAULT_USAGE, "not a deliver command");
	if (strcmp(req.config, s->config) != 0) {
		char text[PATH_MAX + 64];

		g_snprintf(text, sizeof(text), "this server reads %s", s->config);
		handoff_answer(conn, HANDOFF_REFUSED, text);
	} else if (args > 0) {
		handoff_answer(conn, HANDOFF_REFUSED, "help is printed by the command itself");
	} else if (args < 0) {
		handoff_answer(conn, HANDOFF_USAGE, f.text);
	} else {
		mta_committed = 0;
		server_client = conn;
		alarm((unsigned)s->ctx->cfg->deliver_timeout);	/* the check below is part of it */
		server_db_check(s);
		ok = cmd_deliver_fd(s->ctx, &env, msg_fd, &f) == 0;
		alarm(0);
		server_client = -1;
		if (ok)
			handoff_answer(conn, HANDOFF_OK, "");
		else
			handoff_answer(conn, f.kind == FAULT_NOUSER ? HANDOFF_NOUSER : HANDOFF_TEMPFAIL,
				       f.text);
	}
	close(msg_fd);
	handoff_request_clear(&req);
	return true;
}

/* Worker, the LMTP session's callback: deliver one recipient as "deliver"
 * would, under the deadline; count it toward server_max_use. */
static int server_lmtp_deliver(void *arg, const struct lmtp_delivery *d, struct fault *f)
{
	struct server *s = arg;
	struct deliver_envelope env = { .sender = d->sender, .recipient = d->recipient,
					.original_recipient = d->original_recipient,
					.queue_id = d->queue_id };
	int ret;

	mta_committed = 0;
	server_lmtp_client = s->session;
	alarm((unsigned)s->ctx->cfg->deliver_timeout);	/* the check below is part of it */
	server_db_check(s);
	ret = cmd_deliver_buf(s->ctx, &env, d->data, d->len, d->total, d->started, f);
	alarm(0);
	server_lmtp_client = NULL;
	if (++s->uses >= s->ctx->cfg->server_max_use)
		lmtp_session_last(s->session);
	return ret;
}

/* Worker: serve one LMTP connection to its end; on a Unix socket only
 * the allowed users. */
static void server_lmtp(struct server *s, int conn, size_t listener)
{
	enum lmtp_end end;
	char text[96];

	if (s->lmtp_paths[listener] != NULL && !server_peer_ok(s, conn, text, sizeof(text))) {
		lmtp_refuse(conn, text);
		handoff_linger(conn, 500);
		return;
	}
	end = lmtp_session_run(s->session, conn);
	if (end == LMTP_END_ERROR)
		log_info("server: an LMTP connection failed: %s", strerror(errno));
	if (end == LMTP_END_TIMEOUT)
		log_warning("server: an LMTP client stalled longer than lmtp_timeout (%llds) or sent a "
			    "message for longer than deliver_timeout (%llds); dropped",
			    s->ctx->cfg->lmtp_timeout, s->ctx->cfg->deliver_timeout);
	if (end == LMTP_END_ERRORS)
		log_warning("server: an LMTP client had %d commands refused; dropped", LMTP_MAX_ERRORS);
	/* the client may have sent more: let it read the 421 first */
	if (end == LMTP_END_TIMEOUT || end == LMTP_END_STOP || end == LMTP_END_ERRORS)
		handoff_linger(conn, 500);
}

/* Worker: serve deliveries until told to stop or used up. */
static void server_worker(struct server *s, const sigset_t *waiting)
{
	static const int stop[] = { SIGTERM, SIGINT };
	struct pollfd p[SERVER_MAX_LMTP + 1];
	struct fault f = { 0 };
	sigset_t alarm_set;
	size_t np = 0, i;

	server_stop = server_reload = 0;
	signal(SIGHUP, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	server_handle(stop, G_N_ELEMENTS(stop), server_signal);
	mta_catch(server_worker_fatal);
	sigemptyset(&alarm_set);
	sigaddset(&alarm_set, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &alarm_set, NULL);
	/* End with the master (SIGTERM: after the delivery in hand): a worker
	 * left behind would serve the old configuration and keep the socket
	 * from the next server. The master may have died before the prctl(). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		log_warning("server: prctl(PR_SET_PDEATHSIG): %s", strerror(errno));
	if (getppid() != s->master)
		server_stop = 1;
	/* connected before the first delivery, so that none waits for it */
	if (cmd_db(s->ctx, &f) < 0)
		log_warning("server: %s; trying again at the first delivery", f.text);
	if (s->listen >= 0)
		p[np++] = (struct pollfd){ .fd = s->listen, .events = POLLIN };
	for (i = 0; i < s->nlmtp; i++)
		p[np++] = (struct pollfd){ .fd = s->lmtp[i], .events = POLLIN };
	s->lmtp_params = (struct lmtp_params){
		.hostname = g_get_host_name(),
		.max_message_size = (size_t)s->ctx->cfg->max_message_size,
		.timeout_ms = (int)(s->ctx->cfg->lmtp_timeout * 1000),
		.data_timeout_ms = (int)(s->ctx->cfg->deliver_timeout * 1000),	/* as the pipe's reading */
		.wait_mask = waiting, .stop = &server_stop,
		.deliver = server_lmtp_deliver, .arg = s,
	};
	s->session = lmtp_session_new(&s->lmtp_params);
	/* SIGTERM stays blocked during a delivery and is taken only while waiting. */
	while (!server_stop && s->uses < s->ctx->cfg->server_max_use) {
		/* wake up to close an outbox connection that sat idle (smtp_idle_time) */
		long long idle = smtp_session_idle_ms(s->ctx->smtp);
		struct timespec wake = { (time_t)(idle / 1000), (long)(idle % 1000) * 1000000 };

		if (ppoll(p, np, idle >= 0 ? &wake : NULL, waiting) <= 0) {
			smtp_session_expire(s->ctx->smtp);
			continue;
		}
		for (i = 0; i < np && !server_stop && s->uses < s->ctx->cfg->server_max_use; i++) {
			int conn;

			if ((p[i].revents & POLLIN) == 0)
				continue;
			conn = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (conn < 0)
				continue;	/* another worker took it */
			if (p[i].fd != s->listen)
				server_lmtp(s, conn, i - (s->listen >= 0));
			else if (server_serve(s, conn))
				s->uses++;
			close(conn);
		}
	}
	lmtp_session_free(&s->session);
}

/* Master: start workers up to the configured number. Returns 1 in a new
 * worker, 0 in the master. */
static int server_fill(struct server *s)
{
	gint64 now = g_get_monotonic_time();
	long long i;

	if (now < s->hold_until)
		return 0;
	for (i = 0; i < s->ctx->cfg->server_workers; i++) {
		pid_t pid;

		if (s->workers[i] != 0)
			continue;
		pid = fork();
		if (pid == 0)
			return 1;
		if (pid < 0) {
			log_error("server: fork: %s", strerror(errno));
			s->hold_until = now + G_USEC_PER_SEC;
			alarm(1);
			return 0;
		}
		s->workers[i] = pid;
		s->born[i] = now;
	}
	return 0;
}

/* Master: collect the workers that ended; hold back new ones when a worker
 * failed within a second of starting. Returns how many are still running. */
static int server_reap(struct server *s)
{
	int status, i, alive = 0;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < SERVER_MAX_WORKERS; i++)
			if (s->workers[i] == pid)
				break;
		if (i == SERVER_MAX_WORKERS)
			continue;
		s->workers[i] = 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			continue;
		if (WIFSIGNALED(status))
			log_warning("server: worker %ld killed by signal %d", (long)pid, WTERMSIG(status));
		else
			log_warning("server: worker %ld exited with status %d", (long)pid,
				    WEXITSTATUS(status));
		if (g_get_monotonic_time() - s->born[i] < G_USEC_PER_SEC) {
			s->hold_until = g_get_monotonic_time() + G_USEC_PER_SEC;
			alarm(1);
		}
	}
	for (i = 0; i < SERVER_MAX_WORKERS; i++)
		alive += s->workers[i] != 0;
	return alive;
}

/* Master: send sig to every worker. */
static void server_kill(struct server *s, int sig)
{
	int i;

	for (i = 0; i < SERVER_MAX_WORKERS; i++)
		if (s->workers[i] != 0)
			kill(s->workers[i], sig);
}

/* Check the settings the server needs. */
static int server_check(const struct config *cfg, struct fault *f)
{
	if (cfg->server_socket[0] == '\0' && cfg->lmtp_listen[0] == '\0')
		return fault_perm(f, "neither server_socket nor lmtp_listen is set in %s", cfg->path);
	if (cfg->server_workers < 1 || cfg->server_workers > SERVER_MAX_WORKERS)
		return fault_perm(f, "server_workers must be between 1 and %d", SERVER_MAX_WORKERS);
	if (cfg->server_max_use < 1)
		return fault_perm(f, "server_max_use must be at least 1");
	return 0;
}

/* The users who may hand messages over: root, the server's own user and
 * those server_allowed_users names (user names or numbers, separated by
 * commas or white space), as uids into uids (SERVER_MAX_USERS + 2). */
static int server_users(const struct config *cfg, uid_t *uids, size_t *n_r, struct fault *f)
{
	char **names = g_strsplit_set(cfg->server_allowed_users, ", \t", -1);
	size_t n = 0, i;
	int ret = 0;

	uids[n++] = 0;
	uids[n++] = geteuid();
	for (i = 0; names[i] != NULL && ret == 0; i++) {
		const char *name = names[i];
		struct passwd *pw;

		if (*name == '\0')
			continue;
		if (n == SERVER_MAX_USERS + 2) {
			ret = fault_perm(f, "server_allowed_users: more than %d users", SERVER_MAX_USERS);
		} else if (strspn(name, "0123456789") == strlen(name) && strlen(name) <= 9) {
			uids[n++] = (uid_t)strtoul(name, NULL, 10);
		} else {
			errno = 0;
			pw = getpwnam(name);
			if (pw != NULL)
				uids[n++] = pw->pw_uid;
			else if (errno != 0 && errno != ENOENT && errno != ESRCH)
				ret = fault_temp(f, "server_allowed_users: looking up '%s': %s", name,
						 strerror(errno));
			else
				ret = fault_perm(f, "server_allowed_users: no user '%s'", name);
		}
	}
	g_strfreev(names);
	if (ret == 0)
		*n_r = n;
	return ret;
}

/* Master: read the language fingerprints before the workers start, so
 * that they share them (and none reads them on its first delivery). */
static void server_langguess(struct server *s)
{
	struct langguess *g = cmd_langguess(s->ctx);
	struct fault f;

	if (g != NULL && langguess_load(g, &f) < 0)
		log_warning("server: no language guessing: %s", f.text);
}

/* Master, on SIGHUP: read the configuration and the keys again; the
 * workers finish what they do and are replaced with ones that use them. */
static void server_reload_config(struct server *s)
{
	struct config *cfg = NULL;
	struct keyring *ring = NULL;
	struct fault f = { 0 };
	uid_t allowed[SERVER_MAX_USERS + 2];
	size_t nallowed = 0;

	if (config_load(s->ctx->config_path, &cfg, &f) < 0 || server_check(cfg, &f) < 0 ||
	    server_users(cfg, allowed, &nallowed, &f) < 0 ||
	    keyring_load(cfg->secret_key_file, &ring, &f) < 0) {
		log_error("server: reload failed, keeping the old settings: %s", f.text);
		config_free(&cfg);
		return;
	}
	memcpy(s->allowed, allowed, nallowed * sizeof(allowed[0]));
	s->nallowed = nallowed;
	if (strcmp(cfg->server_socket, s->ctx->cfg->server_socket) != 0)
		log_warning("server: server_socket changed; it takes a restart to listen on %s",
			    cfg->server_socket);
	if (strcmp(cfg->lmtp_listen, s->ctx->cfg->lmtp_listen) != 0)
		log_warning("server: lmtp_listen changed; it takes a restart to listen on %s",
			    cfg->lmtp_listen);
	config_free(&s->ctx->cfg);
	keyring_free(&s->ctx->ring);
	s->ctx->cfg = cfg;
	s->ctx->ring = ring;
	langguess_free(&s->ctx->guess);
	s->ctx->guess_made = false;
	server_langguess(s);
	if (config_open_log(cfg, &f) < 0)
		log_error("server: %s", f.text);
	config_warn_mode(cfg);
	log_info("server: reloaded %s; replacing the workers", s->config);
	server_kill(s, SIGTERM);
}

/* Master: listen on every address of lmtp_listen (separated by commas or
 * white space). */
static int server_listen_lmtp(struct server *s, struct fault *f)
{
	char **specs = g_strsplit_set(s->ctx->cfg->lmtp_listen, ", \t\n", -1);
	size_t i;
	int ret = 0;

	for (i = 0; specs[i] != NULL && ret == 0; i++) {
		size_t before = s->nlmtp;
		struct stat st;

		if (specs[i][0] == '\0')
			continue;
		ret = lmtp_listen(specs[i], s->lmtp, SERVER_MAX_LMTP, &s->nlmtp, f);
		if (ret == 0 && strncmp(specs[i], "unix:", 5) == 0 && s->nlmtp > before) {
			s->lmtp_paths[before] = g_strdup(specs[i] + 5);
			if (stat(specs[i] + 5, &st) == 0)
				s->lmtp_inodes[before] = st.st_ino;
		}
	}
	g_strfreev(specs);
	return ret;
}

/* Master, at the end: remove the socket at path if it is still ours. */
static void server_unlink(const char *path, ino_t inode)
{
	struct stat st;

	if (stat(path, &st) == 0 && st.st_ino == inode)
		unlink(path);
}

/* Master: run until stopped. Returns 1 in a new worker, 0 when stopped. */
static int server_master(struct server *s, const sigset_t *waiting)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGALRM };
	gint64 deadline = 0;

	server_handle(sigs, G_N_ELEMENTS(sigs), server_signal);
	log_info("server: listening on %s%s%s%s, %lld workers, %lld deliveries each",
		 s->ctx->cfg->server_socket, s->listen >= 0 && s->nlmtp > 0 ? " and " : "",
		 s->nlmtp > 0 ? "LMTP " : "", s->ctx->cfg->lmtp_listen, s->ctx->cfg->server_workers,
		 s->ctx->cfg->server_max_use);
	for (;;) {
		int alive;

		server_wake = 0;
		alive = server_reap(s);
		if (server_stop) {
			if (alive == 0)
				break;
			if (deadline == 0) {
				log_info("server: stopping; %d workers finish their deliveries", alive);
				server_kill(s, SIGTERM);
				deadline = g_get_monotonic_time() +
					   (s->ctx->cfg->deliver_timeout + 5) * G_USEC_PER_SEC;
				alarm(1);
			} else if (g_get_monotonic_time() > deadline) {
				server_kill(s, SIGKILL);
			} else {
				alarm(1);
			}
		} else {
			if (server_reload) {
				server_reload = 0;
				server_reload_config(s);
				continue;	/* reap the replaced workers before refilling */
			}
			if (server_fill(s) == 1)
				return 1;
		}
		if (!server_wake)
			sigsuspend(waiting);
	}
	log_info("server: stopped");
	return 0;
}

int cmd_server_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server *s;
	struct stat st;
	sigset_t block, waiting;
	bool first = true;
	int c, ret = -1;
	size_t i;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		switch (c) {
		case -2: return -1;
		case 'h': return cmd_help("server");
		}
	}
	if (optind != argc)
		return cmd_usage_fault(f, "server", "takes no arguments");
	if (cmd_config(ctx, f) < 0 || server_check(ctx->cfg, f) < 0)
		return -1;
	s = g_new0(struct server, 1);
	s->ctx = ctx;
	s->listen = -1;
	if (realpath(ctx->cfg->path, s->config) == NULL) {
		fault_perm(f, "%s: %s", ctx->cfg->path, strerror(errno));
		goto out;
	}
	if (server_users(ctx->cfg, s->allowed, &s->nallowed, f) < 0 || cmd_keyring(ctx, f) < 0)
		goto out;
	server_langguess(s);	/* before the socket: a client finds the server ready */
	if ((ctx->cfg->server_socket[0] != '\0' && handoff_listen(ctx->cfg->server_socket, &s->listen, f) < 0) ||
	    server_listen_lmtp(s, f) < 0)
		goto out;
	s->master = getpid();
	if (s->listen >= 0 && stat(ctx->cfg->server_socket, &st) == 0)
		s->socket_inode = st.st_ino;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &waiting);
	if (server_master(s, &waiting) == 1) {
		server_worker(s, &waiting);
		ret = 0;
		goto out;
	}
	if (s->listen >= 0)
		server_unlink(ctx->cfg->server_socket, s->socket_inode);
	for (i = 0; i < s->nlmtp; i++)
		if (s->lmtp_paths[i] != NULL)
			server_unlink(s->lmtp_paths[i], s->lmtp_inodes[i]);
	sigprocmask(SIG_SETMASK, &waiting, NULL);
	ret = 0;
out:
	if (s->listen >= 0)
		close(s->listen);
	for (i = 0; i < s->nlmtp; i++) {
		close(s->lmtp[i]);
		g_free(s->lmtp_paths[i]);
	}
	g_free(s);
	return ret;
}
