/*
 * mirror:full: every artifact in the run's scope as a mirror tree a
 * stock TUF client verifies from any static web server:
 *
 *   oci/                 OCI image layout (ec_oci): the json:raw bundle
 *                        (tag json-raw), trivy:db (trivy-db), trivy:java-db
 *                        (trivy-java-db), the SBOMs (sbom, sbom-2, ...) and
 *                        the provenance of the Trivy artifacts
 *                        (<tag>.provenance, OCI 1.1 subject: the artifact)
 *   export.json          what the mirror holds (canonical JSON)
 *   indexes/, data/raw/  raw evidence in chunks (ec_mirror.h)
 *   tuf/metadata/        1.root.json (the trust anchor), V.targets.json,
 *                        V.snapshot.json, timestamp.json
 *   tuf/targets/         every file above, <dir>/<sha256>.<name>
 *
 * The json:raw bundle and the Trivy databases are built in-process by
 * their own profiles (ec_build_nested) from this build's store snapshot,
 * each a complete, signed export whose published bytes become the blobs.
 *
 * With age recipients the sealed tree is published encrypted, file by
 * file, with TUF metadata over the encrypted bytes (mf_encrypt,
 * ec_mirror_age.h).
 *
 * Determinism: the TUF version V of targets, snapshot and timestamp is
 * the snapshot time in whole seconds (the newest document's modified
 * time), so it grows as the evidence does and two builds of the same
 * evidence are the same bytes; expiries count from the snapshot time too
 * (parameters below), never from the clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ec_buf.h"
#include "ec_file.h"
#include "ec_key.h"
#include "ec_limits.h"
#include "ec_mirror.h"
#include "ec_mirror_age.h"
#include "ec_num.h"
#include "ec_oci.h"
#include "ec_time.h"
#include "ec_trivy_pack.h"
#include "ec_tuf.h"

#define MF_BUNDLE_TYPE	"application/vnd.stellaops.export.bundle.v1.tar+zstd"
#define MF_RAW_ARTIFACT	"application/vnd.stellaops.export.json-raw.v1"
#define MF_SBOM_ARTIFACT "application/vnd.stellaops.export.sbom.v1"
#define MF_INTOTO_TYPE	"application/vnd.in-toto+json"
#define MF_DSSE_TYPE	"application/vnd.dsse.envelope.v1+json"
#define MF_CYCLONEDX	"application/vnd.cyclonedx+json"
#define MF_SPDX		"application/spdx+json"
#define MF_CHUNK	(64 * 1024)
#define MF_DAY		86400

/* Expiry defaults per role (root, targets, snapshot, timestamp), days. */
static const char *const	mf_expiry_keys[4] = { "expires-root",
				    "expires-targets", "expires-snapshot",
				    "expires-timestamp" };
static const int64_t		mf_expiry_days[4] = { 365, 90, 30, 7 };

static const struct ec_profile_param mf_params[] = {
	{ "tuf-keys", "more Ed25519 TUF keys: private key files, comma-"
	    "separated (the build's --key is always one)", false },
	{ "tuf-threshold", "signatures each TUF role needs (default 1)",
	    false },
	{ "tuf-roots", "a metadata directory whose N.root.json chain "
	    "(exportctl tuf rotate) is served instead of a new 1.root.json",
	    false },
	{ "expires-root", "root expiry: Nd, Nh or Ns after the snapshot "
	    "time, or an RFC 3339 time (default 365d)", false },
	{ "expires-targets", "targets expiry, as above (default 90d)", false },
	{ "expires-snapshot", "snapshot expiry, as above (default 30d)",
	    false },
	{ "expires-timestamp", "timestamp expiry, as above (default 7d)",
	    false },
	{ NULL, NULL, false }
};

struct mf_state {
	struct ec_signer	*extra[EC_TUF_MAX_KEYS];	/* owned */
	size_t			 n_extra;
	uint64_t		 threshold;
	int64_t			 snapshot_us;
};

