/*
 * ec_mirror_diff: the parser of manifest.diff.json, a document that
 * arrives with a delta from wherever the delta travelled.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_mirror_int.h"

/*
 * Values and names in one manifest.diff.json: nine per file (the
 * object, four member names and their values), 25 more per patch (the
 * object, twelve names and values), one per removal, and the head.  The
 * scan refuses more before a tree is built.
 */
#define DIFF_MAX_NODES	(9 * EC_MIRROR_MAX_FILES + \
	25 * EC_MIRROR_MAX_PATCHES + EC_MIRROR_MAX_FILES + 64)

static int
diff_bad(struct ec_err *err, const char *what)
{
	return ec_err_set(err, EC_ERR_VERIFY, "manifest.diff.json: %s", what);
}

static bool
diff_hex_ok(const char *s)
{
	size_t	i;

	if (strlen(s) != EC_SHA256_HEX - 1)
		return false;
	for (i = 0; i < EC_SHA256_HEX - 1; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
			return false;
	return true;
}

/* Copy a string member that must hold an id or a digest. */
static int
diff_str(char *out, size_t size, const json_t *doc, const char *key,
    bool hex, bool optional, struct ec_err *err)
{
	const json_t	*v = json_object_get(doc, key);
	const char	*s;

	if (v == NULL && optional) {
		out[0] = '\0';
		return 0;
	}
	if (!json_is_string(v) || (s = json_string_value(v)) == NULL ||
	    (hex ? !diff_hex_ok(s) : !mirror_id_ok(s)) || strlen(s) >= size)
		return ec_err_set(err, EC_ERR_VERIFY, "manifest.diff.json: "
		    "%s is missing or malformed", key);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/*
 * A copy ({path, copyOf}: its digest and size are its source's) or a
 * patch beside path, sha256 and size (schema v2 only).
 */
static int
diff_extra(struct mirror_entry *f, const json_t *e, bool v2, size_t i,
    size_t *patches, struct ec_err *err)
{
	const json_t	*c = json_object_get(e, "copyOf"),
			*pt = json_object_get(e, "patch");

	if (c != NULL) {
		if (!v2 || json_object_size(e) != 2 || !json_is_string(c) ||
		    !mirror_path_ok(json_string_value(c)))
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.diff.json: files[%zu] is not a copy "
			    "{path, copyOf}", i);
		if ((f->copy_of = strdup(json_string_value(c))) == NULL)
			return ec_err_nomem(err);
		return 0;
	}
	if (json_object_size(e) == 3)
		return 0;
	if (!v2 || json_object_size(e) != 4 || pt == NULL)
		return ec_err_set(err, EC_ERR_VERIFY, "manifest.diff.json: "
		    "files[%zu] has unknown members", i);
	if (++*patches > EC_MIRROR_MAX_PATCHES)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "manifest.diff.json: "
		    "more than %d patches", EC_MIRROR_MAX_PATCHES);
	if ((f->patch = calloc(1, sizeof(*f->patch))) == NULL)
		return ec_err_nomem(err);
	return mirror_patch_parse(f->patch, pt, f->path, err);
}

/* A copy names a listed file that is no copy, and takes its bytes. */
static int
diff_copies(struct ec_mirror_diff *d, struct ec_err *err)
{
	struct mirror_entry		*f;
	const struct mirror_entry	*t;
	size_t				 i, lo, hi, mid;
	int				 c;

	for (i = 0; i < d->nfiles; i++) {
		if ((f = &d->files[i])->copy_of == NULL)
			continue;
		t = NULL;
		for (lo = 0, hi = d->nfiles; lo < hi && t == NULL;) {
			mid = lo + (hi - lo) / 2;
			if ((c = strcmp(f->copy_of, d->files[mid].path)) == 0)
				t = &d->files[mid];
			else if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (t == NULL || t->copy_of != NULL)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.diff.json: files[%zu] is a copy of no "
			    "listed file", i);
		memcpy(f->sha256, t->sha256, EC_SHA256_HEX);
		f->size = t->size;
	}
	return 0;
}

/* An entry's sha256 and size. */
static int
diff_digest(struct mirror_entry *f, const json_t *e, size_t i,
    struct ec_err *err)
{
	const json_t	*h = json_object_get(e, "sha256"),
			*sz = json_object_get(e, "size");

