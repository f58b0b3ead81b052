/* digest.h: the queue by mail (issue 15, part "digest"). Each agent has a
 * signed digest address, the first queue's address with a token of role
 * TOKEN_ROLE_DIGEST over the agent id ("support+g7.1.<mac>@example.org").
 * The digest lists the agent's open cases and the unassigned ones of their
 * queues, overdue ones marked, due times in each queue's calendar's time
 * zone; its Reply-To is the digest address. Mail from the agent to it
 * (trusted as agent mail is: deliver_plan_digest) is answered with the
 * digest, after the command lines in it ("#assign 42 me", "#status 17
 * pending", "#priority 9 high", "#resolve 17") act on the cases they name,
 * each confirmed in the answer. The sweeper sends the daily digest at
 * digest_hour. Digest mail belongs to no case: outbox rows with no case. */
#ifndef POSTDESK_DIGEST_H
#define POSTDESK_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "deliver_plan.h"
#include "fault.h"

struct config;
struct db;
struct keyring;
struct mail;
struct outbound;

/* Cases one part of a digest (the agent's, the unassigned) lists at most. */
#define DIGEST_CASES_MAX 100
/* Command lines one mail to a digest address may hold; the rest are not run. */
#define DIGEST_COMMANDS_MAX 50
/* Days the records of digests and of mail to digest addresses are kept. */
#define DIGEST_KEEP_DAYS 14

/* One mail to an agent's digest address, as deliver read it (borrowed). */
struct digest_request {
	long long agent_id;		/* the token's agent */
	const struct mail *mail;
	const char *recipient;		/* lower-case, with the token */
	const char *queue_addr;		/* the queue written to */
	const unsigned char *raw_hash;
	size_t hash_len;
	enum deliver_digest verdict;	/* deliver_plan_digest() */
	const char *outcome;		/* its words, as stored */
};

/* Take one mail to a digest address inside the caller's transaction:
 * record it; when it was recorded before (*dup_r), do nothing more; else,
 * for DIGEST_ANSWER only, run its command lines and queue the answer
 * (results and the digest) in ob. Fails only when the database (or, for
 * good, a template) fails. */
int digest_answer(struct outbound *ob, const struct digest_request *rq, bool *dup_r, struct fault *f);

/* The digest address of the active agent with address email (lower-case),
 * on their first queue's address, into *addr_r (g_free; NULL when there
 * is no such active agent in a queue). */
int digest_address(const struct config *cfg, struct db *db, const struct keyring *ring, const char *email,
		   char **addr_r, struct fault *f);

struct digest_stats {
	int sent;		/* daily digests queued */
	int empty;		/* claimed with nothing to list: not sent */
	int failed;		/* left for the next pass after a permanent failure */
};

/* The daily digests due as of now (Unix seconds; 0: the database's
 * clock) at local hour hour: each active agent whose first queue's local
 * time is within that hour and whose digest of that local day is not
 * claimed yet (a sweeper that does not run in that hour sends none that
 * day); each claimed and queued in a transaction of its own, so that any
 * number of sweepers send each once. The outbox sends them. */
int digest_sweep(const struct config *cfg, struct db *db, const struct keyring *ring, long long now, int hour,
		 struct digest_stats *st, struct fault *f);

#endif