static void
mf_state_free(void *p)
{
	struct mf_state	*s = p;
	size_t		 i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n_extra; i++)
		ec_signer_free(s->extra[i]);
	free(s);
}

/* "30d", "12h", "600s" after "base_s", or an RFC 3339 time; UTC seconds. */
static int
mf_expiry(int64_t *out, const char *v, int64_t base_s, struct ec_err *err)
{
	uint64_t	n;
	size_t		len = strlen(v);
	char		num[24];
	int64_t		unit, us;

	if (len >= 2 && len < sizeof(num) && strchr("dhs", v[len - 1]) !=
	    NULL && strspn(v, "0123456789") == len - 1) {
		memcpy(num, v, len - 1);
		num[len - 1] = '\0';
		unit = v[len - 1] == 'd' ? MF_DAY : v[len - 1] == 'h' ? 3600 :
		    1;
		if (ec_parse_u64(&n, num, 1, 100ull * 365 * MF_DAY /
		    (uint64_t)unit) == -1)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "expiry \"%.40s\": 1 to 100 years", v);
		*out = base_s + (int64_t)n * unit;
		return 0;
	}
	if (ec_time_parse(&us, v, len, err) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "expiry \"%.40s\": Nd, Nh, Ns or an RFC 3339 time", v);
	*out = us / 1000000;
	return 0;
}

/* tuf-keys: comma-separated private key files. */
static int
mf_keys(struct mf_state *s, const char *list, struct ec_err *err)
{
	char	path[EC_PARAM_VALUE_MAX + 1];
	size_t	n;

	while (list != NULL && *list != '\0') {
		n = strcspn(list, ",");
		if (n == 0 || s->n_extra == EC_TUF_MAX_KEYS - 1)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "tuf-keys: 1 to %d comma-separated key files",
			    EC_TUF_MAX_KEYS - 1);
		memcpy(path, list, n);
		path[n] = '\0';
		if (ec_signer_load(&s->extra[s->n_extra], path, err) == -1)
			return -1;
		s->n_extra++;
		list += n + (list[n] == ',');
	}
	return 0;
}

/* tuf-roots: a directory with a 1.root.json at least. */
static int
mf_roots_check(const char *dir, struct ec_err *err)
{
	char	path[EC_PARAM_VALUE_MAX + 16];

	(void)snprintf(path, sizeof(path), "%s/1.root.json", dir);
	if (access(path, R_OK) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "tuf-roots: no readable 1.root.json in %.200s", dir);
	return 0;
}

static int
mf_check(struct ec_build *b, struct ec_err *err)
{
	struct mf_state	*s;
	const char	*v;
	int64_t		 t;
	int		 i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ec_err_nomem(err);
	ec_build_set_state(b, s, mf_state_free);
	s->threshold = 1;
	if ((v = ec_build_param(b, "tuf-threshold")) != NULL &&
	    ec_parse_u64(&s->threshold, v, 1, EC_TUF_MAX_KEYS) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "tuf-threshold: 1 to %d", EC_TUF_MAX_KEYS);
	for (i = 0; i < 4; i++)
		if ((v = ec_build_param(b, mf_expiry_keys[i])) != NULL &&
		    mf_expiry(&t, v, 0, err) == -1)
			return -1;
	if ((v = ec_build_param(b, "tuf-roots")) != NULL &&
	    mf_roots_check(v, err) == -1)
		return -1;
	return mf_keys(s, ec_build_param(b, "tuf-keys"), err);
}

