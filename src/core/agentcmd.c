/* agentcmd.c: parsing the "#command" lines at the top of agent mail. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "agentcmd.h"
#include "model.h"

/* "#attachments [N ...]": the numbers are attachments of the case as
 * "postdesk case show" numbers them (1 and up), each at most once. */
static void agentcmd_attachments(char **args, struct agentcmd *cmd)
{
	int i, k;

	for (i = 0; args[i] != NULL; i++) {
		const char *a = args[i];
		long long n;

		if (*a == '\0')
			continue;
		if (strspn(a, "0123456789") != strlen(a) || strlen(a) > 9 || (n = atoll(a)) < 1) {
			cmd->error = g_strdup("expected #attachments, or #attachments and the numbers"
					      " of attachments as 'postdesk case show' lists them");
			return;
		}
		for (k = 0; k < cmd->n_attachment_n && cmd->attachment_n[k] != n; k++)
			;
		if (k < cmd->n_attachment_n)
			continue;
		if (cmd->n_attachment_n == AGENTCMD_ATTACHMENTS_MAX) {
			cmd->error = g_strdup_printf("at most %d numbers", AGENTCMD_ATTACHMENTS_MAX);
			return;
		}
		cmd->attachment_n[cmd->n_attachment_n++] = n;
	}
	cmd->attachments = true;
}

/* "#merge N" (or "#merge #N"): merge this case into case N. */
static void agentcmd_merge(const char *arg, struct agentcmd *cmd)
{
	const char *digits = arg != NULL && *arg == '#' ? arg + 1 : arg;

	if (digits == NULL || *digits == '\0' || strspn(digits, "0123456789") != strlen(digits) ||
	    strlen(digits) > 18 || atoll(digits) < 1) {
		cmd->error = g_strdup("expected #merge and the number of the case to merge this one into");
		return;
	}
	cmd->merge = atoll(digits);
}

/* Take addr out of list (n of them), if it is there. */
static void agentcmd_drop(char **list, int *n, const char *addr)
{
	int i;

	for (i = 0; i < *n; i++) {
		if (strcmp(list[i], addr) == 0) {
			g_free(list[i]);
			list[i] = list[--*n];
			list[*n] = NULL;
			return;
		}
	}
}

/* Whether addr is in list (n of them). */
static bool agentcmd_has(char **list, int n, const char *addr)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(list[i], addr) == 0)
			return true;
	return false;
}

/* "#cc ADDR..." (add: true) or "#uncc ADDR...": the addresses, separated
 * by spaces or commas; the last line naming an address decides. */
static void agentcmd_cc(char **args, bool add, struct agentcmd *cmd)
{
	const char *verb = add ? "#cc" : "#uncc";
	char **mine = add ? cmd->cc : cmd->uncc, **theirs = add ? cmd->uncc : cmd->cc;
	int *n_mine = add ? &cmd->n_cc : &cmd->n_uncc, *n_theirs = add ? &cmd->n_uncc : &cmd->n_cc;
	int i, named = 0;

	for (i = 0; args[i] != NULL && cmd->error == NULL; i++) {
		char **parts = g_strsplit(args[i], ",", -1), *addr;
		struct fault f;
		int k;

		for (k = 0; parts[k] != NULL && cmd->error == NULL; k++) {
			if (*parts[k] == '\0')
				continue;
			named++;
			if (address_normalize(parts[k], &addr, &f) < 0) {
				cmd->error = g_strdup_printf("%s: %s", verb, f.text);
				break;
			}
			agentcmd_drop(theirs, n_theirs, addr);
			if (agentcmd_has(mine, *n_mine, addr)) {
				g_free(addr);
				continue;
			}
			if (*n_mine + *n_theirs >= AGENTCMD_CC_MAX) {
				cmd->error = g_strdup_printf("at most %d addresses in #cc and #uncc lines",
							     AGENTCMD_CC_MAX);
				g_free(addr);
				break;
			}
			mine[(*n_mine)++] = addr;
		}
		g_strfreev(parts);
	}
	if (named == 0 && cmd->error == NULL)
		cmd->error = g_strdup_printf("expected %s ADDRESS", verb);
}

