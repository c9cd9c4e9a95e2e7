/*
 * ec_match_eval: the OSV schema's evaluation of ranges and lookups of one
 * package in the index.  The schema sorts a range's events by version and
 * lets each event that applies set the state in turn; the last one to
 * apply is the greatest applicable event (later events win ties, as a
 * stable sort keeps them), so one pass finds it without sorting:
 * "introduced" and "fixed" apply at or below the version, "last_affected"
 * strictly below it, and a "limit" at or below it ends the range.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_match_int.h"
#include "ec_num.h"
#include "ec_purl.h"
#include "ec_version.h"

/* The component's version, parsed lazily once per scheme. */
struct match_comp {
	const char		*text;	/* NULL when unknown */
	struct ec_version	*v[EC_VERSION_SCHEME_COUNT];
	bool			 tried[EC_VERSION_SCHEME_COUNT];
	char			 why[EC_VERSION_SCHEME_COUNT][128];
};

int
match_eval_events(bool *out, const struct match_ev *ev, size_t nev,
    int scheme, const void *vp, struct ec_err *err)
{
	const struct ec_version	*v = vp;
	struct ec_version	*best = NULL, *x;
	enum match_ev_kind	 best_kind = MATCH_FIXED;
	bool			 have = false, limited = false, apply;
	size_t			 i;
	int			 c;

	for (i = 0; i < nev; i++) {
		if (ev[i].kind == MATCH_INTRODUCED &&
		    strcmp(ev[i].ver, "0") == 0) {
			/* "0" is before every version: it wins no tie. */
			if (!have)
				best_kind = MATCH_INTRODUCED;
			have = true;
			continue;
		}
		if (ec_version_parse(&x, (enum ec_version_scheme)scheme,
		    ev[i].ver, strlen(ev[i].ver), err) == -1) {
			ec_version_free(best);
			return ec_err_prefix(err, "event \"%.40s\"", ev[i].ver);
		}
		c = ec_version_cmp(x, v);
		if (ev[i].kind == MATCH_LIMIT) {
			limited = limited || c <= 0;
			apply = false;
		} else
			apply = ev[i].kind == MATCH_LAST_AFFECTED ? c < 0 :
			    c <= 0;
		if (apply && (best == NULL || ec_version_cmp(x, best) >= 0)) {
			ec_version_free(best);
			best = x;
			best_kind = ev[i].kind;
			have = true;
		} else
			ec_version_free(x);
	}
	ec_version_free(best);
	*out = have && best_kind == MATCH_INTRODUCED && !limited;
	return 0;
}

/* The scheme a range orders by, or -1 with the reason in "err". */
static int
match_range_scheme(enum ec_version_scheme *out, enum match_range_type type,
    const char *eco, struct ec_err *err)
{
	enum ec_version_scheme	s;

	if (type == MATCH_GIT)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "GIT range: commits, not versions, cannot be evaluated");
	if (type == MATCH_SEMVER) {
		/* Go's SEMVER ranges use SemVer with Go's optional "v". */
		*out = ec_version_scheme_of(&s, eco, NULL) == 0 &&
		    s == EC_VERSION_GO ? EC_VERSION_GO : EC_VERSION_SEMVER;
		return 0;
	}
	return ec_version_scheme_of(out, eco, err);
}

/* The component's version in "s", or NULL with the reason in "err". */
static const struct ec_version *
match_comp_version(struct match_comp *c, enum ec_version_scheme s,
    struct ec_err *err)
{
	struct ec_err	e;

	if (c->text == NULL) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "component has no version");
		return NULL;
	}
	if (!c->tried[s]) {
		c->tried[s] = true;
		if (ec_version_parse(&c->v[s], s, c->text, strlen(c->text),
		    &e) == -1)
			memcpy(c->why[s], e.msg, sizeof(c->why[s]) - 1);
	}
	if (c->v[s] == NULL)
		ec_err_set(err, EC_ERR_REQUEST_INVALID, "component %s",
		    c->why[s]);
	return c->v[s];
}

static void
match_comp_dispose(struct match_comp *c)
{
	size_t	i;

	for (i = 0; i < EC_VERSION_SCHEME_COUNT; i++)
		ec_version_free(c->v[i]);
}

/* "ECOSYSTEM: introduced 1.0, fixed 1.2", cut to the detail's size. */
static void
match_describe(char *d, size_t size, const char *type,
    const struct match_ev *ev, size_t nev)
{
	static const char *const kind[] = {
		"introduced", "fixed", "last_affected", "limit"
	};
	size_t	i, n;

	n = strlen(type) < size - 1 ? strlen(type) : size - 1;
	memcpy(d, type, n);
	d[n] = '\0';
	for (i = 0; i < nev; i++) {
		strncat(d, i == 0 ? ": " : ", ", size - 1 - strlen(d));
		strncat(d, kind[ev[i].kind], size - 1 - strlen(d));
		strncat(d, " ", size - 1 - strlen(d));
		strncat(d, ev[i].ver, size - 1 - strlen(d));
	}
}

