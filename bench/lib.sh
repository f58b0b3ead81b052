# lib.sh: what the benchmarks share; sourced with top, build, work and
# POSTDESK set. bench_setup starts a private PostgreSQL cluster and smtp-sink
# under $work (both stopped on exit), writes $work/postdesk.conf for them
# (POSTDESK_CONF; extra lines come on stdin), makes a key and the schema,
# queue "support" and agent alice; sql runs one statement. bench_helpdesk
# makes the schema, the queue and the agent in POSTDESK_CONF's database.
#   bench_setup durable|fast [QUEUE OPTION]... <<EOC ... EOC
# (a here-document, not a pipe: a function at the end of a pipe runs in a
# subshell, and its variables and traps would be lost)
#   durable: fsync and synchronous commit on (PG_DURABLE=1), as production.

# bench_cleanup: stop what bench_setup started.
bench_cleanup() {
	sh "$top/tests/smtp-sink.sh" stop "$work/sink" >/dev/null 2>&1 || true
	sh "$top/tests/pg.sh" stop "$work" >/dev/null 2>&1 || true
}

# sql_in CONNINFO STATEMENT: run it in that database, rows unaligned;
# sql STATEMENT: in the benchmark's database.
sql_in() { psql -X -q -At -v ON_ERROR_STOP=1 "$1" -c "$2"; }
sql() { sql_in "$conninfo" "$1"; }

bench_setup() {
	mode=$1
	shift
	rm -rf "$work"
	mkdir -p "$work"
	trap bench_cleanup EXIT
	trap 'exit 1' INT TERM
	if [ "$mode" = durable ]; then
		PG_DURABLE=1 sh "$top/tests/pg.sh" start "$work" >/dev/null
	else
		sh "$top/tests/pg.sh" start "$work" >/dev/null
	fi
	conninfo=$(sh "$top/tests/pg.sh" createdb "$work" bench)
	port=$(sh "$top/tests/smtp-sink.sh" start "$work/sink")
	{
		printf 'database = %s\nsecret_key_file = %s/secret.key\n' "$conninfo" "$work"
		printf 'template_dir = %s/templates\nsmtp_server = 127.0.0.1:%s\n' "$top" "$port"
		printf 'log_destination = stderr\n'
		cat
	} >"$work/postdesk.conf"
	POSTDESK_CONF=$work/postdesk.conf
	export POSTDESK_CONF
	"$POSTDESK" keygen >/dev/null
	bench_helpdesk "$@"
}

bench_helpdesk() {
	"$POSTDESK" db migrate >/dev/null
	"$POSTDESK" queue add support --address support@example.org --first-response 4h --resolution 3d \
		"$@" >/dev/null
	"$POSTDESK" agent add alice@example.org --name Alice --queue support >/dev/null
}
