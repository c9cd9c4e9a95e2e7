/* tests/unit/t_run.c: the pure parts of ec_run (ids, requests, leases). */
#include <string.h>

#include "tap.h"
#include "ec_run.h"
#include "ec_run_int.h"

static void
id_is(const char *tenant, const char *day, uint64_t seq, const char *want,
    const char *what)
{
	struct ec_err	err;
	char		id[EC_RUN_ID_MAX + 1];

	if (ec_run_id_format(id, tenant, day, seq, &err) == -1)
		ok(want == NULL, "%s: %s", what, err.msg);
	else
		ok(want != NULL && strcmp(id, want) == 0 &&
		    ec_run_id_valid(id, tenant), "%s: got %s", what, id);
}

static void
ids(void)
{
	id_is("tenant-default", "2025-12-06", 3,
	    "export-run::tenant-default::2025-12-06::0003",
	    "the contract's example");
	id_is("t", "2025-12-06", 12345, "export-run::t::2025-12-06::12345",
	    "a sequence past 9999 grows");
	id_is("t", "2025-12-06", 0, NULL, "sequence 0 refused");
	id_is("t", "2025-12-6", 1, NULL, "short day refused");
	id_is("t", "2025/12/06", 1, NULL, "day separators checked");
	id_is("a/b", "2025-12-06", 1, NULL, "bad tenant refused");
	ok(!ec_run_id_valid("export-run::a::2025-12-06::0001", "b"),
	    "a run id names its tenant");
	ok(!ec_run_id_valid("export-run::ab::2025-12-06::0001", "a"),
	    "a tenant prefix is not the tenant");
	ok(!ec_run_id_valid("export-run::a::2025-12-06::001", "a"),
	    "four digits at least");
	ok(!ec_run_id_valid("export-run::a::2025-12-06::0001x", "a"),
	    "nothing after the sequence");
	ok(!ec_run_id_valid("export-run::a::2025-12-06", "a"),
	    "no sequence");
	ok(ec_run_id_valid("export-run::a::2025-12-06::2147483647", "a") &&
	    !ec_run_id_valid("export-run::a::2025-12-06::88888888888888888888",
	    "a"), "ten digits at most (fuzz_run found twenty accepted)");
}

/* The hash of the request for these targets, formats and parameters. */
static int
hash_of(char hex[EC_SHA256_HEX], const char *targets, const char *formats,
    const char *const *params, size_t np, unsigned prio)
{
	struct ec_run_spec	s;
	struct ec_err		err;
	json_t			*r;
	int			 rc;

	memset(&s, 0, sizeof(s));
	s.tenant = "t";
	s.profile = "json:raw";
	s.targets = targets;
	s.formats = formats;
	s.params = params;
	s.nparams = np;
	s.priority = prio;
	if ((r = ec_run_request(&s, "json:raw", "json:raw", &err)) == NULL)
		return -1;
	rc = ec_run_request_hash(hex, r, &err);
	json_decref(r);
	return rc;
}

static void
requests(void)
{
	char		a[EC_SHA256_HEX], b[EC_SHA256_HEX];
	const char	*bad[] = { "nope=1" };

	ok(hash_of(a, "advisory,vex", "json", NULL, 0, 5) == 0 &&
	    hash_of(b, "vex,advisory", "json", NULL, 0, 5) == 0 &&
	    strcmp(a, b) == 0, "target order does not change the hash");
	ok(hash_of(a, NULL, NULL, NULL, 0, 5) == 0 &&
	    hash_of(b, "advisory,sbom,vex", "json", NULL, 0, 5) == 0 &&
	    strcmp(a, b) == 0, "defaults are filled in before hashing");
	ok(hash_of(a, "vex", NULL, NULL, 0, 5) == 0 &&
	    hash_of(b, "advisory", NULL, NULL, 0, 5) == 0 &&
	    strcmp(a, b) != 0, "other targets, other hash");
	ok(hash_of(a, NULL, NULL, NULL, 0, 5) == 0 &&
	    hash_of(b, NULL, NULL, NULL, 0, 6) == 0 && strcmp(a, b) != 0,
	    "priority is part of the request");
	ok(hash_of(a, "policy", NULL, NULL, 0, 5) == -1,
	    "a target the profile does not export is refused");
	ok(hash_of(a, NULL, NULL, bad, 1, 5) == -1,
	    "a parameter the profile does not have is refused");
	ok(hash_of(a, NULL, NULL, NULL, 0, 10) == -1, "priority past 9");
	ok(hash_of(a, NULL, NULL, NULL, 0, 5) == 0 && strcmp(a,
	    "0000000000000000000000000000000000000000000000000000000000000000")
	    != 0 && strlen(a) == 64, "hash is 64 hex digits");
}

