/* ec_manifest: manifest.json and checksums.txt, written and checked. */
#include <stdlib.h>
#include <string.h>

#include "ec_canon.h"
#include "ec_limits.h"
#include "ec_manifest.h"
#include "ec_num.h"
#include "ec_time.h"

/* Longest item string we accept when parsing (ids, paths, names). */
#define MANIFEST_STR_MAX	1024

struct ec_manifest {
	struct ec_manifest_item	*items;		/* owned, strings too */
	size_t			 n, cap;
	bool			 sorted;
	struct ec_manifest_file	*files;		/* owned, paths too */
	size_t			 nfiles, capfiles;
	bool			 files_sorted;
	char			*run_id;	/* owned; parsed manifests */
	char			*profile;	/* owned; parsed manifests */
	json_t			*summary;	/* a profile's; NULL: none */
};

int
ec_manifest_new(struct ec_manifest **out, struct ec_err *err)
{
	if ((*out = calloc(1, sizeof(**out))) == NULL)
		return ec_err_nomem(err);
	return 0;
}

void
ec_manifest_free(struct ec_manifest *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		free((char *)m->items[i].type);
		free((char *)m->items[i].id);
		free((char *)m->items[i].format);
		free((char *)m->items[i].path);
	}
	free(m->items);
	for (i = 0; i < m->nfiles; i++)
		free((char *)m->files[i].path);
	free(m->files);
	free(m->run_id);
	free(m->profile);
	json_decref(m->summary);
	free(m);
}

void
ec_manifest_set_summary(struct ec_manifest *m, json_t *summary)
{
	json_decref(m->summary);
	m->summary = summary;
}

static int
manifest_add_hex(struct ec_manifest *m, const char *type, const char *id,
    const char *format, const char *path, const char *hex, uint64_t size,
    struct ec_err *err)
{
	struct ec_manifest_item	*it;

	if (m->n >= EC_MAX_OUTPUTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "export has more than %d outputs", EC_MAX_OUTPUTS);
	if (ec_array_grow((void **)&m->items, &m->cap, m->n, sizeof(*it), 16,
	    err) == -1)
		return -1;
	it = &m->items[m->n];
	memset(it, 0, sizeof(*it));
	if ((it->type = strdup(type)) == NULL ||
	    (it->id = strdup(id)) == NULL ||
	    (it->format = strdup(format)) == NULL ||
	    (it->path = strdup(path)) == NULL) {
		free((char *)it->type);
		free((char *)it->id);
		free((char *)it->format);
		return ec_err_nomem(err);
	}
	memcpy(it->sha256, hex, EC_SHA256_HEX);
	it->size = size;
	m->n++;
	m->sorted = false;
	return 0;
}

int
ec_manifest_add(struct ec_manifest *m, const char *type, const char *id,
    const char *format, const char *path, const uint8_t digest[EC_SHA256_LEN],
    uint64_t size, struct ec_err *err)
{
	char	hex[EC_SHA256_HEX];

	ec_hex_encode(hex, digest, EC_SHA256_LEN);
	return manifest_add_hex(m, type, id, format, path, hex, size, err);
}

size_t
ec_manifest_count(const struct ec_manifest *m)
{
	return m->n;
}

/* Seed 003: items sorted by type, id, format, then url (our path). */
static int
manifest_cmp(const void *a, const void *b)
{
	const struct ec_manifest_item	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->type, y->type)) != 0 ||
	    (c = strcmp(x->id, y->id)) != 0 ||
	    (c = strcmp(x->format, y->format)) != 0)
		return c;
	return strcmp(x->path, y->path);
}

const struct ec_manifest_item *
ec_manifest_item(struct ec_manifest *m, size_t i)
{
	if (!m->sorted && m->n > 1)
		qsort(m->items, m->n, sizeof(m->items[0]), manifest_cmp);
	m->sorted = true;
	return i < m->n ? &m->items[i] : NULL;
}