/*
 * One range for the component: 0 with *in set, or -1 with the reason it
 * cannot be evaluated in "err".
 */
static int
match_one_range(bool *in, char *detail, size_t dsize,
    const struct ec_match_index *ix, const struct match_range *r,
    const char *eco, struct match_comp *c, struct ec_err *err)
{
	static const char *const types[] = { "ECOSYSTEM", "SEMVER", "GIT" };
	struct match_ev		 ev[EC_MATCH_MAX_EVENTS];
	const struct ec_version	*v;
	enum ec_version_scheme	 s;
	size_t			 i;
	int			 rc;

	for (i = 0; i < r->nev; i++)
		ev[i] = (struct match_ev){ ix->ev[r->ev + i].kind,
		    match_str(ix, ix->ev[r->ev + i].ver) };
	if (match_range_scheme(&s, r->type, eco, err) == -1 ||
	    (v = match_comp_version(c, s, err)) == NULL)
		rc = -1;
	else
		rc = match_eval_events(in, ev, r->nev, (int)s, v, err);
	/* Described only when it is reported. */
	if (rc == -1 || *in)
		match_describe(detail, dsize, types[r->type], ev, r->nev);
	return rc;
}

/*
 * Listed in "versions": the same text (tried across the whole list first,
 * as it is cheap and usual), else equal in the ecosystem's order.  The
 * listed version, or NULL.
 */
static const char *
match_listed(const struct ec_match_index *ix, const struct match_entry *x,
    struct match_comp *c)
{
	enum ec_version_scheme	 s;
	const struct ec_version	*v;
	struct ec_version	*y;
	const char		*listed;
	size_t			 i;
	bool			 eq;

	if (c->text == NULL)
		return NULL;
	for (i = 0; i < x->nver; i++)
		if (strcmp(match_str(ix, ix->vers[x->ver + i]), c->text) == 0)
			return match_str(ix, ix->vers[x->ver + i]);
	if (ec_version_scheme_of(&s, match_str(ix, x->eco), NULL) == -1 ||
	    (v = match_comp_version(c, s, NULL)) == NULL)
		return NULL;
	for (i = 0; i < x->nver; i++) {
		listed = match_str(ix, ix->vers[x->ver + i]);
		if (ec_version_parse(&y, s, listed, strlen(listed), NULL) == -1)
			continue;
		eq = ec_version_cmp(y, v) == 0;
		ec_version_free(y);
		if (eq)
			return listed;
	}
	return NULL;
}

/* Ranges first, then the list; 1 when the entry is a hit. */
static int
match_entry(struct ec_match_hit *hit, const struct ec_match_index *ix,
    const struct match_entry *x, struct match_comp *c)
{
	const char	*eco = match_str(ix, x->eco), *listed;
	struct ec_err	 e;
	char		 detail[sizeof(hit->detail)];
	size_t		 i;
	bool		 in, unsure = false;

	memset(hit, 0, sizeof(*hit));
	hit->id = match_str(ix, x->id);
	hit->ecosystem = eco;
	hit->package = match_str(ix, x->pkg);
	for (i = 0; i < x->nrng; i++) {
		if (match_one_range(&in, detail, sizeof(detail), ix,
		    &ix->rng[x->rng + i], eco, c, &e) == -1) {
			/* The first problem is the one reported. */
			if (!unsure)
				snprintf(hit->detail, sizeof(hit->detail),
				    "%.90s: %.100s", detail, e.msg);
			unsure = true;
		} else if (in) {
			hit->reason = EC_MATCH_IN_RANGE;
			memcpy(hit->detail, detail, sizeof(detail));
			return 1;
		}
	}
	if ((listed = match_listed(ix, x, c)) != NULL) {
		hit->reason = EC_MATCH_IN_VERSIONS;
		snprintf(hit->detail, sizeof(hit->detail),
		    "versions lists %.180s", listed);
		return 1;
	}
	if (!unsure && c->text == NULL && x->nver > 0) {
		snprintf(hit->detail, sizeof(hit->detail),
		    "component has no version");
		unsure = true;
	}
	hit->reason = EC_MATCH_NOT_EVALUABLE;
	return unsure ? 1 : 0;
}

static int
match_hit_cmp(const void *va, const void *vb)
{
	const struct ec_match_hit	*a = va, *b = vb;
	int				 c;

	if ((c = strcmp(a->id, b->id)) != 0 ||
	    (c = strcmp(a->ecosystem, b->ecosystem)) != 0)
		return c;
	return strcmp(a->package, b->package);
}

/*
 * "Debian:12" takes "Debian:12" and "Debian" advisories; an ecosystem
 * without a release takes all of its base's.  A release names a prefix
 * of colon-separated parts: "Ubuntu:22.04" takes "Ubuntu:22.04:LTS".
 */
