#!/bin/sh
# db_outbound.sh: what deliver sends: the acknowledgment, agent
# notifications (their HTML part's one-click actions), agents' answers
# relayed to the customer, notes, #commands, replies to escalations,
# etiquette (no ack to robots or auto-replies, a daily limit), and the
# sending itself to a real SMTP receiver (Postfix's smtp-sink).
. "$TEST_SRCDIR/lib.sh"
plan 67
setup_helpdesk
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue support >/dev/null
M=$T_DIR/mail
mkdir -p "$M"
echo "auto_reply_limit = 3" >>"$CONF"

# raw OUTBOX_ID: the queued message as text
raw() { sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE id = $1"; }
# header NAME TEXT: the first value of a header in a message text
header() { printf '%s\n' "$2" | tr -d '\r' | sed -n "s/^$1: //Ip" | head -n 1; }

# --- a new case: ack to the customer, notification to the agents -------------
printf 'Hello,\nmy invoice is wrong.\n' | mail "$M/new" '"Jan Kowalski" <jan@example.net>' "Invoice wrong" \
	"Cc: ewa@example.net"
deliver "$M/new" support@example.org jan@example.net
like "$RC:$ERR" "^0:.*case=1, action=new, .*mail=ack\+notify, sent=0/3" "new case: ack and two notifications queued, none sent (no SMTP)"
is "$(sql "SELECT string_agg(kind || ':' || array_to_string(recipients, ','), ' ' ORDER BY id) FROM outbox")" \
	"ack:jan@example.net notify:alice@example.org notify:bob@example.org" "outbox rows: ack to the customer, one notification per agent"
ack=$(sql "SELECT id FROM outbox WHERE kind = 'ack'")
A=$(raw "$ack")
is "$(sql "SELECT envelope_from FROM outbox WHERE id = $ack")" "" "ack uses the null envelope sender (RFC 3834)"
is "$(header Auto-Submitted "$A")" "auto-replied" "ack: Auto-Submitted: auto-replied"
is "$(header X-Postdesk-Loop "$A")" "support@example.org" "ack: our loop header"
is "$(header In-Reply-To "$A")" "<$(msgid "$M/new")>" "ack threads to the customer's mail"
like "$(header Reply-To "$A")" "^support\+c1\.[0-9]+\.[0-9a-f]{20}@example\.org$" "ack: Reply-To is the case's token address"
like "$(header Subject "$A")" "#1\]" "ack subject carries the case tag"
like "$(header Message-I[dD] "$A")" "^<pd\.m1\." "ack Message-ID is signed"
is "$(sql "SELECT count(*) FROM messages WHERE case_id = 1 AND direction = 'out' AND kind = 'auto'")" 1 "the ack is part of the case"
N=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'notify' ORDER BY id LIMIT 1")")
like "$(header From "$N")" "Jan Kowalski via Helpdesk" "notification comes from the customer via the helpdesk"
like "$(header Reply-To "$N")" "^support\+a1\." "notification: Reply-To is the agent token address"
like "$N" "my invoice is wrong" "notification carries the customer's text"

# --- the customer's reply to the ack: follow-up, no second ack ----------------
ackid=$(header Message-I[dD] "$A" | tr -d '<>')
printf 'Any news?\n' | mail "$M/again" "jan@example.net" "Re: Invoice wrong" "In-Reply-To: <$ackid>"
deliver "$M/again" support@example.org jan@example.net
like "$ERR" "case=1, action=follow-up, .*via=signed-reference, mail=notify" "reply to the ack: follow-up, agents notified, no ack"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'ack'")" 1 "still one ack"

# --- an out-of-office answer to our ack: stored, nothing sent -----------------
before=$(sql "SELECT count(*) FROM outbox")
printf 'I am away.\n' | mail "$M/ooo" "jan@example.net" "Automatic reply: Invoice wrong" \
	"In-Reply-To: <$ackid>" "Auto-Submitted: auto-replied"
