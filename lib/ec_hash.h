/*
 * ec_hash: SHA-256 (Nettle), streaming and one-shot, and the file digests
 * that manifests, checksums and provenance subjects are made of.
 */
#ifndef EC_HASH_H
#define EC_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#include "ec_err.h"

#define EC_SHA256_LEN	32
#define EC_SHA256_HEX	65	/* 64 lowercase hex digits and a NUL */

/* A streaming context; a plain struct so that it can live on the stack. */
struct ec_sha256 {
	struct sha256_ctx	ctx;
};

void	ec_sha256_init(struct ec_sha256 *h);
void	ec_sha256_update(struct ec_sha256 *h, const void *p, size_t len);
void	ec_sha256_final(uint8_t digest_out[EC_SHA256_LEN], struct ec_sha256 *h);
/* One-shot digest of a buffer. */
void	ec_sha256(uint8_t digest_out[EC_SHA256_LEN], const void *p, size_t len);
/* One-shot digest as lowercase hex. */
void	ec_sha256_hex(char hex_out[EC_SHA256_HEX], const void *p, size_t len);
/* Digest and size of a whole file; EC_ERR_IO names the file on failure. */
int	ec_sha256_file(uint8_t digest_out[EC_SHA256_LEN], uint64_t *size_out,
	    const char *path, struct ec_err *err) EC_MUST_CHECK;

#endif
