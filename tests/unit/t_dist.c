/*
 * tests/unit/t_dist.c: distribution documents from signed run statuses:
 * ids both ways, rels, ETags over the RFC 8785 form and If-None-Match.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_dist.h"
#include "ec_run.h"

#define RUN	"export-run::t1::2026-12-01::0007"
#define H1	"sha256:11111111111111111111111111111111" \
		"11111111111111111111111111111111"
#define H2	"sha256:22222222222222222222222222222222" \
		"22222222222222222222222222222222"
#define H3	"sha256:33333333333333333333333333333333" \
		"33333333333333333333333333333333"

static json_t *
run_of(const char *status, const char *outputs)
{
	json_error_t	 jerr;
	char		 text[4096];

	(void)snprintf(text, sizeof(text), "{\"runId\":\"" RUN "\","
	    "\"status\":\"%s\",\"profileId\":\"export-profile::t1::trivy:db\","
	    "\"outputs\":%s}", status, outputs);
	return json_loads(text, 0, &jerr);
}

static const char tree[] = "["
    "{\"type\":\"file\",\"id\":\"db.tar.gz\",\"url\":\"/downloads/a\","
    "\"sha256\":\"" H3 "\",\"size\":3,\"expiresAt\":\"2026-12-01T13:00:00Z\"},"
    "{\"type\":\"file\",\"id\":\"manifest.dsse.json\",\"url\":\"/downloads/d\","
    "\"sha256\":\"" H2 "\",\"size\":2,\"expiresAt\":\"2026-12-01T13:00:00Z\"},"
    "{\"type\":\"manifest\",\"id\":\"manifest.json\",\"url\":\"/downloads/m\","
    "\"sha256\":\"" H1 "\",\"size\":1,\"expiresAt\":\"2026-12-01T13:00:00Z\"},"
    "{\"type\":\"distribution\",\"id\":\"reg/x:1\",\"url\":\"oci://reg/x:1\","
    "\"sha256\":\"" H3 "\",\"size\":9}]";
static const char packed[] = "["
    "{\"type\":\"bundle\",\"id\":\"b.tar.zst\",\"url\":\"/downloads/b\","
    "\"sha256\":\"" H1 "\",\"size\":5,\"expiresAt\":\"2026-12-01T13:00:00Z\"}]";

static void
test_ids(void)
{
	struct ec_err	err;
	char		d[EC_DIST_ID_MAX + 1], r[EC_RUN_ID_MAX + 1];

	ok(ec_dist_id(d, RUN, "t1", &err) == 0 &&
	    strcmp(d, "export-distribution::t1::2026-12-01::0007") == 0,
	    "distribution id of a run: %s", d);
	ok(ec_dist_run_id(r, d, "t1") && strcmp(r, RUN) == 0,
	    "and back: %s", r);
	ok(!ec_dist_run_id(r, d, "t2"), "another tenant's id is not one");
	ok(!ec_dist_run_id(r, RUN, "t1"), "a run id is not a distribution id");
	ok(!ec_dist_run_id(r, "export-distribution::t1::2026-12-01::7",
	    "t1"), "a short sequence is refused");
	ok(ec_dist_id(d, "export-run::t2::2026-12-01::0007", "t1",
	    &err) == -1 && err.code == EC_ERR_NOT_FOUND,
	    "a run of another tenant has none");
}

static void
test_build(void)
{
	struct ec_err	 err;
	json_t		*run, *doc, *doc2;
	char		*s, e1[EC_DIST_ETAG_MAX], e2[EC_DIST_ETAG_MAX];

	run = run_of("succeeded", tree);
	doc = run != NULL ? ec_dist_build(run, &err) : NULL;
	s = doc != NULL ? json_dumps(json_object_get(doc, "links"),
	    JSON_COMPACT) : NULL;
	ok(s != NULL && strcmp(s, "[{\"rel\":\"alternate\",\"href\":"
	    "\"/downloads/d\",\"sha256\":\"" H2 "\"},{\"rel\":\"self\","
	    "\"href\":\"/downloads/m\",\"sha256\":\"" H1 "\"}]") == 0,
	    "tree: alternate and self, sorted: %s", s != NULL ? s : "-");
	free(s);
	ok(doc != NULL && strcmp(json_string_value(json_object_get(doc,
	    "type")), "oci") == 0 && strcmp(json_string_value(
	    json_object_get(json_object_get(doc, "oci"), "ref")),
	    "reg/x:1") == 0, "a pushed run is type oci with its ref");
	ok(doc != NULL && json_array_size(json_object_get(json_object_get(doc,
	    "oci"), "pushed")) == 1 && strcmp(json_string_value(
	    json_object_get(json_array_get(json_object_get(json_object_get(doc,
	    "oci"), "pushed"), 0), "url")), "oci://reg/x:1") == 0,
	    "oci.pushed lists the pushed reference");
	ok(doc != NULL && strcmp(json_string_value(json_object_get(doc,
	    "checksum")), H1) == 0, "checksum of the manifest");
	ok(doc != NULL && ec_dist_etag(e1, doc, &err) == 0 &&
	    strlen(e1) == 66 && e1[0] == '"', "etag %s", e1);
	json_decref(doc);
	json_decref(run);
	run = run_of("succeeded", packed);
	doc2 = run != NULL ? ec_dist_build(run, &err) : NULL;
	s = doc2 != NULL ? json_dumps(json_object_get(doc2, "links"),
	    JSON_COMPACT) : NULL;
	ok(s != NULL && strstr(s, "\"rel\":\"bundle\"") != NULL &&
	    strstr(s, "\"rel\":\"self\"") != NULL && strstr(s, "alternate") ==
	    NULL && json_is_null(json_object_get(doc2, "dsseEnvelope")),
	    "packed: bundle and self, no envelope");
	free(s);
	ok(doc2 != NULL && ec_dist_etag(e2, doc2, &err) == 0 &&
	    strcmp(e1, e2) != 0, "another document, another etag");
	json_decref(doc2);
	json_decref(run);
	run = run_of("running", packed);
	ok(run != NULL && ec_dist_build(run, &err) == NULL &&
	    err.code == EC_ERR_NOT_FOUND, "a running run has none");
	json_decref(run);
	run = run_of("succeeded", "[]");
	ok(run != NULL && ec_dist_build(run, &err) == NULL &&
	    err.code == EC_ERR_NOT_FOUND, "no signed output, none");
	json_decref(run);
}

int
main(void)
{
	const char	*e = "\"abc\"";

	test_ids();
	test_build();
	ok(ec_dist_etag_match("\"abc\"", e), "If-None-Match: the tag");
	ok(ec_dist_etag_match("\"x\", W/\"abc\"", e), "in a list, weak");
	ok(ec_dist_etag_match("*", e), "*");
	ok(!ec_dist_etag_match("\"abcd\"", e), "another tag");
	ok(!ec_dist_etag_match("abc", e), "unquoted is no tag");
	ok(!ec_dist_etag_match(NULL, e), "no header");
	ok(!ec_dist_etag_match("\"ab", e), "unterminated");
	return done_testing();
}