deliver "$M/ooo" support@example.org jan@example.net
like "$ERR" "class=auto-reply, .*mail=none" "auto-reply to our ack: no mail at all"
is "$(sql "SELECT count(*) FROM outbox")" "$before" "nothing queued (the loop stops here)"

# --- robots get no ack; the daily limit holds ----------------------------------
printf 'Order shipped.\n' | mail "$M/robot" "noreply@shop.example.com" "Your order"
deliver "$M/robot" support@example.org noreply@shop.example.com
like "$ERR" "action=new, .*mail=notify," "noreply sender: a case, agents notified, no ack"
for i in 1 2 3; do
	printf 'Case %s\n' "$i" | mail "$M/many$i" "busy@example.net" "Question $i"
	deliver "$M/many$i" support@example.org busy@example.net
done
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'ack' AND recipients = '{busy@example.net}'")" 3 "three acks within the limit"
printf 'Case 4\n' | mail "$M/many4" "busy@example.net" "Question 4"
deliver "$M/many4" support@example.org busy@example.net
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'ack' AND recipients = '{busy@example.net}'")" 3 "the fourth new case gets no ack (auto_reply_limit = 3)"
c4=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
is "$(sql "SELECT count(*) FROM events WHERE case_id = $c4 AND type = 'ack-suppressed'")" 1 "and says so in its events"

