# lib.sh: shared helpers for the shell tests (sourced). Output is TAP.
# Environment from the Makefile: POSTDESK, TEST_SRCDIR, TEST_BUILDDIR, PG_BINDIR.

set -u
T_NUM=0
T_FAILED=0
T_NAME=$(basename "$0" .sh)
T_DIR=$TEST_BUILDDIR/tmp/$T_NAME
rm -rf "$T_DIR"
mkdir -p "$T_DIR"

# plan N: announce the number of tests.
plan() { echo "1..$1"; }

# ok COND-EXIT-STATUS DESCRIPTION: "ok" when the previous command succeeded.
ok() {
	T_NUM=$((T_NUM + 1))
	if [ "$1" -eq 0 ]; then echo "ok $T_NUM - $2"
	else echo "not ok $T_NUM - $2"; T_FAILED=$((T_FAILED + 1)); fi
}

# is GOT WANT DESCRIPTION: string equality.
is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"
	else ok 1 "$3"; diag "got:  '$1'"; diag "want: '$2'"; fi
}

# like GOT PATTERN DESCRIPTION: grep -E match.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"
	else ok 1 "$3"; diag "got:  '$1'"; diag "want match: '$2'"; fi
}

diag() { printf '# %s\n' "$*"; }

# run CMD...: run a command, keeping its exit code in RC and output in OUT/ERR.
run() {
	"$@" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	OUT=$(cat "$T_DIR/out")
	ERR=$(cat "$T_DIR/err")
}

# new_db: a fresh database for this test file, and a config file using it in
# $CONF (exported as POSTDESK_CONF). The cluster is started if it is not running.
new_db() {
	sh "$TEST_SRCDIR/pg.sh" ensure "$TEST_BUILDDIR"
	DB_NAME="t_${T_NAME}_$$"
	DB_CONNINFO=$(sh "$TEST_SRCDIR/pg.sh" createdb "$TEST_BUILDDIR" "$DB_NAME")
	CONF=$T_DIR/postdesk.conf
	write_conf "$CONF" "$DB_CONNINFO"
	POSTDESK_CONF=$CONF
	export POSTDESK_CONF
}

# write_conf FILE CONNINFO: a config file for tests.
write_conf() {
	cat >"$1" <<EOC
# test configuration
database = $2
secret_key_file = $T_DIR/secret.key
log_destination = stderr
db_connect_timeout = 5s
db_statement_timeout = 20s
template_dir = $TEST_SRCDIR/../templates
smtp_server = 127.0.0.1:1
smtp_timeout = 3s
EOC
}

# sql QUERY: run a query in the test database, printing unaligned rows.
sql() {
	psql -X -q -At -v ON_ERROR_STOP=1 "$DB_CONNINFO" -c "$1"
}

# finish: the exit code for the TAP driver.
finish() {
	[ "$T_FAILED" -eq 0 ]
}

# setup_helpdesk: a migrated database with a key, queue support@example.org
# (and sales@example.org) and agent alice@example.org.
setup_helpdesk() {
	new_db
	"$POSTDESK" keygen >/dev/null
	"$POSTDESK" db migrate >/dev/null
	"$POSTDESK" queue add support --address support@example.org --first-response 4h --resolution 3d >/dev/null
	"$POSTDESK" queue add sales --address sales@example.org >/dev/null
	"$POSTDESK" agent add alice@example.org --name "Alice Agent" --queue support >/dev/null
}

# deliver FILE [RECIPIENT [SENDER [OPTIONS...]]]: pipe a message through
# postdesk deliver as Postfix would; RC, OUT, ERR as for run.
deliver() {
	f=$1
	rcpt=${2:-support@example.org}
	sender=${3-customer@example.net}
	[ $# -gt 3 ] && shift 3 || set --
	"$POSTDESK" deliver --sender "$sender" --recipient "$rcpt" --original-recipient "$rcpt" \
		--queue-id "Q$T_NUM" "$@" <"$f" >"$T_DIR/out" 2>"$T_DIR/err"
	RC=$?
	OUT=$(cat "$T_DIR/out")
	ERR=$(cat "$T_DIR/err")
}

# mail FILE FROM SUBJECT [HEADER...]: write a plain UTF-8 message whose body
# is read from stdin. Extra headers are given as "Name: value" arguments.
mail() {
	f=$1 from=$2 subject=$3
	shift 3
	{
		printf 'From: %s\nTo: Support <support@example.org>\nSubject: %s\n' "$from" "$subject"
		printf 'Date: Sun, 22 Nov 2026 10:00:00 +0100\nMessage-ID: <%s.%s@example.net>\n' "$(basename "$f")" "$$"
		printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n'
		for h in "$@"; do printf '%s\n' "$h"; done
		printf '\n'
		cat
	} >"$f"
}

# msgid FILE: the Message-ID that mail() wrote into FILE, without brackets.
msgid() { sed -n 's/^Message-ID: <\(.*\)>$/\1/p' "$1" | head -n 1; }

# sweep [OPTIONS]: one "postdesk sweep"; RC and ERR as for run, CASES its
# "cases:" line, OUT its "outbox:" line.
sweep() {
	run "$POSTDESK" sweep "$@"
	CASES=$(printf '%s\n' "$OUT" | grep '^cases:')
	OUT=$(printf '%s\n' "$OUT" | grep '^outbox:')
}

# stop PID: SIGTERM to a background job, then wait for it at most 20s (then
# SIGKILL); RC is its exit status. Start such jobs under
# "timeout --foreground": plain timeout signals its whole process group a
# second time, which can hang LeakSanitizer's exit check in the sanitizer build.
stop() {
	kill -TERM "$1" 2>/dev/null
	_deadline=$(($(date +%s) + 20))
	while kill -0 "$1" 2>/dev/null && [ "$(date +%s)" -lt $_deadline ]; do sleep 0.1; done
	kill -0 "$1" 2>/dev/null && { diag "pid $1 ignored SIGTERM for 20s; killed"; kill -KILL "$1"; }
	wait "$1"
	RC=$?
}

# sink_start: Postfix's smtp-sink on a free port (tests/smtp-sink.sh)
# writing each message into $SINK, stopped at exit, and $CONF's
# smtp_server set to it.
sink_start() {
	port=$(sh "$TEST_SRCDIR/smtp-sink.sh" start "$T_DIR/sink") || { diag "cannot start smtp-sink"; exit 1; }
	SINK=$T_DIR/sink/mail
	trap 'sh "$TEST_SRCDIR/smtp-sink.sh" stop "$T_DIR/sink"' EXIT
	sed -i "s/^smtp_server = .*/smtp_server = 127.0.0.1:$port/" "$CONF"
}

# server_up LOG SOCKET [PREFIX...]: start "postdesk server" in the background
# (after PREFIX, e.g. a setpriv command line), its stderr appended to LOG, SPID
# its pid; wait (at most 10s) until SOCKET is there and the server has logged
# that it listens: the socket is bound a moment before it accepts, and the
# line comes once every listener does.
server_up() {
	_log=$1 _sock=$2
	shift 2
	_up=$(grep -c 'server: listening on ' "$_log" 2>/dev/null)
	"$@" "$POSTDESK" server 2>>"$_log" &
	SPID=$!
	_deadline=$(($(date +%s) + 10))
	until { [ -S "$_sock" ] && [ "$(grep -c 'server: listening on ' "$_log" 2>/dev/null)" -gt "${_up:-0}" ]; } ||
		[ "$(date +%s)" -ge $_deadline ]; do sleep 0.05; done
}
