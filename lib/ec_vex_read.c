/*
 * ec_vex_read: the three VEX formats into statements.  Only what the
 * decision needs is read: vulnerability and aliases, products, status,
 * justification and time.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_time.h"
#include "ec_vex_int.h"

/* Aliases kept per vulnerability; real documents name a handful. */
#define VEX_MAX_ALIASES	64

struct vex_vuln {
	const char	*id;
	const char	*alias[VEX_MAX_ALIASES];
	size_t		 nalias;
};

/* A status word of OpenVEX (section 4.2) or CycloneDX analysis.state. */
static int
vex_status(enum ec_vex_status *out, const char *s, struct ec_err *err)
{
	static const struct {
		const char		*word;
		enum ec_vex_status	 status;
	} words[] = {
		{ "not_affected", EC_VEX_NOT_AFFECTED },
		{ "false_positive", EC_VEX_NOT_AFFECTED },
		{ "affected", EC_VEX_AFFECTED },
		{ "exploitable", EC_VEX_AFFECTED },
		{ "fixed", EC_VEX_FIXED },
		{ "resolved", EC_VEX_FIXED },
		{ "resolved_with_pedigree", EC_VEX_FIXED },
		{ "under_investigation", EC_VEX_UNDER_INVESTIGATION },
		{ "in_triage", EC_VEX_UNDER_INVESTIGATION }
	};
	size_t	i;

	for (i = 0; s != NULL && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i].word) == 0) {
			*out = words[i].status;
			return 0;
		}
	return ec_err_set(err, EC_ERR_REQUEST_INVALID, "status: unknown");
}

/* An RFC 3339 time, or INT64_MIN for an absent one. */
static int
vex_time(int64_t *out, const json_t *v, const char *what, struct ec_err *err)
{
	*out = INT64_MIN;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v) || ec_time_parse(out, json_string_value(v),
	    json_string_length(v), err) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: not an RFC 3339 date-time", what);
	return 0;
}

static void
vex_alias(struct vex_vuln *v, const json_t *s)
{
	if (json_is_string(s) && v->nalias < VEX_MAX_ALIASES)
		v->alias[v->nalias++] = json_string_value(s);
}

/* OpenVEX: "vulnerability" is a string (v0.0.1) or an object (v0.2.0). */
static int
openvex_vuln(struct vex_vuln *v, const json_t *st, struct ec_err *err)
{
	const json_t	*vu = json_object_get(st, "vulnerability"), *a;
	size_t		 i;

	memset(v, 0, sizeof(*v));
	if (json_is_string(vu))
		v->id = json_string_value(vu);
	else if (json_is_object(vu)) {
		v->id = json_string_value(json_object_get(vu, "name"));
		if (v->id == NULL)
			v->id = json_string_value(json_object_get(vu, "@id"));
		json_array_foreach(json_object_get(vu, "aliases"), i, a)
			vex_alias(v, a);
	}
	if (v->id == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "statement: no vulnerability name");
	return 0;
}

/* A product: a purl string, or an object with @id or identifiers.purl. */
static const char *
openvex_product_id(const json_t *p)
{
	const char	*s;

	if (json_is_string(p))
		return json_string_value(p);
	s = json_string_value(json_object_get(json_object_get(p,
	    "identifiers"), "purl"));
	return s != NULL ? s : json_string_value(json_object_get(p, "@id"));
}

