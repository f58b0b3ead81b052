#!/bin/sh
# cluster.sh: postdesk on several hosts against a replicated PostgreSQL
# ("make check-cluster"; root only). The hosts are network namespaces the
# test makes (tests/cluster/net.sh) on 10.231.0.0/24, which exists only
# inside them: db1 (the primary) and db2 (its synchronous hot standby),
# TCP only on their own address, TLS verified against a CA made here,
# scram-sha-256 passwords from passfiles (tests/cluster/pg.sh); mx1 and mx2,
# each a private Postfix (tests/postfix.sh) handing helpdesk.test to
# "postdesk deliver" through pipe(8), mx2 with a "postdesk server"; sw1 and
# sw2, sweepers; cust, the customers: their MTA (swaks) and their mail
# sink (smtp-sink), which receives postdesk's acks and notifications.
# Every postdesk names both database hosts with target_session_attrs=read-write.
# Scenarios: (a) mail to both MX hosts at once, follow-ups through the
# other host, the same message to both: each stored once, in its case;
# (b) two sweepers on two hosts over 1,000 overdue cases: each escalation
# once, each mail sent once; (c) the daily limit on automatic mail to one
# address holds across the hosts; (d) the primary killed in the middle of a
# stream, the standby promoted: deliveries defer meanwhile, then go on;
# nothing acknowledged to Postfix is lost, nothing stored twice, the acks'
# duplicates counted; (e) a sweeper host killed in the middle of a pass:
# the cases it held are done by the other, the mail it had claimed is left
# to its lease and then sent. The counts are printed as TAP diagnostics.
# Everything is torn down at exit, also on failure or SIGINT/SIGTERM;
# every wait has a deadline.
. "$TEST_SRCDIR/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null || ! command -v openssl >/dev/null; then
	echo "1..0 # SKIP the cluster test needs root, ip (iproute2) and openssl"
	exit 0
fi
plan 44
PG_BINDIR=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
. "$TEST_SRCDIR/cluster/net.sh"
. "$TEST_SRCDIR/cluster/pg.sh"
T0=$(date +%s)
PGHA=$(mktemp -d /tmp/postdesk-cluster.XXXXXX)
chown postgres "$PGHA"
chmod 0755 "$PGHA" "$T_DIR"
M=$T_DIR/mail
mkdir -p "$M"
SINKD=$T_DIR/sink

cleanup() {
	for h in mx1 mx2; do [ -d "$T_DIR/$h" ] && on "$h" sh "$TEST_SRCDIR/postfix.sh" stop "$T_DIR/$h"; done
	for h in db1 db2; do
		[ -f "$PGHA/$h/postmaster.pid" ] && pgha_ctl "$h" -m immediate -w -t 20 stop >/dev/null 2>&1
	done
	net_down
	rm -rf "$PGHA"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# fail WHY: a setup step failed: no point going on.
fail() { diag "$1"; echo "Bail out! $1"; exit 1; }
# wait_until SECONDS CMD...: poll CMD until it succeeds or the deadline.
wait_until() {
	_deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge $_deadline ] && return 1
		sleep 0.2
	done
}
# sleep_until EPOCH: sleep until then (at most 120 s).
sleep_until() {
	_n=$(($1 - $(date +%s)))
	[ $_n -gt 120 ] && _n=120
	[ $_n -gt 0 ] && sleep $_n
	return 0
}
elapsed() { echo $(($(date +%s) - T0)); }

# --- the hosts ----------------------------------------------------------------
net_up db1=10.231.0.11 db2=10.231.0.12 mx1=10.231.0.21 mx2=10.231.0.22 \
	sw1=10.231.0.31 sw2=10.231.0.32 cust=10.231.0.41 || fail "cannot make the network namespaces"
ok "$(on mx1 ip -4 -o addr show eth0 | grep -q '10.231.0.21/24' && ! ip -4 -o addr | grep -q '10\.231\.0\.'; echo $?)" \
	"seven hosts on 10.231.0.0/24, none of it in the machine's own namespace"
