/* migrate.c: applying the embedded sql/ migrations. */
#include <glib.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "migrate.h"

/* The advisory lock key that serialises migrators ("pdmg"). */
#define MIGRATE_LOCK_KEY "1885629799"

static const char migrate_table_sql[] =
	"CREATE TABLE IF NOT EXISTS postdesk_migrations ("
	" version integer PRIMARY KEY,"
	" name text NOT NULL,"
	" checksum text NOT NULL,"
	" applied timestamptz NOT NULL DEFAULT now())";

/* The hex BLAKE2b checksum of a migration's text. */
static void migrate_checksum(const char *sql, char hex[65])
{
	unsigned char hash[32];

	crypto_generichash(hash, sizeof(hash), (const unsigned char *)sql, strlen(sql), NULL, 0);
	sodium_bin2hex(hex, 65, hash, sizeof(hash));
}

/* Apply one migration in its own transaction unless it is already recorded. */
static int migrate_one(struct db *db, const struct migration *m, int *applied, struct fault *f)
{
	char version[16], sum[65];
	const char *params[3] = { version, m->name, sum };
	PGresult *res;

	snprintf(version, sizeof(version), "%d", m->version);
	migrate_checksum(m->sql, sum);
	if (db_begin(db, f) < 0)
		return -1;
	res = db_exec(db, "SELECT checksum FROM postdesk_migrations WHERE version = $1", 1, params, f);
	if (res == NULL)
		goto fail;
	if (PQntuples(res) == 1) {
		int changed = strcmp(PQgetvalue(res, 0, 0), sum) != 0;

		PQclear(res);
		db_rollback(db);
		if (changed)
			return fault_perm(f, "migration %s was applied with different text: "
					  "migrations must never change once released", m->name);
		return 0;
	}
	PQclear(res);
	if (db_run_script(db, m->sql, f) < 0) {
		fault_prefix(f, "migration %s", m->name);
		goto fail;
	}
	if (db_run(db, "INSERT INTO postdesk_migrations (version, name, checksum) VALUES ($1, $2, $3)",
		   3, params, f) < 0 || db_commit(db, f) < 0)
		goto fail;
	(*applied)++;
	return 0;
fail:
	db_rollback(db);
	return -1;
}

int migrate_run(struct db *db, int *applied_r, struct fault *f)
{
	const struct migration *m;
	int ret = 0;

	*applied_r = 0;
	/* Session lock: a second migrator waits here (within statement_timeout). */
	if (db_run(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0, NULL, f) < 0)
		return -1;
	if (db_run(db, migrate_table_sql, 0, NULL, f) < 0)
		ret = -1;
	for (m = migrate_list; ret == 0 && m->name != NULL; m++)
		ret = migrate_one(db, m, applied_r, f);
	if (db_run(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0, NULL,
		   ret == 0 ? f : &(struct fault){ 0 }) < 0)
		ret = -1;
	return ret;
}

int migrate_status(struct db *db, struct migrate_state **states_r, int *count_r, struct fault *f)
{
	GArray *states = g_array_new(FALSE, TRUE, sizeof(struct migrate_state));
	const struct migration *m;
	PGresult *res;
	int i;

	res = db_exec(db, "SELECT to_regclass('postdesk_migrations') IS NOT NULL", 0, NULL, f);
	if (res == NULL)
		goto fail;
	if (db_get_bool(res, 0, 0)) {
		PQclear(res);
		res = db_exec(db, "SELECT version, checksum, " DB_ISO("applied")
			      " FROM postdesk_migrations ORDER BY version",
			      0, NULL, f);
		if (res == NULL)
			goto fail;
	} else {
		PQclear(res);
		res = NULL;
	}
	for (m = migrate_list; m->name != NULL; m++) {
		struct migrate_state s = { .version = m->version, .name = m->name };

		g_array_append_val(states, s);
	}
	for (i = 0; res != NULL && i < PQntuples(res); i++) {
		int v = atoi(PQgetvalue(res, i, 0));
		struct migrate_state *s = NULL;
		guint j;

		for (j = 0; j < states->len; j++)
			if (g_array_index(states, struct migrate_state, j).version == v)
				s = &g_array_index(states, struct migrate_state, j);
		if (s == NULL) {
			struct migrate_state unknown = { .version = v };

			g_array_append_val(states, unknown);
			s = &g_array_index(states, struct migrate_state, states->len - 1);
		} else {
			char sum[65];

			migrate_checksum(migrate_list[s - (struct migrate_state *)states->data].sql, sum);
			s->changed = strcmp(sum, PQgetvalue(res, i, 1)) != 0;
		}
		snprintf(s->applied, sizeof(s->applied), "%s", PQgetvalue(res, i, 2));
	}
	PQclear(res);
	*count_r = (int)states->len;
	*states_r = (struct migrate_state *)g_array_free(states, FALSE);
	return 0;
fail:
	g_array_free(states, TRUE);
	return -1;
}
