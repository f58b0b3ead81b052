#!/bin/sh
# db_migrate.sh: migrations apply once, idempotently, also when run at once.
. "$TEST_SRCDIR/lib.sh"
plan 14
new_db

run "$POSTDESK" db status
like "$RC:$OUT" "^0:.*001 001_init .*pending" "status before: 001 pending"
run "$POSTDESK" db migrate
like "$RC:$OUT" "^0:[1-9][0-9]* migrations? applied" "first migrate applies"
run "$POSTDESK" db migrate
is "$RC:$OUT" "0:0 migrations applied" "second migrate applies nothing"
run "$POSTDESK" db status --json
like "$OUT" '^\[\{"version":1,"name":"001_init","applied":"[0-9-]+T[0-9:]+Z","changed":false\}' "status --json"
like "$OUT" '0 pending|^\[' "status parses"
tables=$(sql "SELECT count(*) FROM information_schema.tables WHERE table_schema='public'")
schema1=$(pg_dump -s "$DB_CONNINFO" 2>/dev/null | grep -Ev '^(--|\\(un)?restrict)' | md5sum)

# four migrators at once on a second, empty database
DB2=$(sh "$TEST_SRCDIR/pg.sh" createdb "$TEST_BUILDDIR" "${DB_NAME}_b")
write_conf "$T_DIR/b.conf" "$DB2"
for i in 1 2 3 4; do
	"$POSTDESK" -c "$T_DIR/b.conf" db migrate >"$T_DIR/m$i.out" 2>"$T_DIR/m$i.err" &
done
fails=0
for i in 1 2 3 4; do wait %$i 2>/dev/null || true; done
wait
for i in 1 2 3 4; do
	grep -q "migrations\? applied" "$T_DIR/m$i.out" || fails=$((fails + 1))
done
is "$fails" 0 "four concurrent migrators all succeed"
total=$(cat "$T_DIR"/m?.out | awk "{ s += \$1 } END { print s }")
n=$(psql -X -At "$DB2" -c "SELECT count(*) FROM postdesk_migrations")
is "$total" "$n" "together they applied each migration exactly once ($total)"
tables2=$(psql -X -At "$DB2" -c "SELECT count(*) FROM information_schema.tables WHERE table_schema='public'")
is "$tables2" "$tables" "same number of tables as a serial migrate ($tables)"
schema2=$(pg_dump -s "$DB2" 2>/dev/null | grep -Ev '^(--|\\(un)?restrict)' | md5sum)
is "$schema2" "$schema1" "identical schema (pg_dump -s) to the serial migrate"

# a changed migration is refused, not re-applied
sql "UPDATE postdesk_migrations SET checksum = 'x' WHERE version = 1"
run "$POSTDESK" db migrate
like "$RC:$ERR" "^1:.*001_init was applied with different text" "changed migration refused"
run "$POSTDESK" db status
like "$OUT" "CHANGED since applied" "status flags the changed migration"
sql "INSERT INTO postdesk_migrations (version, name, checksum) VALUES (999, '999_future', 'y')"
run "$POSTDESK" db status
like "$OUT" "999 \(unknown to this postdesk\)" "status shows a migration from a newer postdesk"

# database down: temporary failure
write_conf "$T_DIR/down.conf" "host=$T_DIR port=1 user=postdesk dbname=x"
run "$POSTDESK" -c "$T_DIR/down.conf" db migrate
like "$RC:$ERR" "^75:.*database unavailable" "unreachable database: 75, says so"
run "$POSTDESK" -c "$T_DIR/down.conf" db status
is "$RC" 75 "status on an unreachable database: 75"
finish
