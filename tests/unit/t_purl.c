/*
 * tests/unit/t_purl.c: package URLs (ec_purl) against examples of the
 * purl specification's test suite, their OSV names, name normalisation,
 * and CPE 2.3 formatted strings (NISTIR 7695 examples).
 */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_purl.h"

/* Printable even when absent. */
#define S(x)	((x) != NULL ? (x) : "(none)")

static bool
str_is(const char *got, const char *want)
{
	if (got == NULL || want == NULL)
		return got == want;
	return strcmp(got, want) == 0;
}

/* want: type, namespace, name, version, subpath (NULL: absent). */
static void
purl_is(const char *in, const char *const want[5], const char *qk,
    const char *qv)
{
	struct ec_purl	*u;
	struct ec_err	 err;

	if (ec_purl_parse(&u, in, strlen(in), &err) == -1) {
		ok(0, "%s: %s", in, err.msg);
		return;
	}
	ok(str_is(ec_purl_type(u), want[0]) &&
	    str_is(ec_purl_namespace(u), want[1]) &&
	    str_is(ec_purl_name(u), want[2]) &&
	    str_is(ec_purl_version(u), want[3]) &&
	    str_is(ec_purl_subpath(u), want[4]) &&
	    (qk == NULL || str_is(ec_purl_qualifier(u, qk), qv)),
	    "%s: %s | %s | %s | %s | %s", in, S(ec_purl_type(u)),
	    S(ec_purl_namespace(u)), S(ec_purl_name(u)),
	    S(ec_purl_version(u)), S(ec_purl_subpath(u)));
	ec_purl_free(u);
}

static void
purl_bad(const char *in)
{
	struct ec_purl	*u = NULL;
	struct ec_err	 err;

	ok(ec_purl_parse(&u, in, strlen(in), &err) == -1 && u == NULL &&
	    err.code == EC_ERR_REQUEST_INVALID, "%s rejected: %s", in,
	    err.msg);
}

/* want_eco == NULL: the purl must have no OSV ecosystem. */
static void
osv_is(const char *in, const char *want_eco, const char *want_name,
    const char *want_version)
{
	struct ec_purl	*u;
	struct ec_err	 err;
	char		*eco = NULL, *name = NULL, *ver = NULL;

	if (ec_purl_parse(&u, in, strlen(in), &err) == -1) {
		ok(0, "%s: %s", in, err.msg);
		return;
	}
	if (ec_purl_osv(&eco, &name, u, &err) == -1)
		ok(want_eco == NULL && err.code == EC_ERR_REQUEST_INVALID,
		    "%s: no ecosystem: %s", in, err.msg);
	else if (ec_purl_osv_version(&ver, u, &err) == -1)
		ok(0, "%s: %s", in, err.msg);
	else
		ok(str_is(eco, want_eco) && str_is(name, want_name) &&
		    str_is(ver, want_version), "%s: %s %s %s", in, S(eco),
		    S(name), S(ver));
	free(eco);
	free(name);
	free(ver);
	ec_purl_free(u);
}

static void
norm_is(const char *eco, const char *name, const char *want)
{
	struct ec_err	 err;
	char		*got = NULL;

	ok(ec_purl_normalize_name(&got, eco, name, &err) == 0 &&
	    strcmp(got, want) == 0, "%s %s -> %s", eco, name, S(got));
	free(got);
}

static void
t_purl(void)
{
	char	big[EC_PURL_MAX_LEN + 2];

	purl_is("pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1"
	    "?packaging=sources", (const char *[]){ "maven",
	    "org.apache.xmlgraphics", "batik-anim", "1.9.1", NULL },
	    "packaging", "sources");
	purl_is("pkg:npm/%40angular/animation@12.3.1", (const char *[]){
	    "npm", "@angular", "animation", "12.3.1", NULL }, NULL, NULL);
	purl_is("pkg:npm/@angular/animation", (const char *[]){
	    "npm", "@angular", "animation", NULL, NULL }, NULL, NULL);
	purl_is("pkg:pypi/Django_package@1.11.1", (const char *[]){ "pypi",
	    NULL, "django-package", "1.11.1", NULL }, NULL, NULL);
	purl_is("pkg:golang/github.com/gorilla/context"
	    "@234fd47e07d1004f0aed9c#api", (const char *[]){ "golang",
	    "github.com/gorilla", "context", "234fd47e07d1004f0aed9c",
	    "api" }, NULL, NULL);
	purl_is("pkg:GITHUB/Package-url/purl-Spec@244fd47e07d10",
	    (const char *[]){ "github", "package-url", "purl-spec",
	    "244fd47e07d10", NULL }, NULL, NULL);
	purl_is("pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
	    (const char *[]){ "deb", "debian", "curl", "7.50.3-1", NULL },
	    "distro", "jessie");
	purl_is("pkg:docker/customer/dockerimage@sha256%3A244fd47e07d10"
	    "?repository_url=gcr.io", (const char *[]){ "docker", "customer",
	    "dockerimage", "sha256:244fd47e07d10", NULL }, "repository_url",
	    "gcr.io");
	purl_is("pkg://npm//a/b/@1?Arch=&B=x%20y", (const char *[]){ "npm",
	    "a", "b", "1", NULL }, "b", "x y");
	purl_is("pkg:npm/a@1?Arch=", (const char *[]){ "npm", NULL, "a", "1",
	    NULL }, "arch", NULL);
	purl_is("pkg:golang/x/y@1#/./../sub//path/", (const char *[]){
	    "golang", "x", "y", "1", "sub/path" }, NULL, NULL);
	purl_bad("pkg:maven/@1.3.4");
	purl_bad("maven/org/name");
	purl_bad("pkg:/name");
	purl_bad("pkg:n&g/nginx@0.8.9");
	purl_bad("pkg:1x/nginx");
	purl_bad("pkg:maven/a/b@1?k=v&k=w");
	purl_bad("pkg:npm/a@");
	purl_bad("pkg:npm/a%2");
	purl_bad("pkg:npm/a%00b");
	purl_bad("pkg:npm/a%2Fb");
	purl_bad("pkg:npm/a b");
	purl_bad("pkg:npm/a?=v");
	memcpy(big, "pkg:npm/", 8);
	memset(big + 8, 'a', sizeof(big) - 8);
	purl_bad((big[EC_PURL_MAX_LEN + 1] = '\0', big));
}

