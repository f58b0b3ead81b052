#!/bin/sh
# report-bench.sh: "postdesk report --json" over 1,000,000 cases (BENCH_REPORT
# cases; generated with generate_series over a year, three queues, ten agents,
# nine in ten answered and resolved, a third surveyed and rated, some reopen
# and escalation events), all of them in the period: the figures are computed
# in SQL (percentile_cont) over indexed columns.
#   sh bench/report-bench.sh [BUILD-DIR]     (make bench runs it)
# Its own PostgreSQL cluster under BUILD-DIR/bench-report, removed after.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
N=${BENCH_REPORT:-1000000}
POSTDESK=$build/postdesk
[ -x "$POSTDESK" ] || { echo "report-bench: build first (no $POSTDESK)" >&2; exit 1; }
work=$build/bench-report
. "$top/bench/lib.sh"
bench_setup fast <<EOC
db_statement_timeout = 10m
EOC
"$POSTDESK" queue add sales --address sales@example.org >/dev/null
"$POSTDESK" queue add billing --address billing@example.org >/dev/null
for i in 1 2 3 4 5 6 7 8 9; do
	"$POSTDESK" agent add "agent$i@example.org" --name "Agent $i" --queue support >/dev/null
done
sql "INSERT INTO cases (queue_id, subject, status, assignee_id, created, first_response_at, resolved_at,
                        first_response_business_s, resolution_business_s, survey_sent_at, rating, rating_comment, rated_at)
     SELECT 1 + n % 3, 'case ' || n, CASE WHEN n % 10 = 0 THEN 'open' ELSE 'closed' END, 1 + n % 10, t,
            CASE WHEN n % 10 <> 0 THEN t + (n % 7200) * interval '1 second' END,
            CASE WHEN n % 10 <> 0 THEN t + (n % 500000) * interval '1 second' END,
            CASE WHEN n % 10 <> 0 THEN n % 3600 END, CASE WHEN n % 10 <> 0 THEN n % 200000 END,
            CASE WHEN n % 3 = 0 AND n % 10 <> 0 THEN t + interval '6 days' END,
            CASE WHEN n % 6 = 0 AND n % 10 <> 0 THEN 1 + n % 5 END,
            CASE WHEN n % 60 = 0 AND n % 10 <> 0 THEN 'comment ' || n END,
            CASE WHEN n % 6 = 0 AND n % 10 <> 0 THEN t + interval '6 days' END
     FROM generate_series(1, $N) n, LATERAL (SELECT now() - interval '365 days' + n * (interval '365 days' / $N) AS t) x"
sql "INSERT INTO events (case_id, type, detail)
     SELECT id, CASE WHEN id % 2 = 0 THEN 'reopened' ELSE 'escalated' END,
            CASE WHEN id % 2 = 0 THEN 'resolved' ELSE 'level 1: first response overdue by 1h' END
     FROM cases WHERE id % 50 = 0"
sql "VACUUM ANALYZE"
echo "report-bench: postdesk report --since 400d --json over $(sql "SELECT count(*) FROM cases") cases"
best=
for run in 1 2 3; do
	t0=$(date +%s%N)
	"$POSTDESK" report --since 400d --json >"$work/report.json"
	t1=$(date +%s%N)
	ms=$(( (t1 - t0) / 1000000 ))
	[ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
done
echo "  opened in total: $(python3 -c "import json; print(json.load(open('$work/report.json'))['total']['opened'])")"
echo "  report_1m: best of 3 $best ms"
