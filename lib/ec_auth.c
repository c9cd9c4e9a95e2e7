/* ec_auth: DPoP-bound access tokens (RFC 9449) on libjwt and ec_jose. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <jwt.h>
#include <nettle/memops.h>

#include "ec_auth.h"
#include "ec_hash.h"

/* Algorithms a configuration may name, as bits. */
#define AUTH_ALG_ES256	0x1u

/* A NumericDate (RFC 7519 2) we can hold: within +-2^53 seconds. */
#define AUTH_MAX_TIME	9007199254740992LL

/* Configuration strings: an issuer URL or an audience name. */
#define AUTH_MAX_CONF	1024

/* Verified access tokens remembered (see ec_auth.h, "Remembered tokens"). */
#define AUTH_CACHE_SLOTS	64

/*
 * What a verified access token says, by the SHA-256 of its bytes: the
 * times are checked again on every use, the rest is a function of the
 * bytes alone under one configuration.
 */
struct auth_cached {
	uint8_t		digest[EC_SHA256_LEN];
	bool		used;
	bool		has_nbf, has_iat;
	int64_t		exp, nbf, iat;
	char		jkt[EC_JOSE_THUMB_SIZE];	/* cnf.jkt */
	char		tenant[EC_MAX_TENANT_LEN + 1];
	char		subject[EC_AUTH_MAX_SUB + 1];
	unsigned	scopes;
};

struct auth_cache {
	struct auth_cached	slot[AUTH_CACHE_SLOTS];
	unsigned		next;	/* round-robin victim */
	uint64_t		hits;
};

struct ec_auth {
	char			 issuer[AUTH_MAX_CONF + 1];
	char			 audience[AUTH_MAX_CONF + 1];
	unsigned		 algs;		/* AUTH_ALG_* */
	int64_t			 leeway;
	int64_t			 proof_max_age;
	ec_auth_clock_fn	*clock;
	void			*clock_arg;
	struct ec_jwks		*jwks;		/* owned */
	/* Mutable through a const ec_auth: a memo, not configuration. */
	struct auth_cache	*cache;		/* owned */
	struct ec_jwk_cache	*keys;		/* owned: proof keys */
};

/* One request's working state. */
struct auth_ctx {
	const struct ec_auth		*a;
	const struct ec_auth_request	*rq;
	enum ec_auth_fault		 fault;
	int64_t				 now;
	struct ec_slice			 token;	/* borrowed from rq */
	struct ec_slice			 proof;	/* borrowed from rq */
	struct ec_jwk			 proof_key;
	struct ec_jws			 pj;	/* the proof */
	struct ec_jws			 tj;	/* the access token */
	uint8_t				 token_digest[EC_SHA256_LEN];
	struct auth_cached		 claims;	/* of the token */
	int64_t				 proof_iat;
	struct ec_err			*err;
};

static const struct {
	const char	*name;
	unsigned	 bits;
} auth_scopes[] = {
	{ "export:read", EC_AUTH_SCOPE_READ },
	{ "export:write", EC_AUTH_SCOPE_WRITE },
};

static int64_t
auth_time_now(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL);
}

void
ec_auth_config_init(struct ec_auth_config *c)
{
	memset(c, 0, sizeof(*c));
	c->audience = EC_AUTH_DEFAULT_AUDIENCE;
	c->algorithms = EC_AUTH_DEFAULT_ALGORITHMS;
	c->leeway = EC_AUTH_DEFAULT_LEEWAY;
	c->proof_max_age = EC_AUTH_DEFAULT_PROOF_MAX_AGE;
}

/*
 * Only asymmetric algorithms with P-256 keys are supported; "none" and the
 * HMAC ones are refused by name (RFC 8725 3.1, 3.2), not merely unknown.
 */
