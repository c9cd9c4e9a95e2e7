/*
 * tests/fuzz/fuzz_archive.c: libFuzzer target for the ingest archive
 * walker (lib/ec_ingest_archive.c) on hostile archive bytes: zip, tar and
 * tar under gzip, zstd or xz, through the real libarchive reader.  The
 * walker hands each member to ingest_add_doc() or ingest_add_outcome();
 * this file defines those two (so the batch queue and the database stay
 * out of the loop; the linker then leaves lib/ec_ingest.c out) and
 * checks, aborting otherwise, what the walker promises:
 *   - a document handed over is at most EC_MAX_DOC_BYTES, NUL-terminated;
 *   - every name starts with "fuzz.zip:" or is the archive itself;
 *   - a member is read only when it is a plain relative *.json path;
 *   - the bytes produced stay within the expansion budget;
 *   - every outcome passes fuzz_ingest.h's checks (a code, a printable
 *     message).
 *
 *   make fuzz && build-fuzz/fuzz_archive tests/fuzz/corpus/archive
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ec_ingest_int.h"
#include "ec_limits.h"
#include "fuzz_ingest.h"

#define FUZZ_NAME	"fuzz.zip"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t	fuzz_produced;

static void
fuzz_check_name(const char *name)
{
	size_t	len = strlen(FUZZ_NAME);

	if (strcmp(name, FUZZ_NAME) != 0 &&
	    (strncmp(name, FUZZ_NAME ":", len + 1) != 0))
		abort();
}

int
ingest_add_doc(struct ingest_ctx *ctx, const char *name, struct ec_err *err)
{
	const char	*member = name + strlen(FUZZ_NAME) + 1;
	size_t		 len;

	(void)err;
	fuzz_check_name(name);
	len = strlen(member);
	if (ctx->raw.len > EC_MAX_DOC_BYTES || ctx->raw.data == NULL ||
	    ctx->raw.data[ctx->raw.len] != '\0')
		abort();
	if (len <= 5 || strcmp(member + len - 5, ".json") != 0 ||
	    member[0] == '/' || strstr(member, "../") == member ||
	    strstr(member, "/../") != NULL)
		abort();
	fuzz_produced += ctx->raw.len;
	return 0;
}

int
ingest_add_outcome(struct ingest_ctx *ctx, const char *name,
    enum ec_ingest_status status, const struct ec_err *why,
    struct ec_err *err)
{
	(void)ctx;
	(void)err;
	fuzz_check_name(name);
	fuzz_ingest_outcome_check(status, why);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ingest_ctx	ctx;
	struct ec_err		err;
	uint64_t		budget;
	int			fd;

	if ((fd = memfd_create("fuzz", MFD_CLOEXEC)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	memset(&ctx, 0, sizeof(ctx));
	ec_buf_init(&ctx.raw, EC_MAX_DOC_BYTES + 1);
	fuzz_produced = 0;
	if (ingest_archive(&ctx, FUZZ_NAME, fd, &err) == -1 &&
	    err.code != EC_ERR_NOMEM)
		abort();
	budget = (uint64_t)size * EC_INGEST_MAX_EXPANSION;
	if (fuzz_produced > (budget > EC_MAX_DOC_BYTES ? budget :
	    EC_MAX_DOC_BYTES))
		abort();
	ec_buf_dispose(&ctx.raw);
	(void)close(fd);
	return 0;
}
