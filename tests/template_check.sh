#!/bin/sh
# template_check.sh: "postdesk template check" over the shipped templates
# (all sixteen named here in every language, strict, no configuration needed with --dir)
# and over broken copies, whose errors must name the file and the line.
. "$TEST_SRCDIR/lib.sh"
plan 22

TEMPLATES=$TEST_SRCDIR/../templates
NAMES="ack notify_new notify_followup notify_note reply escalation reminder autoclose resolved_survey agent_error agent_unverified attachments bounce_notice low_rating digest report"
# no configuration file anywhere: --dir must not need one
POSTDESK_CONF=$T_DIR/no-such.conf
export POSTDESK_CONF

run "$POSTDESK" template check --dir "$TEMPLATES"
is "$RC" 0 "the shipped templates pass"
is "$(printf '%s\n' "$OUT" | grep -c '^ok ')" 84 "84 templates checked"
missing=
for lang in en pl cs ms; do
	for n in $NAMES; do
		printf '%s\n' "$OUT" | grep -qx "ok $lang/$n" || missing="$missing $lang/$n"
	done
done
is "$missing" "" "every name in every language listed as ok"
is "$ERR" "" "nothing on stderr"

# copies to break
fresh() {
	rm -rf "$T_DIR/t"
	cp -R "$TEMPLATES" "$T_DIR/t"
}

fresh
sed '12s/$/ {{oops/' "$TEMPLATES/pl/ack.tmpl" >"$T_DIR/t/pl/ack.tmpl"
run "$POSTDESK" template check --dir "$T_DIR/t"
is "$RC" 1 "a syntax error: exit 1 (permanent)"
like "$ERR" "FAIL pl/ack: .*/t/pl/ack.tmpl:12: unclosed tag" "the error names the template, FILE:LINE"
like "$ERR" "1 of 84 templates failed" "a summary line"
is "$(printf '%s\n' "$OUT" | grep -c '^ok ')" 83 "the other 83 still listed as ok"

fresh
printf 'Subject: [{{helpdesk_name}} #{{case_id}}] {{case_subject}}\n\n{{#if customer_name}}\nHi\n{{else}}\nHello {{custmer_name}},\n{{/if}}\n{{answer}}\n' \
	>"$T_DIR/t/cs/reply.tmpl"
run "$POSTDESK" template check --dir "$T_DIR/t"
like "$RC:$ERR" "^1:FAIL cs/reply: .*/t/cs/reply.tmpl:6: unknown variable 'custmer_name'" \
	"a misspelt variable in the branch not taken is found"

fresh
printf 'Subject: [{{helpdesk_name}} #{{case_id}}] x\n\n{{#each attachments}}\n{{filename}}\n{{/if}}\n' \
	>"$T_DIR/t/en/notify_new.tmpl"
printf 'Subject: [{{helpdesk_name}} #{{case_id}}] x\n\n{{#unless x}}\n' >"$T_DIR/t/ms/reminder.tmpl"
run "$POSTDESK" template check --dir "$T_DIR/t"
like "$ERR" "FAIL en/notify_new: .*notify_new.tmpl:5: \{\{/if\}\} closes the \{\{#each attachments\}\} of line 3" \
	"unbalanced each/if"
like "$ERR" "FAIL ms/reminder: .*reminder.tmpl:3: unknown directive" "unknown directive"
like "$ERR" "2 of 84 templates failed" "every error listed"

fresh
printf 'Subject: Your case {{case_subject}}\n\n{{case_id}}\n' >"$T_DIR/t/en/ack.tmpl"
run "$POSTDESK" template check --dir "$T_DIR/t"
like "$RC:$ERR" "^1:FAIL en/ack: .*does not start with a case tag" "a subject without the case tag fails"

fresh
rm "$T_DIR/t/ms/autoclose.tmpl"
printf 'Subject: x\n\nna\303\n' >"$T_DIR/t/pl/reminder.tmpl"
run "$POSTDESK" template check --dir "$T_DIR/t"
like "$ERR" "FAIL ms/autoclose: template 'autoclose' not found" "a missing template"
like "$ERR" "FAIL pl/reminder: .*reminder.tmpl:3: not valid UTF-8" "invalid UTF-8"

run "$POSTDESK" template check --dir "$T_DIR/nowhere"
like "$RC:$ERR" "^1:.*nowhere: not a directory" "--dir that does not exist"
run "$POSTDESK" template
is "$RC" 64 "template without an action: EX_USAGE"
run "$POSTDESK" template frob
is "$RC" 64 "unknown action: EX_USAGE"

# with a configuration file: template_dir over the installed ones, and the
# default language must have every template
fresh
write_conf "$T_DIR/c.conf" "dbname=unused"
sed -i "s|^template_dir = .*|template_dir = $T_DIR/t|" "$T_DIR/c.conf"
run "$POSTDESK" -c "$T_DIR/c.conf" template check
like "$RC:$(printf '%s\n' "$OUT" | grep -c '^ok ')" "^0:84$" "with a config: template_dir checked"
printf 'default_language = de\n' >>"$T_DIR/c.conf"
run "$POSTDESK" -c "$T_DIR/c.conf" template check
like "$RC:$ERR" "^1:FAIL de/ack: template 'ack' not found" "a default language without templates fails"
run "$POSTDESK" -c "$T_DIR/missing.conf" template check
is "$RC" 75 "without --dir the configuration is needed (unreadable: 75)"
run "$POSTDESK" --help
like "$OUT" "template +check that every template" "--help lists template"
finish
