/*
 * tests/unit/t_auth.c: DPoP authentication (RFC 9449) against tokens and
 * proofs minted at test time by independent JOSE implementations
 * (tests/tools/mint.py: PyJWT and jwcrypto under /usr/bin/python3), RFC
 * 7638 thumbprints against jwcrypto and a known answer, the libjwt
 * algorithm-confusion trap, htu normalisation, strict base64url, JWK set
 * and configuration refusals.  Run from the repository root (or with
 * EC_ROOT set to it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <jwt.h>

#include "tap.h"
#include "ec_auth.h"

/* The clock every minted case was made against. */
#define T_NOW	1780000000

struct t_store {
	char	jti[128][EC_AUTH_MAX_JTI + 1];
	int	n;
	int	fail;	/* answer every call with EC_ERR_UNAVAILABLE */
};

static int64_t
t_clock(void *arg)
{
	(void)arg;
	return T_NOW;
}

/* An in-memory replay store with the callback's contract. */
static int
t_seen(void *arg, const char *jti, int64_t iat, struct ec_err *err)
{
	struct t_store	*st = arg;
	int		 i;

	(void)iat;
	if (st->fail)
		return ec_err_set(err, EC_ERR_UNAVAILABLE, "store down");
	for (i = 0; i < st->n; i++)
		if (strcmp(st->jti[i], jti) == 0)
			return 1;
	if (st->n == 128)
		return ec_err_set(err, EC_ERR_INTERNAL, "store full");
	snprintf(st->jti[st->n++], sizeof(st->jti[0]), "%s", jti);
	return 0;
}

static const char *
t_get(const json_t *c, const char *k)
{
	return json_string_value(json_object_get(c, k));
}

static void
t_request(struct ec_auth_request *rq, const json_t *c, struct t_store *st)
{
	memset(rq, 0, sizeof(*rq));
	rq->authorization = t_get(c, "authorization");
	rq->dpop = t_get(c, "dpop");
	rq->dpop_count = rq->dpop != NULL ? 1 : 0;
	rq->method = t_get(c, "method");
	rq->scheme = t_get(c, "scheme");
	rq->host = t_get(c, "host");
	rq->uri = t_get(c, "uri");
	rq->tenant = t_get(c, "tenant");
	rq->scope = strcmp(t_get(c, "scope"), "write") == 0 ?
	    EC_AUTH_SCOPE_WRITE : EC_AUTH_SCOPE_READ;
	rq->seen = t_seen;
	rq->seen_arg = st;
}