static int
auth_parse_algs(unsigned *out, const char *list, struct ec_err *err)
{
	char		 name[16];
	size_t		 n;
	const char	*p = list;

	*out = 0;
	while (p != NULL && *p != '\0') {
		n = strcspn(p, " ,");
		if (n == 0) {
			p++;
			continue;
		}
		if (n >= sizeof(name))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "algorithms: name too long");
		memcpy(name, p, n);
		name[n] = '\0';
		if (strcmp(name, "ES256") == 0)
			*out |= AUTH_ALG_ES256;
		else
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "algorithms: \"%s\" is not supported (only ES256)",
			    name);
		p += n;
	}
	if (*out == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "algorithms: none configured");
	return 0;
}

static int
auth_copy_conf(char out[AUTH_MAX_CONF + 1], const char *s, const char *what,
    struct ec_err *err)
{
	size_t	len;

	if (s == NULL || (len = strnlen(s, AUTH_MAX_CONF + 1)) == 0 ||
	    len > AUTH_MAX_CONF)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "auth configuration: %s must be 1 to %d bytes", what,
		    AUTH_MAX_CONF);
	memcpy(out, s, len + 1);
	return 0;
}

int
ec_auth_new(struct ec_auth **out, const struct ec_auth_config *c,
    struct ec_err *err)
{
	struct ec_auth	*a;
	int		 rc = -1;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return ec_err_nomem(err);
	if ((a->cache = calloc(1, sizeof(*a->cache))) == NULL) {
		free(a);
		return ec_err_nomem(err);
	}
	if (ec_jwk_cache_new(&a->keys, err) == -1)
		goto out;
	if (auth_copy_conf(a->issuer, c->issuer, "issuer", err) == -1 ||
	    auth_copy_conf(a->audience, c->audience, "audience", err) == -1 ||
	    auth_parse_algs(&a->algs, c->algorithms, err) == -1)
		goto out;
	if (c->leeway < 0 || c->leeway > 3600 || c->proof_max_age <= 0 ||
	    c->proof_max_age > 3600) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "auth configuration: leeway 0-3600 s, proof age 1-3600 s");
		goto out;
	}
	a->leeway = c->leeway;
	a->proof_max_age = c->proof_max_age;
	a->clock = c->clock != NULL ? c->clock : auth_time_now;
	a->clock_arg = c->clock_arg;
	if (c->jwks_path == NULL) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "auth configuration: no JWKS file");
		goto out;
	}
	if (ec_jwks_load(&a->jwks, c->jwks_path, err) == -1)
		goto out;
	*out = a;
	a = NULL;
	rc = 0;
out:
	ec_auth_free(a);
	return rc;
}

void
ec_auth_free(struct ec_auth *a)
{
	if (a == NULL)
		return;
	ec_jwks_free(a->jwks);
	ec_jwk_cache_free(a->keys);
	free(a->cache);
	free(a);
}

uint64_t
ec_auth_cache_hits(const struct ec_auth *a)
{
	return a->cache->hits;
}

uint64_t
ec_auth_key_hits(const struct ec_auth *a)
{
	return ec_jwk_cache_hits(a->keys);
}

const char *
ec_auth_fault_name(enum ec_auth_fault f)
{
	switch (f) {
	case EC_AUTH_FAULT_REQUEST:
		return "invalid_request";
	case EC_AUTH_FAULT_TOKEN:
		return "invalid_token";
	case EC_AUTH_FAULT_PROOF:
		return "invalid_dpop_proof";
	case EC_AUTH_FAULT_SCOPE:
		return "insufficient_scope";
	default:
		return "";
	}
}

/*
 * Fail with a challenge: "fault" says which, the message names the
 * credential ("access token: ...", "DPoP proof: ...").
 */
#define AUTH_FAIL(c, f, code, ...) \
	((c)->fault = (f), ec_err_set((c)->err, (code), __VA_ARGS__))
#define TOKEN_FAIL(c, ...) AUTH_FAIL(c, EC_AUTH_FAULT_TOKEN, \
	EC_ERR_UNAUTHORIZED, "access token: " __VA_ARGS__)
