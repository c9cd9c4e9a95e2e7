/*
 * ec_export: the driver every profile runs under.  Order of work:
 * validate (parameters included), make the locked staging directory,
 * open the store snapshot, let the profile plan and write its files, then
 * seal: manifest.json, its DSSE envelope, provenance.json and its
 * envelope, checksums.txt over everything; pack when the profile asks,
 * and last publish into the output directory (ec_publish.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_canon.h"
#include "ec_db.h"
#include "ec_dsse.h"
#include "ec_export_int.h"
#include "ec_limits.h"
#include "ec_prov.h"

/* Worker threads for zstd when the request leaves it to us. */
#define EXPORT_WORKERS_MAX	4

/* {"skipped": {kind: {"documents": N, "sha256": hex}}}, or NULL. */
static json_t *
build_prov_internal(struct ec_build *b)
{
	json_t		*skipped, *o;
	char		 hex[EC_SHA256_HEX];
	uint8_t		 d[EC_SHA256_LEN];
	size_t		 i;

	if ((o = json_pack("{s:{}}", "skipped")) == NULL)
		return NULL;
	skipped = json_object_get(o, "skipped");
	for (i = 0; i < b->nkinds; i++) {
		if (b->kinds[i].skipped == 0)
			continue;
		ec_sha256_final(d, &b->kinds[i].skip_h);
		ec_hex_encode(hex, d, sizeof(d));
		if (json_object_set_new(skipped, b->kinds[i].name,
		    json_pack("{s:I, s:s}", "documents",
		    (json_int_t)b->kinds[i].skipped, "sha256", hex)) == -1) {
			json_decref(o);
			return NULL;
		}
	}
	return o;
}

static int
export_run_id_check(const char *run_id, struct ec_err *err)
{
	const char	*p;

	if (run_id == NULL)
		return 0;
	if (run_id[0] == '\0' || strlen(run_id) > EC_RUN_ID_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "run id: 1 to %d characters", EC_RUN_ID_MAX);
	for (p = run_id; *p != '\0'; p++)
		if (*p <= ' ' || *p > '~')
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "run id: printable ASCII only");
	return 0;
}

static const struct ec_profile_param *
export_param_find(const struct ec_profile *p, const char *key, size_t klen)
{
	const struct ec_profile_param	*pp;

	for (pp = p->params; pp != NULL && pp->key != NULL; pp++)
		if (strlen(pp->key) == klen && memcmp(pp->key, key, klen) == 0)
			return pp;
	return NULL;
}

/* One "key=value": a key the profile declares, given once, a sane value. */
static int
export_param_one(struct ec_build *b, const char *kv, struct ec_err *err)
{
	const char	*eq = strchr(kv, '='), *v, *p;
	size_t		 klen, i;

	klen = eq != NULL ? (size_t)(eq - kv) : strlen(kv);
	if (eq == NULL || klen == 0 || klen > EC_PARAM_KEY_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "parameter \"%.40s\": expected key=value", kv);
	if (export_param_find(b->profile, kv, klen) == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "parameter \"%.*s\": profile %s has no such parameter",
		    (int)klen, kv, b->profile->name);
	v = eq + 1;
	if (strlen(v) > EC_PARAM_VALUE_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "parameter \"%.*s\": value longer than %d bytes",
		    (int)klen, kv, EC_PARAM_VALUE_MAX);
	for (p = v; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "parameter \"%.*s\": control character in value",
			    (int)klen, kv);
	for (i = 0; i < b->nparams; i++)
		if (strlen(b->pkey[i]) == klen &&
		    memcmp(b->pkey[i], kv, klen) == 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "parameter \"%.*s\" given twice", (int)klen, kv);
	if ((b->pkey[b->nparams] = strndup(kv, klen)) == NULL ||
	    (b->pval[b->nparams] = strdup(v)) == NULL)
		return ec_err_nomem(err);
	b->nparams++;
	return 0;
}

