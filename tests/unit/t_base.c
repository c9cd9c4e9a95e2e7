/* tests/unit/t_base.c: the small modules everything uses (buf, num, err). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_err.h"
#include "ec_num.h"

static void
test_buf_ceiling(void)
{
	struct ec_buf	b;
	struct ec_err	err;

	ec_buf_init(&b, 4);
	ok(b.data == NULL && b.len == 0 && b.max == 4,
	    "a new buffer holds nothing and allocates nothing");
	ok(ec_buf_add(&b, "abcd", 4, &err) == 0 && b.len == 4 &&
	    strcmp(b.data, "abcd") == 0, "exactly at the ceiling fits");
	ok(ec_buf_addc(&b, 'e', &err) == -1 && err.code == EC_ERR_TOO_LARGE &&
	    b.len == 4 && strcmp(b.data, "abcd") == 0,
	    "one byte past the ceiling: EC_ERR_TOO_LARGE, contents kept: %s",
	    err.msg);
	ok(ec_buf_add(&b, "", 0, &err) == 0 && b.len == 4,
	    "adding nothing at the ceiling is fine");
	ok(ec_buf_reserve(&b, 1, &err) == -1 && err.code == EC_ERR_TOO_LARGE,
	    "reserving past the ceiling fails too");
	ok(ec_buf_add(&b, "x", SIZE_MAX, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE && b.len == 4,
	    "a length that would wrap size_t is refused");
	ec_buf_dispose(&b);
	ok(b.data == NULL && b.len == 0, "dispose empties the buffer");

	ec_buf_init(&b, 0);
	ok(ec_buf_add(&b, "", 0, &err) == 0 && b.data != NULL &&
	    b.data[0] == '\0', "a zero ceiling still holds the empty string");
	ok(ec_buf_addc(&b, 'a', &err) == -1 && err.code == EC_ERR_TOO_LARGE,
	    "a zero ceiling refuses one byte");
	ec_buf_dispose(&b);

	/* Growth must cross the initial capacity without losing bytes. */
	ec_buf_init(&b, 100000);
	while (b.len < 99990)
		if (ec_buf_adds(&b, "0123456789", &err) == -1)
			break;
	ok(b.len == 99990 && b.data[b.len] == '\0' &&
	    memcmp(b.data + 99980, "0123456789", 10) == 0,
	    "many appends grow the buffer and keep the terminating NUL");
	ok(ec_buf_adds(&b, "0123456789012", &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE && b.len == 99990,
	    "a large buffer still stops at its ceiling");
	ec_buf_dispose(&b);
}

static void
test_buf_addf_steal_reset(void)
{
	struct ec_buf	 b;
	struct ec_err	 err;
	char		*p;
	size_t		 len, cap;
	int		 rc;

	ec_buf_init(&b, 16);
	rc = ec_buf_addf(&b, &err, "%d-%s", 42, "x");
	ok(rc == 0 && b.len == 4 && strcmp(b.data, "42-x") == 0,
	    "addf formats: %s", b.data);
	ok(ec_buf_addf(&b, &err, "%s", "") == 0 && b.len == 4,
	    "addf of nothing adds nothing");
	ok(ec_buf_addf(&b, &err, "%s", "0123456789abcdef") == -1 &&
	    err.code == EC_ERR_TOO_LARGE && b.len == 4 &&
	    strcmp(b.data, "42-x") == 0,
	    "addf past the ceiling fails and leaves the contents: %s",
	    err.msg);
	ok(ec_buf_addf(&b, &err, "%s", "0123456789ab") == 0 &&
	    b.len == 16 && strcmp(b.data, "42-x0123456789ab") == 0,
	    "addf up to the ceiling fits");

	cap = b.cap;
	ec_buf_reset(&b);
	ok(b.len == 0 && b.data != NULL && b.data[0] == '\0' && b.cap == cap,
	    "reset forgets the contents but keeps the memory");
	ok(ec_buf_adds(&b, "again", &err) == 0 && strcmp(b.data, "again") == 0,
	    "a reset buffer is reusable");

	p = ec_buf_steal(&b, &len);
	ok(p != NULL && len == 5 && strcmp(p, "again") == 0,
	    "steal hands over the bytes and their length");
	ok(b.data == NULL && b.len == 0 && b.cap == 0,
	    "a stolen-from buffer is empty");
	free(p);
	ok(ec_buf_adds(&b, "new", &err) == 0 && strcmp(b.data, "new") == 0,
	    "a stolen-from buffer is reusable");
	p = ec_buf_steal(&b, NULL);
	ok(p != NULL && strcmp(p, "new") == 0, "steal without a length");
	free(p);
	ec_buf_dispose(&b);

	ec_buf_init(&b, 16);
	p = ec_buf_steal(&b, &len);
	ok(p == NULL && len == 0, "stealing from an untouched buffer: NULL");
	ec_buf_reset(&b);
	ok(b.len == 0, "resetting an untouched buffer is harmless");
	ec_buf_dispose(&b);
}