pgha_ca db1=10.231.0.11 db2=10.231.0.12 || fail "cannot make the CA"
pgha_primary db1 10.231.0.11 || fail "the primary did not start"
diag "[$(elapsed)s] primary db1 up"
pgha_standby db2 10.231.0.12 db1 10.231.0.11 || fail "the standby is not streaming synchronously"
diag "[$(elapsed)s] primary db1 and synchronous standby db2 up"
DB_CONNINFO="host=10.231.0.11,10.231.0.12 $PGHA_APP target_session_attrs=read-write"
PGHA_ADMIN="host=10.231.0.11,10.231.0.12 port=$PGHA_PORT user=pgadmin dbname=helpdesk passfile=$PGHA/pgadmin.pgpass $PGHA_TLS target_session_attrs=read-write"
# postdesk runs as nobody under Postfix: its passfile is nobody's (libpq
# wants it private), which root may read too
chown nobody "$PGHA/postdesk.pgpass"
# sql QUERY: on the current primary, from mx1.
sql() { on mx1 psql -X -q -At -v ON_ERROR_STOP=1 "$PGHA_ADMIN" -c "$1"; }
# sql_on HOST-ADDR QUERY: on one database host (the standby may be read).
sql_on() { on mx1 psql -X -q -At "host=$1 port=$PGHA_PORT user=pgadmin dbname=helpdesk passfile=$PGHA/pgadmin.pgpass $PGHA_TLS" -c "$2"; }

is "$(on mx1 psql -X -At "$DB_CONNINFO" -c "SELECT current_user || ' ' || ssl || ' ' || host(inet_server_addr())
     FROM pg_stat_ssl WHERE pid = pg_backend_pid()")" "postdesk true 10.231.0.11" \
	"postdesk's conninfo reaches the primary over TLS, with its password from the passfile"
run on mx1 psql -X -At "host=10.231.0.11 $PGHA_APP sslmode=disable" -c "SELECT 1"
like "$RC:$ERR" "^[1-9].*no pg_hba.conf entry.*no encryption" "without TLS the server refuses"
run on mx1 psql -X -At "host=10.231.0.11 port=$PGHA_PORT dbname=helpdesk user=postdesk password=wrong $PGHA_TLS" -c "SELECT 1"
like "$RC:$ERR" "^[1-9].*password authentication failed" "a wrong password is refused (scram-sha-256)"
run on mx1 psql -X -At "hostaddr=10.231.0.11 host=db2.cluster.test $PGHA_APP" -c "SELECT 1"
like "$RC:$ERR" "^[1-9].*(does not match host name|server certificate)" "verify-full: a certificate for another name is refused"

# --- postdesk on every host -----------------------------------------------------
CONF=$T_DIR/postdesk.conf
write_conf "$CONF" "$DB_CONNINFO"
sed -i "s/^smtp_server = .*/smtp_server = 10.231.0.41:25/; s/^smtp_timeout = .*/smtp_timeout = 1s/" "$CONF"
chmod 0644 "$CONF"
POSTDESK_CONF=$CONF
export POSTDESK_CONF
on mx1 "$POSTDESK" keygen >/dev/null || fail "keygen"
chown nobody "$T_DIR/secret.key"
on mx1 "$POSTDESK" db migrate >/dev/null || fail "db migrate over TLS failed"
on mx1 "$POSTDESK" queue add support --address support@helpdesk.test --first-response 4h >/dev/null
on mx1 "$POSTDESK" agent add alice@agents.test --name "Alice Agent" --queue support >/dev/null
# mx2's postdesk hands deliveries to its server
CONF2=$T_DIR/postdesk-mx2.conf
RUN=$T_DIR/run
mkdir -p "$RUN"
chown nobody "$RUN"
{ cat "$CONF"; printf 'server_socket = %s/deliver.sock\nserver_workers = 3\n' "$RUN"; } >"$CONF2"
chmod 0644 "$CONF2"
# (HOME as pipe(8) sets it: libpq looks for a client certificate there)
on_bg mx2 setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups env HOME=/nonexistent \
	timeout --foreground 600 "$POSTDESK" -c "$CONF2" server 2>"$T_DIR/server.log"
