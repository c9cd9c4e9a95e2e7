/*
 * ec_findings_sbom: one SBOM's components, matched, VEX-decided and
 * judged by the policy, as sorted canonical lines and a summary
 * (ec_findings.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_findings_int.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_purl.h"
#include "ec_time.h"
#include "ec_version.h"

/* One component as the SBOM gives it; strings borrowed from the doc. */
struct fx_comp {
	const char	*ref;		/* bom-ref or SPDXID */
	const char	*name;
	const char	*version;
	const char	*purl;
	const char	*cpe;
};

/* Counts for the summary; indexes are the enums of ec_policy.h. */
struct fx_counts {
	size_t	components, findings, suppressed, unmatched, not_evaluable;
	size_t	decision[EC_POLICY_BLOCK + 1];
	size_t	severity[EC_SEV_UNKNOWN + 1];
	enum ec_policy_verdict	verdict;
};

struct fx_sbom_run {
	struct ec_findings		*f;
	const struct ec_findings_sbom	*sbom;
	ec_findings_line_fn		*emit;
	void				*arg;
	struct fx_comp			*comps;
	size_t				 ncomps, capcomps;
	struct fx_counts		 c;
	struct ec_buf			 line;
};

static const char *
fx_str(const json_t *o, const char *key)
{
	const char	*s = json_string_value(json_object_get(o, key));

	return s != NULL && s[0] != '\0' ? s : NULL;
}

static int
fx_comp_add(struct fx_sbom_run *r, const struct fx_comp *c,
    struct ec_err *err)
{
	if (r->ncomps == EC_FINDINGS_MAX_COMPONENTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "SBOM: more than %d components",
		    EC_FINDINGS_MAX_COMPONENTS);
	if (ec_array_grow((void **)&r->comps, &r->capcomps, r->ncomps,
	    sizeof(*r->comps), 64, err) == -1)
		return -1;
	r->comps[r->ncomps++] = *c;
	return 0;
}

/* CycloneDX components, nested ones included (1.2 and later nest). */
static int
fx_cdx(struct fx_sbom_run *r, const json_t *list, int depth,
    struct ec_err *err)
{
	struct fx_comp	 c;
	const json_t	*e;
	size_t		 i;

	if (depth > EC_FINDINGS_MAX_DEPTH)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "CycloneDX: components nested deeper than %d",
		    EC_FINDINGS_MAX_DEPTH);
	json_array_foreach(list, i, e) {
		if (!json_is_object(e))
			continue;
		c.ref = fx_str(e, "bom-ref");
		c.name = fx_str(e, "name");
		c.version = fx_str(e, "version");
		c.purl = fx_str(e, "purl");
		c.cpe = fx_str(e, "cpe");
		if (fx_comp_add(r, &c, err) == -1 ||
		    fx_cdx(r, json_object_get(e, "components"), depth + 1,
		    err) == -1)
			return -1;
	}
	return 0;
}

/* SPDX 2.x packages; purl and CPE come from externalRefs (clause 7.21). */
static int
fx_spdx(struct fx_sbom_run *r, const json_t *list, struct ec_err *err)
{
	struct fx_comp	 c;
	const json_t	*e, *x;
	const char	*type;
	size_t		 i, j;

	json_array_foreach(list, i, e) {
		if (!json_is_object(e))
			continue;
		memset(&c, 0, sizeof(c));
		c.ref = fx_str(e, "SPDXID");
		c.name = fx_str(e, "name");
		c.version = fx_str(e, "versionInfo");
		json_array_foreach(json_object_get(e, "externalRefs"), j, x) {
			if ((type = fx_str(x, "referenceType")) == NULL)
				continue;
			if (strcmp(type, "purl") == 0 && c.purl == NULL)
				c.purl = fx_str(x, "referenceLocator");
			else if (strncmp(type, "cpe", 3) == 0 && c.cpe == NULL)
				c.cpe = fx_str(x, "referenceLocator");
		}
		if (fx_comp_add(r, &c, err) == -1)
			return -1;
	}
	return 0;
}

