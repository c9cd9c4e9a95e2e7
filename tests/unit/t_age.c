/*
 * tests/unit/t_age.c: age v1.  X25519 against RFC 7748's vectors, keys,
 * a file the real age CLI wrote (tests/fixtures/age), round trips across
 * chunk boundaries, and the damaged, truncated and malformed files that
 * must be refused.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "ec_age.h"
#include "ec_age_int.h"
#include "ec_buf.h"

#define FIXTURES	"tests/fixtures/age/"
#define BIG		(8 * 1024 * 1024)

static struct ec_age_identity	ids[3];
static struct ec_age_recipient	rcp[3];

/* RFC 7748 5.2 (scalar, u, result) and 6.1 (Alice, Bob, shared). */
static const char *const	x25519_vectors[][3] = {
	{ "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
	  "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
	  "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552" },
	{ "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
	  "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
	  "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957" },
	{ "0900000000000000000000000000000000000000000000000000000000000000",
	  "0900000000000000000000000000000000000000000000000000000000000000",
	  "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079" },
	{ "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "0900000000000000000000000000000000000000000000000000000000000000",
	  "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" },
	{ "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
	  "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
	  "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742" },
};

static void
test_x25519(void)
{
	uint8_t	k[32], u[32], out[32], zero[32] = { 0 };
	char	hex[65];
	size_t	i;

	for (i = 0; i < sizeof(x25519_vectors) / sizeof(x25519_vectors[0]);
	    i++) {
		if (ec_hex_decode(k, 32, x25519_vectors[i][0], 64) == -1 ||
		    ec_hex_decode(u, 32, x25519_vectors[i][1], 64) == -1)
			abort();
		ok(ec_age_x25519(out, k, u) == 0, "X25519 vector %zu", i);
		ec_hex_encode(hex, out, 32);
		ok(strcmp(hex, x25519_vectors[i][2]) == 0,
		    "X25519 vector %zu: %s", i, hex);
	}
	ok(ec_age_x25519(out, k, zero) == -1,
	    "a low-order point gives the all-zero secret, refused");
}

static void
test_keys(void)
{
	struct ec_age_recipient	r;
	struct ec_age_identity	id[4];
	struct ec_err		err;
	char			s[EC_AGE_RECIPIENT_SIZE];
	size_t			n = 0, m = 0;
	static const char	pub[] =
	    "age1x60rmugdumn0necuw83v7hu07gvage22j9k675hkhg9949rgwc5spe5e02";
	static const char *const	bad[] = {
		"age1x60rmugdumn0necuw83v7hu07gvage22j9k675hkhg9949rgwc5spe5e03",
		"AGE1X60RMUGDUMN0NECUW83V7HU07GVAGE22J9K675HKHG9949RGWC5SPE5E02",
		"age1x60rmugdumn0necuw83v7hu07gvage22j9k675hkhg9949rgwc5sp",
		"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG",
		"age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqsrr8xfw",
		"",
	};
	size_t			i;

	ok(ec_age_identities_read(id, 4, &n, FIXTURES "identity.txt",
	    &err) == 0 && n == 1, "age-keygen's identity file reads: %s",
	    n == 1 ? "one identity" : err.msg);
	memcpy(r.pub, id[0].pub, 32);
	ec_age_recipient_format(s, &r);
	ok(strcmp(s, pub) == 0, "its public key is the age-keygen line: %s",
	    s);
	ok(ec_age_recipients_read(&r, 1, &m, FIXTURES "recipients.txt",
	    &err) == 0 && m == 1 && memcmp(r.pub, id[0].pub, 32) == 0,
	    "the recipients file names the same key");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(ec_age_recipient_parse(&r, bad[i], strlen(bad[i]),
		    &err) == -1 && err.code == EC_ERR_REQUEST_INVALID,
		    "bad recipient %zu refused: %s", i, err.msg);
	ok(ec_age_identity_parse(&id[1], pub, strlen(pub), &err) == -1,
	    "a recipient is not an identity: %s", err.msg);
	m = 0;
	ok(ec_age_recipients_read(&r, 1, &m, FIXTURES "identity.txt",
	    &err) == -1 && strstr(err.msg, "line 3") != NULL,
	    "an identity file is not a recipients file: %s", err.msg);
	ec_age_identity_wipe(id, 4);
}