static void
test_hex(void)
{
	static const uint8_t	 bytes[] = { 0x00, 0x01, 0x7f, 0xab, 0xff };
	uint8_t			 out[5], two[2];
	char			 hex[2 * sizeof(bytes) + 1];

	memset(hex, 'x', sizeof(hex));
	ec_hex_encode(hex, bytes, sizeof(bytes));
	ok(strcmp(hex, "00017fabff") == 0, "hex encode, lower case: %s", hex);
	ec_hex_encode(hex, bytes, 0);
	ok(hex[0] == '\0', "hex encode of nothing is the empty string");

	memset(out, 0, sizeof(out));
	ok(ec_hex_decode(out, sizeof(out), "00017fabff", 10) == 0 &&
	    memcmp(out, bytes, sizeof(out)) == 0, "hex decode, lower case");
	memset(out, 0, sizeof(out));
	ok(ec_hex_decode(out, sizeof(out), "00017FABFF", 10) == 0 &&
	    memcmp(out, bytes, sizeof(out)) == 0, "hex decode, upper case");
	ok(ec_hex_decode(out, sizeof(out), "00017fAbFf", 10) == 0 &&
	    memcmp(out, bytes, sizeof(out)) == 0, "hex decode, mixed case");
	ok(ec_hex_decode(two, sizeof(two), "0g12", 4) == -1,
	    "bad digit 'g' rejected");
	ok(ec_hex_decode(two, sizeof(two), "12 4", 4) == -1,
	    "space rejected");
	ok(ec_hex_decode(two, sizeof(two), "-123", 4) == -1,
	    "sign rejected");
	ok(ec_hex_decode(two, sizeof(two), "12\0""4", 4) == -1,
	    "NUL inside the digits rejected");
	ok(ec_hex_decode(two, sizeof(two), "123", 3) == -1,
	    "odd length rejected");
	ok(ec_hex_decode(two, sizeof(two), "12345", 5) == -1,
	    "odd length, too long, rejected");
	ok(ec_hex_decode(two, sizeof(two), "12", 2) == -1,
	    "too few digits for the output rejected");
	ok(ec_hex_decode(two, sizeof(two), "123456", 6) == -1,
	    "too many digits for the output rejected");
	ok(ec_hex_decode(two, 0, "", 0) == 0, "zero bytes from zero digits");
}

/* "s" must parse into [min, max] as "want". */
static void
u64_is(const char *s, uint64_t min, uint64_t max, uint64_t want,
    const char *what)
{
	uint64_t	v = 12345;
	int		rc;

	rc = ec_parse_u64(&v, s, min, max);
	ok(rc == 0 && v == want, "%s: %llu", what, (unsigned long long)v);
}

/* "s" must be refused and *out left alone. */
static void
u64_bad(const char *s, uint64_t min, uint64_t max, const char *what)
{
	uint64_t	v = 12345;

	ok(ec_parse_u64(&v, s, min, max) == -1 && v == 12345,
	    "%s rejected, output untouched", what);
}

