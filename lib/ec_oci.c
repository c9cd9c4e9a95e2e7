/* ec_oci: an OCI image layout on the builder interface. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_limits.h"
#include "ec_oci.h"

#define OCI_DIR_MAX	64
#define OCI_PATH_MAX	(OCI_DIR_MAX + 16 + EC_SHA256_HEX)
#define OCI_LAYOUT	"{\"imageLayoutVersion\":\"1.0.0\"}"

struct ec_oci {
	struct ec_build	*b;		/* borrowed */
	char		 dir[OCI_DIR_MAX + 1];
	/* Owned: the digests of the blobs written so far. */
	uint8_t		(*have)[EC_SHA256_LEN];
	size_t		 nhave;
	json_t		*index;	/* owned: the index entries */
	bool		 done;
};

int
ec_oci_new(struct ec_oci **out, struct ec_build *b, const char *dir,
    struct ec_err *err)
{
	struct ec_oci	*o;

	if (strlen(dir) == 0 || strlen(dir) > OCI_DIR_MAX)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "OCI layout directory must be 1 to %d bytes", OCI_DIR_MAX);
	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->have = calloc(EC_MAX_OUTPUTS, sizeof(*o->have))) == NULL ||
	    (o->index = json_array()) == NULL) {
		ec_oci_free(o);
		return ec_err_nomem(err);
	}
	o->b = b;
	(void)snprintf(o->dir, sizeof(o->dir), "%s", dir);
	*out = o;
	return 0;
}

void
ec_oci_free(struct ec_oci *o)
{
	if (o == NULL)
		return;
	free(o->have);
	json_decref(o->index);
	free(o);
}

static bool
oci_has(const struct ec_oci *o, const uint8_t digest[EC_SHA256_LEN])
{
	size_t	i;

	for (i = 0; i < o->nhave; i++)
		if (memcmp(o->have[i], digest, EC_SHA256_LEN) == 0)
			return true;
	return false;
}

static int
oci_usable(const struct ec_oci *o, struct ec_err *err)
{
	if (o->done)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "OCI layout %s is already finished", o->dir);
	return 0;
}

int
ec_oci_blob_open(struct ec_build_item **it, struct ec_oci *o,
    struct ec_err *err)
{
	if (oci_usable(o, err) == -1)
		return -1;
	return ec_build_item_open(it, o->b, NULL, err);
}

int
ec_oci_blob_close(struct ec_oci *o, struct ec_build_item *it,
    struct ec_oci_blob *out, struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_METADATA, NULL, NULL, NULL,
				    NULL };
	char			 path[OCI_PATH_MAX], hex[EC_SHA256_HEX];

	if (ec_build_item_sum(out->digest, &out->size, it, err) == -1) {
		ec_build_item_discard(it);
		return -1;
	}
	/* The same bytes are the same blob: keep the first copy. */
	if (oci_has(o, out->digest)) {
		ec_build_item_discard(it);
		return 0;
	}
	if (o->nhave == EC_MAX_OUTPUTS) {
		ec_build_item_discard(it);
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "OCI layout %s: more than %d blobs", o->dir,
		    EC_MAX_OUTPUTS);
	}
	ec_hex_encode(hex, out->digest, EC_SHA256_LEN);
	(void)snprintf(path, sizeof(path), "%s/blobs/sha256/%s", o->dir, hex);
	fd.path = path;
	if (ec_build_item_close(it, &fd, NULL, NULL, err) == -1)
		return -1;
	memcpy(o->have[o->nhave++], out->digest, EC_SHA256_LEN);
	return 0;
}

int
ec_oci_blob_mem(struct ec_oci *o, const void *p, size_t len,
    struct ec_oci_blob *out, struct ec_err *err)
{
	struct ec_build_item	*it;

	if (ec_oci_blob_open(&it, o, err) == -1)
		return -1;
	if (ec_build_item_write(it, p, len, err) == -1) {
		ec_build_item_discard(it);
		return -1;
	}
	return ec_oci_blob_close(o, it, out, err);
}

/* {"mediaType":...,"digest":"sha256:...","size":...}, or NULL. */
static json_t *
oci_desc(const char *media_type, const struct ec_oci_blob *blob)
{
	char	digest[7 + EC_SHA256_HEX];

	memcpy(digest, "sha256:", 7);
	ec_hex_encode(digest + 7, blob->digest, EC_SHA256_LEN);
	return json_pack("{s:s, s:s, s:I}", "mediaType", media_type,
	    "digest", digest, "size", (json_int_t)blob->size);
}

/* Set annotation "key" = "val" on descriptor "d"; -1 on no memory. */
static int
oci_annotate(json_t *d, const char *key, const char *val)
{
	json_t	*a = json_object_get(d, "annotations");

	if (a == NULL && (json_object_set_new(d, "annotations",
	    a = json_object()) == -1 || a == NULL))
		return -1;
	return json_object_set_new(a, key, json_string(val));
}

static bool
oci_str_ok(const char *s)
{
	return s == NULL || (s[0] != '\0' && strlen(s) <= EC_OCI_MAX_STRING);
}

static int
oci_check(const struct ec_oci *o, const struct ec_oci_manifest *m,
    struct ec_err *err)
{
	size_t	i;

