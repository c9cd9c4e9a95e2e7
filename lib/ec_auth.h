/*
 * ec_auth: authentication of an API request by a DPoP-bound access token
 * (RFC 9449): "Authorization: DPoP <access token>" and "DPoP: <proof>".
 *
 * The access token is a JWT (RFC 7519) from the one configured issuer,
 * signed with a configured asymmetric algorithm (ES256) by a key of the
 * issuer's JWK set, selected by "kid".  The algorithm is checked against
 * the configuration before libjwt is given any key: libjwt 1.10 takes the
 * algorithm from the token, so a token saying HS256 would be checked as
 * an HMAC keyed with the issuer's public PEM, and one saying "none" with
 * no key at all (RFC 8725 2.1, 3.1).  The proof is a JWS whose "typ"
 * libjwt 1.10 refuses (it accepts only "JWT"), so its ES256 signature is
 * checked (ec_jwk_verify_es256, libcrypto) against the "jwk" in its own
 * header.
 *
 * Checks, in this order (RFC 9449 4.3 and 7.1; RFC 7519 4.1):
 *  1. Authorization scheme "DPoP" with one token; one DPoP header.
 *  2. Proof: "typ" "dpop+jwt", "alg" configured, no "crit", a public P-256
 *     "jwk" (no private member), the signature by that key; "htm" equals
 *     the method; "htu", without query or fragment, equals the request's
 *     scheme (http or https), Host (host and port only) and path after
 *     RFC 3986 6.2.2/6.2.3 normalisation;
 *     "iat" no older than proof_max_age and no more than leeway ahead;
 *     "jti" of 1 to EC_AUTH_MAX_JTI printable characters; "ath" equals
 *     base64url(SHA-256(access token)).
 *  3. Access token: "typ" absent or "JWT", "alg" configured, no "crit",
 *     a known "kid" (optional for a one-key set), the signature; "iss"
 *     equals the issuer; "aud" (string or array) holds the audience;
 *     "exp" required and "nbf", "iat" optional, with leeway; "cnf"."jkt"
 *     equals the RFC 7638 thumbprint of the proof's jwk.
 *  4. The request's scope ("scope", space-separated: export:read,
 *     export:write) and tenant ("tenant" equal to X-StellaOps-Tenant).
 *  5. The proof's jti has not been seen (the caller's replay store).
 * Failures of 1-3 and 5 are EC_ERR_UNAUTHORIZED (401), of 4
 * EC_ERR_FORBIDDEN (403); a missing or malformed tenant header is
 * EC_ERR_REQUEST_INVALID (400).  Messages are fit for the client and
 * never quote token bytes.  Every input is bounded (ec_limits.h).
 * Nothing here logs.
 *
 * Remembered tokens: an ec_auth keeps the last 64 access tokens that
 * passed step 3, by the SHA-256 of their bytes (computed for "ath"
 * anyway), with the claims step 3 read from them.  A request with one of
 * them skips the token's parse and signature check (half the ECDSA work
 * of a request); its exp, nbf and iat are compared with the clock again,
 * cnf.jkt with this proof's key, and steps 1, 2, 4 and 5 run in full.  A
 * slot is reused once its token has expired.  The proof's key is
 * imported into libcrypto once and remembered too (ec_jwk_cache,
 * ec_jose.h); its signature is verified on every request.  So an ec_auth
 * is not for concurrent use by threads; each FastCGI worker has its own.
 */
#ifndef EC_AUTH_H
#define EC_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_buf.h"
#include "ec_err.h"
#include "ec_jose.h"
#include "ec_limits.h"

/* Scopes, as bits. */
#define EC_AUTH_SCOPE_READ	0x1u	/* "export:read": GET */
#define EC_AUTH_SCOPE_WRITE	0x2u	/* "export:write": POST */

/* Defaults ec_auth_config_init() sets. */
#define EC_AUTH_DEFAULT_AUDIENCE	"export-center"
#define EC_AUTH_DEFAULT_ALGORITHMS	"ES256"
#define EC_AUTH_DEFAULT_LEEWAY		30	/* seconds */
#define EC_AUTH_DEFAULT_PROOF_MAX_AGE	60	/* seconds */

/* Which challenge a failure earns (RFC 9449 7.1, RFC 6750 3.1). */
enum ec_auth_fault {
	EC_AUTH_FAULT_NONE = 0,
	EC_AUTH_FAULT_MISSING,	/* no credentials: a challenge, no error */
	EC_AUTH_FAULT_REQUEST,	/* invalid_request: header missing or doubled */
	EC_AUTH_FAULT_TOKEN,	/* invalid_token */
	EC_AUTH_FAULT_PROOF,	/* invalid_dpop_proof */
	EC_AUTH_FAULT_SCOPE	/* insufficient_scope (and tenant) */
};

/* Clock: seconds since the epoch. */
typedef int64_t	ec_auth_clock_fn(void *arg);
/*
 * Replay store: record "jti" (from a proof whose "iat" is "iat") and
 * return 0 if it was new, 1 if it had been seen, or -1 with "err" set (its
 * code goes to the client unchanged, e.g. EC_ERR_UNAVAILABLE).  It must
 * remember a jti for at least proof_max_age + leeway seconds past iat.
 * It may instead return 2, "deferred": the request is accepted with the
 * principal's jti_deferred set, and the caller must record the jti in the
 * same transaction as the reads of its answer, and answer a jti that had
 * been seen as a replay (401, EC_AUTH_FAULT_PROOF) and with nothing else.
 */
