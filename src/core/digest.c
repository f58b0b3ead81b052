/* digest.c: the queue by mail (see digest.h): the digest of an agent's
 * cases, the command lines of mail to their digest address, and the daily
 * digest of the sweeper. */
#include <glib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "agentcmd.h"
#include "compose.h"
#include "config.h"
#include "db.h"
#include "digest.h"
#include "log.h"
#include "mail.h"
#include "outbound.h"
#include "outbox.h"
#include "quote.h"
#include "sla.h"
#include "store.h"
#include "template.h"
#include "token.h"

/* The agent a digest is for, and their digest address. */
struct digest_agent {
	long long id;
	struct store_digest_agent a;
	char *address;			/* their digest address */
	const char *from_addr;		/* the queue address the digest comes from */
};

/* Free what an agent record holds. */
static void digest_agent_clear(struct digest_agent *da)
{
	store_digest_agent_clear(&da->a);
	g_free(da->address);
}

/* Load the agent and make their digest address on queue_addr (NULL: their
 * first queue's); *found_r false when they are not active or in no queue. */
static int digest_agent_load(struct outbound *ob, long long agent_id, const char *queue_addr,
			     struct digest_agent *da, bool *found_r, struct fault *f)
{
	char token[TOKEN_MAX];
	const char *at;

	memset(da, 0, sizeof(*da));
	da->id = agent_id;
	if (store_digest_agent(ob->db, agent_id, &da->a, found_r, f) < 0)
		return -1;
	if (!*found_r)
		return 0;
	da->from_addr = queue_addr ? queue_addr : da->a.queue_addr;
	if (token_make(ob->ring, agent_id, TOKEN_ROLE_DIGEST, token, f) < 0)
		return -1;
	at = strrchr(da->from_addr, '@');
	da->address = g_strdup_printf("%.*s%c%s%s", (int)(at - da->from_addr), da->from_addr,
				      ob->cfg->recipient_delimiter[0], token, at);
	return 0;
}

/* An instant as local time of zone: "2026-11-23 14:00 CET" (g_free). */
static char *digest_local(long long when, const char *zone, const char *format)
{
	GTimeZone *tz = g_time_zone_new_identifier(zone);
	GDateTime *utc = g_date_time_new_from_unix_utc(when), *local;
	char *text;

	if (tz == NULL)
		tz = g_time_zone_new_utc();	/* calendar add checked it; the system's tzdata may differ */
	local = g_date_time_to_timezone(utc, tz);
	text = g_date_time_format(local, format);
	g_date_time_unref(local);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);
	return text;
}

/* One listed case into a new item of list: id, subject, status, priority,
 * customer (and customer_name), queue, due (local time of its queue's
 * zone, unset when none), overdue, and the one-click mailto: links
 * assign_url (unassigned ones) and resolve_url to the digest address. */
static void digest_case_vars(struct template_vars *v, const char *list, const PGresult *res, int row,
			     const struct outbound *ob, const struct digest_agent *da)
{
	struct template_vars *item = template_vars_add(v, list);
	const char *id = db_value(res, row, DG_ID);
	bool mine = db_get_bool(res, row, DG_MINE);
	char *subject = g_strdup_printf("[%s #%s]", ob->cfg->helpdesk_name, id);
	char *body = g_strdup_printf(mine ? "#resolve %s" : "#assign %s me", id), *url;

	template_vars_set(item, "id", id);
	template_vars_set(item, "subject", db_value(res, row, DG_SUBJECT));
	template_vars_set(item, "status", db_value(res, row, DG_STATUS));
	template_vars_set(item, "priority", db_value(res, row, DG_PRIORITY));
	template_vars_set(item, "customer", db_value(res, row, DG_CUSTOMER));
	template_vars_set(item, "customer_name", db_value(res, row, DG_CUSTOMER_NAME));
	template_vars_set(item, "queue", db_value(res, row, DG_QUEUE));
	template_vars_set(item, "overdue", db_get_bool(res, row, DG_OVERDUE) ? "yes" : NULL);
	if (db_value(res, row, DG_DUE) != NULL) {
		char *due = digest_local(db_get_ll(res, row, DG_DUE), db_value(res, row, DG_TIMEZONE),
					 "%Y-%m-%d %H:%M %Z");

		template_vars_set(item, "due", due);
		g_free(due);
	}
	url = template_mailto(da->address, subject, body);
	template_vars_set(item, mine ? "resolve_url" : "assign_url", url);
	g_free(url);
	g_free(subject);
	g_free(body);
}

/* Set name to the number n. */
static void digest_set_count(struct template_vars *v, const char *name, long long n)
{
	char num[24];

	snprintf(num, sizeof(num), "%lld", n);
	template_vars_set(v, name, num);
}

