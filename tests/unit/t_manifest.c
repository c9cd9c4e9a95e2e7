/* tests/unit/t_manifest.c: manifest.json and checksums.txt (ec_manifest). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_canon.h"
#include "ec_limits.h"
#include "ec_manifest.h"

/* Digests of known strings, from sha256sum(1), not from the library. */
#define SHA_EMPTY \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define SHA_ABC \
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define SHA_HELLO \
	"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define SHA_A1 \
	"015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"
/* SHA_ABC with its first digit replaced by one that is not hex. */
#define SHA_NOT_HEX \
	"xa7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* Ceiling for a written manifest; EC_MAX_OUTPUTS items fit easily. */
#define T_MANIFEST_MAX	(1024 * 1024)

static char	dir[] = "/tmp/t_manifest.XXXXXX";

/* A digest whose every byte is "b", so that items are told apart. */
static void
digest_fill(uint8_t d[EC_SHA256_LEN], uint8_t b)
{
	memset(d, b, EC_SHA256_LEN);
}

/* The head every written manifest here uses; "sel" is borrowed. */
static void
head_init(struct ec_manifest_head *h, const json_t *sel)
{
	memset(h, 0, sizeof(*h));
	h->run_id = "run-0001";
	h->tenant = "acme";
	h->profile = "mirror-full";
	h->selectors = sel;
	h->inputs_hash = SHA_ABC;
	h->snapshot_us = INT64_C(1700000000) * 1000000;
	h->documents = 42;
}

/* Does "it" exist and carry exactly these four strings? */
static int
item_is(const struct ec_manifest_item *it, const char *type, const char *id,
    const char *format, const char *path)
{
	return it != NULL && strcmp(it->type, type) == 0 &&
	    strcmp(it->id, id) == 0 && strcmp(it->format, format) == 0 &&
	    strcmp(it->path, path) == 0;
}

static void
test_sorting(void)
{
	struct ec_manifest		*m;
	struct ec_err			 err;
	const struct ec_manifest_item	*it;
	uint8_t				 d[EC_SHA256_LEN];
	char				 type[16];
	int				 rc = 0;

	if (ec_manifest_new(&m, &err) == -1) {
		ok(0, "ec_manifest_new: %s", err.msg);
		return;
	}
	digest_fill(d, 0xab);
	/* Every tie level, added in an order that sorts none of them. */
	rc |= ec_manifest_add(m, "sbom", "b", "json", "p1", d, 1, &err);
	rc |= ec_manifest_add(m, "advisory", "z", "ndjson", "p2", d, 2, &err);
	rc |= ec_manifest_add(m, "advisory", "a", "json", "p3", d, 3, &err);
	rc |= ec_manifest_add(m, "advisory", "a", "json", "p0", d, 4, &err);
	rc |= ec_manifest_add(m, "advisory", "a", "cyclonedx", "p9", d, 5,
	    &err);
	/* The strings must be copied: change the caller's after adding. */
	(void)snprintf(type, sizeof(type), "vex");
	rc |= ec_manifest_add(m, type, "a", "json", "p5", d, 6, &err);
	(void)snprintf(type, sizeof(type), "XXX");
	ok(rc == 0 && ec_manifest_count(m) == 6, "six items added");

	ok(item_is(ec_manifest_item(m, 0), "advisory", "a", "cyclonedx",
	    "p9") &&
	    item_is(ec_manifest_item(m, 1), "advisory", "a", "json", "p0") &&
	    item_is(ec_manifest_item(m, 2), "advisory", "a", "json", "p3") &&
	    item_is(ec_manifest_item(m, 3), "advisory", "z", "ndjson",
	    "p2") &&
	    item_is(ec_manifest_item(m, 4), "sbom", "b", "json", "p1") &&
	    item_is(ec_manifest_item(m, 5), "vex", "a", "json", "p5"),
	    "items sorted by type, id, format, then path");
	ok(ec_manifest_item(m, 6) == NULL, "past the last item: NULL");
	it = ec_manifest_item(m, 1);
	ok(it != NULL && it->size == 4 && strcmp(it->sha256,
	    "abababababababababababababababababababababababababababababababab")
	    == 0, "size and lowercase hex digest kept");

	/* An add after reading must be sorted in on the next read. */
	digest_fill(d, 0x01);
	ok(ec_manifest_add(m, "advisory", "a", "aaa", "p7", d, 7, &err) == 0 &&
	    item_is(ec_manifest_item(m, 0), "advisory", "a", "aaa", "p7") &&
	    item_is(ec_manifest_item(m, 1), "advisory", "a", "cyclonedx",
	    "p9") && ec_manifest_count(m) == 7,
	    "an item added after a read is sorted in");
	ec_manifest_free(m);
	ec_manifest_free(NULL);
	ok(1, "ec_manifest_free(NULL) does nothing");
}