/* Apply one command line ("#verb arg"); fills cmd->error when it is bad. */
static void agentcmd_line(const char *line, struct agentcmd *cmd)
{
	char **words = g_strsplit_set(line + 1, " \t", -1);
	const char *verb = words[0] ? words[0] : "", *arg = NULL;
	int i, nargs = 0;
	char *lverb = g_ascii_strdown(verb, -1), *larg;
	struct fault f;

	for (i = 1; words[i] != NULL; i++)
		if (*words[i] != '\0' && nargs++ == 0)
			arg = words[i];
	larg = arg ? g_ascii_strdown(arg, -1) : NULL;
	/* an agent sets any status but new */
	if (strcmp(lverb, "status") == 0 && nargs == 1 && model_status_parse(larg, &cmd->status) == 0 &&
	    cmd->status != CASE_NEW)
		cmd->set_status = true;
	else if (strcmp(lverb, "resolve") == 0 && nargs == 0) {
		cmd->set_status = true;
		cmd->status = CASE_RESOLVED;
	} else if (strcmp(lverb, "priority") == 0 && nargs == 1 && model_priority_parse(larg, &cmd->priority) == 0)
		cmd->set_priority = true;
	else if (strcmp(lverb, "note") == 0 && nargs == 0)
		cmd->note = true;
	else if (strcmp(lverb, "attachments") == 0)
		agentcmd_attachments(words + 1, cmd);
	else if (strcmp(lverb, "merge") == 0)
		agentcmd_merge(nargs == 1 ? arg : NULL, cmd);
	else if (strcmp(lverb, "cc") == 0 || strcmp(lverb, "uncc") == 0)
		agentcmd_cc(words + 1, strcmp(lverb, "cc") == 0, cmd);
	else if (strcmp(lverb, "notspam") == 0 && nargs == 0)
		cmd->notspam = true;	/* part intake: the case is not spam */
	else if (strcmp(lverb, "assign") == 0 && nargs == 1 && strcmp(larg, "me") == 0) {
		/* the author: deliver_plan knows who that is */
		g_free(cmd->assign);
		cmd->assign = NULL;
		cmd->assign_me = true;
	} else if (strcmp(lverb, "assign") == 0 && nargs == 1) {
		char *addr;

		if (address_normalize(arg, &addr, &f) < 0) {
			cmd->error = g_strdup(f.text);
		} else {
			/* the last #assign counts, as the last #status does */
			g_free(cmd->assign);
			cmd->assign = addr;
			cmd->assign_me = false;
		}
	} else if (strcmp(lverb, "status") == 0)
		cmd->error = g_strdup("expected #status open|pending|resolved|closed");
	else if (strcmp(lverb, "priority") == 0)
		cmd->error = g_strdup("expected #priority low|normal|high|urgent");
	else
		cmd->error = g_strdup("unknown command (known: #status, #resolve, #assign, #priority, #note,"
				      " #attachments, #merge, #cc, #uncc, #notspam)");
	if (cmd->error != NULL)
		cmd->error_line = g_strdup(line);
	g_free(lverb);
	g_free(larg);
	g_strfreev(words);
}

void agentcmd_parse(const char *text, struct agentcmd *cmd)
{
	char **lines = g_strsplit(text ? text : "", "\n", -1);
	GString *rest = g_string_new(NULL);
	int i;

	memset(cmd, 0, sizeof(*cmd));
	/* commands come first; blank lines between them are allowed */
	for (i = 0; lines[i] != NULL; i++) {
		char *l = g_strstrip(g_strdup(lines[i]));
		bool command = l[0] == '#' && g_ascii_isalpha(l[1]);

		if (command && cmd->error == NULL)
			agentcmd_line(l, cmd);
		g_free(l);
		if (!command && lines[i][strspn(lines[i], " \t\r")] != '\0')
			break;
	}
	for (; lines[i] != NULL; i++)
		g_string_append_printf(rest, "%s%s", lines[i], lines[i + 1] ? "\n" : "");
	cmd->text = g_string_free(rest, FALSE);
	g_strfreev(lines);
}

void agentcmd_clear(struct agentcmd *cmd)
{
	int i;

	for (i = 0; i < cmd->n_cc; i++)
		g_free(cmd->cc[i]);
	for (i = 0; i < cmd->n_uncc; i++)
		g_free(cmd->uncc[i]);
	g_free(cmd->assign);
	g_free(cmd->error);
	g_free(cmd->error_line);
	g_free(cmd->text);
	memset(cmd, 0, sizeof(*cmd));
}

/* ---- part digest: command lines naming their case ---------------------- */

/* The case number of a digest command line's second word ("42" or "#42"),
 * 0 when it is none. */
static long long agentcmd_case_number(const char *word)
{
	const char *d = word[0] == '#' ? word + 1 : word;
	size_t n = strspn(d, "0123456789");

	if (n == 0 || n > 18 || d[n] != '\0' || d[0] == '0')
		return 0;
	return atoll(d);
}

void agentcmd_parse_case(const char *line, long long *case_id_r, struct agentcmd *cmd)
{
	static const char *const verbs[] = { "assign", "status", "priority", "resolve", NULL };
	char *l = g_strstrip(g_strdup(line ? line : ""));
	char **words = g_strsplit_set(l[0] == '#' ? l + 1 : "", " \t", -1);
	GString *rest = g_string_new("#");
	char *verb = g_ascii_strdown(words[0] ? words[0] : "", -1);
	const char *number = NULL;
	int i, k;

	memset(cmd, 0, sizeof(*cmd));
	*case_id_r = 0;
	for (k = 0; verbs[k] != NULL && strcmp(verbs[k], verb) != 0; k++)
		;
	/* "#verb N rest": the rest is the command as it is written on a case */
	g_string_append(rest, verb);
	for (i = 1; words[0] != NULL && words[i] != NULL; i++) {
		if (*words[i] == '\0')
			continue;
		if (number == NULL)
			number = words[i];
		else
			g_string_append_printf(rest, " %s", words[i]);
	}
	if (verbs[k] == NULL)
		cmd->error = g_strdup("unknown command (known here: #assign N me, #assign N ADDRESS,"
				      " #status N STATUS, #priority N PRIORITY, #resolve N)");
	else if (number == NULL || (*case_id_r = agentcmd_case_number(number)) == 0)
		cmd->error = g_strdup_printf("expected the case number after #%s (as in #%s 17%s)", verb, verb,
					     k == 0 ? " me" : k == 1 ? " pending" : k == 2 ? " high" : "");
	else if (k == 3 && strchr(rest->str, ' ') != NULL)
		cmd->error = g_strdup("expected #resolve N");
	else
		agentcmd_line(rest->str, cmd);
	if (cmd->error != NULL) {
		/* the line as the agent wrote it, with its number */
		g_free(cmd->error_line);
		cmd->error_line = g_strdup(l);
	}
	g_free(verb);
	g_strfreev(words);
	g_string_free(rest, TRUE);
	g_free(l);
}