#define PROOF_FAIL(c, ...) AUTH_FAIL(c, EC_AUTH_FAULT_PROOF, \
	EC_ERR_UNAUTHORIZED, "DPoP proof: " __VA_ARGS__)

/* The bit for "alg" if the configuration allows it, else 0. */
static unsigned
auth_alg(const struct ec_auth *a, const char *alg)
{
	if (strcmp(alg, "ES256") == 0)
		return a->algs & AUTH_ALG_ES256;
	return 0;
}

/*
 * A string claim: NULL when absent or not a string, *len_out its length.
 * Jansson already refuses \u0000 (no JSON_ALLOW_NUL); the length check
 * keeps that true should the parse flags ever change.
 */
static const char *
auth_str(const json_t *obj, const char *name, size_t *len_out)
{
	const json_t	*v = json_object_get(obj, name);
	const char	*s = json_string_value(v);

	if (s == NULL || strlen(s) != json_string_length(v))
		return NULL;
	*len_out = json_string_length(v);
	return s;
}

/*
 * A NumericDate (RFC 7519 2) in whole seconds; -1 when absent, not a
 * number or beyond what a double holds exactly.
 */
static int
auth_time(int64_t *out, const json_t *obj, const char *name)
{
	const json_t	*v = json_object_get(obj, name);
	json_int_t	 i;
	double		 d;

	if (json_is_integer(v)) {
		i = json_integer_value(v);
		if (i < -AUTH_MAX_TIME || i > AUTH_MAX_TIME)
			return -1;
		*out = (int64_t)i;
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	/* Written so that NaN fails too; a fraction is truncated. */
	d = json_real_value(v);
	if (!(d >= -(double)AUTH_MAX_TIME && d <= (double)AUTH_MAX_TIME))
		return -1;
	*out = (int64_t)d;
	return 0;
}

/* RFC 7515 4.1.11: we understand no extension, so any "crit" is fatal. */
static bool
auth_header_plain(const struct ec_jws *j)
{
	return json_object_get(j->header, "crit") == NULL;
}

/* Split the Authorization and DPoP headers (RFC 9449 4.3 step 1, 7.1). */
static int
auth_headers(struct auth_ctx *c)
{
	const char	*h = c->rq->authorization, *d = c->rq->dpop;
	size_t		 len, i;

	if (h == NULL)
		return AUTH_FAIL(c, EC_AUTH_FAULT_MISSING, EC_ERR_UNAUTHORIZED,
		    "authentication required: Authorization: DPoP <token>");
	/* Bounded, and NUL-terminated where we stop: jwt_decode reads it. */
	len = strnlen(h, EC_JOSE_MAX_COMPACT + 64);
	if (h[len] != '\0')
		return TOKEN_FAIL(c, "longer than %d bytes",
		    EC_JOSE_MAX_COMPACT);
	/* RFC 9110 11.1: the scheme is case-insensitive; then 1*SP. */
	if (len < 5 || strncasecmp(h, "DPoP ", 5) != 0)
		return AUTH_FAIL(c, EC_AUTH_FAULT_TOKEN, EC_ERR_UNAUTHORIZED,
		    "Authorization scheme must be DPoP");
	for (i = 5; i < len && h[i] == ' '; i++)
		continue;
	c->token.p = h + i;
	c->token.len = len - i;
	if (c->token.len == 0 || c->token.len > EC_JOSE_MAX_COMPACT)
		return TOKEN_FAIL(c, "missing or longer than %d bytes",
		    EC_JOSE_MAX_COMPACT);
	if (d == NULL || c->rq->dpop_count == 0)
		return PROOF_FAIL(c, "DPoP header missing");
	len = strnlen(d, EC_JOSE_MAX_COMPACT + 1);
	/* A proxy may join repeated headers with commas (RFC 9110 5.3). */
	if (c->rq->dpop_count != 1 || memchr(d, ',', len) != NULL)
		return PROOF_FAIL(c, "more than one DPoP header");
	if (len == 0 || len > EC_JOSE_MAX_COMPACT)
		return PROOF_FAIL(c, "empty or longer than %d bytes",
		    EC_JOSE_MAX_COMPACT);
	c->proof.p = d;
	c->proof.len = len;
	return 0;
}

/* The proof's header and signature (RFC 9449 4.3 steps 2-7). */
static int
auth_proof_header(struct auth_ctx *c)
{
	const char	*typ;
	size_t		 len;

	if (ec_jws_parse(&c->pj, c->proof.p, c->proof.len, c->err) == -1) {
		c->fault = EC_AUTH_FAULT_PROOF;
		return ec_err_prefix(c->err, "DPoP proof");
	}
	typ = auth_str(c->pj.header, "typ", &len);
	/* RFC 7515 4.1.9: media type names are case-insensitive. */
	if (typ == NULL || strcasecmp(typ, "dpop+jwt") != 0)
		return PROOF_FAIL(c, "typ must be dpop+jwt");
	if (auth_alg(c->a, c->pj.alg) == 0)
		return PROOF_FAIL(c, "algorithm not allowed");
	if (!auth_header_plain(&c->pj))
		return PROOF_FAIL(c, "unsupported crit header");
	if (ec_jwk_parse(&c->proof_key, json_object_get(c->pj.header, "jwk"),
	    c->err) == -1) {
		c->fault = EC_AUTH_FAULT_PROOF;
		if (c->err != NULL && c->err->code == EC_ERR_UNAUTHORIZED)
			return ec_err_prefix(c->err, "DPoP proof");
		return -1;
	}
	if (ec_jwk_cache_verify_es256(c->a->keys, &c->proof_key,
	    c->pj.signing_input.p, c->pj.signing_input.len, c->pj.sig,
	    c->pj.sig_len, c->err) == -1) {
		c->fault = EC_AUTH_FAULT_PROOF;
		if (c->err != NULL && c->err->code == EC_ERR_UNAUTHORIZED)
			return ec_err_prefix(c->err, "DPoP proof");
		return -1;
	}
	return 0;
}

/*
 * The request's own URI as the client addressed it: nginx's scheme, the
 * Host header and the path of REQUEST_URI (its query is no part of htu).
 */
static int
auth_request_htu(struct auth_ctx *c, struct ec_buf *out)
{
	const struct ec_auth_request	*rq = c->rq;
	struct ec_buf			 raw;
	size_t				 plen, hlen, i;
	int				 rc = -1;

	if (rq->scheme == NULL || (strcmp(rq->scheme, "https") != 0 &&
	    strcmp(rq->scheme, "http") != 0) || rq->host == NULL ||
	    rq->uri == NULL || rq->uri[0] != '/')
		return PROOF_FAIL(c, "request URI unknown or not origin-form");
	/*
	 * The Host header is the client's: one holding "/", "?" or "#" would
	 * move the request's own path into the query, so that a proof for
	 * one URI matched a request for another.  RFC 9110 7.2: uri-host and
	 * port only.
	 */
	hlen = strnlen(rq->host, EC_AUTH_MAX_HTU + 1);
	for (i = 0; i < hlen && strchr("/?#@\\", rq->host[i]) == NULL; i++)
		continue;
	if (hlen == 0 || hlen > EC_AUTH_MAX_HTU || i != hlen)
		return PROOF_FAIL(c, "Host header is not a host and port");
	for (plen = 0; plen <= EC_AUTH_MAX_HTU && rq->uri[plen] != '\0' &&
	    rq->uri[plen] != '?' && rq->uri[plen] != '#'; plen++)
		continue;
	ec_buf_init(&raw, EC_AUTH_MAX_HTU);
	if (ec_buf_adds(&raw, rq->scheme, c->err) == -1 ||
	    ec_buf_adds(&raw, "://", c->err) == -1 ||
	    ec_buf_add(&raw, rq->host, hlen, c->err) == -1 ||
	    ec_buf_add(&raw, rq->uri, plen, c->err) == -1 ||
	    ec_auth_htu_normalise(out, raw.data, raw.len, true, c->err) == -1)
		(void)PROOF_FAIL(c, "request URI cannot be compared with htu");
	else
		rc = 0;
	ec_buf_dispose(&raw);
	return rc;
}

/* htm and htu (RFC 9449 4.3 steps 8 and 9). */
static int
auth_proof_target(struct auth_ctx *c)
{
	struct ec_buf	 want, got;
	const char	*htm, *htu;
	size_t		 len;
	int		 rc = -1;

	htm = auth_str(c->pj.claims, "htm", &len);
	if (htm == NULL || c->rq->method == NULL ||
	    strcmp(htm, c->rq->method) != 0)
		return PROOF_FAIL(c, "htm does not match the request method");
	if ((htu = auth_str(c->pj.claims, "htu", &len)) == NULL)
		return PROOF_FAIL(c, "no htu claim");
	ec_buf_init(&want, EC_AUTH_MAX_HTU);
	ec_buf_init(&got, EC_AUTH_MAX_HTU);
	if (auth_request_htu(c, &want) == -1)
		goto out;
	if (ec_auth_htu_normalise(&got, htu, len, false, c->err) == -1) {
		c->fault = EC_AUTH_FAULT_PROOF;
		(void)ec_err_prefix(c->err, "DPoP proof");
		goto out;
	}
	if (got.len != want.len || memcmp(got.data, want.data, got.len) != 0) {
		(void)PROOF_FAIL(c, "htu does not match the request URI");
		goto out;
	}
	rc = 0;
out:
	ec_buf_dispose(&want);
	ec_buf_dispose(&got);
	return rc;
}

/* iat, jti and ath (RFC 9449 4.3 steps 10-12). */
static int
auth_proof_claims(struct auth_ctx *c, struct ec_auth_principal *p)
{
	struct ec_buf	 ath;
	const char	*jti, *got;
	size_t		 len, glen;
	int		 rc = -1;

	if (auth_time(&c->proof_iat, c->pj.claims, "iat") == -1)
		return PROOF_FAIL(c, "no numeric iat claim");
	if (c->now - c->proof_iat > c->a->proof_max_age)
		return PROOF_FAIL(c, "iat is older than %lld seconds",
		    (long long)c->a->proof_max_age);
	if (c->proof_iat - c->now > c->a->leeway)
		return PROOF_FAIL(c, "iat is in the future");
	jti = auth_str(c->pj.claims, "jti", &len);
	if (jti == NULL || !ec_jose_printable(jti, len, EC_AUTH_MAX_JTI))
		return PROOF_FAIL(c, "jti must be 1 to %d printable characters",
		    EC_AUTH_MAX_JTI);
	memcpy(p->jti, jti, len + 1);
	/* ath = base64url(SHA-256(ASCII access token)), RFC 9449 4.2. */
	if ((got = auth_str(c->pj.claims, "ath", &glen)) == NULL)
		return PROOF_FAIL(c, "no ath claim");
	ec_sha256(c->token_digest, c->token.p, c->token.len);
	ec_buf_init(&ath, 64);
	if (ec_b64url_encode(&ath, c->token_digest, sizeof(c->token_digest),
	    c->err) == -1)
		goto out;
	if (glen != ath.len || !memeql_sec(got, ath.data, glen)) {
		(void)PROOF_FAIL(c, "ath does not match the access token");
		goto out;
	}
	rc = 0;
out:
	ec_buf_dispose(&ath);
	return rc;
}

/*
 * Signature of the access token.  Everything libjwt acts on is settled
 * first: the algorithm is one we allow and the key is the issuer's, so
 * jwt_decode cannot be steered to HMAC or to "none" by the token.
 */
static int
auth_token_signature(struct auth_ctx *c)
{
	struct ec_slice		 pem;
	jwt_t			*j = NULL;
	const char		*typ, *kid;
	size_t			 len;
	jwt_alg_t		 alg;
	int			 ret;

	if (ec_jws_parse(&c->tj, c->token.p, c->token.len, c->err) == -1) {
		c->fault = EC_AUTH_FAULT_TOKEN;
		return ec_err_prefix(c->err, "access token");
	}
	typ = auth_str(c->tj.header, "typ", &len);
	if (json_object_get(c->tj.header, "typ") != NULL &&
	    (typ == NULL || strcasecmp(typ, "JWT") != 0))
		return TOKEN_FAIL(c, "typ must be JWT");
	if (auth_alg(c->a, c->tj.alg) == 0)
		return TOKEN_FAIL(c, "algorithm not allowed");
	if (!auth_header_plain(&c->tj))
		return TOKEN_FAIL(c, "unsupported crit header");
	if (c->tj.sig_len != EC_JOSE_ES256_SIG_LEN)
		return TOKEN_FAIL(c, "ES256 signature is not %d bytes",
		    EC_JOSE_ES256_SIG_LEN);
	kid = auth_str(c->tj.header, "kid", &len);
	if (json_object_get(c->tj.header, "kid") != NULL && kid == NULL)
		return TOKEN_FAIL(c, "kid is not a string");
	if (ec_jwks_find(c->a->jwks, kid, &pem) == NULL)
		return TOKEN_FAIL(c, "unknown signing key");
	/* The token is the tail of the NUL-terminated header value. */
	ret = jwt_decode(&j, c->token.p, (const unsigned char *)pem.p,
	    (int)pem.len);
	alg = ret == 0 ? jwt_get_alg(j) : JWT_ALG_INVAL;
	jwt_free(j);
	if (ret != 0)
		return TOKEN_FAIL(c, "signature does not verify");
	if (alg != JWT_ALG_ES256)
		return TOKEN_FAIL(c, "algorithm not allowed");
	return 0;
}

/* "aud" is a string or an array of strings (RFC 7519 4.1.3). */
static bool
auth_aud_ok(const struct ec_auth *a, const json_t *aud)
{
	const json_t	*v;
	size_t		 i;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), a->audience) == 0;
	if (!json_is_array(aud) || json_array_size(aud) > EC_AUTH_MAX_AUD)
		return false;
	json_array_foreach(aud, i, v)
		if (json_is_string(v) &&
		    strcmp(json_string_value(v), a->audience) == 0)
			return true;
	return false;
}

