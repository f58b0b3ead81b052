#!/bin/sh
# db_intake.sh: what intake does before anyone answers (issue 15, part
# intake): mail the MTA's spam filter marked (SpamAssassin's X-Spam-Flag and
# X-Spam-Status, rspamd's X-Spam and X-Spamd-Result) stored in a case
# marked spam with nothing sent, until "case status N open" or an agent's
# #notspam acknowledges it, once; one mail to two queue addresses is one
# case and one ack; oversized mail answered once, politely, as etiquette and
# the rate limit allow; and the ack's due time as a local date and time
# across a weekend and holidays, in the customer's zone or the calendar's.
. "$TEST_SRCDIR/lib.sh"
plan 67
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
setup_helpdesk
"$POSTDESK" agent add carol@example.org --name "Carol Agent" --queue support >/dev/null
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"
printf 'max_message_size = 20k\n' >>"$CONF"
KEY=$T_DIR/secret.key
M=$T_DIR/mail
mkdir -p "$M"

case_of() { printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\),.*/\1/p' | head -n 1; }
rows() { sql "SELECT count(*) FROM outbox WHERE case_id = $1${2:+ AND kind = '$2'}"; }
spam_of() { sql "SELECT spam FROM cases WHERE id = $1"; }
# text_of CASE: the text of the case's first automatic mail, as sent
text_of() { sql "SELECT body_text FROM messages WHERE case_id = $1 AND direction = 'out' AND kind = 'auto' ORDER BY id LIMIT 1"; }
header() { printf '%s\n' "$2" | tr -d '\r' | sed -n "s/^$1: //Ip" | head -n 1; }
BODY='Hello,

my order 4411 has not arrived yet. Could you check where it is?

Thanks,
Jan'

# --- spam: each filter's field marks it; nothing is sent -----------------------
n=0
for h in "X-Spam-Flag: YES" "X-Spam-Status: Yes, score=7.2 required=5.0 tests=BAYES_99,URIBL_BLACK" \
	 "X-Spam: Yes" "X-Spamd-Result: default: True [12.30 / 15.00]; BAYES_SPAM(5.10)[99.99%]"; do
	n=$((n + 1))
	printf '%s\n' "$BODY" | mail "$M/spam$n" "\"Jan\" <jan$n@example.net>" "Cheap watches $n" "$h"
	deliver "$M/spam$n" support@example.org "jan$n@example.net"
	c=$(case_of)
	like "$RC:$ERR" "^0:.*action=new, class=spam, .*mail=none" "${h%%:*} (${h#*: }): a new case, nothing sent"
	is "$(spam_of "$c"):$(rows "$c")" "t:0" "${h%%:*}: marked spam, no ack and no notification"
done
is "$(sql "SELECT type || ' ' || detail FROM events WHERE case_id = $c AND type = 'spam'")" \
   "spam X-Spamd-Result: default: True [12.30 / 15.00]; BAYES_SPAM(5.10)[99.99%]" "the spam event names the field"
is "$(sql "SELECT count(*) FROM cases WHERE spam AND first_response_due IS NULL AND wake_at IS NULL")" 4 \
   "spam cases have no due times: the sweeper never escalates them"
SPAM=$c
run "$POSTDESK" case list --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(len([c for c in json.load(sys.stdin) if c["subject"].startswith("Cheap")]))')" 0 \
   "case list leaves the spam cases out"
run "$POSTDESK" case list --spam --json
is "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(sorted(c["subject"] for c in json.load(sys.stdin))))')" \
   "Cheap watches 1 Cheap watches 2 Cheap watches 3 Cheap watches 4" "case list --spam: the spam cases alone"

# clean verdicts are not spam
for h in "X-Spam-Status: No, score=-0.1 required=5.0 tests=DKIM_SIGNED" "X-Spamd-Result: default: False [1.20 / 15.00]" \
	 "X-Spam-Flag: NO"; do
	n=$((n + 1))
	printf '%s\n' "$BODY" | mail "$M/ham$n" '"Jan" <jan@example.net>' "Order 4411 ($n)" "$h"
	deliver "$M/ham$n" support@example.org jan@example.net
	c=$(case_of)
	is "$(spam_of "$c"):$(rows "$c" ack)" "f:1" "${h%%,*}: not spam, acknowledged"
