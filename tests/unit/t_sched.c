/*
 * tests/unit/t_sched.c: run templates of schedules (ec_sched), checked
 * without a database; ec_sched_set()'s further check of the request is
 * in tests/integration/90-schedule.sh.
 */
#include <string.h>

#include "tap.h"
#include "ec_sched.h"

/* want == NULL: accepted; else refused with "want" in the message. */
static void
tmpl_is(const char *tmpl, const char *want, const char *what)
{
	struct ec_err	err;

	if (ec_sched_template_check(tmpl, &err) == 0)
		ok(want == NULL, "%s: accepted", what);
	else
		ok(want != NULL && err.code == EC_ERR_REQUEST_INVALID &&
		    strstr(err.msg, want) != NULL, "%s: %s", what, err.msg);
}

int
main(void)
{
	char	big[EC_SCHED_TEMPLATE_MAX + 16];

	tmpl_is(NULL, NULL, "no template");
	tmpl_is("{}", NULL, "an empty object");
	tmpl_is("{\"targets\":\"vex,advisory\",\"formats\":\"ndjson\","
	    "\"params\":{\"a\":\"1\"},\"priority\":9,\"retentionDays\":30}",
	    NULL, "every member");
	tmpl_is("[]", "a JSON object", "an array");
	tmpl_is("{\"targets\":\"vex\"", "template: line 1", "cut short");
	tmpl_is("{\"priority\":1,\"priority\":2}", "template: line 1",
	    "a duplicate key");
	tmpl_is("{\"colour\":\"red\"}", "unknown member \"colour\"",
	    "an unknown member");
	tmpl_is("{\"targets\":[\"vex\"]}", "targets: a comma-separated",
	    "targets as an array");
	tmpl_is("{\"priority\":10}", "priority: a whole number from 0 to 9",
	    "priority past 9");
	tmpl_is("{\"priority\":1.5}", "priority", "a fractional priority");
	tmpl_is("{\"retentionDays\":0}", "retentionDays", "0 days");
	tmpl_is("{\"retentionDays\":3651}", "retentionDays", "3651 days");
	tmpl_is("{\"params\":{\"a\":1}}", "params: values are strings",
	    "a number as a parameter");
	tmpl_is("{\"params\":{\"a\":\"1\",\"b\":\"1\",\"c\":\"1\",\"d\":\"1\","
	    "\"e\":\"1\",\"f\":\"1\",\"g\":\"1\",\"h\":\"1\",\"i\":\"1\","
	    "\"j\":\"1\",\"k\":\"1\",\"l\":\"1\",\"m\":\"1\",\"n\":\"1\","
	    "\"o\":\"1\",\"p\":\"1\",\"q\":\"1\"}}", "params: an object of at "
	    "most 16", "17 parameters");
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = '{';
	big[sizeof(big) - 2] = '}';
	tmpl_is(big, "more than 4096 bytes", "past the size limit");
	big[EC_SCHED_TEMPLATE_MAX - 1] = '}';
	big[EC_SCHED_TEMPLATE_MAX] = '\0';
	tmpl_is(big, NULL, "at the size limit");
	return done_testing();
}
