#!/bin/sh
# db_lmtp.sh: "postdesk server" speaking LMTP (lmtp_listen), against the
# real PostgreSQL cluster and smtp-sink: one message to two queues and an
# unknown address in one transaction (250, 250, 550 5.1.1 in order, the
# cases stored, one log line per recipient with the queue id of Postfix's
# Received: line), several transactions on one connection, RSET, commands
# pipelined in one write, TCP on 127.0.0.1 only. Every wait is bounded.
. "$TEST_SRCDIR/lib.sh"
plan 18
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
deliver_timeout = 10s
lmtp_timeout = 2s
EOC

# start_server: run the server in the background; wait (10s) for its socket.
start_server() {
	"$POSTDESK" server 2>>"$LOG" &
	SPID=$!
	_deadline=$(($(date +%s) + 10))
	while [ ! -S "$SOCK" ] && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
}
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

start_server
[ -S "$SOCK" ]; ok $? "the server listens on its LMTP socket"
is "$(stat -c %a "$SOCK")" 660 "... with mode 0660"

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

stop "$SPID"
SPID=
is "$RC" 0 "the server stops with exit 0"
finish
