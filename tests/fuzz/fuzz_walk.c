/*
 * tests/fuzz/fuzz_walk.c: libFuzzer target for the ingest directory walker
 * and its file classification (lib/ec_ingest_walk.c).  The input is a
 * program that builds a real tree in a temporary directory: regular files
 * (*.json or not, dot files), directories (deep, with long names),
 * symbolic links (dangling or not) and FIFOs, under names holding any byte
 * but NUL and "/".  Then the walker runs over the tree's root, or over
 * each of its top-level entries named on their own (first input byte),
 * through the real file system.  This file defines ingest_add_doc() and
 * ingest_add_outcome() (so the batch queue and the database stay out of
 * the loop, as in fuzz_archive.c) and holds every report against a model
 * of the walk's rules (README, "Ingest"), aborting on any difference:
 *   - every input the walk sees is reported exactly once, as a document,
 *     a skip or a failure, and nothing else is;
 *   - in a directory, links, FIFOs, dot names and names not ending in
 *     ".json" are skipped, never opened; a directory past
 *     INGEST_MAX_DEPTH or a path past INGEST_MAX_PATH is a failure, and
 *     nothing under it is read;
 *   - a named FIFO fails at once instead of blocking (the -timeout of
 *     tests/fuzz/run.sh would catch a hang), a named link is followed;
 *   - a document handed over is NUL-terminated and at most
 *     EC_MAX_DOC_BYTES; every outcome passes fuzz_ingest.h's checks.
 *
 *   make fuzz && build-fuzz/fuzz_walk tests/fuzz/corpus/walk
 */
#define _GNU_SOURCE
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ec_ingest_int.h"
#include "ec_limits.h"
#include "fuzz_ingest.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define WALK_NODES	96
#define WALK_LEVELS	40
/* Paths the tree may reach; past INGEST_MAX_PATH on purpose. */
#define WALK_PATH_MAX	(INGEST_MAX_PATH + 1024)

enum walk_type { W_FILE, W_DIR, W_LINK, W_FIFO };
enum walk_class { C_DOC, C_SKIP, C_FAIL };

struct walk_node {
	enum walk_type	type;
	int		parent;		/* -1: the root */
	char		name[256];
};

struct walk_expect {
	char		path[WALK_PATH_MAX + 256];
	enum walk_class	class;
	bool		seen;
};

static struct walk_node		nodes[WALK_NODES];
static size_t			nnodes;
static struct walk_expect	expect[4 * WALK_NODES];
static size_t			nexpect;
static char			root[64];

/* The input, read a byte at a time; 0 once it runs out. */
struct walk_in {
	const uint8_t	*p;
	size_t		 len;
};

static uint8_t
in_byte(struct walk_in *in)
{
	uint8_t	b;

	if (in->len == 0)
		return 0;
	b = *in->p++;
	in->len--;
	return b;
}

static void
expect_add(const char *path, enum walk_class class)
{
	if (nexpect == sizeof(expect) / sizeof(expect[0]))
		abort();
	(void)snprintf(expect[nexpect].path, sizeof(expect[0].path), "%s",
	    path);
	expect[nexpect].class = class;
	expect[nexpect++].seen = false;
}

static void
walk_report(const char *name, enum walk_class class)
{
	size_t	i;

	for (i = 0; i < nexpect; i++)
		if (!expect[i].seen && strcmp(expect[i].path, name) == 0) {
			if (expect[i].class != class)
				abort();
			expect[i].seen = true;
			return;
		}
	/* Not expected, or reported twice. */
	abort();
}

int
ingest_add_doc(struct ingest_ctx *ctx, const char *name, struct ec_err *err)
{
	(void)err;
	if (ctx->raw.data == NULL || ctx->raw.len > EC_MAX_DOC_BYTES ||
	    ctx->raw.data[ctx->raw.len] != '\0')
		abort();
	walk_report(name, C_DOC);
	return 0;
}

