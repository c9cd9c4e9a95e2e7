/*
 * tests/fuzz/fuzz_dsse.c: libFuzzer target for ec_dsse_verify, which reads
 * envelopes from bundles we did not write.  The input is the envelope,
 * verified with each of two fixed keys (the P-256 key of RFC 6979 A.2.5 and
 * the Ed25519 key of RFC 8032 7.1 test 1) so both signature paths are
 * reached.  Seeds, some signed by those keys: tests/fuzz/corpus/dsse/.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Ilib ... tests/fuzz/fuzz_dsse.c
 *   ./fuzz_dsse -max_total_time=60 tests/fuzz/corpus/dsse
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_dsse.h"
#include "ec_limits.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char	FUZZ_P256_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7\n"
    "Yfps5mliLmDyn7Z5A/4QCLi8maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==\n"
    "-----END PUBLIC KEY-----\n";
static const char	FUZZ_ED_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";

static struct ec_verifier	*fuzz_p256, *fuzz_ed;

static struct ec_verifier *
fuzz_key(const char *pem)
{
	struct ec_verifier	*v;
	struct ec_err		 err;

	if (ec_verifier_load_mem(&v, pem, strlen(pem), &err) == -1)
		abort();
	return v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_verifier	*keys[2];
	struct ec_buf		 payload;
	struct ec_err		 err;
	char			*env;
	size_t			 i;

	if (fuzz_p256 == NULL) {
		fuzz_p256 = fuzz_key(FUZZ_P256_PUB);
		fuzz_ed = fuzz_key(FUZZ_ED_PUB);
	}
	keys[0] = fuzz_p256;
	keys[1] = fuzz_ed;
	/* A copy of exactly "size" bytes, so ASan sees any over-read. */
	if ((env = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	if (size > 0)
		memcpy(env, data, size);
	for (i = 0; i < 2; i++) {
		ec_buf_init(&payload, EC_MAX_META_BYTES);
		if (ec_dsse_verify(&payload, env, size,
		    "application/vnd.in-toto+json", keys[i], &err) == 0) {
			/* The payload is decoded from the envelope's base64. */
			if (payload.len > size)
				abort();
		} else if (err.code != EC_ERR_VERIFY &&
		    err.code != EC_ERR_TOO_LARGE && err.code != EC_ERR_NOMEM)
			abort();
		ec_buf_dispose(&payload);
	}
	free(env);
	return 0;
}
