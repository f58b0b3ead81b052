/* report.c: the figures of "postdesk report" from store.c's queries into
 * struct report, and written out as text or JSON. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "duration.h"
#include "json.h"
#include "report.h"
#include "store.h"

/* Free one agent's row. */
static void report_agent_free(gpointer p)
{
	struct report_agent *a = p;

	g_free(a->email);
	g_free(a);
}

/* Free one comment. */
static void report_comment_free(gpointer p)
{
	struct report_comment *c = p;

	g_free(c->comment);
	g_free(c->created);
	g_free(c);
}

/* Free one queue's (or the total's) figures. */
static void report_figures_free(gpointer p)
{
	struct report_figures *fg = p;

	if (fg == NULL)
		return;
	g_free(fg->name);
	g_free(fg->language);
	g_ptr_array_free(fg->agents, TRUE);
	g_ptr_array_free(fg->comments, TRUE);
	g_free(fg);
}

void report_free(struct report **r)
{
	if (*r == NULL)
		return;
	g_free((*r)->from);
	g_free((*r)->to);
	g_ptr_array_free((*r)->queues, TRUE);
	report_figures_free((*r)->total);
	g_free(*r);
	*r = NULL;
}

/* A double column; 0 when NULL. */
static double report_num(const PGresult *res, int row, int col)
{
	const char *v = db_value(res, row, col);

	return v != NULL ? g_ascii_strtod(v, NULL) : 0;
}

/* The figures row's queue: the queue named in column 0, the total when NULL. */
static struct report_figures *report_find(struct report *r, const PGresult *res, int row)
{
	const char *name = db_value(res, row, 0);
	guint i;

	if (name == NULL)
		return r->total;
	for (i = 0; i < r->queues->len; i++) {
		struct report_figures *fg = g_ptr_array_index(r->queues, i);

		if (strcmp(fg->name, name) == 0)
			return fg;
	}
	return NULL;
}

/* A distribution from four percentile columns starting at col. */
static void report_dist_read(const PGresult *res, int row, int col, struct report_dist *d)
{
	d->have = db_value(res, row, col) != NULL;
	d->p50_s = report_num(res, row, col);
	d->p90_s = report_num(res, row, col + 1);
	d->business_p50_s = report_num(res, row, col + 2);
	d->business_p90_s = report_num(res, row, col + 3);
}

/* The period and the figures of each queue and of the total. */
static void report_read_figures(struct report *r, const PGresult *res)
{
	int i, k;

	for (i = 0; i < PQntuples(res); i++) {
		struct report_figures *fg = g_new0(struct report_figures, 1);
		const char *name = db_value(res, i, RP_QUEUE);

		fg->name = g_strdup(name != NULL ? name : "total");
		fg->language = g_strdup(db_value(res, i, RP_LANGUAGE));
		fg->opened = db_get_ll(res, i, RP_OPENED);
		fg->resolved = db_get_ll(res, i, RP_RESOLVED);
		fg->reopened = db_get_ll(res, i, RP_REOPENED);
		report_dist_read(res, i, RP_FR_P50, &fg->first_response);
		report_dist_read(res, i, RP_RS_P50, &fg->resolution);
		fg->breach_first_response = db_get_ll(res, i, RP_BR_FIRST);
		fg->breach_next_response = db_get_ll(res, i, RP_BR_NEXT);
		fg->breach_resolution = db_get_ll(res, i, RP_BR_RESOLUTION);
		fg->surveys_sent = db_get_ll(res, i, RP_SENT);
		fg->rated = db_get_ll(res, i, RP_RATED);
		fg->average = report_num(res, i, RP_AVERAGE);
		for (k = 0; k < 5; k++)
			fg->counts[k] = db_get_ll(res, i, RP_C1 + k);
		fg->agents = g_ptr_array_new_with_free_func(report_agent_free);
		fg->comments = g_ptr_array_new_with_free_func(report_comment_free);
		if (name == NULL && r->total == NULL) {
			r->total = fg;
			g_free(r->from);
			g_free(r->to);
			r->from = g_strdup(db_value(res, i, RP_FROM));
			r->to = g_strdup(db_value(res, i, RP_TO));
		} else {
			g_ptr_array_add(r->queues, fg);
		}
	}
}

