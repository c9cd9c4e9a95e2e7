/*
 * tests/torture/torture.c: allocation-failure injection over lib/, in the
 * style of SQLite's malloc tests and curl's torture mode.  Linked with
 * -Wl,--wrap for malloc, calloc, realloc, reallocarray, strdup and
 * strndup, so every allocation libec.a makes goes through a counter.
 * Jansson's own allocations are not failed: its lexer ignores a failed
 * strbuffer append (akheron/jansson#362; the fix, #364, was never merged)
 * and Jansson 2.14 then reads freed or unwritten memory, a crash no
 * caller can prevent.  Each operation is run
 * with the Nth allocation failing, for every N until one run makes fewer
 * than N allocations, twice: failing once (later ones succeed, so error
 * paths that carry on are exercised) and failing from N on.  Every run
 * must end in a clean error: -1 with EC_ERR_NOMEM (never a failed
 * verification, exit 3), no partial output, no crash, and, under
 * AddressSanitizer (make SAN=1 check-torture), no leak.  Operations: a
 * signed and an unsigned bundle verified (real bundles exportctl built
 * from tests/fixtures, the seeds of fuzz_verify), canonicalisation of real
 * OSV and CSAF documents, and the metadata parsers with err == NULL.
 *
 *   build/tests/torture tests/fuzz/corpus/verify tests/fixtures
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_canon.h"
#include "ec_dsse.h"
#include "ec_key.h"
#include "ec_limits.h"
#include "ec_manifest.h"
#include "ec_prov.h"
#include "ec_verify.h"

/* More allocations than any operation here makes: a runaway guard. */
#define TORTURE_MAX_N		200000
/* Failures reported one by one per operation. */
#define TORTURE_MAX_REPORTED	5

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__real_reallocarray(void *, size_t, size_t);
char	*__real_strdup(const char *);
char	*__real_strndup(const char *, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);
void	*__wrap_reallocarray(void *, size_t, size_t);
char	*__wrap_strdup(const char *);
char	*__wrap_strndup(const char *, size_t);

static long	torture_left = -1;	/* allocations before the failure */
static bool	torture_sticky;		/* keep failing once started */
static bool	torture_hit;		/* a failure was injected */

static bool
torture_fail(void)
{
	if (torture_left < 0)
		return false;
	if (torture_left > 0) {
		torture_left--;
		return false;
	}
	torture_hit = true;
	if (!torture_sticky)
		torture_left = -1;
	errno = ENOMEM;
	return true;
}

void *
__wrap_malloc(size_t n)
{
	return torture_fail() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return torture_fail() ? NULL : __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return torture_fail() ? NULL : __real_realloc(p, n);
}

void *
__wrap_reallocarray(void *p, size_t n, size_t size)
{
	return torture_fail() ? NULL : __real_reallocarray(p, n, size);
}

char *
__wrap_strdup(const char *s)
{
	return torture_fail() ? NULL : __real_strdup(s);
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return torture_fail() ? NULL : __real_strndup(s, n);
}

/* One operation under test: 0 or -1 with *err; "arg" is its input. */
typedef int torture_fn(void *arg, struct ec_err *err);

struct verify_arg {
	const char		*path;
	const struct ec_verifier *key;
};

static int
op_verify(void *arg, struct ec_err *err)
{
	struct verify_arg	*va = arg;
	struct ec_verify_result	 res;

	return ec_verify_bundle(&res, va->path, va->key, err);
}

/* Canonical bytes appended after a prefix that must survive a failure. */
static int
op_canon(void *arg, struct ec_err *err)
{
	const struct ec_slice	*doc = arg;
	struct ec_buf		 out;
	long			 left = torture_left;
	int			 rc;

	ec_buf_init(&out, 1 << 20);
	torture_left = -1;
	if (ec_buf_adds(&out, "prefix", err) == -1)
		return -1;
	torture_left = left;
	rc = ec_canon_bytes(&out, doc->p, doc->len, err);
	if (rc == -1 && (out.len != 6 || memcmp(out.data, "prefix", 6) != 0))
		rc = ec_err_set(err, EC_ERR_INTERNAL, "partial output left");
	ec_buf_dispose(&out);
	return rc;
}

