#!/bin/sh
# db_deliver_faults.sh: deliver when things go wrong: the database stopped,
# the process killed in the middle of its transaction, and 20 deliveries at
# once to one case.
. "$TEST_SRCDIR/lib.sh"
plan 13
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"

mail "$M/first" "carol@example.net" "Broken login" <<'EOF'
I cannot log in.
EOF
deliver "$M/first"
is "$RC" 0 "case 1 created"
first=$(msgid "$M/first")

# --- 20 follow-ups at once to one case --------------------------------------------
i=1
while [ $i -le 20 ]; do
	echo "Follow-up number $i." | mail "$M/f$i" "carol@example.net" "Re: Broken login" "In-Reply-To: <$first>"
	i=$((i + 1))
done
pids=
i=1
while [ $i -le 20 ]; do
	"$POSTDESK" deliver --sender carol@example.net --recipient support@example.org \
		--queue-id "C$i" <"$M/f$i" >"$T_DIR/c$i.out" 2>"$T_DIR/c$i.err" &
	pids="$pids $!"
	i=$((i + 1))
done
fails=0
for p in $pids; do wait "$p" || fails=$((fails + 1)); done
is "$fails" 0 "20 concurrent follow-ups: all exit 0"
is "$(sql "SELECT count(*) FROM messages WHERE case_id = 1 AND direction = 'in'")" 21 "all 20 stored in case 1"
is "$(sql "SELECT count(DISTINCT body_text) FROM messages WHERE case_id = 1 AND direction = 'in'")" 21 "each one once"
is "$(sql "SELECT count(*) FROM cases")" 1 "no stray cases"
is "$(sql "SELECT bool_and(ok) FROM (SELECT created >= lag(created, 1, created) OVER (ORDER BY id) AS ok FROM messages WHERE case_id = 1 AND direction = 'in') s")" t "stored in order: ids follow arrival"

# --- killed in the middle of the transaction ----------------------------------------
echo "This delivery is killed halfway." | mail "$M/kill" "dave@example.net" "Will be killed"
cases_before=$(sql "SELECT count(*) FROM cases")
# Hold a lock on events so that deliver blocks after inserting the case
# (events are written after the case row), then kill it there.
psql -X -q "$DB_CONNINFO" -c "BEGIN" -c "LOCK TABLE events IN ACCESS EXCLUSIVE MODE" \
	-c "SELECT pg_sleep(30)" >/dev/null 2>&1 &
locker=$!
deadline=$(($(date +%s) + 20))
until [ "$(sql "SELECT count(*) FROM pg_locks WHERE relation = 'events'::regclass AND granted")" -ge 1 ] ||
	[ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
"$POSTDESK" deliver --sender dave@example.net --recipient support@example.org --queue-id K1 \
	<"$M/kill" >/dev/null 2>&1 &
victim=$!
deadline=$(($(date +%s) + 20))
until [ "$(sql "SELECT count(*) FROM pg_locks WHERE relation = 'events'::regclass AND NOT granted")" -ge 1 ] ||
	[ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
inside=$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'postdesk' AND xact_start IS NOT NULL AND wait_event_type = 'Lock'")
is "$inside" 1 "deliver is blocked inside its transaction (case already inserted)"
kill -9 $victim
wait $victim 2>/dev/null
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
wait $locker 2>/dev/null
deadline=$(($(date +%s) + 20))
until [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'postdesk'")" -eq 0 ] ||
	[ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
is "$(sql "SELECT count(*) FROM cases")" "$cases_before" "killed mid-transaction: no partial case"
is "$(sql "SELECT count(*) FROM customers WHERE email = 'dave@example.net'")" 0 "nor a customer row"
deliver "$M/kill" support@example.org dave@example.net
like "$RC:$ERR" "^0:.*action=new" "redelivered by the MTA later: stored once"

# --- the database stopped -------------------------------------------------------------
# A second private cluster that this test stops, so that the others keep theirs.
PRIV=$T_DIR/privpg
sh "$TEST_SRCDIR/pg.sh" start "$PRIV" >/dev/null
CI2=$(sh "$TEST_SRCDIR/pg.sh" createdb "$PRIV" down)
write_conf "$T_DIR/down.conf" "$CI2"
POSTDESK_CONF=$T_DIR/down.conf
"$POSTDESK" db migrate >/dev/null
"$POSTDESK" queue add support --address support@example.org >/dev/null
sh "$TEST_SRCDIR/pg.sh" halt "$PRIV"
deliver "$M/first"
like "$RC:$OUT" "^75:4\.3\.0 database unavailable" "database stopped: 75 with a 4.3.0 line"
sh "$TEST_SRCDIR/pg.sh" resume "$PRIV"
is "$(psql -X -At "$CI2" -c "SELECT count(*) FROM cases") $(psql -X -At "$CI2" -c "SELECT count(*) FROM customers")" "0 0" \
	"database back: nothing was written"
deliver "$M/first"
like "$RC:$ERR" "^0:.*case=1, action=new" "the MTA's retry then stores it once"
sh "$TEST_SRCDIR/pg.sh" stop "$PRIV" >/dev/null
finish
