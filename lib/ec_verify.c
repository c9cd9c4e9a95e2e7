/* ec_verify: the offline checks, in the order ec_verify.h gives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_dsse.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_manifest.h"
#include "ec_prov.h"
#include "ec_verify.h"

/* The bundle's own metadata, kept in memory while reading. */
enum { META_MANIFEST, META_MANIFEST_DSSE, META_PROV, META_PROV_DSSE,
    META_CHECKSUMS, META_COUNT };

static const char *const meta_names[META_COUNT] = {
	EC_MANIFEST_NAME, EC_MANIFEST_DSSE_NAME, EC_PROV_NAME,
	EC_PROV_DSSE_NAME, EC_CHECKSUMS_NAME
};

struct verify_member {
	char		*name;		/* owned */
	uint8_t		 sha256[EC_SHA256_LEN];
	uint64_t	 size;
	bool		 listed;	/* seen in checksums.txt */
	bool		 covered;	/* a manifest item or metadata */
};

struct verify_state {
	struct verify_member	*m;	/* owned */
	size_t			 n;
	struct ec_buf		 meta[META_COUNT];
	bool			 have[META_COUNT];
	const struct ec_verifier *key;	/* borrowed; NULL: none given */
	struct ec_manifest	*mf;	/* owned; once manifest.json is read */
	bool			 env_checked;	/* manifest.dsse.json */
};

static int
verify_meta_index(const char *name)
{
	int	i;

	for (i = 0; i < META_COUNT; i++)
		if (strcmp(name, meta_names[i]) == 0)
			return i;
	return -1;
}

static uint64_t
verify_keep(void *arg, const char *name)
{
	(void)arg;
	return verify_meta_index(name) != -1 ? EC_MAX_META_BYTES : 0;
}

static int	verify_envelope(struct verify_state *, int, int, const char *,
		    const struct ec_verifier *, struct ec_err *);
static bool	verify_listed(struct ec_manifest *, const char *,
		    const char **, uint64_t *);

/*
 * manifest.json has been read, so from here on every member is held to it
 * at its tar header (verify_admit), before it is decompressed.  Its
 * envelope sorts before it (manifest.dsse.json < manifest.json), so with
 * a key the signature is checked first: a forged manifest fails here, and
 * a good one is what the gate trusts.
 */
static int
verify_gate_open(struct verify_state *st, struct ec_err *err)
{
	if (st->key != NULL && st->have[META_MANIFEST_DSSE]) {
		if (verify_envelope(st, META_MANIFEST_DSSE, META_MANIFEST,
		    EC_MANIFEST_PAYLOAD_TYPE, st->key, err) == -1)
			return -1;
		st->env_checked = true;
	}
	return ec_manifest_parse(&st->mf, st->meta[META_MANIFEST].data,
	    st->meta[META_MANIFEST].len, err);
}

/*
 * The gate.  Members before manifest.json (data/ sorts first) can only
 * be judged once it is read, so their work is bounded by the expansion
 * limit alone; every member after it that the manifest does not list, or
 * lists with another size, is refused here with nothing decompressed.
 */
static int
verify_admit(void *arg, const char *name, uint64_t size, struct ec_err *err)
{
	struct verify_state	*st = arg;
	const char		*sha;
	uint64_t		 want;

	if (st->mf == NULL || verify_meta_index(name) != -1)
		return 0;
	if (!verify_listed(st->mf, name, &sha, &want))
		return ec_err_set(err, EC_ERR_VERIFY, "%.200s: not listed in "
		    "manifest.json (refused at its tar header, before it was "
		    "decompressed)", name);
	if (size != want)
		return ec_err_set(err, EC_ERR_VERIFY, "%.200s: %llu bytes, "
		    "manifest.json says %llu (refused at its tar header, "
		    "before it was decompressed)", name,
		    (unsigned long long)size, (unsigned long long)want);
	return 0;
}

static int
verify_collect(void *arg, const struct ec_bundle_member *bm,
    struct ec_err *err)
{
	struct verify_state	*st = arg;
	struct verify_member	*m;
	int			 i;

	if ((m = reallocarray(st->m, st->n + 1, sizeof(*m))) == NULL)
		return ec_err_nomem(err);
	st->m = m;
	m = &st->m[st->n];
	memset(m, 0, sizeof(*m));
	if ((m->name = strdup(bm->name)) == NULL)
		return ec_err_nomem(err);
	memcpy(m->sha256, bm->sha256, EC_SHA256_LEN);
	m->size = bm->size;
	st->n++;
	if ((i = verify_meta_index(bm->name)) != -1) {
		m->covered = true;
		st->have[i] = true;
		if (ec_buf_add(&st->meta[i], bm->data, (size_t)bm->size,
		    err) == -1)
			return -1;
		if (i == META_MANIFEST)
			return verify_gate_open(st, err);
	}
	return 0;
}

