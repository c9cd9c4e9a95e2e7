/*
 * ec_prov: provenance.json, an in-toto Statement v1 whose predicate is
 * SLSA Provenance v1 (specs/signing-formats.md sections 2 and 3).  The
 * subjects are the bundle's files; buildDefinition holds the profile and
 * selectors (externalParameters) and the input digests
 * (resolvedDependencies).  No wall-clock time goes in: the statement is
 * part of the byte-reproducible bundle, so runDetails.metadata carries the
 * run id only and the times live in the run record.
 */
#ifndef EC_PROV_H
#define EC_PROV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_err.h"
#include "ec_hash.h"

#define EC_PROV_NAME		"provenance.json"
#define EC_INTOTO_STATEMENT	"https://in-toto.io/Statement/v1"
#define EC_SLSA_PROVENANCE	"https://slsa.dev/provenance/v1"
#define EC_INTOTO_PAYLOAD_TYPE	"application/vnd.in-toto+json"
#define EC_BUILDER_ID		"https://stella-ops.org/export-center/builder/v1"

struct ec_prov;	/* opaque */

/* Start a statement; every string is copied.  "params" is borrowed. */
int	ec_prov_new(struct ec_prov **out, const char *build_type,
	    const char *run_id, const json_t *params, struct ec_err *err)
	    EC_MUST_CHECK;
/* A subject (a bundle file) and a resolved dependency (an input set). */
int	ec_prov_subject(struct ec_prov *p, const char *name,
	    const uint8_t digest[EC_SHA256_LEN], struct ec_err *err)
	    EC_MUST_CHECK;
int	ec_prov_dependency(struct ec_prov *p, const char *name,
	    const char *sha256_hex, uint64_t documents, struct ec_err *err)
	    EC_MUST_CHECK;
/*
 * Set buildDefinition.internalParameters to "params" (borrowed, copied);
 * without the call there is none.  EC_ERR_NOMEM.
 */
int	ec_prov_internal(struct ec_prov *p, const json_t *params,
	    struct ec_err *err) EC_MUST_CHECK;
/* Append the statement's canonical JSON bytes to "out". */
int	ec_prov_write(struct ec_buf *out, const struct ec_prov *p,
	    struct ec_err *err) EC_MUST_CHECK;
void	ec_prov_free(struct ec_prov *p);

/*
 * Check an untrusted statement: its _type and predicateType, and that
 * every subject's sha256 is what "lookup" says the bundle holds under that
 * name (lookup returns -1 for a name it does not know).  EC_ERR_VERIFY
 * naming the first subject that fails.
 */
typedef int ec_prov_lookup_fn(void *arg, const char *name,
    uint8_t digest_out[EC_SHA256_LEN]);
int	ec_prov_check(const char *p, size_t len, ec_prov_lookup_fn *lookup,
	    void *arg, size_t *subjects_out, struct ec_err *err) EC_MUST_CHECK;

#endif