static void
test_limit(void)
{
	struct ec_manifest	*m;
	struct ec_err		 err;
	uint8_t			 d[EC_SHA256_LEN];
	char			 path[32];
	int			 i, fails = 0;

	if (ec_manifest_new(&m, &err) == -1) {
		ok(0, "ec_manifest_new: %s", err.msg);
		return;
	}
	digest_fill(d, 0x11);
	for (i = 0; i < EC_MAX_OUTPUTS; i++) {
		(void)snprintf(path, sizeof(path), "data/%04d.json", i);
		if (ec_manifest_add(m, "sbom", "x", "json", path, d,
		    (uint64_t)i, &err) == -1)
			fails++;
	}
	ok(fails == 0 && ec_manifest_count(m) == EC_MAX_OUTPUTS,
	    "exactly EC_MAX_OUTPUTS items fit");
	ok(ec_manifest_add(m, "sbom", "x", "json", "one-more", d, 0,
	    &err) == -1 && err.code == EC_ERR_TOO_LARGE &&
	    ec_manifest_count(m) == EC_MAX_OUTPUTS,
	    "item EC_MAX_OUTPUTS + 1: EC_ERR_TOO_LARGE: %s", err.msg);
	ec_manifest_free(m);
}

/* A manifest of three items, added in the order "order" gives. */
static int
build_written(struct ec_buf *out, const int order[3], struct ec_err *err)
{
	static const struct {
		const char	*type, *id, *format, *path;
		uint8_t		 fill;
		uint64_t	 size;
	} items[3] = {
		{ "advisory", "GHSA-1", "json", "advisories/1.json", 0x01, 10 },
		{ "sbom", "pkg:npm/a", "ndjson", "sboms/a.ndjson", 0x02,
		    9007199254740992ULL },
		{ "advisory", "CVE-2024-1", "json", "advisories/0.json", 0x03,
		    0 },
	};
	struct ec_manifest	*m;
	struct ec_manifest_head	 h;
	json_t			*sel;
	uint8_t			 d[EC_SHA256_LEN];
	int			 i, k, rc = -1;

	if ((sel = json_pack("{s:[s], s:[s, s]}", "formats", "json",
	    "targets", "advisory", "sbom")) == NULL)
		return ec_err_nomem(err);
	if (ec_manifest_new(&m, err) == -1) {
		json_decref(sel);
		return -1;
	}
	for (i = 0; i < 3; i++) {
		k = order[i];
		digest_fill(d, items[k].fill);
		if (ec_manifest_add(m, items[k].type, items[k].id,
		    items[k].format, items[k].path, d, items[k].size,
		    err) == -1)
			goto out;
	}
	head_init(&h, sel);
	if (ec_manifest_write(out, m, &h, err) == -1)
		goto out;
	rc = 0;
out:
	ec_manifest_free(m);
	json_decref(sel);
	return rc;
}

