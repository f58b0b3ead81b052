#!/bin/bash
# run-demo.sh: postdesk on one machine, from a clean clone: install missing
# packages, build, start a private PostgreSQL under build/demo/, set up a
# calendar, a queue and an agent, then play
# a whole conversation through "postdesk deliver" and a local SMTP receiver:
# the customer's mail and the ack, the agent's answer with a PDF, the
# customer's reply, and what each side received; then the case's life: the
# customer writes again from another address (an alias), the agent merges
# the duplicate by mail, leaves (disabled: the case goes back to the
# queue), and another agent takes it from his digest by mail.
#   sudo contrib/demo/run-demo.sh
# Every run starts from scratch; the cluster is stopped at the end.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
demo=$top/build/demo
postdesk=$top/build/postdesk

# step TEXT: say what the next step does.
step() {
	echo
	echo "==> $*"
}

# pd ARGS...: show a postdesk command line, then run it (with a deadline).
pd() {
	printf '$ postdesk'
	for a in "$@"; do
		case $a in
		*' '*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	echo
	timeout -k 5 60 "$postdesk" "$@"
}

# sql QUERY...: run queries in the demo database (psql prints a table).
sql() {
	timeout -k 5 60 psql -X -q -v ON_ERROR_STOP=1 "$conninfo" "$@"
}

step "Install missing packages (tests/deps.sh) and build postdesk in build/"
bash tests/run-all.sh --build-only

step "Start a private PostgreSQL cluster under build/demo/ (Unix socket only)"
# A fresh start every time: stop what an earlier run may have left.
sh tests/pg.sh stop "$demo" >/dev/null 2>&1 || true
rm -rf "$demo"
mkdir -p "$demo"
trap 'echo; echo "==> Stop the demo cluster"; sh "$top/tests/pg.sh" stop "$demo" || true' EXIT
timeout -k 5 120 sh tests/pg.sh start "$demo"
conninfo=$(timeout -k 5 60 sh tests/pg.sh createdb "$demo" postdesk_demo)
echo "database: $conninfo"

step "Write the demo configuration build/demo/postdesk.conf"
cat >"$demo/postdesk.conf" <<EOF
# postdesk demo configuration, written by contrib/demo/run-demo.sh
database = $conninfo
secret_key_file = $demo/secret.key
log_destination = stderr
helpdesk_name = Example Support
template_dir = $top/templates
# set below to the local SMTP receiver the demo starts
smtp_server = 127.0.0.1:9
db_connect_timeout = 5s
db_statement_timeout = 20s
EOF
cat "$demo/postdesk.conf"
POSTDESK_CONF=$demo/postdesk.conf
export POSTDESK_CONF

step "Generate the secret key (signs reply addresses and Message-IDs)"
pd keygen
ls -l "$demo/secret.key"

step "Create the schema"
pd db migrate
pd db status

step "Add a business-hours calendar, a queue with service levels, an agent"
year=$(date +%Y)
pd calendar add office --tz Europe/Copenhagen --hours 'mon-fri 08:00-16:00' \
	--holiday "$year-12-25" --holiday "$year-12-26"
pd queue add support --address support@example.org --language en \
	--first-response 4h --next-response 8h --resolution 3d --calendar office \
	--escalate-to support-lead@example.org
pd agent add alice@example.org --name 'Alice Berg' --queue support

step "What is set up"
pd queue list
pd agent list
pd calendar list

step "Start a local SMTP receiver (Postfix's smtp-sink) that keeps each mail as a file"
sink=$demo/sink
port=$(sh tests/smtp-sink.sh start "$sink")
trap 'echo; echo "==> Stop the SMTP receiver and the demo cluster"; sh "$top/tests/smtp-sink.sh" stop "$sink" || true; sh "$top/tests/pg.sh" stop "$demo" || true' EXIT
sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$demo/postdesk.conf"
echo "smtp_server = 127.0.0.1:$port (mail lands in $sink/mail/)"