static const char *
t_outcome(int rc, const struct ec_err *err)
{
	static char	buf[16];

	if (rc == 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%d", ec_err_http_status(err->code));
	return buf;
}

/* Every minted case, through ec_auth_verify with a real replay store. */
static void
test_cases(const struct ec_auth *a, const json_t *doc)
{
	struct ec_auth_principal	 p;
	struct ec_auth_request		 rq;
	struct t_store			 st;
	struct ec_err			 err;
	enum ec_auth_fault		 fault;
	const json_t			*c;
	const char			*want, *got;
	size_t				 i;
	int				 rc;

	memset(&st, 0, sizeof(st));
	json_array_foreach(json_object_get(doc, "cases"), i, c) {
		t_request(&rq, c, &st);
		want = t_get(c, "expect");
		ec_err_clear(&err);
		rc = ec_auth_verify(&p, &fault, a, &rq, &err);
		if (json_is_true(json_object_get(c, "replay"))) {
			ok(rc == 0, "%s: first use accepted (%s)",
			    t_get(c, "name"), err.msg);
			rc = ec_auth_verify(&p, &fault, a, &rq, &err);
		}
		got = t_outcome(rc, &err);
		ok(strcmp(got, want) == 0 && (rc == 0 ||
		    strstr(err.msg, t_get(c, "why")) != NULL),
		    "%s: want %s (%s), got %s (%s: %s)", t_get(c, "name"),
		    want, t_get(c, "why"), got, ec_auth_fault_name(fault),
		    rc == 0 ? p.tenant : err.msg);
		if (rc == 0 && strcmp(t_get(c, "name"), "valid GET") == 0)
			ok(strcmp(p.tenant, "tenant-a") == 0 &&
			    strcmp(p.subject, "user-1") == 0 &&
			    p.scopes == (EC_AUTH_SCOPE_READ |
			    EC_AUTH_SCOPE_WRITE) && p.exp == T_NOW + 300 &&
			    strlen(p.jkt) == EC_JOSE_THUMB_LEN &&
			    strncmp(p.jti, "jti-", 4) == 0 &&
			    fault == EC_AUTH_FAULT_NONE,
			    "valid GET: principal tenant-a/user-1, "
			    "both scopes");
	}
}

static const json_t *
t_case(const json_t *doc, const char *name)
{
	const json_t	*c;
	size_t		 i;

	json_array_foreach(json_object_get(doc, "cases"), i, c)
		if (strcmp(t_get(c, "name"), name) == 0)
			return c;
	return NULL;
}

/* The challenge a failure earns, and a store failure passed up as is. */
static void
test_faults(const struct ec_auth *a, const json_t *doc)
{
	static const struct {
		const char		*name;
		enum ec_auth_fault	 fault;
	} want[] = {
		{ "expired token", EC_AUTH_FAULT_TOKEN },
		{ "wrong htm", EC_AUTH_FAULT_PROOF },
		{ "wrong cnf.jkt", EC_AUTH_FAULT_TOKEN },
		{ "wrong scope: POST with export:read only",
		    EC_AUTH_FAULT_SCOPE },
		{ "no tenant header", EC_AUTH_FAULT_REQUEST },
	};
	struct ec_auth_principal	 p;
	struct ec_auth_request		 rq;
	struct t_store			 st;
	struct ec_err			 err;
	enum ec_auth_fault		 fault;
	const json_t			*c;
	size_t				 i;

	memset(&st, 0, sizeof(st));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		c = t_case(doc, want[i].name);
		t_request(&rq, c, &st);
		fault = EC_AUTH_FAULT_NONE;
		ok(c != NULL && ec_auth_verify(&p, &fault, a, &rq,
		    &err) == -1 && fault == want[i].fault,
		    "%s: challenge error=\"%s\"",
		    want[i].name, ec_auth_fault_name(fault));
	}
	c = t_case(doc, "valid GET");
	t_request(&rq, c, &st);
	rq.authorization = NULL;
	ok(ec_auth_verify(&p, &fault, a, &rq, &err) == -1 &&
	    fault == EC_AUTH_FAULT_MISSING && err.code == EC_ERR_UNAUTHORIZED &&
	    ec_auth_fault_name(fault)[0] == '\0',
	    "no Authorization: 401, challenge without error");
	/*
	 * The valid GET's proof is for /export-center/runs; a Host header
	 * that pushes another path into the query must not make it match.
	 */
	t_request(&rq, c, &st);
	rq.host = "127.0.0.1:18443/export-center/runs?";
	rq.uri = "/export-center/profiles";
	ok(ec_auth_verify(&p, &fault, a, &rq, &err) == -1 &&
	    strstr(err.msg, "Host header") != NULL,
	    "Host header carrying a path refused: %s", err.msg);
	t_request(&rq, c, &st);
	rq.scheme = "https://127.0.0.1:18443/export-center/runs?";
	ok(ec_auth_verify(&p, &fault, a, &rq, &err) == -1,
	    "scheme other than http/https refused");
	t_request(&rq, c, &st);
	rq.dpop_count = 2;
	ok(ec_auth_verify(&p, &fault, a, &rq, &err) == -1 &&
	    fault == EC_AUTH_FAULT_PROOF, "two DPoP headers counted: refused");
	t_request(&rq, c, &st);
	st.fail = 1;
	ok(ec_auth_verify(&p, &fault, a, &rq, &err) == -1 &&
	    err.code == EC_ERR_UNAVAILABLE && ec_err_http_status(err.code) ==
	    503, "replay store down: its EC_ERR_UNAVAILABLE passes up");
	st.fail = 0;
	t_request(&rq, c, &st);
	rq.seen = NULL;
	ok(ec_auth_verify(&p, &fault, a, &rq, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL, "no replay store: refused");
	ok(ec_err_http_status(EC_ERR_UNAUTHORIZED) == 401 &&
	    ec_err_http_status(EC_ERR_FORBIDDEN) == 403,
	    "EC_ERR_UNAUTHORIZED is 401, EC_ERR_FORBIDDEN 403");
}

/* A clock the cache test moves. */
static int64_t
t_clock_var(void *arg)
{
	return *(const int64_t *)arg;
}

/* One case through "a" with its own replay store: 0 or -1, err filled. */
static int
t_verify(const struct ec_auth *a, const json_t *doc, const char *name,
    struct ec_auth_principal *p, struct ec_err *err)
{
	struct ec_auth_request	 rq;
	struct t_store		 st;
	enum ec_auth_fault	 fault;
	const json_t		*c = t_case(doc, name);

	memset(&st, 0, sizeof(st));
	ec_err_clear(err);
	if (c == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "no case %s", name);
	t_request(&rq, c, &st);
	return ec_auth_verify(p, &fault, a, &rq, err);
}

/*
 * Remembered access tokens: a second request with the same token skips
 * its signature check but not its exp, its binding to the proof's key,
 * the tenant or the scope.  Proofs stay fresh for an hour here, so that
 * moving the clock past the token's exp tests exp alone.
 */
static void
test_cache(const char *jwks, const json_t *doc)
{
	struct ec_auth_config	 cfg;
	struct ec_auth_principal p;
	struct ec_auth		*a = NULL;
	struct ec_err		 err;
	int64_t			 now = T_NOW;
	uint64_t		 h;

	ec_auth_config_init(&cfg);
	cfg.issuer = json_string_value(json_object_get(doc, "issuer"));
	cfg.jwks_path = jwks;
	cfg.clock = t_clock_var;
	cfg.clock_arg = &now;
	cfg.proof_max_age = 3600;
	if (!ok(ec_auth_new(&a, &cfg, &err) == 0, "cache: config loads"))
		return;
	ok(t_verify(a, doc, "valid GET", &p, &err) == 0 &&
	    ec_auth_cache_hits(a) == 0, "cache: first use verifies the token");
	ok(t_verify(a, doc, "valid POST with export:write", &p, &err) == 0 &&
	    ec_auth_cache_hits(a) == 1 && strcmp(p.tenant, "tenant-a") == 0 &&
	    strcmp(p.subject, "user-1") == 0 && p.exp == T_NOW + 300 &&
	    p.scopes == (EC_AUTH_SCOPE_READ | EC_AUTH_SCOPE_WRITE),
	    "cache: same token, new proof: remembered, same principal (%s)",
	    err.msg);
	ok(t_verify(a, doc, "other tenant's header", &p, &err) == -1 &&
	    err.code == EC_ERR_FORBIDDEN && ec_auth_cache_hits(a) == 2,
	    "cache: remembered token, other tenant: still 403 (%s)", err.msg);
	ok(t_verify(a, doc, "known token, proof by another key", &p,
	    &err) == -1 && strstr(err.msg, "cnf.jkt") != NULL &&
	    ec_auth_cache_hits(a) == 3,
	    "cache: remembered token, another key's proof: 401 (%s)", err.msg);
	ok(t_verify(a, doc, "wrong ath", &p, &err) == -1 &&
	    ec_auth_cache_hits(a) == 3,
	    "cache: a bad proof fails before the cache is asked (%s)",
	    err.msg);
	h = ec_auth_cache_hits(a);
	now = T_NOW + 300 + EC_AUTH_DEFAULT_LEEWAY;
	ok(t_verify(a, doc, "valid GET", &p, &err) == -1 &&
	    strstr(err.msg, "expired") != NULL &&
	    ec_auth_cache_hits(a) == h + 1,
	    "cache: remembered token past exp + leeway: 401 (%s)", err.msg);
	now = T_NOW + 300 + EC_AUTH_DEFAULT_LEEWAY - 1;
	ok(t_verify(a, doc, "valid GET", &p, &err) == 0,
	    "cache: a second before that: accepted (%s)", err.msg);
	ec_auth_free(a);
}

/* A case's proof, parsed, with the key of its jwk header. */
static int
t_proof(struct ec_jws *jws, struct ec_jwk *key, const json_t *doc,
    const char *name, struct ec_err *err)
{
	const json_t	*c = t_case(doc, name);
	const char	*dpop = c != NULL ? t_get(c, "dpop") : NULL;

	if (dpop == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "no case %s", name);
	if (ec_jws_parse(jws, dpop, strlen(dpop), err) == -1)
		return -1;
	if (ec_jwk_parse(key, json_object_get(jws->header, "jwk"),
	    err) == -1) {
		ec_jws_dispose(jws);
		return -1;
	}
	return 0;
}

/* One verification through the cache: 0 or -1. */
static int
t_kverify(struct ec_jwk_cache *kc, const struct ec_jwk *key,
    const struct ec_jws *j, struct ec_err *err)
{
	ec_err_clear(err);
	return ec_jwk_cache_verify_es256(kc, key, j->signing_input.p,
	    j->signing_input.len, j->sig, j->sig_len, err);
}

/*
 * Remembered proof keys: the import is reused, the signature is not.  A
 * remembered key refuses a damaged signature and one made by another key
 * (and keeps working after a refusal); another key's jwk refuses a
 * signature by the remembered one.
 */
static void
test_key_cache(const char *jwks, const json_t *doc)
{
	struct ec_auth_config	 cfg;
	struct ec_auth_principal p;
	struct ec_auth		*a = NULL;
	struct ec_jwk_cache	*kc = NULL;
	struct ec_jws		 j1, j2;
	struct ec_jwk		 k1, k2;
	struct ec_err		 err;

	if (!ok(t_proof(&j1, &k1, doc, "valid GET", &err) == 0 &&
	    t_proof(&j2, &k2, doc, "known token, proof by another key",
	    &err) == 0 && strcmp(k1.thumb, k2.thumb) != 0,
	    "key cache: two clients' proofs parse (%s)", err.msg))
		return;
	if (ok(ec_jwk_cache_new(&kc, &err) == 0, "key cache: new")) {
		ok(t_kverify(kc, &k1, &j1, &err) == 0 &&
		    ec_jwk_cache_hits(kc) == 0, "key cache: first use imports");
		ok(t_kverify(kc, &k1, &j1, &err) == 0 &&
		    ec_jwk_cache_hits(kc) == 1, "key cache: second use hits");
		ok(t_kverify(kc, &k1, &j2, &err) == -1 &&
		    err.code == EC_ERR_UNAUTHORIZED &&
		    ec_jwk_cache_hits(kc) == 2,
		    "key cache: remembered key, another key's signature: "
		    "refused (%s)", err.msg);
		j1.sig[10] ^= 0x01;
		ok(t_kverify(kc, &k1, &j1, &err) == -1 &&
		    err.code == EC_ERR_UNAUTHORIZED &&
		    ec_jwk_cache_hits(kc) == 3,
		    "key cache: remembered key, damaged signature: refused "
		    "(%s)", err.msg);
		j1.sig[10] ^= 0x01;
		ok(t_kverify(kc, &k2, &j1, &err) == -1 &&
		    err.code == EC_ERR_UNAUTHORIZED &&
		    ec_jwk_cache_hits(kc) == 3,
		    "key cache: another key, the remembered key's signature: "
		    "refused (%s)", err.msg);
		ok(t_kverify(kc, &k2, &j1, &err) == -1 &&
		    ec_jwk_cache_hits(kc) == 4,
		    "key cache: and again, remembered: refused (%s)", err.msg);
		ok(t_kverify(kc, &k1, &j1, &err) == 0 &&
		    t_kverify(kc, &k2, &j2, &err) == 0 &&
		    ec_jwk_cache_hits(kc) == 6,
		    "key cache: both keys still verify their own (%s)",
		    err.msg);
		ec_jwk_cache_free(kc);
	}
	ec_jws_dispose(&j1);
	ec_jws_dispose(&j2);
	ec_auth_config_init(&cfg);
	cfg.issuer = json_string_value(json_object_get(doc, "issuer"));
	cfg.jwks_path = jwks;
	cfg.clock = t_clock;
	if (!ok(ec_auth_new(&a, &cfg, &err) == 0, "key cache: config loads"))
		return;
	ok(t_verify(a, doc, "valid GET", &p, &err) == 0 &&
	    ec_auth_key_hits(a) == 0, "key cache: first proof imports its key");
	ok(t_verify(a, doc, "valid POST with export:write", &p, &err) == 0 &&
	    ec_auth_key_hits(a) == 1, "key cache: next proof, same key: hit");
	ok(t_verify(a, doc, "bad proof signature (jwk of one key, signed by "
	    "another)", &p, &err) == -1 && strstr(err.msg, "signature") !=
	    NULL && ec_auth_key_hits(a) == 2,
	    "key cache: remembered key, bad signature: 401 (%s)", err.msg);
	ok(t_verify(a, doc, "valid GET", &p, &err) == 0 &&
	    ec_auth_key_hits(a) == 3, "key cache: and the key still works");
	ec_auth_free(a);
}

/*
 * The trap the algorithm check exists for: libjwt 1.10 takes "alg" from
 * the token, so jwt_decode accepts an HS256 token keyed with the issuer's
 * public PEM.  ec_auth refuses it (a case above); libjwt alone would not.
 */
static void
test_libjwt_trap(const struct ec_jwks *ks, const json_t *doc)
{
	const json_t	*c = t_case(doc, "HS256 keyed with the issuer's "
			    "public PEM");
	struct ec_slice	 pem;
	jwt_t		*j = NULL;
	int		 ret = -1;

	if (c != NULL && ec_jwks_find(ks, "iss-1", &pem) != NULL)
		ret = jwt_decode(&j, t_get(c, "authorization") + 5,
		    (const unsigned char *)pem.p, (int)pem.len);
	ok(ret == 0 && jwt_get_alg(j) == JWT_ALG_HS256,
	    "libjwt alone accepts HS256 keyed with the public PEM (the trap)");
	jwt_free(j);
}

static void
test_thumbprints(const json_t *doc)
{
	/* RFC 7517 A.1's key; its thumbprint as jwcrypto computes it. */
	static const char	*kat = "{\"kty\":\"EC\",\"crv\":\"P-256\","
	    "\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\","
	    "\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\","
	    "\"use\":\"enc\",\"kid\":\"1\"}";
	struct ec_jwk	 k;
	struct ec_err	 err;
	const json_t	*t;
	json_t		*v;
	size_t		 i;

	v = json_loads(kat, 0, NULL);
	ok(ec_jwk_parse(&k, v, &err) == 0 && strcmp(k.thumb,
	    "cn-I_WNMClehiVp51i_0VpOENW1upEerA8sEam5hn-s") == 0,
	    "RFC 7638 thumbprint of RFC 7517 A.1's key: %s", k.thumb);
	json_decref(v);
	json_array_foreach(json_object_get(doc, "thumbprints"), i, t) {
		ok(ec_jwk_parse(&k, json_object_get(t, "jwk"), &err) == 0 &&
		    strcmp(k.thumb, t_get(t, "thumbprint")) == 0,
		    "thumbprint %zu equals jwcrypto's", i);
	}
}

/* Load a JWK set from a string; 0 if accepted. */
static int
t_jwks(const char *json, struct ec_err *err)
{
	struct ec_jwks	*ks = NULL;
	int		 rc;

	rc = ec_jwks_load_mem(&ks, json, strlen(json), err);
	ec_jwks_free(ks);
	return rc;
}

#define T_X	"\"x\":\"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4\""
#define T_Y	"\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM\""
#define T_KEY(kid, extra) "{\"kty\":\"EC\",\"crv\":\"P-256\"," T_X "," \
	T_Y ",\"kid\":\"" kid "\"" extra "}"

static void
test_jwks(void)
{
	static const struct {
		const char	*json;
		const char	*what;
	} bad[] = {
		{ "{\"keys\":[" T_KEY("a", ",\"d\":\"AAAA\"") "]}",
		    "a private key (d)" },
		{ "{\"keys\":[" T_KEY("a", "") "," T_KEY("a", "") "]}",
		    "a repeated kid" },
		{ "{\"keys\":[" T_KEY("a", ",\"alg\":\"HS256\"") "]}",
		    "alg HS256" },
		{ "{\"keys\":[" T_KEY("a", ",\"use\":\"enc\"") "]}",
		    "use enc" },
		{ "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\"," T_X ","
		    T_Y "}]}", "no kid" },
		{ "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"AQAB\","
		    "\"e\":\"AQAB\"}]}", "an RSA key" },
		{ "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"kid\":\"a\","
		    T_X "," T_Y "}]}", "a P-384 key" },
		{ "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\","
		    "\"x\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
		    "\"y\":\"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}]}",
		    "a point off the curve" },
		{ "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"a\","
		    T_X ",\"y\":\"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyN\""
		    "}]}", "y with non-zero unused bits" },
		{ "{\"keys\":[]}", "no keys" },
		{ "{\"keys\":[" T_KEY("a", "") "],\"keys\":[]}",
		    "a repeated member" },
		{ "[]", "not an object" },
	};
	struct ec_err	err;
	size_t		i;

	ok(t_jwks("{\"keys\":[" T_KEY("a", ",\"use\":\"sig\","
	    "\"alg\":\"ES256\"") "," T_KEY("b", "") "]}", &err) == 0,
	    "JWKS with two keys loads (%s)", err.msg);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(t_jwks(bad[i].json, &err) == -1 &&
		    err.code == EC_ERR_REQUEST_INVALID,
		    "JWKS with %s refused: %s", bad[i].what, err.msg);
}

static void
test_config(const char *jwks)
{
	static const char	*algs[] = { "none", "HS256", "ES256 RS256",
				    "ES384", "", " , " };
	struct ec_auth_config	 cfg;
	struct ec_auth		*a = NULL;
	struct ec_err		 err;
	size_t			 i;

	for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		ec_auth_config_init(&cfg);
		cfg.issuer = "https://issuer.test/";
		cfg.jwks_path = jwks;
		cfg.algorithms = algs[i];
		ok(ec_auth_new(&a, &cfg, &err) == -1 &&
		    err.code == EC_ERR_REQUEST_INVALID,
		    "algorithms \"%s\" refused: %s", algs[i], err.msg);
	}
	ec_auth_config_init(&cfg);
	cfg.jwks_path = jwks;
	ok(ec_auth_new(&a, &cfg, &err) == -1, "no issuer refused");
	cfg.issuer = "https://issuer.test/";
	cfg.proof_max_age = 0;
	ok(ec_auth_new(&a, &cfg, &err) == -1, "proof age 0 refused");
	cfg.proof_max_age = 60;
	cfg.jwks_path = "/nonexistent/jwks.json";
	ok(ec_auth_new(&a, &cfg, &err) == -1 && err.code == EC_ERR_IO,
	    "missing JWKS file: EC_ERR_IO");
	cfg.jwks_path = jwks;
	cfg.algorithms = "ES256, ES256";
	ok(ec_auth_new(&a, &cfg, &err) == 0, "algorithms \"ES256, ES256\"");
	ec_auth_free(a);
}