# --- an agent answers from a mail client -----------------------------------------
atok=$(header Reply-To "$N")
notifid=$(header Message-I[dD] "$N" | tr -d '<>')
cat >"$M/answer" <<EOF
From: Alice Agent <alice@example.org>
To: $atok
Subject: Re: [Helpdesk #1] Invoice wrong
Message-ID: <answer1@example.org>
In-Reply-To: <$notifid>
Content-Type: text/plain; charset=UTF-8

#priority high

Dear Jan,
we corrected the invoice.

On Sun, 22 Nov 2026 at 10:00, Jan Kowalski via Helpdesk <support@example.org> wrote:
> Hello,
> my invoice is wrong.
EOF
deliver "$M/answer" "$atok" alice@example.org
like "$RC:$ERR" "^0:.*case=1, action=follow-up, .*via=token, mail=relay" "agent answer: relayed"
R=$(raw "$(sql "SELECT id FROM outbox WHERE kind = 'reply'")")
is "$(sql "SELECT array_to_string(recipients, ',') FROM outbox WHERE kind = 'reply'")" "jan@example.net,ewa@example.net" "to the customer and the watcher"
like "$(header From "$R")" "Alice Agent via Helpdesk" "From: the agent via the helpdesk"
like "$(header Reply-To "$R")" "^support\+c1\." "Reply-To: the customer token, not the agent"
is "$(header Auto-Submitted "$R")" "" "an answer by a person is not marked automatic"
like "$R" "we corrected the invoice" "the answer is in it"
if printf '%s' "$R" | grep -q "my invoice is wrong"; then ok 1 "quoted history trimmed"; else ok 0 "quoted history trimmed"; fi
if printf '%s' "$R" | grep -q "#priority"; then ok 1 "command line not relayed"; else ok 0 "command line not relayed"; fi
is "$(header In-Reply-To "$R")" "<$(msgid "$M/again")>" "the answer threads to the customer's last own mail (not the out-of-office)"
is "$(sql "SELECT status || ' ' || priority || ' ' || (first_response_at IS NOT NULL) FROM cases WHERE id = 1")" "pending high true" \
	"case pending on the customer, priority high, first response recorded"
is "$(sql "SELECT a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = 1")" "alice@example.org" "assigned to the agent who answered"

# --- notes, command errors, strangers on the agent address --------------------------
ntok=$(printf '%s' "$N" | tr -d '\r' | grep -o 'support+n1\.[0-9]*\.[0-9a-f]*@example.org' | head -n 1)
like "$ntok" "^support\+n1\." "the notification tells the note address"
replies=$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'")
printf 'Customer is a VIP, be nice.\n' | mail "$M/note" "alice@example.org" "note"
deliver "$M/note" "$ntok" alice@example.org
like "$ERR" "mail=note" "note: handled as internal"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'")" "$replies" "a note never reaches the customer"
is "$(sql "SELECT array_to_string(recipients, ',') FROM outbox WHERE kind = 'notify' ORDER BY id DESC LIMIT 1")" "bob@example.org" "the other agent is told about the note"
printf '#frobnicate\nHello Jan\n' | mail "$M/badcmd" "alice@example.org" "Re: x"
deliver "$M/badcmd" "$atok" alice@example.org
like "$ERR" "mail=command-error" "unknown command: an error mail to the agent"
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'")" "$replies" "and nothing relayed"
printf 'Hi from a stranger\n' | mail "$M/stranger" "mallory@example.com" "Re: x"
deliver "$M/stranger" "$atok" mallory@example.com
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'")" "$replies" "a non-agent on the agent address: nothing relayed"

# --- the customer's language -------------------------------------------------------
for lp in "pl:Dzień dobry" "cs:Dobrý den" "ms:Terima kasih kerana menghubungi kami"; do
	l=${lp%%:*}
	printf 'Text.\n' | mail "$M/lang-$l" "lang-$l@example.net" "Language $l" "Content-Language: $l"
	deliver "$M/lang-$l" support@example.org "lang-$l@example.net"
	c=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
	like "$(sql "SELECT body_text FROM messages WHERE case_id = $c AND direction = 'out' AND kind = 'auto'")" "${lp#*:}" "ack in the customer's language ($l)"
	is "$(header Content-Language "$(raw "$(sql "SELECT id FROM outbox WHERE case_id = $c AND kind = 'ack'")")")" "$l" "ack marked Content-Language: $l"
done

# --- no ack to automatic mail of any kind ----------------------------------------------
acks=$(sql "SELECT count(*) FROM outbox WHERE kind = 'ack'")
printf 'News.\n' | mail "$M/list" "news@example.com" "Newsletter" "List-Id: <n.example.com>"
deliver "$M/list" support@example.org news@example.com
printf 'Bulk.\n' | mail "$M/bulk" "promo@example.com" "Offer" "Precedence: bulk"
deliver "$M/bulk" support@example.org promo@example.com
printf 'Null sender.\n' | mail "$M/null" "someone@example.com" "Null sender"
deliver "$M/null" support@example.org ""
printf 'Suppress.\n' | mail "$M/ars" "outlook@example.com" "Meeting" "X-Auto-Response-Suppress: All"
deliver "$M/ars" support@example.org outlook@example.com
printf 'Daemon.\n' | mail "$M/daemon" "MAILER-DAEMON@example.com" "Failure"
deliver "$M/daemon" support@example.org ""
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'ack'")" "$acks" "no ack to list, bulk, null-sender, suppress or daemon mail"

# --- header injection through the subject and the name ------------------------------------
printf '%s\n' 'From: =?UTF-8?Q?Eve=0D=0ABcc:_victim@example.com?= <eve@example.net>' \
	'To: support@example.org' \
	'Subject: =?UTF-8?Q?Hello=0D=0ABcc:_victim@example.com=0D=0A=0D=0Abody?=' \
	'Message-ID: <inject@example.net>' '' 'Injected?' >"$M/inject"
deliver "$M/inject" support@example.org eve@example.net
c=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
all=$(sql "SELECT string_agg(convert_from(raw, 'UTF8'), '') FROM outbox WHERE case_id = $c")
if printf '%s\n' "$all" | tr -d '\r' | grep -qi '^bcc:'; then ok 1 "no Bcc header injected via subject or name"; else ok 0 "no Bcc header injected via subject or name"; fi
is "$(sql "SELECT count(*) FROM outbox WHERE case_id = $c")" 3 "the mail was still made (ack and notifications)"
printf '%s\n' "$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE case_id = $c AND kind = 'notify' LIMIT 1")" \
	>"$M/inject.eml"
run "$HTMLCHECK" "$T_DIR/secret.key" <"$M/inject.eml"
like "$RC:$(printf '%s\n' "$OUT" | grep -c "^link a $c #resolve | Re: \[Helpdesk #$c\] Hello  *Bcc: victim@example.com  *body | ")" \
	"^0:1$" "the buttons' subject is one line: no header from it in the agent's reply"

