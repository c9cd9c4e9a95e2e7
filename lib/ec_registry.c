/*
 * ec_registry: pushing a layout (OCI distribution spec v1.1, "Pushing
 * blobs", "Pushing Manifests", "Mounting a blob from another repository")
 * and attaching a DSSE envelope as a referrer (image-spec v1.1
 * manifest.md "subject", "Guidelines for Artifact Usage").  See
 * ec_registry.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "ec_file.h"
#include "ec_hash.h"
#include "ec_registry_int.h"

/* The OCI empty descriptor's content (image-spec manifest.md). */
#define PUSH_EMPTY	"{}"

/* One image manifest of the layout and its blobs, checked. */
struct push_image {
	const struct ec_layout_desc	*desc;		/* borrowed */
	uint8_t				*manifest;	/* owned */
	size_t				 len;
	struct ec_layout_manifest	 m;
	int				*fds;		/* owned, m.n of them */
};

/* What one push has read from the layout, checked before any request. */
struct push {
	struct reg			 r;
	struct ec_layout		*l;		/* owned */
	const struct ec_layout_desc	*entry;		/* borrowed from l */
	struct push_image		 top;		/* an image manifest */
	uint8_t				*index;		/* or an index; owned */
	size_t				 index_len;
	struct ec_layout_desc		*kids;		/* its images; owned */
	size_t				 n_kids;
	char				 tag[EC_REGISTRY_MAX_TAG + 1];
	struct ec_registry_result	 res;
};

void
ec_registry_opts_init(struct ec_registry_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_attempts = 5;
	o->max_seconds = 120;
	o->backoff_ms = 200;
}

static int
push_url(char *out, size_t size, const struct reg *r, const char *kind,
    const char *what, struct ec_err *err)
{
	int	n = snprintf(out, size, "%s/v2/%s/%s/%s", r->base, r->repo,
		    kind, what);

	if (n < 0 || (size_t)n >= size)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "registry URL too long");
	return 0;
}

/* An upload's Location: absolute, or a path on the registry's host. */
static int
push_location(char *out, size_t size, const struct reg *r,
    const struct reg_resp *resp, struct ec_err *err)
{
	const char	*loc = resp->location;
	int		 n;

	if (strncmp(loc, "https://", 8) == 0 ||
	    strncmp(loc, "http://", 7) == 0)
		n = snprintf(out, size, "%s", loc);
	else if (loc[0] == '/')
		n = snprintf(out, size, "%s%s", r->base, loc);
	else
		return reg_fail(resp, "upload started without a Location",
		    err);
	if (n < 0 || (size_t)n >= size)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "upload Location too long");
	return 0;
}

/* POST .../blobs/uploads/, as a mount when we may: 1 when it mounted. */
static int
push_start(char *loc, size_t size, struct push *p,
    const struct ec_layout_desc *d, struct reg_resp *resp,
    struct ec_err *err)
{
	struct reg_req	q = { "POST", NULL, NULL, NULL, NULL };
	char		base[EC_REGISTRY_MAX_HEADER];
	char		url[EC_REGISTRY_MAX_HEADER], param[600];
	const char	*from = p->r.o->mount_from;

	if (push_url(base, sizeof(base), &p->r, "blobs", "uploads/",
	    err) == -1)
		return -1;
	(void)snprintf(param, sizeof(param), "mount=%s&from=%s", d->digest,
	    from != NULL ? from : "");
	if (from != NULL)
		q.url = reg_url_add(url, sizeof(url), base, param, err) == 0 ?
		    url : NULL;
	else
		q.url = base;
	if (q.url == NULL)
		return -1;
	if (reg_call(&p->r, resp, &q, err) == -1)
		return -1;
	if (from != NULL && resp->status == 201)
		return 1;
	if (resp->status != 202)
		return reg_fail(resp, "starting a blob upload", err);
	return push_location(loc, size, &p->r, resp, err);
}

