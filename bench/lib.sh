# lib.sh: what the benchmarks share; sourced with top, build, work and
# POSTDESK set. bench_setup starts a private PostgreSQL cluster and smtp-sink
# under $work (both stopped on exit), writes $work/postdesk.conf for them
# (POSTDESK_CONF; extra lines come on stdin), makes a key and the schema,
# queue "support" and agent alice; sql runs one statement. bench_helpdesk
# makes the schema, the queue and the agent in POSTDESK_CONF's database.
# message writes one generated message (plain, HTML, ISO-8859-2,
# windows-1250 or with an attachment).
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

# message KIND N TAG [TO [IN-REPLY-TO [SIZE [WHO [DOMAIN]]]]]: one generated
# message on stdout, from customer c<N>.<WHO>@DOMAIN (WHO: TAG unless given;
# DOMAIN: example.net).
message() {
	kind=$1 n=$2 tag=$3 to=${4:-support@example.org} irt=${5:-} who=${7:-$3} dom=${8:-example.net}
	printf 'From: Customer %s <c%s.%s@%s>\nTo: %s\nSubject: Order %s %s\n' "$n" "$n" "$who" "$dom" "$to" "$n" "$tag"
	printf 'Date: Mon, 23 Nov 2026 10:00:00 +0100\nMessage-ID: <%s.%s@example.net>\nMIME-Version: 1.0\n' "$tag" "$n"
	[ -n "$irt" ] && printf 'In-Reply-To: <%s>\nReferences: <%s>\n' "$irt" "$irt"
	case $kind in
	plain)
		printf 'Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\n'
		for line in 1 2 3 4 5 6 7 8 9 10 11 12; do
			printf 'Zażółć gęślą jaźń: line %s of my question about order %s.\n' "$line" "$n"
		done
		;;
	html)
		printf 'Content-Type: multipart/alternative; boundary="b%s"\n\n--b%s\n' "$n" "$n"
		printf 'Content-Type: text/plain; charset=UTF-8\n\nWhere is order %s?\n--b%s\n' "$n" "$n"
		printf 'Content-Type: text/html; charset=UTF-8\n\n<html><body><p>Where is <b>order %s</b>?</p><table><tr><td>a</td></tr></table></body></html>\n--b%s--\n' "$n" "$n"
		;;
	latin2)
		printf 'Content-Type: text/plain; charset=ISO-8859-2\nContent-Transfer-Encoding: 8bit\n\n'
		printf 'Dzie\361 dobry, zam\363wienie %s nie dotar\263o.\n' "$n"
		;;
	cp1250)
		printf 'Content-Type: text/plain; charset=windows-1250\nContent-Transfer-Encoding: quoted-printable\n\n'
		printf 'P=F8=EDli=B9 =9Elu=9Dou=E8k=FD k=F9=F2, objedn=E1vka %s.\n' "$n"
		;;
	attach)
		size=$6
		printf 'Content-Type: multipart/mixed; boundary="m%s"\n\n--m%s\n' "$n" "$n"
		printf 'Content-Type: text/plain; charset=UTF-8\n\nThe invoice is attached.\n--m%s\n' "$n"
		printf 'Content-Type: application/pdf; name="invoice-%s.pdf"\nContent-Disposition: attachment; filename="invoice-%s.pdf"\nContent-Transfer-Encoding: base64\n\n' "$n" "$n"
		head -c "$size" /dev/urandom | base64 -w 76
		printf -- '--m%s--\n' "$n"
		;;
	esac
}
