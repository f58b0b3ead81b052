/* cmd.h: what the subcommands share: the lazily loaded configuration, keys
 * and database connection, option parsing, and the table main() dispatches
 * on. */
#ifndef POSTDESK_CMD_H
#define POSTDESK_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fault.h"

struct config;
struct db;
struct keyring;
struct langguess;
struct smtp_session;

struct cmd_ctx {
	const char *config_path;
	struct config *cfg;	/* loaded on first use by cmd_config() */
	struct keyring *ring;	/* loaded on first use by cmd_keyring() */
	struct db *db;		/* opened on first use by cmd_db() */
	struct langguess *guess;	/* made on first use by cmd_langguess() */
	struct smtp_session *smtp;	/* made on first use by cmd_smtp() */
	bool guess_made;	/* cmd_langguess() ran (guess NULL: no guessing) */
	bool config_failed;	/* cmd_config() could not load the configuration */
};

struct cmd {
	const char *name;
	const char *summary;	/* one line for "postdesk --help" */
	const char *usage;	/* the synopsis lines for "postdesk NAME --help" */
	bool mta;		/* run by the MTA: exit only 0, 67 or 75 */
	int (*run)(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
};

/* The subcommand table, ending with a NULL name. */
extern const struct cmd cmd_table[];

/* Load the configuration (once) and open the log it asks for; warn there
 * when the file is writable by group or others. */
int cmd_config(struct cmd_ctx *ctx, struct fault *f);
/* Load the secret keys the configuration names, once. */
int cmd_keyring(struct cmd_ctx *ctx, struct fault *f);
/* Connect to the database (once). */
int cmd_db(struct cmd_ctx *ctx, struct fault *f);
/* The language guesser language_fingerprints names, made once (its
 * fingerprints are read by the first guess); NULL when it is empty or
 * names no fingerprints (logged). The configuration is loaded. */
struct langguess *cmd_langguess(struct cmd_ctx *ctx);
/* The SMTP session the outbox sends through, made once and kept (with its
 * connection) until the context is released. The configuration is loaded. */
struct smtp_session *cmd_smtp(struct cmd_ctx *ctx);
/* Release what the context holds. */
void cmd_ctx_release(struct cmd_ctx *ctx);

/* getopt_long over a subcommand's arguments: like getopt_long, but an unknown
 * option or a missing argument fills f (FAULT_USAGE) and returns -2. Every
 * subcommand accepts --help (returns 'h'). Call with *first set to true. */
int cmd_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	       bool *first, struct fault *f);
/* Fill f with a usage fault naming the subcommand; returns -1. */
int cmd_usage_fault(struct fault *f, const char *name, const char *what);
/* Check the name of a queue or calendar: letters, digits, '.', '_', '-'. */
int cmd_check_name(const char *what, const char *name, struct fault *f);
/* Print a subcommand's synopsis to stdout; returns 0. */
int cmd_help(const char *name);

struct deliver_envelope;

/* Store one message (raw, len bytes kept of the total the MTA sent), send
 * the mail it caused after the commit (mta_committed is set then) and log
 * the one line, its delay counted from started (g_get_monotonic_time());
 * for "postdesk deliver" and the server's workers (hand-off and LMTP)
 * alike. A failure is temporary or FAULT_NOUSER, never permanent. */
int cmd_deliver_buf(struct cmd_ctx *ctx, const struct deliver_envelope *env, const char *raw, size_t len,
		    size_t total, int64_t started, struct fault *f);
/* Read one message from fd (at most max_message_size bytes kept) and
 * cmd_deliver_buf() it. */
int cmd_deliver_fd(struct cmd_ctx *ctx, const struct deliver_envelope *env, int fd, struct fault *f);
/* Parse deliver's arguments (argv[0] is "deliver") into env, which points
 * into argv. Returns 0, 1 for --help, or -1 with a usage fault. */
int cmd_deliver_args(int argc, char **argv, struct deliver_envelope *env, struct fault *f);

/* The subcommands, one module each. */
int cmd_db_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_keygen_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_queue_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_calendar_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_agent_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_deliver_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_case_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_customer_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_template_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_sweep_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_report_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);
int cmd_server_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f);

#endif
