#!/bin/sh
# db_merge.sh: merging a duplicate case, by "postdesk case merge" and by an
# agent's "#merge N". The duplicate's messages (with their attachments),
# watchers and unsent mail move; it is closed as a pointer; events on both.
# Afterwards mail to any of its tokens (customer, agent, note, survey), In-
# Reply-To its generated or stored Message-IDs, or its subject tag threads
# into the case it went into, also along a chain. The customer is not
# mailed; the agent gets agent_done through a real SMTP receiver. Refused:
# the same case, an unknown one, one merged already, a cycle, another
# queue's case, a merge written to a merged case's address; forged agent
# mail merges nothing.
. "$TEST_SRCDIR/lib.sh"
plan 66
setup_helpdesk
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue support >/dev/null
"$POSTDESK" agent add carol@example.org --name "Carol Sales" --queue sales >/dev/null
M=$T_DIR/mail
mkdir -p "$M"
KEY=$T_DIR/secret.key
tok() { printf 'support+%s@example.org' "$("$TOKENTOOL" "$KEY" "$1" "$2")"; }
caseof() { sql "SELECT case_id FROM messages WHERE message_id = '$1'"; }
rows() { sql "SELECT count(*) FROM outbox"; }
to_customers() { sql "SELECT count(*) FROM outbox WHERE recipients && '{jan@example.net,eva@example.com,zoë@example.de}'"; }
ev() { sql "SELECT string_agg(type || ' ' || coalesce(detail, ''), '|' ORDER BY id) FROM events WHERE case_id = $1 AND type IN ($2)"; }
json() { "$POSTDESK" case show "$1" --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }

# --- two customers report the same broken printer (SMTP is down: mail stays queued) -----
printf 'Hello,\nthe printer on floor 2 prints blank pages.\n' |
	mail "$M/jan1" '"Jan Kowalski" <jan@example.net>' "Printer prints blank pages"
deliver "$M/jan1" support@example.org jan@example.net
{
	printf 'From: Eva Novak <eva@example.com>\nTo: support@example.org\nCc: Boss <boss@example.com>\n'
	printf 'Subject: Floor 2 printer\nDate: Sun, 22 Nov 2026 10:05:00 +0100\nMessage-ID: <eva1@example.com>\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
	printf 'Content-Type: text/plain; charset=UTF-8\n\nThe floor 2 printer is broken, photo attached.\n--b1\n'
	printf 'Content-Type: image/png; name="printer.png"\nContent-Disposition: attachment; filename="printer.png"\n'
	printf 'Content-Transfer-Encoding: base64\n\niVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\n--b1--\n'
} >"$M/eva1"
deliver "$M/eva1" support@example.org eva@example.com
is "$(sql "SELECT string_agg(id::text, ',' ORDER BY id) FROM cases")" "1,2" "two cases"
ack2=$(sql "SELECT message_id FROM messages WHERE case_id = 2 AND direction = 'out' AND kind = 'auto'")
unsent2=$(sql "SELECT count(*) FROM outbox WHERE case_id = 2 AND status <> 'sent'")
like "$ack2:$unsent2" "^.+@.+:[1-9]" "case 2 has its ack's Message-ID and unsent mail"

# --- postdesk case merge 2 1 --------------------------------------------------------
before=$(rows)
m1=$(sql "SELECT count(*) FROM messages WHERE case_id = 1")
m2=$(sql "SELECT count(*) FROM messages WHERE case_id = 2")
o1=$(sql "SELECT count(*) FROM outbox WHERE case_id = 1")
run "$POSTDESK" case merge 2 1
is "$RC:$OUT" "0:case 2 merged into case 1: $m2 messages, 1 attachments, 2 watchers added, $unsent2 unsent mails moved; case 2 is closed" \
	"case merge 2 1: says what moved"
is "$(sql "SELECT count(*) FROM messages WHERE case_id = 2"):$(sql "SELECT count(*) FROM messages WHERE case_id = 1")" \
	"0:$((m1 + m2))" "the messages moved (customer mail, ack and notifications of each)"
is "$("$POSTDESK" case show 1 --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print([a["filename"] for m in d["messages"] for a in m["attachments"]])')" \
	"['printer.png']" "the attachment moved with its message"
is "$(json 1 '",".join(d["watchers"])')" "boss@example.com,eva@example.com" \
	"the watcher moved, and the other customer watches the case now"
is "$(sql "SELECT count(*) FROM outbox WHERE case_id = 2 AND status <> 'sent'"):$(sql "SELECT count(*) FROM outbox WHERE case_id = 1")" \
	"0:$((o1 + unsent2))" "the unsent mail moved"
