/*
 * tests/unit/t_mirror_delta.c: the delta engine on real trees in a
 * temporary directory: diff and apply round trips over a chain, the
 * importer's log, deterministic delta bytes, every refusal with nothing
 * written, and the manifest.diff.json parser on bad documents.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "ec_blob.h"
#include "ec_buf.h"
#include "ec_dsse.h"
#include "ec_export.h"
#include "ec_file.h"
#include "ec_hash.h"
#include "ec_key.h"
#include "ec_mirror_delta.h"

static char			 dir[64];
static struct ec_signer		*signer;
static struct ec_verifier	*verifier;

static void
put(const char *tree, const char *rel, const char *text)
{
	char	path[512], *s;
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s/%s", dir, tree, rel);
	for (s = path + strlen(dir) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		(void)mkdir(path, 0755);
		*s = '/';
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	(void)fputs(text, f);
	(void)fclose(f);
}

static char *
p(const char *rel)
{
	static char	bufs[4][1200];
	static int	i;

	i = (i + 1) % 4;
	(void)snprintf(bufs[i], sizeof(bufs[i]), "%s/%s", dir, rel);
	return bufs[i];
}

static bool
exists(const char *rel)
{
	struct stat	st;

	return lstat(p(rel), &st) == 0;
}

/* Same files, same bytes; the importer's log left out on both sides. */
static bool
same_tree(const char *a, const char *b)
{
	struct ec_blob_file	*fa = NULL, *fb = NULL;
	struct ec_err		 err = { EC_OK, "" };
	uint8_t			 da[EC_SHA256_LEN], db[EC_SHA256_LEN];
	uint64_t		 sa, sb;
	size_t			 na, nb, i, j;
	char			 x[512];
	bool			 same = false;

	if (ec_blob_list_tree(&fa, &na, p(a), 100, &err) == -1 ||
	    ec_blob_list_tree(&fb, &nb, p(b), 100, &err) == -1)
		goto out;
	for (i = j = 0; i < na || j < nb; i++, j++) {
		if (i < na && strcmp(fa[i].path, EC_MIRROR_LOG_NAME) == 0)
			i++;
		if (j < nb && strcmp(fb[j].path, EC_MIRROR_LOG_NAME) == 0)
			j++;
		if (i >= na || j >= nb)
			break;
		if (strcmp(fa[i].path, fb[j].path) != 0)
			goto out;
		(void)snprintf(x, sizeof(x), "%s/%s", a, fa[i].path);
		if (ec_sha256_file(da, &sa, p(x), &err) == -1)
			goto out;
		(void)snprintf(x, sizeof(x), "%s/%s", b, fb[j].path);
		if (ec_sha256_file(db, &sb, p(x), &err) == -1 ||
		    sa != sb || memcmp(da, db, sizeof(da)) != 0)
			goto out;
	}
	same = i >= na && j >= nb;
out:
	free(fa);
	free(fb);
	return same;
}

static char *
slurp(const char *rel, size_t *len)
{
	struct ec_err	 err;
	uint8_t		*b;

	if (ec_file_read_small(&b, len, p(rel), 1 << 20, &err) == -1)
		return NULL;
	return (char *)b;
}

