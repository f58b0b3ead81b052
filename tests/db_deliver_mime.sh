#!/bin/sh
# db_deliver_mime.sh: what deliver stores of real-world MIME: charsets end
# as UTF-8, attachments with RFC 2231 names, nested multiparts, the
# attachments' contents kept once (in the raw message), HTML-only mail as
# readable text.
. "$TEST_SRCDIR/lib.sh"
plan 21
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"

# charset_mail FILE CHARSET CTE TEXT: a message whose body is TEXT (UTF-8 here)
# encoded in CHARSET and transfer-encoded with CTE (8bit, base64, quoted-printable).
charset_mail() {
	f=$1 cs=$2 cte=$3 text=$4
	{
		printf 'From: sender@example.net\nTo: support@example.org\nSubject: %s\n' "$cs"
		printf 'Message-ID: <%s@example.net>\nMIME-Version: 1.0\n' "$cs"
		printf 'Content-Type: text/plain; charset=%s\nContent-Transfer-Encoding: %s\n\n' "$cs" "$cte"
		case $cte in
		base64) printf '%s\n' "$text" | iconv -f UTF-8 -t "$cs" | base64 ;;
		quoted-printable) printf '%s\n' "$text" | iconv -f UTF-8 -t "$cs" |
			od -An -v -tx1 | tr -s ' \n' '  ' | sed 's/ \([0-9a-f][0-9a-f]\)/=\1/g; s/=0a/\n/g' | tr 'a-f' 'A-F' ;;
		*) printf '%s\n' "$text" | iconv -f UTF-8 -t "$cs" ;;
		esac
	} >"$f"
}

# body_of FILE: deliver it and print the stored body text of its message.
body_of() {
	deliver "$1" support@example.org sender@example.net
	sql "SELECT body_text FROM messages WHERE envelope_recipient = 'support@example.org' ORDER BY id DESC LIMIT 1"
}

pl='Zażółć gęślą jaźń - drukarka nie działa.'
cz='Příliš žluťoučký kůň úpěl ďábelské ódy.'
ru='Съешь же ещё этих мягких французских булок.'
jp='プリンターが壊れました。'
zh='打印机坏了，请帮忙。'

charset_mail "$M/l2" ISO-8859-2 quoted-printable "$pl"
like "$(body_of "$M/l2")" "^$pl" "ISO-8859-2, quoted-printable: Polish text as UTF-8"
charset_mail "$M/cp1250" windows-1250 8bit "$cz"
like "$(body_of "$M/cp1250")" "^$cz" "windows-1250, 8bit: Czech text as UTF-8"
charset_mail "$M/koi8" KOI8-R base64 "$ru"
like "$(body_of "$M/koi8")" "^$ru" "KOI8-R, base64: Russian text as UTF-8"
charset_mail "$M/jis" ISO-2022-JP 7bit "$jp"
like "$(body_of "$M/jis")" "^$jp" "ISO-2022-JP: Japanese text as UTF-8"
charset_mail "$M/gb" GB2312 base64 "$zh"
like "$(body_of "$M/gb")" "^$zh" "GB2312, base64: Chinese text as UTF-8"

# undeclared 8-bit Latin-1 and declared UTF-8 with invalid bytes
{
	printf 'From: sender@example.net\nTo: support@example.org\nSubject: no charset\nMessage-ID: <nocs@example.net>\n\n'
	printf 'Caf\351 cr\350me br\373l\351e\n'
} >"$M/nocs"
like "$(body_of "$M/nocs")" "^Café crème brûlée" "undeclared 8-bit: guessed as windows-1252"
{
	printf 'From: sender@example.net\nTo: support@example.org\nSubject: bad utf8\nMessage-ID: <bad8@example.net>\n'
	printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n'
	printf 'good \303\251 bad \377\376 end\n'
} >"$M/bad8"
like "$(body_of "$M/bad8")" "^good é bad .+ end" "invalid UTF-8 bytes replaced, message kept"
is "$(sql "SELECT count(*) FROM messages WHERE message_id = 'bad8@example.net'")" 1 "and stored"

# encoded subject and sender name
cat >"$M/2047" <<'EOF'
From: =?UTF-8?B?UGF3ZcWCIMWad2nEhXRlaw==?= <pawel@example.net>
To: support@example.org
Subject: =?ISO-8859-2?Q?Zam=F3wienie?= =?UTF-8?Q?_nr_12_=E2=80=94_pilne?=
Message-ID: <2047@example.net>

treść
EOF
deliver "$M/2047" support@example.org pawel@example.net
is "$(sql "SELECT subject || ' | ' || from_name FROM messages WHERE message_id = '2047@example.net'")" \
	"Zamówienie nr 12 — pilne | Paweł Świątek" "RFC 2047 subject and name decoded"

