/*
 * tests/fuzz/fuzz_keyring.c: libFuzzer target for ec_keyring_parse() and
 * ec_keyring_ref_check(), then a resolution of what the keyring accepts.
 * Beyond the sanitizers it checks what the header promises, and aborts
 * when one is broken: a refused keyring is EC_ERR_REQUEST_INVALID or
 * EC_ERR_TOO_LARGE and leaves *out alone; a reference with a query is
 * never quoted back; resolving an unknown reference is
 * EC_ERR_REQUEST_INVALID.  Paths point into a directory that does not
 * exist, so no file is ever opened.  Seeds: tests/fuzz/corpus/keyring/.
 *
 *   make build-fuzz/fuzz_keyring
 *   build-fuzz/fuzz_keyring -max_total_time=60 tests/fuzz/corpus/keyring
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_keyring.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a reference: its first line, NUL-terminated. */
static void
fuzz_ref(const uint8_t *data, size_t size)
{
	struct ec_err	 err;
	const char	*q;
	char		 ref[EC_KEYRING_MAX_REF + 2];
	size_t		 n;

	for (n = 0; n < size && n < sizeof(ref) - 1 && data[n] != '\n'; n++)
		ref[n] = data[n] == '\0' ? '?' : (char)data[n];
	ref[n] = '\0';
	if (ec_keyring_ref_check(ref, &err) == 0)
		return;
	if (err.code != EC_ERR_REQUEST_INVALID)
		abort();
	/* A query may carry a PIN: its text must not come back. */
	if ((q = strchr(ref, '?')) != NULL && strlen(q) > 8 &&
	    strstr(err.msg, q) != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_keyring	*kr = NULL;
	struct ec_err		 err;

	fuzz_ref(data, size);
	if (ec_keyring_parse(&kr, (const char *)data, size,
	    "/nonexistent-keyring-dir", &err) == -1) {
		if ((err.code != EC_ERR_REQUEST_INVALID &&
		    err.code != EC_ERR_TOO_LARGE) || kr != NULL)
			abort();
		return 0;
	}
	if (ec_keyring_resolve(kr, "fuzz", "kms://fuzz/none",
	    EC_KEYRING_SIGN, &err) == 0 || err.code != EC_ERR_REQUEST_INVALID)
		abort();
	(void)ec_keyring_resolve(kr, "acme", "kms://acme/signing",
	    EC_KEYRING_SIGN, &err);
	ec_keyring_free(kr);
	return 0;
}
