#!/bin/sh
# smtp-sink.sh: Postfix's smtp-sink(1) as the SMTP server of the tests, on a
# free port of 127.0.0.1, capturing each message as a file.
#   smtp-sink.sh start DIR [SMTP-SINK OPTIONS...]   start it, print its port
#   smtp-sink.sh stop DIR                          stop it (bounded wait)
#   smtp-sink.sh count DIR [N [SECONDS]]            print how many messages it
#       captured, after waiting (at most SECONDS, default 10) for N of them
# Messages land in DIR/mail/, one file each ("%M." and a random suffix); the
# sink's own output in DIR/sink.log. As root it runs as nobody (-u nobody),
# as smtp-sink requires. It can never outlive its guard: timeout(1), 600 s.
set -u

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: smtp-sink.sh start|stop|count DIR ..." >&2; exit 2; }
shift 2
SINK=${SMTP_SINK:-/usr/sbin/smtp-sink}

# listening PORT PID: whether PID (or its child) listens on 127.0.0.1:PORT.
listening() {
	ss -Hltnp "sport = :$1" 2>/dev/null | grep -q "127.0.0.1:$1 " || return 1
	# as root ss names the owner: make sure it is ours, not a neighbour's
	[ "$(id -u)" != 0 ] && return 0
	ss -Hltnp "sport = :$1" 2>/dev/null | grep -Eq "pid=($2|$(pgrep -P "$2" | tr '\n' '|' | sed 's/|$//'))," 
}

case $cmd in
start)
	[ -x "$SINK" ] || { echo "smtp-sink.sh: $SINK not found (package postfix)" >&2; exit 1; }
	mkdir -p "$dir/mail"
	user=
	if [ "$(id -u)" = 0 ]; then
		chown nobody "$dir/mail" 2>/dev/null || chmod 777 "$dir/mail"
		user="-u nobody"
	fi
	tries=0
	while [ $tries -lt 20 ]; do
		tries=$((tries + 1))
		port=$(awk -v s="$$$tries" 'BEGIN { srand(s); printf "%d", 20000 + int(rand() * 30000) }')
		ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && continue
		# shellcheck disable=SC2086
		timeout 600 "$SINK" $user "$@" -d "$dir/mail/%M." "127.0.0.1:$port" 64 \
			</dev/null >"$dir/sink.log" 2>&1 &
		pid=$!
		deadline=$(($(date +%s) + 5))
		while kill -0 "$pid" 2>/dev/null && ! listening "$port" "$pid" &&
			[ "$(date +%s)" -lt "$deadline" ]; do
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null && listening "$port" "$pid"; then
			echo "$pid" >"$dir/sink.pid"
			echo "$port" >"$dir/sink.port"
			echo "$port"
			exit 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	echo "smtp-sink.sh: could not start smtp-sink (see $dir/sink.log)" >&2
	exit 1
	;;
stop)
	[ -f "$dir/sink.pid" ] || exit 0
	pid=$(cat "$dir/sink.pid")
	kill "$pid" 2>/dev/null
	deadline=$(($(date +%s) + 5))
	while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.05; done
	kill -9 "$pid" 2>/dev/null
	rm -f "$dir/sink.pid"
	exit 0
	;;
count)
	want=${1:-0}
	deadline=$(($(date +%s) + ${2:-10}))
	n=0
	while :; do
		n=$(find "$dir/mail" -type f 2>/dev/null | wc -l | tr -d ' ')
		[ "$n" -ge "$want" ] || [ "$(date +%s)" -ge "$deadline" ] && break
		sleep 0.05
	done
	# a message file is complete once the sink has answered "."; give a
	# late extra message a moment to show up before the count is final
	[ "$want" -gt 0 ] && sleep 0.2 && n=$(find "$dir/mail" -type f | wc -l | tr -d ' ')
	echo "$n"
	;;
*)
	echo "usage: smtp-sink.sh start|stop|count DIR ..." >&2
	exit 2
	;;
esac
