/*
 * tests/fuzz/fuzz_api_body.c: libFuzzer target for the body of POST
 * /export-center/runs as the API pool parses it (fcgi/h_runs_req.c,
 * compiled in here: the pool's sources are not in libec.a), and for the
 * request it then becomes (ec_run_request, the builder's own checks).
 * Seeds: tests/fuzz/corpus/api_body/.
 *
 *   make build-fuzz/fuzz_api_body
 *   build-fuzz/fuzz_api_body -max_total_time=600 tests/fuzz/corpus/api_body
 */
#include <stddef.h>
#include <stdint.h>

#include "../../fcgi/h_runs_req.c"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct api_run_body	 b;
	struct ec_run_spec	 spec;
	struct ec_err		 err;
	json_t			*req;

	if (size > EC_MAX_BODY)
		return 0;
	if (api_run_body_parse(&b, (const char *)data, size, &err) == 0) {
		memset(&spec, 0, sizeof(spec));
		spec.tenant = "fuzz";
		spec.profile = b.profile;
		spec.targets = b.targets[0] != '\0' ? b.targets : NULL;
		spec.formats = b.formats[0] != '\0' ? b.formats : NULL;
		spec.priority = b.priority;
		spec.options = b.options;
		req = ec_run_request(&spec, "json:raw", "json:raw", &err);
		json_decref(req);
	}
	api_run_body_dispose(&b);
	return 0;
}