/*
 * iss, aud and the times (RFC 7519 4.1.1-4.1.6) into c->claims; the times
 * are compared with the clock by auth_token_times().
 */
static int
auth_token_validity(struct auth_ctx *c)
{
	const json_t	*cl = c->tj.claims;
	const char	*iss;
	size_t		 len;

	iss = auth_str(cl, "iss", &len);
	if (iss == NULL || strcmp(iss, c->a->issuer) != 0)
		return TOKEN_FAIL(c, "issuer not accepted");
	if (!auth_aud_ok(c->a, json_object_get(cl, "aud")))
		return TOKEN_FAIL(c, "audience must include %s",
		    c->a->audience);
	if (auth_time(&c->claims.exp, cl, "exp") == -1)
		return TOKEN_FAIL(c, "no numeric exp claim");
	c->claims.has_nbf = json_object_get(cl, "nbf") != NULL;
	if (c->claims.has_nbf && auth_time(&c->claims.nbf, cl, "nbf") == -1)
		return TOKEN_FAIL(c, "not valid yet (nbf)");
	c->claims.has_iat = json_object_get(cl, "iat") != NULL;
	if (c->claims.has_iat && auth_time(&c->claims.iat, cl, "iat") == -1)
		return TOKEN_FAIL(c, "issued in the future (iat)");
	return 0;
}