/* The digest's own variables: agent_name, agent_email, digest_address
 * and digest_url (a mailto: link asking for the digest), today (the agent's local date), the lists mine and unassigned with
 * their counts (mine_count, unassigned_count, overdue_count) and what the
 * limit left out (mine_more, unassigned_more; unset when nothing).
 * *listed_r: how many cases it lists. */
static int digest_vars(struct outbound *ob, const struct digest_agent *da, long long now, struct template_vars *v,
		       int *listed_r, struct fault *f)
{
	PGresult *res = store_digest_cases(ob->db, da->id, now, DIGEST_CASES_MAX, f);
	long long total[2] = { 0, 0 }, shown[2] = { 0, 0 }, overdue = 0;
	char *today, *url;
	int i;

	if (res == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++) {
		int part = db_get_bool(res, i, DG_MINE) ? 0 : 1;

		digest_case_vars(v, part == 0 ? "mine" : "unassigned", res, i, ob, da);
		total[part] = db_get_ll(res, i, DG_TOTAL);
		shown[part]++;
		overdue += db_get_bool(res, i, DG_OVERDUE);
	}
	*listed_r = PQntuples(res);
	PQclear(res);
	today = digest_local(now ? now : (long long)(g_get_real_time() / G_USEC_PER_SEC), da->a.timezone, "%Y-%m-%d");
	template_vars_set(v, "helpdesk_name", ob->cfg->helpdesk_name);
	template_vars_set(v, "agent_name", da->a.name);
	template_vars_set(v, "agent_email", da->a.email);
	template_vars_set(v, "digest_address", da->address);
	template_vars_set(v, "today", today);
	url = template_mailto(da->address, "digest", NULL);
	template_vars_set(v, "digest_url", url);
	g_free(url);
	digest_set_count(v, "mine_count", total[0]);
	digest_set_count(v, "unassigned_count", total[1]);
	digest_set_count(v, "overdue_count", overdue);
	if (overdue == 0)
		template_vars_set(v, "overdue_count", NULL);
	if (total[0] > shown[0])
		digest_set_count(v, "mine_more", total[0] - shown[0]);
	if (total[1] > shown[1])
		digest_set_count(v, "unassigned_more", total[1] - shown[1]);
	g_free(today);
	return 0;
}

/* Render the digest with v and queue it to the agent: the daily one
 * (reply NULL; auto-generated, from the queue address) or the answer to
 * mail reply (auto-replied, the null sender, threaded to it). */
static int digest_queue(struct outbound *ob, const struct digest_agent *da, const struct template_vars *v,
			const struct mail *reply, struct fault *f)
{
	const char *builtin = POSTDESK_TEMPLATE_DIR;
	const char *override = strcmp(ob->cfg->template_dir, builtin) == 0 ? NULL : ob->cfg->template_dir;
	const char *to[2] = { da->a.email, NULL };
	struct template_result r = { 0 };
	unsigned char rnd[8];
	char rhex[sizeof(rnd) * 2 + 1], *msgid, *raw = NULL;
	long long id;
	size_t len;
	int ret = -1;

	if (template_render(override, builtin, ob->cfg->default_language, ob->cfg->default_language, "digest", v, &r,
			    f) < 0)
		return -1;
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(rhex, sizeof(rhex), rnd, sizeof(rnd));
	/* not a signed case Message-ID: a reply to it threads into no case */
	msgid = g_strdup_printf("pd-digest.%lld.%s@%s", da->id, rhex, strrchr(da->from_addr, '@') + 1);
	{
		struct compose comp = {
			.from_name = ob->cfg->helpdesk_name, .from_addr = da->from_addr, .reply_to = da->address,
			.to = to, .subject = r.subject, .text = r.text, .html = r.html, .message_id = msgid,
			.in_reply_to = reply ? reply->message_id : NULL,
			.auto_submitted = reply ? "auto-replied" : "auto-generated", .loop = da->from_addr,
			.language = ob->cfg->default_language,
		};

		if (compose_build(&comp, &raw, &len, f) < 0)
			goto out;
	}
	if (outbox_add(ob->db, 0, reply ? "digest-answer" : "digest", reply ? "" : da->from_addr, to, 1, raw, len,
		       ob->send_now ? outbox_lease(ob->cfg) : 0, &id, f) < 0)
		goto out;
	g_array_append_val(ob->queued, id);
	ret = 0;
out:
	template_result_clear(&r);
	g_free(msgid);
	g_free(raw);
	return ret;
}

/* ---- command lines ---------------------------------------------------- */