/* Decrypt the file the real age CLI wrote for two recipients. */
static void
test_age_cli_file(void)
{
	struct ec_age_identity	id[2];
	struct ec_buf		out;
	struct ec_err		err;
	FILE			*f;
	char			data[4096];
	size_t			len, n = 0, i;

	if ((f = fopen(FIXTURES "hello.txt.age", "rb")) == NULL)
		abort();
	len = fread(data, 1, sizeof(data), f);
	(void)fclose(f);
	if (ec_age_identities_read(id, 2, &n, FIXTURES "identity.txt",
	    &err) == -1 || ec_age_identities_read(id, 2, &n,
	    FIXTURES "identity2.txt", &err) == -1)
		abort();
	for (i = 0; i < 2; i++) {
		ec_buf_init(&out, 1024);
		ok(ec_age_decrypt_mem(&out, data, len, &id[i], 1, &err) == 0 &&
		    out.len == 11 && memcmp(out.data, "hello, age\n", 11) == 0,
		    "age CLI file decrypts with identity %zu", i + 1);
		ec_buf_dispose(&out);
	}
	ec_buf_init(&out, 1024);
	ok(ec_age_decrypt_mem(&out, data, len, ids, 3, &err) == -1 &&
	    err.code == EC_ERR_VERIFY && out.len == 0,
	    "other identities: %s", err.msg);
	ec_buf_dispose(&out);
	ec_age_identity_wipe(id, 2);
}

static void
fill(uint8_t *p, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(i * 7 + (i >> 16));
}

/* Encrypt "len" bytes to all three recipients; each identity decrypts. */
static void
round_trip(const uint8_t *plain, size_t len)
{
	struct ec_buf	enc, dec;
	struct ec_err	err;
	size_t		i, want;
	bool		good = true;

	ec_buf_init(&enc, 2 * BIG);
	if (ec_age_encrypt_mem(&enc, plain, len, rcp, 3, &err) == -1) {
		ok(0, "%zu bytes: encrypt: %s", len, err.msg);
		return;
	}
	want = (len + EC_AGE_CHUNK - 1) / EC_AGE_CHUNK;
	want = len + 16 * (want == 0 ? 1 : want) + 16;
	for (i = 0; i < 3; i++) {
		ec_buf_init(&dec, BIG);
		if (ec_age_decrypt_mem(&dec, enc.data, enc.len, &ids[i], 1,
		    &err) == -1 || dec.len != len ||
		    (len > 0 && memcmp(dec.data, plain, len) != 0))
			good = false;
		ec_buf_dispose(&dec);
	}
	ok(good && enc.len > want, "%zu bytes round trip for 3 recipients",
	    len);
	ec_buf_dispose(&enc);
}

/* The offset of the payload: just past the "--- <mac>\n" line. */
static size_t
payload_at(const struct ec_buf *b)
{
	const char	*p = strstr(b->data, "\n--- ");

	return (size_t)(strchr(p + 1, '\n') - b->data) + 1;
}

/* "enc" changed by "fn" must be refused with "code" and no plaintext. */
static void
refused(const struct ec_buf *enc, enum ec_code code, const char *what,
    const char *want_msg)
{
	struct ec_buf	dec;
	struct ec_err	err;
	int		rc;

	ec_buf_init(&dec, BIG);
	rc = ec_age_decrypt_mem(&dec, enc->data, enc->len, ids, 3, &err);
	ok(rc == -1 && err.code == code && dec.len == 0 &&
	    (want_msg == NULL || strstr(err.msg, want_msg) != NULL),
	    "%s: %s", what, rc == -1 ? err.msg : "accepted");
	ec_buf_dispose(&dec);
}

/* A copy of "enc" with [at, at + cut) replaced by "ins". */
static void
edited(struct ec_buf *out, const struct ec_buf *enc, size_t at, size_t cut,
    const char *ins, size_t ins_len)
{
	struct ec_err	err;

	ec_buf_init(out, 2 * BIG);
	if (ec_buf_add(out, enc->data, at, &err) == -1 ||
	    ec_buf_add(out, ins, ins_len, &err) == -1 ||
	    ec_buf_add(out, enc->data + at + cut, enc->len - at - cut,
	    &err) == -1)
		abort();
}

