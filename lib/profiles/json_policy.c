/*
 * json:policy: findings from every SBOM component against the advisories,
 * decided by VEX and a policy (ec_findings.h), in a bundle that carries
 * what a replay needs to decide again without the store:
 *
 *   data/policy/snapshot.json        the policy, canonical; its SHA-256
 *                                    is policyVersion
 *   data/policy/evaluations.ndjson   the lines of ec_findings, per SBOM
 *                                    in store order
 *   data/policy/inputs.tsv           "kind\tsource\tid\tsha256\n" per
 *                                    input, the exact bytes inputsHash
 *                                    is the SHA-256 of
 *   data/policy/sboms.ndjson         every SBOM, canonical, one a line
 *   data/policy/advisories.ndjson    the advisories some line names
 *   data/policy/vex.ndjson           the VEX documents some decision used
 *
 * manifest.json's "summary" holds policyVersion, inputsHash and each
 * SBOM's verdict and counts.  The policy is the tenant's stored one
 * (kind "policy"; with several, --param policy-id=ID names it) or the
 * file of --policy FILE for this run, validated in check() before any
 * work.  Rules see the snapshot time, never the clock.
 *
 * A first pass over the SBOMs gathers their package names, so that only
 * the advisories naming one are parsed into the index (ec_findings.h);
 * VEX goes into one set, SBOMs are evaluated one at a time, and a last
 * pass copies the advisories and VEX documents used.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_file.h"
#include "ec_findings.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_policy.h"
#include "ec_profile.h"
#include "ec_store.h"
#include "ec_time.h"

struct jp_state {
	struct ec_policy	*pol;
	struct ec_buf		 canon;		/* the policy, canonical */
	char			 version[EC_SHA256_HEX];
	char			 source[64];	/* input source and id */
	char			 id[EC_MAX_ID_LEN + 1];
	int			 stored;	/* stored policies seen */
	int64_t			 snapshot_us;
};

/* One pass over the store, writing through the build. */
struct jp_pass {
	struct ec_build		*b;
	struct jp_state		*st;
	struct ec_findings	*f;
	struct ec_build_item	*inputs, *out, *evals;
	json_t			*sboms;		/* summaries */
	const char		*kind;
	bool			 copy_used;	/* second pass */
};

static const struct ec_profile_param jp_params[] = {
	{ "policy", "policy file for this run (exportctl build --policy)",
	    false },
	{ "policy-id", "which stored policy, when the tenant has several",
	    false },
	{ NULL, NULL, false },
};

static void
jp_state_free(void *p)
{
	struct jp_state	*st = p;

	if (st == NULL)
		return;
	ec_policy_free(st->pol);
	ec_buf_dispose(&st->canon);
	free(st);
}

/* Parse, validate and canonicalise a policy; the state keeps it. */
static int
jp_policy_set(struct jp_state *st, const char *p, size_t len,
    struct ec_err *err)
{
	ec_policy_free(st->pol);
	st->pol = NULL;
	ec_buf_reset(&st->canon);
	if (ec_policy_parse(&st->pol, p, len, err) == -1 ||
	    ec_canon_bytes(&st->canon, p, len, err) == -1)
		return -1;
	ec_sha256_hex(st->version, st->canon.data, st->canon.len);
	return 0;
}

static int
jp_check(struct ec_build *b, struct ec_err *err)
{
	const char	*path = ec_build_param(b, "policy");
	struct jp_state	*st;
	uint8_t		*p = NULL;
	size_t		 len;
	int		 rc = -1;

	if (ec_build_state(b) != NULL)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return ec_err_nomem(err);
	ec_buf_init(&st->canon, EC_POLICY_MAX_BYTES);
	ec_build_set_state(b, st, jp_state_free);
	if (path == NULL)
		return 0;
	if (ec_file_read_small(&p, &len, path, EC_POLICY_MAX_BYTES,
	    err) == -1) {
		if (err->code == EC_ERR_IO || err->code == EC_ERR_TOO_LARGE)
			err->code = EC_ERR_REQUEST_INVALID;
		return ec_err_prefix(err, "policy");
	}
	if (jp_policy_set(st, (const char *)p, len, err) == -1) {
		if (err->code != EC_ERR_NOMEM)
			err->code = EC_ERR_REQUEST_INVALID;
		/* The parser's JSON errors already start with "policy". */
		if (strncmp(err->msg, "policy", 6) != 0)
			(void)ec_err_prefix(err, "policy");
		goto out;
	}
	/* A policy named by the request: its digest is its identity. */
	(void)snprintf(st->source, sizeof(st->source), "request");
	(void)snprintf(st->id, sizeof(st->id), "%s", st->version);
	rc = 0;
out:
	free(p);
	return rc;
}