static void
test_round_trip(void)
{
	static const int		 fwd[3] = { 0, 1, 2 };
	static const int		 rev[3] = { 2, 1, 0 };
	struct ec_manifest		*m;
	struct ec_buf			 a, b, canon;
	struct ec_err			 err;
	const struct ec_manifest_item	*it;
	json_t				*doc;

	ec_buf_init(&a, T_MANIFEST_MAX);
	ec_buf_init(&b, T_MANIFEST_MAX);
	ec_buf_init(&canon, T_MANIFEST_MAX);
	if (build_written(&a, fwd, &err) == -1 ||
	    build_written(&b, rev, &err) == -1) {
		ok(0, "manifest written: %s", err.msg);
		goto out;
	}
	ok(a.len == b.len && memcmp(a.data, b.data, a.len) == 0,
	    "insertion order does not change the bytes");
	ok(ec_canon_bytes(&canon, a.data, a.len, &err) == 0 &&
	    canon.len == a.len && memcmp(canon.data, a.data, a.len) == 0,
	    "the written manifest is canonical JSON");

	doc = json_loadb(a.data, a.len, JSON_REJECT_DUPLICATES, NULL);
	ok(doc != NULL && strcmp(json_string_value(json_object_get(doc,
	    "schemaVersion")), EC_MANIFEST_SCHEMA) == 0 &&
	    strcmp(json_string_value(json_object_get(doc, "tenant")),
	    "acme") == 0 &&
	    strcmp(json_string_value(json_object_get(doc, "snapshotAt")),
	    "2023-11-14T22:13:20Z") == 0 &&
	    json_integer_value(json_object_get(doc, "documents")) == 42 &&
	    strcmp(json_string_value(json_object_get(doc, "inputsHash")),
	    SHA_ABC) == 0, "head fields written: %s", a.data);
	json_decref(doc);

	if (ec_manifest_parse(&m, a.data, a.len, &err) == -1) {
		ok(0, "written manifest parses: %s", err.msg);
		goto out;
	}
	ok(strcmp(ec_manifest_run_id(m), "run-0001") == 0 &&
	    strcmp(ec_manifest_profile(m), "mirror-full") == 0,
	    "run id and profile kept");
	ok(ec_manifest_count(m) == 3, "three items read back");
	it = ec_manifest_item(m, 0);
	ok(item_is(it, "advisory", "CVE-2024-1", "json",
	    "advisories/0.json") && it->size == 0 && strcmp(it->sha256,
	    "0303030303030303030303030303030303030303030303030303030303030303")
	    == 0, "item 0 read back");
	it = ec_manifest_item(m, 1);
	ok(item_is(it, "advisory", "GHSA-1", "json", "advisories/1.json") &&
	    it->size == 10 && strcmp(it->sha256,
	    "0101010101010101010101010101010101010101010101010101010101010101")
	    == 0, "item 1 read back");
	it = ec_manifest_item(m, 2);
	ok(item_is(it, "sbom", "pkg:npm/a", "ndjson", "sboms/a.ndjson") &&
	    it->size == 9007199254740992ULL, "item 2 read back, size 2^53");
	ec_manifest_free(m);
out:
	ec_buf_dispose(&a);
	ec_buf_dispose(&b);
	ec_buf_dispose(&canon);
}

/* "len" bytes at "p" must be refused with EC_ERR_VERIFY naming "want". */
static void
parse_bad(const char *p, size_t len, const char *want, const char *what)
{
	struct ec_manifest	*m = NULL;
	struct ec_err		 err;

	memset(&err, 0, sizeof(err));
	if (ec_manifest_parse(&m, p, len, &err) == 0) {
		ok(0, "%s: accepted", what);
		ec_manifest_free(m);
		return;
	}
	ok(m == NULL && err.code == EC_ERR_VERIFY &&
	    strstr(err.msg, want) != NULL, "%s: %s", what, err.msg);
}

/* Serialise "doc" (released here) canonically and expect a refusal. */
static void
doc_bad(json_t *doc, const char *want, const char *what)
{
	struct ec_buf	out;
	struct ec_err	err;

	ec_buf_init(&out, 4 * T_MANIFEST_MAX);
	if (doc == NULL || ec_canon_dump(&out, doc, &err) == -1)
		ok(0, "%s: could not build the document", what);
	else
		parse_bad(out.data, out.len, want, what);
	json_decref(doc);
	ec_buf_dispose(&out);
}

/* Serialise "doc" (released here) canonically and expect it to parse. */
static void
doc_good(json_t *doc, size_t want_items, const char *what)
{
	struct ec_manifest	*m;
	struct ec_buf		 out;
	struct ec_err		 err;

	ec_buf_init(&out, 4 * T_MANIFEST_MAX);
	if (doc == NULL || ec_canon_dump(&out, doc, &err) == -1)
		ok(0, "%s: could not build the document", what);
	else if (ec_manifest_parse(&m, out.data, out.len, &err) == -1)
		ok(0, "%s: rejected: %s", what, err.msg);
	else {
		ok(ec_manifest_count(m) == want_items, "%s", what);
		ec_manifest_free(m);
	}
	json_decref(doc);
	ec_buf_dispose(&out);
}

/* Item "i" of manifest "doc", borrowed from it. */
static json_t *
doc_item(json_t *doc, size_t i)
{
	return json_array_get(json_object_get(doc, "items"), i);
}