static void
test_chain(void)
{
	struct ec_mirror_stats	 st;
	struct ec_err		 err = { EC_OK, "" };
	char			*log, *a, *b;
	size_t			 n, m;

	put("t1", "a.txt", "one\n");
	put("t1", "dir/b.txt", "two\n");
	put("t1", "dir/sub/c.txt", "three\n");
	put("t1", "old.txt", "removed later\n");
	put("t2", "a.txt", "one\n");
	put("t2", "dir/b.txt", "two, changed\n");
	put("t2", "dir/sub/c.txt", "three\n");
	put("t2", "new/deep/d.txt", "added\n");
	put("t3", "a.txt", "one, again\n");
	put("t3", "dir/sub/c.txt", "three\n");
	put("t3", "new/deep/d.txt", "added\n");
	put("t3", "z.txt", "last\n");

	ok(ec_mirror_delta_diff(&st, p("t1"), p("t2"), signer, p("d12"),
	    &err) == 0 && st.added == 1 && st.changed == 1 &&
	    st.removed == 1 && st.unchanged == 2, "diff t1 t2: %s",
	    err.msg);
	ok(exists("d12/files/dir/b.txt") && exists("d12/files/new/deep/d.txt")
	    && !exists("d12/files/a.txt"), "the delta holds only new and "
	    "changed files");
	ok(ec_mirror_delta_apply(&st, p("t1"), p("d12"), verifier, p("r2"),
	    &err) == 0, "apply d12 to t1: %s", err.msg);
	ok(same_tree("r2", "t2") && !exists("r2/old.txt"),
	    "t1 + d12 is t2, file for file");
	ok(ec_mirror_delta_diff(&st, p("t2"), p("t3"), signer, p("d23"),
	    &err) == 0 && st.removed == 1 && st.added == 1, "diff t2 t3: %s",
	    err.msg);
	ok(ec_mirror_delta_apply(&st, p("r2"), p("d23"), verifier, p("r3"),
	    &err) == 0 && same_tree("r3", "t3"),
	    "the applied r2 takes the next delta: r3 is t3 (%s)", err.msg);
	log = slurp("r3/" EC_MIRROR_LOG_NAME, &n);
	ok(log != NULL && n == 3 * (7 + 64 + 1),
	    "the log names the base and both deltas' exports");
	free(log);

	ok(ec_mirror_delta_diff(&st, p("t1"), p("t2"), signer, p("d12b"),
	    &err) == 0, "the same delta again: %s", err.msg);
	a = slurp("d12/" EC_MIRROR_DIFF_DSSE, &n);
	b = slurp("d12b/" EC_MIRROR_DIFF_DSSE, &m);
	ok(a != NULL && b != NULL && n == m && memcmp(a, b, n) == 0 &&
	    same_tree("d12", "d12b"), "deltas are byte-identical");
	free(a);
	free(b);
	ok(ec_mirror_delta_diff(&st, p("t1"), p("t2"), signer, p("d12"),
	    &err) == 0, "an identical delta at the name is success");
}

/* Apply must fail with "code" and leave nothing at "out". */
static void
refused(const char *base, const char *delta, const struct ec_verifier *v,
    enum ec_code code, const char *what)
{
	struct ec_err	err;
	int		rc;

	rc = ec_mirror_delta_apply(NULL, p(base), p(delta), v, p("refused"),
	    &err);
	ok(rc == -1 && err.code == code && !exists("refused"), "%s: %s (%s)",
	    what, rc == -1 ? err.msg : "accepted", ec_err_name(err.code));
}

static void
cp_tree(const char *from, const char *to)
{
	char	cmd[2600];

	(void)snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", p(from), p(to));
	if (system(cmd) != 0)
		abort();
}

