/* tests/unit/t_bech32.c: Bech32 against the BIP 173 test vectors. */
#include <string.h>

#include "tap.h"
#include "ec_bech32.h"

/* BIP 173, "Test vectors": valid Bech32 strings. */
static const char *const	valid[] = {
	"A12UEL5L",
	"a12uel5l",
	"an83characterlonghumanreadablepartthatcontainsthenumber1andthe"
	    "excludedcharactersbio1tt5tgs",
	"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
	"11"
	    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
	    "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
	    "c8247j",
	"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
	"?1ezyfcl",
};

/* BIP 173: invalid strings, each with the reason the BIP gives. */
static const struct {
	const char	*s;
	size_t		 len;	/* 0: strlen */
	const char	*why;
} invalid[] = {
	{ "\x20" "1nwldj5", 0, "HRP character out of range" },
	{ "\x7f" "1axkwrx", 0, "HRP character out of range" },
	{ "\x80" "1eym55h", 0, "HRP character out of range" },
	{ "an84characterslonghumanreadablepartthatcontainsthenumber1andthe"
	    "excludedcharactersbio1569pvx", 0, "overall max length exceeded" },
	{ "pzry9x0s0muk", 0, "no separator character" },
	{ "1pzry9x0s0muk", 0, "empty HRP" },
	{ "x1b4n0q5v", 0, "invalid data character" },
	{ "li1dgmt3", 0, "too short checksum" },
	{ "de1lg7wt\xff", 0, "invalid character in checksum" },
	{ "A1G7SGD8", 0, "checksum calculated with uppercase form of HRP" },
	{ "10a06t8", 0, "empty HRP" },
	{ "1qzzfhee", 0, "empty HRP" },
	{ "a12UEL5L", 0, "mixed case" },
	{ "a12uel5m", 0, "checksum off by one character" },
};

int
main(void)
{
	struct ec_err	err;
	char		hrp[EC_BECH32_MAX_HRP + 1], enc[128];
	uint8_t		d5[128], bytes[128];
	size_t		i, n5, n;
	int		rc, len;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		rc = ec_bech32_decode(hrp, d5, sizeof(d5), &n5, valid[i],
		    strlen(valid[i]), EC_BECH32_BIP173_MAX, &err);
		ok(rc == 0, "valid %zu: %s", i, rc == 0 ? hrp : err.msg);
	}
	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		rc = ec_bech32_decode(hrp, d5, sizeof(d5), &n5, invalid[i].s,
		    strlen(invalid[i].s), EC_BECH32_BIP173_MAX, &err);
		ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID,
		    "invalid %zu (%s): %s", i, invalid[i].why,
		    rc == -1 ? err.msg : "accepted");
	}

	/* abcdef...: 32 five-bit values 0..31 are 20 bytes, no padding. */
	rc = ec_bech32_decode(hrp, d5, sizeof(d5), &n5, valid[3],
	    strlen(valid[3]), EC_BECH32_BIP173_MAX, &err);
	ok(rc == 0 && n5 == 32 && d5[0] == 0 && d5[31] == 31,
	    "data values decode in alphabet order");
	ok(ec_bech32_to_bytes(bytes, sizeof(bytes), &n, d5, n5, &err) == 0 &&
	    n == 20, "32 values regroup as 20 bytes");
	len = ec_bech32_encode(enc, sizeof(enc), "abcdef", bytes, n, false,
	    &err);
	ok(len > 0 && strcmp(enc, valid[3]) == 0,
	    "encoding those bytes gives the vector back: %s", enc);
	len = ec_bech32_encode(enc, sizeof(enc), "a", NULL, 0, true, &err);
	ok(len > 0 && strcmp(enc, "A12UEL5L") == 0,
	    "empty data, uppercase: %s", enc);

	/* 10 bits: one byte and 2 padding bits, which must be zero. */
	d5[0] = 31;
	d5[1] = 28;
	ok(ec_bech32_to_bytes(bytes, sizeof(bytes), &n, d5, 2, &err) == 0 &&
	    n == 1 && bytes[0] == 0xff, "zero padding bits accepted");
	d5[1] = 29;
	ok(ec_bech32_to_bytes(bytes, sizeof(bytes), &n, d5, 2, &err) == -1,
	    "non-zero padding bits are refused: %s", err.msg);
	ok(ec_bech32_to_bytes(bytes, sizeof(bytes), &n, d5, 1, &err) == -1,
	    "a whole 5-bit group of padding is refused");
	ok(ec_bech32_decode(hrp, d5, 4, &n5, valid[3], strlen(valid[3]),
	    EC_BECH32_BIP173_MAX, &err) == -1, "more data than room refused");
	ok(ec_bech32_encode(enc, 8, "abcdef", bytes, 20, false, &err) == -1,
	    "encode refuses a short buffer");
	return done_testing();
}
