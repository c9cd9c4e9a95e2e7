/*
 * tests/unit/t_export.c: the export driver and the builder interface with
 * no database: json:raw from the in-memory store, and two test profiles
 * that use what later profiles need (directory output, scratch files,
 * blobs named by their digest, metadata files, parameters, no store),
 * and the files a packed build compresses while it writes them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zstd.h>

#include "tap.h"
#include "ec_bundle.h"
#include "ec_export.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_store.h"
#include "ec_verify.h"

static char	dir[] = "/tmp/t_export.XXXXXX";
static char	staging[256];

/* --- test:tree: a directory output shaped like an OCI layout -------- */

static const struct ec_profile_param tree_params[] = {
	{ "greeting", "text of data/hello.txt", true },
	{ "count", "1 to 5 copies", false },
	{ NULL, NULL, false }
};

static int
tree_check(struct ec_build *b, struct ec_err *err)
{
	const char	*c = ec_build_param(b, "count");
	uint64_t	 n = 1;

	if (c != NULL && ec_parse_u64(&n, c, 1, 5) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "parameter \"count\": 1 to 5");
	return 0;
}

/* A scratch file written out of order, as a B+tree writer would. */
static int
tree_scratch(struct ec_build *b, struct ec_err *err)
{
	struct ec_build_item	*it;
	struct ec_file_desc	 d = { EC_FILE_ITEM, "db", "tree", "bin",
				    "data/db.bin" };

	if (ec_build_item_scratch(&it, b, err) == -1)
		return -1;
	if (pwrite(ec_build_item_fd(it), "world", 5, 6) != 5 ||
	    pwrite(ec_build_item_fd(it), "hello ", 6, 0) != 6) {
		ec_build_item_discard(it);
		return ec_err_set(err, EC_ERR_IO, "pwrite");
	}
	return ec_build_item_close(it, &d, NULL, NULL, err);
}

static int
tree_write(struct ec_build *b, struct ec_err *err)
{
	struct ec_build_item	*blob;
	struct ec_file_desc	 d = { EC_FILE_METADATA, NULL, NULL, NULL,
				    NULL };
	struct ec_file_desc	 hello = { EC_FILE_ITEM, "text", "hello",
				    "txt", "data/hello.txt" };
	const char		*g = ec_build_param(b, "greeting");
	uint8_t			 dg[EC_SHA256_LEN];
	uint64_t		 size;
	char			 hex[EC_SHA256_HEX], path[128], index[256];

	if (ec_build_add_mem(b, &hello, g, strlen(g), NULL, err) == -1 ||
	    tree_scratch(b, err) == -1)
		return -1;
	/* A blob named after its own digest, known only once written. */
	if (ec_build_item_open(&blob, b, NULL, err) == -1)
		return -1;
	if (ec_build_item_write(blob, "blob bytes", 10, err) == -1 ||
	    ec_build_item_sum(dg, &size, blob, err) == -1) {
		ec_build_item_discard(blob);
		return -1;
	}
	ec_hex_encode(hex, dg, sizeof(dg));
	(void)snprintf(path, sizeof(path), "blobs/sha256/%s", hex);
	d.path = path;
	if (ec_build_item_close(blob, &d, NULL, NULL, err) == -1)
		return -1;
	(void)snprintf(index, sizeof(index),
	    "{\"manifests\":[{\"digest\":\"sha256:%s\",\"size\":%llu}]}", hex,
	    (unsigned long long)size);
	d.path = "index.json";
	if (ec_build_add_mem(b, &d, index, strlen(index), NULL, err) == -1)
		return -1;
	d.path = "oci-layout";
	return ec_build_add_mem(b, &d, "{\"imageLayoutVersion\":\"1.0.0\"}",
	    30, NULL, err);
}

static const struct ec_profile test_tree = {
	.name = "test:tree",
	.build_type = "https://example.invalid/test-tree/v1",
	.flags = EC_PROFILE_NO_STORE,
	.targets = EC_TARGET_ADVISORY,
	.formats = EC_FORMAT_JSON,
	.defaults = { EC_TARGET_ADVISORY, EC_FORMAT_JSON },
	.params = tree_params,
	.check = tree_check,
	.write = tree_write,
};