# --- more commands, forged agent mail -------------------------------------------------------
printf '#assign bob@example.org\n#resolve\nFixed, closing.\n' | mail "$M/cmds" "alice@example.org" "Re: x"
deliver "$M/cmds" "$atok" alice@example.org
is "$(sql "SELECT c.status || ' ' || a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = 1")" \
	"resolved bob@example.org" "#assign and #resolve act on the case"
printf '#status open\nBack to work.\n' | mail "$M/cmd-open" "bob@example.org" "Re: x"
deliver "$M/cmd-open" "$atok" bob@example.org
is "$(sql "SELECT status FROM cases WHERE id = 1")" open "#status open wins over the default pending"
replies=$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'")
badtok=$(printf '%s' "$atok" | sed 's/\.[0-9a-f]*@/.00000000000000000000@/')
printf 'Forged.\n' | mail "$M/forged-agent" "alice@example.org" "Re: x"
deliver "$M/forged-agent" "$badtok" alice@example.org
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'"):$(sql "SELECT classification FROM messages WHERE message_id = '$(msgid "$M/forged-agent")'")" \
	"$replies:untrusted" "an agent's mail with a bad token: stored, flagged, not relayed"

# --- one-click actions in the notification's HTML part (libxml2, tests/htmlcheck.c) --
KEY=$T_DIR/secret.key
# actions FILE: the message's mailto: links to token addresses, sorted, without the address
actions() {
	run "$HTMLCHECK" "$KEY" <"$1"
	printf '%s\n' "$OUT" | grep '^link [a-z]' | cut -d'|' -f1-2 | sed 's/ *$//' | LC_ALL=C sort -u | tr '\n' ';'
}
printf '%s\n' "$N" >"$M/notify.eml"
links=$(actions "$M/notify.eml")
run "$HTMLCHECK" "$KEY" <"$M/notify.eml"
is "$RC" 0 "the notification's HTML parses (libxml2) and every mailto: token verifies"
S="Re: [Helpdesk #1] Invoice wrong"
is "$links" "link a 1 #assign me | $S;link a 1 #priority high | $S;link a 1 #resolve | $S;link a 1 - | $S;link n 1 - | -;link n 1 - | $S;" \
	"its buttons: answer (agent token), note (note token), #resolve, #assign me, #priority high"
like "$(printf '%s' "$N" | tr -d '\r')" "> my invoice is wrong" "text part: the customer's text quoted with '> '"
like "$(printf '%s' "$N" | tr -d '\r')" "- Resolve: reply with #resolve" "text part: the actions as command lines"

# --- an escalation's Reply-To is the agent token: a reply is agent mail ----------------
printf 'The printer is broken.\n' | mail "$M/esc" '"Kim Lee" <kim@example.net>' "Printer broken"
deliver "$M/esc" support@example.org kim@example.net
ce=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
"$POSTDESK" case assign "$ce" alice@example.org >/dev/null
created=$(sql "SELECT floor(extract(epoch FROM created))::bigint FROM cases WHERE id = $ce")
run "$POSTDESK" sweep --now "$(date -u -d "@$((created + 4 * 3600 + 5))" +%Y-%m-%dT%H:%M:%SZ)"
is "$(sql "SELECT array_to_string(recipients, ',') FROM outbox WHERE case_id = $ce AND kind = 'escalation'")" \
	alice@example.org "first response overdue: the assignee gets the escalation"
E=$(raw "$(sql "SELECT id FROM outbox WHERE case_id = $ce AND kind = 'escalation'")")
etok=$(header Reply-To "$E")
like "$etok" "^support\+a$ce\.[0-9]+\.[0-9a-f]{20}@example\.org$" "escalation: Reply-To is the case's agent token address"
printf '%s\n' "$E" >"$M/esc.eml"
S="Re: [Helpdesk #$ce] Printer broken"
links=$(actions "$M/esc.eml")
run "$HTMLCHECK" "$KEY" <"$M/esc.eml"
is "$links:$RC" "link a $ce #priority high | $S;link a $ce #resolve | $S;link a $ce - | $S;link n $ce - | -;link n $ce - | $S;:0" \
	"escalation buttons: answer, note, #priority high, #resolve; no #assign me for the assignee"
