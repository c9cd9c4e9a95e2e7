/*
 * ec_dsse: Dead Simple Signing Envelopes, protocol v1.0.0
 * (secure-systems-lab/dsse; signing-formats.md section 1).  A signature
 * covers PAE(payloadType, payload), never the JSON, so the envelope is
 * only transport.  We write
 *
 *   {"payload":"<b64>","payloadType":"<type>","signatures":
 *   [{"keyid":"<hex>","sig":"<b64>"},...]}
 *
 * on one line, keys sorted, no whitespace (RFC 8785 for these ASCII
 * strings), standard base64 with padding: the same inputs give the same
 * bytes.  We read standard and URL-safe base64, padded or not, as the spec
 * requires of verifiers.  A keyid is an unauthenticated hint and decides
 * nothing here.
 */
#ifndef EC_DSSE_H
#define EC_DSSE_H

#include <stddef.h>

#include "ec_buf.h"
#include "ec_err.h"
#include "ec_key.h"

/*
 * Signatures read from one envelope.  Each costs a verification over the
 * whole payload, so a hostile envelope with thousands of them would be a
 * CPU sink; we write at most a handful (t-of-n policies are small).  Past
 * it the envelope is rejected (EC_ERR_VERIFY).
 */
#define EC_DSSE_MAX_SIGNATURES	16
/*
 * Decoded size of one signature read.  Ed25519 takes 64 bytes, DER ECDSA
 * P-256 at most 72; a longer one cannot verify and is skipped undecoded.
 */
#define EC_DSSE_MAX_SIG_BYTES	512

/*
 * Append PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP
 * body to "out", LEN being the decimal byte length (DSSE protocol v1.0.0).
 * The buffer's EC_ERR_TOO_LARGE or EC_ERR_NOMEM; "out" is unchanged on
 * failure.
 */
int	ec_dsse_pae(struct ec_buf *out, const char *type, const void *body,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;

/*
 * Sign "len" bytes of "payload" as "payload_type" with each of signers[0],
 * ..., signers[n - 1] (borrowed for the call) and append the envelope JSON
 * to "out", signatures in that order.  payload_type must be 1 to 256
 * printable ASCII characters (a media type; EC_ERR_REQUEST_INVALID
 * otherwise).  n == 0 is EC_ERR_INTERNAL.  The signers' codes pass
 * through; the buffer's ceiling gives EC_ERR_TOO_LARGE.  "out" is unchanged
 * on failure.
 */
int	ec_dsse_sign(struct ec_buf *out, const char *payload_type,
	    const void *payload, size_t len,
	    const struct ec_signer *const *signers, size_t n,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Verify the "env_len" bytes of the envelope at "env" (untrusted; need not
 * be NUL-terminated) with the key "v" and, on success, append the decoded
 * payload to payload_out.  Success needs a signature that verifies over
 * PAE(payloadType, payload) under "v", then payloadType equal to want_type,
 * in that order (the spec's verification order).  Every signature is tried
 * whatever its keyid.
 *
 * EC_ERR_VERIFY, with a message fit for a client, when the envelope is not
 * JSON or not of the DSSE shape ("malformed envelope: ..."), has more than
 * EC_DSSE_MAX_SIGNATURES signatures (refused by a scan of the text before
 * any of them is parsed, so memory and time stay small), has no signature
 * by "v" that verifies ("no signature by key <keyid> verifies"), or
 * carries another payloadType
 * ("payloadType is X, want Y").  env_len over EC_MAX_META_BYTES is
 * EC_ERR_TOO_LARGE; so is a payload past payload_out's ceiling, which is
 * then unchanged.  EC_ERR_NOMEM.
 */
int	ec_dsse_verify(struct ec_buf *payload_out, const char *env,
	    size_t env_len, const char *want_type, const struct ec_verifier *v,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
