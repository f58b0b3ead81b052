#!/bin/sh
# db_sweep.sh: the sweeper on cases, with "--now" for time travel and
# smtp-sink as the receiver: a first-response breach escalates once, the
# second step comes at its time and no third; an answer stops the clock and
# a follow-up starts the next-response clock; pending time does not count
# toward resolution; reminder then auto-close; the survey once, a rating
# stored from a signed address, closing after resolution; retention purges
# the mail and keeps the figures; business-calendar due times; four
# sweepers on 500 overdue cases send exactly 500 escalations.
. "$TEST_SRCDIR/lib.sh"
plan 70
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
trap 'exit 1' INT TERM
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"
KEY=$T_DIR/secret.key

"$POSTDESK" queue add desk --address desk@example.org --first-response 1h --next-response 2h \
	--resolution 2d --escalate-to boss@example.org --escalate-after 30m --remind-after 3d \
	--autoclose-after 4d --close-after 7d --retention 30d >/dev/null
"$POSTDESK" agent add bob@example.org --name "Bob Agent" --queue desk >/dev/null

# iso EPOCH: ISO 8601 UTC for --now.
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
# at CASE COLUMN: a case's time stamp as Unix seconds.
at() { sql "SELECT floor(extract(epoch FROM $2))::bigint FROM cases WHERE id = $1"; }
# case_of: the case number deliver logged.
case_of() { printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p'; }
# mails TO SUBJECT-PATTERN: how many captured messages to TO match.
mails() {
	sleep 0.3
	n=0
	for m in "$T_DIR/sink/mail/"*; do
		[ -f "$m" ] || continue
		grep -qi "^To: .*$1" "$m" && grep -q "^Subject: .*$2" "$m" && n=$((n + 1))
	done
	echo $n
}
# events CASE TYPE: the case's events of TYPE, details joined by " | ".
events() { sql "SELECT coalesce(string_agg(detail, ' | ' ORDER BY id), '') FROM events WHERE case_id = $1 AND type = '$2'"; }
# customer BODY FILE FROM SUBJECT [HEADERS]: a customer's mail to desk@.
customer() {
	body=$1 f=$2 from=$3
	shift 3
	printf '%s\n' "$body" | mail "$f" "$from" "$@"
	deliver "$f" desk@example.org "$from"
}
# agent_reply CASE FILE TEXT: Bob answers the case through his token address.
agent_reply() {
	printf '%s\n' "$3" | mail "$2" "Bob Agent <bob@example.org>" "Re: case $1"
	deliver "$2" "desk+$($TOKENTOOL "$KEY" "$1" a)@example.org" bob@example.org
}

# --- first response: step 1 once, step 2 at its time, nothing more ----------
customer 'My printer is on fire.' "$M/c1" ann@example.net "Printer"
c1=$(case_of)
t0=$(at "$c1" created)
is "$(($(at "$c1" first_response_due) - t0))" 3600 "first response due 1h after creation (wall time: no calendar)"
is "$(($(at "$c1" resolution_due) - t0))" 172800 "resolution due 2d after creation"
sweep --now "$(iso $((t0 + 1800)))"
is "$RC:$CASES" "0:cases: 0 escalated, 0 reminded, 0 closed, 0 surveyed, 0 purged, 0 failed" "before the due time: nothing"
sweep --now "$(iso $((t0 + 3601)))"
is "$CASES" "cases: 1 escalated, 0 reminded, 0 closed, 0 surveyed, 0 purged, 0 failed" "just past it: one escalation"
is "$(sql "SELECT escalation_level FROM cases WHERE id = $c1")" 1 "level 1"
like "$(events "$c1" escalated)" "^level 1: first response overdue by 1s \(due [0-9-]+ [0-9:]+ UTC\); mailed bob@example.org$" \
	"the event says which level, how late, and who was told"
is "$(mails bob@example.org "Escalation, level 1")" 1 "the queue's agent got the escalation mail"
like "$(grep -h -A3 'needs attention' "$T_DIR/sink/mail/"* | tr '\n' ' ')" "the first response is overdue by 1s \\(it was due [0-9-]+ [0-9:]+ UTC\\)" "the mail says why"
sweep --now "$(iso $((t0 + 3700)))"
is "$CASES" "cases: 0 escalated, 0 reminded, 0 closed, 0 surveyed, 0 purged, 0 failed" "a second pass does nothing"
sweep --now "$(iso $((t0 + 3600 + 1799)))"
is "$(sql "SELECT escalation_level FROM cases WHERE id = $c1")" 1 "step 2 not before escalate-after (30m)"
sweep --now "$(iso $((t0 + 3600 + 1800)))"
is "$CASES" "cases: 1 escalated, 0 reminded, 0 closed, 0 surveyed, 0 purged, 0 failed" "step 2 at its time"
is "$(sql "SELECT escalation_level || ' ' || priority FROM cases WHERE id = $c1")" "2 high" "level 2, priority raised"
like "$(events "$c1" escalated)" "\| level 2: first response overdue by 30m \(due .*; mailed boss@example.org; priority normal -> high$" \
	"the second step's event"
is "$(mails boss@example.org "Escalation, level 2")" 1 "the escalation address got it"
sweep --now "$(iso $((t0 + 3 * 86400)))"
is "$(sql "SELECT count(*) FROM events WHERE case_id = $c1 AND type = 'escalated'")" 2 "no third step, even after resolution is due"
is "$(($(mails bob@example.org Escalation) + $(mails boss@example.org Escalation)))" 2 "two escalation mails in all"

# --- an answer stops the first-response clock; a follow-up starts the next ---
customer 'Where is my parcel?' "$M/c2" eve@example.net "Parcel"
c2=$(case_of)
t0=$(at "$c2" created)
agent_reply "$c2" "$M/r2" "It left the warehouse today."
is "$RC:$(sql "SELECT status FROM cases WHERE id = $c2")" "0:pending" "the answer is relayed; the case waits for the customer"
sweep --now "$(iso $((t0 + 7200)))"
is "$(events "$c2" escalated)" "" "answered in time: no escalation at the first-response due time"
customer 'It has not arrived.' "$M/c2b" eve@example.net "Re: Parcel" "In-Reply-To: <$(msgid "$M/r2")>"
is "$(case_of):$(sql "SELECT status FROM cases WHERE id = $c2")" "$c2:open" "the follow-up reopens the same case"
t1=$(sql "SELECT floor(extract(epoch FROM max(created)))::bigint FROM messages WHERE case_id = $c2 AND kind = 'customer'")
is "$(($(at "$c2" next_response_due) - t1))" 7200 "the follow-up starts the next-response clock (2h)"
sweep --now "$(iso $((t1 + 7100)))"
is "$(events "$c2" escalated)" "" "not before it"
sweep --now "$(iso $((t1 + 7205)))"
like "$(events "$c2" escalated)" "^level 1: next response overdue by [0-9]+s " "then: next response overdue"
agent_reply "$c2" "$M/r2b" "Sorry: it was lost. A new one is on its way."
is "$(sql "SELECT escalation_level || ' ' || (next_response_due IS NULL) FROM cases WHERE id = $c2")" "0 true" \
	"an answer ends the round and stops the next-response clock"

# --- pending time does not count toward resolution --------------------------
customer 'Refund please.' "$M/c3" joe@example.net "Refund"
c3=$(case_of)
agent_reply "$c3" "$M/r3" "Which order?"
res0=$(($(at "$c3" resolution_due) - $(at "$c3" created)))
is "$res0" 172800 "resolution due 2d after creation while pending"
sql "UPDATE cases SET paused_at = paused_at - interval '1 day', pending_since = pending_since - interval '1 day' WHERE id = $c3" >/dev/null
customer 'Order 42.' "$M/c3b" joe@example.net "Re: Refund" "In-Reply-To: <$(msgid "$M/r3")>"
res1=$(($(at "$c3" resolution_due) - $(at "$c3" created)))
like "$((res1 - 172800 - 86400))" "^[0-9]$" "a day pending on the customer moves resolution a day later"
is "$(sql "SELECT paused_at IS NULL FROM cases WHERE id = $c3")" t "the pause ended with the customer's answer"

# --- reminder, then auto-close -------------------------------------------------
customer 'Password reset.' "$M/c4" kim@example.net "Password"
c4=$(case_of)
agent_reply "$c4" "$M/r4" "Did the link work?"
p0=$(at "$c4" pending_since)
sweep --now "$(iso $((p0 + 3 * 86400 - 60)))"
is "$(events "$c4" reminded)" "" "no reminder before remind-after (3d)"
sweep --now "$(iso $((p0 + 3 * 86400 + 1)))"
is "$(events "$c4" reminded)" "waiting for the customer (3 days); customer mailed" "the reminder at 3d"
is "$(mails kim@example.net "Waiting for your reply")" 1 "the customer got it"
f=$(grep -l "^To: kim@example.net" "$T_DIR/sink/mail/"* | xargs grep -l "^Subject: .*Waiting for your reply" | head -n 1)
like "$(grep -c -e '^Auto-Submitted: auto-generated' -e '^X-Mail-Args: <>' "$f")" "^2$" "automatic mail: Auto-Submitted, null sender"
like "$(grep '^In-Reply-To:' "$f")" "<pd\.m$c4\." "threaded to the conversation (our last answer)"
sweep --now "$(iso $((p0 + 3 * 86400 + 60)))"
is "$(mails kim@example.net "Waiting for your reply")" 1 "reminded once"
sweep --now "$(iso $((p0 + 7 * 86400 - 60)))"
is "$(sql "SELECT status FROM cases WHERE id = $c4")" pending "not closed before autoclose-after (4d after the reminder)"
sweep --now "$(iso $((p0 + 7 * 86400 + 2)))"
is "$(sql "SELECT status FROM cases WHERE id = $c4"):$(events "$c4" auto-closed)" \
	"closed:no answer from the customer (7 days); customer mailed" "then auto-closed, with an event"
is "$(mails kim@example.net "Case closed")" 1 "and a notice to the customer"

# --- survey once, a rating by mail, closing after resolution -----------------
customer 'Invoice address wrong.' "$M/c5" liv@example.net "Invoice"
c5=$(case_of)
agent_reply "$c5" "$M/r5" "#resolve
Fixed: the new invoice is attached."
is "$(sql "SELECT status FROM cases WHERE id = $c5")" resolved "#resolve resolves"
r0=$(at "$c5" resolved_at)
sweep --now "$(iso $((r0 + 1)))"
is "$(events "$c5" survey)" "satisfaction survey (0 days); customer mailed" "the survey right after resolution"
sweep --now "$(iso $((r0 + 60)))"
is "$(mails liv@example.net "How did we do")" 1 "sent once"
f=$(grep -l "^Subject: .*How did we do" "$T_DIR/sink/mail/"* | head -n 1)
is "$(grep -c '^  [1-5]: desk+r[a-e]'"$c5"'\.' "$f")" 5 "five signed rating addresses"
best=$(sed -n 's/^  5: \(desk+re[^ ]*\)$/\1/p' "$f" | tr -d '\r')
like "$best" "^desk\+re$c5\.[0-9]+\.[0-9a-f]{20}@example\.org$" "5 is the best, on a rating token"
printf 'Out of office.\n' | mail "$M/ooo5" liv@example.net "Auto: How did we do" "Auto-Submitted: auto-replied"
deliver "$M/ooo5" "$best" liv@example.net
is "$RC:$(sql "SELECT rating IS NULL FROM cases WHERE id = $c5")" "0:t" "an automatic answer rates nothing"
printf 'Quick and friendly, thank you!\n\n> How did we do?\n' | mail "$M/rate5" liv@example.net "Re: How did we do?"
deliver "$M/rate5" "$best" liv@example.net
is "$RC:$(case_of)" "0:$c5" "the rating mail goes to its case"
is "$(sql "SELECT rating || '|' || rating_comment || '|' || status FROM cases WHERE id = $c5")" \
	"5|Quick and friendly, thank you!|resolved" "rating and comment stored; the case stays resolved"
is "$(events "$c5" rated)" "5 of 5, with a comment" "recorded as an event"
run "$POSTDESK" case show "$c5" --json
like "$OUT" '"rating":5,"rating_comment":"Quick and friendly, thank you!"' "case show --json has the rating"
run "$POSTDESK" case show "$c5"
like "$OUT" "Rating: 5 of 5: Quick and friendly" "and so has case show"
is "$(mails bob@example.org "Quick and friendly")" 0 "a rating is not a follow-up: no notification"
forged=$(printf '%s' "$best" | sed 's/+re/+ra/')
printf 'Bad.\n' | mail "$M/forged5" liv@example.net "Re: How did we do?"
deliver "$M/forged5" "$forged" liv@example.net
is "$(sql "SELECT rating FROM cases WHERE id = $c5")" 5 "an altered rating address rates nothing"
sweep --now "$(iso $((r0 + 7 * 86400 - 60)))"
is "$(sql "SELECT status FROM cases WHERE id = $c5")" resolved "not closed before close-after (7d)"
sweep --now "$(iso $((r0 + 7 * 86400 + 1)))"
is "$(sql "SELECT status FROM cases WHERE id = $c5"):$(events "$c5" closed)" \
	"closed:resolved without a reply from the customer" "closed 7d after resolution"

# --- retention: the mail goes, the figures stay ------------------------------
cl=$(at "$c5" closed_at)
sweep --now "$(iso $((cl + 30 * 86400 - 60)))"
ok "$([ "$(sql "SELECT count(*) FROM messages WHERE case_id = $c5 AND raw IS NOT NULL")" -gt 0 ]; echo $?)" "the mail is still there before retention"
sweep --now "$(iso $((cl + 30 * 86400)))"
is "$(sql "SELECT count(*) FROM messages WHERE case_id = $c5 AND (raw IS NOT NULL OR body_text IS NOT NULL OR from_addr IS NOT NULL)")" 0 \
	"after retention no message keeps its text or addresses"
is "$(sql "SELECT subject || '|' || (customer_id IS NULL) || '|' || rating || '|' || (first_response_at IS NOT NULL) || '|' || (purged_at IS NOT NULL) FROM cases WHERE id = $c5")" \
	"|true|5|true|true" "the case keeps its figures, not who or what"
is "$(sql "SELECT count(*) FROM outbox WHERE case_id = $c5")" 0 "its outgoing mail is gone from the outbox"
run "$POSTDESK" case show "$c5"
is "$RC" 0 "a purged case can still be shown"

# --- a business calendar: due times in business hours --------------------------
today=$(sql "SELECT (now() AT TIME ZONE 'Europe/Warsaw')::date")
"$POSTDESK" calendar add always --tz Europe/Warsaw --hours 'mon-sun 00:00-24:00' --holiday "$today" >/dev/null
"$POSTDESK" queue add cal --address cal@example.org --first-response 1h --calendar always >/dev/null
"$POSTDESK" agent add cat@example.org --name Cat --queue cal >/dev/null
printf 'On a holiday.\n' | mail "$M/c7" ola@example.net "Holiday"
deliver "$M/c7" cal@example.org ola@example.net
c7=$(case_of)
is "$(sql "SELECT first_response_due = ((date_trunc('day', created AT TIME ZONE 'Europe/Warsaw') + interval '1 day 1 hour') AT TIME ZONE 'Europe/Warsaw') FROM cases WHERE id = $c7")" t \
	"received on a holiday: first response due 1h into the next business day"
d7=$(at "$c7" first_response_due)
# agents get mail in the helpdesk's language: here Polish
sed 's/^default_language = .*//' "$POSTDESK_CONF" >"$T_DIR/pl.conf"
echo "default_language = pl" >>"$T_DIR/pl.conf"
POSTDESK_CONF=$T_DIR/pl.conf sweep --now "$(iso $((d7 + 600)))"
like "$(events "$c7" escalated)" "^level 1: first response overdue by 10m of business hours " "lateness in business hours"
# the escalation is worded by the Polish template (the event stays English)
esc=$(grep -l "^Subject: .*Eskalacja, poziom 1" "$T_DIR/sink/mail/"* | head -n 1)
like "$(python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
p = next(x for x in m.walk() if x.get_content_type() == "text/plain")
print(p.get_payload(decode=True).decode(p.get_content_charset()))' "$esc" | tr '\n' ' ')" \
	"wymaga uwagi: minął termin pierwszej odpowiedzi \([0-9-]+ [0-9:]+ UTC\); spóźnienie: 10m w godzinach pracy\." \
	"a Polish helpdesk's escalation says in Polish what is overdue"

# a calendar with no business hours left (every Monday a holiday): intake goes on
"$POSTDESK" calendar add never --tz UTC --hours 'mon 09:00-10:00' >/dev/null
sql "INSERT INTO calendar_holidays (calendar_id, day) SELECT c.id, d::date FROM calendars c,
     generate_series(date_trunc('week', now()), now() + interval '11 years', interval '1 week') d WHERE c.name = 'never'" >/dev/null
"$POSTDESK" queue add never --address never@example.org --first-response 1h --calendar never >/dev/null
printf 'Anyone?\n' | mail "$M/c8" ola@example.net "Never"
deliver "$M/c8" never@example.org ola@example.net
is "$RC:$(sql "SELECT count(*) FROM cases WHERE first_response_due IS NULL AND id = $(case_of)")" "0:1" \
	"a calendar without business hours: the mail is stored, the case has no due time"
like "$ERR" "no business hours left" "and a warning says why"

# --- a case that cannot be acted on does not hold up the others -------------
# Fault injection (no real fault fails one case on demand): a trigger refuses
# to escalate the case called "poison".
sql "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS \$\$ BEGIN
       IF NEW.subject = 'poison' AND NEW.escalation_level > 0 THEN RAISE EXCEPTION 'poisoned case'; END IF;
       RETURN NEW; END \$\$;
     CREATE TRIGGER poison BEFORE UPDATE ON cases FOR EACH ROW EXECUTE FUNCTION poison()" >/dev/null
sql "INSERT INTO cases (queue_id, subject, first_response_due)
     SELECT id, s, now() - interval '1 minute' FROM queues, (VALUES ('poison'), ('healthy')) v(s) WHERE name = 'desk'" >/dev/null
sweep
is "$RC:$CASES" "0:cases: 1 escalated, 0 reminded, 0 closed, 0 surveyed, 0 purged, 1 failed" \
	"one case fails for good: the other is still escalated"
like "$ERR" "sweep: case [0-9]+ skipped: .*poisoned case" "the failure is logged with its case"
is "$(sql "SELECT string_agg(subject || '=' || escalation_level || '/' || (wake_at IS NOT NULL), ' ' ORDER BY subject)
     FROM cases WHERE subject IN ('poison', 'healthy')")" "healthy=1/true poison=0/true" \
	"the failed case was rolled back alone and stays due"
sql "DROP TRIGGER poison ON cases; DROP FUNCTION poison()" >/dev/null
sweep
is "$CASES" "cases: 1 escalated, 0 reminded, 0 closed, 0 surveyed, 0 purged, 0 failed" "once repaired, it is escalated"

# --- four sweepers, 500 overdue cases: exactly 500 escalations ----------------
"$POSTDESK" queue add bulk --address bulk@example.org --first-response 1h --escalate-after 1d >/dev/null
"$POSTDESK" agent add dan@example.org --name Dan --queue bulk >/dev/null
sql "INSERT INTO cases (queue_id, subject, first_response_due)
     SELECT q.id, 'bulk ' || n, now() - interval '1 hour' FROM queues q, generate_series(1, 500) n
     WHERE q.name = 'bulk'" >/dev/null
before=$(sql "SELECT count(*) FROM outbox WHERE kind = 'escalation'")
for i in 1 2 3 4; do
	timeout --foreground 120 "$POSTDESK" sweep >"$T_DIR/par$i" 2>&1 &
	eval "p$i=\$!"
done
rcs=
for i in 1 2 3 4; do
	eval "wait \$p$i"
	rcs="$rcs$?"
done
is "$rcs" 0000 "four sweepers at once all ended well"
is "$(cat "$T_DIR"/par? | sed -n 's/^cases: \([0-9]*\) escalated.*/\1/p' | awk '{ s += $1 } END { print s }')" 500 \
	"together they escalated 500 cases"
is "$(($(sql "SELECT count(*) FROM outbox WHERE kind = 'escalation'") - before))" 500 "500 escalation mails queued"
is "$(sql "SELECT count(*) FROM events e JOIN cases c ON c.id = e.case_id JOIN queues q ON q.id = c.queue_id
     WHERE q.name = 'bulk' AND e.type = 'escalated'")" 500 "one event each"
sweep
got=$(grep -l '^To: dan@example.org' "$T_DIR/sink/mail/"* | xargs grep -h '^Subject:' | sed -n 's/.*#\([0-9]*\)\].*/\1/p')
is "$(printf '%s\n' "$got" | wc -l | tr -d ' '):$(printf '%s\n' "$got" | sort -u | wc -l | tr -d ' ')" "500:500" \
	"the receiver got 500, one for each case"
sweep
is "$CASES" "cases: 0 escalated, 0 reminded, 0 closed, 0 surveyed, 0 purged, 0 failed" "and another pass finds nothing to do"
finish
