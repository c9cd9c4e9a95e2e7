/* tests/unit/t_hash.c: SHA-256 one-shot, streaming and over files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_hash.h"

/* FIPS 180-2 appendix B vectors. */
static const char	abc_hex[] =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char	two_block_hex[] =
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
static const char	two_block[] =
    "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char	empty_hex[] =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

int
main(void)
{
	struct ec_sha256	h;
	struct ec_err		err;
	uint8_t			d[EC_SHA256_LEN], d2[EC_SHA256_LEN];
	char			hex[EC_SHA256_HEX], path[] = "/tmp/t_hash.XXXXXX";
	uint64_t		size = 0;
	size_t			i;
	int			fd;

	ec_sha256_hex(hex, "abc", 3);
	ok(strcmp(hex, abc_hex) == 0, "one-shot \"abc\"");
	ec_sha256_hex(hex, "", 0);
	ok(strcmp(hex, empty_hex) == 0, "one-shot empty input");
	ec_sha256_hex(hex, two_block, strlen(two_block));
	ok(strcmp(hex, two_block_hex) == 0, "one-shot two blocks");

	/* Streaming byte by byte must equal the one-shot digest. */
	ec_sha256_init(&h);
	for (i = 0; i < strlen(two_block); i++)
		ec_sha256_update(&h, two_block + i, 1);
	ec_sha256_final(d, &h);
	ec_hex_encode(hex, d, sizeof(d));
	ok(strcmp(hex, two_block_hex) == 0, "streaming, one byte at a time");

	if ((fd = mkstemp(path)) == -1)
		return 1;
	/* 200,000 bytes: more than one read chunk of ec_sha256_file. */
	ec_sha256_init(&h);
	for (i = 0; i < 200000 / 8; i++) {
		if (write(fd, "01234567", 8) != 8)
			return 1;
		ec_sha256_update(&h, "01234567", 8);
	}
	(void)close(fd);
	ec_sha256_final(d2, &h);
	ok(ec_sha256_file(d, &size, path, &err) == 0 && size == 200000 &&
	    memcmp(d, d2, sizeof(d)) == 0, "file digest and size");
	(void)unlink(path);
	ok(ec_sha256_file(d, &size, path, &err) == -1 &&
	    err.code == EC_ERR_IO && strstr(err.msg, path) != NULL,
	    "missing file: EC_ERR_IO naming it");
	return done_testing();
}
