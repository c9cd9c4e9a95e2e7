/* ec_mirror: a mirror's raw data chunks and indexes. */
#include <stdio.h>
#include <string.h>

#include <zstd.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_mirror.h"
#include "ec_mirror_int.h"
#include "ec_store.h"

/* Readable part of a chunk or subject name, and the digest's hex digits. */
#define MIRROR_NAME_ID		48
#define MIRROR_NAME_HEX		16
#define MIRROR_NAME_MAX		(MIRROR_NAME_ID + 1 + MIRROR_NAME_HEX + 1)
#define MIRROR_CHUNK_PATH_MAX	160
/* Longest id prefix compared for a boundary. */
#define MIRROR_PREFIX_MAX	16

static const struct mirror_kind {
	const char	*kind;
	const char	*dir;		/* under data/raw/ */
	const char	*index;		/* under indexes/ */
} mirror_kinds[] = {
	{ "advisory", "advisories", "advisories" },
	{ "vex", "vex", "vex" },
	{ "sbom", "sboms", "sbom" },
};

struct mirror_pass {
	struct ec_build			*b;
	const struct mirror_kind	*k;
	struct ec_mirror_kind_stats	*st;
	json_t				*entries;	/* borrowed */
	struct ec_buf			 chunk;		/* plain lines */
	struct ec_buf			 z;		/* compressed */
	char				 name[MIRROR_NAME_MAX];
	char				 first[EC_MAX_ID_LEN + 1];
	char				 last[EC_MAX_ID_LEN + 1];
	uint64_t			 docs;		/* in the chunk */
};

/*
 * "<id made path-safe>-<16 hex of the framed (source, id)>": the framing
 * (the source's length first) keeps distinct pairs distinct, whatever
 * the readable part makes of them.
 */
static void
mirror_name(char out[MIRROR_NAME_MAX], const char *source, const char *id)
{
	struct ec_sha256	h;
	uint8_t			d[EC_SHA256_LEN];
	char			len[24], hex[EC_SHA256_HEX];
	size_t			i;

	(void)snprintf(len, sizeof(len), "%zu:", strlen(source));
	ec_sha256_init(&h);
	ec_sha256_update(&h, len, strlen(len));
	ec_sha256_update(&h, source, strlen(source));
	ec_sha256_update(&h, id, strlen(id));
	ec_sha256_final(d, &h);
	ec_hex_encode(hex, d, sizeof(d));
	for (i = 0; id[i] != '\0' && i < MIRROR_NAME_ID; i++)
		out[i] = ec_name_char(id[i]) ? id[i] : '_';
	/* A leading dot would hide the file or make "." or "..". */
	if (i > 0 && out[0] == '.')
		out[0] = '_';
	(void)snprintf(out + i, MIRROR_NAME_MAX - i, "%s%.*s", i > 0 ? "-" :
	    "", MIRROR_NAME_HEX, hex);
}

static size_t
mirror_prefix_len(const char *id)
{
	const char	*dash = strchr(id, '-');
	size_t		 n = dash != NULL ? (size_t)(dash - id) : strlen(id);

	return n > MIRROR_PREFIX_MAX ? MIRROR_PREFIX_MAX : n;
}

/* Whether document "id" starts a new chunk after the chunk so far. */
static bool
mirror_boundary(const struct mirror_pass *p, const char *id, size_t len)
{
	uint8_t	d[EC_SHA256_LEN];
	size_t	n = mirror_prefix_len(id);

	if (p->docs == 0)
		return false;
	if (p->docs >= EC_MIRROR_CHUNK_MAX_DOCS ||
	    p->chunk.len + len + 1 > EC_MIRROR_CHUNK_MAX_BYTES)
		return true;
	if (n != mirror_prefix_len(p->first) || memcmp(id, p->first, n) != 0)
		return true;
	ec_sha256(d, id, strlen(id));
	return ((unsigned)d[0] << 8 | d[1]) < 65536u / EC_MIRROR_CHUNK_DOCS;
}

static int
mirror_zstd(struct ec_buf *out, const struct ec_buf *in, struct ec_err *err)
{
	ZSTD_CCtx	*zc;
	int		 rc = -1;

	ec_buf_reset(out);
	if ((zc = ZSTD_createCCtx()) == NULL)
		return ec_err_nomem(err);
	if (ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel,
	    EC_MIRROR_ZSTD_LEVEL)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_checksumFlag, 1)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(zc, ZSTD_c_contentSizeFlag,
	    1))) {
		(void)ec_err_set(err, EC_ERR_INTERNAL, "zstd: bad parameters");
		goto out;
	}
	rc = mirror_zstd_once(out, zc, (const uint8_t *)in->data, in->len,
	    err);
out:
	ZSTD_freeCCtx(zc);
	return rc;
}

/* Compress the chunk so far, add it and its index entry. */
static int
mirror_flush(struct mirror_pass *p, struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_ITEM, p->k->kind, NULL,
				    "jsonl+zstd", NULL };
	char			 path[MIRROR_CHUNK_PATH_MAX], hex[EC_SHA256_HEX];
	uint8_t			 d[EC_SHA256_LEN];
	json_t			*e;

	if (p->docs == 0)
		return 0;
	(void)snprintf(path, sizeof(path), "data/raw/%s/%s.jsonl.zst",
	    p->k->dir, p->name);
	fd.id = p->name;
	fd.path = path;
	if (mirror_zstd(&p->z, &p->chunk, err) == -1 ||
	    ec_build_add_mem(p->b, &fd, p->z.data, p->z.len, d, err) == -1)
		return -1;
	ec_hex_encode(hex, d, sizeof(d));
	e = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I}", "path", path,
	    "first", p->first, "last", p->last, "documents",
	    (json_int_t)p->docs, "sha256", hex, "size", (json_int_t)p->z.len);
	if (e == NULL || json_array_append_new(p->entries, e) == -1)
		return ec_err_nomem(err);
	p->st->files++;
	p->st->bytes += p->z.len;
	ec_buf_reset(&p->chunk);
	p->docs = 0;
	return 0;
}

