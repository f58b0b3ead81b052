/* report.c: placeholder of part "mail" (issue 16) so that include/report.h
 * has its module (tests/layers.sh); part "report" writes the real one and
 * the lead takes theirs at merge. Not built. */
