#!/bin/sh
# db_language.sh: the customer's language when the mail names none (Gmail
# and most webmail send no Content-Language): guessed from the customer's
# own text among the template languages, the header still winning,
# remembered per customer; and out-of-office replies known by their subject
# alone, which never change a case and are never answered.
. "$TEST_SRCDIR/lib.sh"
plan 40
setup_helpdesk
"$POSTDESK" queue add pomoc --address pomoc@example.org --language pl >/dev/null
M=$T_DIR/mail
mkdir -p "$M"

# header NAME TEXT: the first value of a header in a message text
header() { printf '%s\n' "$2" | tr -d '\r' | sed -n "s/^$1: //Ip" | head -n 1; }
# case_of: the case number deliver's log line names
case_of() { printf '%s\n' "$ERR" | sed -n 's/.*case=\([0-9]*\),.*/\1/p' | head -n 1; }
# ack CASE: the acknowledgment of a case, as text ("" when none)
ack() { sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE kind = 'ack' AND case_id = $1"; }
# customer ADDR: the language a customer is remembered with, and where from
customer() { sql "SELECT coalesce(language, '-') || ' ' || coalesce(language_source, '-') FROM customers WHERE email = '$1'"; }

PL='Dzień dobry,

od wczoraj nie mogę zalogować się do panelu klienta. Za każdym razem
pojawia się komunikat, że hasło jest nieprawidłowe, a link do zmiany
hasła nie działa. Proszę o pomoc.

Pozdrawiam
Ewa Nowak'
EN='Hello,

since yesterday I cannot log in to the customer portal. Every time I try
it says that my password is wrong, and the reset link does not work
either. Could you please have a look?

Thanks,
John'
CS='Dobrý den,

od včerejška se nemohu přihlásit do zákaznického účtu. Pokaždé se objeví
hláška, že heslo je nesprávné, a odkaz na obnovení hesla nefunguje.
Mohli byste se prosím podívat, co se děje?

S pozdravem
Petr Dvořák'
MS='Selamat pagi,

sejak semalam saya tidak boleh log masuk ke akaun pelanggan. Setiap kali
mesej kata laluan tidak sah dipaparkan, dan pautan untuk menetapkan
semula kata laluan juga tidak berfungsi. Mohon bantuan pihak tuan.

Terima kasih,
Aminah'

# --- a Polish customer on Gmail (no Content-Language) to the English queue ---
printf '%s\n' "$PL" | mail "$M/pl" '"Ewa Nowak" <ewa@example.net>' "Logowanie nie działa"
deliver "$M/pl" support@example.org ewa@example.net
like "$RC:$ERR" "^0:.*action=new, class=normal, .*mail=ack\+notify" "Polish mail to the English queue: a new case, acknowledged"
c=$(case_of)
A=$(ack "$c")
is "$(header Content-Language "$A")" "pl" "the ack is in Polish"
like "$A" "zarejestrowana jako" "from the Polish template"
is "$(sql "SELECT language FROM cases WHERE id = $c")" "pl" "the case is in Polish"
is "$(customer ewa@example.net)" "pl guess" "the customer is remembered as Polish, from a guess"

# --- an English customer to the Polish queue ------------------------------------
printf '%s\n' "$EN" | mail "$M/en" '"John Smith" <john@example.com>' "Cannot log in"
deliver "$M/en" pomoc@example.org john@example.com
c=$(case_of)
A=$(ack "$c")
is "$(header Content-Language "$A")" "en" "English mail to the Polish queue: the ack is in English"
like "$A" "Thank you for writing to us" "from the English template"

# --- the header wins over the text ----------------------------------------------
# (Outlook with an English interface, the customer writing Czech)
printf '%s\n' "$CS" | mail "$M/cs-en" '"Petr Dvořák" <petr@example.cz>' "Přihlášení" "Content-Language: en-US"
deliver "$M/cs-en" pomoc@example.org petr@example.cz
c=$(case_of)
is "$(header Content-Language "$(ack "$c")")" "en" "Czech text with Content-Language: en-US: the ack follows the header"
is "$(customer petr@example.cz)" "en header" "the customer is remembered as English, from the header"
printf '%s\n' "$CS" | mail "$M/cs-accept" '"Jana Malá" <jana@example.cz>' "Přihlášení" "Accept-Language: ms-MY, en-US"
deliver "$M/cs-accept" support@example.org jana@example.cz
is "$(header Content-Language "$(ack "$(case_of)")")" "ms" "Accept-Language is a header too: it wins over the text"

# --- remembered: a later short mail --------------------------------------------
printf 'Pomocy!\n' | mail "$M/pl-short" '"Ewa Nowak" <ewa@example.net>' "Znowu"
deliver "$M/pl-short" support@example.org ewa@example.net
c=$(case_of)
is "$(header Content-Language "$(ack "$c")")" "pl" "a later one-word mail to the English queue: Polish, as remembered"
is "$(sql "SELECT coalesce(language, '-') FROM cases WHERE id = $c")" "-" "that case has no language of its own"
printf 'Thanks!\n' | mail "$M/en-short" '"John Smith" <john@example.com>' "Again"
deliver "$M/en-short" pomoc@example.org john@example.com
is "$(header Content-Language "$(ack "$(case_of)")")" "en" "a later 'Thanks!' to the Polish queue: English, as remembered"
printf 'Hi\n' | mail "$M/new-short" 'nobody.known@example.com' "Hi"
deliver "$M/new-short" pomoc@example.org nobody.known@example.com
is "$(header Content-Language "$(ack "$(case_of)")")" "pl" "a short mail from someone new: the queue's language"

# --- a guess does not replace what a header said; it replaces a guess -----------
printf '%s\n' "$PL" | mail "$M/petr-pl" '"Petr Dvořák" <petr@example.cz>' "Logowanie"
deliver "$M/petr-pl" support@example.org petr@example.cz
c=$(case_of)
is "$(header Content-Language "$(ack "$c")")" "pl" "Polish text without a header from a customer known as English: this case is Polish"
is "$(customer petr@example.cz)" "en header" "but the customer stays English: a guess never replaces a header's language"
printf 'Díky!\n' | mail "$M/petr-short" '"Petr Dvořák" <petr@example.cz>' "Díky"
deliver "$M/petr-short" support@example.org petr@example.cz
is "$(header Content-Language "$(ack "$(case_of)")")" "en" "his next short mail: English, as his header said"
printf '%s\n' "$CS" | mail "$M/ewa-cs" '"Ewa Nowak" <ewa@example.net>' "Přihlášení"
deliver "$M/ewa-cs" support@example.org ewa@example.net
is "$(customer ewa@example.net)" "cs guess" "a guess replaces an earlier guess"
printf '%s\n' "$PL" | mail "$M/ewa-header" '"Ewa Nowak" <ewa@example.net>' "Logowanie" "Content-Language: pl"
deliver "$M/ewa-header" support@example.org ewa@example.net
is "$(customer ewa@example.net)" "pl header" "a header replaces a guess"

# --- only the customer's own text counts ------------------------------------------
# an Outlook reply: Polish on top, the English history below, unquoted
cat >"$M/outlook" <<'EOF'
From: Marta Wiśniewska <marta@example.pl>
To: Support <support@example.org>
Subject: RE: Invoice
Date: Sun, 22 Nov 2026 10:00:00 +0100
Message-ID: <outlook1@example.pl>
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Dzień dobry, nadal nie otrzymałam poprawionej faktury.

-----Original Message-----
From: Accounts <accounts@example.com>
Sent: Friday, November 20, 2026 4:12 PM
To: Marta Wiśniewska <marta@example.pl>
Subject: Invoice

Dear customer,

please find attached the corrected invoice for your last order. If
anything else is wrong with it, please reply to this message and our
accounts team will get back to you within two working days. We are
sorry for the trouble and thank you for your patience.

Kind regards,
The accounts team
EOF
deliver "$M/outlook" support@example.org marta@example.pl
is "$(header Content-Language "$(ack "$(case_of)")")" "pl" "Outlook reply: the Polish text above the English history decides"
# Gmail in Malay: the customer's text, an attribution line, quoted English
printf '%s\n\nPada Ahd, 22 Nov 2026 pada 10:00 PG, Support <support@example.org> menulis:\n> %s\n' \
	"$MS" "$(printf '%s' "$EN" | sed 's/^/> /')" |
	mail "$M/gmail-ms" 'Aminah <aminah@example.my>' "Re: Log masuk"
deliver "$M/gmail-ms" support@example.org aminah@example.my
is "$(header Content-Language "$(ack "$(case_of)")")" "ms" "Gmail reply in Malay above quoted English: Malay"

# --- a follow-up gives a case without a language one -------------------------------
printf 'Help\n' | mail "$M/kasia1" 'kasia@example.pl' "Problem"
deliver "$M/kasia1" support@example.org kasia@example.pl
c=$(case_of)
ackid=$(header Message-I[dD] "$(ack "$c")" | tr -d '<>')
printf '%s\n' "$PL" | mail "$M/kasia2" 'kasia@example.pl' "Re: Problem" "In-Reply-To: <$ackid>"
deliver "$M/kasia2" support@example.org kasia@example.pl
like "$ERR" "case=$c, action=follow-up" "the Polish follow-up joins the case"
is "$(sql "SELECT language FROM cases WHERE id = $c")" "pl" "and the case, which had no language, takes Polish"
printf '%s\n' "$EN" | mail "$M/kasia3" 'kasia@example.pl' "Re: Problem" "In-Reply-To: <$ackid>"
deliver "$M/kasia3" support@example.org kasia@example.pl
is "$(sql "SELECT language FROM cases WHERE id = $c")" "pl" "a later English follow-up does not change the case's language"

# --- an out-of-office reply without RFC 3834 headers to a pending case -------------
printf 'Moje konto jest zablokowane od wczoraj, nie mogę nic zrobić.\n' |
	mail "$M/ooo-case" '"Adam Nowak" <adam@example.pl>' "Konto zablokowane"
deliver "$M/ooo-case" support@example.org adam@example.pl
c=$(case_of)
ackid=$(header Message-I[dD] "$(ack "$c")" | tr -d '<>')
"$POSTDESK" case status "$c" pending >/dev/null
state() { sql "SELECT status || ' ' || pending_since || ' ' || coalesce(paused_at::text, '-') || ' ' || coalesce(next_response_due::text, '-') || ' ' || coalesce(resolution_due::text, '-') FROM cases WHERE id = $c"; }
before=$(state)
outbox=$(sql "SELECT count(*) FROM outbox")
maxev=$(sql "SELECT max(id) FROM events WHERE case_id = $c")
# as Exchange writes it when a relay stripped Auto-Submitted (and as older servers do)
cat >"$M/ooo" <<EOF
From: Adam Nowak <adam@example.pl>
To: Helpdesk <support@example.org>
Subject: Odpowiedź automatyczna: [Helpdesk #$c] Konto zablokowane
Date: Sun, 22 Nov 2026 11:00:00 +0100
Message-ID: <ooo1@example.pl>
In-Reply-To: <$ackid>
References: <$ackid>
Content-Language: pl-PL
MIME-Version: 1.0
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: 8bit

Dzień dobry, jestem na urlopie do 30 listopada. W pilnych sprawach proszę
pisać na adres biuro@example.pl.
EOF
deliver "$M/ooo" support@example.org ""
like "$RC:$ERR" "^0:.*case=$c, action=follow-up, class=auto-reply, .*mail=none" "an out-of-office reply known by its subject: stored on the case as an auto-reply, nothing sent"
is "$(state)" "$before" "the case stays pending: status, pending since, pause and due times unchanged"
is "$(sql "SELECT count(*) FROM outbox")" "$outbox" "no mail at all (no ack, no notification)"
is "$(sql "SELECT string_agg(type, ' ') FROM events WHERE case_id = $c AND id > $maxev")" "auto-reply" \
	"its one event: auto-reply"
is "$(sql "SELECT classification FROM messages WHERE message_id = 'ooo1@example.pl'")" "auto-reply" "the message is stored as an auto-reply"
n=0
for subj in "Automatic reply: [Helpdesk #$c] Konto zablokowane" "Out of Office" "Balasan automatik: [Helpdesk #$c] Konto zablokowane"; do
	n=$((n + 1))
	printf 'I am away until Monday.\n' | mail "$M/ooo$n" 'adam@example.pl' "$subj" "In-Reply-To: <$ackid>"
	deliver "$M/ooo$n" support@example.org adam@example.pl
	like "$ERR" "case=$c, action=follow-up, class=auto-reply, .*mail=none" "'$subj': an auto-reply, nothing sent"
done
is "$(state)" "$before" "after them all the case is still pending as it was"
is "$(customer adam@example.pl)" "pl guess" "an auto-reply's Content-Language is not remembered (the guess from his first mail is)"
printf 'Jestem na urlopie do poniedziałku.\n' | mail "$M/ooo-new" 'iza@example.pl' "Autoodpowiedź: Zamówienie 42"
deliver "$M/ooo-new" support@example.org iza@example.pl
like "$ERR" "action=new, class=auto-reply, .*mail=none" "an out-of-office reply that threads nowhere: a case, no ack, no notification"
# a person writing about out-of-office settings is a person
printf 'My out of office settings are broken, the reply goes out twice.\n' |
	mail "$M/ooo-person" 'adam@example.pl' "Re: my out of office settings are broken" "In-Reply-To: <$ackid>"
deliver "$M/ooo-person" support@example.org adam@example.pl
like "$ERR" "case=$c, action=follow-up, class=normal, .*mail=notify" "'Re: my out of office settings are broken': a person's mail"
is "$(sql "SELECT status FROM cases WHERE id = $c")" "open" "and it opens the pending case again"

# --- guessing off ------------------------------------------------------------------------
cp "$CONF" "$T_DIR/on.conf"
echo "language_fingerprints =" >>"$CONF"
printf '%s\n' "$PL" | mail "$M/off" 'zofia@example.pl' "Logowanie"
deliver "$M/off" support@example.org zofia@example.pl
is "$(header Content-Language "$(ack "$(case_of)")")" "en" "language_fingerprints empty: no guessing, the queue's language"
cp "$T_DIR/on.conf" "$CONF"
echo "language_fingerprints = $T_DIR/none" >>"$CONF"
printf '%s\n' "$PL" | mail "$M/broken" 'zuzanna@example.pl' "Logowanie"
deliver "$M/broken" support@example.org zuzanna@example.pl
like "$RC:$ERR" "^0:.*no language guessing: .*none/fpdb.conf" "fingerprints missing: delivered, the log says why there is no guessing"
is "$(header Content-Language "$(ack "$(case_of)")")" "en" "and the queue's language is used"
finish
