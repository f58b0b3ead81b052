#!/bin/sh
# sweep-bench.sh: the cost of one sweep pass against the size of the case
# table. The same 1,000 overdue cases sit among 10,000 cases, then among
# 1,000,000 (most closed, some open and not due yet); the script times one
# "postdesk sweep" pass over each (1,000 escalations, the mail sent to
# smtp-sink) and prints the figures and their ratio. A pass should cost about
# the same: it reads the due cases through one partial index.
#   sh bench/sweep-bench.sh [BUILD-DIR]     (default: build/, built already)
# It starts its own PostgreSQL cluster under BUILD-DIR/bench-sweep and removes it.
# Loading the million cases takes a minute or two.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
POSTDESK=$build/postdesk
[ -x "$POSTDESK" ] || { echo "sweep-bench: build first (no $POSTDESK)" >&2; exit 1; }
work=$build/bench-sweep
. "$top/bench/lib.sh"
bench_setup fast --escalate-after 1d <<EOC
db_statement_timeout = 10m
EOC

# fill N: add cases until the table holds N, none of them due: nine in ten
# closed long ago, the rest open with their due times a week ahead.
fill() {
	have=$(sql "SELECT count(*) FROM cases WHERE subject LIKE 'filler %'")
	sql "INSERT INTO cases (queue_id, subject, status, created, closed_at, resolved_at,
	                        first_response_due, resolution_due)
	     SELECT 1, 'filler ' || n,
	            CASE WHEN n % 10 = 0 THEN 'open' ELSE 'closed' END,
	            now() - interval '30 days', CASE WHEN n % 10 <> 0 THEN now() - interval '20 days' END,
	            CASE WHEN n % 10 <> 0 THEN now() - interval '20 days' END,
	            now() + interval '7 days', now() + interval '7 days'
	     FROM generate_series($have + 1, $1) n"
	sql "VACUUM ANALYZE cases"
}
# due: make the 1,000 overdue cases due again (a new round each time).
due() {
	sql "DELETE FROM cases WHERE subject = 'overdue'"
	sql "INSERT INTO cases (queue_id, subject, first_response_due)
	     SELECT 1, 'overdue', now() - interval '1 hour' FROM generate_series(1, 1000)"
	sql "ANALYZE cases"
}
# pass: time one sweep in milliseconds; print its output lines too.
pass() {
	t0=$(date +%s%N)
	out=$("$POSTDESK" sweep 2>"$work/sweep.err")
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000000 ))"
	printf '%s\n' "$out" | sed 's/^/    /' >&2
}

echo "sweep-bench: one pass, 1,000 overdue cases (1,000 escalation mails to smtp-sink)"
fill 9000
due
echo "  cases in the table: $(sql "SELECT count(*) FROM cases")"
small=$(pass)
echo "  pass: ${small} ms"
fill 999000
due
echo "  cases in the table: $(sql "SELECT count(*) FROM cases")"
large=$(pass)
echo "  pass: ${large} ms"
echo "  ratio 1,000,000 / 10,000 cases: $(awk -v a="$large" -v b="$small" 'BEGIN { printf "%.2f", a / b }')"
plan=$(sql "EXPLAIN SELECT id FROM cases WHERE wake_at <= now() ORDER BY wake_at LIMIT 100 FOR UPDATE SKIP LOCKED" | tr '\n' ' ')
echo "  the claim's plan: $plan"