done
# the MTA's own field is the topmost; a sender's own lower down does not count
printf '%s\n' "$BODY" | mail "$M/forged-flag0" jan@example.net "Forged flag" "X-Spam-Flag: YES"
{ printf 'X-Spam-Flag: NO\n'; cat "$M/forged-flag0"; } >"$M/forged-flag"
deliver "$M/forged-flag" support@example.org jan@example.net
is "$(spam_of "$(case_of)")" "f" "the topmost X-Spam-Flag: NO wins over a sender's X-Spam-Flag: YES below"

# spam through a valid customer token: its own case, the old one untouched
old=$(sql "SELECT id FROM cases WHERE subject = 'Order 4411 (5)'")
before=$(sql "SELECT count(*) || ':' || updated FROM messages m, cases c WHERE m.case_id = $old AND c.id = $old GROUP BY updated")
printf '%s\n' "$BODY" | mail "$M/spam-token" jan@example.net "Re: Order" "X-Spam-Flag: YES"
deliver "$M/spam-token" "support+$($TOKENTOOL "$KEY" "$old" c)@example.org" jan@example.net
c=$(case_of)
like "$c:$(spam_of "$c")" "^[0-9]+:t$" "spam to a customer token: a spam case of its own"
is "$(sql "SELECT count(*) || ':' || updated FROM messages m, cases c WHERE m.case_id = $old AND c.id = $old GROUP BY updated")" \
   "$before" "the token's case is untouched"

# --- #notspam: only the registered agent, verified like every command ----------
printf '#notspam\n' | mail "$M/forged-notspam" '"Alice Agent" <alice@example.org>' "Re: x"
sed -i 's/^From: .*/From: mallory@example.com/' "$M/forged-notspam"
deliver "$M/forged-notspam" "support+$($TOKENTOOL "$KEY" "$SPAM" a)@example.org" mallory@example.com
is "$RC:$(spam_of "$SPAM"):$(rows "$SPAM")" "0:t:0" "#notspam from a forged From: nothing done, nothing sent"
printf '#notspam\n' | mail "$M/notspam" '"Alice Agent" <alice@example.org>' "Re: Cheap watches 4"
deliver "$M/notspam" "support+$($TOKENTOOL "$KEY" "$SPAM" a)@example.org" alice@example.org
like "$RC:$ERR" "^0:.*mail=commands" "#notspam from Alice: commands"
is "$(spam_of "$SPAM"):$(rows "$SPAM" ack):$(rows "$SPAM" notify):$(rows "$SPAM" agent-done)" "f:1:1:1" \
   "not spam: one ack to the customer, Carol notified, Alice's confirmation"
like "$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE case_id = $SPAM AND kind = 'agent-done'")" \
     "Not spam: +the customer was acknowledged" "the confirmation says so"
is "$(sql "SELECT recipients[1] FROM outbox WHERE case_id = $SPAM AND kind = 'ack'")" "jan4@example.net" "the ack goes to the customer"
ok "$([ -n "$(sql "SELECT first_response_due FROM cases WHERE id = $SPAM")" ]; echo $?)" "its due times now run"
printf '#notspam\n' | mail "$M/notspam2" '"Alice Agent" <alice@example.org>' "Re: Cheap watches 4 again"
deliver "$M/notspam2" "support+$($TOKENTOOL "$KEY" "$SPAM" a)@example.org" alice@example.org
is "$(rows "$SPAM" ack):$(rows "$SPAM" agent-done)" "1:2" "#notspam again: no second ack, Alice told"
like "$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE case_id = $SPAM AND kind = 'agent-done' ORDER BY id DESC LIMIT 1")" \
     "was not marked spam" "... that it was not spam"

