#!/bin/sh
# db_team.sh: a support team's week with the case-life features of issue 15
# together, by mail and by CLI, against PostgreSQL and smtp-sink: a customer
# writes from two addresses (an alias), the agent merges the duplicate by
# mail, copies a colleague of the customer, a reply to the merged case's old
# address lands in the right case; the agent leaves (disabled: the case goes
# back to the queue, the colleague is told), another agent takes it from his
# digest by reply; a spam case stays silent until marked not spam; the
# customer's low rating reaches the assignee and the escalation address.
. "$TEST_SRCDIR/lib.sh"
plan 32
setup_helpdesk
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue support >/dev/null
"$POSTDESK" queue set support --escalate-to lead@example.org >/dev/null
M=$T_DIR/mail
mkdir -p "$M"
KEY=$T_DIR/secret.key
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
trap 'exit 1' INT TERM
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"
# rows KIND: the recipients of the outbox rows of a kind, oldest first
rows() { sql "SELECT coalesce(string_agg(array_to_string(recipients, ','), ' ' ORDER BY id), '') FROM outbox WHERE kind = '$1'"; }
to_jan() { sql "SELECT count(*) FROM outbox WHERE 'jan@example.net' = ANY (recipients)"; }
tok() { printf 'support+%s@example.org' "$("$TOKENTOOL" "$KEY" "$1" "$2")"; }
case_of() { printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\),.*/\1/p'; }
ids() { printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(str(c["id"]) for c in json.load(sys.stdin)))'; }

# --- Monday: one customer, two addresses, two mails about one printer -------------
"$POSTDESK" customer alias jan@example.net jan.nowak@firma.example.pl >/dev/null
printf 'Dzień dobry,\ndrukarka na 2. piętrze nie drukuje.\n' |
	mail "$M/a" '"Jan Nowak" <jan@example.net>' "Drukarka nie drukuje"
deliver "$M/a" support@example.org jan@example.net
A=$(case_of)
printf 'Dzień dobry,\nnadal nic. Drukarka HP na drugim piętrze.\n' |
	mail "$M/b" '"Jan Nowak" <jan.nowak@firma.example.pl>' "Drukarka - ciąg dalszy"
deliver "$M/b" support@example.org jan.nowak@firma.example.pl
B=$(case_of)
is "$(sql "SELECT string_agg(cu.email, ' ' ORDER BY c.id) FROM cases c JOIN customers cu ON cu.id = c.customer_id
	WHERE c.id IN ($A, $B)")" "jan@example.net jan@example.net" "the alias's mail is the customer's: two cases, one customer"
run "$POSTDESK" case list --customer jan@example.net --json
is "$(ids)" "$A $B" "case list --customer: both, earliest due first"
run "$POSTDESK" case list --search "drukarka pietrze" --json
is "$(ids)" "$A $B" "case list --search without diacritics finds both"
ACK_B=$(sql "SELECT m.message_id FROM messages m WHERE m.case_id = $B AND m.direction = 'out' ORDER BY m.id LIMIT 1")
before=$(to_jan)

# Alice merges the duplicate by replying to its notification
printf '#merge %s\n\nOn Mon, Jan wrote:\n> nadal nic\n' "$A" |
	mail "$M/merge" "Alice Agent <alice@example.org>" "Re: [Helpdesk #$B] Drukarka - ciąg dalszy"
deliver "$M/merge" "$(tok "$B" a)" alice@example.org
like "$RC:$ERR" "^0:.*case=$B, .*mail=commands" "#merge by mail: commands only"
is "$(sql "SELECT status || ' ' || merged_into FROM cases WHERE id = $B")" "closed $A" "the duplicate is a closed pointer"
is "$(to_jan)" "$before" "the customer is not mailed about the merge"
like "$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE kind = 'agent-done' ORDER BY id DESC LIMIT 1")" \
	"Merged into: case #$A" "Alice is told it was merged"

# Jan answers the duplicate's ack: it lands in the case it was merged into
{
	printf 'From: Jan Nowak <jan.nowak@firma.example.pl>\nTo: %s\n' "$(tok "$B" c)"
	printf 'Subject: Re: [Helpdesk #%s] Drukarka - ciąg dalszy\nIn-Reply-To: <%s>\n' "$B" "$ACK_B"
	printf 'Message-ID: <reply-b@firma.example.pl>\nDate: Mon, 23 Nov 2026 11:00:00 +0100\n'
	printf 'Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nTo model LaserJet 4250.\n'
} >"$M/reply-b"
deliver "$M/reply-b" "$(tok "$B" c)" jan.nowak@firma.example.pl
like "$RC:$ERR" "^0:.*case=$A, .*action=follow-up" "a reply to the merged case's address threads into case $A"

# Alice answers and copies Jan's colleague
printf '#cc Ewa@firma.example.pl\nDzień dobry,\ntechnik będzie jutro o 9:00.\n\nAlicja\n' |
	mail "$M/answer" "Alice Agent <alice@example.org>" "Re: [Helpdesk #$A] Drukarka nie drukuje"
