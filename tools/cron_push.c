/*
 * export-cron: a run's OCI distribution.  Nothing counts as pushed
 * unless its manifest PUT succeeded; a retried run pushes the same bytes
 * under the same tags, and the registry's HEAD answers keep blobs from
 * being sent twice (within one push and across artifacts that share
 * them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_export.h"
#include "ec_layout.h"
#include "export_cron.h"

#define CRON_PATH_MAX	4096

/* Push the layout "oci" ("entry" of it, or NULL: REF's) under "ref". */
static int
cron_push_one(struct cron *cr, const struct ec_run_claim *c,
    struct cron_dist *d, const char *oci, const struct ec_registry_ref *ref,
    const char *entry, const char *att, struct ec_err *err)
{
	struct cron_pushed	*p = &d->pushed[d->n];

	if (ec_registry_push_entry(&p->res, oci, ref, entry, att, &cr->reg,
	    err) == -1)
		return -1;
	d->n++;
	(void)snprintf(p->id, sizeof(p->id), "%s/%s:%s", ref->host,
	    ref->repo, p->res.tag);
	(void)snprintf(p->url, sizeof(p->url), "oci://%s@%s", p->id,
	    p->res.digest);
	ec_log(EC_LOG_INFO, "run=%s tenant=%s attempt=%d event=pushed ref=%s "
	    "digest=%s uploaded=%u skipped=%u attached=%s", c->run_id,
	    c->tenant, c->attempt, p->id, p->res.digest, p->res.uploaded,
	    p->res.skipped, p->res.att_digest[0] != '\0' ?
	    p->res.att_digest : "-");
	return 0;
}

/* Every entry of the layout "l" under "<tag>-<ref name>". */
static int
cron_push_each(struct cron *cr, const struct ec_run_claim *c,
    struct cron_dist *d, const struct ec_layout *l, const char *oci,
    const struct ec_registry_ref *ref, const char *att, struct ec_err *err)
{
	const struct ec_layout_desc	*e;
	struct ec_registry_ref		 tagged = *ref;
	size_t				 i;

	for (i = 0; i < ec_layout_count(l); i++) {
		e = ec_layout_entry(l, i);
		if (e->ref_name[0] == '\0')
			return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
			    "distribution: manifest %zu of oci/index.json has "
			    "no ref name to tag it with", i + 1);
		if (snprintf(tagged.tag, sizeof(tagged.tag), "%s%s%s",
		    ref->tag, ref->tag[0] != '\0' ? "-" : "", e->ref_name) >=
		    (int)sizeof(tagged.tag))
			return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
			    "distribution: tag %s-%s is longer than %d",
			    ref->tag, e->ref_name, EC_REGISTRY_MAX_TAG);
		if (cron_push_one(cr, c, d, oci, &tagged, e->ref_name, att,
		    err) == -1)
			return -1;
	}
	return 0;
}

int
cron_push(struct cron *cr, const struct ec_run_claim *c,
    const struct ec_export_result *res, struct cron_dist *d,
    struct ec_err *err)
{
	struct ec_registry_ref	 ref;
	struct ec_layout	*l = NULL;
	char			 oci[CRON_PATH_MAX], att[CRON_PATH_MAX];
	const char		*a;
	int			 rc = -1;

	if (d->ref == NULL)
		return 0;
	if (ec_registry_ref_parse(&ref, d->ref, err) == -1)
		return -1;
	if (snprintf(oci, sizeof(oci), "%s/oci", res->path) >=
	    (int)sizeof(oci) || snprintf(att, sizeof(att),
	    "%s/provenance.dsse.json", res->path) >= (int)sizeof(att))
		return ec_err_set(err, EC_ERR_IO, "distribution: output path "
		    "too long");
	if (res->packed)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "distribution: "
		    "the output is a packed bundle, not an OCI layout");
	if (res->encrypted)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "distribution: the output is encrypted (age): its oci/ "
		    "layout is not pushed in plaintext");
	a = res->signed_ ? att : NULL;
	if (ec_layout_open(&l, oci, err) == -1)
		return -1;
	if ((d->pushed = calloc(ec_layout_count(l), sizeof(*d->pushed))) ==
	    NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_layout_count(l) == 1)
		rc = cron_push_one(cr, c, d, oci, &ref, NULL, a, err);
	else
		rc = cron_push_each(cr, c, d, l, oci, &ref, a, err);
out:
	ec_layout_free(l);
	return rc;
}

int
cron_dist_output(struct ec_run_output **outs, size_t *n,
    const struct cron_dist *d, struct ec_err *err)
{
	struct ec_run_output	*o;
	const struct cron_pushed *p;
	size_t			 i;

	if (d->n == 0)
		return 0;
	if ((o = realloc(*outs, (*n + d->n) * sizeof(*o))) == NULL)
		return ec_err_nomem(err);
	*outs = o;
	for (i = 0; i < d->n; i++) {
		p = &d->pushed[i];
		o = &(*outs)[(*n)++];
		memset(o, 0, sizeof(*o));
		o->type = "distribution";
		o->id = o->name = p->id;
		o->format = "oci";
		(void)snprintf(o->sha256, sizeof(o->sha256), "%s",
		    p->res.digest + strlen("sha256:"));
		o->size = p->res.size;
		o->url = p->url;
		o->attachment = p->res.att_digest[0] != '\0' ?
		    p->res.att_digest : NULL;
	}
	return 0;
}

void
cron_dist_dispose(struct cron_dist *d)
{
	free(d->pushed);
	d->pushed = NULL;
	d->n = 0;
}
