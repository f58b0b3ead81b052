#!/bin/sh
# db_attachments.sh: attachments both ways, checked on what a real SMTP
# receiver (Postfix's smtp-sink) got, read back with GMime alone
# (tests/mimetool): a customer's Gmail mail with two photos (one inline, cid:
# in the HTML) reaches the agents with both; the agent's bottom-posted
# Thunderbird answer with a PDF reaches the customer with the identical
# bytes; an Outlook "forward as attachment" of our own notification is not
# relayed; over notify_attachment_limit the notification lists what it does
# not carry, "#attachments" mails them, "postdesk case attachment" writes
# them; non-ASCII filenames survive both ways; purged cases say so.
. "$TEST_SRCDIR/lib.sh"
plan 53
setup_helpdesk
"$POSTDESK" queue add billing --address billing@example.org --retention 1d >/dev/null
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue support --queue billing >/dev/null
M=$T_DIR/mail
F=$T_DIR/files
mkdir -p "$M" "$F"
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
trap 'exit 1' INT TERM
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"

# received N: wait (at most 10s) until the receiver has N messages.
received() { $SINK count "$T_DIR/sink" "$1" >/dev/null; }
# got ADDR SUBJECT-PART: the newest received message to ADDR whose Subject
# has SUBJECT-PART.
got() {
	for f in $(ls -t "$T_DIR/sink/mail"/* 2>/dev/null); do
		if tr -d '\r' <"$f" | grep -qi "^To: .*$1" && tr -d '\r' <"$f" | grep -q "^Subject: .*$2"; then
			echo "$f"
			return
		fi
	done
	echo /dev/null
}
# sha FILE: the SHA-256 of a file.
sha() { sha256sum <"$1" | cut -d' ' -f1; }
# part_sha MSG FILENAME: the SHA-256 of the decoded part called FILENAME.
part_sha() { "$MIMETOOL" tree "$1" | grep " filename=$2 cid=" | sed -n 's/.* sha256=//p' | head -n 1; }
# b64 FILE: base64 in 76-column lines, as mail clients write it.
b64() { base64 -w 76 <"$1"; }
# header NAME FILE: the first value of a header of a message file.
header() { tr -d '\r' <"$2" | sed -n "s/^$1: //Ip" | head -n 1; }
# text MSG: the text/plain part of a received message, LF line ends.
text() { "$MIMETOOL" part "$1" "$("$MIMETOOL" tree "$1" | awk '$2 == "text/plain" { print $1; exit }')" | tr -d '\r'; }

# --- a customer's Gmail mail with two photos, one inline ---------------------
deliver "$TEST_SRCDIR/fixtures/gmail-photos.eml" support@example.org zofia.dabrowska@gmail.com
like "$RC:$ERR" "^0:.*case=1, action=new, .*mail=ack\+notify, sent=3/3" "Gmail mail with photos: a case, ack and two notifications sent"
received 3
N=$(got alice@example.org "New case")
tree=$("$MIMETOOL" tree "$N")
like "$tree" "^0 multipart/mixed" "the notification is multipart/mixed"
is "$(part_sha "$N" "zdjęcie obudowy.jpg")" f644303eb447f53a13ccef21992fcc338db4d086cd49d988faa2745d256e3d3c \
	"the inline photo reached the agent, identical bytes, its non-ASCII name intact"
is "$(part_sha "$N" IMG_20260310_091144.jpg)" afcc1e598eea77c892b42eff03a00a5dbd84904f951acadb69cafea276606c44 \
	"the attached photo reached the agent, identical bytes"
like "$tree" "image/jpeg disposition=inline filename=zdjęcie obudowy.jpg cid=ii_m7k2x9qa0 " \
	"the inline photo keeps its Content-ID (the customer's cid: link) and stays inline"
"$MIMETOOL" cids "$N" >"$T_DIR/cids"
ok $? "every cid: link in the notification's HTML resolves ($(wc -l <"$T_DIR/cids" | tr -d ' ') links)"
text=$(text "$N")
like "$text" "1\. zdjęcie obudowy\.jpg \(image/jpeg, 3\.0 KB\): attached" "the notification lists them, numbered, attached"
like "$text" "2\. IMG_20260310_091144\.jpg \(image/jpeg, 4\.9 KB\): attached" "the second one too"
if printf '%s' "$text" | grep -q "Not all attached"; then ok 1 "nothing said to be left out"; else ok 0 "nothing said to be left out"; fi
A=$(got zofia.dabrowska@gmail.com "")
is "$("$MIMETOOL" tree "$A" | grep -c "image/jpeg")" 0 "the customer's ack carries no attachments"

# --- the case's attachments by number ------------------------------------------
run "$POSTDESK" case show 1
like "$OUT" "Attachment 1: zdjęcie obudowy\.jpg \(image/jpeg, 3022 bytes\)" "case show numbers the attachments (1)"
like "$OUT" "Attachment 2: IMG_20260310_091144\.jpg \(image/jpeg, 5022 bytes\)" "case show numbers the attachments (2)"
run "$POSTDESK" case show 1 --json
like "$OUT" '"attachments":\[\{"n":1,"filename":"zdjęcie obudowy.jpg","content_type":"image/jpeg","size":3022\},\{"n":2,' \
	"case show --json gives each its n"
"$POSTDESK" case attachment 1 1 >"$F/1.jpg"
is "$?:$(sha "$F/1.jpg")" 0:f644303eb447f53a13ccef21992fcc338db4d086cd49d988faa2745d256e3d3c \
	"case attachment 1 1 writes the inline photo's bytes"
"$POSTDESK" case attachment 1 2 >"$F/2.jpg"
is "$?:$(sha "$F/2.jpg")" 0:afcc1e598eea77c892b42eff03a00a5dbd84904f951acadb69cafea276606c44 \
	"case attachment 1 2 writes the other photo's bytes"
run "$POSTDESK" case attachment 1 3
like "$RC:$ERR" "^1:.*case 1 has no attachment 3 \(it has 2\)" "no such attachment: exit 1, says how many there are"
run "$POSTDESK" case attachment 99 1
like "$RC:$ERR" "^1:.*no case 99" "no such case: exit 1"
run "$POSTDESK" case attachment 1 x
like "$RC:$ERR" "^64:.*attachment number" "a number that is not one: usage (exit 64)"

# --- the agent's bottom-posted Thunderbird answer with a PDF -------------------------
{ printf '%%PDF-1.7\n%%\342\343\317\323\n'; head -c 60000 /dev/urandom; printf '\n%%%%EOF\n'; } >"$F/faktura.pdf"
atok=$(header Reply-To "$N")
notifid=$(header Message-I[dD] "$N" | tr -d '<>')
cat >"$M/tb-answer" <<EOF
Content-Type: multipart/mixed; boundary="------------Mz0Xq7vB3nHcT8pWfYk2eRjL"
Message-ID: <3f1c9a7e-5b2d-4e8f-a1c6-7d9e0b4f2a18@example.org>
Date: Tue, 10 Mar 2026 11:02:41 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: [Helpdesk #1] New case: =?UTF-8?Q?P=c4=99kni=c4=99ta_obudowa_drukarki?=
Content-Language: pl
To: $atok
References: <$notifid>
From: Alice Agent <alice@example.org>
In-Reply-To: <$notifid>

This is a multi-part message in MIME format.
--------------Mz0Xq7vB3nHcT8pWfYk2eRjL
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

W dniu 10.03.2026 o 09:14, Zofia Dąbrowska via Helpdesk pisze:
$(printf '%s\n' "$text" | sed 's/^/> /; s/^> $/>/')

Dzień dobry,

w załączeniu faktura korygująca.

Pozdrawiam
Alice

--------------Mz0Xq7vB3nHcT8pWfYk2eRjL
Content-Type: application/pdf;
 name="=?UTF-8?Q?Faktura_koryguj=c4=85ca_12-2026=2epdf?="
Content-Disposition: attachment;
 filename*=UTF-8''Faktura%20koryguj%C4%85ca%2012-2026.pdf
Content-Transfer-Encoding: base64

$(b64 "$F/faktura.pdf")

--------------Mz0Xq7vB3nHcT8pWfYk2eRjL--
EOF
before=$($SINK count "$T_DIR/sink")
deliver "$M/tb-answer" "$atok" alice@example.org
like "$RC:$ERR" "^0:.*case=1, action=follow-up, .*mail=relay, sent=1/1" "the Thunderbird answer is relayed and sent"
received $((before + 1))
R=$(got zofia.dabrowska@gmail.com "Pęknięta\|=?UTF-8?")
[ "$R" = /dev/null ] && R=$(ls -t "$T_DIR/sink/mail"/* | head -n 1)
is "$(part_sha "$R" "Faktura korygująca 12-2026.pdf")" "$(sha "$F/faktura.pdf")" \
	"the customer's mail carries the identical PDF, its non-ASCII name intact"
like "$("$MIMETOOL" tree "$R")" "application/pdf disposition=attachment filename=Faktura korygująca 12-2026.pdf" \
	"as an attachment of type application/pdf"
like "$(tr -d '\r' <"$R")" "filename\*(0\*)?=UTF-8''Faktura" "the filename in RFC 2231 form"
is "$(sql "SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.case_id = 1")" 3 \
	"the agent's PDF is attachment 3 of the case"
"$POSTDESK" case attachment 1 3 >"$F/3.pdf"
is "$(sha "$F/3.pdf")" "$(sha "$F/faktura.pdf")" "case attachment 1 3: the agent's PDF, identical"

# --- Outlook "forward as attachment" of our own notification ----------------------
{ printf 'PK\003\004'; head -c 3000 /dev/urandom; } >"$F/parts.xlsx"
{
	printf '%s\n' "From: Alice Agent <alice@example.org>" "To: $atok" \
		"Subject: RE: [Helpdesk #1] New case: Pęknięta obudowa drukarki" \
		"Thread-Topic: [Helpdesk #1] New case" "Thread-Index: AQHbkZr4s2fX9yq1TkW3nVxW2c0r7Q==" \
		"Date: Tue, 10 Mar 2026 11:30:02 +0000" \
		"Message-ID: <DB9PR07MB77701A2B3C4D5E6F7A8B9C0D1E2F3@DB9PR07MB7770.eurprd07.prod.outlook.com>" \
		"Accept-Language: pl-PL, en-US" "Content-Language: pl-PL" "X-MS-Has-Attach: yes" \
		"MIME-Version: 1.0" 'Content-Type: multipart/mixed;' '	boundary="_004_DB9PR07MB7770_"' '' \
		'--_004_DB9PR07MB7770_' 'Content-Type: text/plain; charset="iso-8859-2"' \
		'Content-Transfer-Encoding: quoted-printable' '' \
		'Przesy=B3am arkusz z numerami cz=EA=B6ci.' '' '--_004_DB9PR07MB7770_' \
		'Content-Type: message/rfc822' 'Content-Disposition: attachment;' \
		'	creation-date="Tue, 10 Mar 2026 11:29:55 GMT";' \
		'	modification-date="Tue, 10 Mar 2026 11:29:55 GMT"' ''
	# the notification as Outlook attaches it: its headers and body, without the receiver's
	tr -d '\r' <"$N" | sed -n '/^Date: /,$p'
	printf '%s\n' '' '--_004_DB9PR07MB7770_' \
		'Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;' \
		'	name="=?iso-8859-2?Q?cz=EA=B6ci_zamienne.xlsx?="' \
		'Content-Description: =?iso-8859-2?Q?cz=EA=B6ci_zamienne.xlsx?=' \
		'Content-Disposition: attachment;' '	filename="=?iso-8859-2?Q?cz=EA=B6ci_zamienne.xlsx?="; size=3004;' \
		'	creation-date="Tue, 10 Mar 2026 11:29:58 GMT";' \
		'	modification-date="Tue, 10 Mar 2026 11:29:58 GMT"' 'Content-Transfer-Encoding: base64' ''
	b64 "$F/parts.xlsx"
	printf '%s\n' '' '--_004_DB9PR07MB7770_--'
} >"$M/ol-forward"
like "$(sed -n '/^Content-Type: message\/rfc822/,/^--_004/p' "$M/ol-forward" | grep -i '^Message-Id:')" "<pd\.m1\." \
	"fixture: the attached message is our notification, with our Message-ID"
before=$($SINK count "$T_DIR/sink")
deliver "$M/ol-forward" "$atok" alice@example.org
like "$RC:$ERR" "^0:.*mail=relay, sent=1/1" "Outlook answer with our notification attached: relayed"
received $((before + 1))
R2=$(ls -t "$T_DIR/sink/mail"/* | head -n 1)
tree2=$("$MIMETOOL" tree "$R2")
is "$(part_sha "$R2" "części zamienne.xlsx")" "$(sha "$F/parts.xlsx")" "the spreadsheet reached the customer (Outlook's RFC 2047 name)"
if printf '%s\n' "$tree2" | grep -q "message/rfc822"; then ok 1 "our own notification is not relayed"; else ok 0 "our own notification is not relayed"; fi
if tr -d '\r' <"$R2" | grep -q "support+n1\."; then ok 1 "no note address reaches the customer"; else ok 0 "no note address reaches the customer"; fi
like "$(sql "SELECT detail FROM events WHERE case_id = 1 AND type = 'relay-skipped' ORDER BY id DESC LIMIT 1")" \
	"attachment .* \(message/rfc822\) not relayed: a copy of a mail postdesk sent \(its Message-ID is postdesk's\)" \
	"an event says why it was left out"

# --- over notify_attachment_limit: listed, #attachments, case attachment ----------------
echo "notify_attachment_limit = 64k" >>"$CONF"
{ printf '\211PNG\r\n\032\n'; head -c 20000 /dev/urandom; } >"$F/a.png"
{ printf '%%PDF-1.4\n'; head -c 40000 /dev/urandom; } >"$F/b.pdf"
{ printf 'PK\003\004'; head -c 100000 /dev/urandom; } >"$F/c.zip"
{
	printf '%s\n' 'From: Piotr Wiśniewski <piotr@example.net>' 'To: support@example.org' \
		'Subject: Logi z serwera' 'Date: Tue, 10 Mar 2026 12:00:00 +0100' 'Message-ID: <logs.1@example.net>' \
		'MIME-Version: 1.0' 'Content-Type: multipart/mixed; boundary="b1"' '' '--b1' \
		'Content-Type: text/plain; charset=UTF-8' 'Content-Transfer-Encoding: 8bit' '' 'W załączeniu logi.' '' \
		'--b1' 'Content-Type: image/png; name="ekran.png"' 'Content-Disposition: attachment; filename="ekran.png"' \
		'Content-Transfer-Encoding: base64' ''
	b64 "$F/a.png"
	printf '%s\n' '--b1' 'Content-Type: application/pdf; name="raport.pdf"' \
		'Content-Disposition: attachment; filename="raport.pdf"' 'Content-Transfer-Encoding: base64' ''
	b64 "$F/b.pdf"
	printf '%s\n' '--b1' 'Content-Type: application/zip; name="logi.zip"' \
		'Content-Disposition: attachment; filename="logi.zip"' 'Content-Transfer-Encoding: base64' ''
	b64 "$F/c.zip"
	printf '%s\n' '--b1--'
} >"$M/big"
before=$($SINK count "$T_DIR/sink")
deliver "$M/big" support@example.org piotr@example.net
like "$RC:$ERR" "^0:.*case=2, action=new, .*sent=3/3" "a mail over the limit: a case, its mail sent"
received $((before + 3))
N2=$(got alice@example.org "Logi z serwera")
text2=$(text "$N2")
like "$text2" "1\. ekran\.png \(image/png, 20 KB\): attached" "what fits is attached"
like "$text2" "2\. raport\.pdf \(application/pdf, 39 KB\)$" "what no longer fits is listed, not attached"
like "$text2" "3\. logi\.zip \(application/zip, 98 KB\): too large for mail" "what no mail carries is marked so"
like "$text2" "Not all attached: a notification carries at most 64 KB" "the notification says the limit"
like "$text2" "postdesk case attachment 2 N > FILE" "and how to get them by command"
like "$text2" "#attachments" "and by mail"
tree3=$("$MIMETOOL" tree "$N2")
is "$(printf '%s\n' "$tree3" | grep -c 'disposition=attachment')" 1 "one attachment carried"
is "$(part_sha "$N2" ekran.png)" "$(sha "$F/a.png")" "the one carried is identical"

# the agent asks by mail: replies to the notification with #attachments
atok2=$(header Reply-To "$N2")
{
	printf '%s\n' "From: Alice Agent <alice@example.org>" "To: $atok2" "Subject: Re: [Helpdesk #2] New case: Logi z serwera" \
		"Message-ID: <ask.1@example.org>" "In-Reply-To: $(header Message-I[dD] "$N2")" "MIME-Version: 1.0" \
		"Content-Type: text/plain; charset=UTF-8; format=flowed" "Content-Transfer-Encoding: 8bit" "" \
		"#attachments" "" "W dniu 10.03.2026 o 12:00, Piotr Wiśniewski via Helpdesk pisze:"
	printf '%s\n' "$text2" | sed 's/^/> /'
} >"$M/ask"
before=$($SINK count "$T_DIR/sink")
replies=$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'")
deliver "$M/ask" "$atok2" alice@example.org
like "$RC:$ERR" "^0:.*case=2, .*mail=attachments, sent=2/2" "#attachments: answered with two mails"
received $((before + 2))
is "$(sql "SELECT count(*) FROM outbox WHERE kind = 'reply'")" "$replies" "the #attachments mail is not relayed to the customer"
is "$(sql "SELECT kind FROM messages WHERE message_id = 'ask.1@example.org'")" note "and is stored as a note"
P1=$(got alice@example.org "Attachments (1/2)")
P2=$(got alice@example.org "Attachments (2/2)")
is "$(part_sha "$P1" ekran.png)" "$(sha "$F/a.png")" "mail 1 of 2 carries the first, identical"
is "$(part_sha "$P2" raport.pdf)" "$(sha "$F/b.pdf")" "mail 2 of 2 carries the second, identical"
like "$(text "$P2")" "3\. logi\.zip \(application/zip, 98 KB\): larger than the 64 KB one mail carries" \
	"the last one lists what no mail carries"
is "$(header Auto-Submitted "$P1"):$(sql "SELECT envelope_from FROM outbox WHERE kind = 'attachments' LIMIT 1")" "auto-replied:" \
	"they are automatic answers with the null sender"
"$POSTDESK" case attachment 2 3 >"$F/3.zip"
is "$(sha "$F/3.zip")" "$(sha "$F/c.zip")" "case attachment gives the one too large for mail, identical"

# #attachments by number, an unknown number, and limit 0
printf '#attachments 2 7\n' | mail "$M/ask2" "alice@example.org" "Re: x"
before=$($SINK count "$T_DIR/sink")
deliver "$M/ask2" "$atok2" alice@example.org
like "$ERR" "mail=attachments, sent=1/1" "#attachments 2 7: one mail"
received $((before + 1))
P3=$(ls -t "$T_DIR/sink/mail"/* | head -n 1)
is "$(part_sha "$P3" raport.pdf)" "$(sha "$F/b.pdf")" "#attachments 2: the one asked for"
like "$(text "$P3")" "7\. the case has no attachment with this number" "an unknown number is said so"
sed -i 's/^notify_attachment_limit = .*/notify_attachment_limit = 0/' "$CONF"
before=$($SINK count "$T_DIR/sink")
# sent again, to another queue (a new Message-ID: the same one would be a duplicate)
sed 's/^Message-ID: <\(.*\)>/Message-ID: <again.\1>/' "$TEST_SRCDIR/fixtures/gmail-photos.eml" >"$T_DIR/gmail-photos-again.eml"
deliver "$T_DIR/gmail-photos-again.eml" billing@example.org zofia.dabrowska@gmail.com
like "$RC:$ERR" "^0:.*action=new" "limit 0: the mail is taken"
c3=$(printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\).*/\1/p')
received $((before + 2))
N3=$(got @example.org "New case: Pęknięta\|New case: =?")
[ "$N3" = /dev/null ] && N3=$(ls -t "$T_DIR/sink/mail"/* | head -n 1)
like "$("$MIMETOOL" tree "$N3" | head -n 1)" "^0 text/plain|^0 multipart/alternative" "limit 0: no attachment carried"

# --- retention purged the case ---------------------------------------------------
"$POSTDESK" case status "$c3" closed >/dev/null
run "$POSTDESK" sweep --now "$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)"
run "$POSTDESK" case attachment "$c3" 1
like "$RC:$ERR" "^1:.*case $c3 was purged at .* \(retention\): its mail and attachments are gone" \
	"a purged case: case attachment says so"
finish
