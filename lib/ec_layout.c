/*
 * ec_layout: reading an OCI image layout (image-spec v1.1 image-layout.md,
 * descriptor.md, manifest.md) as hostile input.  See ec_layout.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <nettle/memops.h>

#include "ec_buf.h"
#include "ec_file.h"
#include "ec_hash.h"
#include "ec_layout.h"

struct ec_layout {
	int			 dirfd;		/* the layout; owned */
	int			 blobfd;	/* blobs/sha256; owned */
	struct ec_layout_desc	*entries;	/* owned */
	size_t			 n;
};

bool
ec_layout_digest_ok(const char *s)
{
	size_t	i;

	if (strncmp(s, "sha256:", 7) != 0)
		return false;
	for (i = 7; i < EC_LAYOUT_DIGEST_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[i] == '\0';
}

/* A member string of at most "max" bytes, printable ASCII; "" if absent. */
static int
layout_str(char *out, size_t max, json_t *o, const char *key, bool need,
    const char *what, struct ec_err *err)
{
	json_t		*v = json_object_get(o, key);	/* borrowed */
	const char	*s;
	size_t		 i, len;

	out[0] = '\0';
	if (v == NULL && !need)
		return 0;
	if (!json_is_string(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: %s must be a string", what, key);
	s = json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || len > max)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: %s must be 1 to %zu bytes", what, key, max);
	for (i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: %s holds a character outside printable ASCII",
			    what, key);
	memcpy(out, s, len + 1);
	return 0;
}

/* One descriptor (descriptor.md "Properties"). */
static int
layout_desc(struct ec_layout_desc *d, json_t *o, const char *what,
    struct ec_err *err)
{
	json_t		*size, *ann;	/* borrowed */
	json_int_t	 n;

	if (!json_is_object(o))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: a descriptor must be an object", what);
	if (layout_str(d->media_type, EC_LAYOUT_MAX_TYPE, o, "mediaType",
	    true, what, err) == -1 ||
	    layout_str(d->artifact_type, EC_LAYOUT_MAX_TYPE, o,
	    "artifactType", false, what, err) == -1 ||
	    layout_str(d->digest, EC_LAYOUT_DIGEST_LEN, o, "digest", true,
	    what, err) == -1)
		return -1;
	if (!ec_layout_digest_ok(d->digest))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: digest must be sha256: and 64 lowercase hex digits",
		    what);
	size = json_object_get(o, "size");
	if (!json_is_integer(size) || (n = json_integer_value(size)) < 0 ||
	    (uint64_t)n > EC_LAYOUT_MAX_BLOB)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: size must be an integer from 0 to %llu", what,
		    (unsigned long long)EC_LAYOUT_MAX_BLOB);
	d->size = (uint64_t)n;
	ann = json_object_get(o, "annotations");
	d->ref_name[0] = '\0';
	if (ann == NULL)
		return 0;
	if (!json_is_object(ann))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: annotations must be an object", what);
	return layout_str(d->ref_name, EC_LAYOUT_MAX_REF, ann,
	    EC_LAYOUT_REF_NAME, false, what, err);
}

/* An array of descriptors: 1 to "max" of them. */
static int
layout_desc_array(struct ec_layout_desc **out, size_t *n_out, json_t *a,
    size_t first, size_t max, const char *what, struct ec_err *err)
{
	struct ec_layout_desc	*d;
	size_t			 i, n;

	if (!json_is_array(a) || (n = json_array_size(a)) + first == 0 ||
	    n > max)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: expected an array of at most %zu descriptors", what,
		    max);
	if ((d = calloc(first + n, sizeof(*d))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < n; i++)
		if (layout_desc(&d[first + i], json_array_get(a, i), what,
		    err) == -1) {
			free(d);
			return -1;
		}
	*out = d;
	*n_out = first + n;
	return 0;
}

