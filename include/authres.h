/* authres.h: reading Authentication-Results (RFC 8601) as the MTA wrote
 * them, to decide whether a mail from an address really comes from its
 * domain: a dkim=pass whose header.d is aligned with the From domain, or an
 * spf=pass whose smtp.mailfrom domain is (DMARC-style relaxed alignment:
 * the same domain, or one a subdomain of the other), or a dmarc=pass for
 * header.from equal to it. Pure parsing, linear in the header's length. */
#ifndef POSTDESK_AUTHRES_H
#define POSTDESK_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

/* Whether the Authentication-Results header values (topmost first) show
 * from_domain verified by the MTA named authserv_id. Only the topmost
 * header that starts with that authserv-id as a bare token counts (the
 * MTA prepends its own and must remove any that came in with its id).
 * The values must be raw (never RFC 2047 decoded). A quoted string is
 * one word; the first of a property counts. why (size bytes) says what
 * was found, for the log and the case. */
bool authres_verified(const char *const *headers, size_t n, const char *authserv_id, const char *from_domain,
		      char *why, size_t size);

#endif
