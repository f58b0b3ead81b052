#!/bin/sh
# postfix-bench.sh: a Postfix backlog drained through pipe(8) and through
# lmtp(8), side by side (issue 17).
#   make bench          (in the build directory), or
#   sh bench/postfix-bench.sh BUILD-DIR [MESSAGES]
# On a private, durable PostgreSQL (bench/lib.sh) and, for each transport, a
# private Postfix (tests/postfix.sh, built from contrib/postfix/) that
# delivers helpdesk.test to postdesk and customer.test and agents.test to
# Maildirs: the database is stopped, MESSAGES (default 2000) new customers'
# mails (plain, HTML, ISO-8859-2, windows-1250; a few KB each) are injected
# over SMTP (bench/runner --smtp, 4 sessions) and wait deferred in Postfix's
# queue, the database is started and "postqueue -f" run; the row is the
# seconds from the flush until every customer's ack is in its Maildir
# (postdesk sends the acks and the agent's notifications back through that
# Postfix). pipe: "postdesk deliver" through pipe(8) (the kit's master.cf
# line) with "postdesk server" running, which deliver hands each message to
# (today's fastest pipe path); lmtp: lmtp(8) to the server's LMTP socket
# (the kit's commented-out lines). Both: server_workers = 4, the server as
# the pipe user (nobody); each message must be stored once and acked once.
# Also the peak RSS (VmHWM) of each server worker and how busy the machine's
# CPUs were during the drain. The table goes to stdout
# and to BUILD-DIR/bench-postfix/results.txt. Run as root (Postfix, and
# postdesk as nobody); about two minutes on the 2-core test machine.
# BENCH_TRANSPORTS (default "pipe lmtp") picks the runs.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$top/build}" && pwd)
N=${2:-2000}
POSTDESK=$build/postdesk
RUNNER=$build/bench/runner
for p in "$POSTDESK" "$RUNNER"; do
	[ -x "$p" ] || { echo "postfix-bench: $p is missing: run 'make bench' in $build" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "postfix-bench: needs root (a private Postfix, postdesk as nobody); skipped" >&2; exit 0; }
command -v postfix >/dev/null || { echo "postfix-bench: no postfix (package postfix); skipped" >&2; exit 0; }
work=$build/bench-postfix
. "$top/bench/lib.sh"
bench_setup durable <<EOC
auto_reply_limit = 1000000
server_workers = 4
EOC
"$POSTDESK" queue add desk --address support@helpdesk.test --first-response 4h >/dev/null
"$POSTDESK" agent add bob@agents.test --name Bob --queue desk >/dev/null
# postdesk runs as nobody: it must reach its configuration and key
chown nobody "$work/secret.key"
chmod 0644 "$work/postdesk.conf"
chmod 0755 "$work"
RESULTS=$work/results.txt
SPID= PFX=

ms() { echo $(($(date +%s%N) / 1000000)); }
# acks DIR: the messages in the customers' Maildirs of Postfix DIR.
acks() { find "$1/mailboxes/customer.test" -path '*/new/*' -type f 2>/dev/null | wc -l | tr -d ' '; }
# busy: the machine's busy and total CPU time so far (/proc/stat), in ticks.
busy() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat; }
# deferred DIR: the messages in its deferred queue.
deferred() { sh "$top/tests/postfix.sh" queue "$1" | grep -c '"queue_name": *"deferred"' || true; }
# stop_all: the server and the Postfix of the run in hand.
stop_all() {
	if [ -n "$SPID" ]; then
		kill -TERM "$SPID" 2>/dev/null || true
		t=0
		while kill -0 "$SPID" 2>/dev/null && [ $t -lt 300 ]; do sleep 0.1; t=$((t + 1)); done
		kill -KILL "$SPID" 2>/dev/null || true
		SPID=
	fi
	[ -z "$PFX" ] || sh "$top/tests/postfix.sh" stop "$PFX"
	PFX=
}
trap 'set +e; stop_all; bench_cleanup' EXIT