/* PATCH chunks (spec "Pushing a blob in chunks"), Location to Location. */
static int
push_chunks(char *loc, size_t size, struct push *p, struct reg_body *b,
    const struct ec_layout_desc *d, struct reg_resp *resp,
    struct ec_err *err)
{
	struct reg_req	q = { "PATCH", loc, "application/octet-stream",
			    NULL, b };
	char		range[64];
	uint64_t	off, chunk = p->r.o->chunk_size;
	const uint8_t	*mem = b->mem;

	for (off = 0; off < d->size; off += chunk) {
		b->len = d->size - off < chunk ? d->size - off : chunk;
		b->off = off;
		b->mem = mem != NULL ? mem + off : NULL;
		(void)snprintf(range, sizeof(range), "%llu-%llu",
		    (unsigned long long)off,
		    (unsigned long long)(off + b->len - 1));
		q.range = range;
		if (reg_call(&p->r, resp, &q, err) == -1)
			return -1;
		if (resp->status != 202)
			return reg_fail(resp, "uploading a chunk", err);
		if (push_location(loc, size, &p->r, resp, err) == -1)
			return -1;
		p->res.bytes += b->len;
	}
	/* The closing PUT carries no bytes. */
	b->len = 0;
	return 0;
}

/* One blob: skipped when present, mounted, or uploaded whole or chunked. */
static int
push_blob(struct push *p, const struct ec_layout_desc *d, int fd,
    const uint8_t *mem, struct ec_err *err)
{
	struct reg_resp	 resp;
	struct reg_body	 b = { mem, fd, 0, d->size, 0 };
	struct reg_req	 q = { "HEAD", NULL, NULL, NULL, NULL };
	char		 url[EC_REGISTRY_MAX_HEADER];
	char		 loc[EC_REGISTRY_MAX_HEADER], param[96];
	int		 rc = -1, m;

	reg_resp_init(&resp);
	if (push_url(url, sizeof(url), &p->r, "blobs", d->digest, err) == -1)
		goto out;
	q.url = url;
	if (reg_call(&p->r, &resp, &q, err) == -1)
		goto out;
	if (resp.status == 200) {
		p->res.skipped++;
		rc = 0;
		goto out;
	}
	if (resp.status != 404) {
		(void)reg_fail(&resp, "checking a blob", err);
		goto out;
	}
	if ((m = push_start(loc, sizeof(loc), p, d, &resp, err)) != 0) {
		p->res.mounted += m == 1;
		rc = m == 1 ? 0 : -1;
		goto out;
	}
	if (p->r.o->chunk_size > 0 && d->size > p->r.o->chunk_size &&
	    push_chunks(loc, sizeof(loc), p, &b, d, &resp, err) == -1)
		goto out;
	(void)snprintf(param, sizeof(param), "digest=%s", d->digest);
	if (reg_url_add(url, sizeof(url), loc, param, err) == -1)
		goto out;
	q.method = "PUT";
	q.ctype = "application/octet-stream";
	q.body = &b;
	if (reg_call(&p->r, &resp, &q, err) == -1)
		goto out;
	if (resp.status != 201) {
		(void)reg_fail(&resp, "completing a blob upload", err);
		goto out;
	}
	p->res.uploaded++;
	p->res.bytes += b.len;
	rc = 0;
out:
	reg_resp_dispose(&resp);
	return rc;
}

/*
 * PUT /v2/<name>/manifests/<tag>; the digest the registry computed must
 * be ours.  "subject" receives the OCI-Subject header (referrers API).
 */
static int
push_manifest(struct push *p, const char *tag, const char *mt,
    const uint8_t *bytes, size_t len, char digest_out[72], bool *subject,
    struct ec_err *err)
{
	struct reg_resp	 resp;
	struct reg_body	 b = { bytes, -1, 0, len, 0 };
	struct reg_req	 q = { "PUT", NULL, mt, NULL, &b };
	char		 url[EC_REGISTRY_MAX_HEADER], hex[EC_SHA256_HEX];
	int		 rc = -1;

