/*
 * ec_findings_replay: decide a json:policy bundle again from its own
 * contents and compare (ec_findings.h).  The bundle is read whole into
 * memory: its policy files are bounded by EC_MAX_REPLAY_BYTES each.
 */
#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_canon.h"
#include "ec_findings_int.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_manifest.h"
#include "ec_time.h"

/* The members a replay reads, by index. */
enum { RP_MANIFEST, RP_SNAPSHOT, RP_EVALS, RP_INPUTS, RP_SBOMS, RP_ADV,
    RP_VEX, RP_COUNT };

static const char *const rp_names[RP_COUNT] = {
	EC_MANIFEST_NAME, EC_FINDINGS_SNAPSHOT, EC_FINDINGS_EVALS,
	EC_FINDINGS_INPUTS, EC_FINDINGS_SBOMS, EC_FINDINGS_ADVISORIES,
	EC_FINDINGS_VEX,
};

/* A file cut into lines: the bytes, and where each line starts. */
struct rp_lines {
	char	 *data;
	size_t	  len;
	size_t	  n, pos;	/* lines; the next one to compare */
	size_t	 *off;
};

/* One line of inputs.tsv, cut in place. */
struct rp_input {
	const char	*kind, *source, *id, *sha;
};

struct rp {
	char			*data[RP_COUNT];
	size_t			 len[RP_COUNT];
	struct rp_lines		 evals, ilines, slines;
	struct rp_input		*in;
	size_t			 nin;
	struct ec_hmap		*inputs;	/* "kind\tsha" -> itself */
	struct ec_hmap		*sboms;		/* owned sha -> size_t line */
	struct ec_findings	*f;
	struct ec_policy	*pol;
	json_t			*manifest;
	size_t			 nlines;
};

static int
rp_index(const char *name)
{
	int	i;

	for (i = 0; i < RP_COUNT; i++)
		if (strcmp(name, rp_names[i]) == 0)
			return i;
	return -1;
}

static uint64_t
rp_keep(void *arg, const char *name)
{
	(void)arg;
	return rp_index(name) >= 0 ? EC_MAX_REPLAY_BYTES : 0;
}

static int
rp_member(void *arg, const struct ec_bundle_member *m, struct ec_err *err)
{
	struct rp	*r = arg;
	int		 i = rp_index(m->name);

	if (i < 0)
		return 0;
	if (m->data == NULL)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "%s: %llu bytes, more than a replay reads (%llu)",
		    m->name, (unsigned long long)m->size,
		    (unsigned long long)EC_MAX_REPLAY_BYTES);
	if ((r->data[i] = malloc(m->size + 1)) == NULL)
		return ec_err_nomem(err);
	memcpy(r->data[i], m->data, m->size);
	r->data[i][m->size] = '\0';
	r->len[i] = m->size;
	return 0;
}

static int
rp_read(struct rp *r, const char *bundle, struct ec_err *err)
{
	struct stat	sb;
	int		i;

	if (stat(bundle, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		if (ec_bundle_read_dir(NULL, bundle, rp_keep, rp_member, r,
		    err) == -1)
			return -1;
	} else if (ec_bundle_read(NULL, bundle, rp_keep, rp_member, r, err) == -1)
		return -1;
	for (i = 0; i < RP_COUNT; i++)
		if (r->data[i] == NULL)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "%s: missing: not a json:policy bundle",
			    rp_names[i]);
	return 0;
}

/* Cut "data" into lines, each ending in "\n" (the last one too). */
static int
rp_split(struct rp_lines *l, char *data, size_t len, const char *name,
    struct ec_err *err)
{
	size_t	i, n = 0;

	memset(l, 0, sizeof(*l));
	if (len > 0 && data[len - 1] != '\n')
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%s: the last line has no newline", name);
	for (i = 0; i < len; i++)
		n += data[i] == '\n';
	if ((l->off = calloc(n + 1, sizeof(*l->off))) == NULL)
		return ec_err_nomem(err);
	l->data = data;
	l->len = len;
	for (i = 0; i < len; i++)
		if (i == 0 || data[i - 1] == '\n')
			l->off[l->n++] = i;
	l->off[l->n] = len;
	return 0;
}

static const char *
rp_line(const struct rp_lines *l, size_t i, size_t *len_out)
{
	*len_out = l->off[i + 1] - l->off[i] - 1;
	return l->data + l->off[i];
}

/* The manifest's string at "key" of "o", or NULL with EC_ERR_VERIFY. */
static const char *
rp_str(const json_t *o, const char *key, struct ec_err *err)
{
	const char	*s = json_string_value(json_object_get(o, key));

	if (s == NULL)
		(void)ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: no %s: not a json:policy bundle", key);
	return s;
}

