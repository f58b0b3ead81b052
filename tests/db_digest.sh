#!/bin/sh
# db_digest.sh: the queue by mail (issue 15, part "digest"): the daily
# digest at digest_hour local time of two queues' calendars (time travel
# with "sweep --now"), once per agent and local day also with three
# sweepers at once, its content and due times; mail to an agent's signed
# digest address answered with the digest, its command lines acting on the
# cases they name; a forged From, another agent, a customer, a case of
# another queue, a token of no agent all refused. Mail goes to smtp-sink.
. "$TEST_SRCDIR/lib.sh"
plan 56
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
KEY=$T_DIR/secret.key
sink_start

# two queues in two time zones without summer time, so that the hours below
# hold all year: Kuala Lumpur UTC+8, Kolkata UTC+5:30
"$POSTDESK" calendar add kl --tz Asia/Kuala_Lumpur --hours 'mon-fri 09:00-17:00' >/dev/null
"$POSTDESK" calendar add in --tz Asia/Kolkata --hours 'mon-fri 09:00-17:00' >/dev/null
"$POSTDESK" queue add my --address my@example.org --first-response 4h --calendar kl >/dev/null
"$POSTDESK" queue add india --address india@example.org --first-response 4h --calendar in >/dev/null
"$POSTDESK" agent add siti@example.org --name "Siti Aminah" --queue my >/dev/null
"$POSTDESK" agent add ravi@example.org --name "Ravi Kumar" --queue india >/dev/null
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue my >/dev/null
id() { sql "SELECT id FROM agents WHERE email = '$1'"; }
SITI=$(id siti@example.org)
RAVI=$(id ravi@example.org)
# digest ADDRESS-LOCAL AGENT-ID: an agent's digest address on a queue
digest_addr() { printf '%s+%s@example.org' "$1" "$("$TOKENTOOL" "$KEY" "$2" g)"; }
DSITI=$(digest_addr my "$SITI")
run "$POSTDESK" agent digest Siti@Example.org
is "$RC:$OUT" "0:$DSITI" "agent digest EMAIL: her digest address (token g over her agent id, on her first queue)"
run "$POSTDESK" agent digest nobody@example.org
like "$RC:$ERR" "^1:.*no active agent nobody@example.org" "agent digest of no agent: refused"
# case FROM QUEUE-ADDR SUBJECT: a new case by a customer, its id printed
newcase() {
	printf 'Hello,\nplease help.\n' | mail "$M/c$T_NUM.$3" "$1" "$3" "To: $2"
	deliver "$M/c$T_NUM.$3" "$2" "$(printf '%s' "$1" | sed 's/.*<\(.*\)>.*/\1/')"
	printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\),.*/\1/p'
}
c1=$(newcase '"Nur Aisyah" <nur@example.my>' my@example.org "Bayaran belum diterima")
c2=$(newcase 'lee@example.my' my@example.org "Akaun dikunci")
c3=$(newcase '"Łucja Żółć" <lucja@example.pl>' my@example.org "Zamówienie — zwrot")
c4=$(newcase 'priya@example.in' india@example.org "Refund pending")
c5=$(newcase 'jan@example.net' support@example.org "Invoice wrong")
"$POSTDESK" case assign "$c1" siti@example.org >/dev/null
"$POSTDESK" case assign "$c2" bob@example.org >/dev/null
"$POSTDESK" case status "$c3" pending >/dev/null
echo "digest_hour = 8" >>"$CONF"
D0=$(date -u -d '+9 days' +%Y-%m-%d)
D=$(date -u -d '+10 days' +%Y-%m-%d)
D1=$(date -u -d '+11 days' +%Y-%m-%d)
digests() { sql "SELECT count(*) FROM outbox WHERE kind = 'digest' AND recipients = '{$1}'"; }
# raw ID FILE: an outbox row's message into FILE; text FILE: its text part
raw() { sql "SELECT encode(raw, 'base64') FROM outbox WHERE id = $1" | base64 -d >"$2"; }
text() { "$MIMETOOL" part "$1" "$("$MIMETOOL" tree "$1" | awk '$2 == "text/plain" { print $1; exit }')" | tr -d '\r'; }
header() { sed -n "s/^$1: //Ip" "$2" | tr -d '\r' | head -n 1; }
# flat TEXT: the lines of TEXT joined by " / ", to match a line and the next
flat() { printf '%s\n' "$1" | sed 's/^ *//' | tr '\n' '/' | sed 's|/| / |g'; }