# --- case status N open: the ack then, sent through SMTP, once --------------------
S1=$(sql "SELECT id FROM cases WHERE subject = 'Cheap watches 1'")
run "$POSTDESK" case status "$S1" open
is "$RC:$OUT" "0:case $S1: status open
case $S1: not spam: acknowledged, the queue's agents notified" "case status N open on a spam case"
is "$(spam_of "$S1"):$(rows "$S1" ack):$(rows "$S1" notify)" "f:1:2" "one ack, both agents notified"
sunk() { grep -l "#$S1\]" "$T_DIR"/sink/mail/* 2>/dev/null | wc -l | tr -d ' '; }
deadline=$(($(date +%s) + 10))
until [ "$(sunk)" -ge 3 ] || [ "$(date +%s)" -ge $deadline ]; do sleep 0.1; done
is "$(sunk)" 3 "the ack and the two notifications reached the SMTP server"
like "$(grep -l "^Subject: .*#$S1\] Cheap watches 1" "$T_DIR"/sink/mail/* | xargs cat | tr -d '\r')" "To: jan1@example.net" \
     "the ack as the customer got it"
run "$POSTDESK" case status "$S1" open
is "$RC:$OUT:$(rows "$S1" ack)" "0:case $S1: status open:1" "open again: no second ack"
run "$POSTDESK" case show "$S1" --json
like "$OUT" '"spam":false' "case show --json: spam false"
run "$POSTDESK" case show "$(sql "SELECT id FROM cases WHERE subject = 'Cheap watches 2'")"
like "$OUT" "\[spam\]" "case show marks a spam case"
run "$POSTDESK" case status 99999 open
is "$RC" 1 "case status of a case that does not exist: an error"

# spam_headers configured: only those count
cp "$CONF" "$T_DIR/own.conf"
printf 'spam_headers = X-Barracuda-Spam-Status: Yes\n' >>"$T_DIR/own.conf"
printf '%s\n' "$BODY" | mail "$M/barracuda" jan@example.net "Barracuda" "X-Barracuda-Spam-Status: Yes, SCORE=9.1"
POSTDESK_CONF=$T_DIR/own.conf deliver "$M/barracuda"
is "$(spam_of "$(case_of)")" t "spam_headers = X-Barracuda-Spam-Status: Yes: marked"
POSTDESK_CONF=$T_DIR/own.conf deliver "$M/spam1" support@example.org other@example.net --queue-id Q2
like "$(spam_of "$(case_of)")" "f" "... and X-Spam-Flag no more"
printf 'spam_headers = X-Spam-Flag\n' >>"$T_DIR/bad.conf"
cat "$CONF" "$T_DIR/bad.conf" >"$T_DIR/bad2.conf"
POSTDESK_CONF=$T_DIR/bad2.conf run "$POSTDESK" case list
like "$RC:$ERR" "^75?:.*spam_headers.*Header: value-prefix|^1:.*spam_headers" "a spam_headers entry without a prefix is refused"

# --- one mail to two queue addresses: one case, one ack ------------------------------
printf '%s\n' "$BODY" | mail "$M/twice" '"Tom" <tom@example.net>' "To both of you"
sed -i 's/^To: .*/To: support@example.org, sales@example.org/' "$M/twice"
deliver "$M/twice" support@example.org tom@example.net
c=$(case_of)
row=$(sql "SELECT id FROM messages WHERE case_id = $c AND direction = 'in'")
deliver "$M/twice" sales@example.org tom@example.net
like "$RC:$ERR" "^0:.*action=duplicate.*duplicate of message $row \(other queue\)" "the second delivery: a duplicate of the first"
is "$(sql "SELECT count(*) FROM messages WHERE message_id = '$(msgid "$M/twice")'")" 1 "stored once"
is "$(rows "$c" ack):$(sql "SELECT q.name FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id = $c")" "1:support" \
   "one ack; the case is the first queue's"
# Postfix with flags=D: each delivery gets its own Delivered-To, the body is the same
printf '%s\n' "$BODY" | mail "$M/twice-d" '"Jan" <jan@example.net>' "Delivered twice"
{ printf 'Delivered-To: sales@example.org\n'; cat "$M/twice-d"; } >"$M/twice-d2"
{ printf 'Delivered-To: support@example.org\n'; cat "$M/twice-d"; } >"$M/twice-d1"
deliver "$M/twice-d1" support@example.org jan@example.net
deliver "$M/twice-d2" sales@example.org jan@example.net
like "$ERR" "action=duplicate.*other queue" "Delivered-To differs, the same body and sender: a duplicate too"
# at the same moment: the Message-ID lock serializes them
printf '%s\n' "$BODY" | mail "$M/race" rae@example.net "Both at once"
for i in 1 2 3; do
	"$POSTDESK" deliver --sender rae@example.net --recipient support@example.org <"$M/race" 2>/dev/null &
	"$POSTDESK" deliver --sender rae@example.net --recipient sales@example.org <"$M/race" 2>/dev/null &
done
wait
is "$(sql "SELECT count(DISTINCT case_id) || ':' || count(*) FROM messages WHERE message_id = '$(msgid "$M/race")'")" \
   "1:1" "six deliveries at once to two queues: one case, one message"
is "$(sql "SELECT count(*) FROM outbox o JOIN messages m ON m.case_id = o.case_id WHERE o.kind = 'ack' AND m.message_id = '$(msgid "$M/race")'")" \
   1 "... and one ack"

printf 'auto_reply_limit = 2\n' >>"$CONF"
# --- oversized mail ------------------------------------------------------------------
big() {	# big FILE FROM SUBJECT [HEADER...]: a Thunderbird-like mail with a 40 KB PDF
	f=$1 from=$2 subject=$3
	shift 3
	{
		printf 'From: %s\nTo: support@example.org\nSubject: %s\n' "$from" "$subject"
		printf 'Date: Mon, 30 Nov 2026 10:00:00 +0100\nMessage-ID: <%s.%s@example.net>\n' "$(basename "$f")" "$$"
		printf 'User-Agent: Mozilla Thunderbird\nMIME-Version: 1.0\n'
		for h in "$@"; do printf '%s\n' "$h"; done
		printf 'Content-Type: multipart/mixed; boundary="------------b1"\n\nThis is a multi-part message in MIME format.\n'
		printf -- '--------------b1\nContent-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: 8bit\n\n'
		printf 'Dzień dobry,\n\nw załączniku przesyłam skan faktury, która jest błędna.\nProszę o korektę.\n\nPozdrawiam\nEwa\n\n'
		printf -- '--------------b1\nContent-Type: application/pdf; name="faktura.pdf"\nContent-Disposition: attachment; filename="faktura.pdf"\nContent-Transfer-Encoding: base64\n\n'
		head -c 40000 /dev/urandom | base64 -w 76
		printf -- '--------------b1--\n'
	} >"$f"
}
big "$M/big-pl" '"Ewa Nowak" <ewa@example.net>' "Faktura" "Content-Language: pl"
deliver "$M/big-pl" support@example.org ewa@example.net
c=$(case_of)
like "$RC:$ERR" "^0:.*action=quarantine.*mail=notify\+too-large" "oversized from a person: quarantined, the sender told"
is "$(sql "SELECT quarantined FROM cases WHERE id = $c"):$(rows "$c" too-large):$(rows "$c" notify)" "t:1:2" \
   "one answer to the sender, the queue's two agents notified"
A=$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE case_id = $c AND kind = 'too-large'")
is "$(header Content-Language "$A")" pl "in the sender's language"
like "$(text_of "$c" | tr '\n' ' ')" "zbyt duża .*miała 5[0-9] KB, a przyjmujemy wiadomości do 20 KB" "it says the size and the limit"
is "$(header Auto-Submitted "$A")" auto-replied "an automatic reply"
is "$(sql "SELECT recipients[1] || ' ' || envelope_from FROM outbox WHERE case_id = $c AND kind = 'too-large'")" "ewa@example.net " \
   "to the sender, from the null sender"
like "$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE case_id = $c AND kind = 'notify' LIMIT 1" | tr -d '\r')" \
     "ewa@example.net" "the notification names the sender"
