#!/bin/sh
# db_report.sh: "postdesk report" against figures worked out by hand, on a
# history made with deliver and "sweep --now": cases' creation moved back
# by whole hours (wall) and whole weeks (business: a week of the calendar
# mon-fri 09:00-17:00 UTC is 40 h whatever the day), answers, a breach, a
# reopen, a survey and a rating by mail; --json keys exactly.
. "$TEST_SRCDIR/lib.sh"
plan 25
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
trap 'exit 1' INT TERM
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"
KEY=$T_DIR/secret.key

"$POSTDESK" calendar add office --tz UTC --hours 'mon-fri 09:00-17:00' >/dev/null
"$POSTDESK" queue add desk --address desk@example.org --first-response 1h >/dev/null
"$POSTDESK" queue add biz --address biz@example.org --calendar office >/dev/null
"$POSTDESK" agent add bob@example.org --name "Bob Agent" --queue desk --queue biz >/dev/null

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
case_of() { printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p'; }
# customer QUEUE FILE FROM SUBJECT: a customer's mail to QUEUE@.
customer() {
	printf 'Hello, %s.\n' "$4" | mail "$2" "$3" "$4"
	deliver "$2" "$1@example.org" "$3"
}
# back CASE INTERVAL: the case was created INTERVAL earlier.
back() { sql "UPDATE cases SET created = created - interval '$2' WHERE id = $1" >/dev/null; }
# reply QUEUE CASE FILE TEXT: Bob answers through his token address.
reply() {
	printf '%s\n' "$4" | mail "$3" "Bob Agent <bob@example.org>" "Re: case $2"
	deliver "$3" "$1+$($TOKENTOOL "$KEY" "$2" a)@example.org" bob@example.org
}
# fig JSON-PATH: one figure of the last --json report (a python3 path); seconds (keys ending
# in _s) rounded to minutes: the test's own steps take a few seconds.
fig() { printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); v=eval('d'+sys.argv[1]); print(round(v/60) if sys.argv[1].endswith(\"_s']\") and v is not None else v)" "$1"; }

# --- desk (wall time): three cases, created 1 h, 2 h and 4 h before their answers
customer desk "$M/d1" ann@example.net "Printer"; d1=$(case_of)
customer desk "$M/d2" ben@example.net "Scanner"; d2=$(case_of)
customer desk "$M/d3" cat@example.net "Fax"; d3=$(case_of)
back "$d1" '1 hour'; back "$d2" '2 hours'; back "$d3" '4 hours'
reply desk "$d1" "$M/r1" "#resolve
Printer fixed."
reply desk "$d2" "$M/r2" "Try the other cable."
# d3 breaches its first response (1 h, due from its real arrival): the sweeper escalates it alone
sweep --now "$(iso $(($(date +%s) + 7200)))"
is "$(sql "SELECT count(*) FROM events WHERE type = 'escalated'")" 1 "one escalation: d3"
reply desk "$d3" "$M/r3" "#resolve
Fax is gone."
# d1 comes back: reopened, answered and resolved again
printf 'Still broken.\n' | mail "$M/d1b" ann@example.net "Re: Printer" "In-Reply-To: <$(msgid "$M/d1")>"
deliver "$M/d1b" "desk+$($TOKENTOOL "$KEY" "$d1" c)@example.org" ann@example.net
is "$(sql "SELECT status FROM cases WHERE id = $d1")" open "a customer's reply reopens"
reply desk "$d1" "$M/r1b" "#resolve
Now it works."
# the survey for the resolved cases, and d3's customer rates 2 with a comment
sweep --now "$(iso $(($(date +%s) + 60)))"
f=$(grep -l "^To: .*cat@example.net" "$T_DIR/sink/mail/"* | xargs grep -l "^Subject: .*How did we do" | head -n 1)
rate=$(sed -n 's/^  2: \(desk+r[^ ]*\)$/\1/p' "$f" | tr -d '\r')
printf 'Slow answer.\n' | mail "$M/rate3" cat@example.net "Re: How did we do?"
deliver "$M/rate3" "$rate" cat@example.net
is "$(sql "SELECT rating FROM cases WHERE id = $d3")" 2 "rated 2 by mail"

# --- biz (calendar): two cases, created one and two weeks before their answer
customer biz "$M/b1" dan@example.net "Invoice"; b1=$(case_of)
customer biz "$M/b2" eve@example.net "Refund"; b2=$(case_of)
back "$b1" '7 days'; back "$b2" '14 days'
reply biz "$b1" "$M/rb1" "#resolve
Invoice sent."
reply biz "$b2" "$M/rb2" "Refund on its way."

run "$POSTDESK" report --from 2000-01-01 --to 2100-01-01 --json
is "$RC" 0 "report --json runs"
# desk: opened 3; resolved d1, d3 = 2; reopened d1 = 1
is "$(fig "['queues'][1]['name']"):$(fig "['queues'][1]['opened']"):$(fig "['queues'][1]['resolved']"):$(fig "['queues'][1]['reopened']")" \
	"desk:3:2:1" "desk: opened, resolved, reopened"
# first responses 60, 120, 240 min: median 120; p90 = 120 + 0.8 * (240 - 120) = 216 (linear, percentile_cont)
is "$(fig "['queues'][1]['first_response']['p50_s']"):$(fig "['queues'][1]['first_response']['p90_s']")" "120:216" \
	"desk: first response median and p90 (minutes)"
is "$(fig "['queues'][1]['first_response']['business_p50_s']")" 120 "desk has no calendar: business = wall"
# resolutions: d3 at 240 min, d1 at 60 min plus the seconds of its reopen: median (60 + 240) / 2 = 150
is "$(fig "['queues'][1]['resolution']['p50_s']")" 150 "desk: resolution median"
is "$(fig "['queues'][1]['breaches']['first_response']"):$(fig "['queues'][1]['breaches']['resolution']")" "1:0" \
	"desk: one first-response breach (d3, escalated by the sweeper)"
is "$(fig "['queues'][1]['satisfaction']['sent']"):$(fig "['queues'][1]['satisfaction']['rated']"):$(fig "['queues'][1]['satisfaction']['average']"):$(fig "['queues'][1]['satisfaction']['counts']['2']")" \
	"2:1:2:1" "desk: two surveys, one rating of 2"
# backlog now: d2 pending (an answer waits for the customer); d1, d3 resolved; none new or open
is "$(fig "['queues'][1]['backlog']['new']"):$(fig "['queues'][1]['backlog']['open']"):$(fig "['queues'][1]['backlog']['pending']"):$(fig "['queues'][1]['backlog']['resolved']")" \
	"0:0:1:2" "desk: backlog now"
# biz: one week = 5 x 8 h = 2400 min of business time, two weeks 4800: median 3600
is "$(fig "['queues'][0]['name']"):$(fig "['queues'][0]['first_response']['business_p50_s']")" "biz:3600" \
	"biz: business median of 1 and 2 weeks of office hours"
# wall: 7 and 14 days = 10080, 20160 min: median 15120
is "$(fig "['queues'][0]['first_response']['p50_s']")" 15120 "biz: wall median"
is "$(fig "['queues'][0]['resolution']['business_p50_s']")" 2400 "biz: b1 resolved after one week of office hours"
# total: 5 cases; first responses 60, 120, 240, 10080, 20160 min: median 240
is "$(fig "['total']['opened']"):$(fig "['total']['first_response']['p50_s']")" "5:240" "total: opened and median"
# bob owns all five, answered all five
is "$(fig "['total']['agents'][0]['email']"):$(fig "['total']['agents'][0]['owned']"):$(fig "['total']['agents'][0]['answered']")" \
	"bob@example.org:5:5" "per agent in total"
keys=$(printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); q=d['total']
print(sorted(d), sorted(d['period']), sorted(q), sorted(q['first_response']), sorted(q['breaches']), sorted(q['backlog']), sorted(q['agents'][0]), sorted(q['satisfaction']), sorted(q['satisfaction']['counts']))")
is "$keys" "['period', 'queues', 'total'] ['from', 'to'] ['agents', 'backlog', 'breaches', 'first_response', 'name', 'opened', 'reopened', 'resolution', 'resolved', 'satisfaction'] ['business_p50_s', 'business_p90_s', 'p50_s', 'p90_s'] ['first_response', 'next_response', 'resolution'] ['age', 'new', 'open', 'pending', 'resolved'] ['answered', 'email', 'first_response_p50_s', 'owned'] ['average', 'comments', 'counts', 'rated', 'sent'] ['1', '2', '3', '4', '5']" \
	"--json keys as the issue names them"

run "$POSTDESK" report --from 2000-01-01 --to 2100-01-01 --queue biz --json
is "$(printf '%s' "$OUT" | python3 -c "import json,sys; d=json.load(sys.stdin); print(len(d['queues']), d['total']['opened'])")" "1 2" "--queue biz: that queue only"
run "$POSTDESK" report --since 1d
like "$OUT" "desk" "the text report names the queue"
like "$OUT" "comment        case $d3, 2/5" "... and the latest comment"
run "$POSTDESK" report --from 2000-01-01
like "$RC:$ERR" "^[1-9].*--from and --to go together" "--from without --to is refused"
run "$POSTDESK" report --since 1d --from 2000-01-01 --to 2000-01-02
like "$RC:$ERR" "^[1-9].*not both" "--since with --from is refused"
# --- report --mail: the same report as a mail ----------------------------------------------
run "$POSTDESK" report --since 30d --mail Manager@Example.ORG
like "$RC:$OUT" "^0:report .* mailed to Manager@Example.ORG: " "report --mail queues the mail and says so"
is "$(sql "SELECT kind || ' ' || (case_id IS NULL) || ' ' || array_to_string(recipients, ',') FROM outbox WHERE kind = 'report'")" \
	"report true manager@example.org" "one outbox row of kind report, of no case, to the folded address"
run "$POSTDESK" report --mail a@example.org --json
is "$RC" 64 "--mail and --json: a usage error"
finish
