/* test_fault.c: faults and their prefixes. */
#include "fault.h"
#include "tap.h"

int main(void)
{
	struct fault f = { 0 };

	fault_temp(&f, "db %s", "down");
	fault_prefix(&f, "deliver");
	tap_int(f.kind, FAULT_TEMPORARY, "prefix keeps the kind");
	tap_is(f.text, "deliver: db down", "prefix text");
	return tap_done();
}