static void
test_num(void)
{
	size_t	r;

	u64_is("0", 0, UINT64_MAX, 0, "\"0\"");
	u64_is("7", 0, UINT64_MAX, 7, "\"7\"");
	u64_is("1000", 0, UINT64_MAX, 1000, "\"1000\"");
	u64_is("18446744073709551615", 0, UINT64_MAX, UINT64_MAX,
	    "UINT64_MAX");
	u64_bad("18446744073709551616", 0, UINT64_MAX, "UINT64_MAX + 1");
	u64_bad("18446744073709551620", 0, UINT64_MAX, "UINT64_MAX + 5");
	u64_bad("99999999999999999999", 0, UINT64_MAX, "20 nines");
	u64_bad("184467440737095516150", 0, UINT64_MAX, "UINT64_MAX * 10");
	u64_bad("00", 0, UINT64_MAX, "\"00\"");
	u64_bad("01", 0, UINT64_MAX, "leading zero");
	u64_bad("+1", 0, UINT64_MAX, "plus sign");
	u64_bad("-1", 0, UINT64_MAX, "minus sign");
	u64_bad("-0", 0, UINT64_MAX, "minus zero");
	u64_bad(" 1", 0, UINT64_MAX, "leading space");
	u64_bad("1 ", 0, UINT64_MAX, "trailing space");
	u64_bad("1a", 0, UINT64_MAX, "trailing letter");
	u64_bad("0x10", 0, UINT64_MAX, "hex");
	u64_bad("1e3", 0, UINT64_MAX, "exponent");
	u64_bad("1.0", 0, UINT64_MAX, "fraction");
	u64_bad("", 0, UINT64_MAX, "empty string");
	u64_bad(NULL, 0, UINT64_MAX, "NULL");
	u64_is("5", 5, 10, 5, "range minimum");
	u64_is("10", 5, 10, 10, "range maximum");
	u64_bad("4", 5, 10, "one below the range");
	u64_bad("11", 5, 10, "one above the range");
	u64_bad("0", 1, 10, "zero below a minimum of 1");

	ok(ec_size_add(&r, 2, 3) && r == 5, "2 + 3");
	ok(ec_size_add(&r, SIZE_MAX - 1, 1) && r == SIZE_MAX,
	    "SIZE_MAX - 1 + 1 fits");
	ok(!ec_size_add(&r, SIZE_MAX, 1), "SIZE_MAX + 1 overflows");
	ok(!ec_size_add(&r, SIZE_MAX / 2 + 1, SIZE_MAX / 2 + 1),
	    "two halves past the middle overflow");
	ok(ec_size_mul(&r, 6, 7) && r == 42, "6 * 7");
	ok(ec_size_mul(&r, 0, SIZE_MAX) && r == 0, "0 * SIZE_MAX");
	ok(ec_size_mul(&r, SIZE_MAX, 1) && r == SIZE_MAX, "SIZE_MAX * 1");
	ok(!ec_size_mul(&r, SIZE_MAX / 2 + 1, 2), "(SIZE_MAX / 2 + 1) * 2");
	ok(!ec_size_mul(&r, (size_t)1 << (sizeof(size_t) * 4),
	    (size_t)1 << (sizeof(size_t) * 4)), "2^(w/2) squared overflows");
}

