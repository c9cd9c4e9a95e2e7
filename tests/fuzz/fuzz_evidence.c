/*
 * tests/fuzz/fuzz_evidence.c: libFuzzer target for what ingest does with a
 * hostile upload: ec_time_parse() on the raw bytes, then json_loadb() and
 * ec_evidence_classify().  Beyond the sanitizers it checks the promises
 * the headers make, and aborts when one is broken:
 *   - a parsed date-time formats and parses back to the same value;
 *   - a classified document has a NUL-terminated upstream_id of at most
 *     EC_MAX_ID_LEN bytes without control characters, and named enums;
 *   - a rejection is EC_ERR_REQUEST_INVALID with a printable message.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib \
 *       tests/fuzz/fuzz_evidence.c lib/ec_evidence.c lib/ec_time.c \
 *       lib/ec_err.c -ljansson -o fuzz_evidence
 *   ./fuzz_evidence -max_len=65536 tests/fuzz/corpus/evidence
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_err.h"
#include "ec_evidence.h"
#include "ec_limits.h"
#include "ec_time.h"

/*
 * Ingest refuses documents past EC_MAX_DOC_BYTES before parsing; the
 * fuzzer stays far below that so each run is fast and covers structure
 * rather than size.
 */
#define FUZZ_MAX_INPUT	(256 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void	fuzz_time_roundtrip(int64_t);
static void	fuzz_check_text(const char *, size_t);

/* format(us) must parse back to us: the header promises a round trip. */
static void
fuzz_time_roundtrip(int64_t us)
{
	struct ec_err	err;
	char		buf[EC_TIME_MAX];
	int64_t		back;
	size_t		len;

	ec_time_format(buf, us);
	len = strnlen(buf, sizeof(buf));
	if (len == sizeof(buf))
		abort();
	if (ec_time_parse(&back, buf, len, &err) == -1 || back != us)
		abort();
}

/*
 * "s" must be NUL-terminated within "size" and free of control bytes: C0,
 * DEL and C1 (UTF-8 C2 80 to C2 9F).
 */
static void
fuzz_check_text(const char *s, size_t size)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, len;

	len = strnlen(s, size);
	if (len == size)
		abort();
	for (i = 0; i < len; i++)
		if (u[i] < 0x20 || u[i] == 0x7f || (u[i] == 0xc2 &&
		    u[i + 1] >= 0x80 && u[i + 1] <= 0x9f))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_doc_info	 info;
	struct ec_err		 err;
	json_error_t		 jerr;
	json_t			*doc;
	int64_t			 us;

	if (size > FUZZ_MAX_INPUT)
		return 0;

	/* The bytes as a date-time: exact length, no NUL after them. */
	if (ec_time_parse(&us, (const char *)data, size, &err) == 0)
		fuzz_time_roundtrip(us);
	else if (err.code != EC_ERR_REQUEST_INVALID)
		abort();
	else
		fuzz_check_text(err.msg, sizeof(err.msg));

	/*
	 * JSON_ALLOW_NUL on top of what ingest uses, so strings with "\u0000"
	 * reach the classifier too: it must not be fooled by them.
	 */
	doc = json_loadb((const char *)data, size,
	    JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (doc == NULL)
		return 0;
	if (ec_evidence_classify(&info, doc, &err) == 0) {
		fuzz_check_text(info.upstream_id, sizeof(info.upstream_id));
		if (strcmp(ec_kind_name(info.kind), "unknown") == 0 ||
		    strcmp(ec_format_name(info.format), "unknown") == 0)
			abort();
		if (info.has_modified)
			fuzz_time_roundtrip(info.modified_us);
	} else if (err.code != EC_ERR_REQUEST_INVALID)
		abort();
	else
		fuzz_check_text(err.msg, sizeof(err.msg));
	json_decref(doc);
	return 0;
}
