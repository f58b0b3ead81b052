/* store.c: the SQL on cases, customers, messages, attachments, watchers and
 * events (see store.h). Parameters only, never data in SQL text. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "store.h"

/* Run a query that returns one bigint or no row; *id_r = 0 when no row or NULL. */
static int store_query_ll(struct db *db, const char *sql, int n, const char *const *params, long long *id_r,
			  struct fault *f)
{
	PGresult *res = db_exec(db, sql, n, params, f);

	if (res == NULL)
		return -1;
	*id_r = PQntuples(res) > 0 ? db_get_ll(res, 0, 0) : 0;
	PQclear(res);
	return 0;
}

/* Run a query whose rows' first column is text, appending copies to list. */
static int store_query_texts(struct db *db, const char *sql, int n, const char *const *params, GPtrArray *list,
			     struct fault *f)
{
	PGresult *res = db_exec(db, sql, n, params, f);
	int i;

	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		g_ptr_array_add(list, g_strdup(PQgetvalue(res, i, 0)));
	PQclear(res);
	return 0;
}

/* The id of the customer whose address, or alias, the text parameter p is
 * (SQL NULL when none): a customer's aliases write as the customer. */
#define STORE_CUSTOMER_OF(p) \
	"(SELECT id FROM customers WHERE email = " p \
	" UNION ALL SELECT customer_id FROM customer_aliases WHERE address = " p " LIMIT 1)"

/* A status read from the database (the CHECK constraint allows no other). */
static enum case_status store_status(const char *name)
{
	enum case_status s = CASE_OPEN;

	(void)model_status_parse(name, &s);
	return s;
}

/* ---- events ---------------------------------------------------------- */

int store_event(struct db *db, long long case_id, enum event_type type, const char *actor,
		const char *detail, struct fault *f)
{
	return db_run(db, "INSERT INTO events (case_id, type, actor, detail) VALUES ($1, $2, $3, $4)", 4,
		      (const char *[]){ DB_ID(case_id), model_event_name(type), actor, detail }, f);
}

/* ---- queues and agents ------------------------------------------------- */

int store_queue_find(struct db *db, const char *addr, long long *id_r, char **addr_r, struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT id, address FROM queues WHERE address = $1", 1,
				(const char *[]){ addr }, f);

	*id_r = 0;
	*addr_r = NULL;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*id_r = db_get_ll(res, 0, 0);
		*addr_r = g_strdup(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return 0;
}

int store_agent_active(struct db *db, const char *email, long long *id_r, struct fault *f)
{
	*id_r = 0;
	if (email == NULL)
		return 0;
	return store_query_ll(db, "SELECT id FROM agents WHERE email = $1 AND active", 1,
			      (const char *[]){ email }, id_r, f);
}

int store_agent_find(struct db *db, const char *email, long long *id_r, struct fault *f)
{
	return store_query_ll(db, "SELECT id FROM agents WHERE email = $1", 1, (const char *[]){ email }, id_r, f);
}

int store_agent_get(struct db *db, long long agent_id, char **name_r, char **email_r, struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT name, email FROM agents WHERE id = $1", 1,
				(const char *[]){ DB_ID(agent_id) }, f);

	*name_r = *email_r = NULL;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*name_r = g_strdup(db_value(res, 0, 0));
		*email_r = g_strdup(db_value(res, 0, 1));
	}
	PQclear(res);
	return 0;
}

PGresult *store_agents_to_notify(struct db *db, long long queue_id, long long assignee_id,
				 long long author_id, bool note, struct fault *f)
{
	return db_exec(db,
		       "SELECT a.email, a.name FROM agents a WHERE a.active AND a.id <> $3 AND"
		       " (a.id = $2 OR ($2 = 0 AND a.id IN (SELECT agent_id FROM agent_queues WHERE queue_id = $1))"
		       " OR ($4 AND a.id IN (SELECT agent_id FROM agent_queues WHERE queue_id = $1)))"
		       " ORDER BY a.email",
		       4, (const char *[]){ DB_ID(queue_id), DB_ID(assignee_id), DB_ID(author_id), note ? "t" : "f" },
		       f);
}

int store_agents_to_escalate(struct db *db, long long case_id, GPtrArray *to, struct fault *f)
{
	return store_query_texts(db,
		"SELECT a.email FROM cases c JOIN agents a ON a.active AND (a.id = c.assignee_id OR"
		" (NOT EXISTS (SELECT 1 FROM agents x WHERE x.id = c.assignee_id AND x.active)"
		"  AND a.id IN (SELECT agent_id FROM agent_queues WHERE queue_id = c.queue_id)))"
		" WHERE c.id = $1 ORDER BY a.email", 1, (const char *[]){ DB_ID(case_id) }, to, f);
}

/* ---- customers --------------------------------------------------------- */

int store_customer_upsert(struct db *db, const char *email, const char *name, long long *id_r, struct fault *f)
{
	/* an alias's mail is its customer's: no customer of its own */
	return store_query_ll(db,
			      "WITH alias AS (SELECT customer_id AS id FROM customer_aliases WHERE address = $1),"
			      " ins AS (INSERT INTO customers (email, name) SELECT $1, $2"
			      "  WHERE NOT EXISTS (SELECT 1 FROM alias)"
			      "  ON CONFLICT (email) DO UPDATE SET name = coalesce(customers.name, EXCLUDED.name)"
			      "  RETURNING id)"
			      " SELECT id FROM alias UNION ALL SELECT id FROM ins", 2, (const char *[]){ email, name },
			      id_r, f);
}

int store_language_seen(struct db *db, long long case_id, const char *email, const char *language,
			bool from_header, struct fault *f)
{
	if (db_run(db,
		   "UPDATE customers SET language = $2, language_source = CASE WHEN $3 THEN 'header' ELSE 'guess' END"
		   " WHERE id = " STORE_CUSTOMER_OF("$1") " AND ($3 OR language_source IS DISTINCT FROM 'header')",
		   3, (const char *[]){ email, language, from_header ? "t" : "f" }, f) < 0)
		return -1;
	return db_run(db,
		      "UPDATE cases SET language = $3 WHERE id = $1 AND language IS NULL"
		      " AND customer_id = " STORE_CUSTOMER_OF("$2"),
		      3, (const char *[]){ DB_ID(case_id), email, language }, f);
}

int store_customer_bounced(struct db *db, const char *email, const char *detail, struct fault *f)
{
	return db_run(db, "UPDATE customers SET bounced_at = now(), bounce_info = $2 WHERE email = $1", 2,
		      (const char *[]){ email, detail }, f);
}

int store_auto_mail_count(struct db *db, const char *addr, long long *count_r, struct fault *f)
{
	return store_query_ll(db,
			      "INSERT INTO auto_mail_counts (address, day, count) VALUES ($1, current_date, 1)"
			      " ON CONFLICT (address, day) DO UPDATE SET count = auto_mail_counts.count + 1"
			      " RETURNING count", 1, (const char *[]){ addr }, count_r, f);
}

/* ---- cases ------------------------------------------------------------- */

int store_case_create(struct db *db, long long queue_id, long long customer_id, const char *subject,
		      bool quarantined, long long linked_id, long long *id_r, struct fault *f)
{
	return store_query_ll(db,
			      "INSERT INTO cases (queue_id, customer_id, subject, quarantined, linked_case_id)"
			      " VALUES ($1, $2, $3, $4, $5) RETURNING id",
			      5, (const char *[]){ DB_ID(queue_id), DB_ID_OR_NULL(customer_id), subject,
						   quarantined ? "t" : "f", DB_ID_OR_NULL(linked_id) }, id_r, f);
}

int store_case_exists(struct db *db, long long id, bool *yes_r, struct fault *f)
{
	long long found;

	if (store_query_ll(db, "SELECT id FROM cases WHERE id = $1", 1, (const char *[]){ DB_ID(id) }, &found, f) < 0)
		return -1;
	*yes_r = found != 0;
	return 0;
}

int store_case_lock(struct db *db, long long id, enum case_status *status_r, long long *closed_age_r,
		    struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT status, extract(epoch FROM now() - closed_at)::bigint"
				" FROM cases WHERE id = $1 FOR UPDATE", 1, (const char *[]){ DB_ID(id) }, f);

	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return fault_perm(f, "case %lld vanished", id);
	}
	*status_r = store_status(PQgetvalue(res, 0, 0));
	*closed_age_r = db_get_ll(res, 0, 1);
	PQclear(res);
	return 0;
}

/* Whether the query sql finds a row for the case ($1) and addr ($2);
 * false when there is no addr. */
static int store_case_finds(struct db *db, const char *sql, long long case_id, const char *addr, bool *yes_r,
			    struct fault *f)
{
	long long n;

	*yes_r = false;
	if (addr == NULL)
		return 0;
	if (store_query_ll(db, sql, 2, (const char *[]){ DB_ID(case_id), addr }, &n, f) < 0)
		return -1;
	*yes_r = n == 1;
	return 0;
}

int store_case_participant(struct db *db, long long case_id, const char *addr, bool *yes_r, struct fault *f)
{
	return store_case_finds(db,
				"SELECT 1 FROM cases c WHERE c.id = $1 AND c.customer_id = " STORE_CUSTOMER_OF("$2")
				" UNION ALL SELECT 1 FROM watchers WHERE case_id = $1 AND address = $2"
				" UNION ALL SELECT 1 FROM cases c JOIN agents a ON a.id = c.assignee_id"
				" WHERE c.id = $1 AND a.email = $2 LIMIT 1", case_id, addr, yes_r, f);
}

int store_case_info(struct db *db, long long id, const char *default_language, struct store_case_info *c,
		    struct fault *f)
{
	enum { C_SUBJECT, C_STATUS, C_EMAIL, C_NAME, C_LANGUAGE, C_QUEUE, C_QUEUE_NAME, C_QUEUE_ADDR,
	       C_FIRST_RESPONSE, C_ASSIGNEE, C_BOUNCED };
	PGresult *res = db_exec(db,
		"SELECT c.subject, c.status, cu.email, cu.name,"
		" coalesce(c.language, cu.language, q.language, $2), q.id, q.name, q.address,"
		" q.first_response_s, c.assignee_id, cu.bounced_at IS NOT NULL"
		" FROM cases c JOIN queues q ON q.id = c.queue_id"
		" LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1",
		2, (const char *[]){ DB_ID(id), default_language }, f);

	memset(c, 0, sizeof(*c));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return fault_perm(f, "case %lld vanished", id);
	}
	c->id = id;
	c->subject = g_strdup(db_value(res, 0, C_SUBJECT));
	c->status = store_status(PQgetvalue(res, 0, C_STATUS));
	c->customer_email = g_strdup(db_value(res, 0, C_EMAIL));
	c->customer_name = g_strdup(db_value(res, 0, C_NAME));
	c->language = g_strdup(db_value(res, 0, C_LANGUAGE));
	c->queue_id = db_get_ll(res, 0, C_QUEUE);
	c->queue_name = g_strdup(db_value(res, 0, C_QUEUE_NAME));
	c->queue_addr = g_strdup(db_value(res, 0, C_QUEUE_ADDR));
	c->first_response_s = db_get_ll(res, 0, C_FIRST_RESPONSE);
	c->assignee_id = db_get_ll(res, 0, C_ASSIGNEE);
	c->bounced = db_get_bool(res, 0, C_BOUNCED);
	PQclear(res);
	return 0;
}

void store_case_info_clear(struct store_case_info *c)
{
	g_free(c->subject);
	g_free(c->customer_email);
	g_free(c->customer_name);
	g_free(c->language);
	g_free(c->queue_name);
	g_free(c->queue_addr);
	memset(c, 0, sizeof(*c));
}

int store_case_touch(struct db *db, long long id, struct fault *f)
{
	return db_run(db, "UPDATE cases SET updated = now() WHERE id = $1", 1, (const char *[]){ DB_ID(id) }, f);
}

int store_case_rate(struct db *db, long long id, int rating, const char *comment, struct fault *f)
{
	return db_run(db, "UPDATE cases SET rating = $2, rating_comment = $3, rated_at = now() WHERE id = $1", 3,
		      (const char *[]){ DB_ID(id), DB_ID(rating), comment }, f);
}

