/*
 * tests/fuzz/fuzz_jose.c: libFuzzer target for the JOSE parsers that read
 * what a client sends (lib/ec_jose.c, lib/ec_auth_htu.c).  The same input
 * goes through each:
 *  - ec_b64url_decode, whose output must encode back to the input (one
 *    value, one spelling);
 *  - ec_jws_parse, and ec_jwk_parse of a "jwk" header member, whose key
 *    must then refuse an all-zero signature;
 *  - ec_auth_htu_normalise in both modes, whose output must be a fixed
 *    point (normalising it again changes nothing);
 *  - ec_jwks_load_mem.
 * Seeds: tests/fuzz/corpus/jose/.
 *
 *   make build-fuzz/fuzz_jose
 *   build-fuzz/fuzz_jose -max_total_time=600 tests/fuzz/corpus/jose
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_auth.h"
#include "ec_jose.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_b64(const char *p, size_t n)
{
	struct ec_buf	dec, enc;
	struct ec_err	err;

	ec_buf_init(&dec, EC_JOSE_MAX_COMPACT);
	ec_buf_init(&enc, 2 * EC_JOSE_MAX_COMPACT);
	if (ec_b64url_decode(&dec, p, n, &err) == 0) {
		if (ec_b64url_encode(&enc, dec.data != NULL ? dec.data : "",
		    dec.len, &err) == -1 || enc.len != n ||
		    (n > 0 && memcmp(enc.data, p, n) != 0))
			abort();
	} else if (err.code == EC_OK || dec.len != 0)
		abort();
	ec_buf_dispose(&dec);
	ec_buf_dispose(&enc);
}

static void
fuzz_jws(const char *p, size_t n)
{
	static const uint8_t	 zero[EC_JOSE_ES256_SIG_LEN];
	struct ec_jws		 jws;
	struct ec_jwk		 k;
	struct ec_err		 err;

	if (ec_jws_parse(&jws, p, n, &err) == -1) {
		if (err.code != EC_ERR_UNAUTHORIZED && err.code != EC_ERR_NOMEM)
			abort();
		return;
	}
	if (jws.sig_len > EC_JOSE_MAX_SIG_LEN || jws.alg == NULL)
		abort();
	if (ec_jwk_parse(&k, json_object_get(jws.header, "jwk"), &err) == 0) {
		if (strlen(k.thumb) != EC_JOSE_THUMB_LEN)
			abort();
		if (ec_jwk_verify_es256(&k, jws.signing_input.p,
		    jws.signing_input.len, zero, sizeof(zero), &err) == 0)
			abort();
	}
	ec_jws_dispose(&jws);
}

static void
fuzz_htu(const char *p, size_t n, bool strip)
{
	struct ec_buf	a, b;
	struct ec_err	err;

	ec_buf_init(&a, EC_AUTH_MAX_HTU);
	ec_buf_init(&b, EC_AUTH_MAX_HTU);
	if (ec_auth_htu_normalise(&a, p, n, strip, &err) == 0) {
		if (ec_auth_htu_normalise(&b, a.data, a.len, false,
		    &err) == -1 || a.len != b.len ||
		    memcmp(a.data, b.data, a.len) != 0)
			abort();
	} else if (a.len != 0)
		abort();
	ec_buf_dispose(&a);
	ec_buf_dispose(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_jwks	*ks;
	struct ec_err	 err;
	const char	*p = (const char *)data;

	fuzz_b64(p, size);
	fuzz_jws(p, size);
	fuzz_htu(p, size, false);
	fuzz_htu(p, size, true);
	if (ec_jwks_load_mem(&ks, p, size, &err) == 0) {
		if (ec_jwks_count(ks) == 0 || ec_jwks_count(ks) >
		    EC_JOSE_MAX_KEYS)
			abort();
		ec_jwks_free(ks);
	}
	return 0;
}