static json_t *
layout_load(const char *p, size_t len, const char *what, struct ec_err *err)
{
	json_t		*root;
	json_error_t	 jerr;

	if (len > EC_LAYOUT_MAX_JSON) {
		(void)ec_err_set(err, EC_ERR_TOO_LARGE, "%s exceeds %d bytes",
		    what, EC_LAYOUT_MAX_JSON);
		return NULL;
	}
	root = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s, line %d: %s", what, jerr.line, jerr.text);
	else if (!json_is_object(root)) {
		json_decref(root);
		root = NULL;
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: not a JSON object", what);
	}
	return root;
}

/* image-layout.md "index.json file": an image index, schemaVersion 2. */
int
ec_layout_parse_index(struct ec_layout_desc **out, size_t *n_out,
    const char *p, size_t len, struct ec_err *err)
{
	json_t	*root;
	int	 rc = -1;

	if ((root = layout_load(p, len, "index.json", err)) == NULL)
		return -1;
	if (json_integer_value(json_object_get(root, "schemaVersion")) != 2)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "index.json: schemaVersion must be 2");
	else
		rc = layout_desc_array(out, n_out,
		    json_object_get(root, "manifests"), 0,
		    EC_LAYOUT_MAX_MANIFESTS, "index.json", err);
	json_decref(root);
	return rc;
}

/* manifest.md: config, then layers; the Docker schema 2 shape is alike. */
int
ec_layout_parse_manifest(struct ec_layout_manifest *out,
    const char *media_type, const char *p, size_t len, struct ec_err *err)
{
	json_t		*root, *mt;	/* mt: borrowed */
	int		 rc = -1;

	out->blobs = NULL;
	out->n = 0;
	if (strcmp(media_type, EC_LAYOUT_MT_MANIFEST) != 0 &&
	    strcmp(media_type, EC_LAYOUT_MT_DOCKER) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "manifest: media type %.128s is not an image manifest",
		    media_type);
	if ((root = layout_load(p, len, "manifest", err)) == NULL)
		return -1;
	mt = json_object_get(root, "mediaType");
	if (json_integer_value(json_object_get(root, "schemaVersion")) != 2)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "manifest: schemaVersion must be 2");
	else if (mt != NULL && (!json_is_string(mt) ||
	    strcmp(json_string_value(mt), media_type) != 0))
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "manifest: mediaType differs from its descriptor's");
	else if (layout_desc_array(&out->blobs, &out->n,
	    json_object_get(root, "layers"), 1, EC_LAYOUT_MAX_LAYERS,
	    "manifest layers", err) == 0 &&
	    layout_desc(&out->blobs[0], json_object_get(root, "config"),
	    "manifest config", err) == 0)
		rc = 0;
	json_decref(root);
	return rc;
}

void
ec_layout_manifest_dispose(struct ec_layout_manifest *m)
{
	free(m->blobs);
	m->blobs = NULL;
	m->n = 0;
}

/*
 * Open "name" below "dirfd" refusing symlinks (O_NOFOLLOW) and anything
 * that is not of the wanted type; O_NONBLOCK so that a FIFO cannot hang us
 * before fstat() refuses it.
 */
static int
layout_openat(int *fd_out, int dirfd, const char *name, bool dir,
    struct ec_err *err)
{
	struct stat	st;
	int		fd;

	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK | (dir ? O_DIRECTORY : 0));
	if (fd == -1 && (errno == ELOOP || errno == ENOTDIR))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "layout: %s is a symbolic link or not a %s", name,
		    dir ? "directory" : "file");
	if (fd == -1)
		return ec_err_set(err, EC_ERR_IO, "layout: %s: %s", name,
		    strerror(errno));
	if (fstat(fd, &st) == -1 || (dir ? !S_ISDIR(st.st_mode) :
	    !S_ISREG(st.st_mode))) {
		(void)close(fd);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "layout: %s is not a regular %s", name,
		    dir ? "directory" : "file");
	}
	if (!dir && fcntl(fd, F_SETFL, 0) == -1) {
		(void)close(fd);
		return ec_err_set(err, EC_ERR_IO, "layout: %s: %s", name,
		    strerror(errno));
	}
	*fd_out = fd;
	return 0;
}