static struct verify_member *
verify_find(struct verify_state *st, const char *name)
{
	size_t	i;

	for (i = 0; i < st->n; i++)
		if (strcmp(st->m[i].name, name) == 0)
			return &st->m[i];
	return NULL;
}

/*
 * A callee's refusal of the bundle's bytes (too large, malformed) is a
 * failed verification; running out of memory, I/O and internal errors are
 * the verifier's own and keep their codes, so exportctl exits 2, not 3.
 */
static void
verify_blame(struct ec_err *err)
{
	if (err != NULL && (err->code == EC_ERR_TOO_LARGE ||
	    err->code == EC_ERR_REQUEST_INVALID))
		err->code = EC_ERR_VERIFY;
}

/* One DSSE envelope over exactly the bytes of its metadata file. */
static int
verify_envelope(struct verify_state *st, int env, int body,
    const char *type, const struct ec_verifier *key, struct ec_err *err)
{
	struct ec_buf	payload;
	int		rc = -1;

	if (!st->have[env])
		return ec_err_set(err, EC_ERR_VERIFY, "%s is missing",
		    meta_names[env]);
	ec_buf_init(&payload, EC_MAX_META_BYTES);
	if (ec_dsse_verify(&payload, st->meta[env].data, st->meta[env].len,
	    type, key, err) == -1) {
		verify_blame(err);
		(void)ec_err_prefix(err, "%s", meta_names[env]);
		goto out;
	}
	if (payload.len != st->meta[body].len || (payload.len > 0 &&
	    memcmp(payload.data, st->meta[body].data, payload.len) != 0)) {
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "%s: signed payload differs from %s", meta_names[env],
		    meta_names[body]);
		goto out;
	}
	rc = 0;
out:
	ec_buf_dispose(&payload);
	return rc;
}

/*
 * What manifest.json says of "path": a data item, or one of its "files"
 * (metadata that is not a data item: oci-layout, index.json, TUF roles,
 * ...).  The manifest's paths are unique.  False when it is neither.
 */
static bool
verify_listed(struct ec_manifest *mf, const char *path, const char **sha_out,
    uint64_t *size_out)
{
	const struct ec_manifest_item	*it;
	const struct ec_manifest_file	*f;
	size_t				 i;

	for (i = 0; (it = ec_manifest_item(mf, i)) != NULL; i++)
		if (strcmp(it->path, path) == 0) {
			*sha_out = it->sha256;
			*size_out = it->size;
			return true;
		}
	for (i = 0; (f = ec_manifest_file(mf, i)) != NULL; i++)
		if (strcmp(f->path, path) == 0) {
			*sha_out = f->sha256;
			*size_out = f->size;
			return true;
		}
	return false;
}

/* Every listed path must be present with its digest and size. */
static int
verify_present(struct verify_state *st, const char *path, const char *sha,
    uint64_t size, struct ec_err *err)
{
	struct verify_member	*m;
	char			 hex[EC_SHA256_HEX];

	if ((m = verify_find(st, path)) == NULL)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%.200s: listed in manifest.json but missing", path);
	/* An item may name a metadata file; it must match too. */
	ec_hex_encode(hex, m->sha256, EC_SHA256_LEN);
	if (strcmp(hex, sha) != 0 || m->size != size)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%.200s: does not match manifest.json (sha256 or size)",
		    path);
	return 0;
}

static int
verify_manifest(struct ec_verify_result *out, struct verify_state *st,
    struct ec_err *err)
{
	const struct ec_manifest_item	*it;
	const struct ec_manifest_file	*f;
	struct ec_manifest		*mf;
	struct verify_member		*m;
	const char			*sha;
	char				 hex[EC_SHA256_HEX];
	uint64_t			 size;
	size_t				 i;

	/* Parsed when it was read (verify_gate_open). */
	if ((mf = st->mf) == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "manifest not parsed");
	/*
	 * Members in archive order, each against the now trusted manifest:
	 * the first one that is not listed or has another size or digest
	 * is named.
	 */
	for (i = 0; i < st->n; i++) {
		m = &st->m[i];
		if (m->covered)
			continue;
		if (!verify_listed(mf, m->name, &sha, &size)) {
			(void)ec_err_set(err, EC_ERR_VERIFY,
			    "%.200s: not listed in manifest.json", m->name);
			return -1;
		}
		ec_hex_encode(hex, m->sha256, EC_SHA256_LEN);
		if (m->size != size) {
			(void)ec_err_set(err, EC_ERR_VERIFY,
			    "%.200s: %llu bytes, manifest.json says %llu",
			    m->name, (unsigned long long)m->size,
			    (unsigned long long)size);
			return -1;
		}
		if (strcmp(hex, sha) != 0) {
			(void)ec_err_set(err, EC_ERR_VERIFY,
			    "%.200s: does not match manifest.json (sha256)",
			    m->name);
			return -1;
		}
	}
	for (i = 0; (it = ec_manifest_item(mf, i)) != NULL; i++)
		if (verify_present(st, it->path, it->sha256, it->size,
		    err) == -1)
			return -1;
	for (i = 0; (f = ec_manifest_file(mf, i)) != NULL; i++)
		if (verify_present(st, f->path, f->sha256, f->size,
		    err) == -1)
			return -1;
	out->items = ec_manifest_count(mf);
	(void)snprintf(out->run_id, sizeof(out->run_id), "%s",
	    ec_manifest_run_id(mf));
	(void)snprintf(out->profile, sizeof(out->profile), "%s",
	    ec_manifest_profile(mf));
	return 0;
}