static int
rp_hash_check(const struct rp *r, int which, const char *want,
    const char *what, struct ec_err *err)
{
	char	hex[EC_SHA256_HEX];

	ec_sha256_hex(hex, r->data[which], r->len[which]);
	if (strcmp(hex, want) != 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%s: SHA-256 %s is not the manifest's %s %s",
		    rp_names[which], hex, what, want);
	return 0;
}

/*
 * Cut inputs.tsv into its fields (in the bundle copy) and index it by
 * "kind\tsha256" (owned keys).
 */
static int
rp_inputs(struct rp *r, struct ec_err *err)
{
	struct rp_input	*in;
	char		*s, *f[4], *key;
	size_t		 i, len;
	int		 k;

	if ((r->in = calloc(r->ilines.n + 1, sizeof(*r->in))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < r->ilines.n; i++) {
		s = (char *)rp_line(&r->ilines, i, &len);
		s[len] = '\0';
		for (k = 0; k < 4; k++) {
			f[k] = s;
			s = strchr(s, '\t');
			if ((s == NULL) != (k == 3))
				break;
			if (s != NULL)
				*s++ = '\0';
		}
		if (k != 4 || strlen(f[3]) != EC_SHA256_HEX - 1)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "%s line %zu: not kind, source, id, sha256",
			    EC_FINDINGS_INPUTS, i + 1);
		in = &r->in[r->nin++];
		in->kind = f[0];
		in->source = f[1];
		in->id = f[2];
		in->sha = f[3];
		if ((key = malloc(strlen(f[0]) + EC_SHA256_HEX + 1)) == NULL)
			return ec_err_nomem(err);
		(void)sprintf(key, "%s\t%s", f[0], f[3]);
		if (fx_table_get(r->inputs, key) != NULL)
			free(key);
		else if (fx_table_put(r->inputs, key, key, err) == -1) {
			free(key);
			return -1;
		}
	}
	return 0;
}

/* Is the document "doc" one of the inputs of kind "kind"? */
static int
rp_is_input(const struct rp *r, const char *kind, const char *doc,
    size_t len, const char *file, size_t lineno, char hex[EC_SHA256_HEX],
    struct ec_err *err)
{
	char	key[32 + EC_SHA256_HEX];

	ec_sha256_hex(hex, doc, len);
	(void)snprintf(key, sizeof(key), "%s\t%s", kind, hex);
	if (fx_table_get(r->inputs, key) == NULL)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%s line %zu: SHA-256 %s is not among the inputs "
		    "(a changed %s)", file, lineno, hex, kind);
	return 0;
}

/* Carried advisories and VEX documents back into the run. */
static int
rp_carried(struct rp *r, int which, const char *kind, struct ec_err *err)
{
	struct rp_lines	 l;
	const char	*doc;
	char		 hex[EC_SHA256_HEX];
	size_t		 i, len;
	int		 rc = 0;

	if (rp_split(&l, r->data[which], r->len[which], rp_names[which],
	    err) == -1)
		return -1;
	for (i = 0; i < l.n && rc == 0; i++) {
		doc = rp_line(&l, i, &len);
		rc = rp_is_input(r, kind, doc, len, rp_names[which], i + 1,
		    hex, err);
		if (rc == 0 && which == RP_ADV)
			rc = ec_findings_add_advisory(r->f, doc, len, err);
		else if (rc == 0)
			rc = ec_findings_add_vex(r->f, doc, len, hex, err);
	}
	free(l.off);
	return rc;
}

/* "SBOM x, component y, vulnerability z" of one evaluation line. */
static void
rp_where(char *out, size_t size, const char *line, size_t len)
{
	const json_t	*c;
	const char	*comp, *vuln;
	json_error_t	 jerr;
	json_t		*o;

	if ((o = json_loadb(line, len, 0, &jerr)) == NULL) {
		(void)snprintf(out, size, "not JSON");
		return;
	}
	c = json_object_get(o, "component");
	if ((comp = json_string_value(json_object_get(c, "purl"))) == NULL &&
	    (comp = json_string_value(json_object_get(c, "name"))) == NULL)
		comp = "(unnamed)";
	vuln = json_string_value(json_object_get(o, "vulnerability"));
	(void)snprintf(out, size, "SBOM %.200s, component %.200s%s%.100s",
	    json_string_value(json_object_get(json_object_get(o, "sbom"),
	    "id")), comp, vuln != NULL ? ", vulnerability " : "",
	    vuln != NULL ? vuln : "");
	json_decref(o);
}

