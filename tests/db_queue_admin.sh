#!/bin/sh
# db_queue_admin.sh: "queue set" changes only the options given (and
# "none" unsets an optional one), the due times of open cases follow new
# service levels; "queue disable": mail that would open a new case is
# refused like an unknown recipient (67, one 5.1.1 line, nothing stored),
# follow-ups by token, reference and subject tag still thread and are
# handled as usual; "queue enable" takes new cases again.
. "$TEST_SRCDIR/lib.sh"
plan 34
setup_helpdesk
"$POSTDESK" calendar add office --tz Europe/Prague --hours 'mon-fri 09:00-17:00' >/dev/null
M=$T_DIR/mail
mkdir -p "$M"
KEY=$T_DIR/secret.key
qjson() { "$POSTDESK" queue list --json | python3 -c 'import json,sys
q=[x for x in json.load(sys.stdin) if x["name"]==sys.argv[1]][0]
print(" ".join("%s=%s" % (k, json.dumps(q[k])) for k in sorted(q)))' "$1"; }

# --- queue set ------------------------------------------------------------------------
before=$(qjson support)
printf 'Hello.\n' | mail "$M/c1" "jan@example.net" "Problem one"
deliver "$M/c1" support@example.org jan@example.net
due() { sql "SELECT ceil(extract(epoch FROM first_response_due - created))::bigint FROM cases WHERE id = 1"; }
is "$(due)" 14400 "first response due after 4h"
run "$POSTDESK" queue set support --first-response 1h --escalate-to Boss@Example.org --language cs --remind-after 2d
is "$RC" 0 "queue set: exit 0"
like "$OUT" "^queue support changed: language cs, first-response 1h, escalate-to Boss@Example.org, remind-after 2d" "says what changed"
like "$OUT" "due times of 1 open case recomputed" "and that open cases follow"
after=$(qjson support)
is "$after" "$(printf '%s\n' "$before" | sed 's/escalate_to=null/escalate_to="boss@example.org"/; s/first_response=14400/first_response=3600/; s/language=null/language="cs"/; s/remind_after=null/remind_after=172800/')" \
	"only the given options changed (address folded)"
is "$(due)" 3600 "the open case's due time follows: 1h"
run "$POSTDESK" queue set support --escalate-to none --language none --calendar office --no-survey
is "$RC" 0 "unset two, set the calendar, survey off"
like "$(qjson support)" 'calendar="office" .*escalate_to=null .*language=null .*survey=false' "... as asked"
run "$POSTDESK" queue set support --calendar none --survey --resolution none
like "$(qjson support)" 'calendar=null .*resolution=null .*survey=true' "the calendar and a level unset, survey on"
is "$(sql "SELECT resolution_due IS NULL FROM cases WHERE id = 1")" t "no resolution level: no resolution due time"
run "$POSTDESK" queue set support --escalate-after none
like "$RC:$ERR" "^1:.*--escalate-after cannot be unset" "--escalate-after cannot be unset"
run "$POSTDESK" queue set support --address none
like "$RC:$ERR" "^1:.*--address cannot be unset" "nor the address"
run "$POSTDESK" queue set support --address SALES@example.org
like "$RC:$ERR" "^1:.*a queue with address sales@example.org already exists" "another queue's address: refused"
run "$POSTDESK" queue set support --calendar nope
like "$RC:$ERR" "^1:.*no calendar named 'nope'" "an unknown calendar"
run "$POSTDESK" queue set support --first-response soon
like "$RC:$ERR" "^1:.*--first-response: 'soon'" "a bad duration"
run "$POSTDESK" queue set nope --first-response 1h
like "$RC:$ERR" "^1:.*no queue named 'nope'" "an unknown queue"
run "$POSTDESK" queue set support
is "$RC" 64 "nothing to change: EX_USAGE"
run "$POSTDESK" queue set support --survey --no-survey
is "$RC" 64 "--survey with --no-survey: EX_USAGE"
is "$(sql "SELECT address || ':' || escalate_after_s FROM queues WHERE name = 'support'")" "support@example.org:3600" \
	"the failed sets left address and escalate-after as they were"

# --- queue disable ----------------------------------------------------------------------
run "$POSTDESK" queue disable support
is "$RC:$OUT" "0:queue support disabled: it takes no new cases; follow-ups of its cases are handled as usual" "queue disable"
run "$POSTDESK" queue list
like "$OUT" "^support .* disabled$" "queue list: disabled"
like "$(qjson support)" "active=false" "queue list --json: active false"
messages=$(sql "SELECT count(*) FROM messages")
printf 'A new problem.\n' | mail "$M/new" "eva@example.net" "Problem two"
deliver "$M/new" support@example.org eva@example.net
is "$RC:$OUT" "67:5.1.1 queue support is disabled" "new mail: 67, one 5.1.1 line"
is "$(sql "SELECT count(*) FROM messages"):$(sql "SELECT count(*) FROM customers WHERE email = 'eva@example.net'")" "$messages:0" \
	"nothing stored, no customer made"
printf 'More about it.\n' | mail "$M/tok" "jan@example.net" "Re: Problem one"
deliver "$M/tok" "support+$("$TOKENTOOL" "$KEY" 1 c)@example.org" jan@example.net
like "$RC:$ERR" "^0:.*case=1, action=follow-up, .*via=token" "a follow-up by token threads"
printf 'And more.\n' | mail "$M/ref" "jan@example.net" "Re: Problem one" "In-Reply-To: <$(msgid "$M/c1")>"
deliver "$M/ref" support@example.org jan@example.net
like "$RC:$ERR" "^0:.*case=1, action=follow-up" "a follow-up by reference threads"
printf 'Still there?\n' | mail "$M/tag" "jan@example.net" "Re: [Helpdesk #1] Problem one"
deliver "$M/tag" support@example.org jan@example.net
like "$RC:$ERR" "^0:.*case=1, action=follow-up, .*via=subject-tag, mail=notify" "by subject tag: threads, agents told"
printf 'I am not the customer.\n' | mail "$M/stranger" "mallory@example.net" "Re: [Helpdesk #1] Problem one"
deliver "$M/stranger" support@example.org mallory@example.net
is "$RC:$OUT" "67:5.1.1 queue support is disabled" "a stranger's subject tag would open a case: refused"
printf 'Here is the answer.\n' | mail "$M/agent" "Alice Agent <alice@example.org>" "Re: [Helpdesk #1] Problem one"
deliver "$M/agent" "support+$("$TOKENTOOL" "$KEY" 1 a)@example.org" alice@example.org
like "$RC:$ERR" "^0:.*case=1, .*mail=relay" "an agent's answer on the disabled queue's case is relayed"
printf '\000\001\002garbage\377' >"$M/garbage"
deliver "$M/garbage" support@example.org eva@example.net
is "$RC" 67 "unparsable mail would open a (quarantined) case: refused too"
run "$POSTDESK" queue disable support
is "$RC:$OUT" "0:queue support is disabled already: nothing changed" "disable again: nothing changed"
printf 'A problem for sales.\n' | mail "$M/sales" "eva@example.net" "Problem three"
deliver "$M/sales" sales@example.org eva@example.net
is "$RC" 0 "other queues take new cases"

# --- queue enable -----------------------------------------------------------------------
run "$POSTDESK" queue enable support
is "$RC:$OUT" "0:queue support enabled: it takes new cases" "queue enable"
deliver "$M/new" support@example.org eva@example.net
like "$RC:$ERR" "^0:.*action=new" "the same mail is taken now"
finish