int
ec_manifest_add_file(struct ec_manifest *m, const char *path,
    const uint8_t digest[EC_SHA256_LEN], uint64_t size, struct ec_err *err)
{
	struct ec_manifest_file	*f;

	if (m->nfiles >= EC_MAX_OUTPUTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "export has more than %d metadata files", EC_MAX_OUTPUTS);
	if (ec_array_grow((void **)&m->files, &m->capfiles, m->nfiles,
	    sizeof(*f), 16, err) == -1)
		return -1;
	f = &m->files[m->nfiles];
	if ((f->path = strdup(path)) == NULL)
		return ec_err_nomem(err);
	ec_hex_encode(f->sha256, digest, EC_SHA256_LEN);
	f->size = size;
	m->nfiles++;
	m->files_sorted = false;
	return 0;
}

size_t
ec_manifest_file_count(const struct ec_manifest *m)
{
	return m->nfiles;
}

static int
manifest_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ec_manifest_file *)a)->path,
	    ((const struct ec_manifest_file *)b)->path);
}

const struct ec_manifest_file *
ec_manifest_file(struct ec_manifest *m, size_t i)
{
	if (!m->files_sorted && m->nfiles > 1)
		qsort(m->files, m->nfiles, sizeof(m->files[0]),
		    manifest_file_cmp);
	m->files_sorted = true;
	return i < m->nfiles ? &m->files[i] : NULL;
}

const char *
ec_manifest_run_id(const struct ec_manifest *m)
{
	return m->run_id;
}

const char *
ec_manifest_profile(const struct ec_manifest *m)
{
	return m->profile;
}

static json_t *
manifest_items_json(struct ec_manifest *m)
{
	const struct ec_manifest_item	*it;
	json_t				*a;
	size_t				 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; (it = ec_manifest_item(m, i)) != NULL; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s, s:I}", "type", it->type, "id", it->id, "format",
		    it->format, "path", it->path, "sha256", it->sha256, "size",
		    (json_int_t)it->size)) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
manifest_files_json(struct ec_manifest *m)
{
	const struct ec_manifest_file	*f;
	json_t				*a;
	size_t				 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; (f = ec_manifest_file(m, i)) != NULL; i++)
		if (json_array_append_new(a, json_pack("{s:s, s:s, s:I}",
		    "path", f->path, "sha256", f->sha256, "size",
		    (json_int_t)f->size)) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int
ec_manifest_write(struct ec_buf *out, struct ec_manifest *m,
    const struct ec_manifest_head *h, struct ec_err *err)
{
	json_t	*doc;
	char	 snap[EC_TIME_MAX];
	int	 rc;

	ec_time_format(snap, h->snapshot_us);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s, s:I, s:o}",
	    "schemaVersion", EC_MANIFEST_SCHEMA, "runId", h->run_id,
	    "tenant", h->tenant, "profile", h->profile,
	    "selectors", h->selectors, "inputsHash", h->inputs_hash,
	    "snapshotAt", snap, "documents", (json_int_t)h->documents,
	    "items", manifest_items_json(m));
	if (doc == NULL)
		return ec_err_nomem(err);
	/* Only when there are some: manifests without keep their bytes. */
	if (m->nfiles > 0 && json_object_set_new(doc, "files",
	    manifest_files_json(m)) == -1) {
		json_decref(doc);
		return ec_err_nomem(err);
	}
	if (m->summary != NULL && json_object_set(doc, "summary",
	    m->summary) == -1) {
		json_decref(doc);
		return ec_err_nomem(err);
	}
	rc = ec_canon_dump(out, doc, err);
	json_decref(doc);
	return rc;
}

static const char *
manifest_str(const json_t *o, const char *key, struct ec_err *err)
{
	const json_t	*v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > MANIFEST_STR_MAX ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: \"%s\" missing or not a valid string", key);
		return NULL;
	}
	return json_string_value(v);
}

/* An entry's sha256 and size, as items and files both carry them. */
static int
manifest_digest_size(uint8_t d[EC_SHA256_LEN], double *sz_out,
    const char *sha, const json_t *size, const char *path, struct ec_err *err)
{
	double	sz;

	/* Lowercase only: the signed bytes must be what we compare. */
	if (strspn(sha, "0123456789abcdef") != 2 * EC_SHA256_LEN ||
	    ec_hex_decode(d, EC_SHA256_LEN, sha, strlen(sha)) == -1)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: %.200s: bad sha256", path);
	/* Numbers were parsed as doubles; sizes must be exact integers. */
	if (!json_is_number(size) || (sz = json_number_value(size)) < 0 ||
	    sz > 9007199254740992.0 || sz != (double)(uint64_t)sz)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: %.200s: bad size", path);
	*sz_out = sz;
	return 0;
}