static int
mf_plan(struct ec_build *b, struct ec_err *err)
{
	static const char *const	 kinds[] = { "advisory", "vex",
					    "sbom" };
	struct mf_state			*s = ec_build_state(b);
	struct ec_store_stats		 st;
	uint64_t			 docs = 0, bytes = 0, outputs = 16;
	size_t				 i;

	for (i = 0; i < 3; i++) {
		if (ec_store_stats(&st, ec_build_store(b), kinds[i],
		    err) == -1)
			return -1;
		if (st.max_modified_us > s->snapshot_us)
			s->snapshot_us = st.max_modified_us;
		docs += st.docs;
		bytes += st.bytes;
		/* Chunks, or SBOM files and their blobs; TUF copies each. */
		outputs += 2 * (i == 2 ? 2 * st.docs : 8 + st.docs /
		    EC_MIRROR_CHUNK_DOCS);
	}
	if (outputs > EC_MAX_OUTPUTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "mirror would have about %llu files, more than %d",
		    (unsigned long long)outputs, EC_MAX_OUTPUTS);
	ec_build_set_snapshot(b, s->snapshot_us);
	/* Raw chunks, the bundle and the databases, and TUF's copies. */
	ec_build_set_estimate(b, docs, outputs, 6 * bytes);
	return 0;
}

/* Stream the file "path" into the new OCI blob *out. */
static int
mf_blob_file(struct ec_oci_blob *out, struct ec_oci *o, const char *path,
    struct ec_err *err)
{
	struct ec_build_item	*it = NULL;
	uint8_t			*chunk;
	size_t			 got;
	int			 fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	if ((chunk = malloc(MF_CHUNK)) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_oci_blob_open(&it, o, err) == -1)
		goto out;
	do {
		if (ec_file_read_full(&got, fd, chunk, MF_CHUNK, path,
		    err) == -1 ||
		    ec_build_item_write(it, chunk, got, err) == -1)
			goto out;
	} while (got == MF_CHUNK);
	rc = ec_oci_blob_close(o, it, out, err);
	it = NULL;
out:
	ec_build_item_discard(it);
	free(chunk);
	(void)close(fd);
	return rc;
}

/* One artifact of one layer held in "path"; its manifest to *out. */
static int
mf_artifact(struct ec_oci_blob *out, struct ec_oci *o, const char *path,
    const char *artifact_type, const char *layer_type, const char *title,
    const char *tag, const char *created, struct ec_err *err)
{
	struct ec_oci_layer	layer = { layer_type, { { 0 }, 0 }, title };
	struct ec_oci_manifest	m;

	if (mf_blob_file(&layer.blob, o, path, err) == -1)
		return -1;
	memset(&m, 0, sizeof(m));
	m.artifact_type = artifact_type;
	m.layers = &layer;
	m.nlayers = 1;
	m.created = created;
	m.tag = tag;
	return ec_oci_manifest(o, &m, out, err);
}

/*
 * The provenance of a nested directory output "dir" as an in-toto
 * artifact whose subject is the artifact "subject".
 */
static int
mf_provenance(struct ec_oci *o, const char *dir,
    const struct ec_oci_blob *subject, const char *tag, const char *created,
    struct ec_err *err)
{
	struct ec_oci_layer	layers[2];
	struct ec_oci_manifest	m;
	char			path[EC_BUILD_FILE_MAX + 32], ptag[64];
	size_t			n = 0;

	memset(layers, 0, sizeof(layers));
	(void)snprintf(path, sizeof(path), "%s/provenance.json", dir);
	if (mf_blob_file(&layers[n].blob, o, path, err) == -1)
		return -1;
	layers[n].media_type = MF_INTOTO_TYPE;
	layers[n++].title = "provenance.json";
	(void)snprintf(path, sizeof(path), "%s/provenance.dsse.json", dir);
	if (access(path, F_OK) == 0) {
		if (mf_blob_file(&layers[n].blob, o, path, err) == -1)
			return -1;
		layers[n].media_type = MF_DSSE_TYPE;
		layers[n++].title = "provenance.dsse.json";
	}
	(void)snprintf(ptag, sizeof(ptag), "%s.provenance", tag);
	memset(&m, 0, sizeof(m));
	m.artifact_type = MF_INTOTO_TYPE;
	m.layers = layers;
	m.nlayers = n;
	m.created = created;
	m.tag = ptag;
	m.subject = subject;
	return ec_oci_manifest(o, &m, NULL, err);
}

