/* address.h: checking and normalising email addresses given by people
 * (command line, configuration). Mail headers are parsed by GMime instead. */
#ifndef POSTDESK_ADDRESS_H
#define POSTDESK_ADDRESS_H

#include "fault.h"

/* Check a bare address (local@domain) and return it lower-cased (g_free it). */
int address_normalize(const char *text, char **addr_r, struct fault *f);
/* Split an address at the recipient delimiter: the base address (lower-case,
 * without the extension) and the extension (NULL when none). g_free both. */
void address_split(const char *addr, const char *delimiters, char **base_r, char **ext_r);

#endif