static int
openvex_statement(struct ec_vex_set *set, const struct vex_ctx *cx,
    const json_t *st, int64_t doc_time, struct ec_err *err)
{
	struct vex_vuln		 v;
	enum ec_vex_status	 status;
	const json_t		*p, *sub;
	const char		*id, *just;
	int64_t			 t;
	size_t			 i, j;

	if (openvex_vuln(&v, st, err) == -1 ||
	    vex_status(&status, json_string_value(json_object_get(st,
	    "status")), err) == -1 ||
	    vex_time(&t, json_object_get(st, "timestamp"),
	    "statement timestamp", err) == -1)
		return -1;
	if (t == INT64_MIN)
		t = doc_time;
	just = json_string_value(json_object_get(st, "justification"));
	json_array_foreach(json_object_get(st, "products"), i, p) {
		if ((id = openvex_product_id(p)) != NULL && vex_push(set, cx,
		    v.id, v.alias, v.nalias, id, status, just, t, err) == -1)
			return -1;
		/* The statement holds for the product's subcomponents. */
		json_array_foreach(json_object_get(p, "subcomponents"), j, sub)
			if ((id = openvex_product_id(sub)) != NULL &&
			    vex_push(set, cx, v.id, v.alias, v.nalias, id,
			    status, just, t, err) == -1)
				return -1;
	}
	return 0;
}

static int
openvex_read(struct ec_vex_set *set, const struct vex_ctx *cx,
    const json_t *doc, struct ec_err *err)
{
	const json_t	*st;
	int64_t		 t;
	size_t		 i;

	if (vex_time(&t, json_object_get(doc, "timestamp"), "timestamp",
	    err) == -1)
		return -1;
	json_array_foreach(json_object_get(doc, "statements"), i, st)
		if (openvex_statement(set, cx, st, t, err) == -1)
			return ec_err_prefix(err, "statements[%zu]", i);
	return 0;
}

/* CSAF product ids and the purls their identification helpers give. */
struct csaf_map {
	const char	**id, **purl;	/* borrowed from the document */
	size_t		  n, cap;
};

static int
csaf_map_add(struct csaf_map *m, const json_t *product, struct ec_err *err)
{
	const char	**ni, **np;
	const char	 *id;

	if ((id = json_string_value(json_object_get(product,
	    "product_id"))) == NULL)
		return 0;
	if (m->n == m->cap) {
		m->cap = m->cap == 0 ? 32 : m->cap * 2;
		if (m->cap > EC_VEX_MAX_STATEMENTS)
			return ec_err_set(err, EC_ERR_TOO_LARGE,
			    "product_tree: more than %d products",
			    EC_VEX_MAX_STATEMENTS);
		ni = realloc(m->id, m->cap * sizeof(*ni));
		if (ni != NULL)
			m->id = ni;
		np = realloc(m->purl, m->cap * sizeof(*np));
		if (np != NULL)
			m->purl = np;
		if (ni == NULL || np == NULL)
			return ec_err_nomem(err);
	}
	m->id[m->n] = id;
	m->purl[m->n++] = json_string_value(json_object_get(json_object_get(
	    product, "product_identification_helper"), "purl"));
	return 0;
}

/* CSAF 3.1.3.3: branches nest; the products are their leaves. */
static int
csaf_branches(struct csaf_map *m, const json_t *branches, int depth,
    struct ec_err *err)
{
	const json_t	*b;
	size_t		 i;

	if (depth > EC_VEX_MAX_DEPTH)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "product_tree: branches deeper than %d", EC_VEX_MAX_DEPTH);
	json_array_foreach(branches, i, b)
		if (csaf_map_add(m, json_object_get(b, "product"), err) ==
		    -1 || csaf_branches(m, json_object_get(b, "branches"),
		    depth + 1, err) == -1)
			return -1;
	return 0;
}

static const char *
csaf_product(const struct csaf_map *m, const char *id)
{
	size_t	i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->id[i], id) == 0)
			return m->purl[i] != NULL ? m->purl[i] : id;
	return id;
}

/* CSAF 3.2.3.5 flags: the justification label given to a product. */
static const char *
csaf_flag(const json_t *vuln, const char *id)
{
	const json_t	*f, *p;
	size_t		 i, j;

	json_array_foreach(json_object_get(vuln, "flags"), i, f)
		json_array_foreach(json_object_get(f, "product_ids"), j, p)
			if (json_is_string(p) &&
			    strcmp(json_string_value(p), id) == 0)
				return json_string_value(json_object_get(f,
				    "label"));
	return NULL;
}

