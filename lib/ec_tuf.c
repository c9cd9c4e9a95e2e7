/*
 * ec_tuf: TUF canonical JSON, keys and signatures, and the four top-level
 * roles of one repository version.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "ec_canon.h"
#include "ec_file.h"
#include "ec_time.h"
#include "ec_tuf.h"

/* SubjectPublicKeyInfo of an Ed25519 key: this prefix, then 32 bytes. */
static const uint8_t	tuf_ed25519_spki[12] = { 0x30, 0x2a, 0x30, 0x05,
			    0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00 };

static const char *const	tuf_role_names[EC_TUF_ROLES] = { "root",
				    "targets", "snapshot", "timestamp" };

static int	tuf_canon_value(struct ec_buf *, const json_t *, int,
		    struct ec_err *);

static int
tuf_canon_string(struct ec_buf *out, const char *s, struct ec_err *err)
{
	const char	*p;

	if (ec_buf_addc(out, '"', err) == -1)
		return -1;
	for (p = s; *p != '\0'; p++) {
		/* Raw control bytes would not be JSON; see ec_tuf.h. */
		if (*p < 0x20 || *p > 0x7e)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "TUF canonical JSON: only printable ASCII strings");
		if ((*p == '"' || *p == '\\') && ec_buf_addc(out, '\\',
		    err) == -1)
			return -1;
		if (ec_buf_addc(out, *p, err) == -1)
			return -1;
	}
	return ec_buf_addc(out, '"', err);
}

static int
tuf_canon_object(struct ec_buf *out, const json_t *v, int depth,
    struct ec_err *err)
{
	const char	**keys;
	size_t		  n, i;
	int		  rc = -1;

	/* Byte order; for ASCII names that is securesystemslib's order. */
	if (ec_canon_sorted_keys(&keys, &n, v, err) == -1)
		return -1;
	if (ec_buf_addc(out, '{', err) == -1)
		goto out;
	for (i = 0; i < n; i++)
		if ((i > 0 && ec_buf_addc(out, ',', err) == -1) ||
		    tuf_canon_string(out, keys[i], err) == -1 ||
		    ec_buf_addc(out, ':', err) == -1 ||
		    tuf_canon_value(out, json_object_get(v, keys[i]), depth + 1,
		    err) == -1)
			goto out;
	rc = ec_buf_addc(out, '}', err);
out:
	free(keys);
	return rc;
}

static int
tuf_canon_value(struct ec_buf *out, const json_t *v, int depth,
    struct ec_err *err)
{
	size_t	i;

	if (depth > EC_TUF_MAX_DEPTH)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "TUF canonical JSON: nested deeper than %d",
		    EC_TUF_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return tuf_canon_object(out, v, depth, err);
	case JSON_ARRAY:
		if (ec_buf_addc(out, '[', err) == -1)
			return -1;
		for (i = 0; i < json_array_size(v); i++)
			if ((i > 0 && ec_buf_addc(out, ',', err) == -1) ||
			    tuf_canon_value(out, json_array_get(v, i),
			    depth + 1, err) == -1)
				return -1;
		return ec_buf_addc(out, ']', err);
	case JSON_STRING:
		if (strlen(json_string_value(v)) != json_string_length(v))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "TUF canonical JSON: NUL in a string");
		return tuf_canon_string(out, json_string_value(v), err);
	case JSON_INTEGER:
		return ec_buf_addf(out, err, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
	case JSON_TRUE:
		return ec_buf_adds(out, "true", err);
	case JSON_FALSE:
		return ec_buf_adds(out, "false", err);
	case JSON_NULL:
		return ec_buf_adds(out, "null", err);
	default:
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "TUF canonical JSON: no floating-point numbers");
	}
}

