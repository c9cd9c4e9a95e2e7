/*
 * tests/unit/t_policy.c: the policy document (ec_policy).  The example in
 * tests/data/policy/example.json decides synthetic findings rule by rule,
 * exception expiry is read against the snapshot time, and every case in
 * tests/data/policy/invalid/<case>/ (policy.json, expect) is refused with
 * EC_ERR_REQUEST_INVALID naming what "expect" says.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_policy.h"
#include "ec_time.h"
#include "ec_vex.h"

#define T_DATA	"tests/data/policy"

static char *
t_read(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) ==
	    NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static int64_t
t_time(const char *s)
{
	int64_t	us = 0;

	if (ec_time_parse(&us, s, strlen(s), NULL) == -1)
		return 0;
	return us;
}

static void
decide_is(const struct ec_policy *pol, const struct ec_policy_finding *f,
    const char *at, enum ec_policy_verdict want, const char *rule,
    const char *what)
{
	struct ec_policy_decision	d;

	ec_policy_evaluate(&d, pol, f, t_time(at));
	ok(d.verdict == want && strcmp(d.rule, rule) == 0, "%s: %s by %s",
	    what, ec_policy_verdict_name(d.verdict), d.rule);
}

static void
t_example(void)
{
	struct ec_policy_finding	 f;
	struct ec_policy_decision	 d[3];
	struct ec_policy		*pol;
	struct ec_err			 err;
	char				*buf;
	size_t				 len;

	if ((buf = t_read(T_DATA "/example.json", &len)) == NULL ||
	    ec_policy_parse(&pol, buf, len, &err) == -1) {
		ok(0, "example policy: %s", buf == NULL ? "unreadable" :
		    err.msg);
		free(buf);
		return;
	}
	free(buf);
	memset(&f, 0, sizeof(f));
	f.vuln = "GHSA-jfh8-c2jp-5v3q";
	f.purl = "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1";
	f.severity = EC_SEV_CRITICAL;
	f.cvss = 10.0;
	f.vex_status = -1;
	f.fix_available = true;
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_BLOCK, "critical",
	    "log4shell by GHSA id, no alias");
	f.vuln = "CVE-2021-44228";
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_ALLOW,
	    "exception-log4shell-lab", "exception before expiry");
	decide_is(pol, &f, "2027-01-01T00:00:00Z", EC_POLICY_BLOCK, "critical",
	    "exception at its expiry");
	f.vuln = "GHSA-jfh8-c2jp-5v3q";
	f.aliases = (const char *const[]){ "cve-2021-44228" };
	f.naliases = 1;
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_ALLOW,
	    "exception-log4shell-lab", "exception by alias");
	memset(&f, 0, sizeof(f));
	f.vuln = "CVE-2018-1000620";
	f.purl = "pkg:npm/event-stream@3.3.6";
	f.severity = EC_SEV_LOW;
	f.cvss = -1;
	f.vex_status = EC_VEX_NOT_AFFECTED;
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_ALLOW,
	    "vex-suppressed", "VEX not_affected before the deny list");
	f.vex_status = EC_VEX_UNDER_INVESTIGATION;
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_BLOCK,
	    "denied-package", "under_investigation keeps it: denied");
	f.purl = "pkg:npm/event-stream@3.3.5";
	f.cvss = 7.0;
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_BLOCK,
	    "cvss-high", "CVSS 7.0 at the bound");
	f.cvss = 6.9;
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_WARN,
	    "no-fix-yet", "no fix available");
	f.fix_available = true;
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_WARN, "rest",
	    "low severity");
	f.severity = EC_SEV_UNKNOWN;
	decide_is(pol, &f, "2026-06-01T00:00:00Z", EC_POLICY_ALLOW, "default",
	    "nothing matches: default");
	d[0] = (struct ec_policy_decision){ EC_POLICY_ALLOW, "a" };
	d[1] = (struct ec_policy_decision){ EC_POLICY_WARN, "b" };
	d[2] = (struct ec_policy_decision){ EC_POLICY_BLOCK, "c" };
	ok(ec_policy_overall(d, 0) == EC_POLICY_ALLOW &&
	    ec_policy_overall(d, 2) == EC_POLICY_WARN &&
	    ec_policy_overall(d, 3) == EC_POLICY_BLOCK, "overall verdict");
	ec_policy_free(pol);
}

static void
t_invalid(void)
{
	struct ec_policy	*pol = NULL;
	struct ec_err		 err;
	struct dirent		*de;
	DIR			*d;
	char			 path[512], *doc, *want;
	size_t			 len, wlen, n = 0;

	if ((d = opendir(T_DATA "/invalid")) == NULL) {
		ok(0, "no %s/invalid", T_DATA);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), T_DATA "/invalid/%s/policy.json",
		    de->d_name);
		doc = t_read(path, &len);
		snprintf(path, sizeof(path), T_DATA "/invalid/%s/expect",
		    de->d_name);
		want = t_read(path, &wlen);
		while (want != NULL && wlen > 0 && want[wlen - 1] == '\n')
			want[--wlen] = '\0';
		ok(doc != NULL && want != NULL &&
		    ec_policy_parse(&pol, doc, len, &err) == -1 &&
		    err.code == EC_ERR_REQUEST_INVALID &&
		    strstr(err.msg, want) != NULL, "%s: %s", de->d_name,
		    doc != NULL && want != NULL ? err.msg : "unreadable");
		free(doc);
		free(want);
		n++;
	}
	(void)closedir(d);
	ok(n >= 10 && pol == NULL, "%zu invalid policies refused", n);
}

int
main(void)
{
	t_example();
	t_invalid();
	return done_testing();
}
