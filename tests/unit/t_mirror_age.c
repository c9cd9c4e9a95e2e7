/*
 * tests/unit/t_mirror_age.c: mirror:full with age recipients through the
 * real driver over the in-memory store (so the sanitizer build runs it
 * too): every target of the plain build is served as <target>.age with
 * the plaintext in the targets' custom metadata, ec_mirror_age_decrypt
 * gives back the plain build byte for byte from two encrypted builds, a
 * wrong identity or a damaged file is refused with nothing written, and
 * the custom metadata survives ec_mirror_targets_parse.  mirror:delta
 * with recipients: its payload is served as .age, and
 * ec_mirror_age_delta_apply gives the plain delta's applied tree; a
 * wrong identity, a damaged .age file and a plain delta are refused
 * with nothing written.  The real age CLI and tuf-js check the trees in
 * tests/integration/95 and 97.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_age.h"
#include "ec_export.h"
#include "ec_file.h"
#include "ec_key.h"
#include "ec_mirror_age.h"
#include "ec_mirror_delta.h"
#include "ec_store.h"

static char	dir[] = "/tmp/t_mirror_age.XXXXXX";
static char	staging[300];

static char	shbuf[9000];
#define SH(...)	(snprintf(shbuf, sizeof(shbuf), __VA_ARGS__) > 0 && \
		    system(shbuf) == 0)

/* A mirror:full build of "s" into dir/sub, to recipients r[0..nr). */
static struct ec_err	build_err;

static int
build(struct ec_export_result *res, struct ec_store *s, const char *sub,
    const struct ec_signer *key, const struct ec_age_recipient *r,
    size_t nr)
{
	static const char *const	far[] = { "expires-timestamp=3650d" };
	char				out[400];
	struct ec_export_req		req = { .tenant = "acme",
		.profile = "mirror:full", .out_dir = out,
		.staging_dir = staging, .signer = key, .params = far,
		.nparams = 1, .recipients = r, .nrecipients = nr };
	int				rc;

	(void)snprintf(out, sizeof(out), "%s/%s", dir, sub);
	if ((rc = ec_export_build(res, s, &req, &build_err)) == -1)
		printf("# mirror:full: %s\n", build_err.msg);
	return rc;
}

/* A mirror:delta build against "base" into dir/sub, to r[0..nr). */
static int
build_delta(struct ec_export_result *res, struct ec_store *s,
    const char *sub, const char *base, const struct ec_signer *key,
    const struct ec_age_recipient *r, size_t nr)
{
	char				out[400], bp[500];
	const char			*params[] = { "expires-timestamp=3650d",
					    bp };
	struct ec_export_req		req = { .tenant = "acme",
		.profile = "mirror:delta", .out_dir = out,
		.staging_dir = staging, .signer = key, .params = params,
		.nparams = 2, .recipients = r, .nrecipients = nr };
	int				rc;

	(void)snprintf(out, sizeof(out), "%s/%s", dir, sub);
	(void)snprintf(bp, sizeof(bp), "base=%s", base);
	if ((rc = ec_export_build(res, s, &req, &build_err)) == -1)
		printf("# mirror:delta: %s\n", build_err.msg);
	return rc;
}

/* Deltas from the plain build "base" after one more advisory. */
static void
test_delta(struct ec_store *s, const char *base, const char *pubpath,
    const struct ec_signer *key, const struct ec_age_recipient *r,
    const struct ec_age_identity *id, const struct ec_age_identity *other)
{
	static const char	doc[] = "{\"id\":\"GHSA-late-age\",\"modified\":"
	    "\"2023-11-15T00:00:00Z\",\"summary\":\"a later advisory\"}";
	struct ec_export_result	 dp, de;
	struct ec_verifier	*v = NULL;
	struct ec_err		 err;
	char			 a[400], b[400];

	ok(ec_store_mem_add(s, "acme", "advisory", "fixture",
	    "GHSA-late-age", 1700000400000000LL, doc, strlen(doc),
	    &err) == 0 && ec_verifier_load(&v, pubpath, &err) == 0 &&
	    build_delta(&dp, s, "dp", base, key, NULL, 0) == 0 &&
	    build_delta(&de, s, "de", base, key, r, 1) == 0 && de.encrypted,
	    "a plain and an encrypted mirror:delta");
	ok(SH("cd %s && test -s patches.pack.age && test ! -e patches.pack && "
	    "test -z \"$(find files -type f ! -name '*.age')\" && "
	    "cmp manifest.diff.json %s/manifest.diff.json", de.path, dp.path),
	    "the payload is .age only; manifest.diff.json is the plain one");
	(void)snprintf(a, sizeof(a), "%s/ap", dir);
	(void)snprintf(b, sizeof(b), "%s/ae", dir);
	ok(ec_mirror_delta_apply(NULL, base, dp.path, v, a, &err) == 0 &&
	    ec_mirror_age_delta_apply(NULL, base, de.path, id, 1, v, b,
	    &err) == 0 && SH("diff -r %s %s", a, b),
	    "the encrypted delta applies to the plain delta's tree");
	(void)snprintf(b, sizeof(b), "%s/aw", dir);
	ok(ec_mirror_age_delta_apply(NULL, base, de.path, other, 1, v, b,
	    &err) == -1 && err.code == EC_ERR_VERIFY && SH("test ! -e %s && "
	    "test -z \"$(ls -a %s | grep ec-mirror-decrypt)\"", b, dir),
	    "a wrong identity: refused, nothing written (%s)", err.msg);
	ok(SH("cp -a %s %s/dbad && printf X | dd of=%s/dbad/patches.pack.age "
	    "bs=1 seek=200 conv=notrunc 2>/dev/null", de.path, dir, dir),
	    "a copy with patches.pack.age damaged");
	(void)snprintf(a, sizeof(a), "%s/dbad", dir);
	ok(ec_mirror_age_delta_apply(NULL, base, a, id, 1, v, b, &err) == -1 &&
	    err.code == EC_ERR_VERIFY && SH("test ! -e %s", b),
	    "a damaged .age file: refused, nothing written (%s)", err.msg);
	ok(ec_mirror_age_delta_apply(NULL, base, dp.path, id, 1, v, b,
	    &err) == -1 && err.code == EC_ERR_REQUEST_INVALID &&
	    SH("test ! -e %s", b),
	    "a plain delta is not an encrypted one (%s)", err.msg);
	ec_verifier_free(v);
}