cat >"$M/esc-answer" <<EOF
From: Alice Agent <alice@example.org>
To: $etok
Subject: Re: [Helpdesk #$ce] Escalation, level 1: Printer broken
Message-ID: <esc-answer@example.org>
In-Reply-To: <$(header Message-I[dD] "$E" | tr -d '<>')>
Content-Type: text/plain; charset=UTF-8

Dear Kim, a technician comes tomorrow.

On Sun, 22 Nov 2026 at 14:00, Helpdesk <support@example.org> wrote:
> Case #$ce needs attention: the first response
> is overdue by 5m (it was due 2026-11-22 13:55 UTC).
EOF
deliver "$M/esc-answer" "$etok" alice@example.org
like "$RC:$ERR" "^0:.*case=$ce, .*via=token, mail=relay" "the assignee's reply to the escalation: an answer, relayed"
is "$(sql "SELECT kind FROM messages WHERE message_id = 'esc-answer@example.org'")" agent "stored as agent mail, not customer mail"
like "$(raw "$(sql "SELECT id FROM outbox WHERE case_id = $ce AND kind = 'reply'")")" "a technician comes tomorrow" \
	"the customer gets the answer"
# Bob clicks "Assign to me" in his notification: his client writes what the link says
printf '%s\n' "$(raw "$(sql "SELECT id FROM outbox WHERE case_id = $ce AND kind = 'notify' AND recipients = '{bob@example.org}'")")" \
	>"$M/bob.eml"
run "$HTMLCHECK" "$KEY" <"$M/bob.eml"
click=$(printf '%s\n' "$OUT" | grep "^link a $ce #assign me | ")
addr=${click##*| }
cat >"$M/click" <<EOF
From: Bob Builder <bob@example.org>
To: $addr
Subject: $(printf '%s\n' "$click" | cut -d'|' -f2 | sed 's/^ //; s/ $//')
Message-ID: <click@example.org>
Content-Type: text/plain; charset=UTF-8

#assign me
EOF
deliver "$M/click" "$addr" bob@example.org
is "$RC:$(sql "SELECT a.email FROM cases c JOIN agents a ON a.id = c.assignee_id WHERE c.id = $ce")" "0:bob@example.org" \
	"the 'Assign to me' mail assigns the case to the agent who sent it"

# --- sending to a real SMTP receiver ------------------------------------------------
SINK=$T_DIR/sink
mkdir -p "$SINK"
chmod 777 "$SINK"
port=$((20000 + $$ % 20000))
/usr/sbin/smtp-sink -u nobody -d "$SINK/%M." "127.0.0.1:$port" 10 &
sinkpid=$!
trap 'kill $sinkpid 2>/dev/null' EXIT
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"
deadline=$(($(date +%s) + 10))
until ss -ltn | grep -q "127.0.0.1:$port " || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
printf 'Sent for real.\n' | mail "$M/live" '"Ola Nowak" <ola@example.net>' "Live"
deliver "$M/live" support@example.org ola@example.net
like "$ERR" "mail=ack\+notify, sent=3/3" "with SMTP up: ack and notifications sent right after the commit"
is "$(sql "SELECT count(*) FROM outbox WHERE recipients && '{ola@example.net}' AND status = 'sent'")" 1 "the ack is marked sent"
deadline=$(($(date +%s) + 10))
until [ "$(ls "$SINK" | wc -l)" -ge 3 ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
is "$(ls "$SINK" | wc -l | tr -d ' ')" 3 "the receiver got three messages"
like "$(cat "$SINK"/* | tr -d '\r')" "Reply-To: support\+c[0-9]+\." "as composed"
kill $sinkpid 2>/dev/null
finish
