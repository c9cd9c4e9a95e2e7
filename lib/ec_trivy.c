/*
 * ec_trivy: one OSV advisory as trivy.db rows, following what the
 * upstream builder (trivy-db pkg/vulnsrc/osv, ghsa) writes; section
 * numbers are those of specs/trivy-db.md.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_time.h"
#include "ec_trivy.h"
#include "ec_trivy_int.h"

enum eco_norm {
	NORM_LOWER,	/* npm, maven, cargo, rubygems, composer, ... */
	NORM_KEEP,	/* go, julia: case preserved */
	NORM_PIP,	/* lower-case, "_" -> "-" */
	NORM_SWIFT	/* strip "https://" and ".git" */
};

/*
 * OSV ecosystem -> Trivy ecosystem slug (section 2.2) and GitHub's
 * platform name for the GHSA bucket names (section 2.3).  A name ending in
 * ':' matches that prefix ("Packagist:https://packages.drupal.org/8").
 */
static const struct eco {
	const char	*osv;
	const char	*slug;
	const char	*platform;
	enum eco_norm	 norm;
} ecos[] = {
	{ "npm", "npm", "npm", NORM_LOWER },
	{ "PyPI", "pip", "pip", NORM_PIP },
	{ "Go", "go", "Go", NORM_KEEP },
	{ "Maven", "maven", "Maven", NORM_LOWER },
	{ "crates.io", "cargo", "Rust", NORM_LOWER },
	{ "RubyGems", "rubygems", "RubyGems", NORM_LOWER },
	{ "NuGet", "nuget", "NuGet", NORM_LOWER },
	{ "Packagist", "composer", "Composer", NORM_LOWER },
	{ "Packagist:", "composer", "Composer", NORM_LOWER },
	{ "Hex", "erlang", "Erlang", NORM_LOWER },
	{ "Pub", "pub", "Pub", NORM_LOWER },
	{ "SwiftURL", "swift", "Swift", NORM_SWIFT },
	{ "ConanCenter", "conan", "Conan", NORM_LOWER },
	{ "Julia", "julia", "Julia", NORM_KEEP },
	{ "Bitnami", "bitnami", "Bitnami", NORM_LOWER },
	{ NULL, NULL, NULL, NORM_KEEP }
};

/* OS releases: "AlmaLinux:8" -> "alma 8" (section 2.3). */
static const struct os_eco {
	const char	*osv;	/* prefix, up to the release */
	const char	*bucket;
	const char	*source;
} os_ecos[] = {
	{ "AlmaLinux:", "alma ", "alma" },
	{ "Rocky Linux:", "rocky ", "rocky" },
	{ NULL, NULL, NULL }
};

/*
 * Data sources by advisory id (section 2.13): the id names the feed.  A
 * NULL name is GHSA's, which is per platform (section 2.3).
 */
static const struct source {
	const char	*prefix;
	const char	*id;
	const char	*name;
	const char	*url;
} sources[] = {
	{ "GHSA-", "ghsa", NULL, "https://github.com/advisories?query="
	    "type%3Areviewed+ecosystem%3A" },
	{ "GO-", "govulndb", "The Go Vulnerability Database",
	    "https://pkg.go.dev/vuln/" },
	{ "PYSEC-", "osv", "Python Packaging Advisory Database",
	    "https://github.com/pypa/advisory-database" },
	{ "RUSTSEC-", "osv", "RustSec Advisory Database",
	    "https://github.com/RustSec/advisory-db" },
	{ "JLSEC-", "julia", "Julia Ecosystem Security Advisories",
	    "https://github.com/JuliaLang/SecurityAdvisories.jl" },
	{ "BIT-", "bitnami", "Bitnami Vulnerability Database",
	    "https://github.com/bitnami/vulndb" },
	{ "DRUPAL-", "osv", "Drupal Security Advisories",
	    "https://www.drupal.org/security" },
	{ "ALSA-", "alma", "AlmaLinux Product Errata",
	    "https://errata.almalinux.org/" },
	{ "ALBA-", "alma", "AlmaLinux Product Errata",
	    "https://errata.almalinux.org/" },
	{ "ALEA-", "alma", "AlmaLinux Product Errata",
	    "https://errata.almalinux.org/" },
	{ "RLSA-", "rocky", "Rocky Linux Product Errata",
	    "https://errata.rockylinux.org/" },
	{ "", "osv", "Open Source Vulnerabilities", "https://osv.dev/" }
};

