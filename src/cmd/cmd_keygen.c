/* cmd_keygen.c: "postdesk keygen": write the secret key file. */
#include <stdio.h>

#include "cmd.h"
#include "config.h"
#include "keyring.h"

int cmd_keygen_main(struct cmd_ctx *ctx, int argc, char **argv, struct fault *f)
{
	static const struct option options[] = {
		{ "rotate", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool first = true, rotate = false;
	unsigned version;
	int c;

	while ((c = cmd_getopt(argc, argv, "h", options, &first, f)) != -1) {
		if (c == -2)
			return -1;
		if (c == 'h')
			return cmd_help("keygen");
		rotate = true;
	}
	if (optind != argc)
		return cmd_usage_fault(f, "keygen", "takes no arguments");
	if (cmd_config(ctx, f) < 0 ||
	    keyring_generate(ctx->cfg->secret_key_file, rotate, &version, f) < 0)
		return -1;
	printf("%s: key version %u written\n", ctx->cfg->secret_key_file, version);
	return 0;
}
