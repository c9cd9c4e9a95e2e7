/*
 * ec_findings: the run (match index, advisory facts, VEX set) behind the
 * json:policy profile; SBOMs are evaluated in ec_findings_sbom.c.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_findings_int.h"
#include "ec_limits.h"
#include "ec_trivy_int.h"

int
fx_table_new(struct ec_hmap **out, struct ec_err *err)
{
	return ec_hmap_new(out, EC_HMAP_STR, sizeof(void *), EC_HMAP_MAX_KEYS,
	    err);
}

void *
fx_table_get(const struct ec_hmap *t, const char *key)
{
	void	**v = ec_hmap_get(t, key);

	return v == NULL ? NULL : *v;
}

int
fx_table_put(struct ec_hmap *t, const char *key, void *val,
    struct ec_err *err)
{
	void	*v;
	int	 rc;

	if ((rc = ec_hmap_put(&v, t, key, err)) == 1)
		*(void **)v = val;
	return rc == -1 ? -1 : 0;
}

void
fx_table_free(struct ec_hmap *t, bool free_vals)
{
	void	*v;
	size_t	 iter = 0;

	if (t == NULL)
		return;
	while (free_vals && ec_hmap_next(NULL, &v, t, &iter))
		free(*(void **)v);
	ec_hmap_free(t);
}

int
ec_findings_new(struct ec_findings **out, const struct ec_policy *pol,
    int64_t snapshot_us, struct ec_err *err)
{
	struct ec_findings	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return ec_err_nomem(err);
	f->pol = pol;
	f->snapshot_us = snapshot_us;
	if (ec_match_index_new(&f->ix, err) == -1 ||
	    ec_vex_set_new(&f->vex, err) == -1 ||
	    fx_table_new(&f->facts, err) == -1 ||
	    fx_table_new(&f->vex_used, err) == -1 ||
	    fx_table_new(&f->names, err) == -1) {
		ec_findings_free(f);
		return -1;
	}
	*out = f;
	return 0;
}

void
ec_findings_free(struct ec_findings *f)
{
	if (f == NULL)
		return;
	ec_match_index_free(f->ix);
	ec_vex_set_free(f->vex);
	fx_table_free(f->facts, true);
	fx_table_free(f->vex_used, true);
	fx_table_free(f->names, true);
	free(f);
}

size_t
ec_findings_refused(const struct ec_findings *f)
{
	return f->refused;
}

size_t
ec_findings_skipped(const struct ec_findings *f)
{
	return f->skipped;
}

void
fx_loose(char *out, const char *name, size_t len)
{
	size_t	i, n = 0;
	char	c;

	for (i = 0; i < len; i++) {
		c = name[i];
		if (c == '-' || c == '_' || c == '.') {
			if (n > 0 && out[n - 1] == '-')
				continue;
			c = '-';
		} else if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		out[n++] = c;
	}
	out[n] = '\0';
}

int
fx_set_add(struct ec_hmap *t, const char *name, struct ec_err *err)
{
	char	*copy;

	if (fx_table_get(t, name) != NULL)
		return 0;
	if ((copy = strdup(name)) == NULL)
		return ec_err_nomem(err);
	if (fx_table_put(t, copy, copy, err) == -1) {
		free(copy);
		return -1;
	}
	return 0;
}

/* Past JSON whitespace from "p"; "end" when it runs out. */
static const char *
fx_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/*
 * Does the advisory name a wanted package?  Every string value of a
 * "name" member counts, which may say yes too often (a credit's name),
 * never no too often; an escaped name is a yes, unread.  Whitespace is
 * allowed around the colon, so documents need not be canonical.
 */