int store_case_assign(struct db *db, long long id, const char *email, char *old_r, struct fault *f)
{
	PGresult *res = db_exec(db, "UPDATE cases c SET assignee_id = (SELECT id FROM agents WHERE email = $2),"
				" updated = now() FROM cases old LEFT JOIN agents a ON a.id = old.assignee_id"
				" WHERE c.id = $1 AND old.id = c.id RETURNING coalesce(a.email, 'nobody')",
				2, (const char *[]){ DB_ID(id), email }, f);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return fault_perm(f, "no case %lld", id);
	}
	snprintf(old_r, 256, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int store_case_assign_id(struct db *db, long long id, long long agent_id, struct fault *f)
{
	return db_run(db, "UPDATE cases SET assignee_id = $2 WHERE id = $1", 2,
		      (const char *[]){ DB_ID(id), DB_ID(agent_id) }, f);
}

int store_case_set_priority(struct db *db, long long id, enum case_priority priority, struct fault *f)
{
	return db_run(db, "UPDATE cases SET priority = $2, updated = now() WHERE id = $1", 2,
		      (const char *[]){ DB_ID(id), model_priority_name(priority) }, f);
}

int store_case_answered(struct db *db, long long id, struct fault *f)
{
	return db_run(db, "UPDATE cases SET first_response_at = coalesce(first_response_at, now()),"
		      " last_reply_at = now(), updated = now(), escalation_level = 0, escalation_next = NULL,"
		      " escalated_until = greatest(escalated_until, now()) WHERE id = $1", 1,
		      (const char *[]){ DB_ID(id) }, f);
}

int store_case_set_status(struct db *db, long long id, enum case_status status, long long now,
			  enum case_status *old_r, struct fault *f)
{
	PGresult *res = db_exec(db,
		"UPDATE cases c SET status = $2, updated = now(),"
		" pending_since = CASE WHEN $2 = 'pending' THEN coalesce(c.pending_since, to_timestamp($3::float8), now()) END,"
		" reminded_at = CASE WHEN $2 = 'pending' THEN c.reminded_at END,"
		" resolved_at = CASE WHEN $2 IN ('resolved', 'closed') THEN coalesce(c.resolved_at, to_timestamp($3::float8), now()) END,"
		" resolution_business_s = CASE WHEN $2 IN ('resolved', 'closed') THEN c.resolution_business_s END,"
		" closed_at = CASE WHEN $2 = 'closed' THEN coalesce(c.closed_at, to_timestamp($3::float8), now()) END"
		" FROM cases old WHERE c.id = $1 AND old.id = c.id RETURNING old.status",
		3, (const char *[]){ DB_ID(id), model_status_name(status), DB_ID_OR_NULL(now) }, f);

	if (res == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return fault_perm(f, "no case %lld", id);
	}
	if (old_r != NULL)
		*old_r = store_status(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int store_case_sla_read(struct db *db, long long id, long long now, struct store_case_sla *s, struct fault *f)
{
	enum { S_STATUS, S_CREATED, S_PAUSED_AT, S_PAUSED_S, S_LAST_REPLY, S_FIRST, S_NEXT, S_RESOLUTION,
	       S_CALENDAR, S_UNANSWERED, S_NOW, S_SPAM, S_FIRST_AT, S_RESOLVED_AT };
	PGresult *res = db_exec(db,
		"SELECT c.status, " DB_EPOCH("c.created") ", " DB_EPOCH("c.paused_at") ", c.paused_s,"
		" " DB_EPOCH("c.last_reply_at") ", q.first_response_s, q.next_response_s, q.resolution_s,"
		" q.calendar_id, (SELECT " DB_EPOCH("min(m.created)") " FROM messages m WHERE m.case_id = c.id"
		"  AND m.direction = 'in' AND m.kind = 'customer' AND m.classification = 'normal'"
		"  AND m.created > c.last_reply_at),"
		" CASE WHEN $2 = '0' THEN " DB_EPOCH("now()") " ELSE $2::bigint END, c.spam,"
		" " DB_EPOCH("CASE WHEN c.first_response_business_s IS NULL THEN c.first_response_at END") ","
		" " DB_EPOCH("CASE WHEN c.resolution_business_s IS NULL THEN c.resolved_at END")
		" FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id = $1 FOR UPDATE OF c",
		2, (const char *[]){ DB_ID(id), DB_ID(now) }, f);

	memset(s, 0, sizeof(*s));
	if (res == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return fault_perm(f, "case %lld vanished", id);
	}
	s->status = store_status(PQgetvalue(res, 0, S_STATUS));
	s->created = db_get_ll(res, 0, S_CREATED);
	s->paused_at = db_get_ll(res, 0, S_PAUSED_AT);
	s->paused_s = db_get_ll(res, 0, S_PAUSED_S);
	s->last_reply = db_get_ll(res, 0, S_LAST_REPLY);
	s->first_s = db_get_ll(res, 0, S_FIRST);
	s->next_s = db_get_ll(res, 0, S_NEXT);
	s->resolution_s = db_get_ll(res, 0, S_RESOLUTION);
	s->calendar_id = g_strdup(db_value(res, 0, S_CALENDAR));
	s->unanswered = db_get_ll(res, 0, S_UNANSWERED);
	s->now = db_get_ll(res, 0, S_NOW);
	s->spam = db_get_bool(res, 0, S_SPAM);
	s->first_at = db_get_ll(res, 0, S_FIRST_AT);
	s->resolved_at = db_get_ll(res, 0, S_RESOLVED_AT);
	PQclear(res);
	return 0;
}

int store_case_sla_write(struct db *db, long long id, long long first_due, long long next_due,
			 long long resolution_due, long long paused_s, long long paused_at, struct fault *f)
{
	return db_run(db,
		      "UPDATE cases SET first_response_due = to_timestamp($2::float8),"
		      " next_response_due = to_timestamp($3::float8), resolution_due = to_timestamp($4::float8),"
		      " paused_s = $5, paused_at = to_timestamp($6::float8) WHERE id = $1",
		      6, (const char *[]){ DB_ID(id), DB_ID_OR_NULL(first_due), DB_ID_OR_NULL(next_due),
					   DB_ID_OR_NULL(resolution_due), DB_ID(paused_s), DB_ID_OR_NULL(paused_at) }, f);
}

/* ---- cases for the sweeper --------------------------------------------- */

PGresult *store_sweep_claim(struct db *db, long long now, int limit, struct fault *f)
{
	return db_exec(db,
		"WITH t AS (SELECT CASE WHEN $1 = '0' THEN now() ELSE to_timestamp($1::float8) END AS now)"
		" SELECT c.id, c.status, c.escalation_level,"
		" " DB_EPOCH("CASE WHEN c.first_response_at IS NULL THEN c.first_response_due END") ","
		" " DB_EPOCH("c.next_response_due") ", " DB_EPOCH("c.resolution_due") ","
		" " DB_EPOCH("c.escalated_until") ", " DB_EPOCH("c.wake_at") ","
		" q.calendar_id, q.escalate_after_s, q.escalate_to, c.priority,"
		" " DB_EPOCH("c.pending_since") ", c.reminded_at IS NOT NULL, q.remind_after_s,"
		" " DB_EPOCH("c.resolved_at") ", c.survey_sent_at IS NULL AND q.survey AND c.customer_id IS NOT NULL,"
		" " DB_EPOCH("t.now")
		" FROM cases c JOIN queues q ON q.id = c.queue_id, t"
		" WHERE c.wake_at <= t.now ORDER BY c.wake_at LIMIT $2 FOR UPDATE OF c SKIP LOCKED",
		2, (const char *[]){ DB_ID(now), DB_ID(limit) }, f);
}

int store_case_escalated_first(struct db *db, long long id, long long until, long long next, struct fault *f)
{
	return db_run(db, "UPDATE cases SET escalation_level = 1, escalated_until = to_timestamp($2::float8),"
		      " escalation_next = to_timestamp($3::float8) WHERE id = $1",
		      3, (const char *[]){ DB_ID(id), DB_ID(until), DB_ID(next) }, f);
}

int store_case_escalated_second(struct db *db, long long id, enum case_priority priority, struct fault *f)
{
	return db_run(db, "UPDATE cases SET escalation_level = 2, escalation_next = NULL, priority = $2,"
		      " updated = now() WHERE id = $1", 2, (const char *[]){ DB_ID(id), model_priority_name(priority) },
		      f);
}

int store_case_reminded(struct db *db, long long id, long long at, struct fault *f)
{
	return db_run(db, "UPDATE cases SET reminded_at = to_timestamp($2::float8) WHERE id = $1", 2,
		      (const char *[]){ DB_ID(id), DB_ID(at) }, f);
}

int store_case_surveyed(struct db *db, long long id, long long at, struct fault *f)
{
	return db_run(db, "UPDATE cases SET survey_sent_at = to_timestamp($2::float8) WHERE id = $1", 2,
		      (const char *[]){ DB_ID(id), DB_ID(at) }, f);
}

int store_case_purge(struct db *db, long long id, long long at, struct fault *f)
{
	const char *p[2] = { DB_ID(id), DB_ID(at) };

	if (db_run(db, "DELETE FROM attachments WHERE message_id IN"
		   " (SELECT id FROM messages WHERE case_id = $1)", 1, p, f) < 0 ||
	    db_run(db, "UPDATE messages SET raw = NULL, body_text = NULL, body_html = NULL, subject = NULL,"
		   " from_addr = NULL, from_name = NULL, to_addrs = NULL, cc_addrs = NULL,"
		   " envelope_sender = NULL, envelope_recipient = NULL WHERE case_id = $1", 1, p, f) < 0 ||
	    db_run(db, "DELETE FROM outbox WHERE case_id = $1", 1, p, f) < 0 ||
	    db_run(db, "DELETE FROM watchers WHERE case_id = $1", 1, p, f) < 0 ||
	    db_run(db, "UPDATE events SET detail = NULL, actor = NULL WHERE case_id = $1", 1, p, f) < 0)
		return -1;
	/* the customer goes with their last case (their aliases with them) */
	return db_run(db, "WITH c AS (SELECT customer_id FROM cases WHERE id = $1),"
		      " u AS (UPDATE cases SET subject = '', customer_id = NULL, rating_comment = NULL,"
		      " purged_at = to_timestamp($2::float8) WHERE id = $1)"
		      " DELETE FROM customers WHERE id = (SELECT customer_id FROM c)"
		      " AND NOT EXISTS (SELECT 1 FROM cases WHERE customer_id = customers.id AND id <> $1)", 2, p, f);
}

/* ---- cases for people -------------------------------------------------- */

/* The due time a listed case is sorted by (see LIST_DUE). */
#define STORE_LIST_DUE "CASE WHEN c.status IN ('new', 'open') THEN least(CASE WHEN c.first_response_at IS NULL" \
	" THEN c.first_response_due END, c.next_response_due, c.resolution_due) END"
/* The cases whose subject or people's mail has the words of $1: one GIN
 * index each (009_admin.sql), whose expressions these repeat exactly. */
#define STORE_SEARCH(p) "SELECT m.case_id FROM messages m WHERE m.kind IN ('customer', 'agent', 'note') AND" \
	" to_tsvector('postdesk_search', left(m.body_text, 100000)) @@ websearch_to_tsquery('postdesk_search', " p ")" \
	" UNION SELECT x.id FROM cases x" \
	" WHERE to_tsvector('postdesk_search', x.subject) @@ websearch_to_tsquery('postdesk_search', " p ")"

PGresult *store_case_list(struct db *db, const struct store_case_filter *flt, struct fault *f)
{
	char limit[DB_ID_MAX];
	const char *params[8] = { flt->queue, flt->status, flt->assignee, flt->customer, flt->search,
				  flt->overdue ? "t" : "f", NULL, flt->spam ? "t" : "f" };

	if (flt->limit > 0)
		params[6] = db_id_text(limit, flt->limit);
	return db_exec(db,
		       "SELECT c.id, q.name, c.status, c.priority, c.subject, cu.email, a.email, "
		       DB_ISO("c.created") ", c.quarantined,"
		       " (SELECT count(*) FROM messages m WHERE m.case_id = c.id), " DB_ISO("d.due") ","
		       " coalesce(d.due < now(), false)"
		       " FROM cases c JOIN queues q ON q.id = c.queue_id"
		       " LEFT JOIN customers cu ON cu.id = c.customer_id LEFT JOIN agents a ON a.id = c.assignee_id"
		       " CROSS JOIN LATERAL (SELECT " STORE_LIST_DUE " AS due) d"
		       " WHERE ($1::text IS NULL OR q.name = $1) AND ($2::text IS NULL OR c.status = $2)"
		       " AND ($3::text IS NULL OR ($3 = '' AND c.assignee_id IS NULL) OR a.email = $3)"
		       " AND ($4::text IS NULL OR cu.email = $4)"
		       " AND ($5::text IS NULL OR c.id = ANY (ARRAY(" STORE_SEARCH("$5") ")))"
		       " AND (NOT $6::boolean OR d.due < now()) AND c.spam = $8::boolean"
		       " ORDER BY d.due NULLS LAST, c.id LIMIT $7::bigint", 8, params, f);
}

int store_case_show(struct db *db, long long id, struct store_case_show *r, struct fault *f)
{
	const char *p[1] = { DB_ID(id) };

	memset(r, 0, sizeof(*r));
	if (db_run(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, f) < 0)
		return -1;
	r->c = db_exec(db,
		       "SELECT c.id, q.name, c.status, c.priority, c.subject, cu.email, a.email, "
		       DB_ISO("c.created") ", " DB_ISO("c.first_response_due") ", "
		       DB_ISO("c.resolution_due") ", c.escalation_level, c.quarantined, c.linked_case_id,"
		       " cu.name, cu.language, " DB_ISO("c.updated") ", " DB_ISO("c.next_response_due") ","
		       " " DB_ISO("c.first_response_at") ", c.rating, c.rating_comment, c.merged_into, c.spam"
		       " FROM cases c JOIN queues q ON q.id = c.queue_id"
		       " LEFT JOIN customers cu ON cu.id = c.customer_id LEFT JOIN agents a ON a.id = c.assignee_id"
		       " WHERE c.id = $1", 1, p, f);
	r->watchers = r->c ? db_exec(db, "SELECT address FROM watchers WHERE case_id = $1"
				     " ORDER BY created, address", 1, p, f) : NULL;
	r->messages = r->watchers ? db_exec(db,
		"SELECT id, direction, kind, classification, from_addr, to_addrs, subject, message_id, "
		DB_ISO("created") ", body_text, cc_addrs FROM messages WHERE case_id = $1 ORDER BY id",
		1, p, f) : NULL;
	r->attachments = r->messages ? db_exec(db,
		"SELECT a.message_id, a.filename, a.content_type, a.size FROM attachments a"
		" JOIN messages m ON m.id = a.message_id WHERE m.case_id = $1 ORDER BY a.id", 1, p, f) : NULL;
	r->events = r->attachments ? db_exec(db,
		"SELECT type, " DB_ISO("created") ", detail, actor FROM events WHERE case_id = $1 ORDER BY id",
		1, p, f) : NULL;
	db_rollback(db);
	return r->events ? 0 : -1;
}

void store_case_show_clear(struct store_case_show *r)
{
	PQclear(r->c);
	PQclear(r->watchers);
	PQclear(r->messages);
	PQclear(r->attachments);
	PQclear(r->events);
	memset(r, 0, sizeof(*r));
}

/* ---- attachments, read back -------------------------------------------- */

PGresult *store_case_attachments(struct db *db, long long case_id, struct fault *f)
{
	return db_exec(db,
		       "SELECT row_number() OVER (ORDER BY a.id), a.message_id,"
		       " row_number() OVER (PARTITION BY a.message_id ORDER BY a.id), a.filename, a.content_type,"
		       " a.size, m.direction = 'in' AND m.kind = 'customer'"
		       " FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.case_id = $1"
		       " ORDER BY a.id", 1, (const char *[]){ DB_ID(case_id) }, f);
}

int store_case_attachment_count(struct db *db, long long case_id, long long *count_r, struct fault *f)
{
	return store_query_ll(db, "SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id"
			      " WHERE m.case_id = $1", 1, (const char *[]){ DB_ID(case_id) }, count_r, f);
}

int store_case_purged(struct db *db, long long case_id, bool *exists_r, char **purged_r, struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT " DB_ISO("purged_at") " FROM cases WHERE id = $1", 1,
				(const char *[]){ DB_ID(case_id) }, f);

	if (res == NULL)
		return -1;
	*exists_r = PQntuples(res) > 0;
	*purged_r = *exists_r && !PQgetisnull(res, 0, 0) ? g_strdup(PQgetvalue(res, 0, 0)) : NULL;
	PQclear(res);
	return 0;
}

int store_message_raw(struct db *db, long long message_row, unsigned char **raw_r, size_t *len_r, struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT raw FROM messages WHERE id = $1", 1,
				(const char *[]){ DB_ID(message_row) }, f);

	*raw_r = NULL;
	*len_r = 0;
	if (res == NULL)
		return -1;
	if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0)) {
		*raw_r = PQunescapeBytea((const unsigned char *)PQgetvalue(res, 0, 0), len_r);
		if (*raw_r == NULL) {
			PQclear(res);
			return fault_temp(f, "out of memory reading message %lld", message_row);
		}
	}
	PQclear(res);
	return 0;
}

