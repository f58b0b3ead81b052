/* agentcmd.c: parsing the "#command" lines at the top of agent mail. */
#include <glib.h>
#include <string.h>

#include "address.h"
#include "agentcmd.h"
#include "model.h"

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
	else if (strcmp(lverb, "assign") == 0 && nargs == 1 && strcmp(larg, "me") == 0) {
		/* the author: deliver_plan knows who that is */
		g_free(cmd->assign);
		cmd->assign = NULL;
		cmd->assign_me = true;
	} else if (strcmp(lverb, "assign") == 0 && nargs == 1) {
		char *addr;

		if (address_normalize(arg, &addr, &f) < 0) {
			cmd->error = g_strdup_printf("%s: %s", line, f.text);
		} else {
			/* the last #assign counts, as the last #status does */
			g_free(cmd->assign);
			cmd->assign = addr;
			cmd->assign_me = false;
		}
	} else if (strcmp(lverb, "status") == 0)
		cmd->error = g_strdup_printf("%s: expected #status open|pending|resolved|closed", line);
	else if (strcmp(lverb, "priority") == 0)
		cmd->error = g_strdup_printf("%s: expected #priority low|normal|high|urgent", line);
	else
		cmd->error = g_strdup_printf("%s: unknown command (known: #status, #resolve, #assign, "
					     "#priority, #note)", line);
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
	g_free(cmd->assign);
	g_free(cmd->error);
	g_free(cmd->text);
	memset(cmd, 0, sizeof(*cmd));
}
