#!/bin/sh
# db_lmtp.sh: "postdesk server" speaking LMTP (lmtp_listen), against the
# real PostgreSQL cluster and smtp-sink: one message to two queues and an
# unknown address in one transaction (250, 250, 550 5.1.1 in order, the
# case stored, one log line per recipient with the queue id of Postfix's
# Received: line), several transactions on one connection, RSET, commands
# pipelined in one write, TCP on 127.0.0.1 only, an oversized message
# (quarantined, memory bounded), a client stalling in DATA dropped after
# lmtp_timeout while another is served, a refused peer (nobody: 421 4.7.0),
# the delivery deadline (451 4.4.7; 250 when it passes after the commit), SIGHUP (listeners kept) and
# server_max_use counted per delivery (421 4.3.2), SIGTERM with an idle
# client, the database stopped (451 for every recipient, nothing stored,
# then delivered once). Every wait is bounded.
. "$TEST_SRCDIR/lib.sh"
plan 52
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
LMTP="python3 $TEST_SRCDIR/lmtpclient.py"
SOCK=$T_DIR/lmtp.sock
LOG=$T_DIR/server.log
SPID=
cleanup() {
	[ -n "$SPID" ] && { pkill -KILL -P "$SPID"; kill -KILL "$SPID"; } 2>/dev/null
	sh "$TEST_SRCDIR/smtp-sink.sh" stop "$T_DIR/sink"
}
sink_start
trap cleanup EXIT
trap 'exit 1' INT TERM
# a free TCP port on 127.0.0.1
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >>"$CONF" <<EOC
lmtp_listen = unix:$SOCK, inet:127.0.0.1:$PORT
server_workers = 2
server_max_use = 50
deliver_timeout = 4s
lmtp_timeout = 2s
max_message_size = 1M
EOC

