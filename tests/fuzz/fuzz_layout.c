/*
 * tests/fuzz/fuzz_layout.c: libFuzzer target for what an OCI layout or a
 * registry hands the push: index.json and manifests (ec_layout), and the
 * registry's WWW-Authenticate values, error bodies and the credentials
 * file (ec_registry).  The same bytes go to each parser.  Beyond the
 * sanitizers it checks what the headers promise, and aborts when one is
 * broken:
 *   - an accepted index has 1 to EC_LAYOUT_MAX_MANIFESTS descriptors and
 *     an accepted manifest 1 to EC_LAYOUT_MAX_LAYERS + 1 blobs, each with
 *     a well-formed sha256 digest and a size within EC_LAYOUT_MAX_BLOB;
 *   - refusals are EC_ERR_REQUEST_INVALID (or EC_ERR_TOO_LARGE, NOMEM);
 *   - error text is NUL-terminated printable ASCII within its buffer.
 * Seeds: tests/fuzz/corpus/layout/.
 *
 *   make build-fuzz/fuzz_layout
 *   build-fuzz/fuzz_layout -max_total_time=60 tests/fuzz/corpus/layout
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_layout.h"
#include "ec_registry.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_refused(const char *what, const struct ec_err *err, enum ec_code want)
{
	if (err->code != want && err->code != EC_ERR_TOO_LARGE &&
	    err->code != EC_ERR_NOMEM) {
		fprintf(stderr, "%s: unexpected error %d: %s\n", what,
		    (int)err->code, err->msg);
		abort();
	}
}

static void
fuzz_check_descs(const struct ec_layout_desc *d, size_t n, size_t max)
{
	size_t	i;

	if (n == 0 || n > max)
		abort();
	for (i = 0; i < n; i++)
		if (!ec_layout_digest_ok(d[i].digest) ||
		    d[i].size > EC_LAYOUT_MAX_BLOB ||
		    d[i].media_type[0] == '\0')
			abort();
}

static void
fuzz_manifest(const char *p, size_t size, const char *mt)
{
	struct ec_layout_manifest	m;
	struct ec_err			err;

	if (ec_layout_parse_manifest(&m, mt, p, size, &err) == 0)
		fuzz_check_descs(m.blobs, m.n, EC_LAYOUT_MAX_LAYERS + 1);
	else
		fuzz_refused("manifest", &err, EC_ERR_REQUEST_INVALID);
	ec_layout_manifest_dispose(&m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ec_registry_challenge	 ch;
	struct ec_layout_desc		*d;
	struct ec_err			 err;
	const char			*p = (const char *)data;
	char				 text[64];
	char				 creds[EC_REGISTRY_MAX_SECRET + 1];
	size_t				 n, i;
	bool				 found;

	if (ec_layout_parse_index(&d, &n, p, size, &err) == 0) {
		fuzz_check_descs(d, n, EC_LAYOUT_MAX_MANIFESTS);
		free(d);
	} else
		fuzz_refused("index", &err, EC_ERR_REQUEST_INVALID);
	fuzz_manifest(p, size, EC_LAYOUT_MT_MANIFEST);
	fuzz_manifest(p, size, EC_LAYOUT_MT_DOCKER);

	if (ec_registry_challenge_parse(&ch, p, size, &err) == -1)
		fuzz_refused("challenge", &err, EC_ERR_DISTRIBUTION_FAILED);
	else if (ch.bearer && ch.realm[0] == '\0')
		abort();

	(void)ec_registry_error_text(text, sizeof(text), p, size);
	for (i = 0; i < sizeof(text) && text[i] != '\0'; i++)
		if (text[i] < ' ' || text[i] > '~')
			abort();
	if (i == sizeof(text))
		abort();

	if (ec_registry_creds_parse(creds, &found, p, size, "127.0.0.1:18500",
	    &err) == -1)
		fuzz_refused("creds", &err, EC_ERR_REQUEST_INVALID);
	else if (found && strchr(creds, ':') == NULL)
		abort();
	return 0;
}