/* exp, nbf and iat against the clock, with leeway: on every use. */
static int
auth_token_times(struct auth_ctx *c)
{
	const struct auth_cached	*t = &c->claims;
	int64_t				 lw = c->a->leeway;

	if (c->now >= t->exp + lw)
		return TOKEN_FAIL(c, "expired");
	if (t->has_nbf && t->nbf > c->now + lw)
		return TOKEN_FAIL(c, "not valid yet (nbf)");
	if (t->has_iat && t->iat > c->now + lw)
		return TOKEN_FAIL(c, "issued in the future (iat)");
	return 0;
}

/* cnf.jkt (RFC 9449 6.1), sub, scope and tenant into c->claims. */
static int
auth_token_binding(struct auth_ctx *c)
{
	struct auth_cached	*t = &c->claims;
	const json_t		*cl = c->tj.claims;
	const char		*s;
	size_t			 len, i, n, off;

	s = auth_str(json_object_get(cl, "cnf"), "jkt", &len);
	if (s == NULL)
		return TOKEN_FAIL(c, "not DPoP-bound (no cnf.jkt)");
	if (len != EC_JOSE_THUMB_LEN)
		return TOKEN_FAIL(c, "cnf.jkt does not match the proof key");
	memcpy(t->jkt, s, len + 1);
	if ((s = auth_str(cl, "sub", &len)) != NULL) {
		if (!ec_jose_printable(s, len, EC_AUTH_MAX_SUB))
			return TOKEN_FAIL(c, "sub must be 1 to %d printable "
			    "characters", EC_AUTH_MAX_SUB);
		memcpy(t->subject, s, len + 1);
	}
	/* RFC 8693 4.2: scope is a space-separated list. */
	if ((s = auth_str(cl, "scope", &len)) != NULL) {
		if (len > EC_AUTH_MAX_SCOPE)
			return TOKEN_FAIL(c, "scope longer than %d bytes",
			    EC_AUTH_MAX_SCOPE);
		for (off = 0; off < len; off += n + 1) {
			n = strcspn(s + off, " ");
			for (i = 0; i < sizeof(auth_scopes) /
			    sizeof(auth_scopes[0]); i++)
				if (strlen(auth_scopes[i].name) == n &&
				    memcmp(auth_scopes[i].name, s + off,
				    n) == 0)
					t->scopes |= auth_scopes[i].bits;
		}
	}
	if ((s = auth_str(cl, "tenant", &len)) != NULL &&
	    len <= EC_MAX_TENANT_LEN)
		memcpy(t->tenant, s, len + 1);
	return 0;
}