static void
test_refusals(void)
{
	struct ec_verifier	*other;
	struct ec_signer	*os;
	struct ec_mirror_stats	 st;
	struct ec_err		 err = { EC_OK, "" };
	char			 kid[EC_KEY_ID_SIZE], *doc;
	size_t			 n;

	refused("absent", "d12", verifier, EC_ERR_BASE_MISSING,
	    "an absent base");
	refused("t2", "d12", verifier, EC_ERR_BASE_MISSING,
	    "another base (the new tree itself)");
	cp_tree("t1", "t1x");
	put("t1x", "a.txt", "one, edited by hand\n");
	refused("t1x", "d12", verifier, EC_ERR_BASE_MISSING,
	    "a base with one file changed");
	cp_tree("t1", "t1y");
	(void)unlink(p("t1y/old.txt"));
	refused("t1y", "d12", verifier, EC_ERR_BASE_MISSING,
	    "a base without the removed file");
	refused("t1", "d12", NULL, EC_ERR_REQUEST_INVALID, "no key");

	if (ec_key_generate(kid, p("k2"), EC_KEY_ED25519, &err) == -1 ||
	    ec_signer_load(&os, p("k2/" EC_KEY_PRIV_FILE), &err) == -1 ||
	    ec_verifier_load(&other, p("k2/" EC_KEY_PUB_FILE), &err) == -1)
		abort();
	refused("t1", "d12", other, EC_ERR_VERIFY, "another key");

	cp_tree("d12", "dx");
	put("dx", "files/dir/b.txt", "two, tampered\n");
	refused("t1", "dx", verifier, EC_ERR_VERIFY, "a tampered file");
	cp_tree("d12", "dy");
	put("dy", "files/extra.txt", "smuggled\n");
	refused("t1", "dy", verifier, EC_ERR_VERIFY, "an unlisted file");
	cp_tree("d12", "dz");
	(void)unlink(p("dz/files/new/deep/d.txt"));
	refused("t1", "dz", verifier, EC_ERR_VERIFY, "a missing file");
	cp_tree("d12", "dl");
	(void)unlink(p("dl/files/dir/b.txt"));
	if (symlink("/etc/passwd", p("dl/files/dir/b.txt")) == -1)
		abort();
	refused("t1", "dl", verifier, EC_ERR_VERIFY, "a symbolic link");
	cp_tree("d12", "dr");
	doc = slurp("dr/" EC_MIRROR_DIFF_NAME, &n);
	if (doc == NULL || strstr(doc, "\"old.txt\"") == NULL)
		abort();
	memcpy(strstr(doc, "\"old.txt\""), "\"a.txt\"  ", 9);
	(void)unlink(p("dr/" EC_MIRROR_DIFF_NAME));
	put("dr", EC_MIRROR_DIFF_NAME, doc);
	free(doc);
	refused("t1", "dr", verifier, EC_ERR_VERIFY,
	    "removals edited after signing");
	cp_tree("d12", "du");
	(void)unlink(p("du/" EC_MIRROR_DIFF_DSSE));
	refused("t1", "du", verifier, EC_ERR_VERIFY, "an unsigned delta");

	/* A delta signed by another key is refused by ours, taken by its. */
	ok(ec_mirror_delta_diff(&st, p("t1"), p("t2"), os, p("dk"),
	    &err) == 0 && ec_mirror_delta_apply(&st, p("t1"), p("dk"), other,
	    p("rk"), &err) == 0, "the other key's delta with its key: %s",
	    err.msg);
	ec_verifier_free(other);
	ec_signer_free(os);

	if (symlink("a.txt", p("t2/link")) == -1)
		abort();
	ok(ec_mirror_delta_diff(&st, p("t1"), p("t2"), signer, p("dn"),
	    &err) == -1 && !exists("dn"), "a tree with a link: %s", err.msg);
	(void)unlink(p("t2/link"));
	ok(ec_mirror_delta_diff(&st, p("absent"), p("t2"), signer, p("dn"),
	    &err) == -1 && err.code == EC_ERR_BASE_MISSING && !exists("dn"),
	    "diff from an absent base: %s", err.msg);
}

/* A manifest.diff.json text must be refused with EC_ERR_VERIFY. */
static void
bad_doc(const char *text, const char *what)
{
	struct ec_mirror_diff	*d = NULL;
	struct ec_err		 err = { EC_OK, "" };
	int			 rc;

	rc = ec_mirror_diff_parse(&d, text, strlen(text), &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY, "%s: %s", what,
	    rc == -1 ? err.msg : "accepted");
	ec_mirror_diff_free(rc == 0 ? d : NULL);
}

#define H	"00000000000000000000000000000000" \
		"00000000000000000000000000000000"
#define HEAD	"{\"baseExportId\":\"b\",\"baseTreeSha256\":\"" H "\"," \
		"\"exportId\":\"e\",\"files\":"
#define TAIL(r)	",\"newTreeSha256\":\"" H "\",\"removals\":" r \
		",\"schemaVersion\":\"export-center.mirror-delta/v1\"}"
