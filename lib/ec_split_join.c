/* ec_split_join: the parts manifest read, and the parts joined back. */
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
#include "ec_split.h"
#include "ec_split_int.h"

/* Integers carried by JSON numbers must survive a double (2^53). */
#define SPLIT_MAX_JSON_INT	9007199254740992.0

struct split_ent {
	uint64_t	size;
	char		sha256[EC_SHA256_HEX];
};

struct ec_split_manifest {
	char			 name[SPLIT_MAX_NAME + 1];
	uint64_t		 size, part_size;
	char			 sha256[EC_SHA256_HEX];
	unsigned		 n;
	struct split_ent	*parts;		/* owned, n of them */
};

static int
man_fault(struct ec_err *err, const char *what)
{
	return ec_err_set(err, EC_ERR_VERIFY, "malformed parts manifest: %s",
	    what);
}

/* Only the members we write: anything else is refused. */
static int
man_members(const json_t *o, const char *const *allowed, size_t n,
    struct ec_err *err)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	if (!json_is_object(o) || json_object_size(o) != n)
		return man_fault(err, "members missing or unknown");
	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; i < n && strcmp(k, allowed[i]) != 0; i++)
			continue;
		if (i == n)
			return man_fault(err, "unknown member");
	}
	return 0;
}

static int
man_u64(uint64_t *out, const json_t *o, const char *key, struct ec_err *err)
{
	json_t	*v = json_object_get(o, key);
	double	 d;

	if (!json_is_number(v) || (d = json_number_value(v)) < 0 ||
	    d > SPLIT_MAX_JSON_INT || (double)(uint64_t)d != d)
		return man_fault(err, "sizes must be integers");
	*out = (uint64_t)d;
	return 0;
}

static int
man_hex(char out[EC_SHA256_HEX], const json_t *o, struct ec_err *err)
{
	const char	*s = json_string_value(json_object_get(o, "sha256"));
	size_t		 i;

	if (s == NULL || strlen(s) != EC_SHA256_HEX - 1)
		return man_fault(err, "sha256 must be 64 hex digits");
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return man_fault(err, "sha256 must be lowercase hex");
	memcpy(out, s, EC_SHA256_HEX);
	return 0;
}

/* Part "i" (1-based): index, name and size follow from the file's. */
static int
man_part(struct ec_split_manifest *m, const json_t *p, unsigned i,
    struct ec_err *err)
{
	static const char *const	keys[] = { "index", "name", "sha256",
					    "size" };
	const char			*name;
	char				 want[PATH_MAX];
	uint64_t			 idx, size, expect;

	if (man_members(p, keys, 4, err) == -1 ||
	    man_u64(&idx, p, "index", err) == -1 ||
	    man_u64(&size, p, "size", err) == -1 ||
	    man_hex(m->parts[i - 1].sha256, p, err) == -1)
		return -1;
	(void)snprintf(want, sizeof(want), SPLIT_PART_FMT, m->name, i);
	name = json_string_value(json_object_get(p, "name"));
	if (idx != i || name == NULL || strcmp(name, want) != 0)
		return man_fault(err, "parts out of order or misnamed");
	expect = i < m->n ? m->part_size : m->size - (uint64_t)(i - 1) *
	    m->part_size;
	if (size != expect)
		return man_fault(err, "part sizes do not add up");
	m->parts[i - 1].size = size;
	return 0;
}

static int
man_fill(struct ec_split_manifest *m, const json_t *doc, struct ec_err *err)
{
	static const char *const	keys[] = { "name", "partSize", "parts",
					    "schemaVersion", "sha256",
					    "size" };
	const char			*name;
	json_t				*parts;
	uint64_t			 schema, n;
	unsigned			 i;

	if (man_members(doc, keys, 6, err) == -1 ||
	    man_u64(&schema, doc, "schemaVersion", err) == -1 ||
	    man_u64(&m->size, doc, "size", err) == -1 ||
	    man_u64(&m->part_size, doc, "partSize", err) == -1 ||
	    man_hex(m->sha256, doc, err) == -1)
		return -1;
	if (schema != SPLIT_SCHEMA)
		return man_fault(err, "schemaVersion is not 1");
	name = json_string_value(json_object_get(doc, "name"));
	if (name == NULL || !ec_file_name_ok(name, SPLIT_MAX_NAME))
		return man_fault(err, "name is not a plain file name");
	(void)snprintf(m->name, sizeof(m->name), "%s", name);
	if (m->part_size < EC_SPLIT_MIN_PART ||
	    m->part_size > EC_SPLIT_MAX_PART)
		return man_fault(err, "partSize out of range");
	n = m->size == 0 ? 1 : (m->size - 1) / m->part_size + 1;
	parts = json_object_get(doc, "parts");
	if (n > EC_SPLIT_MAX_PARTS || !json_is_array(parts) ||
	    json_array_size(parts) != n)
		return man_fault(err, "part count does not match the sizes");
	m->n = (unsigned)n;
	if ((m->parts = calloc(m->n, sizeof(*m->parts))) == NULL)
		return ec_err_nomem(err);
	for (i = 1; i <= m->n; i++)
		if (man_part(m, json_array_get(parts, i - 1), i, err) == -1)
			return -1;
	return 0;
}

