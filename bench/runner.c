/* runner.c: run a pipe filter once per message, as an MTA does, and
 * measure it (issue 7):
 *   runner -j JOBS LISTFILE COMMAND [ARGS...]
 * LISTFILE names one message file a line, optionally followed by a space and
 * its envelope recipient; each run gets one on stdin, with at most JOBS runs
 * at once. "{}" in an argument is replaced by the line number (from 1), for
 * per-message arguments such as a queue id, and "{to}" by the recipient
 * (empty when the line gives none). Prints one
 * line: runs, failures (exit status other than 0), elapsed seconds,
 * messages/s, p50 and p99 latency in ms (fork to exit) and the peak RSS in
 * KiB over all runs (wait4's ru_maxrss). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNNER_MAX_JOBS 64

struct runner_job {
	pid_t pid;
	double start;
};

/* Monotonic seconds. */
static double runner_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Order doubles. */
static int runner_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Start one run of argv with file on stdin; "{}" becomes n, "{to}" rcpt. */
static pid_t runner_start(char **argv, const char *file, const char *rcpt, long n)
{
	pid_t pid = fork();

	if (pid == 0) {
		char num[24], **args;
		int fd = open(file, O_RDONLY), i, argc = 0;

		while (argv[argc] != NULL)
			argc++;
		args = calloc((size_t)argc + 1, sizeof(*args));
		snprintf(num, sizeof(num), "%ld", n);
		for (i = 0; i < argc; i++)
			args[i] = strcmp(argv[i], "{}") == 0 ? num : strcmp(argv[i], "{to}") == 0 ? (char *)rcpt : argv[i];
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		close(fd);
		execv(args[0], args);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	struct runner_job jobs[RUNNER_MAX_JOBS] = { 0 };
	char line[4096], **files = NULL, **rcpts = NULL;
	double *lat = NULL, t0;
	long nfiles = 0, next = 0, done = 0, failed = 0, maxrss = 0;
	int njobs, running = 0, i;
	FILE *list;

	if (argc < 4 || strcmp(argv[1], "-j") != 0 || (njobs = atoi(argv[2])) < 1 || njobs > RUNNER_MAX_JOBS) {
		fprintf(stderr, "usage: runner -j JOBS LISTFILE COMMAND [ARGS...]\n");
		return 2;
	}
	list = fopen(argv[3], "r");
	if (list == NULL) {
		perror(argv[3]);
		return 2;
	}
	while (fgets(line, sizeof(line), list) != NULL) {
		char *space;

		line[strcspn(line, "\n")] = '\0';
		space = strchr(line, ' ');
		if (space != NULL)
			*space++ = '\0';
		files = realloc(files, (size_t)(nfiles + 1) * sizeof(*files));
		rcpts = realloc(rcpts, (size_t)(nfiles + 1) * sizeof(*rcpts));
		rcpts[nfiles] = strdup(space ? space : "");
		files[nfiles++] = strdup(line);
	}
	fclose(list);
	lat = calloc((size_t)nfiles + 1, sizeof(*lat));
	t0 = runner_now();
	while (done < nfiles) {
		while (running < njobs && next < nfiles) {
			for (i = 0; jobs[i].pid != 0; i++)
				;
			jobs[i].start = runner_now();
			jobs[i].pid = runner_start(argv + 4, files[next], rcpts[next], next + 1);
			next++;
			running++;
		}
		{
			struct rusage ru;
			int status;
			pid_t pid = wait4(-1, &status, 0, &ru);

			if (pid < 0)
				break;
			for (i = 0; i < njobs && jobs[i].pid != pid; i++)
				;
			if (i == njobs)
				continue;
			lat[done++] = (runner_now() - jobs[i].start) * 1000.0;
			jobs[i].pid = 0;
			running--;
			if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
				failed++;
			if (ru.ru_maxrss > maxrss)
				maxrss = ru.ru_maxrss;
		}
	}
	{
		double elapsed = runner_now() - t0;

		qsort(lat, (size_t)done, sizeof(*lat), runner_cmp);
		printf("runs=%ld failed=%ld seconds=%.3f msgs_per_s=%.1f p50_ms=%.1f p99_ms=%.1f peak_rss_kib=%ld\n",
		       done, failed, elapsed, done / elapsed, done ? lat[done / 2] : 0.0,
		       done ? lat[(done * 99) / 100 < done ? (done * 99) / 100 : done - 1] : 0.0, maxrss);
	}
	for (i = 0; i < nfiles; i++) {
		free(files[i]);
		free(rcpts[i]);
	}
	free(files);
	free(rcpts);
	free(lat);
	return failed == 0 ? 0 : 1;
}
