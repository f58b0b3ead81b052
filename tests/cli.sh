#!/bin/sh
# cli.sh: command-line parsing, help, exit codes, config errors, keygen.
. "$TEST_SRCDIR/lib.sh"
plan 40

run "$POSTDESK" --version
is "$RC:$OUT" "0:postdesk 0.1.0" "--version"
run "$POSTDESK" --help
ok $RC "--help exits 0"
for c in db keygen queue calendar agent server; do
	printf '%s\n' "$OUT" | grep -q "^  $c "
	ok $? "--help lists $c"
done
run "$POSTDESK"
is "$RC" 64 "no command: EX_USAGE"
run "$POSTDESK" frobnicate
is "$RC" 64 "unknown command: EX_USAGE"
like "$ERR" "unknown command 'frobnicate'" "unknown command named"
run "$POSTDESK" --bogus
is "$RC" 64 "unknown global option: EX_USAGE"
run "$POSTDESK" queue --help
like "$RC:$OUT" "^0:usage:.*queue add NAME --address ADDR" "queue --help shows the synopsis"
run "$POSTDESK" queue add
is "$RC" 64 "queue add without a name: EX_USAGE"
run "$POSTDESK" queue list --colour
like "$RC:$ERR" "^64:.*colour" "unknown subcommand option: EX_USAGE, named"

# A mistake in the MTA's command line (master.cf) keeps the mail queued:
# 75 and one line starting 4.3.5, nothing on stderr; never 64, which bounces.
# mta_line ARGS...: deliver with ARGS; "RC:LINES:OUT:ERR".
mta_line() {
	run "$POSTDESK" "$@" </dev/null
	MTA="$RC:$(printf '%s\n' "$OUT" | wc -l | tr -d ' '):$OUT:$ERR"
}
mta_line --bogus deliver --recipient support@example.org
like "$MTA" "^75:1:4\.3\.5 postdesk: unknown option --bogus:$" "unknown global option before deliver: 75, one 4.3.5 line"
mta_line --cofnig /etc/postdesk.conf deliver --recipient support@example.org
like "$MTA" "^75:1:4\.3\.5 postdesk: unknown option --cofnig:$" "a misspelt -c with its value before deliver: 75, 4.3.5"
mta_line -c deliver --sender a@example.net --recipient support@example.org
like "$MTA" "^75:1:4\.3\.5 postdesk: unknown option --sender:$" "-c without its file before deliver: 75, 4.3.5"
mta_line deliver --recipient support@example.org --bogus
like "$MTA" "^75:1:4\.3\.5 deliver: option --bogus is unknown:$" "unknown option after deliver: 75, 4.3.5"
mta_line deliver --recipient support@example.org --sender
like "$MTA" "^75:1:4\.3\.5 deliver: option --sender needs a value:$" "a missing option value: 75, 4.3.5, named"
mta_line deliver --sender a@example.net
like "$MTA" "^75:1:4\.3\.5 deliver: --recipient is required" "no --recipient: 75, 4.3.5"
mta_line deliver --recipient support@example.org extra
like "$MTA" "^75:1:4\.3\.5 deliver: takes options only" "a stray argument: 75, 4.3.5"
mta_line -c "$T_DIR/missing.conf" deliver --recipient support@example.org
like "$MTA" "^75:1:4\.3\.5 cannot read .*missing\.conf.*:$" "unreadable -c file on the deliver path: 75, 4.3.5"
mta_line deliver --help
like "$MTA" "^0:2:usage:.*deliver --recipient ADDR" "deliver --help still prints the synopsis, exit 0"
run "$POSTDESK" -c
like "$RC:$ERR" "^64:postdesk: option -c needs a value" "-c without a value, no command: EX_USAGE"

# configuration errors
cat >"$T_DIR/bad.conf" <<EOC
database = dbname=x
secret_key_file = $T_DIR/k
# a comment
smtp_servr = localhost:25
EOC
run "$POSTDESK" -c "$T_DIR/bad.conf" queue list
is "$RC" 1 "unknown key: non-zero exit (1, permanent)"
like "$ERR" "bad.conf:4: unknown key 'smtp_servr'" "message names FILE:LINE and the key"
POSTDESK_CONF=$T_DIR/bad.conf run "$POSTDESK" queue list
like "$ERR" "bad.conf:4:" "\$POSTDESK_CONF is used when -c is absent"
run "$POSTDESK" -c "$T_DIR/missing.conf" queue list
like "$RC:$ERR" "^75:.*cannot read .*missing.conf" "unreadable config: temporary (75)"

# keygen
write_conf "$T_DIR/k.conf" "dbname=unused"
run "$POSTDESK" -c "$T_DIR/k.conf" keygen
like "$RC:$OUT" "^0:.*key version 1 written" "keygen writes version 1"
is "$(stat -c %a "$T_DIR/secret.key")" 600 "key file mode 0600"
run "$POSTDESK" -c "$T_DIR/k.conf" keygen
like "$RC:$ERR" "^1:.*already exists" "keygen refuses to overwrite"
run "$POSTDESK" -c "$T_DIR/k.conf" keygen --rotate
like "$RC:$OUT" "^0:.*key version 2 written" "keygen --rotate adds version 2"
is "$(wc -l <"$T_DIR/secret.key" | tr -d ' ')" 2 "both keys kept"
# a key file others may write (add a key, forge tokens) or read is refused
chmod 0602 "$T_DIR/secret.key"
run "$POSTDESK" -c "$T_DIR/k.conf" keygen --rotate
like "$RC:$ERR" "^1:.*secret.key has mode 0602: it must not be writable by group or others" "key file mode 0602: refused, mode named"
chmod 0600 "$T_DIR/secret.key"
# a configuration file group or others may write: one warning in the log
chmod 0662 "$T_DIR/k.conf"
run "$POSTDESK" -c "$T_DIR/k.conf" keygen
is "$RC:$(printf '%s\n' "$ERR" | grep -c 'warning: .*k.conf has mode 0662')" "1:1" "config file mode 0662: one warning"
chmod 0640 "$T_DIR/k.conf"
run "$POSTDESK" -c "$T_DIR/k.conf" keygen
is "$RC:$(printf '%s\n' "$ERR" | grep -c 'warning')" "1:0" "config file mode 0640: no warning"

# postdesk runs postdesk-core from its own directory, else from libexec; a
# postdesk without its core says so (and deliver still exits only 75).
mkdir -p "$T_DIR/alone"
cp "$POSTDESK" "$T_DIR/alone/postdesk"
core=$(strings "$POSTDESK" | grep '/postdesk$' | grep libexec | head -n 1)/postdesk-core
if [ -e "$core" ]; then
	ok 0 "# SKIP $core is installed here"
	ok 0 "# SKIP $core is installed here"
	ok 0 "# SKIP $core is installed here"
else
	run "$T_DIR/alone/postdesk" --version
	like "$RC:$ERR" "^69:postdesk: cannot run .*/postdesk-core: No such file" "no postdesk-core: exit 69, named"
	run "$T_DIR/alone/postdesk" deliver --recipient support@example.org </dev/null
	like "$RC:$OUT" "^75:4\.3\.0 cannot run .*/postdesk-core" "deliver without postdesk-core: 75 and a 4.3.0 line"
	run "$T_DIR/alone/postdesk" --bogus deliver --recipient support@example.org </dev/null
	like "$RC:$OUT" "^75:4\.3\.0 cannot run .*/postdesk-core" "... also with a mistake before deliver: 75, not 69"
fi
finish
