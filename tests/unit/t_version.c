/*
 * tests/unit/t_version.c: version orders (ec_version) against the
 * ecosystems' published vectors: SemVer 2.0.0 section 11, PEP 440's
 * ordering example, maven-artifact's ComparableVersionTest, RubyGems'
 * test_gem_version.rb, Composer's VersionParserTest normalisations, rpm's
 * rpmvercmp.at and dpkg's t-version.c.
 */
#include <string.h>

#include "tap.h"
#include "ec_version.h"

#define N(a)	(sizeof(a) / sizeof((a)[0]))

/* Each version must order before every later one, and after none. */
static void
order(enum ec_version_scheme s, const char *const *v, size_t n,
    const char *what)
{
	struct ec_err	err;
	size_t		i, j, bad = 0;
	int		c, d;

	for (i = 0; i < n; i++)
		for (j = i; j < n; j++) {
			if (ec_version_compare(&c, s, v[i], v[j], &err) == -1 ||
			    ec_version_compare(&d, s, v[j], v[i], &err) == -1) {
				ok(0, "%s: %s / %s: %s", what, v[i], v[j],
				    err.msg);
				return;
			}
			if ((i == j && (c != 0 || d != 0)) ||
			    (i < j && (c >= 0 || d <= 0))) {
				if (bad++ == 0)
					ok(0, "%s: %s vs %s gave %d", what,
					    v[i], v[j], c);
			}
		}
	if (bad == 0)
		ok(1, "%s: %zu versions in order", what, n);
}

static void
same(enum ec_version_scheme s, const char *a, const char *b)
{
	struct ec_err	err;
	int		c = 1, d = 1;

	if (ec_version_compare(&c, s, a, b, &err) == -1 ||
	    ec_version_compare(&d, s, b, a, &err) == -1)
		ok(0, "%s: %s == %s: %s", ec_version_scheme_name(s), a, b,
		    err.msg);
	else
		ok(c == 0 && d == 0, "%s: %s == %s", ec_version_scheme_name(s),
		    a, b);
}

static void
bad(enum ec_version_scheme s, const char *v)
{
	struct ec_version	*x = NULL;
	struct ec_err		 err;

	if (ec_version_parse(&x, s, v, strlen(v), &err) == 0) {
		ok(0, "%s: \"%s\" accepted", ec_version_scheme_name(s), v);
		ec_version_free(x);
		return;
	}
	ok(err.code == EC_ERR_REQUEST_INVALID && x == NULL,
	    "%s: \"%s\" rejected: %s", ec_version_scheme_name(s), v, err.msg);
}

static void
t_semver(void)
{
	static const char *const sec11[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
		"1.0.0", "2.0.0", "2.1.0", "2.1.1"
	};
	static const char *const go[] = {
		"v0.0.0-20191109021931-daa7c04131f5", "v0.1.0",
		"v1.2.3", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4",
		"v1.3.0-pre", "v1.3.0-pre.0.20191109021931-daa7c04131f5",
		"v1.3.0", "v2.0.0+incompatible", "v10.0.0"
	};
	static const char *const nuget[] = {
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
		"1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
		"1.0.0", "1.0.0.1", "1.0.1", "1.10"
	};

	order(EC_VERSION_SEMVER, sec11, N(sec11), "SemVer 2.0.0 section 11");
	same(EC_VERSION_SEMVER, "1.0.0+20130313144700", "1.0.0");
	same(EC_VERSION_SEMVER, "1.0.0-beta+exp.sha.5114f85", "1.0.0-beta");
	bad(EC_VERSION_SEMVER, "01.0.0");
	bad(EC_VERSION_SEMVER, "1.0");
	bad(EC_VERSION_SEMVER, "1.0.0-01");
	bad(EC_VERSION_SEMVER, "1.0.0-");
	bad(EC_VERSION_SEMVER, "1.0.0+");
	bad(EC_VERSION_SEMVER, "1.0.0-a..b");
	bad(EC_VERSION_SEMVER, "v1.0.0");
	bad(EC_VERSION_SEMVER, "1.0.0.0");
	bad(EC_VERSION_SEMVER, "1.0.0-a_b");
	order(EC_VERSION_GO, go, N(go), "Go pseudo-versions");
	same(EC_VERSION_GO, "v2.0.0+incompatible", "2.0.0");
	bad(EC_VERSION_GO, "v1.2.3+meta");
	bad(EC_VERSION_GO, "v1.2");
	order(EC_VERSION_NUGET, nuget, N(nuget), "NuGet");
	same(EC_VERSION_NUGET, "1.0", "1.0.0.0");
	same(EC_VERSION_NUGET, "1.0.0-BETA", "1.0.0-beta");
	same(EC_VERSION_NUGET, "1.01", "1.1");
	same(EC_VERSION_NUGET, "1.0.0+meta", "1.0.0");
	bad(EC_VERSION_NUGET, "1.0.0.0.0");
	bad(EC_VERSION_NUGET, "a");
}