static void
test_custom(void)
{
	static const char	ok_doc[] = "{\"signed\":{\"_type\":\"targets\","
	    "\"version\":1,\"targets\":{\"a.age\":{\"hashes\":{\"sha256\":"
	    "\"00000000000000000000000000000000000000000000000000000000000000"
	    "00\"},\"length\":9,\"custom\":{\"plaintext\":{\"hashes\":"
	    "{\"sha256\":\"11111111111111111111111111111111111111111111111111"
	    "11111111111111\"},\"length\":3}}}}}}";
	struct ec_tuf_target	*t = NULL;
	struct ec_err		 err;
	char			 bad[sizeof(ok_doc)];
	size_t			 n;

	ok(ec_mirror_targets_parse(&t, &n, ok_doc, strlen(ok_doc), &err) ==
	    0 && n == 1 && t[0].plain_length == 3 &&
	    strncmp(t[0].plain_sha256, "1111", 4) == 0 && t[0].length == 9,
	    "custom plaintext parsed back");
	free(t);
	memcpy(bad, ok_doc, sizeof(ok_doc));
	memcpy(strstr(bad, "\"1111") + 1, "zzzz", 4);
	ok(ec_mirror_targets_parse(&t, &n, bad, strlen(bad), &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID && t == NULL,
	    "a malformed plaintext digest is refused (%s)", err.msg);
}

static void
test_decrypt(const char *plain, const char *e1, const char *e2,
    const struct ec_age_identity *id, const struct ec_age_identity *other)
{
	struct ec_err	err;
	char		out[400];
	size_t		n;

	(void)snprintf(out, sizeof(out), "%s/dec1", dir);
	ok(ec_mirror_age_decrypt(&n, e1, id, 1, out, &err) == 0 && n > 10 &&
	    SH("diff -r %s %s", plain, out),
	    "decrypted build 1 is the plain build");
	(void)snprintf(out, sizeof(out), "%s/dec2", dir);
	ok(ec_mirror_age_decrypt(&n, e2, id, 1, out, &err) == 0 &&
	    SH("diff -r %s %s", plain, out),
	    "so is build 2: the plaintext is deterministic");
	(void)snprintf(out, sizeof(out), "%s/dec3", dir);
	ok(ec_mirror_age_decrypt(&n, e1, other, 1, out, &err) == -1 &&
	    err.code == EC_ERR_VERIFY && SH("test ! -e %s && test -z "
	    "\"$(ls -a %s | grep ec-mirror-decrypt)\"", out, dir),
	    "a wrong identity: refused, nothing written (%s)", err.msg);
	ok(SH("cp -a %s %s/bad && cp %s/bad/export.json.age "
	    "%s/bad/indexes/advisories.index.json.age", e1, dir, dir, dir),
	    "a copy with one target swapped for another");
	(void)snprintf(out, sizeof(out), "%s/bad", dir);
	(void)snprintf(shbuf, sizeof(shbuf), "%s/dec4", dir);
	ok(ec_mirror_age_decrypt(&n, out, id, 1, shbuf, &err) == -1 &&
	    err.code == EC_ERR_VERIFY && SH("test ! -e %s/dec4", dir),
	    "a swapped target: refused, nothing written (%s)", err.msg);
	(void)snprintf(out, sizeof(out), "%s/dec5", dir);
	ok(ec_mirror_age_decrypt(&n, plain, id, 1, out, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID,
	    "a plain mirror is not an encrypted one (%s)", err.msg);
}

int
main(void)
{
	struct ec_export_result	 p, e1, e2;
	struct ec_age_identity	 id[2];
	struct ec_age_recipient	 r;
	struct ec_store		*s = NULL;
	struct ec_signer	*key = NULL;
	struct ec_err		 err;
	char			 keypath[300], did[64], keyid[EC_KEY_ID_SIZE];
	char			 doc[256];
	uint64_t		 root;
	int			 i, added = 0;

	if (mkdtemp(dir) == NULL || !SH("mkdir -p %s/staging %s/k", dir, dir))
		return 1;
	(void)snprintf(staging, sizeof(staging), "%s/staging", dir);
	test_custom();
	(void)snprintf(keypath, sizeof(keypath), "%s/k", dir);
	ok(ec_store_mem_new(&s, &err) == 0 &&
	    ec_key_generate(keyid, keypath, EC_KEY_ED25519, &err) == 0 &&
	    snprintf(keypath, sizeof(keypath), "%s/k/%s", dir,
	    EC_KEY_PRIV_FILE) > 0 && ec_signer_load(&key, keypath, &err) == 0,
	    "an in-memory store and an Ed25519 key");
	ok(ec_age_identity_generate(&id[0], &err) == 0 &&
	    ec_age_identity_generate(&id[1], &err) == 0, "two age identities");
	memcpy(r.pub, id[0].pub, sizeof(r.pub));
	for (i = 0; i < 300; i++) {
		(void)snprintf(did, sizeof(did), "GHSA-%04d-age", i);
		(void)snprintf(doc, sizeof(doc), "{\"id\":\"%s\",\"modified\":"
		    "\"2023-11-14T22:13:20Z\",\"summary\":\"advisory\"}", did);
		added += ec_store_mem_add(s, "acme", "advisory", "fixture", did,
		    1700000000000000LL + i * 1000000, doc, strlen(doc),
		    &err) == 0;
	}
	ok(added == 300, "300 advisories in the in-memory store");
	ok(build(&p, s, "p", key, NULL, 0) == 0 && !p.encrypted,
	    "the plain build");
	ok(build(&e1, s, "e1", key, &r, 1) == 0 && e1.encrypted &&
	    build(&e2, s, "e2", key, &r, 1) == 0,
	    "two encrypted builds (the result says encrypted)");
	ok(SH("cd %s && jq -r '.signed.targets | keys[]' tuf/metadata/"
	    "1700000299.targets.json | sed 's/$/.age/' >%s/want && cd %s && "
	    "jq -r '.signed.targets | keys[]' tuf/metadata/"
	    "1700000299.targets.json | cmp - %s/want", p.path, dir, e1.path,
	    dir), "the encrypted targets are the plain ones, each + .age");
	ok(SH("jq -e '.signed.targets[\"export.json.age\"].custom.plaintext."
	    "hashes.sha256 == \"'$(sha256sum <%s/export.json | cut -c1-64)'\"'"
	    " %s/tuf/metadata/1700000299.targets.json >/dev/null", p.path,
	    e1.path), "custom names the plaintext's sha256");
	ok(SH("test ! -e %s/export.json && cmp %s/tuf/metadata/1.root.json "
	    "%s/tuf/metadata/1.root.json", e1.path, p.path, e1.path),
	    "no plaintext target; the same trust anchor");
	ok(SH("! cmp -s %s/export.json.age %s/export.json.age", e1.path,
	    e2.path), "the .age bytes differ between builds");
	test_decrypt(p.path, e1.path, e2.path, &id[0], &id[1]);
	ok(build(&e2, s, "e1", key, &r, 1) == -1 &&
	    build_err.code == EC_ERR_CONFLICT,
	    "building again into the same --out: a conflict (other bytes)");
	ok(ec_mirror_rotate(&root, e1.path, (const struct ec_signer *const *)
	    &key, 1, 1, (const struct ec_signer *const *)&key, 1, 4102444800,
	    &err) == 0 && root == 2 && SH("jq -e '.signed.targets"
	    "[\"export.json.age\"].custom.plaintext.length > 0' "
	    "%s/tuf/metadata/1700000300.targets.json >/dev/null", e1.path),
	    "tuf rotate of an encrypted mirror keeps the custom metadata");
	(void)snprintf(keypath, sizeof(keypath), "%s/k/%s", dir,
	    EC_KEY_PUB_FILE);
	test_delta(s, p.path, keypath, key, &r, &id[0], &id[1]);
	ec_age_identity_wipe(id, 2);
	ec_signer_free(key);
	ec_store_free(s);
	if (!SH("rm -rf %s", dir))
		return 1;
	return done_testing();
}
