#!/bin/sh
# pg_stop.sh: stop the private PostgreSQL cluster after the DB tests.
. "$TEST_SRCDIR/lib.sh"
plan 2
sock=$(sh "$TEST_SRCDIR/pg.sh" socket "$TEST_BUILDDIR")
sh "$TEST_SRCDIR/pg.sh" stop "$TEST_BUILDDIR" >"$T_DIR/log" 2>&1
ok $? "cluster stopped"
test ! -e "$sock/.s.PGSQL.54329"
ok $? "its socket is gone"
finish
