#!/bin/sh
# db_privacy.sh: a person's access and erasure requests (issue 16) against
# the real PostgreSQL: "postdesk customer export" gives everything stored
# about them (JSON, mboxrd); "postdesk customer erase" leaves nothing of
# their address, name or mail in a pg_dump of the whole database (raw mail
# decoded from bytea; the address in any case, the name as RFC 2047 wrote
# it, their phrase as quoted-printable and base64 wrote it), while the
# other customer's case and mail and the figures of the cases stay;
# retention drops a customer with their last case.
. "$TEST_SRCDIR/lib.sh"
plan 44
setup_helpdesk
KEY=$T_DIR/secret.key
M=$T_DIR/mail
mkdir -p "$M"
SINK="sh $TEST_SRCDIR/smtp-sink.sh"
trap '$SINK stop "$T_DIR/sink"' EXIT
trap 'exit 1' INT TERM
port=$($SINK start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"

ADDR=zofia.wojcik@example.pl
NAME='Zofia Wójcik-Żurawska'
NAME_B='=?UTF-8?B?Wm9maWEgV8OzamNpay3Fu3VyYXdza2E=?='
NAME_Q='=?UTF-8?Q?Zofia_W=C3=B3jcik-=C5=BBurawska?='
PHRASE='turkusowy pelikan zjada różowe śliwki'
PHRASE_QP='turkusowy pelikan zjada r=C3=B3=C5=BCowe =C5=9Bliwki'
PHRASE2='Fioletowa żyrafa 8812 przyjedzie w czwartek'
# dump FILE: the whole database as SQL text, bytea columns decoded too
dump() {
	pg_dump --no-owner "$DB_CONNINFO" >"$1.sql" || diag "pg_dump failed"
	perl -pe 's/\\\\x([0-9a-fA-F]+)/pack("H*", $1)/ge' "$1.sql" >"$1"
}
# found FILE TEXT: how many lines of FILE hold TEXT (fixed, any case when -i given as $3)
found() { grep -c ${3-} -F -- "$2" "$1"; }
case_of() { sql "SELECT max(id) FROM cases"; }

# --- Zofia's case: Thunderbird, quoted-printable, RFC 2047 name -----------------
{
	printf 'Message-ID: <8c1f0a2e-zofia@example.pl>\nDate: Mon, 23 Nov 2026 09:14:02 +0100\nMIME-Version: 1.0\n'
	printf 'User-Agent: Mozilla Thunderbird\nContent-Language: pl\nTo: support@example.org\n'
	printf 'From: %s <Zofia.Wojcik@Example.PL>\nSubject: Faktura =?UTF-8?Q?b=C5=82=C4=99dna?=\n' "$NAME_B"
	printf 'Content-Type: text/plain; charset=UTF-8; format=flowed\nContent-Transfer-Encoding: quoted-printable\n\n'
	printf 'Dzie=C5=84 dobry,\n\n%s.\nFrom now on please write to ZOFIA.WOJCIK@EXAMPLE.PL only.\n\n' "$PHRASE_QP"
	printf 'Pozdrawiam\nZofia W=C3=B3jcik-=C5=BBurawska\n'
} >"$M/z1"
deliver "$M/z1" support@example.org Zofia.Wojcik@Example.PL
like "$RC:$ERR" "^0:.*action=new" "Zofia's mail: a new case"
cz=$(case_of)

# --- Jan's case, Zofia copied (Outlook); she answers all (Apple Mail, base64) -----
printf 'Hello,\n\nthe parcel 55-JAN never came.\n\nJan\n' | mail "$M/j1" '"Jan Nowak" <jan@example.net>' "Parcel missing" \
	"Cc: $NAME_Q <zofia.wojcik@example.pl>"
deliver "$M/j1" support@example.org jan@example.net
cj=$(case_of)
is "$(sql "SELECT string_agg(address, ',') FROM watchers WHERE case_id = $cj")" "$ADDR" "Zofia copied: a watcher of Jan's case"
body=$(printf 'Hi,\n\n%s.\n\nZofia\n' "$PHRASE2" | base64)
{
	printf 'From: %s <zofia.wojcik@example.pl>\nContent-Type: text/plain;\n\tcharset=utf-8\n' "$NAME_Q"
	printf 'Content-Transfer-Encoding: base64\nMime-Version: 1.0 (Mac OS X Mail 16.0 \\(3731.700.6\\))\n'
	printf 'Subject: Re: [Helpdesk #%s] Parcel missing\nDate: Mon, 23 Nov 2026 10:02:11 +0100\n' "$cj"
	printf 'Cc: Jan Nowak <jan@example.net>\nTo: support@example.org\nMessage-Id: <A1B2C3D4-zofia@example.pl>\n'
	printf 'In-Reply-To: <j1.%s@example.net>\nReferences: <j1.%s@example.net>\nX-Mailer: Apple Mail (2.3731.700.6)\n\n' "$$" "$$"
	printf '%s\n' "$body"
} >"$M/z2"
deliver "$M/z2" support@example.org zofia.wojcik@example.pl
is "$(sql "SELECT count(*) FROM messages WHERE case_id = $cj AND from_addr = '$ADDR'")" 1 "her answer joined Jan's case"
printf 'Dear Jan, dear Zofia,\n\nthe parcel is on its way.\n\nAlice\n' | {
	printf 'Message-ID: <a1.%s@example.org>\nDate: Mon, 23 Nov 2026 11:00:00 +0100\nMIME-Version: 1.0\n' "$$"
	printf 'To: support+%s@example.org\nFrom: Alice Agent <alice@example.org>\n' "$("$TOKENTOOL" "$KEY" "$cj" a)"
	printf 'Subject: Re: [Helpdesk #%s] Parcel missing\nContent-Type: text/plain; charset=UTF-8\n\n' "$cj"
	cat
} >"$M/a1"
deliver "$M/a1" "support+$("$TOKENTOOL" "$KEY" "$cj" a)@example.org" alice@example.org
like "$RC:$ERR" "^0:.*mail=" "Alice answers Jan's case (to Jan and Zofia)"
sweep
sql "UPDATE cases SET rating = 4, status = 'resolved', resolved_at = now() WHERE id = $cz" >/dev/null
sql "INSERT INTO auto_mail_counts (address, day, count) VALUES ('$ADDR', current_date, 2) ON CONFLICT DO NOTHING" >/dev/null
before_cases=$(sql "SELECT string_agg(id || ':' || status || ':' || created || ':' || coalesce(rating::text, '-') || ':' || coalesce(first_response_at::text, '-'), ' ' ORDER BY id) FROM cases")

# --- export -----------------------------------------------------------------------
run "$POSTDESK" customer export ZOFIA.wojcik@example.pl --json --mbox "$T_DIR/z.mbox"
is "$RC" 0 "export runs"
J=$OUT
is "$(printf '%s' "$J" | jq -r '.customer.email + "|" + .customer.name')" "$ADDR|$NAME" "export: the customer row, name decoded"
is "$(printf '%s' "$J" | jq -r '[.cases[] | "\(.id):\(.role)"] | join(",")')" "$cz:customer,$cj:watcher" \
	"export: her case as customer, Jan's as watcher"
is "$(printf '%s' "$J" | jq -r '[.messages[] | select(.from == "'$ADDR'")] | length')" 2 "export: both of her messages"
like "$(printf '%s' "$J" | jq -r '.messages[].body_text')" "$PHRASE2" "export: her text, decoded"
is "$(printf '%s' "$J" | jq -r '[.outbox[] | select(.recipients | contains("'$ADDR'"))] | length > 0')" true \
	"export: the mail sent to her"
is "$(printf '%s' "$J" | jq -r 'keys | join(",")')" "address,addresses,cases,customer,events,messages,outbox" "export: the keys"
like "$ERR" "mbox: +[0-9]+ messages written" "export says what the mbox holds"
is "$(grep -c '^From ' "$T_DIR/z.mbox")" "$(($(printf '%s' "$J" | jq '.outbox | length') + 2))" \
	"mbox: her two originals and every mail sent to her"
is "$(grep -c '^>From now on' "$T_DIR/z.mbox")" 1 "mboxrd: a body line 'From ' is quoted"
is "$(grep -c "$(printf '\r')" "$T_DIR/z.mbox")" 0 "mbox: LF line ends"
run "$POSTDESK" customer export nobody@example.com
is "$RC:$(printf '%s' "$OUT" | sed -n 's/^cases: *//p')" "0:0" "export of an unknown address: nothing, said so"

# --- the dump before: the search can find her ------------------------------------------
dump "$T_DIR/before"
ok "$([ "$(found "$T_DIR/before" "$ADDR" -i)" -gt 0 ] && [ "$(found "$T_DIR/before" "$NAME")" -gt 0 ] &&
	[ "$(found "$T_DIR/before" "$PHRASE2")" -gt 0 ] && [ "$(found "$T_DIR/before" "$NAME_B")" -gt 0 ]; echo $?)" \
	"before: the dump holds her address, name, encoded name and text (the search works)"