is "$(sql "SELECT count(*) FROM events WHERE case_id = $c AND type = 'too-large' AND detail LIKE '%ewa@example.net told'")" 1 "an event says so"
# the rate limit: auto_reply_limit = 2 a day
for i in 2 3 4; do
	big "$M/big-pl$i" '"Ewa Nowak" <ewa@example.net>' "Faktura $i" "Content-Language: pl"
	deliver "$M/big-pl$i" support@example.org ewa@example.net
done
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'too-large' AND recipients[1] = 'ewa@example.net'")" 2 \
   "four oversized mails in a day: two answers (auto_reply_limit = 2)"
is "$(sql "SELECT count(*) FROM events WHERE type = 'too-large' AND detail LIKE '%daily limit%'")" 2 "the rest say why not"
# the null sender, a list, an auto-reply: no answer, the agents still told
big "$M/big-null" '"Mail Delivery System" <mailer-daemon@example.net>' "Undelivered"
deliver "$M/big-null" support@example.org ""
c=$(case_of)
is "$(rows "$c" too-large):$(rows "$c" notify)" "0:2" "oversized from the null sender: no answer, agents told"
like "$(sql "SELECT detail FROM events WHERE case_id = $c AND type = 'too-large'")" "not told \(null sender\)" "the event says why"
big "$M/big-list" '"Dev list" <dev@lists.example.net>' "[dev] big" "List-Id: <dev.lists.example.net>" "Precedence: list"
deliver "$M/big-list" support@example.org dev-bounces@lists.example.net
is "$(rows "$(case_of)" too-large)" 0 "oversized list mail: no answer"
big "$M/big-auto" bob@example.net "Out of office" "Auto-Submitted: auto-replied"
deliver "$M/big-auto" support@example.org bob@example.net
is "$(rows "$(case_of)" too-large)" 0 "oversized auto-reply: no answer"
big "$M/big-en" '"John" <john@example.com>' "Report"
deliver "$M/big-en" support@example.org john@example.com
A=$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE case_id = $(case_of) AND kind = 'too-large'")
is "$(header Content-Language "$A")" pl "no Content-Language: guessed from the readable beginning (Polish text)"

