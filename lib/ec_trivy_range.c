/*
 * ec_trivy_range: OSV ranges as Trivy's version constraints
 * (specs/trivy-db.md section 2.7; trivy-db pkg/vulnsrc/osv/range.go and
 * ghsa.go), and the small helpers the converter shares.
 */
#include <stdio.h>
#include <string.h>

#include "ec_trivy.h"
#include "ec_trivy_int.h"

/* A string member usable as a name: no NUL, 1 to EC_TRIVY_MAX_NAME. */
const char *
trivy_get_name(const json_t *obj, const char *member)
{
	const json_t	*v = json_object_get(obj, member);
	size_t		 len;

	if (!json_is_string(v))
		return NULL;
	len = json_string_length(v);
	if (len == 0 || len > EC_TRIVY_MAX_NAME ||
	    strlen(json_string_value(v)) != len)
		return NULL;
	return json_string_value(v);
}

int
trivy_append_unique(json_t *arr, const char *s, struct ec_err *err)
{
	size_t	i;

	for (i = 0; i < json_array_size(arr); i++)
		if (strcmp(json_string_value(json_array_get(arr, i)), s) == 0)
			return 0;
	if (json_array_append_new(arr, json_string(s)) == -1)
		return ec_err_nomem(err);
	return 0;
}

/* One vulnerable range being read (trivy-db osv/range.go, versionRange). */
struct vrange {
	const char	*from;	/* NULL: introduced "0", no bound */
	const char	*fixed;
	const char	*last;
};

/*
 * GHSA's last_known_affected_version_range ("< 2.1.3", "<= 0.5") as the
 * upper bound Trivy writes ("<2.1.3"), or NULL if it is not one.
 */
static bool
last_known(char *out, size_t size, const json_t *aff)
{
	const char	*s, *op;

	s = json_string_value(json_object_get(json_object_get(aff,
	    "database_specific"), "last_known_affected_version_range"));
	if (s == NULL || s[0] != '<')
		return false;
	op = s[1] == '=' ? "<=" : "<";
	s += strlen(op);
	while (*s == ' ')
		s++;
	if (*s == '\0' || strchr(s, ' ') != NULL || strlen(s) + 3 > size)
		return false;
	snprintf(out, size, "%s%s", op, s);
	return true;
}

/* Section 2.7: one range as a constraint string. */
static int
range_emit(json_t *vulnerable, const struct vrange *r, const char *lkav,
    struct ec_err *err)
{
	char		 buf[3 * EC_TRIVY_MAX_NAME + 16];
	char		 lower[EC_TRIVY_MAX_NAME + 8];
	const char	*from = r->from;

	lower[0] = '\0';
	if (from != NULL)
		snprintf(lower, sizeof(lower), ">=%s, ", from);
	if (r->last != NULL && from != NULL && strcmp(from, r->last) == 0)
		snprintf(buf, sizeof(buf), "=%s", from);
	else if (r->last != NULL)
		snprintf(buf, sizeof(buf), "%s<=%s", lower, r->last);
	else if (r->fixed != NULL)
		snprintf(buf, sizeof(buf), "%s<%s", lower, r->fixed);
	else if (lkav != NULL)
		snprintf(buf, sizeof(buf), "%s%s", lower, lkav);
	else
		snprintf(buf, sizeof(buf), ">=%s", from != NULL ? from : "0");
	return trivy_append_unique(vulnerable, buf, err);
}

static const char *
event_value(const json_t *ev, const char *what)
{
	const char	*s = trivy_get_name(ev, what);

	return s != NULL && strlen(s) <= EC_TRIVY_MAX_NAME ? s : NULL;
}

/*
 * The ranges of one affected entry (osv.go, parseAffected): GIT ranges
 * are ignored (2.13), every "fixed" is also a PatchedVersion, and listed
 * versions count only when no range could be read.  *fixed_out is the
 * last fixed version, for OS buckets.  Returns the number of ranges read.
 */