# nested multipart, RFC 2231 file name, the same attachment twice
pdf=$(printf '%%PDF-1.4 fake invoice %s' "$(head -c 2000 /dev/zero | tr '\0' 'x')" | base64 -w 76)
cat >"$M/nested" <<EOF
From: Jan <jan@example.net>
To: support@example.org
Subject: Invoice problem
Message-ID: <nested@example.net>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

--outer
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=UTF-8

The invoice is attached twice, sorry.
--alt
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=UTF-8

<p>The invoice is attached <b>twice</b>, sorry.</p><img src="cid:logo">
--rel
Content-Type: image/png
Content-ID: <logo>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--rel--
--alt--
--outer
Content-Type: application/pdf
Content-Disposition: attachment;
 filename*0*=UTF-8''faktura%20%C5%BC%C3%B3%C5%82ta%20;
 filename*1*=nr%2012.pdf
Content-Transfer-Encoding: base64

$pdf
--outer
Content-Type: application/pdf; name="copy.pdf"
Content-Disposition: attachment; filename="copy.pdf"
Content-Transfer-Encoding: base64

$pdf
--outer--
EOF
deliver "$M/nested" support@example.org jan@example.net
is "$RC" 0 "nested multipart stored"
n=$(sql "SELECT id FROM messages WHERE message_id = 'nested@example.net'")
is "$(sql "SELECT body_text FROM messages WHERE id = $n")" "The invoice is attached twice, sorry." "text/plain chosen as the body"
like "$(sql "SELECT body_html FROM messages WHERE id = $n")" "<b>twice</b>" "HTML kept beside it"
is "$(sql "SELECT string_agg(coalesce(filename, '-') || ' ' || content_type || ' ' || size, '; ' ORDER BY id) FROM attachments WHERE message_id = $n")" \
	"- image/png 8; faktura żółta nr 12.pdf application/pdf 2022; copy.pdf application/pdf 2022" \
	"attachments: inline image, RFC 2231 name decoded, the copy"
is "$(sql "SELECT encode(sha256(raw), 'hex') FROM messages WHERE id = $n")" "$(sha256sum <"$M/nested" | cut -d' ' -f1)" \
	"the contents are kept once, in the raw message, byte for byte"
run "$POSTDESK" case show "$(sql "SELECT case_id FROM messages WHERE id = $n")" --json
like "$OUT" '"attachments":\[\{"n":1,"filename":null,"content_type":"image/png","size":8\},\{"n":2,"filename":"faktura żółta nr 12.pdf","content_type":"application/pdf","size":2022\}' \
	"case show --json lists the attachments"

# nested deeper than the limit (32 levels): the text above it, and a note
{
	printf 'From: deep@example.net\nTo: support@example.org\nSubject: Deep\nMessage-ID: <deep@example.net>\n'
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b0"\n\n'
	i=0
	while [ $i -le 40 ]; do
		printf -- '--b%d\nContent-Type: text/plain\n\nlevel %d\n--b%d\n' $i $i $i
		[ $i -lt 40 ] && printf 'Content-Type: multipart/mixed; boundary="b%d"\n\n' $((i + 1))
		i=$((i + 1))
	done
	printf 'Content-Type: text/plain\n\nthe bottom\n'
	while [ $i -gt 0 ]; do i=$((i - 1)); printf -- '--b%d--\n' $i; done
} >"$M/deep"
deliver "$M/deep" support@example.org deep@example.net
is "$RC" 0 "41 levels of multipart: stored"
run "$POSTDESK" case show "$(sql "SELECT case_id FROM messages WHERE message_id = 'deep@example.net'")" --json
like "$OUT" '"body":"level 0\\nlevel 1\\n.*\\nlevel 31\\n\\n\[postdesk: 18 MIME parts nested deeper than 32 levels were left out; the message is stored whole\]\\n"' \
	"case show --json: the text above the limit, then the note"
if printf '%s' "$OUT" | grep -q 'level 32'; then ok 1 "nothing below the limit shown"; else ok 0 "nothing below the limit shown"; fi

# HTML only
cat >"$M/html" <<'EOF'
From: shop@example.com
To: support@example.org
Subject: HTML only
Message-ID: <html@example.net>
MIME-Version: 1.0
Content-Type: text/html; charset=UTF-8

<html><head><style>p { color: red }</style></head><body>
<p>Dear support,</p><p>order &amp; invoice &#8212; see <a href="https://example.com/o/1">your order</a>.</p>
<ul><li>first</li><li>second</li></ul></body></html>
EOF
b=$(body_of "$M/html")
like "$b" "Dear support," "HTML-only mail: readable text"
like "$b" "order & invoice — see your order <https://example.com/o/1>" "entities decoded, link kept"
if printf '%s' "$b" | grep -q "color: red"; then ok 1 "style sheet dropped"; else ok 0 "style sheet dropped"; fi
finish