# --- the ack's promise: a local date and time across a weekend and holidays ----------
# hours on Mondays only, 09:00-10:00; the Mondays of the next 14 days are
# holidays: the first response (1h) is due at 10:00 on the Monday after
hol() {	# hol ZONE: --holiday options for the Mondays of the next 14 days there
	i=0
	while [ $i -lt 14 ]; do
		[ "$(TZ=$1 date -d "today +$i day" +%u)" = 1 ] && printf -- '--holiday %s ' "$(TZ=$1 date -d "today +$i day" +%F)"
		i=$((i + 1))
	done
}
"$POSTDESK" calendar add warsaw --tz Europe/Warsaw --hours 'mon 09:00-10:00' $(hol Europe/Warsaw) >/dev/null
"$POSTDESK" calendar add kl --tz Asia/Kuala_Lumpur --hours 'mon 09:00-10:00' $(hol Asia/Kuala_Lumpur) >/dev/null
"$POSTDESK" queue add biuro --address biuro@example.org --first-response 1h --calendar warsaw >/dev/null
"$POSTDESK" queue add kl --address bantuan@example.org --first-response 1h --calendar kl >/dev/null
expect_day() {	# expect_day ZONE: the date of the Monday after the holidays
	i=14
	while [ "$(TZ=$1 date -d "today +$i day" +%u)" != 1 ]; do i=$((i + 1)); done
	TZ=$1 date -d "today +$i day" +%F
}
WDAY=$(expect_day Europe/Warsaw)
wmail() {	# wmail FILE FROM OFFSET LANGUAGE: a mail to biuro@ written at UTC offset OFFSET
	printf '%s\n' "$BODY" | mail "$1" "$2" "Kiedy?" "Content-Language: $4"
	sed -i "s/^Date: .*/Date: $(date -R | sed 's/ [-+][0-9]*$//') $3/" "$1"
}
due_of() { sql "SELECT extract(epoch FROM first_response_due)::bigint FROM cases WHERE id = $1"; }
ack_text() { text_of "$1" | tr '\n' ' ' | sed 's/  */ /g'; }
# English, the customer in the calendar's own zone: its abbreviation
wmail "$M/due-en" alex@example.net "$(TZ=Europe/Warsaw date +%z)" en
deliver "$M/due-en" biuro@example.org alex@example.net
c=$(case_of)
due=$(due_of "$c")
is "$(TZ=Europe/Warsaw date -d @"$due" '+%F %H:%M')" "$WDAY 10:00" "due at 10:00 on the Monday after two holiday Mondays"
EN="by $(TZ=Europe/Warsaw LC_ALL=C date -d @"$due" '+%A %-d %B')"
like "$(ack_text "$c")" "answer you personally $EN 10:00 $(TZ=Europe/Warsaw date -d @"$due" +%Z)\." \
     "en: \"$EN 10:00 CET\" (the calendar's zone)"
