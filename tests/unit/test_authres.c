/* test_authres.c: Authentication-Results as OpenDKIM, OpenDMARC, rspamd
 * and Postfix's policy daemons write them, and what counts as verified. */
#include <glib.h>
#include <string.h>

#include "authres.h"
#include "tap.h"

#define ID "mx.example.org"

/* Check headers (NULL-terminated, topmost first) for from_domain. */
static void check(const char *const *headers, const char *from, bool want, const char *why_part, const char *what)
{
	char why[300];
	size_t n = 0;
	bool got;

	while (headers[n] != NULL)
		n++;
	got = authres_verified(headers, n, ID, from, why, sizeof(why));
	if (!tap_ok(got == want && strstr(why, why_part) != NULL, "%s", what))
		printf("# got %s: %s\n", got ? "verified" : "not verified", why);
}

int main(void)
{
	check((const char *[]){ ID "; dkim=pass (2048-bit key; unprotected) header.d=example.org"
				" header.i=@example.org header.a=rsa-sha256 header.s=mail header.b=Xy3fLq1z", NULL },
	      "example.org", true, "dkim=pass (example.org)", "OpenDKIM: an aligned signature");
	check((const char *[]){ ID "; dmarc=pass (p=reject dis=none) header.from=example.org", NULL },
	      "example.org", true, "dmarc=pass", "OpenDMARC: a DMARC pass for the From domain");
	check((const char *[]){ ID "; dkim=pass header.d=example.org header.s=dkim header.b=\"abc;def\";"
				" spf=pass (" ID ": domain of alice@example.org designates 192.0.2.1 as permitted"
				" sender) smtp.mailfrom=alice@example.org; dmarc=pass (policy=reject)"
				" header.from=example.org", NULL },
	      "example.org", true, "spf=pass (example.org)", "rspamd: three passes, a quoted ';' and a comment");
	check((const char *[]){ ID "; spf=pass smtp.mailfrom=alice@example.org; dkim=none", NULL },
	      "example.org", true, "dkim=none", "SPF pass for the envelope sender's domain");
	check((const char *[]){ ID "; dkim=pass header.d=mail.example.org", NULL },
	      "example.org", true, "verified", "relaxed alignment: a subdomain signed");
	check((const char *[]){ ID "; dkim=pass header.d=example.org", NULL },
	      "eu.example.org", true, "verified", "relaxed alignment: the parent domain signed");
	check((const char *[]){ ID " 1; dkim=pass header.d=example.org", NULL },
	      "example.org", true, "verified", "an authserv-id with a version");
	check((const char *[]){ "MX.Example.ORG; DKIM=Pass header.d=Example.ORG", NULL },
	      "example.org", true, "verified", "case does not matter");

	check((const char *[]){ ID "; dkim=pass header.d=evil.example; spf=pass smtp.mailfrom=x@evil.example", NULL },
	      "example.org", false, "not verified", "passes for another domain do not count");
	check((const char *[]){ ID "; dkim=pass header.d=org", NULL },
	      "example.org", false, "not verified", "a top-level domain is no alignment");
	check((const char *[]){ ID "; dkim=pass header.d=notexample.org", NULL },
	      "example.org", false, "not verified", "a name that only ends the same is no subdomain");
	check((const char *[]){ ID "; dkim=fail (bad signature) header.d=example.org; spf=softfail"
				" smtp.mailfrom=alice@example.org", NULL },
	      "example.org", false, "dkim=fail", "failures");
	check((const char *[]){ ID "; dmarc=pass header.from=mail.example.org", NULL },
	      "example.org", false, "not verified", "a DMARC pass is for its own From domain only");
	check((const char *[]){ ID "; none", NULL }, "example.org", false, "no dkim or spf result",
	      "'none': nothing was checked");
	check((const char *[]){ ID "; dkim=none (dkim=pass header.d=example.org)", NULL }, "example.org", false,
	      "dkim=none", "a pass inside a comment does not count");
	check((const char *[]){ "attacker.example; dkim=pass header.d=example.org", NULL }, "example.org", false,
	      "no Authentication-Results of " ID, "another authserv-id does not count");
	check((const char *[]){ ID "; dkim=fail header.d=example.org", ID "; dkim=pass header.d=example.org", NULL },
	      "example.org", false, "dkim=fail", "only the topmost of ours counts (a forged one below it does not)");
	check((const char *[]){ NULL }, "example.org", false, "no Authentication-Results", "no header at all");
	/* forms a milter stripping its own id by text would miss (review of issue 13) */
	check((const char *[]){ "\"mx.example.org\"; dkim=pass header.d=example.org", NULL }, "example.org", false,
	      "no Authentication-Results", "a quoted authserv-id is not ours");
	check((const char *[]){ "(c) mx.example.org; dkim=pass header.d=example.org", NULL }, "example.org", false,
	      "no Authentication-Results", "an authserv-id after a comment is not ours");
	check((const char *[]){ "mx.example.org.evil; dkim=pass header.d=example.org", NULL }, "example.org", false,
	      "no Authentication-Results", "a longer id that starts like ours is not ours");
	check((const char *[]){ ID "; spf=pass smtp.mailfrom=\"x smtp.mailfrom=example.org \"@attacker.example", NULL },
	      "example.org", false, "spf=pass (attacker.example)", "a quoted local part is one word: no property inside it");
	check((const char *[]){ ID "; dkim=pass header.d=attacker.example header.i=\"x header.d=example.org \"@a.example",
				NULL }, "example.org", false, "dkim=pass (attacker.example)", "nor in a quoted header.i");
	check((const char *[]){ ID "; dkim=pass header.d=attacker.example header.i=x header.d=example.org", NULL },
	      "example.org", false, "dkim=pass (attacker.example)", "the first header.d counts, not a later one");
	check((const char *[]){ ID "; spf=pass smtp.mailfrom=\"a\\\"b; dkim=pass header.d=example.org\"@x.example", NULL },
	      "example.org", false, "spf=pass (x.example)", "an escaped quote does not end the quoted string");
	{
		/* linear and bounded: a 1 MB header of comments and semicolons */
		GString *big = g_string_new(ID ";");
		const char *one[2];

		while (big->len < 1000000)
			g_string_append(big, " (((a;b)c) dkim=x;");
		one[0] = big->str;
		one[1] = NULL;
		check(one, "example.org", false, "not verified", "a 1 MB header: read in one bounded pass");
		g_string_free(big, TRUE);
	}
	return tap_done();
}
