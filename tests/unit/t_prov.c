/* tests/unit/t_prov.c: in-toto Statement v1, SLSA Provenance v1 (ec_prov). */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_limits.h"
#include "ec_prov.h"

#define T_BUILD_TYPE	"https://stella-ops.org/export-center/build/v1"
#define T_RUN_ID	"run-0001"
#define SHA_ABC \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define T_PROV_MAX	65536
/* SHA_ABC with its first digit replaced by one that is not hex. */
#define SHA_NOT_HEX \
	"xa7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_01 \
	"0101010101010101010101010101010101010101010101010101010101010101"
#define SHA_02 \
	"0202020202020202020202020202020202020202020202020202020202020202"

/* What the bundle under test holds: a name and its digest. */
struct file {
	const char	*name;
	uint8_t		 fill;		/* every digest byte */
};

struct files {
	const struct file	*f;	/* borrowed */
	size_t			 n;
	int			 calls;	/* lookups made */
};

static const struct file	bundle_files[] = {
	{ "manifest.json", 0x01 },
	{ "data/advisories.ndjson", 0x02 },
};

/* ec_prov_lookup_fn over "struct files"; -1 for a name not held. */
static int
files_lookup(void *arg, const char *name, uint8_t digest_out[EC_SHA256_LEN])
{
	struct files	*fs = arg;
	size_t		 i;

	fs->calls++;
	for (i = 0; i < fs->n; i++)
		if (strcmp(fs->f[i].name, name) == 0) {
			memset(digest_out, fs->f[i].fill, EC_SHA256_LEN);
			return 0;
		}
	return -1;
}

/* externalParameters as exportctl would give them; a new reference. */
static json_t *
params_new(void)
{
	return json_pack("{s:s, s:{s:[s], s:[s, s]}}", "profile",
	    "mirror-full", "selectors", "formats", "json", "targets",
	    "advisory", "sbom");
}

/* The statement every test here starts from, appended to "out". */
static int
build(struct ec_buf *out, struct ec_err *err)
{
	struct ec_prov	*p;
	json_t		*params;
	uint8_t		 d[EC_SHA256_LEN];
	size_t		 i;
	int		 rc = -1;

	if ((params = params_new()) == NULL)
		return ec_err_nomem(err);
	if (ec_prov_new(&p, T_BUILD_TYPE, T_RUN_ID, params, err) == -1) {
		json_decref(params);
		return -1;
	}
	/* "params" is borrowed: the statement must not need ours. */
	json_decref(params);
	for (i = 0; i < sizeof(bundle_files) / sizeof(bundle_files[0]); i++) {
		memset(d, bundle_files[i].fill, sizeof(d));
		if (ec_prov_subject(p, bundle_files[i].name, d, err) == -1)
			goto out;
	}
	if (ec_prov_dependency(p, "advisories", SHA_ABC, 1234, err) == -1 ||
	    ec_prov_dependency(p, "sboms", SHA_ABC, 0, err) == -1 ||
	    ec_prov_write(out, p, err) == -1)
		goto out;
	rc = 0;
out:
	ec_prov_free(p);
	return rc;
}

/* The string at dotted "path" ("a.b.c") in "v", or NULL. */
static const char *
str_at(const json_t *v, const char *path)
{
	const json_t	*cur = v;
	char		 key[64];
	const char	*p = path, *dot;
	size_t		 n;

	while (cur != NULL && *p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		cur = json_object_get(cur, key);
		p += n;
		if (*p == '.')
			p++;
	}
	return json_string_value(cur);
}

static int
str_is(const json_t *v, const char *path, const char *want)
{
	const char	*s = str_at(v, path);

	return s != NULL && strcmp(s, want) == 0;
}

