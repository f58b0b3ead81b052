#!/bin/sh
# db_agent_disable.sh: "agent disable" hands the agent's open cases back to
# their queues (unassigned, an event each, one mail per queue to its other
# agents, through a real SMTP receiver); a disabled agent's mail is
# untrusted end to end (nothing relayed, no command run), nobody can assign
# them cases; disabling or enabling twice tells nobody twice; "agent
# enable" trusts them again.
. "$TEST_SRCDIR/lib.sh"
plan 38
setup_helpdesk
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue support --queue sales >/dev/null
"$POSTDESK" agent add carol@example.org --name "Carol" --queue support >/dev/null
"$POSTDESK" agent add dave@example.org --name "Dave" --queue sales >/dev/null
"$POSTDESK" agent add 'Łucja@Example.PL' --name "Łucja Wąs" --queue sales >/dev/null
M=$T_DIR/mail
mkdir -p "$M"
KEY=$T_DIR/secret.key
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
trap 'exit 1' INT TERM
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"
raw() { sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE id = $1" | tr -d '\r'; }
# header NAME TEXT: the first value of a header, unfolded
header() { printf '%s\n' "$2" | sed -n '1,/^$/p' | sed ':a;N;$!ba;s/\n[ \t]\+/ /g' | sed -n "s/^$1: //Ip" | head -n 1; }
body() { printf '%s\n' "$1" | python3 -c 'import email,sys
m=email.message_from_string(sys.stdin.read())
for p in m.walk():
    if p.get_content_type()=="text/plain":
        sys.stdout.write(p.get_payload(decode=True).decode("utf-8"));break'; }
count() { sql "SELECT count(*) FROM outbox WHERE kind = '$1'"; }

# cases 1, 2, 4 in support, 3 in sales; 5 resolved
for n in 1 2 3 4 5; do
	q=support; [ $n = 3 ] && q=sales
	printf 'Problem %s.\n' $n | mail "$M/c$n" "customer$n@example.net" "Problem $n" "To: $q@example.org"
	deliver "$M/c$n" $q@example.org customer$n@example.net
done
for n in 1 2 3 5; do "$POSTDESK" case assign $n bob@example.org >/dev/null; done
"$POSTDESK" case assign 4 alice@example.org >/dev/null
"$POSTDESK" case status 2 pending >/dev/null
"$POSTDESK" case status 5 resolved >/dev/null
run "$POSTDESK" agent list --json
like "$OUT" '"email":"bob@example.org","name":"Bob Builder","active":true,"state":"active","queues":\["sales","support"\],"open_cases":3' \
	"agent list: bob has three open cases"
sent=$($SINK count "$T_DIR/sink")

# --- disable ------------------------------------------------------------------------
run "$POSTDESK" agent disable Bob@Example.org
is "$RC" 0 "agent disable: exit 0"
like "$OUT" "agent bob@example.org disabled: 3 open cases handed back" "says how many cases"
like "$OUT" "cases #1 #2: 2 agents told" "support: the two other agents told of cases 1 and 2"
like "$OUT" "case #3: 2 agents told" "sales: told of case 3"
is "$(sql "SELECT string_agg(id || ':' || coalesce(assignee_id::text, '-'), ' ' ORDER BY id) FROM cases")" \
	"1:- 2:- 3:- 4:1 5:2" "open cases unassigned; alice's and the resolved one untouched"
is "$(sql "SELECT string_agg(case_id || ':' || actor || ':' || detail, ' ' ORDER BY case_id) FROM events WHERE type = 'unassigned'")" \
	"1:cli:agent bob@example.org disabled 2:cli:agent bob@example.org disabled 3:cli:agent bob@example.org disabled" \
	"an unassigned event on each"
is "$(sql "SELECT string_agg(array_to_string(recipients, ','), ' ' ORDER BY id) FROM outbox WHERE kind = 'handed-back'")" \
	"alice@example.org,carol@example.org dave@example.org,łucja@example.pl" "one mail per queue, to its active agents, not bob"
is "$($SINK count "$T_DIR/sink" $((sent + 2)))" $((sent + 2)) "both mails reached the SMTP receiver"
like "$OUT" "mail: 2 sent, 0 deferred, 0 failed" "and the command says so"
H=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'handed-back' ORDER BY id LIMIT 1")")
like "$(header Subject "$H")" '^\[Helpdesk #1\] Back in the support queue: the open cases of Bob Builder$' "subject: the first case's tag, queue, agent"
like "$(header Reply-To "$H")" '^support\+a1\.[0-9]+\.[0-9a-f]+@example\.org$' "Reply-To: the first case's agent address"
like "$(header Auto-Submitted "$H")" "auto-generated" "Auto-Submitted: auto-generated"
B=$(body "$H")
like "$B" "Case #1: Problem 1" "lists case 1"
like "$(printf '%s\n' "$B" | tr '\n' ' ')" "Case #2: Problem 2 +Customer: customer2@example.net, status: pending +To take it, write #assign me to support\+a2\." \
	"case 2 with its customer, status and own agent address"
like "$(printf '%s\n' "$H" | tr -d '=\n')" 'mailto:support\+a2\.[^"]*body3D%23assign%20me|mailto:support\+a2\.[^"]*body=%23assign%20me' "the HTML part: an assign-me link per case"
is "$(sql "SELECT count(*) FROM messages WHERE case_id = 1 AND kind = 'system' AND subject LIKE '%Back in the support queue%'")" 1 \
	"stored as an outgoing message of the first case"
run "$POSTDESK" agent list
like "$OUT" "bob@example.org +Bob Builder +disabled +0 +sales,support" "agent list: disabled, no open cases"

# --- twice: nothing more ------------------------------------------------------------
mails=$(count handed-back)
run "$POSTDESK" agent disable bob@example.org
is "$RC:$OUT" "0:agent bob@example.org is disabled already: nothing changed" "disable again: told, nothing done"
is "$(count handed-back):$(sql "SELECT count(*) FROM events WHERE type = 'unassigned'")" "$mails:3" "no second mail, no second event"

# --- a disabled agent's mail is untrusted ---------------------------------------------
atok=$(header Reply-To "$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'notify' AND case_id = 1 ORDER BY id LIMIT 1")")")
printf '#assign me\n#priority urgent\n\nHere is the answer you wanted.\n' |
	mail "$M/bob1" "Bob Builder <bob@example.org>" "Re: [Helpdesk #1] Problem 1"
