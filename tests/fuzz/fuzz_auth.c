/*
 * tests/fuzz/fuzz_auth.c: libFuzzer target for ec_auth_verify, past the
 * signatures.  Random bytes never carry a valid ES256 signature, so the
 * harness signs what the fuzzer writes: the input is a flags byte and four
 * parts separated by 0x1e (proof header, proof claims, token header,
 * token claims), each JSON (or not).  Per the flags, the harness sets
 * "alg" and "typ", adds the proof key as "jwk", the token's "ath" and
 * "cnf"."jkt", and signs proof and token with one fixed P-256 key (RFC
 * 6979 A.2.5's, with deterministic nonces, so a crash reproduces) that is
 * also the issuer's only key.  Every claim check then sees fuzzed values.
 * Seeds: tests/fuzz/corpus/auth/ (FUZZ_AUTH_DEBUG=1 prints the verdict).
 *
 *   make build-fuzz/fuzz_auth
 *   build-fuzz/fuzz_auth -max_total_time=600 tests/fuzz/corpus/auth
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>
#include <gnutls/crypto.h>

#include "ec_auth.h"
#include "ec_hash.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_JWK		0x01	/* proof header gets the key as "jwk" */
#define F_CNF		0x02	/* token claims get cnf.jkt */
#define F_ATH		0x04	/* proof claims get ath */
#define F_SIGN_PROOF	0x08
#define F_SIGN_TOKEN	0x10
#define F_TYP		0x20	/* proof typ dpop+jwt */
#define F_ALG		0x40	/* alg ES256 in both headers */
#define F_RAW		0x80	/* use the parts' bytes as they are */

/* RFC 6979 A.2.5: the P-256 key. */
static const uint8_t	fuzz_d[32] = {
	0xc9, 0xaf, 0xa9, 0xd8, 0x45, 0xba, 0x75, 0x16, 0x6b, 0x5c, 0x21,
	0x57, 0x67, 0xb1, 0xd6, 0x93, 0x4e, 0x50, 0xc3, 0xdb, 0x36, 0xe8,
	0x9b, 0x12, 0x7b, 0x8a, 0x62, 0x2b, 0x12, 0x0f, 0x67, 0x21 };
static const uint8_t	fuzz_x[32] = {
	0x60, 0xfe, 0xd4, 0xba, 0x25, 0x5a, 0x9d, 0x31, 0xc9, 0x61, 0xeb,
	0x74, 0xc6, 0x35, 0x6d, 0x68, 0xc0, 0x49, 0xb8, 0x92, 0x3b, 0x61,
	0xfa, 0x6c, 0xe6, 0x69, 0x62, 0x2e, 0x60, 0xf2, 0x9f, 0xb6 };
static const uint8_t	fuzz_y[32] = {
	0x79, 0x03, 0xfe, 0x10, 0x08, 0xb8, 0xbc, 0x99, 0xa4, 0x1a, 0xe9,
	0xe9, 0x56, 0x28, 0xbc, 0x64, 0xf2, 0xf1, 0xb2, 0x0c, 0x2d, 0x7e,
	0x9f, 0x51, 0x77, 0xa3, 0xc2, 0x94, 0xd4, 0x46, 0x22, 0x99 };

static gnutls_privkey_t	 fuzz_key;
static struct ec_auth	*fuzz_auth;
static json_t		*fuzz_jwk;	/* the public key as a JWK */
static char		 fuzz_thumb[EC_JOSE_THUMB_SIZE];

static int64_t
fuzz_clock(void *arg)
{
	(void)arg;
	return 1780000000;
}

static int
fuzz_seen(void *arg, const char *jti, int64_t iat, struct ec_err *err)
{
	(void)arg;
	(void)iat;
	(void)err;
	return jti[0] == 'R';	/* a jti starting with R counts as replayed */
}