/* One nested Trivy build: its archive as the artifact, its provenance. */
static int
mf_trivy(struct ec_build *b, struct ec_oci *o, const struct ec_profile *p,
    const char *archive, const char *layer_type, const char *tag,
    const char *created, json_t *arts, struct ec_err *err)
{
	struct ec_oci_blob	man;
	char			dir[EC_BUILD_FILE_MAX];
	char			path[EC_BUILD_FILE_MAX + 32];
	char			hex[EC_SHA256_HEX];

	if (ec_build_nested(dir, b, p, err) == -1)
		return -1;
	(void)snprintf(path, sizeof(path), "%s/%s", dir, archive);
	if (mf_artifact(&man, o, path, EC_TRIVY_ARTIFACT_TYPE, layer_type,
	    archive, tag, created, err) == -1 ||
	    mf_provenance(o, dir, &man, tag, created, err) == -1)
		return -1;
	ec_hex_encode(hex, man.digest, sizeof(man.digest));
	if (json_array_append_new(arts, json_pack("{s:s, s:s, s:s+}", "ref",
	    tag, "profile", p->name, "digest", "sha256:", hex)) == -1)
		return ec_err_nomem(err);
	return 0;
}

/* Whether "doc" holds the bytes of "s" (canonical JSON: no spaces). */
static bool
mf_has(const uint8_t *doc, size_t len, const char *s)
{
	size_t	n = strlen(s), i;

	for (i = 0; i + n <= len; i++)
		if (doc[i] == (uint8_t)s[0] && memcmp(doc + i, s, n) == 0)
			return true;
	return false;
}

/* The SBOM files of the index, up to EC_OCI_MAX_LAYERS per artifact. */
static int
mf_sboms(struct ec_build *b, struct ec_oci *o, const json_t *index,
    const char *created, struct ec_err *err)
{
	struct ec_oci_layer	 layers[EC_OCI_MAX_LAYERS];
	struct ec_oci_manifest	 m;
	const json_t		*files = json_object_get(index, "files"), *f;
	const char		*rel;
	char			 path[EC_BUILD_FILE_MAX], tag[32];
	uint8_t			*doc;
	size_t			 i, n = 0, len;
	unsigned		 part = 0;

	json_array_foreach((json_t *)files, i, f) {
		rel = json_string_value(json_object_get(f, "path"));
		if (ec_build_tree_file(path, b, rel, err) == -1 ||
		    ec_file_read_small(&doc, &len, path, EC_MAX_DOC_BYTES,
		    err) == -1)
			return -1;
		layers[n].media_type = mf_has(doc, len, "\"bomFormat\":"
		    "\"CycloneDX\"") ? MF_CYCLONEDX : MF_SPDX;
		free(doc);
		layers[n].title = rel + strlen("data/raw/sboms/");
		if (mf_blob_file(&layers[n].blob, o, path, err) == -1)
			return -1;
		if (++n < EC_OCI_MAX_LAYERS && i + 1 < json_array_size(files))
			continue;
		if (++part == 1)
			(void)snprintf(tag, sizeof(tag), "sbom");
		else
			(void)snprintf(tag, sizeof(tag), "sbom-%u", part);
		memset(&m, 0, sizeof(m));
		m.artifact_type = MF_SBOM_ARTIFACT;
		m.layers = layers;
		m.nlayers = n;
		m.created = created;
		m.tag = tag;
		if (ec_oci_manifest(o, &m, NULL, err) == -1)
			return -1;
		n = 0;
	}
	return 0;
}