static void
t_pep440(void)
{
	/* PEP 440, "Summary of permitted suffixes and relative ordering". */
	static const char *const pep[] = {
		"1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456",
		"1.0a12.dev456", "1.0a12", "1.0b1.dev456", "1.0b2",
		"1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456",
		"1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5",
		"1.0.post456.dev34", "1.0.post456", "1.0.15", "1.1.dev1",
		"2.0", "1!0.1"
	};

	order(EC_VERSION_PEP440, pep, N(pep), "PEP 440 ordering example");
	same(EC_VERSION_PEP440, "1.0ALPHA1", "1.0a1");
	same(EC_VERSION_PEP440, "1.0-c1", "1.0rc1");
	same(EC_VERSION_PEP440, "1.0.preview_2", "1.0rc2");
	same(EC_VERSION_PEP440, "1.0.post", "1.0.post0");
	same(EC_VERSION_PEP440, "1.0-1", "1.0.post1");
	same(EC_VERSION_PEP440, "1.0-r4", "1.0.post4");
	same(EC_VERSION_PEP440, "1.0a", "1.0a0");
	same(EC_VERSION_PEP440, "1.0.dev", "1.0.dev0");
	same(EC_VERSION_PEP440, "v1.0", "1.0.0");
	same(EC_VERSION_PEP440, "0!1.0", "1.0");
	same(EC_VERSION_PEP440, " 1.0 ", "1.0");
	same(EC_VERSION_PEP440, "1.0+ubuntu-1", "1.0+ubuntu.1");
	same(EC_VERSION_PEP440, "1.0+ABC", "1.0+abc");
	bad(EC_VERSION_PEP440, "1.0+");
	bad(EC_VERSION_PEP440, "foo");
	bad(EC_VERSION_PEP440, "1.0.");
	bad(EC_VERSION_PEP440, "1..0");
	bad(EC_VERSION_PEP440, "1.0+a!");
	bad(EC_VERSION_PEP440, "1.0-");
}