/* ---- watchers ---------------------------------------------------------- */

/* addrs joined with "\n" for a text[] parameter (addresses hold no "\n"). */
static char *store_lines(GPtrArray *addrs)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < addrs->len; i++)
		g_string_append_printf(s, "%s%s", i ? "\n" : "", (const char *)g_ptr_array_index(addrs, i));
	return g_string_free(s, FALSE);
}

int store_watchers_add(struct db *db, long long case_id, GPtrArray *addrs, GPtrArray *bases, long long max,
		       const char *actor, struct fault *f)
{
	long long left_out = 0;
	GString *named = g_string_new(NULL);
	int ret = 0;

	if (addrs->len > 0) {
		char *a = store_lines(addrs), *b = store_lines(bases);
		PGresult *res;

		/* one statement for the whole list: the new watchers in order, as
		 * many as there is room for, each with its event; then how many
		 * did not fit, and the first of them */
		res = db_exec(db,
			"WITH cand AS (SELECT x.address, x.n"
			"  FROM unnest(string_to_array($2, E'\\n'), string_to_array($3, E'\\n'))"
			"  WITH ORDINALITY AS x(address, base, n)"
			"  WHERE NOT EXISTS (SELECT 1 FROM queues WHERE address = x.base)"
			"  AND NOT EXISTS (SELECT 1 FROM agents WHERE email = x.address)"
			"  AND NOT EXISTS (SELECT 1 FROM cases c JOIN customers cu ON cu.id = c.customer_id"
			"   WHERE c.id = $1 AND cu.email = x.address)"
			"  AND NOT EXISTS (SELECT 1 FROM cases c JOIN customer_aliases al ON al.customer_id = c.customer_id"
			"   WHERE c.id = $1 AND al.address = x.address)"
			"  AND NOT EXISTS (SELECT 1 FROM watchers w WHERE w.case_id = $1 AND w.address = x.address)),"
			" room AS (SELECT greatest($6::bigint - count(*), 0) AS n FROM watchers WHERE case_id = $1),"
			" numbered AS (SELECT address, row_number() OVER (ORDER BY n) AS k FROM cand),"
			" added AS (INSERT INTO watchers (case_id, address) SELECT $1, address FROM numbered, room"
			"  WHERE k <= room.n ORDER BY k ON CONFLICT DO NOTHING RETURNING address),"
			" ev AS (INSERT INTO events (case_id, type, actor, detail)"
			"  SELECT $1, $4, $5, added.address FROM added JOIN numbered USING (address) ORDER BY numbered.k"
			"  RETURNING 1)"
			" SELECT (SELECT count(*) FROM numbered, room WHERE k > room.n),"
			" (SELECT string_agg(address, ', ' ORDER BY k) FROM (SELECT address, k FROM numbered, room"
			"  WHERE k > room.n ORDER BY k LIMIT $7) s),"
			" (SELECT count(*) FROM ev)",
			7, (const char *[]){ DB_ID(case_id), a, b, model_event_name(EV_WATCHER_ADDED), actor, DB_ID(max),
					     DB_ID(STORE_WATCHERS_NAMED) }, f);
		g_free(a);
		g_free(b);
		if (res == NULL) {
			g_string_free(named, TRUE);
			return -1;
		}
		left_out += db_get_ll(res, 0, 0);
		if (!PQgetisnull(res, 0, 1))
			g_string_append(named, PQgetvalue(res, 0, 1));
		PQclear(res);
	}
	if (left_out > 0) {
		char *detail = g_strdup_printf("%lld addresses not added (max_watchers = %lld): %s%s", left_out, max,
					       named->str, left_out > STORE_WATCHERS_NAMED ? ", ..." : "");

		ret = store_event(db, case_id, EV_WATCHERS_LEFT_OUT, actor, detail, f);
		g_free(detail);
	}
	g_string_free(named, TRUE);
	return ret;
}

int store_watchers_list(struct db *db, long long case_id, GPtrArray *list, struct fault *f)
{
	return store_query_texts(db, "SELECT address FROM watchers WHERE case_id = $1 ORDER BY address", 1,
				 (const char *[]){ DB_ID(case_id) }, list, f);
}

/* ---- messages ---------------------------------------------------------- */

int store_message_in(struct db *db, const struct store_message_in *m, const struct store_attachment *atts,
		     size_t n, struct fault *f)
{
	const char *params[20] = {
		DB_ID(m->case_id), DB_ID(m->queue_id), model_kind_name(m->kind), m->classification,
		m->from_addr, m->from_name, m->to_addrs, m->cc_addrs, m->subject, m->message_id,
		m->in_reply_to, m->references, m->envelope_sender, m->envelope_recipient, m->mta_queue_id,
		m->raw, (const char *)m->raw_hash, m->body_text, m->body_html, (const char *)m->body_hash,
	};
	int lengths[20] = { [15] = (int)m->raw_len, [16] = (int)m->raw_hash_len, [19] = (int)m->body_hash_len };
	const int binary[20] = { [15] = 1, [16] = 1, [19] = 1 };
	long long msg_id;
	PGresult *res;
	size_t i;

	res = db_exec_bin(db,
		"INSERT INTO messages (case_id, queue_id, direction, kind, classification, from_addr,"
		" from_name, to_addrs, cc_addrs, subject, message_id, in_reply_to, references_ids,"
		" envelope_sender, envelope_recipient, mta_queue_id, raw, raw_hash, body_text, body_html, body_hash)"
		" VALUES ($1, $2, 'in', $3, $4, $5, $6, $7, $8, $9, $10, $11,"
		" string_to_array($12, E'\\n'), $13, $14, $15, $16, $17, $18, $19, $20) RETURNING id",
		20, params, lengths, binary, f);
	if (res == NULL)
		return -1;
	msg_id = db_get_ll(res, 0, 0);
	PQclear(res);
	for (i = 0; i < n; i++)
		if (db_run(db, "INSERT INTO attachments (message_id, filename, content_type, size)"
			   " VALUES ($1, $2, $3, $4)", 4,
			   (const char *[]){ DB_ID(msg_id), atts[i].filename, atts[i].content_type,
					     DB_ID((long long)atts[i].size) }, f) < 0)
			return -1;
	return 0;
}

int store_message_out(struct db *db, long long case_id, long long queue_id, enum msg_kind kind,
		      const char *from_addr, const char *to_addrs, const char *subject, const char *message_id,
		      const char *raw, size_t raw_len, const char *body_text, struct fault *f)
{
	const char *p[9] = { DB_ID(case_id), DB_ID(queue_id), model_kind_name(kind), from_addr, to_addrs, subject,
			     message_id, raw, body_text };
	const int l[9] = { [7] = (int)raw_len }, b[9] = { [7] = 1 };
	PGresult *res = db_exec_bin(db,
		"INSERT INTO messages (case_id, queue_id, direction, kind, from_addr, to_addrs, subject,"
		" message_id, raw, body_text) VALUES ($1, $2, 'out', $3, $4, $5, $6, $7, $8, $9)",
		9, p, l, b, f);

	if (res == NULL)
		return -1;
	PQclear(res);
	return 0;
}

int store_message_duplicate(struct db *db, const struct store_message_seen *m, long long *dup_r,
			    long long *reused_r, struct fault *f)
{
	const char *params[6] = { m->recipient, (const char *)m->raw_hash, DB_ID(m->queue_id), m->from_addr,
				  m->message_id, (const char *)m->body_hash };
	const int lengths[6] = { 0, (int)m->hash_len, 0, 0, 0, (int)m->hash_len }, binary[6] = { 0, 1, 0, 0, 0, 1 };
	PGresult *res;

	*dup_r = *reused_r = 0;
	/* one round trip; the Message-ID parts find nothing when $4 or $5 is NULL */
	res = db_exec_bin(db, "SELECT coalesce((SELECT case_id FROM messages WHERE direction = 'in' AND"
			  " envelope_recipient = $1 AND raw_hash = $2 LIMIT 1),"
			  " (SELECT case_id FROM messages WHERE direction = 'in' AND queue_id = $3 AND from_addr = $4"
			  " AND message_id = $5 AND coalesce(body_hash, $6) = $6 LIMIT 1)),"
			  " (SELECT case_id FROM messages WHERE direction = 'in' AND queue_id = $3 AND from_addr = $4"
			  " AND message_id = $5 LIMIT 1)", 6, params, lengths, binary, f);
	if (res == NULL)
		return -1;
	*dup_r = db_get_ll(res, 0, 0);
	*reused_r = *dup_r ? 0 : db_get_ll(res, 0, 1);
	PQclear(res);
	return 0;
}

