/*
 * json:raw: the evidence bundle.  The stored canonical documents go in as
 * they are, never parsed again:
 *
 *   data/advisories.json   canonical JSON array   (format json)
 *   data/advisories.ndjson one document per line  (format ndjson)
 *   data/vex.json, data/vex.ndjson                 likewise
 *   data/sboms/<source>/<id>.json                  one file per SBOM (json)
 *   data/sboms.ndjson                              (ndjson)
 *
 * Documents are ordered by (upstream id, source), bytewise, so the bytes
 * depend only on the store's contents.  Rows stream from PostgreSQL one at
 * a time (single-row mode) into spooled bundle members: memory does not
 * grow with the number of documents.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_profile.h"

/* Name parts taken from ids, so that paths fit a ustar name field. */
#define RAW_SOURCE_MAX	16
#define RAW_ID_MAX	48
#define RAW_PATH_MAX	(EC_BUNDLE_NAME_MAX + 1)

static const char raw_plan_sql[] =
    "SELECT kind, count(*), coalesce((extract(epoch FROM "
    "max(modified_at)) * 1000000)::int8, 0) FROM evidence "
    "WHERE kind = ANY($1::text[]) GROUP BY kind";

static const char raw_rows_sql[] =
    "SELECT source, upstream_id, sha256, doc FROM evidence "
    "WHERE kind = $1 ORDER BY upstream_id, source";

/* The evidence kinds json:raw exports, in the order they are written. */
static const struct raw_kind {
	unsigned	 target;
	const char	*kind;
	const char	*plural;	/* item id and file name */
} raw_kinds[] = {
	{ EC_TARGET_ADVISORY, "advisory", "advisories" },
	{ EC_TARGET_SBOM, "sbom", "sboms" },
	{ EC_TARGET_VEX, "vex", "vex" },
};
#define RAW_NKINDS	(sizeof(raw_kinds) / sizeof(raw_kinds[0]))

struct raw_pass {
	struct ec_build		*b;
	const struct raw_kind	*k;
	unsigned		 format;	/* EC_FORMAT_* */
	bool			 record;	/* first pass: record inputs */
	bool			 per_doc;	/* one item per document */
	uint64_t		 rows;
};

static bool
raw_per_doc(unsigned target, unsigned format)
{
	return target == EC_TARGET_SBOM && format == EC_FORMAT_JSON;
}

static int
raw_plan(struct ec_build *b, struct ec_err *err)
{
	const struct ec_selectors	*sel = ec_build_selectors(b);
	PGresult			*res;
	struct ec_buf			 kinds;
	const char			*vals[1];
	uint64_t			 outputs = 0, n;
	int64_t				 snap = 0, t;
	size_t				 i;
	unsigned			 f;
	int				 row, rc = -1;

	ec_buf_init(&kinds, 256);
	if (ec_buf_addc(&kinds, '{', err) == -1)
		goto out;
	for (i = 0; i < RAW_NKINDS; i++) {
		if ((sel->targets & raw_kinds[i].target) == 0)
			continue;
		if (ec_buf_addf(&kinds, err, "%s%s", kinds.len > 1 ? "," : "",
		    raw_kinds[i].kind) == -1)
			goto out;
		/* Aggregated files, counted even when empty. */
		for (f = 1; f < (1u << EC_FORMAT_COUNT); f <<= 1)
			if ((sel->formats & f) != 0 &&
			    !raw_per_doc(raw_kinds[i].target, f))
				outputs++;
	}
	if (ec_buf_addc(&kinds, '}', err) == -1)
		goto out;
	vals[0] = kinds.data;
	if ((res = ec_db_exec(ec_build_db(b), raw_plan_sql, 1, vals, NULL,
	    NULL, false, err)) == NULL)
		goto out;
	for (row = 0; row < PQntuples(res); row++) {
		n = strtoull(PQgetvalue(res, row, 1), NULL, 10);
		t = strtoll(PQgetvalue(res, row, 2), NULL, 10);
		/* Kinds written one file per document add a file each. */
		for (i = 0; i < RAW_NKINDS; i++)
			for (f = 1; f < (1u << EC_FORMAT_COUNT); f <<= 1)
				if ((sel->formats & f) != 0 &&
				    raw_per_doc(raw_kinds[i].target, f) &&
				    strcmp(PQgetvalue(res, row, 0),
				    raw_kinds[i].kind) == 0)
					outputs += n;
		if (t > snap)
			snap = t;
	}
	PQclear(res);
	if (outputs > EC_MAX_OUTPUTS) {
		(void)ec_err_set(err, EC_ERR_TOO_LARGE,
		    "export would have %llu outputs, more than %d (export "
		    "SBOMs as ndjson or narrow the targets)",
		    (unsigned long long)outputs, EC_MAX_OUTPUTS);
		goto out;
	}
	ec_build_set_snapshot(b, snap);
	rc = 0;
out:
	ec_buf_dispose(&kinds);
	return rc;
}

