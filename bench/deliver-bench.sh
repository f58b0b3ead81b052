#!/bin/sh
# deliver-bench.sh: the delivery path against its physical floor (issue 7).
#   make bench          (in the build directory), or
#   sh bench/deliver-bench.sh BUILD-DIR [MESSAGES]
# On a private, durable PostgreSQL (tests/pg.sh with PG_DURABLE=1: fsync and
# synchronous commit on, as in production; under BUILD-DIR/bench-deliver) and
# smtp-sink as the SMTP server, with a generated corpus (plain text,
# HTML+text, ISO-8859-2 and windows-1250, a tenth with 100 KB-5 MB
# attachments; follow-ups carry the case's token address, In-Reply-To and
# References), it runs each message through its program as Postfix's pipe(8)
# would (bench/runner: fork, message on stdin, wait4) and reports
# messages/s, p50/p99 latency and peak RSS:
#   floor (bench/floor.c: connect, insert the raw message, commit) and
#   postdesk deliver for new cases (ack sent) and follow-ups, 1 and 4 at
#   once; postdesk deliver with 1,000 and with 1,000,000 cases stored (a
#   second database in the cluster, its run right after the 1,000 one);
#   one 20 MB message (peak RSS); then the same runs again with
#   "postdesk server" running (rows srv_*: deliver hands the message to a
#   worker that keeps its database connection; the 20 MB row's peak RSS is
#   the worker's; each server gets 8 deliveries first, not counted); and
#   new cases through LMTP (rows lmtp_new_1, lmtp_new_4: bench/runner
#   speaks LMTP to the server's lmtp_listen socket over 1 or 4 kept
#   connections, one transaction a message, a 250 after each commit; the
#   peak RSS is the largest VmHWM of the server's workers after the run,
#   all of them listed below the table, with the CPU time a message costs
#   the workers, PostgreSQL and smtp-sink, and the commits and WAL syncs a
#   message; this server is not replaced after server_max_use, so that its
#   workers can be counted).
# The table, with postdesk/floor ratios and the machine, goes to stdout and
# to BUILD-DIR/bench-deliver/results.txt. MESSAGES (default 200) per run;
# BENCH_BIG (default 1000000) is the large database's number of cases;
# BENCH_QUICK=1 stops after the new cases (floor, new_1, new_4, srv_new_1,
# srv_new_4, lmtp_new_1, lmtp_new_4).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
N=${2:-200}
BIG=${BENCH_BIG:-1000000}
POSTDESK=$build/postdesk
RUNNER=$build/bench/runner
FLOOR=$build/bench/floor
TOKENTOOL=$build/tests/tokentool
for p in "$POSTDESK" "$RUNNER" "$FLOOR" "$TOKENTOOL"; do
	[ -x "$p" ] || { echo "deliver-bench: $p is missing: run 'make bench' in $build" >&2; exit 1; }
done
work=$build/bench-deliver
. "$top/bench/lib.sh"
bench_setup durable <<EOC
auto_reply_limit = 1000000
EOC
mkdir -p "$work/corpus"
# the floor's column compressed as postdesk's messages.raw is (sql/004_lz4.sql)
sql "CREATE TABLE floor_messages (id bigserial PRIMARY KEY, raw bytea NOT NULL, created timestamptz NOT NULL DEFAULT now())"
sql "ALTER TABLE floor_messages ALTER COLUMN raw SET COMPRESSION $(sql "SELECT CASE WHEN attcompression = 'l' THEN 'lz4' ELSE 'pglz' END
	FROM pg_attribute WHERE attrelid = 'messages'::regclass AND attname = 'raw'")"