	if (!json_is_string(h) || !json_is_number(sz) ||
	    !diff_hex_ok(json_string_value(h)) ||
	    json_number_value(sz) < 0 ||
	    json_number_value(sz) > 9007199254740992.0 ||
	    json_number_value(sz) != (double)(uint64_t)json_number_value(sz))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.diff.json: files[%zu] is malformed", i);
	memcpy(f->sha256, json_string_value(h), EC_SHA256_HEX);
	f->size = (uint64_t)json_number_value(sz);
	return 0;
}

static int
diff_files(struct ec_mirror_diff *d, const json_t *a, bool v2,
    struct ec_err *err)
{
	const json_t	*e, *p;
	size_t		 i, patches = 0;

	if (!json_is_array(a))
		return diff_bad(err, "files is not an array");
	if (json_array_size(a) > EC_MIRROR_MAX_FILES)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "manifest.diff.json: "
		    "more than %d files", EC_MIRROR_MAX_FILES);
	if ((d->files = calloc(json_array_size(a) + 1,
	    sizeof(*d->files))) == NULL)
		return ec_err_nomem(err);
	json_array_foreach(a, i, e) {
		p = json_object_get(e, "path");
		if (!json_is_object(e) || !json_is_string(p) ||
		    !mirror_path_ok(json_string_value(p)))
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.diff.json: files[%zu] is malformed", i);
		if (i > 0 && strcmp(d->files[i - 1].path,
		    json_string_value(p)) >= 0)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.diff.json: files[%zu] is out of order "
			    "or repeated", i);
		if ((d->files[i].path = strdup(json_string_value(p))) == NULL)
			return ec_err_nomem(err);
		d->nfiles = i + 1;
		if (json_object_get(e, "copyOf") == NULL &&
		    diff_digest(&d->files[i], e, i, err) == -1)
			return -1;
		if (diff_extra(&d->files[i], e, v2, i, &patches, err) == -1)
			return -1;
	}
	return diff_copies(d, err);
}

static int
diff_removals(struct ec_mirror_diff *d, const json_t *a, struct ec_err *err)
{
	const json_t	*e;
	size_t		 i;

	if (!json_is_array(a))
		return diff_bad(err, "removals is not an array");
	if (json_array_size(a) > EC_MIRROR_MAX_FILES)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "manifest.diff.json: "
		    "more than %d removals", EC_MIRROR_MAX_FILES);
	if ((d->removals = calloc(json_array_size(a) + 1,
	    sizeof(*d->removals))) == NULL)
		return ec_err_nomem(err);
	json_array_foreach(a, i, e) {
		if (!json_is_string(e) || !mirror_path_ok(json_string_value(e)))
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.diff.json: removals[%zu] is not a tree "
			    "path", i);
		if (i > 0 && strcmp(d->removals[i - 1],
		    json_string_value(e)) >= 0)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.diff.json: removals[%zu] is out of order "
			    "or repeated", i);
		if ((d->removals[i] = strdup(json_string_value(e))) == NULL)
			return ec_err_nomem(err);
		d->nremovals = i + 1;
	}
	return 0;
}

/* Both lists are sorted: one merge finds a path written and removed. */
static int
diff_disjoint(const struct ec_mirror_diff *d, struct ec_err *err)
{
	size_t	i = 0, j = 0;
	int	c;

	while (i < d->nfiles && j < d->nremovals) {
		if ((c = strcmp(d->files[i].path, d->removals[j])) == 0)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.diff.json: %.200s is both written and "
			    "removed", d->removals[j]);
		if (c < 0)
			i++;
		else
			j++;
	}
	return 0;
}

static int
diff_fill(struct ec_mirror_diff *d, const json_t *doc, struct ec_err *err)
{
	const json_t	*v = json_object_get(doc, "schemaVersion");
	char		 ign[EC_SHA256_HEX];
	bool		 v2;

	if (!json_is_string(v) || (!(v2 = strcmp(json_string_value(v),
	    EC_MIRROR_DIFF_SCHEMA) == 0) && strcmp(json_string_value(v),
	    EC_MIRROR_DIFF_SCHEMA_V1) != 0))
		return diff_bad(err, "schemaVersion is not "
		    EC_MIRROR_DIFF_SCHEMA " (or " EC_MIRROR_DIFF_SCHEMA_V1 ")");
	if (json_object_size(doc) != 9 - (size_t)(json_object_get(doc,
	    "baseManifestSha256") == NULL) - (size_t)(json_object_get(doc,
	    "newManifestSha256") == NULL))
		return diff_bad(err, "unknown or missing members");
	if (diff_str(d->base_id, sizeof(d->base_id), doc, "baseExportId",
	    false, false, err) == -1 ||
	    diff_str(d->export_id, sizeof(d->export_id), doc, "exportId",
	    false, false, err) == -1 ||
	    diff_str(d->base_manifest, sizeof(d->base_manifest), doc,
	    "baseManifestSha256", true, true, err) == -1 ||
	    diff_str(ign, sizeof(ign), doc, "newManifestSha256", true, true,
	    err) == -1 ||
	    diff_str(d->base_tree, sizeof(d->base_tree), doc,
	    "baseTreeSha256", true, false, err) == -1 ||
	    diff_str(d->new_tree, sizeof(d->new_tree), doc, "newTreeSha256",
	    true, false, err) == -1)
		return -1;
	if (diff_files(d, json_object_get(doc, "files"), v2, err) == -1 ||
	    diff_removals(d, json_object_get(doc, "removals"), err) == -1)
		return -1;
	return diff_disjoint(d, err);
}

