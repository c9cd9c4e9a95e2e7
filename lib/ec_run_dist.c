/*
 * ec_run_dist: the distribution part of a run's request.  A run may ask
 * for its output to be pushed somewhere once it is built; the one kind
 * known is "oci", an OCI image layout the profile writes under oci/,
 * pushed by export-cron with ec_registry.  Checked when the run is
 * created, so a queued run never fails for a reason its request showed.
 */
#include <string.h>

#include "ec_profile.h"
#include "ec_registry.h"
#include "ec_run.h"

int
ec_run_distribution_check(json_t **out, const struct ec_run_spec *spec,
    const char *kind, struct ec_err *err)
{
	const struct ec_profile	*p = ec_profile_find(kind);
	struct ec_registry_ref	 ref;
	struct ec_err		 why;

	*out = NULL;
	if (spec->dist_type == NULL && spec->dist_ref == NULL)
		return 0;
	if (spec->dist_type == NULL || strcmp(spec->dist_type, "oci") != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "distribution.type: unknown type \"%.32s\" (known: oci)",
		    spec->dist_type != NULL ? spec->dist_type : "");
	if (spec->dist_ref == NULL || spec->dist_ref[0] == '\0')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "distribution.ref: required for type oci");
	if (strlen(spec->dist_ref) > EC_RUN_DIST_REF_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "distribution.ref: longer than %d bytes",
		    EC_RUN_DIST_REF_MAX);
	if (ec_registry_ref_parse(&ref, spec->dist_ref, &why) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "distribution.ref: %s", why.msg);
	/* ec_export_check() has found the profile already. */
	if (p == NULL || (p->flags & EC_PROFILE_OCI) == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "distribution: profile %.64s has no OCI artifact", kind);
	if ((*out = json_pack("{s:s, s:s}", "type", "oci", "ref",
	    spec->dist_ref)) == NULL)
		return ec_err_nomem(err);
	return 0;
}

const char *
ec_run_job_oci_ref(const struct ec_run_job *job)
{
	const json_t	*d = json_object_get(job->request, "distribution");

	if (!json_is_object(d) || !json_is_string(json_object_get(d,
	    "type")) || strcmp(json_string_value(json_object_get(d, "type")),
	    "oci") != 0)
		return NULL;
	return json_string_value(json_object_get(d, "ref"));
}
