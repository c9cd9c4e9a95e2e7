/*
 * ec_export: the driver every profile runs under.  Order of work:
 * validate, open the snapshot, let the profile plan, stream its items
 * into the bundle, then seal: manifest.json, its DSSE envelope,
 * provenance.json and its envelope, checksums.txt over everything, the
 * compressed file, and last the rename into the output directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_canon.h"
#include "ec_dsse.h"
#include "ec_export.h"
#include "ec_limits.h"
#include "ec_manifest.h"
#include "ec_profile.h"
#include "ec_prov.h"

/* Characters of the staging name that mkdtemp(3) fills in. */
#define BUILD_TEMPLATE_X	6

/* Kinds of input one export can mix (evidence kinds, policy, ...). */
#define BUILD_MAX_KINDS	8

struct build_kind {
	char			name[16];
	struct ec_sha256	h;
	uint64_t		docs;
};

struct ec_build {
	struct ec_db			*db;		/* borrowed */
	const struct ec_export_req	*req;		/* borrowed */
	const struct ec_profile		*profile;	/* static */
	struct ec_selectors		 sel;
	json_t				*sel_json;	/* owned */
	int64_t				 snapshot_us;
	struct ec_bundle		*bundle;	/* owned */
	struct ec_manifest		*manifest;	/* owned */
	struct ec_bundle_stream		*item;		/* the open item */
	char				*item_meta[4];	/* owned: type, id,
							   format, path */
	struct ec_sha256		 inputs;
	uint64_t			 documents;
	struct build_kind		 kinds[BUILD_MAX_KINDS];
	size_t				 nkinds;
	char				 staging[4096];
	char				 bundle_path[4096 + 32];
};

struct ec_db *
ec_build_db(struct ec_build *b)
{
	return b->db;
}

const char *
ec_build_tenant(const struct ec_build *b)
{
	return b->req->tenant;
}

const struct ec_selectors *
ec_build_selectors(const struct ec_build *b)
{
	return &b->sel;
}

void
ec_build_set_snapshot(struct ec_build *b, int64_t us)
{
	b->snapshot_us = us;
}

static void
build_item_forget(struct ec_build *b)
{
	size_t	i;

	for (i = 0; i < 4; i++) {
		free(b->item_meta[i]);
		b->item_meta[i] = NULL;
	}
}

int
ec_build_item_open(struct ec_build *b, const char *type, const char *id,
    const char *format, const char *path, struct ec_err *err)
{
	if (b->item != NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "an item is open");
	if (ec_manifest_count(b->manifest) >= EC_MAX_OUTPUTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "export has more than %d outputs", EC_MAX_OUTPUTS);
	if ((b->item_meta[0] = strdup(type)) == NULL ||
	    (b->item_meta[1] = strdup(id)) == NULL ||
	    (b->item_meta[2] = strdup(format)) == NULL ||
	    (b->item_meta[3] = strdup(path)) == NULL) {
		build_item_forget(b);
		return ec_err_nomem(err);
	}
	if (ec_bundle_stream_open(&b->item, b->bundle, path, err) == -1) {
		b->item = NULL;
		build_item_forget(b);
		return -1;
	}
	return 0;
}

int
ec_build_item_write(struct ec_build *b, const void *p, size_t len,
    struct ec_err *err)
{
	if (b->item == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "no item is open");
	return ec_bundle_stream_write(b->item, p, len, err);
}

int
ec_build_item_close(struct ec_build *b, struct ec_err *err)
{
	uint8_t		d[EC_SHA256_LEN];
	uint64_t	size;
	int		rc;

	if (b->item == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "no item is open");
	rc = ec_bundle_stream_close(d, &size, b->item, err);
	b->item = NULL;
	if (rc == 0)
		rc = ec_manifest_add(b->manifest, b->item_meta[0],
		    b->item_meta[1], b->item_meta[2], b->item_meta[3], d, size,
		    err);
	build_item_forget(b);
	return rc;
}