int store_message_cases(struct db *db, const char *message_ids, long long queue_id, GArray *cases,
			struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT case_id FROM messages WHERE message_id = ANY (string_to_array($1, E'\\n'))"
				" ORDER BY queue_id = $2 DESC, id DESC LIMIT 20", 2,
				(const char *[]){ message_ids, DB_ID(queue_id) }, f);
	int i;

	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		long long c = db_get_ll(res, i, 0);

		g_array_append_val(cases, c);
	}
	PQclear(res);
	return 0;
}

int store_message_conversation(struct db *db, long long case_id, GPtrArray *ids, struct fault *f)
{
	return store_query_texts(db,
		"SELECT message_id FROM (SELECT id, message_id FROM messages WHERE case_id = $1"
		" AND message_id IS NOT NULL AND (direction = 'in' AND kind = 'customer' AND classification = 'normal'"
		" OR direction = 'out' AND kind IN ('auto', 'agent')) ORDER BY id DESC LIMIT 10) s ORDER BY id",
		1, (const char *[]){ DB_ID(case_id) }, ids, f);
}

int store_case_texts(struct db *db, long long case_id, enum msg_kind kind, GPtrArray *texts, struct fault *f)
{
	return store_query_texts(db,
		"SELECT left(body_text, $3::int) FROM messages WHERE case_id = $1 AND kind = $2"
		" AND body_text IS NOT NULL ORDER BY id DESC LIMIT $4",
		4, (const char *[]){ DB_ID(case_id), model_kind_name(kind), DB_ID(STORE_TEXT_MAX),
				     DB_ID(STORE_TEXTS_MAX) }, texts, f);
}

/* ---- merging cases (part merge) ------------------------------------------ */

int store_case_final(struct db *db, long long id, long long *final_r, struct fault *f)
{
	/* the chain from id, one row per step, at most STORE_MERGE_HOPS steps */
	PGresult *res = db_exec(db,
		"WITH RECURSIVE chain (id, nxt, n) AS ("
		" SELECT id, merged_into, 0 FROM cases WHERE id = $1"
		" UNION ALL SELECT c.id, c.merged_into, chain.n + 1 FROM cases c JOIN chain ON c.id = chain.nxt"
		" WHERE chain.n < $2)"
		" SELECT id, nxt IS NOT NULL FROM chain ORDER BY n DESC LIMIT 1",
		2, (const char *[]){ DB_ID(id), DB_ID(STORE_MERGE_HOPS) }, f);
	bool broken;

	if (res == NULL)
		return -1;
	*final_r = PQntuples(res) > 0 ? db_get_ll(res, 0, 0) : 0;
	broken = PQntuples(res) > 0 && db_get_bool(res, 0, 1);
	PQclear(res);
	if (broken)
		return fault_perm(f, "case %lld: merged more than %d times over, or in a cycle", id, STORE_MERGE_HOPS);
	return 0;
}

/* One of the two cases of a merge, as store_merge_lock reads it. */
struct store_merge_case {
	bool found, purged, agent_in;
	long long merged_into, assignee_id, customer_id;
	enum case_status status;
	enum case_priority priority;
	char *queue;			/* its queue's name (g_free) */
};

/* Lock source and target, lower id first, and read them into c[0] and
 * c[1]; agent_in says whether agent_id is one of the queue's agents. */
static int store_merge_lock(struct db *db, long long source, long long target, long long agent_id,
			    struct store_merge_case c[2], struct fault *f)
{
	/* ORDER BY comes before FOR UPDATE: the rows are locked in id order */
	PGresult *res = db_exec(db,
		"SELECT c.id, c.merged_into, c.purged_at IS NOT NULL, q.name, c.status, c.priority,"
		" c.assignee_id, c.customer_id,"
		" EXISTS (SELECT 1 FROM agent_queues aq WHERE aq.agent_id = $3 AND aq.queue_id = c.queue_id)"
		" FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id IN ($1, $2) ORDER BY c.id FOR UPDATE OF c",
		3, (const char *[]){ DB_ID(source), DB_ID(target), DB_ID(agent_id) }, f);
	int i;

	memset(c, 0, 2 * sizeof(*c));
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		struct store_merge_case *k = &c[db_get_ll(res, i, 0) == source ? 0 : 1];

		k->found = true;
		k->merged_into = db_get_ll(res, i, 1);
		k->purged = db_get_bool(res, i, 2);
		k->queue = g_strdup(PQgetvalue(res, i, 3));
		k->status = store_status(PQgetvalue(res, i, 4));
		k->priority = PRIORITY_NORMAL;
		(void)model_priority_parse(PQgetvalue(res, i, 5), &k->priority);
		k->assignee_id = db_get_ll(res, i, 6);
		k->customer_id = db_get_ll(res, i, 7);
		k->agent_in = db_get_bool(res, i, 8);
	}
	PQclear(res);
	return 0;
}

/* Free what store_merge_lock read. */
static void store_merge_clear(struct store_merge_case c[2])
{
	g_free(c[0].queue);
	g_free(c[1].queue);
	memset(c, 0, 2 * sizeof(*c));
}

/* Why source (c[0]) cannot be merged into target (c[1]), NULL when it
 * can (g_free); agent: check the agent's queues too. */
static char *store_merge_why(long long source, long long target, const struct store_merge_case c[2], bool agent)
{
	long long id[2] = { source, target };
	int i;

	if (source == target)
		return g_strdup_printf("case #%lld cannot be merged into itself", source);
	for (i = 0; i < 2; i++)
		if (!c[i].found)
			return g_strdup_printf("there is no case #%lld", id[i]);
	if (c[1].merged_into == source)
		return g_strdup_printf("case #%lld was merged into case #%lld: merging #%lld into it would make a cycle",
				       target, source, source);
	for (i = 0; i < 2; i++) {
		if (c[i].merged_into != 0)
			return g_strdup_printf("case #%lld was merged into case #%lld already", id[i], c[i].merged_into);
		if (c[i].purged)
			return g_strdup_printf("case #%lld was purged (retention)", id[i]);
	}
	for (i = 0; agent && i < 2; i++)
		if (!c[i].agent_in)
			return g_strdup_printf("case #%lld is in queue %s, which you are not in", id[i], c[i].queue);
	return NULL;
}

int store_case_merge_check(struct db *db, long long source, long long target, long long agent_id,
			   char **why_r, struct fault *f)
{
	struct store_merge_case c[2];

	*why_r = NULL;
	if (store_merge_lock(db, source, target, agent_id, c, f) < 0)
		return -1;
	*why_r = store_merge_why(source, target, c, agent_id > 0);
	store_merge_clear(c);
	return 0;
}

/* Move source's watchers, and its customer unless it is target's, to
 * target (each once, no agents), each with a watcher-added event by actor;
 * *n_r counts them. */
static int store_merge_watchers(struct db *db, long long source, long long target, const char *actor,
				long long *n_r, struct fault *f)
{
	return store_query_ll(db,
		"WITH moved AS (DELETE FROM watchers WHERE case_id = $1 RETURNING address, created),"
		" cand AS (SELECT address, min(created) AS created FROM (SELECT address, created FROM moved"
		"  UNION ALL SELECT cu.email, now() FROM cases c JOIN customers cu ON cu.id = c.customer_id"
		"  WHERE c.id = $1) s GROUP BY address),"
		" added AS (INSERT INTO watchers (case_id, address, created) SELECT $2, address, created FROM cand"
		"  WHERE NOT EXISTS (SELECT 1 FROM cases c JOIN customers cu ON cu.id = c.customer_id"
		"   WHERE c.id = $2 AND cu.email = cand.address)"
		"  AND NOT EXISTS (SELECT 1 FROM agents WHERE email = cand.address)"
		"  ORDER BY created, address ON CONFLICT DO NOTHING RETURNING address),"
		" ev AS (INSERT INTO events (case_id, type, actor, detail) SELECT $2, $3, $4, address FROM added"
		"  ORDER BY address RETURNING 1)"
		" SELECT count(*) FROM ev",
		4, (const char *[]){ DB_ID(source), DB_ID(target), model_event_name(EV_WATCHER_ADDED), actor }, n_r, f);
}

/* What target takes over from source (c[0], c[1] as read): the customer
 * and the assignee when it has none, the higher priority; and it opens
 * again when source still needs work and it does not. */
static int store_merge_target(struct db *db, long long target, const struct store_merge_case c[2],
			      const char *actor, struct fault *f)
{
	const char *t = DB_ID(target);

	if (c[1].customer_id == 0 && c[0].customer_id != 0 &&
	    db_run(db, "UPDATE cases SET customer_id = $2 WHERE id = $1", 2,
		   (const char *[]){ t, DB_ID(c[0].customer_id) }, f) < 0)
		return -1;
	if (c[1].assignee_id == 0 && c[0].assignee_id != 0) {
		long long n;

		if (store_case_assign_id(db, target, c[0].assignee_id, f) < 0 ||
		    store_query_ll(db, "INSERT INTO events (case_id, type, actor, detail)"
				   " SELECT $1, $2, $3, email FROM agents WHERE id = $4 RETURNING 1", 4,
				   (const char *[]){ t, model_event_name(EV_ASSIGNED), actor, DB_ID(c[0].assignee_id) },
				   &n, f) < 0)
			return -1;
	}
	if (c[0].priority > c[1].priority &&
	    (store_case_set_priority(db, target, c[0].priority, f) < 0 ||
	     store_event(db, target, EV_PRIORITY, actor, model_priority_name(c[0].priority), f) < 0))
		return -1;
	if ((c[1].status == CASE_RESOLVED || c[1].status == CASE_CLOSED) &&
	    c[0].status != CASE_RESOLVED && c[0].status != CASE_CLOSED) {
		char *detail = g_strdup_printf("%s -> open", model_status_name(c[1].status));
		int r = store_case_set_status(db, target, CASE_OPEN, 0, NULL, f);

		if (r == 0)
			r = store_event(db, target, EV_STATUS, actor, detail, f);
		g_free(detail);
		return r;
	}
	return 0;
}

int store_case_merge(struct db *db, long long source, long long target, const char *actor,
		     struct store_merge_moved *moved, struct fault *f)
{
	const char *p[2] = { DB_ID(source), DB_ID(target) };
	struct store_merge_case c[2];
	char *why, detail[DB_ID_MAX + 1];
	int ret = -1;

	memset(moved, 0, sizeof(*moved));
	if (store_merge_lock(db, source, target, 0, c, f) < 0)
		return -1;
	if ((why = store_merge_why(source, target, c, false)) != NULL) {
		fault_perm(f, "%s", why);
		g_free(why);
		goto out;
	}
	if (store_query_ll(db, "SELECT count(*) FROM attachments a JOIN messages m ON m.id = a.message_id"
			   " WHERE m.case_id = $1", 1, p, &moved->attachments, f) < 0 ||
	    store_query_ll(db, "WITH m AS (UPDATE messages SET case_id = $2 WHERE case_id = $1 RETURNING 1)"
			   " SELECT count(*) FROM m", 2, p, &moved->messages, f) < 0 ||
	    store_query_ll(db, "WITH o AS (UPDATE outbox SET case_id = $2 WHERE case_id = $1 AND status <> 'sent'"
			   " RETURNING 1) SELECT count(*) FROM o", 2, p, &moved->outbox, f) < 0 ||
	    store_merge_target(db, target, c, actor, f) < 0 ||
	    store_merge_watchers(db, source, target, actor, &moved->watchers, f) < 0)
		goto out;
	if (c[0].status != CASE_CLOSED) {
		char *st = g_strdup_printf("%s -> closed", model_status_name(c[0].status));
		int r = store_case_set_status(db, source, CASE_CLOSED, 0, NULL, f);

		if (r == 0)
			r = store_event(db, source, EV_STATUS, actor, st, f);
		g_free(st);
		if (r < 0)
			goto out;
	}
	/* source and whatever was merged into it before point at target */
	if (db_run(db, "UPDATE cases SET merged_into = $2, updated = now() WHERE id = $1 OR merged_into = $1", 2, p,
		   f) < 0)
		goto out;
	snprintf(detail, sizeof(detail), "#%lld", target);
	if (store_event(db, source, EV_MERGED_INTO, actor, detail, f) < 0)
		goto out;
	snprintf(detail, sizeof(detail), "#%lld", source);
	if (store_event(db, target, EV_MERGED_FROM, actor, detail, f) < 0 || store_case_touch(db, target, f) < 0)
		goto out;
	ret = 0;
out:
	store_merge_clear(c);
	return ret;
}