/* want NULL: refused. */
static void
htu_is(const char *in, bool strip, const char *want)
{
	struct ec_buf	out;
	struct ec_err	err;
	int		rc;

	ec_buf_init(&out, EC_AUTH_MAX_HTU);
	rc = ec_auth_htu_normalise(&out, in, strlen(in), strip, &err);
	if (want == NULL)
		ok(rc == -1 && err.code == EC_ERR_UNAUTHORIZED,
		    "htu %s refused: %s", in, rc == -1 ? err.msg : out.data);
	else
		ok(rc == 0 && strcmp(out.data, want) == 0, "htu %s -> %s (%s)",
		    in, want, rc == 0 ? out.data : err.msg);
	ec_buf_dispose(&out);
}

static void
test_htu(void)
{
	static const struct {
		const char	*in;
		bool		 strip_query;
		const char	*want;	/* NULL: refused */
	} cases[] = {
		{ "https://h/a", false, "https://h/a" },
		{ "HTTPS://Example.COM:443/A/b", false,
		    "https://example.com/A/b" },
		{ "http://h:80/", false, "http://h/" },
		{ "http://h:443/", false, "http://h:443/" },
		{ "https://h:/x", false, "https://h/x" },
		{ "https://h:08443/x", false, "https://h:8443/x" },
		{ "https://h", false, "https://h/" },
		{ "https://h/a/./b/../c", false, "https://h/a/c" },
		{ "https://h/a/b/..", false, "https://h/a/" },
		{ "https://h/../..", false, "https://h/" },
		{ "https://h/%7euser/%2e%2E/x", false, "https://h/x" },
		{ "https://h/a%2fb%3a", false, "https://h/a%2Fb%3A" },
		{ "https://[::1]:8443/x", false, "https://[::1]:8443/x" },
		{ "https://h/x?q=1", true, "https://h/x" },
		{ "https://h/x#f", true, "https://h/x" },
		{ "https://h/x?q=1", false, NULL },
		{ "https://h/x#f", false, NULL },
		{ "https://u@h/x", false, NULL },
		{ "https:///x", false, NULL },
		{ "https://h:99999/x", false, NULL },
		{ "https://h:8x/x", false, NULL },
		{ "https://h/a b", false, NULL },
		{ "https://h/a%zz", false, NULL },
		{ "https://h/a%4", false, NULL },
		{ "https://h/\xc3\xa9", false, NULL },
		{ "ftp://h/x", false, NULL },
		{ "https://[::1/x", false, NULL },
		{ "h/x", false, NULL },
	};
	char	long_uri[EC_AUTH_MAX_HTU + 16];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		htu_is(cases[i].in, cases[i].strip_query, cases[i].want);
	memset(long_uri, 'a', sizeof(long_uri) - 1);
	memcpy(long_uri, "https://h/", 10);
	long_uri[sizeof(long_uri) - 1] = '\0';
	htu_is(long_uri, false, NULL);
}