int
ec_build_input(struct ec_build *b, const char *kind, const char *source,
    const char *id, const char *sha256_hex, struct ec_err *err)
{
	struct build_kind	*k = NULL;
	struct ec_buf		 line;
	size_t			 i;
	int			 rc;

	for (i = 0; i < b->nkinds; i++)
		if (strcmp(b->kinds[i].name, kind) == 0)
			k = &b->kinds[i];
	if (k == NULL) {
		if (b->nkinds == BUILD_MAX_KINDS ||
		    strlen(kind) >= sizeof(k->name))
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "too many input kinds");
		k = &b->kinds[b->nkinds++];
		(void)snprintf(k->name, sizeof(k->name), "%s", kind);
		ec_sha256_init(&k->h);
	}
	/* Ids hold no control characters, so tabs and newlines delimit. */
	ec_buf_init(&line, 4 * EC_MAX_ID_LEN);
	rc = ec_buf_addf(&line, err, "%s\t%s\t%s\t%s\n", kind, source, id,
	    sha256_hex);
	if (rc == 0) {
		ec_sha256_update(&b->inputs, line.data, line.len);
		ec_sha256_update(&k->h, line.data, line.len);
		k->docs++;
		b->documents++;
	}
	ec_buf_dispose(&line);
	return rc;
}

static int
build_check(struct ec_build *b, const struct ec_export_req *req,
    struct ec_err *err)
{
	struct stat	st;
	const char	*p;

	if (req->profile == NULL ||
	    (b->profile = ec_profile_find(req->profile)) == NULL)
		return ec_err_set(err, EC_ERR_PROFILE_NOT_FOUND,
		    "unknown export profile \"%.64s\"",
		    req->profile != NULL ? req->profile : "");
	if (ec_tenant_check(req->tenant, err) == -1)
		return -1;
	b->sel = b->profile->defaults;
	if (ec_selectors_parse(&b->sel, req->targets, req->formats, err) == -1)
		return -1;
	if ((b->sel.targets & ~b->profile->targets) != 0 ||
	    (b->sel.formats & ~b->profile->formats) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "profile %s does not export those targets or formats",
		    b->profile->name);
	if (req->max_bytes > EC_MAX_BUNDLE_BYTES)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bundle size limit above %llu bytes",
		    (unsigned long long)EC_MAX_BUNDLE_BYTES);
	if (req->run_id != NULL) {
		if (req->run_id[0] == '\0' ||
		    strlen(req->run_id) > EC_RUN_ID_MAX)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "run id: 1 to %d characters", EC_RUN_ID_MAX);
		for (p = req->run_id; *p != '\0'; p++)
			if (*p <= ' ' || *p > '~')
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "run id: printable ASCII only");
	}
	if (req->out_dir == NULL || stat(req->out_dir, &st) == -1 ||
	    !S_ISDIR(st.st_mode))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output directory %.200s does not exist",
		    req->out_dir != NULL ? req->out_dir : "");
	if ((b->sel_json = ec_selectors_json(&b->sel)) == NULL)
		return ec_err_nomem(err);
	return 0;
}

static int
build_staging(struct ec_build *b, struct ec_err *err)
{
	const char	*dir = b->req->staging_dir;
	int		 n;

	if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
		dir = "/tmp";
	n = snprintf(b->staging, sizeof(b->staging), "%s/ec-build.", dir);
	if (n < 0 || (size_t)n + BUILD_TEMPLATE_X >= sizeof(b->staging))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "staging directory name too long");
	/* mkdtemp(3) replaces a trailing run of six 'X'. */
	memset(b->staging + n, 'X', BUILD_TEMPLATE_X);
	b->staging[n + BUILD_TEMPLATE_X] = '\0';
	if (mkdtemp(b->staging) == NULL) {
		(void)ec_err_set(err, EC_ERR_IO, "staging in %s: %s", dir,
		    strerror(errno));
		b->staging[0] = '\0';
		return -1;
	}
	(void)snprintf(b->bundle_path, sizeof(b->bundle_path),
	    "%s/bundle.tar.zst", b->staging);
	return 0;
}

/* Run id and file name, both derived from what makes the bytes. */
static int
build_names(struct ec_export_result *out, struct ec_build *b,
    char name[256], struct ec_err *err)
{
	struct ec_buf	 key;
	char		 h[EC_SHA256_HEX], prof[64];
	size_t		 i;
	int		 rc = -1;

	ec_buf_init(&key, 64 * 1024);
	if (b->req->run_id != NULL)
		(void)snprintf(out->run_id, sizeof(out->run_id), "%s",
		    b->req->run_id);
	else {
		if (ec_buf_addf(&key, err, "%s\n", b->profile->name) == -1 ||
		    ec_canon_dump(&key, b->sel_json, err) == -1 ||
		    ec_buf_addf(&key, err, "\n%s", out->inputs_hash) == -1)
			goto out;
		ec_sha256_hex(h, key.data, key.len);
		(void)snprintf(out->run_id, sizeof(out->run_id),
		    "export-run::%s::%s::%.16s", b->req->tenant,
		    b->profile->name, h);
	}
	ec_sha256_hex(h, out->run_id, strlen(out->run_id));
	(void)snprintf(prof, sizeof(prof), "%s", b->profile->name);
	for (i = 0; prof[i] != '\0'; i++)
		if (prof[i] == ':')
			prof[i] = '-';
	(void)snprintf(name, 256, "%s-%s-%.16s.tar.zst", b->req->tenant, prof,
	    h);
	rc = 0;
out:
	ec_buf_dispose(&key);
	return rc;
}

