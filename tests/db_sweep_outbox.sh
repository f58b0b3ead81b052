#!/bin/sh
# db_sweep_outbox.sh: the outbox as a queue: mail queued while SMTP is down
# goes out with "postdesk sweep" once it is back; 5xx fails with an event,
# 4xx backs off, the retry limit gives up, an expired lease is reclaimed, and
# two sweepers at once send every message exactly once. The SMTP receiver is
# Postfix's smtp-sink.
. "$TEST_SRCDIR/lib.sh"
plan 20
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
SINKPIDS=
trap 'for p in $SINKPIDS; do kill $p 2>/dev/null; done' EXIT

# sink DIR PORT [SMTP-SINK OPTIONS]: start a receiver writing one file a message.
sink() {
	mkdir -p "$1"
	chmod 777 "$1"
	d=$1 p=$2
	shift 2
	/usr/sbin/smtp-sink -u nobody "$@" -d "$d/%M." "127.0.0.1:$p" 20 &
	SINKPIDS="$SINKPIDS $!"
	deadline=$(($(date +%s) + 10))
	until ss -ltn | grep -q "127.0.0.1:$p " || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
	sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$p/" "$CONF"
}
# files DIR: how many messages a receiver got (waits a little for the last).
files() {
	sleep 0.3
	ls "$1" | wc -l | tr -d ' '
}
due() { sql "UPDATE outbox SET next_attempt = now() WHERE status IN ('queued', 'sending')" >/dev/null; }
base=$((20000 + $$ % 20000))

printf 'Queue me.\n' | mail "$M/one" "jan@example.net" "While SMTP is down"
deliver "$M/one"
like "$ERR" "sent=0/2" "SMTP down: ack and notification stay queued"
is "$(sql "SELECT string_agg(status || attempts, ' ') FROM outbox")" "queued1 queued1" "queued, one attempt each"
is "$(sql "SELECT count(*) FROM outbox WHERE next_attempt > now() + interval '50 seconds' AND last_error LIKE 'connect to%'")" 2 "backoff before the next attempt, the error kept"
sweep
is "$OUT" "outbox: 0 sent, 0 deferred, 0 failed" "sweep before the retry time sends nothing"

sink "$T_DIR/s1" "$base"
due
sweep
is "$RC:$OUT" "0:outbox: 2 sent, 0 deferred, 0 failed" "SMTP back: sweep sends both"
is "$(files "$T_DIR/s1")" 2 "the receiver got two messages"
sweep --now 2020-01-01T10:00:00Z
is "$OUT" "outbox: 0 sent, 0 deferred, 0 failed" "a second sweep sends nothing again"
run "$POSTDESK" sweep --now yesterday
is "$RC" 64 "a bad --now is a usage error"

# 5xx at RCPT: failed for good, recorded on the case
sink "$T_DIR/s2" $((base + 1)) -f RCPT
printf 'Bounce me.\n' | mail "$M/two" "ola@example.net" "Refused"
deliver "$M/two" support@example.org ola@example.net
c=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
is "$(sql "SELECT string_agg(status, ' ') FROM outbox WHERE case_id = $c")" "failed failed" "5xx: failed at once, not retried"
like "$(sql "SELECT detail FROM events WHERE case_id = $c AND type = 'delivery-failed' LIMIT 1")" "to .*: 5[0-9][0-9]" "a delivery-failed event tells to whom and the reply"

# 4xx: deferred with a growing backoff; the retry limit gives up
sink "$T_DIR/s3" $((base + 2)) -r RCPT
printf 'Later.\n' | mail "$M/three" "eva@example.net" "Soft"
deliver "$M/three" support@example.org eva@example.net
c=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
is "$(sql "SELECT count(*) FROM outbox WHERE case_id = $c AND status = 'queued' AND last_error LIKE '%: 4%'")" 2 "4xx: queued again"
sql "UPDATE outbox SET attempts = 9 WHERE case_id = $c" >/dev/null
due
sweep
is "$OUT" "outbox: 0 sent, 0 deferred, 2 failed" "the tenth failed attempt gives up"
is "$(sql "SELECT count(*) FROM events WHERE case_id = $c AND type = 'delivery-failed' AND detail LIKE '%gave up%'")" 2 "and says so on the case"
printf 'Retry me.\n' | mail "$M/four" "ada@example.net" "Soft, then fine"
deliver "$M/four" support@example.org ada@example.net
c4=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
is "$(sql "SELECT string_agg(status, ' ') FROM outbox WHERE case_id = $c4")" "queued queued" "another 4xx: queued"

# a row left 'sending' by a crashed process is sent once its lease expires
sink "$T_DIR/s4" $((base + 3))
id=$(sql "SELECT min(id) FROM outbox WHERE status = 'sent'")
sql "UPDATE outbox SET status = 'sending', next_attempt = now() - interval '1 second' WHERE id = $id" >/dev/null
sweep
is "$OUT:$(files "$T_DIR/s4")" "outbox: 1 sent, 0 deferred, 0 failed:1" "an expired lease is claimed again (at worst one duplicate)"
sql "UPDATE outbox SET next_attempt = now() WHERE case_id = $c4" >/dev/null
sweep
is "$OUT:$(sql "SELECT string_agg(status, ' ') FROM outbox WHERE case_id = $c4")" "outbox: 2 sent, 0 deferred, 0 failed:sent sent" "4xx, then success on the next sweep"

# a server that stops answering: the deadline (smtp_timeout = 3s) holds
sink "$T_DIR/s6" $((base + 5)) -w 20
printf 'Slow.\n' | mail "$M/slow" "slow@example.net" "Slow server"
start=$(date +%s)
deliver "$M/slow" support@example.org slow@example.net
took=$(($(date +%s) - start))
c6=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
like "$RC:$took" "^0:([0-9]|1[0-5])$" "a server that hangs at DATA: deliver still ends in time (${took}s for 2 mails)"
is "$(sql "SELECT string_agg(status, ' ') FROM outbox WHERE case_id = $c6")" "queued queued" "and the mail stays queued for the sweeper"

# two sweepers at once over 60 queued messages: each sent exactly once
sink "$T_DIR/s5" $((base + 4))
sql "INSERT INTO outbox (case_id, kind, envelope_from, recipients, raw)
     SELECT case_id, 'test', envelope_from, recipients, raw FROM outbox, generate_series(1, 60) WHERE id = $id" >/dev/null
"$POSTDESK" sweep >"$T_DIR/w1" 2>&1 &
p1=$!
"$POSTDESK" sweep >"$T_DIR/w2" 2>&1 &
p2=$!
wait $p1
wait $p2
total=$(cat "$T_DIR/w1" "$T_DIR/w2" | sed -n 's/^outbox: \([0-9]*\) sent.*/\1/p' | awk '{ s += $1 } END { print s }')
is "$total" 60 "two sweepers together sent 60"
deadline=$(($(date +%s) + 10))
until [ "$(ls "$T_DIR/s5" | wc -l)" -ge 60 ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
is "$(files "$T_DIR/s5"):$(sql "SELECT count(*) FROM outbox WHERE kind = 'test' AND status = 'sent'")" "60:60" "the receiver got each of the 60 once"
finish
