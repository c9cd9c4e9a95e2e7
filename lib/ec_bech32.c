/* ec_bech32: BIP 173 Bech32, decoding strictly. */
#include <string.h>

#include "ec_bech32.h"

#define BECH32_CHECKSUM	6

static const char	bech32_alphabet[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* BIP 173 "Checksum": the BCH code's generator step. */
static uint32_t
bech32_polymod_step(uint32_t chk, uint8_t v)
{
	static const uint32_t	gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
				    0x3d4233dd, 0x2a1462b3 };
	uint32_t		top = chk >> 25;
	int			i;

	chk = (chk & 0x1ffffff) << 5 ^ v;
	for (i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

/* The HRP's contribution: high bits, a zero, low bits (hrp lowercase). */
static uint32_t
bech32_hrp_polymod(const char *hrp, size_t n)
{
	uint32_t	chk = 1;
	size_t		i;

	for (i = 0; i < n; i++)
		chk = bech32_polymod_step(chk, (uint8_t)hrp[i] >> 5);
	chk = bech32_polymod_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = bech32_polymod_step(chk, (uint8_t)hrp[i] & 31);
	return chk;
}

static int
bech32_value(char c)
{
	const char	*p;

	if (c == '\0' || (p = strchr(bech32_alphabet, c)) == NULL)
		return -1;
	return (int)(p - bech32_alphabet);
}

/* Case rules and character ranges over the whole string (BIP 173). */
static int
bech32_check_chars(const char *in, size_t len, struct ec_err *err)
{
	bool	lower = false, upper = false;
	size_t	i;

	for (i = 0; i < len; i++) {
		if (in[i] < 33 || in[i] > 126)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bech32: character %zu out of range", i + 1);
		if (in[i] >= 'a' && in[i] <= 'z')
			lower = true;
		if (in[i] >= 'A' && in[i] <= 'Z')
			upper = true;
	}
	if (lower && upper)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bech32: mixed upper and lower case");
	return 0;
}

int
ec_bech32_decode(char hrp_out[EC_BECH32_MAX_HRP + 1], uint8_t *data_out,
    size_t data_max, size_t *data_len, const char *in, size_t len,
    size_t max_len, struct ec_err *err)
{
	uint32_t	chk;
	size_t		sep, i, hrp_len, n;
	int		v;

	if (len > max_len)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bech32: longer than %zu characters", max_len);
	if (bech32_check_chars(in, len, err) == -1)
		return -1;
	for (sep = len; sep > 0 && in[sep - 1] != '1'; sep--)
		continue;
	if (sep == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bech32: no separator '1'");
	hrp_len = sep - 1;
	if (hrp_len == 0 || hrp_len > EC_BECH32_MAX_HRP)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bech32: human-readable part must be 1 to %d characters",
		    EC_BECH32_MAX_HRP);
	if (len - sep < BECH32_CHECKSUM)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bech32: checksum too short");
	n = len - sep - BECH32_CHECKSUM;
	if (n > data_max)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bech32: more than %zu data characters", data_max);
	for (i = 0; i < hrp_len; i++)
		hrp_out[i] = in[i] >= 'A' && in[i] <= 'Z' ?
		    (char)(in[i] - 'A' + 'a') : in[i];
	hrp_out[hrp_len] = '\0';
	chk = bech32_hrp_polymod(hrp_out, hrp_len);
	for (i = sep; i < len; i++) {
		v = bech32_value(in[i] >= 'A' && in[i] <= 'Z' ?
		    (char)(in[i] - 'A' + 'a') : in[i]);
		if (v < 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "bech32: invalid data character '%c'", in[i]);
		chk = bech32_polymod_step(chk, (uint8_t)v);
		if (i < sep + n)
			data_out[i - sep] = (uint8_t)v;
	}
	if (chk != 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bech32: checksum does not match");
	*data_len = n;
	return 0;
}

int
ec_bech32_to_bytes(uint8_t *out, size_t out_max, size_t *out_len,
    const uint8_t *data5, size_t n, struct ec_err *err)
{
	uint32_t	acc = 0;
	size_t		i, o = 0;
	unsigned	bits = 0;

	for (i = 0; i < n; i++) {
		acc = (acc << 5 | data5[i]) & 0xfff;
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			if (o == out_max)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "bech32: more than %zu bytes of data",
				    out_max);
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	/* BIP 173 convertbits(pad=False): no full group, no set bit left. */
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bech32: data is not a whole number of bytes");
	*out_len = o;
	return 0;
}

int
ec_bech32_encode(char *out, size_t out_size, const char *hrp,
    const uint8_t *data, size_t len, bool upper, struct ec_err *err)
{
	uint32_t	chk, acc = 0;
	size_t		hrp_len = strlen(hrp), o, need, i;
	unsigned	bits = 0;
	int		k;

	/* Five bits a character, rounded up, plus the checksum. */
	need = hrp_len + 1 + (len * 8 + 4) / 5 + BECH32_CHECKSUM + 1;
	if (hrp_len == 0 || hrp_len > EC_BECH32_MAX_HRP || len > out_size ||
	    need > out_size)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "bech32: bad human-readable part or output too small");
	for (i = 0; i < hrp_len; i++)
		if (hrp[i] < 33 || hrp[i] > 126 ||
		    (hrp[i] >= 'A' && hrp[i] <= 'Z'))
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "bech32: bad human-readable part");
	memcpy(out, hrp, hrp_len);
	o = hrp_len;
	out[o++] = '1';
	chk = bech32_hrp_polymod(hrp, hrp_len);
	for (i = 0; i <= len; i++) {
		if (i < len) {
			acc = (acc << 8 | data[i]) & 0xfff;
			bits += 8;
		} else if (bits > 0) {
			acc <<= 5 - bits;
			bits = 5;
		}
		while (bits >= 5) {
			bits -= 5;
			out[o] = bech32_alphabet[(acc >> bits) & 31];
			chk = bech32_polymod_step(chk, (acc >> bits) & 31);
			o++;
		}
	}
	for (k = 0; k < BECH32_CHECKSUM; k++)
		chk = bech32_polymod_step(chk, 0);
	chk ^= 1;
	for (k = 0; k < BECH32_CHECKSUM; k++)
		out[o++] = bech32_alphabet[(chk >> (5 * (5 - k))) & 31];
	out[o] = '\0';
	if (upper)
		for (i = 0; i < o; i++)
			if (out[i] >= 'a' && out[i] <= 'z')
				out[i] = (char)(out[i] - 'a' + 'A');
	return (int)o;
}