/* Match the parameters against the profile's table, then its check(). */
static int
export_params(struct ec_build *b, struct ec_err *err)
{
	const struct ec_profile_param	*pp;
	const struct ec_export_req	*req = b->req;
	size_t				 i;

	if (req->nparams > EC_PARAM_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "more than %d parameters", EC_PARAM_MAX);
	for (i = 0; i < req->nparams; i++)
		if (export_param_one(b, req->params[i], err) == -1)
			return -1;
	for (pp = b->profile->params; pp != NULL && pp->key != NULL; pp++)
		if (pp->required && ec_build_param(b, pp->key) == NULL)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "parameter \"%s\" is required by profile %s",
			    pp->key, b->profile->name);
	if (b->nparams > 0) {
		if ((b->params_json = json_object()) == NULL)
			return ec_err_nomem(err);
		for (i = 0; i < b->nparams; i++)
			if (json_object_set_new(b->params_json, b->pkey[i],
			    json_string(b->pval[i])) == -1)
				return ec_err_nomem(err);
	}
	return b->profile->check != NULL ? b->profile->check(b, err) : 0;
}

static int
build_check(struct ec_build *b, struct ec_err *err)
{
	const struct ec_export_req	*req = b->req;

	b->profile = req->profile_def;
	if (b->profile == NULL && (req->profile == NULL ||
	    (b->profile = ec_profile_find(req->profile)) == NULL))
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
	if (export_run_id_check(req->run_id, err) == -1)
		return -1;
	if (ec_export_wrap_check(b, err) == -1)
		return -1;
	if ((b->sel_json = ec_selectors_json(&b->sel)) == NULL)
		return ec_err_nomem(err);
	return export_params(b, err);
}

static struct ec_build *
build_new(const struct ec_export_req *req, struct ec_err *err)
{
	struct ec_build	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL) {
		(void)ec_err_nomem(err);
		return NULL;
	}
	b->req = req;
	ec_sha256_init(&b->inputs);
	return b;
}

static void
build_free(struct ec_build *b)
{
	size_t	i;

	if (b->store != NULL && !b->nested)
		ec_store_end(b->store);
	ec_export_items_discard(b);
	ec_export_files_free(b);
	/* Removes the tree, the bundle and the lock: nothing is left. */
	ec_publish_staging_free(b->staging);
	if (b->release != NULL)
		b->release(b->state);
	for (i = 0; i < b->nparams; i++) {
		free(b->pkey[i]);
		free(b->pval[i]);
	}
	ec_manifest_free(b->manifest);
	json_decref(b->sel_json);
	json_decref(b->params_json);
	free(b);
}

int
ec_export_check(const struct ec_export_req *req, struct ec_err *err)
{
	struct ec_build	*b;
	int		 rc;

	if ((b = build_new(req, err)) == NULL)
		return -1;
	rc = build_check(b, err);
	build_free(b);
	return rc;
}

bool
ec_export_needs_store(const struct ec_export_req *req)
{
	const struct ec_profile	*p = req->profile_def;

	if (p == NULL && req->profile != NULL)
		p = ec_profile_find(req->profile);
	return p != NULL && (p->flags & EC_PROFILE_NO_STORE) == 0;
}

/* Where staging directories are made: --staging, $TMPDIR or /tmp. */
static const char *
build_staging_parent(const struct ec_export_req *req)
{
	const char	*dir = req->staging_dir;

	if (dir == NULL && (dir = getenv("TMPDIR")) == NULL)
		dir = "/tmp";
	return dir;
}

/* The staging directory: a locked one with tree/ and tmp/ inside. */
static int
build_staging(struct ec_build *b, struct ec_err *err)
{
	const char	*dir = build_staging_parent(b->req);
	const char	*s;

	if (ec_publish_staging_new(&b->staging, dir, "ec-build.", err) == -1)
		return -1;
	s = ec_publish_staging_path(b->staging);
	(void)snprintf(b->tree, sizeof(b->tree), "%s/tree", s);
	(void)snprintf(b->tmp, sizeof(b->tmp), "%s/tmp", s);
	if (mkdir(b->tree, 0755) == -1 || mkdir(b->tmp, 0700) == -1)
		return ec_err_set(err, EC_ERR_IO, "staging in %s: %s", dir,
		    strerror(errno));
	return 0;
}

