/* config.h: the postdesk.conf file, "key = value" lines in main.cf style. */
#ifndef POSTDESK_CONFIG_H
#define POSTDESK_CONFIG_H

#include <stdbool.h>

#include "fault.h"

/* The settings. config_load() is the only writer; everyone else reads. */
struct config {
	char *path;			/* the file these came from */
	unsigned file_mode;		/* its permission bits (config_load), 0 when parsed from text */
	char *database;			/* libpq conninfo */
	char *secret_key_file;
	char *smtp_server;		/* host:port */
	char *template_dir;
	char *default_language;
	char *language_fingerprints;	/* libexttextcat's directory, "" for no guessing */
	char *helpdesk_name;
	char *recipient_delimiter;
	bool log_syslog;		/* log_destination = syslog (else stderr) */
	char *syslog_facility;
	long long max_message_size;	/* bytes */
	long long notify_attachment_limit;	/* bytes of attachments a mail to agents carries, 0: none */
	long long deliver_timeout;	/* seconds, the whole deliver run */
	long long db_connect_timeout;	/* seconds */
	long long db_statement_timeout;	/* seconds */
	long long reopen_window;	/* seconds a closed case may be reopened by a reply */
	long long smtp_timeout;		/* seconds for connect and for each SMTP command */
	long long smtp_idle_time;	/* seconds a kept SMTP connection may sit unused */
	char *smtp_tls;			/* "none" or "starttls" */
	char *smtp_user;		/* SMTP AUTH user, "" for none */
	char *smtp_password_file;	/* file holding the SMTP AUTH password */
	long long auto_reply_limit;	/* automatic mails per address and day */
	long long max_watchers;		/* watchers a case has at most */
	char *authserv_id;		/* the MTA's Authentication-Results id, "" for none */
	char *server_socket;		/* postdesk server's socket, "" for none */
	long long server_workers;	/* deliveries the server runs at once */
	long long server_max_use;	/* deliveries a worker makes before it is replaced */
	char *server_allowed_users;	/* users besides root and the server's own who may hand over */
	char *lmtp_listen;		/* where postdesk server speaks LMTP: unix:PATH, inet:HOST:PORT, ... */
	long long lmtp_timeout;		/* seconds the server waits for an LMTP client's next bytes */
	/* spam_headers: "Header: value-prefix, ..." as two NULL-terminated
	 * lists of the same length (names as written, prefixes trimmed);
	 * both empty when the value is empty */
	char **spam_header_names;
	char **spam_header_prefixes;
	long long digest_hour;		/* local hour (0-23) of the agents' daily digest, -1: none */
};

/* The file used when neither -c nor $POSTDESK_CONF names one. */
const char *config_default_path(void);
/* The file to read when -c does not name one: $POSTDESK_CONF, else the default. */
const char *config_path(void);
/* Open the log the settings name (syslog or stderr). */
int config_open_log(const struct config *cfg, struct fault *f);
/* Log a warning, once per process, when the file the settings came from is
 * writable by group or others. */
void config_warn_mode(const struct config *cfg);
/* Read and check a file; errors name FILE:LINE. Unreadable file: temporary. */
int config_load(const char *path, struct config **cfg_r, struct fault *f);
/* Parse configuration text as if read from a file called name. */
int config_parse(const char *name, const char *text, struct config **cfg_r, struct fault *f);
/* Check a language tag as used for template directories ("en", "pt-br"). */
int config_check_language(const char *tag, struct fault *f);
/* Free the settings and set *cfg to NULL. */
void config_free(struct config **cfg);

#endif