wait_until 10 test -S "$RUN/deliver.sock" || fail "postdesk server did not start on mx2"

# the customers' sink: every message postdesk sends, one file each
mkdir -p "$SINKD"
chown nobody "$SINKD"
on_bg cust timeout 600 /usr/sbin/smtp-sink -u nobody -d "$SINKD/%M." 10.231.0.41:25 256 </dev/null >"$T_DIR/sink.log" 2>&1
sink_up() { on cust ss -Hltn 'sport = :25' | grep -q .; }
wait_until 10 sink_up || fail "smtp-sink did not start"
for h in mx1 mx2; do
	mkdir -p "$T_DIR/$h"
	c=$CONF
	[ $h = mx2 ] && c=$CONF2
	port=$(PF_ADDR=10.231.0.2${h#mx} on $h sh "$TEST_SRCDIR/postfix.sh" start "$T_DIR/$h" "$POSTDESK" "$c") ||
		fail "Postfix did not start on $h"
	eval "PORT_$h=$port"
done
diag "[$(elapsed)s] two mail hosts, one sink up"

# mx HOST: HOST's SMTP address and port.
mx() { eval "echo 10.231.0.2${1#mx}:\$PORT_$1"; }
# inject HOST FILE: the customers' MTA hands a message to HOST; "inject_bg"
# does it in the background, "injected" waits for those.
INJ=
inject_bg() { inject "$@" & INJ="$INJ $!"; }
injected() { for _p in $INJ; do wait "$_p"; done; INJ=; }
inject() {
	_from=$(sed -n 's/^From: .*<\(.*\)>$/\1/p; s/^From: \([^<]*@[^ ]*\)$/\1/p' "$2" | head -n 1)
	on cust swaks --server "$(mx "$1")" --from "$_from" --to support@helpdesk.test --data "$2" \
		--silent 2 --timeout 20 >/dev/null 2>&1
}
# letter FILE FROM MSGID SUBJECT [IN-REPLY-TO]: a customer's plain mail.
letter() {
	{
		printf 'From: Customer <%s>\nTo: support@helpdesk.test\nSubject: %s\n' "$2" "$4"
		printf 'Message-ID: <%s>\nDate: %s\n' "$3" "$(date -R)"
		[ -n "${5:-}" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$5" "$5"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\nMessage %s.\n' "$3"
	} >"$1"
}
# stored PATTERN: stored customer messages whose Message-ID is LIKE PATTERN.
stored() { sql "SELECT count(*) FROM messages WHERE message_id LIKE '$1'"; }
# sunk TO: messages in the sink to TO (a grep -E pattern).
sunk() { find "$SINKD" -type f -print0 | xargs -0 -r grep -l -E "^To: .*$1" 2>/dev/null | wc -l | tr -d ' '; }
# sunk_ids TO: the case numbers of the sink's messages to TO, one a line.
sunk_ids() {
	find "$SINKD" -type f -print0 | xargs -0 -r grep -l -E "^To: .*$1" 2>/dev/null |
		xargs -r grep -h '^Subject:' | sed -n 's/.*#\([0-9]*\)\].*/\1/p'
}
# ge CMD N / zero CMD: whether CMD's output is at least N / 0 (for wait_until)
ge() { [ "$(eval "$1")" -ge "$2" ]; }
zero() { [ "$(eval "$1")" = 0 ]; }
# flush: both Postfix instances retry their deferred mail now.
flush() { for h in mx1 mx2; do on $h sh "$TEST_SRCDIR/postfix.sh" flush "$T_DIR/$h" 2>/dev/null; done; }
queued() { for h in mx1 mx2; do on $h sh "$TEST_SRCDIR/postfix.sh" queue "$T_DIR/$h"; done | wc -l | tr -d ' '; }

# --- (a) both MX hosts at once ------------------------------------------------
N=20
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	letter "$M/a$i" "a$i@customer.test" "a$i-1@customer.test" "Question $i"
	inject_bg "mx$((i % 2 + 1))" "$M/a$i"
done
# the same message through both hosts at once (the customer's MTA tried the
# second MX after a timeout at the first)
letter "$M/twin" twin@customer.test twin-1@customer.test "Twice"
inject_bg mx1 "$M/twin"
inject_bg mx2 "$M/twin"
injected
wait_until 60 ge "stored 'a%-1@customer.test'" $N
is "$(stored 'a%-1@customer.test')" $N "$N first mails through both hosts at once: all stored"
# follow-ups to the same cases through the other host, all at once
i=0
while [ $i -lt $N ]; do
	i=$((i + 1))
	letter "$M/a$i.2" "a$i@customer.test" "a$i-2@customer.test" "Re: Question $i" "a$i-1@customer.test"
	inject_bg "mx$(((i + 1) % 2 + 1))" "$M/a$i.2"
done
injected
wait_until 60 ge "stored 'a%-2@customer.test'" $N
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT message_id) FROM messages WHERE message_id LIKE 'a%@customer.test'")" \
	"$((2 * N)) $((2 * N))" "$((2 * N)) messages stored, each once"
is "$(sql "SELECT count(*) FROM (SELECT m.from_addr FROM messages m WHERE m.message_id LIKE 'a%@customer.test'
     GROUP BY m.from_addr HAVING count(DISTINCT m.case_id) = 1 AND count(*) = 2) x")" $N \
	"each customer's follow-up is in the case of their first mail"
is "$(sql "SELECT count(DISTINCT case_id) FROM messages WHERE message_id LIKE 'a%@customer.test'")" $N "$N cases"
wait_until 30 ge "sunk 'a[0-9]+@customer.test'" $N
sleep 1
is "$(sunk 'a[0-9]+@customer.test')" $N "one ack each (follow-ups get none)"
wait_until 30 ge "stored 'twin-1@customer.test'" 1
is "$(stored 'twin-1@customer.test'):$(sunk twin@customer.test)" "1:1" "the same message through both hosts: stored once, one ack"
wait_until 30 zero "queued"
is "$(queued)" 0 "both Postfix queues are empty"
like "$(grep -c 'postdesk.*status=stored' "$T_DIR/server.log")" "^[1-9]" "mx2 delivered through its postdesk server"
diag "(a) $((2 * N + 2)) messages through 2 MX hosts: $(sql "SELECT count(*) FROM messages WHERE direction = 'in'") stored, \
$(sql "SELECT count(*) FROM cases") cases, $(sunk 'customer.test') acks; \
mx1 $(grep -c 'relay=postdesk.*status=sent' "$T_DIR/mx1/maillog"), mx2 $(grep -c 'relay=postdesk.*status=sent' "$T_DIR/mx2/maillog") deliveries [$(elapsed)s]"

# --- (b) two sweepers on two hosts, 1,000 overdue cases ------------------------
on mx1 "$POSTDESK" queue add bulk --address bulk@helpdesk.test --first-response 1h --escalate-after 1d >/dev/null
on mx1 "$POSTDESK" agent add dan@agents.test --name Dan --queue bulk >/dev/null
sql "INSERT INTO cases (queue_id, subject, first_response_due)
     SELECT q.id, 'bulk ' || n, now() - interval '1 hour' FROM queues q, generate_series(1, 1000) n
     WHERE q.name = 'bulk'" >/dev/null
t=$(date +%s)
on_bg sw1 timeout --foreground 120 "$POSTDESK" sweep >"$T_DIR/b1" 2>"$T_DIR/b1.err"
p1=$BG
on_bg sw2 timeout --foreground 120 "$POSTDESK" sweep >"$T_DIR/b2" 2>"$T_DIR/b2.err"
p2=$BG
wait $p1
r1=$?
wait $p2
is "$r1$?" 00 "two sweepers on sw1 and sw2 ended well"
e1=$(sed -n 's/^cases: \([0-9]*\) escalated.*/\1/p' "$T_DIR/b1")
e2=$(sed -n 's/^cases: \([0-9]*\) escalated.*/\1/p' "$T_DIR/b2")
s1=$(sed -n 's/^outbox: \([0-9]*\) sent.*/\1/p' "$T_DIR/b1")
s2=$(sed -n 's/^outbox: \([0-9]*\) sent.*/\1/p' "$T_DIR/b2")
is "$((e1 + e2)):$((s1 + s2))" "1000:1000" "together they escalated 1000 cases and sent 1000 mails"
is "$(sql "SELECT count(*) || ' ' || count(DISTINCT e.case_id) FROM events e JOIN cases c ON c.id = e.case_id
     JOIN queues q ON q.id = c.queue_id WHERE q.name = 'bulk' AND e.type = 'escalated'")" "1000 1000" "one escalation event per case"
is "$(sql "SELECT count(*) FILTER (WHERE o.status = 'sent') || ' ' || count(*) FROM outbox o JOIN cases c ON c.id = o.case_id
     JOIN queues q ON q.id = c.queue_id WHERE q.name = 'bulk'")" "1000 1000" "1000 outbox rows, all sent"
wait_until 20 ge "sunk dan@agents.test" 1000
got=$(sunk_ids dan@agents.test)
is "$(printf '%s\n' "$got" | wc -l | tr -d ' '):$(printf '%s\n' "$got" | sort -u | wc -l | tr -d ' ')" "1000:1000" \
	"the sink got 1000 escalations, one per case"
diag "(b) 1000 overdue cases: sw1 escalated $e1 and sent $s1, sw2 escalated $e2 and sent $s2, in $(($(date +%s) - t))s [$(elapsed)s]"

# --- (c) the daily limit of automatic mail to one address, across hosts --------
limit=$(sed -n 's/^auto_reply_limit *= *//p' "$CONF")
limit=${limit:-5}
i=0
while [ $i -lt 8 ]; do
	i=$((i + 1))
	letter "$M/c$i" busy@customer.test "busy-$i@customer.test" "Another problem, number $i"
	inject_bg "mx$((i % 2 + 1))" "$M/c$i"
done
injected
wait_until 60 ge "stored 'busy-%@customer.test'" 8
is "$(sql "SELECT count(DISTINCT case_id) FROM messages WHERE message_id LIKE 'busy-%'")" 8 \
	"8 new mails from one address through both hosts at once: 8 cases"
sleep 1
is "$(sunk busy@customer.test)" "$limit" "and $limit acks: the daily limit ($limit) holds across hosts"
diag "(c) 8 mails from one address via mx1 and mx2: $(sunk busy@customer.test) acks (limit $limit), \
counted $(sql "SELECT count FROM auto_mail_counts WHERE address = 'busy@customer.test'") [$(elapsed)s]"

# --- reports from the hot standby ------------------------------------------------
# "postdesk report" only reads: a read replica can serve it
sed "s|^database = .*|database = host=10.231.0.12 $PGHA_APP target_session_attrs=standby|" "$CONF" >"$T_DIR/replica.conf"
run on mx1 "$POSTDESK" -c "$CONF" report --from "$(date -u -d yesterday +%F)" --to "$(date -u -d tomorrow +%F)"
primary_report=$OUT
replayed() { [ "$(sql_on 10.231.0.12 "SELECT pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn()")" = t ]; }
wait_until 10 replayed
run on mx1 "$POSTDESK" -c "$T_DIR/replica.conf" report --from "$(date -u -d yesterday +%F)" --to "$(date -u -d tomorrow +%F)"
is "$RC:$OUT" "0:$primary_report" "postdesk report on the hot standby says what it says on the primary"

# --- (s) the standby stopped: commits wait for it --------------------------------
# With one synchronous standby, a commit waits until the standby has it
# (statement_timeout does not cut that wait short): without the standby,
# deliveries hang and nothing is acknowledged; when it is back, they end.
# sent_lines: Postfix's lines for deliveries postdesk acknowledged, both hosts.
sent_lines() { cat "$T_DIR/mx1/maillog" "$T_DIR/mx2/maillog" | grep -c 'relay=postdesk.*status=sent'; }
n0=$(sent_lines)
pgha_ctl db2 -m fast -w -t 20 stop >/dev/null
ts=$(date +%s)
letter "$M/s1" still@customer.test still-1@customer.test "While the standby is away"
letter "$M/s2" still2@customer.test still-2@customer.test "While the standby is away, via the server"
inject_bg mx1 "$M/s1"
inject_bg mx2 "$M/s2"
injected
sleep 3
is "$(sent_lines):$(stored 'still-%@customer.test'):$(sunk 'still2?@customer.test')" "$n0:0:0" \
	"the standby stopped: deliveries (in-process and through the server) wait, nothing acknowledged or sent"
pgha_start db2 10.231.0.12 || fail "the standby did not start again"
deadline=$(($(date +%s) + 30))
while [ "$(stored 'still-%@customer.test')" -lt 2 ] && [ "$(date +%s)" -lt $deadline ]; do
	flush
	sleep 0.5
done
wait_until 20 ge "sunk 'still2?@customer.test'" 2
sleep 0.5
is "$(stored 'still-%@customer.test'):$(sunk 'still2?@customer.test'):$(($(sent_lines) - n0))" "2:2:2" \
	"the standby back: both stored once, one ack each, acknowledged to Postfix"
is "$(sql "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'db2'")" sync "and synchronous again"
diag "(s) standby stopped for $(($(date +%s) - ts))s: both deliveries waited, then ended \
($(for h in mx1 mx2; do grep 'relay=postdesk.*status=sent' "$T_DIR/$h/maillog" | tail -n 1 |
	sed -n "s/.* delay=\([0-9.]*\),.*/$h delay=\1s/p"; done | paste -sd' ' -)) [$(elapsed)s]"