/* A stored request becomes the same build request again. */
static void
jobs(void)
{
	struct ec_run_spec	s;
	struct ec_run_job	job;
	struct ec_export_req	req;
	struct ec_err		err;
	const char		*params[] = { "b=2", "a=x=y" };

	memset(&s, 0, sizeof(s));
	memset(&job, 0, sizeof(job));
	memset(&req, 0, sizeof(req));
	s.tenant = "t";
	s.profile = "json:raw";
	s.targets = "vex,advisory";
	s.params = params;
	s.nparams = 2;
	/* json:raw takes no parameters: the request fails, as it should. */
	ok(ec_run_request(&s, "json:raw", "json:raw", &err) == NULL &&
	    err.code == EC_ERR_REQUEST_INVALID, "unknown parameters refused");
	job.request = json_pack("{s:s, s:[s, s], s:[s], s:{s:s, s:s}}",
	    "profile", "json:raw", "targets", "advisory", "vex", "formats",
	    "ndjson", "params", "b", "2", "a", "x=y");
	ok(ec_run_job_fill(&job, &req, &err) == 0 &&
	    strcmp(req.profile, "json:raw") == 0 &&
	    strcmp(req.targets, "advisory,vex") == 0 &&
	    strcmp(req.formats, "ndjson") == 0 && req.nparams == 2,
	    "stored request back to a build request");
	ok(req.nparams == 2 && ((strcmp(req.params[0], "a=x=y") == 0 &&
	    strcmp(req.params[1], "b=2") == 0) ||
	    (strcmp(req.params[0], "b=2") == 0 &&
	    strcmp(req.params[1], "a=x=y") == 0)),
	    "parameters as key=value, '=' in a value kept");
	ec_run_job_dispose(&job);
	job.request = json_pack("{s:s, s:[], s:[s]}", "profile", "json:raw",
	    "targets", "formats", "json");
	ok(ec_run_job_fill(&job, &req, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL, "an empty stored target list is "
	    "an internal error");
	ec_run_job_dispose(&job);
}

/* The request for "kind" with distribution TYPE:REF, or NULL with *code. */
static json_t *
dist_request(const char *kind, const char *type, const char *ref,
    struct ec_err *err)
{
	struct ec_run_spec	s;

	memset(&s, 0, sizeof(s));
	s.tenant = "t";
	s.profile = kind;
	s.dist_type = type;
	s.dist_ref = ref;
	return ec_run_request(&s, kind, kind, err);
}

/* Distribution: checked at create time, stored, read back by the job. */
static void
distributions(void)
{
	struct ec_run_job	job;
	struct ec_err		err;
	json_t			*r;
	char			long_ref[EC_RUN_DIST_REF_MAX + 32];

	r = dist_request("trivy:db", "oci", "127.0.0.1:5000/trivy-db:2", &err);
	ok(r != NULL && strcmp(json_string_value(json_object_get(
	    json_object_get(r, "distribution"), "ref")),
	    "127.0.0.1:5000/trivy-db:2") == 0, "trivy:db with oci: stored");
	memset(&job, 0, sizeof(job));
	job.request = r;
	ok(ec_run_job_oci_ref(&job) != NULL &&
	    strcmp(ec_run_job_oci_ref(&job), "127.0.0.1:5000/trivy-db:2") == 0,
	    "the job reads the ref back");
	ec_run_job_dispose(&job);
	r = dist_request("trivy:java-db", "oci", "reg.example/j", &err);
	ok(r != NULL, "trivy:java-db with oci, tag omitted: accepted");
	json_decref(r);
	ok(dist_request("json:raw", "oci", "reg.example/x:1", &err) == NULL &&
	    err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "profile json:raw has no OCI artifact") != NULL,
	    "json:raw has no OCI artifact: %s", err.msg);
	ok(dist_request("trivy:db", "s3", "reg.example/x", &err) == NULL &&
	    err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "distribution.type") != NULL,
	    "unknown type names the field: %s", err.msg);
	ok(dist_request("trivy:db", "oci", NULL, &err) == NULL &&
	    strstr(err.msg, "distribution.ref") != NULL, "oci needs a ref");
	ok(dist_request("trivy:db", "oci", "Reg.example/UPPER", &err) ==
	    NULL && err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "distribution.ref") != NULL,
	    "bad ref syntax names the field: %s", err.msg);
	memset(long_ref, 'a', sizeof(long_ref) - 1);
	long_ref[sizeof(long_ref) - 1] = '\0';
	memcpy(long_ref, "r.example/", 10);
	ok(dist_request("trivy:db", "oci", long_ref, &err) == NULL &&
	    strstr(err.msg, "longer than") != NULL, "ref length bounded");
	r = dist_request("trivy:db", NULL, NULL, &err);
	ok(r != NULL && json_object_get(r, "distribution") == NULL,
	    "no distribution asked: none stored");
	json_decref(r);
}

int
main(void)
{
	ids();
	requests();
	jobs();
	distributions();
	ok(ec_run_renew_interval(60) == 20, "renew every third of the lease");
	ok(ec_run_renew_interval(2) == 1 && ec_run_renew_interval(0) == 1,
	    "at least every second");
	return done_testing();
}