# --- the daily digest at 08:00 local time, in each queue's time zone --------------
sweep --now "${D0}T23:59:00Z"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'digest'")" 0 "07:59 in Kuala Lumpur: no digest yet"
sweep --now "${D}T00:00:00Z"
like "$RC:$(flat "$(cat "$T_DIR/out")")" "^0:.* / digests: 2 sent, 0 empty, 0 failed / " "08:00 in Kuala Lumpur: the digests of the queue's two agents"
is "$(digests siti@example.org):$(digests ravi@example.org):$(digests alice@example.org)" "1:0:0" \
	"Siti (Kuala Lumpur) gets hers; Ravi (Kolkata, 05:30) and Alice (UTC, 00:00) not yet"
sweep --now "${D}T02:29:00Z"
is "$(digests ravi@example.org)" 0 "07:59 in Kolkata: none for Ravi"
sweep --now "${D}T02:30:00Z"
is "$(digests ravi@example.org):$(digests siti@example.org)" "1:1" "08:00 in Kolkata: Ravi's; Siti's is not sent twice"
sweep --now "${D}T08:00:00Z"
is "$(digests alice@example.org):$(digests siti@example.org):$(digests ravi@example.org)" "1:1:1" \
	"08:00 UTC: Alice's (a queue without a calendar); nobody's twice"
sweep --now "${D}T08:59:00Z"
like "$(cat "$T_DIR/out")" "digests: 0 sent, 0 empty, 0 failed" "later in the hour: nothing more"
sweep --now "${D}T09:00:00Z"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'digest'")" 4 "after the hour: none (the digest of a day comes in its hour)"
is "$(sql "SELECT string_agg(a.email || '=' || d.cases, ' ' ORDER BY a.email) FROM digest_sent d JOIN agents a ON a.id = d.agent_id")" \
	"alice@example.org=1 bob@example.org=2 ravi@example.org=1 siti@example.org=2" "one claim per agent and local day, with what it listed"

# --- what Siti's digest says ------------------------------------------------------
raw "$(sql "SELECT id FROM outbox WHERE kind = 'digest' AND recipients = '{siti@example.org}'")" "$T_DIR/d1"
T=$(text "$T_DIR/d1")
like "$(header Subject "$T_DIR/d1")" "^\[Helpdesk\] Your cases on $D: 1 yours, 1 unassigned, 1 overdue$" \
	"subject: her local day, counts (the pending case is not overdue: its clock is paused)"
is "$(header Reply-To "$T_DIR/d1")" "$DSITI" "Reply-To: her signed digest address (token g over her agent id)"
is "$(header Auto-Submitted "$T_DIR/d1"):$(header X-Postdesk-Loop "$T_DIR/d1")" "auto-generated:my@example.org" \
	"automatic mail with our loop header"
like "$T" "Your open cases \(1\):" "her own open cases"
like "$T" "Case $c1: OVERDUE: Bayaran belum diterima" "her overdue case, marked"
due1=$(sql "SELECT extract(epoch FROM first_response_due)::bigint FROM cases WHERE id = $c1")
like "$T" "Nur Aisyah <nur@example.my>, new, priority [a-z]+, due $(TZ=Asia/Kuala_Lumpur date -d "@$due1" '+%Y-%m-%d %H:%M %Z' | sed 's/+/\\+/'), queue my" \
	"customer, status, priority, the due time in the queue's time zone (Kuala Lumpur, +08)"