static void
refused_edit(const struct ec_buf *enc, size_t at, size_t cut,
    const char *ins, enum ec_code code, const char *what, const char *msg)
{
	struct ec_buf	e;

	edited(&e, enc, at, cut, ins, strlen(ins));
	refused(&e, code, what, msg);
	ec_buf_dispose(&e);
}

static void
test_damage(const uint8_t *plain)
{
	struct ec_buf	enc, e;
	struct ec_err	err;
	size_t		pay, mac, len, cut;
	char		flip[2];

	ec_buf_init(&enc, 2 * BIG);
	if (ec_age_encrypt_mem(&enc, plain, 2 * EC_AGE_CHUNK, rcp, 1,
	    &err) == -1)
		abort();
	pay = payload_at(&enc);
	mac = (size_t)(strstr(enc.data, "\n--- ") - enc.data) + 5;

	flip[0] = enc.data[mac + 3] == 'A' ? 'B' : 'A';
	flip[1] = '\0';
	refused_edit(&enc, mac + 3, 1, flip, EC_ERR_VERIFY,
	    "a changed header MAC", "header MAC");
	flip[0] = enc.data[40] == 'A' ? 'B' : 'A';
	refused_edit(&enc, 40, 1, flip, EC_ERR_VERIFY,
	    "a changed stanza share", "no identity");
	flip[0] = (char)(enc.data[pay + 100] ^ 1);
	refused_edit(&enc, pay + 100, 1, flip, EC_ERR_VERIFY,
	    "a flipped byte in payload chunk 0", "chunk 0 fails");
	flip[0] = (char)(enc.data[enc.len - 1] ^ 0x80);
	refused_edit(&enc, enc.len - 1, 1, flip, EC_ERR_VERIFY,
	    "a flipped byte in the last chunk's tag", "chunk 1 fails");
	flip[0] = (char)(enc.data[pay] ^ 1);
	refused_edit(&enc, pay, 1, flip, EC_ERR_VERIFY,
	    "a flipped byte in the payload nonce", "chunk 0 fails");
	refused_edit(&enc, enc.len, 0, "x", EC_ERR_VERIFY,
	    "a byte of trailing garbage", "trailing data");

	/* Every truncation, at any length, is refused. */
	for (len = 0, cut = 0; len < enc.len; len += len < pay + 64 ? 1 :
	    4099) {
		ec_buf_init(&e, 2 * BIG);
		if (ec_buf_add(&e, enc.data, len, &err) == -1)
			abort();
		refused(&e, len == 0 ? EC_ERR_REQUEST_INVALID : len < 22 ?
		    EC_ERR_REQUEST_INVALID : EC_ERR_VERIFY, "truncated",
		    NULL);
		ec_buf_dispose(&e);
		cut++;
	}
	printf("# %zu truncations tried\n", cut);
	edited(&e, &enc, pay + 16 + EC_AGE_CHUNK + 16,
	    enc.len - (pay + 16 + EC_AGE_CHUNK + 16), "", 0);
	refused(&e, EC_ERR_VERIFY, "cut at the chunk boundary",
	    "final chunk is missing");
	ec_buf_dispose(&e);
	ec_buf_dispose(&enc);
}