# --- erase: confirmation ----------------------------------------------------------------
run "$POSTDESK" customer erase "$ADDR" </dev/null
like "$RC:$ERR" "^[1-9][0-9]*:.*not a terminal.*--yes" "without --yes and no terminal: refused"
is "$(sql "SELECT count(*) FROM customers WHERE email = '$ADDR'")" 1 "nothing erased then"
run "$POSTDESK" customer erase alice@example.org --yes
like "$RC:$ERR" "^[1-9][0-9]*:.*agent" "an agent's address is refused"
run "$POSTDESK" customer export "$ADDR" --yes
like "$RC:$ERR" "^[1-9][0-9]*:.*expected export" "export takes no --yes"

# --- erase ----------------------------------------------------------------------------
from=$(date -u -d '-2 days' +%Y-%m-%d)
to=$(date -u -d '+2 days' +%Y-%m-%d)
run "$POSTDESK" report --from "$from" --to "$to" --json
REPORT_BEFORE=$OUT
run "$POSTDESK" customer erase Zofia.Wojcik@EXAMPLE.PL --yes
like "$RC:$OUT" "^0:customer $ADDR erased: 1 own case purged, removed from 1 other case; 1 watcher row, 3 messages deleted" \
	"erase says what it removed (her mail to Jan's case, the notifications quoting it)"