/* The backlog rows onto the figures. */
static void report_read_backlog(struct report *r, const PGresult *res)
{
	int i, k;

	for (i = 0; i < PQntuples(res); i++) {
		struct report_figures *fg = report_find(r, res, i);

		if (fg == NULL)
			continue;
		fg->backlog_new = db_get_ll(res, i, 1);
		fg->backlog_open = db_get_ll(res, i, 2);
		fg->backlog_pending = db_get_ll(res, i, 3);
		fg->backlog_resolved = db_get_ll(res, i, 4);
		for (k = 0; k < 5; k++)
			fg->age[k] = db_get_ll(res, i, 5 + k);
	}
}

/* The agents' rows onto the figures. */
static void report_read_agents(struct report *r, const PGresult *res)
{
	int i;

	for (i = 0; i < PQntuples(res); i++) {
		struct report_figures *fg = report_find(r, res, i);
		struct report_agent *a;

		if (fg == NULL)
			continue;
		a = g_new0(struct report_agent, 1);
		a->email = g_strdup(db_value(res, i, 1));
		a->owned = db_get_ll(res, i, 2);
		a->answered = db_get_ll(res, i, 3);
		a->have_fr = db_value(res, i, 4) != NULL;
		a->first_response_p50_s = report_num(res, i, 4);
		g_ptr_array_add(fg->agents, a);
	}
}

/* The comments' rows onto the figures. */
static void report_read_comments(struct report *r, const PGresult *res)
{
	int i;

	for (i = 0; i < PQntuples(res); i++) {
		struct report_figures *fg = report_find(r, res, i);
		struct report_comment *c;

		if (fg == NULL)
			continue;
		c = g_new0(struct report_comment, 1);
		c->case_id = db_get_ll(res, i, 1);
		c->rating = (int)db_get_ll(res, i, 2);
		c->comment = g_strdup(db_value(res, i, 3));
		c->created = g_strdup(db_value(res, i, 4));
		g_ptr_array_add(fg->comments, c);
	}
}

int report_build(struct db *db, const struct report_query *q, struct report **r_out, struct fault *f)
{
	const struct store_report_filter sf = { q->from, q->to, q->queue, q->agent };
	PGresult *(*const query[])(struct db *, const struct store_report_filter *, struct fault *) = {
		store_report_figures, store_report_backlog, store_report_agents, store_report_comments,
	};
	void (*const read[])(struct report *, const PGresult *) = {
		report_read_figures, report_read_backlog, report_read_agents, report_read_comments,
	};
	struct report *r = g_new0(struct report, 1);
	size_t i;

	*r_out = NULL;
	r->queues = g_ptr_array_new_with_free_func(report_figures_free);
	for (i = 0; i < G_N_ELEMENTS(query); i++) {
		PGresult *res = query[i](db, &sf, f);

		if (res == NULL) {
			report_free(&r);
			return -1;
		}
		read[i](r, res);
		PQclear(res);
	}
	if (r->total == NULL) {
		report_free(&r);
		return fault_perm(f, "the report's figures came back without a total");
	}
	*r_out = r;
	return 0;
}

/* A number or null when there is none. */
static void report_json_num(struct json *j, const char *key, bool have, double v)
{
	json_key(j, key);
	if (have)
		json_double(j, v);
	else
		json_null(j);
}

/* {p50_s, p90_s, business_p50_s, business_p90_s} */
static void report_json_dist(struct json *j, const char *key, const struct report_dist *d)
{
	json_key(j, key);
	json_object_begin(j);
	report_json_num(j, "p50_s", d->have, d->p50_s);
	report_json_num(j, "p90_s", d->have, d->p90_s);
	report_json_num(j, "business_p50_s", d->have, d->business_p50_s);
	report_json_num(j, "business_p90_s", d->have, d->business_p90_s);
	json_object_end(j);
}

