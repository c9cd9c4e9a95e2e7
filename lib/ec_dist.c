/*
 * ec_dist: distribution documents from signed run statuses (ec_dist.h).
 */
#include <stdio.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_dist.h"
#include "ec_hash.h"
#include "ec_manifest.h"
#include "ec_run.h"

#define DIST_RUN_PREFIX	"export-run::"

int
ec_dist_id(char out[EC_DIST_ID_MAX + 1], const char *run_id,
    const char *tenant, struct ec_err *err)
{
	if (!ec_run_id_valid(run_id, tenant))
		return ec_err_set(err, EC_ERR_NOT_FOUND, "no such run");
	(void)snprintf(out, EC_DIST_ID_MAX + 1, EC_DIST_PREFIX "%s",
	    run_id + strlen(DIST_RUN_PREFIX));
	return 0;
}

bool
ec_dist_run_id(char out[EC_RUN_ID_MAX + 1], const char *dist_id,
    const char *tenant)
{
	size_t	n = strlen(EC_DIST_PREFIX);
	int	len;

	if (dist_id == NULL || strncmp(dist_id, EC_DIST_PREFIX, n) != 0)
		return false;
	len = snprintf(out, EC_RUN_ID_MAX + 1, DIST_RUN_PREFIX "%s",
	    dist_id + n);
	return len > 0 && len <= EC_RUN_ID_MAX && ec_run_id_valid(out, tenant);
}