# Polish
PLM="stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia"
wmail "$M/due-pl" ewa2@example.net "$(TZ=Europe/Warsaw date +%z)" pl
deliver "$M/due-pl" biuro@example.org ewa2@example.net
c=$(case_of)
m=$(TZ=Europe/Warsaw date -d @"$due" +%-m)
PL="najpóźniej w poniedziałek $(TZ=Europe/Warsaw date -d @"$due" +%-d) $(echo $PLM | cut -d' ' -f"$m") do 10:00"
like "$(ack_text "$c")" "$PL $(TZ=Europe/Warsaw date -d @"$due" +%Z)\." "pl: \"$PL ...\""
# a customer in New York (their Date says -0500): at their offset
wmail "$M/due-ny" nick@example.com -0500 en
deliver "$M/due-ny" biuro@example.org nick@example.com
c=$(case_of)
NY="by $(LC_ALL=C date -u -d @"$((due - 5 * 3600))" '+%A %-d %B %H:%M') UTC-05:00"
like "$(ack_text "$c")" "personally $NY\." "a customer at -0500: \"$NY\""
is "$(sql "SELECT utc_offset FROM customers WHERE email = 'nick@example.com'")" -300 "their offset is remembered"
# Czech, "-0000" (zone unknown): the calendar's
wmail "$M/due-cs" petr@example.cz -0000 cs
deliver "$M/due-cs" biuro@example.org petr@example.cz
c=$(case_of)
like "$(ack_text "$c")" "nejpozději v pondělí $(TZ=Europe/Warsaw date -d @"$due" +%-d)\. [a-zěščřžýáíéůú]+ do 10:00 (CET|CEST)\." \
     "cs, Date -0000: the calendar's zone"
# Malay, the Kuala Lumpur calendar: its zone has only a numeric abbreviation
KDAY=$(expect_day Asia/Kuala_Lumpur)
printf '%s\n' "$BODY" | mail "$M/due-ms" aminah@example.my "Bila?" "Content-Language: ms"
sed -i 's/^Date: \(.*\) +0100$/Date: \1 +0800/' "$M/due-ms"
deliver "$M/due-ms" bantuan@example.org aminah@example.my
c=$(case_of)
due=$(due_of "$c")
is "$(TZ=Asia/Kuala_Lumpur date -d @"$due" '+%F %H:%M')" "$KDAY 10:00" "Kuala Lumpur: due 10:00 local on the Monday after"
like "$(ack_text "$c")" "selewat-lewatnya pada hari Isnin, $(TZ=Asia/Kuala_Lumpur date -d @"$due" +%-d) [A-Z][a-z]+, pukul 10:00 UTC\+08:00\." \
     "ms, Date +0800: \"... Isnin, D Bulan, pukul 10:00 UTC+08:00\" (the zone's abbreviation is only \"+08\")"
# without a calendar: the duration, as before
printf '%s\n' "$BODY" | mail "$M/due-none" zed@example.net "No calendar"
deliver "$M/due-none" support@example.org zed@example.net
like "$(ack_text "$(case_of)")" "personally within 4h\." "no calendar: within 4h"

finish
