#!/bin/sh
# db_deliver.sh: postdesk deliver against a real PostgreSQL: new cases,
# every threading rule, forged tokens, duplicates, watchers, classification,
# status changes, quarantine, exit codes and the log line.
. "$TEST_SRCDIR/lib.sh"
plan 63
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"
KEY=$T_DIR/secret.key

# --- a new case ------------------------------------------------------------
mail "$M/new" '"Jan Kowalski" <Jan.Kowalski@Example.NET>' "Printer on fire" \
	"Cc: Ewa <ewa@example.net>, support@example.org, alice@example.org" <<'EOF'
Hello, my printer is on fire. Please help.
EOF
deliver "$M/new" support@example.org jan.kowalski@example.net
is "$RC" 0 "new customer mail: exit 0"
like "$ERR" "Q[0-9]+: to=<support@example.org>, from=<jan.kowalski@example.net>, case=1, action=new, class=normal, via=new, mail=ack\+notify, sent=0/2, size=[0-9]+, delay=[0-9.]+, status=stored" "one Postfix-style log line"
is "$(printf '%s\n' "$ERR" | wc -l | tr -d ' ')" 1 "exactly one log line"
is "$(sql "SELECT status || ' ' || subject FROM cases WHERE id = 1")" "new Printer on fire" "case 1 is new, with the subject"
is "$(sql "SELECT email || ' ' || name FROM customers")" "jan.kowalski@example.net Jan Kowalski" "customer stored, address lower-cased"
is "$(sql "SELECT count(*) FROM cases WHERE id = 1 AND first_response_due > now() + interval '3 hours' AND resolution_due > now() + interval '2 days'")" 1 "due times from the queue's service levels"
is "$(sql "SELECT string_agg(address, ',' ORDER BY address) FROM watchers WHERE case_id = 1")" "ewa@example.net" "Cc becomes a watcher (not our queue, not an agent)"
is "$(sql "SELECT length(raw) = $(wc -c <"$M/new") FROM messages WHERE case_id = 1 AND direction = 'in'")" t "raw bytes stored whole"
run "$POSTDESK" case show 1 --json
like "$OUT" '"id":1,"queue":"support","status":"new","priority":"normal","subject":"Printer on fire","customer":"jan.kowalski@example.net"' "case show --json: case fields"
like "$OUT" '"watchers":\["ewa@example.net"\]' "case show --json: watchers"
like "$OUT" '"messages":\[\{"direction":"in","kind":"customer","classification":"normal","from":"jan.kowalski@example.net".*"body":"Hello, my printer is on fire. Please help.\\n"' "case show --json: message with body"
like "$OUT" '"events":\[\{"type":"created".*\{"type":"customer-mail".*\{"type":"watcher-added","created":"[^"]+","detail":"ewa@example.net"' "case show --json: events"
run "$POSTDESK" case list --json
like "$OUT" '^\[\{"id":1,"queue":"support","status":"new"' "case list --json"
run "$POSTDESK" case show 1
like "$OUT" "Case 1: Printer on fire" "case show text"

# --- follow-ups ------------------------------------------------------------
first=$(msgid "$M/new")
mail "$M/irt" "jan.kowalski@example.net" "Re: Printer on fire" "In-Reply-To: <$first>" <<'EOF'
It is still burning.
EOF
deliver "$M/irt" support@example.org jan.kowalski@example.net
like "$RC:$ERR" "^0:.*case=1, action=follow-up, class=normal, via=reference" "follow-up by In-Reply-To"
mail "$M/refs" "jan.kowalski@example.net" "Another thing" "References: <unknown@elsewhere> <$first>" <<'EOF'
Also the scanner.
EOF
deliver "$M/refs" support@example.org jan.kowalski@example.net
like "$ERR" "case=1, action=follow-up, .*via=reference" "follow-up by References"
mail "$M/watcher" "ewa@example.net" "Re: Printer on fire" "In-Reply-To: <$first>" <<'EOF'
I can confirm, it is on fire.
EOF
deliver "$M/watcher" support@example.org ewa@example.net
like "$ERR" "case=1, action=follow-up" "a watcher's reply joins the case"
mail "$M/stranger-ref" "mallory@example.com" "Re: Printer on fire" "In-Reply-To: <$first>" <<'EOF'
Let me in.
EOF
deliver "$M/stranger-ref" support@example.org mallory@example.com
like "$ERR" "case=2, action=new" "a stranger quoting a stored Message-ID gets a new case"

