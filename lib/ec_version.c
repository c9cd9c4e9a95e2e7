/*
 * ec_version: the ecosystem table, the value type and the SemVer family
 * (SemVer 2.0.0, Go module versions, NuGet).  The other schemes live in
 * ec_version_pep440.c, ec_version_maven.c, ec_version_php.c and
 * ec_version_os.c (RPM and Debian through their own libraries).
 */
#include <stdlib.h>
#include <string.h>

#include "ec_version.h"
#include "ec_version_int.h"

struct ec_version {
	enum ec_version_scheme	 scheme;
	char			*text;	/* owned, NUL-terminated */
	void			*rep;	/* owned by the scheme's ops */
};

static const struct version_ops	*const version_ops_of[] = {
	[EC_VERSION_SEMVER] = &version_semver_ops,
	[EC_VERSION_GO] = &version_go_ops,
	[EC_VERSION_PEP440] = &version_pep440_ops,
	[EC_VERSION_MAVEN] = &version_maven_ops,
	[EC_VERSION_RUBYGEMS] = &version_rubygems_ops,
	[EC_VERSION_NUGET] = &version_nuget_ops,
	[EC_VERSION_PACKAGIST] = &version_packagist_ops,
	[EC_VERSION_RPM] = &version_rpm_ops,
	[EC_VERSION_DEBIAN] = &version_debian_ops,
};

/*
 * OSV ecosystem names (ossf.github.io/osv-schema, "Defined ecosystems"),
 * compared before any ':' suffix.  Bitnami publishes SemVer versions of
 * upstream releases.
 */
static const struct {
	const char		*name;
	enum ec_version_scheme	 scheme;
} version_ecosystems[] = {
	{ "AlmaLinux", EC_VERSION_RPM },
	{ "Bitnami", EC_VERSION_SEMVER },
	{ "Debian", EC_VERSION_DEBIAN },
	{ "Go", EC_VERSION_GO },
	{ "Hex", EC_VERSION_SEMVER },
	{ "Maven", EC_VERSION_MAVEN },
	{ "NuGet", EC_VERSION_NUGET },
	{ "Packagist", EC_VERSION_PACKAGIST },
	{ "Pub", EC_VERSION_SEMVER },
	{ "PyPI", EC_VERSION_PEP440 },
	{ "Red Hat", EC_VERSION_RPM },
	{ "Rocky Linux", EC_VERSION_RPM },
	{ "RubyGems", EC_VERSION_RUBYGEMS },
	{ "Ubuntu", EC_VERSION_DEBIAN },
	{ "crates.io", EC_VERSION_SEMVER },
	{ "npm", EC_VERSION_SEMVER },
};

int
ec_version_scheme_of(enum ec_version_scheme *out, const char *ecosystem,
    struct ec_err *err)
{
	const char	*colon;
	size_t		 i, len;

	colon = strchr(ecosystem, ':');
	len = colon != NULL ? (size_t)(colon - ecosystem) : strlen(ecosystem);
	for (i = 0; i < sizeof(version_ecosystems) /
	    sizeof(version_ecosystems[0]); i++) {
		if (strlen(version_ecosystems[i].name) == len &&
		    memcmp(version_ecosystems[i].name, ecosystem, len) == 0) {
			*out = version_ecosystems[i].scheme;
			return 0;
		}
	}
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "ecosystem \"%.*s\" has no version order here",
	    len > 64 ? 64 : (int)len, ecosystem);
}

const char *
ec_version_scheme_name(enum ec_version_scheme scheme)
{
	if ((unsigned)scheme >= EC_VERSION_SCHEME_COUNT)
		return "unknown";
	return version_ops_of[scheme]->name;
}

int
ec_version_parse(struct ec_version **out, enum ec_version_scheme scheme,
    const char *p, size_t len, struct ec_err *err)
{
	const struct version_ops	*ops;
	struct ec_version		*v;
	size_t				 i;

	if ((unsigned)scheme >= EC_VERSION_SCHEME_COUNT)
		return ec_err_set(err, EC_ERR_INTERNAL, "bad version scheme");
	ops = version_ops_of[scheme];
	if (len == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s version: empty", ops->name);
	if (len > EC_VERSION_MAX_LEN)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s version: longer than %d bytes", ops->name,
		    EC_VERSION_MAX_LEN);
	/* Every grammar here is printable ASCII; this also keeps NULs out. */
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] < 0x20 || (unsigned char)p[i] > 0x7e)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s version: byte 0x%02x at offset %zu", ops->name,
			    (unsigned char)p[i], i);
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->text = malloc(len + 1)) == NULL) {
		free(v);
		return ec_err_nomem(err);
	}
	memcpy(v->text, p, len);
	v->text[len] = '\0';
	v->scheme = scheme;
	if (ops->parse(&v->rep, v->text, len, err) == -1) {
		free(v->text);
		free(v);
		if (err != NULL && err->code == EC_ERR_REQUEST_INVALID)
			return ec_err_prefix(err, "%s version", ops->name);
		return -1;
	}
	*out = v;
	return 0;
}

