/*
 * ec_export_open: undo the transport wrappers of a published output
 * (parts, age encryption) into a private, locked temporary directory, so
 * that the plain bundle can be verified.  The temporary is an
 * ec_publish staging directory: removed by ec_export_opened_dispose(),
 * and swept by the next build if this process dies.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_age.h"
#include "ec_export.h"
#include "ec_publish.h"
#include "ec_split.h"

/* "<file>.partNNNN" beside a manifest: the part names ec_split writes. */
#define OPEN_PART_SUFFIX	".part"
#define OPEN_SPLIT_DIR		".split"

struct open_split {
	char	dir[PATH_MAX];		/* where the parts are */
	char	name[NAME_MAX + 1];	/* the whole file's name */
	char	manifest[PATH_MAX];	/* "" : beside the first part */
	char  **parts;			/* owned, with each string */
	size_t	nparts;
};

static bool
open_ends(const char *s, const char *suffix)
{
	size_t	a = strlen(s), b = strlen(suffix);

	return a > b && strcmp(s + a - b, suffix) == 0;
}

/* NAME from "<dir>/NAME<suffix>"; false when it is not of that shape. */
static bool
open_split_name(struct open_split *sp, const char *path, const char *suffix)
{
	const char	*base = strrchr(path, '/');
	size_t		 dlen, nlen;

	base = base != NULL ? base + 1 : path;
	if (!open_ends(base, suffix))
		return false;
	dlen = (size_t)(base - path);
	nlen = strlen(base) - strlen(suffix);
	if (dlen >= sizeof(sp->dir) || nlen >= sizeof(sp->name))
		return false;
	(void)snprintf(sp->dir, sizeof(sp->dir), "%.*s", (int)dlen, path);
	if (sp->dir[0] == '\0')
		(void)snprintf(sp->dir, sizeof(sp->dir), ".");
	(void)snprintf(sp->name, sizeof(sp->name), "%.*s", (int)nlen, base);
	return true;
}

/* Every "NAME.part*" in sp->dir, at most EC_SPLIT_MAX_PARTS + 1. */
static int
open_list_parts(struct open_split *sp, struct ec_err *err)
{
	struct dirent	*de;
	DIR		*d;
	char		 prefix[NAME_MAX + 8], **p;
	int		 rc = -1;

	(void)snprintf(prefix, sizeof(prefix), "%s%s", sp->name,
	    OPEN_PART_SUFFIX);
	if ((d = opendir(sp->dir)) == NULL)
		return ec_err_set(err, EC_ERR_IO, "opendir %s: %s", sp->dir,
		    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (sp->nparts > EC_SPLIT_MAX_PARTS) {
			(void)ec_err_set(err, EC_ERR_VERIFY,
			    "more than %d parts of %s", EC_SPLIT_MAX_PARTS,
			    sp->name);
			goto out;
		}
		if ((p = realloc(sp->parts, (sp->nparts + 1) *
		    sizeof(*p))) == NULL)
			goto nomem;
		sp->parts = p;
		if ((p[sp->nparts] = malloc(strlen(sp->dir) +
		    strlen(de->d_name) + 2)) == NULL)
			goto nomem;
		(void)sprintf(p[sp->nparts], "%s/%s", sp->dir, de->d_name);
		sp->nparts++;
	}
	rc = 0;
	goto out;
nomem:
	(void)ec_err_nomem(err);
out:
	(void)closedir(d);
	return rc;
}

/*
 * Which split the inputs name: a NAME.split directory, NAME.split.json,
 * NAME.split.dsse.json or the parts.  0 with sp->name "" when the input
 * is not split.
 */
/* "...NAME.partNNNN": the part names ec_split writes. */
static bool
open_is_part(const char *path)
{
	size_t	len = strlen(path), i;

	if (len <= 9 || memcmp(path + len - 9, OPEN_PART_SUFFIX, 5) != 0)
		return false;
	for (i = len - 4; i < len; i++)
		if (path[i] < '0' || path[i] > '9')
			return false;
	return true;
}

/*
 * Which split the inputs name: a NAME.split directory, NAME.split.json,
 * NAME.split.dsse.json or the parts.  0 with no parts when the input is
 * not split.
 */
static int
open_split_find(struct open_split *sp, const char *const *paths, size_t n,
    const struct ec_verifier *key, struct ec_err *err)
{
	const char	*suffix = key != NULL ? EC_SPLIT_DSSE_SUFFIX :
			    EC_SPLIT_MANIFEST_SUFFIX;
	struct stat	 st;

	if (n == 1 && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode)) {
		if (!open_split_name(sp, paths[0], OPEN_SPLIT_DIR))
			return 0;
		(void)snprintf(sp->dir, sizeof(sp->dir), "%s", paths[0]);
	} else if (n == 1 && !open_split_name(sp, paths[0],
	    EC_SPLIT_DSSE_SUFFIX) && !open_split_name(sp, paths[0],
	    EC_SPLIT_MANIFEST_SUFFIX) && !open_is_part(paths[0]))
		return 0;
	if (sp->name[0] == '\0') {
		/* Parts given one by one: ec_split_join checks each. */
		if ((sp->parts = calloc(n, sizeof(*sp->parts))) == NULL)
			return ec_err_nomem(err);
		for (sp->nparts = 0; sp->nparts < n; sp->nparts++)
			if ((sp->parts[sp->nparts] = strdup(
			    paths[sp->nparts])) == NULL)
				return ec_err_nomem(err);
		return 0;
	}
	if (snprintf(sp->manifest, sizeof(sp->manifest), "%s/%s%s", sp->dir,
	    sp->name, suffix) >= (int)sizeof(sp->manifest))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "path too long");
	if (open_list_parts(sp, err) == -1)
		return -1;
	if (sp->nparts == 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "no part of %s in %s", sp->name, sp->dir);
	return 0;
}