static int
fx_cmp_str(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

static int
fx_comp_cmp(const void *pa, const void *pb)
{
	const struct fx_comp	*a = pa, *b = pb;
	int			 c;

	if ((c = fx_cmp_str(a->name, b->name)) != 0 ||
	    (c = fx_cmp_str(a->version, b->version)) != 0 ||
	    (c = fx_cmp_str(a->purl, b->purl)) != 0 ||
	    (c = fx_cmp_str(a->cpe, b->cpe)) != 0)
		return c;
	return fx_cmp_str(a->ref, b->ref);
}

static void
fx_set_str(json_t *o, const char *key, const char *v)
{
	if (v != NULL)
		(void)json_object_set_new(o, key, json_string(v));
}

/* The head every line of a component starts with. */
static json_t *
fx_line_head(const struct fx_sbom_run *r, const struct fx_comp *c,
    const char *status)
{
	json_t	*o, *comp;

	comp = json_object();
	fx_set_str(comp, "ref", c->ref);
	fx_set_str(comp, "name", c->name);
	fx_set_str(comp, "version", c->version);
	fx_set_str(comp, "purl", c->purl);
	fx_set_str(comp, "cpe", c->cpe);
	o = json_pack("{s:{s:s, s:s, s:s}, s:o, s:s}", "sbom", "id",
	    r->sbom->id, "source", r->sbom->source, "sha256", r->sbom->sha256,
	    "component", comp, "status", status);
	return o;
}

/* Serialise "o" (stolen) as one line and pass it on. */
static int
fx_emit(struct fx_sbom_run *r, json_t *o, struct ec_err *err)
{
	int	rc = -1;

	if (o == NULL)
		return ec_err_nomem(err);
	ec_buf_reset(&r->line);
	if (ec_canon_dump(&r->line, o, err) == 0 &&
	    ec_buf_addc(&r->line, '\n', err) == 0)
		rc = r->emit(r->arg, r->line.data, r->line.len, err);
	json_decref(o);
	return rc;
}

/* A component-level line: unmatched or not evaluable, with the reason. */
static int
fx_emit_comp(struct fx_sbom_run *r, const struct fx_comp *c,
    const char *status, const char *reason, struct ec_err *err)
{
	json_t	*o = fx_line_head(r, c, status);

	if (o != NULL)
		fx_set_str(o, "reason", reason);
	if (strcmp(status, "unmatched") == 0)
		r->c.unmatched++;
	else
		r->c.not_evaluable++;
	return fx_emit(r, o, err);
}

static json_t *
fx_vex_json(const struct ec_vex_statement *st)
{
	static const char *const	 fmts[] = { "openvex", "csaf",
					    "cyclonedx" };
	char				 ts[EC_TIME_MAX];
	json_t				*o;

	o = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "doc", st->doc,
	    "index", (json_int_t)st->index, "format", fmts[st->format],
	    "vulnerability", st->vuln, "product", st->product, "status",
	    ec_vex_status_name(st->status));
	if (o != NULL && st->justification[0] != '\0')
		fx_set_str(o, "justification", st->justification);
	if (o != NULL && st->time != INT64_MIN) {
		ec_time_format(ts, st->time);
		fx_set_str(o, "timestamp", ts);
	}
	return o;
}

/*
 * One advisory's finding for a component: VEX first (the newest
 * statement for the id or an alias and this purl), then the policy.
 */
