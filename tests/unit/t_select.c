/* tests/unit/t_select.c: target and format selectors (ec_select). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_limits.h"
#include "ec_select.h"

/* What the profile gives before any flag is read. */
#define DEFAULT_TARGETS	EC_TARGET_SBOM
#define DEFAULT_FORMATS	EC_FORMAT_JSON

/* The lists must parse to exactly these bits. */
static void
parse_is(const char *targets, const char *formats, unsigned want_t,
    unsigned want_f, const char *what)
{
	struct ec_selectors	sel = { DEFAULT_TARGETS, DEFAULT_FORMATS };
	struct ec_err		err;

	if (ec_selectors_parse(&sel, targets, formats, &err) == -1)
		ok(0, "%s: rejected: %s", what, err.msg);
	else
		ok(sel.targets == want_t && sel.formats == want_f,
		    "%s: targets %#x, formats %#x", what, sel.targets,
		    sel.formats);
}

/*
 * The lists must be refused with EC_ERR_REQUEST_INVALID and exactly the
 * message "want", and the selectors must be left as they were.
 */
static void
parse_bad(const char *targets, const char *formats, const char *want,
    const char *what)
{
	struct ec_selectors	sel = { DEFAULT_TARGETS, DEFAULT_FORMATS };
	struct ec_err		err;

	memset(&err, 0, sizeof(err));
	if (ec_selectors_parse(&sel, targets, formats, &err) == 0) {
		ok(0, "%s: accepted", what);
		return;
	}
	ok(err.code == EC_ERR_REQUEST_INVALID && strcmp(err.msg, want) == 0 &&
	    sel.targets == DEFAULT_TARGETS && sel.formats == DEFAULT_FORMATS,
	    "%s: %s", what, err.msg);
}