/* A small file of the layout read whole. */
static int
layout_slurp(char **out, size_t *len_out, int dirfd, const char *name,
    size_t max, struct ec_err *err)
{
	struct stat	 st;
	char		*p;
	size_t		 got;
	int		 fd, rc = -1;

	if (layout_openat(&fd, dirfd, name, false, err) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || (uint64_t)st.st_size > max) {
		(void)ec_err_set(err, EC_ERR_TOO_LARGE,
		    "layout: %s exceeds %zu bytes", name, max);
		goto out;
	}
	if ((p = malloc((size_t)st.st_size + 1)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_file_read_full(&got, fd, p, (size_t)st.st_size, name,
	    err) == -1) {
		free(p);
		goto out;
	}
	if (got != (size_t)st.st_size) {
		free(p);
		(void)ec_err_set(err, EC_ERR_IO, "%s: short read", name);
		goto out;
	}
	p[got] = '\0';
	*out = p;
	*len_out = got;
	rc = 0;
out:
	(void)close(fd);
	return rc;
}

/* image-layout.md "oci-layout file": {"imageLayoutVersion": "1.0.0"}. */
static int
layout_check_version(int dirfd, struct ec_err *err)
{
	json_t	*root, *v;	/* v: borrowed */
	char	*p;
	size_t	 len;
	int	 rc = -1;

	if (layout_slurp(&p, &len, dirfd, "oci-layout", 4096, err) == -1)
		return -1;
	root = layout_load(p, len, "oci-layout", err);
	free(p);
	if (root == NULL)
		return -1;
	v = json_object_get(root, "imageLayoutVersion");
	if (!json_is_string(v) || strcmp(json_string_value(v), "1.0.0") != 0)
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "oci-layout: imageLayoutVersion must be \"1.0.0\"");
	else
		rc = 0;
	json_decref(root);
	return rc;
}

int
ec_layout_open(struct ec_layout **out, const char *dir, struct ec_err *err)
{
	struct ec_layout	*l;
	char			*idx = NULL;
	size_t			 len;
	int			 fd, rc = -1;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return ec_err_nomem(err);
	l->dirfd = l->blobfd = -1;
	if (layout_openat(&l->dirfd, AT_FDCWD, dir, true, err) == -1)
		goto out;
	if (layout_check_version(l->dirfd, err) == -1 ||
	    layout_slurp(&idx, &len, l->dirfd, "index.json",
	    EC_LAYOUT_MAX_JSON, err) == -1 ||
	    ec_layout_parse_index(&l->entries, &l->n, idx, len, err) == -1 ||
	    layout_openat(&fd, l->dirfd, "blobs", true, err) == -1)
		goto out;
	rc = layout_openat(&l->blobfd, fd, "sha256", true, err);
	(void)close(fd);
out:
	free(idx);
	if (rc == 0)
		*out = l;
	else
		ec_layout_free(l);
	return rc;
}

void
ec_layout_free(struct ec_layout *l)
{
	if (l == NULL)
		return;
	if (l->dirfd != -1)
		(void)close(l->dirfd);
	if (l->blobfd != -1)
		(void)close(l->blobfd);
	free(l->entries);
	free(l);
}

const struct ec_layout_desc *
ec_layout_entry(const struct ec_layout *l, size_t i)
{
	return i < l->n ? &l->entries[i] : NULL;
}

size_t
ec_layout_count(const struct ec_layout *l)
{
	return l->n;
}

int
ec_layout_find(const struct ec_layout_desc **out, const struct ec_layout *l,
    const char *tag, struct ec_err *err)
{
	size_t	i;

	if (tag == NULL) {
		if (l->n != 1)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "index.json lists %zu manifests: give a tag", l->n);
		*out = &l->entries[0];
		return 0;
	}
	for (i = 0; i < l->n; i++)
		if (strcmp(l->entries[i].ref_name, tag) == 0) {
			*out = &l->entries[i];
			return 0;
		}
	return ec_err_set(err, EC_ERR_NOT_FOUND,
	    "index.json has no manifest named %.128s", tag);
}

