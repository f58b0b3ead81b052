#!/bin/sh
# template_html.sh: the HTML part of every shipped template in every
# language, rendered with the sample data (signed tokens), parsed by
# libxml2's HTML parser (tests/htmlcheck.c): no parse error, nothing active,
# and every one-click action of the agents' mail a mailto: link to the
# case's agent or note token address with a command postdesk carries out.
. "$TEST_SRCDIR/lib.sh"
plan 4

KEY=$T_DIR/secret.key
POSTDESK_CONF=$T_DIR/c.conf
export POSTDESK_CONF
write_conf "$POSTDESK_CONF" "dbname=unused"
"$POSTDESK" keygen >/dev/null
run "$HTMLCHECK" --templates "$KEY" "$TEST_SRCDIR/../templates" "$T_DIR"
is "$RC" 0 "every template's HTML parses and its links check"
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | grep '^FAIL' | sed 's/^/# /'
is "$(printf '%s\n' "$OUT" | grep -c '^ok ')" 84 "84 templates checked"
# the agents' mail has the five actions (and the addresses as links)
like "$(printf '%s\n' "$OUT" | grep -E '^ok (en|pl|cs|ms)/(notify_new|notify_followup|notify_note|escalation):' |
	sed 's/.*: \([0-9]*\) links/\1/' | sort -u | tr '\n' ' ')" "^([5-9]|[1-9][0-9]) " \
	"agent mail: at least the five action links"
like "$(cat "$T_DIR/en-resolved_survey.html")" 'href="mailto:support\+re4711\.' "the survey's addresses are links"
finish