/* Path-safe copy of "s": [A-Za-z0-9._-], others as '_', cut at max. */
static bool
raw_safe(char *out, size_t max, const char *s)
{
	size_t	i;
	bool	changed = false;

	for (i = 0; s[i] != '\0' && i < max; i++) {
		if (ec_name_char(s[i]))
			out[i] = s[i];
		else {
			out[i] = '_';
			changed = true;
		}
	}
	out[i] = '\0';
	/* A leading dot would hide the file or make "." or "..". */
	if (out[0] == '.') {
		out[0] = '_';
		changed = true;
	}
	return changed || s[i] != '\0';
}

/*
 * data/sboms/<source>/<id>.json.  When the id had to be changed to be a
 * file name, a digest of the real id keeps names apart.
 */
static void
raw_sbom_path(char out[RAW_PATH_MAX], const char *source,
    const char *id)
{
	char	src[RAW_SOURCE_MAX + 1], name[RAW_ID_MAX + 1];
	char	h[EC_SHA256_HEX];

	(void)raw_safe(src, RAW_SOURCE_MAX, source);
	if (raw_safe(name, RAW_ID_MAX, id)) {
		ec_sha256_hex(h, id, strlen(id));
		(void)snprintf(out, RAW_PATH_MAX,
		    "data/sboms/%s/%s-%.16s.json", src, name, h);
	} else
		(void)snprintf(out, RAW_PATH_MAX,
		    "data/sboms/%s/%s.json", src, name);
}

static int
raw_row(void *arg, const PGresult *row, struct ec_err *err)
{
	struct raw_pass	*p = arg;
	const char	*source = PQgetvalue(row, 0, 0);
	const char	*id = PQgetvalue(row, 0, 1);
	const char	*sha = PQgetvalue(row, 0, 2);
	const char	*doc = PQgetvalue(row, 0, 3);
	size_t		 len = (size_t)PQgetlength(row, 0, 3);
	char		 path[RAW_PATH_MAX];

	if (p->record && ec_build_input(p->b, p->k->kind, source, id, sha,
	    err) == -1)
		return -1;
	if (p->per_doc) {
		raw_sbom_path(path, source, id);
		return ec_build_item_open(p->b, p->k->kind, id, "json", path,
		    err) == -1 ||
		    ec_build_item_write(p->b, doc, len, err) == -1 ||
		    ec_build_item_close(p->b, err) == -1 ? -1 : 0;
	}
	/* A canonical array is its canonical elements joined by commas. */
	if ((p->format == EC_FORMAT_JSON && p->rows > 0 &&
	    ec_build_item_write(p->b, ",", 1, err) == -1) ||
	    ec_build_item_write(p->b, doc, len, err) == -1 ||
	    (p->format == EC_FORMAT_NDJSON &&
	    ec_build_item_write(p->b, "\n", 1, err) == -1))
		return -1;
	p->rows++;
	return 0;
}

static int
raw_pass(struct raw_pass *p, struct ec_err *err)
{
	const char	*fmt = ec_format_out_name(p->format);
	const char	*vals[1] = { p->k->kind };
	char		 path[RAW_PATH_MAX];
	bool		 json = p->format == EC_FORMAT_JSON;

	if (!p->per_doc) {
		(void)snprintf(path, sizeof(path), "data/%s.%s", p->k->plural,
		    fmt);
		if (ec_build_item_open(p->b, p->k->kind, p->k->plural, fmt,
		    path, err) == -1 ||
		    (json && ec_build_item_write(p->b, "[", 1, err) == -1))
			return -1;
	}
	if (ec_db_stream(ec_build_db(p->b), raw_rows_sql, 1, vals, true,
	    raw_row, p, err) != 0)
		return -1;
	if (!p->per_doc && ((json && ec_build_item_write(p->b, "]", 1,
	    err) == -1) || ec_build_item_close(p->b, err) == -1))
		return -1;
	return 0;
}

static int
raw_write(struct ec_build *b, struct ec_err *err)
{
	const struct ec_selectors	*sel = ec_build_selectors(b);
	struct raw_pass			 p;
	size_t				 i;
	unsigned			 f;

	for (i = 0; i < RAW_NKINDS; i++) {
		if ((sel->targets & raw_kinds[i].target) == 0)
			continue;
		memset(&p, 0, sizeof(p));
		p.b = b;
		p.k = &raw_kinds[i];
		p.record = true;
		/* One pass per format; only the first records the inputs. */
		for (f = 1; f < (1u << EC_FORMAT_COUNT); f <<= 1) {
			if ((sel->formats & f) == 0)
				continue;
			p.format = f;
			p.per_doc = raw_per_doc(p.k->target, f);
			p.rows = 0;
			if (raw_pass(&p, err) == -1)
				return -1;
			p.record = false;
		}
	}
	return 0;
}

const struct ec_profile ec_profile_json_raw = {
	.name = "json:raw",
	.build_type = "https://stella-ops.org/export-center/profiles/json-raw/v1",
	.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM,
	.formats = EC_FORMAT_JSON | EC_FORMAT_NDJSON,
	.defaults = {
		.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM,
		.formats = EC_FORMAT_JSON,
	},
	.plan = raw_plan,
	.write = raw_write,
};