static char *
fuzz_b64(const void *p, size_t n)
{
	struct ec_buf	b;
	struct ec_err	err;
	char		*s;
	size_t		 len;

	ec_buf_init(&b, 4 * n + 8);
	if (ec_b64url_encode(&b, p, n, &err) == -1)
		abort();
	s = ec_buf_steal(&b, &len);
	return s != NULL ? s : strdup("");
}

static void
fuzz_init(void)
{
	gnutls_datum_t		 x = { (unsigned char *)fuzz_x, 32 };
	gnutls_datum_t		 y = { (unsigned char *)fuzz_y, 32 };
	gnutls_datum_t		 d = { (unsigned char *)fuzz_d, 32 };
	struct ec_auth_config	 cfg;
	struct ec_jwk		 k;
	struct ec_err		 err;
	char			 path[] = "/tmp/fuzz_auth.XXXXXX", *bx, *by;
	FILE			*f;
	int			 fd;

	if (gnutls_privkey_init(&fuzz_key) < 0 ||
	    gnutls_privkey_import_ecc_raw(fuzz_key, GNUTLS_ECC_CURVE_SECP256R1,
	    &x, &y, &d) < 0)
		abort();
	bx = fuzz_b64(fuzz_x, 32);
	by = fuzz_b64(fuzz_y, 32);
	fuzz_jwk = json_pack("{s:s,s:s,s:s,s:s}", "kty", "EC", "crv", "P-256",
	    "x", bx, "y", by);
	if (fuzz_jwk == NULL || ec_jwk_parse(&k, fuzz_jwk, &err) == -1)
		abort();
	memcpy(fuzz_thumb, k.thumb, sizeof(fuzz_thumb));
	if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) == NULL)
		abort();
	fprintf(f, "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"k\","
	    "\"x\":\"%s\",\"y\":\"%s\"}]}", bx, by);
	if (fclose(f) != 0)
		abort();
	ec_auth_config_init(&cfg);
	cfg.issuer = "https://i/";
	cfg.jwks_path = path;
	cfg.clock = fuzz_clock;
	if (ec_auth_new(&fuzz_auth, &cfg, &err) == -1)
		abort();
	(void)unlink(path);
	free(bx);
	free(by);
}

/* A part as JSON text, with the harness's additions when it is an object. */
static char *
fuzz_part(const char *p, size_t n, unsigned flags, int which,
    const char *token)
{
	uint8_t	 digest[EC_SHA256_LEN];
	json_t	*v;
	char	*s, *ath;

	v = (flags & F_RAW) ? NULL : json_loadb(p, n, 0, NULL);
	if (!json_is_object(v)) {
		json_decref(v);
		return fuzz_b64(p, n);
	}
	if ((which == 0 || which == 2) && (flags & F_ALG))
		json_object_set_new(v, "alg", json_string("ES256"));
	if (which == 0 && (flags & F_TYP))
		json_object_set_new(v, "typ", json_string("dpop+jwt"));
	if (which == 0 && (flags & F_JWK))
		json_object_set(v, "jwk", fuzz_jwk);
	if (which == 1 && (flags & F_ATH) && token != NULL) {
		ec_sha256(digest, token, strlen(token));
		ath = fuzz_b64(digest, sizeof(digest));
		json_object_set_new(v, "ath", json_string(ath));
		free(ath);
	}
	if (which == 3 && (flags & F_CNF))
		json_object_set_new(v, "cnf", json_pack("{s:s}", "jkt",
		    fuzz_thumb));
	s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	ath = s != NULL ? fuzz_b64(s, strlen(s)) : strdup("");
	free(s);
	return ath;
}