static bool
fx_wanted(const struct ec_findings *f, const char *doc, size_t len)
{
	static const char	 key[] = "\"name\"";
	const char		*p = doc, *end = doc + len, *q;
	char			 buf[EC_MAX_ID_LEN + 1];

	while ((p = memchr(p, '"', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) < sizeof(key) - 1 ||
		    memcmp(p, key, sizeof(key) - 1) != 0) {
			p++;
			continue;
		}
		p = fx_ws(p + sizeof(key) - 1, end);
		if (p == end || *p != ':')
			continue;
		p = fx_ws(p + 1, end);
		if (p == end || *p != '"')
			continue;
		p++;
		if ((q = memchr(p, '"', (size_t)(end - p))) == NULL)
			return true;
		if ((size_t)(q - p) > EC_MAX_ID_LEN ||
		    memchr(p, '\\', (size_t)(q - p)) != NULL)
			return true;
		fx_loose(buf, p, (size_t)(q - p));
		if (fx_table_get(f->names, buf) != NULL)
			return true;
		p = q;
	}
	return false;
}

const char *
fx_facts_alias(const struct fx_facts *fa, size_t i)
{
	const char	*s = fa->text + strlen(fa->text) + 1;

	while (i-- > 0)
		s += strlen(s) + 1;
	return s;
}

bool
fx_facts_fixed(const struct fx_facts *fa, const char *name)
{
	const char	*s = fx_facts_alias(fa, fa->naliases);
	size_t		 i;

	for (i = 0; i < fa->nfixed; i++, s += strlen(s) + 1)
		if (strcmp(s, name) == 0)
			return true;
	return false;
}

/* GHSA's database_specific.severity words, and CVSS v3's ratings. */
static enum ec_policy_severity
fx_severity_word(const char *s)
{
	enum ec_policy_severity	sev;

	if (strcmp(s, "MODERATE") == 0)
		return EC_SEV_MEDIUM;
	if (strcmp(s, "CRITICAL") == 0)
		return EC_SEV_CRITICAL;
	if (strcmp(s, "HIGH") == 0)
		return EC_SEV_HIGH;
	if (strcmp(s, "MEDIUM") == 0)
		return EC_SEV_MEDIUM;
	if (strcmp(s, "LOW") == 0)
		return EC_SEV_LOW;
	if (ec_policy_severity_parse(&sev, s))
		return sev;
	return EC_SEV_UNKNOWN;
}

static enum ec_policy_severity
fx_severity_score(double s)
{
	if (s >= 9.0)
		return EC_SEV_CRITICAL;
	if (s >= 7.0)
		return EC_SEV_HIGH;
	if (s >= 4.0)
		return EC_SEV_MEDIUM;
	if (s > 0.0)
		return EC_SEV_LOW;
	return EC_SEV_NONE;
}

/*
 * The highest CVSS v3 base score of "severity" (v2 only when there is no
 * v3), and the severity: the database's own word when it gives one, else
 * the score's rating.  Vectors that do not parse are ignored.
 */
static void
fx_score(struct fx_facts *fa, const json_t *adv)
{
	const json_t	*sev = json_object_get(adv, "severity"), *e, *ds;
	const char	*type, *vec;
	double		 s, v3 = -1, v2 = -1;
	size_t		 i;

	json_array_foreach(sev, i, e) {
		type = json_string_value(json_object_get(e, "type"));
		vec = json_string_value(json_object_get(e, "score"));
		if (type == NULL || vec == NULL)
			continue;
		if (strcmp(type, "CVSS_V3") == 0 &&
		    trivy_cvss_score(&s, TRIVY_CVSS_V3, vec) && s > v3)
			v3 = s;
		else if (strcmp(type, "CVSS_V2") == 0 &&
		    trivy_cvss_score(&s, TRIVY_CVSS_V2, vec) && s > v2)
			v2 = s;
	}
	fa->cvss = v3 >= 0 ? v3 : v2;
	fa->severity = EC_SEV_UNKNOWN;
	ds = json_object_get(json_object_get(adv, "database_specific"),
	    "severity");
	if (json_is_string(ds))
		fa->severity = fx_severity_word(json_string_value(ds));
	if (fa->severity == EC_SEV_UNKNOWN && fa->cvss >= 0)
		fa->severity = fx_severity_score(fa->cvss);
}

