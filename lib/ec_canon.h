/*
 * ec_canon: canonical JSON per RFC 8785 (JSON Canonicalization Scheme), on
 * Jansson.  Every JSON document the Export Center hashes or signs (manifests,
 * ingested evidence, DSSE payloads) goes through here, so that the same data
 * always gives the same bytes and therefore the same digest.
 *
 * Input is held to I-JSON (RFC 7493, required by RFC 8785 section 3.1):
 * unique member names, valid Unicode, numbers that are IEEE 754 doubles.
 * Any JSON value may be the top level (RFC 8259 section 2), not only an
 * object or an array.
 *
 * Known limit: Jansson refuses U+0000 inside a member name, so such a name
 * is rejected even though I-JSON allows it.  U+0000 in a string value is
 * accepted and comes out as \u0000.
 */
#ifndef EC_CANON_H
#define EC_CANON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_err.h"

/*
 * Deepest nesting of arrays and objects accepted, counting the outermost
 * container as 1.  Parsing and serialising recurse once per level, so this
 * bounds the stack a hostile document can make us use (Jansson's own bound
 * is 2048).  The evidence formats we handle (OSV, OpenVEX, CSAF, CycloneDX,
 * SPDX, in-toto) nest fewer than 20 levels; 128 leaves ample room.  Past it
 * parse and dump fail with EC_ERR_REQUEST_INVALID.
 */
#define EC_CANON_MAX_DEPTH	128

/*
 * Parse "len" bytes at "in" (no NUL needed) with the RFC 8785 input rules:
 * duplicate member names, invalid UTF-8 (overlong forms and encoded
 * surrogates included), lone \uD800-\uDFFF escapes, trailing data and
 * nesting past EC_CANON_MAX_DEPTH are rejected, and so are numbers that
 * I-JSON (RFC 7493 2.2) refuses: integers beyond 2^53 in magnitude
 * (unless written exactly as RFC 8785 writes their double, so that
 * canonical output always parses again), and numbers that would overflow
 * to infinity or underflow to 0.  Nothing is silently altered.  Every
 * number becomes a JSON real holding the nearest double.  \u0000 is
 * allowed in string values.  Before any tree is built, the text is
 * scanned once and refused past EC_MAX_JSON_NODES values and member names
 * (ec_limits.h), so that memory stays bounded whatever the input.
 *
 * Returns a new reference the caller owns (json_decref), or NULL with
 * EC_ERR_REQUEST_INVALID and a message such as "line 3, column 5: duplicate
 * object key" (columns count characters), EC_ERR_TOO_LARGE for text past
 * EC_MAX_DOC_BYTES, or EC_ERR_NOMEM.
 */
json_t	*ec_canon_parse(const char *in, size_t len, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * ec_canon_parse() with a tighter node bound: at most "max_nodes" values
 * and member names, for documents whose shape is known to be small (a DSSE
 * envelope, a manifest).
 */
json_t	*ec_canon_parse_max(const char *in, size_t len, size_t max_nodes,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Append the RFC 8785 serialisation of "v" (borrowed, not modified) to
 * "out": no whitespace, members sorted by UTF-16 code units, strings and
 * numbers in their ECMAScript form.  A JSON integer is written as the
 * double of the same value; one whose magnitude exceeds 2^53 fails with
 * EC_ERR_REQUEST_INVALID, since it would not survive the trip through a
 * double.  So do NaN and infinities, strings or member names that are not
 * valid UTF-8 (possible through Jansson's _nocheck setters) and nesting
 * past EC_CANON_MAX_DEPTH.  EC_ERR_TOO_LARGE once out's ceiling would be
 * passed; EC_ERR_NOMEM.  On failure out is left as it was on entry.
 */
int	ec_canon_dump(struct ec_buf *out, const json_t *v, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * ec_canon_parse() then ec_canon_dump(): the canonical form of the JSON
 * text at "in" is appended to "out".  Fails as those two do; on failure
 * out is left as it was on entry.
 */
int	ec_canon_bytes(struct ec_buf *out, const char *in, size_t len,
	    struct ec_err *err) EC_MUST_CHECK;

/* The same for the NUL-terminated string "in". */
int	ec_canon_string(struct ec_buf *out, const char *in,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * The member names of object "obj" in byte order (strcmp), as the other
 * sorted-key dialects want them (TUF's canonical JSON, Go's
 * encoding/json maps); RFC 8785 orders by UTF-16 instead.  *out (free(3)
 * it, not the names, which "obj" owns) has *n_out entries; EC_ERR_NOMEM.
 */
int	ec_canon_sorted_keys(const char ***out, size_t *n_out, const json_t *obj,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * A top-level member ec_canon_fast() should locate: "name" (set by the
 * caller, NUL-terminated); on return "found", and where the member's
 * canonical value lies in the output buffer: "off" and "len" bytes.
 */
struct ec_canon_pick {
	const char	*name;
	bool		 found;
	size_t		 off, len;
};

/*
 * The canonical form of the JSON text at "in", appended to "out", in one
 * pass without building a tree: the same bytes as ec_canon_bytes() gives
 * for every text this accepts.  It declines, returning 1 with "out" as it
 * was, whatever is not plain: any error (the general path then gives the
 * authoritative one), an escape in a member name, a number that needs the
 * I-JSON checks, text past EC_MAX_DOC_BYTES, nesting or node counts past
 * ec_canon_parse()'s bounds, or out's ceiling.  -1 only for EC_ERR_NOMEM.
 * When the top level is an object, each of the "npicks" entries of
 * "picks" (may be NULL when npicks is 0) says whether a member of that
 * name is there and where its value was written.
 */
int	ec_canon_fast(struct ec_buf *out, struct ec_canon_pick *picks,
	    size_t npicks, const char *in, size_t len, struct ec_err *err)
	    EC_MUST_CHECK;

#endif