/* CSAF 3.2.3.9 product_status groups and the status each means. */
static const struct {
	const char		*group;
	enum ec_vex_status	 status;
} csaf_groups[] = {
	{ "known_not_affected", EC_VEX_NOT_AFFECTED },
	{ "fixed", EC_VEX_FIXED }, { "first_fixed", EC_VEX_FIXED },
	{ "known_affected", EC_VEX_AFFECTED },
	{ "first_affected", EC_VEX_AFFECTED },
	{ "last_affected", EC_VEX_AFFECTED },
	{ "under_investigation", EC_VEX_UNDER_INVESTIGATION }
};

static int
csaf_vuln(struct ec_vex_set *set, const struct vex_ctx *cx,
    const struct csaf_map *m, const json_t *vu, int64_t t,
    struct ec_err *err)
{
	struct vex_vuln	 v;
	const json_t	*ps, *id, *x;
	const char	*pid;
	size_t		 g, i;

	memset(&v, 0, sizeof(v));
	v.id = json_string_value(json_object_get(vu, "cve"));
	json_array_foreach(json_object_get(vu, "ids"), i, x)
		vex_alias(&v, json_object_get(x, "text"));
	if (v.id == NULL && v.nalias > 0)
		v.id = v.alias[0];
	if (v.id == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "vulnerability: no cve or ids");
	ps = json_object_get(vu, "product_status");
	for (g = 0; g < sizeof(csaf_groups) / sizeof(csaf_groups[0]); g++)
		json_array_foreach(json_object_get(ps, csaf_groups[g].group),
		    i, id) {
			if ((pid = json_string_value(id)) == NULL)
				continue;
			if (vex_push(set, cx, v.id, v.alias, v.nalias,
			    csaf_product(m, pid), csaf_groups[g].status,
			    csaf_flag(vu, pid), t, err) == -1)
				return -1;
		}
	return 0;
}

static int
csaf_read(struct ec_vex_set *set, const struct vex_ctx *cx,
    const json_t *doc, struct ec_err *err)
{
	struct csaf_map	 m;
	const json_t	*tree = json_object_get(doc, "product_tree"), *p, *vu;
	int64_t		 t;
	size_t		 i;
	int		 rc = -1;

	memset(&m, 0, sizeof(m));
	if (vex_time(&t, json_object_get(json_object_get(json_object_get(doc,
	    "document"), "tracking"), "current_release_date"),
	    "document.tracking.current_release_date", err) == -1 ||
	    csaf_branches(&m, json_object_get(tree, "branches"), 0, err) == -1)
		goto out;
	json_array_foreach(json_object_get(tree, "full_product_names"), i, p)
		if (csaf_map_add(&m, p, err) == -1)
			goto out;
	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, vu)
		if (csaf_vuln(set, cx, &m, vu, t, err) == -1) {
			ec_err_prefix(err, "vulnerabilities[%zu]", i);
			goto out;
		}
	rc = 0;
out:
	free(m.id);
	free(m.purl);
	return rc;
}

/* The purl of the component with this bom-ref, searched depth-first. */
static const char *
cdx_purl(const json_t *components, const char *ref, int depth)
{
	const json_t	*c;
	const char	*p, *r;
	size_t		 i;

	if (depth > EC_VEX_MAX_DEPTH)
		return NULL;
	json_array_foreach(components, i, c) {
		r = json_string_value(json_object_get(c, "bom-ref"));
		p = json_string_value(json_object_get(c, "purl"));
		if (r != NULL && strcmp(r, ref) == 0 && p != NULL)
			return p;
		if ((p = cdx_purl(json_object_get(c, "components"), ref,
		    depth + 1)) != NULL)
			return p;
	}
	return NULL;
}

static bool
vex_same_ref(const json_t *component, const char *ref)
{
	const char	*r = json_string_value(json_object_get(component,
			    "bom-ref"));

	return r != NULL && strcmp(r, ref) == 0;
}

