/* address.h: checking and normalising email addresses given by people
 * (command line, configuration). Mail headers are parsed by GMime instead. */
#ifndef POSTDESK_ADDRESS_H
#define POSTDESK_ADDRESS_H

#include "fault.h"

/* Check a bare address (local@domain) and return it folded (g_free it). */
int address_normalize(const char *text, char **addr_r, struct fault *f);
/* The one spelling postdesk stores an address in: every letter lower-case,
 * by the simple Unicode mapping (the same in every locale), so that
 * ÖSTER@Example.DE and öster@example.de are one customer. Invalid UTF-8
 * has only its ASCII letters lowered. Returns a new string (g_free). The
 * database checks the ASCII part (sql/006), which this always meets. */
char *address_fold(const char *addr);
/* Split an address at the recipient delimiter: the base address (lower-case,
 * without the extension) and the extension (NULL when none). g_free both. */
void address_split(const char *addr, const char *delimiters, char **base_r, char **ext_r);

#endif
