#!/bin/sh
# db_server.sh: "postdesk server" and "postdesk deliver" handing messages to
# it, against the real PostgreSQL cluster and smtp-sink: deliveries through
# the workers (acks sent, the log line written by the worker), many at once,
# workers replaced after server_max_use, an unknown recipient, a client with
# another configuration and a server that is not running (both delivered
# in-process), a database connection killed under a worker, the database
# refusing connections, a worker killed mid-delivery, the worker's deadline,
# SIGHUP (good and bad configuration), SIGTERM during a delivery, statements
# prepared by the workers (seen in PostgreSQL's log) and going stale after a
# column's type changed; trust: a peer that is not an allowed user refused
# (SO_PEERCRED) unless server_allowed_users names it, idle clients let go
# after the request deadline, workers ending with a master killed by
# SIGKILL, and sockets the front must not use (a fake server of another
# user in a sticky world-writable directory, a directory anyone may write
# to). Every wait is bounded.
. "$TEST_SRCDIR/lib.sh"
plan 78
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
SOCK=$T_DIR/deliver.sock
LOG=$T_DIR/server.log
SPID=
cleanup() {
	[ -n "$SPID" ] && { pkill -KILL -P "$SPID"; kill -KILL "$SPID"; } 2>/dev/null
	$SINK stop "$T_DIR/sink"
	admin "ALTER DATABASE $DB_NAME ALLOW_CONNECTIONS true" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 1' INT TERM
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
cat >>"$CONF" <<EOC
server_socket = $SOCK
server_workers = 2
server_max_use = 5
deliver_timeout = 4s
EOC
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"

# start_server: run the server in the background; wait (10s) until it listens.
start_server() { server_up "$LOG" "$SOCK"; }
# workers: the server's worker pids, one per line.
workers() { pgrep -P "$SPID" | sort; }
# wait_workers N: wait (10s) until the server runs N workers.
wait_workers() {
	_deadline=$(($(date +%s) + 10))
	while [ "$(workers | wc -l)" -ne "$1" ] && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
}
# new N: a new customer message M/nN.
new() { printf 'Hello, case %s here.\n' "$1" | mail "$M/n$1" "Customer $1 <c$1@example.net>" "Question $1"; }
# cases: how many cases the database holds.
cases() { sql "SELECT count(*) FROM cases"; }
# admin QUERY: run a query from the cluster's postgres database.
admin() { psql -X -q -At -v ON_ERROR_STOP=1 "${DB_CONNINFO%dbname=*}dbname=postgres" -c "$1"; }
# behind N: "postdesk deliver" in the background reading the fifo, which
# stays open on descriptor 7; exit code to rcN, output to outN.
behind() {
	( "$POSTDESK" deliver --recipient support@example.org --queue-id SRV$1 <"$T_DIR/fifo" \
		>"$T_DIR/out$1" 2>&1; echo $? >"$T_DIR/rc$1" ) &
	exec 7>"$T_DIR/fifo"
}
# wait_rc N SECONDS: wait until background delivery N has exited; close the fifo.
wait_rc() {
	_deadline=$(($(date +%s) + $2))
	while [ ! -s "$T_DIR/rc$1" ] && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
	exec 7>&-
}
# pglog_since BYTES: what the cluster's log (shared by the tests) got after
# its first BYTES bytes.
PGLOG=$(sh "$TEST_SRCDIR/pg.sh" log "$TEST_BUILDDIR")
pglog_since() { tail -c +$(($1 + 1)) "$PGLOG"; }
# logged ID: the server's log lines for queue id ID.
logged() { grep -F "$1: to=" "$LOG"; }

sql "ALTER DATABASE $DB_NAME SET log_statement = 'all'"
PGLOG_AT=$(wc -c <"$PGLOG")
start_server
[ -S "$SOCK" ]; ok $? "the server listens on its socket"
wait_workers 2
is "$(workers | wc -l | tr -d ' ')" 2 "it starts server_workers = 2 workers"
run timeout 10 "$POSTDESK" server
like "$RC $ERR" "^1 postdesk: a server already listens on $SOCK" "a second server on the same socket is refused"

# 1. One delivery through a worker.
new 1
"$POSTDESK" deliver --sender c1@example.net --recipient support@example.org --queue-id SRV1 \
	<"$M/n1" >"$T_DIR/out" 2>"$T_DIR/err"
is "$? $(cat "$T_DIR/out")" "0 " "deliver exits 0 and prints nothing"
is "$(cat "$T_DIR/err")" "" "the client logs nothing: the worker did the delivery"
like "$(logged SRV1)" "^postdesk\[[0-9]+\]: SRV1: to=<support@example.org>, from=<c1@example.net>, case=[0-9]+, action=new, .*mail=ack\+notify, sent=2/2, .*status=stored" \
	"the worker logs the one delivery line: ack and notification sent"
pid=$(logged SRV1 | sed 's/^postdesk\[\([0-9]*\)\].*/\1/')
workers | grep -qx "$pid"; ok $? "that line comes from one of the server's workers"
is "$(cases)" 1 "one case stored"
is "$($SINK count "$T_DIR/sink" 2)" 2 "the ack and the notification reached the SMTP server"
run "$POSTDESK" deliver --help
like "$RC:$ERR:$OUT" "^0::usage:.*deliver --recipient ADDR" "deliver --help is printed by the command, no warning"
new 1b
run "$POSTDESK" --config="$CONF" deliver --recipient support@example.org --queue-id SRV1b <"$M/n1b"
like "$RC:$ERR:$(logged SRV1b)" "^0::.*action=new" "--config=FILE before deliver: handed to the server as well"
sql "DELETE FROM cases WHERE subject = 'Question 1b'"
run "$POSTDESK" deliver --recipient support@example.org --bogus <"$M/n1"
like "$RC:$OUT" "^75:4\.3\.5 deliver: option --bogus is unknown" "a bad deliver option through the server: 75 and the 4.3.5 usage line"

# 2. Twelve at once: two workers, five deliveries each before they are replaced.
i=2
while [ $i -le 13 ]; do new $i; i=$((i + 1)); done
i=2
while [ $i -le 13 ]; do
	( "$POSTDESK" deliver --sender c$i@example.net --recipient support@example.org --queue-id SRV$i \
		<"$M/n$i" >"$T_DIR/out$i" 2>&1; echo $? >"$T_DIR/rc$i" ) &
	i=$((i + 1))
done
wait_jobs=$(($(date +%s) + 60))
while [ "$(ls "$T_DIR"/rc* 2>/dev/null | wc -l)" -lt 12 ] && [ "$(date +%s)" -lt $wait_jobs ]; do sleep 0.1; done
is "$(cat "$T_DIR"/rc* | sort | uniq -c | tr -s ' ')" " 12 0" "twelve deliveries at once all exit 0"
is "$(cases)" 13 "thirteen cases stored"
is "$(grep -c 'action=new' "$LOG")" 14 "thirteen delivery lines (and --config's), all in the server's log"
# log_statement = all (set below, before the server started) shows how
# PostgreSQL ran the statements: a worker prepares a statement the second
# time it runs it, then runs it prepared
like "$(pglog_since "$PGLOG_AT" | grep -c 'execute pd[0-9]*: INSERT INTO messages')" '^([3-9]|[1-9][0-9]+)$' \
	"workers run the message INSERT as a prepared statement from their second delivery on"
is "$($SINK count "$T_DIR/sink" 28)" 28 "thirteen acks and notifications sent (and --config's)"
n=$(grep 'action=new' "$LOG" | sed 's/^postdesk\[\([0-9]*\)\].*/\1/' | sort -u | wc -l)
[ "$n" -ge 3 ]; ok $? "workers are replaced after server_max_use = 5 deliveries ($n workers served 13)"
wait_workers 2
is "$(workers | wc -l | tr -d ' ')" 2 "two workers again after the replacements"

# 3. An unknown recipient: 67 and the 5.1.1 line, as without the server.
run "$POSTDESK" deliver --sender c1@example.net --recipient nobody@example.org --queue-id SRV14 <"$M/n1"
is "$RC" 67 "unknown recipient through the server: exit 67"
like "$OUT" "^5\.1\.1 .*nobody@example\.org" "... with the 5.1.1 line"
like "$(logged SRV14)" "status=bounced" "... logged by the worker"

# 4. A client with another configuration file is not served by this server.
cp "$CONF" "$T_DIR/other.conf"
new 15
run "$POSTDESK" -c "$T_DIR/other.conf" deliver --recipient support@example.org --queue-id SRV15 <"$M/n15"
is "$RC" 0 "a client with another configuration: exit 0"
like "$ERR" "did not take it \(this server reads .*postdesk.conf\); delivering in-process" \
	"... the server refuses it and the client says why"
like "$ERR" "SRV15: .*action=new.*status=stored" "... and delivers it in-process"
is "$(cases)" 14 "... stored once"

# 5. The workers' database connections are killed: the next delivery reconnects.
# Each worker connects when it starts: wait (10s) until both have.
_deadline=$(($(date +%s) + 10))
until [ "$(sql "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'postdesk'")" = 2 ] ||
	[ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'postdesk'" >/dev/null
new 16
run "$POSTDESK" deliver --recipient support@example.org --queue-id SRV16 <"$M/n16"
is "$RC" 0 "after its connection was terminated, the worker delivers (exit 0)"
grep -q "the database connection was lost; connecting again" "$LOG"; ok $? "... and logs that it connected again"

# 6. The database refuses connections: 75 and 4.3.0; back: the retry is stored once.
admin "ALTER DATABASE $DB_NAME ALLOW_CONNECTIONS false"
admin "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
     WHERE datname = '$DB_NAME' AND application_name = 'postdesk'" >/dev/null
new 17
run "$POSTDESK" deliver --recipient support@example.org --queue-id SRV17 <"$M/n17"
is "$RC" 75 "database refusing connections: exit 75"
like "$OUT" "^4\.3\.0 database unavailable" "... with the 4.3.0 line"
admin "ALTER DATABASE $DB_NAME ALLOW_CONNECTIONS true"
run "$POSTDESK" deliver --recipient support@example.org --queue-id SRV17 <"$M/n17"
is "$RC" 0 "database back: the MTA's retry exits 0"
is "$(sql "SELECT count(*) FROM messages WHERE message_id = '$(msgid "$M/n17")'")" 1 "... stored once"

# 7. A worker killed in the middle of a delivery: 75, and the server goes on.
mkfifo "$T_DIR/fifo"
behind 18
printf 'From: c18@example.net\nSubject: half\n' >&7
sleep 0.5
pkill -KILL -P "$SPID"
wait_rc 18 10
is "$(cat "$T_DIR/rc18")" 75 "the worker killed mid-delivery: the client exits 75"
like "$(cat "$T_DIR/out18")" "^4\.3\.0 the server closed the connection without an answer" "... with the 4.3.0 line"
grep -q "killed by signal 9" "$LOG"; ok $? "the master logs the killed worker"
wait_workers 2
new 19
run "$POSTDESK" deliver --recipient support@example.org --queue-id SRV19 <"$M/n19"
is "$RC" 0 "new workers deliver again"
is "$(sql "SELECT count(*) FROM messages WHERE subject = 'half'")" 0 "nothing of the half message was stored"

# 8. The worker's deadline (deliver_timeout = 4s): the message never ends.
behind 20
wait_rc 20 15
is "$(cat "$T_DIR/rc20")" 75 "a message that never ends: exit 75 at the worker's deadline"
like "$(cat "$T_DIR/out20")" "^4\.3\.0 postdesk server: delivery timed out" "... with the 4.3.0 line"
grep -q "exited with status 75" "$LOG"; ok $? "... and that worker is replaced"

# 9. SIGHUP: a good configuration replaces the workers; a bad one is refused.
wait_workers 2
before=$(workers | tr '\n' ' ')
kill -HUP "$SPID"
_deadline=$(($(date +%s) + 10))
while [ "$(workers | tr '\n' ' ')" = "$before" ] && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
wait_workers 2
grep -q "server: reloaded" "$LOG"; ok $? "SIGHUP: the configuration is read again"
after=$(workers | tr '\n' ' ')
[ -n "$after" ] && [ -z "$(printf '%s\n%s\n' "$before" "$after" | tr ' ' '\n' | grep . | sort | uniq -d)" ]
ok $? "... and every worker is replaced ($before-> $after)"
cp "$CONF" "$T_DIR/good.conf"
echo "server_workers = many" >>"$CONF"
kill -HUP "$SPID"
_deadline=$(($(date +%s) + 10))
while ! grep -q "reload failed" "$LOG" && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
like "$(grep 'reload failed' "$LOG")" "keeping the old settings: .*server_workers" "a bad configuration on SIGHUP is refused"
cp "$T_DIR/good.conf" "$CONF"
new 21
run "$POSTDESK" deliver --recipient support@example.org --queue-id SRV21 <"$M/n21"
is "$RC" 0 "... and the server still delivers"

# 10. SIGTERM during a delivery: it is finished, then the server stops.
behind 22
sleep 0.3
kill -TERM "$SPID"
sleep 0.5
new 22
cat "$M/n22" >&7
exec 7>&-
wait_rc 22 15
is "$(cat "$T_DIR/rc22")" 0 "SIGTERM while a message is being read: that delivery ends with exit 0"
like "$(logged SRV22)" "action=new.*status=stored" "... and the worker stored it"
stop "$SPID"
is "$RC" 0 "the server stops with exit 0"
SPID=
[ ! -e "$SOCK" ]; ok $? "... and removes its socket"
grep -q "server: stopped" "$LOG"; ok $? "... and says so"

# 11. No server: deliver does the work itself.
new 23
run "$POSTDESK" deliver --recipient support@example.org --queue-id SRV23 <"$M/n23"
is "$RC" 0 "no server running: exit 0"
like "$ERR" "SRV23: no server at $SOCK \(not running\); delivering in-process" "... the client says so"
like "$ERR" "SRV23: .*action=new.*status=stored" "... and delivers it in-process"
is "$(cases)" 20 "every message stored once: 20 cases"

# 12. Statements a worker prepared go stale (a migration changed the type of
# a column they return): the worker forgets them all; outside a transaction
# it runs the text at once, inside one the delivery fails as temporary (75)
# and the MTA's retry runs fresh statements. A server of one worker that is
# not replaced, so that the worker that prepared them takes the deliveries.
sed -e "s|^server_socket = .*|server_socket = $T_DIR/one.sock|" -e "s|^server_workers = .*|server_workers = 1|" \
	-e "s|^server_max_use = .*|server_max_use = 100|" "$CONF" >"$T_DIR/one.conf"
"$POSTDESK" -c "$T_DIR/one.conf" server 2>>"$T_DIR/one.log" &
SPID=$!
_deadline=$(($(date +%s) + 10))
while [ ! -S "$T_DIR/one.sock" ] && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
# stale A B C SQL: deliveries A and B (the second prepares what the first
# ran), then SQL, then delivery C (RC, OUT); "at" marks the cluster's log.
stale() {
	for i in "$1" "$2" "$3"; do
		new "$i"
		[ "$i" = "$3" ] || "$POSTDESK" -c "$T_DIR/one.conf" deliver --recipient support@example.org \
			--queue-id "SRV$i" <"$M/n$i" >/dev/null 2>&1
	done
	at=$(wc -c <"$PGLOG")
	sql "$4"
	run "$POSTDESK" -c "$T_DIR/one.conf" deliver --recipient support@example.org --queue-id "SRV$3" <"$M/n$3"
}
stale 24 25 26 "ALTER TABLE queues ALTER COLUMN address TYPE varchar(320)"
is "$RC:$(grep -c 'SRV26: .*status=stored' "$T_DIR/one.log")" "0:1" \
	"the queues' address became varchar: the next delivery exits 0, stored by the worker"
is "$(pglog_since "$at" | grep -c 'cached plan must not change result type')" 1 \
	"... its first statement had gone stale: the worker ran its text, and forgot the others"
stale 27 28 29 "ALTER TABLE queues ALTER COLUMN name TYPE varchar(200)"
like "$RC:$OUT" "^75:4\.3\.0 database: ERROR: +cached plan must not change result type" \
	"the queues' name became varchar, a column only a statement inside the transaction returns: 75"
run "$POSTDESK" -c "$T_DIR/one.conf" deliver --recipient support@example.org --queue-id SRV29 <"$M/n29"
is "$RC:$(grep -c 'SRV29: .*status=stored' "$T_DIR/one.log")" "0:1" "... the MTA's retry runs fresh statements: exit 0, stored"
stop "$SPID"
SPID=

# 13. Trust. A server of its own (socket in a directory of its own, log
# trust.log), then sockets the front must not trust. As root only: the
# tests connect as nobody and let nobody put up a fake server.
TC=$T_DIR/trust.conf
TLOG=$T_DIR/trust.log
TSOCK=$T_DIR/trust/deliver.sock
mkdir -p "$T_DIR/trust"
chmod 0755 "$T_DIR" "$T_DIR/trust"
sed -e "s|^server_socket = .*|server_socket = $TSOCK|" "$CONF" >"$TC"
TCREAL=$(realpath "$TC")
TPID=
ORPHANS=
# tstart: the trust server in the background (TPID); wait (10s) for its two workers.
tstart() {
	"$POSTDESK" -c "$TC" server 2>>"$TLOG" &
	TPID=$!
	_deadline=$(($(date +%s) + 10))
	while [ "$(pgrep -P "$TPID" | wc -l)" -ne 2 ] && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
}
# as_nobody CMD...: run CMD as nobody with group 0, the group of the
# server's socket (mode 0660): a local user who may connect to it.
as_nobody() { setpriv --reuid=nobody --regid=0 --clear-groups "$@"; }
# ms: a monotonic-enough clock in milliseconds.
ms() { echo $(($(date +%s%N) / 1000000)); }
# stored SUBJECT: how many messages with that subject the database holds.
stored() { sql "SELECT count(*) FROM messages WHERE subject = '$1'"; }
cleanup_trust() {
	[ -n "$TPID" ] && { pkill -KILL -P "$TPID"; kill -KILL "$TPID"; } 2>/dev/null
	for p in $ORPHANS; do kill -KILL "$p" 2>/dev/null; done
	[ -n "${FPID:-}" ] && kill -KILL "$FPID" 2>/dev/null
}
trap 'cleanup_trust; cleanup' EXIT
if [ "$(id -u)" != 0 ]; then
	for i in $(seq 18); do ok 0 "# SKIP trust: needs root to connect as another user"; done
else
tstart
# 13a. SO_PEERCRED: only root, the server's own user and server_allowed_users.
new 30
run as_nobody "$HANDOFFCLIENT" send "$TSOCK" "$TCREAL" deliver --recipient support@example.org --queue-id SRV30 <"$M/n30"
like "$OUT" "^R .*uid 65534" "a peer that is not an allowed user (nobody) is refused"
like "$(grep 'SRV30\|uid 65534' "$TLOG")" "server: refused a connection from uid 65534" "... the server logs it"
is "$(stored 'Question 30')" 0 "... and stores nothing of its message"
echo "server_allowed_users = daemon, nobody" >>"$TC"
before=$(pgrep -P "$TPID" | tr '\n' ' ')
kill -HUP "$TPID"
# wait (10s) until two workers run and none of them is from before the reload
_deadline=$(($(date +%s) + 10))
while { [ "$(pgrep -P "$TPID" | wc -l)" -ne 2 ] ||
	pgrep -P "$TPID" | grep -qxF "$(printf '%s\n' $before)"; } && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
run as_nobody "$HANDOFFCLIENT" send "$TSOCK" "$TCREAL" deliver --recipient support@example.org --queue-id SRV30 <"$M/n30"
is "$OUT" "O " "listed in server_allowed_users (after SIGHUP): nobody's message is taken"
is "$(stored 'Question 30')" 1 "... and stored once"
sed -i '/^server_allowed_users/d' "$TC"
echo "server_allowed_users = nosuchuser-pd" >>"$TC"
kill -HUP "$TPID"
_deadline=$(($(date +%s) + 10))
while ! grep -q 'reload failed' "$TLOG" && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
like "$(grep 'reload failed' "$TLOG")" "server_allowed_users: no user 'nosuchuser-pd'" "an unknown user in server_allowed_users is an error"
sed -i '/^server_allowed_users/d' "$TC"

# 13b. Idle clients hold a worker for the request deadline only: two
# connections that send nothing, then a delivery.
rm -f "$T_DIR/idle1" "$T_DIR/idle2"
"$HANDOFFCLIENT" idle "$TSOCK" 20 >"$T_DIR/idle1" &
"$HANDOFFCLIENT" idle "$TSOCK" 20 >"$T_DIR/idle2" &
_deadline=$(($(date +%s) + 5))
until grep -q connected "$T_DIR/idle1" 2>/dev/null && grep -q connected "$T_DIR/idle2" 2>/dev/null ||
	[ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
sleep 0.2
new 31
t0=$(ms)
run "$POSTDESK" -c "$TC" deliver --recipient support@example.org --queue-id SRV31 <"$M/n31"
t=$(($(ms) - t0))
is "$RC:$(grep -c 'SRV31: .*status=stored' "$TLOG")" "0:1" "behind two idle clients on two workers: delivered by a worker"
[ "$t" -lt 5000 ]; ok $? "... within 5s ($t ms; the request deadline is 2s)"
_deadline=$(($(date +%s) + 25))
until grep -q after "$T_DIR/idle1" && grep -q after "$T_DIR/idle2" || [ "$(date +%s)" -ge $_deadline ]; do sleep 0.1; done
like "$(cat "$T_DIR/idle1" "$T_DIR/idle2" | grep after | tr '\n' ' ')" "^closed after [1-3]\.[0-9] s closed after [1-3]\.[0-9] s $" \
	"... the server closed both idle connections after about 2s"

# 13c. The master killed with SIGKILL: its workers end too (they would keep
# the old configuration and the socket, and a new server could not start).
ORPHANS=$(pgrep -P "$TPID" | tr '\n' ' ')
kill -KILL "$TPID"
wait "$TPID" 2>/dev/null
TPID=
t0=$(ms)
_deadline=$(($(date +%s) + 10))
# alive: those of them still running (an exited one may stay a zombie
# until init reaps it)
alive() {
	for p in $ORPHANS; do
		case $(ps -o stat= -p "$p" 2>/dev/null) in '' | Z*) ;; *) echo "$p" ;; esac
	done
}
while [ -n "$(alive)" ] && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.05; done
t=$(($(ms) - t0))
is "$(alive | wc -l | tr -d ' ')" 0 "master killed with SIGKILL: its workers ($ORPHANS) exit (after $t ms)"
tstart
new 33
run "$POSTDESK" -c "$TC" deliver --recipient support@example.org --queue-id SRV33 <"$M/n33"
is "$RC:$(grep -c 'SRV33: .*status=stored' "$TLOG")" "0:1" "... and a new server takes the socket over and delivers"

# 13d. Sockets the front must not trust: it delivers in-process instead.
# A fake server put up by nobody in a sticky world-writable directory (as
# /tmp), where anyone may take the name first: it would say "stored".
mkdir -p "$T_DIR/pub"
chmod 1777 "$T_DIR/pub"
setpriv --reuid=nobody --regid=nogroup --clear-groups "$HANDOFFCLIENT" serve "$T_DIR/pub/deliver.sock" 30 \
	"$T_DIR/pub/count" >"$T_DIR/fake.out" 2>&1 &
FPID=$!
_deadline=$(($(date +%s) + 5))
until [ -S "$T_DIR/pub/deliver.sock" ] || [ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
sed -e "s|^server_socket = .*|server_socket = $T_DIR/pub/deliver.sock|" "$TC" >"$T_DIR/fake.conf"
new 34
run "$POSTDESK" -c "$T_DIR/fake.conf" deliver --recipient support@example.org --queue-id SRV34 <"$M/n34"
is "$RC:$(stored 'Question 34'):$(cat "$T_DIR/pub/count")" "0:1:0" \
	"a socket of nobody's in a sticky world-writable directory: not used, the message stored in-process"
like "$ERR" "SRV34: .*deliver.sock is owned by uid 65534.*delivering in-process" "... with a warning that says why"
# The same fake socket given to root: the directory and the owner look
# right now, but the process listening on it is still nobody's.
chown root "$T_DIR/pub/deliver.sock"
new 35
run "$POSTDESK" -c "$T_DIR/fake.conf" deliver --recipient support@example.org --queue-id SRV35 <"$M/n35"
is "$RC:$(stored 'Question 35'):$(cat "$T_DIR/pub/count")" "0:1:0" \
	"a root-owned socket on which nobody listens: not used either, stored in-process"
like "$ERR" "SRV35: .*runs as uid 65534.*delivering in-process" "... the warning names the server's uid"
kill "$FPID" 2>/dev/null
wait "$FPID" 2>/dev/null
FPID=
# The real server, in a directory anyone may write to (not sticky): anyone
# could rename its socket and put their own in its place.
mkdir -p "$T_DIR/open"
chmod 0777 "$T_DIR/open"
sed -e "s|^server_socket = .*|server_socket = $T_DIR/open/deliver.sock|" "$TC" >"$T_DIR/open.conf"
"$POSTDESK" -c "$T_DIR/open.conf" server 2>>"$TLOG" &
OPID=$!
_deadline=$(($(date +%s) + 10))
until [ -S "$T_DIR/open/deliver.sock" ] || [ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
new 36
run "$POSTDESK" -c "$T_DIR/open.conf" deliver --recipient support@example.org --queue-id SRV36 <"$M/n36"
is "$RC:$(stored 'Question 36'):$(grep -c 'SRV36: .*status=stored' "$TLOG")" "0:1:0" \
	"the server's socket in a world-writable directory without the sticky bit: stored in-process"
like "$ERR" "SRV36: .*/open is writable by group or others.*delivering in-process" "... with a warning that says why"
stop "$OPID"
stop "$TPID"
is "$RC" 0 "the trust server stops with exit 0"
TPID=
fi

# 14. Nothing went wrong in the workers that the test did not cause.
is "$(grep -c 'exited with status' "$LOG")" 1 "one worker exited with an error: the one past its deadline"
is "$(cat "$LOG" "$TLOG" 2>/dev/null | grep -Ec 'ERROR: (Address|Leak|Undefined)|runtime error')" 0 "no sanitizer reports in the servers' logs"
like "$(grep -c 'server: listening' "$LOG")" "^1$" "the server started once"
finish