static const char *const	severity_names[] = { "UNKNOWN", "LOW",
    "MEDIUM", "HIGH", "CRITICAL" };

/* One package of the advisory, its affected entries merged (2.11). */
struct group {
	char	*bucket;	/* owned */
	char	*pkg;		/* owned */
	json_t	*adv;		/* owned Advisory fields */
};

struct conv {
	struct ec_trivy_result	*out;
	const json_t		*osv;
	const char		*id;
	const struct source	*src;
	json_t			*keys;	/* vulnerability ids */
	json_t			*vendor_ids;
	struct group		*groups;
	size_t			 ngroups;
	char			 why[160];	/* why an entry failed */
	struct ec_err		*err;
};

static int
conv_skip(struct conv *c, const char *fmt, ...) EC_PRINTF(2, 3);

static int
conv_skip(struct conv *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(c->out->skipped, sizeof(c->out->skipped), fmt, ap);
	va_end(ap);
	return 0;
}

static size_t
array_size_of(const json_t *obj, const char *member)
{
	return json_array_size(json_object_get(obj, member));
}

/*
 * Section 2.5: CVE ids among the id, aliases and upstream (2.13) are the
 * keys; the other ids go to VendorIDs.  No CVE: the advisory's own id is
 * the key.  OS errata name their CVEs under "related", and the upstream
 * OS sources key their rows by those CVEs, so for them "related" counts.
 */
static int
conv_ids(struct conv *c)
{
	static const char *const members[] = { "aliases", "upstream",
	    "related" };
	const json_t	*arr;
	const char	*s;
	size_t		 i, m;

	if ((c->keys = json_array()) == NULL ||
	    (c->vendor_ids = json_array()) == NULL)
		return ec_err_nomem(c->err);
	if (trivy_append_unique(strncmp(c->id, "CVE-", 4) == 0 ? c->keys :
	    c->vendor_ids, c->id, c->err) == -1)
		return -1;
	for (m = 0; m < 3; m++) {
		if (m == 2 && strcmp(c->src->id, "alma") != 0 &&
		    strcmp(c->src->id, "rocky") != 0)
			break;
		arr = json_object_get(c->osv, members[m]);
		for (i = 0; i < json_array_size(arr); i++) {
			s = json_string_value(json_array_get(arr, i));
			if (s == NULL || strlen(s) == 0 ||
			    strlen(s) > EC_TRIVY_MAX_NAME ||
			    (m == 2 && strncmp(s, "CVE-", 4) != 0))
				continue;
			if (trivy_append_unique(strncmp(s, "CVE-", 4) == 0 ?
			    c->keys : c->vendor_ids, s, c->err) == -1)
				return -1;
		}
	}
	if (json_array_size(c->keys) == 0) {
		if (json_array_append(c->keys, json_array_get(c->vendor_ids,
		    0)) == -1)
			return ec_err_nomem(c->err);
		if (json_array_remove(c->vendor_ids, 0) == -1)
			return ec_err_nomem(c->err);
	}
	return 0;
}

static const struct eco *
find_eco(const char *name)
{
	size_t	i, n;

	for (i = 0; ecos[i].osv != NULL; i++) {
		n = strlen(ecos[i].osv);
		if (ecos[i].osv[n - 1] == ':' ? strncmp(name, ecos[i].osv,
		    n) == 0 : strcmp(name, ecos[i].osv) == 0)
			return &ecos[i];
	}
	return NULL;
}

/* Section 2.4: the package key in the form Trivy looks it up. */
static char *
normalise(const char *name, enum eco_norm norm)
{
	char	*s, *p;
	size_t	 n;

	if (norm == NORM_SWIFT && strncmp(name, "https://", 8) == 0)
		name += 8;
	if ((s = strdup(name)) == NULL)
		return NULL;
	n = strlen(s);
	if (norm == NORM_SWIFT && n > 4 && strcmp(s + n - 4, ".git") == 0)
		s[n - 4] = '\0';
	if (norm == NORM_LOWER || norm == NORM_PIP)
		for (p = s; *p != '\0'; p++) {
			*p = (char)tolower((unsigned char)*p);
			if (norm == NORM_PIP && *p == '_')
				*p = '-';
		}
	return s;
}