# backlog MODE: one run (pipe or lmtp); appends "MODE key=value..." to raw.txt.
backlog() {
	mode=$1
	PFX=$work/postfix-$mode
	conf=$work/$mode.conf
	mkdir -p "$PFX" "$work/corpus/$mode"
	: >"$work/corpus/$mode.list"
	: >"$PFX/users"
	i=1
	while [ $i -le "$N" ]; do
		case $((i % 5)) in
		1 | 2) kind=html ;;
		3) kind=latin2 ;;
		4) kind=cp1250 ;;
		*) kind=plain ;;
		esac
		message "$kind" "$i" "$mode" support@helpdesk.test "" "" "$mode" customer.test >"$work/corpus/$mode/$i.eml"
		echo "$work/corpus/$mode/$i.eml support@helpdesk.test" >>"$work/corpus/$mode.list"
		echo "c$i.$mode@customer.test" >>"$PFX/users"
		i=$((i + 1))
	done
	echo bob@agents.test >>"$PFX/users"
	cp "$work/postdesk.conf" "$conf"
	chmod 0644 "$conf"
	if [ "$mode" = lmtp ]; then
		port=$(sh "$top/tests/postfix.sh" start "$PFX" "$POSTDESK" "$conf" lmtp)
		sock=$PFX/spool/postdesk/lmtp
		printf 'lmtp_listen = unix:%s\nserver_allowed_users = postfix\n' "$sock" >>"$conf"
	else
		port=$(sh "$top/tests/postfix.sh" start "$PFX" "$POSTDESK" "$conf")
		mkdir -p "$work/run"
		chown nobody "$work/run"
		sock=$work/run/deliver.sock
		printf 'server_socket = %s\n' "$sock" >>"$conf"
	fi
	sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$conf"
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$POSTDESK" -c "$conf" server \
		2>>"$work/server-$mode.log" &
	SPID=$!
	t=0
	while [ ! -S "$sock" ] && [ $t -lt 100 ]; do sleep 0.1; t=$((t + 1)); done
	[ -S "$sock" ] || { echo "postfix-bench: postdesk server did not start (see $work/server-$mode.log)" >&2; exit 1; }
	sql "CHECKPOINT"
	sh "$top/tests/pg.sh" halt "$work" >/dev/null
	echo "postfix-bench: $mode: the database stopped, injecting $N messages" >&2
	inj=$("$RUNNER" -j 4 "$work/corpus/$mode.list" --smtp "inet:127.0.0.1:$port") || true
	echo "postfix-bench: $mode: injected: $inj" >&2
	deadline=$(($(date +%s) + 300))
	until [ "$(deferred "$PFX")" -ge "$N" ] || [ "$(date +%s)" -ge $deadline ]; do sleep 1; done
	held=$(deferred "$PFX")
	echo "postfix-bench: $mode: $held deferred; starting the database, postqueue -f" >&2
	sh "$top/tests/pg.sh" resume "$work" >/dev/null
	cpu0=$(busy)
	t0=$(ms)
	sh "$top/tests/postfix.sh" flush "$PFX"
	deadline=$(($(date +%s) + 300))
	# once a second: counting the Maildirs costs CPU the drain needs
	until [ "$(acks "$PFX")" -ge "$N" ] || [ "$(date +%s)" -ge $deadline ]; do sleep 1; done
	t1=$(ms)
	cpu1=$(busy)
	# a late extra ack would show within a second or two
	sleep 2
	got=$(acks "$PFX")
	stored=$(sql "SELECT count(*) FROM messages WHERE direction = 'in' AND message_id LIKE '$mode.%@example.net'")
	distinct=$(sql "SELECT count(DISTINCT message_id) FROM messages WHERE direction = 'in' AND message_id LIKE '$mode.%@example.net'")
	rss=
	for w in $(pgrep -P "$SPID"); do
		rss="$rss${rss:+,}$(sed -n 's/^VmHWM:\s*\([0-9]*\) kB/\1/p' "/proc/$w/status")"
	done
	echo "$mode seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1000 }') deferred=$held" \
		"busy=$(echo "$cpu0 $cpu1" | awk '{ if ($4 > $2) printf "%d", 100 * ($3 - $1) / ($4 - $2) }')" \
		"acks=$got stored=$stored distinct=$distinct rss_kib=$rss inject=$(echo "$inj" | tr ' ' ',')" >>"$work/raw.txt"
	echo "postfix-bench: $(tail -n 1 "$work/raw.txt")" >&2
	stop_all
}

: >"$work/raw.txt"
for t in ${BENCH_TRANSPORTS:-pipe lmtp}; do backlog "$t"; done
field() { sed -n "s/^$1 \(.* \)\?$2=\([0-9.,]*\).*/\2/p" "$work/raw.txt"; }
{
	echo "postfix-bench on $(uname -srm), $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1), $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "$N new customers' mails queued in a private Postfix while the database was down, then the database started" \
		"and postqueue -f: seconds until every ack is in its customer's Maildir; server_workers = 4, durable PostgreSQL"
	printf '%-28s %9s %9s %7s %7s %9s %6s  %s\n' "run" "seconds" "msgs/s" "acks" "stored" "deferred" "CPU %" \
		"worker peak RSS KiB"
	for r in pipe lmtp; do
		grep -q "^$r " "$work/raw.txt" || continue
		s=$(field "$r" seconds)
		case $r in
		pipe) name="backlog_pipe (deliver+server)" ;;
		*) name="backlog_lmtp" ;;
		esac
		printf '%-28s %9s %9s %7s %7s %9s %6s  %s\n' "$name" "$s" \
			"$(awk -v s="$s" -v n="$N" 'BEGIN { if (s > 0) printf "%.1f", n / s }')" "$(field "$r" acks)" \
			"$(field "$r" stored)" "$(field "$r" deferred)" "$(field "$r" busy)" "$(field "$r" rss_kib)"
	done
	echo "pipe / lmtp (how many times faster the backlog drains through LMTP):" \
		"$(awk -v a="$(field pipe seconds)" -v b="$(field lmtp seconds)" 'BEGIN { if (a > 0 && b > 0) printf "%.2f", a / b }')"
	ok=yes
	for r in ${BENCH_TRANSPORTS:-pipe lmtp}; do
		[ "$(field "$r" acks)" = "$N" ] && [ "$(field "$r" stored)" = "$N" ] && [ "$(field "$r" distinct)" = "$N" ] || ok=no
	done
	echo "every message stored once and acked once: $ok; CPU %: the whole machine's busy time during the drain" \
		"(Postfix, postdesk, PostgreSQL and anything else running)"
} | tee "$RESULTS"