/* A copy of "base" with "n" items, each a copy of its first. */
static json_t *
doc_with_items(const json_t *base, size_t n)
{
	json_t	*doc, *items, *it;
	char	 path[32];
	size_t	 i;

	doc = json_deep_copy(base);
	items = json_array();
	for (i = 0; i < n; i++) {
		it = json_deep_copy(doc_item(doc, 0));
		(void)snprintf(path, sizeof(path), "data/%05zu.json", i);
		(void)json_object_set_new(it, "path", json_string(path));
		(void)json_array_append_new(items, it);
	}
	(void)json_object_set_new(doc, "items", items);
	return doc;
}

static void
test_parse_schema(const json_t *base)
{
	json_t	*doc;

	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "schemaVersion",
	    json_string("export-center.manifest/v2"));
	doc_bad(doc, "unknown schemaVersion", "wrong schemaVersion");
	doc = json_deep_copy(base);
	(void)json_object_del(doc, "schemaVersion");
	doc_bad(doc, "\"schemaVersion\" missing", "no schemaVersion");
	doc = json_deep_copy(base);
	(void)json_object_del(doc, "runId");
	doc_bad(doc, "\"runId\" missing", "missing runId");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "runId", json_integer(7));
	doc_bad(doc, "\"runId\" missing", "runId not a string");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "runId", json_string(""));
	doc_bad(doc, "\"runId\" missing", "empty runId");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "runId", json_stringn("a\0b", 3));
	doc_bad(doc, "\"runId\" missing", "runId with a NUL");
	doc = json_deep_copy(base);
	(void)json_object_del(doc, "profile");
	doc_bad(doc, "\"profile\" missing", "missing profile");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc, "items", json_object());
	doc_bad(doc, "items is not an array", "items an object");
	doc = json_deep_copy(base);
	(void)json_object_del(doc, "items");
	doc_bad(doc, "items is not an array", "no items");
	doc = json_deep_copy(base);
	(void)json_array_append_new(json_object_get(doc, "items"),
	    json_string("x"));
	doc_bad(doc, "an item is not an object", "item a string");
	doc_bad(json_pack("[]"), "not an object", "top level an array");

	doc = json_deep_copy(base);
	(void)json_object_del(doc_item(doc, 0), "path");
	doc_bad(doc, "\"path\" missing", "item missing path");
	doc = json_deep_copy(base);
	(void)json_object_del(doc_item(doc, 1), "type");
	doc_bad(doc, "\"type\" missing", "item missing type");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "id", json_null());
	doc_bad(doc, "\"id\" missing", "item id null");
	doc = json_deep_copy(base);
	(void)json_object_del(doc_item(doc, 0), "sha256");
	doc_bad(doc, "\"sha256\" missing", "item missing sha256");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "sha256",
	    json_string(SHA_NOT_HEX));
	doc_bad(doc, "bad sha256", "sha256 with a non-hex digit");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "sha256", json_string(
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85"));
	doc_bad(doc, "bad sha256", "sha256 of 63 digits");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "sha256", json_string(
	    SHA_EMPTY "00"));
	doc_bad(doc, "bad sha256", "sha256 of 66 digits");
}

static void
test_parse_sizes(const json_t *base)
{
	json_t	*doc;

	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "size", json_integer(-1));
	doc_bad(doc, "bad size", "negative size");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "size", json_real(1.5));
	doc_bad(doc, "bad size", "fractional size");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "size", json_real(1e300));
	doc_bad(doc, "bad size", "huge size");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "size",
	    json_real(9007199254740994.0));
	doc_bad(doc, "bad size", "size 2^53 + 2, past exact doubles");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "size",
	    json_string("12"));
	doc_bad(doc, "bad size", "size a string");
	doc = json_deep_copy(base);
	(void)json_object_del(doc_item(doc, 0), "size");
	doc_bad(doc, "bad size", "size missing");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "size",
	    json_real(9007199254740992.0));
	doc_good(doc, 3, "size 2^53 accepted");
	doc = json_deep_copy(base);
	(void)json_object_set_new(doc_item(doc, 0), "size", json_integer(0));
	doc_good(doc, 3, "size 0 accepted");

	doc_good(doc_with_items(base, EC_MAX_OUTPUTS), EC_MAX_OUTPUTS,
	    "exactly EC_MAX_OUTPUTS items parse");
	doc_bad(doc_with_items(base, EC_MAX_OUTPUTS + 1),
	    "more than 1000 items", "EC_MAX_OUTPUTS + 1 items refused");
	doc_good(doc_with_items(base, 0), 0, "no items at all parse");
}

