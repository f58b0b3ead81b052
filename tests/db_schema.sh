#!/bin/sh
# db_schema.sh: sql/schema.sql is exactly the schema "db migrate" makes on an
# empty database, both dumped through build-aux/schema-dump.sh; it is not a
# migration itself; and the comparison fails when the database differs.
. "$TEST_SRCDIR/lib.sh"
plan 8
DUMP=$TEST_SRCDIR/../build-aux/schema-dump.sh
WANT=$TEST_SRCDIR/../sql/schema.sql

# compare FILE: 0 when FILE is sql/schema.sql; else 1, the diff as
# diagnostics and how to write the file again.
compare() {
	diff -u --label sql/schema.sql --label "db migrate" "$WANT" "$1" >"$T_DIR/diff" && return 0
	sed 's/^/# /' "$T_DIR/diff"
	diag "sql/schema.sql (-) is not the schema db migrate makes (+). After a new migration,"
	diag "run 'make schema' in the build directory and commit sql/schema.sql with it."
	return 1
}

new_db
run "$POSTDESK" db migrate
like "$RC:$OUT" "^0:[1-9][0-9]* migrations? applied" "db migrate on an empty database"
want=$(echo $(ls "$TEST_SRCDIR/../sql" | sed -n 's/^\([0-9][0-9][0-9]_.*\)\.sql$/\1/p'))
is "$(sql "SELECT string_agg(name, ' ' ORDER BY version) FROM postdesk_migrations")" "$want" \
	"applied: sql/NNN_name.sql, in order, and not schema.sql"

sh "$DUMP" "$DB_CONNINFO" >"$T_DIR/schema.sql" 2>"$T_DIR/dump.err"
rc=$?
like "$rc:$(grep -c '^CREATE TABLE public\.postdesk_migrations ' "$T_DIR/schema.sql")" '^0:1$' \
	"schema-dump.sh dumps the migrated database"
[ "$rc" = 0 ] || sed 's/^/# /' "$T_DIR/dump.err"
is "$(grep -Ec '^(\\(un)?restrict |-- Dumped (from|by) )' "$T_DIR/schema.sql")" 0 \
	"... without the random \\restrict key or the version lines"
compare "$T_DIR/schema.sql"
ok $? "sql/schema.sql is that schema, exactly"

# the comparison can fail: the same database with one column more
sql "ALTER TABLE cases ADD COLUMN canary text"
sh "$DUMP" "$DB_CONNINFO" >"$T_DIR/canary.sql"
out=$(compare "$T_DIR/canary.sql")
is "$?" 1 "a column added to the database: the comparison fails"
like "$out" '^# \+    canary text,?$' "... its diagnostics show the diff, with the column"
like "$out" "^# run 'make schema' in the build directory" "... and say how to write the file again"
finish
