/*
 * json:raw: the evidence bundle.  The stored canonical documents go in as
 * they are, never parsed again:
 *
 *   data/advisories.json   canonical JSON array   (format json)
 *   data/advisories.ndjson one document per line  (format ndjson)
 *   data/vex.json, data/vex.ndjson                 likewise
 *   data/sboms/<source>/<id>-<digest>.json         one file per SBOM (json)
 *   data/sboms.ndjson                              (ndjson)
 *
 * Documents are ordered by (upstream id, source), bytewise, so the bytes
 * depend only on the store's contents.  They stream from the store
 * (ec_store.h) in bounded batches into the output files: memory does not
 * grow with the number of documents.  The output is packed into one
 * .tar.zst (EC_PROFILE_PACK); the profile takes no parameters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_bundle.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_profile.h"
#include "ec_store.h"

/* Name parts taken from ids, so that paths fit a ustar name field. */
#define RAW_SOURCE_MAX	16
#define RAW_ID_MAX	40
/* Hex digits of the (source, id) digest in an SBOM's file name: 96 bits. */
#define RAW_PAIR_HEX	24
#define RAW_PATH_MAX	(EC_BUNDLE_NAME_MAX + 1)

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
	struct ec_build_item	*it;		/* the aggregated file */
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
	struct ec_store_stats		 st;
	uint64_t			 outputs = 0, docs = 0, bytes = 0;
	int64_t				 snap = 0;
	size_t				 i;
	unsigned			 f;

	for (i = 0; i < RAW_NKINDS; i++) {
		if ((sel->targets & raw_kinds[i].target) == 0)
			continue;
		if (ec_store_stats(&st, ec_build_store(b), raw_kinds[i].kind,
		    err) == -1)
			return -1;
		/*
		 * Aggregated files count even when empty; kinds written one
		 * file per document add a file each.
		 */
		for (f = 1; f < (1u << EC_FORMAT_COUNT); f <<= 1)
			if ((sel->formats & f) != 0) {
				outputs += raw_per_doc(raw_kinds[i].target,
				    f) ? st.docs : 1;
				/* The documents, and a separator each. */
				bytes += st.bytes + st.docs + 2;
			}
		docs += st.docs;
		if (st.max_modified_us > snap)
			snap = st.max_modified_us;
	}
	if (outputs > EC_MAX_OUTPUTS)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "export would have %llu outputs, more than %d (export "
		    "SBOMs as ndjson or narrow the targets)",
		    (unsigned long long)outputs, EC_MAX_OUTPUTS);
	ec_build_set_snapshot(b, snap);
	ec_build_set_estimate(b, docs, outputs, bytes);
	return 0;
}

/* Path-safe copy of "s": [A-Za-z0-9._-], others as '_', cut at max. */
static void
raw_safe(char *out, size_t max, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < max; i++)
		out[i] = ec_name_char(s[i]) ? s[i] : '_';
	out[i] = '\0';
	/* A leading dot would hide the file or make "." or "..". */
	if (out[0] == '.')
		out[0] = '_';
}

/*
 * data/sboms/<source>/<id>-<digest>.json, at most 98 bytes (ustar).  The
 * readable parts are cut and sanitised, so they alone can collide (two
 * long sources, an id crafted to equal another's sanitised form); the
 * digest, always there, is over the whole pair framed by the source's
 * length, so distinct (source, id) pairs get distinct names.
 */
static int
raw_sbom_path(char out[RAW_PATH_MAX], const char *source, const char *id,
    struct ec_err *err)
{
	struct ec_buf	pair;
	char		src[RAW_SOURCE_MAX + 1], name[RAW_ID_MAX + 1];
	char		h[EC_SHA256_HEX];

	ec_buf_init(&pair, 4 * EC_MAX_ID_LEN);
	if (ec_buf_addf(&pair, err, "%zu:%s%s", strlen(source), source,
	    id) == -1) {
		ec_buf_dispose(&pair);
		return -1;
	}
	ec_sha256_hex(h, pair.data, pair.len);
	ec_buf_dispose(&pair);
	raw_safe(src, RAW_SOURCE_MAX, source);
	raw_safe(name, RAW_ID_MAX, id);
	(void)snprintf(out, RAW_PATH_MAX, "data/sboms/%s/%s-%.*s.json", src,
	    name, RAW_PAIR_HEX, h);
	return 0;
}

static int
raw_doc_file(struct raw_pass *p, const struct ec_store_doc *d,
    struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_ITEM, p->k->kind, d->id,
				    "json", NULL };
	char			 path[RAW_PATH_MAX];

	if (raw_sbom_path(path, d->source, d->id, err) == -1)
		return -1;
	fd.path = path;
	return ec_build_add_mem(p->b, &fd, d->doc, d->len, NULL, err);
}

static int
raw_row(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	struct raw_pass	*p = arg;

	if (p->record && ec_build_input(p->b, p->k->kind, d->source, d->id,
	    d->sha256, err) == -1)
		return -1;
	if (p->per_doc)
		return raw_doc_file(p, d, err);
	/* A canonical array is its canonical elements joined by commas. */
	if ((p->format == EC_FORMAT_JSON && p->rows > 0 &&
	    ec_build_item_write(p->it, ",", 1, err) == -1) ||
	    ec_build_item_write(p->it, d->doc, d->len, err) == -1 ||
	    (p->format == EC_FORMAT_NDJSON &&
	    ec_build_item_write(p->it, "\n", 1, err) == -1))
		return -1;
	p->rows++;
	return 0;
}

static int
raw_pass(struct raw_pass *p, struct ec_err *err)
{
	const char		*fmt = ec_format_out_name(p->format);
	struct ec_file_desc	 fd = { EC_FILE_ITEM, p->k->kind,
				    p->k->plural, fmt, NULL };
	char			 path[RAW_PATH_MAX];
	bool			 json = p->format == EC_FORMAT_JSON;

	p->it = NULL;
	if (!p->per_doc) {
		(void)snprintf(path, sizeof(path), "data/%s.%s", p->k->plural,
		    fmt);
		if (ec_build_item_open(&p->it, p->b, path, err) == -1 ||
		    (json && ec_build_item_write(p->it, "[", 1, err) == -1))
			return -1;
	}
	if (ec_store_each(ec_build_store(p->b), p->k->kind, raw_row, p,
	    err) != 0)
		return -1;
	if (p->per_doc)
		return 0;
	if (json && ec_build_item_write(p->it, "]", 1, err) == -1)
		return -1;
	return ec_build_item_close(p->it, &fd, NULL, NULL, err);
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
	.flags = EC_PROFILE_PACK,
	.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM,
	.formats = EC_FORMAT_JSON | EC_FORMAT_NDJSON,
	.defaults = {
		.targets = EC_TARGET_ADVISORY | EC_TARGET_VEX | EC_TARGET_SBOM,
		.formats = EC_FORMAT_JSON,
	},
	.plan = raw_plan,
	.write = raw_write,
};