	if (m->nlayers == 0 || m->nlayers > EC_OCI_MAX_LAYERS)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "an OCI manifest takes 1 to %d layers", EC_OCI_MAX_LAYERS);
	if (!oci_str_ok(m->artifact_type) || !oci_str_ok(m->config_type) ||
	    !oci_str_ok(m->created) || !oci_str_ok(m->tag))
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "OCI manifest: an empty or overlong string");
	for (i = 0; i < m->nlayers; i++) {
		if (m->layers[i].media_type == NULL ||
		    !oci_str_ok(m->layers[i].media_type) ||
		    !oci_str_ok(m->layers[i].title))
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "OCI layer %zu: bad media type or title", i);
		if (!oci_has(o, m->layers[i].blob.digest))
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "OCI layer %zu is not in the layout", i);
	}
	if (m->tag != NULL && json_array_size(o->index) ==
	    EC_OCI_MAX_MANIFESTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "OCI layout: more than %d tagged manifests",
		    EC_OCI_MAX_MANIFESTS);
	return 0;
}

/* The manifest's JSON object, config blob written; NULL and *err set. */
static json_t *
oci_manifest_json(struct ec_oci *o, const struct ec_oci_manifest *m,
    struct ec_err *err)
{
	struct ec_oci_blob	 cfg;
	json_t			*man, *layers, *d;
	size_t			 i;

	if (ec_oci_blob_mem(o, m->config_type != NULL ? m->config : "{}",
	    m->config_type != NULL ? m->config_len : 2, &cfg, err) == -1)
		return NULL;
	man = json_pack("{s:i, s:s, s:o, s:[]}", "schemaVersion", 2,
	    "mediaType", EC_OCI_MANIFEST_TYPE, "config", oci_desc(
	    m->config_type != NULL ? m->config_type : EC_OCI_EMPTY_TYPE, &cfg),
	    "layers");
	if (man == NULL)
		goto nomem;
	layers = json_object_get(man, "layers");
	for (i = 0; i < m->nlayers; i++) {
		d = oci_desc(m->layers[i].media_type, &m->layers[i].blob);
		if (d == NULL || json_array_append_new(layers, d) == -1 ||
		    (m->layers[i].title != NULL && oci_annotate(d, EC_OCI_TITLE,
		    m->layers[i].title) == -1))
			goto nomem;
	}
	if ((m->artifact_type != NULL && json_object_set_new(man,
	    "artifactType", json_string(m->artifact_type)) == -1) ||
	    (m->subject != NULL && json_object_set_new(man, "subject",
	    oci_desc(EC_OCI_MANIFEST_TYPE, m->subject)) == -1) ||
	    (m->created != NULL && oci_annotate(man, EC_OCI_CREATED,
	    m->created) == -1))
		goto nomem;
	return man;
nomem:
	json_decref(man);
	(void)ec_err_nomem(err);
	return NULL;
}

int
ec_oci_manifest(struct ec_oci *o, const struct ec_oci_manifest *m,
    struct ec_oci_blob *out, struct ec_err *err)
{
	struct ec_oci_blob	 mb;
	struct ec_buf		 buf;
	json_t			*man, *d;
	int			 rc = -1;

	if (oci_usable(o, err) == -1 || oci_check(o, m, err) == -1)
		return -1;
	if ((man = oci_manifest_json(o, m, err)) == NULL)
		return -1;
	ec_buf_init(&buf, EC_MAX_META_BYTES);
	if (ec_canon_dump(&buf, man, err) == -1 ||
	    ec_oci_blob_mem(o, buf.data, buf.len, &mb, err) == -1)
		goto out;
	if (m->tag != NULL) {
		d = oci_desc(EC_OCI_MANIFEST_TYPE, &mb);
		if (d == NULL || json_array_append_new(o->index, d) == -1 ||
		    oci_annotate(d, EC_OCI_REF_NAME, m->tag) == -1) {
			(void)ec_err_nomem(err);
			goto out;
		}
	}
	if (out != NULL)
		*out = mb;
	rc = 0;
out:
	ec_buf_dispose(&buf);
	json_decref(man);
	return rc;
}

int
ec_oci_finish(struct ec_oci *o, struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_METADATA, NULL, NULL, NULL,
				    NULL };
	struct ec_buf		 buf;
	char			 path[OCI_PATH_MAX];
	json_t			*idx;
	int			 rc = -1;

	if (oci_usable(o, err) == -1)
		return -1;
	ec_buf_init(&buf, EC_MAX_META_BYTES);
	idx = json_pack("{s:i, s:s, s:O}", "schemaVersion", 2, "mediaType",
	    EC_OCI_INDEX_TYPE, "manifests", o->index);
	if (idx == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	fd.path = path;
	(void)snprintf(path, sizeof(path), "%s/oci-layout", o->dir);
	if (ec_build_add_mem(o->b, &fd, OCI_LAYOUT, strlen(OCI_LAYOUT), NULL,
	    err) == -1)
		goto out;
	(void)snprintf(path, sizeof(path), "%s/index.json", o->dir);
	if (ec_canon_dump(&buf, idx, err) == -1 ||
	    ec_build_add_mem(o->b, &fd, buf.data, buf.len, NULL, err) == -1)
		goto out;
	o->done = true;
	rc = 0;
out:
	json_decref(idx);
	ec_buf_dispose(&buf);
	return rc;
}
