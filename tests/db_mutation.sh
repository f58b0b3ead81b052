#!/bin/sh
# db_mutation.sh: mutated and hostile mail through "postdesk deliver" into a
# real PostgreSQL (issue 13). tests/mutate writes MUTATION_COUNT messages
# mutated from tests/fixtures/*.eml and small hostile seeds (seed
# MUTATION_SEED), and the large hostile messages (4 MB subject of '[',
# 300,000 To and Cc addresses, 1 MB header lines, deep MIME, 100,000 parts,
# hostile HTML, non-ASCII addresses); each is delivered, MUTATION_JOBS (2)
# at a time, under a deadline (MUTATION_TIMEOUT seconds). Only the exit code
# counts: 0, or 67 for an unknown recipient; never 75, nothing else, no
# sanitizer report. Then the database must be consistent with what deliver
# said. The default count takes about 40 s on a busy 2-core machine (about
# 20 deliveries a second); MUTATION_COUNT=3000 is a longer run. Under the
# sanitizers (ASAN_OPTIONS set) fewer messages and a longer deadline. A
# failing message is kept in $T_DIR/failed with its output.
. "$TEST_SRCDIR/lib.sh"
if [ -n "${ASAN_OPTIONS:-}" ]; then
	COUNT=${MUTATION_COUNT:-200}
	TMO=${MUTATION_TIMEOUT:-50}
else
	COUNT=${MUTATION_COUNT:-800}
	TMO=${MUTATION_TIMEOUT:-20}
fi
SEED=${MUTATION_SEED:-13}
PAR=${MUTATION_JOBS:-2}
HOSTILE="subject-brackets-4m subject-brackets-tag-1m6 to-300k cc-300k header-1m header-folded-1m
	deep-2000 parts-100k html-lt-4m html-pre-br html-nested-200k lines-2m non-ascii-from-cc"
nhostile=$(echo $HOSTILE | wc -w)
plan $((nhostile + 11))
setup_helpdesk
KEY=$T_DIR/secret.key
W=$T_DIR/work
mkdir -p "$W/in" "$W/hostile" "$T_DIR/failed"
start=$(date +%s)

# case 1, for the customer and agent tokens of the mutated mail
mail "$W/first" "customer@example.net" "Printer on fire" <<'EOF'
My printer is on fire.
EOF
deliver "$W/first" support@example.org customer@example.net
like "$RC:$ERR" "^0:.*case=1, action=new" "case 1 for the token addresses"
CTOK=$("$TOKENTOOL" "$KEY" 1 c)
ATOK=$("$TOKENTOOL" "$KEY" 1 a)

"$MUTATE" --hostile "$W/hostile" &&
	"$MUTATE" --seed "$SEED" --count "$COUNT" --out "$W/in" "$TEST_SRCDIR"/fixtures/*.eml
ok $? "mutate wrote $COUNT mutated messages (seed $SEED) and $nhostile hostile ones"
for h in $HOSTILE; do mv "$W/hostile/$h.eml" "$W/hostile/$h-h.eml"; done

# The worker (bash, so that nothing but timeout and postdesk is forked per
# message): deliver each file as its name says (NAME-K.eml: K is c customer,
# t customer token, a agent token, u unknown recipient, n null sender, h
# hostile), one line per delivery in results: NAME RC ACTION SANITIZER MS.
# A failure keeps the message and its output in failed/.
cat >"$W/worker.sh" <<'EOS'
# worker.sh: deliver the files given, as db_mutation.sh describes.
for f; do
	b=${f##*/}
	b=${b%.eml}
	k=${b##*-}
	s=customer@example.net r=support@example.org want=0
	case $k in
	t) r=support+$CTOK@example.org ;;
	a) s=alice@example.org r=support+$ATOK@example.org ;;
	u) r=nobody@example.org want=67 ;;
	n) s= ;;
	h) s=hostile@example.net ;;
	esac
	t0=${EPOCHREALTIME/[.,]/}
	timeout -k 5 "$TMO" "$POSTDESK" deliver --sender "$s" --recipient "$r" --original-recipient "$r" \
		--queue-id "M$b" <"$f" >"$W/$b.out" 2>"$W/$b.err"
	rc=$?
	t1=${EPOCHREALTIME/[.,]/}
	err=$(<"$W/$b.err")
	action=-
	[[ $err =~ ,\ action=([a-z-]+), ]] && action=${BASH_REMATCH[1]}
	san=0
	[[ $err == *"ERROR: AddressSanitizer"* || $err == *"ERROR: LeakSanitizer"* || $err == *"runtime error:"* ]] && san=1
	echo "$b $rc $action $san $(((t1 - t0) / 1000))" >>"$W/results"
	if [ "$rc" = "$want" ] && [ "$san" = 0 ]; then
		rm -f "$f" "$W/$b.out" "$W/$b.err"
	else
		mv "$f" "$W/$b.out" "$W/$b.err" "$FAILED/"
	fi
done
EOS
export POSTDESK TMO CTOK ATOK W
FAILED=$T_DIR/failed
export FAILED
: >"$W/results"