static void
test_err_set(void)
{
	struct ec_err	err;
	char		long_arg[400];

	memset(&err, 0, sizeof(err));
	ok(ec_err_set(&err, EC_ERR_TOO_LARGE, "%s is %d", "x", 7) == -1 &&
	    err.code == EC_ERR_TOO_LARGE && strcmp(err.msg, "x is 7") == 0,
	    "ec_err_set returns -1 and fills code and message");
	ok(ec_err_set(NULL, EC_ERR_IO, "ignored") == -1,
	    "ec_err_set with no error struct still returns -1");
	memset(long_arg, 'a', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = '\0';
	ok(ec_err_set(&err, EC_ERR_IO, "%s", long_arg) == -1 &&
	    strlen(err.msg) == sizeof(err.msg) - 1,
	    "a long message is truncated to the fixed size");
	ok(ec_err_nomem(&err) == -1 && err.code == EC_ERR_NOMEM,
	    "ec_err_nomem: %s", err.msg);
	ec_err_clear(&err);
	ok(err.code == EC_OK && err.msg[0] == '\0', "ec_err_clear");
}

static void
test_err_table(void)
{
	static const struct {
		enum ec_code	 code;
		const char	*name;
		int		 http;
	} seed[] = {
		{ EC_ERR_PROFILE_NOT_FOUND, "ERR_EXPORT_PROFILE_NOT_FOUND",
		    404 },
		{ EC_ERR_REQUEST_INVALID, "ERR_EXPORT_REQUEST_INVALID", 400 },
		{ EC_ERR_TOO_LARGE, "ERR_EXPORT_TOO_LARGE", 413 },
		{ EC_ERR_RATE_LIMIT, "ERR_EXPORT_RATE_LIMIT", 429 },
		{ EC_ERR_DISTRIBUTION_FAILED, "ERR_EXPORT_DISTRIBUTION_FAILED",
		    502 },
		{ EC_ERR_EXPIRED, "ERR_EXPORT_EXPIRED", 410 },
	};
	size_t		i;
	int		c, named, statuses, exits;

	for (i = 0; i < sizeof(seed) / sizeof(seed[0]); i++) {
		ok(strcmp(ec_err_name(seed[i].code), seed[i].name) == 0,
		    "seed code %d is %s", (int)seed[i].code, seed[i].name);
		ok(ec_err_http_status(seed[i].code) == seed[i].http,
		    "%s answers HTTP %d", seed[i].name, seed[i].http);
		ok(ec_err_is_client(seed[i].code) == (seed[i].http < 500),
		    "%s is%s a client error", seed[i].name,
		    seed[i].http < 500 ? "" : " not");
	}

	/* Every code has a wire name, a status and an exit code. */
	named = statuses = exits = 0;
	for (c = EC_ERR_PROFILE_NOT_FOUND; c < EC_CODE_COUNT; c++) {
		if (ec_err_name((enum ec_code)c) != NULL &&
		    strncmp(ec_err_name((enum ec_code)c), "ERR_", 4) == 0)
			named++;
		if (ec_err_http_status((enum ec_code)c) >= 400 &&
		    ec_err_http_status((enum ec_code)c) <= 599)
			statuses++;
		if (ec_err_exit_code((enum ec_code)c) ==
		    (c == EC_ERR_VERIFY ? 3 : 2))
			exits++;
	}
	ok(named == EC_CODE_COUNT - 1, "every failure code has an ERR_ name");
	ok(statuses == EC_CODE_COUNT - 1,
	    "every failure code has a 4xx or 5xx status");
	ok(exits == EC_CODE_COUNT - 1,
	    "exit code 3 for EC_ERR_VERIFY, 2 for every other failure");
	ok(ec_err_exit_code(EC_ERR_VERIFY) == 3, "EC_ERR_VERIFY exits 3");
	ok(ec_err_exit_code(EC_ERR_REQUEST_INVALID) == 2 &&
	    ec_err_exit_code(EC_ERR_INTERNAL) == 2, "others exit 2");
	ok(strcmp(ec_err_name(EC_ERR_INTERNAL), "ERR_INTERNAL") == 0 &&
	    ec_err_http_status(EC_ERR_INTERNAL) == 500 &&
	    !ec_err_is_client(EC_ERR_INTERNAL), "EC_ERR_INTERNAL: 500");
	ok(ec_err_http_status(EC_ERR_VERIFY) == 422 &&
	    ec_err_is_client(EC_ERR_VERIFY), "EC_ERR_VERIFY: 422");
	ok(strcmp(ec_err_name(EC_CODE_COUNT), "ERR_INTERNAL") == 0 &&
	    ec_err_http_status(EC_CODE_COUNT) == 500,
	    "an out-of-range code maps to ERR_INTERNAL, 500");
}

static void
test_err_prefix(void)
{
	struct ec_err	err;
	char		pre[256], msg[256], want[256];

	(void)ec_err_set(&err, EC_ERR_VERIFY, "bad size");
	ok(ec_err_prefix(&err, "item %d", 3) == -1 &&
	    strcmp(err.msg, "item 3: bad size") == 0 &&
	    err.code == EC_ERR_VERIFY,
	    "prefix keeps the code and the old message: %s", err.msg);
	ok(ec_err_prefix(&err, "%s", "manifest.json") == -1 &&
	    strcmp(err.msg, "manifest.json: item 3: bad size") == 0,
	    "prefixes nest: %s", err.msg);
	ok(ec_err_prefix(NULL, "x") == -1, "prefix of no error returns -1");

	/* 255 + 2 + 255 bytes: the result must be cut, not overflow. */
	memset(pre, 'p', sizeof(pre) - 1);
	pre[sizeof(pre) - 1] = '\0';
	memset(msg, 'm', sizeof(msg) - 1);
	msg[sizeof(msg) - 1] = '\0';
	(void)ec_err_set(&err, EC_ERR_IO, "%s", msg);
	ok(ec_err_prefix(&err, "%s", pre) == -1 &&
	    strlen(err.msg) == sizeof(err.msg) - 1 &&
	    strcmp(err.msg, pre) == 0 && err.code == EC_ERR_IO,
	    "255-byte prefix on a 255-byte message: cut at 255 bytes");

	(void)ec_err_set(&err, EC_ERR_IO, "%s", msg);
	ok(ec_err_prefix(&err, "%s", "ab") == -1 &&
	    strlen(err.msg) == sizeof(err.msg) - 1 &&
	    strncmp(err.msg, "ab: mmm", 7) == 0,
	    "short prefix on a 255-byte message: message cut at the end");

	(void)ec_err_set(&err, EC_ERR_IO, "tail");
	memset(want, 'p', 250);
	want[250] = '\0';
	ok(ec_err_prefix(&err, "%s", want) == -1 &&
	    strlen(err.msg) == sizeof(err.msg) - 1 &&
	    strncmp(err.msg + 250, ": tai", 5) == 0,
	    "250-byte prefix keeps what fits of \": tail\"");
}

/* ec_array_grow: doubling from "first", and a refused size. */
static void
test_array_grow(void)
{
	struct ec_err	 err;
	uint32_t	*a = NULL, *old;
	size_t		 cap = 0, n;
	int		 bad = 0;

	for (n = 0; n < 100; n++) {
		if (ec_array_grow((void **)&a, &cap, n, sizeof(*a), 8,
		    &err) == -1) {
			bad++;
			break;
		}
		a[n] = (uint32_t)n;
	}
	ok(bad == 0 && cap == 128 && a[99] == 99,
	    "100 elements: 8, 16, ... 128 (cap %zu)", cap);
	old = a;
	ok(ec_array_grow((void **)&a, &cap, 50, sizeof(*a), 8, &err) == 0 &&
	    a == old && cap == 128, "room left: nothing moves");
	n = cap;
	ok(ec_array_grow((void **)&a, &cap, n, SIZE_MAX / 64, 8, &err) == -1 &&
	    err.code == EC_ERR_NOMEM && a == old && cap == 128,
	    "a size past SIZE_MAX: EC_ERR_NOMEM, array unchanged");
	free(a);
}

int
main(void)
{
	struct ec_buf	unbounded;
	struct ec_err	err;

	/* A ceiling of SIZE_MAX must not wrap the capacity computation. */
	ec_buf_init(&unbounded, SIZE_MAX);
	ok(ec_buf_add(&unbounded, "abcdefgh", 8, &err) == 0 &&
	    unbounded.len == 8 && memcmp(unbounded.data, "abcdefgh", 8) == 0,
	    "buffer with a SIZE_MAX ceiling grows");
	ec_buf_dispose(&unbounded);
	test_buf_ceiling();
	test_buf_addf_steal_reset();
	test_hex();
	test_num();
	test_array_grow();
	test_err_set();
	test_err_table();
	test_err_prefix();
	return done_testing();
}