# corpus TAG [follow]: N messages in corpus/TAG/, listed with their envelope
# recipient in corpus/TAG.list. Follow-ups are the customers of corpus
# "new1" answering the ack as a mail client does: to the case's token
# address (envelope and To), with In-Reply-To and References.
corpus() {
	tag=$1
	mkdir -p "$work/corpus/$tag"
	: >"$work/corpus/$tag.list"
	i=1
	while [ $i -le "$N" ]; do
		f=$work/corpus/$tag/$i.eml
		case $((i % 10)) in
		0) kind=attach ;;
		1 | 2) kind=html ;;
		3) kind=latin2 ;;
		4) kind=cp1250 ;;
		*) kind=plain ;;
		esac
		sizes="102400 524288 1048576 5242880"
		size=$(echo $sizes | cut -d' ' -f$(((i / 10) % 4 + 1)))
		if [ "${2:-}" = follow ]; then
			c=$(sql "SELECT case_id FROM messages WHERE message_id = 'new1.$i@example.net'")
			to="support+$("$TOKENTOOL" "$work/secret.key" "$c" c)@example.org"
			message "$kind" "$i" "$tag" "$to" "new1.$i@example.net" "$size" new1 >"$f"
		else
			to=support@example.org
			message "$kind" "$i" "$tag" "" "" "$size" >"$f"
		fi
		echo "$f $to" >>"$work/corpus/$tag.list"
		i=$((i + 1))
	done
}

# fill CONNINFO N: add filler cases (closed, nothing due) until N are stored.
fill() {
	have=$(sql_in "$1" "SELECT count(*) FROM cases")
	sql_in "$1" "INSERT INTO cases (queue_id, subject, status, created, resolved_at,
	     closed_at) SELECT 1, 'filler ' || n, 'closed', now() - interval '30 days', now() - interval '20 days',
	            now() - interval '20 days' FROM generate_series($have + 1, $2) n"
	sql_in "$1" "VACUUM ANALYZE"
}

RESULTS=$work/results.txt
: >"$RESULTS"
# measure NAME JOBS LIST COMMAND...: one runner line, kept as NAME. Each run
# starts after a checkpoint, so none pays for writing back the one before.
measure() {
	name=$1 jobs=$2 list=$3
	shift 3
	sql "CHECKPOINT"
	line=$("$RUNNER" -j "$jobs" "$list" "$@" 2>>"$work/stderr.log") || true
	echo "$name $line" >>"$work/raw.txt"
	echo "$name: $line" >&2
}
field() { sed -n "s/^$1 .*$2=\([0-9.]*\).*/\1/p" "$work/raw.txt"; }

echo "deliver-bench: $N messages a run; corpus in $work/corpus" >&2
fill "$conninfo" 1000
# The large database is a second one in the same cluster, with the same
# helpdesk and $BIG cases, so that each run on it follows its run on the
# small one at once, under the same conditions.
if [ -z "${BENCH_QUICK:-}" ]; then
	bigconn=$(sh "$top/tests/pg.sh" createdb "$work" bench_big)
	sed "s|^database = .*|database = $bigconn|" "$work/postdesk.conf" >"$work/big.conf"
	POSTDESK_CONF=$work/big.conf bench_helpdesk
	echo "deliver-bench: loading $BIG cases into the second database (a minute or two for a million)" >&2
	fill "$bigconn" "$BIG"
fi
for t in new1 new4; do corpus "$t"; done
[ -n "${BENCH_QUICK:-}" ] || corpus newbig
DELIVER="$POSTDESK deliver --sender customer@example.net --recipient {to} --queue-id {}"
BIGDELIVER="$POSTDESK -c $work/big.conf deliver --sender customer@example.net --recipient {to} --queue-id {}"
# the server reads its own configuration file; deliver must name the same
cp "$work/postdesk.conf" "$work/server.conf"
echo "server_socket = $work/deliver.sock" >>"$work/server.conf"
SERVED="$POSTDESK -c $work/server.conf deliver --sender customer@example.net --recipient {to} --queue-id {}"
if [ -z "${BENCH_QUICK:-}" ]; then
	cp "$work/big.conf" "$work/bigserver.conf"
	echo "server_socket = $work/big.sock" >>"$work/bigserver.conf"
