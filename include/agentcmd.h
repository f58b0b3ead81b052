/* agentcmd.h: command lines at the top of an agent's mail ("#status
 * pending", "#assign bob@example.org", "#assign me", "#priority high",
 * "#resolve", "#note", "#attachments", "#merge 42", "#cc ADDR",
 * "#uncc ADDR", "#notspam"), taken off the text before it is relayed. Pure
 * logic. */
#ifndef POSTDESK_AGENTCMD_H
#define POSTDESK_AGENTCMD_H

#include <stdbool.h>

#include "model.h"

/* Numbers one #attachments line may name. */
#define AGENTCMD_ATTACHMENTS_MAX 20
/* Addresses one mail's #cc and #uncc lines may name, together. */
#define AGENTCMD_CC_MAX 10

struct agentcmd {
	bool set_status;	/* #status or #resolve given: */
	enum case_status status;
	bool set_priority;	/* #priority given: */
	enum case_priority priority;
	char *assign;		/* agent address, lower-case, NULL when not given */
	bool assign_me;		/* "#assign me": the author (then assign is NULL) */
	bool note;		/* keep the mail internal */
	bool attachments;	/* #attachments: mail me the case's attachments; */
	long long attachment_n[AGENTCMD_ATTACHMENTS_MAX];	/* those numbered so ("#attachments 2 5"), */
	int n_attachment_n;	/* 0: all of the customer's */
	long long merge;	/* #merge N: merge this case into case N; 0 when not given */
	char *cc[AGENTCMD_CC_MAX];	/* #cc: addresses to copy on the case (lower-case, */
	int n_cc;			/* each once; a later #uncc of one takes it out) */
	char *uncc[AGENTCMD_CC_MAX];	/* #uncc: addresses to copy no longer */
	int n_uncc;
	bool notspam;		/* #notspam: the case is not spam (acknowledge it now) */
	char *error;		/* why the first bad command line is bad, NULL when all good */
	char *error_line;	/* that line, NULL when all good */
	char *text;		/* the mail text without the command lines */
};

/* Read the command lines at the top of text into cmd. */
void agentcmd_parse(const char *text, struct agentcmd *cmd);
/* One command line of mail to an agent's digest address, which names the
 * case it acts on: "#assign 42 me", "#assign 42 ADDRESS", "#status 17
 * pending", "#priority 9 high", "#resolve 17" (the number may be written
 * "#17"). Fills *case_id_r (0 when the line names none) and cmd as
 * agentcmd_parse() would for the line without the number; cmd->error and
 * cmd->error_line when the line is bad (other commands are refused here).
 * agentcmd_clear(cmd) after. Linear in the line. */
void agentcmd_parse_case(const char *line, long long *case_id_r, struct agentcmd *cmd);
/* Free what cmd holds. */
void agentcmd_clear(struct agentcmd *cmd);

#endif