/* Writes files, leaves one open, then fails, or writes 1001 files. */
static int
fail_write(struct ec_build *b, struct ec_err *err)
{
	struct ec_build_item	*it;
	struct ec_file_desc	 d = { EC_FILE_ITEM, "t", "t", "txt", NULL };
	char			 path[32];
	int			 i, n = ec_build_param(b, "count") != NULL ?
				    1001 : 3;

	for (i = 0; i < n; i++) {
		(void)snprintf(path, sizeof(path), "data/%d.txt", i);
		d.path = path;
		if (ec_build_add_mem(b, &d, "x", 1, NULL, err) == -1)
			return -1;
	}
	if (ec_build_item_open(&it, b, "data/open.txt", err) == -1 ||
	    ec_build_item_write(it, "partial", 7, err) == -1)
		return -1;
	return ec_err_set(err, EC_ERR_IO, "the profile failed on purpose");
}

static const struct ec_profile_param fail_params[] = {
	{ "count", "write 1001 files", false },
	{ NULL, NULL, false }
};

static const struct ec_profile test_fail = {
	.name = "test:fail",
	.build_type = "https://example.invalid/test-fail/v1",
	.flags = EC_PROFILE_NO_STORE,
	.targets = EC_TARGET_ADVISORY,
	.formats = EC_FORMAT_JSON,
	.defaults = { EC_TARGET_ADVISORY, EC_FORMAT_JSON },
	.params = fail_params,
	.write = fail_write,
};

/* The same files, packed: metadata must pass exportctl verify (main). */
static struct ec_profile test_pack;

/* --- helpers ---------------------------------------------------------- */

static void
req_init(struct ec_export_req *r, const char *out)
{
	memset(r, 0, sizeof(*r));
	r->tenant = "acme";
	r->profile = "json:raw";
	r->out_dir = out;
	r->staging_dir = staging;
}

static bool
dir_empty(const char *path)
{
	char	cmd[512];

	(void)snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", path);
	return system(cmd) == 0;
}

static bool
staging_empty(void)
{
	return dir_empty(staging);
}