/* Each re-evaluated line against the bundle's next one. */
static int
rp_compare(void *arg, const char *line, size_t len, struct ec_err *err)
{
	struct rp	*r = arg;
	const char	*have;
	char		 where[600];
	size_t		 hlen, n = r->evals.pos;

	rp_where(where, sizeof(where), line, len);
	if (n >= r->evals.n)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%s: ends at line %zu, the replay has more (%s)",
		    EC_FINDINGS_EVALS, n, where);
	have = rp_line(&r->evals, n, &hlen);
	if (hlen + 1 != len || memcmp(have, line, hlen) != 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%s line %zu differs (%s): the replay decides %.*s, the "
		    "bundle says %.*s", EC_FINDINGS_EVALS, n + 1, where,
		    (int)(len - 1 > 300 ? 300 : len - 1), line,
		    (int)(hlen > 300 ? 300 : hlen), have);
	r->evals.pos++;
	r->nlines++;
	return 0;
}

/* Every SBOM input, in inputs.tsv order, evaluated and compared. */
static int
rp_sboms(struct rp *r, json_t *sums, struct ec_err *err)
{
	struct ec_findings_sbom	 sb;
	const char		*doc;
	char			 hex[EC_SHA256_HEX], *key;
	json_t			*sum;
	void			*v;
	size_t			 i, len, at;

	for (i = 0; i < r->slines.n; i++) {
		doc = rp_line(&r->slines, i, &len);
		if (rp_is_input(r, "sbom", doc, len, EC_FINDINGS_SBOMS,
		    i + 1, hex, err) == -1)
			return -1;
		/* The first line of an SBOM stands for it. */
		if (ec_hmap_get(r->sboms, hex) != NULL)
			continue;
		if ((key = strdup(hex)) == NULL)
			return ec_err_nomem(err);
		if (ec_hmap_put(&v, r->sboms, key, err) == -1) {
			free(key);
			return -1;
		}
		*(size_t *)v = i;
	}
	for (i = 0; i < r->nin; i++) {
		if (strcmp(r->in[i].kind, "sbom") != 0)
			continue;
		if ((v = ec_hmap_get(r->sboms, r->in[i].sha)) == NULL)
			return ec_err_set(err, EC_ERR_VERIFY,
			    "%s: SBOM %.200s (%s) is an input but missing",
			    EC_FINDINGS_SBOMS, r->in[i].id, r->in[i].sha);
		at = *(size_t *)v;
		doc = rp_line(&r->slines, at, &len);
		sb.id = r->in[i].id;
		sb.source = r->in[i].source;
		sb.sha256 = r->in[i].sha;
		if (ec_findings_sbom(&sum, r->f, &sb, doc, len, rp_compare, r,
		    err) == -1)
			return -1;
		if (json_array_append_new(sums, sum) == -1)
			return ec_err_nomem(err);
	}
	if (r->evals.pos != r->evals.n)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%s line %zu: the replay decides nothing more",
		    EC_FINDINGS_EVALS, r->evals.pos + 1);
	return 0;
}

/* The summary decided again against manifest.json's, SBOM by SBOM. */
static int
rp_summary(const struct rp *r, json_t *sums, struct ec_err *err)
{
	const json_t	*have = json_object_get(json_object_get(r->manifest,
			    "summary"), "sboms");
	struct ec_buf	 a, b;
	size_t		 i;
	int		 rc = 0;

	if (json_array_size(have) != json_array_size(sums))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: summary has %zu SBOMs, the replay %zu",
		    json_array_size(have), json_array_size(sums));
	ec_buf_init(&a, EC_MAX_META_BYTES);
	ec_buf_init(&b, EC_MAX_META_BYTES);
	for (i = 0; i < json_array_size(sums) && rc == 0; i++) {
		ec_buf_reset(&a);
		ec_buf_reset(&b);
		if ((rc = ec_canon_dump(&a, json_array_get(sums, i),
		    err)) == -1 || (rc = ec_canon_dump(&b,
		    json_array_get(have, i), err)) == -1)
			break;
		if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
			rc = ec_err_set(err, EC_ERR_VERIFY,
			    "manifest.json: summary of SBOM %zu differs: the "
			    "replay gives %.*s", i + 1,
			    (int)(a.len > 400 ? 400 : a.len), a.data);
	}
	ec_buf_dispose(&a);
	ec_buf_dispose(&b);
	return rc;
}

