#!/bin/sh
# db_report_mail.sh: report_mail() against the real database and smtp-sink
# (tests/reportmail: a hand-filled report; db_report.sh runs "postdesk
# report --mail" itself): one outbox row of kind report with no case, from the report's
# queue's address, text and HTML, in the queue's language, sent; a bad
# address refused with nothing queued.
. "$TEST_SRCDIR/lib.sh"
plan 12
setup_helpdesk
sink_start

run "$REPORTMAIL" "$CONF" Manager@Example.ORG pl
like "$RC:$OUT" "^0:queued [0-9]+ sent 1$" "queued and sent at once ($ERR)"
is "$(sql "SELECT kind, case_id IS NULL, array_to_string(recipients, ','), envelope_from, status FROM outbox")" \
	"report|t|manager@example.org|support@example.org|sent" "one outbox row: kind report, no case, to the folded address, sent"
is "$(sql "SELECT count(*) FROM messages")" 0 "no message of any case"
R=$(sql "SELECT convert_from(raw, 'UTF8') FROM outbox WHERE kind = 'report'" | tr -d '\r')
like "$(printf '%s\n' "$R" | grep '^From: ')" "<support@example.org>" "from the report's queue's address"
like "$(printf '%s\n' "$R" | grep -i '^Auto-Submitted: ')" "auto-generated" "auto-generated"
like "$(printf '%s\n' "$R" | grep -i '^Content-Language: ')" "pl" "in the queue's language"
like "$(printf '%s\n' "$R" | grep -i '^Content-Type: multipart/alternative')" "alternative" "text and HTML alternatives"
is "$(grep -l '^Subject: .*Raport' "$SINK"/* 2>/dev/null | wc -l | tr -d ' ')" 1 "smtp-sink received it, Polish subject"
F=$(ls "$SINK"/* | head -n 1)
# the parts as a mail client decodes them
parts=$(python3 -c 'import email,sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
for p in m.walk():
    if not p.is_multipart():
        print(p.get_content_type(), p.get_payload(decode=True).decode("utf-8").count("Otwarto:"), "<script" in p.get_payload(decode=True).decode("utf-8"))
' "$F")
is "$parts" "text/plain 1 False
text/html 1 False" "both parts carry the figures (Otwarto:), no script"

run "$REPORTMAIL" "$CONF" "a@b, c@d"
like "$RC:$ERR" "^1:reportmail: --mail a@b, c@d" "two addresses: refused"
is "$(sql "SELECT count(*) FROM outbox")" 1 "nothing more queued"
sql "DELETE FROM agent_queues; DELETE FROM queues" >/dev/null
run "$REPORTMAIL" "$CONF" manager@example.org
like "$RC:$ERR" "^1:reportmail: no queue to send the report from" "no queue: refused, saying why"
finish