int
ec_mirror_diff_parse(struct ec_mirror_diff **out, const char *p, size_t len,
    struct ec_err *err)
{
	struct ec_mirror_diff	*d;
	struct ec_buf		 canon;
	json_t			*doc;
	int			 rc = -1;

	if (len > EC_MAX_META_BYTES)
		return ec_err_set(err, EC_ERR_TOO_LARGE, "manifest.diff.json: "
		    "more than %d bytes", EC_MAX_META_BYTES);
	if ((doc = ec_canon_parse_max(p, len, DIFF_MAX_NODES, err)) == NULL) {
		if (err != NULL && err->code == EC_ERR_REQUEST_INVALID)
			err->code = EC_ERR_VERIFY;
		return ec_err_prefix(err, "manifest.diff.json");
	}
	ec_buf_init(&canon, EC_MAX_META_BYTES);
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	/* What was signed is these bytes: a re-serialised copy is not it. */
	if (ec_canon_dump(&canon, doc, err) == -1)
		goto out;
	if (canon.len != len || memcmp(canon.data, p, len) != 0) {
		(void)diff_bad(err, "not in canonical form (RFC 8785)");
		goto out;
	}
	if (!json_is_object(doc)) {
		(void)diff_bad(err, "not an object");
		goto out;
	}
	if (diff_fill(d, doc, err) == -1)
		goto out;
	*out = d;
	d = NULL;
	rc = 0;
out:
	if (rc == -1 && err != NULL && err->code != EC_ERR_TOO_LARGE &&
	    err->code != EC_ERR_NOMEM)
		err->code = EC_ERR_VERIFY;
	ec_mirror_diff_free(d);
	ec_buf_dispose(&canon);
	json_decref(doc);
	return rc;
}

/* What the envelope signs: the manifest's digest (ec_mirror_delta.h). */
int
mirror_statement(struct ec_buf *out, const void *p, size_t len,
    struct ec_err *err)
{
	uint8_t	 d[EC_SHA256_LEN];
	char	 hex[EC_SHA256_HEX];
	json_t	*j;
	int	 rc;

	ec_sha256(d, p, len);
	ec_hex_encode(hex, d, sizeof(d));
	if ((j = json_pack("{s:s, s:s, s:I}", "name", EC_MIRROR_DIFF_NAME,
	    "sha256", hex, "size", (json_int_t)len)) == NULL)
		return ec_err_nomem(err);
	rc = ec_canon_dump(out, j, err);
	json_decref(j);
	return rc;
}

const char *
ec_mirror_diff_base_id(const struct ec_mirror_diff *d)
{
	return d->base_id;
}

const char *
ec_mirror_diff_export_id(const struct ec_mirror_diff *d)
{
	return d->export_id;
}

size_t
ec_mirror_diff_files(const struct ec_mirror_diff *d)
{
	return d->nfiles;
}

size_t
ec_mirror_diff_removals(const struct ec_mirror_diff *d)
{
	return d->nremovals;
}

void
ec_mirror_diff_free(struct ec_mirror_diff *d)
{
	size_t	i;

	if (d == NULL)
		return;
	for (i = 0; i < d->nfiles; i++) {
		free(d->files[i].path);
		free(d->files[i].copy_of);
		if (d->files[i].patch != NULL) {
			free(d->files[i].patch->base);
			mirror_codec_params_dispose(&d->files[i].patch->cp);
		}
		free(d->files[i].patch);
	}
	for (i = 0; i < d->nremovals; i++)
		free(d->removals[i]);
	free(d->files);
	free(d->removals);
	free(d);
}
