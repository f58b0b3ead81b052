# cluster/pg.sh: a PostgreSQL primary and its synchronous streaming standby
# on two hosts of cluster/net.sh, as in production (sourced by
# tests/cluster.sh): TCP only, on the host's address only; TLS with
# certificates of a CA made here; scram-sha-256 passwords, which the
# clients read from passfiles. Everything lives under $PGHA (mode 0755,
# reachable by the postgres user). Needs on() from cluster/net.sh and
# PG_BINDIR.
#   pgha_ca HOST=ADDR...            the CA, and a server certificate per host
#   pgha_primary HOST ADDR          initdb, roles, database helpdesk; start
#   pgha_standby HOST ADDR PRIMARY PRIMARY_ADDR
#                                   pg_basebackup -R from the primary; start,
#                                   then make it the primary's synchronous standby
#   pgha_ctl HOST ARGS...           pg_ctl on HOST's data directory
#   PGHA_ADMIN                      conninfo of the superuser (for psql)
#   PGHA_APP                        conninfo fragment of the postdesk role
PGHA_PORT=5432

# as_pg CMD...: CMD as the postgres user (initdb and postgres refuse root).
as_pg() { runuser -u postgres -- "$@"; }

# pgha_ca HOST=ADDR...: a CA, and for each host a certificate naming
# HOST.cluster.test and ADDR, its key readable by postgres only.
pgha_ca() {
	ca=$PGHA/ca
	mkdir -p "$ca"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=postdesk cluster test CA" -keyout "$ca/ca.key" -out "$ca/ca.crt" 2>/dev/null || return 1
	for spec in "$@"; do
		h=${spec%%=*} a=${spec#*=}
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$h.cluster.test" \
			-keyout "$ca/$h.key" -out "$ca/$h.csr" 2>/dev/null || return 1
		printf 'subjectAltName = DNS:%s.cluster.test, IP:%s\n' "$h" "$a" >"$ca/$h.ext"
		openssl x509 -req -in "$ca/$h.csr" -CA "$ca/ca.crt" -CAkey "$ca/ca.key" -CAcreateserial -days 2 \
			-extfile "$ca/$h.ext" -out "$ca/$h.crt" 2>/dev/null || return 1
		chown postgres "$ca/$h.key" "$ca/$h.crt"
		chmod 0600 "$ca/$h.key"
	done
	chmod 0644 "$ca/ca.crt"
	chmod 0600 "$ca/ca.key"
}

# pgha_passwords: the roles' passwords and the passfiles that hold them:
# the superuser's for root's psql, the replication role's for the
# standby's walreceiver (owned by postgres), postdesk's for the programs.
pgha_passwords() {
	for r in pgadmin replicator postdesk; do
		openssl rand -hex 16 >"$PGHA/$r.pw"
		printf '*:%s:*:%s:%s\n' $PGHA_PORT "$r" "$(cat "$PGHA/$r.pw")" >"$PGHA/$r.pgpass"
		chmod 0600 "$PGHA/$r.pw" "$PGHA/$r.pgpass"
	done
	chown postgres "$PGHA/pgadmin.pw" "$PGHA/replicator.pgpass"
	PGHA_TLS="sslmode=verify-full sslrootcert=$PGHA/ca/ca.crt"
	PGHA_APP="port=$PGHA_PORT dbname=helpdesk user=postdesk passfile=$PGHA/postdesk.pgpass $PGHA_TLS"
}

# pgha_start HOST ADDR: start HOST's server on ADDR with its certificate.
pgha_start() {
	on "$1" runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$PGHA/$1" -l "$PGHA/$1.log" -w -t 60 \
		-o "-c listen_addresses=$2 -c ssl_cert_file=$PGHA/ca/$1.crt -c ssl_key_file=$PGHA/ca/$1.key" \
		start >/dev/null
}

# pgha_ctl HOST ARGS...: pg_ctl on HOST's data directory.
pgha_ctl() {
	_h=$1
	shift
	on "$_h" runuser -u postgres -- "$PG_BINDIR/pg_ctl" -D "$PGHA/$_h" "$@"
}

# pgha_primary HOST ADDR: a fresh primary; roles pgadmin (superuser),
# replicator (replication) and postdesk (owner of database helpdesk).
pgha_primary() {
	h=$1 a=$2
	pgha_passwords
	as_pg "$PG_BINDIR/initdb" -D "$PGHA/$h" -U pgadmin --pwfile="$PGHA/pgadmin.pw" --auth=scram-sha-256 \
		-E UTF8 --locale=C.UTF-8 --no-sync >"$PGHA/initdb.log" 2>&1 || { cat "$PGHA/initdb.log" >&2; return 1; }
	# Settings every host shares (the standby copies them); what differs
	# per host (the address, the certificate) goes on pg_ctl's command line.
	# fsync stays off: the test kills processes, not machines, so the
	# kernel keeps what was written; synchronous replication is what counts.
	as_pg sh -c "cat >>'$PGHA/$h/postgresql.conf'" <<EOC
port = $PGHA_PORT
unix_socket_directories = ''
ssl = on
ssl_ca_file = '$PGHA/ca/ca.crt'
password_encryption = scram-sha-256
wal_level = replica
max_wal_senders = 5
wal_keep_size = 256MB
hot_standby = on
synchronous_commit = on
max_connections = 100
shared_buffers = 32MB
fsync = off
full_page_writes = off
log_min_messages = warning
EOC
	as_pg sh -c "cat >'$PGHA/$h/pg_hba.conf'" <<EOC
# TLS and scram-sha-256 from the cluster's network only; no socket, no trust
hostssl all          all        10.231.0.0/24 scram-sha-256
hostssl replication  replicator 10.231.0.0/24 scram-sha-256
EOC
	pgha_start "$h" "$a" || { cat "$PGHA/$h.log" >&2; return 1; }
	PGHA_ADMIN="host=$a port=$PGHA_PORT user=pgadmin dbname=postgres passfile=$PGHA/pgadmin.pgpass $PGHA_TLS"
	on "$h" psql -X -q -v ON_ERROR_STOP=1 "$PGHA_ADMIN" >/dev/null <<EOS || return 1
CREATE ROLE replicator LOGIN REPLICATION PASSWORD '$(cat "$PGHA/replicator.pw")';
CREATE ROLE postdesk LOGIN PASSWORD '$(cat "$PGHA/postdesk.pw")';
CREATE DATABASE helpdesk OWNER postdesk;
EOS
}

# pgha_standby HOST ADDR PRIMARY PRIMARY_ADDR: a base backup of the primary
# (-R: a standby, streaming), started as a hot standby; then the primary
# waits for it at each commit (synchronous_standby_names).
pgha_standby() {
	h=$1 a=$2 p=$3 pa=$4
	src="host=$pa port=$PGHA_PORT user=replicator passfile=$PGHA/replicator.pgpass $PGHA_TLS"
	on "$h" runuser -u postgres -- "$PG_BINDIR/pg_basebackup" -d "$src" -D "$PGHA/$h" -R -X stream -c fast \
		--no-sync >"$PGHA/basebackup.log" 2>&1 || { cat "$PGHA/basebackup.log" >&2; return 1; }
	# the primary knows the standby by its application_name
	as_pg sh -c "echo \"primary_conninfo = '$src application_name=$h'\" >>'$PGHA/$h/postgresql.auto.conf'"
	pgha_start "$h" "$a" || { cat "$PGHA/$h.log" >&2; return 1; }
	on "$p" psql -X -q -v ON_ERROR_STOP=1 "$PGHA_ADMIN" \
		-c "ALTER SYSTEM SET synchronous_standby_names = '$h'" -c "SELECT pg_reload_conf()" >/dev/null || return 1
	_deadline=$(($(date +%s) + 30))
	until [ "$(on "$p" psql -X -At "$PGHA_ADMIN" -c "SELECT sync_state FROM pg_stat_replication
	     WHERE application_name = '$h' AND state = 'streaming'")" = sync ] || [ "$(date +%s)" -ge $_deadline ]; do
		sleep 0.1
	done
	[ "$(on "$p" psql -X -At "$PGHA_ADMIN" -c "SELECT sync_state FROM pg_stat_replication WHERE application_name = '$h'")" = sync ]
}
