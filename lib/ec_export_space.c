/*
 * ec_export_space: how much a build will write, and whether the staging
 * and output file systems have it, so that a build that cannot fit is
 * refused before it writes rather than failing half-way with ENOSPC.
 * The figures are estimates (ec_limits.h says how they are made); a
 * build that fits the estimate can still fail on a disk filled by
 * someone else meanwhile, and then fails cleanly as before.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "ec_export_int.h"
#include "ec_limits.h"

void
ec_build_set_estimate(struct ec_build *b, uint64_t documents,
    uint64_t outputs, uint64_t bytes)
{
	b->est_docs = documents;
	b->est_outputs = outputs;
	b->est_bytes = bytes;
}

/* Free bytes and device of "path", or of its parent when it is missing. */
static bool
space_of(uint64_t *free_out, dev_t *dev_out, const char *path)
{
	struct statvfs	 vfs;
	struct stat	 st;
	char		 parent[BUILD_PATH_MAX];

	if (stat(path, &st) == -1) {
		(void)snprintf(parent, sizeof(parent), "%s", path);
		path = dirname(parent);
		if (stat(path, &st) == -1)
			return false;
	}
	if (statvfs(path, &vfs) == -1)
		return false;
	*free_out = (uint64_t)vfs.f_bavail * vfs.f_frsize;
	*dev_out = st.st_dev;
	return true;
}

/* Saturating sums: estimates of huge stores must not wrap to small. */
static uint64_t
space_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void
space_compute(struct ec_export_estimate *e, const struct ec_build *b)
{
	const struct ec_export_req	*req = b->req;
	uint64_t			 files, meta, age;
	bool				 pack;

	pack = (b->profile->flags & EC_PROFILE_PACK) != 0;
	e->documents = b->est_docs;
	e->outputs = b->est_outputs;
	/* Manifest, provenance, two envelopes and checksums.txt. */
	files = space_add(b->est_outputs, 5);
	meta = files > UINT64_MAX / EC_ESTIMATE_FILE_BYTES ? UINT64_MAX :
	    files * EC_ESTIMATE_FILE_BYTES;
	e->tree_bytes = space_add(space_add(b->est_bytes, meta),
	    EC_ESTIMATE_FIXED_BYTES);
	e->bundle_bytes = !pack ? e->tree_bytes :
	    e->tree_bytes / 100 * EC_ESTIMATE_ZSTD_PERCENT;
	/*
	 * The staging tree and the packed file exist at the same time, and
	 * so do the frames of the files compressed while written, which are
	 * no larger than the bundle that copies them.
	 */
	e->staging_need = space_add(e->tree_bytes, pack ?
	    space_add(e->bundle_bytes, e->bundle_bytes) : 0);
	if (req->nrecipients > 0) {
		/* age: 16 bytes per 64 KiB chunk and a small header. */
		age = space_add(e->bundle_bytes, e->bundle_bytes /
		    EC_AGE_CHUNK * 16 + 16384);
		e->staging_need = space_add(e->staging_need, age);
		e->bundle_bytes = age;
	}
	if (req->split_size > 0)
		e->staging_need = space_add(e->staging_need, e->bundle_bytes);
	e->out_need = e->bundle_bytes;
}

void
ec_export_space_measure(struct ec_export_estimate *e,
    const struct ec_build *b, const char *staging_parent,
    const char *out_dir)
{
	dev_t	sdev = 0, odev = 0;
	bool	have_s, have_o = false;

	memset(e, 0, sizeof(*e));
	space_compute(e, b);
	have_s = space_of(&e->staging_free, &sdev, staging_parent);
	if (out_dir != NULL)
		have_o = space_of(&e->out_free, &odev, out_dir);
	e->same_fs = have_s && have_o && sdev == odev;
	/* On one file system publishing is a rename: no second copy. */
	if (e->same_fs)
		e->out_need = 0;
	e->fits = have_s && e->staging_free >= e->staging_need &&
	    (out_dir == NULL || (have_o && e->out_free >= e->out_need));
}

int
ec_export_space_check(const struct ec_build *b, const char *staging_parent,
    struct ec_err *err)
{
	struct ec_export_estimate	e;

	ec_export_space_measure(&e, b, staging_parent, b->req->out_dir);
	if (e.fits)
		return 0;
	if (e.staging_free < e.staging_need)
		return ec_err_set(err, EC_ERR_IO,
		    "not enough free space for staging in %.200s: the build "
		    "needs about %llu bytes, %llu are available (see "
		    "exportctl estimate; --staging DIR)", staging_parent,
		    (unsigned long long)e.staging_need,
		    (unsigned long long)e.staging_free);
	return ec_err_set(err, EC_ERR_IO,
	    "not enough free space in the output directory %.200s: the "
	    "bundle needs about %llu bytes, %llu are available (see "
	    "exportctl estimate)", b->req->out_dir,
	    (unsigned long long)e.out_need, (unsigned long long)e.out_free);
}