# received N: wait (at most 10 s) until the receiver holds N mails.
received() {
	sh tests/smtp-sink.sh count "$sink" "$1" 10 >/dev/null
}
# mail_to ADDR: the file of the newest mail received for ADDR.
mail_to() {
	grep -l -i "^To: .*$1" "$sink"/mail/* 2>/dev/null | xargs -r ls -t | head -n 1
}
# show FILE: the mail as its reader sees it.
show() {
	python3 contrib/demo/showmail.py "$1" | sed 's/^/    /'
}
# header FILE NAME: one header's value.
header() {
	python3 contrib/demo/showmail.py "$1" "$2"
}
# deliver FILE SENDER RECIPIENT ID: as Postfix's pipe(8) would.
deliver() {
	pd deliver --sender "$2" --recipient "$3" --original-recipient "$3" --queue-id "$4" <"$1"
}

step "1. A customer writes to support@example.org (contrib/demo/sample-mail.eml)"
sed -n '/^From:/p; /^To:/p; /^Subject:/p' contrib/demo/sample-mail.eml
deliver contrib/demo/sample-mail.eml maria.jensen@example.net support@example.org DEMO1
received 2
echo
echo "The customer got the acknowledgment at once:"
show "$(mail_to maria.jensen@example.net)"
echo
echo "Alice (the queue's agent) got the notification:"
notification=$(mail_to alice@example.org)
show "$notification"

step "2. Alice answers from Thunderbird, below the quote, with a PDF attached"
agent_addr=$(header "$notification" Reply-To)
notif_id=$(header "$notification" Message-ID)
# a small, valid PDF: the return label
label=$demo/return-label-40712.pdf
printf '%s\n' '%PDF-1.4' '1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj' \
	'2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj' \
	'3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 300 144] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >> endobj' \
	'4 0 obj << /Length 55 >> stream' 'BT /F1 18 Tf 20 70 Td (Return label, order 40712) Tj ET' 'endstream endobj' \
	'5 0 obj << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> endobj' \
	'trailer << /Root 1 0 R >>' '%%EOF' >"$label"
{
	cat <<EOF
From: Alice Berg <alice@example.org>
To: $agent_addr
Subject: Re: [Example Support #1] New case: Order 40712 arrived with a cracked screen
Date: $(date -R)
Message-ID: <$(date +%s).alice@example.org>
In-Reply-To: $notif_id
References: $notif_id
User-Agent: Mozilla Thunderbird
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="------------demo0boundary"

This is a multi-part message in MIME format.
--------------demo0boundary
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: 8bit

On $(date '+%d/%m/%Y %H:%M'), Maria Jensen via Example Support wrote:
EOF
	python3 contrib/demo/showmail.py "$notification" | sed '1,/^$/d; s/^/> /; s/^> $/>/'
	cat <<EOF

Dear Maria,

I am sorry the tablet arrived broken. Please print the attached return
label and drop the parcel at any post office; we send the replacement
the day your parcel is scanned, so you will have it before the end of
next week.

-- 
Alice Berg
Example Support

--------------demo0boundary
Content-Type: application/pdf; name="return-label-40712.pdf"
Content-Disposition: attachment; filename="return-label-40712.pdf"
Content-Transfer-Encoding: base64

$(base64 "$label")
--------------demo0boundary--
EOF
} >"$demo/answer.eml"
sed -n '/^From:/p; /^To:/p; /^Subject:/p' "$demo/answer.eml"
deliver "$demo/answer.eml" alice@example.org "$agent_addr" DEMO2
received 3
echo
echo "What Maria received: the answer without the quoted notification, and the PDF"
echo "(the label Alice attached: sha256 $(sha256sum "$label" | cut -c1-16)...):"
answer=$(mail_to maria.jensen@example.net)
show "$answer"

step "3. Maria replies from Gmail, above the quote"
customer_addr=$(header "$answer" Reply-To)
answer_id=$(header "$answer" Message-ID)
cat >"$demo/thanks.eml" <<EOF
From: Maria Jensen <maria.jensen@example.net>
To: Example Support <$customer_addr>
Subject: Re: [Example Support #1] Order 40712 arrived with a cracked screen
Date: $(date -R)
Message-ID: <CAF$(date +%s)demo@mail.gmail.com>
In-Reply-To: $answer_id
References: $answer_id
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

Thank you, Alice! I will drop it at the post office on Monday.

Maria

On $(date '+%a, %b %d, %Y at %H:%M') Alice Berg via Example Support <support@example.org> wrote:
> Dear Maria,
>
> I am sorry the tablet arrived broken.
EOF
deliver "$demo/thanks.eml" maria.jensen@example.net "$customer_addr" DEMO3
received 4
echo
echo "Alice, who owns the case now, is told:"
show "$(mail_to alice@example.org)"

step "4. Maria writes again from her work address: the team over the case's life"
pd customer alias maria.jensen@example.net maria@jensen-design.example
cat >"$demo/again.eml" <<EOF
From: Maria Jensen <maria@jensen-design.example>
To: support@example.org
Subject: Cracked tablet screen, order 40712
Date: $(date -R)
Message-ID: <$(date +%s).again@jensen-design.example>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

Hello, I wrote from my private address too: the screen of the tablet from
order 40712 is cracked. Is a replacement on its way?

Maria
EOF
deliver "$demo/again.eml" maria@jensen-design.example support@example.org DEMO4
received 6
pd case list --customer maria.jensen@example.net
echo
echo "Alice sees it is the same problem and answers the notification of case 2 with '#merge 1':"
notification2=$(mail_to alice@example.org)
merge_addr=$(header "$notification2" Reply-To)
cat >"$demo/merge.eml" <<EOF
From: Alice Berg <alice@example.org>
To: $merge_addr
Subject: Re: [Example Support #2] New case: Cracked tablet screen, order 40712
Date: $(date -R)
Message-ID: <$(date +%s).merge@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

#merge 1
EOF
deliver "$demo/merge.eml" alice@example.org "$merge_addr" DEMO5
received 7
echo
echo "Alice's confirmation (Maria is not mailed about the merge):"
show "$(mail_to alice@example.org)"
pd case list --search 'cracked screen'

step "5. Alice goes on leave: Bob joins, Alice is disabled, her open case goes back to the queue"
pd agent add bob@example.org --name 'Bob Lund' --queue support
pd agent disable alice@example.org
received 8
pd agent list

step "6. Bob takes the case from his digest, by mail, without a shell"
digest_addr=$(timeout -k 5 60 "$postdesk" agent digest bob@example.org)
echo "Bob's digest address (postdesk agent digest bob@example.org): $digest_addr"
cat >"$demo/digest.eml" <<EOF
From: Bob Lund <bob@example.org>
To: $digest_addr
Subject: digest
Date: $(date -R)
Message-ID: <$(date +%s).digest@example.org>
MIME-Version: 1.0
Content-Type: text/plain; charset="UTF-8"

#assign 1 me
EOF
deliver "$demo/digest.eml" bob@example.org "$digest_addr" DEMO6
received 10
echo
echo "The answer to Bob: his command confirmed, then his digest:"
show "$(mail_to bob@example.org)"

step "The case, as agents see it"
pd case list
pd case show 1

step "Every mail sent (table outbox)"
sql -c "SELECT id, case_id, kind, recipients, status, attempts FROM outbox ORDER BY id"