	ec_sha256_hex(hex, bytes, len);
	(void)snprintf(digest_out, 72, "sha256:%s", hex);
	reg_resp_init(&resp);
	if (push_url(url, sizeof(url), &p->r, "manifests", tag, err) == -1)
		goto out;
	q.url = url;
	if (reg_call(&p->r, &resp, &q, err) == -1)
		goto out;
	if (resp.status != 201)
		(void)reg_fail(&resp, "pushing the manifest", err);
	else if (resp.digest[0] != '\0' && strcmp(resp.digest, digest_out) != 0)
		(void)ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "registry stored the manifest as %s, not %s", resp.digest,
		    digest_out);
	else {
		*subject = resp.subject[0] != '\0';
		rc = 0;
	}
out:
	reg_resp_dispose(&resp);
	return rc;
}

static json_t *
push_desc_json(const char *mt, const char *digest, uint64_t size)
{
	return json_pack("{s:s, s:s, s:I}", "mediaType", mt, "digest", digest,
	    "size", (json_int_t)size);
}

/*
 * The referrer manifest (image-spec v1.1 "Guidelines for Artifact Usage"):
 * artifactType the DSSE media type, the empty config, one layer, and the
 * pushed manifest as subject.  Canonical bytes (sorted keys, compact) and
 * no timestamp, so the same envelope always gives the same digest.
 */
static int
push_att_manifest(char **out, size_t *len_out, const struct push *p,
    const char *env_digest, size_t env_len, const char *title,
    struct ec_err *err)
{
	json_t	*doc, *layer;
	char	 empty[EC_LAYOUT_DIGEST_LEN + 1], hex[EC_SHA256_HEX];

	ec_sha256_hex(hex, PUSH_EMPTY, 2);
	(void)snprintf(empty, sizeof(empty), "sha256:%s", hex);
	layer = push_desc_json(EC_REGISTRY_MT_DSSE, env_digest, env_len);
	if (layer != NULL && json_object_set_new(layer, "annotations",
	    json_pack("{s:s}", "org.opencontainers.image.title", title)) == -1)
		layer = NULL;
	doc = json_pack("{s:i, s:s, s:s, s:o, s:[o], s:o}", "schemaVersion",
	    2, "mediaType", EC_LAYOUT_MT_MANIFEST, "artifactType",
	    EC_REGISTRY_MT_DSSE, "config", push_desc_json(EC_REGISTRY_MT_EMPTY,
	    empty, 2), "layers", layer, "subject",
	    push_desc_json(p->entry->media_type, p->res.digest, p->res.size));
	if (doc == NULL)
		return ec_err_nomem(err);
	*out = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(doc);
	if (*out == NULL)
		return ec_err_nomem(err);
	*len_out = strlen(*out);
	return 0;
}

/* A DSSE envelope is a JSON object with payloadType and signatures. */
static int
push_att_check(const uint8_t *env, size_t len, const char *path,
    struct ec_err *err)
{
	json_t		*root;
	json_error_t	 jerr;
	bool		 ok;

	root = json_loadb((const char *)env, len, JSON_REJECT_DUPLICATES,
	    &jerr);
	ok = json_is_string(json_object_get(root, "payloadType")) &&
	    json_array_size(json_object_get(root, "signatures")) > 0;
	json_decref(root);
	if (!ok)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%.200s: not a DSSE envelope (payloadType, signatures)",
		    path);
	return 0;
}

