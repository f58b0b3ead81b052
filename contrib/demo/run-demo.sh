#!/bin/bash
# run-demo.sh: postdesk on one machine, from a clean clone: install missing
# packages, build, start a private PostgreSQL under build/demo/, set up a
# calendar, a queue and an agent, and (once "postdesk deliver" exists) feed
# it a customer's mail and show the case and the mail it would send.
#   sudo contrib/demo/run-demo.sh
# Every run starts from scratch; the cluster is stopped at the end.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
demo=$top/build/demo
postdesk=$top/build/postdesk

# step TEXT: say what the next step does.
step() {
	echo
	echo "==> $*"
}

# pd ARGS...: show a postdesk command line, then run it (with a deadline).
pd() {
	printf '$ postdesk'
	for a in "$@"; do
		case $a in
		*' '*) printf " '%s'" "$a" ;;
		*) printf ' %s' "$a" ;;
		esac
	done
	echo
	timeout -k 5 60 "$postdesk" "$@"
}

# has_command NAME: whether this build of postdesk has that subcommand.
has_command() {
	timeout -k 5 10 "$postdesk" "$1" --help >/dev/null 2>&1
}

# sql QUERY...: run queries in the demo database (psql prints a table).
sql() {
	timeout -k 5 60 psql -X -q -v ON_ERROR_STOP=1 "$conninfo" "$@"
}

step "Install missing packages (tests/deps.sh) and build postdesk in build/"
bash tests/run-all.sh --build-only

step "Start a private PostgreSQL cluster under build/demo/ (Unix socket only)"
# A fresh start every time: stop what an earlier run may have left.
sh tests/pg.sh stop "$demo" >/dev/null 2>&1 || true
rm -rf "$demo"
mkdir -p "$demo"
trap 'echo; echo "==> Stop the demo cluster"; sh "$top/tests/pg.sh" stop "$demo" || true' EXIT
timeout -k 5 120 sh tests/pg.sh start "$demo"
conninfo=$(timeout -k 5 60 sh tests/pg.sh createdb "$demo" postdesk_demo)
echo "database: $conninfo"

step "Write the demo configuration build/demo/postdesk.conf"
cat >"$demo/postdesk.conf" <<EOF
# postdesk demo configuration, written by contrib/demo/run-demo.sh
database = $conninfo
secret_key_file = $demo/secret.key
log_destination = stderr
helpdesk_name = Example Support
template_dir = $top/templates
# Nothing listens on port 9: outgoing mail stays in the outbox table, where
# the demo shows it, instead of going anywhere.
smtp_server = 127.0.0.1:9
db_connect_timeout = 5s
db_statement_timeout = 20s
EOF
cat "$demo/postdesk.conf"
POSTDESK_CONF=$demo/postdesk.conf
export POSTDESK_CONF

step "Generate the secret key (signs reply addresses and Message-IDs)"
pd keygen
ls -l "$demo/secret.key"

step "Create the schema"
pd db migrate
pd db status

step "Add a business-hours calendar, a queue with service levels, an agent"
year=$(date +%Y)
pd calendar add office --tz Europe/Copenhagen --hours 'mon-fri 08:00-16:00' \
	--holiday "$year-12-25" --holiday "$year-12-26"
pd queue add support --address support@example.org --language en \
	--first-response 4h --next-response 8h --resolution 3d --calendar office \
	--escalate-to support-lead@example.org
pd agent add alice@example.org --name 'Alice Berg' --queue support

step "What is set up"
pd queue list
pd agent list
pd calendar list

if ! has_command deliver; then
	step "This build has no 'postdesk deliver' yet: the mail part of the demo is skipped"
	exit 0
fi

step "A customer writes to support@example.org (contrib/demo/sample-mail.eml)"
sed -n '/^From:/p; /^To:/p; /^Subject:/p' contrib/demo/sample-mail.eml
echo "The MTA pipes the message to postdesk deliver on stdin, as Postfix's pipe(8) would:"
rc=0
pd deliver --sender maria.jensen@example.net --recipient support@example.org \
	--original-recipient support@example.org --queue-id DEMO1 \
	<contrib/demo/sample-mail.eml || rc=$?
if [ "$rc" -ne 0 ]; then
	echo "run-demo.sh: postdesk deliver failed with exit code $rc" >&2
	exit 1
fi
echo "exit code 0: stored"

if has_command case; then
	step "The case it opened"
	pd case list
	pd case show 1
else
	step "This build has no 'postdesk case' yet: showing the case is skipped"
fi

step "The mail postdesk queued to send (table outbox)"
sql -c "SELECT id, case_id, kind, envelope_from, recipients, status, attempts, last_error
	FROM outbox ORDER BY id"
sql -At -c "SELECT '----- outbox ' || id || ' (' || kind || ') -----' || chr(10) ||
	encode(raw, 'escape') FROM outbox ORDER BY id"
