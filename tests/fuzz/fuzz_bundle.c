/*
 * tests/fuzz/fuzz_bundle.c: libFuzzer target for ec_bundle_read_mem(), the
 * reader that walks bundles someone else made.  The input is the archive;
 * members named *.json or *.txt are kept, as a verifier keeps manifest.json
 * and checksums.txt.  Beyond the sanitizers it checks what the header
 * promises, and aborts when one is broken:
 *   - every member has a non-empty name, neither absolute nor with ".."
 *     or control characters, and no name appears twice;
 *   - a kept member's bytes have the size and SHA-256 reported for it, and
 *     a member not kept has no bytes;
 *   - a refusal is EC_ERR_VERIFY (or EC_ERR_IO, EC_ERR_NOMEM);
 *   - no more is decompressed than the expansion limit allows.
 * Seeds (tar+zstd from ec_bundle, plain and pax tar from GNU tar, and
 * frames.tar.zst: the tar of full.tar.zst as three zstd frames, cut after
 * a tar header and after that member's content, as the writer cuts them):
 * tests/fuzz/corpus/bundle/.
 *
 *   make build-fuzz/fuzz_bundle
 *   build-fuzz/fuzz_bundle -max_total_time=60 tests/fuzz/corpus/bundle
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_bundle.h"
#include "ec_hash.h"
#include "ec_limits.h"

/* Names remembered per input, to catch a duplicate the reader let by. */
#define FUZZ_BUNDLE_NAMES	64

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_seen {
	char	*names[FUZZ_BUNDLE_NAMES];	/* owned */
	size_t	 n;
	size_t	 members;
};

static bool
fuzz_ends_with(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

static uint64_t
fuzz_keep(void *arg, const char *name)
{
	(void)arg;
	return fuzz_ends_with(name, ".json") ||
	    fuzz_ends_with(name, ".txt") ? EC_MAX_META_BYTES : 0;
}

/* The reader promised to refuse these; reaching the callback is a bug. */
static void
fuzz_check_name(struct fuzz_seen *s, const char *name)
{
	const char	*seg, *end;
	size_t		 i, n;

	if (name == NULL || name[0] == '\0' || name[0] == '/')
		abort();
	for (i = 0; name[i] != '\0'; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			abort();
	for (seg = name; *seg != '\0'; seg = *end == '/' ? end + 1 : end) {
		if ((end = strchr(seg, '/')) == NULL)
			end = seg + strlen(seg);
		n = (size_t)(end - seg);
		if (n == 2 && seg[0] == '.' && seg[1] == '.')
			abort();
	}
	for (i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0) {
			fprintf(stderr, "member %s seen twice\n", name);
			abort();
		}
	if (s->n < FUZZ_BUNDLE_NAMES && (s->names[s->n] = strdup(name)) !=
	    NULL)
		s->n++;
}

static int
fuzz_member(void *arg, const struct ec_bundle_member *m, struct ec_err *err)
{
	struct fuzz_seen	*s = arg;
	uint8_t			 d[EC_SHA256_LEN];

	(void)err;
	fuzz_check_name(s, m->name);
	if (++s->members > EC_MAX_BUNDLE_ENTRIES || m->size >
	    EC_MAX_ENTRY_BYTES)
		abort();
	if (fuzz_keep(NULL, m->name) > 0) {
		if (m->data == NULL)
			abort();
		ec_sha256(d, m->data, (size_t)m->size);
		if (memcmp(d, m->sha256, sizeof(d)) != 0) {
			fprintf(stderr, "member %s: digest mismatch\n",
			    m->name);
			abort();
		}
	} else if (m->data != NULL)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_bundle_stats	 bs;
	struct fuzz_seen	 s;
	struct ec_err		 err;
	size_t			 i;

	memset(&s, 0, sizeof(s));
	if (ec_bundle_read_mem(&bs, data, size, fuzz_keep, fuzz_member, &s,
	    &err) == -1 && err.code != EC_ERR_VERIFY &&
	    err.code != EC_ERR_IO && err.code != EC_ERR_NOMEM) {
		fprintf(stderr, "unexpected error %d: %s\n", (int)err.code,
		    err.msg);
		abort();
	}
	/* The work bound: never more decompressed than the limit allows. */
	if (bs.read > bs.limit || bs.compressed != size)
		abort();
	for (i = 0; i < s.n; i++)
		free(s.names[i]);
	return 0;
}