static void
test_header(void)
{
	static const char	alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct ec_buf		enc, e;
	struct ec_err		err;
	char			line[6000], nc[2];
	size_t			stanza, body, mac, i;

	ec_buf_init(&enc, 4096);
	if (ec_age_encrypt_mem(&enc, "x", 1, rcp, 1, &err) == -1)
		abort();
	stanza = 22;				/* "-> X25519 " */
	body = (size_t)(strchr(enc.data + stanza, '\n') - enc.data) + 1;
	mac = (size_t)(strstr(enc.data, "\n--- ") - enc.data) + 1;
	ec_buf_init(&e, 16);
	ok(ec_age_decrypt_mem(&e, enc.data, enc.len, ids, 1, &err) == 0 &&
	    e.len == 1, "(control) the unchanged file decrypts");
	ec_buf_dispose(&e);

	refused_edit(&enc, stanza + 10 + 43, 0, "=", EC_ERR_VERIFY,
	    "a padded share", "malformed X25519 stanza");
	nc[0] = alpha[(strchr(alpha, enc.data[stanza + 52]) - alpha) | 1];
	nc[1] = '\0';
	refused_edit(&enc, stanza + 52, 1, nc, EC_ERR_VERIFY,
	    "a share with non-zero trailing bits", "malformed X25519");
	refused_edit(&enc, stanza + 9, 0, " ", EC_ERR_VERIFY,
	    "two spaces between arguments", "empty stanza argument");
	refused_edit(&enc, body - 1, 0, "\r", EC_ERR_VERIFY,
	    "a CR before the LF", "outside 33..126");
	refused_edit(&enc, stanza + 10 + 43, 0, " extra", EC_ERR_VERIFY,
	    "an X25519 stanza with two arguments", "malformed X25519");
	refused_edit(&enc, body + 43, 0, "A", EC_ERR_VERIFY,
	    "a body of 33 bytes", "want 32");
	refused_edit(&enc, mac, 0, "-> grease-x a/b\nAAAA\n", EC_ERR_VERIFY,
	    "an unknown stanza is parsed, then the MAC catches it",
	    "header MAC");
	memset(line, 'A', 65);
	(void)snprintf(line, sizeof(line), "-> x\n%.*s\n\n", 65,
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
	refused_edit(&enc, mac, 0, line, EC_ERR_VERIFY,
	    "a body line of 65 columns", "at most 64 columns");
	memset(line, 'a', sizeof(line) - 1);
	memcpy(line, "-> x ", 5);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	refused_edit(&enc, mac, 0, line, EC_ERR_VERIFY, "a 6000-byte line",
	    "longer than 4096");
	ec_buf_init(&e, 2 * BIG);
	if (ec_buf_add(&e, enc.data, mac, &err) == -1)
		abort();
	for (i = 0; i < EC_AGE_MAX_STANZAS; i++)
		if (ec_buf_adds(&e, "-> x\n\n", &err) == -1)
			abort();
	if (ec_buf_add(&e, enc.data + mac, enc.len - mac, &err) == -1)
		abort();
	refused(&e, EC_ERR_VERIFY, "1025 stanzas", "more than 1024 stanzas");
	ec_buf_dispose(&e);

	refused_edit(&enc, stanza, mac - stanza, "-> scrypt c2FsdA 18\nAAAA\n",
	    EC_ERR_REQUEST_INVALID, "a passphrase file", "scrypt");
	refused_edit(&enc, stanza, mac - stanza, "", EC_ERR_VERIFY,
	    "no stanza", "no recipient stanza");
	refused_edit(&enc, stanza, 0, "foo\n", EC_ERR_VERIFY,
	    "a line that is neither stanza nor MAC", "neither");
	refused_edit(&enc, mac + 4, 43, "AAAA", EC_ERR_VERIFY,
	    "a short MAC", "malformed MAC");
	refused_edit(&enc, 20, 1, "2", EC_ERR_REQUEST_INVALID,
	    "age-encryption.org/v2", "unsupported age version");
	refused_edit(&enc, 0, 22, "-----BEGIN AGE ENCRYPTED FILE-----\n",
	    EC_ERR_REQUEST_INVALID, "an armored file", "ASCII-armored");
	refused_edit(&enc, 0, enc.len, "hello, world\n",
	    EC_ERR_REQUEST_INVALID, "plain text", "not an age v1 file");
	ec_buf_dispose(&enc);
}

/*
 * A file with a real header and a payload made by hand: "n" chunks of
 * lens[i] plaintext bytes, flagged last where last[i], the way the
 * C2SP testkit's stream_* vectors are built.
 */
static void
crafted(struct ec_buf *out, const size_t *lens, const bool *last, size_t n)
{
	struct age_sink	k = { -1, "test", out, false, 0, 0 };
	struct ec_err	err;
	uint8_t		fk[AGE_FILE_KEY], nonce[AGE_NONCE], key[AGE_KEY];
	uint8_t		cn[12], *plain, *enc;
	uint64_t	c;
	size_t		i;
	int		j;

	ec_buf_init(out, 4 * EC_AGE_CHUNK);
	plain = calloc(1, EC_AGE_CHUNK);
	enc = malloc(AGE_CHUNK_ENC);
	if (plain == NULL || enc == NULL ||
	    age_header_write(fk, &k, rcp, 1, &err) == -1)
		abort();
	memset(nonce, 7, sizeof(nonce));
	age_hkdf(key, sizeof(key), fk, sizeof(fk), nonce, sizeof(nonce),
	    "payload");
	if (ec_buf_add(out, nonce, sizeof(nonce), &err) == -1)
		abort();
	for (i = 0; i < n; i++) {
		memset(cn, 0, sizeof(cn));
		for (c = i, j = 10; j >= 3; j--, c >>= 8)
			cn[j] = (uint8_t)c;
		cn[11] = last[i];
		age_seal(enc, key, cn, plain, lens[i]);
		if (ec_buf_add(out, enc, lens[i] + AGE_TAG, &err) == -1)
			abort();
	}
	free(plain);
	free(enc);
}

/* The testkit's STREAM cases, and its all-zero X25519 share. */
static void
test_stream_cases(void)
{
	static const struct {
		size_t		 n;
		size_t		 lens[3];
		bool		 last[3];
		const char	*what, *msg;	/* msg NULL: must decrypt */
	} cases[] = {
		{ 1, { 10 }, { true }, "one short final chunk", NULL },
		{ 2, { EC_AGE_CHUNK, 10 }, { false, true },
		    "a full chunk, then a short final one", NULL },
		{ 1, { EC_AGE_CHUNK }, { true }, "one full final chunk", NULL },
		{ 2, { EC_AGE_CHUNK, 0 }, { false, true },
		    "stream_last_chunk_empty", "empty final payload chunk" },
		{ 1, { EC_AGE_CHUNK }, { false },
		    "stream_no_final_full", "final chunk is missing" },
		{ 2, { EC_AGE_CHUNK, EC_AGE_CHUNK }, { false, false },
		    "stream_no_final_two_chunks_full", "final chunk is missing" },
		{ 2, { EC_AGE_CHUNK, 5 }, { true, true },
		    "stream_two_final_chunks_full", "trailing data" },
		{ 2, { 5, 5 }, { true, true }, "stream_two_final_chunks",
		    "chunk 0 fails" },
		{ 1, { 10 }, { false }, "stream_no_final", "chunk 0 fails" },
		{ 3, { EC_AGE_CHUNK, EC_AGE_CHUNK, 1 }, { false, true, true },
		    "stream_two_final_chunks_second", "trailing data" },
	};
	struct ec_buf	e;
	struct ec_err	err;
	size_t		i, at;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		crafted(&e, cases[i].lens, cases[i].last, cases[i].n);
		if (cases[i].msg == NULL) {
			struct ec_buf	d;

			ec_buf_init(&d, 4 * EC_AGE_CHUNK);
			ok(ec_age_decrypt_mem(&d, e.data, e.len, ids, 1,
			    &err) == 0 && d.len == cases[i].lens[0] +
			    (cases[i].n > 1 ? cases[i].lens[1] : 0),
			    "%s decrypts", cases[i].what);
			ec_buf_dispose(&d);
		} else
			refused(&e, EC_ERR_VERIFY, cases[i].what,
			    cases[i].msg);
		ec_buf_dispose(&e);
	}
	/* An all-zero share: X25519 gives the all-zero secret, refused. */
	crafted(&e, cases[0].lens, cases[0].last, 1);
	at = 22 + 10;
	memset(e.data + at, 'A', 43);
	refused(&e, EC_ERR_VERIFY, "x25519_low_order (an all-zero share)",
	    "low-order point");
	ec_buf_dispose(&e);
}

