/*
 * ec_purl_osv: from a purl to the OSV ecosystem and package name its
 * advisories use (ossf.github.io/osv-schema, "affected[].package"), the
 * names' normalisation per ecosystem, and CPE 2.3 formatted strings.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ec_buf.h"
#include "ec_purl.h"

/* purl types (purl-spec PURL-TYPES.rst) and the OSV ecosystem of each. */
static const struct {
	const char	*type, *eco;
} purl_osv_types[] = {
	{ "bitnami", "Bitnami" }, { "cargo", "crates.io" },
	{ "composer", "Packagist" }, { "cran", "CRAN" },
	{ "gem", "RubyGems" }, { "golang", "Go" }, { "hackage", "Hackage" },
	{ "hex", "Hex" }, { "maven", "Maven" }, { "npm", "npm" },
	{ "nuget", "NuGet" }, { "pub", "Pub" }, { "pypi", "PyPI" },
	{ "swift", "SwiftURL" }
};

/* Distribution namespaces of deb and rpm purls. */
static const struct {
	const char	*type, *ns, *eco;
} purl_osv_distros[] = {
	{ "deb", "debian", "Debian" }, { "deb", "ubuntu", "Ubuntu" },
	{ "rpm", "almalinux", "AlmaLinux" }, { "rpm", "redhat", "Red Hat" },
	{ "rpm", "rocky", "Rocky Linux" }, { "rpm", "rocky-linux",
	    "Rocky Linux" }
};

/* Debian and Ubuntu code names in distro qualifiers. */
static const struct {
	const char	*name, *release;
} purl_codenames[] = {
	{ "buster", "10" }, { "bullseye", "11" }, { "bookworm", "12" },
	{ "trixie", "13" }, { "bionic", "18.04" }, { "focal", "20.04" },
	{ "jammy", "22.04" }, { "noble", "24.04" }
};

/* a + sep + b in a new string, or NULL. */
static char *
purl_join(const char *a, const char *sep, const char *b)
{
	size_t	la = strlen(a), ls = strlen(sep), lb = strlen(b);
	char	*s;

	/* Parts of one bounded purl: the sum cannot overflow. */
	if ((s = malloc(la + ls + lb + 1)) == NULL)
		return NULL;
	memcpy(s, a, la);
	memcpy(s + la, sep, ls);
	memcpy(s + la + ls, b, lb + 1);
	return s;
}

/*
 * The release a distro qualifier names: "debian-12" and "bookworm" give
 * "12", "ubuntu-22.04" gives "22.04", "almalinux-8.9" and "el8" give "8"
 * (AlmaLinux and Rocky advisories name major releases).  NULL if none.
 */
static const char *
purl_release(char *buf, size_t size, const char *distro, bool major)
{
	const char	*p;
	size_t		 i, n;

	for (i = 0; i < sizeof(purl_codenames) / sizeof(purl_codenames[0]);
	    i++)
		if (strcmp(distro, purl_codenames[i].name) == 0)
			return purl_codenames[i].release;
	p = strrchr(distro, '-');
	p = p != NULL ? p + 1 : strncmp(distro, "el", 2) == 0 ?
	    distro + 2 : distro;
	n = strspn(p, "0123456789.");
	if (n == 0 || p[n] != '\0' || *p == '.')
		return NULL;
	if (major)
		n = strcspn(p, ".");
	if (n >= size)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static int
purl_distro_eco(char **eco_out, const struct ec_purl *u, struct ec_err *err)
{
	const char	*type = ec_purl_type(u), *ns = ec_purl_namespace(u);
	const char	*distro = ec_purl_qualifier(u, "distro"), *rel = NULL;
	char		 buf[32];
	size_t		 i;

	for (i = 0; i < sizeof(purl_osv_distros) /
	    sizeof(purl_osv_distros[0]); i++) {
		if (strcmp(type, purl_osv_distros[i].type) != 0 ||
		    ns == NULL || strcasecmp(ns, purl_osv_distros[i].ns) != 0)
			continue;
		if (distro != NULL && strcmp(purl_osv_distros[i].eco,
		    "Red Hat") != 0)
			rel = purl_release(buf, sizeof(buf), distro,
			    strcmp(type, "rpm") == 0);
		*eco_out = rel != NULL ?
		    purl_join(purl_osv_distros[i].eco, ":", rel) :
		    strdup(purl_osv_distros[i].eco);
		return *eco_out == NULL ? ec_err_nomem(err) : 0;
	}
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "purl type %s, namespace %.64s: no OSV ecosystem", type,
	    ns != NULL ? ns : "(none)");
}