static int
manifest_parse_item(struct ec_manifest *m, const json_t *it,
    struct ec_err *err)
{
	const char	*type, *id, *format, *path, *sha;
	const json_t	*size = json_object_get(it, "size");
	uint8_t		 d[EC_SHA256_LEN];
	double		 sz;

	if (!json_is_object(it))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: an item is not an object");
	if ((type = manifest_str(it, "type", err)) == NULL ||
	    (id = manifest_str(it, "id", err)) == NULL ||
	    (format = manifest_str(it, "format", err)) == NULL ||
	    (path = manifest_str(it, "path", err)) == NULL ||
	    (sha = manifest_str(it, "sha256", err)) == NULL)
		return -1;
	if (manifest_digest_size(d, &sz, sha, size, path, err) == -1)
		return -1;
	if (ec_manifest_add(m, type, id, format, path, d, (uint64_t)sz,
	    err) == -1) {
		if (err != NULL && err->code == EC_ERR_TOO_LARGE)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.json: more than %d items",
			    EC_MAX_OUTPUTS);
		return -1;
	}
	return 0;
}

/* One entry of the optional "files" list: path, sha256, size. */
static int
manifest_parse_file(struct ec_manifest *m, const json_t *f,
    struct ec_err *err)
{
	const char	*path, *sha;
	const json_t	*size = json_object_get(f, "size");
	uint8_t		 d[EC_SHA256_LEN];
	double		 sz;

	if (!json_is_object(f) || json_object_size(f) != 3)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: a files entry is malformed");
	if ((path = manifest_str(f, "path", err)) == NULL ||
	    (sha = manifest_str(f, "sha256", err)) == NULL)
		return -1;
	if (manifest_digest_size(d, &sz, sha, size, path, err) == -1)
		return -1;
	if (ec_manifest_add_file(m, path, d, (uint64_t)sz, err) == -1) {
		if (err != NULL && err->code == EC_ERR_TOO_LARGE)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.json: more than %d files",
			    EC_MAX_OUTPUTS);
		return -1;
	}
	return 0;
}

static int
manifest_parse_files(struct ec_manifest *m, const json_t *doc,
    struct ec_err *err)
{
	const json_t	*files = json_object_get(doc, "files");
	size_t		 i;

	if (files == NULL)
		return 0;
	if (!json_is_array(files) || json_array_size(files) == 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: files is not a non-empty array");
	for (i = 0; i < json_array_size(files); i++)
		if (manifest_parse_file(m, json_array_get(files, i),
		    err) == -1)
			return -1;
	return 0;
}

static int
manifest_parse_doc(struct ec_manifest *m, const json_t *doc,
    struct ec_err *err)
{
	const json_t	*items;
	const char	*s;
	size_t		 i;

	if (!json_is_object(doc))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: not an object");
	if ((s = manifest_str(doc, "schemaVersion", err)) == NULL)
		return -1;
	if (strcmp(s, EC_MANIFEST_SCHEMA) != 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: unknown schemaVersion %.100s", s);
	if ((s = manifest_str(doc, "runId", err)) == NULL)
		return -1;
	if ((m->run_id = strdup(s)) == NULL)
		return ec_err_nomem(err);
	if ((s = manifest_str(doc, "profile", err)) == NULL)
		return -1;
	if ((m->profile = strdup(s)) == NULL)
		return ec_err_nomem(err);
	items = json_object_get(doc, "items");
	if (!json_is_array(items))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: items is not an array");
	for (i = 0; i < json_array_size(items); i++)
		if (manifest_parse_item(m, json_array_get(items, i), err) == -1)
			return -1;
	return manifest_parse_files(m, doc, err);
}

int
ec_manifest_parse(struct ec_manifest **out, const char *p, size_t len,
    struct ec_err *err)
{
	struct ec_manifest	*m = NULL;
	struct ec_buf		 canon;
	json_t			*doc;
	int			 rc = -1;