fi
BIGSERVED="$POSTDESK -c $work/bigserver.conf deliver --sender customer@example.net --recipient {to} --queue-id {}"
cp "$work/postdesk.conf" "$work/lmtp.conf"
# workers that live through the run, so that their CPU time can be counted
printf 'lmtp_listen = unix:%s/lmtp.sock\nserver_max_use = 1000000\n' "$work" >>"$work/lmtp.conf"
SPIDS=
WARM=0
# server_start CONF SOCKET [lmtp] / server_stop: "postdesk server" in the
# background, SOCKET its hand-off socket or (lmtp) its LMTP socket. A server
# runs for days: before it is measured, it gets 8 deliveries (new cases, 4 at
# once, not counted), so that its workers have run each statement once or
# twice, as they have in production.
server_start() {
	"$POSTDESK" -c "$1" server 2>>"$work/stderr.log" &
	SPIDS="$SPIDS $!"
	t=0
	while [ ! -S "$2" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
	# without it, the srv_* rows would measure in-process deliveries
	[ -S "$2" ] || { echo "deliver-bench: postdesk server did not start (see $work/stderr.log)" >&2; exit 1; }
	WARM=$((WARM + 1))
	: >"$work/corpus/warm$WARM.list"
	for i in 1 2 3 4 5 6 7 8; do
		message plain "$i" "warm$WARM" >"$work/corpus/warm$WARM.$i.eml"
		echo "$work/corpus/warm$WARM.$i.eml support@example.org" >>"$work/corpus/warm$WARM.list"
	done
	if [ "${3:-}" = lmtp ]; then
		"$RUNNER" -j 4 "$work/corpus/warm$WARM.list" --lmtp "unix:$2" >/dev/null 2>>"$work/stderr.log" || true
	else
		"$RUNNER" -j 4 "$work/corpus/warm$WARM.list" "$POSTDESK" -c "$1" deliver --sender customer@example.net \
			--recipient {to} --queue-id {} >/dev/null 2>>"$work/stderr.log" || true
	fi
}
# workers_rss: the VmHWM (KiB) of each worker of the one server running,
# separated by commas.
workers_rss() {
	for w in $(pgrep -P "${SPIDS# }"); do
		sed -n 's/^VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$w/status"
	done | paste -sd, -
}
# ticks PID...: their CPU time (user + system), in clock ticks.
ticks() { for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done | awk '{ s += $14 + $15 } END { print s + 0 }'; }
# commits: the database's transactions committed and PostgreSQL's WAL syncs.
commits() { sql "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()) || ' ' || wal_sync FROM pg_stat_wal"; }
# measure_lmtp NAME JOBS LIST: measure through the LMTP socket; the row's
# peak RSS is the largest worker's (all of them kept as NAME_rss), and
# NAME_cost the CPU time per message of the workers, of PostgreSQL
# (its processes) and of smtp-sink, and the commits and WAL syncs per message
# (what bounds the row on a machine shared with other work: the CPU it
# costs, not the time it took).
measure_lmtp() {
	pm=$(head -n 1 "$(dirname "$(sh "$top/tests/pg.sh" socket "$work")")/data/postmaster.pid")
	workers=$(pgrep -P "${SPIDS# }" | tr '\n' ' ')
	backends=$(pgrep -P "$pm" | tr '\n' ' ')
	sinks=$(pgrep -P "$(cat "$work/sink/sink.pid")" | tr '\n' ' ')
	# shellcheck disable=SC2086
	set -- "$@" "$(ticks $workers)" "$(ticks $backends)" "$(ticks $sinks)" "$(commits)"
	measure "$1" "$2" "$3" --lmtp "unix:$work/lmtp.sock"
	# PostgreSQL's backends report their counts when idle, within a second
	sleep 2
	# shellcheck disable=SC2086
	echo "$1_cost $(awk -v n="$(wc -l <"$3")" -v hz="$(getconf CLK_TCK)" -v w0="$4" -v w1="$(ticks $workers)" \
		-v b0="$5" -v b1="$(ticks $backends)" -v s0="$6" -v s1="$(ticks $sinks)" -v c0="$7" -v c="$(commits)" \
		'BEGIN { split(c0, a, " "); split(c, b, " "); k = 1000 / hz / n
		printf "CPU ms a message: workers %.1f, PostgreSQL (backends, writers) %.1f, smtp-sink %.1f; commits %.1f, WAL syncs %.2f a message",
		(w1 - w0) * k, (b1 - b0) * k, (s1 - s0) * k, (b[1] - a[1]) / n, (b[2] - a[2]) / n }')" >>"$work/raw.txt"
	rss=$(workers_rss)
	echo "$1_rss $rss" >>"$work/raw.txt"
	sed -i "s/^\($1 .*peak_rss_kib=\)[0-9]*/\1$(echo "$rss" | tr ',' '\n' | sort -n | tail -n 1)/" "$work/raw.txt"
}
server_stop() {
	# shellcheck disable=SC2086
	kill -TERM $SPIDS 2>/dev/null || true
	for p in $SPIDS; do wait "$p" || true; done
	SPIDS=
}
# shellcheck disable=SC2086
trap 'set +e; [ -z "$SPIDS" ] || kill -TERM $SPIDS 2>/dev/null; bench_cleanup' EXIT
measure floor_1 1 "$work/corpus/new1.list" "$FLOOR" "$conninfo"
measure floor_4 4 "$work/corpus/new4.list" "$FLOOR" "$conninfo"
# shellcheck disable=SC2086
measure new_1 1 "$work/corpus/new1.list" $DELIVER
if [ -z "${BENCH_QUICK:-}" ]; then
	# shellcheck disable=SC2086
	measure new_1_1m 1 "$work/corpus/newbig.list" $BIGDELIVER