/* ---- administration: agents and queues (part admin, issue 15) ------------ */

/* Run an UPDATE of an active flag by key that returns the row's id and
 * whether the flag changed: *id_r 0 when no row. */
static int store_set_active(struct db *db, const char *sql, const char *key, bool active, long long *id_r,
			    bool *changed_r, struct fault *f)
{
	PGresult *res = db_exec(db, sql, 2, (const char *[]){ key, active ? "t" : "f" }, f);

	*id_r = 0;
	*changed_r = false;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*id_r = db_get_ll(res, 0, 0);
		*changed_r = db_get_bool(res, 0, 1);
	}
	PQclear(res);
	return 0;
}

int store_agent_set_active(struct db *db, const char *email, bool active, long long *id_r, bool *changed_r,
			   struct fault *f)
{
	return store_set_active(db,
		"WITH old AS (SELECT id, active FROM agents WHERE email = $1 FOR UPDATE)"
		" UPDATE agents a SET active = $2 FROM old WHERE a.id = old.id RETURNING a.id, old.active <> $2",
		email, active, id_r, changed_r, f);
}

PGresult *store_hand_back(struct db *db, long long agent_id, const char *actor, const char *detail,
			  struct fault *f)
{
	return db_exec(db,
		"WITH h AS (UPDATE cases SET assignee_id = NULL, updated = now()"
		"  WHERE assignee_id = $1 AND status IN ('new', 'open', 'pending') RETURNING id, queue_id),"
		" e AS (INSERT INTO events (case_id, type, actor, detail) SELECT id, $2, $3, $4 FROM h)"
		" SELECT id, queue_id FROM h ORDER BY queue_id, id", 4,
		(const char *[]){ DB_ID(agent_id), model_event_name(EV_UNASSIGNED), actor, detail }, f);
}

PGresult *store_agent_list(struct db *db, struct fault *f)
{
	return db_exec(db,
		"SELECT a.email, a.name, a.active,"
		" coalesce((SELECT string_agg(q.name, ',' ORDER BY q.name) FROM agent_queues aq"
		"  JOIN queues q ON q.id = aq.queue_id WHERE aq.agent_id = a.id), ''),"
		" (SELECT count(*) FROM cases c WHERE c.assignee_id = a.id AND c.status IN ('new', 'open', 'pending'))"
		" FROM agents a ORDER BY a.email", 0, NULL, f);
}

int store_queue_state(struct db *db, long long queue_id, bool *active_r, char **name_r, struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT active, name FROM queues WHERE id = $1", 1,
				(const char *[]){ DB_ID(queue_id) }, f);

	*active_r = true;
	*name_r = NULL;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*active_r = db_get_bool(res, 0, 0);
		*name_r = g_strdup(PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return 0;
}

int store_queue_set_active(struct db *db, const char *name, bool active, bool *found_r, bool *changed_r,
			   struct fault *f)
{
	long long id;
	int ret = store_set_active(db,
		"WITH old AS (SELECT id, active FROM queues WHERE name = $1 FOR UPDATE)"
		" UPDATE queues q SET active = $2 FROM old WHERE q.id = old.id RETURNING q.id, old.active <> $2",
		name, active, &id, changed_r, f);

	*found_r = id != 0;
	return ret;
}

int store_queue_update(struct db *db, const char *name, const bool set[SQF_COUNT],
		       const char *const value[SQF_COUNT], long long *id_r, struct fault *f)
{
	const char *params[1 + 2 * SQF_COUNT] = { name };
	int i;

	for (i = 0; i < SQF_COUNT; i++) {
		params[1 + 2 * i] = set[i] ? "t" : "f";
		params[2 + 2 * i] = set[i] ? value[i] : NULL;
	}
	return store_query_ll(db,
		"UPDATE queues SET address = CASE WHEN $2 THEN $3 ELSE address END,"
		" language = CASE WHEN $4 THEN $5 ELSE language END,"
		" first_response_s = CASE WHEN $6 THEN $7::integer ELSE first_response_s END,"
		" next_response_s = CASE WHEN $8 THEN $9::integer ELSE next_response_s END,"
		" resolution_s = CASE WHEN $10 THEN $11::integer ELSE resolution_s END,"
		" calendar_id = CASE WHEN $12 THEN (SELECT id FROM calendars WHERE name = $13) ELSE calendar_id END,"
		" escalate_to = CASE WHEN $14 THEN $15 ELSE escalate_to END,"
		" escalate_after_s = CASE WHEN $16 THEN $17::integer ELSE escalate_after_s END,"
		" remind_after_s = CASE WHEN $18 THEN $19::integer ELSE remind_after_s END,"
		" autoclose_after_s = CASE WHEN $20 THEN $21::integer ELSE autoclose_after_s END,"
		" close_after_s = CASE WHEN $22 THEN $23::integer ELSE close_after_s END,"
		" retention_s = CASE WHEN $24 THEN $25::integer ELSE retention_s END,"
		" survey = CASE WHEN $26 THEN $27::boolean ELSE survey END"
		" WHERE name = $1 RETURNING id", 1 + 2 * SQF_COUNT, params, id_r, f);
}

int store_queue_open_cases(struct db *db, long long queue_id, GArray *ids, struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT id FROM cases WHERE queue_id = $1 AND status IN ('new', 'open', 'pending')"
				" ORDER BY id", 1, (const char *[]){ DB_ID(queue_id) }, f);
	int i;

	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		long long id = db_get_ll(res, i, 0);

		g_array_append_val(ids, id);
	}
	PQclear(res);
	return 0;
}
/* ---- people: customer aliases, watchers by command, notices (issue 15) -- */

int store_customer_find(struct db *db, const char *email, long long *id_r, struct fault *f)
{
	return store_query_ll(db, "SELECT id FROM customers WHERE email = $1", 1, (const char *[]){ email }, id_r, f);
}

int store_customer_alias_add(struct db *db, const char *email, const char *other, const char *other_base,
			     bool *added_r, struct fault *f)
{
	enum { A_AGENT, A_QUEUE, A_OWNER, A_OTHER_CASES, A_EMAIL_OWNER };
	PGresult *res;
	long long id, cases;
	char *owner, *email_owner;
	bool agent, queue;
	int ret = 0;

	*added_r = false;
	/* everything that could refuse it, in one look (the caller's
	 * transaction; the alias's primary key settles a race) */
	res = db_exec(db,
		      "SELECT EXISTS (SELECT 1 FROM agents WHERE email = $2),"
		      " EXISTS (SELECT 1 FROM queues WHERE address = $3),"
		      " (SELECT cu.email FROM customer_aliases a JOIN customers cu ON cu.id = a.customer_id"
		      "  WHERE a.address = $2),"
		      " (SELECT count(*) FROM cases c JOIN customers cu ON cu.id = c.customer_id WHERE cu.email = $2),"
		      " (SELECT cu.email FROM customer_aliases a JOIN customers cu ON cu.id = a.customer_id"
		      "  WHERE a.address = $1)",
		      3, (const char *[]){ email, other, other_base }, f);
	if (res == NULL)
		return -1;
	agent = db_get_bool(res, 0, A_AGENT);
	queue = db_get_bool(res, 0, A_QUEUE);
	owner = g_strdup(db_value(res, 0, A_OWNER));
	cases = db_get_ll(res, 0, A_OTHER_CASES);
	email_owner = g_strdup(db_value(res, 0, A_EMAIL_OWNER));
	PQclear(res);
	if (email_owner != NULL)
		ret = fault_perm(f, "%s is itself an alias of %s: add the alias to %s", email, email_owner, email_owner);
	else if (agent)
		ret = fault_perm(f, "%s is an agent: an agent's mail is never a customer's", other);
	else if (queue)
		ret = fault_perm(f, "%s is a queue address", other);
	else if (owner != NULL && strcmp(owner, email) != 0)
		ret = fault_perm(f, "%s is already an alias of %s (remove it there first)", other, owner);
	else if (owner == NULL && cases > 0)
		ret = fault_perm(f, "%s is a customer with %lld case%s of its own: its cases would lose their customer",
				 other, cases, cases == 1 ? "" : "s");
	g_free(email_owner);
	if (ret < 0 || owner != NULL) {
		g_free(owner);
		return ret;	/* refused, or an alias already: nothing to do */
	}
	if (store_customer_upsert(db, email, NULL, &id, f) < 0 ||
	    db_run(db, "DELETE FROM customers WHERE email = $1", 1, (const char *[]){ other }, f) < 0 ||
	    db_run(db, "INSERT INTO customer_aliases (address, customer_id) VALUES ($1, $2)", 2,
		   (const char *[]){ other, DB_ID(id) }, f) < 0)
		return -1;
	*added_r = true;
	return 0;
}

int store_customer_alias_remove(struct db *db, long long customer_id, const char *other, bool *removed_r,
				struct fault *f)
{
	long long n;

	if (store_query_ll(db, "DELETE FROM customer_aliases WHERE address = $1 AND customer_id = $2 RETURNING 1", 2,
			   (const char *[]){ other, DB_ID(customer_id) }, &n, f) < 0)
		return -1;
	*removed_r = n == 1;
	return 0;
}

PGresult *store_customer_aliases(struct db *db, long long customer_id, struct fault *f)
{
	return db_exec(db, "SELECT address, " DB_ISO("created") " FROM customer_aliases WHERE customer_id = $1"
		       " ORDER BY address", 1, (const char *[]){ DB_ID(customer_id) }, f);
}

int store_case_rater(struct db *db, long long case_id, const char *addr, bool *yes_r, struct fault *f)
{
	return store_case_finds(db,
				"SELECT 1 FROM cases c WHERE c.id = $1 AND c.customer_id = " STORE_CUSTOMER_OF("$2")
				" UNION ALL SELECT 1 FROM watchers WHERE case_id = $1 AND address = $2 LIMIT 1",
				case_id, addr, yes_r, f);
}

int store_watcher_refusal(struct db *db, long long case_id, const char *addr, const char *base, long long max,
			  const char **why_r, struct fault *f)
{
	static const char *const why[] = {
		NULL, "already copied", "a queue address", "an agent (agents are told as agents)", "the customer",
		"the case has max_watchers watchers",
	};
	long long n;

	/* the reasons in the order store_watchers_add leaves addresses out */
	if (store_query_ll(db,
			   "SELECT CASE WHEN EXISTS (SELECT 1 FROM watchers WHERE case_id = $1 AND address = $2) THEN 1"
			   " WHEN EXISTS (SELECT 1 FROM queues WHERE address = $3) THEN 2"
			   " WHEN EXISTS (SELECT 1 FROM agents WHERE email = $2) THEN 3"
			   " WHEN EXISTS (SELECT 1 FROM cases c JOIN customers cu ON cu.id = c.customer_id"
			   "  WHERE c.id = $1 AND cu.email = $2) THEN 4"
			   " WHEN (SELECT count(*) FROM watchers WHERE case_id = $1) >= $4 THEN 5 ELSE 0 END",
			   4, (const char *[]){ DB_ID(case_id), addr, base, DB_ID(max) }, &n, f) < 0)
		return -1;
	*why_r = why[n >= 0 && n < (long long)G_N_ELEMENTS(why) ? n : 0];
	return 0;
}

int store_watcher_remove(struct db *db, long long case_id, const char *addr, const char *actor, bool *removed_r,
			 struct fault *f)
{
	long long n;

	if (store_query_ll(db, "DELETE FROM watchers WHERE case_id = $1 AND address = $2 RETURNING 1", 2,
			   (const char *[]){ DB_ID(case_id), addr }, &n, f) < 0)
		return -1;
	*removed_r = n == 1;
	return *removed_r ? store_event(db, case_id, EV_WATCHER_REMOVED, actor, addr, f) : 0;
}