/* "n" copies of "item" joined by commas; the caller frees it. */
static char *
repeat_list(const char *item, int n)
{
	char	*s, *p;
	size_t	 len = strlen(item);
	int	 i;

	if ((p = s = malloc((len + 1) * (size_t)n + 1)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ',';
		memcpy(p, item, len);
		p += len;
	}
	*p = '\0';
	return s;
}

static void
test_valid(void)
{
	parse_is(NULL, NULL, DEFAULT_TARGETS, DEFAULT_FORMATS,
	    "NULL lists keep the defaults");
	parse_is("advisory,vex", NULL, EC_TARGET_ADVISORY | EC_TARGET_VEX,
	    DEFAULT_FORMATS, "targets only, formats kept");
	parse_is(NULL, "ndjson", DEFAULT_TARGETS, EC_FORMAT_NDJSON,
	    "formats only, targets kept");
	parse_is("vex,sbom,policy,advisory", "ndjson,json",
	    EC_TARGET_ADVISORY | EC_TARGET_POLICY | EC_TARGET_SBOM |
	    EC_TARGET_VEX, EC_FORMAT_JSON | EC_FORMAT_NDJSON,
	    "every name, in any order");
	parse_is("policy", "json", EC_TARGET_POLICY, EC_FORMAT_JSON,
	    "one item each");
	parse_is("sbom", NULL, EC_TARGET_SBOM, DEFAULT_FORMATS,
	    "the default given again");
}

static void
test_invalid(void)
{
	char	*list, *big;
	char	 want[256];

	parse_bad("advisory,cve", NULL, "targets: unknown item \"cve\"",
	    "unknown target");
	parse_bad(NULL, "xml", "formats: unknown item \"xml\"",
	    "unknown format");
	parse_bad("", NULL, "targets: empty item in list", "empty list");
	parse_bad(NULL, "", "formats: empty item in list",
	    "empty format list");
	parse_bad("advisory,,vex", NULL, "targets: empty item in list",
	    "empty item in the middle");
	parse_bad("a,,b", NULL, "targets: unknown item \"a\"",
	    "\"a,,b\": the first offender is named");
	parse_bad("advisory,", NULL, "targets: empty item in list",
	    "trailing comma");
	parse_bad(",advisory", NULL, "targets: empty item in list",
	    "leading comma");
	parse_bad(",", NULL, "targets: empty item in list", "lone comma");
	parse_bad("vex,advisory,vex", NULL, "targets: \"vex\" given twice",
	    "repeated target");
	parse_bad(NULL, "json,json", "formats: \"json\" given twice",
	    "repeated format");
	parse_bad("VEX", NULL, "targets: unknown item \"VEX\"",
	    "names are case-sensitive");
	parse_bad("Advisory", NULL, "targets: unknown item \"Advisory\"",
	    "capitalised name");
	parse_bad(NULL, "JSON", "formats: unknown item \"JSON\"",
	    "format names are case-sensitive");
	parse_bad(" vex", NULL, "targets: unknown item \" vex\"",
	    "leading space is not trimmed");
	parse_bad("vex ", NULL, "targets: unknown item \"vex \"",
	    "trailing space is not trimmed");
	parse_bad("advisor", NULL, "targets: unknown item \"advisor\"",
	    "a prefix of a name");
	parse_bad("advisoryx", NULL, "targets: unknown item \"advisoryx\"",
	    "a name with a suffix");
	parse_bad("json", NULL, "targets: unknown item \"json\"",
	    "a format is not a target");
	parse_bad(NULL, "vex", "formats: unknown item \"vex\"",
	    "a target is not a format");
	parse_bad("advisory", "json,xml", "formats: unknown item \"xml\"",
	    "valid targets are not applied when the formats fail");

	/* The offender is echoed, but at most 64 bytes of it. */
	if ((big = malloc(1001)) == NULL)
		abort();
	memset(big, 'x', 1000);
	big[1000] = '\0';
	(void)snprintf(want, sizeof(want), "targets: unknown item \"%.64s\"",
	    big);
	parse_bad(big, NULL, want, "a 1000-byte item is echoed cut short");
	free(big);

	/*
	 * EC_MAX_TARGETS items of valid names must repeat a name, so they
	 * fail on the repetition; one more must fail on the count.
	 */
	list = repeat_list("vex", EC_MAX_TARGETS);
	parse_bad(list, NULL, "targets: \"vex\" given twice",
	    "50 items are not refused for their number");
	free(list);
	list = repeat_list("vex", EC_MAX_TARGETS + 1);
	parse_bad(list, NULL, "targets: more than 50 items",
	    "51 items are refused for their number");
	free(list);
	list = repeat_list("nonsense", EC_MAX_TARGETS + 1);
	parse_bad(list, NULL, "targets: more than 50 items",
	    "51 unknown items: the count is checked first");
	free(list);
	list = repeat_list("", EC_MAX_TARGETS + 1);
	parse_bad(list, NULL, "targets: more than 50 items",
	    "50 commas: the count is checked first");
	free(list);
	list = repeat_list("", EC_MAX_TARGETS);
	parse_bad(list, NULL, "targets: empty item in list",
	    "49 commas: empty items");
	free(list);
	list = repeat_list("json", EC_MAX_TARGETS + 1);
	parse_bad(NULL, list, "formats: more than 50 items",
	    "51 formats are refused for their number");
	free(list);
}

static void
test_names(void)
{
	const char	*prev, *name;
	unsigned	 i;
	int		 sorted = 1;

	ok(strcmp(ec_target_name(EC_TARGET_ADVISORY), "advisory") == 0 &&
	    strcmp(ec_target_name(EC_TARGET_POLICY), "policy") == 0 &&
	    strcmp(ec_target_name(EC_TARGET_SBOM), "sbom") == 0 &&
	    strcmp(ec_target_name(EC_TARGET_VEX), "vex") == 0,
	    "target names");
	ok(ec_target_name(0) == NULL &&
	    ec_target_name(1u << EC_TARGET_COUNT) == NULL &&
	    ec_target_name(EC_TARGET_ADVISORY | EC_TARGET_VEX) == NULL,
	    "no name for no bit, an unknown bit or two bits");
	ok(strcmp(ec_format_out_name(EC_FORMAT_JSON), "json") == 0 &&
	    strcmp(ec_format_out_name(EC_FORMAT_NDJSON), "ndjson") == 0,
	    "format names");
	ok(ec_format_out_name(0) == NULL &&
	    ec_format_out_name(1u << EC_FORMAT_COUNT) == NULL &&
	    ec_format_out_name(EC_FORMAT_JSON | EC_FORMAT_NDJSON) == NULL,
	    "no format name for no bit, an unknown bit or two bits");

	/* The header promises bit order is name order. */
	prev = "";
	for (i = 0; i < EC_TARGET_COUNT; i++) {
		name = ec_target_name(1u << i);
		if (name == NULL || strcmp(prev, name) >= 0)
			sorted = 0;
		prev = name != NULL ? name : "";
	}
	ok(sorted, "target bits are in the order their names sort");
	prev = "";
	sorted = 1;
	for (i = 0; i < EC_FORMAT_COUNT; i++) {
		name = ec_format_out_name(1u << i);
		if (name == NULL || strcmp(prev, name) >= 0)
			sorted = 0;
		prev = name != NULL ? name : "";
	}
	ok(sorted, "format bits are in the order their names sort");
}

/* ec_selectors_json() of "sel", dumped with sorted keys, must be "want". */
static void
json_is(unsigned targets, unsigned formats, const char *want,
    const char *what)
{
	struct ec_selectors	 sel = { targets, formats };
	json_t			*v;
	char			*s;

	if ((v = ec_selectors_json(&sel)) == NULL) {
		ok(0, "%s: no JSON", what);
		return;
	}
	s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	ok(s != NULL && strcmp(s, want) == 0, "%s: %s", what, s);
	free(s);
	json_decref(v);
}

static void
test_json(void)
{
	struct ec_selectors	 sel = { DEFAULT_TARGETS, DEFAULT_FORMATS };
	struct ec_err		 err;
	json_t			*a, *b;

	json_is(EC_TARGET_VEX | EC_TARGET_ADVISORY | EC_TARGET_SBOM,
	    EC_FORMAT_NDJSON | EC_FORMAT_JSON,
	    "{\"formats\":[\"json\",\"ndjson\"],"
	    "\"targets\":[\"advisory\",\"sbom\",\"vex\"]}",
	    "names sorted whatever was set");
	json_is(EC_TARGET_ADVISORY | EC_TARGET_POLICY | EC_TARGET_SBOM |
	    EC_TARGET_VEX, EC_FORMAT_NDJSON,
	    "{\"formats\":[\"ndjson\"],"
	    "\"targets\":[\"advisory\",\"policy\",\"sbom\",\"vex\"]}",
	    "every target");
	json_is(0, 0, "{\"formats\":[],\"targets\":[]}", "nothing selected");

	/* Two spellings of one selection give one JSON value. */
	if (ec_selectors_parse(&sel, "vex,advisory", "ndjson,json",
	    &err) == -1) {
		ok(0, "parse: %s", err.msg);
		return;
	}
	a = ec_selectors_json(&sel);
	if (ec_selectors_parse(&sel, "advisory,vex", "json,ndjson",
	    &err) == -1) {
		ok(0, "parse: %s", err.msg);
		json_decref(a);
		return;
	}
	b = ec_selectors_json(&sel);
	ok(a != NULL && b != NULL && json_equal(a, b),
	    "order of the lists does not matter");
	json_decref(a);
	json_decref(b);
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_names();
	test_json();
	return done_testing();
}