is "$(sql "SELECT status || ',' || merged_into FROM cases WHERE id = 2")" "closed,1" "case 2 is a closed pointer to case 1"
is "$(ev 2 "'merged-into','status'")" "status new -> closed|merged-into #1" "events on case 2"
is "$(ev 1 "'merged-from','watcher-added'")" "watcher-added boss@example.com|watcher-added eva@example.com|merged-from #2" \
	"events on case 1"
is "$(sql "SELECT actor FROM events WHERE type = 'merged-from'")" cli "by whom"
is "$(rows)" "$before" "nobody is mailed about the merge"
like "$("$POSTDESK" case show 2)" "Merged into case: 1" "case show 2 says where it went"
is "$(json 2 'd["merged_into"], d["status"], len(d["messages"])')" "1 closed 0" "case show 2 --json: merged_into 1"
is "$(json 1 'd["merged_into"]')" "None" "case show 1 --json: merged_into null"
run "$POSTDESK" case merge 2 1 --json
like "$RC:$ERR" "^1:.*case #2 was merged into case #1 already" "merged twice: refused"
run "$POSTDESK" case merge 1 2
like "$RC:$ERR" "^1:.*merging #1 into it would make a cycle" "back again: a cycle, refused"
run "$POSTDESK" case merge 1 1
like "$RC:$ERR" "^1:.*cannot be merged into itself" "into itself: refused"
run "$POSTDESK" case merge 77 1
like "$RC:$ERR" "^1:.*there is no case #77" "an unknown source: refused"
run "$POSTDESK" case merge 1 x7
is "$RC" 64 "a target that is no number: a usage error"
run "$POSTDESK" case status 2 open
like "$RC:$ERR" "^1:.*case 2 was merged into case 1: change that one" "case status on a merged case: refused"
run "$POSTDESK" case assign 2 alice@example.org
like "$RC:$ERR" "^1:.*case 2 was merged into case 1: change that one" "case assign on a merged case: refused"
is "$(sql "SELECT status || ',' || coalesce(assignee_id::text, '-') FROM cases WHERE id = 2")" "closed,-" \
	"... and it stays a closed pointer"
is "$(sql "SELECT count(*) FROM events WHERE type LIKE 'merged%'")" 2 "no refusal changed anything"

# --- later mail to case 2 threads into case 1 ----------------------------------------
# reply MAIL RCPT BODY FROM SUBJECT [HEADER...]: deliver a reply (not in a pipe: RC and ERR stay)
reply() {
	_f=$M/$1 _r=$2 _b=$3
	shift 3
	printf '%s\n' "$_b" | mail "$_f" "$@"
	deliver "$_f" "$_r" "$(printf '%s' "$1" | sed 's/.*<//; s/>.*//')"
}
reply e2 "$(tok 2 c)" "Still broken." "Eva Novak <eva@example.com>" "Re: Floor 2 printer"
like "$RC:$ERR" "^0:.*case=1, action=follow-up" "case 2's customer token: into case 1"
reply e3 support@example.org "Any news?" "Eva Novak <eva@example.com>" "Re: Floor 2 printer" "In-Reply-To: <$ack2>"
like "$ERR" "case=1, action=follow-up, .*via=signed-reference" "In-Reply-To case 2's ack (a Message-ID we made): case 1"
reply e4 support@example.org "Me again." "Eva Novak <eva@example.com>" "Re: Floor 2 printer" "In-Reply-To: <eva1@example.com>"
like "$ERR" "case=1, action=follow-up, .*via=reference" "In-Reply-To her stored first mail: case 1"
reply e5 support@example.org "Hello?" "Eva Novak <eva@example.com>" "Re: [Helpdesk #2] Floor 2 printer"
like "$ERR" "case=1, action=follow-up, .*via=subject-tag" "case 2's subject tag: case 1"
reply a2 "$(tok 2 a)" "Thanks, new toner is on its way." "Alice Agent <alice@example.org>" "Re: [Helpdesk #2] Floor 2 printer"
like "$ERR" "case=1, .*mail=relay" "an agent's answer to case 2's agent address: on case 1"
is "$(sql "SELECT case_id || ':' || array_to_string(recipients, ',') FROM outbox WHERE kind = 'reply'")" \
	"1:jan@example.net,boss@example.com,eva@example.com" "relayed to case 1's customer and watchers"