tok=$("$TOKENTOOL" "$KEY" 1 c)
mail "$M/token" "jan.kowalski@example.net" "no subject tag, no references" <<'EOF'
Replying through the address.
EOF
deliver "$M/token" "support+$tok@example.org" jan.kowalski@example.net
like "$RC:$ERR" "^0:.*case=1, action=follow-up, .*via=token" "follow-up by token in the recipient"
deliver "$M/token" "support+$tok@example.org" jan.kowalski@example.net
like "$RC:$ERR" "^0:.*case=1, action=duplicate" "the same bytes again: duplicate"
ours=$("$TOKENTOOL" --msgid "$KEY" 1 example.org)
mail "$M/signed" "someone.new@example.com" "Re: your mail" "In-Reply-To: <$ours>" <<'EOF'
Answering your notification from my other address.
EOF
deliver "$M/signed" support@example.org someone.new@example.com
like "$ERR" "case=1, action=follow-up, .*via=signed-reference" "reply to a Message-ID we signed"

mail "$M/tag" "jan.kowalski@example.net" "Re: [Helpdesk #1] Printer on fire" <<'EOF'
By subject tag.
EOF
deliver "$M/tag" support@example.org jan.kowalski@example.net
like "$ERR" "case=1, action=follow-up, .*via=subject-tag" "subject tag from the customer"
mail "$M/tag-stranger" "mallory@example.com" "[Helpdesk #1] inject me" <<'EOF'
Trying to inject into case 1.
EOF
deliver "$M/tag-stranger" support@example.org mallory@example.com
like "$ERR" "case=3, action=new" "subject tag from a stranger: a new case"

