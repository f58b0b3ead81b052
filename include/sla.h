/* sla.h: a case's service levels. The due times (first response, next
 * response, resolution) are measured in business time of the queue's
 * calendar, or wall time when it has none, and are recomputed from the
 * case's state after every change to it: the first-response clock stops at
 * the first answer, a customer's mail after an answer starts the
 * next-response clock, and time spent pending on the customer (or resolved)
 * does not count toward resolution. */
#ifndef POSTDESK_SLA_H
#define POSTDESK_SLA_H

#include "fault.h"

struct db;
struct calendar;

/* Load calendar calendar_id (decimal text) into *cal_r; NULL id: none,
 * *cal_r = NULL (wall time). */
int sla_calendar_load(struct db *db, const char *calendar_id, struct calendar **cal_r, struct fault *f);
/* Recompute the case's due times and pause inside the caller's
 * transaction, as of now (Unix seconds; 0: the transaction's time), once
 * after all of the caller's changes to it (store_case_set_status and the
 * like). */
int sla_refresh(struct db *db, long long case_id, long long now, struct fault *f);

#endif
