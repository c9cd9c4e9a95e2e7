/*
 * tests/unit/t_match.c: advisory matching (ec_match).  Synthetic ranges
 * pin down the OSV evaluation rules; then every OSV advisory in
 * tests/fixtures/osv (and ../shared/fixtures/osv when present) is indexed,
 * and each version its "versions" lists must match as affected, and each
 * range bound must fall on its side: introduced and last_affected
 * versions inside, fixed and limit versions outside.  An index built in
 * the opposite order must answer byte for byte the same.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "tap.h"
#include "ec_match.h"
#include "ec_version.h"

#define T_MAX_REPORTED	10

struct t_fix {
	json_t	**docs;
	size_t	  ndocs, cap;
	size_t	  files, bad_json, refused;
};

struct t_count {
	size_t	checks, failed, unordered, rejected;
};

static bool
has_hit(const struct ec_match_result *r, const char *id, bool affected)
{
	size_t	i;

	for (i = 0; i < r->nhits; i++)
		if (strcmp(r->hits[i].id, id) == 0)
			return !affected ||
			    r->hits[i].reason != EC_MATCH_NOT_EVALUABLE;
	return false;
}

static void
range_is(const char *eco, const char *range, const char *version, int want,
    const char *what)
{
	json_error_t	 jerr;
	json_t		*r;
	struct ec_err	 err;
	bool		 in = false;
	int		 rc;

	if ((r = json_loads(range, 0, &jerr)) == NULL) {
		ok(0, "%s: bad test JSON: %s", what, jerr.text);
		return;
	}
	rc = ec_match_range(&in, eco, r, version, &err);
	if (want == -1)
		ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID,
		    "%s: not evaluable: %s", what, err.msg);
	else
		ok(rc == 0 && in == (want == 1), "%s: %s %s", what, version,
		    rc == -1 ? err.msg : in ? "inside" : "outside");
	json_decref(r);
}

static void
t_events(void)
{
	const char	*simple = "{\"type\":\"ECOSYSTEM\",\"events\":["
	    "{\"introduced\":\"1.0\"},{\"fixed\":\"1.2\"}]}";
	const char	*last = "{\"type\":\"ECOSYSTEM\",\"events\":["
	    "{\"introduced\":\"0\"},{\"last_affected\":\"2.0\"}]}";
	const char	*multi = "{\"type\":\"SEMVER\",\"events\":["
	    "{\"introduced\":\"2.0.0\"},{\"fixed\":\"2.1.0\"},"
	    "{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.0.5\"}]}";
	const char	*limit = "{\"type\":\"SEMVER\",\"events\":["
	    "{\"introduced\":\"0\"},{\"limit\":\"3.0.0\"}]}";
	const char	*git = "{\"type\":\"GIT\",\"repo\":\"x\",\"events\":["
	    "{\"introduced\":\"0\"},{\"fixed\":\"abc\"}]}";

	range_is("PyPI", simple, "0.9", 0, "below introduced");
	range_is("PyPI", simple, "1.0", 1, "introduced is inside");
	range_is("PyPI", simple, "1.0.0", 1, "PEP 440 1.0.0 == 1.0");
	range_is("PyPI", simple, "1.2rc1", 1, "pre-release of fixed");
	range_is("PyPI", simple, "1.2", 0, "fixed is outside");
	range_is("PyPI", simple, "1.10", 0, "1.10 after 1.2");
	range_is("PyPI", last, "2.0", 1, "last_affected is inside");
	range_is("PyPI", last, "2.0.post1", 0, "after last_affected");
	range_is("npm", multi, "1.0.4", 1, "unsorted events, first range");
	range_is("npm", multi, "1.5.0", 0, "between the ranges");
	range_is("npm", multi, "2.0.9", 1, "second range");
	range_is("npm", multi, "2.1.0", 0, "second fixed");
	range_is("npm", limit, "2.9.9", 1, "below limit");
	range_is("npm", limit, "3.0.0", 0, "limit is outside");
	range_is("Go", multi, "v1.0.0", 1, "Go versions with v");
	range_is("npm", git, "1.0.0", -1, "GIT range");
	range_is("Julia", simple, "1.0", -1, "ECOSYSTEM without an order");
	range_is("npm", multi, "1.0", -1, "component version not SemVer");
	range_is("npm", "{\"type\":\"SEMVER\",\"events\":[{\"introduced\":"
	    "\"0\"},{\"fixed\":\"1.x\"}]}", "1.0.0", -1, "event not SemVer");
	range_is("Maven", "{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":"
	    "\"1.0-beta\"},{\"fixed\":\"1.0\"}]}", "1.0-rc1", 1,
	    "Maven qualifiers order");
}

static json_t *
t_json(const char *s)
{
	json_error_t	jerr;

	return json_loads(s, 0, &jerr);
}

/* Bounds: one event too many is refused and changes nothing. */
static void
t_index_bounds(struct ec_match_index *ix)
{
	struct ec_err	 err;
	json_t		*a, *big, *ev;
	size_t		 i;

	big = t_json("{\"id\":\"T-2\",\"affected\":[{\"package\":"
	    "{\"ecosystem\":\"npm\",\"name\":\"x\"},\"ranges\":[{\"type\":"
	    "\"SEMVER\",\"events\":[]}]}]}");
	ev = json_object_get(json_array_get(json_object_get(json_array_get(
	    json_object_get(big, "affected"), 0), "ranges"), 0), "events");
	for (i = 0; i <= EC_MATCH_MAX_EVENTS; i++)
		json_array_append_new(ev, t_json("{\"fixed\":\"1.0.0\"}"));
	ok(ec_match_index_add(ix, big, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE && ec_match_index_entries(ix) == 3 &&
	    ec_match_index_advisories(ix) == 1, "too many events: %s",
	    err.msg);
	json_array_remove(ev, 0);
	ok(ec_match_index_add(ix, big, &err) == 0 &&
	    ec_match_index_entries(ix) == 4, "%d events accepted",
	    EC_MATCH_MAX_EVENTS);
	json_decref(big);
	a = t_json("{\"affected\":[]}");
	ok(ec_match_index_add(ix, a, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "no id: %s", err.msg);
	json_decref(a);
	a = t_json("{\"id\":\"T-3\",\"affected\":[{\"package\":{\"ecosystem\":"
	    "\"npm\",\"name\":\"y\"},\"ranges\":[{\"type\":\"SEMVER\","
	    "\"events\":[{\"fixd\":\"1.0.0\"}]}]}]}");
	ok(ec_match_index_add(ix, a, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID &&
	    ec_match_index_entries(ix) == 4, "bad event: %s", err.msg);
	json_decref(a);
}

/* The index: lookups, reasons, releases, bounds. */
static void
t_index(void)
{
	const char		*deb =
	    "pkg:deb/debian/openssl@3.0.9-1?distro=debian-12";
	const char		*docker = "pkg:docker/nginx@1";
	struct ec_match_index	*ix;
	struct ec_match_result	 r;
	struct ec_err		 err;
	json_t			*a;
	int			 rc;

	if (ec_match_index_new(&ix, &err) == -1) {
		ok(0, "index: %s", err.msg);
		return;
	}
	a = t_json("{\"id\":\"T-1\",\"affected\":[{\"package\":{\"ecosystem\":"
	    "\"PyPI\",\"name\":\"Foo_Bar\"},\"ranges\":[{\"type\":\"GIT\","
	    "\"repo\":\"r\",\"events\":[{\"introduced\":\"0\"}]}],"
	    "\"versions\":[\"1.0\"]},{\"package\":{\"ecosystem\":"
	    "\"Debian:12\",\"name\":\"openssl\"},\"ranges\":[{\"type\":"
	    "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":"
	    "\"3.0.11-1~deb12u1\"}]}]},{\"package\":{\"ecosystem\":"
	    "\"Ubuntu:22.04:LTS\",\"name\":\"curl\"},\"versions\":"
	    "[\"7.81.0-1\"]}]}");
	ok(ec_match_index_add(ix, a, &err) == 0 &&
	    ec_match_index_entries(ix) == 3, "index three entries");
	json_decref(a);
	rc = ec_match_lookup(&r, ix, "PyPI", "foo.bar", "1.0.0", &err);
	ok(rc == 0 && r.nhits == 1 && r.hits[0].reason == EC_MATCH_IN_VERSIONS,
	    "PEP 503 name, listed version: %s",
	    r.nhits ? r.hits[0].detail : "");
	ec_match_result_dispose(&r);
	rc = ec_match_lookup(&r, ix, "PyPI", "foo-bar", "2.0", &err);
	ok(rc == 0 && r.nhits == 1 &&
	    r.hits[0].reason == EC_MATCH_NOT_EVALUABLE,
	    "GIT range reported: %s", r.nhits ? r.hits[0].detail : "");
	ec_match_result_dispose(&r);
	rc = ec_match_purl(&r, ix, deb, strlen(deb), NULL, &err);
	ok(rc == 0 && r.nhits == 1 && r.hits[0].reason == EC_MATCH_IN_RANGE,
	    "deb purl in range: %s", r.nhits ? r.hits[0].detail : err.msg);
	ec_match_result_dispose(&r);
	rc = ec_match_lookup(&r, ix, "Debian:11", "openssl", "3.0.9-1", &err);
	ok(rc == 0 && r.nhits == 0, "another release does not match");
	ec_match_result_dispose(&r);
	rc = ec_match_lookup(&r, ix, "Debian:1", "openssl", "3.0.9-1", &err);
	ok(rc == 0 && r.nhits == 0, "a release is not a string prefix");
	ec_match_result_dispose(&r);
	rc = ec_match_lookup(&r, ix, "Ubuntu:22.04", "curl", "7.81.0-1", &err);
	ok(rc == 0 && r.nhits == 1, "Ubuntu:22.04 takes Ubuntu:22.04:LTS");
	ec_match_result_dispose(&r);
	rc = ec_match_lookup(&r, ix, "Debian:12", "openssl", "a.b", &err);
	ok(rc == 0 && r.nhits == 1 &&
	    r.hits[0].reason == EC_MATCH_NOT_EVALUABLE,
	    "bad component version reported: %s",
	    r.nhits ? r.hits[0].detail : "");
	ec_match_result_dispose(&r);
	rc = ec_match_lookup(&r, ix, "Debian:12", "openssl", NULL, &err);
	ok(rc == 0 && r.nhits == 1 &&
	    r.hits[0].reason == EC_MATCH_NOT_EVALUABLE,
	    "no component version reported: %s",
	    r.nhits ? r.hits[0].detail : "");
	ec_match_result_dispose(&r);
	ok(ec_match_purl(&r, ix, docker, strlen(docker), NULL, &err) ==
	    -1 && err.code == EC_ERR_REQUEST_INVALID,
	    "purl without an OSV ecosystem: %s", err.msg);

	t_index_bounds(ix);
	ec_match_index_free(ix);
}

static void
t_load_dir(struct t_fix *f, const char *dir)
{
	struct dirent	*de;
	struct stat	 st;
	json_error_t	 jerr;
	json_t		*doc, **nd;
	DIR		*d;
	char		 path[4096];
	size_t		 n;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || snprintf(path, sizeof(path),
		    "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			t_load_dir(f, path);
			continue;
		}
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		f->files++;
		if ((doc = json_load_file(path, 0, &jerr)) == NULL) {
			f->bad_json++;
			continue;
		}
		if (f->ndocs == f->cap) {
			f->cap = f->cap == 0 ? 1024 : f->cap * 2;
			if ((nd = realloc(f->docs, f->cap * sizeof(*nd))) ==
			    NULL) {
				json_decref(doc);
				break;
			}
			f->docs = nd;
		}
		f->docs[f->ndocs++] = doc;
	}
	(void)closedir(d);
}

static void
t_fail(struct t_count *c, const char *id, const char *what, const char *v,
    const char *why)
{
	if (c->failed++ < T_MAX_REPORTED)
		printf("# %s: %s %s: %s\n", id, what, v, why);
}

/* The versions an affected entry lists must each match as affected. */
static void
t_versions(struct t_count *c, const struct ec_match_index *ix,
    const char *id, const char *eco, const char *name, const json_t *vers)
{
	struct ec_match_result	 r;
	struct ec_err		 err;
	const json_t		*v;
	size_t			 i;

	json_array_foreach(vers, i, v) {
		c->checks++;
		if (ec_match_lookup(&r, ix, eco, name, json_string_value(v),
		    &err) == -1)
			t_fail(c, id, "listed", json_string_value(v), err.msg);
		else if (!has_hit(&r, id, true))
			t_fail(c, id, "listed", json_string_value(v),
			    "not affected");
		ec_match_result_dispose(&r);
	}
}

/*
 * Does an event of kind k1 or k2 have version "v" in the range's order?
 * Such ties are decided by event order alone, so the test skips them.
 */
static bool
t_also(const json_t *events, const char *eco, const char *type,
    const char *v, const char *k1, const char *k2)
{
	enum ec_version_scheme	 s;
	const json_t		*e, *x;
	size_t			 i;
	int			 c;

	if (strcmp(type, "SEMVER") == 0)
		s = strcmp(eco, "Go") == 0 ? EC_VERSION_GO : EC_VERSION_SEMVER;
	else if (ec_version_scheme_of(&s, eco, NULL) == -1)
		return false;
	json_array_foreach(events, i, e)
		if (((x = json_object_get(e, k1)) != NULL ||
		    (x = json_object_get(e, k2)) != NULL) &&
		    json_is_string(x) &&
		    (strcmp(json_string_value(x), v) == 0 ||
		    (ec_version_compare(&c, s, json_string_value(x), v,
		    NULL) == 0 && c == 0)))
			return true;
	return false;
}

/* One bound: inside (want 1) or outside (0) of its own range. */
static void
t_bound(struct t_count *c, const struct ec_match_index *ix, const char *id,
    const char *eco, const char *name, const json_t *range, const char *v,
    int want)
{
	struct ec_match_result	 r;
	struct ec_err		 err;
	bool			 in;

	c->checks++;
	if (ec_match_range(&in, eco, range, v, &err) == -1) {
		/* Reported, as the matcher reports it: counted, not failed. */
		if (c->rejected++ < T_MAX_REPORTED)
			printf("# %s: not evaluable at %s: %s\n", id, v,
			    err.msg);
		return;
	}
	if (in != (want == 1)) {
		t_fail(c, id, want ? "inside" : "outside", v, "wrong side");
		return;
	}
	if (!in)
		return;
	/* Inside one range is affected by the advisory. */
	if (ec_match_lookup(&r, ix, eco, name, v, &err) == -1 ||
	    !has_hit(&r, id, true))
		t_fail(c, id, "lookup", v, "not affected");
	ec_match_result_dispose(&r);
}

static void
t_ranges(struct t_count *c, const struct ec_match_index *ix, const char *id,
    const char *eco, const char *name, const json_t *ranges)
{
	enum ec_version_scheme	 s;
	const json_t		*rg, *events, *e, *x;
	const char		*type, *v;
	size_t			 i, j;
	int			 want;

	json_array_foreach(ranges, i, rg) {
		type = json_string_value(json_object_get(rg, "type"));
		events = json_object_get(rg, "events");
		if (type == NULL || strcmp(type, "GIT") == 0 ||
		    (strcmp(type, "ECOSYSTEM") == 0 &&
		    ec_version_scheme_of(&s, eco, NULL) == -1)) {
			c->unordered++;
			continue;
		}
		json_array_foreach(events, j, e) {
			if ((x = json_object_get(e, "introduced")) != NULL &&
			    strcmp(json_string_value(x), "0") == 0)
				continue;
			if ((x = json_object_get(e, "introduced")) == NULL)
				x = json_object_get(e, "last_affected");
			want = x != NULL;
			if (x == NULL && (x = json_object_get(e, "fixed")) ==
			    NULL)
				x = json_object_get(e, "limit");
			if (!json_is_string(x))
				continue;
			v = json_string_value(x);
			/* Events of opposite sides at one version: skip. */
			if (want ? t_also(events, eco, type, v, "fixed",
			    "limit") : t_also(events, eco, type, v,
			    "introduced", "last_affected"))
				continue;
			t_bound(c, ix, id, eco, name, rg, v, want);
		}
	}
}

/* Two results with the same hits, byte for byte. */
static bool
t_same(const struct ec_match_result *a, const struct ec_match_result *b)
{
	size_t	i;

	if (a->nhits != b->nhits)
		return false;
	for (i = 0; i < a->nhits; i++)
		if (strcmp(a->hits[i].id, b->hits[i].id) != 0 ||
		    strcmp(a->hits[i].ecosystem, b->hits[i].ecosystem) != 0 ||
		    strcmp(a->hits[i].package, b->hits[i].package) != 0 ||
		    a->hits[i].reason != b->hits[i].reason ||
		    strcmp(a->hits[i].detail, b->hits[i].detail) != 0)
			return false;
	return true;
}

/*
 * The index of every advisory finds this one by its first listed
 * version, and the index built in the opposite order answers the same.
 */
static void
t_shared(struct t_count *c, const struct ec_match_index *ix,
    const struct ec_match_index *rev, const char *id, const char *eco,
    const char *name, const json_t *vers)
{
	struct ec_match_result	 r, q = { NULL, 0 };
	struct ec_err		 err;
	const char		*v;

	if ((v = json_string_value(json_array_get(vers, 0))) == NULL)
		return;
	c->checks++;
	if (ec_match_lookup(&r, ix, eco, name, v, &err) == -1 ||
	    !has_hit(&r, id, true))
		t_fail(c, id, "shared index", v, "not affected");
	else if (ec_match_lookup(&q, rev, eco, name, v, &err) == -1 ||
	    !t_same(&r, &q))
		t_fail(c, id, "reversed index", v, "answers differently");
	ec_match_result_dispose(&q);
	ec_match_result_dispose(&r);
}

/* Every purl below "j" (a CycloneDX document), depth-first. */
static void
t_sbom_purls(struct t_count *c, size_t counts[3],
    const struct ec_match_index *ix, const json_t *j, int depth)
{
	struct ec_match_result	 r;
	struct ec_err		 err;
	const char		*k, *purl;
	json_t			*v;
	size_t			 i;

	if (depth > 64)
		return;
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			t_sbom_purls(c, counts, ix, v, depth + 1);
		return;
	}
	json_object_foreach((json_t *)j, k, v) {
		if (strcmp(k, "purl") != 0 || !json_is_string(v)) {
			t_sbom_purls(c, counts, ix, v, depth + 1);
			continue;
		}
		purl = json_string_value(v);
		counts[0]++;
		if (ec_match_purl(&r, ix, purl, strlen(purl), NULL, &err) ==
		    -1) {
			/* Reported as unmatched: only for bad input. */
			if (err.code != EC_ERR_REQUEST_INVALID)
				t_fail(c, purl, "component", "", err.msg);
			counts[1]++;
			continue;
		}
		counts[2] += r.nhits;
		ec_match_result_dispose(&r);
	}
}

/*
 * A real finding: dropwizard 1.3.15's SBOM ships jackson-databind 2.9.10,
 * which GHSA-rgv9-q543-rqg4 affects up to its fix in 2.13.4.
 */
static void
t_real_finding(void)
{
	const char		*sbom = "tests/fixtures/sbom/cyclonedx/"
				    "SBOM__dropwizard-1.3.15__bom.json";
	const char		*want = "pkg:maven/com.fasterxml.jackson.core/"
				    "jackson-databind@2.9.10?type=jar";
	struct ec_match_index	*ix;
	struct ec_match_result	 r;
	struct ec_err		 err;
	json_t			*adv, *bom, *c;
	const char		*purl = NULL;
	size_t			 i;
	int			 rc;

	adv = json_load_file("tests/data/match/GHSA-rgv9-q543-rqg4.json", 0,
	    NULL);
	bom = json_load_file(sbom, 0, NULL);
	json_array_foreach(json_object_get(bom, "components"), i, c)
		if (json_is_string(json_object_get(c, "purl")) &&
		    strcmp(json_string_value(json_object_get(c, "purl")),
		    want) == 0)
			purl = want;
	if (adv == NULL || purl == NULL || ec_match_index_new(&ix, &err) ==
	    -1 || ec_match_index_add(ix, adv, &err) == -1) {
		ok(0, "real finding: advisory or SBOM component missing");
		json_decref(adv);
		json_decref(bom);
		return;
	}
	rc = ec_match_purl(&r, ix, purl, strlen(purl), NULL, &err);
	ok(rc == 0 && r.nhits == 1 && r.hits[0].reason == EC_MATCH_IN_RANGE &&
	    strcmp(r.hits[0].id, "GHSA-rgv9-q543-rqg4") == 0,
	    "dropwizard's jackson-databind 2.9.10: %s",
	    r.nhits > 0 ? r.hits[0].detail : "no hit");
	ec_match_result_dispose(&r);
	rc = ec_match_purl(&r, ix, purl, strlen(purl), "2.13.4", &err);
	ok(rc == 0 && r.nhits == 0, "the fixed version 2.13.4 is not");
	ec_match_result_dispose(&r);
	ec_match_index_free(ix);
	json_decref(adv);
	json_decref(bom);
}

/* The components of the real SBOMs, looked up by purl. */
static void
t_sboms(const struct ec_match_index *ix)
{
	static const char *const dirs[] = {
		"tests/fixtures/sbom/cyclonedx",
		"../shared/fixtures/sbom/cyclonedx"
	};
	struct t_fix	 f;
	struct t_count	 c;
	size_t		 i, counts[3] = { 0, 0, 0 };

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		t_load_dir(&f, dirs[i]);
	for (i = 0; i < f.ndocs; i++) {
		t_sbom_purls(&c, counts, ix, f.docs[i], 0);
		json_decref(f.docs[i]);
	}
	free(f.docs);
	printf("# %zu SBOM components with a purl, %zu reported unmatched, "
	    "%zu advisory hits\n", counts[0], counts[1], counts[2]);
	ok(counts[0] > 100 && c.failed == 0,
	    "SBOM components looked up by purl (%zu hits)", counts[2]);
}

static void
t_fixtures(void)
{
	static const char *const dirs[] = {
		"tests/fixtures/osv", "../shared/fixtures/osv"
	};
	struct ec_match_index	*ix, *rev, *one = NULL;
	struct t_fix		 f;
	struct t_count		 c;
	struct ec_err		 err;
	const json_t		*aff, *a, *pkg;
	const char		*id, *eco, *name;
	size_t			 i, j;

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		t_load_dir(&f, dirs[i]);
	if (ec_match_index_new(&ix, &err) == -1 ||
	    ec_match_index_new(&rev, &err) == -1) {
		ok(0, "index: %s", err.msg);
		return;
	}
	for (i = f.ndocs; i-- > 0;)
		if (ec_match_index_add(rev, f.docs[i], &err) == -1)
			f.refused++;
	for (i = 0; i < f.ndocs; i++)
		if (ec_match_index_add(ix, f.docs[i], &err) == -1 &&
		    f.refused++ < T_MAX_REPORTED)
			printf("# refused: %s\n", err.msg);
	ok(f.ndocs >= 300 && f.bad_json == 0 && f.refused == 0,
	    "%zu OSV files, %zu advisories indexed, %zu entries", f.files,
	    ec_match_index_advisories(ix), ec_match_index_entries(ix));
	t_sboms(ix);
	for (i = 0; i < f.ndocs; i++) {
		id = json_string_value(json_object_get(f.docs[i], "id"));
		aff = json_object_get(f.docs[i], "affected");
		/*
		 * Each advisory's checks run on an index of it alone, so that
		 * they do not grow with the advisories of popular packages;
		 * the shared index answers one lookup per affected entry.
		 */
		if (id == NULL || ec_match_index_new(&one, &err) == -1 ||
		    ec_match_index_add(one, f.docs[i], &err) == -1) {
			ec_match_index_free(one);
			one = NULL;
			continue;
		}
		json_array_foreach(aff, j, a) {
			pkg = json_object_get(a, "package");
			eco = json_string_value(json_object_get(pkg,
			    "ecosystem"));
			name = json_string_value(json_object_get(pkg, "name"));
			if (eco == NULL || name == NULL)
				continue;
			t_versions(&c, one, id, eco, name,
			    json_object_get(a, "versions"));
			t_ranges(&c, one, id, eco, name,
			    json_object_get(a, "ranges"));
			t_shared(&c, ix, rev, id, eco, name,
			    json_object_get(a, "versions"));
		}
		ec_match_index_free(one);
		json_decref(f.docs[i]);
	}
	free(f.docs);
	ec_match_index_free(ix);
	ec_match_index_free(rev);
	printf("# %zu checks, %zu failed, %zu bounds not evaluable, "
	    "%zu ranges without an order here\n", c.checks, c.failed,
	    c.rejected, c.unordered);
	ok(c.checks > 500 && c.failed == 0,
	    "listed versions affected, bounds on their side (%zu checks)",
	    c.checks);
}

int
main(void)
{
	t_events();
	t_index();
	t_real_finding();
	t_fixtures();
	return done_testing();
}