int
ingest_add_outcome(struct ingest_ctx *ctx, const char *name,
    enum ec_ingest_status status, const struct ec_err *why,
    struct ec_err *err)
{
	(void)ctx;
	(void)err;
	fuzz_ingest_outcome_check(status, why);
	walk_report(name, status == EC_INGEST_FAILED ? C_FAIL : C_SKIP);
	return 0;
}

static bool
walk_json(const char *name)
{
	size_t	len = strlen(name);

	return len > 5 && strcmp(name + len - 5, ".json") == 0;
}

static void	model_dir(int, const char *, int);

/* The model of one directory entry (walk_dir, then walk_entry). */
static void
model_entry(int i, const char *dir, int depth)
{
	char	path[WALK_PATH_MAX + 256];

	(void)snprintf(path, sizeof(path), "%s/%s", dir, nodes[i].name);
	if (strlen(path) > INGEST_MAX_PATH)
		expect_add(path, C_FAIL);
	else if (nodes[i].name[0] == '.' || nodes[i].type == W_LINK ||
	    nodes[i].type == W_FIFO)
		expect_add(path, C_SKIP);
	else if (nodes[i].type == W_FILE)
		expect_add(path, walk_json(nodes[i].name) ? C_DOC : C_SKIP);
	else if (depth + 1 > INGEST_MAX_DEPTH)
		expect_add(path, C_FAIL);
	else
		model_dir(i, path, depth + 1);
}

static void
model_dir(int dir, const char *path, int depth)
{
	size_t	i;

	for (i = 0; i < nnodes; i++)
		if (nodes[i].parent == dir)
			model_entry((int)i, path, depth);
}

/*
 * The model of a top-level entry named on its own (ingest_walk_named):
 * followed if a link, read whatever its name, walked if a directory.
 * Returns false for one not to name (a link to a directory, whose
 * contents would be reported under the link's path).
 */
static bool
model_named(int i, const char *path)
{
	struct stat	st;

	switch (nodes[i].type) {
	case W_DIR:
		model_dir(i, path, 0);
		return true;
	case W_FIFO:
		expect_add(path, C_FAIL);
		return true;
	case W_FILE:
		expect_add(path, C_DOC);
		return true;
	case W_LINK:
		if (stat(path, &st) == -1)
			expect_add(path, C_FAIL);
		else if (S_ISREG(st.st_mode))
			expect_add(path, C_DOC);
		else
			return false;
		return true;
	}
	return false;
}

/* A name from the input: no NUL or "/", never "." or "..". */
static void
in_name(char *out, struct walk_in *in, size_t len)
{
	size_t	i;
	uint8_t	b;

	for (i = 0; i < len; i++) {
		b = in_byte(in);
		out[i] = b == '\0' ? 'n' : b == '/' ? 's' : (char)b;
	}
	out[len] = '\0';
	if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
		out[len - 1] = 'x';
}

/* Shape the name for the entry's type; archives are fuzz_archive's. */
static void
shape_name(char *name, unsigned op)
{
	char	path[300];
	size_t	len = strlen(name);

	if (op == 0 && len <= 200)
		memcpy(name + len, ".json", 6);
	else if (op == 6)
		name[0] = '.';
	len = strlen(name);
	/* As a path, "dir/.tar" is an archive name too. */
	(void)snprintf(path, sizeof(path), "d/%s", name);
	if ((op != 0 && walk_json(name)) || ingest_is_archive(path))
		name[len - 1] = '_';
}

/* Create one entry in the directory open at dfd; false if it failed. */
static bool
build_one(int dfd, const struct walk_node *n, struct walk_in *in)
{
	char	buf[64], target[32];
	size_t	len;
	int	fd;

	switch (n->type) {
	case W_FILE:
		len = in_byte(in) % sizeof(buf);
		in_name(buf, in, len > 0 ? len - 1 : 0);
		if ((fd = openat(dfd, n->name, O_WRONLY | O_CREAT | O_EXCL |
		    O_CLOEXEC, 0644)) == -1)
			return false;
		if (len > 0 && write(fd, buf, len - 1) != (ssize_t)(len - 1))
			abort();
		(void)close(fd);
		return true;
	case W_DIR:
		return mkdirat(dfd, n->name, 0755) == 0;
	case W_LINK:
		in_name(target, in, 1 + in_byte(in) % 16);
		return symlinkat(target, dfd, n->name) == 0;
	case W_FIFO:
		return mkfifoat(dfd, n->name, 0644) == 0;
	}
	return false;
}