# --- (d) the primary killed in the middle of a stream ---------------------------
# A sweeper runs on sw2 from here to the end (--every 1): it must ride out
# the failover, and it is the other sweeper of (e).
on_bg sw2 timeout --foreground 300 "$POSTDESK" sweep --every 1 >/dev/null 2>"$T_DIR/sw2.log"
SW2=$BG
for h in mx1 mx2; do wc -l <"$T_DIR/$h/maillog" >"$T_DIR/$h.mark"; done
S=60
KILL_AT=20 PROMOTE_AT=35
i=0
while [ $i -lt $S ]; do
	i=$((i + 1))
	letter "$M/d$i" "d$i@customer.test" "d$i-1@customer.test" "Stream $i"
	inject_bg "mx$((i % 2 + 1))" "$M/d$i"
	sleep 0.1
	if [ $i = $KILL_AT ]; then
		pgha_ctl db1 -m immediate -w -t 20 stop >/dev/null 2>&1
		tk=$(date +%s%N)
		diag "[$(elapsed)s] primary db1 killed after message $i"
	fi
	if [ $i = $PROMOTE_AT ]; then
		# before the promotion: what Postfix was told is delivered must be on the standby
		injected
		# the Message-IDs Postfix was told are delivered (deliver exit 0)
		for h in mx1 mx2; do tail -n +"$(($(cat "$T_DIR/$h.mark") + 1))" "$T_DIR/$h/maillog"; done |
			awk '$7 ~ /^message-id=</ { m = substr($7, 13); sub(/>$/, "", m); mid[$6] = m }
			     /relay=postdesk.*status=sent/ && mid[$6] != "" { print mid[$6] }' | sort -u >"$T_DIR/acked"
		pgha_ctl db2 -w -t 30 promote >/dev/null || diag "promote failed"
		tp=$(date +%s%N)
		diag "[$(elapsed)s] standby db2 promoted after message $i, $(((tp - tk) / 1000000)) ms after the kill"
		acked=$(wc -l <"$T_DIR/acked" | tr -d ' ')
		list=$(sed "s/.*/'&'/" "$T_DIR/acked" | paste -sd, -)
		is "$(sql "SELECT count(*) FROM messages WHERE message_id IN (${list:-''})")" "$acked" \
			"all $acked messages postdesk had acknowledged to Postfix are on the promoted standby"
	fi