static bool
file_is(const char *path, const char *want)
{
	char	buf[256];
	FILE	*fp;
	size_t	n;

	if ((fp = fopen(path, "r")) == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	(void)fclose(fp);
	buf[n] = '\0';
	return strcmp(buf, want) == 0;
}

struct members {
	char	adv[256];
	bool	tenant_b;
	int	n;
};

static uint64_t
keep_data(void *arg, const char *name)
{
	(void)arg;
	return strncmp(name, "data/", 5) == 0 ? EC_MAX_META_BYTES : 0;
}

static int
member(void *arg, const struct ec_bundle_member *m, struct ec_err *err)
{
	struct members	*s = arg;

	(void)err;
	s->n++;
	if (strcmp(m->name, "data/advisories.json") == 0)
		(void)snprintf(s->adv, sizeof(s->adv), "%.*s", (int)m->size,
		    m->data);
	if (m->data != NULL && strstr(m->data, "tenant-b") != NULL)
		s->tenant_b = true;
	return 0;
}

static struct ec_store *
fake_store(void)
{
	struct ec_store	*s;
	struct ec_err	 err;

	if (ec_store_mem_new(&s, &err) == -1)
		return NULL;
	if (ec_store_mem_add(s, "acme", "advisory", "osv", "GHSA-2",
	    1700000000000000, "{\"id\":\"GHSA-2\"}", 15, &err) == -1 ||
	    ec_store_mem_add(s, "acme", "advisory", "osv", "GHSA-1",
	    1700000005000000, "{\"id\":\"GHSA-1\"}", 15, &err) == -1 ||
	    ec_store_mem_add(s, "acme", "vex", "openvex", "v1", 0,
	    "{\"v\":1}", 7, &err) == -1 ||
	    ec_store_mem_add(s, "acme", "sbom", "cdx", "urn:uuid:1", 0,
	    "{\"s\":1}", 7, &err) == -1 ||
	    ec_store_mem_add(s, "other", "advisory", "osv", "GHSA-0",
	    1800000000000000, "{\"id\":\"tenant-b\"}", 17, &err) == -1) {
		ec_store_free(s);
		return NULL;
	}
	return s;
}

/* --- the tests ---------------------------------------------------------- */

static void
test_json_raw(struct ec_store *store)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a, b;
	struct ec_verify_result	 v;
	struct members		 m;
	struct ec_err		 err;
	char			 out1[300], out2[300];

	(void)snprintf(out1, sizeof(out1), "%s/raw1", dir);
	(void)snprintf(out2, sizeof(out2), "%s/raw2", dir);
	req_init(&r, out1);
	r.zstd_workers = 1;
	ok(ec_export_build(&a, store, &r, &err) == 0 && a.packed,
	    "json:raw from the in-memory store: %s", err.msg);
	r.out_dir = out2;
	r.zstd_workers = 2;
	ok(ec_export_build(&b, store, &r, &err) == 0,
	    "built again with 2 zstd workers: %s", err.msg);
	ok(strcmp(a.sha256, b.sha256) == 0 && a.size == b.size,
	    "byte-identical (%s)", a.sha256);
	ok(a.documents == 4 && a.items == 3,
	    "4 documents, 3 items (%llu, %zu)",
	    (unsigned long long)a.documents, a.items);
	ok(ec_verify_bundle(&v, a.path, NULL, &err) == 0,
	    "verifies: %s", err.msg);
	memset(&m, 0, sizeof(m));
	ok(ec_bundle_read(NULL, a.path, keep_data, member, &m, &err) == 0 &&
	    strcmp(m.adv, "[{\"id\":\"GHSA-1\"},{\"id\":\"GHSA-2\"}]") == 0,
	    "advisories in upstream id order: %s", m.adv);
	ok(!m.tenant_b, "no document of another tenant");
	ok(staging_empty(), "staging left empty");
	ok(ec_export_build(&a, NULL, &r, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL, "json:raw needs a store: %s",
	    err.msg);
}

/*
 * SBOM file names once collided: an id crafted to equal another id's
 * sanitised form plus its digest, and two sources equal in their first
 * 16 characters.  Every build of such a tenant failed "added twice".
 */
static void
test_sbom_names(void)
{
	struct ec_store		*s;
	struct ec_export_req	 r;
	struct ec_export_result	 a;
	struct ec_err		 err;
	char			 h[EC_SHA256_HEX], crafted[64], out[300];

	if (ec_store_mem_new(&s, &err) == -1)
		return;
	ec_sha256_hex(h, "a b", 3);
	(void)snprintf(crafted, sizeof(crafted), "a_b-%.16s", h);
	(void)snprintf(out, sizeof(out), "%s/sboms", dir);
	if (ec_store_mem_add(s, "acme", "sbom", "src", "a b", 0, "{}", 2,
	    &err) == -1 ||
	    ec_store_mem_add(s, "acme", "sbom", "src", crafted, 0, "[]", 2,
	    &err) == -1 ||
	    ec_store_mem_add(s, "acme", "sbom", "0123456789abcdef-one", "x", 0,
	    "{}", 2, &err) == -1 ||
	    ec_store_mem_add(s, "acme", "sbom", "0123456789abcdef-two", "x", 0,
	    "[]", 2, &err) == -1) {
		ok(0, "SBOMs stored: %s", err.msg);
		ec_store_free(s);
		return;
	}
	req_init(&r, out);
	r.targets = "sbom";
	ok(ec_export_build(&a, s, &r, &err) == 0 && a.items == 4,
	    "SBOMs whose old names collided get four files: %s", err.msg);
	ec_store_free(s);
}

static void
test_tree_profile(void)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a, b;
	struct ec_verify_result	 v;
	struct ec_err		 err;
	const char		*params[] = { "greeting=hi there", "count=2" };
	char			 out[300], p[4200], cmd[13000];

	(void)snprintf(out, sizeof(out), "%s/tree", dir);
	req_init(&r, out);
	r.profile = NULL;
	r.profile_def = &test_tree;
	r.params = params;
	r.nparams = 2;
	ok(ec_export_build(&a, NULL, &r, &err) == 0 && !a.packed,
	    "directory output without a store: %s", err.msg);
	ok(a.items == 2 && a.files == 3, "2 items, 3 metadata files");
	(void)snprintf(p, sizeof(p), "%s/data/hello.txt", a.path);
	ok(file_is(p, "hi there"), "a parameter reached the profile");
	(void)snprintf(p, sizeof(p), "%s/data/db.bin", a.path);
	ok(file_is(p, "hello world"), "scratch file adopted as an item");
	(void)snprintf(cmd, sizeof(cmd), "cd %s && "
	    "f=blobs/sha256/$(sha256sum blobs/sha256/* | cut -c1-64) "
	    "&& test -f \"$f\" && sha256sum --quiet --strict -c checksums.txt"
	    " && grep -q '\"files\":\\[{\"path\":\"blobs/sha256/' "
	    "manifest.json && grep -q '\"path\":\"oci-layout\"' manifest.json",
	    a.path);
	ok(system(cmd) == 0, "blob named by its digest, files listed in "
	    "manifest.json, checksums.txt holds");
	ok(ec_verify_bundle(&v, a.path, NULL, &err) == 0 && v.items == 2 &&
	    v.files == 8, "the directory output verifies: %s", err.msg);
	(void)snprintf(p, sizeof(p), "%s/oci-layout", a.path);
	(void)snprintf(cmd, sizeof(cmd), "cp %s %s.keep && echo x >>%s", p, p,
	    p);
	ok(system(cmd) == 0 && ec_verify_bundle(&v, a.path, NULL, &err) == -1 &&
	    err.code == EC_ERR_VERIFY && strstr(err.msg, "oci-layout") != NULL,
	    "a changed metadata file fails verification: %s", err.msg);
	(void)snprintf(cmd, sizeof(cmd), "mv %s.keep %s && ln -s /etc/passwd "
	    "%s/data/link", p, p, a.path);
	ok(system(cmd) == 0 && ec_verify_bundle(&v, a.path, NULL, &err) == -1 &&
	    err.code == EC_ERR_VERIFY && strstr(err.msg, "data/link") != NULL,
	    "a symlink in a directory output is refused: %s", err.msg);
	(void)snprintf(p, sizeof(p), "%s/data/link", a.path);
	(void)unlink(p);
	ok(ec_verify_bundle(&v, a.path, NULL, &err) == 0,
	    "restored, it verifies again: %s", err.msg);
	ok(ec_export_build(&b, NULL, &r, &err) == 0 && b.existed &&
	    strcmp(a.sha256, b.sha256) == 0,
	    "same build again: identical, published once: %s", err.msg);
	params[0] = "greeting=other";
	ok(ec_export_build(&b, NULL, &r, &err) == -1 ||
	    strcmp(a.path, b.path) != 0, "other parameters, other name");
	r.run_id = "fixed-run";
	params[0] = "greeting=one";
	ok(ec_export_build(&a, NULL, &r, &err) == 0, "run id fixed-run");
	params[0] = "greeting=two";
	ok(ec_export_build(&b, NULL, &r, &err) == -1 &&
	    err.code == EC_ERR_CONFLICT,
	    "the run id reused for other bytes is refused: %s", err.msg);
	(void)snprintf(p, sizeof(p), "%s/data/hello.txt", a.path);
	ok(file_is(p, "one"), "the published copy is untouched");
	ok(staging_empty(), "staging left empty");
}