fi
# shellcheck disable=SC2086
measure new_4 4 "$work/corpus/new4.list" $DELIVER
for t in snew1 snew4; do corpus "$t"; done
[ -n "${BENCH_QUICK:-}" ] || corpus snewbig
server_start "$work/server.conf" "$work/deliver.sock"
[ -n "${BENCH_QUICK:-}" ] || server_start "$work/bigserver.conf" "$work/big.sock"
# shellcheck disable=SC2086
measure srv_new_1 1 "$work/corpus/snew1.list" $SERVED
if [ -z "${BENCH_QUICK:-}" ]; then
	# shellcheck disable=SC2086
	measure srv_new_1_1m 1 "$work/corpus/snewbig.list" $BIGSERVED
fi
# shellcheck disable=SC2086
measure srv_new_4 4 "$work/corpus/snew4.list" $SERVED
server_stop
for t in lnew1 lnew4; do corpus "$t"; done
server_start "$work/lmtp.conf" "$work/lmtp.sock" lmtp
measure_lmtp lmtp_new_1 1 "$work/corpus/lnew1.list"
measure_lmtp lmtp_new_4 4 "$work/corpus/lnew4.list"
server_stop
if [ -z "${BENCH_QUICK:-}" ]; then
	for t in follow1 follow4 sfollow1 sfollow4; do corpus "$t" follow; done
	# shellcheck disable=SC2086
	measure follow_1 1 "$work/corpus/follow1.list" $DELIVER
	# shellcheck disable=SC2086
	measure follow_4 4 "$work/corpus/follow4.list" $DELIVER
	server_start "$work/server.conf" "$work/deliver.sock"
	# shellcheck disable=SC2086
	measure srv_follow_1 1 "$work/corpus/sfollow1.list" $SERVED
	# shellcheck disable=SC2086
	measure srv_follow_4 4 "$work/corpus/sfollow4.list" $SERVED
	server_stop
	big=$work/corpus/big.eml
	message attach 1 big "" "" 14680064 >"$big"
	echo "$big support@example.org" >"$work/corpus/big.list"
	# shellcheck disable=SC2086
	measure big_20mb 1 "$work/corpus/big.list" $DELIVER
	sed 's/^Message-ID: <big\.1@/Message-ID: <sbig.1@/' "$big" >"$work/corpus/sbig.eml"
	echo "$work/corpus/sbig.eml support@example.org" >"$work/corpus/sbig.list"
	server_start "$work/server.conf" "$work/deliver.sock"
	# shellcheck disable=SC2086
	measure srv_big_20mb 1 "$work/corpus/sbig.list" $SERVED
	# the message went to a worker: its peak RSS is the one that counts
	worker_kib=$(workers_rss | tr ',' '\n' | sort -n | tail -n 1)
	server_stop