static void
t_maven(void)
{
	/* maven-artifact 3.9 ComparableVersionTest.VERSIONS_QUALIFIER. */
	static const char *const qual[] = {
		"1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2",
		"1-beta123", "1-m2", "1-m11", "1-rc", "1-cr2", "1-rc123",
		"1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123", "1-abc",
		"1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123"
	};
	/* VERSIONS_NUMBER. */
	static const char *const num[] = {
		"2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a",
		"2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2",
		"11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a",
		"11b", "11c", "11m"
	};
	/* testVersionComparing, testLeadingZeroes, MNG-5568, 6572, 6964. */
	static const char *const pairs[][2] = {
		{ "1", "2" }, { "1.5", "2" }, { "1", "2.5" }, { "1.0", "1.1" },
		{ "1.1", "1.2" }, { "1.0.0", "1.1" }, { "1.0.1", "1.1" },
		{ "1.1", "1.2.0" }, { "1.0-alpha-1", "1.0" },
		{ "1.0-alpha-1", "1.0-alpha-2" },
		{ "1.0-alpha-1", "1.0-beta-1" },
		{ "1.0-beta-1", "1.0-SNAPSHOT" }, { "1.0-SNAPSHOT", "1.0" },
		{ "1.0-alpha-1-SNAPSHOT", "1.0-alpha-1" }, { "1.0", "1.0-1" },
		{ "1.0-1", "1.0-2" }, { "1.0.0", "1.0-1" },
		{ "2.0-1", "2.0.1" }, { "2.0.1-klm", "2.0.1-lmn" },
		{ "2.0.1", "2.0.1-xyz" }, { "2.0.1", "2.0.1-123" },
		{ "2.0.1-xyz", "2.0.1-123" }, { "0.7", "2" },
		{ "0.2", "1.0.7" },
		{ "6.1.0rc3", "6.1.0" }, { "6.1.0rc3", "6.1H.5-beta" },
		{ "6.1.0", "6.1H.5-beta" },
		{ "20190126.230843", "1234567890.12345" },
		{ "1234567890.12345", "123456789012345.1H.5-beta" },
		{ "123456789012345.1H.5-beta",
		    "12345678901234567890.1H.5-beta" },
		{ "1-0.alpha", "1" }, { "1-0.beta", "1" },
		{ "1-0.alpha", "1-0.beta" },
		{ "1.0.0.abc1", "1.0.0-abc2" }, { "1.0.0.RC1", "1.0.0-RC2" },
		{ "1.0.0.a1", "1.0.0-a2" }, { "1.0.0.m1", "1.0.0-m2" }
	};
	/* testVersionsEqual, MNG-7644, leading zeros. */
	static const char *const eq[][2] = {
		{ "1", "1" }, { "1", "1.0" }, { "1", "1.0.0" },
		{ "1.0", "1.0.0" }, { "1", "1-0" }, { "1", "1.0-0" },
		{ "1.0", "1.0-0" }, { "1a", "1-a" }, { "1a", "1.0-a" },
		{ "1a", "1.0.0-a" }, { "1.0a", "1-a" }, { "1.0.0a", "1-a" },
		{ "1x", "1-x" }, { "1x", "1.0-x" }, { "1x", "1.0.0-x" },
		{ "1.0x", "1-x" }, { "1.0.0x", "1-x" }, { "1ga", "1" },
		{ "1release", "1" }, { "1final", "1" }, { "1cr", "1rc" },
		{ "1preview", "1rc" }, { "1ea", "1rc" },
		{ "1a1", "1-alpha-1" }, { "1b2", "1-beta-2" },
		{ "1m3", "1-milestone-3" }, { "1X", "1x" }, { "1A", "1a" },
		{ "1B", "1b" }, { "1M", "1m" }, { "1Ga", "1" }, { "1GA", "1" },
		{ "1RELEASE", "1" }, { "1RELeaSE", "1" }, { "1Final", "1" },
		{ "1FinaL", "1" }, { "1FINAL", "1" }, { "1Cr", "1Rc" },
		{ "1cR", "1rC" }, { "1m3", "1Milestone3" },
		{ "1m3", "1MileStone3" }, { "1m3", "1MILESTONE3" },
		{ "1-abcdefghijklmnopqrstuvwxyz",
		    "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ" },
		{ "2-abc", "2.0.abc" }, { "2-abc", "2.0.0.abc" },
		{ "2.0.RC", "2.0.0.RC" }, { "2-m", "2.0.0.m" },
		{ "0000000000000000001", "1" }, { "000000001", "01" },
		{ "0000000000000000000", "0" }
	};
	size_t	i;

	order(EC_VERSION_MAVEN, qual, N(qual), "Maven VERSIONS_QUALIFIER");
	order(EC_VERSION_MAVEN, num, N(num), "Maven VERSIONS_NUMBER");
	for (i = 0; i < N(pairs); i++)
		order(EC_VERSION_MAVEN, pairs[i], 2, "Maven comparing");
	for (i = 0; i < N(eq); i++)
		same(EC_VERSION_MAVEN, eq[i][0], eq[i][1]);
	bad(EC_VERSION_MAVEN, "1.0 beta");
}

