/* test_config.c: the configuration file parser. */
#include <glib.h>
#include <stdlib.h>

#include "config.h"
#include "tap.h"

#define BASE "database = dbname=x\nsecret_key_file = /k\n"

/* Parse text expecting failure whose message contains want. */
static void bad(const char *text, const char *want, const char *what)
{
	struct config *cfg = NULL;
	struct fault f = { 0 };
	int r = config_parse("test.conf", text, &cfg, &f);

	if (!tap_ok(r < 0 && cfg == NULL && strstr(f.text, want) != NULL, "%s", what))
		printf("# message: %s\n# wanted:  %s\n", f.text, want);
}

int main(void)
{
	struct config *cfg = NULL;
	struct fault f = { 0 };

	tap_ok(config_parse("test.conf", BASE, &cfg, &f) == 0, "minimal config parses");
	tap_is(cfg->database, "dbname=x", "database value");
	tap_is(cfg->smtp_server, "127.0.0.1:25", "smtp_server default");
	tap_is(cfg->default_language, "en", "default_language default");
	tap_is(cfg->language_fingerprints, POSTDESK_FINGERPRINT_DIR, "language_fingerprints default: libexttextcat's");
	tap_is(cfg->recipient_delimiter, "+", "recipient_delimiter default");
	tap_ok(cfg->log_syslog, "logs to syslog by default");
	tap_int(cfg->max_message_size, 50 * 1024 * 1024, "max_message_size default 50M");
	tap_int(cfg->deliver_timeout, 60, "deliver_timeout default 60s");
	tap_int(cfg->smtp_idle_time, 30, "smtp_idle_time default 30s");
	tap_int(cfg->notify_attachment_limit, 10 * 1024 * 1024, "notify_attachment_limit default 10M");
	tap_is(cfg->lmtp_listen, "", "lmtp_listen default: none");
	tap_int(cfg->lmtp_timeout, 60, "lmtp_timeout default 60s");
	config_free(&cfg);
	tap_ok(config_parse("t", BASE "lmtp_listen = unix:/run/postdesk/lmtp, inet:127.0.0.1:2424\nlmtp_timeout = 2m\n",
			    &cfg, &f) == 0 && strcmp(cfg->lmtp_listen, "unix:/run/postdesk/lmtp, inet:127.0.0.1:2424") == 0 &&
	       cfg->lmtp_timeout == 120, "lmtp_listen and lmtp_timeout set");
	config_free(&cfg);
	bad(BASE "lmtp_timeout = 0\n", "test.conf:3: bad value for lmtp_timeout", "lmtp_timeout zero");
	tap_ok(config_parse("t", BASE "notify_attachment_limit = 0\n", &cfg, &f) == 0 && cfg->notify_attachment_limit == 0,
	       "notify_attachment_limit = 0 (never attach)");
	config_free(&cfg);
	tap_ok(config_parse("t", BASE "notify_attachment_limit = 512k\n", &cfg, &f) == 0 &&
	       cfg->notify_attachment_limit == 524288, "notify_attachment_limit = 512k");
	config_free(&cfg);
	tap_ok(cfg == NULL, "config_free sets the pointer to NULL");

	tap_ok(config_parse("t", "# comment\n\n  \n" BASE
			    "helpdesk_name = Acme\n  Support\nlog_destination = stderr\r\n"
			    "max_message_size = 10M\ndeliver_timeout = 2m\n"
			    "default_language = pl\nlanguage_fingerprints =\n", &cfg, &f) == 0,
	       "comments, blank lines, continuation, CRLF");
	tap_is(cfg ? cfg->helpdesk_name : NULL, "Acme Support", "continuation line joins with one space");
	tap_ok(cfg && !cfg->log_syslog, "log_destination = stderr");
	tap_int(cfg ? cfg->max_message_size : -1, 10485760, "max_message_size = 10M");
	tap_int(cfg ? cfg->deliver_timeout : -1, 120, "deliver_timeout = 2m");
	tap_is(cfg ? cfg->default_language : NULL, "pl", "default_language = pl");
	tap_is(cfg ? cfg->language_fingerprints : NULL, "", "language_fingerprints may be empty (no guessing)");
	config_free(&cfg);

	bad(BASE "colour = blue\n", "test.conf:3: unknown key 'colour'", "unknown key names FILE:LINE");
	bad("database = x\n", "test.conf:1: required key 'secret_key_file' is missing", "missing required key");
	bad(BASE "this line has no equals\n", "test.conf:3: expected 'key = value'", "line without '='");
	bad(BASE "max_message_size = lots\n", "test.conf:3: bad value for max_message_size", "bad size");
	bad(BASE "max_message_size = 0\n", "test.conf:3: bad value for max_message_size", "zero max_message_size");
	bad(BASE "notify_attachment_limit = 10MB\n", "test.conf:3: bad value for notify_attachment_limit", "bad limit");
	bad(BASE "deliver_timeout = 0\n", "test.conf:3: bad value for deliver_timeout", "zero timeout");
	bad(BASE "log_destination = file\n", "test.conf:3: bad value for log_destination", "bad log destination");
	bad(BASE "default_language = English!\n", "test.conf:3: bad value for default_language", "bad language");
	bad(BASE "database = y\n", "test.conf:3: 'database' is already set on line 1", "duplicate key");
	bad("  database = x\n", "test.conf:1: continuation line", "continuation without a key");
	bad(BASE "= x\n", "test.conf:3: missing key before '='", "'= x' without a key");
	bad("database = \nsecret_key_file = /k\n", "test.conf:1: database must not be empty", "empty required value");

	bad(BASE "smtp_tls = maybe\n", "test.conf:3: bad value for smtp_tls", "bad smtp_tls");
	bad(BASE "auto_reply_limit = many\n", "test.conf:3: bad value for auto_reply_limit", "bad count");
	tap_ok(config_parse("t", BASE "smtp_tls = starttls\nauto_reply_limit = 0\nsmtp_timeout = 5s\n", &cfg, &f) == 0 &&
	       strcmp(cfg->smtp_tls, "starttls") == 0 && cfg->auto_reply_limit == 0 && cfg->smtp_timeout == 5,
	       "smtp_tls, auto_reply_limit, smtp_timeout");
	config_free(&cfg);
	tap_ok(config_parse("t", BASE "smtp_idle_time = 2m\n", &cfg, &f) == 0 && cfg->smtp_idle_time == 120,
	       "smtp_idle_time = 2m");
	config_free(&cfg);
	bad(BASE "smtp_idle_time = 0\n", "test.conf:3: bad value for smtp_idle_time", "smtp_idle_time must be positive");
	/* part digest */
	tap_ok(config_parse("t", BASE, &cfg, &f) == 0 && cfg->digest_hour == -1, "digest_hour: none by default");
	config_free(&cfg);
	tap_ok(config_parse("t", BASE "digest_hour = 0\n", &cfg, &f) == 0 && cfg->digest_hour == 0, "digest_hour = 0");
	config_free(&cfg);
	tap_ok(config_parse("t", BASE "digest_hour = 23\n", &cfg, &f) == 0 && cfg->digest_hour == 23, "digest_hour = 23");
	config_free(&cfg);
	bad(BASE "digest_hour = 24\n", "test.conf:3: bad value for digest_hour", "digest_hour = 24: refused");
	bad(BASE "digest_hour = 8am\n", "test.conf:3: bad value for digest_hour", "digest_hour = 8am: refused");
	bad(BASE "digest_hour = -1\n", "test.conf:3: bad value for digest_hour", "digest_hour = -1: refused");
	tap_ok(config_load("/nonexistent/postdesk.conf", &cfg, &f) < 0 && f.kind == FAULT_TEMPORARY,
	       "unreadable file is a temporary fault: %s", f.text);
	/* spam_headers (part intake) */
	tap_ok(config_parse("t", BASE, &cfg, &f) == 0 && g_strv_length(cfg->spam_header_names) == 4 &&
	       strcmp(cfg->spam_header_names[3], "X-Spamd-Result") == 0 &&
	       strcmp(cfg->spam_header_prefixes[3], "default: True") == 0 &&
	       strcmp(cfg->spam_header_prefixes[0], "YES") == 0, "spam_headers default: four, split at the first colon");
	config_free(&cfg);
	tap_ok(config_parse("t", BASE "spam_headers =\n", &cfg, &f) == 0 && cfg->spam_header_names[0] == NULL,
	       "spam_headers empty: none");
	config_free(&cfg);
	tap_ok(config_parse("t", BASE "spam_headers =  X-Barracuda-Spam-Status :  Yes ,X-Foo: 1\n", &cfg, &f) == 0 &&
	       g_strv_length(cfg->spam_header_names) == 2 && strcmp(cfg->spam_header_names[0], "X-Barracuda-Spam-Status") == 0 &&
	       strcmp(cfg->spam_header_prefixes[0], "Yes") == 0, "spam_headers: blanks trimmed");
	config_free(&cfg);
	bad(BASE "spam_headers = X-Spam-Flag\n", "spam_headers", "spam_headers entry without a colon");
	bad(BASE "spam_headers = X-Spam-Flag:\n", "expected 'Header: value-prefix'", "spam_headers entry without a prefix");
	bad(BASE "spam_headers = X Spam: yes\n", "spam_headers", "spam_headers: a space in the name");
	bad(BASE "spam_headers = X-Spam: yes,, X-Spam-Flag: YES\n", "spam_headers", "spam_headers: an empty entry");
	return tap_done();
}
