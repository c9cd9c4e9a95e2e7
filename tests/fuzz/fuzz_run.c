/*
 * tests/fuzz/fuzz_run.c: libFuzzer target for what the run queue takes
 * from clients before any query: run ids (from exportctl and, later, API
 * paths) and run requests (profile selectors, parameters, priority).  The
 * input is split at '|' into a tenant, a run id, a target list, a format
 * list, parameters separated by ',' and a distribution "TYPE:REF" (when
 * there is one the profile is trivy:db, which has an OCI artifact).  Beyond the sanitizers it checks
 * what ec_run.h promises, and aborts when one is broken:
 *   - an id ec_run_id_valid() accepts names the tenant and re-formats to
 *     itself from its day and sequence;
 *   - a request either fails with a request or profile code or has a
 *     hash of 64 hex digits that does not change when taken again;
 *   - an accepted distribution is stored as type oci with the ref given,
 *     which ec_registry_ref_parse() accepts and which fits the bound.
 * Seeds: tests/fuzz/corpus/run/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_registry.h"
#include "ec_run.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FIELDS	6
#define FUZZ_PARAMS	(EC_PARAM_MAX + 1)

static void
fuzz_id(const char *tenant, const char *id)
{
	struct ec_err	err;
	char		day[11], again[EC_RUN_ID_MAX + 1];
	const char	*p;
	uint64_t	seq;

	if (!ec_run_id_valid(id, tenant))
		return;
	p = id + 12 + strlen(tenant) + 2;
	(void)snprintf(day, sizeof(day), "%.10s", p);
	seq = strtoull(p + 12, NULL, 10);
	/* Leading zeros past four digits do not survive a re-format. */
	if (strlen(p + 12) > 4 && p[12] == '0')
		return;
	if (seq == 0)
		return;
	if (ec_run_id_format(again, tenant, day, seq, &err) == -1 ||
	    strcmp(again, id) != 0)
		abort();
}

/* What an accepted request stored of its distribution. */
static void
fuzz_dist(const json_t *r, const struct ec_run_spec *s)
{
	struct ec_registry_ref	 ref;
	struct ec_err		 err;
	const json_t		*d = json_object_get(r, "distribution");
	const char		*got;

	if (s->dist_type == NULL) {
		if (d != NULL)
			abort();
		return;
	}
	got = json_string_value(json_object_get(d, "ref"));
	if (got == NULL || strcmp(json_string_value(json_object_get(d,
	    "type")), "oci") != 0 || strcmp(got, s->dist_ref) != 0 ||
	    strlen(got) > EC_RUN_DIST_REF_MAX ||
	    ec_registry_ref_parse(&ref, got, &err) == -1)
		abort();
}

static void
fuzz_request(char **f)
{
	struct ec_run_spec	 s;
	struct ec_err		 err;
	const char		*params[FUZZ_PARAMS];
	char			 h1[EC_SHA256_HEX], h2[EC_SHA256_HEX], *tok;
	json_t			*r;

	memset(&s, 0, sizeof(s));
	s.tenant = f[0];
	s.profile = "json:raw";
	s.targets = f[2][0] != '\0' ? f[2] : NULL;
	s.formats = f[3][0] != '\0' ? f[3] : NULL;
	s.params = params;
	for (tok = strtok(f[4], ","); tok != NULL && s.nparams < FUZZ_PARAMS;
	    tok = strtok(NULL, ","))
		params[s.nparams++] = tok;
	s.priority = (unsigned)strlen(f[1]) % 12;
	if (f[5][0] != '\0') {
		s.profile = "trivy:db";
		s.dist_type = f[5];
		if ((tok = strchr(f[5], ':')) != NULL) {
			*tok = '\0';
			s.dist_ref = tok + 1;
		}
	}
	if ((r = ec_run_request(&s, s.profile, s.profile, &err)) == NULL) {
		if (err.code != EC_ERR_REQUEST_INVALID &&
		    err.code != EC_ERR_PROFILE_NOT_FOUND &&
		    err.code != EC_ERR_NOMEM)
			abort();
		return;
	}
	if (ec_run_request_hash(h1, r, &err) == -1 ||
	    ec_run_request_hash(h2, r, &err) == -1 || strlen(h1) != 64 ||
	    strcmp(h1, h2) != 0)
		abort();
	fuzz_dist(r, &s);
	json_decref(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*buf, *f[FUZZ_FIELDS], *p;
	size_t	 i;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	p = buf;
	for (i = 0; i < FUZZ_FIELDS; i++) {
		f[i] = p;
		if (p != NULL && (p = strchr(p, '|')) != NULL)
			*p++ = '\0';
		if (f[i] == NULL)
			f[i] = (char *)"";
	}
	fuzz_id(f[0], f[1]);
	fuzz_request(f);
	free(buf);
	return 0;
}