int
ec_version_cmp(const struct ec_version *a, const struct ec_version *b)
{
	if (a->scheme != b->scheme)
		return a->scheme < b->scheme ? -1 : 1;
	return version_sign(version_ops_of[a->scheme]->cmp(a->rep, b->rep));
}

int
ec_version_compare(int *out, enum ec_version_scheme scheme, const char *a,
    const char *b, struct ec_err *err)
{
	struct ec_version	*va = NULL, *vb = NULL;
	int			 rc = -1;

	if (ec_version_parse(&va, scheme, a, strlen(a), err) == -1 ||
	    ec_version_parse(&vb, scheme, b, strlen(b), err) == -1)
		goto out;
	*out = ec_version_cmp(va, vb);
	rc = 0;
out:
	ec_version_free(va);
	ec_version_free(vb);
	return rc;
}

enum ec_version_scheme
ec_version_scheme(const struct ec_version *v)
{
	return v->scheme;
}

const char *
ec_version_text(const struct ec_version *v)
{
	return v->text;
}

void
ec_version_free(struct ec_version *v)
{
	if (v == NULL)
		return;
	version_ops_of[v->scheme]->free(v->rep);
	free(v->text);
	free(v);
}

int
version_sign(int v)
{
	return v < 0 ? -1 : v > 0;
}

bool
version_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool
version_alnum(char c)
{
	return version_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

bool
version_all_digits(const char *p, size_t len)
{
	size_t	i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

int
version_numcmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int	c;

	while (alen > 1 && *a == '0')
		a++, alen--;
	while (blen > 1 && *b == '0')
		b++, blen--;
	if (alen != blen)
		return alen < blen ? -1 : 1;
	c = memcmp(a, b, alen);
	return version_sign(c);
}

int
version_bytecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int	c;

	c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return version_sign(c);
	return alen < blen ? -1 : alen > blen;
}

static char
version_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

int
version_casecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t	i;
	char	ca, cb;

	for (i = 0; i < alen && i < blen; i++) {
		ca = version_lower(a[i]);
		cb = version_lower(b[i]);
		if (ca != cb)
			return (unsigned char)ca < (unsigned char)cb ? -1 : 1;
	}
	return alen < blen ? -1 : alen > blen;
}

/* SemVer 2.0.0 and its relatives. */

struct vslice {
	const char	*p;
	size_t		 len;
};

struct semver {
	struct vslice	num[4];	/* major, minor, patch, NuGet's revision */
	size_t		npre;
	bool		fold;	/* NuGet: labels ignore ASCII case */
	struct vslice	pre[];	/* one more than the text has dots */
};

enum semver_dialect {
	SEMVER_STRICT,		/* semver.org 2.0.0 */
	SEMVER_GO,		/* an optional "v"; build only +incompatible */
	SEMVER_NUGET		/* 1 to 4 numbers, leading zeros allowed */
};

static bool
semver_ident_char(char c)
{
	return version_alnum(c) || c == '-';
}

/*
 * Split [p, end) at dots into identifiers of [0-9A-Za-z-]+ (SemVer 9 and
 * 10); "strict" refuses numeric ones with a leading zero.  ids may be NULL
 * (build metadata is checked, not kept).
 */
static int
semver_idents(struct vslice *ids, size_t *n_out, const char *p,
    const char *end, bool strict, const char *what, struct ec_err *err)
{
	const char	*q;
	size_t		 n = 0;

	for (;;) {
		for (q = p; q < end && *q != '.'; q++)
			if (!semver_ident_char(*q))
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "bad character in %s", what);
		if (q == p)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "empty %s identifier", what);
		if (strict && q - p > 1 && *p == '0' &&
		    version_all_digits(p, (size_t)(q - p)))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "numeric %s identifier with a leading zero", what);
		if (ids != NULL)
			ids[n] = (struct vslice){ p, (size_t)(q - p) };
		n++;
		if (q == end)
			break;
		p = q + 1;
	}
	*n_out = n;
	return 0;
}

/* The dot-separated numbers that open every version of the family. */
static const char *
semver_numbers(struct semver *sv, const char *p, const char *end,
    enum semver_dialect d, struct ec_err *err)
{
	const char	*q;
	size_t		 n = 0, min = d == SEMVER_NUGET ? 1 : 3;
	size_t		 max = d == SEMVER_NUGET ? 4 : 3;

