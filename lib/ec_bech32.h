/*
 * ec_bech32: Bech32 (BIP 173) strings, which carry age's X25519 keys
 * (signing-formats.md section 6).  A string is HRP "1" data checksum: the
 * human-readable part (1 to 83 characters in 33..126), the data in the
 * 32-character alphabet "qpzry9x8gf2tvdw0s3jn54khce6mua7l" (5 bits each)
 * and a 6-character BCH checksum over both.  A string is all lowercase or
 * all uppercase, never mixed (BIP 173, "Uppercase/lowercase").  BIP 173
 * caps a string at 90 characters; age lifts that cap, so the caller gives
 * the limit.  Bech32m (BIP 350) is not accepted: age uses plain Bech32.
 */
#ifndef EC_BECH32_H
#define EC_BECH32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"

/* BIP 173's length limit, for strings that are not age keys. */
#define EC_BECH32_BIP173_MAX	90
/* Longest human-readable part (BIP 173). */
#define EC_BECH32_MAX_HRP	83

/*
 * Decode the "len" characters at "in" (untrusted, no NUL needed), at most
 * "max_len" of them.  The HRP goes to hrp_out in lowercase, NUL-terminated
 * (EC_BECH32_MAX_HRP + 1 bytes); the 5-bit data values, checksum excluded,
 * to data_out (at most data_max of them), their count to *data_len.  Any
 * rule broken is EC_ERR_REQUEST_INVALID with a message saying which.
 */
int	ec_bech32_decode(char hrp_out[EC_BECH32_MAX_HRP + 1],
	    uint8_t *data_out, size_t data_max, size_t *data_len,
	    const char *in, size_t len, size_t max_len,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Regroup "n" 5-bit values as bytes (BIP 173's convertbits without
 * padding): at most 4 leftover bits, all zero, or EC_ERR_REQUEST_INVALID;
 * more than out_max bytes too.  The count goes to *out_len.
 */
int	ec_bech32_to_bytes(uint8_t *out, size_t out_max, size_t *out_len,
	    const uint8_t *data5, size_t n, struct ec_err *err) EC_MUST_CHECK;

/*
 * Encode the "len" bytes at "data" under the lowercase "hrp" into "out"
 * (NUL-terminated), in uppercase when "upper".  The string's length is
 * returned, or -1 with EC_ERR_INTERNAL when out_size is too small or the
 * HRP is not 1 to 83 characters in 33..126 without uppercase.
 */
int	ec_bech32_encode(char *out, size_t out_size, const char *hrp,
	    const uint8_t *data, size_t len, bool upper, struct ec_err *err)
	    EC_MUST_CHECK;

#endif
