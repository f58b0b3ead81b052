#!/bin/sh
# db_case_list.sh: "case list" filters (--assignee, --customer, --overdue,
# --limit), its order (the earliest due time first) and --search: full-text
# search over subjects and people's mail in Polish, Czech and German, with
# and without diacritics, through the GIN indexes of 009_admin.sql (checked
# with auto_explain on the real command's query) over a few thousand
# messages; hostile bodies that a tsvector cannot hold whole.
. "$TEST_SRCDIR/lib.sh"
plan 36
setup_helpdesk
"$POSTDESK" agent add bob@example.org --name "Bob Builder" --queue support --queue sales >/dev/null
M=$T_DIR/mail
mkdir -p "$M"
ids() { printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(" ".join(str(c["id"]) for c in json.load(sys.stdin)))'; }

# --- three mails as their clients write them -------------------------------------
# Outlook (Polish, plain text, windows-1250 quoted-printable)
cat >"$M/outlook-pl" <<'EOM'
From: =?iso-8859-2?Q?Pawe=B3_=AF=F3=B3kiewicz?= <pawel@example.pl>
To: "support@example.org" <support@example.org>
Subject: =?windows-1250?Q?Zam=F3wienie_nr_4471_=96_=BF=F3=B3w_nie_dotar=B3?=
Date: Mon, 23 Nov 2026 09:12:44 +0000
Message-ID: <DB9PR04MB8412A1B2C3D4E5F6@DB9PR04MB8412.eurprd04.prod.outlook.com>
Accept-Language: pl-PL, en-US
Content-Language: pl-PL
X-MS-Has-Attach:
MIME-Version: 1.0
Content-Type: text/plain; charset="windows-1250"
Content-Transfer-Encoding: quoted-printable

Dzie=F1 dobry,

zam=F3wi=B3em pluszowego =BF=F3=B3wia, ale paczka nie dotar=B3a. Prosz=EA o=
 sprawdzenie przesy=B3ki.

Pozdrawiam
Pawe=B3 =AF=F3=B3kiewicz
EOM
# Gmail (Czech, multipart/alternative, UTF-8 quoted-printable and base64)
cat >"$M/gmail-cs" <<'EOM'
MIME-Version: 1.0
Date: Mon, 23 Nov 2026 10:03:17 +0100
Message-ID: <CAF3xQ7bW9kLr+2mZp0Qn5Yt1uVx8sA@mail.gmail.com>
Subject: =?UTF-8?B?UmVrbGFtYWNlOiBQxZnDrWxpxaEgxb5sdcWlb3XEjWvDvSBrxa/FiA==?=
From: =?UTF-8?B?SmnFmcOtIE5vdsOhaw==?= <jiri.novak@example.cz>
To: support@example.org
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f60718"

--000000000000a1b2c3d4e5f60718
Content-Type: text/plain; charset="UTF-8"
Content-Transfer-Encoding: quoted-printable

Dobr=C3=BD den,

p=C5=99=C3=ADli=C5=A1 =C5=BElu=C5=A5ou=C4=8Dk=C3=BD k=C5=AF=C5=88 =C3=BAp=
=C4=9Bl =C4=8F=C3=A1belsk=C3=A9 =C3=B3dy. Pros=C3=ADm o vr=C3=A1cen=C3=AD pe=
n=C4=9Bz.

Ji=C5=99=C3=AD

--000000000000a1b2c3d4e5f60718
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: base64

PGRpdiBkaXI9Imx0ciI+RG9icsO9IGRlbiw8YnI+PGJyPnDFmcOtbGnFoSDFvmx1xaVvdcSNa8O9
IGvFr8WIIMO6cMSbbCDEj8OhYmVsc2vDqSDDs2R5LjwvZGl2Pgo=
--000000000000a1b2c3d4e5f60718--
EOM
# Thunderbird (German, UTF-8, format=flowed, 8bit)
cat >"$M/thunderbird-de" <<'EOM'
Message-ID: <5c0f2e1a-9b7d-4c3e-8f21-0d6a4b9e7c11@example.de>
Date: Mon, 23 Nov 2026 11:45:02 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Content-Language: de-DE
To: support@example.org
From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen.mueller@example.de>
Subject: =?UTF-8?Q?R=C3=BCcksendung_der_B=C3=BCcher?=
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

Guten Tag,

die Bücher sind in übermäßiger Größe angekommen. Bitte schicken Sie
mir ein Etikett für die Rücksendung an die Hauptstraße 5.

Mit freundlichen Grüßen
Jürgen Müller
EOM
deliver "$M/outlook-pl" support@example.org pawel@example.pl
deliver "$M/gmail-cs" support@example.org jiri.novak@example.cz
deliver "$M/thunderbird-de" sales@example.org juergen.mueller@example.de
is "$(sql "SELECT count(*) FROM cases")" 3 "three cases from Outlook, Gmail and Thunderbird"

# --- a few thousand more messages in three languages -----------------------------
# deterministic words from one list; "kobyłka" only in cases 104 and 204
sql "INSERT INTO cases (queue_id, subject, status, created)
     SELECT 1, 'Sprawa ' || g, 'open', now() - g * interval '1 minute' FROM generate_series(4, 303) g" >/dev/null
sql "WITH w AS (SELECT ARRAY['zamówienie','dziękuję','pieniądze','reklamacja','przesyłka','objednávka','děkuji',
       'peníze','reklamace','zásilka','Bestellung','Rechnung','Lieferung','Geld','Umtausch','bitte','proszę',
       'prosím','faktura','złoty','koruna','Größe','höflich','nádraží','gęś','ślimak','čtvrtek','středa'] AS a)
     INSERT INTO messages (case_id, queue_id, direction, kind, body_text)
     SELECT 4 + g % 300, 1, 'in', 'customer', array_to_string(ARRAY(SELECT a[1 + (g * 31 + i * 17 + (g * i) % 7) % 28]
       FROM generate_series(1, 60) i), ' ') FROM w, generate_series(1, 3000) g" >/dev/null
