/* migrate.h: schema migrations from sql/, embedded in the binary at build
 * time, applied in order under an advisory lock and recorded in a table. */
#ifndef POSTDESK_MIGRATE_H
#define POSTDESK_MIGRATE_H

#include "fault.h"

struct db;

struct migration {
	int version;
	const char *name;
	const char *sql;
};

/* The embedded migrations, ordered by version, ending with a NULL name. */
extern const struct migration migrate_list[];

/* One migration's state in a database, for "db status". */
struct migrate_state {
	int version;
	const char *name;	/* NULL when the database has a version this binary lacks */
	char applied[40];	/* timestamp, "" when pending */
	int changed;		/* applied, but the text differs from the embedded one */
};

/* Apply every pending migration; safe to run twice and from several
 * processes at once. *applied_r counts the migrations this call applied. */
int migrate_run(struct db *db, int *applied_r, struct fault *f);
/* List every migration with its state (g_free the array). */
int migrate_status(struct db *db, struct migrate_state **states_r, int *count_r, struct fault *f);

#endif
