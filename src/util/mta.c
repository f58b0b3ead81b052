/* mta.c: exit codes and signals for the commands the MTA runs. */
#include <stdbool.h>
#include <stdio.h>
#include <sysexits.h>
#include <unistd.h>

#include "mta.h"

volatile sig_atomic_t mta_committed;

/* A crash or the deadline: EX_TEMPFAIL, or success once committed. */
static void mta_signal(int sig)
{
	static const char timeout[] = "4.3.0 postdesk deliver timed out\n";
	static const char crash[] = "4.3.0 postdesk deliver crashed\n";

	if (sig == SIGALRM && mta_committed)
		_exit(0);	/* stored; the rest is the sweeper's to send */
	if (sig == SIGALRM)
		(void)!write(STDOUT_FILENO, timeout, sizeof(timeout) - 1);
	else
		(void)!write(STDOUT_FILENO, crash, sizeof(crash) - 1);
	_exit(EX_TEMPFAIL);
}

void mta_catch(void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };
	/* the sanitizers report crashes themselves; leave those signals to them */
#if defined(__SANITIZE_ADDRESS__)
	static const int sigs[] = { SIGALRM };
#else
	static const int sigs[] = { SIGALRM, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
#endif
	size_t i;

	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

void mta_guard(void)
{
	mta_catch(mta_signal);
	signal(SIGPIPE, SIG_IGN);
}

int mta_exit(const struct fault *f, bool misconfigured)
{
	const char *status = "4.3.0";	/* other or undefined mail system status */

	if (f->kind == FAULT_NOUSER)
		status = "5.1.1";	/* bad destination mailbox address */
	else if (f->kind == FAULT_USAGE || misconfigured)
		status = "4.3.5";	/* system incorrectly configured */
	printf("%s %.200s\n", status, f->text);
	return f->kind == FAULT_NOUSER ? EX_NOUSER : EX_TEMPFAIL;
}