/* oci/: the bundle, the databases, the SBOMs and the provenance. */
static int
mf_layout(struct ec_build *b, const json_t *sbom_index, json_t *arts,
    const char *created, struct ec_err *err)
{
	const struct ec_selectors	*sel = ec_build_selectors(b);
	struct ec_oci			*o = NULL;
	struct ec_oci_blob		 man;
	char				 path[EC_BUILD_FILE_MAX];
	char				 hex[EC_SHA256_HEX];
	int				 rc = -1;

	if (ec_oci_new(&o, b, "oci", err) == -1)
		return -1;
	if (ec_build_nested(path, b, &ec_profile_json_raw, err) == -1 ||
	    mf_artifact(&man, o, path, MF_RAW_ARTIFACT, MF_BUNDLE_TYPE,
	    strrchr(path, '/') + 1, "json-raw", created, err) == -1)
		goto out;
	ec_hex_encode(hex, man.digest, sizeof(man.digest));
	if (json_array_append_new(arts, json_pack("{s:s, s:s, s:s+}", "ref",
	    "json-raw", "profile", "json:raw", "digest", "sha256:",
	    hex)) == -1) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if ((sel->targets & EC_TARGET_ADVISORY) != 0 && (mf_trivy(b, o,
	    &ec_profile_trivy_db, "db.tar.gz", "application/vnd.aquasec."
	    "trivy.db.layer.v1.tar+gzip", "trivy-db", created, arts,
	    err) == -1 || mf_trivy(b, o, &ec_profile_trivy_java_db,
	    "javadb.tar.gz", "application/vnd.aquasec.trivy.javadb.layer.v1."
	    "tar+gzip", "trivy-java-db", created, arts, err) == -1))
		goto out;
	if (sbom_index != NULL && mf_sboms(b, o, sbom_index, created,
	    err) == -1)
		goto out;
	rc = ec_oci_finish(o, err);
out:
	ec_oci_free(o);
	return rc;
}

/* data/raw/ and indexes/ of every kind in scope; counts into "counts". */
static int
mf_raw(struct ec_build *b, json_t *counts, json_t **sbom_index,
    struct ec_err *err)
{
	static const struct { unsigned t; const char *kind; } k[] = {
		{ EC_TARGET_ADVISORY, "advisory" }, { EC_TARGET_VEX, "vex" },
		{ EC_TARGET_SBOM, "sbom" } };
	const struct ec_selectors	*sel = ec_build_selectors(b);
	struct ec_mirror_kind_stats	 st;
	size_t				 i;

	for (i = 0; i < 3; i++) {
		if ((sel->targets & k[i].t) == 0)
			continue;
		if (ec_mirror_raw(&st, k[i].t == EC_TARGET_SBOM ? sbom_index :
		    NULL, b, k[i].kind, err) == -1)
			return -1;
		if (json_object_set_new(counts, k[i].kind, json_pack(
		    "{s:I, s:I, s:I}", "documents", (json_int_t)st.documents,
		    "files", (json_int_t)st.files, "bytes",
		    (json_int_t)st.bytes)) == -1)
			return ec_err_nomem(err);
	}
	return 0;
}

/* Seconds since the epoch: grows with the evidence, never 0. */
static uint64_t
mf_version(const struct mf_state *s)
{
	return s->snapshot_us >= 2000000 ? (uint64_t)(s->snapshot_us /
	    1000000) : 1;
}

/*
 * TUF: the build's key and tuf-keys (into "keys", which "t" borrows),
 * expiries from the snapshot time.
 */
static int
mf_tuf_params(struct ec_mirror_tuf *t, const struct ec_signer **keys,
    struct ec_build *b, const struct mf_state *s, struct ec_err *err)
{
	const char		*v;
	size_t			 n = 0, i;
	int			 role;

	memset(t, 0, sizeof(*t));
	if (ec_build_signer(b) != NULL)
		keys[n++] = ec_build_signer(b);
	for (i = 0; i < s->n_extra; i++)
		keys[n++] = s->extra[i];
	for (role = 0; role < 4; role++) {
		t->expires[role] = s->snapshot_us / 1000000 +
		    mf_expiry_days[role] * MF_DAY;
		if ((v = ec_build_param(b, mf_expiry_keys[role])) != NULL &&
		    mf_expiry(&t->expires[role], v, s->snapshot_us / 1000000,
		    err) == -1)
			return -1;
	}
	t->keys = keys;
	t->n_keys = n;
	t->threshold = (unsigned)s->threshold;
	t->version = mf_version(s);
	t->roots_dir = ec_build_param(b, "tuf-roots");
	return 0;
}