like "$T" "Unassigned in your queues \(1\):" "the queue's unassigned cases"
like "$T" "Case $c3: Zamówienie — zwrot" "non-ASCII subject intact, pending case not marked overdue"
like "$T" "Łucja Żółć <lucja@example.pl>, pending" "non-ASCII customer name intact"
printf '%s\n' "$T" | grep -q "Case $c2:\|Case $c4:\|Case $c5:"
ok $((1 - $?)) "not Bob's case, nor cases of queues she is not in"
raw "$(sql "SELECT id FROM outbox WHERE kind = 'digest' AND recipients = '{ravi@example.org}'")" "$T_DIR/d2"
due4=$(sql "SELECT extract(epoch FROM first_response_due)::bigint FROM cases WHERE id = $c4")
like "$(text "$T_DIR/d2")" "due $(TZ=Asia/Kolkata date -d "@$due4" '+%Y-%m-%d %H:%M') IST" "Ravi's: due in Kolkata's time (IST)"
"$MIMETOOL" tree "$T_DIR/d1" | grep -q " text/html"
ok $? "an HTML alternative too"
deadline=$(($(date +%s) + 10))
until grep -lq "Your cases on $D" "$SINK"/* 2>/dev/null || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
is "$(grep -l "Subject: \[Helpdesk\] Your cases on $D" "$SINK"/* 2>/dev/null | wc -l | tr -d ' ')" 4 "smtp-sink received the four digests"

# --- the next local day: again, once, with three sweepers at once -------------------
for i in $(seq 1 12); do
	"$POSTDESK" agent add "kl$i@example.org" --name "KL $i" --queue my >/dev/null
done
pids=
for i in 1 2 3; do
	timeout --foreground 120 "$POSTDESK" sweep --now "${D1}T00:30:00Z" >"$T_DIR/par$i" 2>&1 &
	pids="$pids $!"
done
for p in $pids; do wait "$p"; done
is "$(cat "$T_DIR"/par? | sed -n 's/^digests: \([0-9]*\) sent.*/\1/p' | awk '{ s += $1 } END { print s }')" 14 \
	"three sweepers at once: 14 digests in all (Siti, Bob and twelve more), each once"
is "$(sql "SELECT count(*) FROM (SELECT recipients FROM outbox WHERE kind = 'digest' AND created > now() - interval '5 minutes' GROUP BY recipients HAVING count(*) > 2) x"):$(digests siti@example.org):$(digests kl7@example.org)" \
	"0:2:1" "nobody got two on one day"

# --- Siti answers her digest with commands -------------------------------------------
dmid=$(header Message-I[dD] "$T_DIR/d1" | tr -d '<>')
cat >"$M/cmd1" <<EOF
From: Siti Aminah <siti@example.org>
To: $DSITI
Subject: Re: [Helpdesk] Your cases on $D
Message-ID: <cmd1@example.org>
In-Reply-To: <$dmid>
Date: Mon, 23 Nov 2026 09:12:00 +0800
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:115.0) Gecko/20100101 Thunderbird/115.5.0

#assign $c3 me
#status $c1 pending
#priority $c3 high
#resolve $c2
#assign $c4 me
#status $c1 pending
#status $c1 later
#note $c1
Thanks!

On $D 08:30, Helpdesk wrote:
> Hello Siti Aminah,
>
> #assign $c2 me
> Case $c1: OVERDUE: Bayaran belum diterima
EOF
st2=$(sql "SELECT status FROM cases WHERE id = $c2")
deliver "$M/cmd1" "$DSITI" siti@example.org
like "$RC:$ERR" "^0:.*case=0, action=digest, .*via=answered, mail=digest, sent=1/1" "delivered: no case, answered, sent at once"
is "$(sql "SELECT a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = $c3"):$(sql "SELECT status FROM cases WHERE id = $c1"):$(sql "SELECT priority FROM cases WHERE id = $c3")" \
	"siti@example.org:pending:high" "#assign N me, #status N pending, #priority N high acted"
