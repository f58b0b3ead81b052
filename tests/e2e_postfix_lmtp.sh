#!/bin/sh
# e2e_postfix_lmtp.sh: the scenarios of tests/e2e_postfix.sh through
# Postfix's lmtp(8) to "postdesk server"'s LMTP socket instead of pipe(8)
# (contrib/postfix's LMTP lines; see E2E_TRANSPORT there).
E2E_TRANSPORT=lmtp
. "$TEST_SRCDIR/e2e_postfix.sh"
