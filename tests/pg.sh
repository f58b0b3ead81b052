#!/bin/sh
# pg.sh: the tests' private PostgreSQL cluster, under the build tree.
#   pg.sh start DIR      initdb a fresh cluster in DIR/tmp/pg and start it
#   pg.sh ensure DIR     start it unless it is running
#   pg.sh stop DIR       stop it and remove it
#   pg.sh halt DIR       stop the server, keeping its data; resume starts it again
#   pg.sh createdb DIR NAME   create database NAME, print its conninfo
#   pg.sh socket DIR / pg.sh log DIR   the socket directory / the server's log
# The server listens only on a Unix socket (no TCP). As root, initdb and
# postgres run as the postgres user, as they refuse to run as root.
# Tests run without fsync; PG_DURABLE=1 in the environment of "start" keeps
# PostgreSQL's durable defaults (fsync, synchronous commit), for benchmarks.
set -eu

cmd=$1
dir=$2/tmp/pg
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
port=54329

as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# The cluster's home: the build tree, unless the postgres user cannot reach
# it (as root with a home that is not world-searchable) or the socket path
# would be too long for a Unix socket; then a private directory in /tmp.
home() {
	if [ -f "$dir.home" ]; then cat "$dir.home"; return; fi
	h=$dir
	mkdir -p "$h"
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$h"
		runuser -u postgres -- test -w "$h" || h=
	fi
	if [ -z "$h" ] || [ ${#h} -gt 80 ]; then
		h=$(mktemp -d /tmp/postdesk-pg.XXXXXX)
		[ "$(id -u)" = 0 ] && chown postgres "$h"
	fi
	echo "$h" > "$dir.home"
	echo "$h"
}

running() {
	h=$(home)
	[ -f "$h/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$h/data" status >/dev/null 2>&1
}

stop() {
	[ -f "$dir.home" ] || return 0
	h=$(cat "$dir.home")
	if [ -f "$h/data/postmaster.pid" ]; then
		as_pg "$bindir/pg_ctl" -D "$h/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
			as_pg "$bindir/pg_ctl" -D "$h/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
	fi
	rm -rf "$h/data" "$h/sock" "$h/server.log"
	[ "$h" = "$dir" ] || rmdir "$h" 2>/dev/null || true
	rm -f "$dir.home"
}

# Stop the server but keep its data, and start it again (for outage tests).
halt() {
	h=$(home)
	as_pg "$bindir/pg_ctl" -D "$h/data" -m fast -w -t 60 stop >/dev/null
}
resume() {
	h=$(home)
	as_pg "$bindir/pg_ctl" -D "$h/data" -l "$h/server.log" -w -t 60 start >/dev/null
}

start() {
	stop
	h=$(home)
	mkdir -p "$h/sock"
	[ "$(id -u)" = 0 ] && chown postgres "$h" "$h/sock"
	# Clients connect as root or the build user: the socket is world-usable
	# because its directory lives in a private tree.
	chmod 0755 "$h/sock"
	as_pg "$bindir/initdb" -D "$h/data" -U postdesk --auth=trust -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$h/initdb.log" 2>&1 || { cat "$h/initdb.log" >&2; exit 1; }
	# Settings go into the cluster's own file, so that a restart keeps them.
	as_pg sh -c "cat >>'$h/data/postgresql.conf'" <<EOC
listen_addresses = ''
unix_socket_directories = '$h/sock'
port = $port
max_connections = 100
EOC
	# Tests need no durability; benchmarks (PG_DURABLE=1) measure it.
	[ -n "${PG_DURABLE:-}" ] ||
		as_pg sh -c "printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>'$h/data/postgresql.conf'"
	resume || { cat "$h/server.log" >&2; exit 1; }
}

case $cmd in
start) start ;;
ensure) running || start ;;
halt) halt ;;
resume) resume ;;
stop) stop ;;
createdb)
	h=$(home)
	psql -X -q -v ON_ERROR_STOP=1 -h "$h/sock" -p $port -U postdesk -d postgres \
		-c "CREATE DATABASE \"$3\"" >/dev/null
	echo "host=$h/sock port=$port user=postdesk dbname=$3"
	;;
socket) echo "$(home)/sock" ;;
log) echo "$(home)/server.log" ;;
*) echo "usage: pg.sh start|ensure|stop|halt|resume|createdb|socket|log DIR [NAME]" >&2; exit 2 ;;
esac
