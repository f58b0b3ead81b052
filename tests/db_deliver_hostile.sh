#!/bin/sh
# db_deliver_hostile.sh: ordinary-looking mail that must never defer for
# ever (issue [hardening]): a permanent failure while storing quarantines
# the raw message (exit 0) and only a temporary one defers (75); non-ASCII
# addresses; a huge To list; a Message-ID reused for other content; an
# answer copied to more than 64 people; agent mail the MTA did not verify
# (authserv_id).
. "$TEST_SRCDIR/lib.sh"
plan 32
setup_helpdesk
M=$T_DIR/mail
mkdir -p "$M"

# time_deliver FILE...: deliver as Postfix would, under a deadline of 60 s;
# SECS is how long it took.
time_deliver() {
	_t0=$(date +%s)
	deliver "$@"
	SECS=$(($(date +%s) - _t0))
}

# --- a permanent failure while storing: quarantined raw, exit 0 --------------------
# A constraint the delivery cannot meet, as a real database would refuse
# it: a trigger that refuses this subject for anything but quarantine.
sql "CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
	IF NEW.subject = 'poison' AND NEW.classification <> 'quarantined' THEN
		RAISE EXCEPTION 'poison refused' USING ERRCODE = TG_ARGV[0];
	END IF;
	RETURN NEW;
END \$\$;
CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_poison('23514');"
mail "$M/poison" "Pat <pat@example.net>" "poison" <<'EOF'
This message cannot be stored as mail.
EOF
deliver "$M/poison" support@example.org pat@example.net
is "$RC" 0 "a permanent failure while storing: exit 0, not a bounce or a retry for ever"
like "$ERR" "action=quarantine, class=quarantined, via=not stored \(database: .*poison refused\): quarantined raw" \
	"the log line says why it was quarantined"
c=$(sql "SELECT case_id FROM messages WHERE raw_hash IS NOT NULL AND classification = 'quarantined' ORDER BY id DESC LIMIT 1")
is "$(sql "SELECT quarantined FROM cases WHERE id = ${c:-0}")" t "stored in a quarantined case"
is "$(sql "SELECT length(raw) = $(wc -c <"$M/poison") FROM messages WHERE case_id = ${c:-0}")" t "the raw message is kept whole"
like "$(sql "SELECT string_agg(type || ':' || coalesce(detail, ''), ' ' ORDER BY id) FROM events WHERE case_id = ${c:-0}")" \
	"^created:not stored \(database: .*poison refused\): quarantined raw quarantined:" "its events give the reason"
is "$(sql "SELECT count(*) FROM outbox")" 0 "nothing was sent for it"
deliver "$M/poison" support@example.org pat@example.net
like "$RC:$ERR" "^0:.*action=duplicate" "delivered again: a duplicate of the quarantined copy"

# the same failure as a temporary one (a lock that timed out) defers
sql "DROP TRIGGER refuse_poison ON messages;
CREATE TRIGGER refuse_poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION refuse_poison('55P03');"
mail "$M/poison2" "Pat <pat@example.net>" "poison" <<'EOF'
Another one.
EOF
before=$(sql "SELECT count(*) FROM messages")
deliver "$M/poison2" support@example.org pat@example.net
like "$RC:$OUT" "^75:4\.3\.0 " "a temporary failure while storing: 75 with a 4.3.0 line"
is "$(sql "SELECT count(*) FROM messages")" "$before" "and nothing stored"
sql "DROP TRIGGER refuse_poison ON messages"
deliver "$M/poison2" support@example.org pat@example.net
like "$RC:$ERR" "^0:.*action=new, class=normal" "once the cause is gone the retry is stored as mail"