sql "UPDATE messages SET body_text = body_text || ' kobyłka' || CASE WHEN case_id = 204 THEN ' zzexclude' ELSE '' END
     WHERE id IN (SELECT min(id) FROM messages WHERE case_id IN (104, 204) GROUP BY case_id)" >/dev/null
sql "ANALYZE" >/dev/null
is "$(sql "SELECT count(*) FROM messages")" "$(($(sql "SELECT count(*) FROM messages WHERE direction = 'out'") + 3003))" \
	"3003 customer messages in all"

# --- search -----------------------------------------------------------------------
run "$POSTDESK" case list --search 'żółw' --json
is "$(ids)" 1 "Polish with diacritics (from windows-1250 quoted-printable)"
run "$POSTDESK" case list --search 'ZOLW' --json
is "$(ids)" 1 "... without them, upper-case"
run "$POSTDESK" case list --search 'Żółwia' --json
is "$(ids)" 1 "... the inflected form as written"
run "$POSTDESK" case list --search 'příliš žluťoučký' --json
is "$(ids)" 2 "Czech, two words (both must be there)"
run "$POSTDESK" case list --search 'prilis zlutoucky kun' --json
is "$(ids)" 2 "... typed without diacritics"
run "$POSTDESK" case list --search '"kůň úpěl"' --json
is "$(ids)" 2 "a quoted phrase"
run "$POSTDESK" case list --search '"úpěl kůň"' --json
is "$(ids)" "" "... in the wrong order: nothing"
run "$POSTDESK" case list --search 'Müller' --json
is "$(ids)" 3 "German: the Thunderbird body"
run "$POSTDESK" case list --search 'hauptstrasse' --json
is "$(ids)" 3 "... ß found as ss"
run "$POSTDESK" case list --search 'Rücksendung' --json
is "$(ids)" 3 "subject and body: one case, once"
run "$POSTDESK" case list --search 'Reklamace' --json
like "$(ids)" "^2( [0-9]+)+$" "a word of both the Gmail subject and the bulk mail: case 2 among others"
run "$POSTDESK" case list --search 'kobyłka' --json
is "$(ids)" "104 204" "a rare word among 3000 messages: exactly its two cases"
run "$POSTDESK" case list --search 'kobylka -zzexclude' --json
is "$(ids)" 104 "websearch syntax: -word excludes"
run "$POSTDESK" case list --search 'kobylka or żółw' --json
is "$(ids)" "1 104 204" "websearch syntax: or"
run "$POSTDESK" case list --search 'arrived' --json
is "$(ids)" "" "our own notifications' words are not searched"
run "$POSTDESK" case list --search 'Sprawa' --limit 0 --json
is "$(printf '%s\n' "$OUT" | grep -o '"id"' | wc -l | tr -d ' ')" 300 "the subjects are searched too (300 cases)"
run "$POSTDESK" case list --search 'kobyłka' --queue sales --json
is "$(ids)" "" "--search with --queue"

# the index is what the command's query uses (auto_explain logs its plans)
LOG=$(sh "$TEST_SRCDIR/pg.sh" log "$TEST_BUILDDIR")
before=$(wc -c <"$LOG")
sql "ALTER DATABASE \"$DB_NAME\" SET session_preload_libraries = 'auto_explain';
     ALTER DATABASE \"$DB_NAME\" SET auto_explain.log_min_duration = 0" >/dev/null
