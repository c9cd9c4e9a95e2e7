/*
 * ec_version_os: the distributions' version orders through the
 * distributions' own code: librpm's rpmverCmp (rpmvercmp on epoch,
 * version and release) and libdpkg's parseversion and
 * dpkg_version_compare.  This file only checks the grammar the libraries
 * are lenient about and keeps their results in memory we own.
 */
#define LIBDPKG_VOLATILE_API 1

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dpkg/dpkg.h>
#include <dpkg/dpkg-db.h>
#include <dpkg/error.h>
#include <dpkg/version.h>
#include <rpm/rpmver.h>

#include "ec_version_int.h"

/*
 * rpm's rpmCharCheck (build/parseSpec) allows these in Version and
 * Release; '-' separates the two, and ':' ends the epoch.
 */
static bool
rpm_char(char c)
{
	return version_alnum(c) || strchr("._+~^", c) != NULL;
}

/*
 * [epoch:]version[-release], split as rpm's parseEVR splits it: the epoch
 * is the leading digits before a ':', the release follows the last '-'.
 */
static int
rpm_check(const char *s, size_t len, struct ec_err *err)
{
	const char	*p = s, *end = s + len, *dash, *q;

	for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
		;
	if (q < end && *q == ':') {
		if (q == p)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "empty epoch");
		p = q + 1;
	}
	for (dash = NULL, q = p; q < end; q++)
		if (*q == '-')
			dash = q;
	if (dash == p || dash == end - 1 || p == end)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "empty version or release");
	for (q = p; q < end; q++)
		if (q != dash && !rpm_char(*q))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "character not allowed at offset %zu",
			    (size_t)(q - s));
	return 0;
}

static int
rpm_parse(void **rep_out, const char *s, size_t len, struct ec_err *err)
{
	rpmver	v;

	if (rpm_check(s, len, err) == -1)
		return -1;
	if ((v = rpmverParse(s)) == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "librpm rejects it");
	*rep_out = v;
	return 0;
}

static int
rpm_cmp(const void *a, const void *b)
{
	return rpmverCmp((rpmver)(uintptr_t)a, (rpmver)(uintptr_t)b);
}

static void
rpm_free(void *rep)
{
	if (rep != NULL)
		rpmverFree(rep);
}

const struct version_ops version_rpm_ops = {
	"rpm", rpm_parse, rpm_cmp, rpm_free
};

struct deb_version {
	struct dpkg_version	 v;	/* strings point into buf */
	char			 buf[];
};

/*
 * parseversion (deb-version(5)) keeps its strings in libdpkg's
 * process-wide pool (nfmalloc), which only nffreeall empties; copy them
 * out and empty it, so that a long-lived process does not grow.  Its
 * warnings (a version not starting with a digit, a bad character) are
 * refusals here: dpkg itself refuses such versions in new packages.
 */
static int
deb_parse(void **rep_out, const char *s, size_t len, struct ec_err *err)
{
	struct dpkg_error	 de = DPKG_ERROR_INIT;
	struct dpkg_version	 v;
	struct deb_version	*d;
	size_t			 vl, rl;
	int			 rc = -1;

	/* parseversion would trim surrounding blanks; the grammar has none. */
	if (memchr(s, ' ', len) != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "space in version");
	if (parseversion(&v, s, &de) != 0) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID, "libdpkg: %s",
		    de.str != NULL ? de.str : "rejected");
		goto out;
	}
	vl = strlen(v.version);
	rl = strlen(v.revision);
	/* Both are parts of the input, so this cannot overflow. */
	if ((d = malloc(sizeof(*d) + vl + rl + 2)) == NULL) {
		ec_err_nomem(err);
		goto out;
	}
	memcpy(d->buf, v.version, vl + 1);
	memcpy(d->buf + vl + 1, v.revision, rl + 1);
	d->v = DPKG_VERSION_OBJECT(v.epoch, d->buf, d->buf + vl + 1);
	*rep_out = d;
	rc = 0;
out:
	dpkg_error_destroy(&de);
	nffreeall();
	return rc;
}

static int
deb_cmp(const void *a, const void *b)
{
	const struct deb_version	*da = a, *db = b;

	return dpkg_version_compare(&da->v, &db->v);
}

const struct version_ops version_debian_ops = {
	"debian", deb_parse, deb_cmp, free
};
