/* db.c: PostgreSQL access through libpq with deadlines and error kinds. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "log.h"

/* Statements a connection remembers, at most. */
#define DB_MAX_STATEMENTS 512

struct db {
	PGconn *conn;
	char sqlstate[6];
	/* SQL text -> 0 when run once, else the number of its prepared statement */
	GHashTable *statements;
	int prepared;
	bool stale;		/* the last failure was a stale prepared statement */
};

/* Silence libpq's notices (CREATE ... IF NOT EXISTS); they are not errors. */
static void db_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/* Copy the first line of a libpq message into buf. */
static const char *db_message(const char *msg, char *buf, size_t size)
{
	size_t n = strcspn(msg, "\n");

	if (n >= size)
		n = size - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
	return buf;
}

/* Copy why a connection failed into buf, on one line: with several hosts
 * in the conninfo, libpq says why each one failed, a line each (hint lines
 * indented under them, left out); they are joined with "; ", so that a
 * deferral during a failover says why every host was refused. */
static const char *db_connect_message(const char *msg, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	while (*msg != '\0' && len + 3 < size) {
		size_t n = strcspn(msg, "\n");

		if (n > 0 && msg[0] != ' ' && msg[0] != '\t') {
			if (len > 0) {
				memcpy(buf + len, "; ", 2);
				len += 2;
			}
			if (n > size - len - 1)
				n = size - len - 1;
			memcpy(buf + len, msg, n);
			len += n;
			buf[len] = '\0';
		}
		msg += strcspn(msg, "\n");
		if (*msg == '\n')
			msg++;
	}
	return buf;
}

int db_open(const struct config *cfg, struct db **db_r, struct fault *f)
{
	char timeout[32], options[160], msg[480];
	const char *keys[] = { "connect_timeout", "options", "application_name", "dbname", NULL };
	const char *values[] = { timeout, options, "postdesk", cfg->database, NULL };
	struct db *db;

	snprintf(timeout, sizeof(timeout), "%lld",
		 cfg->db_connect_timeout < 2 ? 2 : cfg->db_connect_timeout);
	snprintf(options, sizeof(options),
		 "-c statement_timeout=%lld -c lock_timeout=%lld "
		 "-c idle_in_transaction_session_timeout=%lld -c TimeZone=UTC",
		 cfg->db_statement_timeout * 1000, cfg->db_statement_timeout * 1000,
		 cfg->db_statement_timeout * 2000);
	db = calloc(1, sizeof(*db));
	if (db == NULL)
		return fault_temp(f, "out of memory");
	/* The conninfo comes last so that what the administrator wrote wins. */
	db->conn = PQconnectdbParams(keys, values, 1);
	if (db->conn == NULL || PQstatus(db->conn) != CONNECTION_OK) {
		fault_temp(f, "database unavailable: %s",
			   db->conn ? db_connect_message(PQerrorMessage(db->conn), msg, sizeof(msg)) : "out of memory");
		db_free(&db);
		return -1;
	}
	PQsetNoticeProcessor(db->conn, db_notice, NULL);
	db->statements = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	*db_r = db;
	return 0;
}

void db_free(struct db **db)
{
	if (*db == NULL)
		return;
	if ((*db)->conn != NULL)
		PQfinish((*db)->conn);
	if ((*db)->statements != NULL)
		g_hash_table_destroy((*db)->statements);
	free(*db);
	*db = NULL;
}

/* Whether a failure with this SQLSTATE may clear up if tried again later. */
static bool db_state_temporary(const char *state)
{
	static const char *const classes[] = {
		"08",	/* connection exception */
		"40",	/* transaction rollback: serialization, deadlock */
		"53",	/* insufficient resources */
		"57",	/* operator intervention: shutdown, statement timeout */
		"58",	/* system error */
		"55P03",	/* lock not available */
		"25P03",	/* idle-in-transaction timeout */
	};
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strncmp(state, classes[i], strlen(classes[i])) == 0)
			return true;
	return false;
}

/* Turn a failed result into a fault; consumes res. */
static void db_fail(struct db *db, PGresult *res, struct fault *f)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(db->conn);
	char line[300];

	snprintf(db->sqlstate, sizeof(db->sqlstate), "%s", state ? state : "");
	db_message(msg, line, sizeof(line));
	if (PQstatus(db->conn) != CONNECTION_OK || state == NULL || db_state_temporary(state) || db->stale)
		fault_temp(f, "database: %s", line);
	else
		fault_perm(f, "database: %s", line);
	PQclear(res);
}

PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
		  struct fault *f)
{
	return db_exec_bin(db, sql, nparams, params, NULL, NULL, f);
}

