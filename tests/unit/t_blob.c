/* tests/unit/t_blob.c: the content-addressed store, on a real file system. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "ec_blob.h"

static char	root[64];

static void
put_file(const char *rel, const char *text)
{
	char	path[256];
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s", root, rel);
	if ((f = fopen(path, "w")) != NULL) {
		(void)fputs(text, f);
		(void)fclose(f);
	}
}

/* Whether the store holds "text" under its own digest. */
static int
stored(const char *hex, const char *text)
{
	char	path[256], buf[64] = "";
	FILE	*f;
	size_t	n = 0;

	(void)snprintf(path, sizeof(path), "%s/store/sha256/%.2s/%s", root,
	    hex, hex);
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		(void)fclose(f);
	}
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

static void
tree_files(void)
{
	put_file("tree/sub/b.json", "{}");
	put_file("tree/manifest.json", "{\"m\":1}");
	put_file("tree/a.txt", "a");
}

static void
tree(void)
{
	struct ec_blob_file	*files = NULL;
	struct ec_err		 err;
	char			 store[128], dir[128], link[160];
	size_t			 n = 0;

	(void)snprintf(store, sizeof(store), "%s/store", root);
	(void)snprintf(dir, sizeof(dir), "%s/tree", root);
	(void)mkdir(dir, 0755);
	(void)snprintf(dir, sizeof(dir), "%s/tree/sub", root);
	(void)mkdir(dir, 0755);
	tree_files();
	(void)snprintf(dir, sizeof(dir), "%s/tree", root);
	ok(ec_blob_put_tree(&files, &n, store, dir, 10, &err) == 0 && n == 3,
	    "a tree of three files is stored");
	ok(n == 3 && strcmp(files[0].path, "a.txt") == 0 &&
	    strcmp(files[1].path, "manifest.json") == 0 &&
	    strcmp(files[2].path, "sub/b.json") == 0,
	    "in bytewise path order");
	ok(n == 3 && stored(files[0].sha256, "a") &&
	    stored(files[2].sha256, "{}") && files[1].size == 7,
	    "each under its own digest, with its size");
	free(files);
	files = NULL;
	tree_files();
	ok(ec_blob_put_tree(&files, &n, store, dir, 10, &err) == 0 && n == 3 &&
	    stored(files[0].sha256, "a"), "the same tree again: blobs kept");
	free(files);
	files = NULL;
	ok(ec_blob_put_tree(&files, &n, store, dir, 2, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE, "more files than allowed");
	ok(ec_blob_put_tree(&files, &n, store, dir, 10, &err) == 0 && n == 3,
	    "a refused tree stored nothing (its files are still there)");
	free(files);
	files = NULL;
	(void)snprintf(link, sizeof(link), "%s/tree/link", root);
	ok(symlink("/etc/passwd", link) == 0 &&
	    ec_blob_put_tree(&files, &n, store, dir, 10, &err) == -1 &&
	    err.code == EC_ERR_IO && strstr(err.msg, "link") != NULL,
	    "a symlink in the tree is refused: %s", err.msg);
}

static void
blobs(void)
{
	struct ec_err	err;
	char		store[128], from[128], hex[EC_SHA256_HEX], path[256];
	uint64_t	size;
	bool		existed;
	FILE		*f;

	(void)snprintf(store, sizeof(store), "%s/store", root);
	(void)snprintf(from, sizeof(from), "%s/one", root);
	put_file("one", "same bytes");
	ok(ec_blob_put(hex, &size, &existed, store, from, &err) == 0 &&
	    !existed && size == 10 && stored(hex, "same bytes") &&
	    access(from, F_OK) == -1, "a new blob is renamed into place");
	put_file("one", "same bytes");
	ok(ec_blob_put(hex, &size, &existed, store, from, &err) == 0 &&
	    existed && access(from, F_OK) == 0,
	    "the same bytes again: kept, the copy left to the caller");
	/* Corrupt the stored blob: the next put must notice. */
	(void)snprintf(path, sizeof(path), "%s/sha256/%.2s/%s", store, hex,
	    hex);
	(void)chmod(path, 0644);
	if ((f = fopen(path, "w")) != NULL) {
		(void)fputs("other bytes", f);
		(void)fclose(f);
	}
	ok(ec_blob_put(hex, &size, &existed, store, from, &err) == -1 &&
	    err.code == EC_ERR_CONFLICT, "a corrupted blob is a conflict: %s",
	    err.msg);
}

/* Run views: links, a shared blob surviving one view's removal. */
static void
views(void)
{
	struct ec_err	err;
	char		store[128], from[128], hex[EC_SHA256_HEX], path[256];
	uint64_t	size;
	bool		existed;

	(void)snprintf(store, sizeof(store), "%s/store", root);
	(void)snprintf(from, sizeof(from), "%s/shared", root);
	put_file("shared", "shared");
	ok(ec_blob_put(hex, &size, &existed, store, from, &err) == 0 &&
	    ec_blob_run_link(store, "t", "run-1", hex, &err) == 0 &&
	    ec_blob_run_link(store, "t", "run-1", hex, &err) == 0 &&
	    ec_blob_run_link(store, "t", "run-2", hex, &err) == 0,
	    "a blob is linked into two run views, twice into one");
	ok(ec_blob_run_link(store, "t", "../x", hex, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID &&
	    ec_blob_run_link(store, ".t", "r", hex, &err) == -1,
	    "a view name with '/' or a leading dot is refused");
	ok(ec_blob_run_link(store, "t", "run-1", "00000000000000000000000000"
	    "00000000000000000000000000000000000000", &err) == -1 &&
	    err.code == EC_ERR_NOT_FOUND, "linking an absent blob: not found");
	ok(ec_blob_run_remove(store, "t", "run-1", &err) == 0 &&
	    ec_blob_run_remove(store, "t", "run-1", &err) == 0,
	    "a view is removed, and removing it again is success");
	(void)snprintf(path, sizeof(path), "%s/runs/t/run-1", store);
	ok(access(path, F_OK) == -1, "the removed view is gone");
	(void)snprintf(path, sizeof(path), "%s/runs/t/run-2/%s", store, hex);
	ok(ec_blob_remove(store, hex, &err) == 0 && !stored(hex, "shared") &&
	    access(path, R_OK) == 0 && ec_blob_remove(store, hex, &err) == 0,
	    "the blob deleted from the store is still served by run-2's view");
}

int
main(void)
{
	char	cmd[128];

	(void)snprintf(root, sizeof(root), "/tmp/t_blob.XXXXXX");
	if (mkdtemp(root) == NULL)
		return 1;
	blobs();
	tree();
	views();
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
