/* ec_hash: SHA-256 wrappers over Nettle. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ec_buf.h"
#include "ec_hash.h"

void
ec_sha256_init(struct ec_sha256 *h)
{
	sha256_init(&h->ctx);
}

void
ec_sha256_update(struct ec_sha256 *h, const void *p, size_t len)
{
	sha256_update(&h->ctx, len, p);
}

void
ec_sha256_final(uint8_t digest_out[EC_SHA256_LEN], struct ec_sha256 *h)
{
	sha256_digest(&h->ctx, EC_SHA256_LEN, digest_out);
}

void
ec_sha256(uint8_t digest_out[EC_SHA256_LEN], const void *p, size_t len)
{
	struct ec_sha256	h;

	ec_sha256_init(&h);
	ec_sha256_update(&h, p, len);
	ec_sha256_final(digest_out, &h);
}

void
ec_sha256_hex(char hex_out[EC_SHA256_HEX], const void *p, size_t len)
{
	uint8_t	d[EC_SHA256_LEN];

	ec_sha256(d, p, len);
	ec_hex_encode(hex_out, d, sizeof(d));
}

int
ec_sha256_file(uint8_t digest_out[EC_SHA256_LEN], uint64_t *size_out,
    const char *path, struct ec_err *err)
{
	struct ec_sha256	h;
	char			chunk[65536];
	uint64_t		size = 0;
	ssize_t			n;
	int			fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	ec_sha256_init(&h);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			(void)ec_err_set(err, EC_ERR_IO, "%s: %s", path,
			    strerror(errno));
			(void)close(fd);
			return -1;
		}
		ec_sha256_update(&h, chunk, (size_t)n);
		size += (uint64_t)n;
	}
	(void)close(fd);
	ec_sha256_final(digest_out, &h);
	if (size_out != NULL)
		*size_out = size;
	return 0;
}
