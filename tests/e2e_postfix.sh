#!/bin/sh
# e2e_postfix.sh: postdesk behind a real Postfix, end to end. A private
# Postfix (tests/postfix.sh, built from contrib/postfix/) hands mail for
# helpdesk.test to "postdesk deliver" through pipe(8); postdesk sends its
# mail back through that Postfix, which delivers customer.test and
# agents.test to Maildirs. Mail is injected with swaks over SMTP and read
# back from the Maildirs. Scenarios: a customer's case and its ack (threaded,
# in the customer's language); the agent answers the notification as a mail
# client would and the customer answers back; a note stays internal; the
# database down means deferred, not bounced, then stored once; robots
# answering our ack stop after a bounded exchange; an overdue case's
# escalation reaches the escalation Maildir once; with "postdesk server"
# running (as the pipe user), deliveries go through its workers, the
# database down still means deferred and then stored once, and after the
# server stops deliver works in-process again; the server restarted
# (SIGTERM, start) in the middle of a stream of 50 mails: each stored once,
# acked once. Every wait has a deadline.
# E2E_TRANSPORT=lmtp (tests/e2e_postfix_lmtp.sh) runs the same scenarios
# through lmtp(8) to "postdesk server" (contrib/postfix's LMTP lines): the
# server runs from the start, the database down gives its 451 4.3.0, and
# instead of the pipe hand-off scenario: the server's log line, Postfix's
# 250 from the LMTP socket, and an unknown address bounced 5.1.1.
. "$TEST_SRCDIR/lib.sh"
MODE=${E2E_TRANSPORT:-pipe}
if [ "$MODE" = lmtp ]; then plan 49; else plan 52; fi
PFX=$T_DIR/postfix
M=$T_DIR/mail
# a cluster of its own, which scenario 4 stops, so that the other tests keep theirs
PG=$T_DIR/pg
mkdir -p "$PFX" "$M"
SPID= TAILPID=
trap '[ -z "$TAILPID" ] || kill "$TAILPID" 2>/dev/null; [ -z "$SPID" ] || { pkill -KILL -P "$SPID"; kill -KILL "$SPID"; } 2>/dev/null; sh "$TEST_SRCDIR/postfix.sh" stop "$PFX"; sh "$TEST_SRCDIR/pg.sh" stop "$PG" >/dev/null 2>&1' EXIT
trap 'exit 1' INT TERM
sh "$TEST_SRCDIR/pg.sh" start "$PG" >/dev/null
DB_CONNINFO=$(sh "$TEST_SRCDIR/pg.sh" createdb "$PG" e2e)
CONF=$T_DIR/postdesk.conf
write_conf "$CONF" "$DB_CONNINFO"
POSTDESK_CONF=$CONF
export POSTDESK_CONF

# postdesk runs as nobody under Postfix: it must reach its config, key and socket
"$POSTDESK" keygen >/dev/null
"$POSTDESK" db migrate >/dev/null
chown nobody "$T_DIR/secret.key"
chmod 0644 "$CONF"
chmod 0755 "$T_DIR"
"$POSTDESK" queue add support --address support@helpdesk.test --first-response 1h \
	--escalate-to boss@agents.test --escalate-after 30m >/dev/null
"$POSTDESK" agent add alice@agents.test --name "Alice Agent" --queue support >/dev/null
printf '%s\n' piotr@customer.test ann@customer.test eve@customer.test alice@agents.test boss@agents.test \
	c1@customer.test c2@customer.test c3@customer.test c4@customer.test c5@customer.test \
	c6@customer.test c7@customer.test c8@customer.test >"$PFX/users"