static void
t_rubygems(void)
{
	static const char *const gems[] = {
		"0.0.beta", "0.beta.1", "1.0.a", "1.0", "1.8.2.a",
		"1.8.2.a9", "1.8.2.a10", "1.8.2.b", "1.8.2", "5.a",
		"5.0.0.rc2", "5.x"
	};

	order(EC_VERSION_RUBYGEMS, gems, N(gems), "test_gem_version <=>");
	same(EC_VERSION_RUBYGEMS, "1.0", "1.0.0");
	same(EC_VERSION_RUBYGEMS, "0.beta.1", "0.0.beta.1");
	same(EC_VERSION_RUBYGEMS, "1.0-beta", "1.0.pre.beta");
	same(EC_VERSION_RUBYGEMS, " 1.0 ", "1");
	bad(EC_VERSION_RUBYGEMS, "junk");
	bad(EC_VERSION_RUBYGEMS, "1..2");
	bad(EC_VERSION_RUBYGEMS, "1.2 3.4");
	bad(EC_VERSION_RUBYGEMS, "1.0-");
}

static void
t_packagist(void)
{
	static const char *const php[] = {
		"1.0.0-dev", "1.0.0-alpha1", "1.0.0-beta2", "1.0.0-RC1",
		"1.0.0", "1.0.0-p1", "1.0.1", "1.0.10", "2010-01-02",
		"20100102-203040"
	};

	order(EC_VERSION_PACKAGIST, php, N(php), "Composer + version_compare");
	same(EC_VERSION_PACKAGIST, "1.0", "1.0.0.0");
	same(EC_VERSION_PACKAGIST, "v1.0.0", "1.0.0");
	same(EC_VERSION_PACKAGIST, "1.0.0RC1dev", "1.0.0-rc1-dev");
	same(EC_VERSION_PACKAGIST, "1.0.0.RC.15-dev", "1.0.0-rC15-dev");
	same(EC_VERSION_PACKAGIST, "1.0.0.pl3-dev", "1.0.0-patch3-dev");
	same(EC_VERSION_PACKAGIST, "1.0.0-beta.5+foo", "1.0.0-beta5");
	same(EC_VERSION_PACKAGIST, "1.0.0+foo", "1.0.0");
	same(EC_VERSION_PACKAGIST, "1.0.0@beta", "1.0.0");
	same(EC_VERSION_PACKAGIST, "2010-01-02-1", "2010.01.02.1");
	bad(EC_VERSION_PACKAGIST, "dev-master");
	bad(EC_VERSION_PACKAGIST, "master");
	bad(EC_VERSION_PACKAGIST, "1.x-dev");
	bad(EC_VERSION_PACKAGIST, "foo");
	bad(EC_VERSION_PACKAGIST, "1.0.0-beta+");
	bad(EC_VERSION_PACKAGIST, "1.0.0-gamma");
}

static void
t_distros(void)
{
	/* rpm: tests/rpmvercmp.at, then epoch and release. */
	static const char *const rpm[] = {
		"1.0~rc1~git123", "1.0~rc1", "1.0~rc1^git1", "1.0~rc2",
		"1.0", "1.0^", "1.0^git1", "1.0^git2", "1.01", "2.0",
		"2.0.1", "2.0.1a", "0:3.0-1.el8", "3.0-2.el8", "3.0-10.el8",
		"1:0.1-1"
	};
	/* dpkg: lib/dpkg/t/t-version.c. */
	static const char *const deb[] = {
		"0.9", "1.0~rc1", "1.0", "1.0-1", "1.0+dfsg-1", "1.0.1",
		"1.10", "2.0~", "2.0", "1:0.1", "1:0.1-1~bpo12+1", "1:0.1-1"
	};

	order(EC_VERSION_RPM, rpm, N(rpm), "rpmvercmp");
	same(EC_VERSION_RPM, "0:1.2-3", "1.2-3");
	same(EC_VERSION_RPM, "5.5p1", "5.5.p1");
	bad(EC_VERSION_RPM, "1.0-");
	bad(EC_VERSION_RPM, ":1.0");
	bad(EC_VERSION_RPM, "1.0 -1");
	bad(EC_VERSION_RPM, "1.0-1-2#");
	order(EC_VERSION_DEBIAN, deb, N(deb), "dpkg_version_compare");
	same(EC_VERSION_DEBIAN, "0:1.0", "1.0");
	same(EC_VERSION_DEBIAN, "1.0-0", "1.0-0");
	bad(EC_VERSION_DEBIAN, "a1.0");
	bad(EC_VERSION_DEBIAN, "1:");
	bad(EC_VERSION_DEBIAN, ":1.0");
	bad(EC_VERSION_DEBIAN, "1.0 2");
	bad(EC_VERSION_DEBIAN, "1.0-");
	bad(EC_VERSION_DEBIAN, "1.0-a_b");
}