/* One queue's or the total's object. */
static void report_json_figures(struct json *j, const struct report_figures *fg)
{
	static const char *const bucket[5] = { "1d", "3d", "7d", "30d", "older" };
	guint i;

	json_object_begin(j);
	json_kv_string(j, "name", fg->name);
	json_kv_int(j, "opened", fg->opened);
	json_kv_int(j, "resolved", fg->resolved);
	json_kv_int(j, "reopened", fg->reopened);
	report_json_dist(j, "first_response", &fg->first_response);
	report_json_dist(j, "resolution", &fg->resolution);
	json_key(j, "breaches");
	json_object_begin(j);
	json_kv_int(j, "first_response", fg->breach_first_response);
	json_kv_int(j, "next_response", fg->breach_next_response);
	json_kv_int(j, "resolution", fg->breach_resolution);
	json_object_end(j);
	json_key(j, "backlog");
	json_object_begin(j);
	json_kv_int(j, "new", fg->backlog_new);
	json_kv_int(j, "open", fg->backlog_open);
	json_kv_int(j, "pending", fg->backlog_pending);
	json_kv_int(j, "resolved", fg->backlog_resolved);
	json_key(j, "age");
	json_object_begin(j);
	for (i = 0; i < 5; i++)
		json_kv_int(j, bucket[i], fg->age[i]);
	json_object_end(j);
	json_object_end(j);
	json_key(j, "agents");
	json_array_begin(j);
	for (i = 0; i < fg->agents->len; i++) {
		const struct report_agent *a = g_ptr_array_index(fg->agents, i);

		json_object_begin(j);
		json_kv_string(j, "email", a->email);
		json_kv_int(j, "owned", a->owned);
		json_kv_int(j, "answered", a->answered);
		report_json_num(j, "first_response_p50_s", a->have_fr, a->first_response_p50_s);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "satisfaction");
	json_object_begin(j);
	json_kv_int(j, "sent", fg->surveys_sent);
	json_kv_int(j, "rated", fg->rated);
	report_json_num(j, "average", fg->rated > 0, fg->average);
	json_key(j, "counts");
	json_object_begin(j);
	for (i = 0; i < 5; i++) {
		char k[2] = { (char)('1' + i), '\0' };

		json_kv_int(j, k, fg->counts[i]);
	}
	json_object_end(j);
	json_key(j, "comments");
	json_array_begin(j);
	for (i = 0; i < fg->comments->len; i++) {
		const struct report_comment *c = g_ptr_array_index(fg->comments, i);

		json_object_begin(j);
		json_kv_int(j, "case", c->case_id);
		json_kv_int(j, "rating", c->rating);
		json_kv_string(j, "comment", c->comment);
		json_kv_string(j, "created", c->created);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
	json_object_end(j);
}

void report_json(const struct report *r, struct json *j)
{
	guint i;

	json_object_begin(j);
	json_key(j, "period");
	json_object_begin(j);
	json_kv_string(j, "from", r->from);
	json_kv_string(j, "to", r->to);
	json_object_end(j);
	json_key(j, "queues");
	json_array_begin(j);
	for (i = 0; i < r->queues->len; i++)
		report_json_figures(j, g_ptr_array_index(r->queues, i));
	json_array_end(j);
	json_key(j, "total");
	report_json_figures(j, r->total);
	json_object_end(j);
}

/* A duration for people ("4h30m"), "-" when there is none. */
static const char *report_dur(bool have, double s, char *buf, size_t size)
{
	if (!have)
		return "-";
	duration_format((long long)(s + 0.5), buf, size);
	return buf;
}

/* A share of opened as a percentage. */
static double report_share(long long n, long long of)
{
	return of > 0 ? 100.0 * (double)n / (double)of : 0;
}

/* A customer's comment on one line: control characters become spaces. */
static void report_text_line(const char *text, FILE *out)
{
	const unsigned char *p;

	for (p = (const unsigned char *)text; *p != '\0'; p++)
		fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, out);
	fputc('\n', out);
}