deliver "$M/bob1" "$atok" bob@example.org
like "$RC:$ERR" "^0:.*case=1, action=follow-up, class=untrusted, .*mail=none" "bob's answer by the agent token: stored untrusted, no mail"
is "$(sql "SELECT coalesce(assignee_id::text, '-') || ':' || priority FROM cases WHERE id = 1")" "-:normal" "his commands were not run"
is "$(count reply)" 0 "nothing relayed to the customer"
is "$(sql "SELECT count(*) FROM events WHERE case_id = 1 AND type = 'untrusted-agent-mail'")" 1 "an untrusted-agent-mail event"
ntok=$(tests_ntok=$("$TOKENTOOL" "$KEY" 1 n) && echo "support+$tests_ntok@example.org")
printf 'Internal: refund them.\n' | mail "$M/bob2" "bob@example.org" "note"
deliver "$M/bob2" "$ntok" bob@example.org
like "$RC:$ERR" "^0:.*class=untrusted" "his note by the note token: untrusted too"
# nobody gives him cases
run "$POSTDESK" case assign 1 bob@example.org
like "$RC:$ERR" "^1:.*agent bob@example.org is disabled" "case assign to a disabled agent: refused"
printf '#assign bob@example.org\n' | mail "$M/alice1" "Alice Agent <alice@example.org>" "Re: [Helpdesk #4] Problem 4"
deliver "$M/alice1" "support+$("$TOKENTOOL" "$KEY" 4 a)@example.org" alice@example.org
is "$(sql "SELECT assignee_id FROM cases WHERE id = 4"):$(count agent-error)" "1:1" "#assign of a disabled agent: an error to alice, case 4 stays hers"
# new mail in his queues: he is not told
printf 'New problem.\n' | mail "$M/c6" "customer6@example.net" "Problem 6"
deliver "$M/c6" support@example.org customer6@example.net
is "$(sql "SELECT string_agg(array_to_string(recipients, ','), ' ' ORDER BY id) FROM outbox WHERE kind = 'notify' AND case_id = 6")" \
	"alice@example.org carol@example.org" "a new case notifies the active agents only"