static void
t_osv(void)
{
	osv_is("pkg:npm/%40angular/animation@12.3.1", "npm",
	    "@angular/animation", "12.3.1");
	osv_is("pkg:maven/com.google.guava/guava@24.1.1-jre?type=jar",
	    "Maven", "com.google.guava:guava", "24.1.1-jre");
	osv_is("pkg:golang/github.com/gorilla/context@v1.1.1", "Go",
	    "github.com/gorilla/context", "v1.1.1");
	osv_is("pkg:composer/Drupal/Core@8.4.5", "Packagist", "drupal/core",
	    "8.4.5");
	osv_is("pkg:pypi/Jinja2@2.10", "PyPI", "jinja2", "2.10");
	osv_is("pkg:cargo/smallvec@1.6.0", "crates.io", "smallvec", "1.6.0");
	osv_is("pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=bookworm",
	    "Debian:12", "openssl", "3.0.11-1~deb12u2");
	osv_is("pkg:deb/ubuntu/openssl@3.0.2?distro=ubuntu-22.04",
	    "Ubuntu:22.04", "openssl", "3.0.2");
	osv_is("pkg:deb/debian/openssl@3.0.2", "Debian", "openssl", "3.0.2");
	osv_is("pkg:rpm/almalinux/bind@9.11.36-3.el8?epoch=32"
	    "&distro=almalinux-8.9", "AlmaLinux:8", "bind",
	    "32:9.11.36-3.el8");
	osv_is("pkg:rpm/rocky/bind@9.16.23-1.el9?distro=el9",
	    "Rocky Linux:9", "bind", "9.16.23-1.el9");
	osv_is("pkg:docker/library/nginx@1.0", NULL, NULL, NULL);
	osv_is("pkg:rpm/fedora/curl@7.50.3-1.fc25", NULL, NULL, NULL);
	norm_is("PyPI", "Foo.Bar__baz", "foo-bar-baz");
	norm_is("PyPI", "_a", "-a");
	norm_is("NuGet", "Newtonsoft.Json", "newtonsoft.json");
	norm_is("Packagist:https://packages.drupal.org/8", "Drupal/Core",
	    "drupal/core");
	norm_is("Go", "github.com/BurntSushi/toml",
	    "github.com/BurntSushi/toml");
	norm_is("Maven", "org.Foo:Bar", "org.Foo:Bar");
}

static void
cpe_is(const char *in, const char *vendor, const char *product,
    const char *version)
{
	struct ec_cpe	*c;
	struct ec_err	 err;

	if (ec_cpe_parse(&c, in, strlen(in), &err) == -1) {
		ok(vendor == NULL && err.code == EC_ERR_REQUEST_INVALID,
		    "%s rejected: %s", in, err.msg);
		return;
	}
	ok(vendor != NULL && strcmp(ec_cpe_get(c, EC_CPE_VENDOR), vendor) == 0
	    && strcmp(ec_cpe_get(c, EC_CPE_PRODUCT), product) == 0 &&
	    strcmp(ec_cpe_get(c, EC_CPE_VERSION), version) == 0, "%s: %s %s %s",
	    in, ec_cpe_get(c, EC_CPE_VENDOR), ec_cpe_get(c, EC_CPE_PRODUCT),
	    ec_cpe_get(c, EC_CPE_VERSION));
	ec_cpe_free(c);
}

static void
t_cpe(void)
{
	cpe_is("cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:"
	    "*:*:*:*:*:*",
	    "microsoft", "internet_explorer", "8.0.6001");
	cpe_is("cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:"
	    "win2003:x64:*", "hp", "insight_diagnostics", "7.4.0.1570");
	cpe_is("cpe:2.3:a:foo\\:bar:big\\$money:2010:*:*:*:*:*:*:*",
	    "foo:bar", "big$money", "2010");
	cpe_is("cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*", NULL, NULL, NULL);
	cpe_is("cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:*:*", NULL, NULL,
	    NULL);
	cpe_is("cpe:2.3:x:vendor:product:1.0:*:*:*:*:*:*:*", NULL, NULL, NULL);
	cpe_is("cpe:/a:vendor:product:1.0", NULL, NULL, NULL);
	cpe_is("cpe:2.3:a:ven!dor:product:1.0:*:*:*:*:*:*:*", NULL, NULL,
	    NULL);
	cpe_is("cpe:2.3:a:vendor:product:1.0:*:*:*:*:*:*:\\", NULL, NULL,
	    NULL);
}

int
main(void)
{
	t_purl();
	t_osv();
	t_cpe();
	return done_testing();
}