is "$(sql "SELECT status FROM cases WHERE id = $c2"):$(sql "SELECT a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = $c2")" \
	"resolved:bob@example.org" "#resolve of a case of her queue assigned to Bob acted (the quoted #assign did not)"
is "$(sql "SELECT assignee_id IS NULL FROM cases WHERE id = $c4")" "t" "#assign of a case of another queue refused"
is "$(sql "SELECT string_agg(type || ':' || detail, ' ' ORDER BY id) FROM events WHERE actor = 'siti@example.org'")" \
	"assigned:siti@example.org status:new -> pending priority:high status:$st2 -> resolved" "one event per change, by Siti"
A=$(sql "SELECT id FROM outbox WHERE kind = 'digest-answer'")
raw "$A" "$T_DIR/a1"
T=$(flat "$(text "$T_DIR/a1")")
like "$T" "#assign $c3 me / done: assigned to siti@example.org / " "the answer confirms each line: assigned"
like "$T" "#status $c1 pending / done: status new -> pending / " "... the status"
like "$T" "#priority $c3 high / done: priority high / #resolve $c2 / done: status [a-z]+ -> resolved / " "... priority, resolve"
like "$T" "#assign $c4 me / not done: there is no case #$c4 in your queues / " "... the refusal"
like "$T" "#status $c1 pending / nothing to do: already pending / " "the same line twice: done once, then told it is so"
like "$T" "#status $c1 later / not done: expected #status open\|pending\|resolved\|closed / " "a bad status named"
like "$T" "#note $c1 / not done: unknown command" "a command that is no digest command"
like "$T" "Your open cases \(2\): / Case $c1: Bayaran.* / Case $c3: " "and the new digest after the commands: case $c3 is hers now"
is "$(header In-Reply-To "$T_DIR/a1"):$(header Reply-To "$T_DIR/a1"):$(sql "SELECT envelope_from FROM outbox WHERE id = $A")" \
	"<cmd1@example.org>:$DSITI:" "threaded to her mail, Reply-To her digest address, null sender"
before=$(sql "SELECT count(*) FROM outbox"):$(sql "SELECT count(*) FROM events")
deliver "$M/cmd1" "$DSITI" siti@example.org
like "$RC:$ERR" "^0:.*action=duplicate" "the same mail delivered again: a duplicate"
is "$(sql "SELECT count(*) FROM outbox"):$(sql "SELECT count(*) FROM events")" "$before" "nothing sent, nothing changed twice"

# --- a mail with no commands: the digest now; #assign to another agent ---------------
printf '\n' | mail "$M/ask" "Siti Aminah <siti@example.org>" "digest" "To: $DSITI"
deliver "$M/ask" "$DSITI" siti@example.org
like "$RC:$ERR" "^0:.*action=digest, .*mail=digest" "an empty mail asking for the digest: answered"
printf '#assign %s bob@example.org\n#assign %s nobody@example.org\n' "$c3" "$c1" | \
	mail "$M/give" "Siti Aminah <siti@example.org>" "hand over" "To: $DSITI"
deliver "$M/give" "$DSITI" siti@example.org
is "$(sql "SELECT a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = $c3"):$(sql "SELECT count(*) FROM outbox WHERE kind = 'assigned' AND case_id = $c3 AND recipients = '{bob@example.org}'")" \
	"bob@example.org:1" "#assign N ADDRESS: handed to Bob, who is told (template assigned)"
raw "$(sql "SELECT max(id) FROM outbox WHERE kind = 'digest-answer'")" "$T_DIR/a2"
like "$(text "$T_DIR/a2")" "not done: no such active agent" "an #assign to no agent: refused, said"