typedef int	ec_auth_seen_fn(void *arg, const char *jti, int64_t iat,
		    struct ec_err *err);

/* Configuration; strings are borrowed for the call to ec_auth_new only. */
struct ec_auth_config {
	const char	*issuer;	/* required: the exact "iss" */
	const char	*audience;	/* an "aud" entry to require */
	const char	*jwks_path;	/* the issuer's JWK set */
	const char	*algorithms;	/* space- or comma-separated */
	int64_t		 leeway;	/* seconds, for exp, nbf and iat */
	int64_t		 proof_max_age;	/* seconds a proof is fresh */
	ec_auth_clock_fn *clock;	/* NULL: time(3) */
	void		*clock_arg;
};

/* What a request says about itself; strings are NUL-terminated. */
struct ec_auth_request {
	const char	*authorization;	/* Authorization header, or NULL */
	const char	*dpop;		/* DPoP header, or NULL */
	int		 dpop_count;	/* DPoP headers received */
	const char	*method;	/* REQUEST_METHOD */
	const char	*scheme;	/* "https" (nginx's $scheme) */
	const char	*host;		/* Host header, with any port */
	const char	*uri;		/* REQUEST_URI; the query is ignored */
	const char	*tenant;	/* X-StellaOps-Tenant, or NULL */
	unsigned	 scope;		/* EC_AUTH_SCOPE_* the request needs */
	ec_auth_seen_fn	*seen;		/* required */
	void		*seen_arg;
};

/* Who the request is from. */
struct ec_auth_principal {
	char		tenant[EC_MAX_TENANT_LEN + 1];
	char		subject[EC_AUTH_MAX_SUB + 1];	/* "sub", or "" */
	char		jkt[EC_JOSE_THUMB_SIZE];	/* the client key */
	char		jti[EC_AUTH_MAX_JTI + 1];
	unsigned	scopes;		/* EC_AUTH_SCOPE_* granted */
	int64_t		exp;		/* token expiry, seconds */
	bool		jti_deferred;	/* the replay store answered 2 */
};

struct ec_auth;	/* opaque: a loaded configuration */

/* Fill "c" with the defaults above and NULL everything else. */
void	ec_auth_config_init(struct ec_auth_config *c);

/*
 * Load a configuration: the JWK set (ec_jwks_load and its codes) and the
 * algorithm list, of which only "ES256" is supported: "none", HMAC and any
 * other name are EC_ERR_REQUEST_INVALID, as are a missing issuer, a
 * negative leeway or age, and a proof_max_age of 0.  *out is the caller's.
 */
int	ec_auth_new(struct ec_auth **out, const struct ec_auth_config *c,
	    struct ec_err *err) EC_MUST_CHECK;
/* Release.  NULL is a no-op. */
void	ec_auth_free(struct ec_auth *a);

/*
 * The refusal of a replayed proof, for a caller that deferred the replay
 * store (above): EC_ERR_UNAUTHORIZED, to be answered with
 * EC_AUTH_FAULT_PROOF.  Returns -1.
 */
int	ec_auth_replay(struct ec_err *err);

/* Requests whose access token was a remembered one, since ec_auth_new. */
uint64_t	ec_auth_cache_hits(const struct ec_auth *a);
/*
 * Requests whose proof key was a remembered import (ec_jwk_cache, by the
 * key's thumbprint and point; the signature is verified every time).
 */
uint64_t	ec_auth_key_hits(const struct ec_auth *a);

/*
 * Authenticate "rq" as described at the top.  On success *out describes
 * the caller.  *fault_out (which may be NULL) is always written: the
 * WWW-Authenticate error for a failure, EC_AUTH_FAULT_NONE on success.
 * Codes: EC_ERR_UNAUTHORIZED, EC_ERR_FORBIDDEN, EC_ERR_REQUEST_INVALID,
 * the replay store's own, EC_ERR_NOMEM, EC_ERR_CRYPTO, EC_ERR_INTERNAL (no
 * replay store given).  The replay store is called last, only for a
 * request that passed every other check.
 */
int	ec_auth_verify(struct ec_auth_principal *out,
	    enum ec_auth_fault *fault_out, const struct ec_auth *a,
	    const struct ec_auth_request *rq, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The error attribute of the WWW-Authenticate challenge for "f":
 * "invalid_token", "invalid_dpop_proof", ...; "" for EC_AUTH_FAULT_NONE and
 * EC_AUTH_FAULT_MISSING (RFC 6750 3.1: no error without credentials).
 */
const char	*ec_auth_fault_name(enum ec_auth_fault f);

/*
 * Normalise an http(s) URI for the htu comparison (RFC 9449 4.3 step 9,
 * RFC 3986 6.2.2 and 6.2.3): scheme and host lower-cased, a default or
 * empty port dropped, percent-encodings of unreserved characters decoded
 * and the others upper-cased, dot segments removed, an empty path made
 * "/".  With strip_query a query or fragment is dropped; without, one is
 * refused.  Userinfo, characters outside RFC 3986, bad percent-encodings
 * and more than EC_AUTH_MAX_HTU bytes are refused.  Appends to "out" (at
 * most EC_AUTH_MAX_HTU bytes); EC_ERR_UNAUTHORIZED; the buffer's codes.
 */
int	ec_auth_htu_normalise(struct ec_buf *out, const char *uri,
	    size_t len, bool strip_query, struct ec_err *err) EC_MUST_CHECK;

#endif