done
injected
# what was deferred meanwhile is retried now (Postfix would in minutes)
deadline=$(($(date +%s) + 90))
while [ "$(stored 'd%-1@customer.test')" -lt $S ] && [ "$(date +%s)" -lt $deadline ]; do
	flush
	sleep 1
done
dlog=$(for h in mx1 mx2; do tail -n +"$(($(cat "$T_DIR/$h.mark") + 1))" "$T_DIR/$h/maillog"; done)
deferred=$(printf '%s\n' "$dlog" | grep -c 'relay=postdesk.*status=deferred')
is "$(stored 'd%-1@customer.test'):$(sql "SELECT count(DISTINCT message_id) FROM messages WHERE message_id LIKE 'd%-1@customer.test'")" \
	"$S:$S" "$S messages streamed across the failover: each stored once, none lost"
like "$deferred" "^[1-9]" "deliveries deferred while there was no primary ($deferred deferrals)"
is "$(printf '%s\n' "$dlog" | grep 'relay=postdesk.*status=deferred' | grep -vc 'dsn=4\.')" 0 "all of them with a 4.x.x status (deliver exit 75)"
like "$(printf '%s\n' "$dlog" | grep 'relay=postdesk.*status=deferred' | grep -c '"10\.231\.0\.11".* failed: .*; connection to server at "10\.231\.0\.12".* failed: ')" "^[1-9]" \
	"the reason says why each database host was refused"