static int
push_attach(struct push *p, const uint8_t *env, size_t len,
    const char *path, struct ec_err *err)
{
	struct ec_layout_desc	 d;
	char			*man = NULL, hex[EC_SHA256_HEX];
	const char		*title = strrchr(path, '/');
	size_t			 mlen = 0;
	bool			 subject = false;
	int			 rc = -1;

	title = title != NULL ? title + 1 : path;
	memset(&d, 0, sizeof(d));
	(void)snprintf(d.media_type, sizeof(d.media_type), "%s",
	    EC_REGISTRY_MT_EMPTY);
	ec_sha256_hex(hex, PUSH_EMPTY, 2);
	(void)snprintf(d.digest, sizeof(d.digest), "sha256:%s", hex);
	d.size = 2;
	if (push_blob(p, &d, -1, (const uint8_t *)PUSH_EMPTY, err) == -1)
		return -1;
	(void)snprintf(d.media_type, sizeof(d.media_type), "%s",
	    EC_REGISTRY_MT_DSSE);
	ec_sha256_hex(hex, env, len);
	(void)snprintf(d.digest, sizeof(d.digest), "sha256:%s", hex);
	d.size = len;
	if (push_blob(p, &d, -1, env, err) == -1 ||
	    push_att_manifest(&man, &mlen, p, d.digest, len, title, err) == -1)
		goto out;
	/* The fallback tag scheme of cosign and oras: sha256-<hex>.att. */
	(void)snprintf(p->res.att_tag, sizeof(p->res.att_tag), "sha256-%s.att",
	    p->res.digest + 7);
	if (push_manifest(p, p->res.att_tag, EC_LAYOUT_MT_MANIFEST,
	    (const uint8_t *)man, mlen, p->res.att_digest, &subject,
	    err) == -1) {
		(void)ec_err_prefix(err, "manifest %s pushed, its attachment "
		    "not", p->res.digest);
		goto out;
	}
	p->res.referrers = subject;
	rc = 0;
out:
	free(man);
	return rc;
}

/*
 * The tag: REF's, else the entry's ref name, which must be a valid tag.
 * The entry: the one "entry" names, else the one of that tag (or the
 * only one).
 */
static int
push_pick(struct push *p, const struct ec_registry_ref *ref,
    const char *entry, struct ec_err *err)
{
	struct ec_registry_ref	check;
	char			tmp[EC_LAYOUT_MAX_REF + 16];
	const char		*tag = ref->tag[0] != '\0' ? ref->tag : NULL;

	if (entry != NULL) {
		if (ec_layout_find(&p->entry, p->l, entry, err) == -1)
			return -1;
	} else if (ec_layout_find(&p->entry, p->l, tag, err) == -1) {
		/* A layout of one manifest may be pushed under any tag. */
		if (tag == NULL || ec_layout_count(p->l) != 1)
			return -1;
		p->entry = ec_layout_entry(p->l, 0);
	}
	if (tag == NULL)
		tag = p->entry->ref_name;
	(void)snprintf(tmp, sizeof(tmp), "h/r:%s", tag);
	if (tag[0] == '\0' || strlen(tag) > EC_REGISTRY_MAX_TAG ||
	    ec_registry_ref_parse(&check, tmp, err) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "no usable tag: give REF as host/repository:tag");
	memcpy(p->tag, tag, strlen(tag) + 1);	/* length checked above */
	return 0;
}

static void
image_dispose(struct push_image *im)
{
	size_t	i;

	for (i = 0; im->fds != NULL && i < im->m.n; i++)
		if (im->fds[i] != -1)
			(void)close(im->fds[i]);
	free(im->fds);
	ec_layout_manifest_dispose(&im->m);
	free(im->manifest);
	memset(im, 0, sizeof(*im));
}

/*
 * Read and check the image manifest "d" and every blob it names; the
 * blobs stay open for the upload.  "im" is safe to dispose of after a
 * failure.
 */