diag "$OUT"
run "$POSTDESK" report --from "$from" --to "$to" --json
is "$RC:$OUT" "0:$REPORT_BEFORE" "report --json: the same figures after the erasure"
ok "$(printf '%s' "$REPORT_BEFORE" | grep -q '"opened": *[1-9]'; echo $?)" "... and the report counted her case (it is not empty)"
dump "$T_DIR/after"
for s in "$ADDR" "ZOFIA.WOJCIK@EXAMPLE.PL" "zofia.wojcik" "$NAME" "Wójcik" "$NAME_B" "$NAME_Q" "W=C3=B3jcik" \
	"$PHRASE" "$PHRASE_QP" "$PHRASE2" "$(printf '%s' "$body" | head -n 1)"; do
	is "$(found "$T_DIR/after" "$s" -i)" 0 "after: the dump has no '$s'"
done
is "$(found "$T_DIR/after.sql" "$(printf '%s' "$ADDR" | od -An -tx1 | tr -d ' \n')")" 0 "after: not even as hex"

# --- what stays ---------------------------------------------------------------------------
is "$(sql "SELECT string_agg(id || ':' || status || ':' || created || ':' || coalesce(rating::text, '-') || ':' || coalesce(first_response_at::text, '-'), ' ' ORDER BY id) FROM cases")" \
	"$before_cases" "every case keeps its status, times and rating"
is "$(sql "SELECT email || '|' || name FROM customers")" "jan@example.net|Jan Nowak" "Jan stays a customer"
like "$(sql "SELECT body_text FROM messages WHERE case_id = $cj AND kind = 'customer' ORDER BY id LIMIT 1")" "parcel 55-JAN never came" \
	"Jan's mail keeps its text"
is "$(sql "SELECT count(*) FROM messages WHERE case_id = $cj AND raw IS NOT NULL AND from_addr = 'jan@example.net'")" 0 \
	"Jan's mail that copied her lost its raw form (it named her)"
is "$(sql "SELECT count(*) FROM events WHERE type = 'erased'")" 2 "an 'erased' event on each case touched"
run "$POSTDESK" customer erase "$ADDR" --yes
like "$RC:$OUT" "^0:.*0 own cases purged, removed from 0 other cases" "erasing again: nothing left, said so"

# --- retention: the customer goes with their last case -------------------------------------
sql "UPDATE queues SET retention_s = 86400" >/dev/null
sql "UPDATE cases SET status = 'closed', closed_at = now() - interval '2 days' WHERE id = $cj" >/dev/null
sql "INSERT INTO auto_mail_counts (address, day, count) VALUES ('old@example.net', current_date - 3, 1)" >/dev/null
sweep
is "$(sql "SELECT count(*) FROM customers WHERE email = 'jan@example.net'"):$(sql "SELECT count(*) FROM auto_mail_counts WHERE day < current_date")" "0:0" \
	"retention: Jan's last case purged, his customer row and past rate-limit rows gone"
finish