STREAM=50
i=1
while [ $i -le $STREAM ]; do echo "s$i@customer.test" >>"$PFX/users"; i=$((i + 1)); done
lmtp=
[ "$MODE" = lmtp ] && lmtp=lmtp
# shellcheck disable=SC2086
port=$(sh "$TEST_SRCDIR/postfix.sh" start "$PFX" "$POSTDESK" "$CONF" $lmtp) || { diag "Postfix did not start"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"

# The server runs as the pipe user (in production both are "postdesk"), so
# that deliver, run by pipe(8) as that user, may use its socket; Postfix's
# lmtp(8) connects as the mail_owner, postfix.
RUN=$T_DIR/run
SLOG=$T_DIR/server.log
mkdir -p "$RUN"
chown nobody "$RUN"
if [ "$MODE" = lmtp ]; then
	SOCK=$PFX/spool/postdesk/lmtp
	# the kit's lmtp_destination_concurrency_limit is 4: as many workers
	printf 'lmtp_listen = unix:%s\nserver_allowed_users = postfix\nserver_workers = 4\n' "$SOCK" >>"$CONF"
else
	# set in scenario 7: before, deliver works in-process without a warning
	SOCK=$RUN/deliver.sock
fi
# server_start: "postdesk server" as nobody, waiting (at most 10s) for its socket
# and its "listening" line.
server_start() { server_up "$SLOG" "$SOCK" setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups; }
# server_stop: SIGTERM, and wait (at most 20s) for it to exit; RC its status.
server_stop() {
	kill -TERM "$SPID"
	deadline=$(($(date +%s) + 20))
	while kill -0 "$SPID" 2>/dev/null && [ "$(date +%s)" -lt $deadline ]; do sleep 0.05; done
	RC=1
	kill -0 "$SPID" 2>/dev/null || { wait "$SPID"; RC=$?; SPID=; }
}
if [ "$MODE" = lmtp ]; then
	server_start
	like "$(cat "$SLOG")" "server: listening on .*LMTP unix:$SOCK" "the server listens on the kit's LMTP socket, as the pipe user"
fi

# box ADDR: the Maildir of a customer.test or agents.test address.
box() { echo "$PFX/mailboxes/${1#*@}/${1%@*}/new"; }
# count ADDR: messages in its Maildir.
count() { find "$(box "$1")" -type f 2>/dev/null | wc -l | tr -d ' '; }
# wait_for ADDR N [SECONDS]: wait (default at most 20s) until ADDR has N
# messages; print how many it has.
wait_for() {
	deadline=$(($(date +%s) + ${3:-20}))
	until [ "$(count "$1")" -ge "$2" ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.05; done
	count "$1"
}
# newest ADDR: the newest message file in its Maildir.
newest() { ls -t "$(box "$1")"/* 2>/dev/null | head -n 1; }
# header NAME FILE: the first such header, unfolded.
header() { awk -v h="$1" 'BEGIN { IGNORECASE = 1 } /^$/ { exit } p && /^[ \t]/ { v = v " " $0; sub(/^[ \t]+/, "", $0); next } p { exit } tolower($0) ~ "^" tolower(h) ":" { v = substr($0, length(h) + 3); p = 1 } END { print v }' "$2"; }
# inject FROM TO FILE: hand a message to Postfix over SMTP.
inject() { swaks --server "127.0.0.1:$port" --from "$1" --to "$2" --data "$3" --silent 2 >/dev/null 2>&1; }
ms() { echo $(($(date +%s%N) / 1000000)); }
cases() { sql "SELECT count(*) FROM cases"; }
LAT=$T_DIR/latency
: >"$LAT"

# --- 1. a customer writes: a case and the ack, threaded, in their language ---
cat >"$M/piotr" <<'EOF'
From: Piotr Nowak <piotr@customer.test>
To: support@helpdesk.test
Subject: Drukarka nie drukuje
Message-ID: <piotr-1@customer.test>
Content-Language: pl
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit

Dzień dobry, drukarka nie drukuje.
EOF
t0=$(ms)
inject piotr@customer.test support@helpdesk.test "$M/piotr"
is "$(wait_for piotr@customer.test 1)" 1 "the ack is in the customer's Maildir"
echo $(($(ms) - t0)) >>"$LAT"
is "$(sql "SELECT count(*) FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE cu.email = 'piotr@customer.test'")" 1 \
	"one case for the customer"
ack=$(newest piotr@customer.test)
is "$(header In-Reply-To "$ack")" "<piotr-1@customer.test>" "the ack threads to the customer's mail"
like "$(grep -i '^Content-Language:' "$ack")" "pl" "in the customer's language (Polish)"
like "$(header Reply-To "$ack")" "^support\+c[0-9]+\.[0-9]+\.[0-9a-f]+@helpdesk\.test$" "Reply-To: the case's signed address"
like "$(grep '^Return-Path:' "$ack")" "^Return-Path: <>$" "an automatic reply with the null sender"
is "$(wait_for alice@agents.test 1)" 1 "the agent got the notification"
like "$(grep '^Received: from mx.helpdesk.test\|^Received: from localhost\|^Received: from ' "$ack" | head -n 1)" "127.0.0.1" \
	"postdesk's mail went through Postfix on 127.0.0.1"
for i in 1 2 3 4 5; do
	printf 'From: c%s@customer.test\nTo: support@helpdesk.test\nSubject: Timing %s\nMessage-ID: <timing-%s@customer.test>\n\nHello.\n' \
		"$i" "$i" "$i" >"$M/t$i"
	t0=$(ms)
	inject "c$i@customer.test" support@helpdesk.test "$M/t$i"
	[ "$(wait_for "c$i@customer.test" 1)" = 1 ] && echo $(($(ms) - t0)) >>"$LAT"
done
is "$(wc -l <"$LAT" | tr -d ' ')" 6 "six acks timed from injection to the Maildir"
diag "injection -> ack in the Maildir, ms: $(sort -n "$LAT" | tr '\n' ' ')(median $(sort -n "$LAT" | awk '{ a[NR] = $1 } END { print (a[int((NR + 1) / 2)] + a[int(NR / 2) + 1]) / 2 }'))"
cp "$LAT" "$TEST_BUILDDIR/e2e-latency$([ "$MODE" = pipe ] || echo "-$MODE").txt"

# --- 2. the agent answers the notification; the customer answers back --------
note=$(grep -l 'Drukarka' "$(box alice@agents.test)"/* | head -n 1)
areply=$(header Reply-To "$note")
like "$areply" "^support\+a[0-9]+\." "the notification's Reply-To is the agent address"
cat >"$M/answer" <<EOF
From: Alice Agent <alice@agents.test>
To: $areply
Subject: Re: $(header Subject "$note")
Message-ID: <alice-1@agents.test>
In-Reply-To: $(header Message-ID "$note")
References: $(header Message-ID "$note")
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8

Please switch the printer off and on again.

On Mon, 23 Nov 2026 at 10:00, Helpdesk wrote:
> Dzień dobry, drukarka nie drukuje.
EOF
inject alice@agents.test "$areply" "$M/answer"
is "$(wait_for piotr@customer.test 2)" 2 "the customer received the answer"
answer=$(newest piotr@customer.test)
like "$(header From "$answer")" "Alice Agent via Helpdesk" "from the agent via the helpdesk"
like "$(cat "$answer")" "switch the printer off and on" "with the agent's text"
ok "$(grep -c 'wrote:' "$answer" | grep -qx 0; echo $?)" "the quoted history is trimmed"
cat >"$M/back" <<EOF
From: Piotr Nowak <piotr@customer.test>
To: $(header Reply-To "$answer")
Subject: Re: $(header Subject "$answer")
Message-ID: <piotr-2@customer.test>
In-Reply-To: $(header Message-ID "$answer")

It works now, thank you.
EOF
seen=$(count alice@agents.test)
inject piotr@customer.test "$(header Reply-To "$answer")" "$M/back"
is "$(wait_for alice@agents.test $((seen + 1)))" $((seen + 1)) "the agent is told of the customer's answer"
is "$(sql "SELECT count(DISTINCT case_id) FROM messages WHERE from_addr = 'piotr@customer.test'")" 1 "in the same case"
is "$(count piotr@customer.test)" 2 "no new ack for an answer"

# --- 3. a note stays internal ---------------------------------------------------
naddr=$(grep -o 'support+n[0-9][^ >]*@helpdesk\.test' "$note" | head -n 1)
like "$naddr" "^support\+n[0-9]+\." "the notification names the note address"
printf 'From: alice@agents.test\nTo: %s\nSubject: note\nMessage-ID: <note-1@agents.test>\n\nCustomer is on the old firmware.\n' \
	"$naddr" >"$M/note"
inject alice@agents.test "$naddr" "$M/note"
deadline=$(($(date +%s) + 20))
until [ "$(sql "SELECT count(*) FROM messages WHERE kind = 'note'")" -ge 1 ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.05; done
is "$(sql "SELECT count(*) FROM messages WHERE kind = 'note'")" 1 "the note is stored"
sleep 1
is "$(count piotr@customer.test)" 2 "and never reaches the customer"

# --- 3b. a bottom-posted Thunderbird answer with a PDF reaches the customer whole ----
pdf=$T_DIR/invoice.pdf
printf '%s\n' '%PDF-1.4' '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj' \
	'2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj' 'trailer << /Root 1 0 R >>' '%%EOF' >"$pdf"
head -c 3000 /dev/urandom | base64 -w 0 >>"$pdf"	# binary-looking bytes too
{
	cat <<EOT
From: Alice Agent <alice@agents.test>
To: $areply
Subject: Re: $(header Subject "$note")
Date: Mon, 23 Nov 2026 11:00:00 +0100
Message-ID: <alice-pdf@agents.test>
In-Reply-To: $(header Message-ID "$note")
References: $(header Message-ID "$note")
User-Agent: Mozilla Thunderbird
MIME-Version: 1.0
Content-Language: en-US
Content-Type: multipart/mixed; boundary="------------e2epdf0"

This is a multi-part message in MIME format.
--------------e2epdf0
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

On 23/11/2026 10:00, Piotr Nowak via Helpdesk wrote:
EOT
	sed '1,/^$/d; s/^/> /' "$note"
	cat <<EOT

Here is the corrected invoice; the printer driver link is in it.

-- 
Alice Agent

--------------e2epdf0
Content-Type: application/pdf; name="faktura-2026-117.pdf"
Content-Disposition: attachment; filename="faktura-2026-117.pdf"
Content-Transfer-Encoding: base64

$(base64 "$pdf")
--------------e2epdf0--
EOT
} >"$M/pdf-answer"
seen=$(count piotr@customer.test)
inject alice@agents.test "$areply" "$M/pdf-answer"
is "$(wait_for piotr@customer.test $((seen + 1)))" $((seen + 1)) "the customer received the bottom-posted answer"
got=$(newest piotr@customer.test)
like "$(python3 "$TEST_SRCDIR/../contrib/demo/showmail.py" "$got")" "Here is the corrected invoice" "with the text written below the quote"
ok "$(grep -c 'support+[an][0-9]' "$got" | grep -qx 0; echo $?)" "and no agent or note address of ours"
is "$(python3 -c 'import email,email.policy,hashlib,sys
m=email.message_from_binary_file(open(sys.argv[1],"rb"),policy=email.policy.default)
print(" ".join(p.get_filename()+":"+hashlib.sha256(p.get_payload(decode=True)).hexdigest() for p in m.iter_attachments()))' "$got")" \
	"faktura-2026-117.pdf:$(sha256sum "$pdf" | cut -d' ' -f1)" "the PDF arrives with its name and identical bytes"

# --- 4. the database down: deferred, not bounced; then stored once ------------
sh "$TEST_SRCDIR/pg.sh" halt "$PG" >/dev/null
printf 'From: Ann <ann@customer.test>\nTo: support@helpdesk.test\nSubject: While the database sleeps\nMessage-ID: <ann-1@customer.test>\n\nHello?\n' >"$M/ann"
inject ann@customer.test support@helpdesk.test "$M/ann"
deadline=$(($(date +%s) + 20))
until sh "$TEST_SRCDIR/postfix.sh" queue "$PFX" | grep -q '"queue_name": *"deferred"' || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
q=$(sh "$TEST_SRCDIR/postfix.sh" queue "$PFX")
like "$q" '"queue_name": *"deferred"' "Postfix keeps the message deferred"
if [ "$MODE" = lmtp ]; then
	like "$q" '"delay_reason": .*said: 451 4\.3\.0 ' "with the server's temporary reply to the recipient"
else
	like "$q" '"delay_reason": .*4\.3\.0 database unavailable' "with postdesk's temporary reason"
fi
is "$(count ann@customer.test)" 0 "no bounce to the customer"
sh "$TEST_SRCDIR/pg.sh" resume "$PG" >/dev/null
t0=$(ms)
sh "$TEST_SRCDIR/postfix.sh" flush "$PFX"
is "$(wait_for ann@customer.test 1)" 1 "database back, queue flushed: the ack arrives"
diag "flush -> ack: $(($(ms) - t0)) ms"
sleep 1
is "$(count ann@customer.test):$(sql "SELECT count(*) FROM messages WHERE message_id = 'ann-1@customer.test'")" "1:1" \
	"once: one ack, one stored message"
is "$(sh "$TEST_SRCDIR/postfix.sh" queue "$PFX" | wc -l | tr -d ' ')" 0 "and Postfix's queue is empty"

# --- 5. robots answering our ack: the exchange stops -----------------------------
before=$(grep -c 'status=sent' "$PFX/maillog")
printf 'From: ooo@otherdesk.test\nTo: support@helpdesk.test\nSubject: Invoice\nMessage-ID: <ooo-1@otherdesk.test>\n\nPlease send the invoice.\n' >"$M/ooo"
inject ooo@otherdesk.test support@helpdesk.test "$M/ooo"
printf 'From: desk@otherdesk.test\nTo: support@helpdesk.test\nSubject: Order\nMessage-ID: <desk-1@otherdesk.test>\n\nWhere is the order?\n' >"$M/desk"
inject desk@otherdesk.test support@helpdesk.test "$M/desk"
# settle: wait until the log has stopped growing for 3s (at most 30s)
deadline=$(($(date +%s) + 30))
last=-1
while [ "$(date +%s)" -lt $deadline ]; do
	n=$(wc -l <"$PFX/maillog")
	[ "$n" = "$last" ] && break
	last=$n
	sleep 3
done
exchanged=$(($(grep -c 'status=sent' "$PFX/maillog") - before))
ok "$([ "$exchanged" -le 10 ]; echo $?)" "the exchange with the robots stopped after $exchanged deliveries"
is "$(sql "SELECT count(*) FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE cu.email LIKE '%@otherdesk.test'")" 2 \
	"one case each, no new case per robot answer"
is "$(sql "SELECT count(*) FROM messages m JOIN cases c ON c.id = m.case_id JOIN customers cu ON cu.id = c.customer_id
     WHERE cu.email LIKE '%@otherdesk.test' AND m.kind = 'auto' AND m.direction = 'out'")" 2 "one ack each, never an ack to a robot's answer"
like "$(sql "SELECT string_agg(DISTINCT classification, ',') FROM messages WHERE from_addr = 'ooo@otherdesk.test'")" "auto-reply" \
	"the out-of-office is classified as an automatic reply"
sleep 2
is "$(($(grep -c 'status=sent' "$PFX/maillog") - before))" "$exchanged" "and nothing more follows"

# --- 6. an overdue case escalates to the escalation Maildir, once --------------
c=$(sql "SELECT case_id FROM messages WHERE message_id = 'ann-1@customer.test'")
created=$(sql "SELECT floor(extract(epoch FROM created))::bigint FROM cases WHERE id = $c")
"$POSTDESK" sweep --now "$(date -u -d "@$((created + 3601))" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1
"$POSTDESK" sweep --now "$(date -u -d "@$((created + 3600 + 1801))" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1
wait_for boss@agents.test 1 >/dev/null
"$POSTDESK" sweep --now "$(date -u -d "@$((created + 86400))" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>&1
sleep 1
is "$(grep -l "^Subject: .*#$c\] Escalation, level 2" "$(box boss@agents.test)"/* 2>/dev/null | wc -l | tr -d ' ')" 1 \
	"the escalation address got case $c's escalation, once"
like "$(grep -h -A1 'needs attention' "$(box boss@agents.test)"/* | tr '\n' ' ')" "first response is overdue" "saying why"

# logline FILE PATTERN: wait (at most 10s) for a line; print the last one.
logline() {
	deadline=$(($(date +%s) + 10))
	until grep -q "$2" "$1" || [ "$(date +%s)" -ge $deadline ]; do sleep 0.05; done
	grep "$2" "$1" | tail -n 1
}

# --- 7 (lmtp). the server's deliveries: its log line, Postfix's 250, a 5.1.1 ------
if [ "$MODE" = lmtp ]; then
printf 'From: c6@customer.test\nTo: support@helpdesk.test\nSubject: Through LMTP\nMessage-ID: <srv-1@customer.test>\n\nHello.\n' >"$M/srv1"
inject c6@customer.test support@helpdesk.test "$M/srv1"
is "$(wait_for c6@customer.test 1)" 1 "a new case's ack arrives"
like "$(logline "$SLOG" 'from=<c6@customer.test>')" "^postdesk\[[0-9]+\]: [0-9A-F]+: to=<support@helpdesk.test>, .*action=new, .*status=stored" \
	"the worker's one line, with Postfix's queue id (from its Received: line)"
like "$(logline "$PFX/maillog" 'to=<support@helpdesk.test>.*relay=.*postdesk/lmtp.*status=sent')" \
	'dsn=2\.0\.0, status=sent \(250 2\.0\.0 ' "Postfix delivered it over the LMTP socket: 250 2.0.0"
printf 'From: c6@customer.test\nTo: nosuch@helpdesk.test\nSubject: Wrong address\nMessage-ID: <srv-nouser@customer.test>\n\nHello?\n' >"$M/nouser"
inject c6@customer.test nosuch@helpdesk.test "$M/nouser"
like "$(logline "$PFX/maillog" 'to=<nosuch@helpdesk.test>.*status=')" 'dsn=5\.1\.1, status=bounced \(.*550 5\.1\.1 ' \
	"no queue has the address: 550 5.1.1, Postfix bounces"
is "$(wait_for c6@customer.test 2)" 2 "and the sender gets the bounce"
fi

# --- 7. with "postdesk server": Postfix's deliveries go through its workers ------
if [ "$MODE" = pipe ]; then
printf 'server_socket = %s\nserver_workers = 2\n' "$SOCK" >>"$CONF"
server_start
like "$(cat "$SLOG")" "server: listening on $RUN/deliver.sock, 2 workers" "the server listens, as the pipe user"
printf 'From: c6@customer.test\nTo: support@helpdesk.test\nSubject: Through the server\nMessage-ID: <srv-1@customer.test>\n\nHello.\n' >"$M/srv1"
inject c6@customer.test support@helpdesk.test "$M/srv1"
is "$(wait_for c6@customer.test 1)" 1 "a new case's ack arrives"
like "$(logline "$SLOG" 'from=<c6@customer.test>')" "^postdesk\[[0-9]+\]: [0-9A-F]+: to=<support@helpdesk.test>, .*action=new, .*status=stored" \
	"delivered by a worker: the line with Postfix's queue id is in the server's log"
sh "$TEST_SRCDIR/pg.sh" halt "$PG" >/dev/null
tail -n +"$(($(wc -l <"$PFX/maillog") + 1))" -f "$PFX/maillog" >"$T_DIR/maillog.7" &
TAILPID=$!
printf 'From: c7@customer.test\nTo: support@helpdesk.test\nSubject: Server, database asleep\nMessage-ID: <srv-2@customer.test>\n\nHello?\n' >"$M/srv2"
inject c7@customer.test support@helpdesk.test "$M/srv2"
deadline=$(($(date +%s) + 20))
until sh "$TEST_SRCDIR/postfix.sh" queue "$PFX" | grep -q '"queue_name": *"deferred"' || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
# deliver's only output is then "4.3.0 database unavailable: ...", which
# pipe(8) reads as the status code and the reason
like "$(logline "$T_DIR/maillog.7" 'relay=postdesk.*dsn=4')" 'dsn=4\.3\.0, status=deferred \(database unavailable' \
	"database down under the server: deferred, status 4.3.0 and postdesk's reason"
kill "$TAILPID"
TAILPID=
sh "$TEST_SRCDIR/pg.sh" resume "$PG" >/dev/null
sh "$TEST_SRCDIR/postfix.sh" flush "$PFX"
is "$(wait_for c7@customer.test 1)" 1 "database back, queue flushed: the ack arrives"
sleep 1
is "$(count c7@customer.test):$(sql "SELECT count(*) FROM messages WHERE message_id = 'srv-2@customer.test'")" "1:1" \
	"once: one ack, one stored message"
like "$(logline "$SLOG" 'from=<c7@customer.test>.*status=stored')" "action=new, .*status=stored" "stored by a worker, which connected again"
server_stop
ok "$([ -z "$SPID" ] && [ ! -e "$RUN/deliver.sock" ]; echo $?)" "the server stopped and removed its socket"
printf 'From: c8@customer.test\nTo: support@helpdesk.test\nSubject: No server\nMessage-ID: <srv-3@customer.test>\n\nHello.\n' >"$M/srv3"
inject c8@customer.test support@helpdesk.test "$M/srv3"
is "$(wait_for c8@customer.test 1)" 1 "without the server, deliver delivers in-process: the ack arrives"
server_start
fi

# --- 8. the server restarted in the middle of a stream: each mail stored and acked once
# One SMTP session sends $STREAM mails, one every 0.1s, from s1..s50@customer.test;
# the server gets SIGTERM once 10 are stored and is started again at once.
# Through pipe(8), deliver meanwhile works in-process; through LMTP, Postfix
# defers what it cannot hand over and delivers it after the restart.
python3 - "$port" "$STREAM" >"$T_DIR/stream.log" 2>&1 <<'PYEOF' &
import smtplib, sys, time
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30)
for i in range(1, int(sys.argv[2]) + 1):
    s.sendmail(f"s{i}@customer.test", ["support@helpdesk.test"],
               f"From: s{i}@customer.test\r\nTo: support@helpdesk.test\r\nSubject: Stream {i}\r\n"
               f"Message-ID: <stream-{i}@customer.test>\r\n\r\nMessage {i} of the stream.\r\n")
    time.sleep(0.1)
s.quit()
print("sent")
PYEOF
STREAMPID=$!
stored() { sql "SELECT count(*) FROM messages WHERE message_id LIKE 'stream-%@customer.test'"; }
deadline=$(($(date +%s) + 30))
until [ "$(stored)" -ge 10 ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.05; done
server_stop
at=$(stored)
started=$(grep -c 'server: listening on ' "$SLOG")
ok "$([ "$RC" = 0 ] && [ "$at" -ge 10 ] && [ "$at" -lt $STREAM ]; echo $?)" \
	"SIGTERM in the middle of the stream: the server exited 0 with $at of $STREAM stored"
server_start
is "$(grep -c 'server: listening on ' "$SLOG")" $((started + 1)) "and it started again"
deadline=$(($(date +%s) + 30))
while kill -0 "$STREAMPID" 2>/dev/null && [ "$(date +%s)" -lt $deadline ]; do sleep 0.1; done
is "$(cat "$T_DIR/stream.log")" sent "Postfix took all $STREAM mails"
# what was deferred while the server was stopped is retried now
sh "$TEST_SRCDIR/postfix.sh" flush "$PFX"
deadline=$(($(date +%s) + 60))
acks() { n=0; i=1; while [ $i -le $STREAM ]; do n=$((n + $(count "s$i@customer.test"))); i=$((i + 1)); done; echo $n; }
until [ "$(acks)" -ge $STREAM ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.2; done
sleep 2
is "$(acks)" $STREAM "every mail of the stream acked"
is "$(sql "SELECT count(*) || ':' || count(DISTINCT message_id) FROM messages WHERE message_id LIKE 'stream-%@customer.test'")" \
	"$STREAM:$STREAM" "each stored once"
twice=0
i=1
while [ $i -le $STREAM ]; do [ "$(count "s$i@customer.test")" -le 1 ] || twice=$((twice + 1)); i=$((i + 1)); done
is "$twice" 0 "no customer acked twice"
server_stop
finish
