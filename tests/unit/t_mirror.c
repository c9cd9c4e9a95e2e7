/*
 * tests/unit/t_mirror.c: the mirror:full profile through the real driver
 * over the in-memory store (so the sanitizer build runs it too): the
 * tree's parts, chunks that decompress to every document, one new
 * advisory changing one or two chunks and no other, the TUF version from
 * the snapshot time, two builds byte-identical, and refusals (no key, a
 * bad parameter, rotating what is not a mirror) that write nothing.
 * tuf-js, skopeo and umoci check the trees in tests/integration/92.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_export.h"
#include "ec_key.h"
#include "ec_mirror.h"
#include "ec_store.h"

static char	dir[] = "/tmp/t_mirror.XXXXXX";
static char	staging[300];
static char	keypath[300];

/* 2023-11-14T22:13:20Z, plus "n" seconds. */
static int
add_advisory(struct ec_store *s, const char *id, int64_t n)
{
	struct ec_err	err;
	char		doc[512];

	(void)snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"modified\":"
	    "\"2023-11-14T22:13:20Z\",\"summary\":\"advisory %s\"}", id, id);
	return ec_store_mem_add(s, "acme", "advisory", "fixture", id,
	    1700000000000000LL + n * 1000000, doc, strlen(doc), &err);
}

static int
build(struct ec_export_result *res, struct ec_store *s, const char *sub,
    const struct ec_signer *key, const char *const *params, size_t np,
    struct ec_err *err)
{
	struct ec_export_req	r;
	char			out[400];

	(void)snprintf(out, sizeof(out), "%s/%s", dir, sub);
	memset(&r, 0, sizeof(r));
	r.tenant = "acme";
	r.profile = "mirror:full";
	r.out_dir = out;
	r.staging_dir = staging;
	r.signer = key;
	r.params = params;
	r.nparams = np;
	if (ec_export_build(res, s, &r, err) == -1) {
		printf("# mirror:full: %s\n", err->msg);
		return -1;
	}
	return 0;
}

/* Run a formatted shell command: whether it exits 0. */
static char	shbuf[9000];
#define SH(...)	(snprintf(shbuf, sizeof(shbuf), __VA_ARGS__) > 0 && \
		    system(shbuf) == 0)

static void
refusals(struct ec_store *s, const struct ec_signer *key)
{
	static const char *const	bad[] = { "expires-root=soon" };
	static const char *const	thr[] = { "tuf-threshold=2" };
	struct ec_export_result		res;
	struct ec_err			err;
	uint64_t			root;

	ok(build(&res, s, "nokey", NULL, NULL, 0, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID &&
	    SH("test -z \"$(ls %s/nokey 2>/dev/null)\"", dir),
	    "no TUF key: refused, nothing published (%s)", err.msg);
	ok(build(&res, s, "bad", key, bad, 1, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID,
	    "expires-root=soon refused (%s)", err.msg);
	ok(build(&res, s, "thr", key, thr, 1, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID,
	    "a threshold above the keys refused (%s)", err.msg);
	ok(ec_mirror_rotate(&root, dir, (const struct ec_signer *const *)&key,
	    1, 1, (const struct ec_signer *const *)&key, 1, 4102444800,
	    &err) == -1 && err.code == EC_ERR_REQUEST_INVALID,
	    "rotating a directory that is no mirror refused (%s)", err.msg);
}

int
main(void)
{
	static const char *const	 far[] = { "expires-timestamp=3650d" };
	struct ec_export_result		 a, b, c;
	struct ec_store			*s = NULL;
	struct ec_signer		*key = NULL;
	struct ec_err			 err;
	char				 id[64], keyid[EC_KEY_ID_SIZE];
	int				 i, added = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(staging, sizeof(staging), "%s/staging", dir);
	(void)snprintf(keypath, sizeof(keypath), "%s/k", dir);
	if (!SH("mkdir %s %s", staging, keypath) ||
	    ec_store_mem_new(&s, &err) == -1)
		return 1;
	ok(ec_key_generate(keyid, keypath, EC_KEY_ED25519, &err) == 0,
	    "an Ed25519 key");
	(void)snprintf(keypath, sizeof(keypath), "%s/k/%s", dir,
	    EC_KEY_PRIV_FILE);
	ok(ec_signer_load(&key, keypath, &err) == 0, "loaded");
	for (i = 0; i < 3000; i++) {
		(void)snprintf(id, sizeof(id), "GHSA-%04d-test", 2 * i);
		added += add_advisory(s, id, i) == 0;
	}
	ok(added == 3000, "3000 advisories in the in-memory store");

	ok(build(&a, s, "m1", key, far, 1, &err) == 0 && !a.packed,
	    "mirror:full builds a directory");
	ok(SH("cd %s && test -s oci/index.json && test -s export.json && "
	    "test -s indexes/advisories.index.json && "
	    "test -s tuf/metadata/1.root.json && "
	    "test -s tuf/metadata/timestamp.json", a.path),
	    "oci/, export.json, indexes/ and tuf/metadata/");
	ok(SH("test $(zstd -dc %s/data/raw/advisories/*.jsonl.zst | wc -l) "
	    "= 3000", a.path), "the chunks hold every advisory");
	ok(SH("n=$(ls %s/data/raw/advisories | wc -l); test $n -ge 2 && "
	    "test $n -le 30", a.path), "in a handful of chunks");
	ok(SH("test \"$(jq .tufVersion %s/export.json)\" = 1700002999",
	    a.path), "the TUF version is the newest modified time, seconds");
	ok(build(&b, s, "m2", key, far, 1, &err) == 0 &&
	    SH("diff -r %s %s", a.path, b.path),
	    "a second build is byte-identical");

	ok(add_advisory(s, "GHSA-1001-test", 4000) == 0,
	    "one more advisory, between two others");
	ok(build(&c, s, "m3", key, far, 1, &err) == 0, "and a third build");
	ok(SH("n=$( (ls %s/data/raw/advisories; ls %s/data/raw/advisories) | "
	    "sort -u | while read f; do cmp -s %s/data/raw/advisories/$f "
	    "%s/data/raw/advisories/$f || echo $f; done | wc -l); "
	    "test $n -ge 1 && test $n -le 2", a.path, c.path, a.path, c.path),
	    "only the chunk holding it changed (or a split of it)");
	ok(SH("test \"$(jq .tufVersion %s/export.json)\" = 1700004000",
	    c.path), "the TUF version grew");
	refusals(s, key);
	ec_signer_free(key);
	ec_store_free(s);
	if (!SH("rm -rf %s", dir))
		return 1;
	return done_testing();
}