# --- forged and altered tokens ---------------------------------------------
"$POSTDESK" -c "$CONF" keygen --rotate >/dev/null 2>&1 || true
other=$T_DIR/other.key
printf '1 %s\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$other"
chmod 600 "$other"
forged=$("$TOKENTOOL" "$other" 1 c)
mail "$M/forged" "mallory@example.com" "forged" <<'EOF'
forged token
EOF
deliver "$M/forged" "support+$forged@example.org" mallory@example.com
like "$RC:$ERR" "^0:.*case=4, action=new" "token signed with another key: new case, not case 1"
is "$(sql "SELECT count(*) FROM events WHERE case_id = 4 AND type = 'bad-token'")" 1 "bad token recorded as an event"
tok2=$("$TOKENTOOL" "$KEY" 2 c)
altered=c1${tok2#c2}
mail "$M/altered" "mallory@example.com" "altered" <<'EOF'
case 2's token re-targeted to case 1
EOF
deliver "$M/altered" "support+$altered@example.org" mallory@example.com
like "$ERR" "case=5, action=new" "token of case 2 edited to name case 1: new case"
mail "$M/replay" "mallory@example.com" "replay" <<'EOF'
case 2's valid token, sent by mallory
EOF
deliver "$M/replay" "support+$tok2@example.org" mallory@example.com
like "$ERR" "case=2, action=follow-up" "a valid token reaches only its own case (2)"
is "$(sql "SELECT count(*) FROM messages WHERE case_id = 1 AND from_addr = 'mallory@example.com'")" 0 "nothing of mallory's ever reached case 1"

# --- agents -------------------------------------------------------------------
atok=$("$TOKENTOOL" "$KEY" 1 a)
mail "$M/agent" '"Alice Agent" <alice@example.org>' "Re: Printer on fire" <<'EOF'
Please unplug it.
EOF
deliver "$M/agent" "support+$atok@example.org" alice@example.org
like "$ERR" "case=1, action=follow-up" "agent reply with agent token"
is "$(sql "SELECT kind FROM messages WHERE from_addr = 'alice@example.org'")" agent "stored as kind agent"
mail "$M/fake-agent" "mallory@example.com" "Re: Printer on fire" <<'EOF'
Pretending to be staff.
EOF
deliver "$M/fake-agent" "support+$atok@example.org" mallory@example.com
is "$(sql "SELECT kind || ' ' || classification FROM messages WHERE from_addr = 'mallory@example.com' AND case_id = 1")" "customer untrusted" "agent token from a non-agent: stored, flagged untrusted"

# --- duplicates by Message-ID --------------------------------------------------
sed 's/^Subject: .*/Subject: Printer on fire (resent)/' "$M/new" >"$M/new-again"
deliver "$M/new-again" support@example.org jan.kowalski@example.net
like "$RC:$ERR" "^0:.*case=1, action=duplicate" "same sender and Message-ID, other bytes: duplicate"
deliver "$M/new" sales@example.org jan.kowalski@example.net
like "$ERR" "case=1, action=duplicate, .*via=duplicate of message 1 \(other queue\)" \
     "the same message to another queue: one case, the first queue's (issue 15)"

# --- status changes ------------------------------------------------------------
"$POSTDESK" case status 1 pending >/dev/null
mail "$M/pending-reply" "jan.kowalski@example.net" "Re: [Helpdesk #1] Printer on fire" <<'EOF'
Unplugged, thanks.
EOF
deliver "$M/pending-reply" support@example.org jan.kowalski@example.net
is "$(sql "SELECT status FROM cases WHERE id = 1")" open "customer reply moves pending to open"
"$POSTDESK" case status 1 resolved >/dev/null
mail "$M/auto" "jan.kowalski@example.net" "Automatic reply: [Helpdesk #1] Printer on fire" \
	"Auto-Submitted: auto-replied" "X-Auto-Response-Suppress: All" <<'EOF'
I am out of the office until Monday.
EOF
deliver "$M/auto" support@example.org jan.kowalski@example.net
like "$ERR" "case=1, action=follow-up, class=auto-reply" "Exchange-style auto-reply: classified, threaded"
is "$(sql "SELECT status FROM cases WHERE id = 1")" resolved "an auto-reply does not reopen the case"
mail "$M/vacation" "jan.kowalski@example.net" "Re: [Helpdesk #1] Printer on fire" "Precedence: bulk" "X-Autoreply: yes" <<'EOF'
Gmail vacation responder.
EOF
deliver "$M/vacation" support@example.org jan.kowalski@example.net
like "$ERR" "class=auto-reply" "Gmail-style vacation reply: auto-reply"
mail "$M/reopen" "jan.kowalski@example.net" "Re: [Helpdesk #1] Printer on fire" <<'EOF'
It caught fire again.
EOF
deliver "$M/reopen" support@example.org jan.kowalski@example.net
like "$ERR" "case=1, action=reopen" "customer reply to a resolved case reopens it"
is "$(sql "SELECT status FROM cases WHERE id = 1")" open "status open again"
"$POSTDESK" case status 1 closed >/dev/null
sql "UPDATE cases SET closed_at = now() - interval '60 days' WHERE id = 1"
mail "$M/late" "jan.kowalski@example.net" "Re: [Helpdesk #1] Printer on fire" <<'EOF'
Two months later: the new printer is on fire too.
EOF
deliver "$M/late" support@example.org jan.kowalski@example.net
like "$ERR" "case=6, action=new-linked" "reply to a case closed long ago: new case"
is "$(sql "SELECT linked_case_id FROM cases WHERE id = 6")" 1 "linked to the old case"
is "$(sql "SELECT status FROM cases WHERE id = 1")" closed "the old case stays closed"

# --- bounces and lists ----------------------------------------------------------
cat >"$M/bounce" <<EOF
From: Mail Delivery System <MAILER-DAEMON@mx.example.net>
To: support@example.org
Subject: Undelivered Mail Returned to Sender
Message-ID: <bounce1@mx.example.net>
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; jan.kowalski@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--B
Content-Type: text/rfc822-headers

From: support@example.org
To: jan.kowalski@example.net
Message-ID: <$first>
Subject: Re: Printer on fire

--B--
EOF
deliver "$M/bounce" support@example.org ""
like "$RC:$ERR" "^0:.*case=1, action=follow-up, class=bounce" "RFC 3464 bounce attached to the case it concerns"
is "$(sql "SELECT bounced_at IS NOT NULL FROM customers WHERE email = 'jan.kowalski@example.net'")" t "the address is marked as bouncing"
is "$(sql "SELECT status FROM cases WHERE id = 1")" closed "a bounce never changes the case's state"
like "$(sql "SELECT detail FROM events WHERE case_id = 1 AND type = 'bounce'")" "jan.kowalski@example.net failed 5.1.1" "bounce event tells who and why"
mail "$M/list" "news@example.com" "Weekly newsletter" "List-Id: <news.example.com>" "List-Unsubscribe: <mailto:unsub@example.com>" <<'EOF'
News.
EOF
deliver "$M/list" support@example.org bounces-123@example.com
like "$ERR" "action=new, class=list" "list mail classified as list"

# --- loops, unknown recipients, quarantine ------------------------------------------
mail "$M/loop" "support@example.org" "Re: ack" "X-Postdesk-Loop: support@example.org" "Auto-Submitted: auto-replied" <<'EOF'
our own mail came back
EOF
before=$(sql "SELECT count(*) FROM messages")
deliver "$M/loop" support@example.org ""
like "$RC:$ERR" "^0:.*action=drop, class=loop" "our own looped mail: dropped, exit 0"
is "$(sql "SELECT count(*) FROM messages")" "$before" "nothing stored for the loop"
deliver "$M/new" nobody@example.org jan.kowalski@example.net
is "$RC" 67 "unknown recipient: EX_NOUSER (67)"
like "$OUT" "^5\.1\.1 no queue for recipient nobody@example.org$" "one short line with an enhanced status code"
deliver "$M/new" "support+junk@example.org" jan.kowalski@example.net
is "$RC" 0 "unknown extension on a queue address is still that queue"
printf '' >"$M/empty"
deliver "$M/empty"
like "$RC:$ERR" "^0:.*action=quarantine" "empty input: quarantined, exit 0"
head -c 3000 /dev/urandom >"$M/garbage"
deliver "$M/garbage"
like "$RC:$ERR" "^0:.*action=quarantine" "binary garbage: quarantined, exit 0"
c=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
is "$(sql "SELECT quarantined FROM cases WHERE id = $c")" t "the case is marked quarantined"
is "$(sql "SELECT length(raw) FROM messages WHERE case_id = $c")" 3000 "the raw bytes are kept"

cp "$CONF" "$T_DIR/small.conf"
echo "max_message_size = 2k" >>"$T_DIR/small.conf"
{ cat "$M/new"; head -c 10000 /dev/zero | tr '\0' 'x'; } | sed 's/^Message-ID: .*/Message-ID: <big@example.net>/' >"$M/big"
POSTDESK_CONF=$T_DIR/small.conf deliver "$M/big"
like "$RC:$ERR" "^0:.*action=quarantine, class=quarantined, via=oversized" "oversized message: quarantined, exit 0"
c=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
is "$(sql "SELECT length(raw) FROM messages WHERE case_id = $c AND direction = 'in'")" 2048 "the first max_message_size bytes are kept"
like "$ERR" "size=$(wc -c <"$M/big" | tr -d ' ')," "the log shows the real size"

# --- exit codes are only 0, 67, 75 ----------------------------------------------------
"$POSTDESK" deliver --bogus <"$M/new" >/dev/null 2>&1
is "$?" 75 "bad option: 75, never a bounce"
"$POSTDESK" deliver <"$M/new" >/dev/null 2>&1
is "$?" 75 "missing --recipient: 75"
"$POSTDESK" -c "$T_DIR/nope.conf" deliver --recipient support@example.org <"$M/new" >"$T_DIR/o" 2>&1
like "$?:$(cat "$T_DIR/o")" "^75:4\.3\.5 cannot read .*nope.conf" "unreadable config: 75 and one 4.3.5 line (misconfigured)"
chmod 644 "$KEY"
deliver "$M/tag"
like "$RC:$OUT" "^75:4\.3\.0 secret key file .* readable by others" "world-readable key: 75"
chmod 600 "$KEY"
finish