# the hostile messages spread evenly among the mutated ones, the largest
# first, so that no two of them compete for the machine
find "$W/in" "$W/hostile" -name '*.eml' -printf 'M%f %s\n' | sed 's/\.eml / /' | LC_ALL=C sort >"$W/sizes"
ls -S "$W/hostile"/*.eml >"$W/hostile.list"
ls "$W/in"/*.eml | awk -v n="$nhostile" -v count="$COUNT" -v list="$W/hostile.list" '
	NR == 1 || (NR % int(count / n + 1) == 0) { if ((getline h <list) > 0) print h }
	{ print }
	END { while ((getline h <list) > 0) print h }' >"$W/order"
t0=$(date +%s)
timeout -k 10 900 xargs -P "$PAR" -n 1 bash "$W/worker.sh" <"$W/order"
t_all=$(($(date +%s) - t0))

# one test per hostile message
for h in $HOSTILE; do
	line=$(grep "^$h-h " "$W/results")
	rc=$(echo "$line" | cut -d' ' -f2)
	ms=$(echo "$line" | cut -d' ' -f5)
	san=$(echo "$line" | cut -d' ' -f4)
	desc="hostile $h ($(grep "^M$h-h " "$W/sizes" | cut -d' ' -f2) bytes): exit ${rc:-none} in ${ms:-?} ms, no sanitizer report"
	[ "$rc" = 0 ] && [ "$san" = 0 ]
	res=$?
	if [ $res -ne 0 ]; then
		diag "kept: $FAILED/$h-h.eml; output: $(head -n 2 "$FAILED/$h-h.out" "$FAILED/$h-h.err" 2>/dev/null | grep -v '^==>' | grep . | head -n 2 | cut -c1-300 | tr '\n' ' ')"
	fi
	ok $res "$desc"
done

# the mutated messages: exit codes as a histogram, failures kept
grep -v -- '-h ' "$W/results" >"$W/mutated"
n=$(wc -l <"$W/mutated" | tr -d ' ')
is "$n" "$COUNT" "every mutated message was delivered ($n and $nhostile hostile ones in $t_all s, $PAR at a time)"
diag "exit codes: $(cut -d' ' -f2 "$W/mutated" | sort | uniq -c | awk '{printf "%s%s x %s", (NR > 1 ? ", " : ""), $2, $1}')"
diag "actions: $(cut -d' ' -f3 "$W/mutated" | sort | uniq -c | awk '{printf "%s%s x %s", (NR > 1 ? ", " : ""), $2, $1}')"
diag "slowest: $(sort -k5 -n -r "$W/mutated" | head -n 3 | awk '{printf "%s%s %s ms", (NR > 1 ? ", " : ""), $1, $5}')"
# report_failures AWK-CONDITION: the kept messages whose result line matches.
report_failures() {
	awk "$1 {print \$1, \$2}" "$W/mutated" | while read -r f rc; do
		diag "$FAILED/$f.eml: exit $rc: $(cat "$FAILED/$f.out" "$FAILED/$f.err" 2>/dev/null | grep . | head -n 1 | cut -c1-300)"
	done | head -n 20
}
bad=$(awk '!(($2 == 0 && $1 !~ /-u$/) || ($2 == 67 && $1 ~ /-u$/))' "$W/mutated" | wc -l | tr -d ' ')
ok $((bad > 0)) "every exit code is 0, or 67 for the unknown recipient ($bad others)"
report_failures '!(($2 == 0 && $1 !~ /-u$/) || ($2 == 67 && $1 ~ /-u$/)) && $2 != 75 && $2 != 124 && $2 != 137'
is "$(awk '$2 == 75' "$W/mutated" | wc -l | tr -d ' ')" 0 "no exit 75 (a non-ASCII address once deferred for ever)"
report_failures '$2 == 75' 
is "$(awk '$2 == 124 || $2 == 137' "$W/mutated" | wc -l | tr -d ' ')" 0 "no delivery passed its ${TMO}s deadline"
report_failures '$2 == 124 || $2 == 137'
is "$(awk '$4 == 1 || $2 == 23' "$W/results" | wc -l | tr -d ' ')" 0 "no sanitizer report"
report_failures '$4 == 1 || $2 == 23'

# the database agrees with what deliver said
stored=$(awk '$2 == 0 && $3 != "duplicate" && $3 != "drop"' "$W/results" | wc -l | tr -d ' ')
is "$(sql "SELECT count(*) FROM messages WHERE direction = 'in' AND mta_queue_id LIKE 'M%'")" "$stored" \
	"one stored message per delivery that said it stored one ($stored)"
awk '$2 == 0 && $3 != "duplicate" && $3 != "drop" {print "M" $1}' "$W/results" | LC_ALL=C sort | LC_ALL=C join - "$W/sizes" >"$W/sizes.want"
sql "SELECT mta_queue_id || ' ' || length(raw) FROM messages WHERE direction = 'in' AND mta_queue_id LIKE 'M%'" |
	LC_ALL=C sort >"$W/sizes.got"
cmp -s "$W/sizes.want" "$W/sizes.got"
ok $? "each stored message has the raw bytes it was given, its length to the byte"
is "$(sql "SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.case_id = c.id AND m.direction = 'in')
	OR NOT EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id AND e.type = 'created')")" 0 \
	"every case has a message and a created event"
is "$(sql "SELECT count(*) FROM messages WHERE direction = 'in' AND (body_text IS NULL OR raw IS NULL OR raw_hash IS NULL)")" 0 \
	"every stored message has its raw bytes, hash and a body text"
diag "$(sql "SELECT count(*) || ' cases (' || count(*) FILTER (WHERE quarantined) || ' quarantined), ' || (SELECT count(*) FROM messages) || ' messages, ' || (SELECT count(*) FROM outbox) || ' outbox rows' FROM cases")"
diag "$((COUNT + nhostile + 1)) deliveries in $(($(date +%s) - start)) s"
finish
