/* ec_split: cutting a file into parts, and the parts manifest written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_dsse.h"
#include "ec_file.h"
#include "ec_num.h"
#include "ec_split.h"
#include "ec_split_int.h"

int
ec_split_size_parse(uint64_t *out, const char *s, struct ec_err *err)
{
	char		digits[32];
	uint64_t	v, mul = 1;
	size_t		len = strlen(s);
	int		shift = 0;

	switch (len > 0 ? s[len - 1] : '\0') {
	case 'K': case 'k': shift = 10; break;
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	case 'T': case 't': shift = 40; break;
	}
	if (shift > 0) {
		mul = 1ULL << shift;
		len--;
	}
	if (len == 0 || len >= sizeof(digits))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "size \"%.32s\": digits with an optional K, M, G or T", s);
	memcpy(digits, s, len);
	digits[len] = '\0';
	if (ec_parse_u64(&v, digits, 1, EC_SPLIT_MAX_PART) == -1 ||
	    v > EC_SPLIT_MAX_PART / mul || v * mul < EC_SPLIT_MIN_PART)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "size \"%.32s\": 1K to 1T (digits with an optional K, M, "
		    "G or T)", s);
	*out = v * mul;
	return 0;
}

/* All of "len" bytes at "data" as the new file "path". */
static int
split_write_small(const char *path, const void *data, size_t len,
    struct ec_err *err)
{
	struct ec_file_out	f;
	int			rc = -1;

	if (ec_file_out_open(&f, path, 0644, err) == 0 &&
	    ec_file_out_write(&f, data, len, err) == 0 &&
	    ec_file_out_commit(&f, err) == 0)
		rc = 0;
	ec_file_out_dispose(&f);
	return rc;
}

/* State of one split; part digests are kept for the manifest. */
struct split {
	const char		*path;		/* borrowed */
	char			 dir[PATH_MAX];
	const char		*name;		/* borrowed, into path */
	int			 fd;
	uint64_t		 size, part_size;
	unsigned		 n, done;	/* parts, parts written */
	char			(*hex)[EC_SHA256_HEX];	/* owned */
	struct ec_sha256	 whole;
	uint8_t			*chunk;		/* owned, 64 KiB */
};

/*
 * DIR/NAME.partNNNN for idx > 0, else DIR/NAME + suffix.  split_plan()
 * bounded both lengths, so the name always fits.
 */
static void
split_path(char out[PATH_MAX], const struct split *s, unsigned idx,
    const char *suffix)
{
	int	n;

	if (idx > 0)
		n = snprintf(out, PATH_MAX, "%s/" SPLIT_PART_FMT, s->dir,
		    s->name, idx);
	else
		n = snprintf(out, PATH_MAX, "%s/%s%s", s->dir, s->name, suffix);
	if (n < 0 || n >= PATH_MAX)
		out[0] = '\0';
}

/* Copy the next part to DIR/NAME.partNNNN, hashing it. */
static int
split_part(struct split *s, unsigned idx, struct ec_err *err)
{
	struct ec_file_out	f;
	struct ec_sha256	h;
	uint8_t			d[EC_SHA256_LEN];
	char			path[PATH_MAX];
	uint64_t		left;
	size_t			want, got;
	int			rc = -1;

	left = idx < s->n ? s->part_size : s->size - (uint64_t)(s->n - 1) *
	    s->part_size;
	split_path(path, s, idx, NULL);
	if (ec_file_out_open(&f, path, 0644, err) == -1)
		goto out;
	ec_sha256_init(&h);
	while (left > 0) {
		want = left < SPLIT_CHUNK ? (size_t)left : SPLIT_CHUNK;
		if (ec_file_read_full(&got, s->fd, s->chunk, want, s->path,
		    err) == -1)
			goto out;
		if (got < want) {
			(void)ec_err_set(err, EC_ERR_IO,
			    "%s: shrank while being split", s->path);
			goto out;
		}
		ec_sha256_update(&h, s->chunk, got);
		ec_sha256_update(&s->whole, s->chunk, got);
		if (ec_file_out_write(&f, s->chunk, got, err) == -1)
			goto out;
		left -= got;
	}
	if (ec_file_out_commit(&f, err) == -1)
		goto out;
	ec_sha256_final(d, &h);
	ec_hex_encode(s->hex[idx - 1], d, sizeof(d));
	s->done = idx;
	rc = 0;
out:
	ec_file_out_dispose(&f);
	return rc;
}