static size_t
dir_entries(const char *dir)
{
	struct dirent	*de;
	DIR		*d = opendir(dir);
	size_t		 n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	if (d != NULL)
		(void)closedir(d);
	return n;
}

static void
test_files(const uint8_t *plain)
{
	struct ec_age_identity	kid;
	struct ec_age_recipient	kr;
	struct ec_err		err;
	struct stat		st;
	char			dir[64], p[3][512];
	char			rs[EC_AGE_RECIPIENT_SIZE];
	FILE			*f;
	size_t			n = 0, m = 0;

	/* mkdtemp(3) replaces a trailing run of six 'X'. */
	(void)snprintf(dir, sizeof(dir), "/tmp/t_age.");
	memset(dir + strlen(dir), 'X', 6);
	dir[strlen("/tmp/t_age.") + 6] = '\0';
	if (mkdtemp(dir) == NULL)
		abort();
	(void)snprintf(p[0], sizeof(p[0]), "%s/plain", dir);
	(void)snprintf(p[1], sizeof(p[1]), "%s/plain.age", dir);
	(void)snprintf(p[2], sizeof(p[2]), "%s/out", dir);
	if ((f = fopen(p[0], "wb")) == NULL ||
	    fwrite(plain, 1, 3 * EC_AGE_CHUNK + 5, f) != 3 * EC_AGE_CHUNK + 5 ||
	    fclose(f) != 0)
		abort();
	ok(ec_age_encrypt_file(p[1], p[0], rcp, 3, &err) == 0,
	    "encrypt a file");
	ok(ec_age_encrypt_file(p[1], p[0], rcp, 3, &err) == -1 &&
	    err.code == EC_ERR_CONFLICT, "an existing output is kept: %s",
	    err.msg);
	ok(ec_age_decrypt_file(p[2], p[1], &ids[2], 1, &err) == 0 &&
	    stat(p[2], &st) == 0 && st.st_size == 3 * EC_AGE_CHUNK + 5 &&
	    (st.st_mode & 0777) == 0600, "decrypt it to a 0600 file");
	(void)unlink(p[2]);
	ok(dir_entries(dir) == 2, "no temporary left behind");
	if (truncate(p[1], st.st_size - 10) == -1)
		abort();
	ok(ec_age_decrypt_file(p[2], p[1], ids, 3, &err) == -1 &&
	    err.code == EC_ERR_VERIFY && strstr(err.msg, p[1]) != NULL,
	    "a truncated file: %s", err.msg);
	ok(dir_entries(dir) == 2, "no partial plaintext left behind");
	(void)unlink(p[0]);
	(void)unlink(p[1]);

	(void)snprintf(p[2], sizeof(p[2]), "%s/keys", dir);
	ok(ec_age_keygen(rs, p[2], &err) == 0, "keygen: %s", rs);
	(void)snprintf(p[0], sizeof(p[0]), "%.64s/" EC_AGE_IDENTITY_FILE, p[2]);
	(void)snprintf(p[1], sizeof(p[1]), "%.64s/" EC_AGE_RECIPIENTS_FILE, p[2]);
	ok(stat(p[0], &st) == 0 && (st.st_mode & 0777) == 0600,
	    "the identity file is 0600");
	ok(ec_age_identities_read(&kid, 1, &n, p[0], &err) == 0 &&
	    ec_age_recipients_read(&kr, 1, &m, p[1], &err) == 0 &&
	    memcmp(kid.pub, kr.pub, 32) == 0,
	    "identity and recipients files belong together");
	ok(ec_age_keygen(rs, p[2], &err) == -1 && err.code == EC_ERR_CONFLICT &&
	    dir_entries(p[2]) == 2, "keygen again: %s", err.msg);
	(void)unlink(p[0]);
	(void)unlink(p[1]);
	(void)rmdir(p[2]);
	(void)rmdir(dir);
	ec_age_identity_wipe(&kid, 1);
}

int
main(void)
{
	static const size_t	sizes[] = { 0, 1, EC_AGE_CHUNK - 1,
				    EC_AGE_CHUNK, EC_AGE_CHUNK + 1,
				    2 * EC_AGE_CHUNK, 5 * EC_AGE_CHUNK + 17 };
	struct ec_err		err;
	uint8_t			*plain;
	size_t			i;

	for (i = 0; i < 3; i++) {
		if (ec_age_identity_generate(&ids[i], &err) == -1)
			abort();
		memcpy(rcp[i].pub, ids[i].pub, 32);
	}
	if ((plain = malloc(BIG)) == NULL)
		abort();
	fill(plain, BIG);
	test_x25519();
	test_keys();
	test_age_cli_file();
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		round_trip(plain, sizes[i]);
	test_damage(plain);
	test_stream_cases();
	test_header();
	test_files(plain);
	free(plain);
	ec_age_identity_wipe(ids, 3);
	return done_testing();
}
