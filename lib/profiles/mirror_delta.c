/*
 * mirror:delta: what changed since a base mirror.  The profile builds
 * the full mirror first, with the mirror:full builder found by name in
 * the profile registry (the same code a mirror:full export runs, into a
 * scratch directory of this build), then writes the delta between the
 * base tree (--base DIR, or export-cron's rebuilt base) and that tree
 * with ec_mirror_delta_write(): files/<path>, manifest.diff.json and
 * manifest.diff.dsse.json, each entered in manifest.json under "files".
 * The driver seals the delta as it seals every export.  With age
 * recipients the sealed delta is published with its payload encrypted
 * (delta_encrypt, ec_mirror_age_delta_encrypt()).
 *
 * A build without mirror:full in its registry fails with
 * EC_ERR_PROFILE_NOT_FOUND naming it, before any work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ec_bundle.h"
#include "ec_canon.h"
#include "ec_export_int.h"
#include "ec_file.h"
#include "ec_limits.h"
#include "ec_mirror_age.h"
#include "ec_mirror_delta.h"
#include "ec_profile.h"
#include "ec_time.h"

#define DELTA_FULL	"mirror:full"

/*
 * Not required by the table: a run's request is checked when it is
 * queued, before export-cron has rebuilt its base (baseRunId) and added
 * the parameter.  plan() refuses a build without one.
 */
static const struct ec_profile_param delta_params[] = {
	{ "base", "the base mirror's directory (an earlier mirror:full or "
	    "an applied delta); required", false },
	/* Passed on: the full mirror the delta leads to is built with them. */
	{ "tuf-keys", "as mirror:full's", false },
	{ "tuf-threshold", "as mirror:full's", false },
	{ "tuf-roots", "as mirror:full's", false },
	{ "expires-root", "as mirror:full's", false },
	{ "expires-targets", "as mirror:full's", false },
	{ "expires-snapshot", "as mirror:full's", false },
	{ "expires-timestamp", "as mirror:full's", false },
	{ NULL, NULL, false }
};

/* The builder of the full mirror, or NULL when this build has none. */
static const struct ec_profile *
delta_full(void)
{
	const struct ec_profile	*p = ec_profile_find(DELTA_FULL);

	return p != NULL && p->write != NULL ? p : NULL;
}

static int
delta_check(struct ec_build *b, struct ec_err *err)
{
	const char	*base = ec_build_param(b, "base");
	struct stat	 st;

	if (delta_full() == NULL)
		return ec_err_set(err, EC_ERR_PROFILE_NOT_FOUND, "mirror:delta "
		    "builds the full mirror with the " DELTA_FULL " profile, "
		    "which this build does not provide");
	if (base != NULL && (stat(base, &st) == -1 || !S_ISDIR(st.st_mode)))
		return ec_err_set(err, EC_ERR_BASE_MISSING, "base: the base "
		    "mirror %.200s is absent", base);
	return 0;
}

/* Before any work: a base, and a key to sign the removals with. */
static int
delta_plan(struct ec_build *b, struct ec_err *err)
{
	if (ec_build_param(b, "base") == NULL)
		return ec_err_set(err, EC_ERR_BASE_MISSING, "base: no base "
		    "mirror given (--base DIR, or baseRunId for a run)");
	if (b->req->signer == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "mirror:delta "
		    "needs a signing key: its removals are trusted only "
		    "signed");
	return 0;
}

/* The sink: each delta file becomes an output file of this build. */
static int
delta_put_file(void *arg, const char *path, const char *src,
    struct ec_err *err)
{
	struct ec_file_desc	 d = { EC_FILE_METADATA, NULL, NULL, NULL,
				    NULL };
	struct ec_build_item	*it;
	char			 buf[64 * 1024];
	size_t			 got;
	int			 fd, rc = -1;

	/* A directory output's paths: files/ takes 6 of their bytes. */
	if (strlen(path) > EC_PROFILE_DIR_NAME_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "mirror:delta: "
		    "%.120s is longer than %d bytes (mirror paths: at most "
		    "%d)", path, EC_PROFILE_DIR_NAME_MAX,
		    EC_PROFILE_DIR_NAME_MAX - (int)sizeof(EC_MIRROR_FILES_DIR));
	if (ec_file_open_regular(&fd, src, false, err) == -1)
		return -1;
	if (ec_build_item_open(&it, arg, path, err) == -1)
		goto out;
	do {
		if (ec_file_read_full(&got, fd, buf, sizeof(buf), src,
		    err) == -1 || ec_build_item_write(it, buf, got,
		    err) == -1) {
			ec_build_item_discard(it);
			goto out;
		}
	} while (got == sizeof(buf));
	rc = ec_build_item_close(it, &d, NULL, NULL, err);
out:
	(void)close(fd);
	return rc;
}

static int
delta_put_mem(void *arg, const char *path, const void *p, size_t len,
    struct ec_err *err)
{
	struct ec_file_desc	d = { EC_FILE_METADATA, NULL, NULL, NULL,
				    path };

	return ec_build_add_mem(arg, &d, p, len, NULL, err);
}