static char *
joined(const char *a, const char *b, const char *c)
{
	char	*s;
	size_t	 n = strlen(a) + strlen(b) + strlen(c) + 1;

	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

/*
 * The top-level bucket of an affected package and its data-source row:
 * "<slug>::<name>" (section 2.3), or the OS release bucket.  *os_out
 * tells OS buckets (FixedVersion) from language ones (version ranges).
 */
static char *
conv_bucket(struct conv *c, const char *ecosystem, const struct eco **eco_out,
    bool *os_out)
{
	const struct os_eco	*o;
	const char		*rel;
	size_t			 n, i;

	*os_out = false;
	*eco_out = NULL;
	for (o = os_ecos; o->osv != NULL; o++) {
		n = strlen(o->osv);
		if (strncmp(ecosystem, o->osv, n) != 0)
			continue;
		rel = ecosystem + n;
		for (i = 0; rel[i] != '\0'; i++)
			if (!isdigit((unsigned char)rel[i]))
				return NULL;
		if (i == 0 || i > 4)
			return NULL;
		*os_out = true;
		return joined(o->bucket, rel, "");
	}
	if ((*eco_out = find_eco(ecosystem)) == NULL)
		return NULL;
	if (c->src->name == NULL)
		return joined((*eco_out)->slug, "::GitHub Security Advisory ",
		    (*eco_out)->platform);
	return joined((*eco_out)->slug, "::", c->src->name);
}

static struct group *
conv_group(struct conv *c, char *bucket, char *pkg)
{
	struct group	*g;
	size_t		 i;

	for (i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i].bucket, bucket) == 0 &&
		    strcmp(c->groups[i].pkg, pkg) == 0) {
			free(bucket);
			free(pkg);
			return &c->groups[i];
		}
	g = realloc(c->groups, (c->ngroups + 1) * sizeof(*g));
	if (g == NULL)
		goto fail;
	c->groups = g;
	g = &c->groups[c->ngroups];
	if ((g->adv = json_object()) == NULL)
		goto fail;
	g->bucket = bucket;
	g->pkg = pkg;
	c->ngroups++;
	return g;
fail:
	free(bucket);
	free(pkg);
	(void)ec_err_nomem(c->err);
	return NULL;
}

/* Append the strings of "src" to adv[name], creating it. */
static int
adv_extend(json_t *adv, const char *name, const json_t *src,
    struct ec_err *err)
{
	json_t	*dst;
	size_t	 i;

	if (json_array_size(src) == 0)
		return 0;
	if ((dst = json_object_get(adv, name)) == NULL) {
		if (json_object_set_new(adv, name, json_array()) == -1)
			return ec_err_nomem(err);
		dst = json_object_get(adv, name);
	}
	for (i = 0; i < json_array_size(src); i++)
		if (trivy_append_unique(dst,
		    json_string_value(json_array_get(src, i)), err) == -1)
			return -1;
	return 0;
}

/*
 * One affected entry's constraints into group "g" (NULL: allocation
 * failed).  "eco" is NULL for an OS bucket, whose detectors compare
 * FixedVersion (section 2.6) instead of ranges.
 */
static int
conv_fill(struct conv *c, struct group *g, const struct eco *eco,
    const json_t *aff, const json_t *vulnerable, const json_t *patched,
    const char *fixed)
{
	if (g == NULL)
		return -1;
	if (eco == NULL) {
		if (fixed != NULL && json_object_set_new(g->adv,
		    "FixedVersion", json_string(fixed)) == -1)
			return ec_err_nomem(c->err);
		return 0;
	}
	if (adv_extend(g->adv, "VulnerableVersions", vulnerable,
	    c->err) == -1 || adv_extend(g->adv, "PatchedVersions", patched,
	    c->err) == -1)
		return -1;
	if (strcmp(eco->slug, "go") == 0 &&
	    trivy_go_platforms(g->adv, aff, c->err) == -1)
		return -1;
	return 0;
}

