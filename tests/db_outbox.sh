#!/bin/sh
# db_outbox.sh: smtp_session_send() against real SMTP servers (Postfix's smtp-sink,
# and tests/smtpsend --serve for what smtp-sink cannot do), and the outbox
# as a queue: flush after deliver, retry by "postdesk sweep" with backoff,
# 5xx with an event, the give-up limits, leases, partial refusals, an
# unknown outcome, and two sweepers at once sending every row exactly once.
# smtp_timeout is 2s here; every wait is bounded.
. "$TEST_SRCDIR/lib.sh"
plan 75
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
SINKS=
SERVER_PID=
cleanup() {
	for d in $SINKS; do $SINK stop "$d"; done
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM
sed -i 's/^smtp_timeout = .*/smtp_timeout = 2s/' "$CONF"

# server HOST:PORT: where postdesk sends its mail.
server() { sed -i "s/^smtp_server = .*/smtp_server = $1/" "$CONF"; }
# sink NAME [SMTP-SINK OPTIONS]: start a capturing smtp-sink and use it.
sink() {
	n=$1
	shift
	p=$($SINK start "$T_DIR/$n" "$@") || { diag "cannot start smtp-sink"; exit 1; }
	SINKS="$SINKS $T_DIR/$n"
	server "127.0.0.1:$p"
}
stop_sink() { $SINK stop "$T_DIR/$1"; }
# count NAME [N]: messages NAME captured (waiting up to 10s for N).
count() { $SINK count "$T_DIR/$1" "${2:-0}"; }
# body FILE: the message smtp-sink captured, without its own lines.
body() {
	awk 'h { print; next } /^Received: from / { r = 1; next } r && /^\t/ { next } r { h = 1; print }' "$1" | sed '$d'
}
# send FILE RCPT... / send_from FILE FROM RCPT...: smtp_session_send() through the
# helper; OUT is "OUTCOME reply|codes: ..." on one line.
send() { f=$1; shift; run "$SMTPSEND" "$CONF" "$@" <"$f"; OUT=$(printf '%s' "$OUT" | tr '\n' '|'); }
send_from() { f=$1; from=$2; shift 2; run "$SMTPSEND" "$CONF" --from "$from" "$@" <"$f"; OUT=$(printf '%s' "$OUT" | tr '\n' '|'); }
ms() { echo $(($(date +%s%N) / 1000000)); }
due() { sql "UPDATE outbox SET next_attempt = now() WHERE status IN ('queued', 'sending') $1" >/dev/null; }
# serve: start the scripted server (bad* 550, soft* 450) and use it.
serve() {
	rm -f "$T_DIR/serve.port"
	"$SMTPSEND" --serve "$T_DIR/serve.port" 120 "$T_DIR/wire" &
	SERVER_PID=$!
	deadline=$(($(date +%s) + 5))
	until [ -s "$T_DIR/serve.port" ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.05; done
	server "127.0.0.1:$(cat "$T_DIR/serve.port")"
}

# --- smtp: what arrives --------------------------------------------------
printf 'From: Helpdesk <support@example.org>\nTo: jan@example.net\nSubject: byte for byte\nMessage-ID: <exact@example.org>\n\n.a line that starts with a dot\n..two dots\n.\na CRLF line\r\nUTF-8: za\305\274\303\263\305\202\304\207 g\304\231\305\233l\304\205 ja\305\272\305\204\n\nlast line\n' >"$M/exact"
sink s1
send "$M/exact" jan@example.net
is "$OUT" "SENT 250 2.0.0 Ok|codes: 250" "a message is sent: SENT with the server's reply"
is "$(count s1 1)" 1 "smtp-sink captured it"
f=$(ls "$T_DIR/s1/mail/"*)
body "$f" >"$T_DIR/got"
tr -d '\r' <"$M/exact" >"$T_DIR/want"
cmp -s "$T_DIR/got" "$T_DIR/want"
ok $? "received byte for byte: dots, CRLF and LF lines, UTF-8, no added blank line"
like "$(grep '^X-Mail-Args' "$f")" "^X-Mail-Args: <helpdesk@example.org>$" "the envelope sender"
send_from "$M/exact" "" jan@example.net ewa@example.net ola@example.net
is "$OUT" "SENT 250 2.0.0 Ok|codes: 250 250 250" "several recipients"
count s1 2 >/dev/null
f=$(grep -l '^X-Mail-Args: <>$' "$T_DIR/s1/mail/"*)
is "$(grep -c '^X-Rcpt-Args' "$f")" 3 "one message to the three recipients"
like "$(grep -c '^X-Mail-Args: <>$' "$f")" "^1$" "the null sender is MAIL FROM:<>"

serve
send "$M/exact" jan@example.net
{ sed 's/\r$//; s/^\./../; s/$/\r/' "$M/exact"; printf '.\r\n'; } >"$T_DIR/wire.want"
cmp -s "$T_DIR/wire" "$T_DIR/wire.want"
ok $? "on the wire: every line ends in CRLF, leading dots doubled, one final dot"
printf 'Subject: no final line end' >"$M/noeol"
send "$M/noeol" jan@example.net
is "$(od -c "$T_DIR/wire" | tr -s ' ' | tr -d '\n')" "$(printf 'Subject: no final line end\r\n.\r\n' | od -c | tr -s ' ' | tr -d '\n')" "a message without a final line end gets one"
send "$M/exact" ok@example.net bad@example.net soft@example.net
like "$OUT" "^SENT 250 2.0.0 Ok: queued as TEST; refused: <bad@example.net>: 550 5.1.1 no such user here; <soft@example.net>: 450 4.2.1 mailbox busy" "some refused, one accepted: SENT, the refused ones in the reply"
like "$OUT" "codes: 250 550 450$" "the code to each RCPT"
send "$M/exact" bad@example.net soft@example.net
like "$OUT" "^TEMPFAIL .*codes: 550 450$" "none accepted, one of them 4xx: TEMPFAIL"
send "$M/exact" bad@example.net bad2@example.net
like "$OUT" "^PERMFAIL <bad@example.net>: 550 5.1.1 no such user here; <bad2@example.net>: 550" "all refused with 5xx: PERMFAIL"
send "$M/exact" "bad address@example.net" ok@example.net
like "$OUT" "^SENT .*refused locally.*codes: 553 250$" "an address that would break the command is refused locally"
send_from "$M/exact" "x>@example.net" ok@example.net
like "$OUT" "^PERMFAIL refused locally" "so is such an envelope sender"
kill "$SERVER_PID"
SERVER_PID=

sink s2 -f RCPT
send "$M/exact" jan@example.net
like "$OUT" "^PERMFAIL <jan@example.net>: 500 5.3.0 Error: command failed" "5xx at RCPT: PERMFAIL"
sink s3 -r RCPT
send "$M/exact" jan@example.net
like "$OUT" "^TEMPFAIL <jan@example.net>: 450 4.3.0" "4xx at RCPT: TEMPFAIL"
sink s4 -f MAIL
send "$M/exact" jan@example.net
like "$OUT" "^PERMFAIL 500 5.3.0" "5xx at MAIL FROM: PERMFAIL"
sink s5 -r DATA
send "$M/exact" jan@example.net
like "$OUT" "^TEMPFAIL 450 4.3.0" "4xx at DATA: TEMPFAIL"
sink s6 -f .
send "$M/exact" jan@example.net
like "$OUT" "^PERMFAIL 500 5.3.0" "5xx after the data: PERMFAIL"
sink s7 -q .
send "$M/exact" jan@example.net
like "$OUT" "^UNKNOWN no reply to the end of data: connection lost" "connection lost after the data, before the reply: UNKNOWN"
sink s8 -Q CONNECT
send "$M/exact" jan@example.net
like "$OUT" "^TEMPFAIL 421 " "421 greeting: TEMPFAIL"
sink s9 -f EHLO
send "$M/exact" jan@example.net
like "$OUT:$(count s9 1):$(grep -h '^X-Client-Proto' "$T_DIR/s9/mail/"* 2>/dev/null)" "^SENT .*:1:X-Client-Proto: SMTP$" "EHLO refused: HELO, and sent"
head -c 4000000 /dev/zero | tr '\0' x | fold -w 76 >"$M/big.body"
{ printf 'Subject: big\n\n'; cat "$M/big.body"; } >"$M/big"
sink s10 -A 0
send "$M/big" jan@example.net
like "$RC:$OUT" "^0:TEMPFAIL connection lost while sending the data" "the server hangs up in the middle of the data: TEMPFAIL, and no SIGPIPE death"

# --- smtp: deadlines -------------------------------------------------------
server 127.0.0.1:1
t0=$(ms)
send "$M/exact" jan@example.net
t=$(($(ms) - t0))
like "$OUT" "^TEMPFAIL connect to 127.0.0.1:1: Connection refused" "nothing listening: TEMPFAIL"
like "$t" "^[0-9]{1,3}$" "and at once (${t}ms)"
sink s11 -W CONNECT:30
t0=$(ms)
send "$M/exact" jan@example.net
t=$(($(ms) - t0))
like "$OUT" "^TEMPFAIL no reply to the greeting: timed out after 2s" "a server that takes the connection and says nothing: TEMPFAIL"
like "$t" "^(19[0-9][0-9]|2[0-9][0-9][0-9]|3[0-4][0-9][0-9])$" "after about smtp_timeout (${t}ms)"
sink s12 -w 30
t0=$(ms)
send "$M/exact" jan@example.net
t=$(($(ms) - t0))
like "$OUT:$t" "^TEMPFAIL no reply to DATA: timed out after 2s.*:(19[0-9][0-9]|2[0-9][0-9][0-9]|3[0-4][0-9][0-9])$" "a server that stalls at DATA: TEMPFAIL after about smtp_timeout (${t}ms)"
server "[::1]:1"
send "$M/exact" jan@example.net
like "$OUT" "^TEMPFAIL connect to \[::1\]:1: " "an IPv6 literal in brackets"
server "::1:25"
send "$M/exact" jan@example.net
like "$RC:$OUT" "^2:error permanent: .*needs brackets" "an IPv6 address without brackets is a configuration error"
server "127.0.0.1:99999"
send "$M/exact" jan@example.net
like "$RC:$OUT" "^2:error permanent: smtp_server" "a bad port is a configuration error"

# --- smtp: STARTTLS and AUTH ------------------------------------------------
sink s13
printf 'secret\n' >"$T_DIR/pw"
chmod 600 "$T_DIR/pw"
printf 'smtp_user = postdesk\nsmtp_password_file = %s\n' "$T_DIR/pw" >>"$CONF"
send "$M/exact" jan@example.net
like "$OUT" "^SENT " "AUTH with the password file (plain text, but to a loopback server)"
chmod 644 "$T_DIR/pw"
send "$M/exact" jan@example.net
like "$RC:$OUT" "^2:error permanent: smtp_password_file .* readable by others" "a world-readable password file is refused"
rm -f "$T_DIR/pw"
send "$M/exact" jan@example.net
like "$RC:$OUT" "^2:error temporary: cannot open smtp_password_file" "a missing password file: temporary"
printf 'secret\n' >"$T_DIR/pw"
chmod 600 "$T_DIR/pw"
sink s14 -a
send "$M/exact" jan@example.net
like "$OUT" "^TEMPFAIL .*offers neither AUTH PLAIN nor AUTH LOGIN" "a server without AUTH: TEMPFAIL, not a bounce"
sed -i '/^smtp_user = /d; /^smtp_password_file = /d' "$CONF"
printf 'smtp_tls = starttls\n' >>"$CONF"
send "$M/exact" jan@example.net
like "$OUT" "^TEMPFAIL .*does not offer STARTTLS" "smtp_tls = starttls and no STARTTLS offered: TEMPFAIL"
sed -i '/^smtp_tls = /d' "$CONF"

# --- the outbox: flushed after deliver ---------------------------------------------
sink o1
printf 'Hello.\n' | mail "$M/one" "jan@example.net" "Sent at once"
deliver "$M/one" support@example.org jan@example.net
like "$ERR" "mail=ack\+notify, sent=2/2" "deliver sends the ack and the notification after its commit"
is "$(sql "SELECT string_agg(kind || ':' || status || ':' || attempts, ' ' ORDER BY id) FROM outbox")" "ack:sent:1 notify:sent:1" "both rows sent, one attempt each"
is "$(sql "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL AND last_error LIKE '250 %'")" 2 "sent_at and the server's reply kept"
is "$(count o1 2)" 2 "the receiver got two messages"
stop_sink o1

# --- SMTP down: queued with backoff; sweep sends once it is back -------------------------
printf 'Hello again.\n' | mail "$M/two" "ewa@example.net" "While SMTP is down"
deliver "$M/two" support@example.org ewa@example.net
c2=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
like "$ERR" "sent=0/2" "SMTP down: nothing sent"
is "$(sql "SELECT count(*) FROM outbox WHERE case_id = $c2 AND status = 'queued' AND attempts = 1
	AND next_attempt BETWEEN now() + interval '50 seconds' AND now() + interval '70 seconds'
	AND last_error LIKE 'connect to 127.0.0.1:%'")" 2 "queued, attempts 1, next attempt in a minute, the error kept"
sweep
is "$RC:$OUT" "0:outbox: 0 sent, 0 deferred, 0 failed" "sweep before the retry time sends nothing"
sink o2
due "AND case_id = $c2"
sweep
is "$RC:$OUT" "0:outbox: 2 sent, 0 deferred, 0 failed" "due and SMTP back: sweep sends both"
is "$(sql "SELECT string_agg(status || attempts, ' ') FROM outbox WHERE case_id = $c2"):$(count o2 2)" "sent2 sent2:2" "sent on the second attempt, received"

# --- deliver's rows are born claimed: a deliver that dies while sending ----------------
# deliver_timeout (1s) fires while a silent server holds the greeting: the
# message is stored (exit 0); its mail is claimed by the dead process until
# the claim runs out, then the sweeper sends it once.
sink o2b -W CONNECT:30
sed -i 's/^deliver_timeout = .*//' "$CONF"
echo "deliver_timeout = 1s" >>"$CONF"
printf 'Hello, anyone?\n' | mail "$M/twob" "iga@example.net" "Deliver dies while sending"
deliver "$M/twob" support@example.org iga@example.net
sed -i 's/^deliver_timeout = .*//' "$CONF"
cb=$(sql "SELECT c.id FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE cu.email = 'iga@example.net'")
like "$RC:$cb" "^0:[0-9]+$" "deliver's deadline after the commit: exit 0, the case stored"
is "$(sql "SELECT string_agg(kind || ':' || status || ':' || attempts, ' ' ORDER BY id) FROM outbox
	WHERE case_id = $cb AND next_attempt > now() + interval '30 seconds'")" "ack:sending:1 notify:sending:1" "its mail: born claimed, first attempt, claim still running"
sink o2c
sweep
is "$OUT:$(count o2c)" "outbox: 0 sent, 0 deferred, 0 failed:0" "a sweep meanwhile leaves it alone"
sql "UPDATE outbox SET next_attempt = now() - interval '1 second' WHERE case_id = $cb" >/dev/null
sweep
is "$OUT:$(sql "SELECT string_agg(status || attempts, ' ') FROM outbox WHERE case_id = $cb"):$(count o2c 2)" "outbox: 2 sent, 0 deferred, 0 failed:sent2 sent2:2" "the claim run out: the sweeper sends it, once"
stop_sink o2b
stop_sink o2c

# --- 5xx: failed with an event; the retry limits -------------------------------------
sink o3 -f RCPT
printf 'Refuse me.\n' | mail "$M/three" "ola@example.net" "Refused"
deliver "$M/three" support@example.org ola@example.net
c3=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
is "$(sql "SELECT string_agg(status, ' ') FROM outbox WHERE case_id = $c3")" "failed failed" "5xx: failed at once"
like "$(sql "SELECT detail FROM events WHERE case_id = $c3 AND type = 'delivery-failed' AND actor = 'system' ORDER BY id LIMIT 1")" "^ack to ola@example.net: <ola@example.net>: 500 5.3.0" "a delivery-failed event: kind, recipients, reply"
sink o4 -r RCPT
sql "INSERT INTO outbox (case_id, kind, envelope_from, recipients, raw, attempts)
     VALUES ($c3, 'limit', '', '{ola@example.net}', convert_to(E'Subject: limit\n\nx\n', 'UTF8'), 9),
            ($c3, 'age', '', '{ola@example.net}', convert_to(E'Subject: age\n\nx\n', 'UTF8'), 0),
            ($c3, 'backoff3', '', '{ola@example.net}', convert_to(E'Subject: b3\n\nx\n', 'UTF8'), 2),
            ($c3, 'backoff6', '', '{ola@example.net}', convert_to(E'Subject: b6\n\nx\n', 'UTF8'), 5)" >/dev/null
sql "UPDATE outbox SET created = now() - interval '6 days' WHERE kind = 'age'" >/dev/null
sweep
is "$OUT" "outbox: 0 sent, 2 deferred, 2 failed" "4xx: two deferred, two given up"
is "$(sql "SELECT string_agg(kind || ':' || status, ' ' ORDER BY id) FROM outbox WHERE kind IN ('limit', 'age')")" "limit:failed age:failed" "given up after the tenth attempt, and after five days"
is "$(sql "SELECT count(*) FROM events WHERE case_id = $c3 AND type = 'delivery-failed' AND detail LIKE '% (gave up after % attempts)'")" 2 "each says so on the case"
is "$(sql "SELECT string_agg(kind || ':' || attempts || ':' || round(extract(epoch FROM next_attempt - now()) / 60), ' ' ORDER BY id) FROM outbox WHERE kind LIKE 'backoff%'")" "backoff3:3:15 backoff6:6:240" "backoff: 15 minutes after the third attempt, 4 hours after the sixth"

# --- leases ----------------------------------------------------------------------
sink o5
sql "INSERT INTO outbox (kind, envelope_from, recipients, raw, status, attempts, next_attempt)
     VALUES ('leased', '', '{a@example.net}', convert_to(E'Subject: leased\n\nx\n', 'UTF8'), 'sending', 1, now() + interval '1 minute'),
            ('crashed', '', '{b@example.net}', convert_to(E'Subject: crashed\n\nx\n', 'UTF8'), 'sending', 1, now() - interval '1 second')" >/dev/null
sweep
is "$OUT" "outbox: 1 sent, 0 deferred, 0 failed" "a row under a live lease is left alone"
is "$(sql "SELECT string_agg(kind || ':' || status || ':' || attempts, ' ' ORDER BY id) FROM outbox WHERE kind IN ('leased', 'crashed')"):$(count o5 1)" "leased:sending:1 crashed:sent:2:1" "a row whose lease ran out (a crashed sender) is sent"

# --- partial refusals and an unknown outcome -----------------------------------------
serve
sql "INSERT INTO outbox (case_id, kind, envelope_from, recipients, raw, attempts)
     VALUES ($c2, 'partial', 'support@example.org', '{ok@example.net,bad@example.net,soft@example.net}',
             convert_to(E'Subject: partial\n\nx\n', 'UTF8'), 2)" >/dev/null
sweep
is "$OUT" "outbox: 1 sent, 0 deferred, 0 failed" "one recipient took it: sent"
like "$(sql "SELECT detail FROM events WHERE case_id = $c2 AND type = 'delivery-failed'")" "^partial to bad@example.net: 250 2.0.0 Ok: queued as TEST; refused: <bad@example.net>: 550" "the 5xx recipient: an event"
is "$(sql "SELECT array_to_string(recipients, ',') || ':' || status || ':' || attempts
	|| CASE WHEN status = 'queued' THEN ':' || round(extract(epoch FROM next_attempt - now()) / 60) ELSE '' END
	FROM outbox WHERE kind = 'partial' ORDER BY id")" "ok@example.net,bad@example.net,soft@example.net:sent:3
soft@example.net:queued:3:15" "the 4xx recipient: a row of its own, retried later"
sql "INSERT INTO outbox (case_id, kind, envelope_from, recipients, raw)
     VALUES ($c2, 'mixed', '', '{bad@example.net,soft@example.net}', convert_to(E'Subject: mixed\n\nx\n', 'UTF8'))" >/dev/null
sweep
is "$OUT:$(sql "SELECT array_to_string(recipients, ',') || ':' || status FROM outbox WHERE kind = 'mixed'")" "outbox: 0 sent, 1 deferred, 0 failed:soft@example.net:queued" "none took it: deferred, without the one refused for good"
kill "$SERVER_PID"
SERVER_PID=
sink o6 -q .
sql "INSERT INTO outbox (kind, envelope_from, recipients, raw)
     VALUES ('unknown', '', '{a@example.net}', convert_to(E'Subject: unknown\n\nx\n', 'UTF8'))" >/dev/null
sweep
is "$OUT:$(sql "SELECT status || ':' || last_error FROM outbox WHERE kind = 'unknown'")" "outbox: 0 sent, 1 deferred, 0 failed:queued:no reply to the end of data: connection lost" "connection lost after the data: deferred, to be sent again (at worst one duplicate)"

# --- a silent server costs one timeout per batch, not one per message --------------------
sink o7 -W CONNECT:30
sql "INSERT INTO outbox (kind, envelope_from, recipients, raw)
     SELECT 'silent', '', '{a@example.net}', convert_to(E'Subject: silent\n\nx\n', 'UTF8') FROM generate_series(1, 3)" >/dev/null
t0=$(ms)
sweep
t=$(($(ms) - t0))
is "$OUT" "outbox: 0 sent, 3 deferred, 0 failed" "a server that never answers: all deferred"
like "$t" "^(19[0-9][0-9]|[2-4][0-9][0-9][0-9])$" "in about one smtp_timeout (${t}ms)"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'silent' AND last_error LIKE 'not tried: no reply to the greeting%'")" 2 "the others were not tried"

# --- two sweepers at once: every row sent exactly once ---------------------------------
sql "UPDATE outbox SET status = 'failed' WHERE status IN ('queued', 'sending')" >/dev/null
sink o8
sql "INSERT INTO outbox (kind, envelope_from, recipients, raw)
     SELECT 'bulk', 'support@example.org', ARRAY['bulk' || n || '@example.net'],
            convert_to('Subject: bulk ' || n || E'\n\nbody\n', 'UTF8') FROM generate_series(1, 50) n" >/dev/null
timeout --foreground 120 "$POSTDESK" sweep >"$T_DIR/w1" 2>&1 &
p1=$!
timeout --foreground 120 "$POSTDESK" sweep >"$T_DIR/w2" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
is "$r1:$r2" "0:0" "both sweepers ended well"
is "$(cat "$T_DIR/w1" "$T_DIR/w2" | sed -n 's/^outbox: \([0-9]*\) sent.*/\1/p' | awk '{ s += $1 } END { print s }')" 50 "together they sent 50"
is "$(count o8 50)" 50 "the receiver got 50 messages"
is "$(cat "$T_DIR/o8/mail/"* | sed -n 's/^Subject: bulk //p' | sort -n | uniq | wc -l | tr -d ' '):$(sql "SELECT count(*) FROM outbox WHERE kind = 'bulk' AND status = 'sent' AND attempts = 1")" "50:50" "each of the 50 exactly once"

# --- sweep's options ---------------------------------------------------------------
run "$POSTDESK" sweep --now yesterday
is "$RC" 64 "a bad --now is a usage error"
sweep --now 2020-01-01T10:00:00Z
is "$RC:$OUT" "0:outbox: 0 sent, 0 deferred, 0 failed" "--now ISO 8601 is accepted"
run "$POSTDESK" sweep --every 0
is "$RC" 64 "--every wants at least a second"
run "$POSTDESK" sweep --help
like "$(printf '%s' "$OUT" | tr '\n' ' ')" "--now ISO8601 .*database clock" "--help says what --now does for now"
timeout --foreground 30 "$POSTDESK" sweep --every 1 >"$T_DIR/loop" 2>&1 &
pl=$!
deadline=$(($(date +%s) + 10))
until [ "$(grep -c '^outbox:' "$T_DIR/loop")" -ge 2 ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
stop $pl
rl=$RC
like "$rl:$(grep -c '^outbox:' "$T_DIR/loop")" "^0:([2-9]|[1-9][0-9])$" "--every loops, and SIGTERM ends it cleanly"
finish