static bool
dist_suffix(const char *s, const char *suffix)
{
	size_t	n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The outputs that make the rels; borrowed from the run. */
struct dist_pick {
	const json_t	*manifest, *dsse, *bundle, *oci;
};

static void
dist_pick(struct dist_pick *p, const json_t *outputs)
{
	const json_t	*o;
	const char	*type, *name;
	size_t		 i;

	memset(p, 0, sizeof(*p));
	json_array_foreach(outputs, i, o) {
		type = json_string_value(json_object_get(o, "type"));
		name = json_string_value(json_object_get(o, "id"));
		if (type == NULL || name == NULL)
			continue;
		if (strcmp(type, "distribution") == 0) {
			/* The first pushed: a mirror's json-raw bundle. */
			if (p->oci == NULL)
				p->oci = o;
		}
		else if (strcmp(type, "manifest") == 0)
			p->manifest = o;
		else if (strcmp(name, EC_MANIFEST_DSSE_NAME) == 0)
			p->dsse = o;
		else if (p->bundle == NULL && (strcmp(type, "bundle") == 0 ||
		    dist_suffix(name, ".tar.zst") || dist_suffix(name, ".zip")))
			p->bundle = o;
	}
}

/* Every pushed reference with its manifest digest, in push order. */
static json_t *
dist_pushed(const json_t *outputs)
{
	const json_t	*o;
	const char	*type;
	json_t		*a;
	size_t		 i;

	if ((a = json_array()) == NULL)
		return NULL;
	json_array_foreach(outputs, i, o) {
		type = json_string_value(json_object_get(o, "type"));
		if (type != NULL && strcmp(type, "distribution") == 0 &&
		    json_array_append_new(a, json_pack("{s:O, s:O, s:O}",
		    "ref", json_object_get(o, "id"), "digest",
		    json_object_get(o, "sha256"), "url", json_object_get(o,
		    "url"))) == -1) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int
dist_link(json_t *links, const char *rel, const json_t *o)
{
	return json_array_append_new(links, json_pack("{s:s, s:O, s:O}",
	    "rel", rel, "href", json_object_get(o, "url"), "sha256",
	    json_object_get(o, "sha256")));
}

json_t *
ec_dist_build(const json_t *run, struct ec_err *err)
{
	struct dist_pick	 p;
	const json_t		*self, *exp;
	const char		*status, *run_id;
	char			 id[EC_DIST_ID_MAX + 1];
	json_t			*doc = NULL, *links;

	status = json_string_value(json_object_get(run, "status"));
	run_id = json_string_value(json_object_get(run, "runId"));
	if (status == NULL || strcmp(status, "succeeded") != 0 ||
	    run_id == NULL || strlen(run_id) > EC_RUN_ID_MAX ||
	    strncmp(run_id, DIST_RUN_PREFIX, strlen(DIST_RUN_PREFIX)) != 0) {
		(void)ec_err_set(err, EC_ERR_NOT_FOUND,
		    "no distribution: the run has not succeeded");
		return NULL;
	}
	(void)snprintf(id, sizeof(id), EC_DIST_PREFIX "%s",
	    run_id + strlen(DIST_RUN_PREFIX));
	dist_pick(&p, json_object_get(run, "outputs"));
	self = p.manifest != NULL ? p.manifest : p.bundle;
	if (self == NULL || (exp = json_object_get(self, "expiresAt")) ==
	    NULL) {
		(void)ec_err_set(err, EC_ERR_NOT_FOUND,
		    "no distribution: the run has no signed output");
		return NULL;
	}
	if ((links = json_array()) == NULL)
		goto nomem;
	/* Appended in rel order, so the list is sorted by rel. */
	if ((p.dsse != NULL && dist_link(links, "alternate", p.dsse) == -1) ||
	    (p.bundle != NULL && dist_link(links, "bundle", p.bundle) == -1) ||
	    dist_link(links, "self", self) == -1) {
		json_decref(links);
		goto nomem;
	}
	doc = json_pack("{s:s, s:O, s:O, s:s, s:O, s:O, s:O, s:o, s:o, s:O}",
	    "distributionId", id, "runId", json_object_get(run, "runId"),
	    "profileId", json_object_get(run, "profileId"), "type",
	    p.oci != NULL ? "oci" : "download", "expiresAt", exp,
	    "checksum", json_object_get(self, "sha256"), "size",
	    json_object_get(self, "size"), "dsseEnvelope", p.dsse != NULL ?
	    json_pack("{s:O, s:O}", "url", json_object_get(p.dsse, "url"),
	    "sha256", json_object_get(p.dsse, "sha256")) : json_null(),
	    "links", links, "artifacts", json_object_get(run, "outputs"));
	if (doc != NULL && p.oci != NULL && json_object_set_new(doc, "oci",
	    json_pack("{s:O, s:O, s:O, s:o}", "ref", json_object_get(p.oci,
	    "id"), "digest", json_object_get(p.oci, "sha256"), "url",
	    json_object_get(p.oci, "url"), "pushed",
	    dist_pushed(json_object_get(run, "outputs")))) == -1) {
		json_decref(doc);
		goto nomem;
	}
	if (doc != NULL)
		return doc;
nomem:
	(void)ec_err_nomem(err);
	return NULL;
}

int
ec_dist_etag(char out[EC_DIST_ETAG_MAX], const json_t *doc,
    struct ec_err *err)
{
	struct ec_buf	c;
	char		hex[EC_SHA256_HEX];

	ec_buf_init(&c, 4 * 1024 * 1024);
	if (ec_canon_dump(&c, doc, err) == -1) {
		ec_buf_dispose(&c);
		return -1;
	}
	ec_sha256_hex(hex, c.data, c.len);
	ec_buf_dispose(&c);
	(void)snprintf(out, EC_DIST_ETAG_MAX, "\"%s\"", hex);
	return 0;
}

bool
ec_dist_etag_match(const char *inm, const char *etag)
{
	const char	*p = inm, *e;
	size_t		 n = strlen(etag);

	if (inm == NULL)
		return false;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			return false;
		if (*p == '*')
			return true;
		/* Weak comparison: W/ is ignored (RFC 9110 8.8.3.2). */
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if ((e = strchr(p + 1, '"')) == NULL || *p != '"')
			return false;
		if ((size_t)(e + 1 - p) == n && strncmp(p, etag, n) == 0)
			return true;
		p = e + 1;
	}
}