# start_server: run the server in the background; wait (10s) until it listens.
start_server() { server_up "$LOG" "$SOCK"; }
# new N [RECEIVED]: a new customer message M/nN, with a Received: line when given.
new() {
	if [ $# -gt 1 ]; then
		printf 'Hello, case %s here.\n' "$1" | mail "$M/n$1.body" "Customer $1 <c$1@example.net>" "Question $1"
		{ printf 'Received: %s\n' "$2"; cat "$M/n$1.body"; } >"$M/n$1"
	else
		printf 'Hello, case %s here.\n' "$1" | mail "$M/n$1" "Customer $1 <c$1@example.net>" "Question $1"
	fi
}
# stored SUBJECT: how many messages with that subject the database holds.
stored() { sql "SELECT count(*) FROM messages WHERE subject = '$1'"; }
# logged ID: the server's log lines for queue id ID.
logged() { grep -F "$1: to=" "$LOG"; }

write_conf "$T_DIR/none.conf" "$DB_CONNINFO"
run timeout 10 "$POSTDESK" -c "$T_DIR/none.conf" server
like "$RC:$ERR" "^1:.*neither server_socket nor lmtp_listen is set" "a server with neither server_socket nor lmtp_listen: refused"
echo "lmtp_listen = inet:2424" >>"$T_DIR/none.conf"
run timeout 10 "$POSTDESK" -c "$T_DIR/none.conf" server
like "$RC:$ERR" "^1:.*lmtp_listen: inet:2424: not HOST:PORT" "a bad lmtp_listen: refused, saying why"
start_server
[ -S "$SOCK" ]; ok $? "the server listens on its LMTP socket"
is "$(stat -c %a "$SOCK")" 660 "... with mode 0660"
run timeout 10 "$POSTDESK" server
like "$RC:$ERR" "^1:.*a server already listens on $SOCK" "a second server on the same LMTP socket is refused"

# 1. One transaction, two queues and an unknown address: three replies in order.
new 1 "from mx.example.net (mx.example.net [192.0.2.1])
	by mail.example.org (Postfix) with ESMTPS id 4QxYz1AbCdz9Kq
	for <support@example.org>; Fri, 04 Dec 2026 03:00:00 +0000 (UTC)"
run $LMTP send "$SOCK" c1@example.net support@example.org,sales@example.org,nobody@example.org "$M/n1"
like "$(echo "$OUT" | sed -n 1p)" "^support@example.org 250 2\.0\.0 " "first recipient (a queue): 250 2.0.0"
like "$(echo "$OUT" | sed -n 2p)" "^sales@example.org 250 2\.0\.0 " "second (another queue): 250 2.0.0"
like "$(echo "$OUT" | sed -n 3p)" "^nobody@example.org 550 5\.1\.1 " "third (no such queue): 550 5.1.1"
is "$(sql "SELECT q.name FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.subject = 'Question 1'")" \
	"support" "... its case stored in the first queue"
like "$(logged 4QxYz1AbCdz9Kq | grep sales)" "action=duplicate, .*status=stored" \
	"... for the second it is a duplicate (one Message-ID), as through the pipe"
is "$(logged 4QxYz1AbCdz9Kq | wc -l | tr -d ' ')" 3 "one log line per recipient, with the queue id of Postfix's Received: line"
like "$(logged 4QxYz1AbCdz9Kq | grep nobody)" "to=<nobody@example.org>, from=<c1@example.net>, .*status=bounced" \
	"... the unknown one logged as bounced"
like "$(logged 4QxYz1AbCdz9Kq | grep support)" "to=<support@example.org>, from=<c1@example.net>, case=[0-9]+, action=new, .*sent=2/2, .*status=stored" \
	"... a stored one with its case, the ack and the notification sent"

# 2. Several transactions on one connection; a message without Received: is NOQUEUE.
new 2
new 3
new 4
run $LMTP send "$SOCK" "" support@example.org "$M/n2" "$M/n3" "$M/n4"
is "$(echo "$OUT" | cut -d' ' -f2 | tr '\n' ' ')" "250 250 250 " "three transactions on one connection: 250 each"
is "$(stored 'Question 2'):$(stored 'Question 3'):$(stored 'Question 4')" "1:1:1" "... each stored once"
like "$(grep -c 'NOQUEUE: to=<support@example.org>, from=<>' "$LOG")" "^3$" "... logged as NOQUEUE, the null sender as from=<>"

# 3. RSET and pipelining: the whole session in one write.
new 5
{
	printf 'LHLO client.example\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<support@example.org>\r\nRSET\r\n'
	printf 'MAIL FROM:<c5@example.net> SIZE=300 BODY=8BITMIME\r\nRCPT TO:<support@example.org> ORCPT=rfc822;support+2Bx@example.org\r\nDATA\r\n'
} >"$T_DIR/pipe.in"
# the message after the 354: the client sends it once DATA is answered; in
# one write with the rest it is fine too, as the server reads in order
{ sed 's/$/\r/' "$M/n5"; printf '.\r\nQUIT\r\n'; } >>"$T_DIR/pipe.in"
run $LMTP raw "$SOCK" <"$T_DIR/pipe.in"
is "$(echo "$OUT" | cut -c1-3 | tr '\n' ' ')" "220 250 250 250 250 250 250 250 250 250 250 250 354 250 221 " \
	"pipelined in one write: greeting, LHLO's six lines, MAIL, RCPT, RSET, MAIL, RCPT, 354, 250, 221"
is "$(stored 'Question 5')" 1 "... the message stored once"
like "$(grep 'from=<c5@example.net>' "$LOG")" "status=stored" "... for the sender of the second MAIL"

# 4. TCP on 127.0.0.1:PORT.
new 6
run $LMTP send "127.0.0.1:$PORT" c6@example.net support@example.org "$M/n6"
like "$OUT" "^support@example.org 250 2\.0\.0" "LMTP over TCP on 127.0.0.1:$PORT: 250"

ss -Hltn "sport = :$PORT" >"$T_DIR/ss"
is "$(awk '{ print $4 }' "$T_DIR/ss" | tr '\n' ' ')" "127.0.0.1:$PORT " "... and nothing listens on port $PORT elsewhere"

# 5. An oversized message (max_message_size = 1M; 6 MB sent): 250, stored
# quarantined as through the pipe, the worker's memory bounded.
new 7
{ cat "$M/n7"; i=0; while [ $i -lt 80000 ]; do
	echo "Line $i of a long message, padded out to about seventy-six octets ....."; i=$((i + 1)); done; } >"$M/big"
run $LMTP send "$SOCK" c7@example.net support@example.org "$M/big"
like "$OUT" "^support@example.org 250 2\.0\.0" "a 6 MB message over max_message_size = 1M: 250"
case7=$(grep 'from=<c7@example.net>' "$LOG" | sed -n 's/.*, case=\([0-9]*\),.*/\1/p')
is "$(sql "SELECT quarantined FROM cases WHERE id = ${case7:-0}")" t "... stored in a quarantined case"
like "$(grep 'from=<c7@example.net>' "$LOG")" "action=quarantine, .*size=[56][0-9]{6}, .*status=stored" "... logged with its whole size"
hwm=0
for p in $(pgrep -P "$SPID"); do
	h=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$p/status")
	[ "${h:-0}" -gt $hwm ] && hwm=$h
done
[ "$hwm" -gt 0 ] && [ "$hwm" -lt 40000 ]; ok $? "... the workers' peak memory stays bounded (${hwm} kB < 40 MB)"

# 6. A client stalling in DATA is dropped after lmtp_timeout = 2s; another
# connection is served meanwhile by the other worker.
$LMTP stall "$SOCK" 15 >"$T_DIR/stall" 2>&1 &
STALL=$!
_deadline=$(($(date +%s) + 5))
until grep -q sent "$T_DIR/stall" || [ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
new 8
run $LMTP --timeout 1.5 send "$SOCK" c8@example.net support@example.org "$M/n8"
like "$OUT" "^support@example.org 250 2\.0\.0" "while a client stalls in DATA, another is served (250 within 1.5s)"
_deadline=$(($(date +%s) + 15))
while kill -0 $STALL 2>/dev/null && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.1; done
like "$(grep '^421' "$T_DIR/stall")" "^421 4\.4\.2 " "the stalling client gets 421 4.4.2"
like "$(grep 'closed after' "$T_DIR/stall")" "closed after [2-4]\.[0-9] s" "... and is dropped after about 2s"
is "$(stored half)" 0 "... nothing of its half message stored"
grep -q "an LMTP client stalled longer than lmtp_timeout (2s) or sent a message for longer than deliver_timeout (4s); dropped" "$LOG"; ok $? "... the server logs it"

# 7. A peer that is not an allowed user (nobody) on the Unix socket: 421 4.7.0.
if [ "$(id -u)" != 0 ]; then
	ok 0 "# SKIP needs root to connect as another user"
	ok 0 "# SKIP needs root to connect as another user"
else
	chmod 0755 "$T_DIR"
	run setpriv --reuid=nobody --regid=0 --clear-groups /usr/bin/python3 "$TEST_SRCDIR/lmtpclient.py" --timeout 5 raw "$SOCK" </dev/null
	like "$OUT" "^421 4\.7\.0 uid 65534 may not" "a peer that is not an allowed user (nobody): 421 4.7.0"
	grep -q "server: refused a connection from uid 65534" "$LOG"; ok $? "... logged"
fi

# 8. The deadline (deliver_timeout = 4s): the database holds the delivery
# (a lock on messages); both recipients get 451 4.4.7, the worker is replaced.
psql -X -q "$DB_CONNINFO" -c "BEGIN; LOCK TABLE messages IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(7); COMMIT" >/dev/null 2>&1 &
LOCKER=$!
_deadline=$(($(date +%s) + 5))
until [ "$(sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'messages' AND l.mode = 'AccessExclusiveLock' AND l.granted")" = 1 ] ||
	[ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
new 9
run $LMTP send "$SOCK" c9@example.net support@example.org,sales@example.org "$M/n9"
is "$(echo "$OUT" | cut -d' ' -f2,3 | tr '\n' ' ')" "451 4.4.7 451 4.4.7 " "past deliver_timeout: 451 4.4.7 for each recipient"
wait $LOCKER
grep -q "exited with status 75" "$LOG"; ok $? "... and the worker exits (75) and is replaced"
run $LMTP send "$SOCK" c9@example.net support@example.org "$M/n9"
is "$OUT:$(stored 'Question 9')" "support@example.org 250 2.0.0 <support@example.org> stored:1" "the MTA's retry: 250, stored once"

# 8b. The deadline after a commit: the ack's SMTP server takes the
# connection and never answers (smtp_timeout 30s > deliver_timeout 4s), so
# the first recipient's delivery passes its deadline after the commit: 250
# for it (stored), 451 4.4.7 for the second; the MTA's retry of the second: 250.
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64); print(s.getsockname()[1], flush=True); time.sleep(60)' >"$T_DIR/hole" &
HOLE=$!
_deadline=$(($(date +%s) + 5))
until [ -s "$T_DIR/hole" ] || [ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
SMTP_LINE=$(grep '^smtp_server = ' "$CONF")
sed -i -e "s/^smtp_server = .*/smtp_server = 127.0.0.1:$(cat "$T_DIR/hole")/" -e 's/^smtp_timeout = .*/smtp_timeout = 30s/' "$CONF"
# reload: wait (10s) until two workers run and none of them is from before
reload() {
	_before=$(pgrep -P "$SPID" | tr '\n' ' ')
	kill -HUP "$SPID"
	_deadline=$(($(date +%s) + 10))
	while { [ "$(pgrep -P "$SPID" | wc -l)" -ne 2 ] || pgrep -P "$SPID" | grep -qxF "$(printf '%s\n' $_before)"; } &&
		[ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
}
reload
new 9b
run $LMTP send "$SOCK" c9b@example.net support@example.org,sales@example.org "$M/n9b"
is "$(echo "$OUT" | cut -d' ' -f2,3 | tr '\n' ' ')" "250 2.0.0 451 4.4.7 " \
	"the deadline after the first recipient's commit: 250 for it, 451 4.4.7 for the second"
is "$(stored 'Question 9b')" 1 "... the message stored once"
kill "$HOLE"
sed -i -e "s/^smtp_server = .*/$SMTP_LINE/" "$CONF"
reload
run $LMTP send "$SOCK" c9b@example.net sales@example.org "$M/n9b"
like "$OUT:$(stored 'Question 9b')" "^sales@example.org 250 2\.0\.0 .*:1$" "... the retry of the second: 250, still stored once"

# 9. SIGHUP keeps the listeners (a changed lmtp_listen is logged: it takes a
# restart); server_max_use = 2 counts deliveries: after the second, the
# transaction is answered, then 421 4.3.2.
sed -i -e 's/^server_max_use = .*/server_max_use = 2/' -e "s|^lmtp_listen = .*|lmtp_listen = unix:$T_DIR/other.sock|" "$CONF"
reload
grep -q "lmtp_listen changed; it takes a restart to listen on unix:$T_DIR/other.sock" "$LOG"; ok $? "SIGHUP: a changed lmtp_listen is logged"
[ -S "$SOCK" ] && [ ! -e "$T_DIR/other.sock" ]; ok $? "... the old socket kept, the new one not made"
new 10
new 11
new 12
{
	printf 'LHLO client.example\r\n'
	for i in 10 11 12; do
		printf 'MAIL FROM:<c%s@example.net>\r\nRCPT TO:<support@example.org>\r\nDATA\r\n' $i
		sed 's/$/\r/' "$M/n$i"
		printf '.\r\n'
	done
} >"$T_DIR/three.in"
run $LMTP raw "$SOCK" <"$T_DIR/three.in"
is "$(echo "$OUT" | cut -c1-3 | tr '\n' ' ')" "220 250 250 250 250 250 250 250 250 354 250 250 250 354 250 421 " \
	"server_max_use = 2: two transactions delivered, then 421"
like "$(echo "$OUT" | tail -n 1)" "^421 4\.3\.2 " "... 421 4.3.2"
is "$(stored 'Question 10'):$(stored 'Question 11'):$(stored 'Question 12')" "1:1:0" "... the third message not taken"

# 10. SIGTERM while a client is connected and idle: 421 4.3.2 (not the
# timeout's 4.4.2), the server stops and removes its socket.
$LMTP stall "$SOCK" 10 'LHLO client.example\r\n' >"$T_DIR/idle" 2>&1 &
IDLE=$!
_deadline=$(($(date +%s) + 5))
until grep -q '^250 SIZE' "$T_DIR/idle" 2>/dev/null || grep -q sent "$T_DIR/idle" || [ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
sleep 0.2
stop "$SPID"
SPID=
is "$RC" 0 "SIGTERM: the server stops with exit 0"
wait $IDLE
like "$(grep '^421' "$T_DIR/idle")" "^421 4\.3\.2 " "... the idle LMTP client is told 421 4.3.2"
[ ! -e "$SOCK" ]; ok $? "... and the socket is removed"

# 11. The database stopped: a cluster of this test's own and a server on it.
PRIV=$T_DIR/privpg
sh "$TEST_SRCDIR/pg.sh" start "$PRIV" >/dev/null
CI2=$(sh "$TEST_SRCDIR/pg.sh" createdb "$PRIV" down)
write_conf "$T_DIR/down.conf" "$CI2"
cat >>"$T_DIR/down.conf" <<EOC
lmtp_listen = unix:$T_DIR/down.sock
server_workers = 1
EOC
POSTDESK_CONF=$T_DIR/down.conf "$POSTDESK" db migrate >/dev/null
POSTDESK_CONF=$T_DIR/down.conf "$POSTDESK" queue add support --address support@example.org >/dev/null
POSTDESK_CONF=$T_DIR/down.conf "$POSTDESK" queue add sales --address sales@example.org >/dev/null
"$POSTDESK" -c "$T_DIR/down.conf" server 2>>"$T_DIR/down.log" &
SPID=$!
_deadline=$(($(date +%s) + 10))
while [ ! -S "$T_DIR/down.sock" ] && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
sh "$TEST_SRCDIR/pg.sh" halt "$PRIV"
new 13
run $LMTP send "$T_DIR/down.sock" c13@example.net support@example.org,sales@example.org,nobody@example.org "$M/n13"
like "$(echo "$OUT" | cut -d' ' -f2,3 | tr '\n' ' ')" "^451 4\.[0-9]\.[0-9] 451 4\.[0-9]\.[0-9] 451 4\.[0-9]\.[0-9] $" \
	"database stopped: 451 4.x.x for every recipient, the unknown one too"
sh "$TEST_SRCDIR/pg.sh" resume "$PRIV"
is "$(psql -X -At "$CI2" -c "SELECT count(*) FROM messages")" 0 "... nothing stored"
run $LMTP send "$T_DIR/down.sock" c13@example.net support@example.org,sales@example.org,nobody@example.org "$M/n13"
is "$(echo "$OUT" | cut -d' ' -f2 | tr '\n' ' ')" "250 250 550 " "database back: 250, 250, 550"
is "$(psql -X -At "$CI2" -c "SELECT count(*) FROM messages WHERE message_id = '$(msgid "$M/n13")'")" 1 "... the message stored once"
stop "$SPID"
SPID=
sh "$TEST_SRCDIR/pg.sh" stop "$PRIV" >/dev/null

# 12. Nothing went wrong in the workers that the test did not cause.
is "$(grep -c 'exited with status 75' "$LOG"):$(grep -c 'exited with status' "$LOG")" 2:2 \
	"two workers exited with an error: the two past their deadlines"
is "$(cat "$LOG" "$T_DIR/down.log" | grep -Ec 'ERROR: (Address|Leak|Undefined)|runtime error')" 0 "no sanitizer reports in the servers' logs"
finish