static int
mf_tuf(struct ec_build *b, const struct mf_state *s, struct ec_err *err)
{
	const struct ec_signer	*keys[EC_TUF_MAX_KEYS];
	struct ec_mirror_tuf	 t;
	size_t			 targets;

	if (mf_tuf_params(&t, keys, b, s, err) == -1)
		return -1;
	return ec_mirror_tuf(&targets, b, &t, err);
}

/*
 * With recipients: the sealed plaintext mirror, every target encrypted
 * and the TUF metadata signed again over the encrypted bytes
 * (ec_mirror_age.h).
 */
static int
mf_encrypt(struct ec_build *b, const char *tree, const char *dest,
    const struct ec_age_recipient *r, size_t n, uint64_t *size_out,
    struct ec_err *err)
{
	const struct ec_signer	*keys[EC_TUF_MAX_KEYS];
	struct ec_mirror_tuf	 t;

	if (mf_tuf_params(&t, keys, b, ec_build_state(b), err) == -1)
		return -1;
	return ec_mirror_age_encrypt(size_out, tree, dest, r, n, &t, err);
}

/*
 * The keys, checked first thing in write(), before any file: plan() runs
 * for exportctl estimate too, which has no key to give.
 */
static int
mf_keys_check(struct ec_build *b, const struct mf_state *s,
    struct ec_err *err)
{
	const struct ec_signer	*k;
	json_t			*obj;
	char			 keyid[EC_TUF_KEYID_SIZE];
	size_t			 n = s->n_extra + (ec_build_signer(b) != NULL);
	size_t			 i;

	/* TUF takes Ed25519 keys only: say so before the long work. */
	for (i = 0; i < n; i++) {
		k = i < s->n_extra ? s->extra[i] : ec_build_signer(b);
		if (ec_tuf_key(&obj, keyid, k, err) == -1)
			return -1;
		json_decref(obj);
	}
	if (n == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "mirror:full signs TUF metadata: give --key (Ed25519) or "
		    "--param tuf-keys=FILE");
	if (s->threshold > n)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "tuf-threshold %llu is more than the %zu TUF keys",
		    (unsigned long long)s->threshold, n);
	return 0;
}

static int
mf_write(struct ec_build *b, struct ec_err *err)
{
	struct mf_state	*s = ec_build_state(b);
	json_t		*exp = NULL, *sbom_index = NULL;
	char		 created[EC_TIME_MAX];
	uint64_t	 version;
	int		 rc = -1;

	if (mf_keys_check(b, s, err) == -1)
		return -1;

	version = mf_version(s);
	ec_time_format(created, s->snapshot_us / 1000000 * 1000000);
	exp = json_pack("{s:i, s:s, s:s, s:s, s:I, s:{}, s:[]}",
	    "schemaVersion", 1, "profile", "mirror:full", "tenant",
	    ec_build_tenant(b), "snapshot", created, "tufVersion",
	    (json_int_t)version, "counts", "artifacts");
	if (exp == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (mf_raw(b, json_object_get(exp, "counts"), &sbom_index,
	    err) == -1 ||
	    mf_layout(b, sbom_index, json_object_get(exp, "artifacts"),
	    created, err) == -1 ||
	    ec_mirror_json(b, "export.json", exp, err) == -1 ||
	    mf_tuf(b, s, err) == -1)
		goto out;
	rc = 0;
out:
	json_decref(exp);
	json_decref(sbom_index);
	return rc;
}

const struct ec_profile ec_profile_mirror_full = {
	.name = "mirror:full",
	.build_type =
	    "https://stella-ops.org/export-center/profiles/mirror-full/v1",
	/* distribution: oci pushes every artifact of oci/ (cron_push.c). */
	.flags = EC_PROFILE_OCI,
	.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM,
	.formats = EC_FORMAT_JSON | EC_FORMAT_NDJSON,
	.defaults = {
		.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM,
		.formats = EC_FORMAT_JSON,
	},
	.params = mf_params,
	.check = mf_check,
	.plan = mf_plan,
	.write = mf_write,
	.encrypt = mf_encrypt,
};