int store_case_told(struct db *db, long long case_id, enum event_type type, const char *detail, bool *first_r,
		    struct fault *f)
{
	long long n;

	/* deliver holds the case's lock: two deliveries cannot both be first */
	if (store_query_ll(db,
			   "INSERT INTO events (case_id, type, actor, detail) SELECT $1, $2, 'system', $3"
			   " WHERE NOT EXISTS (SELECT 1 FROM events WHERE case_id = $1 AND type = $2"
			   " AND detail IS NOT DISTINCT FROM $3) RETURNING 1",
			   3, (const char *[]){ DB_ID(case_id), model_event_name(type), detail }, &n, f) < 0)
		return -1;
	*first_r = n == 1;
	return 0;
}

int store_queue_escalate_to(struct db *db, long long queue_id, char **addr_r, struct fault *f)
{
	GPtrArray *list = g_ptr_array_new_with_free_func(g_free);
	int ret = store_query_texts(db, "SELECT escalate_to FROM queues WHERE id = $1 AND escalate_to <> ''", 1,
				    (const char *[]){ DB_ID(queue_id) }, list, f);

	*addr_r = ret == 0 && list->len > 0 ? g_strdup(g_ptr_array_index(list, 0)) : NULL;
	g_ptr_array_free(list, TRUE);
	return ret;
}

/* ---- intake: spam, twins to other queues, the ack's promise (issue 15) ---- */

int store_case_mark_spam(struct db *db, long long id, struct fault *f)
{
	return db_run(db, "UPDATE cases SET spam = true WHERE id = $1", 1, (const char *[]){ DB_ID(id) }, f);
}

int store_case_unspam(struct db *db, long long id, bool *was_r, struct fault *f)
{
	long long n;

	if (store_query_ll(db, "UPDATE cases SET spam = false, updated = now() WHERE id = $1 AND spam RETURNING 1", 1,
			   (const char *[]){ DB_ID(id) }, &n, f) < 0)
		return -1;
	*was_r = n == 1;
	return 0;
}

int store_customer_offset(struct db *db, const char *email, int minutes, struct fault *f)
{
	return db_run(db, "UPDATE customers SET utc_offset = $2 WHERE email = $1 AND utc_offset IS DISTINCT FROM $2", 2,
		      (const char *[]){ email, DB_ID(minutes) }, f);
}

int store_message_lock(struct db *db, const char *message_id, struct fault *f)
{
	if (message_id == NULL)
		return 0;
	return db_run(db, "SELECT pg_advisory_xact_lock(1511, hashtext($1))", 1, (const char *[]){ message_id }, f);
}

int store_message_twin(struct db *db, const struct store_message_seen *m, long long *row_r, long long *case_r,
		       struct fault *f)
{
	const char *params[5] = { m->message_id, DB_ID(m->queue_id), (const char *)m->raw_hash,
				  (const char *)m->body_hash, m->from_addr };
	const int lengths[5] = { 0, 0, (int)m->hash_len, (int)m->hash_len, 0 }, binary[5] = { 0, 0, 1, 1, 0 };
	PGresult *res;

	*row_r = *case_r = 0;
	if (m->message_id == NULL)
		return 0;
	res = db_exec_bin(db, "SELECT id, case_id FROM messages WHERE message_id = $1 AND direction = 'in'"
			  " AND queue_id <> $2 AND (raw_hash = $3 OR body_hash = $4 AND from_addr = $5)"
			  " ORDER BY id LIMIT 1", 5, params, lengths, binary, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*row_r = db_get_ll(res, 0, 0);
		*case_r = db_get_ll(res, 0, 1);
	}
	PQclear(res);
	return 0;
}

int store_case_promise(struct db *db, long long id, struct store_case_promise *p, struct fault *f)
{
	enum { P_DUE, P_NOW, P_ZONE, P_OFFSET };
	PGresult *res = db_exec(db,
		"SELECT " DB_EPOCH("c.first_response_due") ", " DB_EPOCH("now()") ", k.timezone, cu.utc_offset"
		" FROM cases c JOIN queues q ON q.id = c.queue_id LEFT JOIN calendars k ON k.id = q.calendar_id"
		" LEFT JOIN customers cu ON cu.id = c.customer_id WHERE c.id = $1",
		1, (const char *[]){ DB_ID(id) }, f);

	memset(p, 0, sizeof(*p));
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		p->due = db_get_ll(res, 0, P_DUE);
		p->now = db_get_ll(res, 0, P_NOW);
		p->zone = g_strdup(db_value(res, 0, P_ZONE));
		p->has_offset = db_value(res, 0, P_OFFSET) != NULL;
		p->offset = (int)db_get_ll(res, 0, P_OFFSET);
	}
	PQclear(res);
	return 0;
}

int store_case_first_mail(struct db *db, long long id, long long *row_r, char **sender_r, char **queue_addr_r,
			  struct fault *f)
{
	PGresult *res = db_exec(db, "SELECT m.id, m.envelope_sender, q.address FROM cases c"
				" JOIN queues q ON q.id = c.queue_id JOIN messages m ON m.case_id = c.id"
				" WHERE c.id = $1 AND m.direction = 'in' AND m.kind = 'customer' ORDER BY m.id LIMIT 1",
				1, (const char *[]){ DB_ID(id) }, f);

	*row_r = 0;
	*sender_r = *queue_addr_r = NULL;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*row_r = db_get_ll(res, 0, 0);
		*sender_r = g_strdup(db_value(res, 0, 1));
		*queue_addr_r = g_strdup(db_value(res, 0, 2));
	}
	PQclear(res);
	return 0;
}

/* ---- part digest: the queue by mail ------------------------------------- */

/* The time a digest is made as of: $N as Unix seconds, else now(). */
#define STORE_DIGEST_NOW(n) "coalesce(to_timestamp(" n "::float8), now())"
/* The time zone of an agent's first queue's calendar (a.id: the agent). */
#define STORE_DIGEST_ZONE \
	"(SELECT coalesce(cal.timezone, 'UTC') FROM agent_queues aq JOIN queues q ON q.id = aq.queue_id" \
	" LEFT JOIN calendars cal ON cal.id = q.calendar_id WHERE aq.agent_id = a.id ORDER BY q.id LIMIT 1)"
/* A case's earliest due time. */
#define STORE_DIGEST_DUE "least(c.first_response_due, c.next_response_due, c.resolution_due)"

int store_digest_request(struct db *db, long long agent_id, const char *recipient, const unsigned char *raw_hash,
			 size_t hash_len, const char *from_addr, const char *message_id, bool trusted,
			 const char *outcome, bool *new_r, struct fault *f)
{
	const char *p[7] = { DB_ID(agent_id), recipient, (const char *)raw_hash, from_addr, message_id,
			     trusted ? "t" : "f", outcome };
	const int len[7] = { 0, 0, (int)hash_len, 0, 0, 0, 0 }, bin[7] = { 0, 0, 1, 0, 0, 0, 0 };
	PGresult *res = db_exec_bin(db,
		"INSERT INTO digest_requests (agent_id, recipient, raw_hash, from_addr, message_id, trusted, outcome)"
		" VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id", 7, p, len, bin, f);

	if (res == NULL)
		return -1;
	*new_r = PQntuples(res) == 1;
	PQclear(res);
	return 0;
}

int store_digest_agent(struct db *db, long long agent_id, struct store_digest_agent *a, bool *found_r,
		       struct fault *f)
{
	PGresult *res = db_exec(db,
		"SELECT a.name, a.email, q.address, coalesce(cal.timezone, 'UTC') FROM agents a"
		" JOIN agent_queues aq ON aq.agent_id = a.id JOIN queues q ON q.id = aq.queue_id"
		" LEFT JOIN calendars cal ON cal.id = q.calendar_id WHERE a.id = $1 AND a.active"
		" ORDER BY q.id LIMIT 1", 1, (const char *[]){ DB_ID(agent_id) }, f);

	memset(a, 0, sizeof(*a));
	*found_r = false;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*found_r = true;
		a->name = g_strdup(PQgetvalue(res, 0, 0));
		a->email = g_strdup(PQgetvalue(res, 0, 1));
		a->queue_addr = g_strdup(PQgetvalue(res, 0, 2));
		a->timezone = g_strdup(PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return 0;
}

void store_digest_agent_clear(struct store_digest_agent *a)
{
	g_free(a->name);
	g_free(a->email);
	g_free(a->queue_addr);
	g_free(a->timezone);
	memset(a, 0, sizeof(*a));
}

PGresult *store_digest_due(struct db *db, long long now, int hour, int limit, struct fault *f)
{
	return db_exec(db,
		"SELECT id, day FROM (SELECT a.id, (t.now AT TIME ZONE z.tz) AS local FROM agents a"
		" CROSS JOIN (SELECT " STORE_DIGEST_NOW("$1") " AS now) t"
		" CROSS JOIN LATERAL (SELECT " STORE_DIGEST_ZONE " AS tz) z WHERE a.active AND z.tz IS NOT NULL) s,"
		" LATERAL (SELECT to_char(s.local, 'YYYY-MM-DD') AS day) d"
		" WHERE extract(hour FROM s.local) = $2::int"
		" AND NOT EXISTS (SELECT 1 FROM digest_sent ds WHERE ds.agent_id = s.id AND ds.day = s.local::date)"
		" ORDER BY id LIMIT $3",
		3, (const char *[]){ DB_ID_OR_NULL(now), DB_ID(hour), DB_ID(limit) }, f);
}

int store_digest_claim(struct db *db, long long agent_id, const char *day, int cases, bool *claimed_r,
		       struct fault *f)
{
	long long got;

	if (store_query_ll(db, "INSERT INTO digest_sent (agent_id, day, cases) VALUES ($1, $2::date, $3)"
			   " ON CONFLICT DO NOTHING RETURNING agent_id",
			   3, (const char *[]){ DB_ID(agent_id), day, DB_ID(cases) }, &got, f) < 0)
		return -1;
	*claimed_r = got != 0;
	return 0;
}

PGresult *store_digest_cases(struct db *db, long long agent_id, long long now, int limit, struct fault *f)
{
	return db_exec(db,
		"SELECT id, subject, status, priority, customer, customer_name, queue, due, tz, mine, overdue, total"
		" FROM (SELECT c.id, c.subject, c.status, c.priority, cu.email AS customer, cu.name AS customer_name,"
		" q.name AS queue, " DB_EPOCH(STORE_DIGEST_DUE) " AS due, coalesce(cal.timezone, 'UTC') AS tz,"
		" c.assignee_id IS NOT NULL AS mine,"
		" coalesce(c.status IN ('new', 'open') AND " STORE_DIGEST_DUE " < t.now, false) AS overdue,"
		" count(*) OVER w AS total,"
		" row_number() OVER (w ORDER BY " STORE_DIGEST_DUE " NULLS LAST, c.id) AS n"
		" FROM cases c JOIN queues q ON q.id = c.queue_id LEFT JOIN calendars cal ON cal.id = q.calendar_id"
		" LEFT JOIN customers cu ON cu.id = c.customer_id"
		" CROSS JOIN (SELECT " STORE_DIGEST_NOW("$2") " AS now) t"
		" WHERE c.status IN ('new', 'open', 'pending') AND (c.assignee_id = $1 OR (c.assignee_id IS NULL"
		"  AND c.queue_id IN (SELECT queue_id FROM agent_queues WHERE agent_id = $1)))"
		" WINDOW w AS (PARTITION BY c.assignee_id IS NOT NULL)) x"
		" WHERE n <= $3 ORDER BY mine DESC, n",
		3, (const char *[]){ DB_ID(agent_id), DB_ID_OR_NULL(now), DB_ID(limit) }, f);
}

int store_digest_case_lock(struct db *db, long long case_id, long long agent_id, bool *ok_r,
			   enum case_status *status_r, enum case_priority *priority_r, long long *assignee_r,
			   struct fault *f)
{
	PGresult *res = db_exec(db,
		"SELECT c.status, c.priority, c.assignee_id FROM cases c WHERE c.id = $1"
		" AND c.queue_id IN (SELECT queue_id FROM agent_queues WHERE agent_id = $2) FOR UPDATE OF c",
		2, (const char *[]){ DB_ID(case_id), DB_ID(agent_id) }, f);

	*ok_r = false;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		*ok_r = true;
		*status_r = store_status(PQgetvalue(res, 0, 0));
		*priority_r = PRIORITY_NORMAL;
		(void)model_priority_parse(PQgetvalue(res, 0, 1), priority_r);
		*assignee_r = db_get_ll(res, 0, 2);
	}
	PQclear(res);
	return 0;
}