run "$POSTDESK" case list --search 'kobyłka'
sql "ALTER DATABASE \"$DB_NAME\" RESET session_preload_libraries;
     ALTER DATABASE \"$DB_NAME\" RESET auto_explain.log_min_duration" >/dev/null
plan_text=$(tail -c +"$((before + 1))" "$LOG" | grep -v '^[0-9-]* [0-9:.]* UTC \[[0-9]*\] LOG:  statement')
like "$plan_text" "Bitmap Index Scan on messages_search" "EXPLAIN: the bodies' GIN index is used"
like "$plan_text" "Bitmap Index Scan on cases_search" "EXPLAIN: the subjects' GIN index is used"
start=$(date +%s%N)
run "$POSTDESK" case list --search 'kobyłka'
ms=$((($(date +%s%N) - start) / 1000000))
ok "$([ "$RC" = 0 ] && [ "$ms" -lt 3000 ] && echo 0 || echo 1)" "a search over 3000 messages: ${ms} ms (the whole command)"

# --- hostile bodies ----------------------------------------------------------------
python3 -c 'import sys
sys.stdout.write("From: flood@example.net\nTo: support@example.org\nSubject: many words\nMessage-ID: <flood.1@example.net>\n"
 "MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n")
for i in range(150000): sys.stdout.write("w%x%s " % (i, "\u0105" if i % 3 else ""))
sys.stdout.write("\n" + "x" * 5000 + " zzneedle\n")' >"$M/flood"
deliver "$M/flood" support@example.org flood@example.net
like "$RC:$ERR" "^0:.*action=new, class=normal" "150000 distinct words and a 5000-letter word: stored normally"
run "$POSTDESK" case list --search 'w1f2' --json
is "$(ids)" "$(sql "SELECT case_id FROM messages WHERE from_addr = 'flood@example.net'")" "... its first 100000 characters are searchable"

# --- filters ----------------------------------------------------------------------
"$POSTDESK" case assign 1 alice@example.org >/dev/null
"$POSTDESK" case assign 2 bob@example.org >/dev/null
"$POSTDESK" case assign 3 bob@example.org >/dev/null
run "$POSTDESK" case list --assignee BOB@example.org --json
is "$(ids)" "2 3" "--assignee EMAIL (folded)"
run "$POSTDESK" case list --assignee none --search 'żółw or kobyłka' --json
is "$(ids)" "104 204" "--assignee none, with --search"
run "$POSTDESK" case list --customer Jiri.Novak@Example.CZ --json
is "$(ids)" 2 "--customer EMAIL (folded)"
run "$POSTDESK" case list --assignee carol@example.org
like "$RC:$ERR" "^1:.*no agent carol@example.org" "--assignee of nobody registered: said so"
# due times: case 2 overdue, case 1 due in an hour, 304 (the flood) in 4h, the others none
sql "UPDATE cases SET first_response_due = now() - interval '2 hours' WHERE id = 2;
     UPDATE cases SET first_response_due = now() + interval '1 hour', resolution_due = now() + interval '1 day'
     WHERE id = 1" >/dev/null
run "$POSTDESK" case list --overdue --json
is "$(ids)" 2 "--overdue: only the case whose due time passed"
run "$POSTDESK" case list --limit 3 --json
is "$(ids)" "2 1 304" "sorted by due time (none last), then number"
like "$ERR" "the first 3 cases shown; more with --limit" "--limit: more are announced on stderr"
like "$(printf '%s\n' "$OUT" | head -c 400)" '^\[\{"id":2,"queue":"support","status":"new","priority":"normal","subject":"Reklamace: .*","customer":"jiri.novak@example.cz","assignee":"bob@example.org","created":"[0-9T:Z-]+","due":"[0-9T:Z-]+","overdue":true,"quarantined":false,"messages":[0-9]+\}' \
	"--json: the table's keys, due and overdue"
run "$POSTDESK" case list --limit 3
like "$(printf '%s\n' "$OUT" | sed -n 2p)" "^2 +support +new +normal +bob@example.org +jiri.novak@example.cz +[0-9T:Z-]+ +\[overdue\] Reklamace" \
	"text: assignee, customer, due, [overdue]"
run "$POSTDESK" case list --status frozen
is "$RC" 64 "--status of no status: EX_USAGE"
run "$POSTDESK" case list --search ' !!! '
like "$RC:$ERR" "^64:.*--search needs a word" "--search without a word: EX_USAGE"
run "$POSTDESK" case list --limit many
is "$RC" 64 "--limit not a number: EX_USAGE"
finish