static int
fx_emit_finding(struct fx_sbom_run *r, const struct fx_comp *c,
    const struct ec_match_hit *h, struct ec_err *err)
{
	struct fx_facts			*fa = fx_table_get(r->f->facts, h->id);
	const struct ec_vex_statement	*st = NULL;
	struct ec_policy_finding	 pf;
	struct ec_policy_decision	 d;
	const char			*al[FX_MAX_ALIASES];
	json_t				*o, *aliases;
	bool				 sup;
	size_t				 i;

	if (fa == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "advisory %.100s is indexed without facts", h->id);
	fa->used = true;
	for (i = 0; i < fa->naliases; i++)
		al[i] = fx_facts_alias(fa, i);
	o = fx_line_head(r, c, h->reason == EC_MATCH_NOT_EVALUABLE ?
	    "not_evaluable" : "affected");
	if (o == NULL || (aliases = json_array()) == NULL) {
		json_decref(o);
		return ec_err_nomem(err);
	}
	for (i = 0; i < fa->naliases; i++)
		(void)json_array_append_new(aliases, json_string(al[i]));
	(void)json_object_set_new(o, "vulnerability", json_string(h->id));
	(void)json_object_set_new(o, "aliases", aliases);
	(void)json_object_set_new(o, "match", json_string(
	    h->reason == EC_MATCH_IN_RANGE ? "in_range" :
	    h->reason == EC_MATCH_IN_VERSIONS ? "in_versions" :
	    "not_evaluable"));
	fx_set_str(o, "detail", h->detail[0] != '\0' ? h->detail : NULL);
	if (h->reason == EC_MATCH_NOT_EVALUABLE) {
		r->c.not_evaluable++;
		return fx_emit(r, o, err);
	}
	memset(&pf, 0, sizeof(pf));
	pf.vuln = h->id;
	pf.aliases = al;
	pf.naliases = fa->naliases;
	pf.purl = c->purl;
	pf.severity = fa->severity;
	pf.cvss = fa->cvss;
	pf.fix_available = fx_facts_fixed(fa, h->package);
	pf.vex_status = -1;
	st = ec_vex_decide(r->f->vex, h->id, al, fa->naliases, c->purl);
	if (st != NULL) {
		pf.vex_status = (int)st->status;
		if (fx_vex_use(r->f, st->doc, err) == -1) {
			json_decref(o);
			return -1;
		}
		(void)json_object_set_new(o, "vex", fx_vex_json(st));
	}
	sup = st != NULL && (st->status == EC_VEX_NOT_AFFECTED ||
	    st->status == EC_VEX_FIXED);
	if (sup)
		(void)json_object_set_new(o, "status",
		    json_string("suppressed"));
	ec_policy_evaluate(&d, r->f->pol, &pf, r->f->snapshot_us);
	(void)json_object_set_new(o, "severity",
	    json_string(ec_policy_severity_name(fa->severity)));
	if (fa->cvss >= 0)
		(void)json_object_set_new(o, "cvss", json_real(fa->cvss));
	(void)json_object_set_new(o, "fixAvailable",
	    json_boolean(pf.fix_available));
	(void)json_object_set_new(o, "decision",
	    json_string(ec_policy_verdict_name(d.verdict)));
	(void)json_object_set_new(o, "rule", json_string(d.rule));
	r->c.findings++;
	r->c.suppressed += sup;
	r->c.decision[d.verdict]++;
	r->c.severity[fa->severity]++;
	if (d.verdict > r->c.verdict)
		r->c.verdict = d.verdict;
	return fx_emit(r, o, err);
}

/*
 * The hits of one lookup, one line per advisory id: the same id can come
 * from two sources or two affected entries, and a decided match beats an
 * undecidable one.
 */