is "$(printf '%s\n' "$dlog" | grep -c 'relay=postdesk.*status=bounced')" 0 "none bounced"
wait_until 30 zero "queued"
is "$(queued)" 0 "Postfix's queues drained against the new primary"
is "$(sql "SELECT pg_is_in_recovery()::text || ' ' || host(inet_server_addr())")" "false 10.231.0.12" "the primary is now db2"
ok "$(kill -0 $SW2 2>/dev/null; echo $?)" "the sweeper on sw2 rode out the failover"
like "$(cat "$T_DIR/sw2.log")" "warning: sweep: database.*trying again in 1s" "logging its retries"
# acks of deliveries that lost the primary between their commit and the
# record of the send wait for their lease to run out (checked at the end)
dorphans=$(sql "SELECT count(*) FROM outbox WHERE status = 'sending'")
dlease=$(sql "SELECT coalesce(ceil(extract(epoch FROM max(next_attempt) - now())), 0) FROM outbox WHERE status = 'sending'")
diag "(d) $S messages, primary killed after $KILL_AT, standby promoted after $PROMOTE_AT: $deferred deferrals, \
$S stored once, $acked acknowledged to Postfix before the promotion all kept; $dorphans acks claimed by a deliver \
that lost the primary, left to their lease (${dlease}s more) [$(elapsed)s]"