/* The token is bound to the key that signed this proof: on every use. */
static int
auth_token_bound(struct auth_ctx *c, struct ec_auth_principal *p)
{
	const struct auth_cached	*t = &c->claims;

	if (!memeql_sec(t->jkt, c->proof_key.thumb, EC_JOSE_THUMB_LEN))
		return TOKEN_FAIL(c, "cnf.jkt does not match the proof key");
	memcpy(p->jkt, c->proof_key.thumb, EC_JOSE_THUMB_SIZE);
	memcpy(p->subject, t->subject, sizeof(p->subject));
	memcpy(p->tenant, t->tenant, sizeof(p->tenant));
	p->scopes = t->scopes;
	p->exp = t->exp;
	return 0;
}

/* A remembered token with these bytes: its claims into c->claims. */
static bool
auth_cache_get(struct auth_ctx *c)
{
	struct auth_cache	*k = c->a->cache;
	size_t			 i;

	for (i = 0; i < AUTH_CACHE_SLOTS; i++)
		if (k->slot[i].used && memcmp(k->slot[i].digest,
		    c->token_digest, EC_SHA256_LEN) == 0) {
			c->claims = k->slot[i];
			k->hits++;
			return true;
		}
	return false;
}

/* Remember a token that passed every check, in a free or expired slot. */
static void
auth_cache_put(struct auth_ctx *c)
{
	struct auth_cache	*k = c->a->cache;
	size_t			 i, victim;

	victim = k->next;
	for (i = 0; i < AUTH_CACHE_SLOTS; i++)
		if (!k->slot[i].used ||
		    c->now >= k->slot[i].exp + c->a->leeway) {
			victim = i;
			break;
		}
	if (victim == k->next)
		k->next = (k->next + 1) % AUTH_CACHE_SLOTS;
	k->slot[victim] = c->claims;
	memcpy(k->slot[victim].digest, c->token_digest, EC_SHA256_LEN);
	k->slot[victim].used = true;
}