static int
fx_emit_hits(struct fx_sbom_run *r, const struct fx_comp *c,
    const struct ec_match_result *res, struct ec_err *err)
{
	const struct ec_match_hit	*best;
	size_t				 i, j;

	for (i = 0; i < res->nhits; i = j) {
		best = &res->hits[i];
		for (j = i + 1; j < res->nhits &&
		    strcmp(res->hits[j].id, best->id) == 0; j++)
			if (best->reason == EC_MATCH_NOT_EVALUABLE)
				best = &res->hits[j];
		if (fx_emit_finding(r, c, best, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * Why a looked-up component cannot be decided, or NULL: the lookup still
 * runs, so that the advisories it might be affected by are reported.
 */
static const char *
fx_undecidable(char *buf, size_t size, const char *eco, const char *ver)
{
	enum ec_version_scheme	 scheme;
	struct ec_version	*v = NULL;
	struct ec_err		 e;

	if (ver == NULL)
		return "no version";
	if (ec_version_scheme_of(&scheme, eco, &e) == -1)
		(void)snprintf(buf, size, "%s", e.msg);
	else if (ec_version_parse(&v, scheme, ver, strlen(ver), &e) == -1)
		(void)snprintf(buf, size, "version: %s", e.msg);
	else {
		ec_version_free(v);
		return NULL;
	}
	return buf;
}

static int
fx_comp_purl(struct fx_sbom_run *r, const struct fx_comp *c,
    struct ec_err *err)
{
	struct ec_match_result	 res = { NULL, 0 };
	struct ec_purl		*u = NULL;
	struct ec_err		 e;
	const char		*why, *ver;
	char			*eco = NULL, *name = NULL, *pv = NULL;
	char			 buf[sizeof(e.msg) + 16];
	int			 rc = -1;

	if (ec_purl_parse(&u, c->purl, strlen(c->purl), &e) == -1 ||
	    ec_purl_osv(&eco, &name, u, &e) == -1) {
		if (e.code == EC_ERR_NOMEM)
			goto out;
		(void)snprintf(buf, sizeof(buf), "purl: %s", e.msg);
		rc = fx_emit_comp(r, c, "unmatched", buf, err);
		goto out;
	}
	if (ec_purl_osv_version(&pv, u, err) == -1)
		goto out;
	ver = pv != NULL ? pv : c->version;
	if ((why = fx_undecidable(buf, sizeof(buf), eco, ver)) != NULL &&
	    fx_emit_comp(r, c, "not_evaluable", why, err) == -1)
		goto out;
	if (ec_match_lookup(&res, r->f->ix, eco, name, ver, err) == -1)
		goto out;
	rc = fx_emit_hits(r, c, &res, err);
out:
	ec_match_result_dispose(&res);
	ec_purl_free(u);
	free(eco);
	free(name);
	free(pv);
	return rc;
}

static int
fx_comp_eval(struct fx_sbom_run *r, const struct fx_comp *c,
    struct ec_err *err)
{
	struct ec_cpe	*cpe = NULL;
	struct ec_err	 e;
	char		 buf[sizeof(e.msg) + 16];

	r->c.components++;
	if (c->purl != NULL)
		return fx_comp_purl(r, c, err);
	if (c->cpe == NULL)
		return fx_emit_comp(r, c, "unmatched", "no purl or CPE", err);
	/*
	 * OSV advisories name packages, not CPEs: a CPE gives neither an
	 * ecosystem nor a package name a lookup could trust.
	 */
	if (ec_cpe_parse(&cpe, c->cpe, strlen(c->cpe), &e) == -1)
		(void)snprintf(buf, sizeof(buf), "CPE: %s", e.msg);
	else
		(void)snprintf(buf, sizeof(buf), "CPE only: OSV advisories "
		    "are matched by package URL");
	ec_cpe_free(cpe);
	return fx_emit_comp(r, c, "unmatched", buf, err);
}

static json_t *
fx_summary(const struct fx_sbom_run *r)
{
	const struct fx_counts	*c = &r->c;
	json_t			*sev;
	int			 i;

	if ((sev = json_object()) == NULL)
		return NULL;
	for (i = 0; i <= EC_SEV_UNKNOWN; i++)
		(void)json_object_set_new(sev, ec_policy_severity_name(i),
		    json_integer((json_int_t)c->severity[i]));
	return json_pack("{s:{s:s, s:s, s:s}, s:s, s:I, s:I, s:I, s:I, s:I, "
	    "s:{s:I, s:I, s:I}, s:o}", "sbom", "id", r->sbom->id, "source",
	    r->sbom->source, "sha256", r->sbom->sha256,
	    "verdict", ec_policy_verdict_name(c->verdict),
	    "components", (json_int_t)c->components,
	    "findings", (json_int_t)c->findings,
	    "suppressed", (json_int_t)c->suppressed,
	    "unmatched", (json_int_t)c->unmatched,
	    "notEvaluable", (json_int_t)c->not_evaluable,
	    "decisions", "allow", (json_int_t)c->decision[EC_POLICY_ALLOW],
	    "warn", (json_int_t)c->decision[EC_POLICY_WARN],
	    "block", (json_int_t)c->decision[EC_POLICY_BLOCK],
	    "severities", sev);
}

static int
fx_components(struct fx_sbom_run *r, const json_t *doc, struct ec_err *err)
{
	const char	*bf = fx_str(doc, "bomFormat");

	if (bf != NULL && strcmp(bf, "CycloneDX") == 0)
		return fx_cdx(r, json_object_get(doc, "components"), 0, err);
	if (fx_str(doc, "spdxVersion") != NULL)
		return fx_spdx(r, json_object_get(doc, "packages"), err);
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "SBOM %.100s: neither CycloneDX nor SPDX", r->sbom->id);
}

/* The loose OSV package name of a component's purl into the filter. */
static int
fx_want_comp(struct ec_findings *f, const struct fx_comp *c,
    struct ec_err *err)
{
	struct ec_purl	*u = NULL;
	struct ec_err	 e;
	char		*eco = NULL, *name = NULL, *loose = NULL;
	int		 rc = 0;

	if (c->purl == NULL ||
	    ec_purl_parse(&u, c->purl, strlen(c->purl), &e) == -1 ||
	    ec_purl_osv(&eco, &name, u, &e) == -1) {
		/* Unmatched components need no advisory; NOMEM is fatal. */
		if (c->purl != NULL && e.code == EC_ERR_NOMEM)
			rc = ec_err_nomem(err);
		goto out;
	}
	if ((loose = malloc(strlen(name) + 1)) == NULL) {
		rc = ec_err_nomem(err);
		goto out;
	}
	fx_loose(loose, name, strlen(name));
	rc = fx_set_add(f->names, loose, err);
out:
	ec_purl_free(u);
	free(eco);
	free(name);
	free(loose);
	return rc;
}

int
ec_findings_want_sbom(struct ec_findings *f, const char *doc, size_t len,
    struct ec_err *err)
{
	struct ec_findings_sbom	 sb = { "", "", "" };
	struct fx_sbom_run	 r;
	struct ec_err		 e;
	json_error_t		 jerr;
	json_t			*d;
	size_t			 i;
	int			 rc = 0;

	f->filter = true;
	memset(&r, 0, sizeof(r));
	r.sbom = &sb;
	if ((d = json_loadb(doc, len, 0, &jerr)) == NULL)
		return 0;
	if (fx_components(&r, d, &e) == -1) {
		if (e.code == EC_ERR_NOMEM)
			rc = ec_err_nomem(err);
		goto out;
	}
	for (i = 0; i < r.ncomps && rc == 0; i++)
		rc = fx_want_comp(f, &r.comps[i], err);
out:
	free(r.comps);
	json_decref(d);
	return rc;
}

int
ec_findings_sbom(json_t **summary_out, struct ec_findings *f,
    const struct ec_findings_sbom *sbom, const char *doc, size_t len,
    ec_findings_line_fn *emit, void *arg, struct ec_err *err)
{
	struct fx_sbom_run	 r;
	json_error_t		 jerr;
	json_t			*d;
	size_t			 i;
	int			 rc = -1;

	memset(&r, 0, sizeof(r));
	r.f = f;
	r.sbom = sbom;
	r.emit = emit;
	r.arg = arg;
	r.c.verdict = EC_POLICY_ALLOW;
	ec_buf_init(&r.line, EC_MAX_DOC_BYTES);
	if ((d = json_loadb(doc, len, 0, &jerr)) == NULL) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "SBOM %.100s: %s", sbom->id, jerr.text);
		goto out;
	}
	if (fx_components(&r, d, err) == -1)
		goto out;
	if (r.ncomps > 1)
		qsort(r.comps, r.ncomps, sizeof(r.comps[0]), fx_comp_cmp);
	for (i = 0; i < r.ncomps; i++)
		if (fx_comp_eval(&r, &r.comps[i], err) == -1)
			goto out;
	if ((*summary_out = fx_summary(&r)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	rc = 0;
out:
	free(r.comps);
	ec_buf_dispose(&r.line);
	json_decref(d);
	return rc;
}