/* Build the tree the input describes; it stays under WALK_PATH_MAX. */
static void
build_tree(struct walk_in *in)
{
	static const enum walk_type types[8] = { W_FILE, W_FILE, W_DIR,
	    W_DIR, W_LINK, W_FIFO, W_FILE, W_DIR };
	struct walk_node	*n;
	int			 fds[WALK_LEVELS + 1], dirs[WALK_LEVELS + 1];
	size_t			 plen[WALK_LEVELS + 1], level = 0, len;
	unsigned		 op;

	if ((fds[0] = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		abort();
	dirs[0] = -1;
	plen[0] = strlen(root);
	while (in->len > 0 && nnodes < WALK_NODES) {
		op = in_byte(in) % 8;
		if (op == 3) {
			if (level > 0)
				(void)close(fds[level--]);
			continue;
		}
		n = &nodes[nnodes];
		len = op == 7 ? 200 + in_byte(in) % 40 : 1 + in_byte(in) % 40;
		in_name(n->name, in, len);
		shape_name(n->name, op);
		if (plen[level] + 1 + strlen(n->name) > WALK_PATH_MAX)
			break;
		n->type = types[op];
		n->parent = dirs[level];
		if (!build_one(fds[level], n, in))
			continue;
		nnodes++;
		if (n->type != W_DIR || level == WALK_LEVELS)
			continue;
		if ((fds[level + 1] = openat(fds[level], n->name,
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			abort();
		plen[level + 1] = plen[level] + 1 + strlen(n->name);
		dirs[++level] = (int)(nnodes - 1);
	}
	while (level > 0)
		(void)close(fds[level--]);
	(void)close(fds[0]);
}

/* Remove everything under the directory open at dfd (paths may be long). */
static void
rm_under(int dfd)
{
	DIR		*d;
	struct dirent	*e;
	int		 sub;

	if ((d = fdopendir(dfd)) == NULL)
		abort();
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(dirfd(d), e->d_name, 0) == 0)
			continue;
		if ((sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1)
			abort();
		rm_under(sub);
		if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) == -1)
			abort();
		rewinddir(d);
	}
	(void)closedir(d);
}

/* Each input's tree is removed after it; the root goes at exit. */
static void
walk_cleanup(void)
{
	(void)rmdir(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct walk_in		in = { data, size };
	struct ingest_ctx	ctx;
	struct ec_err		err;
	char			path[WALK_PATH_MAX + 256];
	bool			named;
	size_t			i;
	int			fd;

	if (root[0] == '\0') {
		(void)snprintf(root, sizeof(root), "%s/fuzz_walk.XXXXXX",
		    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
		if (mkdtemp(root) == NULL || atexit(walk_cleanup) != 0)
			abort();
	}
	nnodes = nexpect = 0;
	named = (in_byte(&in) & 1) != 0;
	build_tree(&in);
	memset(&ctx, 0, sizeof(ctx));
	ec_buf_init(&ctx.raw, EC_MAX_DOC_BYTES + 1);
	if (!named) {
		model_dir(-1, root, 0);
		if (ingest_walk_named(&ctx, root, &err) == -1)
			abort();
	} else
		for (i = 0; i < nnodes; i++) {
			if (nodes[i].parent != -1)
				continue;
			(void)snprintf(path, sizeof(path), "%s/%s", root,
			    nodes[i].name);
			if (model_named((int)i, path) &&
			    ingest_walk_named(&ctx, path, &err) == -1)
				abort();
		}
	for (i = 0; i < nexpect; i++)
		if (!expect[i].seen)
			abort();
	ec_buf_dispose(&ctx.raw);
	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		abort();
	rm_under(fd);
	return 0;
}