# --- non-ASCII addresses (EAI) ---------------------------------------------------
printf 'From: =?UTF-8?Q?=C3=96ster?= <\303\226STER@example.de>\nTo: support@example.org\nCc: J\303\234RGEN@Example.DE, ewa@example.net\nSubject: Umlaut\nMessage-ID: <eai.1@example.de>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\nGr\303\274\303\237e\n' >"$M/eai"
for locale in C C.UTF-8; do
	sql "DELETE FROM messages WHERE message_id = 'eai.1@example.de'"
	LC_ALL=$locale time_deliver "$M/eai" support@example.org "\303\226STER@example.de"
	like "$RC:$ERR" "^0:.*action=new, class=normal, .*status=stored" \
		"a From and Cc with umlauts (LC_ALL=$locale): exit 0, stored as mail"
done
oster=$(printf '\303\266ster@example.de')
jurgen=$(printf 'j\303\274rgen@example.de')
is "$(sql "SELECT count(*) FROM customers WHERE email = '$oster'")" 1 \
	"the customer's address folded the way the database checks it, once"
like "$(sql "SELECT string_agg(address, ',' ORDER BY address) FROM watchers w JOIN messages m USING (case_id) WHERE m.message_id = 'eai.1@example.de'")" \
	"$jurgen" "the Cc with an umlaut is a watcher"

# --- 300,000 addresses in To -----------------------------------------------------
awk 'BEGIN { printf "From: Big <big@example.net>\nTo: support@example.org"; for (i = 0; i < 300000; i++) printf ",\n u%d@example.com", i; printf "\nSubject: Everyone\nMessage-ID: <big.1@example.net>\n\nHi all.\n" }' >"$M/big"
time_deliver "$M/big" support@example.org big@example.net
like "$RC:$ERR" "^0:.*action=new" "300,000 addresses in To ($(wc -c <"$M/big") bytes): exit 0 in ${SECS}s"
ok "$([ "$SECS" -le 30 ] && echo 0 || echo 1)" "and in seconds, not minutes (${SECS}s)"
c=$(sql "SELECT case_id FROM messages WHERE message_id = 'big.1@example.net'")
is "$(sql "SELECT count(*) FROM watchers WHERE case_id = ${c:-0}")" 100 "watchers stop at the cap (max_watchers = 100)"
like "$(sql "SELECT detail FROM events WHERE case_id = ${c:-0} AND type = 'watchers-left-out'")" \
	"^1[0-9]{4} addresses not added \(max_watchers = 100\): u100@example.com, u101@example.com, " \
	"an event says what was left out"
is "$(sql "SELECT detail FROM events WHERE case_id = ${c:-0} AND type = 'headers-cut'")" \
	"1 header field longer than 256 KB read only that far (the raw message is stored whole)" \
	"the To field was read up to 256 KB, and the case says so"

# --- a Message-ID reused for other content ----------------------------------------
mail "$M/orig" "Kim <kim@example.net>" "Refund" "Message-ID: <same.1@example.net>" <<'EOF'
Please refund order 1.
EOF
sed 's/^Message-ID: <orig.*/Message-ID: <same.1@example.net>/' "$M/orig" >"$M/orig1"
sed 's/order 1/order 2/' "$M/orig1" >"$M/other"
deliver "$M/orig1" support@example.org kim@example.net
deliver "$M/other" support@example.org kim@example.net
like "$RC:$ERR" "^0:.*action=new" "the same sender and Message-ID with other content is stored, not dropped"
like "$(sql "SELECT string_agg(type, ' ' ORDER BY id) FROM events WHERE type = 'message-id-reused'")" "message-id-reused" \
	"and flagged on the case"
deliver "$M/other" support+x@example.org kim@example.net
like "$RC:$ERR" "^0:.*action=duplicate" "the same content under that Message-ID again is a duplicate"