#define FILE1(n) "{\"path\":\"" n "\",\"sha256\":\"" H "\",\"size\":1}"

static void
test_parse(void)
{
	struct ec_mirror_diff	*d;
	struct ec_err		 err = { EC_OK, "" };
	const char		*good = HEAD "[" FILE1("a/b") "]"
				    TAIL("[\"c\"]");

	ok(ec_mirror_diff_parse(&d, good, strlen(good), &err) == 0 &&
	    ec_mirror_diff_files(d) == 1 && ec_mirror_diff_removals(d) == 1 &&
	    strcmp(ec_mirror_diff_base_id(d), "b") == 0, "a good document: %s",
	    err.msg);
	ec_mirror_diff_free(d);
	bad_doc(HEAD "[" FILE1("../x") "]" TAIL("[]"), "a path leaving the "
	    "tree");
	bad_doc(HEAD "[" FILE1("/x") "]" TAIL("[]"), "an absolute path");
	bad_doc(HEAD "[" FILE1("a//b") "]" TAIL("[]"), "an empty component");
	bad_doc(HEAD "[]" TAIL("[\"a/./b\"]"), "a \".\" removal");
	bad_doc(HEAD "[" FILE1("b") "," FILE1("a") "]" TAIL("[]"),
	    "files out of order");
	bad_doc(HEAD "[" FILE1("a") "]" TAIL("[\"a\"]"),
	    "a path written and removed");
	bad_doc(HEAD "[]" TAIL("[\"a\",\"a\"]"), "a removal repeated");
	bad_doc(HEAD "[]" TAIL("[]") " ", "trailing space (not canonical)");
	bad_doc("{\"a\":1}", "another document");
	bad_doc(HEAD "[{\"path\":\"a\",\"sha256\":\"x\",\"size\":1}]"
	    TAIL("[]"), "a bad digest");
	bad_doc(HEAD "[{\"path\":\"a\",\"sha256\":\"" H "\",\"size\":-1}]"
	    TAIL("[]"), "a negative size");
	bad_doc("[", "not JSON");
}

/* export-cron's base: a tree put into the store comes back file for file. */
static void
test_store(void)
{
	struct ec_blob_file	*f = NULL;
	struct ec_err		 err = { EC_OK, "" };
	char			 blob[600], rel[EC_BLOB_REL_MAX];
	size_t			 n = 0;
	FILE			*fp;

	/* Putting moves the files into the store: put a copy. */
	cp_tree("t2", "t2s");
	if (ec_blob_put_tree(&f, &n, p("store"), p("t2s"), 100, &err) == -1 ||
	    mkdir(p("from"), 0755) == -1 || mkdir(p("from2"), 0755) == -1 ||
	    mkdir(p("from3"), 0755) == -1)
		abort();
	ok(ec_mirror_tree_from_store(p("from"), p("store"), f, n, &err) == 0 &&
	    same_tree("from", "t2"), "a stored tree rebuilt: %s", err.msg);
	ec_blob_rel(rel, f[0].sha256);
	(void)snprintf(blob, sizeof(blob), "store/%s", rel);
	(void)chmod(p(blob), 0644);
	if ((fp = fopen(p(blob), "a")) == NULL)
		abort();
	(void)fputs("x", fp);
	(void)fclose(fp);
	ok(ec_mirror_tree_from_store(p("from2"), p("store"), f, n, &err) ==
	    -1 && err.code == EC_ERR_VERIFY, "a blob with other bytes: %s",
	    err.msg);
	(void)unlink(p(blob));
	ok(ec_mirror_tree_from_store(p("from3"), p("store"), f, n, &err) ==
	    -1 && err.code == EC_ERR_BASE_MISSING, "a missing blob: %s",
	    err.msg);
	free(f);
}

/*
 * The profile: until mirror:full is in the registry, a clear
 * EC_ERR_PROFILE_NOT_FOUND naming it; with it, an absent base is
 * EC_ERR_BASE_MISSING before any work.
 */