# --- by mail: carol takes case 2 from the handed-back mail ------------------------------
a2=$(printf '%s\n' "$B" | grep -o 'support+a2\.[0-9]*\.[0-9a-f]*@example.org' | head -n 1)
printf '#assign me\n' | mail "$M/carol" "Carol <carol@example.org>" "Re: [Helpdesk #2] Problem 2"
deliver "$M/carol" "$a2" carol@example.org
is "$(sql "SELECT a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = 2")" "carol@example.org" \
	"the address the mail gave for case 2 takes it: #assign me"

# --- enable -------------------------------------------------------------------------
run "$POSTDESK" agent enable bob@example.org
is "$RC:$OUT" "0:agent bob@example.org enabled" "agent enable"
run "$POSTDESK" agent enable bob@example.org
is "$RC:$OUT" "0:agent bob@example.org is active already: nothing changed" "enable again: nothing changed"
is "$(sql "SELECT coalesce(assignee_id::text, '-') FROM cases WHERE id IN (1, 3) ORDER BY id" | tr '\n' ' ')" "- - " \
	"enabling gives no cases back"
printf 'Here is the answer you wanted.\n' | mail "$M/bob3" "Bob Builder <bob@example.org>" "Re: [Helpdesk #1] Problem 1"
deliver "$M/bob3" "$atok" bob@example.org
like "$RC:$ERR" "^0:.*case=1, .*class=normal, .*mail=relay" "enabled again: his answer is relayed"

# --- errors --------------------------------------------------------------------------
run "$POSTDESK" agent disable ŁUCJA@example.pl
like "$RC:$OUT" "^0:agent łucja@example.pl disabled: 0 open cases handed back" "a non-ASCII address, folded; no cases: no mail"
# a queue with no other agent: its escalation address is told instead
"$POSTDESK" queue add billing --address billing@example.org --escalate-to boss@example.org >/dev/null
"$POSTDESK" agent add erin@example.org --name "Erin" --queue billing >/dev/null
printf 'An invoice question.\n' | mail "$M/b1" "customer9@example.net" "Invoice 77" "To: billing@example.org"
deliver "$M/b1" billing@example.org customer9@example.net
b1=$(sql "SELECT max(id) FROM cases")
"$POSTDESK" case assign "$b1" erin@example.org >/dev/null
before=$(count handed-back)
run "$POSTDESK" agent disable erin@example.org
like "$RC:$(printf '%s' "$OUT" | tr '\n' ' ')" "^0:agent erin@example.org disabled: 1 open case handed back *case #$b1: no active agent left, the queue's escalation address told" \
	"the queue's only agent disabled"
is "$(($(count handed-back) - before)):$(sql "SELECT recipients[1] FROM outbox WHERE kind = 'handed-back' ORDER BY id DESC LIMIT 1")" \
	"1:boss@example.org" "nobody left in the queue: its escalation address is told, once"
run "$POSTDESK" agent disable nobody@example.org
like "$RC:$ERR" "^1:.*no agent nobody@example.org" "an unknown agent: exit 1, said so"
run "$POSTDESK" agent disable
is "$RC" 64 "agent disable without an address: EX_USAGE"
finish