static void
test_write(void)
{
	struct ec_buf	 a, b, canon;
	struct ec_err	 err;
	json_t		*st, *params, *bd, *deps, *subj, *md;

	ec_buf_init(&a, T_PROV_MAX);
	ec_buf_init(&b, T_PROV_MAX);
	ec_buf_init(&canon, T_PROV_MAX);
	if (build(&a, &err) == -1 || build(&b, &err) == -1) {
		ok(0, "statement written: %s", err.msg);
		goto out;
	}
	ok(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "same inputs twice, same bytes");
	ok(ec_canon_bytes(&canon, a.data, a.len, &err) == 0 &&
	    canon.len == a.len && memcmp(canon.data, a.data, a.len) == 0,
	    "the statement is canonical JSON");

	if ((st = json_loadb(a.data, a.len, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL) {
		ok(0, "statement loads");
		goto out;
	}
	ok(str_is(st, "_type", EC_INTOTO_STATEMENT) &&
	    strcmp(EC_INTOTO_STATEMENT, "https://in-toto.io/Statement/v1") ==
	    0, "_type is %s", EC_INTOTO_STATEMENT);
	ok(str_is(st, "predicateType", EC_SLSA_PROVENANCE) &&
	    strcmp(EC_SLSA_PROVENANCE, "https://slsa.dev/provenance/v1") == 0,
	    "predicateType is %s", EC_SLSA_PROVENANCE);
	subj = json_object_get(st, "subject");
	ok(json_array_size(subj) == 2 &&
	    str_is(json_array_get(subj, 0), "name", "manifest.json") &&
	    str_is(json_array_get(subj, 0), "digest.sha256", SHA_01) &&
	    str_is(json_array_get(subj, 1), "name",
	    "data/advisories.ndjson") &&
	    str_is(json_array_get(subj, 1), "digest.sha256", SHA_02),
	    "subjects with their sha256 digests");
	ok(str_is(st, "predicate.buildDefinition.buildType", T_BUILD_TYPE),
	    "buildDefinition.buildType");
	bd = json_object_get(json_object_get(st, "predicate"),
	    "buildDefinition");
	params = params_new();
	ok(json_equal(json_object_get(bd, "externalParameters"), params),
	    "externalParameters as given");
	json_decref(params);
	deps = json_object_get(bd, "resolvedDependencies");
	ok(json_array_size(deps) == 2 &&
	    str_is(json_array_get(deps, 0), "name", "advisories") &&
	    str_is(json_array_get(deps, 0), "digest.sha256", SHA_ABC) &&
	    json_integer_value(json_object_get(json_object_get(
	    json_array_get(deps, 0), "annotations"), "documents")) == 1234 &&
	    str_is(json_array_get(deps, 1), "name", "sboms") &&
	    json_is_integer(json_object_get(json_object_get(
	    json_array_get(deps, 1), "annotations"), "documents")),
	    "resolvedDependencies: name, digest.sha256, "
	    "annotations.documents");
	ok(str_is(st, "predicate.runDetails.builder.id", EC_BUILDER_ID),
	    "runDetails.builder.id is %s", EC_BUILDER_ID);
	ok(str_is(st, "predicate.runDetails.metadata.invocationId",
	    T_RUN_ID), "runDetails.metadata.invocationId is the run id");
	md = json_object_get(json_object_get(json_object_get(st, "predicate"),
	    "runDetails"), "metadata");
	ok(json_object_size(md) == 1,
	    "no wall-clock time in the metadata (startedOn, finishedOn)");
	json_decref(st);
out:
	ec_buf_dispose(&a);
	ec_buf_dispose(&b);
	ec_buf_dispose(&canon);
}

/* Writing one statement twice must not change it. */
static void
test_write_twice(void)
{
	struct ec_prov	*p;
	struct ec_buf	 a, b;
	struct ec_err	 err;
	json_t		*params;

	ec_buf_init(&a, T_PROV_MAX);
	ec_buf_init(&b, T_PROV_MAX);
	if ((params = json_object()) == NULL ||
	    ec_prov_new(&p, T_BUILD_TYPE, T_RUN_ID, params, &err) == -1) {
		ok(0, "statement: %s", err.msg);
		goto out;
	}
	if (ec_prov_dependency(p, "advisories", SHA_ABC, 1, &err) == -1 ||
	    ec_prov_write(&a, p, &err) == -1 ||
	    ec_prov_write(&b, p, &err) == -1)
		ok(0, "statement written: %s", err.msg);
	else
		ok(a.len == b.len && memcmp(a.data, b.data, a.len) == 0 &&
		    strstr(a.data, "\"subject\":[]") != NULL,
		    "one statement written twice, no subjects: same bytes");
	ec_buf_reset(&a);
	ok(ec_prov_write(&a, p, &err) == 0, "and a third time");
	ec_buf_dispose(&b);
	ec_buf_init(&b, 16);
	ok(ec_prov_write(&b, p, &err) == -1 && err.code == EC_ERR_TOO_LARGE,
	    "past the buffer ceiling: %s", err.msg);
	ec_prov_free(p);
out:
	json_decref(params);
	ec_prov_free(NULL);
	ec_buf_dispose(&a);
	ec_buf_dispose(&b);
}

/* Check "len" bytes against "n" bundle files; "want" NULL: must pass. */
static void
check_is(const char *p, size_t len, const struct file *f, size_t n,
    const char *want, const char *what)
{
	struct files	fs = { f, n, 0 };
	struct ec_err	err;
	size_t		subjects = 99;
	int		rc;

	memset(&err, 0, sizeof(err));
	rc = ec_prov_check(p, len, files_lookup, &fs, &subjects, &err);
	if (want == NULL)
		ok(rc == 0 && subjects == 2 && fs.calls == 2,
		    "%s: %zu subjects, %d lookups", what, subjects, fs.calls);
	else if (rc == 0)
		ok(0, "%s: accepted", what);
	else
		ok(err.code == EC_ERR_VERIFY && strstr(err.msg, want) != NULL,
		    "%s: %s", what, err.msg);
}

/* Serialise "doc" (released here) and expect the check to fail. */
static void
doc_bad(json_t *doc, const char *want, const char *what)
{
	char	*s;

	if (doc == NULL || (s = json_dumps(doc, JSON_COMPACT |
	    JSON_SORT_KEYS | JSON_ENCODE_ANY)) == NULL)
		ok(0, "%s: could not build the document", what);
	else {
		check_is(s, strlen(s), bundle_files, 2, want, what);
		free(s);
	}
	json_decref(doc);
}

/* A NUL inside a string must not cut the comparison short. */
static void
test_check_nul(void)
{
	static const char	doc[] = "{\"_type\":\"https://in-toto.io/"
	    "Statement/v1\",\"predicateType\":\"https://slsa.dev/provenance/"
	    "v1\",\"subject\":[{\"name\":\"manifest.json\\u0000../evil\","
	    "\"digest\":{\"sha256\":\"0101010101010101010101010101010101010"
	    "101010101010101010101010101\"}}]}";
	static const char	type[] = "{\"_type\":\"https://in-toto.io/"
	    "Statement/v1\\u0000x\",\"predicateType\":\"https://slsa.dev/"
	    "provenance/v1\",\"subject\":[]}";

	check_is(doc, sizeof(doc) - 1, bundle_files, 2, "malformed subject",
	    "NUL inside a subject name");
	check_is(type, sizeof(type) - 1, bundle_files, 2, "_type is not",
	    "NUL inside _type");
}

static void
test_check_docs(const json_t *base)
{
	json_t	*doc, *subj;	/* subj: borrowed from doc */

	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "_type",
	    json_string("https://in-toto.io/Statement/v0.1"));
	doc_bad(doc, "_type is not", "wrong _type");
	doc = json_deep_copy(base);
	(void)json_object_del(doc, "_type");
	doc_bad(doc, "_type is not", "no _type");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "_type", json_integer(1));
	doc_bad(doc, "_type is not", "_type not a string");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "predicateType",
	    json_string("https://slsa.dev/provenance/v0.2"));
	doc_bad(doc, "predicateType is not", "wrong predicateType");
	doc = json_deep_copy(base);
	(void)json_object_del(doc, "predicateType");
	doc_bad(doc, "predicateType is not", "no predicateType");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "subject", json_array());
	doc_bad(doc, "subject must list", "empty subject array");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "subject", json_object());
	doc_bad(doc, "subject must list", "subject an object");
	doc = json_deep_copy(base);
	(void)json_object_del(doc, "subject");
	doc_bad(doc, "subject must list", "no subject");

	doc = json_deep_copy(base);
	(void)json_object_del(json_array_get(json_object_get(doc, "subject"),
	    1), "digest");
	doc_bad(doc, "malformed subject", "subject without a digest");
	doc = json_deep_copy(base);
	(void)json_object_del(json_array_get(json_object_get(doc, "subject"),
	    0), "name");
	doc_bad(doc, "malformed subject", "subject without a name");
	doc = json_deep_copy(base);
	(void)json_object_set_new(json_array_get(json_object_get(doc,
	    "subject"), 0), "name", json_integer(3));
	doc_bad(doc, "malformed subject", "subject name not a string");
	doc = json_deep_copy(base);
	(void)json_object_set_new(json_array_get(json_object_get(doc,
	    "subject"), 0), "digest", json_pack("{s:s}", "sha256", "0101"));
	doc_bad(doc, "malformed subject", "subject digest too short");
	doc = json_deep_copy(base);
	(void)json_object_set_new(json_array_get(json_object_get(doc,
	    "subject"), 0), "digest", json_pack("{s:s}", "sha256",
	    SHA_NOT_HEX));
	doc_bad(doc, "malformed subject", "subject digest not hex");
	doc = json_deep_copy(base);
	(void)json_object_set_new(json_array_get(json_object_get(doc,
	    "subject"), 0), "digest", json_pack("{s:s}", "sha512",
	    SHA_01));
	doc_bad(doc, "malformed subject", "subject with only a sha512");
	doc = json_deep_copy(base);
	(void)json_array_append_new(json_object_get(doc, "subject"),
	    json_string("extra.txt"));
	doc_bad(doc, "malformed subject", "subject entry a string");
	doc = json_deep_copy(base);
	(void)json_array_append_new(json_object_get(doc, "subject"),
	    json_pack("{s:s, s:{s:s}}", "name", "extra.txt", "digest",
	    "sha256", SHA_ABC));
	doc_bad(doc, "subject extra.txt is not in the bundle",
	    "a subject the bundle does not hold");
	doc = json_deep_copy(base);
	subj = json_object_get(doc, "subject");
	while (json_array_size(subj) < EC_MAX_BUNDLE_ENTRIES + 1)
		(void)json_array_append(subj, json_array_get(subj, 0));
	doc_bad(doc, "subject must list",
	    "EC_MAX_BUNDLE_ENTRIES + 1 subjects");
	doc_bad(json_array(), "_type is not", "top level an array");
	doc_bad(json_string("x"), "_type is not", "top level a string");
}