/* The parts manifest as canonical JSON (RFC 8785), appended to "out". */
static int
split_manifest(struct ec_buf *out, const struct split *s, struct ec_err *err)
{
	json_t		*doc, *parts, *p;
	char		 name[PATH_MAX];
	uint64_t	 psize;
	unsigned	 i;
	int		 rc = -1;

	doc = json_pack("{s:s, s:I, s:[], s:i, s:s, s:I}", "name", s->name,
	    "partSize", (json_int_t)s->part_size, "parts", "schemaVersion",
	    SPLIT_SCHEMA, "sha256", s->hex[s->n], "size",
	    (json_int_t)s->size);
	if (doc == NULL)
		return ec_err_nomem(err);
	parts = json_object_get(doc, "parts");
	for (i = 1; i <= s->n; i++) {
		psize = i < s->n ? s->part_size : s->size - (uint64_t)(i - 1) *
		    s->part_size;
		(void)snprintf(name, sizeof(name), SPLIT_PART_FMT, s->name, i);
		p = json_pack("{s:i, s:s, s:s, s:I}", "index", (int)i, "name",
		    name, "sha256", s->hex[i - 1], "size", (json_int_t)psize);
		if (p == NULL || json_array_append_new(parts, p) == -1) {
			(void)ec_err_nomem(err);
			goto out;
		}
	}
	rc = ec_canon_dump(out, doc, err);
out:
	json_decref(doc);
	return rc;
}

/* Refuse before any work when a name we would write exists. */
static int
split_conflicts(const struct split *s, struct ec_err *err)
{
	struct stat	st;
	char		path[PATH_MAX];
	unsigned	i;

	for (i = 0; i <= s->n + 1; i++) {
		split_path(path, s, i == s->n + 1 ? 0 : i, i == 0 ?
		    EC_SPLIT_MANIFEST_SUFFIX : EC_SPLIT_DSSE_SUFFIX);
		if (lstat(path, &st) == 0)
			return ec_err_set(err, EC_ERR_CONFLICT,
			    "%s already exists; not overwriting it", path);
	}
	return 0;
}

