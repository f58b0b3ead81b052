#!/bin/sh
# postfix.sh: a private Postfix instance for the end-to-end tests, built
# from the administrator's kit in contrib/postfix/ (the pipe transport, its
# main.cf lines, the transport map) and run beside any system Postfix: its
# own config, queue and data directories under DIR, SMTP on 127.0.0.1 (or
# $PF_ADDR, an address of a test's network namespace) on a free port only,
# nothing leaves it.
#   postfix.sh start DIR POSTDESK CONF [lmtp]  start it; print the SMTP port
#   postfix.sh stop DIR                 stop it (bounded wait), always safe
#   postfix.sh queue DIR                the queue as postqueue -j lines
#   postfix.sh flush DIR                retry deferred mail now
# Domains: helpdesk.test goes to "POSTDESK -c CONF deliver" through pipe(8)
# as user nobody, or with "lmtp" through lmtp(8) to the kit's LMTP socket
# (contrib/postfix's commented-out lmtp lines, uncommented):
# DIR/spool/postdesk/lmtp, in a directory made as the kit says (owner nobody,
# group postfix, set-group-ID), where the test's "postdesk server" (as
# nobody, server_allowed_users = postfix) listens; customer.test and agents.test are Maildirs under
# DIR/mailboxes/<domain>/<user>/ for the users in DIR/users (one address a
# line, written before start); otherdesk.test goes to tests/responder.sh (a
# robot that answers every mail). The log is DIR/maillog.
set -eu

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: postfix.sh start|stop|queue|flush DIR ..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
kit=$here/../contrib/postfix
PIPE_USER=nobody
ADDR=${PF_ADDR:-127.0.0.1}

# pf ARGS: postfix(1) on the private instance.
pf() { postfix -c "$dir/etc" "$@"; }

# free_port: a TCP port nobody listens on.
free_port() {
	i=0
	while [ $i -lt 50 ]; do
		i=$((i + 1))
		p=$(awk -v s="$$$i" 'BEGIN { srand(s); printf "%d", 20000 + int(rand() * 30000) }')
		ss -Hltn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# configure POSTDESK CONF PORT MODE: write etc/main.cf, etc/master.cf and
# the maps; MODE pipe or lmtp.
configure() {
	postdesk=$1 conf=$2 port=$3 mode=$4
	mkdir -p "$dir/etc" "$dir/spool" "$dir/data" "$dir/mailboxes"
	cat >"$dir/etc/main.cf" <<EOF
# the private instance of tests/postfix.sh
compatibility_level = 3.6
queue_directory = $dir/spool
data_directory = $dir/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.helpdesk.test
mydomain = helpdesk.test
mydestination =
inet_interfaces = $ADDR
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_peername_lookup = no
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
alias_maps =
alias_database =
local_recipient_maps =
biff = no
delay_warning_time = 0
default_transport = error:5.7.1 nothing leaves the test instance
relay_transport = error:5.7.1 nothing leaves the test instance
virtual_mailbox_domains = customer.test agents.test
virtual_mailbox_base = $dir/mailboxes
virtual_mailbox_maps = hash:$dir/etc/mailboxes
virtual_uid_maps = static:$(id -u $PIPE_USER)
virtual_gid_maps = static:$(id -g $PIPE_USER)
queue_run_delay = 300s
minimal_backoff_time = 300s

# --- contrib/postfix/main.cf, with the test's paths ---
EOF
	lmtp_on=
	[ "$mode" = lmtp ] && lmtp_on='s/^#\(lmtp_[a-z_]* = \)/\1/'
	sed -e "s|/etc/postfix/transport|$dir/etc/transport|" \
		-e "s|^relay_domains = .*|relay_domains = helpdesk.test otherdesk.test|" \
		-e "$lmtp_on" "$kit/main.cf" >>"$dir/etc/main.cf"
	cat >"$dir/etc/master.cf" <<EOF
# the private instance of tests/postfix.sh: no chroot, SMTP on $ADDR only
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	{
		echo "$ADDR:$port inet n - n - - smtpd"
		echo "# --- contrib/postfix/master.cf, with the test's paths ---"
		sed -e "s|user=postdesk|user=$PIPE_USER|" \
			-e "s|argv=/usr/local/sbin/postdesk deliver|argv=$postdesk -c $conf deliver|" \
			"$kit/master.cf"
		echo "responder unix - n n - - pipe"
		echo "  flags=R user=$PIPE_USER argv=/bin/sh $here/responder.sh $port \${sender} \${recipient}"
	} >>"$dir/etc/master.cf"
	{
		if [ "$mode" = lmtp ]; then
			sed -n 's/^#helpdesk\.example\.org\([[:space:]]*lmtp:unix:\)/helpdesk.test\1/p' "$kit/transport"
		else
			grep -v '^#' "$kit/transport" | sed 's/^helpdesk.example.org/helpdesk.test/'
		fi
		echo "otherdesk.test    responder:"
	} >"$dir/etc/transport"
	grep -q '^helpdesk.test' "$dir/etc/transport" || { echo "postfix.sh: no $mode line in $kit/transport" >&2; exit 1; }
	# the kit's socket directory (install -d -o postdesk -g postfix -m 2750)
	install -d -o "$PIPE_USER" -g postfix -m 2750 "$dir/spool/postdesk"
	: >"$dir/etc/mailboxes"
	[ -f "$dir/users" ] && while read -r a; do
		echo "$a ${a#*@}/${a%@*}/" >>"$dir/etc/mailboxes"
	done <"$dir/users"
	postmap "$dir/etc/transport" "$dir/etc/mailboxes"
	chown -R postfix "$dir/data"
	chown "$PIPE_USER" "$dir/mailboxes"
}

case $cmd in
start)
	[ $# -eq 4 ] || { [ $# -eq 5 ] && [ "$5" = lmtp ]; } ||
		{ echo "usage: postfix.sh start DIR POSTDESK CONF [lmtp]" >&2; exit 2; }
	command -v postfix >/dev/null || { echo "postfix.sh: no postfix (package postfix)" >&2; exit 1; }
	port=$(free_port)
	configure "$3" "$4" "$port" "${5:-pipe}"
	echo "$port" >"$dir/port"
	pf check >"$dir/start.log" 2>&1 || { cat "$dir/start.log" >&2; exit 1; }
	pf start >>"$dir/start.log" 2>&1 || { cat "$dir/start.log" "$dir/maillog" >&2 2>/dev/null; exit 1; }
	deadline=$(($(date +%s) + 15))
	until ss -Hltn "sport = :$port" 2>/dev/null | grep -q . || [ "$(date +%s)" -ge $deadline ]; do
		sleep 0.1
	done
	ss -Hltn "sport = :$port" | grep -q . || { echo "postfix.sh: smtpd not listening" >&2; cat "$dir/maillog" >&2; exit 1; }
	echo "$port"
	;;
stop)
	[ -f "$dir/etc/main.cf" ] || exit 0
	pid=$(cat "$dir/spool/pid/master.pid" 2>/dev/null | tr -d ' ' || true)
	pf stop >/dev/null 2>&1 || true
	deadline=$(($(date +%s) + 10))
	while [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt $deadline ]; do sleep 0.1; done
	[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
	exit 0
	;;
queue)
	postqueue -c "$dir/etc" -j 2>/dev/null || true
	;;
flush)
	postqueue -c "$dir/etc" -f
	;;
*)
	echo "postfix.sh: unknown command $cmd" >&2
	exit 2
	;;
esac