deliver "$M/answer" "$(tok "$A" a)" alice@example.org
like "$RC:$ERR" "^0:.*case=$A, .*mail=relay" "the answer is relayed"
is "$(sql "SELECT string_agg(address, ',') FROM watchers WHERE case_id = $A")" "ewa@firma.example.pl" "#cc: the colleague watches"
is "$(sql "SELECT array_to_string(recipients, ',') FROM outbox WHERE kind = 'reply' ORDER BY id DESC LIMIT 1")" \
	"jan@example.net,ewa@firma.example.pl" "the answer goes to the customer and the colleague"
"$POSTDESK" case assign "$A" alice@example.org >/dev/null

# --- Wednesday: Alice leaves --------------------------------------------------------
run "$POSTDESK" agent disable alice@example.org
like "$RC:$OUT" "^0:agent alice@example.org disabled: 1 open case handed back" "agent disable hands her case back"
is "$(sql "SELECT coalesce(assignee_id::text, 'nobody') FROM cases WHERE id = $A")" "nobody" "case $A is unassigned"
is "$(rows handed-back)" "bob@example.org" "Bob, the queue's other agent, is told once"
printf 'One more thing.\n' | mail "$M/late" "Alice Agent <alice@example.org>" "Re: [Helpdesk #$A] Drukarka nie drukuje"
deliver "$M/late" "$(tok "$A" a)" alice@example.org
like "$RC:$ERR" "^0:.*case=$A, .*class=untrusted" "her mail is no longer an agent's: stored untrusted"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'")" 1 "... and not relayed"

# Bob takes it from his digest, by mail
BOB=$(sql "SELECT id FROM agents WHERE email = 'bob@example.org'")
run "$POSTDESK" agent digest bob@example.org
DBOB=$OUT
printf '#assign %s me\n' "$A" | mail "$M/digest" "Bob Builder <bob@example.org>" "Re: Your cases"
deliver "$M/digest" "$DBOB" bob@example.org
like "$RC:$ERR" "^0:.*action=digest, .*mail=digest" "Bob's mail to his digest address is answered with his digest"
is "$(sql "SELECT a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = $A")" "bob@example.org" \
	"#assign $A me from the digest: Bob owns the case"
D=$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE kind = 'digest-answer' ORDER BY id DESC LIMIT 1")
like "$D" "done: assigned to bob@example.org" "the digest confirms the line"
like "$D" "Drukarka nie drukuje" "... and lists the case among his"
status=$(sql "SELECT status FROM cases WHERE id = $A")
printf '#resolve %s\n' "$A" | mail "$M/other" "Mallory <mallory@evil.example>" "Re: Your cases"
deliver "$M/other" "$DBOB" mallory@evil.example
like "$RC:$ERR" "^0:.*via=ignored" "someone else writing to Bob's digest address: ignored"
is "$(sql "SELECT status FROM cases WHERE id = $A")" "$status" "... and the case is unchanged ($status)"

# --- Thursday: spam --------------------------------------------------------------
printf 'Cheap printers!!!\n' | mail "$M/spam" "deals@spam.example" "Printers 90% off" "X-Spam-Flag: YES"
deliver "$M/spam" support@example.org deals@spam.example
S=$(case_of)
is "$(sql "SELECT spam FROM cases WHERE id = $S"):$(sql "SELECT count(*) FROM outbox WHERE case_id = $S")" "t:0" \
	"marked spam by the MTA: no ack, no notification"
run "$POSTDESK" case list --json
like " $(ids) " " $A " "case list shows the printer case"
is "$(printf ' %s ' "$(ids)" | grep -c " $S ")" 0 "... but not the spam"
run "$POSTDESK" case status "$S" open
like "$OUT" "not spam: acknowledged" "case status open: not spam after all, acknowledged now"
is "$(rows ack | tr ' ' '\n' | grep -c deals@spam.example)" 1 "... one ack"

# --- Friday: resolved, rated 1 ------------------------------------------------------
"$POSTDESK" case status "$A" resolved >/dev/null
printf 'Technik nie przyszedł.\n' | mail "$M/rate" "Jan Nowak <jan@example.net>" "Re: How did we do?"
deliver "$M/rate" "$(tok "$A" ra)" jan@example.net
like "$RC:$ERR" "^0:.*case=$A, .*mail=low-rating" "the customer rates 1"
is "$(rows low-rating)" "bob@example.org lead@example.org" "the assignee and the escalation address are told, once each"
is "$(sql "SELECT count(*) FROM outbox WHERE status <> 'sent'")" 0 "every mail went out"
is "$($SINK count "$T_DIR/sink" "$(sql "SELECT count(*) FROM outbox")")" "$(sql "SELECT count(*) FROM outbox")" \
	"smtp-sink received them all"
run "$POSTDESK" case show "$A" --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["assignee"], d["rating"], " ".join(d["watchers"]), sorted(set(e["type"] for e in d["events"]) & {"merged-from", "unassigned", "watcher-added", "assigned"}))')" \
	"bob@example.org 1 ewa@firma.example.pl ['assigned', 'merged-from', 'unassigned', 'watcher-added']" \
	"case show: Bob's, rated 1, Ewa copied, the week's events"
finish