	for (;;) {
		for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
			;
		if (q == p || n == max) {
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "expected %zu to %zu dot-separated numbers", min,
			    max);
			return NULL;
		}
		if (d != SEMVER_NUGET && q - p > 1 && *p == '0') {
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "number with a leading zero");
			return NULL;
		}
		sv->num[n++] = (struct vslice){ p, (size_t)(q - p) };
		p = q;
		if (p == end || *p != '.')
			break;
		p++;
	}
	if (n < min) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "expected %zu to %zu dot-separated numbers", min, max);
		return NULL;
	}
	for (; n < 4; n++)
		sv->num[n] = (struct vslice){ "0", 1 };
	return p;
}

static int
semver_parse_as(void **rep_out, const char *s, size_t len,
    enum semver_dialect d, struct ec_err *err)
{
	struct semver	*sv;
	const char	*p = s, *end = s + len, *q;
	size_t		 n, dots = 0;

	/* Sized to the text: lookups parse many versions, most short. */
	for (q = s; q < end; q++)
		dots += *q == '.';
	if ((sv = malloc(sizeof(*sv) + (dots + 1) * sizeof(sv->pre[0]))) ==
	    NULL)
		return ec_err_nomem(err);
	sv->npre = 0;
	sv->fold = d == SEMVER_NUGET;
	if (d == SEMVER_GO && p < end && *p == 'v')
		p++;
	if ((p = semver_numbers(sv, p, end, d, err)) == NULL)
		goto fail;
	if (p < end && *p == '-') {
		for (q = ++p; q < end && *q != '+'; q++)
			;
		if (semver_idents(sv->pre, &sv->npre, p, q,
		    d != SEMVER_NUGET, "pre-release", err) == -1)
			goto fail;
		p = q;
	}
	if (p < end && *p == '+') {
		p++;
		/* go.dev/ref/mod#incompatible-versions */
		if (d == SEMVER_GO && ((size_t)(end - p) != 12 ||
		    memcmp(p, "incompatible", 12) != 0)) {
			ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "build metadata other than +incompatible");
			goto fail;
		}
		if (semver_idents(NULL, &n, p, end, false, "build", err) == -1)
			goto fail;
		p = end;
	}
	if (p != end) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "unexpected character at offset %zu", (size_t)(p - s));
		goto fail;
	}
	*rep_out = sv;
	return 0;
fail:
	free(sv);
	return -1;
}

/* SemVer 11.4: numeric identifiers order numerically and before others. */
static int
semver_ident_cmp(const struct vslice *a, const struct vslice *b, bool fold)
{
	bool	an, bn;

	an = version_all_digits(a->p, a->len);
	bn = version_all_digits(b->p, b->len);
	if (an && bn)
		return version_numcmp(a->p, a->len, b->p, b->len);
	if (an != bn)
		return an ? -1 : 1;
	if (fold)
		return version_casecmp(a->p, a->len, b->p, b->len);
	return version_bytecmp(a->p, a->len, b->p, b->len);
}

/* SemVer 11: numbers, then a pre-release orders before its release. */
static int
semver_cmp(const void *va, const void *vb)
{
	const struct semver	*a = va, *b = vb;
	size_t			 i;
	int			 c;

	for (i = 0; i < 4; i++)
		if ((c = version_numcmp(a->num[i].p, a->num[i].len,
		    b->num[i].p, b->num[i].len)) != 0)
			return c;
	if (a->npre == 0 || b->npre == 0)
		return a->npre != 0 ? -1 : b->npre != 0;
	for (i = 0; i < a->npre && i < b->npre; i++)
		if ((c = semver_ident_cmp(&a->pre[i], &b->pre[i],
		    a->fold)) != 0)
			return c;
	return a->npre < b->npre ? -1 : a->npre > b->npre;
}

static int
semver_parse(void **rep_out, const char *s, size_t len, struct ec_err *err)
{
	return semver_parse_as(rep_out, s, len, SEMVER_STRICT, err);
}

static int
semver_parse_go(void **rep_out, const char *s, size_t len,
    struct ec_err *err)
{
	return semver_parse_as(rep_out, s, len, SEMVER_GO, err);
}

static int
semver_parse_nuget(void **rep_out, const char *s, size_t len,
    struct ec_err *err)
{
	return semver_parse_as(rep_out, s, len, SEMVER_NUGET, err);
}

const struct version_ops version_semver_ops = {
	"semver", semver_parse, semver_cmp, free
};
const struct version_ops version_go_ops = {
	"go", semver_parse_go, semver_cmp, free
};
const struct version_ops version_nuget_ops = {
	"nuget", semver_parse_nuget, semver_cmp, free
};
