/*
 * ec_run_audit: the audit events of a built run (mirror.*), made from
 * what the build produced so that each one states a fact of the stored
 * output: the ids come from the tree's own manifests, not the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_file.h"
#include "ec_limits.h"
#include "ec_mirror_delta.h"
#include "ec_run.h"

/* Append one event; "payload" is stolen, NULL being out of memory. */
static int
audit_add(struct ec_run_audit *a, const char *type, json_t *payload,
    struct ec_err *err)
{
	if (payload == NULL)
		return ec_err_nomem(err);
	if (a->n == EC_RUN_AUDIT_MAX) {
		json_decref(payload);
		return ec_err_set(err, EC_ERR_INTERNAL, "audit: more than %d "
		    "events", EC_RUN_AUDIT_MAX);
	}
	a->type[a->n] = type;
	a->payload[a->n++] = payload;
	return 0;
}

/*
 * The parsed manifest.diff.json of a delta output, which names the base
 * tree the delta was computed against (baseExportId).
 */
static int
audit_diff(struct ec_mirror_diff **out, const struct ec_export_result *res,
    struct ec_err *err)
{
	char	 path[sizeof(res->path) + sizeof(EC_MIRROR_DIFF_NAME) + 1];
	uint8_t	*p = NULL;
	size_t	 len;
	int	 rc;

	*out = NULL;
	if (res->packed)
		return ec_err_set(err, EC_ERR_INTERNAL, "audit: a mirror:delta "
		    "output is a tree, not a packed bundle");
	(void)snprintf(path, sizeof(path), "%s/" EC_MIRROR_DIFF_NAME,
	    res->path);
	if (ec_file_read_small(&p, &len, path, EC_MAX_META_BYTES, err) == -1)
		return -1;
	rc = ec_mirror_diff_parse(out, (const char *)p, len, err);
	free(p);
	return rc;
}

/* mirror.bundle.created, for mirror:full and mirror:delta runs. */
static int
audit_bundle(struct ec_run_audit *a, const struct ec_run_claim *c,
    const struct ec_export_req *req, const struct ec_export_result *res,
    const struct ec_run_base *base, struct ec_err *err)
{
	struct ec_mirror_diff	*d = NULL;
	json_t			*o;
	bool			 delta;
	int			 rc;

	delta = strcmp(req->profile, "mirror:delta") == 0;
	if (!delta && strcmp(req->profile, "mirror:full") != 0)
		return 0;
	if (delta && audit_diff(&d, res, err) == -1)
		return -1;
	o = json_pack("{s:s, s:s, s:s, s:s+}", "runId", c->run_id, "profile",
	    req->profile, "exportId", d != NULL ? ec_mirror_diff_export_id(d) :
	    res->run_id, "manifestSha256", "sha256:", res->sha256);
	if (o != NULL && d != NULL && (json_object_set_new(o, "baseRunId",
	    json_string(base != NULL ? base->run_id : "")) == -1 ||
	    json_object_set_new(o, "baseExportId",
	    json_string(ec_mirror_diff_base_id(d))) == -1)) {
		json_decref(o);
		o = NULL;
	}
	rc = audit_add(a, "mirror.bundle.created", o, err);
	ec_mirror_diff_free(d);
	return rc;
}

int
ec_run_audit_make(struct ec_run_audit *a, const struct ec_run_claim *c,
    const struct ec_export_req *req, const struct ec_export_result *res,
    const struct ec_run_base *base, struct ec_err *err)
{
	memset(a, 0, sizeof(*a));
	/* In the order things happened: the base, the bundle, its wrapping. */
	if (base != NULL && base->applied != NULL &&
	    json_array_size(base->applied) > 0 && audit_add(a,
	    "mirror.delta.applied", json_pack("{s:s, s:s, s:O}", "runId",
	    c->run_id, "baseRunId", base->run_id, "appliedExportIds",
	    base->applied), err) == -1)
		goto fail;
	if (audit_bundle(a, c, req, res, base, err) == -1)
		goto fail;
	if (res->encrypted && audit_add(a, "mirror.encryption.enabled",
	    json_pack("{s:s, s:I}", "runId", c->run_id, "recipients",
	    (json_int_t)req->nrecipients), err) == -1)
		goto fail;
	return 0;
fail:
	ec_run_audit_dispose(a);
	return -1;
}

void
ec_run_audit_dispose(struct ec_run_audit *a)
{
	size_t	i;

	for (i = 0; i < a->n; i++)
		json_decref(a->payload[i]);
	a->n = 0;
}