fi
sent=$(find "$work/sink/mail" -type f | wc -l | tr -d ' ')

{
	echo "deliver-bench on $(uname -srm), $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "$N messages a run (a tenth with 100 KB-5 MB attachments); database with 1,000 cases unless said;" \
		"srv_*: each server got 8 deliveries before, not counted"
	printf '%-34s %9s %8s %8s %10s %9s\n' "run" "msgs/s" "p50 ms" "p99 ms" "peak KiB" "vs floor"
	for r in floor_1 floor_4 new_1 new_4 follow_1 follow_4 new_1_1m big_20mb \
		srv_new_1 srv_new_4 srv_follow_1 srv_follow_4 srv_new_1_1m srv_big_20mb lmtp_new_1 lmtp_new_4; do
		grep -q "^$r " "$work/raw.txt" || continue
		case $r in
		*_4) fl=floor_4 ;;
		*) fl=floor_1 ;;
		esac
		ratio=$(awk -v a="$(field "$r" msgs_per_s)" -v b="$(field "$fl" msgs_per_s)" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
		printf '%-34s %9s %8s %8s %10s %9s\n' "$r" "$(field "$r" msgs_per_s)" "$(field "$r" p50_ms)" \
			"$(field "$r" p99_ms)" "$(field "$r" peak_rss_kib)" "$ratio"
	done
	if grep -q '^lmtp_new_4 ' "$work/raw.txt"; then
		echo "lmtp_new_4 / floor_4: $(awk -v a="$(field lmtp_new_4 msgs_per_s)" -v b="$(field floor_4 msgs_per_s)" \
			'BEGIN { if (b > 0) printf "%.2f", a / b }') (target 5); the server's workers' peak RSS (VmHWM, KiB)" \
			"after lmtp_new_1: $(sed -n 's/^lmtp_new_1_rss //p' "$work/raw.txt"); after lmtp_new_4:" \
			"$(sed -n 's/^lmtp_new_4_rss //p' "$work/raw.txt")"
		for r in lmtp_new_1 lmtp_new_4; do echo "$r: $(sed -n "s/^${r}_cost //p" "$work/raw.txt")"; done
	fi
	if [ -z "${BENCH_QUICK:-}" ]; then
		for r in new_1 srv_new_1; do
			echo "${r}_1m (right after $r, on a second database with" \
				"$(sql_in "$bigconn" "SELECT count(*) FROM cases") cases): mean delivery time / ${r}'s:" \
				"$(awk -v a="$(field "${r}_1m" msgs_per_s)" -v b="$(field "$r" msgs_per_s)" 'BEGIN { if (a > 0) printf "%.2f", b / a }');" \
				"p50 / ${r}'s: $(awk -v a="$(field "${r}_1m" p50_ms)" -v b="$(field "$r" p50_ms)" 'BEGIN { if (b > 0) printf "%.2f", a / b }')"
		done
		echo "big_20mb: one message of $(wc -c <"$big") bytes; peak RSS / size:" \
			"$(awk -v r="$(field big_20mb peak_rss_kib)" -v s="$(wc -c <"$big")" 'BEGIN { printf "%.2f", r * 1024 / s }')"
		echo "srv_big_20mb: the worker's peak RSS $worker_kib KiB; / size:" \
			"$(awk -v r="$worker_kib" -v s="$(wc -c <"$big")" 'BEGIN { printf "%.2f", r * 1024 / s }')"
	fi
	echo "failed runs: $(awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^failed=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' "$work/raw.txt");" \
		"mail received by smtp-sink: $sent"
	echo "postdesk's log, by action: $(grep -o 'action=[a-z-]*' "$work/stderr.log" | sort | uniq -c | awk '{ printf "%s%s %s", n++ ? ", " : "", $1, substr($2, 8) }')"
} | tee "$RESULTS"
