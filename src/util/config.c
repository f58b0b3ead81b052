/* config.c: reading postdesk.conf. A logical line is "key = value"; lines
 * starting with whitespace continue the previous one and lines starting with
 * '#' are comments, as in Postfix's main.cf. Every key is known in advance. */
#include <ctype.h>
#include <errno.h>
#include <glib.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "duration.h"
#include "log.h"

enum config_type { CT_STRING, CT_DURATION, CT_SIZE, CT_SIZE0, CT_LOGDEST, CT_LANGUAGE, CT_TLS, CT_COUNT, CT_SPAM, CT_HOUR };

static const struct config_key {
	const char *name;
	enum config_type type;
	size_t offset;
	bool required;
	const char *fallback;	/* default value as text, NULL when required */
} config_keys[] = {
#define K(n, t, req, def) { #n, t, offsetof(struct config, n), req, def }
	K(database, CT_STRING, true, NULL),
	K(secret_key_file, CT_STRING, true, NULL),
	K(smtp_server, CT_STRING, false, "127.0.0.1:25"),
	K(template_dir, CT_STRING, false, POSTDESK_TEMPLATE_DIR),
	K(default_language, CT_LANGUAGE, false, "en"),
	K(language_fingerprints, CT_STRING, false, POSTDESK_FINGERPRINT_DIR),
	K(helpdesk_name, CT_STRING, false, "Helpdesk"),
	K(recipient_delimiter, CT_STRING, false, "+"),
	{ "log_destination", CT_LOGDEST, offsetof(struct config, log_syslog), false, "syslog" },
	K(syslog_facility, CT_STRING, false, "mail"),
	K(max_message_size, CT_SIZE, false, "50M"),
	K(notify_attachment_limit, CT_SIZE0, false, "10M"),
	K(deliver_timeout, CT_DURATION, false, "60s"),
	K(db_connect_timeout, CT_DURATION, false, "10s"),
	K(db_statement_timeout, CT_DURATION, false, "30s"),
	K(reopen_window, CT_DURATION, false, "30d"),
	K(smtp_timeout, CT_DURATION, false, "30s"),
	K(smtp_idle_time, CT_DURATION, false, "30s"),
	K(smtp_tls, CT_TLS, false, "none"),
	K(smtp_user, CT_STRING, false, ""),
	K(smtp_password_file, CT_STRING, false, ""),
	K(auto_reply_limit, CT_COUNT, false, "5"),
	K(max_watchers, CT_COUNT, false, "100"),
	K(authserv_id, CT_STRING, false, ""),
	K(server_socket, CT_STRING, false, ""),
	K(server_workers, CT_COUNT, false, "4"),
	K(server_max_use, CT_COUNT, false, "100"),
	K(server_allowed_users, CT_STRING, false, ""),
	K(lmtp_listen, CT_STRING, false, ""),
	K(lmtp_timeout, CT_DURATION, false, "60s"),
	{ "spam_headers", CT_SPAM, offsetof(struct config, spam_header_names), false,
	  "X-Spam-Flag: YES, X-Spam-Status: Yes, X-Spam: yes, X-Spamd-Result: default: True" },
	K(digest_hour, CT_HOUR, false, "none"),
#undef K
};
#define CONFIG_NKEYS (sizeof(config_keys) / sizeof(config_keys[0]))

const char *config_default_path(void)
{
	return POSTDESK_SYSCONFDIR "/postdesk/postdesk.conf";
}

const char *config_path(void)
{
	const char *env = getenv("POSTDESK_CONF");

	return env != NULL && *env != '\0' ? env : config_default_path();
}

int config_open_log(const struct config *cfg, struct fault *f)
{
	return log_open(cfg->log_syslog ? LOG_TO_SYSLOG : LOG_TO_STDERR, cfg->syslog_facility, f);
}

int config_check_language(const char *tag, struct fault *f)
{
	size_t len = strlen(tag);

	if (len < 2 || len > 8 || strspn(tag, "abcdefghijklmnopqrstuvwxyz-") != len || tag[0] == '-')
		return fault_perm(f, "'%s' is not a language tag like 'en' or 'pl'", tag);
	return 0;
}

/* Read spam_headers: comma-separated "Header: value-prefix" entries, the
 * header a field name (RFC 5322 ftext), the prefix not empty. */