/* Name, directory, size and part count of the split to come. */
static int
split_plan(struct split *s, const char *out_dir, struct ec_err *err)
{
	struct stat	 st;
	const char	*slash = strrchr(s->path, '/');
	uint64_t	 n;

	s->name = slash != NULL ? slash + 1 : s->path;
	if (!ec_file_name_ok(s->name, SPLIT_MAX_NAME))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: the file name must be 1 to %d of [A-Za-z0-9._-], "
		    "not starting with a dot", s->path, SPLIT_MAX_NAME);
	if (out_dir != NULL)
		(void)snprintf(s->dir, sizeof(s->dir), "%s", out_dir);
	else if (slash == NULL)
		(void)snprintf(s->dir, sizeof(s->dir), ".");
	else
		(void)snprintf(s->dir, sizeof(s->dir), "%.*s",
		    (int)(slash - s->path), s->path);
	if (strlen(s->dir) + SPLIT_MAX_NAME + 32 >= PATH_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: directory name too long", s->dir);
	if ((s->fd = open(s->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", s->path,
		    strerror(errno));
	if (fstat(s->fd, &st) == -1 || !S_ISREG(st.st_mode))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: not a regular file", s->path);
	s->size = (uint64_t)st.st_size;
	n = s->size == 0 ? 1 : (s->size - 1) / s->part_size + 1;
	if (n > EC_SPLIT_MAX_PARTS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: %llu parts of %llu bytes, at most %d; choose a "
		    "larger size", s->path, (unsigned long long)n,
		    (unsigned long long)s->part_size, EC_SPLIT_MAX_PARTS);
	s->n = (unsigned)n;
	/* One digest a part, and the whole file's after them. */
	if ((s->hex = calloc(s->n + 1, sizeof(*s->hex))) == NULL ||
	    (s->chunk = malloc(SPLIT_CHUNK)) == NULL)
		return ec_err_nomem(err);
	return split_conflicts(s, err);
}

/* Write the manifest and, with a signer, its DSSE envelope. */
static int
split_seal(struct ec_split_result *out, const struct split *s,
    const struct ec_signer *signer, struct ec_err *err)
{
	struct ec_buf	m, env;
	int		rc = -1;

	ec_buf_init(&m, EC_SPLIT_MAX_MANIFEST);
	ec_buf_init(&env, 2 * EC_SPLIT_MAX_MANIFEST);
	split_path(out->manifest, s, 0, EC_SPLIT_MANIFEST_SUFFIX);
	out->envelope[0] = '\0';
	if (split_manifest(&m, s, err) == -1 ||
	    split_write_small(out->manifest, m.data, m.len, err) == -1)
		goto out;
	if (signer != NULL) {
		split_path(out->envelope, s, 0, EC_SPLIT_DSSE_SUFFIX);
		if (ec_dsse_sign(&env, EC_SPLIT_PAYLOAD_TYPE, m.data, m.len,
		    &signer, 1, err) == -1 ||
		    split_write_small(out->envelope, env.data, env.len,
		    err) == -1) {
			(void)unlink(out->manifest);
			out->envelope[0] = '\0';
			goto out;
		}
	}
	rc = 0;
out:
	ec_buf_dispose(&m);
	ec_buf_dispose(&env);
	return rc;
}

int
ec_split_file(struct ec_split_result *out, const char *path,
    uint64_t part_size, const char *out_dir, const struct ec_signer *signer,
    struct ec_err *err)
{
	struct split	s;
	uint8_t		d[EC_SHA256_LEN];
	char		part[PATH_MAX];
	size_t		extra;
	unsigned	i;
	int		rc = -1;

	memset(&s, 0, sizeof(s));
	s.path = path;
	s.fd = -1;
	s.part_size = part_size;
	ec_sha256_init(&s.whole);
	if (part_size < EC_SPLIT_MIN_PART || part_size > EC_SPLIT_MAX_PART) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "part size %llu: 1K to 1T",
		    (unsigned long long)part_size);
		goto out;
	}
	if (split_plan(&s, out_dir, err) == -1)
		goto out;
	for (i = 1; i <= s.n; i++)
		if (split_part(&s, i, err) == -1)
			goto out;
	if (ec_file_read_full(&extra, s.fd, s.chunk, 1, path, err) == -1)
		goto out;
	if (extra != 0) {
		(void)ec_err_set(err, EC_ERR_IO, "%s: grew while being split",
		    path);
		goto out;
	}
	ec_sha256_final(d, &s.whole);
	ec_hex_encode(s.hex[s.n], d, sizeof(d));
	if (split_seal(out, &s, signer, err) == -1)
		goto out;
	out->size = s.size;
	out->parts = s.n;
	memcpy(out->sha256, s.hex[s.n], EC_SHA256_HEX);
	rc = 0;
out:
	/* Some parts without a manifest would only mislead. */
	for (i = 1; rc == -1 && i <= s.done; i++) {
		split_path(part, &s, i, NULL);
		(void)unlink(part);
	}
	if (s.fd != -1)
		(void)close(s.fd);
	free(s.hex);
	free(s.chunk);
	return rc;
}