/* affects[].ref: a bom-ref of this BOM, or a purl itself. */
static const char *
cdx_product(const json_t *doc, const char *ref)
{
	const json_t	*meta = json_object_get(json_object_get(doc,
			    "metadata"), "component");
	const char	*p;

	if ((p = cdx_purl(json_object_get(doc, "components"), ref, 0)) != NULL)
		return p;
	if (vex_same_ref(meta, ref) &&
	    (p = json_string_value(json_object_get(meta, "purl"))) != NULL)
		return p;
	return ref;
}

static int
cdx_vuln(struct ec_vex_set *set, const struct vex_ctx *cx, const json_t *doc,
    const json_t *vu, int64_t doc_time, struct ec_err *err)
{
	struct vex_vuln		 v;
	enum ec_vex_status	 status;
	const json_t		*an = json_object_get(vu, "analysis"), *x;
	const char		*ref;
	int64_t			 t;
	size_t			 i;

	/* A vulnerability without an analysis states nothing. */
	if (an == NULL)
		return 0;
	memset(&v, 0, sizeof(v));
	if ((v.id = json_string_value(json_object_get(vu, "id"))) == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "vulnerability: no id");
	json_array_foreach(json_object_get(vu, "references"), i, x)
		vex_alias(&v, json_object_get(x, "id"));
	if (vex_status(&status, json_string_value(json_object_get(an,
	    "state")), err) == -1 ||
	    vex_time(&t, json_object_get(an, "lastUpdated"),
	    "analysis.lastUpdated", err) == -1)
		return -1;
	if (t == INT64_MIN)
		t = doc_time;
	json_array_foreach(json_object_get(vu, "affects"), i, x) {
		if ((ref = json_string_value(json_object_get(x, "ref"))) ==
		    NULL)
			continue;
		if (vex_push(set, cx, v.id, v.alias, v.nalias,
		    cdx_product(doc, ref), status, json_string_value(
		    json_object_get(an, "justification")), t, err) == -1)
			return -1;
	}
	return 0;
}

static int
cdx_read(struct ec_vex_set *set, const struct vex_ctx *cx, const json_t *doc,
    struct ec_err *err)
{
	const json_t	*vu;
	int64_t		 t;
	size_t		 i;

	if (vex_time(&t, json_object_get(json_object_get(doc, "metadata"),
	    "timestamp"), "metadata.timestamp", err) == -1)
		return -1;
	json_array_foreach(json_object_get(doc, "vulnerabilities"), i, vu)
		if (cdx_vuln(set, cx, doc, vu, t, err) == -1)
			return ec_err_prefix(err, "vulnerabilities[%zu]", i);
	return 0;
}

int
ec_vex_add(struct ec_vex_set *set, const json_t *doc, const char *name,
    struct ec_err *err)
{
	struct vex_ctx	 cx = { name, EC_VEX_OPENVEX, set->n };
	const char	*ctx, *cat, *fmt;
	int		 rc;

	ctx = json_string_value(json_object_get(doc, "@context"));
	cat = json_string_value(json_object_get(json_object_get(doc,
	    "document"), "category"));
	fmt = json_string_value(json_object_get(doc, "bomFormat"));
	if (ctx != NULL && strncmp(ctx, "https://openvex.dev/ns", 22) == 0)
		rc = openvex_read(set, &cx, doc, err);
	else if (cat != NULL && strcmp(cat, "csaf_vex") == 0) {
		cx.format = EC_VEX_CSAF;
		rc = csaf_read(set, &cx, doc, err);
	} else if (fmt != NULL && strcmp(fmt, "CycloneDX") == 0 &&
	    json_is_array(json_object_get(doc, "vulnerabilities"))) {
		cx.format = EC_VEX_CYCLONEDX;
		rc = cdx_read(set, &cx, doc, err);
	} else
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%.64s: not OpenVEX, CSAF VEX or CycloneDX VEX", name);
	if (rc == 0 && vex_index(set, cx.mark, err) == 0)
		return 0;
	vex_truncate(set, cx.mark);
	return ec_err_prefix(err, "%.64s", name);
}
