#!/bin/sh
# db_outbox_keep.sh: the outbox keeps its SMTP connection (struct
# smtp_session): a sweep sends 20 rows over one connection with RSET
# between them (Postfix's smtp-sink -v counts); refusals (5xx, 4xx at RCPT)
# are recorded and leave the connection to the next row; a server that
# closes the kept connection (421, as smtpd after its timeout, or without a
# word) is connected to again and every message arrives once; no reply after the data is
# SMTP_UNKNOWN (row deferred), the connection dropped, the next row on a new
# one; smtp_idle_time closes an idle connection with QUIT (in a session and
# in a "postdesk server" worker, which sends the mail of five deliveries in
# a row over one connection). smtp_timeout 2s; every wait is bounded.
. "$TEST_SRCDIR/lib.sh"
plan 30
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
SOCK=$T_DIR/deliver.sock
SERVER_PID=
SPID=
cleanup() {
	$SINK stop "$T_DIR/k1"
	$SINK stop "$T_DIR/k2"
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	[ -n "$SPID" ] && { pkill -KILL -P "$SPID"; kill -KILL "$SPID"; } 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM
sed -i 's/^smtp_timeout = .*/smtp_timeout = 2s/' "$CONF"
echo "smtp_idle_time = 2s" >>"$CONF"

# server HOST:PORT: where postdesk sends its mail.
server() { sed -i "s/^smtp_server = .*/smtp_server = $1/" "$CONF"; }
# row ADDR AGE: a queued outbox row to ADDR@example.net, due AGE seconds ago.
row() {
	sql "INSERT INTO outbox (kind, envelope_from, recipients, raw, next_attempt) VALUES ('ack',
	     'support@example.org', ARRAY['$1@example.net'], convert_to(E'From: support@example.org\\nTo: $1@example.net\\nSubject: to $1\\n\\nHello $1.\\n', 'UTF8'),
	     now() - interval '$2 seconds')" >/dev/null
}
# status ADDR...: each row's status to ADDR@example.net, "addr=status".
status() {
	for a in "$@"; do
		printf '%s=%s ' "$a" "$(sql "SELECT string_agg(status, ',') FROM outbox WHERE recipients = ARRAY['$a@example.net']")"
	done
}
# sinklog NAME WORD: how many lines smtp-sink -v logged for WORD
# ("connect", "rset", "quit"; any case: it logs commands as they came).
sinklog() { grep -Eic "smtp-sink: $2( |\$)" "$T_DIR/$1/sink.log"; }
# serve: the scripted server (tests/smtpsend --serve) logging to $LOGF.
LOGF=$T_DIR/serve.log
serve() {
	rm -f "$T_DIR/serve.port"
	"$SMTPSEND" --serve "$T_DIR/serve.port" 120 "$T_DIR/wire" "$LOGF" &
	SERVER_PID=$!
	deadline=$(($(date +%s) + 5))
	until [ -s "$T_DIR/serve.port" ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.05; done
	server "127.0.0.1:$(cat "$T_DIR/serve.port")"
}
# trace: the scripted server's log since the last call, on one line, without
# the commands every message has (EHLO, MAIL, DATA).
trace() {
	grep -vx 'EHLO\|MAIL\|DATA' "$LOGF" | tr '\n' ' ' | sed 's/ $//'
	: >"$LOGF"
}
# wait_for FILE PATTERN SECONDS: wait until grep -Ei finds PATTERN in FILE.
wait_for() {
	_deadline=$(($(date +%s) + $3))
	until grep -Eiq "$2" "$1" 2>/dev/null || [ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
}

# --- a sweep of 20 rows: one connection ----------------------------------------
p=$($SINK start "$T_DIR/k1" -v) || { diag "cannot start smtp-sink"; exit 1; }
server "127.0.0.1:$p"
i=1
while [ $i -le 20 ]; do row "r$i" $((100 - i)); i=$((i + 1)); done
sweep
is "$RC:$OUT" "0:outbox: 20 sent, 0 deferred, 0 failed" "a sweep sends the 20 queued rows"
is "$($SINK count "$T_DIR/k1" 20)" 20 "smtp-sink got 20 messages"
is "$(cat "$T_DIR/k1"/mail/* | sed -n 's/^Subject: to //p' | sort -u | wc -l | tr -d ' ')" 20 "each of the 20 once"
wait_for "$T_DIR/k1/sink.log" "smtp-sink: disconnect" 5
is "$(sinklog k1 connect)" 1 "over ONE connection"
is "$(sinklog k1 rset)" 19 "RSET between the messages (19)"
is "$(sinklog k1 quit)" 1 "QUIT at the end of the pass"
is "$(sql "SELECT count(*) FROM outbox WHERE status = 'sent' AND sent_at IS NOT NULL")" 20 "every row recorded sent"

# --- refusals on a kept connection ----------------------------------------------
serve
: >"$LOGF"
row bad1 30
row soft1 20
row ok1 10
sweep
is "$RC:$OUT" "0:outbox: 1 sent, 1 deferred, 1 failed" "5xx, 4xx, then a good one: one each"
is "$(trace)" "connect bad1 RSET soft1 RSET ok1 queued QUIT" "one connection: 550 and 450 at RCPT keep it, the next message goes through"
is "$(status bad1 soft1 ok1)" "bad1=failed soft1=queued ok1=sent " "each recorded: failed, queued again, sent"
like "$(sql "SELECT last_error FROM outbox WHERE recipients = ARRAY['soft1@example.net']")" "450 4.2.1" "the 4xx kept as the row's error"

# --- the server closes the kept connection between two messages -----------------
row drop1 20
row ok2 10
sweep
is "$RC:$OUT" "0:outbox: 2 sent, 0 deferred, 0 failed" "a connection closed by the server (421): both sent"
is "$(trace)" "connect drop1 queued connect ok2 queued QUIT" "found closed before the next message: connected again, each message once"

row gone1 20
row ok6 10
sweep
is "$RC:$OUT" "0:outbox: 2 sent, 0 deferred, 0 failed" "a connection closed without a word: both sent"
is "$(trace)" "connect gone1 queued connect ok6 queued QUIT" "connected again, each message once"

# --- no reply after the data: SMTP_UNKNOWN, connection dropped --------------------
row die1 20
row ok3 10
sweep
is "$RC:$OUT" "0:outbox: 1 sent, 1 deferred, 0 failed" "no reply to the data: deferred; the next one sent"
is "$(trace)" "connect die1 connect ok3 queued QUIT" "the next message on a new connection (no retry of the unknown one)"
is "$(status die1 ok3)" "die1=queued ok3=sent " "the unknown one queued again (it may have arrived), the next sent"
like "$(sql "SELECT last_error FROM outbox WHERE recipients = ARRAY['die1@example.net']")" "^no reply to the end of data" "its error says so"

# --- smtp_idle_time in a session ---------------------------------------------------
printf 'Subject: twice\n\nhi\n' >"$M/twice"
run "$SMTPSEND" "$CONF" --again 0 ok4@example.net <"$M/twice"
is "$(printf '%s' "$OUT" | grep -c '^SENT')" 2 "two messages in one session"
is "$(trace)" "connect ok4 queued RSET ok4 queued QUIT" "the second on the same connection after RSET"
run "$SMTPSEND" "$CONF" --again 3 ok5@example.net <"$M/twice"
is "$(printf '%s' "$OUT" | grep -c '^SENT')" 2 "two messages 3s apart"
is "$(trace)" "connect ok5 queued QUIT connect ok5 queued QUIT" "idle past smtp_idle_time (2s): QUIT, then a new connection"
kill "$SERVER_PID" 2>/dev/null
SERVER_PID=

# --- postdesk server: a worker keeps its connection across deliveries -------------
p=$($SINK start "$T_DIR/k2" -v) || { diag "cannot start smtp-sink"; exit 1; }
server "127.0.0.1:$p"
cat >>"$CONF" <<EOC
server_socket = $SOCK
server_workers = 1
EOC
server_up "$T_DIR/server.log" "$SOCK"
i=1
while [ $i -le 5 ]; do
	printf 'Question %s.\n' $i | mail "$M/s$i" "Customer $i <s$i@example.net>" "Server question $i"
	deliver "$M/s$i"
	i=$((i + 1))
done
is "$(grep -c 'status=stored' "$T_DIR/server.log")" 5 "five deliveries, stored by the server's worker"
is "$($SINK count "$T_DIR/k2" 10)" 10 "their acks and notifications arrived (10)"
is "$(sinklog k2 connect)" 1 "over one SMTP connection"
t0=$(date +%s)
wait_for "$T_DIR/k2/sink.log" "smtp-sink: quit" 10
is "$(sinklog k2 quit)" 1 "the idle worker closes it with QUIT"
like "$(($(date +%s) - t0))" "^[1-4]$" "after about smtp_idle_time (2s)"
printf 'Question 6.\n' | mail "$M/s6" "Customer 6 <s6@example.net>" "Server question 6"
deliver "$M/s6"
is "$($SINK count "$T_DIR/k2" 12)" 12 "the next delivery's mail goes out"
is "$(sinklog k2 connect)" 2 "on a new connection"
finish
