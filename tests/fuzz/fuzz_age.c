/*
 * tests/fuzz/fuzz_age.c: libFuzzer target for the age v1 reader: the
 * header parser (version line, stanzas, base64, MAC) and the payload's
 * chunk decryption, through ec_age_decrypt_mem() with the identity of
 * tests/fixtures/age/identity.txt, so seeds encrypted to it reach the
 * payload.  Short inputs also go through the recipient and identity
 * parsers (Bech32).  A decryption that succeeds can never give more
 * plaintext than there was ciphertext; one that fails must say why and
 * hand back nothing.  Seeds: tests/fuzz/corpus/age/.
 *
 *   make build-fuzz/fuzz_age
 *   build-fuzz/fuzz_age -max_total_time=60 tests/fuzz/corpus/age
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_age.h"
#include "ec_buf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char	fuzz_identity[] =
    "AGE-SECRET-KEY-1PPDPCTW68T0EUPKGYWMH0YL82"
    "52NGF29RA9T035YV0UXR7VHE3ZSV4PVHN";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ec_age_identity	id;
	static int			loaded;
	struct ec_age_recipient		r;
	struct ec_age_identity		tmp;
	struct ec_buf			out;
	struct ec_err			err;

	if (!loaded) {
		if (ec_age_identity_parse(&id, fuzz_identity,
		    strlen(fuzz_identity), &err) == -1)
			abort();
		loaded = 1;
	}
	if (size <= EC_AGE_MAX_KEY_CHARS + 1) {
		if (ec_age_recipient_parse(&r, (const char *)data, size,
		    &err) == -1 && err.code != EC_ERR_REQUEST_INVALID)
			abort();
		if (ec_age_identity_parse(&tmp, (const char *)data, size,
		    &err) == -1 && err.code != EC_ERR_REQUEST_INVALID)
			abort();
	}
	ec_buf_init(&out, 1 << 20);
	if (ec_age_decrypt_mem(&out, data, size, &id, 1, &err) == 0) {
		if (out.len > size)
			abort();
	} else if (err.code == EC_OK || out.len != 0)
		abort();
	ec_buf_dispose(&out);
	return 0;
}
