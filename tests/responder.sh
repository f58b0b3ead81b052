#!/bin/sh
# responder.sh: a robot at otherdesk.test for the end-to-end tests, run by
# the private Postfix's pipe(8) for every message to that domain:
#   responder.sh PORT SENDER RECIPIENT < message
# It answers every message, to its Reply-To (else From), through SMTP on
# 127.0.0.1:PORT, as careless robots do: ooo@ with an out-of-office reply
# (Auto-Submitted: auto-replied), desk@ with another helpdesk's own
# acknowledgment (no Auto-Submitted, its own ticket number in the subject,
# threaded with In-Reply-To). Whether the exchange ends is postdesk's job.
port=$1 rcpt=$3
msg=$(cat)
hdr() { printf '%s\n' "$msg" | sed -n "/^\$/q; s/^$1: *//Ip" | head -n 1; }
to=$(hdr Reply-To)
[ -n "$to" ] || to=$(hdr From)
to=$(printf '%s' "$to" | sed 's/.*<\(.*\)>.*/\1/')
[ -n "$to" ] || exit 0
subject=$(hdr Subject)
case $rcpt in
ooo@*)
	set -- --add-header "Auto-Submitted: auto-replied" --add-header "X-Autoreply: yes" \
		--header "Subject: Out of office: $subject" --body "I am out of the office until Monday."
	;;
*)
	set -- --header "Subject: [OtherDesk #$(date +%N | cut -c1-6)] Re: $subject" \
		--body "We have received your request and will answer soon."
	;;
esac
swaks --server "127.0.0.1:$port" --from "$rcpt" --to "$to" --silent 2 \
	--header "In-Reply-To: $(hdr Message-ID)" "$@" >/dev/null 2>&1
exit 0