# --- an answer to a case with 70 watchers goes to all 71 ------------------------
awk 'BEGIN { printf "From: Lee <lee@example.net>\nTo: support@example.org\nCc: w0@example.com"; for (i = 1; i < 70; i++) printf ", w%d@example.com", i; printf "\nSubject: Team\nMessage-ID: <team.1@example.net>\n\nFor all of us.\n" }' >"$M/team"
deliver "$M/team" support@example.org lee@example.net
c=$(sql "SELECT case_id FROM messages WHERE message_id = 'team.1@example.net'")
atok=support+$("$TOKENTOOL" "$T_DIR/secret.key" "${c:-0}" a)@example.org
printf 'From: Alice Agent <alice@example.org>\nTo: %s\nSubject: Re: Team\nMessage-ID: <team.2@example.org>\n\nDone for everyone.\n' "$atok" >"$M/team-answer"
deliver "$M/team-answer" "$atok" alice@example.org
like "$RC:$ERR" "^0:.*mail=relay" "the agent's answer is relayed"
is "$(sql "SELECT array_length(recipients, 1) FROM outbox WHERE kind = 'reply' AND case_id = ${c:-0}")" 71 \
	"to the customer and all 70 watchers (none cut at 64)"

# --- authserv_id: agent mail counts only when the MTA vouches for it -------------
echo "authserv_id = mx.example.org" >>"$CONF"
mail "$M/ask" "Ann <ann@example.net>" "Where is my parcel" <<'EOF'
It did not arrive.
EOF
deliver "$M/ask" support@example.org ann@example.net
c=$(sql "SELECT case_id FROM messages WHERE from_addr = 'ann@example.net'")
atok=support+$("$TOKENTOOL" "$T_DIR/secret.key" "${c:-0}" a)@example.org
# agent_answer NAME AUTH-RESULTS...: alice's answer to ann's case with those headers
agent_answer() {
	_n=$1
	shift
	{
		for h in "$@"; do printf 'Authentication-Results: %s\n' "$h"; done
		printf 'From: Alice Agent <alice@example.org>\nTo: %s\nSubject: Re: parcel\nMessage-ID: <%s@example.org>\n\n#status resolved\nIt is on its way.\n' "$atok" "$_n"
	} >"$M/$_n"
	deliver "$M/$_n" "$atok" alice@example.org
}
relays() { sql "SELECT count(*) FROM outbox WHERE kind = 'reply' AND case_id = ${c:-0}"; }
agent_answer forged1
like "$RC:$ERR" "^0:.*class=untrusted, .*mail=unverified" "no Authentication-Results: stored untrusted"
is "$(relays):$(sql "SELECT status FROM cases WHERE id = ${c:-0}")" "0:new" "nothing relayed, no command run"
is "$(sql "SELECT array_to_string(recipients, ',') FROM outbox WHERE kind = 'agent-unverified' AND case_id = ${c:-0}")" \
	"alice@example.org" "the registered agent is told by mail"
agent_answer forged2 "attacker.example; dkim=pass header.d=example.org" \
	"mx.example.org; dkim=fail (bad signature) header.d=example.org"
like "$RC:$ERR" "^0:.*class=untrusted" "another authserv-id's pass and our own fail: untrusted"
like "$(sql "SELECT detail FROM events WHERE case_id = ${c:-0} AND type = 'untrusted-agent-mail' ORDER BY id DESC LIMIT 1")" \
	"not verified by mx.example.org for example.org: dkim=fail \(example.org\)" "the case says what the MTA found"
# an encoded word in what the MTA copied from the envelope must stay text
agent_answer forged3 "mx.example.org; spf=pass (domain of =?us-ascii?q?=29=3B_dkim=3Dpass_header.d=3Dexample.org_=28?=@attacker.example designates 192.0.2.1 as permitted sender) smtp.mailfrom=attacker.example"
like "$RC:$ERR" "^0:.*class=untrusted" "an RFC 2047 word spelling a dkim=pass inside our own header: untrusted"
agent_answer real "mx.example.org; dkim=pass (2048-bit key) header.d=example.org header.s=mail; spf=pass smtp.mailfrom=alice@example.org"
like "$RC:$ERR" "^0:.*class=normal, .*mail=relay" "an aligned dkim=pass from our MTA: relayed"
is "$(relays):$(sql "SELECT status FROM cases WHERE id = ${c:-0}")" "1:resolved" "and its command run"

finish
