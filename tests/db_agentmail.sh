#!/bin/sh
# db_agentmail.sh: what an agent's mail does beyond an answer: commands
# alone are confirmed and not relayed; a bad #assign stops the whole mail
# before anything is sent (and says so once); a new assignee is told; an
# answer that still holds one of our token addresses is refused and the
# agent told why; the lines of our own notification never reach the
# customer; the customer's second address writing through the case's token
# becomes a watcher.
. "$TEST_SRCDIR/lib.sh"
plan 27
setup_helpdesk
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue support >/dev/null
M=$T_DIR/mail
mkdir -p "$M"

# raw OUTBOX_ID: the queued message as text, unfolded, CR dropped
raw() { sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE id = $1" | tr -d '\r'; }
header() { printf '%s\n' "$2" | sed -n "s/^$1: //Ip" | head -n 1; }
last() { sql "SELECT id FROM outbox WHERE kind = '$1' ORDER BY id DESC LIMIT 1"; }
count() { sql "SELECT count(*) FROM outbox WHERE kind = '$1'"; }
# body TEXT: the decoded text/plain part of a queued message
body() { printf '%s\n' "$1" | python3 -c 'import email,sys
m=email.message_from_string(sys.stdin.read())
for p in m.walk():
    if p.get_content_type()=="text/plain":
        sys.stdout.write(p.get_payload(decode=True).decode("utf-8"));break'; }

printf 'Hello,\nmy invoice 2024/117 is wrong: it says 117 EUR.\n' |
	mail "$M/new" '"Jan Kowalski" <jan@example.net>' "Invoice wrong"
deliver "$M/new" support@example.org jan@example.net
N=$(raw "$(last notify)")
atok=$(header Reply-To "$N")
ntok=$(body "$N" | grep -o 'support+n1\.[0-9]*\.[0-9a-f]*@example.org' | head -n 1)
like "$atok:$ntok" "^support\+a1\..*:support\+n1\." "the notification names the agent and note addresses"

# --- commands alone: confirmed, not relayed ---------------------------------------
printf '#priority high\n\nOn Sun, 22 Nov 2026 at 10:00, Jan Kowalski via Helpdesk wrote:\n> Hello,\n' |
	mail "$M/prio" "Alice Agent <alice@example.org>" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/prio" "$atok" alice@example.org
like "$RC:$ERR" "^0:.*mail=commands" "a mail of commands alone: logged as commands"
is "$(count reply)" 0 "nothing relayed to the customer"
is "$(sql "SELECT priority FROM cases WHERE id = 1")" high "the command was carried out"
D=$(raw "$(last agent-done)")
is "$(sql "SELECT array_to_string(recipients, ',') FROM outbox WHERE id = $(last agent-done)")" alice@example.org \
	"the agent gets a confirmation"
like "$(body "$D")" "Priority: +high" "which says what was done"
like "$(body "$D")" "nothing was sent to them" "and that nothing was sent"
like "$(header Reply-To "$D")" "^support\+a1\." "the confirmation can be answered to act on the case"

# --- a bad #assign: nothing sent, nothing changed, said once ---------------------------
printf '#assign nobody@example.org\n#status pending\nDear Jan, fixed.\n' |
	mail "$M/badassign" "Alice Agent <alice@example.org>" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/badassign" "$atok" alice@example.org
like "$ERR" "mail=relay" "the mail was planned as an answer"
is "$(count reply)" 0 "a bad #assign: the answer is not relayed"
is "$(sql "SELECT status FROM cases WHERE id = 1")" new "and the case is not changed"
E=$(body "$(raw "$(last agent-error)")")
is "$(printf '%s\n' "$E" | grep -c 'nobody@example.org')" 1 "the error names the bad line once"
like "$E" "no such active agent" "and says why"

# --- #assign to another agent: the new assignee is told --------------------------------
printf '#assign bob@example.org\n' | mail "$M/assign" "Alice Agent <alice@example.org>" "Re: x"
deliver "$M/assign" "$atok" alice@example.org
is "$(sql "SELECT a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = 1")" bob@example.org \
	"#assign: the case is Bob's"
is "$(sql "SELECT array_to_string(recipients, ',') FROM outbox WHERE kind = 'assigned'")" bob@example.org \
	"Bob is told"
like "$(body "$(raw "$(last assigned)")")" "alice@example.org has assigned case #1" "by whom"
like "$(body "$(raw "$(last agent-done)")")" "Assigned to: bob@example.org" "Alice's confirmation says so"

# --- a token address in a quoted header block no rule knows (Swedish Outlook) -------------
{
	printf 'Dear Jan, the corrected invoice is on its way.\n\n'
	printf 'Från: Alice Agent <alice@example.org>\nSkickat: den 22 november 2026 10:00\n'
	printf 'Till: %s\nÄmne: Re: [Helpdesk #1] Invoice wrong\n\nI will look at it.\n' "$atok"
} | mail "$M/leak" "Bob Builder <bob@example.org>" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/leak" "$atok" bob@example.org
is "$(count reply)" 0 "an answer holding our agent address is not relayed"
is "$(count relay-refused)" 1 "the agent is told instead"
like "$(body "$(raw "$(last relay-refused)")")" "internal reply addresses" "and why"
is "$(sql "SELECT count(*) FROM events WHERE case_id = 1 AND type = 'relay-skipped' AND detail LIKE '%token%'")" 1 \
	"the case records it"
is "$(sql "SELECT status FROM cases WHERE id = 1")" new "the case is not changed"

# --- the notification's lines are dropped wherever they are ----------------------------
{
	printf 'Dear Jan, the corrected invoice is on its way.\n\n'
	body "$N" | grep -v 'support+' | sed 's/^/| /'
} | mail "$M/lines" "Bob Builder <bob@example.org>" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/lines" "$atok" bob@example.org
R=$(body "$(raw "$(last reply)")")
like "$R" "corrected invoice is on its way" "the answer is relayed"
if printf '%s\n' "$R" | grep -q 'whoever answers first'; then ok 1 "the notification's lines left out"; else ok 0 "the notification's lines left out"; fi
like "$R" "my invoice 2024/117 is wrong" "the customer's own words quoted are kept"

# --- the customer's second address through the case's token ----------------------------
ctok=$(header Reply-To "$(raw "$(last reply)")")
printf 'My colleague writes from home.\n' | mail "$M/second" "Jan at home <jan.k@example.com>" "Re: Invoice wrong"
deliver "$M/second" "$ctok" jan.k@example.com
like "$ERR" "case=1, action=follow-up" "the second address threads into the case"
is "$(sql "SELECT string_agg(address, ',') FROM watchers WHERE case_id = 1")" jan.k@example.com \
	"and becomes a watcher (the customer's own address does not)"
finish