/* A canonical manifest with unsorted items still reads back sorted. */
static void
test_parse_order(const json_t *base)
{
	struct ec_manifest	*m;
	struct ec_buf		 out;
	struct ec_err		 err;
	json_t			*doc, *items;

	ec_buf_init(&out, T_MANIFEST_MAX);
	doc = json_deep_copy(base);
	items = json_object_get(doc, "items");
	/* Move the first item (advisories/0.json) to the end. */
	(void)json_array_append(items, json_array_get(items, 0));
	(void)json_array_remove(items, 0);
	if (ec_canon_dump(&out, doc, &err) == -1 ||
	    ec_manifest_parse(&m, out.data, out.len, &err) == -1)
		ok(0, "unsorted manifest: %s", err.msg);
	else {
		ok(strcmp(ec_manifest_item(m, 0)->path,
		    "advisories/0.json") == 0 &&
		    strcmp(ec_manifest_item(m, 2)->path,
		    "sboms/a.ndjson") == 0,
		    "items read back sorted whatever their order in the file");
		ec_manifest_free(m);
	}
	json_decref(doc);
	ec_buf_dispose(&out);
}

/* qsort(3) order of key names; reversed_keys() inserts from the last. */
static int
key_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A shallow copy of object "o" whose keys are in reverse sorted order. */
static json_t *
reversed_keys(const json_t *o)
{
	const char	*keys[32], *k;
	json_t		*out, *v;
	size_t		 n = 0;

	json_object_foreach((json_t *)o, k, v)
		if (n < 32)
			keys[n++] = k;
	qsort(keys, n, sizeof(keys[0]), key_cmp);
	if ((out = json_object()) == NULL)
		return NULL;
	while (n > 0) {
		n--;
		(void)json_object_set(out, keys[n],
		    json_object_get(o, keys[n]));
	}
	return out;
}