int store_digest_forget(struct db *db, int days, struct fault *f)
{
	const char *p[1] = { DB_ID(days) };

	if (db_run(db, "DELETE FROM digest_sent WHERE day < current_date - $1::int", 1, p, f) < 0)
		return -1;
	return db_run(db, "DELETE FROM digest_requests WHERE created < now() - make_interval(days => $1::int)", 1, p,
		      f);
}

/* ---- privacy: a person's data exported or erased (issue 16) ------------ */

/* The events, cases and messages that name the person ($1 a text[] of
 * their addresses, $2 a regular expression of their addresses and names,
 * matched case-insensitively): the conditions the export and the erasure
 * share. A raw message or outbox row names them when its bytes hold one of
 * the addresses in any ASCII case. */
#define STORE_RAW_NAMES(raw) "EXISTS (SELECT 1 FROM unnest($1::text[]) a WHERE strpos(lower(encode(" raw \
	", 'escape')), a) > 0)"
#define STORE_MESSAGE_NAMES "(postdesk_ascii_lower(m.from_addr) = ANY($1::text[]) OR m.to_addrs ~* $2 OR" \
	" m.cc_addrs ~* $2 OR m.subject ~* $2 OR m.body_text ~* $2 OR m.body_html ~* $2 OR " \
	STORE_RAW_NAMES("m.raw") ")"
#define STORE_OUTBOX_NAMES "(o.recipients && $1::text[] OR " STORE_RAW_NAMES("o.raw") ")"

/* addrs (char *) as a PostgreSQL text[] literal (g_free). */
static char *store_text_array(GPtrArray *addrs)
{
	GString *s = g_string_new("{");
	guint i;
	const char *c;

	for (i = 0; i < addrs->len; i++) {
		g_string_append(s, i > 0 ? ",\"" : "\"");
		for (c = addrs->pdata[i]; *c != '\0'; c++) {
			if (*c == '"' || *c == '\\')
				g_string_append_c(s, '\\');
			g_string_append_c(s, *c);
		}
		g_string_append_c(s, '"');
	}
	g_string_append_c(s, '}');
	return g_string_free(s, FALSE);
}

/* A regular expression (PostgreSQL ARE) matching any of words literally;
 * words shorter than 3 characters are left out (g_free; NULL when none). */
static char *store_words_regex(GPtrArray *words)
{
	GString *s = g_string_new(NULL);
	guint i;

	for (i = 0; i < words->len; i++) {
		char *e;

		if (g_utf8_strlen(words->pdata[i], -1) < 3)
			continue;
		e = g_regex_escape_string(words->pdata[i], -1);
		g_string_append(s, s->len > 0 ? "|" : "");
		g_string_append(s, e);
		g_free(e);
	}
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

int store_privacy_person(struct db *db, const char *email, struct privacy_person *p, struct fault *f)
{
	long long agents = 0;
	PGresult *res;
	int i;

	memset(p, 0, sizeof(*p));
	p->addrs = g_ptr_array_new_with_free_func(g_free);
	p->names = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(p->addrs, g_strdup(email));
	res = db_exec(db,
		"SELECT c.id, c.email, c.name FROM customers c WHERE c.email = $1"
		" OR c.id = (SELECT customer_id FROM customer_aliases WHERE address = $1)", 1,
		(const char *[]){ email }, f);
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		p->customer_id = db_get_ll(res, 0, 0);
		if (strcmp(PQgetvalue(res, 0, 1), email) != 0)
			g_ptr_array_add(p->addrs, g_strdup(PQgetvalue(res, 0, 1)));
		if (!PQgetisnull(res, 0, 2) && *PQgetvalue(res, 0, 2) != '\0')
			g_ptr_array_add(p->names, g_strdup(PQgetvalue(res, 0, 2)));
	}
	PQclear(res);
	res = db_exec(db, "SELECT address FROM customer_aliases WHERE customer_id = $1 AND address <> $2", 2,
		      (const char *[]){ DB_ID(p->customer_id), email }, f);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		g_ptr_array_add(p->addrs, g_strdup(PQgetvalue(res, i, 0)));
	PQclear(res);
	p->addr_array = store_text_array(p->addrs);
	if (store_query_ll(db, "SELECT count(*) FROM agents WHERE email = ANY($1::text[])", 1,
			   (const char *[]){ p->addr_array }, &agents, f) < 0)
		return -1;
	p->agent = agents > 0;
	/* the names they wrote under: the display names of their own mail */
	res = db_exec(db,
		"SELECT DISTINCT btrim(from_name) FROM messages WHERE postdesk_ascii_lower(from_addr) = ANY($1::text[])"
		" AND btrim(from_name) <> ''", 1, (const char *[]){ p->addr_array }, f);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		if (p->names->len == 0 || strcmp(p->names->pdata[0], PQgetvalue(res, i, 0)) != 0)
			g_ptr_array_add(p->names, g_strdup(PQgetvalue(res, i, 0)));
	PQclear(res);
	{
		GPtrArray *words = g_ptr_array_new();
		guint k;

		for (k = 0; k < p->addrs->len; k++)
			g_ptr_array_add(words, p->addrs->pdata[k]);
		for (k = 0; k < p->names->len; k++)
			g_ptr_array_add(words, p->names->pdata[k]);
		p->regex = store_words_regex(words);
		g_ptr_array_free(words, TRUE);
	}
	return 0;
}

void store_privacy_person_clear(struct privacy_person *p)
{
	if (p->addrs != NULL)
		g_ptr_array_free(p->addrs, TRUE);
	if (p->names != NULL)
		g_ptr_array_free(p->names, TRUE);
	g_free(p->addr_array);
	g_free(p->regex);
	memset(p, 0, sizeof(*p));
}

/* The parameters of the privacy queries: $1 the addresses and $2 the
 * customer id (_C), or $2 the regular expression of the addresses and
 * names (_R), or both: $2 the expression, $3 the customer (_RC). */
#define STORE_PRIVACY_C(p) 2, (const char *[]){ (p)->addr_array, DB_ID((p)->customer_id) }
#define STORE_PRIVACY_R(p) 2, (const char *[]){ (p)->addr_array, (p)->regex }
#define STORE_PRIVACY_RC(p) 3, (const char *[]){ (p)->addr_array, (p)->regex, DB_ID((p)->customer_id) }

PGresult *store_privacy_customer(struct db *db, const struct privacy_person *p, struct fault *f)
{
	return db_exec(db,
		"SELECT email, name, language, language_source, utc_offset, " DB_ISO("created") ", "
		DB_ISO("bounced_at") ", bounce_info FROM customers WHERE id = $1", 1,
		(const char *[]){ DB_ID(p->customer_id) }, f);
}

PGresult *store_privacy_cases(struct db *db, const struct privacy_person *p, struct fault *f)
{
	return db_exec(db,
		"SELECT c.id, q.name, CASE WHEN c.customer_id = $2 THEN 'customer' ELSE 'watcher' END, c.status,"
		" c.priority, c.subject, " DB_ISO("c.created") ", " DB_ISO("c.first_response_at") ", "
		DB_ISO("c.resolved_at") ", " DB_ISO("c.closed_at") ", c.rating, c.rating_comment, c.language"
		" FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.customer_id = $2 OR c.id IN"
		" (SELECT case_id FROM watchers WHERE address = ANY($1::text[])) ORDER BY c.id", STORE_PRIVACY_C(p), f);
}

PGresult *store_privacy_messages(struct db *db, const struct privacy_person *p, bool with_raw, struct fault *f)
{
	if (with_raw)
		return db_exec(db,
			"SELECT m.id, m.case_id, " DB_ISO("m.created") ", m.from_addr, m.raw FROM messages m"
			" WHERE postdesk_ascii_lower(m.from_addr) = ANY($1::text[]) AND m.raw IS NOT NULL ORDER BY m.id", 1,
			(const char *[]){ p->addr_array }, f);
	return db_exec(db,
		"SELECT m.id, m.case_id, " DB_ISO("m.created") ", m.direction, m.kind, m.from_addr, m.from_name,"
		" m.to_addrs, m.cc_addrs, m.subject, m.message_id, m.body_text, m.body_html FROM messages m"
		" WHERE (postdesk_ascii_lower(m.from_addr) = ANY($1::text[]) OR (m.kind IN ('customer', 'agent')"
		" AND m.case_id IN (SELECT id FROM cases WHERE customer_id = $2))) ORDER BY m.id", STORE_PRIVACY_C(p), f);
}

PGresult *store_privacy_attachments(struct db *db, const struct privacy_person *p, struct fault *f)
{
	return db_exec(db,
		"SELECT a.message_id, a.filename, a.content_type, a.size FROM attachments a JOIN messages m"
		" ON m.id = a.message_id WHERE (postdesk_ascii_lower(m.from_addr) = ANY($1::text[]) OR"
		" (m.kind IN ('customer', 'agent') AND m.case_id IN (SELECT id FROM cases WHERE customer_id = $2)))"
		" ORDER BY a.id", STORE_PRIVACY_C(p), f);
}

PGresult *store_privacy_events(struct db *db, const struct privacy_person *p, struct fault *f)
{
	return db_exec(db,
		"SELECT e.case_id, e.type, e.actor, e.detail, " DB_ISO("e.created") " FROM events e"
		" WHERE e.case_id IN (SELECT id FROM cases WHERE customer_id = $3) OR e.actor ~* $2 OR e.detail ~* $2"
		" OR postdesk_ascii_lower(e.actor) = ANY($1::text[]) ORDER BY e.id", STORE_PRIVACY_RC(p), f);
}

PGresult *store_privacy_outbox(struct db *db, const struct privacy_person *p, bool with_raw, struct fault *f)
{
	return db_exec(db, with_raw ?
		"SELECT o.id, o.case_id, " DB_ISO("coalesce(o.sent_at, o.created)") ", o.envelope_from, o.raw"
		" FROM outbox o WHERE o.recipients && $1::text[] ORDER BY o.id" :
		"SELECT o.id, o.case_id, o.kind, array_to_string(o.recipients, ','), o.status, " DB_ISO("o.created")
		", " DB_ISO("o.sent_at") " FROM outbox o WHERE o.recipients && $1::text[] ORDER BY o.id", 1,
		(const char *[]){ p->addr_array }, f);
}

/* Run a statement of the erasure and add the rows it touched to *count_r. */
static int store_privacy_count(struct db *db, const char *sql, int n, const char *const *params, long long *count_r,
			       struct fault *f)
{
	PGresult *res = db_exec(db, sql, n, params, f);

	if (res == NULL)
		return -1;
	*count_r += g_ascii_strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}

int store_privacy_erase(struct db *db, const struct privacy_person *p, long long at, struct privacy_erased *n,
			struct fault *f)
{
	long long ignored = 0;
	PGresult *res;
	int i;