static void
test_pack_metadata(void)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a;
	struct ec_verify_result	 v;
	struct ec_err		 err;
	const char		*params[] = { "greeting=packed" };
	char			 out[300];

	(void)snprintf(out, sizeof(out), "%s/pack", dir);
	req_init(&r, out);
	r.profile_def = &test_pack;
	r.params = params;
	r.nparams = 1;
	ok(ec_export_build(&a, NULL, &r, &err) == 0 && a.packed,
	    "packed output with metadata files: %s", err.msg);
	ok(ec_verify_bundle(&v, a.path, NULL, &err) == 0 && v.items == 2,
	    "verify accounts for manifest \"files\": %s", err.msg);
}

/* A profile that fails leaves nothing anywhere, open files included. */
static void
test_failures(void)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a;
	struct ec_err		 err;
	const char		*params[] = { "count=1" };
	char			 out[300], cmd[400];

	(void)snprintf(out, sizeof(out), "%s/failed", dir);
	req_init(&r, out);
	r.profile_def = &test_fail;
	ok(ec_export_build(&a, NULL, &r, &err) == -1 &&
	    err.code == EC_ERR_IO, "a failing profile fails the build: %s",
	    err.msg);
	(void)snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s)\"", out);
	ok(system(cmd) == 0 && staging_empty(),
	    "nothing in --out or staging, not even the open file");
	r.params = params;
	r.nparams = 1;
	ok(ec_export_build(&a, NULL, &r, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE, "1001 outputs: %s", err.msg);
	ok(system(cmd) == 0 && staging_empty(), "and nothing left either");
}