# --- (e) a sweeper host killed in the middle of a pass -------------------------
on mx1 "$POSTDESK" queue add bulk2 --address bulk2@helpdesk.test --first-response 1h --escalate-after 1d >/dev/null
on mx1 "$POSTDESK" agent add erin@agents.test --name Erin --queue bulk2 >/dev/null
sql "INSERT INTO cases (queue_id, subject, first_response_due)
     SELECT q.id, 'bulk2 ' || n, now() - interval '1 hour' FROM queues q, generate_series(1, 1000) n
     WHERE q.name = 'bulk2'" >/dev/null
# ev: bulk2's escalation events, and how many cases they are for
ev() { sql "SELECT count(*) || ' ' || count(DISTINCT e.case_id) FROM events e JOIN cases c ON c.id = e.case_id
     JOIN queues q ON q.id = c.queue_id WHERE q.name = 'bulk2' AND e.type = 'escalated'"; }
evn() { ev | cut -d' ' -f1; }
# bulk2 STATUS: bulk2's outbox rows in STATUS
bulk2() { sql "SELECT count(*) FROM outbox o JOIN cases c ON c.id = o.case_id JOIN queues q ON q.id = c.queue_id
     WHERE q.name = 'bulk2' AND o.status = '$1'"; }
on_bg sw1 timeout --foreground 120 "$POSTDESK" sweep >/dev/null 2>&1
e1p=$BG
wait_until 30 ge evn 200
net_kill sw1
wait $e1p 2>/dev/null
k1=$(evn)
diag "[$(elapsed)s] sw1 killed in its pass over the cases (sw2's every second beside it), $k1 escalations committed"
wait_until 60 ge evn 1000
is "$(ev)" "1000 1000" "the cases sw1 held or had not reached are escalated by sw2: each of 1000 once"
wait_until 30 ge "sunk erin@agents.test" 1000
is "$(sunk erin@agents.test)" 1000 "1000 escalation mails"
# killed while sending: the rows it had claimed wait for their lease
sql "INSERT INTO cases (queue_id, subject, first_response_due)
     SELECT q.id, 'bulk3 ' || n, now() - interval '1 hour' FROM queues q, generate_series(1, 400) n
     WHERE q.name = 'bulk2'" >/dev/null
before=$(sunk erin@agents.test)
stop $SW2
on_bg sw1 timeout --foreground 120 "$POSTDESK" sweep >/dev/null 2>&1
e1p=$BG
wait_until 30 ge "sunk erin@agents.test" $((before + 50))
net_kill sw1
wait $e1p 2>/dev/null
tk=$(date +%s)
leased=$(bulk2 sending)
lease=$(sql "SELECT ceil(extract(epoch FROM max(next_attempt) - now())) FROM outbox WHERE status = 'sending'")
lease_end=$((tk + lease))
diag "[$(elapsed)s] sw1 killed while sending: $(($(sunk erin@agents.test) - before)) of 400 sent, \
$leased rows claimed for another ${lease}s"
ok "$([ "$leased" -ge 1 ]; echo $?)" "sw1 died holding claimed rows ($leased)"
on_bg sw2 timeout --foreground 300 "$POSTDESK" sweep --every 1 >/dev/null 2>>"$T_DIR/sw2.log"
SW2=$BG
wait_until 30 zero "bulk2 queued"
# sw2 sends everything else at once, and what sw1 claimed only when the lease ends
sleep_until $((lease_end - 5))
is "$(bulk2 sending)" "$leased" "sw2 leaves sw1's rows alone until their lease runs out"
wait_until 30 zero "bulk2 sending"
diag "(e) sw1's claimed rows sent by sw2 $(($(date +%s) - tk))s after the kill"
is "$(bulk2 sent)" 1400 "then sends them: 1400 rows sent"
wait_until 20 ge "sunk erin@agents.test" 1400
sleep 1
got=$(sunk_ids erin@agents.test)
twice=$(($(printf '%s\n' "$got" | wc -l) - $(printf '%s\n' "$got" | sort -u | wc -l)))
is "$(printf '%s\n' "$got" | sort -u | wc -l | tr -d ' ')" 1400 "every case's escalation reached the sink"
ok "$([ $twice -le 1 ]; echo $?)" "at most the one in flight at the kill twice ($twice)"
diag "(e) 1400 overdue cases, sw1 killed twice: $k1 escalations committed by then, the rest by sw2; \
$leased claimed rows left at the second kill, sent after the lease; $twice sent twice [$(elapsed)s]"

# --- (d), the end: the acks that waited for a lease ---------------------------
wait_until 60 ge "sunk 'd[0-9]+@customer.test'" $S
sleep 1
dacks=$(sunk 'd[0-9]+@customer.test')
acked_to=$(find "$SINKD" -type f -print0 | xargs -0 grep -h '^To: ' | grep -o -E '\<d[0-9]+@customer\.test' | sort -u | wc -l)
dmissing=$((S - acked_to))
is "$dmissing" 0 "every customer of the stream got an ack"
ok "$([ $((dacks - S)) -le "$dorphans" ]; echo $?)" "twice at most for those whose send was not recorded ($((dacks - S)) of $dorphans)"
diag "(d) $dacks acks for $S messages: $((dacks - S)) twice"
stop $SW2
is "$RC" 0 "the sweeper on sw2 stops cleanly"
diag "cluster test: $(elapsed)s"
finish