static int config_spam(struct config *cfg, const char *value, struct fault *f)
{
	char **entries = g_strsplit(value, ",", -1);
	GPtrArray *names = g_ptr_array_new(), *prefixes = g_ptr_array_new();
	int i, ret = 0;

	for (i = 0; ret == 0 && entries[i] != NULL; i++) {
		char *e = g_strstrip(entries[i]), *colon = strchr(e, ':'), *name, *prefix;
		size_t n;

		if (*e == '\0' && entries[1] == NULL)
			break;	/* an empty value: no spam marking */
		if (colon == NULL) {
			ret = fault_perm(f, "bad value for spam_headers: '%s' (expected 'Header: value-prefix')", e);
			break;
		}
		*colon = '\0';
		name = g_strstrip(e);
		prefix = g_strstrip(colon + 1);
		for (n = 0; name[n] > 32 && name[n] < 127; n++)
			;
		if (n == 0 || name[n] != '\0' || *prefix == '\0') {
			ret = fault_perm(f, "bad value for spam_headers: '%s:%s' (expected 'Header: value-prefix')",
					 name, prefix);
			break;
		}
		g_ptr_array_add(names, g_strdup(name));
		g_ptr_array_add(prefixes, g_strdup(prefix));
	}
	g_strfreev(entries);
	g_ptr_array_add(names, NULL);
	g_ptr_array_add(prefixes, NULL);
	g_strfreev(cfg->spam_header_names);
	g_strfreev(cfg->spam_header_prefixes);
	cfg->spam_header_names = (char **)g_ptr_array_free(names, FALSE);
	cfg->spam_header_prefixes = (char **)g_ptr_array_free(prefixes, FALSE);
	return ret;
}

/* Check and store one value into cfg according to its key's type. */
static int config_set(struct config *cfg, const struct config_key *k, const char *value,
		      struct fault *f)
{
	void *field = (char *)cfg + k->offset;
	long long n;

	switch (k->type) {
	case CT_LANGUAGE:
		if (config_check_language(value, f) < 0) {
			fault_prefix(f, "bad value for %s", k->name);
			return -1;
		}
		/* fall through */
	case CT_STRING:
		if (*value == '\0' && k->required)
			return fault_perm(f, "%s must not be empty", k->name);
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case CT_DURATION:
		if (duration_parse(value, &n, f) < 0 || n <= 0) {
			fault_perm(f, "bad value for %s: '%s' (expected a positive duration like 30s, 5m)", k->name, value);
			return -1;
		}
		*(long long *)field = n;
		return 0;
	case CT_SIZE:
	case CT_SIZE0:	/* 0 allowed */
		if (duration_parse_size(value, &n, f) < 0 || n < 0 || (n == 0 && k->type == CT_SIZE)) {
			fault_perm(f, "bad value for %s: '%s' (expected a size like 512k, 10M%s)", k->name, value,
				   k->type == CT_SIZE0 ? ", or 0" : "");
			return -1;
		}
		*(long long *)field = n;
		return 0;
	case CT_TLS:
		if (strcmp(value, "none") != 0 && strcmp(value, "starttls") != 0)
			return fault_perm(f, "bad value for %s: '%s' (expected none or starttls)", k->name, value);
		g_free(*(char **)field);
		*(char **)field = g_strdup(value);
		return 0;
	case CT_COUNT:
		if (duration_parse_size(value, &n, f) < 0 || strspn(value, "0123456789") != strlen(value) ||
		    n > 1000000) {
			fault_perm(f, "bad value for %s: '%s' (expected a whole number)", k->name, value);
			return -1;
		}
		*(long long *)field = n;
		return 0;
	case CT_HOUR:	/* a local hour 0-23, or none (-1) */
		if (strcmp(value, "none") == 0) {
			*(long long *)field = -1;
			return 0;
		}
		if (*value == '\0' || strlen(value) > 2 || strspn(value, "0123456789") != strlen(value) ||
		    (n = atoll(value)) > 23)
			return fault_perm(f, "bad value for %s: '%s' (expected an hour 0-23, or none)", k->name, value);
		*(long long *)field = n;
		return 0;
	case CT_LOGDEST:
		if (strcmp(value, "syslog") != 0 && strcmp(value, "stderr") != 0)
			return fault_perm(f, "bad value for %s: '%s' (expected syslog or stderr)", k->name, value);
		*(bool *)field = strcmp(value, "syslog") == 0;
		return 0;
	case CT_SPAM:
		return config_spam(cfg, value, f);
	}
	return fault_perm(f, "internal: bad key type");
}

/* Find a key by name. */
static const struct config_key *config_find(const char *name)
{
	size_t i;

	for (i = 0; i < CONFIG_NKEYS; i++)
		if (strcmp(config_keys[i].name, name) == 0)
			return &config_keys[i];
	return NULL;
}