/* A stored policy; with several, only the one policy-id names. */
static int
jp_stored(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	struct ec_build	*b = arg;
	struct jp_state	*st = ec_build_state(b);
	const char	*want = ec_build_param(b, "policy-id");

	if (want != NULL && strcmp(want, d->id) != 0)
		return 0;
	if (++st->stored > 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "the tenant has several stored policies (%.100s, "
		    "%.100s): name one with --param policy-id=ID or pass "
		    "--policy FILE", st->id, d->id);
	if (jp_policy_set(st, d->doc, d->len, err) == -1)
		return ec_err_prefix(err, "stored policy %.100s", d->id);
	(void)snprintf(st->source, sizeof(st->source), "%.63s", d->source);
	(void)snprintf(st->id, sizeof(st->id), "%s", d->id);
	return 0;
}

static int
jp_plan(struct ec_build *b, struct ec_err *err)
{
	static const char *const	 kinds[] = { "advisory", "vex", "sbom",
					    "policy" };
	struct jp_state			*st = ec_build_state(b);
	struct ec_store_stats		 s;
	size_t				 i;

	st->snapshot_us = 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (ec_store_stats(&s, ec_build_store(b), kinds[i],
		    err) == -1)
			return -1;
		if (s.max_modified_us > st->snapshot_us)
			st->snapshot_us = s.max_modified_us;
	}
	if (st->pol == NULL && ec_store_each(ec_build_store(b), "policy",
	    jp_stored, b, err) != 0)
		return -1;
	if (st->pol == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "policy: the tenant has no stored policy%s; ingest one "
		    "or pass --policy FILE",
		    ec_build_param(b, "policy-id") != NULL ?
		    " with that policy-id" : "");
	ec_build_set_snapshot(b, st->snapshot_us);
	return 0;
}

/* Record an input, in the manifest's hash and in inputs.tsv alike. */
static int
jp_input(struct jp_pass *p, const char *kind, const char *source,
    const char *id, const char *sha, struct ec_err *err)
{
	struct ec_buf	line;
	int		rc;

	if (ec_build_input(p->b, kind, source, id, sha, err) == -1)
		return -1;
	ec_buf_init(&line, 4 * EC_MAX_ID_LEN);
	rc = ec_buf_addf(&line, err, "%s\t%s\t%s\t%s\n", kind, source, id,
	    sha);
	if (rc == 0)
		rc = ec_build_item_write(p->inputs, line.data, line.len, err);
	ec_buf_dispose(&line);
	return rc;
}

static int
jp_line(void *arg, const char *line, size_t len, struct ec_err *err)
{
	return ec_build_item_write(arg, line, len, err);
}

static int
jp_doc_line(struct ec_build_item *it, const struct ec_store_doc *d,
    struct ec_err *err)
{
	if (ec_build_item_write(it, d->doc, d->len, err) == -1)
		return -1;
	return ec_build_item_write(it, "\n", 1, err);
}

static int
jp_row(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	struct jp_pass			*p = arg;
	struct ec_findings_sbom		 sb = { d->id, d->source, d->sha256 };
	json_t				*sum = NULL;

	if (strcmp(p->kind, "want") == 0)
		return ec_findings_want_sbom(p->f, d->doc, d->len, err);
	if (p->copy_used) {
		if ((strcmp(p->kind, "advisory") == 0 &&
		    ec_findings_used_advisory(p->f, d->id)) ||
		    (strcmp(p->kind, "vex") == 0 &&
		    ec_findings_used_vex(p->f, d->sha256)))
			return jp_doc_line(p->out, d, err);
		return 0;
	}
	if (jp_input(p, p->kind, d->source, d->id, d->sha256, err) == -1)
		return -1;
	if (strcmp(p->kind, "advisory") == 0)
		return ec_findings_add_advisory(p->f, d->doc, d->len, err);
	if (strcmp(p->kind, "vex") == 0)
		return ec_findings_add_vex(p->f, d->doc, d->len, d->sha256,
		    err);
	if (jp_doc_line(p->out, d, err) == -1 ||
	    ec_findings_sbom(&sum, p->f, &sb, d->doc, d->len, jp_line,
	    p->evals, err) == -1)
		return -1;
	if (json_array_append_new(p->sboms, sum) == -1)
		return ec_err_nomem(err);
	return 0;
}

/* A pass over "kind"; "want" is a first, filtering pass over SBOMs. */
static int
jp_each(struct jp_pass *p, const char *kind, bool copy, struct ec_err *err)
{
	p->kind = kind;
	p->copy_used = copy;
	return ec_store_each(ec_build_store(p->b),
	    strcmp(kind, "want") == 0 ? "sbom" : kind, jp_row, p, err) != 0 ?
	    -1 : 0;
}