/* One queue's or the total's block. */
static void report_text_figures(const struct report_figures *fg, FILE *out)
{
	char a[32], b[32], c[32], d[32];
	guint i;

	fprintf(out, "\n%s\n", fg->name);
	fprintf(out, "  cases          opened %lld, resolved %lld, reopened %lld\n", fg->opened, fg->resolved,
		fg->reopened);
	fprintf(out, "  first response median %s, p90 %s; business median %s, p90 %s\n",
		report_dur(fg->first_response.have, fg->first_response.p50_s, a, sizeof(a)),
		report_dur(fg->first_response.have, fg->first_response.p90_s, b, sizeof(b)),
		report_dur(fg->first_response.have, fg->first_response.business_p50_s, c, sizeof(c)),
		report_dur(fg->first_response.have, fg->first_response.business_p90_s, d, sizeof(d)));
	fprintf(out, "  resolution     median %s, p90 %s; business median %s, p90 %s\n",
		report_dur(fg->resolution.have, fg->resolution.p50_s, a, sizeof(a)),
		report_dur(fg->resolution.have, fg->resolution.p90_s, b, sizeof(b)),
		report_dur(fg->resolution.have, fg->resolution.business_p50_s, c, sizeof(c)),
		report_dur(fg->resolution.have, fg->resolution.business_p90_s, d, sizeof(d)));
	fprintf(out, "  breaches       first response %lld (%.0f%%), next response %lld (%.0f%%), resolution %lld (%.0f%%)\n",
		fg->breach_first_response, report_share(fg->breach_first_response, fg->opened),
		fg->breach_next_response, report_share(fg->breach_next_response, fg->opened),
		fg->breach_resolution, report_share(fg->breach_resolution, fg->opened));
	fprintf(out, "  backlog now    new %lld, open %lld, pending %lld, resolved %lld\n", fg->backlog_new,
		fg->backlog_open, fg->backlog_pending, fg->backlog_resolved);
	fprintf(out, "  by age         <1d %lld, 1-3d %lld, 3-7d %lld, 7-30d %lld, >30d %lld\n", fg->age[0],
		fg->age[1], fg->age[2], fg->age[3], fg->age[4]);
	for (i = 0; i < fg->agents->len; i++) {
		const struct report_agent *ag = g_ptr_array_index(fg->agents, i);

		fprintf(out, "  agent          %s: owned %lld, answered %lld, first response median %s\n", ag->email,
			ag->owned, ag->answered, report_dur(ag->have_fr, ag->first_response_p50_s, a, sizeof(a)));
	}
	fprintf(out, "  satisfaction   surveys %lld, rated %lld", fg->surveys_sent, fg->rated);
	if (fg->rated > 0)
		fprintf(out, ", average %.2f", fg->average);
	fprintf(out, "; 1:%lld 2:%lld 3:%lld 4:%lld 5:%lld\n", fg->counts[0], fg->counts[1], fg->counts[2],
		fg->counts[3], fg->counts[4]);
	for (i = 0; i < fg->comments->len; i++) {
		const struct report_comment *cm = g_ptr_array_index(fg->comments, i);

		fprintf(out, "  comment        case %lld, %d/5, %s: ", cm->case_id, cm->rating, cm->created);
		report_text_line(cm->comment, out);
	}
}

void report_text(const struct report *r, FILE *out)
{
	guint i;

	fprintf(out, "report of the cases created from %s to %s\n", r->from, r->to);
	for (i = 0; i < r->queues->len; i++)
		report_text_figures(g_ptr_array_index(r->queues, i), out);
	report_text_figures(r->total, out);
}
