/*
 * tests/unit/t_verify.c: offline bundle verification (ec_verify) on real
 * bundles exportctl built from tests/fixtures (the fuzz_verify seeds,
 * tests/fuzz/corpus/verify/, whose first byte is the fuzzer's key switch),
 * and the cost it reports.  Run from the top of the tree (make check-unit).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "ec_bundle.h"
#include "ec_key.h"
#include "ec_limits.h"
#include "ec_verify.h"

#define SEEDS	"tests/fuzz/corpus/verify/"

/* The Ed25519 key of RFC 8032 7.1 test 1, which signed the seed. */
static const char	ED_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

static char	tmpdir[] = "/tmp/t_verify.XXXXXX";

/* Seed "name" without its first byte, cut to "keep" bytes (0: all). */
static const char *
bundle_from_seed(const char *name, size_t keep)
{
	static char	 path[256];
	char		 seed[256], *buf;
	FILE		*in, *out;
	size_t		 n;

	(void)snprintf(seed, sizeof(seed), SEEDS "%s", name);
	(void)snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((buf = malloc(1 << 20)) == NULL || (in = fopen(seed, "rb")) ==
	    NULL || (out = fopen(path, "wb")) == NULL) {
		printf("Bail out! %s\n", seed);
		exit(1);
	}
	n = fread(buf, 1, 1 << 20, in);
	if (keep == 0 || keep > n - 1)
		keep = n - 1;
	if (n < 2 || fwrite(buf + 1, 1, keep, out) != keep ||
	    fclose(out) != 0) {
		printf("Bail out! %s\n", path);
		exit(1);
	}
	(void)fclose(in);
	free(buf);
	return path;
}

static void
test_seeds(const struct ec_verifier *key)
{
	struct ec_verify_result	res;
	struct ec_err		err;
	const char		*p;
	int			rc;

	p = bundle_from_seed("signed.tar.zst", 0);
	rc = ec_verify_bundle(&res, p, key, &err);
	ok(rc == 0 && res.signed_ && res.items > 0 && res.subjects > 0 &&
	    strcmp(res.keyid, ec_verifier_keyid(key)) == 0,
	    "signed bundle verifies with its key%s%s", rc == 0 ? "" : ": ",
	    rc == 0 ? "" : err.msg);
	ok(res.bytes_read > 0 && res.bytes_read <= res.bytes_limit &&
	    res.bytes_limit == (uint64_t)EC_MIN_EXPANSION_BASE *
	    EC_MAX_EXPANSION, "cost reported: %llu bytes read, limit %llu",
	    (unsigned long long)res.bytes_read,
	    (unsigned long long)res.bytes_limit);
	rc = ec_verify_bundle(&res, p, NULL, &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY,
	    "signed bundle without a key fails: %s", err.msg);

	p = bundle_from_seed("unsigned.tar.zst", 0);
	rc = ec_verify_bundle(&res, p, NULL, &err);
	ok(rc == 0 && !res.signed_, "unsigned bundle verifies%s%s",
	    rc == 0 ? "" : ": ", rc == 0 ? "" : err.msg);
	rc = ec_verify_bundle(&res, p, key, &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY &&
	    strstr(err.msg, "not signed") != NULL,
	    "unsigned bundle with a key fails: %s", err.msg);

	p = bundle_from_seed("signed.tar.zst", 1000);
	rc = ec_verify_bundle(&res, p, key, &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY && res.bytes_read <=
	    res.bytes_limit, "truncated bundle fails: %s", err.msg);
}

/* The unsigned seed's members, to be written again with changes. */
struct repack {
	struct ec_bundle	*b;
	const char		*change;	/* member whose bytes change */
};

static int
repack_member(void *arg, const struct ec_bundle_member *m,
    struct ec_err *err)
{
	struct repack	*r = arg;

	if (r->change != NULL && strcmp(m->name, r->change) == 0)
		return ec_bundle_add_mem(r->b, m->name, "[]\n", 3, err);
	return ec_bundle_add_mem(r->b, m->name, m->data, (size_t)m->size,
	    err);
}

static uint64_t
repack_keep(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	return EC_MAX_META_BYTES;
}

/*
 * The unsigned seed written again by ec_bundle with member "change"
 * replaced by "[]\n" and, if "extra", one more member: an attacker's
 * bundle whose manifest no longer matches.  Returns its path.
 */