/*
 * The full mirror, built as mirror:full builds it, into this build's
 * private tmp/ (removed with the staging).  The outer snapshot is closed
 * first: a store holds one snapshot at a time, and the inner build
 * takes its own, which is the one the full mirror is consistent with.
 */
static int
delta_build_full(struct ec_export_result *res, struct ec_build *b,
    char *out_dir, size_t size, struct ec_err *err)
{
	const struct ec_selectors	*sel;
	struct ec_export_req		 r;
	const char			*params[EC_PARAM_MAX];
	size_t				 i;

	if (snprintf(out_dir, size, "%s/full", b->tmp) >= (int)size)
		return ec_err_set(err, EC_ERR_IO, "staging path too long");
	memset(&r, 0, sizeof(r));
	r.tenant = b->req->tenant;
	r.profile = DELTA_FULL;
	r.profile_def = delta_full();
	/*
	 * The default selection is mirror:full's own default (a run's
	 * stored request spells this profile's defaults out); any other is
	 * passed on for mirror:full to take or refuse.
	 */
	sel = ec_build_selectors(b);
	if (sel->targets != ec_profile_mirror_delta.defaults.targets ||
	    sel->formats != ec_profile_mirror_delta.defaults.formats) {
		r.targets = b->req->targets;
		r.formats = b->req->formats;
	}
	/* Every parameter but the base is mirror:full's (delta_params). */
	for (i = 0; i < b->req->nparams && r.nparams < EC_PARAM_MAX; i++)
		if (strncmp(b->req->params[i], "base=", 5) != 0)
			params[r.nparams++] = b->req->params[i];
	r.params = params;
	r.run_id = b->req->run_id;
	r.signer = b->req->signer;
	r.out_dir = out_dir;
	r.staging_dir = b->req->staging_dir;
	r.max_bytes = b->req->max_bytes;
	r.zstd_workers = b->req->zstd_workers;
	if (b->store != NULL)
		ec_store_end(b->store);
	if (ec_export_build(res, b->store, &r, err) == -1)
		return ec_err_prefix(err, DELTA_FULL);
	return 0;
}

/*
 * The delta is of the full mirror's moment: its snapshot time is the
 * one mirror:full recorded.  A full mirror without a readable
 * snapshotAt leaves the driver's default.
 */
static void
delta_snapshot(struct ec_build *b, const char *full)
{
	char		 path[BUILD_PATH_MAX + 32];
	uint8_t		*p = NULL;
	size_t		 len;
	json_t		*doc;
	const char	*at;
	int64_t		 us;
	struct ec_err	 ign;

	(void)snprintf(path, sizeof(path), "%s/" EC_MANIFEST_NAME, full);
	if (ec_file_read_small(&p, &len, path, EC_MAX_META_BYTES, &ign) == -1)
		return;
	doc = ec_canon_parse_max((const char *)p, len, EC_MAX_META_NODES,
	    &ign);
	at = json_string_value(json_object_get(doc, "snapshotAt"));
	if (at != NULL && ec_time_parse(&us, at, strlen(at), &ign) == 0)
		ec_build_set_snapshot(b, us);
	json_decref(doc);
	free(p);
}

static int
delta_write(struct ec_build *b, struct ec_err *err)
{
	struct ec_export_result	 res;
	struct ec_mirror_stats	 st;
	struct ec_mirror_sink	 sink = { delta_put_file, delta_put_mem, b };
	char			 full[BUILD_PATH_MAX];

	if (delta_build_full(&res, b, full, sizeof(full), err) == -1 ||
	    ec_mirror_delta_write(&st, ec_build_param(b, "base"), res.path,
	    b->req->signer, &sink, err) == -1)
		return -1;
	delta_snapshot(b, res.path);
	if (ec_build_input(b, "mirror", "base", st.base_id, st.base_tree,
	    err) == -1 || ec_build_input(b, "mirror", "new", st.export_id,
	    st.new_tree, err) == -1)
		return -1;
	ec_build_summary(b, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}",
	    "baseExportId", st.base_id, "exportId", st.export_id, "added",
	    (json_int_t)st.added, "changed", (json_int_t)st.changed,
	    "removed", (json_int_t)st.removed, "unchanged",
	    (json_int_t)st.unchanged));
	return 0;
}

/* The sealed delta's payload locked to the recipients, file by file. */
static int
delta_encrypt(struct ec_build *b, const char *tree, const char *dest,
    const struct ec_age_recipient *r, size_t n, uint64_t *size_out,
    struct ec_err *err)
{
	(void)b;
	return ec_mirror_age_delta_encrypt(size_out, tree, dest, r, n, err);
}

const struct ec_profile ec_profile_mirror_delta = {
	.name = "mirror:delta",
	.build_type =
	    "https://stella-ops.org/export-center/profiles/mirror-delta/v1",
	.flags = 0,
	/* What mirror:full mirrors: the targets pass through to it. */
	.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM,
	.formats = EC_FORMAT_JSON | EC_FORMAT_NDJSON,
	.defaults = {
		.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM,
		.formats = EC_FORMAT_JSON,
	},
	.params = delta_params,
	.check = delta_check,
	.plan = delta_plan,
	.write = delta_write,
	.encrypt = delta_encrypt,
};