/* want NULL: refused. */
static void
b64_is(const char *in, const char *want)
{
	struct ec_buf	out;
	struct ec_err	err;
	int		rc;

	ec_buf_init(&out, 64);
	rc = ec_b64url_decode(&out, in, strlen(in), &err);
	if (want == NULL)
		ok(rc == -1 && out.len == 0, "base64url \"%s\" refused", in);
	else
		ok(rc == 0 && out.len == strlen(want) &&
		    memcmp(out.data, want, out.len) == 0,
		    "base64url \"%s\" decodes", in);
	ec_buf_dispose(&out);
}

static void
test_b64url(void)
{
	struct ec_buf	out;
	struct ec_err	err;

	b64_is("", "");
	b64_is("Zg", "f");
	b64_is("Zm8", "fo");
	b64_is("Zm9v", "foo");
	b64_is("-_8", "\xfb\xff");
	b64_is("Zh", NULL);	/* unused bits set */
	b64_is("Zm9=", NULL);
	b64_is("Zg==", NULL);
	b64_is("Zm 9v", NULL);
	b64_is("Zm+v", NULL);
	b64_is("Z", NULL);
	ec_buf_init(&out, 64);
	ok(ec_b64url_encode(&out, "\xfb\xff", 2, &err) == 0 &&
	    strcmp(out.data, "-_8") == 0, "base64url encodes unpadded");
	ec_buf_dispose(&out);
}