/* The bundle's metadata, for the parsers called with err == NULL. */
struct meta {
	struct ec_buf		 manifest, env, prov;
	const struct ec_verifier *key;
};

static int
op_null_err(void *arg, struct ec_err *err)
{
	struct meta		*m = arg;
	struct ec_manifest	*mf = NULL;
	struct ec_buf		 payload;
	json_t			*v;
	int			 rc = 0;

	(void)err;
	ec_buf_init(&payload, EC_MAX_META_BYTES);
	if ((v = ec_canon_parse(m->prov.data, m->prov.len, NULL)) == NULL)
		rc = -1;
	json_decref(v);
	if (ec_manifest_parse(&mf, m->manifest.data, m->manifest.len,
	    NULL) == -1)
		rc = -1;
	ec_manifest_free(mf);
	if (ec_dsse_verify(&payload, m->env.data, m->env.len,
	    EC_MANIFEST_PAYLOAD_TYPE, m->key, NULL) == -1)
		rc = -1;
	ec_buf_dispose(&payload);
	/* Nothing to check but survival: the caller asked for no report. */
	if (rc == -1)
		(void)ec_err_nomem(err);
	return rc;
}

/*
 * Run "fn" failing the Nth allocation, for N = 0, 1, ... until a run
 * injects nothing, which must then succeed.
 */
static void
torture_run(const char *what, torture_fn *fn, void *arg, bool sticky)
{
	struct ec_err	err;
	long		n;
	int		bad = 0, rc;

	for (n = 0; n < TORTURE_MAX_N; n++) {
		ec_err_clear(&err);
		torture_hit = false;
		torture_sticky = sticky;
		torture_left = n;
		rc = fn(arg, &err);
		torture_left = -1;
		if (!torture_hit) {
			ok(rc == 0 && bad == 0, "%s (%s): %ld allocations, "
			    "each failure a clean EC_ERR_NOMEM%s%s", what,
			    sticky ? "failing from N on" : "failing once", n,
			    rc == 0 ? "" : "; unfailed run: ", rc == 0 ? "" :
			    err.msg);
			return;
		}
		if (rc == -1 && err.code == EC_ERR_NOMEM)
			continue;
		if (++bad <= TORTURE_MAX_REPORTED)
			printf("# %s (%s): allocation %ld failed: rc %d, "
			    "%s: %s\n", what, sticky ? "from N on" : "once",
			    n, rc, ec_err_name(err.code), err.msg);
	}
	ok(0, "%s: more than %d allocations", what, TORTURE_MAX_N);
}

static void
torture_both(const char *what, torture_fn *fn, void *arg)
{
	torture_run(what, fn, arg, false);
	torture_run(what, fn, arg, true);
}

/*
 * Read a whole file, made while no failure is armed; one reservation of
 * its size and one fread(3).
 */
static int
slurp(struct ec_buf *out, const char *path)
{
	struct ec_err	 err;
	struct stat	 st;
	FILE		*f;
	int		 rc = -1;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fstat(fileno(f), &st) == 0 && st.st_size > 0 &&
	    ec_buf_reserve(out, (size_t)st.st_size, &err) == 0 &&
	    fread(out->data, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
		out->len = (size_t)st.st_size;
		out->data[out->len] = '\0';
		rc = 0;
	}
	(void)fclose(f);
	return rc;
}

static uint64_t
meta_keep(void *arg, const char *name)
{
	(void)arg;
	return strcmp(name, EC_MANIFEST_NAME) == 0 ||
	    strcmp(name, EC_MANIFEST_DSSE_NAME) == 0 ||
	    strcmp(name, EC_PROV_NAME) == 0 ? EC_MAX_META_BYTES : 0;
}