int
ec_tuf_canon(struct ec_buf *out, const json_t *v, struct ec_err *err)
{
	size_t	start = out->len;

	if (tuf_canon_value(out, v, 1, err) == -1) {
		ec_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
ec_tuf_key(json_t **key_out, char keyid_out[EC_TUF_KEYID_SIZE],
    const struct ec_signer *s, struct ec_err *err)
{
	gnutls_datum_t	 pem, der = { NULL, 0 };
	struct ec_buf	 b, c;
	json_t		*key = NULL;
	char		 hex[65];
	int		 rc = -1;

	if (ec_signer_type(s) != EC_KEY_ED25519)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "TUF keys: only Ed25519 is supported");
	ec_buf_init(&b, 4096);
	ec_buf_init(&c, 4096);
	if (ec_signer_pubkey_pem(&b, s, err) == -1)
		goto out;
	pem.data = (unsigned char *)b.data;
	pem.size = (unsigned)b.len;
	if (gnutls_pem_base64_decode2("PUBLIC KEY", &pem, &der) < 0 ||
	    der.size != sizeof(tuf_ed25519_spki) + 32 ||
	    memcmp(der.data, tuf_ed25519_spki, sizeof(tuf_ed25519_spki)) != 0) {
		(void)ec_err_set(err, EC_ERR_CRYPTO,
		    "TUF keys: unexpected Ed25519 public key encoding");
		goto out;
	}
	ec_hex_encode(hex, der.data + sizeof(tuf_ed25519_spki), 32);
	key = json_pack("{s:s, s:{s:s}, s:s}", "keytype", "ed25519",
	    "keyval", "public", hex, "scheme", "ed25519");
	if (key == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	/* TUF 4.2: the key id is the SHA-256 of the canonical key object. */
	if (ec_tuf_canon(&c, key, err) == -1)
		goto out;
	ec_sha256_hex(keyid_out, c.data, c.len);
	*key_out = key;
	key = NULL;
	rc = 0;
out:
	json_decref(key);
	gnutls_free(der.data);
	ec_buf_dispose(&b);
	ec_buf_dispose(&c);
	return rc;
}

int
ec_tuf_sign(struct ec_buf *out, const json_t *signed_,
    const struct ec_signer *const *signers, size_t n, struct ec_err *err)
{
	struct ec_buf	 canon, sig;
	json_t		*doc = NULL, *sigs, *key;
	char		 keyid[EC_TUF_KEYID_SIZE], *hex = NULL;
	size_t		 i;
	int		 rc = -1;

	ec_buf_init(&canon, out->max);
	ec_buf_init(&sig, 1024);
	if ((doc = json_pack("{s:[], s:O}", "signatures", "signed",
	    signed_)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	sigs = json_object_get(doc, "signatures");
	if (ec_tuf_canon(&canon, signed_, err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		ec_buf_reset(&sig);
		if (ec_tuf_key(&key, keyid, signers[i], err) == -1)
			goto out;
		json_decref(key);
		if (ec_signer_sign(&sig, signers[i], canon.data, canon.len,
		    err) == -1)
			goto out;
		if ((hex = malloc(2 * sig.len + 1)) == NULL) {
			(void)ec_err_nomem(err);
			goto out;
		}
		ec_hex_encode(hex, (const uint8_t *)sig.data, sig.len);
		if (json_array_append_new(sigs, json_pack("{s:s, s:s}",
		    "keyid", keyid, "sig", hex)) == -1) {
			(void)ec_err_nomem(err);
			goto out;
		}
		free(hex);
		hex = NULL;
	}
	rc = ec_tuf_canon(out, doc, err);
out:
	free(hex);
	json_decref(doc);
	ec_buf_dispose(&canon);
	ec_buf_dispose(&sig);
	return rc;
}

/* Repository ---------------------------------------------------------- */

static int
tuf_expires(json_t *o, int64_t secs, struct ec_err *err)
{
	char	when[EC_TIME_MAX];

	/* "YYYY-MM-DDTHH:MM:SSZ": whole seconds print without a fraction. */
	ec_time_format(when, secs * 1000000);
	if (json_object_set_new(o, "expires", json_string(when)) == -1)
		return ec_err_nomem(err);
	return 0;
}

/* The common members of every role's "signed". */
static json_t *
tuf_signed_new(enum ec_tuf_role role, uint64_t version, int64_t expires,
    struct ec_err *err)
{
	json_t	*o;

	o = json_pack("{s:s, s:s, s:I}", "_type", tuf_role_names[role],
	    "spec_version", EC_TUF_SPEC_VERSION, "version",
	    (json_int_t)version);
	if (o == NULL) {
		(void)ec_err_nomem(err);
		return NULL;
	}
	if (tuf_expires(o, expires, err) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *
tuf_root(const struct ec_tuf_repo *r, struct ec_err *err)
{
	json_t		*o, *keys, *roles, *ids, *key;
	char		 keyid[EC_TUF_KEYID_SIZE];
	size_t		 i;
	int		 role;

	if ((o = tuf_signed_new(EC_TUF_ROOT, r->root_version,
	    r->expires[EC_TUF_ROOT], err)) == NULL)
		return NULL;
	keys = json_object();
	roles = json_object();
	if (json_object_set_new(o, "keys", keys) == -1 ||
	    json_object_set_new(o, "roles", roles) == -1 ||
	    json_object_set_new(o, "consistent_snapshot", json_true()) == -1)
		goto nomem;
	for (role = 0; role < EC_TUF_ROLES; role++) {
		ids = json_array();
		if (json_object_set_new(roles, tuf_role_names[role],
		    json_pack("{s:o, s:i}", "keyids", ids, "threshold",
		    (int)r->threshold[role])) == -1)
			goto nomem;
		for (i = 0; i < r->n_keys[role]; i++) {
			if (ec_tuf_key(&key, keyid, r->keys[role][i],
			    err) == -1)
				goto fail;
			if (json_object_set_new(keys, keyid, key) == -1 ||
			    json_array_append_new(ids,
			    json_string(keyid)) == -1)
				goto nomem;
		}
	}
	return o;
nomem:
	(void)ec_err_nomem(err);
fail:
	json_decref(o);
	return NULL;
}

/* One entry of "targets"; NULL when out of memory. */
static json_t *
tuf_target(const struct ec_tuf_target *t)
{
	if (t->plain_sha256[0] == '\0')
		return json_pack("{s:{s:s}, s:I}", "hashes", "sha256",
		    t->sha256, "length", (json_int_t)t->length);
	return json_pack("{s:{s:s}, s:I, s:{s:{s:{s:s}, s:I}}}", "hashes",
	    "sha256", t->sha256, "length", (json_int_t)t->length, "custom",
	    "plaintext", "hashes", "sha256", t->plain_sha256, "length",
	    (json_int_t)t->plain_length);
}

static json_t *
tuf_targets(const struct ec_tuf_repo *r, struct ec_err *err)
{
	json_t	*o, *t;
	size_t	 i;

	if ((o = tuf_signed_new(EC_TUF_TARGETS, r->version,
	    r->expires[EC_TUF_TARGETS], err)) == NULL)
		return NULL;
	if ((t = json_object()) == NULL ||
	    json_object_set_new(o, "targets", t) == -1)
		goto nomem;
	for (i = 0; i < r->n_targets; i++)
		if (json_object_set_new(t, r->targets[i].path,
		    tuf_target(&r->targets[i])) == -1)
			goto nomem;
	return o;
nomem:
	json_decref(o);
	(void)ec_err_nomem(err);
	return NULL;
}

/* Snapshot or timestamp: "meta" names one file by version, length, hash. */
static json_t *
tuf_meta_role(const struct ec_tuf_repo *r, enum ec_tuf_role role,
    const char *file, const struct ec_buf *bytes, struct ec_err *err)
{
	json_t	*o;
	char	 hex[EC_SHA256_HEX];

	if ((o = tuf_signed_new(role, r->version, r->expires[role],
	    err)) == NULL)
		return NULL;
	ec_sha256_hex(hex, bytes->data, bytes->len);
	if (json_object_set_new(o, "meta", json_pack("{s:{s:{s:s}, s:I, s:I}}",
	    file, "hashes", "sha256", hex, "length", (json_int_t)bytes->len,
	    "version", (json_int_t)r->version)) == -1) {
		json_decref(o);
		(void)ec_err_nomem(err);
		return NULL;
	}
	return o;
}

static int
tuf_check(const struct ec_tuf_repo *r, struct ec_err *err)
{
	size_t	i;
	int	role;

	if (r->root_version == 0 || r->version == 0 ||
	    r->n_targets > EC_TUF_MAX_TARGETS ||
	    r->n_old_root_keys > EC_TUF_MAX_KEYS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "TUF: versions start at 1; at most %d targets and %d old "
		    "root keys", EC_TUF_MAX_TARGETS, EC_TUF_MAX_KEYS);
	for (role = 0; role < EC_TUF_ROLES; role++) {
		if (r->n_keys[role] == 0 || r->n_keys[role] > EC_TUF_MAX_KEYS ||
		    r->threshold[role] == 0 ||
		    r->threshold[role] > r->n_keys[role])
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "TUF %s role: 1 to %d keys and a threshold of 1 to "
			    "the number of keys", tuf_role_names[role],
			    EC_TUF_MAX_KEYS);
	}
	for (i = 0; i < r->n_targets; i++)
		if (strlen(r->targets[i].path) == 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "TUF: empty target path");
	return 0;
}

/* True when the file "path" holds exactly the bytes of "b". */
static bool
tuf_same(const char *path, const struct ec_buf *b)
{
	struct ec_err	 e;
	uint8_t		*data;
	size_t		 len;
	bool		 same;

	if (ec_file_read_small(&data, &len, path, b->len, &e) == -1)
		return false;
	same = len == b->len && memcmp(data, b->data, len) == 0;
	free(data);
	return same;
}

/*
 * Sign with the role's keys; a root also with the old root's keys, each
 * key once (one signature per key id, spec 4.2).
 */
static int
tuf_sign_role(struct ec_buf *out, const json_t *signed_,
    const struct ec_tuf_repo *r, enum ec_tuf_role role, struct ec_err *err)
{
	const struct ec_signer	*all[2 * EC_TUF_MAX_KEYS];
	size_t			 n = 0, i, j;

	for (i = 0; i < r->n_keys[role]; i++)
		all[n++] = r->keys[role][i];
	for (i = 0; role == EC_TUF_ROOT && i < r->n_old_root_keys; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(ec_signer_keyid(all[j]),
			    ec_signer_keyid(r->old_root_keys[i])) == 0)
				break;
		if (j == n)
			all[n++] = r->old_root_keys[i];
	}
	return ec_tuf_sign(out, signed_, all, n, err);
}

/* Sign "signed" (stolen) for "role" into "out", which is reset. */
static int
tuf_put(struct ec_buf *out, json_t *signed_, const struct ec_tuf_repo *r,
    enum ec_tuf_role role, struct ec_err *err)
{
	int	rc;

	ec_buf_reset(out);
	if (signed_ == NULL)
		return -1;
	rc = tuf_sign_role(out, signed_, r, role, err);
	json_decref(signed_);
	return rc;
}

int
ec_tuf_render(struct ec_buf out[EC_TUF_ROLES], const struct ec_tuf_repo *r,
    struct ec_err *err)
{
	if (tuf_check(r, err) == -1 ||
	    tuf_put(&out[EC_TUF_ROOT], tuf_root(r, err), r, EC_TUF_ROOT,
	    err) == -1 ||
	    tuf_put(&out[EC_TUF_TARGETS], tuf_targets(r, err), r,
	    EC_TUF_TARGETS, err) == -1 ||
	    tuf_put(&out[EC_TUF_SNAPSHOT], tuf_meta_role(r, EC_TUF_SNAPSHOT,
	    "targets.json", &out[EC_TUF_TARGETS], err), r, EC_TUF_SNAPSHOT,
	    err) == -1 ||
	    tuf_put(&out[EC_TUF_TIMESTAMP], tuf_meta_role(r,
	    EC_TUF_TIMESTAMP, "snapshot.json", &out[EC_TUF_SNAPSHOT], err), r,
	    EC_TUF_TIMESTAMP, err) == -1)
		return -1;
	return 0;
}

/* Write DIR/name with "bytes"; replace: atomically over an old one. */
static int
tuf_file(const char *dir, const char *name, const struct ec_buf *bytes,
    bool replace, bool root, struct ec_err *err)
{
	struct ec_file_out	f;
	char			path[PATH_MAX];
	int			rc = -1;

	f.fd = -1;
	f.tmp[0] = '\0';
	f.committed = false;
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: path too long", dir);
	if ((replace ? ec_file_out_open_replace(&f, path, 0644, err) :
	    ec_file_out_open(&f, path, 0644, err)) == -1 ||
	    ec_file_out_write(&f, bytes->data, bytes->len, err) == -1 ||
	    ec_file_out_commit(&f, err) == -1) {
		/* A new version under the same root: that root is kept. */
		if (root && err != NULL && err->code == EC_ERR_CONFLICT &&
		    tuf_same(path, bytes))
			rc = 0;
		goto out;
	}
	rc = 0;
out:
	ec_file_out_dispose(&f);
	return rc;
}

/*
 * Refuse a version that exists before writing anything (the root, written
 * first, is checked when it is written: an identical one is kept).
 */
static int
tuf_taken(const char *dir, uint64_t version, const char *role,
    struct ec_err *err)
{
	struct stat	st;
	char		path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%" PRIu64 ".%s.json", dir,
	    version, role) >= (int)sizeof(path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: path too long", dir);
	if (lstat(path, &st) == 0)
		return ec_err_set(err, EC_ERR_CONFLICT,
		    "%s already exists; not overwriting it", path);
	return 0;
}

int
ec_tuf_write(const char *metadata_dir, const struct ec_tuf_repo *r,
    struct ec_err *err)
{
	struct ec_buf	b[EC_TUF_ROLES];
	char		name[64];
	int		role, rc = -1;

	for (role = 0; role < EC_TUF_ROLES; role++)
		ec_buf_init(&b[role], 256 * 1024 * 1024);
	if (tuf_check(r, err) == -1 ||
	    tuf_taken(metadata_dir, r->version, "targets", err) == -1 ||
	    tuf_taken(metadata_dir, r->version, "snapshot", err) == -1 ||
	    ec_tuf_render(b, r, err) == -1)
		goto out;
	if (mkdir(metadata_dir, 0755) == -1 && errno != EEXIST) {
		(void)ec_err_set(err, EC_ERR_IO, "%s: %s", metadata_dir,
		    strerror(errno));
		goto out;
	}
	(void)snprintf(name, sizeof(name), "%" PRIu64 ".root.json",
	    r->root_version);
	if (tuf_file(metadata_dir, name, &b[EC_TUF_ROOT], false, true,
	    err) == -1)
		goto out;
	(void)snprintf(name, sizeof(name), "%" PRIu64 ".targets.json",
	    r->version);
	if (tuf_file(metadata_dir, name, &b[EC_TUF_TARGETS], false, false,
	    err) == -1)
		goto out;
	(void)snprintf(name, sizeof(name), "%" PRIu64 ".snapshot.json",
	    r->version);
	if (tuf_file(metadata_dir, name, &b[EC_TUF_SNAPSHOT], false, false,
	    err) == -1 ||
	    tuf_file(metadata_dir, "timestamp.json", &b[EC_TUF_TIMESTAMP],
	    true, false, err) == -1)
		goto out;
	rc = 0;
out:
	for (role = 0; role < EC_TUF_ROLES; role++)
		ec_buf_dispose(&b[role]);
	return rc;
}

/* Copy "path" to "dest" through a hidden temporary. */
static int
tuf_copy(const char *dest, const char *path, struct ec_err *err)
{
	struct ec_file_out	 f;
	uint8_t			*chunk = NULL;
	size_t			 got;
	int			 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	if (ec_file_out_open(&f, dest, 0644, err) == -1)
		goto out;
	if ((chunk = malloc(65536)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	do {
		if (ec_file_read_full(&got, fd, chunk, 65536, path, err) == -1 ||
		    ec_file_out_write(&f, chunk, got, err) == -1)
			goto out;
	} while (got == 65536);
	rc = ec_file_out_commit(&f, err);
out:
	ec_file_out_dispose(&f);
	free(chunk);
	(void)close(fd);
	return rc;
}

bool
ec_tuf_target_name_ok(const char *path)
{
	const char	*slash = strrchr(path, '/');

	return ec_file_name_ok(slash != NULL ? slash + 1 : path,
	    EC_TUF_MAX_PATH);
}

int
ec_tuf_target_add(struct ec_tuf_target *out, const char *targets_dir,
    const char *path, struct ec_err *err)
{
	const char	*slash = strrchr(path, '/'), *name;
	uint8_t		 d[EC_SHA256_LEN];
	char		 dest[PATH_MAX];
	size_t		 len;
	int		 rc;

	name = slash != NULL ? slash + 1 : path;
	len = strlen(name);
	if (!ec_tuf_target_name_ok(path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: a target is 1 to %d of [A-Za-z0-9._-], not starting "
		    "with a dot", path, EC_TUF_MAX_PATH);
	if (mkdir(targets_dir, 0755) == -1 && errno != EEXIST)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", targets_dir,
		    strerror(errno));
	if (ec_sha256_file(d, &out->length, path, err) == -1)
		return -1;
	ec_hex_encode(out->sha256, d, sizeof(d));
	memcpy(out->path, name, len + 1);
	/* TUF 5.5.2 consistent snapshots: HASH.NAME beside the others. */
	if (snprintf(dest, sizeof(dest), "%s/%s.%s", targets_dir, out->sha256,
	    name) >= (int)sizeof(dest))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: path too long", targets_dir);
	rc = tuf_copy(dest, path, err);
	/* The name is the content's digest: an existing copy is this one. */
	if (rc == -1 && err != NULL && err->code == EC_ERR_CONFLICT)
		rc = 0;
	return rc;
}