/* want: a fragment the message must hold. */
static void
refused(const char *tenant, const char *p1, const char *p2, const char *want,
    const char *what)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a;
	struct ec_err		 err;
	const char		*params[2] = { p1, p2 };
	char			 out[300];

	(void)snprintf(out, sizeof(out), "%s/refused", dir);
	req_init(&r, out);
	r.tenant = tenant;
	r.profile_def = &test_tree;
	r.params = params;
	r.nparams = p1 == NULL ? 0 : p2 == NULL ? 1 : 2;
	ok(ec_export_check(&r, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID && strstr(err.msg, want) != NULL,
	    "%s: %s", what, err.msg);
	ok(ec_export_build(&a, NULL, &r, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID && staging_empty() &&
	    access(out, F_OK) == -1, "%s: refused before any work", what);
}

static void
test_requests(struct ec_store *store)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a;
	struct ec_err		 err;
	struct stat		 st;
	char			 out[300], tenant[65], run[201];

	refused("acme", "colour=red", NULL, "\"colour\"", "unknown parameter");
	refused("acme", "greeting", NULL, "\"greeting\"", "no value");
	refused("acme", "greeting=a", "greeting=b", "\"greeting\" given twice",
	    "repeated parameter");
	refused("acme", "count=2", NULL, "\"greeting\" is required",
	    "required parameter missing");
	refused("acme", "greeting=a", "count=9", "\"count\"",
	    "the profile's check refuses a value");
	refused("-rf", "greeting=a", NULL, "'-'", "tenant starting with -");
	refused(".hidden", "greeting=a", NULL, "'.'", "tenant starting with .");
	refused("..", "greeting=a", NULL, "'.'", "tenant ..");

	(void)snprintf(out, sizeof(out), "%s/made/here", dir);
	req_init(&r, out);
	ok(ec_export_build(&a, store, &r, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID,
	    "--out whose parent is missing: %s", err.msg);
	(void)snprintf(out, sizeof(out), "%s/made", dir);
	memset(tenant, 'T', 64);
	tenant[64] = '\0';
	memset(run, 'r', 200);
	run[200] = '\0';
	r.out_dir = out;
	r.tenant = tenant;
	r.run_id = run;
	ok(ec_export_build(&a, store, &r, &err) == 0,
	    "64-character tenant, 200-character run id: %s", err.msg);
	ok(stat(out, &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 07777) == 0755, "missing --out made, mode 0755");
}

/* A refused transport wrapper: the error, and nothing written. */
static void
wrap_refused(const struct ec_profile *p, uint64_t split,
    const struct ec_age_recipient *rc, const char *want, const char *what)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a;
	struct ec_err		 err;
	char			 out[300];

	(void)snprintf(out, sizeof(out), "%s/wrap-refused", dir);
	req_init(&r, out);
	r.profile_def = p;
	r.split_size = split;
	r.recipients = rc;
	r.nrecipients = rc != NULL ? 1 : 0;
	ok(ec_export_build(&a, NULL, &r, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID && strstr(err.msg, want) != NULL
	    && staging_empty() && access(out, F_OK) == -1,
	    "%s: refused before any work: %s", what, err.msg);
}

static void
test_wrap(struct ec_store *store)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a;
	struct ec_export_opened	 op;
	struct ec_verify_result	 v;
	struct ec_age_identity	 id;
	struct ec_age_recipient	 rc, zero;
	struct ec_err		 err;
	const char		*paths[1];
	char			 out[300];
	bool			 built;

	if (ec_age_identity_generate(&id, &err) == -1) {
		ok(0, "identity: %s", err.msg);
		return;
	}
	memcpy(rc.pub, id.pub, sizeof(rc.pub));
	memset(&zero, 0, sizeof(zero));
	wrap_refused(&test_tree, 4096, NULL, "packed bundles",
	    "split of a directory output");
	wrap_refused(&test_tree, 0, &rc, "packed bundles",
	    "encryption of a directory output");
	wrap_refused(&test_pack, 100, NULL, "split size", "a 100-byte split");
	wrap_refused(&test_pack, 0, &zero, "low-order",
	    "an all-zero recipient");

	(void)snprintf(out, sizeof(out), "%s/wrapped", dir);
	req_init(&r, out);
	r.recipients = &rc;
	r.nrecipients = 1;
	r.split_size = 1024;
	/* ok()'s arguments are evaluated in any order: build first. */
	built = ec_export_build(&a, store, &r, &err) == 0;
	ok(built && a.encrypted && a.parts > 1 &&
	    strstr(a.path, ".tar.zst.age.split") != NULL && staging_empty(),
	    "json:raw encrypted and split: %s (%u parts)", a.path, a.parts);
	paths[0] = a.path;
	ok(ec_export_open(&op, paths, 1, NULL, NULL, 0, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID && op.tmp == NULL,
	    "opened without an identity: %s", err.msg);
	ok(ec_export_open(&op, paths, 1, NULL, &id, 1, &err) == 0 &&
	    op.decrypted && op.parts == a.parts &&
	    ec_verify_bundle(&v, op.path, NULL, &err) == 0,
	    "joined, decrypted and verified: %s", err.msg);
	ec_export_opened_dispose(&op);
	ec_age_identity_wipe(&id, 1);
}

/* The estimate: what plan() reports, and the free-space figures. */
static void
test_estimate(struct ec_store *store)
{
	struct ec_export_req		r;
	struct ec_export_estimate	e, w;
	struct ec_export_result		a;
	struct ec_age_recipient		rc;
	struct ec_err			err;
	char				out[300];
	bool				got;

	(void)snprintf(out, sizeof(out), "%s/estimated", dir);
	req_init(&r, out);
	r.formats = "json,ndjson";
	got = ec_export_estimate(&e, store, &r, &err) == 0;
	ok(got && e.documents == 4 && e.outputs == 6 && e.same_fs && e.fits &&
	    e.out_need == 0 && e.staging_free > 0 && access(out, F_OK) == -1 &&
	    staging_empty(), "json:raw estimate: %llu documents, %llu files, "
	    "%llu bytes, nothing written", (unsigned long long)e.documents,
	    (unsigned long long)e.outputs, (unsigned long long)e.bundle_bytes);
	got = ec_export_build(&a, store, &r, &err) == 0;
	ok(got && e.bundle_bytes >= a.size,
	    "the estimate errs high: %llu >= %llu",
	    (unsigned long long)e.bundle_bytes, (unsigned long long)a.size);
	memset(&rc, 0, sizeof(rc));
	rc.pub[0] = 9;
	r.recipients = &rc;
	r.nrecipients = 1;
	r.split_size = 1024;
	got = ec_export_estimate(&w, store, &r, &err) == 0;
	ok(got && w.staging_need > e.staging_need &&
	    w.bundle_bytes > e.bundle_bytes,
	    "encrypting and splitting need more staging: %llu > %llu",
	    (unsigned long long)w.staging_need,
	    (unsigned long long)e.staging_need);
	r.tenant = "-x";
	ok(ec_export_estimate(&w, store, &r, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID,
	    "a bad request is refused like a build: %s", err.msg);
}

/* --- files compressed while written (ec_export_item.c) ------------- */

/* 40 documents of about 100 KiB: about 4 MiB of data, two zstd jobs. */
#define DOCS		40
#define DOC_FILL	(100 * 1024)

static struct ec_store *
big_store(void)
{
	struct ec_store	*s;
	struct ec_err	 err;
	char		*doc, id[32];
	uint32_t	 x = 99;
	size_t		 i, j, n;

	if (ec_store_mem_new(&s, &err) == -1 ||
	    (doc = malloc(DOC_FILL + 64)) == NULL)
		abort();
	for (i = 0; i < DOCS; i++) {
		(void)snprintf(id, sizeof(id), "GHSA-%04zu", i);
		n = (size_t)snprintf(doc, 64, "{\"id\":\"%s\",\"x\":\"", id);
		for (j = 0; j < DOC_FILL; j++) {
			x = x * 1103515245u + 12345u;
			doc[n++] = (char)('a' + (x >> 16) % 16);
		}
		doc[n++] = '"';
		doc[n++] = '}';
		if (ec_store_mem_add(s, "acme", "advisory", "osv", id,
		    1700000000000000, doc, n, &err) == -1)
			abort();
	}
	free(doc);
	return s;
}

/* The number of zstd frames in the file at "path", -1 if malformed. */
static long
frames(const char *path)
{
	FILE	*fp;
	char	*z;
	size_t	 len, off = 0, fl;
	long	 n = 0;

	if ((fp = fopen(path, "rb")) == NULL || (z = malloc(16 << 20)) == NULL)
		return -1;
	len = fread(z, 1, 16 << 20, fp);
	(void)fclose(fp);
	while (off < len) {
		fl = ZSTD_findFrameCompressedSize(z + off, len - off);
		if (ZSTD_isError(fl)) {
			n = -1;
			break;
		}
		off += fl;
		n++;
	}
	free(z);
	return n;
}

/* Streams 3 MiB into a file, then fails with the file still open. */
static int
stream_fail_write(struct ec_build *b, struct ec_err *err)
{
	struct ec_build_item	*it;
	char			 chunk[4096];
	int			 i;

	memset(chunk, 'q', sizeof(chunk));
	if (ec_build_item_open(&it, b, "data/big.txt", err) == -1)
		return -1;
	for (i = 0; i < 768; i++)
		if (ec_build_item_write(it, chunk, sizeof(chunk), err) == -1)
			return -1;
	return ec_err_set(err, EC_ERR_IO, "the store went away mid-stream");
}

static const struct ec_profile test_stream_fail = {
	.name = "test:stream-fail",
	.build_type = "https://example.invalid/test-stream-fail/v1",
	.flags = EC_PROFILE_NO_STORE | EC_PROFILE_PACK,
	.targets = EC_TARGET_ADVISORY,
	.formats = EC_FORMAT_JSON,
	.defaults = { EC_TARGET_ADVISORY, EC_FORMAT_JSON },
	.write = stream_fail_write,
};

static void
test_frames_workers(struct ec_store *store)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a, b;
	struct ec_verify_result	 v;
	struct ec_err		 err = { 0 };
	char			 out1[300], out2[300];
	long			 n;

	(void)snprintf(out1, sizeof(out1), "%s/frames1", dir);
	(void)snprintf(out2, sizeof(out2), "%s/frames2", dir);
	req_init(&r, out1);
	r.formats = "json,ndjson";
	r.zstd_workers = 1;
	ok(ec_export_build(&a, store, &r, &err) == 0 && a.packed,
	    "json:raw of %d big documents, 1 zstd worker: %s", DOCS, err.msg);
	r.out_dir = out2;
	r.zstd_workers = 2;
	ok(ec_export_build(&b, store, &r, &err) == 0,
	    "again with 2 zstd workers: %s", err.msg);
	ok(strcmp(a.sha256, b.sha256) == 0 && a.size == b.size,
	    "byte-identical (%s, %llu bytes)", a.sha256,
	    (unsigned long long)a.size);
	n = frames(a.path);
	/* Before, json, between, ndjson, after. */
	ok(n == 5, "5 zstd frames: both data files compressed ahead (%ld)", n);
	ok(ec_verify_bundle(&v, a.path, NULL, &err) == 0,
	    "verifies: %s", err.msg);
	ok(staging_empty(), "staging left empty, frames included");
}

static void
test_frames_failures(struct ec_store *store)
{
	struct ec_export_req	 r;
	struct ec_export_result	 a;
	struct ec_err		 err;
	char			 out[300];

	(void)snprintf(out, sizeof(out), "%s/failed-frames", dir);
	req_init(&r, out);
	r.profile_def = &test_stream_fail;
	ok(ec_export_build(&a, NULL, &r, &err) == -1 &&
	    err.code == EC_ERR_IO, "a build failing mid-stream fails: %s",
	    err.msg);
	ok(dir_empty(out) && staging_empty(),
	    "nothing in --out or staging: no file, no frames");
	req_init(&r, out);
	r.max_bytes = 4096;
	ok(ec_export_build(&a, store, &r, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE, "past the size limit: %s", err.msg);
	ok(dir_empty(out) && staging_empty(), "and nothing left either");
}

int
main(void)
{
	struct ec_store	*store;
	char		 cmd[300];

	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(staging, sizeof(staging), "%s/staging", dir);
	if (mkdir(staging, 0700) == -1 || (store = fake_store()) == NULL)
		return 1;
	umask(022);
	test_pack = test_tree;
	test_pack.name = "test:pack";
	test_pack.flags |= EC_PROFILE_PACK;
	test_json_raw(store);
	test_sbom_names();
	test_tree_profile();
	test_pack_metadata();
	test_failures();
	test_requests(store);
	test_wrap(store);
	test_estimate(store);
	ec_store_free(store);
	if ((store = big_store()) == NULL)
		return 1;
	test_frames_workers(store);
	test_frames_failures(store);
	ec_store_free(store);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "cleanup %s", dir);
	return done_testing();
}