/* The descriptor's digest against a computed one, in constant time. */
static int
layout_digest_eq(const uint8_t got[EC_SHA256_LEN],
    const struct ec_layout_desc *d, struct ec_err *err)
{
	uint8_t	want[EC_SHA256_LEN];

	if (ec_hex_decode(want, sizeof(want), d->digest + 7, 64) == -1 ||
	    !memeql_sec(got, want, sizeof(want)))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "layout: blob %s does not match its digest", d->digest);
	return 0;
}

/* Open blobs/sha256/<hex> and check its size against the descriptor. */
static int
layout_blob_fd(int *fd_out, const struct ec_layout *l,
    const struct ec_layout_desc *d, struct ec_err *err)
{
	struct stat	st;
	int		fd;

	if (!ec_layout_digest_ok(d->digest))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "layout: bad digest");
	/* The 64 hex digits cannot name anything outside blobs/sha256. */
	if (layout_openat(&fd, l->blobfd, d->digest + 7, false, err) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || (uint64_t)st.st_size != d->size) {
		(void)close(fd);
		return ec_err_set(err, EC_ERR_VERIFY,
		    "layout: blob %s is not %llu bytes long", d->digest,
		    (unsigned long long)d->size);
	}
	*fd_out = fd;
	return 0;
}

int
ec_layout_open_blob(int *fd_out, const struct ec_layout *l,
    const struct ec_layout_desc *d, struct ec_err *err)
{
	struct ec_sha256	h;
	uint8_t			buf[65536], got[EC_SHA256_LEN];
	uint64_t		total = 0;
	size_t			n;
	int			fd;

	if (layout_blob_fd(&fd, l, d, err) == -1)
		return -1;
	ec_sha256_init(&h);
	do {
		if (ec_file_read_full(&n, fd, buf, sizeof(buf), d->digest,
		    err) == -1)
			goto fail;
		ec_sha256_update(&h, buf, n);
		total += n;
	} while (n == sizeof(buf) && total <= d->size);
	ec_sha256_final(got, &h);
	if (total != d->size) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "layout: blob %s changed while read", d->digest);
		goto fail;
	}
	if (layout_digest_eq(got, d, err) == -1)
		goto fail;
	if (lseek(fd, 0, SEEK_SET) == -1) {
		(void)ec_err_set(err, EC_ERR_IO, "layout: %s: %s", d->digest,
		    strerror(errno));
		goto fail;
	}
	*fd_out = fd;
	return 0;
fail:
	(void)close(fd);
	return -1;
}

/* Read once into memory and hash those bytes, so what we check is used. */
int
ec_layout_read(uint8_t **out, size_t *len_out, const struct ec_layout *l,
    const struct ec_layout_desc *d, size_t max, struct ec_err *err)
{
	uint8_t	*p = NULL, got[EC_SHA256_LEN];
	size_t	 n = 0;
	int	 fd, rc = -1;

	if (d->size > max)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "layout: blob %s exceeds %zu bytes", d->digest, max);
	if (layout_blob_fd(&fd, l, d, err) == -1)
		return -1;
	if ((p = malloc((size_t)d->size + 1)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_file_read_full(&n, fd, p, (size_t)d->size, d->digest,
	    err) == -1)
		goto out;
	if (n != d->size) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "layout: blob %s changed while read", d->digest);
		goto out;
	}
	ec_sha256(got, p, n);
	if (layout_digest_eq(got, d, err) == -1)
		goto out;
	p[n] = '\0';
	*out = p;
	*len_out = n;
	p = NULL;
	rc = 0;
out:
	free(p);
	(void)close(fd);
	return rc;
}