/* npm "@scope/name", Go "host/path", Maven "group:artifact", ... */
static int
purl_osv_name(char **out, const struct ec_purl *u, struct ec_err *err)
{
	const char	*type = ec_purl_type(u), *ns = ec_purl_namespace(u);
	const char	*sep = NULL;

	if (ns != NULL) {
		if (strcmp(type, "maven") == 0)
			sep = ":";
		else if (strcmp(type, "npm") == 0 ||
		    strcmp(type, "golang") == 0 ||
		    strcmp(type, "composer") == 0 ||
		    strcmp(type, "swift") == 0)
			sep = "/";
	}
	*out = sep == NULL ? strdup(ec_purl_name(u)) :
	    purl_join(ns, sep, ec_purl_name(u));
	return *out == NULL ? ec_err_nomem(err) : 0;
}

int
ec_purl_osv(char **eco_out, char **name_out, const struct ec_purl *u,
    struct ec_err *err)
{
	char	*eco = NULL;
	size_t	 i;

	for (i = 0; i < sizeof(purl_osv_types) / sizeof(purl_osv_types[0]);
	    i++)
		if (strcmp(ec_purl_type(u), purl_osv_types[i].type) == 0 &&
		    (eco = strdup(purl_osv_types[i].eco)) == NULL)
			return ec_err_nomem(err);
	if (eco == NULL && purl_distro_eco(&eco, u, err) == -1)
		return -1;
	if (purl_osv_name(name_out, u, err) == -1) {
		free(eco);
		return -1;
	}
	*eco_out = eco;
	return 0;
}

int
ec_purl_osv_version(char **out, const struct ec_purl *u, struct ec_err *err)
{
	const char	*v = ec_purl_version(u), *epoch;

	*out = NULL;
	if (v == NULL)
		return 0;
	epoch = ec_purl_qualifier(u, "epoch");
	if (strcmp(ec_purl_type(u), "rpm") == 0 && epoch != NULL &&
	    strchr(v, ':') == NULL)
		*out = purl_join(epoch, ":", v);
	else
		*out = strdup(v);
	return *out == NULL ? ec_err_nomem(err) : 0;
}

static bool
purl_eco_is(const char *eco, const char *base)
{
	size_t	n = strlen(base);

	return strncmp(eco, base, n) == 0 && (eco[n] == '\0' || eco[n] == ':');
}

int
ec_purl_normalize_name(char **out, const char *ecosystem, const char *name,
    struct ec_err *err)
{
	static const char *const lower[] = {
		"NuGet", "Packagist", "Hex", "Pub"
	};
	char	*s, *d;
	size_t	 i;
	bool	 down = false;

	if ((s = strdup(name)) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < sizeof(lower) / sizeof(lower[0]); i++)
		down = down || purl_eco_is(ecosystem, lower[i]);
	if (purl_eco_is(ecosystem, "PyPI")) {
		/* PEP 503: re.sub(r"[-_.]+", "-", name).lower() */
		for (d = s, i = 0; name[i] != '\0'; i++) {
			if (strchr("-_.", name[i]) == NULL)
				*d++ = name[i];
			else if (d == s || d[-1] != '-')
				*d++ = '-';
		}
		*d = '\0';
		down = true;
	}
	for (d = s; down && *d != '\0'; d++)
		if (*d >= 'A' && *d <= 'Z')
			*d = (char)(*d - 'A' + 'a');
	*out = s;
	return 0;
}