/* "h.c.sig", signed with the fixed key or with a zero signature. */
static char *
fuzz_jws(const char *h, const char *c, bool sign)
{
	gnutls_datum_t	 in, der = { NULL, 0 }, r, s;
	uint8_t		 raw[64] = { 0 };
	char		*out, *sig;
	size_t		 n = strlen(h) + strlen(c) + 1;

	if ((out = malloc(n + 100)) == NULL)
		abort();
	snprintf(out, n + 1, "%s.%s", h, c);
	in.data = (unsigned char *)out;
	in.size = (unsigned)n;
	if (sign && gnutls_privkey_sign_data(fuzz_key, GNUTLS_DIG_SHA256,
	    GNUTLS_PRIVKEY_FLAG_REPRODUCIBLE, &in, &der) == 0 &&
	    gnutls_decode_rs_value(&der, &r, &s) == 0) {
		/* DER integers may carry a leading zero, or be short. */
		memcpy(raw + 32 - (r.size > 32 ? 32 : r.size), r.data +
		    (r.size > 32 ? r.size - 32 : 0), r.size > 32 ? 32 : r.size);
		memcpy(raw + 64 - (s.size > 32 ? 32 : s.size), s.data +
		    (s.size > 32 ? s.size - 32 : 0), s.size > 32 ? 32 : s.size);
		gnutls_free(r.data);
		gnutls_free(s.data);
	}
	gnutls_free(der.data);
	sig = fuzz_b64(raw, sizeof(raw));
	snprintf(out + n, 100, ".%s", sig);
	free(sig);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_auth_principal	 pr;
	struct ec_auth_request		 rq;
	struct ec_err			 err;
	enum ec_auth_fault		 fault;
	const char			*part[4], *p, *end;
	size_t				 len[4], i;
	char				*th, *tc, *ph, *pc, *token, *proof;
	char				*authz;
	unsigned			 flags;
	int				 rc;

	if (fuzz_auth == NULL)
		fuzz_init();
	if (size < 1)
		return 0;
	flags = data[0];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	for (i = 0; i < 4; i++) {
		const char *sep = memchr(p, 0x1e, (size_t)(end - p));

		part[i] = p;
		len[i] = (size_t)((sep != NULL ? sep : end) - p);
		p = sep != NULL ? sep + 1 : end;
	}
	th = fuzz_part(part[2], len[2], flags, 2, NULL);
	tc = fuzz_part(part[3], len[3], flags, 3, NULL);
	token = fuzz_jws(th, tc, (flags & F_SIGN_TOKEN) != 0);
	ph = fuzz_part(part[0], len[0], flags, 0, NULL);
	pc = fuzz_part(part[1], len[1], flags, 1, token);
	proof = fuzz_jws(ph, pc, (flags & F_SIGN_PROOF) != 0);
	if ((authz = malloc(strlen(token) + 6)) == NULL)
		abort();
	snprintf(authz, strlen(token) + 6, "DPoP %s", token);
	memset(&rq, 0, sizeof(rq));
	rq.authorization = authz;
	rq.dpop = proof;
	rq.dpop_count = 1;
	rq.method = "GET";
	rq.scheme = "https";
	rq.host = "h";
	rq.uri = "/p?q";
	rq.tenant = "t";
	rq.scope = EC_AUTH_SCOPE_READ;
	rq.seen = fuzz_seen;
	rc = ec_auth_verify(&pr, &fault, fuzz_auth, &rq, &err);
	/* FUZZ_AUTH_DEBUG=1 says what became of each input (for seeds). */
	if (getenv("FUZZ_AUTH_DEBUG") != NULL)
		fprintf(stderr, "fuzz_auth: %s\n", rc == 0 ? "accepted" :
		    err.msg);
	if (rc == 0) {
		if (strcmp(pr.tenant, "t") != 0 || strcmp(pr.jkt, fuzz_thumb)
		    != 0 || !(pr.scopes & EC_AUTH_SCOPE_READ) ||
		    fault != EC_AUTH_FAULT_NONE)
			abort();
	} else if (err.code != EC_ERR_UNAUTHORIZED &&
	    err.code != EC_ERR_FORBIDDEN &&
	    err.code != EC_ERR_REQUEST_INVALID && err.code != EC_ERR_NOMEM)
		abort();
	free(th);
	free(tc);
	free(ph);
	free(pc);
	free(token);
	free(proof);
	free(authz);
	return 0;
}