# --- nobody else may use Siti's address ---------------------------------------------
before=$(sql "SELECT count(*) FROM outbox"):$(sql "SELECT count(*) FROM events"):$(sql "SELECT count(*) FROM cases")
printf '#resolve %s\n' "$c1" | mail "$M/bob" "Bob Builder <bob@example.org>" "x" "To: $DSITI"
deliver "$M/bob" "$DSITI" bob@example.org
like "$RC:$ERR" "^0:.*action=digest, .*via=ignored: From is not the address's active agent, mail=none" "agent B with agent A's address: ignored"
printf '#resolve %s\n' "$c1" | mail "$M/cust" "Nur Aisyah <nur@example.my>" "x" "To: $DSITI"
deliver "$M/cust" "$DSITI" nur@example.my
like "$RC:$ERR" "^0:.*action=digest, .*mail=none" "a customer with an agent's address: ignored"
printf '#resolve %s\n' "$c1" | mail "$M/ghost" "Siti Aminah <siti@example.org>" "x" "To: $(digest_addr my 999)"
deliver "$M/ghost" "$(digest_addr my 999)" siti@example.org
like "$RC:$ERR" "^0:.*action=digest, .*mail=none" "a valid token of no agent: ignored, exit 0"
echo "authserv_id = mx.example.org" >>"$CONF"
printf '#resolve %s\n' "$c1" | mail "$M/forged" "Siti Aminah <siti@example.org>" "x" "To: $DSITI"
deliver "$M/forged" "$DSITI" siti@example.org
like "$RC:$ERR" "^0:.*action=digest, .*via=ignored: not verified by the MTA, mail=none" "with authserv_id, a From the MTA did not verify (forged): ignored"
printf '#resolve %s\n' "$c1" | mail "$M/auto" "Siti Aminah <siti@example.org>" "Out of office" "To: $DSITI" \
	"Auto-Submitted: auto-replied" "Authentication-Results: mx.example.org; dkim=pass header.d=example.org"
deliver "$M/auto" "$DSITI" siti@example.org
like "$RC:$ERR" "^0:.*action=digest, .*via=ignored: automatic mail" "her out-of-office answer to the digest: ignored (no loop)"
is "$(sql "SELECT count(*) FROM outbox"):$(sql "SELECT count(*) FROM events"):$(sql "SELECT count(*) FROM cases"):$(sql "SELECT status FROM cases WHERE id = $c1")" \
	"$before:pending" "none of these mailed anything, changed a case or opened one"
is "$(sql "SELECT count(*) FROM digest_requests WHERE NOT trusted")" 5 "each recorded as not trusted"
printf '#resolve %s\n' "$c1" | mail "$M/real" "Siti Aminah <siti@example.org>" "x" "To: $DSITI" \
	"Authentication-Results: mx.example.org; dkim=pass (2048-bit key) header.d=example.org header.s=mail"
deliver "$M/real" "$DSITI" siti@example.org
like "$RC:$ERR" "^0:.*via=answered, mail=digest" "verified by our MTA: answered"
is "$(sql "SELECT status FROM cases WHERE id = $c1")" "resolved" "and its command run"
sql "UPDATE agents SET active = false WHERE email = 'siti@example.org'" >/dev/null
printf '#status %s open\n' "$c1" | mail "$M/gone" "Siti Aminah <siti@example.org>" "x" "To: $DSITI" \
	"Authentication-Results: mx.example.org; dkim=pass header.d=example.org"
deliver "$M/gone" "$DSITI" siti@example.org
like "$RC:$ERR" "^0:.*mail=none" "a disabled agent's mail to her address: ignored"
sweep --now "$(date -u -d '+12 days' +%Y-%m-%d)T00:30:00Z"
is "$(digests siti@example.org):$(digests bob@example.org)" "2:3" "a disabled agent gets no daily digest; the others do"

finish