/* The manifest, the hashes it names, the policy and the carried inputs. */
static int
rp_setup(struct rp *r, struct ec_err *err)
{
	const json_t	*sum;
	const char	*s, *ih, *pv, *doc;
	char		 key[16 + EC_SHA256_HEX];
	json_error_t	 jerr;
	int64_t		 snap;
	size_t		 i, len;

	if ((r->manifest = json_loadb(r->data[RP_MANIFEST],
	    r->len[RP_MANIFEST], 0, &jerr)) == NULL)
		return ec_err_set(err, EC_ERR_VERIFY, "manifest.json: %s",
		    jerr.text);
	sum = json_object_get(r->manifest, "summary");
	if ((s = rp_str(r->manifest, "profile", err)) == NULL ||
	    (ih = rp_str(r->manifest, "inputsHash", err)) == NULL ||
	    (pv = rp_str(sum, "policyVersion", err)) == NULL)
		return -1;
	if (strcmp(s, "json:policy") != 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: profile %.100s, not json:policy", s);
	if ((s = rp_str(r->manifest, "snapshotAt", err)) == NULL ||
	    ec_time_parse(&snap, s, strlen(s), err) == -1) {
		err->code = EC_ERR_VERIFY;
		return ec_err_prefix(err, "manifest.json: snapshotAt");
	}
	if (rp_hash_check(r, RP_INPUTS, ih, "inputsHash", err) == -1 ||
	    rp_str(sum, "inputsHash", err) == NULL)
		return -1;
	if (strcmp(json_string_value(json_object_get(sum, "inputsHash")),
	    ih) != 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "manifest.json: summary.inputsHash is not inputsHash");
	if (rp_hash_check(r, RP_SNAPSHOT, pv, "policyVersion", err) == -1)
		return -1;
	if (ec_policy_parse(&r->pol, r->data[RP_SNAPSHOT],
	    r->len[RP_SNAPSHOT], err) == -1) {
		err->code = EC_ERR_VERIFY;
		return ec_err_prefix(err, "%s", EC_FINDINGS_SNAPSHOT);
	}
	if (rp_split(&r->ilines, r->data[RP_INPUTS], r->len[RP_INPUTS],
	    EC_FINDINGS_INPUTS, err) == -1 || rp_inputs(r, err) == -1)
		return -1;
	(void)snprintf(key, sizeof(key), "policy\t%s", pv);
	if (fx_table_get(r->inputs, key) == NULL)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "%s: the policy %s is not among the inputs",
		    EC_FINDINGS_INPUTS, pv);
	if (ec_findings_new(&r->f, r->pol, snap, err) == -1 ||
	    rp_split(&r->evals, r->data[RP_EVALS], r->len[RP_EVALS],
	    EC_FINDINGS_EVALS, err) == -1 || rp_split(&r->slines,
	    r->data[RP_SBOMS], r->len[RP_SBOMS], EC_FINDINGS_SBOMS,
	    err) == -1)
		return -1;
	/* The same filter as the build's, over the same SBOMs. */
	for (i = 0; i < r->slines.n; i++) {
		doc = rp_line(&r->slines, i, &len);
		if (ec_findings_want_sbom(r->f, doc, len, err) == -1)
			return -1;
	}
	if (rp_carried(r, RP_ADV, "advisory", err) == -1)
		return -1;
	return rp_carried(r, RP_VEX, "vex", err);
}

int
ec_findings_replay(const char *bundle, size_t *sboms_out, size_t *lines_out,
    struct ec_err *err)
{
	struct rp	 r;
	json_t		*sums = NULL;
	const char	*key;
	void		*v;
	size_t		 iter = 0;
	int		 i, rc = -1;

	memset(&r, 0, sizeof(r));
	if (fx_table_new(&r.inputs, err) == -1 ||
	    ec_hmap_new(&r.sboms, EC_HMAP_STR, sizeof(size_t),
	    EC_HMAP_MAX_KEYS, err) == -1 ||
	    rp_read(&r, bundle, err) == -1 || rp_setup(&r, err) == -1)
		goto out;
	if ((sums = json_array()) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (rp_sboms(&r, sums, err) == -1 || rp_summary(&r, sums, err) == -1)
		goto out;
	if (sboms_out != NULL)
		*sboms_out = json_array_size(sums);
	if (lines_out != NULL)
		*lines_out = r.nlines;
	rc = 0;
out:
	json_decref(sums);
	json_decref(r.manifest);
	ec_findings_free(r.f);
	ec_policy_free(r.pol);
	fx_table_free(r.inputs, true);
	/* The SBOM table's values are line numbers; only keys are owned. */
	while (r.sboms != NULL && ec_hmap_next(&key, &v, r.sboms, &iter))
		free((char *)key);
	ec_hmap_free(r.sboms);
	free(r.in);
	free(r.evals.off);
	free(r.ilines.off);
	free(r.slines.off);
	for (i = 0; i < RP_COUNT; i++)
		free(r.data[i]);
	return rc;
}