/* An #assign of a digest command: to whom (me: the agent), checked. */
static int digest_assign(struct outbound *ob, const struct digest_agent *da, long long case_id,
			 const struct agentcmd *cmd, long long assignee, struct template_vars *item, struct fault *f)
{
	const char *who = cmd->assign_me ? da->a.email : cmd->assign;
	long long to = da->id;

	if (!cmd->assign_me && store_agent_active(ob->db, cmd->assign, &to, f) < 0)
		return -1;
	if (to == 0) {
		template_vars_set(item, "no_agent", "yes");
		return 0;
	}
	if (to == assignee) {
		template_vars_set(item, "same", who);
		return 0;
	}
	if (store_case_assign_id(ob->db, case_id, to, f) < 0 ||
	    store_event(ob->db, case_id, EV_ASSIGNED, da->a.email, who, f) < 0)
		return -1;
	template_vars_set(item, "done_assignee", who);
	return to == da->id ? 0 : outbound_assigned_notice(ob, case_id, to, da->a.email, f);
}

/* Run one command line for the agent, its result in item: line, case_id,
 * and one of error (why it is bad), refused (not a case of the agent's
 * queues, or none), no_agent (#assign names no active agent), same (what
 * the case already is: nothing done), done_status ("open -> pending"),
 * done_priority, done_assignee. */
static int digest_command(struct outbound *ob, const struct digest_agent *da, const char *line,
			  struct template_vars *item, struct fault *f)
{
	enum case_status status;
	enum case_priority priority;
	struct agentcmd cmd;
	long long case_id, assignee;
	bool ok;
	int ret = -1;

	agentcmd_parse_case(line, &case_id, &cmd);
	{
		char *shown = g_strstrip(g_strdup(line));

		template_vars_set(item, "line", shown);
		g_free(shown);
	}
	if (case_id > 0)
		digest_set_count(item, "case_id", case_id);
	if (cmd.error != NULL) {
		template_vars_set(item, "error", cmd.error);
		ret = 0;
		goto out;
	}
	if (store_digest_case_lock(ob->db, case_id, da->id, &ok, &status, &priority, &assignee, f) < 0)
		goto out;
	if (!ok) {
		template_vars_set(item, "refused", "yes");
		ret = 0;
		goto out;
	}
	if (cmd.assign != NULL || cmd.assign_me) {
		ret = digest_assign(ob, da, case_id, &cmd, assignee, item, f);
	} else if (cmd.set_priority) {
		ret = 0;
		if (cmd.priority == priority)
			template_vars_set(item, "same", model_priority_name(priority));
		else if ((ret = store_case_set_priority(ob->db, case_id, cmd.priority, f)) == 0 &&
			 (ret = store_event(ob->db, case_id, EV_PRIORITY, da->a.email, model_priority_name(cmd.priority),
					    f)) == 0)
			template_vars_set(item, "done_priority", model_priority_name(cmd.priority));
	} else if (cmd.status == status) {
		template_vars_set(item, "same", model_status_name(status));
		ret = 0;
	} else {
		char *detail = g_strdup_printf("%s -> %s", model_status_name(status), model_status_name(cmd.status));

		ret = store_case_set_status(ob->db, case_id, cmd.status, 0, NULL, f);
		if (ret == 0)
			ret = store_event(ob->db, case_id, EV_STATUS, da->a.email, detail, f);
		if (ret == 0)
			template_vars_set(item, "done_status", detail);
		g_free(detail);
	}
	if (ret == 0)
		ret = sla_refresh(ob->db, case_id, 0, f);
out:
	agentcmd_clear(&cmd);
	return ret;
}

/* Run the command lines of the agent's new text (the quoted digest cut
 * off), at most DIGEST_COMMANDS_MAX, each result an item of the list
 * commands; commands_left_out and commands_max when there were more. */
static int digest_commands(struct outbound *ob, const struct digest_agent *da, const struct mail *mail,
			   struct template_vars *v, struct fault *f)
{
	struct quote_reply reply;
	char **lines;
	int i, n = 0, ret = 0;

	quote_reply(mail->body_text ? mail->body_text : "", &reply);
	lines = g_strsplit(reply.text, "\n", -1);
	for (i = 0; lines[i] != NULL && ret == 0; i++) {
		const char *l = lines[i] + strspn(lines[i], " \t");

		if (l[0] != '#' || !g_ascii_isalpha(l[1]))
			continue;	/* text, or a "#42" of a quoted list: not a command */
		if (n++ == DIGEST_COMMANDS_MAX) {
			digest_set_count(v, "commands_max", DIGEST_COMMANDS_MAX);
			template_vars_set(v, "commands_left_out", "yes");
			break;
		}
		ret = digest_command(ob, da, l, template_vars_add(v, "commands"), f);
	}
	g_strfreev(lines);
	quote_reply_clear(&reply);
	return ret;
}

