/*
 * tests/unit/t_vex.c: VEX statements (ec_vex).  Every OpenVEX, CSAF and
 * CycloneDX VEX document in tests/fixtures/vex is read; real statements
 * decide as their documents say; synthetic documents pin down the rules
 * (newest wins, aliases, versions and qualifiers of purls, bad input).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "tap.h"
#include "ec_vex.h"

static size_t
t_load(struct ec_vex_set *set, const char *dir, size_t *failed)
{
	struct dirent	*de;
	struct ec_err	 err;
	json_error_t	 jerr;
	json_t		*doc;
	DIR		*d;
	char		 path[4096];
	size_t		 n = 0, len;

	if ((d = opendir(dir)) == NULL) {
		(*failed)++;
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 5, ".json") != 0 ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		n++;
		if ((doc = json_load_file(path, 0, &jerr)) == NULL ||
		    ec_vex_add(set, doc, de->d_name, &err) == -1) {
			(*failed)++;
			printf("# %s: %s\n", path, doc == NULL ? jerr.text :
			    err.msg);
		}
		json_decref(doc);
	}
	(void)closedir(d);
	return n;
}

static void
decide_is(const struct ec_vex_set *set, const char *vuln, const char *alias,
    const char *purl, int want_status, const char *want_doc)
{
	const struct ec_vex_statement	*s;

	s = ec_vex_decide(set, vuln, alias != NULL ? &alias : NULL,
	    alias != NULL, purl);
	if (want_status == -1)
		ok(s == NULL, "%s %s: no statement (%s)", vuln, purl,
		    s != NULL ? s->doc : "none");
	else
		ok(s != NULL && (int)s->status == want_status &&
		    (want_doc == NULL || strcmp(s->doc, want_doc) == 0),
		    "%s %s: %s from %s (%s)", vuln, purl,
		    s != NULL ? ec_vex_status_name(s->status) : "none",
		    s != NULL ? s->doc : "-",
		    s != NULL ? s->justification : "");
}

static void
t_fixtures(void)
{
	static const char *const dirs[] = {
		"tests/fixtures/vex/openvex", "tests/fixtures/vex/csaf",
		"tests/fixtures/vex/cyclonedx"
	};
	struct ec_vex_set	*set;
	struct ec_err		 err;
	size_t			 i, files = 0, failed = 0, by[3] = { 0 };

	if (ec_vex_set_new(&set, &err) == -1) {
		ok(0, "set: %s", err.msg);
		return;
	}
	for (i = 0; i < 3; i++)
		files += t_load(set, dirs[i], &failed);
	for (i = 0; i < ec_vex_count(set); i++)
		by[ec_vex_get(set, i)->format]++;
	ok(files >= 40 && failed == 0 && by[0] > 0 && by[1] > 0 && by[2] > 0,
	    "%zu VEX fixtures read: %zu OpenVEX, %zu CSAF, %zu CycloneDX "
	    "statements", files, by[0], by[1], by[2]);
	decide_is(set, "CVE-2023-1255", NULL,
	    "pkg:apk/alpine/libssl3@3.0.8-r3", EC_VEX_FIXED,
	    "pkg__vex__testdata__v0.2.0.json");
	decide_is(set, "CVE-2021-44228", NULL, "CSAFPID-0001",
	    EC_VEX_NOT_AFFECTED, NULL);
	decide_is(set, "CVE-2021-44228", NULL, "product-GHI",
	    EC_VEX_UNDER_INVESTIGATION, NULL);
	decide_is(set, "CVE-2000-0001", NULL,
	    "pkg:apk/alpine/libssl3@3.0.8-r3", -1, NULL);
	ec_vex_set_free(set);
}

static int
t_add(struct ec_vex_set *set, const char *text, const char *name,
    struct ec_err *err)
{
	json_error_t	 jerr;
	json_t		*doc;
	int		 rc;

	if ((doc = json_loads(text, 0, &jerr)) == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "test JSON: %s",
		    jerr.text);
	rc = ec_vex_add(set, doc, name, err);
	json_decref(doc);
	return rc;
}

#define T_OLD	"{\"@context\":\"https://openvex.dev/ns/v0.2.0\"," \
	"\"timestamp\":\"2023-01-01T00:00:00Z\",\"statements\":[" \
	"{\"vulnerability\":{\"name\":\"CVE-2023-0001\",\"aliases\":" \
	"[\"GHSA-aaaa-bbbb-cccc\"]},\"products\":[{\"@id\":\"pkg:npm/foo\"}]," \
	"\"status\":\"not_affected\",\"justification\":" \
	"\"vulnerable_code_not_present\"}," \
	"{\"vulnerability\":\"CVE-2023-0002\",\"products\":" \
	"[\"pkg:npm/bar?arch=x86\"],\"status\":\"fixed\"}]}"
#define T_NEW	"{\"@context\":\"https://openvex.dev/ns/v0.2.0\"," \
	"\"timestamp\":\"2023-02-01T00:00:00Z\",\"statements\":[" \
	"{\"vulnerability\":{\"name\":\"CVE-2023-0001\"},\"products\":" \
	"[{\"@id\":\"pkg:npm/foo@1.0.0\"}],\"status\":\"affected\"}]}"

static void
t_rules(void)
{
	struct ec_vex_set	*a, *b;
	struct ec_err		 err = { EC_OK, "" };
	size_t			 n;

	if (ec_vex_set_new(&a, &err) == -1 || ec_vex_set_new(&b, &err) == -1)
		return;
	ok(t_add(a, T_OLD, "old", &err) == 0 &&
	    t_add(a, T_NEW, "new", &err) == 0 &&
	    t_add(b, T_NEW, "new", &err) == 0 &&
	    t_add(b, T_OLD, "old", &err) == 0, "documents read: %s",
	    err.msg);
	decide_is(a, "CVE-2023-0001", NULL, "pkg:npm/foo@1.0.0",
	    EC_VEX_AFFECTED, "new");
	decide_is(b, "CVE-2023-0001", NULL, "pkg:npm/foo@1.0.0",
	    EC_VEX_AFFECTED, "new");
	decide_is(a, "CVE-2023-0001", NULL, "pkg:npm/foo@2.0.0",
	    EC_VEX_NOT_AFFECTED, "old");
	decide_is(a, "GHSA-AAAA-BBBB-CCCC", NULL, "pkg:npm/foo@2.0.0",
	    EC_VEX_NOT_AFFECTED, "old");
	decide_is(a, "GHSA-xxxx", "cve-2023-0001", "pkg:npm/foo@2.0.0",
	    EC_VEX_NOT_AFFECTED, "old");
	decide_is(a, "CVE-2023-0002", NULL, "pkg:npm/bar@1?arch=x86&os=linux",
	    EC_VEX_FIXED, "old");
	decide_is(a, "CVE-2023-0002", NULL, "pkg:npm/bar@1?arch=arm", -1,
	    NULL);
	decide_is(a, "CVE-2023-0002", NULL, "pkg:npm/bar@1", -1, NULL);
	decide_is(a, "CVE-2023-0001", NULL, "pkg:pypi/foo@1.0.0", -1, NULL);
	n = ec_vex_count(a);
	ok(t_add(a, "{\"@context\":\"https://openvex.dev/ns\",\"timestamp\":"
	    "\"2023-01-01T00:00:00Z\",\"statements\":[{\"vulnerability\":"
	    "\"CVE-1\",\"products\":[\"pkg:npm/a\"],\"status\":\"fixed\"},"
	    "{\"vulnerability\":\"CVE-2\",\"products\":[\"pkg:npm/a\"],"
	    "\"status\":\"maybe\"}]}", "bad", &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID && ec_vex_count(a) == n,
	    "unknown status refused, nothing kept: %s", err.msg);
	decide_is(a, "CVE-1", NULL, "pkg:npm/a@1", -1, NULL);
	decide_is(a, "CVE-2023-0001", NULL, "pkg:npm/foo@1.0.0",
	    EC_VEX_AFFECTED, "new");
	ok(t_add(a, "{\"@context\":\"https://openvex.dev/ns\",\"timestamp\":"
	    "\"yesterday\",\"statements\":[]}", "bad", &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "bad timestamp: %s", err.msg);
	ok(t_add(a, "{\"bomFormat\":\"CycloneDX\"}", "bad", &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "not VEX: %s", err.msg);
	ec_vex_set_free(a);
	ec_vex_set_free(b);
}

int
main(void)
{
	t_fixtures();
	t_rules();
	return done_testing();
}