static json_t *
t_mint(char *dir, size_t dirlen)
{
	const char	*root = getenv("EC_ROOT");
	char		 cmd[1024], path[512];
	json_error_t	 jerr;

	snprintf(dir, dirlen, "/tmp/t_auth.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return NULL;
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 %s/tests/tools/mint.py "
	    "%s %d", root != NULL ? root : ".", dir, T_NOW);
	if (system(cmd) != 0)
		return NULL;
	snprintf(path, sizeof(path), "%s/cases.json", dir);
	return json_load_file(path, 0, &jerr);
}

int
main(void)
{
	struct ec_auth_config	 cfg;
	struct ec_auth		*a = NULL;
	struct ec_jwks		*ks = NULL;
	struct ec_err		 err;
	char			 dir[64], jwks[128], cmd[160];
	json_t			*doc;

	test_b64url();
	test_htu();
	test_jwks();
	doc = t_mint(dir, sizeof(dir));
	if (!ok(doc != NULL, "mint.py (PyJWT, jwcrypto) made the cases"))
		return done_testing();
	snprintf(jwks, sizeof(jwks), "%s/jwks.json", dir);
	test_config(jwks);
	test_thumbprints(doc);
	ec_auth_config_init(&cfg);
	cfg.issuer = json_string_value(json_object_get(doc, "issuer"));
	cfg.jwks_path = jwks;
	cfg.clock = t_clock;
	if (ok(ec_auth_new(&a, &cfg, &err) == 0, "configuration loads (%s)",
	    err.msg)) {
		test_cases(a, doc);
		test_faults(a, doc);
		test_cache(jwks, doc);
		test_key_cache(jwks, doc);
	}
	if (ok(ec_jwks_load(&ks, jwks, &err) == 0 && ec_jwks_count(ks) == 2,
	    "minted JWKS has two keys"))
		test_libjwt_trap(ks, doc);
	ec_jwks_free(ks);
	ec_auth_free(a);
	json_decref(doc);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		ok(0, "removing %s", dir);
	return done_testing();
}