/* One affected entry into its package's group, or a reason in c->why. */
static int
conv_affected(struct conv *c, const json_t *aff)
{
	const json_t	*pkgobj = json_object_get(aff, "package");
	const struct eco *eco;
	const char	*ecosystem, *name, *fixed = NULL;
	json_t		*vulnerable = NULL, *patched = NULL;
	char		*bucket, *pkg, *orig = NULL, *bucket2 = NULL;
	size_t		 used, i;
	bool		 os;
	int		 rc = -1;

	ecosystem = trivy_get_name(pkgobj, "ecosystem");
	name = trivy_get_name(pkgobj, "name");
	if (ecosystem == NULL || name == NULL) {
		snprintf(c->why, sizeof(c->why), "no package named");
		return 0;
	}
	if (array_size_of(aff, "ranges") > EC_TRIVY_MAX_RANGES ||
	    array_size_of(aff, "versions") > EC_TRIVY_MAX_VERSIONS) {
		snprintf(c->why, sizeof(c->why), "too many ranges or versions");
		return 0;
	}
	for (i = 0; i < array_size_of(aff, "ranges"); i++)
		if (array_size_of(json_array_get(json_object_get(aff,
		    "ranges"), i), "events") > EC_TRIVY_MAX_EVENTS) {
			snprintf(c->why, sizeof(c->why), "too many events");
			return 0;
		}
	if ((bucket = conv_bucket(c, ecosystem, &eco, &os)) == NULL) {
		snprintf(c->why, sizeof(c->why),
		    "ecosystem %.60s is not one Trivy scans", ecosystem);
		return 0;
	}
	if ((vulnerable = json_array()) == NULL ||
	    (patched = json_array()) == NULL)
		goto nomem;
	if (trivy_ranges(&used, aff, vulnerable, patched, &fixed, c->err) == -1)
		goto out;
	if (used == 0) {
		snprintf(c->why, sizeof(c->why), "%s",
		    array_size_of(aff, "ranges") > 0 ? "only GIT ranges" :
		    "no ranges or versions");
		free(bucket);
		rc = 0;
		goto out;
	}
	pkg = os ? strdup(name) : normalise(name, eco->norm);
	if (pkg == NULL) {
		free(bucket);
		goto nomem;
	}
	/*
	 * NuGet: upstream also keeps the original-case name for Trivy
	 * versions that did not lower-case it (section 2.13).
	 */
	if (!os && strcmp(eco->slug, "nuget") == 0 && strcmp(pkg, name) != 0) {
		if ((orig = strdup(name)) == NULL ||
		    (bucket2 = strdup(bucket)) == NULL) {
			free(orig);
			free(bucket);
			free(pkg);
			goto nomem;
		}
		if (conv_fill(c, conv_group(c, bucket2, orig), eco, aff,
		    vulnerable, patched, fixed) == -1) {
			free(bucket);
			free(pkg);
			goto out;
		}
	}
	if (conv_fill(c, conv_group(c, bucket, pkg), os ? NULL : eco, aff,
	    vulnerable, patched, fixed) == -1)
		goto out;
	rc = 0;
	goto out;
nomem:
	(void)ec_err_nomem(c->err);
out:
	json_decref(vulnerable);
	json_decref(patched);
	return rc;
}

static int
set_str(json_t *obj, const char *name, const char *s, struct ec_err *err)
{
	if (s == NULL || *s == '\0')
		return 0;
	if (json_object_set_new(obj, name, json_string(s)) == -1)
		return ec_err_nomem(err);
	return 0;
}