static void
test_profile(void)
{
	struct ec_export_req	 r;
	struct ec_err		 err = { EC_OK, "" };
	const char		*params[1];
	char			 param[600];
	int			 rc;

	(void)snprintf(param, sizeof(param), "base=%s", p("absent"));
	params[0] = param;
	memset(&r, 0, sizeof(r));
	r.tenant = "t1";
	r.profile = "mirror:delta";
	r.params = params;
	r.nparams = 1;
	r.signer = signer;
	r.out_dir = p("po");
	rc = ec_export_check(&r, &err);
	if (ec_profile_find("mirror:full") == NULL)
		ok(rc == -1 && err.code == EC_ERR_PROFILE_NOT_FOUND &&
		    strstr(err.msg, "mirror:full") != NULL,
		    "mirror:delta without mirror:full: %s", err.msg);
	else
		ok(rc == -1 && err.code == EC_ERR_BASE_MISSING,
		    "mirror:delta from an absent base: %s", err.msg);
	ok(!exists("po"), "nothing written");
}

/*
 * A v1 delta (no patches, the envelope carrying the manifest itself) is
 * still applied; the v2 envelope of another manifest is not.
 */
static void
test_v1(void)
{
	struct ec_err	 err;
	struct ec_buf	 env;
	char		*doc, *v;
	size_t		 n;
	FILE		*f;

	put("v1a", "a.txt", "one");
	put("v1a", "b.txt", "two");
	put("v1b", "a.txt", "one, changed");
	put("v1b", "c.txt", "three");
	if (ec_mirror_delta_diff(NULL, p("v1a"), p("v1b"), signer, p("v1d"),
	    &err) == -1 || (doc = slurp("v1d/" EC_MIRROR_DIFF_NAME, &n)) ==
	    NULL || (v = strstr(doc, "mirror-delta/v2")) == NULL)
		abort();
	v[strlen("mirror-delta/v")] = '1';
	ec_buf_init(&env, 1 << 20);
	if (ec_dsse_sign(&env, EC_MIRROR_DIFF_PAYLOAD_TYPE, doc, n,
	    (const struct ec_signer *const *)&signer, 1, &err) == -1)
		abort();
	if ((f = fopen(p("v1d/" EC_MIRROR_DIFF_NAME), "w")) == NULL ||
	    fwrite(doc, 1, n, f) != n || fclose(f) != 0)
		abort();
	ok(ec_mirror_delta_apply(NULL, p("v1a"), p("v1d"), verifier,
	    p("v1r0"), &err) == -1 && err.code == EC_ERR_VERIFY &&
	    !exists("v1r0"), "a manifest edited after signing is refused");
	if ((f = fopen(p("v1d/" EC_MIRROR_DIFF_DSSE), "w")) == NULL ||
	    fwrite(env.data, 1, env.len, f) != env.len || fclose(f) != 0)
		abort();
	ok(ec_mirror_delta_apply(NULL, p("v1a"), p("v1d"), verifier,
	    p("v1r"), &err) == 0 && same_tree("v1r", "v1b"),
	    "a v1 delta, its envelope carrying the manifest, applies");
	ec_buf_dispose(&env);
	free(doc);
}

int
main(void)
{
	struct ec_err	err;
	char		kid[EC_KEY_ID_SIZE];
	char		cmd[128];

	(void)snprintf(dir, sizeof(dir), "/tmp/t_mirror.XXXXXX");
	if (mkdtemp(dir) == NULL || mkdir(p("k"), 0700) == -1 ||
	    ec_key_generate(kid, p("k"), EC_KEY_ED25519, &err) == -1 ||
	    ec_signer_load(&signer, p("k/" EC_KEY_PRIV_FILE), &err) == -1 ||
	    ec_verifier_load(&verifier, p("k/" EC_KEY_PUB_FILE), &err) == -1)
		abort();
	(void)mkdir(p("k2"), 0700);
	test_parse();
	test_chain();
	test_refusals();
	test_store();
	test_profile();
	test_v1();
	ec_signer_free(signer);
	ec_verifier_free(verifier);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