static int
mirror_chunk_doc(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	struct mirror_pass	*p = arg;

	if (ec_build_input(p->b, p->k->kind, d->source, d->id, d->sha256,
	    err) == -1)
		return -1;
	if (mirror_boundary(p, d->id, d->len) && mirror_flush(p, err) == -1)
		return -1;
	if (p->docs == 0) {
		mirror_name(p->name, d->source, d->id);
		(void)snprintf(p->first, sizeof(p->first), "%s", d->id);
	}
	(void)snprintf(p->last, sizeof(p->last), "%s", d->id);
	if (ec_buf_add(&p->chunk, d->doc, d->len, err) == -1 ||
	    ec_buf_addc(&p->chunk, '\n', err) == -1)
		return -1;
	p->docs++;
	p->st->documents++;
	return 0;
}

/* data/raw/sboms/<subject>/sbom.json, the stored bytes as they are. */
static int
mirror_sbom_doc(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	struct mirror_pass	*p = arg;
	struct ec_file_desc	 fd = { EC_FILE_ITEM, "sbom", d->id, "json",
				    NULL };
	char			 path[MIRROR_CHUNK_PATH_MAX];
	json_t			*e;

	if (ec_build_input(p->b, "sbom", d->source, d->id, d->sha256,
	    err) == -1)
		return -1;
	mirror_name(p->name, d->source, d->id);
	(void)snprintf(path, sizeof(path), "data/raw/sboms/%s/sbom.json",
	    p->name);
	fd.path = path;
	if (ec_build_add_mem(p->b, &fd, d->doc, d->len, NULL, err) == -1)
		return -1;
	e = json_pack("{s:s, s:s, s:s, s:s, s:I}", "path", path, "id", d->id,
	    "source", d->source, "sha256", d->sha256, "size",
	    (json_int_t)d->len);
	if (e == NULL || json_array_append_new(p->entries, e) == -1)
		return ec_err_nomem(err);
	p->st->documents++;
	p->st->files++;
	p->st->bytes += d->len;
	return 0;
}

int
ec_mirror_json(struct ec_build *b, const char *path, const json_t *doc,
    struct ec_err *err)
{
	struct ec_file_desc	fd = { EC_FILE_METADATA, NULL, NULL, NULL,
				    path };
	struct ec_buf		buf;
	int			rc;

	ec_buf_init(&buf, EC_MAX_META_BYTES);
	rc = ec_canon_dump(&buf, doc, err);
	if (rc == 0)
		rc = ec_build_add_mem(b, &fd, buf.data, buf.len, NULL, err);
	ec_buf_dispose(&buf);
	return rc;
}

static const struct mirror_kind *
mirror_kind_find(const char *kind)
{
	size_t	i;

	for (i = 0; i < sizeof(mirror_kinds) / sizeof(mirror_kinds[0]); i++)
		if (strcmp(mirror_kinds[i].kind, kind) == 0)
			return &mirror_kinds[i];
	return NULL;
}

int
ec_mirror_raw(struct ec_mirror_kind_stats *out, json_t **index_out,
    struct ec_build *b, const char *kind, struct ec_err *err)
{
	struct mirror_pass	 p;
	char			 path[MIRROR_CHUNK_PATH_MAX];
	json_t			*index = NULL;
	bool			 sbom;
	int			 rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	if ((p.k = mirror_kind_find(kind)) == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "mirror: no raw data of kind %s", kind);
	sbom = strcmp(kind, "sbom") == 0;
	p.b = b;
	p.st = out;
	ec_buf_init(&p.chunk, EC_MIRROR_CHUNK_MAX_BYTES + EC_MAX_DOC_BYTES);
	ec_buf_init(&p.z, 2 * (EC_MIRROR_CHUNK_MAX_BYTES + EC_MAX_DOC_BYTES));
	if ((index = json_pack("{s:s, s:i, s:[]}", "kind", kind,
	    "schemaVersion", 1, sbom ? "files" : "chunks")) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	p.entries = json_object_get(index, sbom ? "files" : "chunks");
	if (ec_store_each(ec_build_store(b), kind, sbom ? mirror_sbom_doc :
	    mirror_chunk_doc, &p, err) != 0 ||
	    (!sbom && mirror_flush(&p, err) == -1))
		goto out;
	if (json_object_set_new(index, "documents",
	    json_integer((json_int_t)out->documents)) == -1) {
		(void)ec_err_nomem(err);
		goto out;
	}
	(void)snprintf(path, sizeof(path), "indexes/%s.index.json",
	    p.k->index);
	rc = ec_mirror_json(b, path, index, err);
	if (rc == 0 && index_out != NULL)
		*index_out = json_incref(index);
out:
	json_decref(index);
	ec_buf_dispose(&p.chunk);
	ec_buf_dispose(&p.z);
	return rc;
}
