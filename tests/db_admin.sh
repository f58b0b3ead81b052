#!/bin/sh
# db_admin.sh: queues, calendars and agents: round trips and error cases.
. "$TEST_SRCDIR/lib.sh"
plan 31
new_db
"$POSTDESK" db migrate >/dev/null

# calendars
run "$POSTDESK" calendar add office --tz Europe/Warsaw --hours 'mon-fri 09:00-12:00,13:00-17:00' \
	--hours 'sat 10:00-14:00' --holiday 2026-12-24 --holiday 2026-12-25
like "$RC:$OUT" "^0:calendar office added: Europe/Warsaw, 11 business-hour ranges, 2 holidays" "calendar add"
run "$POSTDESK" calendar list --json
is "$OUT" '[{"name":"office","timezone":"Europe/Warsaw","hours":[{"day":"mon","start":"09:00","end":"12:00"},{"day":"mon","start":"13:00","end":"17:00"},{"day":"tue","start":"09:00","end":"12:00"},{"day":"tue","start":"13:00","end":"17:00"},{"day":"wed","start":"09:00","end":"12:00"},{"day":"wed","start":"13:00","end":"17:00"},{"day":"thu","start":"09:00","end":"12:00"},{"day":"thu","start":"13:00","end":"17:00"},{"day":"fri","start":"09:00","end":"12:00"},{"day":"fri","start":"13:00","end":"17:00"},{"day":"sat","start":"10:00","end":"14:00"}],"holidays":["2026-12-24","2026-12-25"]}]' "calendar list --json round trip"
run "$POSTDESK" calendar list
like "$OUT" "office \(Europe/Warsaw\)" "calendar list text"
run "$POSTDESK" calendar add office --tz UTC --hours 'mon 09:00-10:00'
like "$RC:$ERR" "^1:.*calendar named 'office' already exists" "duplicate calendar"
run "$POSTDESK" calendar add mars --tz Mars/Olympus --hours 'mon 09:00-10:00'
like "$RC:$ERR" "^1:.*unknown timezone 'Mars/Olympus'" "unknown timezone"
run "$POSTDESK" calendar add bad --tz UTC --hours 'mon 17:00-09:00'
like "$RC:$ERR" "^1:.*bad time range" "bad hours"
run "$POSTDESK" calendar add bad --tz UTC --hours 'mon 09:00-10:00' --holiday 2026-02-30
like "$RC:$ERR" "^1:.*bad date '2026-02-30'" "bad holiday"
run "$POSTDESK" calendar add bad --tz UTC
is "$RC" 64 "calendar without --hours: EX_USAGE"
is "$(sql "SELECT count(*) FROM calendars")" 1 "failed adds left nothing behind"

# queues
run "$POSTDESK" queue add support --address Support@Example.ORG --language pl \
	--first-response 4h --next-response 1d --resolution 3d --calendar office --escalate-to boss@example.org \
	--escalate-after 2h --remind-after 3d --autoclose-after 4d --close-after 1w --retention 365d --no-survey
like "$RC:$OUT" "^0:queue support added: support@example.org" "queue add, address lower-cased"
run "$POSTDESK" queue add sales --address sales@example.org
ok $RC "queue add with only an address"
run "$POSTDESK" queue list --json
is "$OUT" '[{"name":"sales","address":"sales@example.org","language":null,"first_response":null,"next_response":null,"resolution":null,"escalate_after":3600,"remind_after":null,"autoclose_after":null,"close_after":null,"retention":null,"calendar":null,"escalate_to":null,"survey":true,"active":true},{"name":"support","address":"support@example.org","language":"pl","first_response":14400,"next_response":86400,"resolution":259200,"escalate_after":7200,"remind_after":259200,"autoclose_after":345600,"close_after":604800,"retention":31536000,"calendar":"office","escalate_to":"boss@example.org","survey":false,"active":true}]' "queue list --json round trip: service levels, sweeper timers, survey"
run "$POSTDESK" queue add long --address long@example.org --retention 3651d
like "$RC:$ERR" "^1:.*--retention: '3651d' is not a duration between 1s and 3650d" "a timer out of range is refused, naming the option"
run "$POSTDESK" queue list
like "$OUT" "support +support@example.org +pl +4h +1d +3d +office +boss@example.org +active" "queue list text"
run "$POSTDESK" queue add support --address other@example.org
like "$RC:$ERR" "^1:.*already exists" "duplicate queue name"
run "$POSTDESK" queue add other --address SUPPORT@example.org
like "$RC:$ERR" "^1:.*already exists" "duplicate address (any case)"
run "$POSTDESK" queue add x --address x@example.org --calendar nope
like "$RC:$ERR" "^1:.*no calendar named 'nope'" "unknown calendar"
run "$POSTDESK" queue add x --address x@example.org --first-response soon
like "$RC:$ERR" "^1:.*--first-response: 'soon'" "bad duration"
run "$POSTDESK" queue add x --address not-an-address
like "$RC:$ERR" "^1:.*not an address" "bad address"
run "$POSTDESK" queue add x --address x+y@example.org
like "$RC:$ERR" "^1:.*recipient delimiter" "address with the recipient delimiter"
run "$POSTDESK" queue add 'x y' --address xy@example.org
like "$RC:$ERR" "^1:.*bad queue name" "bad queue name"
run "$POSTDESK" queue add x --address x@example.org --language 'Klingon!'
like "$RC:$ERR" "^1:.*language tag" "bad language"
is "$(sql "SELECT count(*) FROM queues")" 2 "failed adds left nothing behind"

# agents
run "$POSTDESK" agent add Alice@Example.org --name "Alice Nowak" --queue support --queue sales
like "$RC:$OUT" "^0:agent alice@example.org added" "agent add"
run "$POSTDESK" agent add bob@example.org --name "Bob"
ok $RC "agent without queues"
run "$POSTDESK" agent list --json
is "$OUT" '[{"email":"alice@example.org","name":"Alice Nowak","active":true,"state":"active","queues":["sales","support"],"open_cases":0},{"email":"bob@example.org","name":"Bob","active":true,"state":"active","queues":[],"open_cases":0}]' "agent list --json round trip"
run "$POSTDESK" agent list
like "$OUT" "alice@example.org +Alice Nowak +active +0 +sales,support" "agent list text: state, open cases, queues"
run "$POSTDESK" agent add alice@example.org --name Again
like "$RC:$ERR" "^1:.*agent alice@example.org already exists" "duplicate agent"
run "$POSTDESK" agent add carol@example.org --name Carol --queue support --queue nope
like "$RC:$ERR" "^1:.*no queue named 'nope'" "unknown queue"
is "$(sql "SELECT count(*) FROM agents WHERE email = 'carol@example.org'")" 0 "agent with an unknown queue not half-added"
run "$POSTDESK" agent add dave@example.org
is "$RC" 64 "agent add without --name: EX_USAGE"
finish