int digest_answer(struct outbound *ob, const struct digest_request *rq, bool *dup_r, struct fault *f)
{
	const struct mail *m = rq->mail;
	bool trusted = rq->verdict == DIGEST_ANSWER, fresh, found;
	struct template_vars *v = NULL;
	struct digest_agent da;
	int listed, ret = -1;

	*dup_r = false;
	if (store_digest_request(ob->db, rq->agent_id, rq->recipient, rq->raw_hash, rq->hash_len, m->from_addr,
				 m->message_id, trusted, rq->outcome, &fresh, f) < 0)
		return -1;
	*dup_r = !fresh;
	if (!fresh || !trusted)
		return 0;	/* dealt with before, or not the agent's: nothing mailed, nothing changed */
	if (digest_agent_load(ob, rq->agent_id, rq->queue_addr, &da, &found, f) < 0)
		goto out;
	if (!found) {
		/* an active agent in no queue: no cases to act on, none to list */
		ret = 0;
		goto out;
	}
	v = template_vars_new();
	template_vars_set(v, "requested", "yes");
	if (digest_commands(ob, &da, m, v, f) < 0 || digest_vars(ob, &da, 0, v, &listed, f) < 0)
		goto out;
	ret = digest_queue(ob, &da, v, m, f);
out:
	template_vars_free(&v);
	digest_agent_clear(&da);
	return ret;
}

int digest_address(const struct config *cfg, struct db *db, const struct keyring *ring, const char *email,
		   char **addr_r, struct fault *f)
{
	struct outbound ob = { .cfg = cfg, .db = db, .ring = ring };
	struct digest_agent da = { 0 };
	long long id;
	bool found = false;
	int ret = store_agent_active(db, email, &id, f);

	*addr_r = NULL;
	if (ret == 0 && id > 0)
		ret = digest_agent_load(&ob, id, NULL, &da, &found, f);
	if (ret == 0 && found)
		*addr_r = g_steal_pointer(&da.address);
	digest_agent_clear(&da);
	return ret;
}

/* ---- the daily digest ---------------------------------------------------- */

/* One agent's daily digest of local day, in a transaction: claimed, and
 * queued unless it lists nothing. */
static int digest_daily(struct outbound *ob, long long agent_id, const char *day, long long now,
			struct digest_stats *st, struct fault *f)
{
	struct template_vars *v = template_vars_new();
	struct digest_agent da;
	bool claimed, found;
	int listed = 0, ret = -1;

	if (db_begin(ob->db, f) < 0) {
		template_vars_free(&v);
		return -1;
	}
	g_array_set_size(ob->queued, 0);
	if (digest_agent_load(ob, agent_id, NULL, &da, &found, f) < 0 || (found && digest_vars(ob, &da, now, v, &listed,
											  f) < 0) ||
	    store_digest_claim(ob->db, agent_id, day, listed, &claimed, f) < 0)
		goto out;
	if (claimed && listed > 0 && digest_queue(ob, &da, v, NULL, f) < 0)
		goto out;
	ret = db_commit(ob->db, f);
	if (ret == 0 && claimed)
		(*(listed > 0 ? &st->sent : &st->empty))++;
out:
	if (ret < 0)
		db_rollback(ob->db);
	template_vars_free(&v);
	digest_agent_clear(&da);
	return ret;
}

int digest_sweep(const struct config *cfg, struct db *db, const struct keyring *ring, long long now, int hour,
		 struct digest_stats *st, struct fault *f)
{
	GArray *queued = g_array_new(FALSE, FALSE, sizeof(long long));
	struct outbound ob = { .cfg = cfg, .db = db, .ring = ring, .queued = queued };
	PGresult *due = store_digest_due(db, now, hour, 1000, f);
	int i, ret = 0;

	if (due == NULL) {
		g_array_free(queued, TRUE);
		return -1;
	}
	for (i = 0; i < PQntuples(due) && ret == 0; i++) {
		long long agent = db_get_ll(due, i, 0);

		if (digest_daily(&ob, agent, PQgetvalue(due, i, 1), now, st, f) == 0)
			continue;
		if (f->kind != FAULT_PERMANENT) {
			ret = -1;
			break;
		}
		/* a broken template must not hold up the other agents' digests */
		log_warning("digest: agent %lld skipped: %s", agent, f->text);
		fault_clear(f);
		st->failed++;
	}
	PQclear(due);
	if (ret == 0)
		ret = store_digest_forget(db, DIGEST_KEEP_DAYS, f);
	g_array_free(queued, TRUE);
	return ret;
}
