/*
 * ec_build: the profile's side of a build (ec_profile.h): its store,
 * tenant, selectors, parameters, state and snapshot time, the inputs it
 * records for inputsHash and provenance, the documents it skips, its
 * signer and the paths of its tree.  The driver is ec_export.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_export_int.h"
#include "ec_limits.h"

struct ec_store *
ec_build_store(struct ec_build *b)
{
	return b->store;
}

const char *
ec_build_tenant(const struct ec_build *b)
{
	return b->req->tenant;
}

const struct ec_selectors *
ec_build_selectors(const struct ec_build *b)
{
	return &b->sel;
}

const char *
ec_build_param(const struct ec_build *b, const char *key)
{
	size_t	i;

	for (i = 0; i < b->nparams; i++)
		if (strcmp(b->pkey[i], key) == 0)
			return b->pval[i];
	return NULL;
}

void
ec_build_set_state(struct ec_build *b, void *state, void (*release)(void *))
{
	if (b->release != NULL)
		b->release(b->state);
	b->state = state;
	b->release = release;
}

void *
ec_build_state(const struct ec_build *b)
{
	return b->state;
}

void
ec_build_set_snapshot(struct ec_build *b, int64_t us)
{
	b->snapshot_us = us;
}

static struct build_kind *
build_kind_find(struct ec_build *b, const char *kind)
{
	size_t	i;

	for (i = 0; i < b->nkinds; i++)
		if (strcmp(b->kinds[i].name, kind) == 0)
			return &b->kinds[i];
	return NULL;
}

/* The longest input line: what ec_buf allowed when it was formatted. */
#define BUILD_INPUT_LINE	(4 * EC_MAX_ID_LEN)

/* "kind\tsource\tid\tsha256\n" into "out"; its length, or 0 if too long. */
static size_t
build_input_line(char out[BUILD_INPUT_LINE], const char *kind,
    const char *source, const char *id, const char *sha256_hex)
{
	const char	*part[4] = { kind, source, id, sha256_hex };
	size_t		 n, len = 0;
	int		 i;

	for (i = 0; i < 4; i++) {
		n = strlen(part[i]);
		if (n >= BUILD_INPUT_LINE - len)
			return 0;
		memcpy(out + len, part[i], n);
		len += n;
		out[len++] = i < 3 ? '\t' : '\n';
	}
	return len;
}

int
ec_build_input(struct ec_build *b, const char *kind, const char *source,
    const char *id, const char *sha256_hex, struct ec_err *err)
{
	struct build_kind	*k = build_kind_find(b, kind);
	char			 line[BUILD_INPUT_LINE];
	size_t			 len;

	if (k == NULL) {
		if (b->nkinds == BUILD_MAX_KINDS ||
		    strlen(kind) >= sizeof(k->name))
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "too many input kinds");
		k = &b->kinds[b->nkinds++];
		(void)snprintf(k->name, sizeof(k->name), "%s", kind);
		ec_sha256_init(&k->h);
	}
	/*
	 * Ids hold no control characters, so tabs and newlines delimit.  One
	 * line per document, joined by hand: printf-style formatting and its
	 * allocation were a tenth of a json:raw export's time.
	 */
	if ((len = build_input_line(line, kind, source, id, sha256_hex)) == 0)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "data exceeds %d bytes", BUILD_INPUT_LINE);
	ec_sha256_update(&b->inputs, line, len);
	ec_sha256_update(&k->h, line, len);
	k->docs++;
	b->documents++;
	if (b->req->progress != NULL)
		b->req->progress(b->req->progress_arg, b->documents,
		    b->est_docs, b->bytes_out);
	return 0;
}

int
ec_build_skip(struct ec_build *b, const char *kind, const char *source,
    const char *id, const char *reason, struct ec_err *err)
{
	struct build_kind	*k = build_kind_find(b, kind);
	struct ec_buf		 line;
	int			 rc;

	if (k == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "skipped a %s that was never an input", kind);
	if (k->skipped == 0)
		ec_sha256_init(&k->skip_h);
	ec_buf_init(&line, 4 * EC_MAX_ID_LEN + 1024);
	rc = ec_buf_addf(&line, err, "%s\t%s\t%s\t%.1000s\n", kind, source,
	    id, reason);
	if (rc == 0) {
		ec_sha256_update(&k->skip_h, line.data, line.len);
		k->skipped++;
		b->skipped++;
	}
	ec_buf_dispose(&line);
	return rc;
}

const struct ec_signer *
ec_build_signer(const struct ec_build *b)
{
	return b->req->signer;
}

int
ec_build_tree_file(char out[EC_BUILD_FILE_MAX], const struct ec_build *b,
    const char *path, struct ec_err *err)
{
	if (snprintf(out, EC_BUILD_FILE_MAX, "%s/%s", b->tree, path) >=
	    EC_BUILD_FILE_MAX)
		return ec_err_set(err, EC_ERR_INTERNAL, "%s: path too long",
		    path);
	return 0;
}