int
trivy_ranges(size_t *used_out, const json_t *aff, json_t *vulnerable,
    json_t *patched, const char **fixed_out, struct ec_err *err)
{
	const json_t	*ranges = json_object_get(aff, "ranges"), *rg, *evs;
	const json_t	*versions, *ev;
	const char	*type, *v, *lkav = NULL;
	char		 lk[EC_TRIVY_MAX_NAME + 8];
	char		 buf[EC_TRIVY_MAX_NAME + 2];
	struct vrange	 r;
	bool		 have;
	size_t		 i, j;

	*used_out = 0;
	if (last_known(lk, sizeof(lk), aff))
		lkav = lk;
	for (i = 0; i < json_array_size(ranges); i++) {
		rg = json_array_get(ranges, i);
		type = json_string_value(json_object_get(rg, "type"));
		if (type == NULL || (strcmp(type, "ECOSYSTEM") != 0 &&
		    strcmp(type, "SEMVER") != 0))
			continue;
		evs = json_object_get(rg, "events");
		have = false;
		memset(&r, 0, sizeof(r));
		for (j = 0; j < json_array_size(evs); j++) {
			ev = json_array_get(evs, j);
			if ((v = event_value(ev, "introduced")) != NULL) {
				if (have && range_emit(vulnerable, &r, lkav,
				    err) == -1)
					return -1;
				memset(&r, 0, sizeof(r));
				r.from = strcmp(v, "0") == 0 ? NULL : v;
			} else if ((v = event_value(ev, "fixed")) != NULL) {
				if (trivy_append_unique(patched, v, err) == -1)
					return -1;
				r.fixed = v;
				*fixed_out = v;
			} else if ((v = event_value(ev, "last_affected")) !=
			    NULL)
				r.last = v;
			else
				continue;
			have = true;
		}
		if (have && range_emit(vulnerable, &r, lkav, err) == -1)
			return -1;
		if (have)
			(*used_out)++;
	}
	versions = json_object_get(aff, "versions");
	for (i = 0; *used_out == 0 && i < json_array_size(versions); i++) {
		v = json_string_value(json_array_get(versions, i));
		if (v == NULL || *v == '\0' || strlen(v) > EC_TRIVY_MAX_NAME)
			continue;
		snprintf(buf, sizeof(buf), "=%s", v);
		if (trivy_append_unique(vulnerable, buf, err) == -1)
			return -1;
	}
	if (*used_out == 0 && json_array_size(vulnerable) > 0)
		*used_out = 1;
	return 0;
}

/* Go: OSes and Arches from ecosystem_specific.imports (2.13). */
int
trivy_go_platforms(json_t *adv, const json_t *aff, struct ec_err *err)
{
	static const char *const from[] = { "goos", "goarch" };
	static const char *const to[] = { "OSes", "Arches" };
	const json_t	*imports, *list;
	json_t		*dst;
	const char	*s;
	size_t		 i, j, k;

	imports = json_object_get(json_object_get(aff, "ecosystem_specific"),
	    "imports");
	for (k = 0; k < 2; k++) {
		for (i = 0; i < json_array_size(imports) &&
		    i < EC_TRIVY_MAX_RANGES; i++) {
			list = json_object_get(json_array_get(imports, i),
			    from[k]);
			for (j = 0; j < json_array_size(list) &&
			    j < EC_TRIVY_MAX_RANGES; j++) {
				s = json_string_value(json_array_get(list, j));
				if (s == NULL || strlen(s) > EC_TRIVY_MAX_NAME)
					continue;
				if ((dst = json_object_get(adv, to[k])) ==
				    NULL && (json_object_set_new(adv, to[k],
				    json_array()) == -1 ||
				    (dst = json_object_get(adv, to[k])) ==
				    NULL))
					return ec_err_nomem(err);
				if (trivy_append_unique(dst, s, err) == -1)
					return -1;
			}
		}
	}
	return 0;
}
