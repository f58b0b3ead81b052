/* report.h: the service's figures (issue 16, part "report"): per queue
 * and in total, for cases created in a period. Placeholder written by part
 * "mail" with exactly the declarations of /work/plan/interfaces16.md; part
 * "report" owns this header (the lead reconciles at merge). */
#ifndef POSTDESK_REPORT_H
#define POSTDESK_REPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stdio.h>

#include "fault.h"

struct db;
struct json;

struct report_dist { bool have; double p50_s, p90_s, business_p50_s, business_p90_s; };
struct report_agent { char *email; long long owned, answered; bool have_fr; double first_response_p50_s; };
struct report_comment { long long case_id; int rating; char *comment; char *created; };
struct report_figures {
	char *name;            /* queue name; "total" for the total */
	char *language;        /* the queue's language (NULL: default_language) */
	long long opened, resolved, reopened;
	struct report_dist first_response, resolution;
	long long breach_first_response, breach_next_response, breach_resolution;
	long long backlog_new, backlog_open, backlog_pending, backlog_resolved;
	long long age[5];      /* open backlog by age: <1 d, 1-3 d, 3-7 d, 7-30 d, >30 d */
	GPtrArray *agents;     /* struct report_agent * */
	long long surveys_sent, rated; double average; long long counts[5];
	GPtrArray *comments;   /* struct report_comment *, latest 10 */
};
struct report { char *from, *to; GPtrArray *queues; struct report_figures *total; };
struct report_query { const char *from, *to; const char *queue, *agent; };  /* ISO dates/times */

/* The figures of query q into *r (report_free). */
int report_build(struct db *db, const struct report_query *q, struct report **r, struct fault *f);
/* Free *r and set it to NULL. */
void report_free(struct report **r);
/* The report as the --json document of the issue. */
void report_json(const struct report *r, struct json *j);
/* The report as text for a terminal. */
void report_text(const struct report *r, FILE *out);

#endif