int
ec_auth_replay(struct ec_err *err)
{
	return ec_err_set(err, EC_ERR_UNAUTHORIZED,
	    "DPoP proof: jti already used (replay)");
}

/* Tenant and scope (403), then the replay store (RFC 9449 11.1). */
static int
auth_grant(struct auth_ctx *c, struct ec_auth_principal *p)
{
	const char	*t = c->rq->tenant;
	size_t		 len, i;
	int		 r;

	len = t != NULL ? strnlen(t, EC_MAX_TENANT_LEN + 1) : 0;
	for (i = 0; i < len && ec_name_char(t[i]); i++)
		continue;
	if (len == 0 || len > EC_MAX_TENANT_LEN || i != len)
		return AUTH_FAIL(c, EC_AUTH_FAULT_REQUEST,
		    EC_ERR_REQUEST_INVALID, "X-StellaOps-Tenant header missing "
		    "or not 1 to %d characters [A-Za-z0-9._-]",
		    EC_MAX_TENANT_LEN);
	if (p->tenant[0] == '\0' || strcmp(p->tenant, t) != 0)
		return AUTH_FAIL(c, EC_AUTH_FAULT_SCOPE, EC_ERR_FORBIDDEN,
		    "the access token is not valid for this tenant");
	if ((p->scopes & c->rq->scope) != c->rq->scope)
		return AUTH_FAIL(c, EC_AUTH_FAULT_SCOPE, EC_ERR_FORBIDDEN,
		    "the access token lacks scope %s",
		    (c->rq->scope & ~p->scopes & EC_AUTH_SCOPE_WRITE) != 0 ?
		    "export:write" : "export:read");
	if (c->rq->seen == NULL)
		return ec_err_set(c->err, EC_ERR_INTERNAL, "no replay store");
	if ((r = c->rq->seen(c->rq->seen_arg, p->jti, c->proof_iat,
	    c->err)) == -1)
		return -1;
	if (r == 2)
		p->jti_deferred = true;
	else if (r != 0) {
		c->fault = EC_AUTH_FAULT_PROOF;
		return ec_auth_replay(c->err);
	}
	return 0;
}