static void
open_split_dispose(struct open_split *sp)
{
	size_t	i;

	for (i = 0; i < sp->nparts; i++)
		free(sp->parts[i]);
	free(sp->parts);
}

static int
open_tmp(struct ec_export_opened *o, struct ec_err *err)
{
	const char	*dir = getenv("TMPDIR");

	if (o->tmp != NULL)
		return 0;
	return ec_publish_staging_new(&o->tmp, dir != NULL ? dir : "/tmp",
	    "ec-verify.", err);
}

/* Join the parts into the temporary; o->path names the result. */
static int
open_join(struct ec_export_opened *o, struct open_split *sp,
    const struct ec_verifier *key, struct ec_err *err)
{
	struct ec_join_result	 res;
	const char		*base;

	if (open_tmp(o, err) == -1)
		return -1;
	if (sp->name[0] == '\0') {
		/* The name of the first part, without ".partNNNN". */
		base = strrchr(sp->parts[0], '/');
		base = base != NULL ? base + 1 : sp->parts[0];
		if (!open_is_part(base))
			return ec_err_set(err, EC_ERR_VERIFY,
			    "%.200s is not a part (NAME.partNNNN)", base);
		(void)snprintf(sp->name, sizeof(sp->name), "%.*s",
		    (int)(strlen(base) - 9), base);
	}
	if (snprintf(o->path, sizeof(o->path), "%s/%s",
	    ec_publish_staging_path(o->tmp), sp->name) >= (int)sizeof(o->path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "path too long");
	if (ec_split_join(&res, o->path, (const char *const *)sp->parts,
	    sp->nparts, sp->manifest[0] != '\0' ? sp->manifest : NULL, key,
	    err) == -1)
		return -1;
	o->parts = res.parts;
	o->split_signed = res.signed_;
	return 0;
}

/* Decrypt o->path (NAME.age) to NAME in the temporary. */
static int
open_decrypt(struct ec_export_opened *o, const char *label,
    const struct ec_age_identity *ids, size_t nids, struct ec_err *err)
{
	char		 in[PATH_MAX];
	const char	*base;
	size_t		 len;

	if (nids == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%.200s is encrypted (age v1): give --identity FILE, or "
		    "decrypt it first (exportctl decrypt)", label);
	if (open_tmp(o, err) == -1)
		return -1;
	(void)snprintf(in, sizeof(in), "%s", o->path);
	base = strrchr(in, '/');
	base = base != NULL ? base + 1 : in;
	len = strlen(base) - 4;
	if (snprintf(o->path, sizeof(o->path), "%s/%.*s",
	    ec_publish_staging_path(o->tmp), (int)len, base) >=
	    (int)sizeof(o->path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "path too long");
	if (ec_age_decrypt_file(o->path, in, ids, nids, err) == -1)
		return -1;
	o->decrypted = true;
	return 0;
}

int
ec_export_open(struct ec_export_opened *out, const char *const *paths,
    size_t n, const struct ec_verifier *key,
    const struct ec_age_identity *ids, size_t nids, struct ec_err *err)
{
	struct open_split	 sp;
	const char		*one[1];
	char			 first[PATH_MAX];
	size_t			 len;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&sp, 0, sizeof(sp));
	if (n == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "no bundle");
	if (snprintf(out->path, sizeof(out->path), "%s", paths[0]) >=
	    (int)sizeof(out->path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "path too long");
	/* "NAME.split/" as a shell completes it is NAME.split. */
	len = strlen(out->path);
	while (n == 1 && len > 1 && out->path[len - 1] == '/')
		out->path[--len] = '\0';
	if (n == 1) {
		(void)memcpy(first, out->path, len + 1);
		one[0] = first;
		paths = one;
	}
	if (open_split_find(&sp, paths, n, key, err) == -1)
		goto out;
	if (sp.nparts > 0 && open_join(out, &sp, key, err) == -1)
		goto out;
	if (open_ends(out->path, ".age") &&
	    open_decrypt(out, paths[0], ids, nids, err) == -1)
		goto out;
	rc = 0;
out:
	open_split_dispose(&sp);
	if (rc == -1)
		ec_export_opened_dispose(out);
	return rc;
}

void
ec_export_opened_dispose(struct ec_export_opened *o)
{
	ec_publish_staging_free(o->tmp);
	o->tmp = NULL;
}