/*
 * Open "path" into *slot when it is empty, else close it there as an
 * item: the passes below open and close each file at one point.
 */
static int
jp_file(struct jp_pass *p, const char *path, const char *id,
    const char *format, struct ec_build_item **slot, struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_ITEM, "policy", id, format,
				    path };
	struct ec_build_item	*it = *slot;

	if (it == NULL)
		return ec_build_item_open(slot, p->b, path, err);
	*slot = NULL;
	return ec_build_item_close(it, &fd, NULL, NULL, err);
}

static int
jp_summary(struct jp_pass *p, struct ec_err *err)
{
	uint8_t		 d[EC_SHA256_LEN];
	char		 hex[EC_SHA256_HEX];
	uint64_t	 size;
	json_t		*sum;

	if (ec_build_item_sum(d, &size, p->inputs, err) == -1)
		return -1;
	ec_hex_encode(hex, d, sizeof(d));
	sum = json_pack("{s:s, s:s, s:O}", "policyVersion", p->st->version,
	    "inputsHash", hex, "sboms", p->sboms);
	if (sum == NULL)
		return ec_err_nomem(err);
	ec_build_summary(p->b, sum);
	return 0;
}

static int
jp_passes(struct jp_pass *p, struct ec_err *err)
{
	struct ec_build_item	*sb = NULL, *adv = NULL, *vex = NULL;

	if (jp_file(p, EC_FINDINGS_INPUTS, "inputs", "tsv", &p->inputs,
	    err) == -1 ||
	    jp_file(p, EC_FINDINGS_EVALS, "evaluations", "ndjson", &p->evals,
	    err) == -1 || jp_each(p, "want", false, err) == -1 ||
	    jp_each(p, "advisory", false, err) == -1 ||
	    jp_each(p, "vex", false, err) == -1 ||
	    jp_file(p, EC_FINDINGS_SBOMS, "sboms", "ndjson", &sb, err) == -1)
		return -1;
	p->out = sb;
	if (jp_each(p, "sbom", false, err) == -1 ||
	    jp_file(p, EC_FINDINGS_SBOMS, "sboms", "ndjson", &sb, err) == -1 ||
	    jp_input(p, "policy", p->st->source, p->st->id, p->st->version,
	    err) == -1 ||
	    jp_file(p, EC_FINDINGS_ADVISORIES, "advisories", "ndjson", &adv,
	    err) == -1)
		return -1;
	p->out = adv;
	if (jp_each(p, "advisory", true, err) == -1 ||
	    jp_file(p, EC_FINDINGS_ADVISORIES, "advisories", "ndjson", &adv,
	    err) == -1 ||
	    jp_file(p, EC_FINDINGS_VEX, "vex", "ndjson", &vex, err) == -1)
		return -1;
	p->out = vex;
	if (jp_each(p, "vex", true, err) == -1 ||
	    jp_file(p, EC_FINDINGS_VEX, "vex", "ndjson", &vex, err) == -1 ||
	    jp_summary(p, err) == -1 ||
	    jp_file(p, EC_FINDINGS_INPUTS, "inputs", "tsv", &p->inputs,
	    err) == -1)
		return -1;
	return jp_file(p, EC_FINDINGS_EVALS, "evaluations", "ndjson",
	    &p->evals, err);
}

static int
jp_write(struct ec_build *b, struct ec_err *err)
{
	struct jp_state		*st = ec_build_state(b);
	struct ec_file_desc	 fd = { EC_FILE_ITEM, "policy", "snapshot",
				    "json", EC_FINDINGS_SNAPSHOT };
	struct jp_pass		 p;
	int			 rc = -1;

	memset(&p, 0, sizeof(p));
	p.b = b;
	p.st = st;
	if (ec_build_add_mem(b, &fd, st->canon.data, st->canon.len, NULL,
	    err) == -1 ||
	    ec_findings_new(&p.f, st->pol, st->snapshot_us, err) == -1)
		return -1;
	if ((p.sboms = json_array()) == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	rc = jp_passes(&p, err);
out:
	/* Files left open are the driver's to discard. */
	json_decref(p.sboms);
	ec_findings_free(p.f);
	return rc;
}

const struct ec_profile ec_profile_json_policy = {
	.name = "json:policy",
	.build_type =
	    "https://stella-ops.org/export-center/profiles/json-policy/v1",
	.flags = EC_PROFILE_PACK,
	.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM |
	    EC_TARGET_POLICY,
	.formats = EC_FORMAT_NDJSON,
	.defaults = {
		.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX |
		    EC_TARGET_SBOM | EC_TARGET_POLICY,
		.formats = EC_FORMAT_NDJSON,
	},
	.params = jp_params,
	.check = jp_check,
	.plan = jp_plan,
	.write = jp_write,
};