/* Handle one logical line that started on line lineno. */
static int config_line(struct config *cfg, const char *name, int lineno, char *line,
		       int *seen, struct fault *f)
{
	char *eq = strchr(line, '='), *key = line, *value;
	const struct config_key *k;

	if (eq == NULL)
		return fault_perm(f, "%s:%d: expected 'key = value'", name, lineno);
	*eq = '\0';
	value = g_strstrip(eq + 1);
	key = g_strstrip(key);
	if (*key == '\0')
		return fault_perm(f, "%s:%d: missing key before '='", name, lineno);
	k = config_find(key);
	if (k == NULL)
		return fault_perm(f, "%s:%d: unknown key '%s'", name, lineno, key);
	if (seen[k - config_keys] != 0)
		return fault_perm(f, "%s:%d: '%s' is already set on line %d", name, lineno, key,
				  seen[k - config_keys]);
	seen[k - config_keys] = lineno;
	if (config_set(cfg, k, value, f) < 0) {
		fault_prefix(f, "%s:%d", name, lineno);
		return -1;
	}
	return 0;
}

int config_parse(const char *name, const char *text, struct config **cfg_r, struct fault *f)
{
	struct config *cfg = g_new0(struct config, 1);
	int seen[CONFIG_NKEYS] = { 0 };
	char **lines = g_strsplit(text, "\n", -1);
	GString *logical = g_string_new(NULL);
	int i, start = 0, ret = 0;
	size_t k;

	cfg->path = g_strdup(name);
	for (i = 0; ret == 0 && lines[i] != NULL; i++) {
		char *l = lines[i];
		size_t len = strlen(l);

		if (len > 0 && l[len - 1] == '\r')
			l[--len] = '\0';
		if (l[0] == '#' || l[strspn(l, " \t")] == '\0')
			continue;
		if (isspace((unsigned char)l[0])) {
			if (logical->len == 0) {
				ret = fault_perm(f, "%s:%d: continuation line without a key before it", name, i + 1);
				break;
			}
			g_string_append_c(logical, ' ');
			g_string_append(logical, g_strstrip(l));
			continue;
		}
		if (logical->len > 0)
			ret = config_line(cfg, name, start, logical->str, seen, f);
		g_string_assign(logical, l);
		start = i + 1;
	}
	if (ret == 0 && logical->len > 0)
		ret = config_line(cfg, name, start, logical->str, seen, f);
	for (k = 0; ret == 0 && k < CONFIG_NKEYS; k++) {
		if (seen[k] != 0)
			continue;
		if (config_keys[k].required)
			ret = fault_perm(f, "%s:%d: required key '%s' is missing", name, start,
					 config_keys[k].name);
		else
			ret = config_set(cfg, &config_keys[k], config_keys[k].fallback, f);
	}
	g_string_free(logical, TRUE);
	g_strfreev(lines);
	if (ret < 0) {
		config_free(&cfg);
		return -1;
	}
	*cfg_r = cfg;
	return 0;
}

int config_load(const char *path, struct config **cfg_r, struct fault *f)
{
	gchar *text = NULL;
	GError *gerr = NULL;
	struct stat st;
	int ret;

	if (!g_file_get_contents(path, &text, NULL, &gerr)) {
		/* An unreadable file may be a permission slip an admin fixes: retry later. */
		fault_temp(f, "cannot read %s: %s", path, gerr->message);
		g_error_free(gerr);
		return -1;
	}
	ret = config_parse(path, text, cfg_r, f);
	g_free(text);
	if (ret == 0 && stat(path, &st) == 0)
		(*cfg_r)->file_mode = (unsigned)(st.st_mode & 07777);
	return ret;
}

void config_warn_mode(const struct config *cfg)
{
	static bool warned;

	if (warned || (cfg->file_mode & (S_IWGRP | S_IWOTH)) == 0)
		return;
	warned = true;
	log_warning("%s has mode %04o: whoever may write it chooses the database, the key file and "
		    "the server's socket (chmod go-w it)", cfg->path, cfg->file_mode);
}

void config_free(struct config **cfg)
{
	struct config *c = *cfg;

	if (c == NULL)
		return;
	g_free(c->path);
	g_free(c->database);
	g_free(c->secret_key_file);
	g_free(c->smtp_server);
	g_free(c->template_dir);
	g_free(c->default_language);
	g_free(c->language_fingerprints);
	g_free(c->helpdesk_name);
	g_free(c->recipient_delimiter);
	g_free(c->syslog_facility);
	g_free(c->smtp_tls);
	g_free(c->smtp_user);
	g_free(c->smtp_password_file);
	g_free(c->server_socket);
	g_free(c->authserv_id);
	g_free(c->server_allowed_users);
	g_free(c->lmtp_listen);
	g_strfreev(c->spam_header_names);
	g_strfreev(c->spam_header_prefixes);
	g_free(c);
	*cfg = NULL;
}
