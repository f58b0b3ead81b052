#!/bin/sh
# db_people.sh: the people of a case (issue 15), against the real
# PostgreSQL and a real SMTP receiver (Postfix's smtp-sink): an agent's
# "#cc ADDR" makes a watcher whom the next answer reaches, "#uncc ADDR"
# stops that, notifications say who is copied; a stranger or a forged agent
# From cannot copy anyone; "postdesk customer alias" makes a customer's
# second address thread as theirs (subject tag, References, new cases);
# survey ratings count only from the case's people; a bounced ack tells the
# assignee once, a rating of 1 tells the assignee and the escalation
# address once; "postdesk case assign" mails the new assignee.
. "$TEST_SRCDIR/lib.sh"
plan 86
setup_helpdesk
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue support >/dev/null
sql "UPDATE queues SET escalate_to = 'lead@example.org' WHERE name = 'support'"
KEY=$T_DIR/secret.key
M=$T_DIR/mail
mkdir -p "$M"
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
trap 'exit 1' INT TERM
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"

# raw OUTBOX_ID: the queued message as text
raw() { sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE id = $1"; }
# header NAME TEXT: the first value of a header in a message text
header() { printf '%s\n' "$2" | tr -d '\r' | sed -n "s/^$1: //Ip" | head -n 1; }
# rows KIND [CASE]: the outbox rows of a kind, as "recipients" lines, oldest first
rows() { sql "SELECT array_to_string(recipients, ',') FROM outbox WHERE kind = '$1' ${2:+AND case_id = $2} ORDER BY id"; }
# count KIND [CASE]: how many outbox rows of a kind
count() { sql "SELECT count(*) FROM outbox WHERE kind = '$1' ${2:+AND case_id = $2}"; }
# events CASE TYPE: the details of a case's events of a type, "; "-joined
events() { sql "SELECT coalesce(string_agg(coalesce(detail, '-'), '; ' ORDER BY id), '') FROM events WHERE case_id = $1 AND type = '$2'"; }
# watchers CASE: the case's watchers, ","-joined
watchers() { sql "SELECT coalesce(string_agg(address, ',' ORDER BY address), '') FROM watchers WHERE case_id = $1"; }
# received ADDR SUBJECT-PART: how many messages the sink got for ADDR with that subject
received() {
	$SINK count "$T_DIR/sink" 1 2 >/dev/null
	n=0
	for f in "$T_DIR/sink/mail"/*; do
		[ -f "$f" ] || continue
		if tr -d '\r' <"$f" | grep -Eqi "^(To|Cc): .*$1" && tr -d '\r' <"$f" | grep -q "^Subject: .*$2"; then
			n=$((n + 1))
		fi
	done
	echo "$n"
}
# thunderbird FILE TO SUBJECT: an agent's Thunderbird mail (body on stdin)
# from alice, as Thunderbird 115 writes a plain-text reply
thunderbird() {
	{
		printf 'Message-ID: <%s.%s@example.org>\nDate: Mon, 23 Nov 2026 09:14:02 +0100\nMIME-Version: 1.0\n' \
			"$(basename "$1")" "$$"
		printf 'User-Agent: Mozilla Thunderbird\nContent-Language: en-US\nTo: %s\n' "$2"
		printf 'From: Alice Agent <alice@example.org>\nSubject: %s\n' "$3"
		printf 'Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 7bit\n\n'
		cat
	} >"$1"
}

# --- a case; the agents' token ------------------------------------------------
printf 'Hello,\n\nmy invoice 2026/117 is wrong.\n\nJan\n' | mail "$M/new" '"Jan Nowak" <jan@example.net>' "Invoice wrong"
deliver "$M/new" support@example.org jan@example.net
like "$RC:$ERR" "^0:.*case=1, action=new" "a customer's mail: case 1"
atok=support+$("$TOKENTOOL" "$KEY" 1 a)@example.org
N=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'notify' ORDER BY id LIMIT 1")")
is "$(printf '%s' "$N" | grep -c 'Copied:')" 0 "nobody copied yet: the notification says nothing of it"

# --- #cc: a watcher, confirmed to the agent, told once ---------------------------------
printf '#cc Ewa.Kowalska@Example.NET\n\n-- \nAlice\n' | thunderbird "$M/cc1" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/cc1" "$atok" alice@example.org
like "$RC:$ERR" "^0:.*case=1, .*mail=commands" "an agent's #cc alone: commands, nothing relayed"
is "$(watchers 1)" "ewa.kowalska@example.net" "the address (folded) watches the case"
is "$(sql "SELECT actor || ' ' || detail FROM events WHERE case_id = 1 AND type = 'watcher-added'")" \
	"alice@example.org ewa.kowalska@example.net" "a watcher-added event by the agent"
D=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'agent-done' ORDER BY id DESC LIMIT 1")")
like "$D" "Copied: +ewa.kowalska@example.net" "the agent's confirmation says who is copied"
is "$(count reply)" 0 "nothing went to the customer"
printf '#cc ewa.kowalska@example.net\n' | thunderbird "$M/cc2" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/cc2" "$atok" alice@example.org
is "$(sql "SELECT count(*) FROM events WHERE case_id = 1 AND type = 'watcher-added'")" 1 "#cc again: no second watcher or event"
like "$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'agent-done' ORDER BY id DESC LIMIT 1")")" \
	"Copied already: ewa.kowalska@example.net \(already copied\)" "... and the agent is told it was already"

# --- the customer writes again: the notification names who is copied -----------------------
printf 'Any news?\n' | mail "$M/again" "jan@example.net" "Re: [Helpdesk #1] Invoice wrong" \
	"In-Reply-To: <$(msgid "$M/new")>"
deliver "$M/again" support@example.org jan@example.net
like "$ERR" "case=1, action=follow-up, .*mail=notify" "the customer's follow-up"
F=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'notify' ORDER BY id DESC LIMIT 1")")
like "$F" "Copied: ewa.kowalska@example.net" "the follow-up notification says who is copied"

# --- an answer reaches the watcher ------------------------------------------------------------
printf 'Dear Jan,\n\nthe corrected invoice is on its way.\n\nAlice\n' | thunderbird "$M/answer1" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/answer1" "$atok" alice@example.org
like "$RC:$ERR" "^0:.*mail=relay" "the agent's answer is relayed"
is "$(rows reply 1)" "jan@example.net,ewa.kowalska@example.net" "to the customer and the watcher"
is "$(received ewa.kowalska@example.net 'Invoice wrong')" 1 "the SMTP receiver got it for the watcher (Cc)"

# --- #cc and an answer in one mail: the new watcher gets that answer --------------------------
printf '#cc piotr@firma.example.pl\n\nDear Jan,\nI copy Piotr from accounting.\n' | thunderbird "$M/answer2" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/answer2" "$atok" alice@example.org
is "$(rows reply 1 | tail -n 1)" "jan@example.net,ewa.kowalska@example.net,piotr@firma.example.pl" \
	"#cc with an answer: the answer already reaches the new watcher"

# --- #uncc: no longer copied -------------------------------------------------------------------
printf '#uncc EWA.KOWALSKA@example.net\n#uncc nobody-here@example.net\n' | thunderbird "$M/uncc" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/uncc" "$atok" alice@example.org
is "$(watchers 1)" "piotr@firma.example.pl" "#uncc: the address watches no more"
is "$(events 1 watcher-removed)" "ewa.kowalska@example.net" "a watcher-removed event (none for an address that was no watcher)"
D=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'agent-done' ORDER BY id DESC LIMIT 1")")
like "$D" "No longer copied: ewa.kowalska@example.net" "the confirmation says who is no longer copied"
like "$D" "Was not copied: nobody-here@example.net" "... and who was not copied anyway"
printf '#uncc ewa.kowalska@example.net\n' | thunderbird "$M/uncc2" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/uncc2" "$atok" alice@example.org
is "$(sql "SELECT count(*) FROM events WHERE case_id = 1 AND type = 'watcher-removed'")" 1 "#uncc again: no second event"
printf 'Dear Jan,\nhere it is.\n' | thunderbird "$M/answer3" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/answer3" "$atok" alice@example.org
is "$(rows reply 1 | tail -n 1)" "jan@example.net,piotr@firma.example.pl" "the next answer no longer reaches the removed watcher"

# --- #cc refused: an agent, a queue address; nothing else done -----------------------------------
printf '#cc bob@example.org\n\nDear Jan, see Bob.\n' | thunderbird "$M/cc-agent" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/cc-agent" "$atok" alice@example.org
replies=$(count reply 1)
like "$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'agent-error' ORDER BY id DESC LIMIT 1")")" \
	"bob@example.org is an agent" "#cc of an agent: the agent is told why"
is "$(watchers 1):$replies" "piotr@firma.example.pl:3" "... no watcher, and the answer in that mail not relayed"
printf '#cc sales+x@example.org\n' | thunderbird "$M/cc-queue" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/cc-queue" "$atok" alice@example.org
like "$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'agent-error' ORDER BY id DESC LIMIT 1")")" \
	"sales\+x@example.org is a queue address" "#cc of a queue address (with an extension): refused"
printf '#cc jan@example.net\n' | thunderbird "$M/cc-cust" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/cc-cust" "$atok" alice@example.org
like "$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'agent-done' ORDER BY id DESC LIMIT 1")")" \
	"jan@example.net \(the customer\)" "#cc of the customer: nothing to do, said so"
printf '#cc zofia.dąbrowska@przykład.pl\n' | thunderbird "$M/cc-utf8" "$atok" "Re: [Helpdesk #1] Invoice wrong"
sed -i 's/charset=UTF-8; format=flowed/charset=UTF-8/; s/7bit/8bit/' "$M/cc-utf8"
deliver "$M/cc-utf8" "$atok" alice@example.org
like "$RC:$(watchers 1)" "^0:.*zofia.dąbrowska@przykład.pl" "a non-ASCII address can be copied"

# --- forged: a stranger on the agent token, a forged agent From -----------------------------------
printf '#cc mallory@evil.example\n\nRefund me.\n' | mail "$M/forge1" "Mallory <mallory@evil.example>" "Re: [Helpdesk #1] x"
deliver "$M/forge1" "$atok" mallory@evil.example
like "$RC:$ERR" "^0:.*class=untrusted, .*mail=none" "a stranger's #cc on the agent token: stored untrusted, nothing sent"
echo "authserv_id = mx.example.org" >>"$CONF"
printf '#cc mallory@evil.example\n' | thunderbird "$M/forge2" "$atok" "Re: [Helpdesk #1] Invoice wrong"
deliver "$M/forge2" "$atok" alice@example.org
like "$RC:$ERR" "^0:.*class=untrusted, .*mail=unverified" "From alice, not verified by the MTA: untrusted"
sed -i '/^authserv_id/d' "$CONF"
like "$(watchers 1)" "^piotr@firma.example.pl,zofia" "neither forged #cc made a watcher"
is "$(sql "SELECT count(*) FROM events WHERE detail LIKE '%mallory%' AND type = 'watcher-added'")" 0 "... nor an event"

# --- customer alias: refusals, idempotence, listing -----------------------------------------------
printf 'Order 88?\n' | mail "$M/other" "Busy Bee <busy@example.net>" "Order 88"
deliver "$M/other" support@example.org busy@example.net
run "$POSTDESK" customer alias jan@example.net Jan.Nowak@Firma.Example.PL
is "$RC:$OUT" "0:customer jan@example.net: alias jan.nowak@firma.example.pl added" "an alias added (folded)"
run "$POSTDESK" customer alias jan@example.net jan.nowak@firma.example.pl
is "$RC:$OUT" "0:customer jan@example.net: jan.nowak@firma.example.pl is an alias already" "added again: said, nothing changed"
run "$POSTDESK" customer alias jan@example.net alice@example.org
like "$RC:$ERR" "^1:.*alice@example.org is an agent" "an agent's address: refused, saying why"
run "$POSTDESK" customer alias jan@example.net support+c1.0.abc@example.org
like "$RC:$ERR" "^1:.*support\+c1.0.abc@example.org is a queue address" "a queue address (with an extension): refused"
run "$POSTDESK" customer alias jan@example.net busy@example.net
like "$RC:$ERR" "^1:.*busy@example.net is a customer with 1 case of its own" "another customer with cases: refused"
run "$POSTDESK" customer alias busy@example.net jan.nowak@firma.example.pl
like "$RC:$ERR" "^1:.*already an alias of jan@example.net" "another customer's alias: refused"
run "$POSTDESK" customer alias jan.nowak@firma.example.pl x@example.net
like "$RC:$ERR" "^1:.*jan.nowak@firma.example.pl is itself an alias of jan@example.net" "an alias cannot have aliases"
run "$POSTDESK" customer alias jan@example.net jan@example.net
like "$RC:$ERR" "^1:.*cannot be an alias of itself" "itself: refused"
run "$POSTDESK" customer alias jan@example.net 'not an address'
is "$RC" 1 "not an address: refused"
"$POSTDESK" customer alias jan@example.net jan.old@example.com >/dev/null
run "$POSTDESK" customer alias jan@example.net
like "$OUT" "jan.nowak@firma.example.pl" "listed"
run "$POSTDESK" customer alias jan@example.net --json
like "$OUT" '^\{"customer":"jan@example.net","aliases":\[\{"address":"jan.nowak@firma.example.pl","created":"[0-9T:Z-]+"\},\{"address":"jan.old@example.com"' \
	"listed as JSON"
run "$POSTDESK" customer alias jan@example.net jan.old@example.com --remove
is "$RC:$OUT" "0:customer jan@example.net: alias jan.old@example.com removed" "--remove"
run "$POSTDESK" customer alias jan@example.net jan.old@example.com --remove
is "$RC:$OUT" "0:customer jan@example.net: jan.old@example.com was no alias (nothing removed)" "--remove again: said, exit 0"
run "$POSTDESK" customer alias nobody@example.net
like "$RC:$ERR" "^1:.*no customer nobody@example.net" "listing an unknown customer"
run "$POSTDESK" customer frob
is "$RC" 64 "an unknown action: EX_USAGE"

# --- mail from the alias threads as the customer's ------------------------------------------------
# Outlook (German) from the alias: the subject tag only, no token, no references
cat >"$M/alias-tag" <<'EOF'
From: "Nowak, Jan" <jan.nowak@firma.example.pl>
To: "support@example.org" <support@example.org>
Subject: AW: [Helpdesk #1] Invoice wrong
Thread-Topic: [Helpdesk #1] Invoice wrong
Thread-Index: AdnYk3RzKq1Vx0XyTfK2m2xUo7M9Sg==
Date: Mon, 23 Nov 2026 11:02:41 +0000
Message-ID: <AM0PR07MB6123D4E5F0A1B2C3D4E5F6A7B8C9D@AM0PR07MB6123.eurprd07.prod.outlook.com>
Accept-Language: de-DE, en-US
Content-Language: de-DE
X-MS-Has-Attach:
Content-Type: text/plain; charset="iso-8859-1"
Content-Transfer-Encoding: quoted-printable
MIME-Version: 1.0

Danke, ich schreibe jetzt von der Firmenadresse.

Gr=FC=DFe
Jan
EOF
# the same from a stranger first: a new case (the tag alone never threads)
sed 's/jan.nowak@firma.example.pl/ola@elsewhere.example/; s/AM0PR07MB6123D4/AM0PR07MB6999D4/' "$M/alias-tag" >"$M/stranger-tag"
deliver "$M/stranger-tag" support@example.org ola@elsewhere.example
like "$ERR" "action=new" "a stranger with the subject tag: a new case"
deliver "$M/alias-tag" support@example.org jan.nowak@firma.example.pl
like "$RC:$ERR" "^0:.*case=1, action=follow-up, .*via=subject-tag" "the alias with the subject tag: case 1"
# by References to the customer's own (unsigned) Message-ID
printf 'One more thing.\n' | mail "$M/alias-ref" "jan.nowak@firma.example.pl" "Re: Invoice wrong" \
	"References: <$(msgid "$M/new")>"
deliver "$M/alias-ref" support@example.org jan.nowak@firma.example.pl
like "$RC:$ERR" "^0:.*case=1, action=follow-up, .*via=reference" "the alias by References: case 1"
printf 'New topic: my address changed.\n' | mail "$M/alias-new" "jan.nowak@firma.example.pl" "Address change"
deliver "$M/alias-new" support@example.org jan.nowak@firma.example.pl
ca=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
like "$ERR" "action=new" "the alias on a new topic: a new case"
is "$(sql "SELECT cu.email FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ${ca:-0}")" \
	"jan@example.net" "... whose customer is the customer, not a new one"
is "$(sql "SELECT count(*) FROM customers WHERE email = 'jan.nowak@firma.example.pl'")" 0 "no customer row for the alias"

# --- survey ratings: only the case's people count ---------------------------------------------------
"$POSTDESK" case status 1 resolved >/dev/null
rate1=support+$("$TOKENTOOL" "$KEY" 1 ra)@example.org
rate5=support+$("$TOKENTOOL" "$KEY" 1 re)@example.org
printf 'Worst ever.\n' | mail "$M/rate-stranger" "Mallory <mallory@evil.example>" "Re: How did we do?"
deliver "$M/rate-stranger" "$rate1" mallory@evil.example
like "$RC:$ERR" "^0:.*case=1, .*mail=none" "a stranger holding the survey address: stored, nothing sent"
is "$(sql "SELECT coalesce(rating::text, 'none') FROM cases WHERE id = 1")" "none" "... no rating"
like "$(events 1 rating-ignored)" "1 of 5 from mallory@evil.example, who is not the customer" "... a rating-ignored event"
is "$(count low-rating)" 0 "... and nobody is told of a low rating"
printf 'Good.\n' | mail "$M/rate-agent" "Alice Agent <alice@example.org>" "Re: How did we do?"
deliver "$M/rate-agent" "$rate5" alice@example.org
is "$(sql "SELECT coalesce(rating::text, 'none') FROM cases WHERE id = 1")" "none" "the case's own agent does not rate it"
# Gmail, the customer: a rating of 1 with a comment above the quoted survey
cat >"$M/rate-jan" <<EOF
MIME-Version: 1.0
Date: Tue, 24 Nov 2026 08:30:11 +0100
Message-ID: <CAHk7rPq0xZJ3v9yL2nQ8wE5mT1uB6dF4gS7hK2jL9pM3nR5tX@mail.gmail.com>
Subject: Re: [Helpdesk #1] How did we do?
From: Jan Nowak <jan@example.net>
To: $rate1
Content-Type: text/plain; charset="UTF-8"

It took a week and two reminders.

On Mon, 23 Nov 2026 at 12:00, Helpdesk <support@example.org> wrote:
> How did we do?
EOF
deliver "$M/rate-jan" "$rate1" jan@example.net
like "$RC:$ERR" "^0:.*case=1, .*mail=low-rating" "the customer rates 1"
is "$(sql "SELECT rating || ' ' || rating_comment FROM cases WHERE id = 1")" "1 It took a week and two reminders." "rated, with the comment"
is "$(rows low-rating 1)" "alice@example.org
lead@example.org" "one low-rating notice to the assignee, one to the escalation address"
L=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'low-rating' ORDER BY id LIMIT 1")")
like "$L" "It took a week and two reminders" "the notice carries the comment"
like "$(header Subject "$L")" "Low rating 1 of 5" "... and the rating in its subject"
like "$(header Reply-To "$L")" "^support\+a1\." "... and the agent Reply-To token"
is "$(received lead@example.org 'Low rating')" 1 "the escalation address got it over SMTP"
printf 'Still 1.\n' | mail "$M/rate-jan2" "jan@example.net" "Re: How did we do?"
deliver "$M/rate-jan2" "$rate1" jan@example.net
is "$(count low-rating 1)" 2 "the same rating again: nobody told twice"
printf 'Ok, it works now.\n' | mail "$M/rate-alias" "jan.nowak@firma.example.pl" "Re: How did we do?"
deliver "$M/rate-alias" "$rate5" jan.nowak@firma.example.pl
is "$(sql "SELECT rating FROM cases WHERE id = 1")" 5 "an alias of the customer rates"
is "$(count low-rating 1)" 2 "a good rating tells nobody"

# --- case assign mails the new assignee ----------------------------------------------------------------
printf 'Dobrý den,\nkde je můj balík?\n' | mail "$M/parcel" "Milan Novák <milan.novak@example.cz>" "Balík"
deliver "$M/parcel" support@example.org milan.novak@example.cz
cp=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
run "$POSTDESK" case assign "$cp" Bob@Example.org
is "$RC:$OUT" "0:case $cp: assigned bob@example.org" "case assign"
is "$(rows assigned "$cp")" "bob@example.org" "the new assignee is mailed (template assigned)"
like "$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'assigned' AND case_id = $cp")")" "\(postdesk case assign\) has assigned case #$cp" \
	"... saying who assigned it"
is "$(sql "SELECT status FROM outbox WHERE kind = 'assigned' AND case_id = $cp")" "sent" "... sent right after the commit"
"$POSTDESK" case assign "$cp" bob@example.org >/dev/null
is "$(count assigned "$cp")" 1 "the same assignee again: no second mail"
sql "UPDATE agents SET active = false WHERE email = 'bob@example.org'"
"$POSTDESK" case assign 1 bob@example.org >/dev/null
is "$(count assigned 1)" 0 "an inactive agent is assigned but not mailed"
sql "UPDATE agents SET active = true WHERE email = 'bob@example.org'"
run "$POSTDESK" case assign 999 bob@example.org
like "$RC:$ERR:$(count assigned 999)" "^1:.*no case 999:0" "a case that does not exist: refused, nothing mailed"
"$POSTDESK" case assign "$cp" alice@example.org >/dev/null

# --- a DSN for the ack: the assignee told once, with the reason ------------------------------------------
ackid=$(header Message-I[dD] "$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'ack' AND case_id = $cp")")" | tr -d '<>')
# dsn FILE MESSAGE-ID ORIGINAL-ID: a Postfix bounce of our mail to milan.novak@example.cz
dsn() {
	sed -e "s/^Message-Id: <.*>/Message-Id: <$2>/" -e "s/^Message-ID: <pd\..*>/Message-ID: <$3>/" \
		-e "s/[Nn]obody@[Ee]xample\.[Nn][Ee][Tt]/milan.novak@example.cz/g" \
		"$TEST_SRCDIR/fixtures/bounce-dsn.eml" >"$1"
}
dsn "$M/dsn1" 20261124.A1@mx.example.org "$ackid"
deliver "$M/dsn1" support@example.org ""
like "$RC:$ERR" "^0:.*case=$cp, action=follow-up, class=bounce, .*mail=bounce-notice" "the DSN threads to the case: a bounce notice"
is "$(sql "SELECT bounced_at IS NOT NULL FROM customers WHERE email = 'milan.novak@example.cz'")" t "the address is marked"
is "$(rows bounce-notice "$cp")" "alice@example.org" "exactly one notice, to the assignee"
B=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'bounce-notice' AND case_id = $cp")")
like "$B" "550 5.1.1" "the notice gives the reason"
like "$(header Reply-To "$B")" "^support\+a$cp\." "... and the agent Reply-To token"
is "$(received alice@example.org 'Mail not delivered')" 1 "the SMTP receiver got the notice"
deliver "$M/dsn1" support@example.org ""
like "$ERR" "action=duplicate" "the same DSN again: a duplicate"
dsn "$M/dsn2" 20261125.B2@mx.example.org "$ackid"
deliver "$M/dsn2" support@example.org ""
like "$RC:$ERR" "^0:.*case=$cp, .*class=bounce" "a second DSN for the address"
is "$(count bounce-notice "$cp")" 1 "... tells nobody again"
is "$(events "$cp" bounce-notice)" "milan.novak@example.cz" "one bounce-notice event"
# a DSN of mail of no case of ours: a case of its own, nobody told
dsn "$M/dsn3" 20261125.C3@mx.example.org "unknown.123@example.org"
deliver "$M/dsn3" support@example.org ""
like "$RC:$ERR" "^0:.*action=new, class=bounce, .*mail=none" "a DSN of no case of ours: nobody told"

# --- the mail the sink got equals what was sent -----------------------------------------------------------
sent=$(sql "SELECT count(*) FROM outbox WHERE status = 'sent'")
is "$($SINK count "$T_DIR/sink" "$sent" 10)" "$sent" "every sent row reached the SMTP receiver ($sent)"
is "$(sql "SELECT count(*) FROM outbox WHERE status <> 'sent'")" 0 "nothing left unsent"
finish