static void
t_ecosystems(void)
{
	static const struct {
		const char		*name;
		enum ec_version_scheme	 want;
	} eco[] = {
		{ "npm", EC_VERSION_SEMVER },
		{ "crates.io", EC_VERSION_SEMVER },
		{ "Hex", EC_VERSION_SEMVER }, { "Pub", EC_VERSION_SEMVER },
		{ "Go", EC_VERSION_GO }, { "PyPI", EC_VERSION_PEP440 },
		{ "Maven", EC_VERSION_MAVEN }, { "NuGet", EC_VERSION_NUGET },
		{ "RubyGems", EC_VERSION_RUBYGEMS },
		{ "Packagist", EC_VERSION_PACKAGIST },
		{ "Packagist:https://packages.drupal.org/8",
		    EC_VERSION_PACKAGIST },
		{ "AlmaLinux:8", EC_VERSION_RPM },
		{ "Rocky Linux:9", EC_VERSION_RPM },
		{ "Red Hat", EC_VERSION_RPM },
		{ "Debian:12", EC_VERSION_DEBIAN },
		{ "Ubuntu:22.04:LTS", EC_VERSION_DEBIAN }
	};
	static const char *const unknown[] = {
		"OSS-Fuzz", "Julia", "CRAN", "pypi", "", "Go:"
	};
	enum ec_version_scheme	s;
	struct ec_version	*v;
	struct ec_err		 err;
	char			 big[EC_VERSION_MAX_LEN + 2];
	size_t			 i;

	for (i = 0; i < N(eco); i++)
		ok(ec_version_scheme_of(&s, eco[i].name, &err) == 0 &&
		    s == eco[i].want, "ecosystem %s", eco[i].name);
	/* "Go:" has a valid base; only unknown bases are refused. */
	for (i = 0; i + 1 < N(unknown); i++)
		ok(ec_version_scheme_of(&s, unknown[i], &err) == -1 &&
		    err.code == EC_ERR_REQUEST_INVALID, "unknown \"%s\": %s",
		    unknown[i], err.msg);
	memset(big, '1', sizeof(big));
	ok(ec_version_parse(&v, EC_VERSION_MAVEN, big, EC_VERSION_MAX_LEN,
	    &err) == 0, "%d bytes accepted", EC_VERSION_MAX_LEN);
	ec_version_free(v);
	ok(ec_version_parse(&v, EC_VERSION_MAVEN, big, EC_VERSION_MAX_LEN + 1,
	    &err) == -1 && err.code == EC_ERR_REQUEST_INVALID,
	    "one byte more rejected: %s", err.msg);
	ok(ec_version_parse(&v, EC_VERSION_MAVEN, "1\0002", 3, &err) == -1,
	    "NUL rejected: %s", err.msg);
	ok(ec_version_parse(&v, EC_VERSION_SEMVER, "", 0, &err) == -1,
	    "empty rejected: %s", err.msg);
}

int
main(void)
{
	t_semver();
	t_pep440();
	t_maven();
	t_rubygems();
	t_packagist();
	t_distros();
	t_ecosystems();
	return done_testing();
}