/* Sign "payload" into "name" when the request has a key. */
static int
build_sign(struct ec_build *b, const char *name, const char *type,
    const struct ec_buf *payload, struct ec_err *err)
{
	struct ec_buf	env;
	int		rc;

	if (b->req->signer == NULL)
		return 0;
	ec_buf_init(&env, EC_MAX_META_BYTES);
	rc = ec_dsse_sign(&env, type, payload->data, payload->len,
	    &b->req->signer, 1, err);
	if (rc == 0)
		rc = ec_bundle_add_mem(b->bundle, name, env.data, env.len, err);
	ec_buf_dispose(&env);
	return rc;
}

static int
build_subject(void *arg, const char *name, const uint8_t digest[EC_SHA256_LEN],
    uint64_t size, struct ec_err *err)
{
	(void)size;
	return ec_prov_subject(arg, name, digest, err);
}

static int
build_provenance(struct ec_build *b, const struct ec_export_result *res,
    struct ec_err *err)
{
	struct ec_prov	*p = NULL;
	struct ec_buf	 out;
	json_t		*params;
	char		 hex[EC_SHA256_HEX], dep[32];
	uint8_t		 d[EC_SHA256_LEN];
	size_t		 i;
	int		 rc = -1;

	ec_buf_init(&out, EC_MAX_META_BYTES);
	params = json_pack("{s:s, s:O, s:s}", "profile", b->profile->name,
	    "selectors", b->sel_json, "tenant", b->req->tenant);
	if (params == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_prov_new(&p, b->profile->build_type, res->run_id, params,
	    err) == -1)
		goto out;
	/* Subjects: every file so far (data, manifest, its envelope). */
	if (ec_bundle_foreach(b->bundle, build_subject, p, err) != 0 ||
	    ec_prov_dependency(p, "evidence", res->inputs_hash, b->documents,
	    err) == -1)
		goto out;
	for (i = 0; i < b->nkinds; i++) {
		ec_sha256_final(d, &b->kinds[i].h);
		ec_hex_encode(hex, d, sizeof(d));
		(void)snprintf(dep, sizeof(dep), "evidence:%s",
		    b->kinds[i].name);
		if (ec_prov_dependency(p, dep, hex, b->kinds[i].docs,
		    err) == -1)
			goto out;
	}
	if (ec_prov_write(&out, p, err) == -1 ||
	    ec_bundle_add_mem(b->bundle, EC_PROV_NAME, out.data, out.len,
	    err) == -1 ||
	    build_sign(b, EC_PROV_DSSE_NAME, EC_INTOTO_PAYLOAD_TYPE, &out,
	    err) == -1)
		goto out;
	rc = 0;
out:
	json_decref(params);
	ec_prov_free(p);
	ec_buf_dispose(&out);
	return rc;
}

/* Manifest, provenance, their envelopes and checksums.txt. */
static int
build_seal(struct ec_export_result *out, struct ec_build *b,
    struct ec_err *err)
{
	struct ec_manifest_head	 h;
	struct ec_buf		 buf;
	int			 rc = -1;

	ec_buf_init(&buf, EC_MAX_META_BYTES);
	memset(&h, 0, sizeof(h));
	h.tenant = b->req->tenant;
	h.profile = b->profile->name;
	h.selectors = b->sel_json;
	h.inputs_hash = out->inputs_hash;
	h.snapshot_us = b->snapshot_us;
	h.documents = b->documents;
	h.run_id = out->run_id;
	if (ec_manifest_write(&buf, b->manifest, &h, err) == -1 ||
	    ec_bundle_add_mem(b->bundle, EC_MANIFEST_NAME, buf.data, buf.len,
	    err) == -1 ||
	    build_sign(b, EC_MANIFEST_DSSE_NAME, EC_MANIFEST_PAYLOAD_TYPE, &buf,
	    err) == -1 ||
	    build_provenance(b, out, err) == -1)
		goto out;
	ec_buf_reset(&buf);
	if (ec_checksums_write(&buf, b->bundle, err) == -1 ||
	    ec_bundle_add_mem(b->bundle, EC_CHECKSUMS_NAME, buf.data, buf.len,
	    err) == -1)
		goto out;
	out->items = ec_manifest_count(b->manifest);
	out->documents = b->documents;
	out->signed_ = b->req->signer != NULL;
	rc = 0;
out:
	ec_buf_dispose(&buf);
	return rc;
}