int
ec_auth_verify(struct ec_auth_principal *out, enum ec_auth_fault *fault_out,
    const struct ec_auth *a, const struct ec_auth_request *rq,
    struct ec_err *err)
{
	struct ec_auth_principal	p;
	struct auth_ctx			c;
	bool				hit;
	int				rc = -1;

	memset(&c, 0, sizeof(c));
	memset(&p, 0, sizeof(p));
	c.a = a;
	c.rq = rq;
	c.err = err;
	c.now = a->clock(a->clock_arg);
	if (auth_headers(&c) == -1 || auth_proof_header(&c) == -1 ||
	    auth_proof_target(&c) == -1 || auth_proof_claims(&c, &p) == -1)
		goto out;
	/* The proof is checked in full each time; a known token is not. */
	hit = auth_cache_get(&c);
	if (!hit && (auth_token_signature(&c) == -1 ||
	    auth_token_validity(&c) == -1 || auth_token_binding(&c) == -1))
		goto out;
	if (auth_token_times(&c) == -1 || auth_token_bound(&c, &p) == -1)
		goto out;
	if (!hit)
		auth_cache_put(&c);
	if (auth_grant(&c, &p) == -1)
		goto out;
	*out = p;
	c.fault = EC_AUTH_FAULT_NONE;
	rc = 0;
out:
	ec_jws_dispose(&c.pj);
	ec_jws_dispose(&c.tj);
	if (fault_out != NULL)
		*fault_out = c.fault;
	return rc;
}
