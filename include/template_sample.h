/* template_sample.h: complete sample data for every template, filled as
 * outbound fills it: what "postdesk template check" renders, and what the
 * tests render every shipped template with. */
#ifndef POSTDESK_TEMPLATE_SAMPLE_H
#define POSTDESK_TEMPLATE_SAMPLE_H

#include "template.h"

struct keyring;

/* The case the sample data is about. */
#define TEMPLATE_SAMPLE_CASE 4711

/* The sample variables of template name (any name gets those every
 * template has). The queue is support@example.org; with ring, its token
 * addresses are signed with it for case TEMPLATE_SAMPLE_CASE, without one
 * they only look like tokens. Free with template_vars_free(). */
struct template_vars *template_sample_vars(const char *name, const char *helpdesk_name, const struct keyring *ring);

#endif