static int
verify_lookup(void *arg, const char *name, uint8_t digest_out[EC_SHA256_LEN])
{
	struct verify_member	*m = verify_find(arg, name);

	if (m == NULL)
		return -1;
	memcpy(digest_out, m->sha256, EC_SHA256_LEN);
	return 0;
}

static int
verify_checksum(void *arg, const char *path,
    const uint8_t digest[EC_SHA256_LEN], struct ec_err *err)
{
	struct verify_member	*m = verify_find(arg, path);

	if (m == NULL || strcmp(path, EC_CHECKSUMS_NAME) == 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "checksums.txt: %.200s is not in the bundle", path);
	if (memcmp(m->sha256, digest, EC_SHA256_LEN) != 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%.200s: checksum mismatch", path);
	if (m->listed)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "checksums.txt: %.200s listed twice", path);
	m->listed = true;
	return 0;
}

static int
verify_checksums(struct verify_state *st, struct ec_err *err)
{
	size_t	i;

	if (ec_checksums_parse(st->meta[META_CHECKSUMS].data,
	    st->meta[META_CHECKSUMS].len, verify_checksum, st, err) == -1)
		return -1;
	for (i = 0; i < st->n; i++)
		if (!st->m[i].listed &&
		    strcmp(st->m[i].name, EC_CHECKSUMS_NAME) != 0)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "%.200s: not listed in checksums.txt",
			    st->m[i].name);
	return 0;
}

static int
verify_all(struct ec_verify_result *out, struct verify_state *st,
    const struct ec_verifier *key, struct ec_err *err)
{
	bool	signed_ = st->have[META_MANIFEST_DSSE] ||
		    st->have[META_PROV_DSSE];
	int	i;

	for (i = 0; i < META_COUNT; i++)
		if (!st->have[i] && i != META_MANIFEST_DSSE &&
		    i != META_PROV_DSSE)
			return ec_err_set(err, EC_ERR_VERIFY, "%s is missing",
			    meta_names[i]);
	if (signed_ && key == NULL)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "bundle is signed: give the public key to verify it");
	if (!signed_ && key != NULL)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "bundle is not signed");
	if (key != NULL && !st->env_checked && verify_envelope(st,
	    META_MANIFEST_DSSE, META_MANIFEST, EC_MANIFEST_PAYLOAD_TYPE, key,
	    err) == -1)
		return -1;
	if (verify_manifest(out, st, err) == -1)
		return -1;
	if (key != NULL && verify_envelope(st, META_PROV_DSSE, META_PROV,
	    EC_INTOTO_PAYLOAD_TYPE, key, err) == -1)
		return -1;
	if (ec_prov_check(st->meta[META_PROV].data, st->meta[META_PROV].len,
	    verify_lookup, st, &out->subjects, err) == -1 ||
	    verify_checksums(st, err) == -1)
		return -1;
	out->files = st->n;
	out->signed_ = key != NULL;
	if (key != NULL)
		(void)snprintf(out->keyid, sizeof(out->keyid), "%s",
		    ec_verifier_keyid(key));
	return 0;
}

int
ec_verify_bundle(struct ec_verify_result *out, const char *path,
    const struct ec_verifier *key, struct ec_err *err)
{
	struct ec_bundle_stats	bs;
	struct verify_state	st;
	struct stat		sb;
	size_t			i;
	int			rc;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.key = key;
	for (i = 0; i < META_COUNT; i++)
		ec_buf_init(&st.meta[i], EC_MAX_META_BYTES);
	memset(&bs, 0, sizeof(bs));
	/* A directory output (or an unpacked bundle) is read the same way. */
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		rc = ec_bundle_read_dir(&bs, path, verify_keep, verify_collect,
		    &st, err);
	else
		rc = ec_bundle_read_gated(&bs, path, verify_admit, verify_keep,
		    verify_collect, &st, err);
	out->bytes_read = bs.read;
	out->bytes_limit = bs.limit;
	if (rc == 0)
		rc = verify_all(out, &st, key, err);
	for (i = 0; i < st.n; i++)
		free(st.m[i].name);
	free(st.m);
	ec_manifest_free(st.mf);
	for (i = 0; i < META_COUNT; i++)
		ec_buf_dispose(&st.meta[i]);
	return rc;
}