static bool
match_release_ok(const char *want, const char *have)
{
	const char	*a = strchr(want, ':'), *b = strchr(have, ':');
	size_t		 n;

	if (a == NULL || b == NULL)
		return true;
	n = strlen(a);
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == ':');
}

int
ec_match_lookup(struct ec_match_result *out, const struct ec_match_index *ix,
    const char *ecosystem, const char *name, const char *version,
    struct ec_err *err)
{
	struct match_comp	 c;
	const struct match_entry *x;
	struct ec_match_hit	 hit;
	char			*norm;
	const size_t		*head;
	size_t			 i, cap = 0;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.text = version;
	if (ec_purl_normalize_name(&norm, ecosystem, name, err) == -1)
		return -1;
	head = ec_hmap_get_u64(ix->heads, match_hash(ecosystem, norm));
	for (i = head == NULL ? SIZE_MAX : *head; i != SIZE_MAX; i = x->next) {
		x = &ix->ent[i];
		/* A chain holds one hash, but names may share it. */
		if (strcmp(match_str(ix, x->norm), norm) != 0 ||
		    !match_same_base(match_str(ix, x->eco), ecosystem) ||
		    !match_release_ok(ecosystem, match_str(ix, x->eco)) ||
		    match_entry(&hit, ix, x, &c) == 0)
			continue;
		if (ec_array_grow((void **)&out->hits, &cap, out->nhits,
		    sizeof(*out->hits), 8, err) == -1)
			goto out;
		out->hits[out->nhits++] = hit;
	}
	if (out->nhits > 1)
		qsort(out->hits, out->nhits, sizeof(*out->hits),
		    match_hit_cmp);
	rc = 0;
out:
	if (rc == -1)
		ec_match_result_dispose(out);
	match_comp_dispose(&c);
	free(norm);
	return rc;
}

int
ec_match_purl(struct ec_match_result *out, const struct ec_match_index *ix,
    const char *purl, size_t len, const char *version, struct ec_err *err)
{
	struct ec_purl	*u = NULL;
	char		*eco = NULL, *name = NULL, *ver = NULL;
	int		 rc = -1;

	memset(out, 0, sizeof(*out));
	if (ec_purl_parse(&u, purl, len, err) == -1 ||
	    ec_purl_osv(&eco, &name, u, err) == -1 ||
	    (version == NULL && ec_purl_osv_version(&ver, u, err) == -1))
		goto out;
	rc = ec_match_lookup(out, ix, eco, name, version != NULL ? version :
	    ver, err);
out:
	ec_purl_free(u);
	free(eco);
	free(name);
	free(ver);
	return rc;
}

void
ec_match_result_dispose(struct ec_match_result *r)
{
	free(r->hits);
	r->hits = NULL;
	r->nhits = 0;
}

/* One OSV range object as events over borrowed strings. */
static int
match_json_events(struct match_ev *ev, size_t *nev, enum match_range_type *t,
    const json_t *range, struct ec_err *err)
{
	static const char *const keys[] = {
		"introduced", "fixed", "last_affected", "limit"
	};
	const json_t	*events, *e, *v;
	const char	*type;
	size_t		 i, k;

	type = json_string_value(json_object_get(range, "type"));
	events = json_object_get(range, "events");
	if (type == NULL || !json_is_array(events) ||
	    json_array_size(events) > EC_MATCH_MAX_EVENTS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "range: needs a type and at most %d events",
		    EC_MATCH_MAX_EVENTS);
	*t = strcmp(type, "SEMVER") == 0 ? MATCH_SEMVER :
	    strcmp(type, "GIT") == 0 ? MATCH_GIT : MATCH_ECOSYSTEM;
	if (*t == MATCH_ECOSYSTEM && strcmp(type, "ECOSYSTEM") != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "range: unknown type");
	json_array_foreach(events, i, e) {
		for (k = 0, v = NULL; k < 4 && v == NULL; k++)
			v = json_object_get(e, keys[k]);
		if (!json_is_string(v))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "range: event %zu has no version", i);
		ev[i] = (struct match_ev){ (enum match_ev_kind)(k - 1),
		    json_string_value(v) };
	}
	*nev = json_array_size(events);
	return 0;
}

int
ec_match_range(bool *out, const char *ecosystem, const json_t *range,
    const char *version, struct ec_err *err)
{
	struct match_ev		 ev[EC_MATCH_MAX_EVENTS];
	struct match_comp	 c;
	const struct ec_version	*v;
	enum match_range_type	 t = MATCH_GIT;
	enum ec_version_scheme	 s;
	size_t			 nev = 0;
	int			 rc = -1;

	memset(&c, 0, sizeof(c));
	c.text = version;
	if (match_json_events(ev, &nev, &t, range, err) == -1 ||
	    match_range_scheme(&s, t, ecosystem, err) == -1 ||
	    (v = match_comp_version(&c, s, err)) == NULL)
		goto out;
	rc = match_eval_events(out, ev, nev, (int)s, v, err);
out:
	match_comp_dispose(&c);
	return rc;
}