int
ec_split_manifest_parse(struct ec_split_manifest **out, const char *data,
    size_t len, struct ec_err *err)
{
	struct ec_split_manifest	*m;
	json_t				*doc;
	int				 rc;

	if (len > EC_SPLIT_MAX_MANIFEST)
		return man_fault(err, "larger than 4 MiB");
	if ((doc = ec_canon_parse(data, len, err)) == NULL) {
		if (err != NULL && err->code == EC_ERR_NOMEM)
			return -1;
		return man_fault(err, "not JSON");
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		json_decref(doc);
		return ec_err_nomem(err);
	}
	rc = man_fill(m, doc, err);
	json_decref(doc);
	if (rc == -1) {
		ec_split_manifest_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

const char *
ec_split_manifest_name(const struct ec_split_manifest *m)
{
	return m->name;
}

uint64_t
ec_split_manifest_size(const struct ec_split_manifest *m)
{
	return m->size;
}

unsigned
ec_split_manifest_parts(const struct ec_split_manifest *m)
{
	return m->n;
}

void
ec_split_manifest_free(struct ec_split_manifest *m)
{
	if (m == NULL)
		return;
	free(m->parts);
	free(m);
}

/* Joining ------------------------------------------------------------- */

struct join {
	struct ec_split_manifest	*m;
	const char *const		*paths;		/* borrowed */
	size_t				*order;		/* owned: part -> path */
	struct ec_file_out		 f;
	struct ec_sha256		 whole;
	uint8_t				*chunk;		/* owned */
};

static const char *
join_base(const char *path)
{
	const char	*slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/* The part number in a name "NAME.partNNNN", or 0 if it is not one. */
static unsigned
join_part_no(const char *base, const char *name)
{
	size_t		nl = strlen(name), i;
	unsigned	v = 0;

	if (strncmp(base, name, nl) != 0 || strncmp(base + nl, ".part", 5) != 0
	    || strlen(base + nl + 5) != 4)
		return 0;
	for (i = nl + 5; base[i] != '\0'; i++) {
		if (base[i] < '0' || base[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(base[i] - '0');
	}
	return v;
}

/* Which argument is which part: each one once, none missing. */
static int
join_map(struct join *j, size_t n, struct ec_err *err)
{
	struct ec_split_manifest	*m = j->m;
	unsigned			 k;
	size_t				 i;

	if ((j->order = malloc(m->n * sizeof(*j->order))) == NULL)
		return ec_err_nomem(err);
	for (k = 0; k < m->n; k++)
		j->order[k] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		k = join_part_no(join_base(j->paths[i]), m->name);
		if (k == 0 || k > m->n)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "%s is not a part of %s (%u parts; from another "
			    "bundle?)", j->paths[i], m->name, m->n);
		if (j->order[k - 1] != SIZE_MAX)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "part %u given twice: %s and %s", k,
			    j->paths[j->order[k - 1]], j->paths[i]);
		j->order[k - 1] = i;
	}
	for (k = 0; k < m->n; k++)
		if (j->order[k] == SIZE_MAX)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "missing part %u of %u (" SPLIT_PART_FMT ")",
			    k + 1, m->n, m->name, k + 1);
	return 0;
}

/* Copy part "k" (0-based) to the output, checking size and digest. */
static int
join_part(struct join *j, unsigned k, struct ec_err *err)
{
	const struct split_ent	*e = &j->m->parts[k];
	const char		*path = j->paths[j->order[k]];
	struct ec_sha256	 h;
	uint8_t			 d[EC_SHA256_LEN];
	char			 hex[EC_SHA256_HEX];
	uint64_t		 total = 0;
	size_t			 got;
	int			 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	ec_sha256_init(&h);
	for (;;) {
		if (ec_file_read_full(&got, fd, j->chunk, SPLIT_CHUNK, path,
		    err) == -1)
			goto out;
		if (got == 0)
			break;
		total += got;
		/* Stop early at a part longer than the manifest says. */
		if (total > e->size)
			break;
		ec_sha256_update(&h, j->chunk, got);
		ec_sha256_update(&j->whole, j->chunk, got);
		if (ec_file_out_write(&j->f, j->chunk, got, err) == -1)
			goto out;
	}
	if (total != e->size) {
		(void)ec_err_set(err, EC_ERR_VERIFY, "%s is damaged or from "
		    "another split: %s%llu bytes, the manifest says %llu", path,
		    total > e->size ? "more than " : "",
		    (unsigned long long)(total > e->size ? e->size : total),
		    (unsigned long long)e->size);
		goto out;
	}
	ec_sha256_final(d, &h);
	ec_hex_encode(hex, d, sizeof(d));
	if (strcmp(hex, e->sha256) != 0) {
		(void)ec_err_set(err, EC_ERR_VERIFY, "%s is damaged or from "
		    "another split: sha256 does not match the manifest", path);
		goto out;
	}
	rc = 0;
out:
	(void)close(fd);
	return rc;
}

/*
 * The manifest: NAME.split.json beside the first part unless named; with
 * a key, the payload of the DSSE envelope, trusted only once verified.
 */
static int
join_manifest(struct join *j, const char *first, const char *manifest_path,
    const struct ec_verifier *key, struct ec_err *err)
{
	struct ec_buf	 payload;
	uint8_t		*data = NULL;
	const char	*base = join_base(first);
	char		 path[PATH_MAX];
	size_t		 len = strlen(base), cut = strlen(first) - 9;
	int		 rc = -1;

	ec_buf_init(&payload, EC_SPLIT_MAX_MANIFEST);
	/* NAME.partNNNN: the suffix is the last 9 characters. */
	if (manifest_path != NULL)
		(void)snprintf(path, sizeof(path), "%s", manifest_path);
	else if (len <= 9 || strncmp(base + len - 9, ".part", 5) != 0 ||
	    snprintf(path, sizeof(path), "%.*s%s", (int)cut, first,
	    key != NULL ? EC_SPLIT_DSSE_SUFFIX : EC_SPLIT_MANIFEST_SUFFIX) >=
	    (int)sizeof(path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: not a part file (NAME.partNNNN); name the manifest",
		    first);
	if (ec_file_read_small(&data, &len, path, 2 * EC_SPLIT_MAX_MANIFEST,
	    err) == -1)
		goto out;
	if (key != NULL && ec_dsse_verify(&payload, (const char *)data, len,
	    EC_SPLIT_PAYLOAD_TYPE, key, err) == -1) {
		(void)ec_err_prefix(err, "%s", path);
		goto out;
	}
	if (key != NULL)
		rc = ec_split_manifest_parse(&j->m, payload.data, payload.len,
		    err);
	else
		rc = ec_split_manifest_parse(&j->m, (const char *)data, len,
		    err);
	if (rc == -1)
		(void)ec_err_prefix(err, "%s", path);
out:
	free(data);
	ec_buf_dispose(&payload);
	return rc;
}

int
ec_split_join(struct ec_join_result *out, const char *out_path,
    const char *const *parts, size_t n, const char *manifest_path,
    const struct ec_verifier *key, struct ec_err *err)
{
	struct join	j;
	uint8_t		d[EC_SHA256_LEN];
	unsigned	k;
	int		rc = -1;

	memset(&j, 0, sizeof(j));
	j.paths = parts;
	j.f.fd = -1;
	ec_sha256_init(&j.whole);
	if (n == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "no parts");
	if (join_manifest(&j, parts[0], manifest_path, key, err) == -1 ||
	    join_map(&j, n, err) == -1 ||
	    ec_file_out_open(&j.f, out_path, 0644, err) == -1)
		goto out;
	if ((j.chunk = malloc(SPLIT_CHUNK)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	for (k = 0; k < j.m->n; k++)
		if (join_part(&j, k, err) == -1)
			goto out;
	ec_sha256_final(d, &j.whole);
	ec_hex_encode(out->sha256, d, sizeof(d));
	/* Parts that each match cannot give another whole; check anyway. */
	if (strcmp(out->sha256, j.m->sha256) != 0) {
		(void)ec_err_set(err, EC_ERR_VERIFY, "the joined file's sha256 "
		    "does not match the manifest");
		goto out;
	}
	if (ec_file_out_commit(&j.f, err) == -1)
		goto out;
	out->size = j.m->size;
	out->parts = j.m->n;
	out->signed_ = key != NULL;
	rc = 0;
out:
	ec_file_out_dispose(&j.f);
	ec_split_manifest_free(j.m);
	free(j.order);
	free(j.chunk);
	return rc;
}