/* Whether a prepared statement's failure says the statement itself is no
 * longer usable: its result type changed under it (a migration), or the
 * session lost it. */
static bool db_stale(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state != NULL && (strcmp(state, "0A000") == 0 || strcmp(state, "26000") == 0);
}

/* Run sql: the second time a connection runs it, it is prepared, and from
 * then on it is neither parsed nor, after a few runs, planned again (a
 * server's worker runs the same few dozen statements for every message);
 * what runs once costs no more than before. */
static PGresult *db_send(struct db *db, const char *sql, int nparams, const char *const *params,
			 const int *lengths, const int *binary)
{
	gpointer seen = NULL;
	int number = 0;
	char name[24];
	PGresult *res;

	db->stale = false;
	if (!g_hash_table_lookup_extended(db->statements, sql, NULL, &seen)) {
		if (g_hash_table_size(db->statements) < DB_MAX_STATEMENTS)
			g_hash_table_insert(db->statements, g_strdup(sql), NULL);
		return PQexecParams(db->conn, sql, nparams, NULL, params, lengths, binary, 0);
	}
	number = GPOINTER_TO_INT(seen);
	if (number == 0) {
		PGresult *prep;

		number = ++db->prepared;
		snprintf(name, sizeof(name), "pd%d", number);
		prep = PQprepare(db->conn, name, sql, nparams, NULL);
		if (prep == NULL || PQresultStatus(prep) != PGRES_COMMAND_OK)
			return prep;	/* why it failed (a lock, a shutdown): running it would fail too */
		PQclear(prep);
		g_hash_table_insert(db->statements, g_strdup(sql), GINT_TO_POINTER(number));
	}
	snprintf(name, sizeof(name), "pd%d", number);
	res = PQexecPrepared(db->conn, name, nparams, params, lengths, binary, 0);
	if (res != NULL && db_stale(res)) {
		/* The schema changed under the connection: forget every statement
		 * (their names are not used again). Outside a transaction, run the
		 * text at once; inside, the failure is temporary: tried again, the
		 * transaction runs fresh statements. */
		g_hash_table_remove_all(db->statements);
		if (PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
			PQclear(res);
			return PQexecParams(db->conn, sql, nparams, NULL, params, lengths, binary, 0);
		}
		db->stale = true;
	}
	return res;
}

PGresult *db_exec_bin(struct db *db, const char *sql, int nparams, const char *const *params,
		      const int *lengths, const int *binary, struct fault *f)
{
	PGresult *res = db_send(db, sql, nparams, params, lengths, binary);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		db->sqlstate[0] = '\0';
		return res;
	}
	db_fail(db, res, f);
	return NULL;
}

int db_run(struct db *db, const char *sql, int nparams, const char *const *params,
	   struct fault *f)
{
	PGresult *res = db_exec(db, sql, nparams, params, f);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int db_run_script(struct db *db, const char *sql, struct fault *f)
{
	PGresult *res = PQexec(db->conn, sql);
	ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		PQclear(res);
		return 0;
	}
	db_fail(db, res, f);
	return -1;
}

bool db_usable(struct db *db)
{
	PGresult *res;
	bool alive;

	if (PQstatus(db->conn) != CONNECTION_OK)
		return false;
	db_rollback(db);
	/* An empty query: one round trip, the only sure sign the server is still there. */
	res = PQexec(db->conn, "");
	alive = res != NULL && PQresultStatus(res) == PGRES_EMPTY_QUERY;
	PQclear(res);
	return alive && PQtransactionStatus(db->conn) == PQTRANS_IDLE;
}

int db_begin(struct db *db, struct fault *f)
{
	return db_run(db, "BEGIN", 0, NULL, f);
}

int db_commit(struct db *db, struct fault *f)
{
	return db_run(db, "COMMIT", 0, NULL, f);
}

void db_rollback(struct db *db)
{
	if (PQtransactionStatus(db->conn) != PQTRANS_IDLE)
		PQclear(PQexec(db->conn, "ROLLBACK"));
}

const char *db_sqlstate(const struct db *db)
{
	return db->sqlstate;
}

bool db_unique_violation(const struct db *db)
{
	return strcmp(db->sqlstate, "23505") == 0;
}

const char *db_value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

long long db_get_ll(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? 0 : atoll(PQgetvalue(res, row, col));
}

bool db_get_bool(const PGresult *res, int row, int col)
{
	return !PQgetisnull(res, row, col) && PQgetvalue(res, row, col)[0] == 't';
}

const char *db_id_text(char *buf, long long n)
{
	snprintf(buf, DB_ID_MAX, "%lld", n);
	return buf;
}