	memset(n, 0, sizeof(*n));
	/* their cases: their own, and those of no customer that hold their mail (quarantined) */
	if (db_run(db, "CREATE TEMP TABLE privacy_cases ON COMMIT DROP AS SELECT id, true AS own FROM cases"
		   " WHERE customer_id = $2 OR (customer_id IS NULL AND id IN (SELECT case_id FROM messages"
		   " WHERE postdesk_ascii_lower(from_addr) = ANY($1::text[])))", STORE_PRIVACY_C(p), f) < 0)
		return -1;
	res = db_exec(db, "SELECT id FROM privacy_cases ORDER BY id", 0, NULL, f);
	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		if (store_case_purge(db, db_get_ll(res, i, 0), at, f) < 0) {
			PQclear(res);
			return -1;
		}
	}
	n->cases = PQntuples(res);
	PQclear(res);
	/* other people's cases: where they were copied, or are named */
	if (db_run(db, "INSERT INTO privacy_cases SELECT DISTINCT case_id, false FROM ("
		   " SELECT case_id FROM watchers WHERE address = ANY($1::text[])"
		   " UNION SELECT m.case_id FROM messages m WHERE " STORE_MESSAGE_NAMES
		   " UNION SELECT o.case_id FROM outbox o WHERE o.case_id IS NOT NULL AND " STORE_OUTBOX_NAMES
		   " UNION SELECT c.id FROM cases c WHERE c.subject ~* $2 OR c.rating_comment ~* $2"
		   " UNION SELECT case_id FROM events WHERE actor ~* $2 OR detail ~* $2) x"
		   " WHERE case_id NOT IN (SELECT id FROM privacy_cases)", STORE_PRIVACY_R(p), f) < 0 ||
	    store_privacy_count(db, "DELETE FROM watchers WHERE address = ANY($1::text[])", 1,
				(const char *[]){ p->addr_array }, &n->watchers, f) < 0 ||
	    store_privacy_count(db, "DELETE FROM messages WHERE postdesk_ascii_lower(from_addr) = ANY($1::text[])", 1,
				(const char *[]){ p->addr_array }, &n->messages, f) < 0 ||
	    /* postdesk's own mail naming them (notifications) carries their text: it goes too */
	    store_privacy_count(db, "DELETE FROM messages m WHERE m.direction = 'out' AND m.kind IN ('system', 'auto')"
				" AND " STORE_MESSAGE_NAMES, STORE_PRIVACY_R(p), &n->messages, f) < 0 ||
	    store_privacy_count(db, "UPDATE messages m SET raw = NULL, from_name = CASE WHEN m.from_name ~* $2 THEN NULL"
				" ELSE m.from_name END, to_addrs = regexp_replace(m.to_addrs, $2, '[erased]', 'gi'),"
				" cc_addrs = regexp_replace(m.cc_addrs, $2, '[erased]', 'gi'),"
				" subject = regexp_replace(m.subject, $2, '[erased]', 'gi'),"
				" body_text = regexp_replace(m.body_text, $2, '[erased]', 'gi'),"
				" body_html = regexp_replace(m.body_html, $2, '[erased]', 'gi')"
				" WHERE " STORE_MESSAGE_NAMES, STORE_PRIVACY_R(p), &n->scrubbed, f) < 0 ||
	    store_privacy_count(db, "DELETE FROM outbox o WHERE " STORE_OUTBOX_NAMES, 1,
				(const char *[]){ p->addr_array }, &n->outbox, f) < 0 ||
	    store_privacy_count(db, "UPDATE events SET actor = CASE WHEN actor ~* $2 OR postdesk_ascii_lower(actor) ="
				" ANY($1::text[]) THEN NULL ELSE actor END, detail = regexp_replace(detail, $2, '[erased]',"
				" 'gi') WHERE actor ~* $2 OR detail ~* $2 OR postdesk_ascii_lower(actor) = ANY($1::text[])",
				STORE_PRIVACY_R(p), &n->events, f) < 0 ||
	    store_privacy_count(db, "UPDATE cases SET subject = regexp_replace(subject, $1, '[erased]', 'gi'),"
				" rating_comment = regexp_replace(rating_comment, $1, '[erased]', 'gi')"
				" WHERE subject ~* $1 OR rating_comment ~* $1", 1, (const char *[]){ p->regex },
				&ignored, f) < 0 ||
	    store_privacy_count(db, "UPDATE digest_requests SET from_addr = NULL"
				" WHERE postdesk_ascii_lower(from_addr) = ANY($1::text[])", 1,
				(const char *[]){ p->addr_array }, &ignored, f) < 0 ||
	    store_privacy_count(db, "DELETE FROM auto_mail_counts WHERE address = ANY($1::text[])", 1,
				(const char *[]){ p->addr_array }, &n->rate_rows, f) < 0 ||
	    store_privacy_count(db, "DELETE FROM customer_aliases WHERE address = ANY($1::text[]) OR customer_id = $2",
				STORE_PRIVACY_C(p), &ignored, f) < 0 ||
	    store_privacy_count(db, "DELETE FROM customers WHERE id = $2 OR email = ANY($1::text[])",
				STORE_PRIVACY_C(p), &ignored, f) < 0)
		return -1;
	/* an event on every case touched, naming nobody */
	res = db_exec(db, "INSERT INTO events (case_id, type, detail) SELECT id, $1, CASE WHEN own"
		      " THEN 'personal data erased on request: the customer, their mail and the case''s people removed'"
		      " ELSE 'personal data erased on request: a copied person removed' END FROM privacy_cases RETURNING 1",
		      1, (const char *[]){ model_event_name(EV_ERASED) }, f);
	if (res == NULL)
		return -1;
	n->touched = PQntuples(res) - n->cases;
	PQclear(res);
	return 0;
}

int store_auto_mail_forget(struct db *db, struct fault *f)
{
	return db_run(db, "DELETE FROM auto_mail_counts WHERE day < current_date", 0, NULL, f);
}

/* ---- part report: figures over a period (sql/013_report.sql) ----------- */

int store_case_business_write(struct db *db, long long id, long long first_s, long long resolution_s,
			      struct fault *f)
{
	return db_run(db, "UPDATE cases SET first_response_business_s = coalesce(first_response_business_s, $2::bigint),"
		      " resolution_business_s = CASE WHEN resolved_at IS NOT NULL"
		      "  THEN coalesce(resolution_business_s, $3::bigint) END WHERE id = $1", 3,
		      (const char *[]){ DB_ID(id), first_s < 0 ? NULL : DB_ID(first_s),
					resolution_s < 0 ? NULL : DB_ID(resolution_s) }, f);
}

/* The period's cases (p), the filter's parameters $1..$4. */
#define STORE_REPORT_CASES \
	"WITH p AS (SELECT c.* FROM cases c JOIN queues q ON q.id = c.queue_id" \
	" LEFT JOIN agents a ON a.id = c.assignee_id" \
	" WHERE c.created >= $1::timestamptz AND c.created < $2::timestamptz AND NOT c.spam" \
	" AND c.merged_into IS NULL AND ($3::text IS NULL OR q.name = $3)" \
	" AND ($4::text IS NULL OR a.email = postdesk_ascii_lower($4)))"
#define STORE_REPORT_PCT(q, expr) "percentile_cont(" q ") WITHIN GROUP (ORDER BY " expr ")"
#define STORE_REPORT_FR "extract(epoch FROM p.first_response_at - p.created)"
#define STORE_REPORT_RS "extract(epoch FROM p.resolved_at - p.created)"
#define STORE_REPORT_PARAMS(q) (const char *[]){ (q)->from, (q)->to, (q)->queue, (q)->agent }

PGresult *store_report_figures(struct db *db, const struct store_report_filter *q, struct fault *f)
{
	return db_exec(db, STORE_REPORT_CASES ","
		" ev AS (SELECT e.case_id, bool_or(e.type = 'reopened') AS reopened,"
		"  count(*) FILTER (WHERE e.detail LIKE 'level 1: first response%') AS br_first,"
		"  count(*) FILTER (WHERE e.detail LIKE 'level 1: next response%') AS br_next,"
		"  count(*) FILTER (WHERE e.detail LIKE 'level 1: resolution%') AS br_resolution"
		"  FROM events e JOIN p ON p.id = e.case_id"
		"  WHERE e.type = 'reopened' OR (e.type = 'escalated' AND e.detail LIKE 'level 1:%')"
		"  GROUP BY e.case_id)"
		" SELECT q.name, q.language, count(p.id), count(p.resolved_at), count(p.id) FILTER (WHERE ev.reopened),"
		" " STORE_REPORT_PCT("0.5", STORE_REPORT_FR) ", " STORE_REPORT_PCT("0.9", STORE_REPORT_FR) ","
		" " STORE_REPORT_PCT("0.5", "p.first_response_business_s") ", " STORE_REPORT_PCT("0.9", "p.first_response_business_s") ","
		" " STORE_REPORT_PCT("0.5", STORE_REPORT_RS) ", " STORE_REPORT_PCT("0.9", STORE_REPORT_RS) ","
		" " STORE_REPORT_PCT("0.5", "p.resolution_business_s") ", " STORE_REPORT_PCT("0.9", "p.resolution_business_s") ","
		" coalesce(sum(ev.br_first), 0), coalesce(sum(ev.br_next), 0), coalesce(sum(ev.br_resolution), 0),"
		" count(p.survey_sent_at), count(p.rating), round(avg(p.rating), 2),"
		" count(*) FILTER (WHERE p.rating = 1), count(*) FILTER (WHERE p.rating = 2),"
		" count(*) FILTER (WHERE p.rating = 3), count(*) FILTER (WHERE p.rating = 4),"
		" count(*) FILTER (WHERE p.rating = 5),"
		" " DB_ISO("$1::timestamptz") ", " DB_ISO("$2::timestamptz")
		" FROM queues q LEFT JOIN p ON p.queue_id = q.id LEFT JOIN ev ON ev.case_id = p.id"
		" WHERE $3::text IS NULL OR q.name = $3"
		" GROUP BY GROUPING SETS ((q.name, q.language), ()) ORDER BY GROUPING(q.name), q.name",
		4, STORE_REPORT_PARAMS(q), f);
}

PGresult *store_report_backlog(struct db *db, const struct store_report_filter *q, struct fault *f)
{
	return db_exec(db,
		"SELECT q.name, count(*) FILTER (WHERE c.status = 'new'), count(*) FILTER (WHERE c.status = 'open'),"
		" count(*) FILTER (WHERE c.status = 'pending'), count(*) FILTER (WHERE c.status = 'resolved'),"
		" count(*) FILTER (WHERE c.status <> 'resolved' AND c.created > now() - interval '1 day'),"
		" count(*) FILTER (WHERE c.status <> 'resolved' AND c.created <= now() - interval '1 day'"
		"  AND c.created > now() - interval '3 days'),"
		" count(*) FILTER (WHERE c.status <> 'resolved' AND c.created <= now() - interval '3 days'"
		"  AND c.created > now() - interval '7 days'),"
		" count(*) FILTER (WHERE c.status <> 'resolved' AND c.created <= now() - interval '7 days'"
		"  AND c.created > now() - interval '30 days'),"
		" count(*) FILTER (WHERE c.status <> 'resolved' AND c.created <= now() - interval '30 days')"
		" FROM queues q LEFT JOIN cases c ON c.queue_id = q.id AND c.status IN ('new', 'open', 'pending', 'resolved')"
		"  AND NOT c.spam AND c.merged_into IS NULL"
		"  AND ($4::text IS NULL OR c.assignee_id = (SELECT id FROM agents WHERE email = postdesk_ascii_lower($4)))"
		" WHERE ($3::text IS NULL OR q.name = $3) AND $1::text IS NOT NULL AND $2::text IS NOT NULL"
		" GROUP BY GROUPING SETS ((q.name), ()) ORDER BY GROUPING(q.name), q.name",
		4, STORE_REPORT_PARAMS(q), f);
}

PGresult *store_report_agents(struct db *db, const struct store_report_filter *q, struct fault *f)
{
	return db_exec(db, STORE_REPORT_CASES
		" SELECT q.name, a.email, count(*), count(p.first_response_at),"
		" " STORE_REPORT_PCT("0.5", STORE_REPORT_FR)
		" FROM p JOIN queues q ON q.id = p.queue_id JOIN agents a ON a.id = p.assignee_id"
		" GROUP BY GROUPING SETS ((q.name, a.email), (a.email)) ORDER BY GROUPING(q.name), q.name, a.email",
		4, STORE_REPORT_PARAMS(q), f);
}

PGresult *store_report_comments(struct db *db, const struct store_report_filter *q, struct fault *f)
{
	return db_exec(db, STORE_REPORT_CASES
		", r AS (SELECT q.name, p.id, p.rating, p.rating_comment, p.rated_at,"
		"  row_number() OVER (PARTITION BY p.queue_id ORDER BY p.rated_at DESC, p.id DESC) AS n,"
		"  row_number() OVER (ORDER BY p.rated_at DESC, p.id DESC) AS t"
		"  FROM p JOIN queues q ON q.id = p.queue_id"
		"  WHERE p.rating IS NOT NULL AND p.rating_comment IS NOT NULL AND p.rating_comment <> '')"
		" SELECT name, id, rating, rating_comment, " DB_ISO("rated_at") ", 0 AS g, rated_at FROM r WHERE n <= 10"
		" UNION ALL SELECT NULL, id, rating, rating_comment, " DB_ISO("rated_at") ", 1, rated_at FROM r WHERE t <= 10"
		" ORDER BY 6, 1, 7 DESC, 2 DESC",
		4, STORE_REPORT_PARAMS(q), f);
}

/* ---- part mail: the report as a mail (issue 16) ------------------------ */

int store_report_from(struct db *db, const char *name, char **addr_r, struct fault *f)
{
	PGresult *res = db_exec(db,
		"SELECT address FROM queues ORDER BY name IS NOT DISTINCT FROM $1 DESC, id LIMIT 1", 1,
		(const char *[]){ name }, f);

	*addr_r = NULL;
	if (res == NULL)
		return -1;
	if (PQntuples(res) == 1)
		*addr_r = g_strdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}
