/* db.h: the PostgreSQL connection: deadlines on connect and on every
 * statement, parameters only (never data in SQL text), and errors sorted
 * into temporary (retry) and permanent. */
#ifndef POSTDESK_DB_H
#define POSTDESK_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

#include "fault.h"

struct db;
struct config;

/* SQL for a timestamptz column as ISO 8601 UTC text ("2026-11-22T10:00:00Z"). */
#define DB_ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/* SQL for a timestamptz column as whole Unix seconds (NULL stays NULL). */
#define DB_EPOCH(col) "floor(extract(epoch FROM " col "))::bigint"
/* An id or a count as a text query parameter, in a buffer that lives until
 * the end of the enclosing block: db_exec(db, sql, 1, (const char *[]){
 * DB_ID(case_id) }, f). DB_ID_OR_NULL gives SQL NULL for 0. */
#define DB_ID_MAX 24
#define DB_ID(n) db_id_text((char[DB_ID_MAX]){ 0 }, (n))
#define DB_ID_OR_NULL(n) ((n) != 0 ? DB_ID(n) : NULL)

/* Connect with the configured conninfo and timeouts. */
int db_open(const struct config *cfg, struct db **db_r, struct fault *f);
/* Close the connection and set *db to NULL. */
void db_free(struct db **db);
/* Run one statement with text parameters (NULL means SQL NULL). Returns the
 * result (free with PQclear) or NULL with f filled. */
PGresult *db_exec(struct db *db, const char *sql, int nparams, const char *const *params,
		  struct fault *f);
/* Like db_exec, with some parameters passed as binary (bytea): for those,
 * binary[i] is 1 and lengths[i] their length. */
PGresult *db_exec_bin(struct db *db, const char *sql, int nparams, const char *const *params,
		      const int *lengths, const int *binary, struct fault *f);
/* Run a statement whose rows are not needed. */
int db_run(struct db *db, const char *sql, int nparams, const char *const *params,
	   struct fault *f);
/* Run SQL text with no parameters that may hold several statements (migrations). */
int db_run_script(struct db *db, const char *sql, struct fault *f);
/* For a connection kept between deliveries: roll back what a failure left
 * open and ask the server whether it is still there (one round trip). False
 * when the connection is gone and must be opened again. */
bool db_usable(struct db *db);
/* Transaction control. */
int db_begin(struct db *db, struct fault *f);
int db_commit(struct db *db, struct fault *f);
/* Roll back if a transaction is open; never fails. */
void db_rollback(struct db *db);
/* The SQLSTATE of the last failed statement ("" when none). */
const char *db_sqlstate(const struct db *db);
/* A column's value, or NULL when it is SQL NULL. */
const char *db_value(const PGresult *res, int row, int col);
/* A column's value as a number, 0 when SQL NULL. */
long long db_get_ll(const PGresult *res, int row, int col);
/* A boolean column's value, false when SQL NULL. */
bool db_get_bool(const PGresult *res, int row, int col);
/* Write n in decimal into buf (DB_ID_MAX bytes) and return buf. */
const char *db_id_text(char *buf, long long n);
/* True when the last failure was a unique-constraint violation. */
bool db_unique_violation(const struct db *db);

#endif
