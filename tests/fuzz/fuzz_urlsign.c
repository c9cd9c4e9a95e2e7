/*
 * tests/fuzz/fuzz_urlsign.c: libFuzzer target for the signed download
 * URL code (lib/ec_urlsign.c).  The same input goes through each of:
 *  - ec_urlsign_parse, as a key file;
 *  - ec_urlsign_verify, as a request target checked with a fixed key,
 *    which must never accept it unless re-signing its fields gives it
 *    back byte for byte (one URL, one signature);
 *  - ec_urlsign_file_name, whose output must sign.
 * Seeds: tests/fuzz/corpus/urlsign/.
 *
 *   make build-fuzz/fuzz_urlsign
 *   build-fuzz/fuzz_urlsign -max_total_time=600 tests/fuzz/corpus/urlsign
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_urlsign.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char	fuzz_keys[] =
    "current k1 AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_urlsign		*k = NULL, *fixed = NULL;
	struct ec_urlsign_target	 t;
	struct ec_err			 err;
	char				*s, url[EC_URLSIGN_URL_MAX];
	char				 name[EC_URLSIGN_NAME_MAX + 1];

	if (ec_urlsign_parse(&k, (const char *)data, size, &err) == 0)
		ec_urlsign_free(k);
	else if (err.code == EC_OK)
		abort();
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ec_urlsign_parse(&fixed, fuzz_keys, sizeof(fuzz_keys) - 1,
	    &err) == -1)
		abort();
	if (ec_urlsign_verify(&t, fixed, "GET", s, 0, &err) == 0) {
		if (ec_urlsign_sign(url, fixed, "GET", t.tenant, t.run_id,
		    t.hex, t.name, t.exp, &err) == -1 || strcmp(url, s) != 0)
			abort();
	} else if (err.code != EC_ERR_FORBIDDEN &&
	    err.code != EC_ERR_EXPIRED)
		abort();
	ec_urlsign_file_name(name, s);
	if (ec_urlsign_sign(url, fixed, "GET", "t1",
	    "export-run::t1::2026-12-01::0001",
	    "abababababababababababababababababababababababababababababababab",
	    name, 1, &err) == -1)
		abort();
	ec_urlsign_free(fixed);
	free(s);
	return 0;
}
