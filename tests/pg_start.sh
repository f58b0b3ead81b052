#!/bin/sh
# pg_start.sh: start the private PostgreSQL cluster that the DB tests share.
. "$TEST_SRCDIR/lib.sh"
plan 2
sh "$TEST_SRCDIR/pg.sh" start "$TEST_BUILDDIR" >"$T_DIR/log" 2>&1
ok $? "private PostgreSQL cluster started under the build tree"
sock=$(sh "$TEST_SRCDIR/pg.sh" socket "$TEST_BUILDDIR")
v=$(psql -X -At -h "$sock" -p 54329 -U postdesk -d postgres -c 'SHOW server_version_num' 2>&1)
like "$v" '^1[5-9][0-9]{4}$' "server answers on its private socket (version $v)"
finish
