/* mta.h: the rules for a command run by the MTA (pipe(8)): exit only with
 * 0, 67 or 75, print at most one line starting with an enhanced status
 * code, and end a crash or the overall deadline in EX_TEMPFAIL so that the
 * MTA keeps the message queued instead of bouncing it. */
#ifndef POSTDESK_MTA_H
#define POSTDESK_MTA_H

#include <signal.h>
#include <stdbool.h>

#include "fault.h"

/* Set once the message is safely committed: from then on the deadline ends
 * the run with success, not EX_TEMPFAIL (what is left to send stays in the
 * outbox for the sweeper). */
extern volatile sig_atomic_t mta_committed;

/* Install handler for the deadline (SIGALRM) and, unless a sanitizer
 * reports them, the crash signals. */
void mta_catch(void (*handler)(int));
/* mta_catch() with the handler for "postdesk deliver": the one 4.3.0 line
 * and EX_TEMPFAIL (or 0 once committed); SIGPIPE ignored. */
void mta_guard(void);
/* Print the one line for a failure and return its exit code: 67 for an
 * unknown recipient ("5.1.1 ..."), 75 for everything else: "4.3.5 ..." when
 * the command line is wrong (FAULT_USAGE) or the configuration could not be
 * loaded (misconfigured), so that a typo in master.cf keeps the mail queued
 * and says so; "4.3.0 ..." otherwise. */
int mta_exit(const struct fault *f, bool misconfigured);

#endif