static void
test_parse_bytes(const struct ec_buf *good)
{
	struct ec_buf	 spaced;
	struct ec_err	 err;
	json_t		*doc, *rev;
	char		*pretty;
	static const char	dup[] =
	    "{\"items\":[],\"profile\":\"p\",\"runId\":\"a\",\"runId\":\"a\","
	    "\"schemaVersion\":\"export-center.manifest/v1\"}";

	/* The same value, re-serialised: not the bytes that were signed. */
	ec_buf_init(&spaced, T_MANIFEST_MAX);
	if (ec_buf_adds(&spaced, "{ ", &err) == -1 ||
	    ec_buf_add(&spaced, good->data + 1, good->len - 1, &err) == -1)
		ok(0, "spaced copy: %s", err.msg);
	else
		parse_bad(spaced.data, spaced.len,
		    "manifest.json: not in canonical form",
		    "a space after the brace");
	ec_buf_reset(&spaced);
	if (ec_buf_add(&spaced, good->data, good->len, &err) == -1 ||
	    ec_buf_addc(&spaced, '\n', &err) == -1)
		ok(0, "copy with a newline: %s", err.msg);
	else
		parse_bad(spaced.data, spaced.len,
		    "manifest.json: not in canonical form",
		    "a trailing newline");
	ec_buf_dispose(&spaced);

	doc = json_loadb(good->data, good->len, 0, NULL);
	pretty = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	if (pretty != NULL)
		parse_bad(pretty, strlen(pretty),
		    "manifest.json: not in canonical form",
		    "pretty-printed by jansson");
	free(pretty);
	rev = reversed_keys(doc);
	pretty = json_dumps(rev, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (pretty != NULL)
		parse_bad(pretty, strlen(pretty),
		    "manifest.json: not in canonical form",
		    "compact, but keys in reverse order");
	free(pretty);
	json_decref(rev);
	json_decref(doc);

	parse_bad(dup, sizeof(dup) - 1, "duplicate", "duplicate keys");
	parse_bad("{", 1, "manifest.json", "truncated JSON");
	parse_bad("", 0, "manifest.json", "empty input");
	parse_bad("nonsense", 8, "manifest.json", "not JSON");
	parse_bad("{\"a\":\"\xff\"}", 9, "manifest.json", "invalid UTF-8");
	parse_bad(good->data, good->len - 1, "manifest.json",
	    "last byte cut off");
}

static void
test_parse(void)
{
	static const int	 order[3] = { 0, 1, 2 };
	struct ec_buf		 good;
	struct ec_err		 err;
	json_t			*base;

	ec_buf_init(&good, T_MANIFEST_MAX);
	if (build_written(&good, order, &err) == -1) {
		ok(0, "manifest written: %s", err.msg);
		ec_buf_dispose(&good);
		return;
	}
	/* Jansson's reals keep the 2^53 size exact, as the parser reads it. */
	base = json_loadb(good.data, good.len, JSON_DECODE_INT_AS_REAL, NULL);
	if (base == NULL)
		ok(0, "written manifest loads");
	else {
		test_parse_schema(base);
		test_parse_sizes(base);
		test_parse_order(base);
	}
	test_parse_bytes(&good);
	json_decref(base);
	ec_buf_dispose(&good);
}

static void
test_checksums_write(void)
{
	struct ec_bundle	*b;
	struct ec_buf		 out;
	struct ec_err		 err;
	char			 path[256];
	static const char	 want[] =
	    SHA_EMPTY "  Z.txt\n"
	    SHA_ABC "  a.txt\n"
	    SHA_HELLO "  data/b.ndjson\n"
	    SHA_A1 "  manifest.json\n";

	(void)snprintf(path, sizeof(path), "%s/b.tar.zst", dir);
	if (ec_bundle_new(&b, path, 1700000000, EC_MAX_BUNDLE_BYTES,
	    &err) == -1) {
		ok(0, "bundle: %s", err.msg);
		return;
	}
	/* Added unsorted; "Z" sorts before "a" bytewise. */
	if (ec_bundle_add_mem(b, "manifest.json", "{\"a\":1}", 7, &err) == -1 ||
	    ec_bundle_add_mem(b, "checksums.txt", "ignored\n", 8, &err) == -1 ||
	    ec_bundle_add_mem(b, "data/b.ndjson", "hello\n", 6, &err) == -1 ||
	    ec_bundle_add_mem(b, "a.txt", "abc", 3, &err) == -1 ||
	    ec_bundle_add_mem(b, "Z.txt", "", 0, &err) == -1) {
		ok(0, "bundle entries: %s", err.msg);
		ec_bundle_free(b);
		return;
	}
	ec_buf_init(&out, 4096);
	if (ec_checksums_write(&out, b, &err) == -1)
		ok(0, "checksums.txt written: %s", err.msg);
	else
		ok(strcmp(out.data, want) == 0,
		    "checksums.txt sorted, without itself: %zu bytes",
		    out.len);
	ec_buf_dispose(&out);

	ec_buf_init(&out, 100);
	ok(ec_checksums_write(&out, b, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE,
	    "checksums.txt past the buffer ceiling: %s", err.msg);
	ec_buf_dispose(&out);
	ec_bundle_free(b);
	ok(access(path, F_OK) == -1, "unfinished bundle removed");
}

struct seen {
	int	n;
	char	first[512];
	char	last[512];
	uint8_t	digest[EC_SHA256_LEN];	/* the last line's */
	int	fail_at;		/* 0: never */
};

static int
seen_line(void *arg, const char *path, const uint8_t digest[EC_SHA256_LEN],
    struct ec_err *err)
{
	struct seen	*s = arg;

	s->n++;
	if (s->n == 1)
		(void)snprintf(s->first, sizeof(s->first), "%s", path);
	(void)snprintf(s->last, sizeof(s->last), "%s", path);
	memcpy(s->digest, digest, EC_SHA256_LEN);
	if (s->n == s->fail_at)
		return ec_err_set(err, EC_ERR_CONFLICT, "stopped at %s", path);
	return 0;
}

/* "len" bytes must be refused with EC_ERR_VERIFY naming "want". */
static void
cks_bad(const char *p, size_t len, const char *want, const char *what)
{
	struct seen	s;
	struct ec_err	err;

	memset(&s, 0, sizeof(s));
	memset(&err, 0, sizeof(err));
	if (ec_checksums_parse(p, len, seen_line, &s, &err) == 0)
		ok(0, "%s: accepted", what);
	else
		ok(err.code == EC_ERR_VERIFY && strstr(err.msg, want) != NULL,
		    "%s: %s", what, err.msg);
}

/* The NUL-terminated "p" must give "n" lines, the last "last". */
static void
cks_good(const char *p, int n, const char *last, const char *what)
{
	struct seen	s;
	struct ec_err	err;
	uint8_t		abc[EC_SHA256_LEN];

	memset(&s, 0, sizeof(s));
	if (ec_hex_decode(abc, sizeof(abc), SHA_ABC, 64) == -1)
		abort();
	if (ec_checksums_parse(p, strlen(p), seen_line, &s, &err) == -1)
		ok(0, "%s: rejected: %s", what, err.msg);
	else
		ok(s.n == n && strcmp(s.last, last) == 0 &&
		    memcmp(s.digest, abc, sizeof(abc)) == 0,
		    "%s: %d lines, last %.40s", what, s.n, s.last);
}

/* "n" well-formed lines (names f0, f1, ...); the caller frees them. */
static char *
cks_lines(int n, size_t *len_out)
{
	struct ec_buf	b;
	struct ec_err	err;
	int		i;

	ec_buf_init(&b, (size_t)n * 80 + 1);
	for (i = 0; i < n; i++)
		if (ec_buf_addf(&b, &err, "%s  f%d\n", SHA_ABC, i) == -1)
			abort();
	return ec_buf_steal(&b, len_out);
}

static void
test_checksums_parse(void)
{
	struct seen	 s;
	struct ec_buf	 name;
	struct ec_err	 err;
	char		*text, upper[65];
	size_t		 len, i;
	int		 rc;
	static const char	 nul_name[] = SHA_ABC "  a\0b\n";

	cks_good(SHA_ABC "  a.txt\n", 1, "a.txt", "text-mode separator");
	cks_good(SHA_ABC " *a.txt\n", 1, "a.txt", "binary-mode separator");
	cks_good(SHA_EMPTY "  Z.txt\n" SHA_ABC " *dir/a b.txt\n", 2,
	    "dir/a b.txt", "two lines, a space inside a name");
	cks_good(SHA_ABC "  *x\n", 1, "*x",
	    "a star after two spaces belongs to the name");
	/* sha256sum -c reads upper-case digests too; so does ec_hex_decode. */
	for (i = 0; i < 64; i++)
		upper[i] = SHA_ABC[i] >= 'a' && SHA_ABC[i] <= 'f' ?
		    (char)(SHA_ABC[i] - 'a' + 'A') : SHA_ABC[i];
	upper[64] = '\0';
	ec_buf_init(&name, 4096);
	if (ec_buf_addf(&name, &err, "%s  up.txt\n", upper) == 0)
		cks_good(name.data, 1, "up.txt",
		    "upper-case digest read as the same digest");
	ec_buf_dispose(&name);

	cks_bad(SHA_ABC "  a.txt", sizeof(SHA_ABC "  a.txt") - 1,
	    "last line not terminated", "missing final newline");
	cks_bad(SHA_ABC "  a\n" SHA_ABC "  b", sizeof(SHA_ABC "  a\n"
	    SHA_ABC "  b") - 1, "last line not terminated",
	    "second line not terminated");
	cks_bad(SHA_ABC "  \n", sizeof(SHA_ABC "  \n") - 1, "line 1 malformed",
	    "empty name");
	cks_bad("abc  a.txt\n", 11, "line 1 malformed", "short digest");
	cks_bad("\n", 1, "line 1 malformed", "blank line");
	cks_bad(SHA_ABC "  a\n\n", sizeof(SHA_ABC "  a\n\n") - 1,
	    "line 2 malformed", "blank second line");
	cks_bad(SHA_NOT_HEX "  a.txt\n", sizeof(SHA_NOT_HEX "  a.txt\n") - 1,
	    "line 1 malformed", "non-hex digest");
	cks_bad(SHA_ABC " a.txt\n", sizeof(SHA_ABC " a.txt\n") - 1,
	    "line 1 malformed", "one space only");
	cks_bad(SHA_ABC "\ta.txt\n", sizeof(SHA_ABC "\ta.txt\n") - 1,
	    "line 1 malformed", "tab separator");
	cks_bad(SHA_ABC "0  a.txt\n", sizeof(SHA_ABC "0  a.txt\n") - 1,
	    "line 1 malformed", "65 digits");
	cks_bad(SHA_ABC "  a\tb\n", sizeof(SHA_ABC "  a\tb\n") - 1,
	    "bad character", "tab in a name");
	cks_bad(SHA_ABC "  a.txt\r\n", sizeof(SHA_ABC "  a.txt\r\n") - 1,
	    "bad character", "CRLF line end");
	cks_bad(SHA_ABC "  a\x1b[2J\n", sizeof(SHA_ABC "  a\x1b[2J\n") - 1,
	    "bad character", "escape sequence in a name");
	cks_bad(SHA_ABC "  a\x7f\n", sizeof(SHA_ABC "  a\x7f\n") - 1,
	    "bad character", "DEL in a name");
	cks_bad(SHA_ABC "  caf\xc3\xa9\n", sizeof(SHA_ABC "  caf\xc3\xa9\n") -
	    1, "bad character", "non-ASCII name");
	cks_bad(SHA_ABC "  a\\nb\n", sizeof(SHA_ABC "  a\\nb\n") - 1,
	    "bad character", "backslash (sha256sum's escaped-name form)");
	cks_bad(nul_name, sizeof(nul_name) - 1, "bad character",
	    "NUL in a name");

	text = cks_lines(EC_MAX_BUNDLE_ENTRIES, &len);
	memset(&s, 0, sizeof(s));
	rc = ec_checksums_parse(text, len, seen_line, &s, &err);
	ok(rc == 0 && s.n == EC_MAX_BUNDLE_ENTRIES,
	    "EC_MAX_BUNDLE_ENTRIES lines: %d", s.n);
	free(text);
	text = cks_lines(EC_MAX_BUNDLE_ENTRIES + 1, &len);
	cks_bad(text, len, "more than 1016 lines",
	    "EC_MAX_BUNDLE_ENTRIES + 1 lines");
	free(text);

	ec_buf_init(&name, 8192);
	if (ec_buf_addf(&name, &err, "%s  ", SHA_ABC) == -1)
		abort();
	for (i = 0; i < EC_BUNDLE_NAME_MAX; i++)
		if (ec_buf_addc(&name, 'n', &err) == -1)
			abort();
	if (ec_buf_addc(&name, '\n', &err) == -1)
		abort();
	memset(&s, 0, sizeof(s));
	ok(ec_checksums_parse(name.data, name.len, seen_line, &s, &err) == 0 &&
	    s.n == 1 && strlen(s.last) == EC_BUNDLE_NAME_MAX,
	    "a name of EC_BUNDLE_NAME_MAX bytes");
	ec_buf_reset(&name);
	if (ec_buf_addf(&name, &err, "%s  ", SHA_ABC) == -1)
		abort();
	for (i = 0; i < 4096; i++)
		if (ec_buf_addc(&name, 'n', &err) == -1)
			abort();
	if (ec_buf_addc(&name, '\n', &err) == -1)
		abort();
	cks_bad(name.data, name.len, "name too long", "a 4096-byte name");
	ec_buf_dispose(&name);

	/* The callback's own error comes back untouched. */
	text = cks_lines(3, &len);
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	ok(ec_checksums_parse(text, len, seen_line, &s, &err) == -1 &&
	    err.code == EC_ERR_CONFLICT && strcmp(err.msg, "stopped at f1") ==
	    0 && s.n == 2, "callback error passed up, no line after it: %s",
	    err.msg);
	free(text);

	memset(&s, 0, sizeof(s));
	ok(ec_checksums_parse("", 0, seen_line, &s, &err) == 0 && s.n == 0,
	    "an empty file has no lines");
}

/* What ec_checksums_write() makes, ec_checksums_parse() reads back. */
static void
test_checksums_round_trip(void)
{
	struct ec_bundle	*b;
	struct ec_buf		 out;
	struct ec_err		 err;
	struct seen		 s;
	char			 path[256];

	(void)snprintf(path, sizeof(path), "%s/rt.tar.zst", dir);
	if (ec_bundle_new(&b, path, 0, EC_MAX_BUNDLE_BYTES, &err) == -1) {
		ok(0, "bundle: %s", err.msg);
		return;
	}
	ec_buf_init(&out, 4096);
	memset(&s, 0, sizeof(s));
	if (ec_bundle_add_mem(b, "x/abc", "abc", 3, &err) == -1 ||
	    ec_bundle_add_mem(b, "a/abc", "abc", 3, &err) == -1 ||
	    ec_checksums_write(&out, b, &err) == -1)
		ok(0, "checksums written: %s", err.msg);
	else
		ok(ec_checksums_parse(out.data, out.len, seen_line, &s,
		    &err) == 0 && s.n == 2 && strcmp(s.first, "a/abc") == 0 &&
		    strcmp(s.last, "x/abc") == 0,
		    "written checksums.txt parses back in order");
	ec_buf_dispose(&out);
	ec_bundle_free(b);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		return 1;
	test_sorting();
	test_limit();
	test_round_trip();
	test_parse();
	test_checksums_write();
	test_checksums_parse();
	test_checksums_round_trip();
	if (rmdir(dir) == -1)
		ok(0, "%s left behind", dir);
	return done_testing();
}