/* Does an affected entry name a fixed version in one of its ranges? */
static bool
fx_has_fix(const json_t *aff)
{
	const json_t	*r, *e;
	size_t		 i, j;

	json_array_foreach(json_object_get(aff, "ranges"), i, r)
		json_array_foreach(json_object_get(r, "events"), j, e)
			if (json_is_string(json_object_get(e, "fixed")))
				return true;
	return false;
}

/* Sum the bytes of the strings kept, or copy them when "fa" is set. */
static size_t
fx_pack(struct fx_facts *fa, const json_t *adv)
{
	const json_t	*a, *aff;
	const char	*s;
	size_t		 i, len = 0, n;

#define FX_ADD(str) do {						\
	n = strlen(str) + 1;						\
	if (fa != NULL)							\
		memcpy(fa->text + len, (str), n);			\
	len += n;							\
} while (0)
	FX_ADD(json_string_value(json_object_get(adv, "id")));
	json_array_foreach(json_object_get(adv, "aliases"), i, a) {
		if ((s = json_string_value(a)) == NULL || i >= FX_MAX_ALIASES)
			continue;
		FX_ADD(s);
		if (fa != NULL)
			fa->naliases++;
	}
	json_array_foreach(json_object_get(adv, "affected"), i, aff) {
		s = json_string_value(json_object_get(json_object_get(aff,
		    "package"), "name"));
		if (s == NULL || !fx_has_fix(aff) || i >= UINT16_MAX)
			continue;
		FX_ADD(s);
		if (fa != NULL)
			fa->nfixed++;
	}
#undef FX_ADD
	return len;
}

int
ec_findings_add_advisory(struct ec_findings *f, const char *doc, size_t len,
    struct ec_err *err)
{
	struct fx_facts	*fa = NULL;
	struct ec_err	 ign;
	json_error_t	 jerr;
	json_t		*adv;
	int		 rc = 0;

	if (f->filter && !fx_wanted(f, doc, len)) {
		f->skipped++;
		return 0;
	}
	if ((adv = json_loadb(doc, len, 0, &jerr)) == NULL) {
		f->refused++;
		goto out;
	}
	if (ec_match_index_add(f->ix, adv, &ign) == -1) {
		if (ign.code == EC_ERR_NOMEM)
			rc = ec_err_nomem(err);
		f->refused++;
		goto out;
	}
	/* Indexed advisories have a string id; the first one's facts win. */
	if (fx_table_get(f->facts,
	    json_string_value(json_object_get(adv, "id"))) != NULL)
		goto out;
	if ((fa = calloc(1, sizeof(*fa) + fx_pack(NULL, adv))) == NULL) {
		rc = ec_err_nomem(err);
		goto out;
	}
	(void)fx_pack(fa, adv);
	fx_score(fa, adv);
	if ((rc = fx_table_put(f->facts, fa->text, fa, err)) == 0)
		fa = NULL;
out:
	free(fa);
	json_decref(adv);
	return rc;
}

int
ec_findings_add_vex(struct ec_findings *f, const char *doc, size_t len,
    const char *name, struct ec_err *err)
{
	struct ec_err	 ign;
	json_error_t	 jerr;
	json_t		*v;
	int		 rc = 0;

	if ((v = json_loadb(doc, len, 0, &jerr)) == NULL)
		f->refused++;
	else if (ec_vex_add(f->vex, v, name, &ign) == -1) {
		if (ign.code == EC_ERR_NOMEM)
			rc = ec_err_nomem(err);
		f->refused++;
	}
	json_decref(v);
	return rc;
}

int
fx_vex_use(struct ec_findings *f, const char *name, struct ec_err *err)
{
	return fx_set_add(f->vex_used, name, err);
}

bool
ec_findings_used_advisory(const struct ec_findings *f, const char *id)
{
	const struct fx_facts	*fa = fx_table_get(f->facts, id);

	return fa != NULL && fa->used;
}

bool
ec_findings_used_vex(const struct ec_findings *f, const char *name)
{
	return fx_table_get(f->vex_used, name) != NULL;
}
