/* floor.c: the least any pipe filter with a durable database can do, as
 * the reference for postdesk deliver's speed (issue 7): read the message
 * on stdin, connect to PostgreSQL over its Unix socket, insert the raw
 * message in one row, commit (autocommit), exit.
 *   floor CONNINFO < message
 * The table: CREATE TABLE floor_messages (id bigserial PRIMARY KEY,
 * raw bytea NOT NULL, created timestamptz NOT NULL DEFAULT now()). */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

/* Read all of stdin into *buf_r; its length, or -1. */
static long floor_read(char **buf_r)
{
	size_t cap = 1 << 16, len = 0, n;
	char *buf = malloc(cap);

	*buf_r = NULL;
	while (buf != NULL && (n = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += n;
		if (len == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (bigger == NULL)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	if (buf == NULL || ferror(stdin) || len == cap) {
		free(buf);
		return -1;
	}
	*buf_r = buf;
	return (long)len;
}

int main(int argc, char **argv)
{
	PGconn *conn;
	PGresult *res;
	char *raw;
	long len;
	int ok;

	if (argc != 2) {
		fprintf(stderr, "usage: floor CONNINFO < message\n");
		return 2;
	}
	len = floor_read(&raw);
	if (len < 0)
		return 75;
	conn = PQconnectdb(argv[1]);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "floor: %s", PQerrorMessage(conn));
		PQfinish(conn);
		free(raw);
		return 75;
	}
	{
		const char *params[1] = { raw };
		const int lengths[1] = { (int)len }, formats[1] = { 1 };

		res = PQexecParams(conn, "INSERT INTO floor_messages (raw) VALUES ($1)", 1, NULL, params,
				   lengths, formats, 0);
	}
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "floor: %s", PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	free(raw);
	return ok ? 0 : 75;
}
