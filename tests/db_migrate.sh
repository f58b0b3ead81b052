#!/bin/sh
# db_migrate.sh: migrations apply once, idempotently, also when run at once;
# 005 upgrades a database with mail in it and keeps what it must.
. "$TEST_SRCDIR/lib.sh"
plan 18
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
sh "$TEST_SRCDIR/../build-aux/schema-dump.sh" "$DB_CONNINFO" >"$T_DIR/schema1.sql"

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
sh "$TEST_SRCDIR/../build-aux/schema-dump.sh" "$DB2" >"$T_DIR/schema2.sql"
diff "$T_DIR/schema1.sql" "$T_DIR/schema2.sql" >"$T_DIR/schema.diff" &&
	grep -q '^CREATE TABLE public\.cases ' "$T_DIR/schema1.sql"
ok $? "identical schema (pg_dump, build-aux/schema-dump.sh) to the serial migrate"
sed 's/^/# /' "$T_DIR/schema.diff"

# 005 on a database with mail in it: the second database is put back as 004
# left it (the attachment's content in blobs, the raw message's SHA-256),
# then migrated.
POSTDESK_CONF=$T_DIR/b.conf
"$POSTDESK" keygen >/dev/null
"$POSTDESK" queue add support --address support@example.org >/dev/null
printf 'From: old@example.net\nTo: support@example.org\nSubject: Before the upgrade\nMessage-ID: <old-1@example.net>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n--b\nContent-Type: text/plain\n\nSee the file.\n--b\nContent-Type: application/pdf; name="a.pdf"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n' \
	>"$T_DIR/old.eml"
"$POSTDESK" deliver --recipient support@example.org --queue-id MIG1 <"$T_DIR/old.eml" >/dev/null 2>&1
psql -X -q -v ON_ERROR_STOP=1 "$DB2" >/dev/null <<'EOSQL'
ALTER TABLE messages RENAME COLUMN raw_hash TO raw_sha256;
UPDATE messages SET raw_sha256 = sha256(raw);
CREATE TABLE blobs (sha256 bytea PRIMARY KEY, size bigint NOT NULL, content bytea);
INSERT INTO blobs SELECT sha256(decode('JVBERi0xLjQK', 'base64')), 9, decode('JVBERi0xLjQK', 'base64');
ALTER TABLE attachments ADD COLUMN blob_sha256 bytea REFERENCES blobs(sha256);
UPDATE attachments SET blob_sha256 = (SELECT sha256 FROM blobs);
ALTER TABLE attachments ALTER COLUMN blob_sha256 SET NOT NULL;
DELETE FROM postdesk_migrations WHERE version = 5;
EOSQL
run "$POSTDESK" db migrate
is "$RC:$OUT" "0:1 migration applied" "005 on a database with an attachment in blobs: applied"
is "$(psql -X -At "$DB2" -c "SELECT filename || ' ' || content_type || ' ' || size FROM attachments")" "a.pdf application/pdf 9" \
	"... the attachment's row is kept"
is "$(psql -X -At "$DB2" -c "SELECT to_regclass('blobs') IS NULL, count(raw_hash) FROM messages WHERE message_id = 'old-1@example.net'")" "t|1" \
	"... blobs is gone, the hash is in raw_hash"
"$POSTDESK" deliver --recipient support@example.org --queue-id MIG2 <"$T_DIR/old.eml" >/dev/null 2>&1
is "$?:$(psql -X -At "$DB2" -c "SELECT count(*) FROM messages WHERE message_id = 'old-1@example.net'")" "0:1" \
	"... the message delivered again is recognised (by sender and Message-ID) and stored once"
POSTDESK_CONF=$CONF

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