/* CVSS vectors by type (2.8); a vector that does not parse is dropped. */
static int
conv_cvss(json_t *cvss, const json_t *severity, struct ec_err *err)
{
	static const struct { const char *type, *vec, *score;
	    enum trivy_cvss_kind kind; } t[] = {
		{ "CVSS_V2", "V2Vector", "V2Score", TRIVY_CVSS_V2 },
		{ "CVSS_V3", "V3Vector", "V3Score", TRIVY_CVSS_V3 },
		{ "CVSS_V4", "V40Vector", "V40Score", TRIVY_CVSS_V40 },
	};
	const json_t	*s;
	const char	*type, *vector;
	double		 score;
	size_t		 i, k;

	for (i = 0; i < json_array_size(severity) && i < EC_TRIVY_MAX_IDS;
	    i++) {
		s = json_array_get(severity, i);
		type = json_string_value(json_object_get(s, "type"));
		vector = json_string_value(json_object_get(s, "score"));
		for (k = 0; type != NULL && vector != NULL && k < 3; k++) {
			if (strcmp(type, t[k].type) != 0 ||
			    json_object_get(cvss, t[k].vec) != NULL ||
			    !trivy_cvss_score(&score, t[k].kind, vector))
				continue;
			if (set_str(cvss, t[k].vec, vector, err) == -1 ||
			    (score > 0 && json_object_set_new(cvss, t[k].score,
			    json_real(score)) == -1))
				return ec_err_nomem(err);
		}
	}
	return 0;
}

/*
 * Severity (2.13): GHSA's own rating, else the CVSS v3 score's.  0 when
 * neither is there.
 */
static int
conv_severity(const struct conv *c, const json_t *cvss)
{
	static const char *const ghsa[] = { "", "LOW", "MODERATE", "HIGH",
	    "CRITICAL" };
	const char	*s;
	int		 i;

	if (strcmp(c->src->id, "ghsa") == 0) {
		s = json_string_value(json_object_get(json_object_get(c->osv,
		    "database_specific"), "severity"));
		for (i = 1; s != NULL && i <= 4; i++)
			if (strcmp(s, ghsa[i]) == 0)
				return i;
	}
	if (json_is_number(json_object_get(cvss, "V3Score")))
		return trivy_cvss_severity(json_number_value(json_object_get(
		    cvss, "V3Score")));
	return 0;
}

/* The Vulnerability value, without the dates (section 2.8). */
static json_t *
conv_vuln(struct conv *c)
{
	const json_t	*osv = c->osv, *sev, *refs, *cwes, *dbs;
	json_t		*v, *cvss = NULL, *list;
	const char	*s;
	size_t		 i;
	int		 level;

	dbs = json_object_get(osv, "database_specific");
	if ((v = json_object()) == NULL || (cvss = json_object()) == NULL ||
	    (list = json_array()) == NULL ||
	    json_object_set_new(v, "References", list) == -1)
		goto nomem;
	if (set_str(v, "Title", json_string_value(json_object_get(osv,
	    "summary")), c->err) == -1 || set_str(v, "Description",
	    json_string_value(json_object_get(osv, "details")), c->err) == -1)
		goto fail;
	sev = json_object_get(osv, "severity");
	if (json_array_size(sev) == 0)
		sev = json_object_get(json_array_get(json_object_get(osv,
		    "affected"), 0), "severity");
	if (conv_cvss(cvss, sev, c->err) == -1)
		goto fail;
	if ((level = conv_severity(c, cvss)) > 0 && (set_str(v, "Severity",
	    severity_names[level], c->err) == -1 ||
	    json_object_set_new(v, "VendorSeverity", json_pack("{sI}",
	    c->src->id, (json_int_t)level)) == -1))
		goto fail;
	if (json_object_size(cvss) > 0 && json_object_set_new(v, "CVSS",
	    json_pack("{sO}", c->src->id, cvss)) == -1)
		goto nomem;
	cwes = json_object_get(dbs, "cwe_ids");
	for (i = 0; i < json_array_size(cwes) && i < EC_TRIVY_MAX_IDS; i++) {
		if ((s = json_string_value(json_array_get(cwes, i))) == NULL)
			continue;
		if (json_object_get(v, "CweIDs") == NULL &&
		    json_object_set_new(v, "CweIDs", json_array()) == -1)
			goto nomem;
		if (trivy_append_unique(json_object_get(v, "CweIDs"), s,
		    c->err) == -1)
			goto fail;
	}
	refs = json_object_get(osv, "references");
	for (i = 0; i < json_array_size(refs); i++)
		if ((s = json_string_value(json_object_get(json_array_get(refs,
		    i), "url"))) != NULL && *s != '\0' &&
		    json_array_append_new(list, json_string(s)) == -1)
			goto nomem;
	/* Go vulndb: its page is a reference too (2.13). */
	if (strcmp(c->src->id, "govulndb") == 0 &&
	    (s = json_string_value(json_object_get(dbs, "url"))) != NULL &&
	    json_array_append_new(list, json_string(s)) == -1)
		goto nomem;
	if (trivy_sort_strings(list, c->err) == -1)
		goto fail;
	json_decref(cvss);
	return v;
nomem:
	(void)ec_err_nomem(c->err);
fail:
	json_decref(cvss);
	json_decref(v);
	return NULL;
}