static int
image_load(struct push_image *im, const struct ec_layout *l,
    const struct ec_layout_desc *d, struct ec_err *err)
{
	size_t	i;

	memset(im, 0, sizeof(*im));
	im->desc = d;
	if (ec_layout_read(&im->manifest, &im->len, l, d, EC_LAYOUT_MAX_JSON,
	    err) == -1 || ec_layout_parse_manifest(&im->m, d->media_type,
	    (const char *)im->manifest, im->len, err) == -1)
		return -1;
	if ((im->fds = calloc(im->m.n, sizeof(*im->fds))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < im->m.n; i++)
		im->fds[i] = -1;
	for (i = 0; i < im->m.n; i++)
		if (ec_layout_open_blob(&im->fds[i], l, &im->m.blobs[i],
		    err) == -1)
			return -1;
	return 0;
}

/* The blobs, then the manifest under "ref" (a tag, or its digest). */
static int
image_push(struct push *p, struct push_image *im, const char *ref,
    char digest_out[72], bool *subject, struct ec_err *err)
{
	size_t	i;

	for (i = 0; i < im->m.n; i++)
		if (push_blob(p, &im->m.blobs[i], im->fds[i], NULL, err) == -1)
			return -1;
	return push_manifest(p, ref, im->desc->media_type, im->manifest,
	    im->len, digest_out, subject, err);
}

/*
 * An image index (image-spec image-index.md) of image manifests: every
 * one is read and checked first, so a bad layout sends nothing.  Nested
 * indexes are refused.
 */
static int
push_load_index(struct push *p, struct ec_err *err)
{
	struct push_image	im;
	size_t			i;
	int			rc;

	if (ec_layout_read(&p->index, &p->index_len, p->l, p->entry,
	    EC_LAYOUT_MAX_JSON, err) == -1 ||
	    ec_layout_parse_index(&p->kids, &p->n_kids, (const char *)p->index,
	    p->index_len, err) == -1)
		return ec_err_prefix(err, "image index %s", p->entry->digest);
	for (i = 0; i < p->n_kids; i++) {
		rc = image_load(&im, p->l, &p->kids[i], err);
		image_dispose(&im);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* Everything the push sends, read and checked before the first request. */
static int
push_load(struct push *p, const char *dir, const struct ec_registry_ref *ref,
    const char *entry, struct ec_err *err)
{
	if (ec_layout_open(&p->l, dir, err) == -1 ||
	    push_pick(p, ref, entry, err) == -1)
		return -1;
	if (strcmp(p->entry->media_type, EC_LAYOUT_MT_INDEX) == 0)
		return push_load_index(p, err);
	return image_load(&p->top, p->l, p->entry, err);
}

/* An index: each image by its digest, then the index under the tag. */
static int
push_index(struct push *p, bool *subject, struct ec_err *err)
{
	struct push_image	im;
	char			digest[EC_LAYOUT_DIGEST_LEN + 1];
	size_t			i;
	bool			unused;
	int			rc;

	for (i = 0; i < p->n_kids; i++) {
		rc = image_load(&im, p->l, &p->kids[i], err);
		if (rc == 0)
			rc = image_push(p, &im, p->kids[i].digest, digest,
			    &unused, err);
		image_dispose(&im);
		if (rc == -1)
			return -1;
	}
	return push_manifest(p, p->tag, EC_LAYOUT_MT_INDEX, p->index,
	    p->index_len, p->res.digest, subject, err);
}

static void
push_dispose(struct push *p)
{
	image_dispose(&p->top);
	free(p->index);
	free(p->kids);
	ec_layout_free(p->l);
	reg_close(&p->r);
}

int
ec_registry_push(struct ec_registry_result *out, const char *dir,
    const struct ec_registry_ref *ref, const char *attach,
    const struct ec_registry_opts *o, struct ec_err *err)
{
	return ec_registry_push_entry(out, dir, ref, NULL, attach, o, err);
}

int
ec_registry_push_entry(struct ec_registry_result *out, const char *dir,
    const struct ec_registry_ref *ref, const char *entry, const char *attach,
    const struct ec_registry_opts *o, struct ec_err *err)
{
	struct push	 p;
	uint8_t		*env = NULL;
	size_t		 env_len = 0;
	bool		 subject;
	int		 rc = -1;

	memset(&p, 0, sizeof(p));
	if (push_load(&p, dir, ref, entry, err) == -1 ||
	    (attach != NULL && (ec_file_read_small(&env, &env_len, attach,
	    EC_REGISTRY_MAX_ATTACH, err) == -1 ||
	    push_att_check(env, env_len, attach, err) == -1)) ||
	    reg_open(&p.r, ref, o, err) == -1)
		goto out;
	if ((p.index != NULL ? push_index(&p, &subject, err) :
	    image_push(&p, &p.top, p.tag, p.res.digest, &subject, err)) == -1)
		goto out;
	(void)snprintf(p.res.tag, sizeof(p.res.tag), "%s", p.tag);
	p.res.size = p.index != NULL ? p.index_len : p.top.len;
	if (attach != NULL && push_attach(&p, env, env_len, attach, err) == -1)
		goto out;
	p.res.retries = p.r.retries;
	*out = p.res;
	rc = 0;
out:
	free(env);
	push_dispose(&p);
	return rc;
}
