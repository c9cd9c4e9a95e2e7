/*
 * tests/fuzz/fuzz_manifest.c: libFuzzer target for the three index files
 * a verifier reads from a bundle it did not write.  The same bytes go to
 * ec_manifest_parse(), ec_checksums_parse() and ec_prov_check() (whose
 * lookup knows every name, with one fixed digest).  Beyond the sanitizers
 * it checks what the headers promise, and aborts when one is broken:
 *   - a parsed manifest has at most EC_MAX_OUTPUTS items, sorted by
 *     (type, id, format, path), each with 64 lowercase hex digits, and a
 *     run id and profile;
 *   - every checksums.txt path is non-empty printable ASCII, and there
 *     are at most EC_MAX_BUNDLE_ENTRIES of them;
 *   - an accepted statement has 1 to EC_MAX_BUNDLE_ENTRIES subjects;
 *   - every refusal is EC_ERR_VERIFY (or EC_ERR_NOMEM).
 * Seeds (written by the library itself): tests/fuzz/corpus/manifest/.
 *
 *   make build-fuzz/fuzz_manifest
 *   build-fuzz/fuzz_manifest -max_total_time=60 tests/fuzz/corpus/manifest
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_limits.h"
#include "ec_manifest.h"
#include "ec_prov.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every subject "is" in the bundle, with this digest: 0x5a repeated. */
#define FUZZ_DIGEST_BYTE	0x5a

static void
fuzz_refused(const char *what, const struct ec_err *err)
{
	if (err->code != EC_ERR_VERIFY && err->code != EC_ERR_NOMEM) {
		fprintf(stderr, "%s: unexpected error %d: %s\n", what,
		    (int)err->code, err->msg);
		abort();
	}
}

static int
fuzz_item_cmp(const struct ec_manifest_item *a,
    const struct ec_manifest_item *b)
{
	int	c;

	if ((c = strcmp(a->type, b->type)) != 0 ||
	    (c = strcmp(a->id, b->id)) != 0 ||
	    (c = strcmp(a->format, b->format)) != 0)
		return c;
	return strcmp(a->path, b->path);
}

static void
fuzz_check_manifest(struct ec_manifest *m)
{
	const struct ec_manifest_item	*it, *prev = NULL;
	size_t				 i, j;

	if (ec_manifest_count(m) > EC_MAX_OUTPUTS ||
	    ec_manifest_run_id(m) == NULL || ec_manifest_profile(m) == NULL)
		abort();
	for (i = 0; (it = ec_manifest_item(m, i)) != NULL; i++) {
		if (prev != NULL && fuzz_item_cmp(prev, it) > 0)
			abort();
		for (j = 0; j < EC_SHA256_HEX - 1; j++)
			if (!((it->sha256[j] >= '0' && it->sha256[j] <= '9') ||
			    (it->sha256[j] >= 'a' && it->sha256[j] <= 'f')))
				abort();
		if (it->sha256[EC_SHA256_HEX - 1] != '\0')
			abort();
		prev = it;
	}
	if (i != ec_manifest_count(m))
		abort();
}

static int
fuzz_checksum(void *arg, const char *path,
    const uint8_t digest[EC_SHA256_LEN], struct ec_err *err)
{
	size_t	*lines = arg, i;

	(void)digest;
	(void)err;
	if (path[0] == '\0' || ++*lines > EC_MAX_BUNDLE_ENTRIES)
		abort();
	for (i = 0; path[i] != '\0'; i++)
		if (path[i] < ' ' || path[i] > '~')
			abort();
	return 0;
}

static int
fuzz_lookup(void *arg, const char *name, uint8_t digest_out[EC_SHA256_LEN])
{
	(void)arg;
	(void)name;
	memset(digest_out, FUZZ_DIGEST_BYTE, EC_SHA256_LEN);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_manifest	*m;
	struct ec_err		 err;
	const char		*p = (const char *)data;
	size_t			 lines = 0, subjects = 0;

	if (ec_manifest_parse(&m, p, size, &err) == 0) {
		fuzz_check_manifest(m);
		ec_manifest_free(m);
	} else
		fuzz_refused("ec_manifest_parse", &err);

	if (ec_checksums_parse(p, size, fuzz_checksum, &lines, &err) == -1)
		fuzz_refused("ec_checksums_parse", &err);

	if (ec_prov_check(p, size, fuzz_lookup, NULL, &subjects, &err) == 0) {
		if (subjects == 0 || subjects > EC_MAX_BUNDLE_ENTRIES)
			abort();
	} else
		fuzz_refused("ec_prov_check", &err);
	return 0;
}