/* Add a row; takes "value" and the strings' copies.  EC_ERR_NOMEM. */
static int
row_add(struct conv *c, enum ec_trivy_kind kind, const char *bucket,
    const char *pkg, const char *key, json_t *value)
{
	struct ec_trivy_result	*r = c->out;
	struct ec_trivy_row	*rows, *row;

	if (value == NULL)
		return ec_err_nomem(c->err);
	rows = realloc(r->rows, (r->nrows + 1) * sizeof(*rows));
	if (rows == NULL) {
		json_decref(value);
		return ec_err_nomem(c->err);
	}
	r->rows = rows;
	row = &rows[r->nrows++];
	row->kind = kind;
	row->value = value;
	row->bucket = strdup(bucket);
	row->pkg = pkg != NULL ? strdup(pkg) : NULL;
	row->key = strdup(key);
	if (row->bucket == NULL || row->key == NULL ||
	    (pkg != NULL && row->pkg == NULL))
		return ec_err_nomem(c->err);
	return 0;
}

/* The data-source row of one bucket (section 2.9). */
static json_t *
source_value(const struct conv *c, const char *bucket)
{
	const char	*name = strstr(bucket, "::");
	char		 url[256], *p;

	if (c->src->name != NULL || name == NULL)
		return json_pack("{ssssss}", "ID", c->src->id, "Name",
		    c->src->name != NULL ? c->src->name : bucket, "URL",
		    c->src->url);
	/* GHSA: the platform's query page, as in the 2.11 example. */
	snprintf(url, sizeof(url), "%s%s", c->src->url,
	    name + strlen("::GitHub Security Advisory "));
	for (p = url + strlen(c->src->url); *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return json_pack("{ssssss}", "ID", c->src->id, "Name", name + 2,
	    "URL", url);
}

static int
conv_dates(json_t *v, const json_t *osv, const char *key)
{
	static const char *const from[] = { "published", "modified" };
	static const char *const to[] = { "PublishedDate",
	    "LastModifiedDate" };
	struct ec_err	 e;
	const json_t	*t;
	char		 buf[EC_TIME_MAX];
	int64_t		 us;
	int		 i;

	/* CVE ids take their dates from NVD only (section 2.8). */
	if (strncmp(key, "CVE-", 4) == 0)
		return 0;
	for (i = 0; i < 2; i++) {
		t = json_object_get(osv, from[i]);
		if (!json_is_string(t) || ec_time_parse(&us,
		    json_string_value(t), json_string_length(t), &e) == -1)
			continue;
		trivy_time(buf, us);
		if (json_object_set_new(v, to[i], json_string(buf)) == -1)
			return -1;
	}
	return 0;
}

static int
conv_rows(struct conv *c)
{
	json_t		*vuln, *v;
	const char	*key;
	size_t		 i, k;

	if ((vuln = conv_vuln(c)) == NULL)
		return -1;
	for (k = 0; k < json_array_size(c->keys); k++) {
		key = json_string_value(json_array_get(c->keys, k));
		if ((v = json_deep_copy(vuln)) == NULL ||
		    conv_dates(v, c->osv, key) == -1) {
			json_decref(v);
			json_decref(vuln);
			return ec_err_nomem(c->err);
		}
		if (row_add(c, EC_TRIVY_VULN, "vulnerability", NULL, key,
		    v) == -1)
			goto fail;
		for (i = 0; i < c->ngroups; i++) {
			v = json_deep_copy(c->groups[i].adv);
			if (v != NULL && json_array_size(c->vendor_ids) > 0 &&
			    json_object_set(v, "VendorIDs",
			    c->vendor_ids) == -1) {
				json_decref(v);
				v = NULL;
			}
			if (row_add(c, EC_TRIVY_ADVISORY, c->groups[i].bucket,
			    c->groups[i].pkg, key, v) == -1)
				goto fail;
		}
	}
	json_decref(vuln);
	for (i = 0; i < c->ngroups; i++) {
		for (k = 0; k < i; k++)
			if (strcmp(c->groups[k].bucket,
			    c->groups[i].bucket) == 0)
				break;
		if (k == i && row_add(c, EC_TRIVY_SOURCE, "data-source", NULL,
		    c->groups[i].bucket, source_value(c,
		    c->groups[i].bucket)) == -1)
			return -1;
	}
	return 0;
fail:
	json_decref(vuln);
	return -1;
}

/*
 * Work bounds of the whole document (ec_trivy.h).  Versions and events
 * are counted over all affected entries too: lists are deduplicated by
 * linear search, so their total, not each one, bounds the work.
 */
static bool
conv_bounded(const json_t *osv)
{
	const json_t	*aff = json_object_get(osv, "affected"), *rg;
	size_t		 i, j, versions = 0, events = 0;

	for (i = 0; i < json_array_size(aff) && i <= EC_TRIVY_MAX_AFFECTED;
	    i++) {
		versions += array_size_of(json_array_get(aff, i), "versions");
		rg = json_object_get(json_array_get(aff, i), "ranges");
		for (j = 0; j < json_array_size(rg) &&
		    j <= EC_TRIVY_MAX_RANGES; j++)
			events += array_size_of(json_array_get(rg, j),
			    "events");
	}
	if (versions > EC_TRIVY_MAX_VERSIONS || events > EC_TRIVY_MAX_EVENTS)
		return false;
	return array_size_of(osv, "affected") <= EC_TRIVY_MAX_AFFECTED &&
	    array_size_of(osv, "aliases") + array_size_of(osv, "upstream") +
	    array_size_of(osv, "related") < EC_TRIVY_MAX_IDS &&
	    array_size_of(osv, "references") <= EC_TRIVY_MAX_REFS &&
	    array_size_of(osv, "severity") <= EC_TRIVY_MAX_IDS;
}

static int
conv_run(struct conv *c, int64_t snapshot_us)
{
	const json_t	*t, *affected;
	struct ec_err	 e;
	int64_t		 us;
	size_t		 i;

	if ((c->id = trivy_get_name(c->osv, "id")) == NULL)
		return conv_skip(c, "no id");
	t = json_object_get(c->osv, "withdrawn");
	if (json_is_string(t) && ec_time_parse(&us, json_string_value(t),
	    json_string_length(t), &e) == 0 && us <= snapshot_us)
		return conv_skip(c, "withdrawn at %s", json_string_value(t));
	if (!conv_bounded(c->osv))
		return conv_skip(c, "past a work bound (ec_trivy.h)");
	for (i = 0; strncmp(c->id, sources[i].prefix,
	    strlen(sources[i].prefix)) != 0; i++)
		;
	c->src = &sources[i];
	if (conv_ids(c) == -1)
		return -1;
	affected = json_object_get(c->osv, "affected");
	snprintf(c->why, sizeof(c->why), "no affected packages");
	for (i = 0; i < json_array_size(affected); i++)
		if (conv_affected(c, json_array_get(affected, i)) == -1)
			return -1;
	if (c->ngroups == 0)
		return conv_skip(c, "%s", c->why);
	return conv_rows(c);
}

int
ec_trivy_convert(struct ec_trivy_result *out, const json_t *osv,
    int64_t snapshot_us, struct ec_err *err)
{
	struct conv	c;
	size_t		i;
	int		rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.out = out;
	c.osv = osv;
	c.err = err;
	if (!json_is_object(osv))
		rc = conv_skip(&c, "not a JSON object");
	else
		rc = conv_run(&c, snapshot_us);
	for (i = 0; i < c.ngroups; i++) {
		free(c.groups[i].bucket);
		free(c.groups[i].pkg);
		json_decref(c.groups[i].adv);
	}
	free(c.groups);
	json_decref(c.keys);
	json_decref(c.vendor_ids);
	if (rc == -1 || out->skipped[0] != '\0')
		ec_trivy_result_dispose(out);
	return rc;
}
