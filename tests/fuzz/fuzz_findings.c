/*
 * tests/fuzz/fuzz_findings.c: libFuzzer target for ec_findings_sbom(),
 * the SBOM reader of the json:policy profile, over a run that knows one
 * advisory (minimist, the one the seeds' components hit) and one VEX
 * statement.  Beyond the sanitizers it checks what the header promises,
 * and aborts when one is broken: failure is EC_ERR_REQUEST_INVALID or
 * EC_ERR_TOO_LARGE; on success every line is one JSON object ending in a
 * newline and the summary counts at least as many components as there
 * are component-level lines.
 * Seeds: tests/fuzz/corpus/findings/.
 *
 *   make build-fuzz/fuzz_findings
 *   build-fuzz/fuzz_findings -max_total_time=60 tests/fuzz/corpus/findings
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_findings.h"
#include "ec_policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char	fuzz_adv[] = "{\"id\":\"GHSA-xvch-5gv4-984h\","
    "\"modified\":\"2023-02-27T14:47:14Z\",\"aliases\":[\"CVE-2021-44906\"],"
    "\"database_specific\":{\"severity\":\"CRITICAL\"},\"affected\":[{"
    "\"package\":{\"ecosystem\":\"npm\",\"name\":\"minimist\"},\"ranges\":"
    "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
    "{\"fixed\":\"0.2.4\"}]}]}]}";
static const char	fuzz_vex[] = "{\"@context\":"
    "\"https://openvex.dev/ns/v0.2.0\",\"@id\":\"x\",\"timestamp\":"
    "\"2025-06-01T00:00:00Z\",\"statements\":[{\"vulnerability\":{\"name\":"
    "\"CVE-2021-44906\"},\"products\":[{\"@id\":\"pkg:npm/minimist\"}],"
    "\"status\":\"not_affected\"}]}";
static const char	fuzz_pol[] = "{\"schemaVersion\":1,\"rules\":[{"
    "\"id\":\"v\",\"kind\":\"vex\",\"decision\":\"allow\",\"status\":"
    "[\"not_affected\"]},{\"id\":\"s\",\"kind\":\"severity\",\"decision\":"
    "\"block\",\"atLeast\":\"high\"}]}";

static struct ec_findings	*run;
static struct ec_policy		*pol;
static size_t			 comp_lines;

static int
fuzz_line(void *arg, const char *line, size_t len, struct ec_err *err)
{
	json_error_t	 jerr;
	json_t		*o;

	(void)arg;
	(void)err;
	if (len == 0 || line[len - 1] != '\n' ||
	    memchr(line, '\n', len - 1) != NULL ||
	    (o = json_loadb(line, len - 1, 0, &jerr)) == NULL ||
	    !json_is_object(o))
		abort();
	if (json_object_get(o, "vulnerability") == NULL)
		comp_lines++;
	json_decref(o);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_findings_sbom	 sb = { "fuzz", "src", "00" };
	struct ec_err		 err;
	json_t			*sum = NULL;

	if (run == NULL && (ec_policy_parse(&pol, fuzz_pol,
	    sizeof(fuzz_pol) - 1, &err) == -1 ||
	    ec_findings_new(&run, pol, 0, &err) == -1 ||
	    ec_findings_add_advisory(run, fuzz_adv, sizeof(fuzz_adv) - 1,
	    &err) == -1 || ec_findings_add_vex(run, fuzz_vex,
	    sizeof(fuzz_vex) - 1, "v", &err) == -1))
		abort();
	comp_lines = 0;
	if (ec_findings_sbom(&sum, run, &sb, (const char *)data, size,
	    fuzz_line, NULL, &err) == -1) {
		if (err.code != EC_ERR_REQUEST_INVALID &&
		    err.code != EC_ERR_TOO_LARGE)
			abort();
		return 0;
	}
	if ((size_t)json_integer_value(json_object_get(sum, "components")) <
	    comp_lines)
		abort();
	json_decref(sum);
	return 0;
}