static const char *
repack(const char *change, const char *extra)
{
	static char	 out[256];
	struct repack	 r = { NULL, change };
	struct ec_err	 err;
	uint8_t		 d[EC_SHA256_LEN];
	const char	*in = bundle_from_seed("unsigned.tar.zst", 0);

	(void)snprintf(out, sizeof(out), "%s/repacked-%d.tar.zst", tmpdir,
	    extra != NULL);
	if (ec_bundle_new(&r.b, out, 0, EC_MAX_BUNDLE_BYTES, &err) == -1 ||
	    ec_bundle_read(NULL, in, repack_keep, repack_member, &r,
	    &err) == -1 || (extra != NULL && ec_bundle_add_mem(r.b, extra,
	    "{}", 2, &err) == -1) || ec_bundle_finish(d, NULL, r.b,
	    &err) == -1) {
		printf("Bail out! repack: %s\n", err.msg);
		exit(1);
	}
	ec_bundle_free(r.b);
	return out;
}

/* Members are judged in archive order against the manifest. */
static void
test_members(void)
{
	struct ec_verify_result	res;
	struct ec_err		err;
	int			rc;

	rc = ec_verify_bundle(&res, repack(NULL, "data/aa-extra.json"), NULL,
	    &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY &&
	    strstr(err.msg, "data/aa-extra.json: not listed in manifest.json")
	    != NULL, "an unlisted member is named: %s", err.msg);
	rc = ec_verify_bundle(&res, repack("data/advisories.json", NULL),
	    NULL, &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY &&
	    strstr(err.msg, "data/advisories.json: 3 bytes, manifest.json "
	    "says") != NULL, "a member of another size is named: %s",
	    err.msg);
}

/*
 * tests/data/hostile/unlisted-after-manifest.tar.zst: a member after
 * manifest.json that it does not list, 64 MiB of zeros in a few KiB.  It
 * is refused at its tar header, so almost nothing is decompressed: the
 * work is what the manifest declares, not the expansion cap.
 */
static void
test_hostile(void)
{
	struct ec_verify_result	res;
	struct ec_err		err;
	int			rc;

	rc = ec_verify_bundle(&res,
	    "tests/data/hostile/unlisted-after-manifest.tar.zst", NULL, &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY &&
	    strstr(err.msg, "zz-unlisted.bin: not listed in manifest.json "
	    "(refused at its tar header") != NULL,
	    "an unlisted member after the manifest is refused at its header: "
	    "%s", err.msg);
	ok(res.bytes_read < 64 * 1024 && res.bytes_limit >= 64 << 20,
	    "under the expansion cap (%llu), yet only %llu bytes decompressed",
	    (unsigned long long)res.bytes_limit,
	    (unsigned long long)res.bytes_read);
}

/* Paths that are not bundles: codes for the path, never a hang. */
static void
test_paths(void)
{
	struct ec_verify_result	res;
	struct ec_err		err;
	char			fifo[256];
	int			rc;

	rc = ec_verify_bundle(&res, "/nonexistent/b.tar.zst", NULL, &err);
	ok(rc == -1 && err.code == EC_ERR_IO, "missing bundle: %s", err.msg);
	/* A directory is read as an unpacked bundle: this one is none. */
	rc = ec_verify_bundle(&res, tmpdir, NULL, &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY,
	    "a directory that is no bundle: %s", err.msg);
	(void)snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
	if (mkfifo(fifo, 0600) == -1) {
		printf("Bail out! mkfifo\n");
		exit(1);
	}
	(void)alarm(10);	/* a hang fails the test instead of stalling */
	rc = ec_verify_bundle(&res, fifo, NULL, &err);
	(void)alarm(0);
	ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID,
	    "a FIFO is refused at once: %s", err.msg);
	(void)unlink(fifo);
}

int
main(void)
{
	struct ec_verifier	*key;
	struct ec_err		 err;
	char			 cmd[64];

	if (mkdtemp(tmpdir) == NULL ||
	    ec_verifier_load_mem(&key, ED_PUB, strlen(ED_PUB), &err) == -1) {
		printf("Bail out! setup\n");
		return 1;
	}
	test_seeds(key);
	test_members();
	test_hostile();
	test_paths();
	ec_verifier_free(key);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	if (system(cmd) != 0)
		ok(0, "cleanup %s", tmpdir);
	return done_testing();
}