static void
test_check(void)
{
	static const struct file	 partial[] = {
		{ "manifest.json", 0x01 },
	};
	static const struct file	 tampered[] = {
		{ "manifest.json", 0x01 },
		{ "data/advisories.ndjson", 0x03 },
	};
	static const char		 dup[] =
	    "{\"_type\":\"https://in-toto.io/Statement/v1\","
	    "\"_type\":\"https://in-toto.io/Statement/v1\"}";
	struct ec_buf			 good;
	struct ec_err			 err;
	json_t				*base;
	char				*pretty;

	ec_buf_init(&good, T_PROV_MAX);
	if (build(&good, &err) == -1) {
		ok(0, "statement written: %s", err.msg);
		ec_buf_dispose(&good);
		return;
	}
	check_is(good.data, good.len, bundle_files, 2, NULL,
	    "our own statement checks out");
	check_is(good.data, good.len, partial, 1,
	    "subject data/advisories.ndjson is not in the bundle",
	    "unknown subject name");
	check_is(good.data, good.len, tampered, 2,
	    "subject data/advisories.ndjson: digest mismatch",
	    "digest mismatch");

	base = json_loadb(good.data, good.len, 0, NULL);
	if (base == NULL)
		ok(0, "statement loads");
	else {
		pretty = json_dumps(base, JSON_INDENT(2));
		if (pretty != NULL)
			check_is(pretty, strlen(pretty), bundle_files, 2, NULL,
			    "the check reads JSON, not bytes: pretty is fine");
		free(pretty);
		test_check_docs(base);
	}
	json_decref(base);

	check_is("{", 1, bundle_files, 2, "not valid JSON", "truncated JSON");
	check_is("", 0, bundle_files, 2, "not valid JSON", "empty input");
	check_is("[1,]", 4, bundle_files, 2, "not valid JSON",
	    "trailing comma");
	check_is(dup, sizeof(dup) - 1, bundle_files, 2, "not valid JSON",
	    "duplicate keys");
	check_is("{\"_type\":\"\xff\"}", 12, bundle_files, 2, "not valid JSON",
	    "invalid UTF-8");
	check_is(good.data, good.len - 1, bundle_files, 2, "not valid JSON",
	    "last byte cut off");
	ec_buf_dispose(&good);
}

int
main(void)
{
	test_write();
	test_write_twice();
	test_check();
	test_check_nul();
	return done_testing();
}