reply n2 "$(tok 2 n)" "Toner ordered from the usual shop." "Bob Builder <bob@example.org>" "Note"
like "$ERR" "case=1, .*mail=note" "case 2's note address: a note on case 1"
reply j2 "$(tok 1 c)" "Fine now." '"Jan Kowalski" <jan@example.net>' "Re: Printer prints blank pages"
like "$ERR" "case=1, action=follow-up" "case 1's own token still works"
"$POSTDESK" case status 1 resolved >/dev/null
reply r2 "$(tok 2 re)" "Quick help." "Eva Novak <eva@example.com>" "Re: survey"
is "$RC:$(sql "SELECT rating FROM cases WHERE id = 1")" "0:5" "case 2's survey address rates case 1"
is "$(sql "SELECT count(*) FROM messages WHERE case_id = 2")" 0 "nothing landed on case 2"

# --- #merge by mail, with a real SMTP receiver -----------------------------------------
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"
printf 'The toner is low.\n' | mail "$M/t3" '"Jan Kowalski" <jan@example.net>' "Toner low"
deliver "$M/t3" support@example.org jan@example.net
c3=$(caseof "t3.$$@example.net")
printf 'Der Toner ist fast leer.\n' | mail "$M/t4" '"Zoë Ärger" <ZOË@example.de>' "Toner fast leer"
deliver "$M/t4" support@example.org 'ZOË@example.de'
c4=$(caseof "t4.$$@example.net")
printf 'Parcel lost.\n' | mail "$M/s5" '"Jan Kowalski" <jan@example.net>' "Parcel"
deliver "$M/s5" sales@example.org jan@example.net
c5=$(caseof "s5.$$@example.net")
is "$c3:$c4:$c5:$(sql "SELECT q.name FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id = $c5")" "3:4:5:sales" \
	"cases 3 and 4 in support, 5 in sales"
sent=$($SINK count "$T_DIR/sink")
customers=$(to_customers)

