/* ec_trivy_java: Maven components of CycloneDX and SPDX SBOMs. */
#include <ctype.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_trivy_java.h"

struct java_walk {
	ec_trivy_jar_fn	*fn;
	void		*arg;
	size_t		 seen;
};

static int
java_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decode [s, s + len) into out (EC_TRIVY_JAVA_MAX_COORD + 1). */
static int
java_decode(char *out, const char *s, size_t len)
{
	size_t	i, n = 0;
	int	hi, lo;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (n == EC_TRIVY_JAVA_MAX_COORD)
			return -1;
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len)
			return -1;
		if ((hi = java_hexval((unsigned char)s[i + 1])) < 0 ||
		    (lo = java_hexval((unsigned char)s[i + 2])) < 0 ||
		    (hi == 0 && lo == 0))
			return -1;
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[n] = '\0';
	return 0;
}

int
ec_trivy_java_purl(const char *purl, char *group, char *artifact,
    char *version)
{
	const char	*p, *slash, *at, *end;

	if (strncmp(purl, "pkg:maven/", 10) != 0)
		return -1;
	p = purl + 10;
	end = p + strcspn(p, "?#");
	if ((at = memchr(p, '@', (size_t)(end - p))) == NULL)
		return -1;
	/* The name is the last segment before '@'; the namespace the rest. */
	for (slash = at; slash > p && slash[-1] != '/'; slash--)
		;
	if (slash == p)
		return -1;
	return java_decode(group, p, (size_t)(slash - 1 - p)) == -1 ||
	    java_decode(artifact, slash, (size_t)(at - slash)) == -1 ||
	    java_decode(version, at + 1, (size_t)(end - at - 1)) == -1 ?
	    -1 : 0;
}

/* The SHA-1 in "list" (objects with name_key == alg), or -1. */
static int
java_sha1(uint8_t out[20], const json_t *list, const char *name_key,
    const char *alg, const char *value_key)
{
	const json_t	*e;
	const char	*v;
	size_t		 i;

	json_array_foreach(list, i, e) {
		v = json_string_value(json_object_get(e, name_key));
		if (v == NULL || strcmp(v, alg) != 0)
			continue;
		v = json_string_value(json_object_get(e, value_key));
		if (v != NULL && strlen(v) == 40 &&
		    ec_hex_decode(out, 20, v, 40) == 0)
			return 0;
	}
	return -1;
}

static int
java_emit(struct java_walk *w, const char *purl, const uint8_t sha1[20],
    struct ec_err *err)
{
	char			g[EC_TRIVY_JAVA_MAX_COORD + 1];
	char			a[EC_TRIVY_JAVA_MAX_COORD + 1];
	char			v[EC_TRIVY_JAVA_MAX_COORD + 1];
	struct ec_trivy_jar	j;

	if (purl == NULL || ec_trivy_java_purl(purl, g, a, v) == -1)
		return 0;
	j.group = g;
	j.artifact = a;
	j.version = v;
	memcpy(j.sha1, sha1, sizeof(j.sha1));
	return w->fn(w->arg, &j, err);
}

static int
java_cdx(struct java_walk *w, const json_t *list, int depth,
    struct ec_err *err)
{
	const json_t	*c;
	uint8_t		 sha1[20];
	size_t		 i;
	int		 rc;

	if (depth > EC_TRIVY_JAVA_MAX_DEPTH)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "SBOM components nest deeper than %d",
		    EC_TRIVY_JAVA_MAX_DEPTH);
	json_array_foreach(list, i, c) {
		if (++w->seen > EC_TRIVY_JAVA_MAX_COMPONENTS)
			return ec_err_set(err, EC_ERR_TOO_LARGE,
			    "SBOM has more than %d components",
			    EC_TRIVY_JAVA_MAX_COMPONENTS);
		if (java_sha1(sha1, json_object_get(c, "hashes"), "alg",
		    "SHA-1", "content") == 0 && (rc = java_emit(w,
		    json_string_value(json_object_get(c, "purl")), sha1,
		    err)) != 0)
			return rc;
		if ((rc = java_cdx(w, json_object_get(c, "components"),
		    depth + 1, err)) != 0)
			return rc;
	}
	return 0;
}

static int
java_spdx(struct java_walk *w, const json_t *list, struct ec_err *err)
{
	const json_t	*p, *r;
	const char	*t;
	uint8_t		 sha1[20];
	size_t		 i, k;
	int		 rc;

	json_array_foreach(list, i, p) {
		if (++w->seen > EC_TRIVY_JAVA_MAX_COMPONENTS)
			return ec_err_set(err, EC_ERR_TOO_LARGE,
			    "SBOM has more than %d packages",
			    EC_TRIVY_JAVA_MAX_COMPONENTS);
		if (java_sha1(sha1, json_object_get(p, "checksums"),
		    "algorithm", "SHA1", "checksumValue") == -1)
			continue;
		json_array_foreach(json_object_get(p, "externalRefs"), k, r) {
			t = json_string_value(json_object_get(r,
			    "referenceType"));
			if (t == NULL || strcmp(t, "purl") != 0)
				continue;
			if ((rc = java_emit(w, json_string_value(
			    json_object_get(r, "referenceLocator")), sha1,
			    err)) != 0)
				return rc;
		}
	}
	return 0;
}

int
ec_trivy_java_each(const json_t *sbom, ec_trivy_jar_fn *fn, void *arg,
    struct ec_err *err)
{
	struct java_walk	w = { fn, arg, 0 };
	const json_t		*meta;
	int			 rc;

	/* CycloneDX lists the described component apart from the rest. */
	meta = json_object_get(json_object_get(sbom, "metadata"),
	    "component");
	if (meta != NULL) {
		json_t	*one = json_array();

		if (one == NULL ||
		    json_array_append(one, (json_t *)meta) == -1) {
			json_decref(one);
			return ec_err_nomem(err);
		}
		rc = java_cdx(&w, one, 0, err);
		json_decref(one);
		if (rc != 0)
			return rc;
	}
	if ((rc = java_cdx(&w, json_object_get(sbom, "components"), 0,
	    err)) != 0)
		return rc;
	return java_spdx(&w, json_object_get(sbom, "packages"), err);
}