/* Copy for a rename across file systems; the copy is hidden until done. */
static int
build_copy(const char *from, const char *tmp, struct ec_err *err)
{
	char	 chunk[65536];
	ssize_t	 n;
	int	 in, o, rc = -1;

	if ((in = open(from, O_RDONLY | O_CLOEXEC)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", from,
		    strerror(errno));
	if ((o = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", tmp,
		    strerror(errno));
		(void)close(in);
		return -1;
	}
	while ((n = read(in, chunk, sizeof(chunk))) > 0)
		if (write(o, chunk, (size_t)n) != n)
			break;
	if (n == 0 && fsync(o) == 0)
		rc = 0;
	else
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", tmp,
		    strerror(errno));
	if (close(o) == -1 && rc == 0)
		rc = ec_err_set(err, EC_ERR_IO, "%s: %s", tmp,
		    strerror(errno));
	(void)close(in);
	if (rc == -1)
		(void)unlink(tmp);
	return rc;
}

static int
build_publish(struct ec_export_result *out, struct ec_build *b,
    const char *name, struct ec_err *err)
{
	char	tmp[sizeof(out->path) + 16];

	if (snprintf(out->path, sizeof(out->path), "%s/%s", b->req->out_dir,
	    name) >= (int)sizeof(out->path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
	if (rename(b->bundle_path, out->path) == 0)
		return 0;
	if (errno != EXDEV)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", out->path,
		    strerror(errno));
	(void)snprintf(tmp, sizeof(tmp), "%s/.%s.part", b->req->out_dir, name);
	if (build_copy(b->bundle_path, tmp, err) == -1)
		return -1;
	if (rename(tmp, out->path) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", out->path,
		    strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	(void)unlink(b->bundle_path);
	return 0;
}

static int
build_run(struct ec_export_result *out, struct ec_build *b,
    struct ec_err *err)
{
	char		name[256];
	uint8_t		d[EC_SHA256_LEN];
	int64_t		secs;

	if (ec_db_begin(b->db, b->req->tenant, true, err) == -1)
		return -1;
	if (b->profile->plan(b, err) == -1)
		return -1;
	/* Whole seconds: tar headers hold no fractions. */
	secs = b->snapshot_us / 1000000;
	if (ec_manifest_new(&b->manifest, err) == -1 ||
	    build_staging(b, err) == -1 ||
	    ec_bundle_new(&b->bundle, b->bundle_path, secs,
	    b->req->max_bytes != 0 ? b->req->max_bytes : EC_MAX_BUNDLE_BYTES,
	    err) == -1)
		return -1;
	if (b->profile->write(b, err) == -1)
		return -1;
	if (b->item != NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "item left open");
	if (ec_db_commit(b->db, err) == -1)
		return -1;
	ec_sha256_final(d, &b->inputs);
	ec_hex_encode(out->inputs_hash, d, sizeof(d));
	if (build_names(out, b, name, err) == -1 ||
	    build_seal(out, b, err) == -1 ||
	    ec_bundle_finish(d, &out->size, b->bundle, err) == -1)
		return -1;
	ec_hex_encode(out->sha256, d, sizeof(d));
	return build_publish(out, b, name, err);
}

int
ec_export_build(struct ec_export_result *out, struct ec_db *db,
    const struct ec_export_req *req, struct ec_err *err)
{
	struct ec_build	*b;
	int		 rc = -1;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ec_err_nomem(err);
	b->db = db;
	b->req = req;
	ec_sha256_init(&b->inputs);
	memset(out, 0, sizeof(*out));
	if (build_check(b, req, err) == 0)
		rc = build_run(out, b, err);
	ec_db_rollback(db);
	build_item_forget(b);
	/* Frees an item left open too; unlinks an unfinished bundle. */
	ec_bundle_free(b->bundle);
	if (b->staging[0] != '\0') {
		(void)unlink(b->bundle_path);
		(void)rmdir(b->staging);
	}
	ec_manifest_free(b->manifest);
	json_decref(b->sel_json);
	free(b);
	return rc;
}