static int
meta_take(void *arg, const struct ec_bundle_member *bm, struct ec_err *err)
{
	struct meta	*m = arg;
	struct ec_buf	*b;

	if (bm->data == NULL)
		return 0;
	b = strcmp(bm->name, EC_MANIFEST_NAME) == 0 ? &m->manifest :
	    strcmp(bm->name, EC_PROV_NAME) == 0 ? &m->prov : &m->env;
	return ec_buf_add(b, bm->data, (size_t)bm->size, err);
}

/* A fuzz seed without its key byte, as a bundle file of its own. */
static int
seed_to_file(char *path, size_t size, const char *seed, struct meta *m)
{
	struct ec_buf	 b;
	struct ec_err	 err;
	FILE		*f;
	int		 fd, rc = -1;

	ec_buf_init(&b, 1 << 24);
	(void)snprintf(path, size, "/tmp/ec-torture.XXXXXX");
	if (slurp(&b, seed) == -1 || b.len < 2 || (fd = mkstemp(path)) == -1)
		goto out;
	if ((f = fdopen(fd, "wb")) == NULL) {
		(void)close(fd);
		goto out;
	}
	if (fwrite(b.data + 1, 1, b.len - 1, f) != b.len - 1) {
		(void)fclose(f);
		goto out;
	}
	if (fclose(f) != 0)
		goto out;
	if (m != NULL && ec_bundle_read_mem(NULL, b.data + 1, b.len - 1,
	    meta_keep, meta_take, m, &err) == -1)
		goto out;
	rc = 0;
out:
	ec_buf_dispose(&b);
	return rc;
}

static const char	ED_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

static void
torture_docs(const char *fixtures)
{
	static const char *const	docs[] = {
		"osv/almalinux/ALBA-2020_4787.json",
		"vex/csaf/vexctl__examples__csaf__csaf.json",
	};
	struct ec_slice			 s;
	struct ec_buf			 b;
	char				 path[4096];
	size_t				 i;

	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		ec_buf_init(&b, EC_MAX_DOC_BYTES);
		(void)snprintf(path, sizeof(path), "%s/%s", fixtures, docs[i]);
		if (slurp(&b, path) == -1) {
			ok(0, "read %s", path);
			continue;
		}
		s.p = b.data;
		s.len = b.len;
		torture_both(docs[i], op_canon, &s);
		ec_buf_dispose(&b);
	}
}

int
main(int argc, char **argv)
{
	struct verify_arg	 va;
	struct ec_verifier	*key;
	struct ec_err		 err;
	struct meta		 m;
	char			 signed_[64], unsigned_[64], seed[4096];

	if (argc != 3) {
		fprintf(stderr, "usage: torture SEED_DIR FIXTURES\n");
		return 2;
	}
	memset(&m, 0, sizeof(m));
	ec_buf_init(&m.manifest, EC_MAX_META_BYTES);
	ec_buf_init(&m.env, EC_MAX_META_BYTES);
	ec_buf_init(&m.prov, EC_MAX_META_BYTES);
	if (ec_verifier_load_mem(&key, ED_PUB, strlen(ED_PUB), &err) == -1)
		return 2;
	m.key = key;
	(void)snprintf(seed, sizeof(seed), "%s/signed.tar.zst", argv[1]);
	if (seed_to_file(signed_, sizeof(signed_), seed, &m) == -1)
		return 2;
	(void)snprintf(seed, sizeof(seed), "%s/unsigned.tar.zst", argv[1]);
	if (seed_to_file(unsigned_, sizeof(unsigned_), seed, NULL) == -1)
		return 2;

	va.path = signed_;
	va.key = key;
	torture_both("verify, signed bundle", op_verify, &va);
	va.path = unsigned_;
	va.key = NULL;
	torture_both("verify, unsigned bundle", op_verify, &va);
	torture_docs(argv[2]);
	torture_both("metadata parsers with err == NULL", op_null_err, &m);

	(void)unlink(signed_);
	(void)unlink(unsigned_);
	ec_verifier_free(key);
	ec_buf_dispose(&m.manifest);
	ec_buf_dispose(&m.env);
	ec_buf_dispose(&m.prov);
	return done_testing();
}