	if (len > EC_MAX_META_BYTES)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: larger than %d bytes", EC_MAX_META_BYTES);
	/*
	 * A document the parser refuses makes the bundle fail verification;
	 * running out of memory is the verifier's failure and keeps its code.
	 */
	if ((doc = ec_canon_parse_max(p, len, EC_MAX_META_NODES,
	    err)) == NULL) {
		if (err != NULL && err->code == EC_ERR_REQUEST_INVALID)
			err->code = EC_ERR_VERIFY;
		return ec_err_prefix(err, "manifest.json");
	}
	ec_buf_init(&canon, EC_MAX_META_BYTES);
	if (ec_canon_dump(&canon, doc, err) == -1) {
		if (err != NULL && err->code != EC_ERR_NOMEM)
			err->code = EC_ERR_VERIFY;
		(void)ec_err_prefix(err, "manifest.json");
		goto out;
	}
	if (canon.len != len || memcmp(canon.data, p, len) != 0) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: not in canonical form");
		goto out;
	}
	if (ec_manifest_new(&m, err) == -1 ||
	    manifest_parse_doc(m, doc, err) == -1)
		goto out;
	*out = m;
	m = NULL;
	rc = 0;
out:
	ec_manifest_free(m);
	json_decref(doc);
	ec_buf_dispose(&canon);
	return rc;
}

int
ec_checksums_add(struct ec_buf *out, const char *path,
    const uint8_t digest[EC_SHA256_LEN], struct ec_err *err)
{
	char	hex[EC_SHA256_HEX];

	ec_hex_encode(hex, digest, EC_SHA256_LEN);
	return ec_buf_addf(out, err, "%s  %s\n", hex, path);
}

static int
checksums_line(void *arg, const char *name, const uint8_t digest[EC_SHA256_LEN],
    uint64_t size, struct ec_err *err)
{
	(void)size;
	if (strcmp(name, EC_CHECKSUMS_NAME) == 0)
		return 0;
	return ec_checksums_add(arg, name, digest, err);
}

int
ec_checksums_write(struct ec_buf *out, struct ec_bundle *b,
    struct ec_err *err)
{
	return ec_bundle_foreach(b, checksums_line, out, err);
}

int
ec_checksums_parse(const char *p, size_t len, ec_checksum_fn *fn, void *arg,
    struct ec_err *err)
{
	char		 path[EC_BUNDLE_NAME_MAX * 4 + 1];
	uint8_t		 d[EC_SHA256_LEN];
	const char	*end, *q;
	size_t		 lines = 0, plen;

	while (len > 0) {
		if ((end = memchr(p, '\n', len)) == NULL)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "checksums.txt: last line not terminated");
		if (++lines > EC_MAX_BUNDLE_ENTRIES)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "checksums.txt: more than %d lines",
			    EC_MAX_BUNDLE_ENTRIES);
		/* sha256sum(1): 64 hex, a space, ' ' or '*', the name. */
		if (end - p < 67 || ec_hex_decode(d, sizeof(d), p, 64) == -1 ||
		    p[64] != ' ' || (p[65] != ' ' && p[65] != '*'))
			return ec_err_set(err, EC_ERR_VERIFY,
			    "checksums.txt: line %zu malformed", lines);
		plen = (size_t)(end - (p + 66));
		if (plen >= sizeof(path))
			return ec_err_set(err, EC_ERR_VERIFY,
			    "checksums.txt: line %zu: name too long", lines);
		for (q = p + 66; q < end; q++)
			if (*q < ' ' || *q > '~' || *q == '\\')
				return ec_err_set(err, EC_ERR_VERIFY,
				    "checksums.txt: line %zu: bad character",
				    lines);
		memcpy(path, p + 66, plen);
		path[plen] = '\0';
		if (fn(arg, path, d, err) != 0)
			return -1;
		len -= (size_t)(end - p) + 1;
		p = end + 1;
	}
	return 0;
}