/* Run id and output name, both derived from what makes the bytes. */
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
		/* Parameters only when given: older run ids stay the same. */
		if (ec_buf_addf(&key, err, "%s\n", b->profile->name) == -1 ||
		    ec_canon_dump(&key, b->sel_json, err) == -1 ||
		    (b->params_json != NULL && (ec_buf_addc(&key, '\n',
		    err) == -1 || ec_canon_dump(&key, b->params_json,
		    err) == -1)) ||
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
	(void)snprintf(name, 256, "%s-%s-%.16s%s", b->req->tenant, prof, h,
	    (b->profile->flags & EC_PROFILE_PACK) != 0 ? ".tar.zst" : "");
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
		rc = ec_export_add_own(b, name, env.data, env.len, err);
	ec_buf_dispose(&env);
	return rc;
}

static json_t *
build_prov_params(const struct ec_build *b)
{
	json_t	*params;

	params = json_pack("{s:s, s:O, s:s}", "profile", b->profile->name,
	    "selectors", b->sel_json, "tenant", b->req->tenant);
	if (params != NULL && b->params_json != NULL &&
	    json_object_set(params, "parameters", b->params_json) == -1) {
		json_decref(params);
		return NULL;
	}
	return params;
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
	if ((params = build_prov_params(b)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_prov_new(&p, b->profile->build_type, res->run_id, params,
	    err) == -1)
		goto out;
	if (b->skipped > 0) {
		json_decref(params);
		if ((params = build_prov_internal(b)) == NULL) {
			(void)ec_err_nomem(err);
			goto out;
		}
		if (ec_prov_internal(p, params, err) == -1)
			goto out;
	}
	/* Subjects: every file so far (data, manifest, its envelope). */
	ec_export_files_sort(b);
	for (i = 0; i < b->nfiles; i++)
		if (ec_prov_subject(p, b->files[i].path, b->files[i].sha256,
		    err) == -1)
			goto out;
	if (ec_prov_dependency(p, "evidence", res->inputs_hash, b->documents,
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
	    ec_export_add_own(b, EC_PROV_NAME, out.data, out.len, err) == -1 ||
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

/* checksums.txt over every file of the tree. */
static int
build_checksums(struct ec_build *b, struct ec_err *err)
{
	struct ec_buf	buf;
	size_t		i;
	int		rc = -1;

	ec_buf_init(&buf, EC_MAX_META_BYTES);
	ec_export_files_sort(b);
	for (i = 0; i < b->nfiles; i++)
		if (ec_checksums_add(&buf, b->files[i].path,
		    b->files[i].sha256, err) == -1)
			goto out;
	rc = ec_export_add_own(b, EC_CHECKSUMS_NAME, buf.data, buf.len, err);
out:
	ec_buf_dispose(&buf);
	return rc;
}

/* Manifest, provenance, their envelopes and checksums.txt. */
static int
build_seal(struct ec_export_result *out, struct ec_build *b,
    struct ec_err *err)
{
	struct ec_manifest_head	 h;
	struct ec_buf		 buf;
	uint8_t			 d[EC_SHA256_LEN];
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
	    ec_export_add_own(b, EC_MANIFEST_NAME, buf.data, buf.len,
	    err) == -1 ||
	    build_sign(b, EC_MANIFEST_DSSE_NAME, EC_MANIFEST_PAYLOAD_TYPE, &buf,
	    err) == -1 ||
	    build_provenance(b, out, err) == -1 ||
	    build_checksums(b, err) == -1)
		goto out;
	ec_sha256(d, buf.data, buf.len);
	ec_hex_encode(out->sha256, d, sizeof(d));
	out->items = ec_manifest_count(b->manifest);
	out->files = ec_manifest_file_count(b->manifest);
	out->documents = b->documents;
	out->skipped = b->skipped;
	out->signed_ = b->req->signer != NULL;
	rc = 0;
out:
	ec_buf_dispose(&buf);
	return rc;
}

unsigned
ec_export_workers(const struct ec_build *b)
{
	long	n;

	if (b->req->zstd_workers != 0)
		return b->req->zstd_workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > EXPORT_WORKERS_MAX ? EXPORT_WORKERS_MAX :
	    (unsigned)n;
}

/* Pack the tree into "<staging>/<name>" (EC_PROFILE_PACK). */
static int
build_pack(struct ec_export_result *out, struct ec_build *b,
    const char *path, struct ec_err *err)
{
	struct ec_bundle	*bun = NULL;
	char			 file[BUILD_FILE_MAX];
	uint8_t			 d[EC_SHA256_LEN];
	size_t			 i;
	int			 rc = -1;

	/* Whole seconds: tar headers hold no fractions. */
	if (ec_bundle_new(&bun, path, b->snapshot_us / 1000000,
	    b->req->max_bytes != 0 ? b->req->max_bytes : EC_MAX_BUNDLE_BYTES,
	    err) == -1 ||
	    ec_bundle_set_workers(bun, ec_export_workers(b), err) == -1)
		goto out;
	for (i = 0; i < b->nfiles; i++) {
		(void)snprintf(file, sizeof(file), "%s/%s", b->tree,
		    b->files[i].path);
		/* Content compressed while it was written is copied. */
		if ((b->files[i].frames != NULL ? ec_bundle_add_framed(bun,
		    b->files[i].path, b->files[i].frames, b->files[i].sha256,
		    b->files[i].size, err) : ec_bundle_add_file(bun,
		    b->files[i].path, file, b->files[i].sha256,
		    b->files[i].size, err)) == -1)
			goto out;
	}
	if (ec_bundle_finish(d, &out->size, bun, err) == -1)
		goto out;
	ec_hex_encode(out->sha256, d, sizeof(d));
	out->packed = true;
	rc = 0;
out:
	ec_bundle_free(bun);
	return rc;
}

/* Pack if asked, then publish the bundle or the tree as "name". */
static int
build_publish(struct ec_export_result *out, struct ec_build *b,
    char name[256], struct ec_err *err)
{
	char	from[BUILD_FILE_MAX];
	size_t	i;

	if ((b->profile->flags & EC_PROFILE_PACK) != 0) {
		(void)snprintf(from, sizeof(from), "%s/%s",
		    ec_publish_staging_path(b->staging), name);
		if (build_pack(out, b, from, err) == -1 ||
		    ec_export_wrap(out, b, from, name, err) == -1)
			return -1;
	} else {
		(void)snprintf(from, sizeof(from), "%s", b->tree);
		for (i = 0; i < b->nfiles; i++)
			out->size += b->files[i].size;
		if (ec_export_wrap_tree(out, b, from, err) == -1)
			return -1;
	}
	if (snprintf(out->path, sizeof(out->path), "%s/%s", b->req->out_dir,
	    name) >= (int)sizeof(out->path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
	return ec_publish_move(&out->existed, from, b->req->out_dir, name,
	    err);
}

static int
build_run(struct ec_export_result *out, struct ec_build *b,
    struct ec_err *err)
{
	char		name[256];
	uint8_t		d[EC_SHA256_LEN];

	if (ec_publish_outdir(b->req->out_dir, err) == -1)
		return -1;
	/* Copies a killed cross-device publish left beside the outputs. */
	(void)ec_publish_sweep(b->req->out_dir, EC_PUBLISH_COPY_PREFIX);
	if (build_staging(b, err) == -1 ||
	    ec_manifest_new(&b->manifest, err) == -1)
		return -1;
	if (b->store != NULL && !b->nested && ec_store_begin(b->store,
	    b->req->tenant, err) == -1)
		return -1;
	if (b->profile->plan != NULL && b->profile->plan(b, err) == -1)
		return -1;
	/* Refuse what cannot fit before writing, not half-way through. */
	if (ec_export_space_check(b, build_staging_parent(b->req), err) == -1)
		return -1;
	if (b->profile->write(b, err) == -1)
		return -1;
	if (b->open != NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "output left open");
	if (b->store != NULL && !b->nested)
		ec_store_end(b->store);
	ec_sha256_final(d, &b->inputs);
	ec_hex_encode(out->inputs_hash, d, sizeof(d));
	if (build_names(out, b, name, err) == -1 ||
	    build_seal(out, b, err) == -1)
		return -1;
	return build_publish(out, b, name, err);
}

/* The store, for profiles that read evidence. */
static int
build_attach(struct ec_build *b, struct ec_store *store, struct ec_err *err)
{
	if ((b->profile->flags & EC_PROFILE_NO_STORE) != 0)
		return 0;
	if (store == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "profile %s needs an evidence store", b->profile->name);
	b->store = store;
	return 0;
}

/* Check the request, attach the store and run "run" on the build. */
static int
build_with(struct ec_store *store, const struct ec_export_req *req,
    int (*run)(void *, struct ec_build *, struct ec_err *), void *out,
    struct ec_err *err)
{
	struct ec_build	*b;
	int		 rc = -1;

	if ((b = build_new(req, err)) == NULL)
		return -1;
	if (build_check(b, err) == 0 && build_attach(b, store, err) == 0)
		rc = run(out, b, err);
	build_free(b);
	return rc;
}

static int
build_run_any(void *out, struct ec_build *b, struct ec_err *err)
{
	return build_run(out, b, err);
}

int
ec_export_build(struct ec_export_result *out, struct ec_store *store,
    const struct ec_export_req *req, struct ec_err *err)
{
	memset(out, 0, sizeof(*out));
	return build_with(store, req, build_run_any, out, err);
}

/* The store snapshot and plan() only: nothing is written. */
static int
build_estimate(void *out, struct ec_build *b, struct ec_err *err)
{
	if (b->store != NULL && ec_store_begin(b->store, b->req->tenant,
	    err) == -1)
		return -1;
	if (b->profile->plan != NULL && b->profile->plan(b, err) == -1)
		return -1;
	ec_export_space_measure(out, b, build_staging_parent(b->req),
	    b->req->out_dir);
	return 0;
}

int
ec_export_estimate(struct ec_export_estimate *out, struct ec_store *store,
    const struct ec_export_req *req, struct ec_err *err)
{
	memset(out, 0, sizeof(*out));
	return build_with(store, req, build_estimate, out, err);
}

int
ec_build_nested(char out[EC_BUILD_FILE_MAX], struct ec_build *b,
    const struct ec_profile *p, struct ec_err *err)
{
	struct ec_export_result	*res;
	struct ec_export_req	 req;
	struct ec_build		*nb;
	char			 dir[BUILD_PATH_MAX + 16];
	int			 rc = -1;

	if (b->nested)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "profile %s: builds nest one level only", p->name);
	(void)snprintf(dir, sizeof(dir), "%s/nested", b->tmp);
	req = *b->req;
	req.profile = p->name;
	req.profile_def = p;
	req.targets = req.formats = NULL;
	req.params = NULL;
	req.nparams = 0;
	req.run_id = NULL;
	req.out_dir = dir;
	req.recipients = NULL;
	req.nrecipients = 0;
	req.split_size = 0;
	if ((res = calloc(1, sizeof(*res))) == NULL)
		return ec_err_nomem(err);
	if ((nb = build_new(&req, err)) == NULL)
		goto out;
	nb->nested = true;
	if (build_check(nb, err) == 0 && build_attach(nb, b->store,
	    err) == 0 && build_run(res, nb, err) == 0) {
		(void)snprintf(out, EC_BUILD_FILE_MAX, "%s", res->path);
		rc = 0;
	}
	build_free(nb);
out:
	free(res);
	return rc;
}