# merge MAIL RCPT FROM COMMANDS...: an agent's mail of command lines
merge() {
	_f=$M/$1 _r=$2 _from=$3
	shift 3
	printf '%s\n' "$@" "" "-- " "Alice" | mail "$_f" "$_from" "Re: [Helpdesk #$c4] Toner fast leer"
	deliver "$_f" "$_r" "$(printf '%s' "$_from" | sed 's/.*<//; s/>.*//')"
}
# told: the text of the newest mail the sink got
told() { python3 -c 'import email,sys,os,glob
f=max(glob.glob(sys.argv[1]+"/*"), key=os.path.getmtime)
m=email.message_from_binary_file(open(f,"rb"))
for p in m.walk():
    if p.get_content_type()=="text/plain":
        sys.stdout.write(m["To"]+"\n"+p.get_payload(decode=True).decode("utf-8"));break' "$T_DIR/sink/mail"; }

m3=$(sql "SELECT count(*) FROM messages WHERE case_id = 3")
m4=$(sql "SELECT count(*) FROM messages WHERE case_id = 4")
merge m1 "$(tok "$c4" a)" "Alice Agent <alice@example.org>" "#merge $c3"
like "$RC:$ERR" "^0:.*case=4, .*mail=commands.*sent=1/1" "#merge 3 on case 4's agent address: commands, one mail sent"
is "$(sql "SELECT status || ',' || merged_into FROM cases WHERE id = 4"):$(sql "SELECT count(*) FROM messages WHERE case_id = 3")" \
	"closed,3:$((m3 + m4 + 1))" "case 4 is in case 3 (its mail, and the command mail)"
is "$(ev 3 "'merged-from'"):$(sql "SELECT actor FROM events WHERE case_id = 4 AND type = 'merged-into'")" \
	"merged-from #4:alice@example.org" "events on both, by the agent"
is "$($SINK count "$T_DIR/sink" $((sent + 1)))" $((sent + 1)) "the SMTP receiver got one mail"
T=$(told)
like "$T" "^alice@example.org" "the confirmation went to the agent"
like "$T" "Merged into: case #3; mail about this case goes there now" "agent_done says what was merged"
is "$(to_customers)" "$customers" "no customer was mailed about it"
is "$(json 3 '",".join(d["watchers"])')" "zoë@example.de" "case 4's customer (non-ASCII, folded) watches case 3"

# --- refused by mail: told once, nothing changed -----------------------------------------
# refused MAIL RCPT COMMAND PATTERN DESCRIPTION
refused() {
	_events=$(sql "SELECT count(*) FROM events WHERE type LIKE 'merged%'")
	_n=$($SINK count "$T_DIR/sink")
	merge "$1" "$2" "Alice Agent <alice@example.org>" "$3"
	_got=$($SINK count "$T_DIR/sink" $((_n + 1)))
	is "$RC:$((_got - _n)):$(sql "SELECT count(*) FROM events WHERE type LIKE 'merged%'")" "0:1:$_events" "$5: one mail, no merge"
	like "$(told)" "$4" "$5: says why"
}
refused x1 "$(tok "$c3" a)" "#merge $c5" "case #5 is in queue sales, which you are not in" "#merge of another queue's case"
refused x2 "$(tok "$c3" a)" "#merge $c3" "case #3 cannot be merged into itself" "#merge into itself"
refused x3 "$(tok "$c3" a)" "#merge 999" "there is no case #999" "#merge of an unknown case"
refused x4 "$(tok "$c3" a)" "#merge $c4" "case #4 was merged into case #3: merging #3 into it would make a cycle" "#merge into a case merged into this one"
refused x5 "$(tok "$c4" a)" "#merge 1" "case #4 was merged into case #3 already: write #merge to case #3" \
	"#merge written to a merged case's address"
like "$(sql "SELECT detail FROM events WHERE case_id = 3 AND type = 'command-error' ORDER BY id DESC LIMIT 1")" \
	"^#merge 1: case #4 was merged" "the case records the refusal"

# --- forged: nothing merged, nothing mailed but the usual ---------------------------------
merge f1 "$(tok "$c3" a)" "Mallory <mallory@example.net>" "#merge 1"
is "$RC:$(sql "SELECT merged_into FROM cases WHERE id = 3")" "0:" "the agent address from a stranger: nothing merged"
echo "authserv_id = mx.example.org" >>"$CONF"
merge f2 "$(tok "$c3" a)" "Alice Agent <alice@example.org>" "#merge 1"
like "$RC:$ERR" "^0:.*class=untrusted, .*mail=unverified" "a forged From of the agent (not verified by our MTA): untrusted"
is "$(sql "SELECT merged_into FROM cases WHERE id = 3")" "" "and nothing merged"
sed -i '/^authserv_id/d' "$CONF"
merge f3 "$(tok "$c3" c)" "Alice Agent <alice@example.org>" "#merge 1"
is "$(sql "SELECT merged_into FROM cases WHERE id = 3"):$(sql "SELECT kind FROM messages WHERE message_id = 'f3.$$@example.net'")" ":customer" \
	"#merge to the customer address: a customer mail, no command"
deliver "$M/m1" "$(tok "$c4" a)" alice@example.org
is "$RC:$(sql "SELECT count(*) FROM events WHERE type = 'merged-from'")" "0:2" "the same #merge mail again: a duplicate, nothing twice"

# --- a chain: 4 is in 3, 3 goes into 1 --------------------------------------------------
m3=$(sql "SELECT count(*) FROM messages WHERE case_id = 3")
run "$POSTDESK" case merge "$c3" 1 --json
is "$RC:$OUT" '0:{"source":3,"target":1,"messages":'"$m3"',"attachments":0,"watchers":1,"outbox":0}' "case merge 3 1 --json"
is "$(sql "SELECT merged_into FROM cases WHERE id = 4")" 1 "case 4 points at case 1 now"
reply z2 "$(tok 4 c)" "Und der Toner?" '"Zoë Ärger" <zoë@example.de>' "Re: Toner fast leer"
like "$ERR" "case=1, action=follow-up" "case 4's customer token: along the chain into case 1"
ack4=$(sql "SELECT message_id FROM messages WHERE direction = 'out' AND kind = 'auto' AND subject LIKE '%Toner fast leer%'")
reply z3 support@example.org "Hallo?" '"Zoë Ärger" <zoë@example.de>' "Re: Toner" "References: <$ack4>"
like "$ERR" "case=1, action=follow-up, .*via=signed-reference" "References case 4's ack: case 1"
# a chain made by hand (not by postdesk): bounded, refused, not followed for ever
sql "INSERT INTO cases (id, queue_id, subject, merged_into) VALUES (1000, 1, 'loop', 5);
     UPDATE cases SET merged_into = 1000 WHERE id = 5" >/dev/null
reply l1 "$(tok 5 c)" "Loop." '"Jan Kowalski" <jan@example.net>' "Re: Parcel"
like "$RC:$ERR" "^0:.*merged more than 16 times over, or in a cycle.*quarantined" \
	"a cycle in the database: the mail is kept (quarantined), not looped on"
is "$(sql "SELECT c.quarantined FROM messages m JOIN cases c ON c.id = m.case_id ORDER BY m.id DESC LIMIT 1")" t \
	"in a quarantined case"
# a subject tag of no case at all: no case to follow, a new case
printf 'Hello?\n' | mail "$M/notag" "jan@example.net" "Re: [Helpdesk #987654] Toner"
deliver "$M/notag" support@example.org jan@example.net
like "$RC:$ERR" "^0:.*action=new" "a subject tag naming no case: a new case"
finish
