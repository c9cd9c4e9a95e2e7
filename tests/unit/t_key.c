/* tests/unit/t_key.c: Ed25519 and ECDSA P-256 keys (ec_key). */
#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ec_key.h"
#include "ec_limits.h"

/*
 * Known keys.  RFC8032_* is test 1 of RFC 8032 7.1 and RFC6979_* the P-256
 * key of RFC 6979 A.2.5, written as PKCS#8 by Python cryptography.  Their
 * key ids were computed apart from our code:
 *   openssl pkey -pubin -in K.pub.pem -outform DER | sha256sum
 */
static const char	RFC8032_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
static const char	RFC8032_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "-----END PUBLIC KEY-----\n";
static const char	RFC8032_KEYID[] =
    "06e3fd8fda29bb60ab59557de61edb0aecdb231134be30e75b455f8e1b792fa9";
/* RFC 8032 7.1 test 1: the signature of the empty message. */
static const char	RFC8032_SIG_EMPTY[] =
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
    "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b";

static const char	RFC6979_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX\n"
    "Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAARg/tS6JVqdMclh63TGNW1owEm4kjth\n"
    "+mzmaWIuYPKftnkD/hAIuLyZpBrp6VYovGTy8bIMLX6fUXejwpTURiKZ\n"
    "-----END PRIVATE KEY-----\n";
static const char	RFC6979_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYP7UuiVanTHJYet0xjVtaMBJuJI7\n"
    "Yfps5mliLmDyn7Z5A/4QCLi8maQa6elWKLxk8vGyDC1+n1F3o8KU1EYimQ==\n"
    "-----END PUBLIC KEY-----\n";
static const char	RFC6979_KEYID[] =
    "5a7a78cca4a0f420d9bc62bb669c3c2759e39f723d3ae10dcbe0f0815a07ecd4";
/*
 * RFC 6979 A.2.5, P-256, SHA-256, message "sample": r and s, here as the
 * DER ECDSA-Sig-Value (both have the top bit set, hence the 0x00 bytes).
 */
static const char	RFC6979_SIG_SAMPLE[] =
    "3046022100"
    "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
    "022100"
    "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8";

/* The RFC 6979 scalar with another key's public point in its PKCS#8. */
static const char	MISMATCH_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgya+p2EW6dRZrXCFX\n"
    "Z7HWk05Qw9s26JsSe4piKxIPZyGhRANCAASAHWGnYQKYt2l07G61IC8G5tLbMhLL\n"
    "RgmPAY6KwocpzNJuGrO5/oGd3wk9Mu8WvzuVUsuqTXDPg5XOu6THVhUI\n"
    "-----END PRIVATE KEY-----\n";

/* Keys we must refuse, made with openssl genpkey. */
static const char	P384_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDBi1ygCFPZ3zoyjJm/D\n"
    "KQOOPjuTyzmkdTaweDlQNqHrT46hZIxE9htCKJ5hDPxnnkWhZANiAATJw9FCm63i\n"
    "n0wmRIBXCUh4hlxavaDQuXLA+0g70aW4e50slN8U27Q1I3cpNgJtD6eqRc5cr04E\n"
    "KN1br7jJWlCUV1ahqnLE5H5dcjVIqwi/VlyxxT79urP0v8VRCqicdsk=\n"
    "-----END PRIVATE KEY-----\n";
static const char	P384_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEycPRQput4p9MJkSAVwlIeIZcWr2g0Lly\n"
    "wPtIO9GluHudLJTfFNu0NSN3KTYCbQ+nqkXOXK9OBCjdW6+4yVpQlFdWoapyxOR+\n"
    "XXI1SKsIv1ZcscU+/bqz9L/FUQqonHbJ\n"
    "-----END PUBLIC KEY-----\n";
static const char	ED448_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MEcCAQAwBQYDK2VxBDsEOZ3DIIJka1f6dUFqawEuo2oUpLtESTSfwwOqw3XiNaei\n"
    "x5MlnNoKYecWNqX4w6gSq0NTn7qyDa9pTg==\n"
    "-----END PRIVATE KEY-----\n";
static const char	RSA_PUB[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCWoo4IuxmFHbmRVLGnTQdy8Hyf\n"
    "NZIC/Tl4j45aXSu+T1BipLJChl+6r3oKY3MvrQXiJt3JHV9eBmTRZYRQT3IUE4FT\n"
    "VhB8ogHT+5IGAmz56Qh3gX4FmVuaXD/lOXYtbpVKNJSg4633U6zujNJOSq+j0Usk\n"
    "neLHo0DfzXvY0l2m/QIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char	SEC1_KEY[] =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIKyNcNDdOhf28i4ra6r15bFq8sycXX7Zt79GedqVw8ZJoAoGCCqGSM49\n"
    "AwEHoUQDQgAEgB1hp2ECmLdpdOxutSAvBubS2zISy0YJjwGOisKHKczSbhqzuf6B\n"
    "nd8JPTLvFr87lVLLqk1wz4OVzrukx1YVCA==\n"
    "-----END EC PRIVATE KEY-----\n";
static const char	ENCRYPTED_KEY[] =
    "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
    "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgrvUdG15fXEQICCAAw\n"
    "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEDEbP6QYThxKkV1iUMV5Y60EgZC4\n"
    "Mmy8HX9xJ+lbq+yq4HrgUbJc4yiZ7sHzyQAIE8x3kYOiadNrlVeUoYl896uh+Qda\n"
    "FI4V4rmS8JrzQAMIZP+g8TDbUNbrm0E1WC+J3N29HZ9Pe6qI4nR0cq6ii06prB4R\n"
    "lxwhLuuRvAHWKkmvinjUSgBtTk3YTn7P2cqsCysGI5jwtVKgpaJejUmqahOfN6A=\n"
    "-----END ENCRYPTED PRIVATE KEY-----\n";

static char	tmpdir[] = "/tmp/t_key.XXXXXX";

/* "dir/name" in a static buffer that the next call reuses. */
static const char *
path_in(const char *dir, const char *name)
{
	static char	path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static const char *
write_file(const char *name, const void *data, size_t len)
{
	const char	*path = path_in(tmpdir, name);
	FILE		*f;

	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	return path;
}

/* Remove "dir" and what the tests left in it (files and one level down). */
static void
rm_tree(const char *dir)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 path[PATH_MAX];

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(path);
		else
			(void)unlink(path);
	}
	(void)closedir(d);
	(void)rmdir(dir);
}

static int
read_file(struct ec_buf *out, const char *path)
{
	struct ec_err	 err;
	char		 chunk[4096];
	FILE		*f;
	size_t		 n;
	int		 rc = 0;

	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (ec_buf_add(out, chunk, n, &err) == -1)
			rc = -1;
	(void)fclose(f);
	return rc;
}

static int
file_mode(const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return -1;
	return (int)(st.st_mode & 07777);
}

static int
hex_is(const struct ec_buf *b, const char *hex)
{
	char	got[2 * 256 + 1];

	if (b->len > 256 || 2 * b->len != strlen(hex))
		return 0;
	ec_hex_encode(got, (const uint8_t *)b->data, b->len);
	return strcmp(got, hex) == 0;
}

/*
 * The RFC 6979 "sample" signature with its first "skip" bytes replaced by
 * the "head_len" bytes "head_hex", and a 0x00 appended if "append": r and
 * s are unchanged, only the DER is not strict.
 */
static void
der_variant_rejected(const struct ec_verifier *v, const char *head_hex,
    size_t head_len, size_t skip, bool append, const char *what)
{
	uint8_t		 buf[96], head[16];
	struct ec_err	 err;
	size_t		 siglen = strlen(RFC6979_SIG_SAMPLE) / 2, len;

	ec_err_clear(&err);
	if (ec_hex_decode(head, head_len, head_hex, 2 * head_len) == -1 ||
	    ec_hex_decode(buf + head_len, siglen - skip,
	    RFC6979_SIG_SAMPLE + 2 * skip, 2 * (siglen - skip)) == -1) {
		printf("Bail out! bad hex\n");
		exit(1);
	}
	memcpy(buf, head, head_len);
	len = head_len + siglen - skip;
	if (append)
		buf[len++] = 0x00;
	ok(ec_verifier_verify(v, "sample", 6, buf, len, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "DER with %s rejected: %s", what,
	    err.msg);
}

/* The message of a call that failed, for a test that wanted success. */
static const char *
why(int rc, const struct ec_err *err)
{
	return rc == 0 ? "" : err->msg;
}

/* Load a signer from PEM text through a file, as a deployment would. */
static struct ec_signer *
signer_from(const char *pem, struct ec_err *err)
{
	struct ec_signer	*s = NULL;

	if (ec_signer_load(&s, write_file("k.pem", pem, strlen(pem)), err) ==
	    -1)
		return NULL;
	return s;
}

static void
signer_rejects(const char *pem, enum ec_code want, const char *what)
{
	struct ec_signer	*s;
	struct ec_err		 err;

	ec_err_clear(&err);
	s = signer_from(pem, &err);
	ok(s == NULL && err.code == want, "signer rejects %s: %s", what,
	    err.msg);
	ec_signer_free(s);
}

static void
verifier_rejects(const void *pem, size_t len, enum ec_code want,
    const char *what)
{
	struct ec_verifier	*v = NULL;
	struct ec_err		 err;
	int			 rc;

	ec_err_clear(&err);
	rc = ec_verifier_load_mem(&v, pem, len, &err);
	ok(rc == -1 && v == NULL && err.code == want,
	    "verifier rejects %s: %s", what, err.msg);
	ec_verifier_free(v);
}

static void
test_type_parse(void)
{
	enum ec_key_type	t = EC_KEY_ED25519;
	struct ec_err		err;

	ec_err_clear(&err);
	ok(ec_key_type_parse(&t, "ecdsa-p256", &err) == 0 &&
	    t == EC_KEY_ECDSA_P256, "parse ecdsa-p256");
	ok(ec_key_type_parse(&t, "ed25519", &err) == 0 && t == EC_KEY_ED25519,
	    "parse ed25519");
	ok(ec_key_type_parse(&t, "Ed25519", &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "parse is exact: %s", err.msg);
	ok(ec_key_type_parse(&t, "rsa", &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "parse rejects rsa");
}

/* Generate, load, sign, verify, reject: one key type end to end. */
static void
test_generated(enum ec_key_type type, const struct ec_verifier *other)
{
	struct ec_signer	*s = NULL;
	struct ec_verifier	*v = NULL;
	struct ec_buf		 sig1, sig2, pem, file;
	struct ec_err		 err;
	const char		*name = ec_key_type_name(type);
	char			 dir[PATH_MAX], keyid[EC_KEY_ID_SIZE];
	char			 again[EC_KEY_ID_SIZE];
	static const char	 msg[] = "evidence bundle manifest";
	int			 rc;

	ec_err_clear(&err);
	ec_buf_init(&sig1, 1024);
	ec_buf_init(&sig2, 1024);
	ec_buf_init(&pem, EC_MAX_KEY_BYTES);
	ec_buf_init(&file, EC_MAX_KEY_BYTES);
	(void)snprintf(dir, sizeof(dir), "%s/%s", tmpdir, name);
	if (mkdir(dir, 0700) == -1) {
		printf("Bail out! mkdir %s\n", dir);
		exit(1);
	}

	rc = ec_key_generate(keyid, dir, type, &err);
	ok(rc == 0, "%s: generate %s", name, why(rc, &err));
	ok(strlen(keyid) == EC_KEY_ID_LEN &&
	    strspn(keyid, "0123456789abcdef") == EC_KEY_ID_LEN,
	    "%s: key id is 64 lowercase hex digits", name);
	ok(file_mode(path_in(dir, EC_KEY_PRIV_FILE)) == 0600,
	    "%s: private key mode 0600 (umask 077 in force)", name);
	ok(file_mode(path_in(dir, EC_KEY_PUB_FILE)) == 0644,
	    "%s: public key mode 0644 despite umask 077", name);
	ok(read_file(&file, path_in(dir, EC_KEY_PRIV_FILE)) == 0 &&
	    strncmp(file.data, "-----BEGIN PRIVATE KEY-----\n", 28) == 0,
	    "%s: private key is PKCS#8 PEM", name);

	ok(ec_key_generate(again, dir, type, &err) == -1 &&
	    err.code == EC_ERR_CONFLICT, "%s: no overwrite: %s", name,
	    err.msg);
	ec_buf_reset(&pem);
	ok(read_file(&pem, path_in(dir, EC_KEY_PRIV_FILE)) == 0 &&
	    pem.len == file.len && memcmp(pem.data, file.data, pem.len) == 0,
	    "%s: refused generate left the key as it was", name);

	rc = ec_signer_load(&s, path_in(dir, EC_KEY_PRIV_FILE), &err);
	ok(rc == 0, "%s: load signer %s", name, why(rc, &err));
	rc = ec_verifier_load(&v, path_in(dir, EC_KEY_PUB_FILE), &err);
	ok(rc == 0, "%s: load verifier %s", name, why(rc, &err));
	if (s == NULL || v == NULL)
		goto out;
	ok(ec_signer_type(s) == type && ec_verifier_type(v) == type,
	    "%s: types", name);
	ok(strcmp(ec_signer_keyid(s), keyid) == 0 &&
	    strcmp(ec_verifier_keyid(v), keyid) == 0,
	    "%s: key id the same from generate, signer and verifier", name);
	ec_buf_reset(&pem);
	ec_buf_reset(&file);
	ok(ec_signer_pubkey_pem(&pem, s, &err) == 0 &&
	    read_file(&file, path_in(dir, EC_KEY_PUB_FILE)) == 0 &&
	    pem.len == file.len && memcmp(pem.data, file.data, pem.len) == 0,
	    "%s: ec_signer_pubkey_pem matches signing.pub.pem", name);

	rc = ec_signer_sign(&sig1, s, msg, sizeof(msg) - 1, &err);
	if (rc == 0)
		rc = ec_signer_sign(&sig2, s, msg, sizeof(msg) - 1, &err);
	ok(rc == 0, "%s: sign twice %s", name, why(rc, &err));
	ok(sig1.len == sig2.len && memcmp(sig1.data, sig2.data, sig1.len) == 0,
	    "%s: signing is deterministic", name);
	if (type == EC_KEY_ED25519)
		ok(sig1.len == 64, "ed25519: signature is 64 raw bytes");
	else
		ok(sig1.len >= 8 && sig1.len <= 72 &&
		    (uint8_t)sig1.data[0] == 0x30 &&
		    (uint8_t)sig1.data[1] == sig1.len - 2,
		    "ecdsa-p256: signature is a DER SEQUENCE (%zu bytes)",
		    sig1.len);
	rc = ec_verifier_verify(v, msg, sizeof(msg) - 1, sig1.data, sig1.len,
	    &err);
	ok(rc == 0, "%s: verifies %s", name, why(rc, &err));
	ok(ec_verifier_verify(v, msg, sizeof(msg) - 2, sig1.data, sig1.len,
	    &err) == -1 && err.code == EC_ERR_VERIFY,
	    "%s: shortened data rejected: %s", name, err.msg);
	ok(ec_verifier_verify(v, "Evidence bundle manifest",
	    sizeof(msg) - 1, sig1.data, sig1.len, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "%s: altered data rejected", name);
	sig2.data[sig2.len - 1] ^= 0x01;
	ok(ec_verifier_verify(v, msg, sizeof(msg) - 1, sig2.data, sig2.len,
	    &err) == -1 && err.code == EC_ERR_VERIFY,
	    "%s: altered signature rejected", name);
	ok(ec_verifier_verify(v, msg, sizeof(msg) - 1, sig1.data,
	    sig1.len - 1, &err) == -1 && err.code == EC_ERR_VERIFY,
	    "%s: truncated signature rejected: %s", name, err.msg);
	ok(ec_verifier_verify(v, msg, sizeof(msg) - 1, "", 0, &err) == -1 &&
	    err.code == EC_ERR_VERIFY, "%s: empty signature rejected", name);
	ok(ec_verifier_verify(other, msg, sizeof(msg) - 1, sig1.data,
	    sig1.len, &err) == -1 && err.code == EC_ERR_VERIFY,
	    "%s: another key of the same type rejects it", name);

	ec_buf_reset(&sig1);
	ok(ec_signer_sign(&sig1, s, NULL, 0, &err) == 0 &&
	    ec_verifier_verify(v, NULL, 0, sig1.data, sig1.len, &err) == 0,
	    "%s: empty message signs and verifies", name);

	/* Only the public half present: still a conflict, nothing left. */
	(void)unlink(path_in(dir, EC_KEY_PRIV_FILE));
	ok(ec_key_generate(again, dir, type, &err) == -1 &&
	    err.code == EC_ERR_CONFLICT &&
	    access(path_in(dir, EC_KEY_PRIV_FILE), F_OK) == -1,
	    "%s: conflict on the public file leaves no private key", name);
out:
	ec_signer_free(s);
	ec_verifier_free(v);
	ec_buf_dispose(&sig1);
	ec_buf_dispose(&sig2);
	ec_buf_dispose(&pem);
	ec_buf_dispose(&file);
}

/* Known keys: ids against openssl, signatures against the RFCs. */
static void
test_known(struct ec_verifier **ed_out, struct ec_verifier **p256_out)
{
	struct ec_signer	*ed, *p256;
	struct ec_verifier	*v;
	struct ec_buf		 sig, pem;
	struct ec_err		 err;

	ec_err_clear(&err);
	ec_buf_init(&sig, 1024);
	ec_buf_init(&pem, EC_MAX_KEY_BYTES);
	ed = signer_from(RFC8032_KEY, &err);
	ok(ed != NULL, "load RFC 8032 key %s", why(ed == NULL ? -1 : 0, &err));
	p256 = signer_from(RFC6979_KEY, &err);
	ok(p256 != NULL, "load RFC 6979 key %s",
	    why(p256 == NULL ? -1 : 0, &err));
	if (ed == NULL || p256 == NULL) {
		printf("Bail out! known keys do not load\n");
		exit(1);
	}
	ok(strcmp(ec_signer_keyid(ed), RFC8032_KEYID) == 0,
	    "ed25519 key id = sha256(SPKI DER) as openssl computes it");
	ok(strcmp(ec_signer_keyid(p256), RFC6979_KEYID) == 0,
	    "ecdsa-p256 key id = sha256(SPKI DER) as openssl computes it");
	ok(ec_signer_pubkey_pem(&pem, ed, &err) == 0 &&
	    strcmp(pem.data, RFC8032_PUB) == 0,
	    "ed25519 public PEM matches Python's byte for byte");
	ec_buf_reset(&pem);
	ok(ec_signer_pubkey_pem(&pem, p256, &err) == 0 &&
	    strcmp(pem.data, RFC6979_PUB) == 0,
	    "ecdsa-p256 public PEM matches Python's byte for byte");

	ok(ec_signer_sign(&sig, ed, "", 0, &err) == 0 &&
	    hex_is(&sig, RFC8032_SIG_EMPTY),
	    "ed25519 signature is RFC 8032 7.1 test 1");
	ec_buf_reset(&sig);
	ok(ec_signer_sign(&sig, p256, "sample", 6, &err) == 0 &&
	    hex_is(&sig, RFC6979_SIG_SAMPLE),
	    "ecdsa-p256 signature is RFC 6979 A.2.5 (deterministic k)");

	v = NULL;
	if (ec_verifier_load_mem(&v, RFC6979_PUB, sizeof(RFC6979_PUB) - 1,
	    &err) == -1) {
		printf("Bail out! RFC 6979 public key: %s\n", err.msg);
		exit(1);
	}
	ok(strcmp(ec_verifier_keyid(v), RFC6979_KEYID) == 0,
	    "verifier from memory has the openssl key id");
	ok(ec_verifier_verify(v, "sample", 6, sig.data, sig.len, &err) == 0,
	    "RFC 6979 signature verifies");
	/* Strict DER: the same r and s in other byte forms are refused. */
	der_variant_rejected(v, "308146", 3, 2, false,
	    "a long-form SEQUENCE length");
	der_variant_rejected(v, "304702220000", 6, 5, false,
	    "INTEGER r with a superfluous 0x00");
	der_variant_rejected(v, "3046", 2, 2, true,
	    "a byte after the SEQUENCE");
	der_variant_rejected(v, "3047", 2, 2, true,
	    "a byte after s inside the SEQUENCE");
	*p256_out = v;
	v = NULL;
	if (ec_verifier_load_mem(&v, RFC8032_PUB, sizeof(RFC8032_PUB) - 1,
	    &err) == -1) {
		printf("Bail out! RFC 8032 public key: %s\n", err.msg);
		exit(1);
	}
	ok(strcmp(ec_verifier_keyid(v), RFC8032_KEYID) == 0,
	    "ed25519 verifier from memory has the openssl key id");
	*ed_out = v;

	ec_signer_free(ed);
	ec_signer_free(p256);
	ec_buf_dispose(&sig);
	ec_buf_dispose(&pem);
}

static void
test_rejects(void)
{
	struct ec_signer	*s = NULL;
	struct ec_verifier	*v = NULL;
	struct ec_err		 err;
	struct stat		 st;
	char			*big;
	int			 rc;

	ec_err_clear(&err);
	signer_rejects(P384_KEY, EC_ERR_REQUEST_INVALID, "P-384");
	signer_rejects(ED448_KEY, EC_ERR_REQUEST_INVALID, "Ed448");
	signer_rejects(SEC1_KEY, EC_ERR_REQUEST_INVALID, "SEC1 EC PRIVATE KEY");
	signer_rejects(ENCRYPTED_KEY, EC_ERR_REQUEST_INVALID,
	    "encrypted PKCS#8");
	signer_rejects(MISMATCH_KEY, EC_ERR_REQUEST_INVALID,
	    "EC key whose public point is another key's");
	signer_rejects(RFC8032_PUB, EC_ERR_REQUEST_INVALID, "a public key");
	signer_rejects("", EC_ERR_REQUEST_INVALID, "an empty file");
	signer_rejects("-----BEGIN PRIVATE KEY-----\nAAAA\n"
	    "-----END PRIVATE KEY-----\n", EC_ERR_REQUEST_INVALID,
	    "garbage DER");

	if ((big = malloc(EC_MAX_KEY_BYTES + 2)) == NULL) {
		printf("Bail out! malloc\n");
		exit(1);
	}
	memset(big, 'A', EC_MAX_KEY_BYTES + 1);
	big[EC_MAX_KEY_BYTES + 1] = '\0';
	signer_rejects(big, EC_ERR_TOO_LARGE, "a file one byte past the cap");
	verifier_rejects(big, EC_MAX_KEY_BYTES + 1, EC_ERR_TOO_LARGE,
	    "PEM one byte past the cap");
	free(big);

	rc = ec_signer_load(&s, path_in(tmpdir, "absent.pem"), &err);
	ok(rc == -1 && s == NULL && err.code == EC_ERR_IO,
	    "missing key file: %s", err.msg);
	rc = ec_signer_load(&s, tmpdir, &err);
	ok(rc == -1 && s == NULL && err.code == EC_ERR_REQUEST_INVALID,
	    "directory as key file: %s", err.msg);
	rc = ec_verifier_load(&v, path_in(tmpdir, "absent.pem"), &err);
	ok(rc == -1 && v == NULL && err.code == EC_ERR_IO,
	    "missing public key file");

	verifier_rejects(RSA_PUB, sizeof(RSA_PUB) - 1, EC_ERR_REQUEST_INVALID,
	    "RSA");
	verifier_rejects(P384_PUB, sizeof(P384_PUB) - 1,
	    EC_ERR_REQUEST_INVALID, "P-384");
	verifier_rejects(RFC8032_KEY, sizeof(RFC8032_KEY) - 1,
	    EC_ERR_REQUEST_INVALID, "a private key");
	verifier_rejects("not pem", 7, EC_ERR_REQUEST_INVALID, "text");
	verifier_rejects(RFC8032_PUB, 40, EC_ERR_REQUEST_INVALID,
	    "a truncated PEM");
	rc = ec_key_generate((char [EC_KEY_ID_SIZE]){ 0 },
	    path_in(tmpdir, "absent/deeper"), EC_KEY_ED25519, &err);
	ok(rc == -1 && err.code == EC_ERR_IO,
	    "generate below a missing dir fails");
	rc = ec_key_generate((char [EC_KEY_ID_SIZE]){ 0 },
	    path_in(tmpdir, "fresh"), EC_KEY_ED25519, &err);
	ok(rc == 0 && stat(path_in(tmpdir, "fresh"), &st) == 0 &&
	    (st.st_mode & 0777) == 0700, "a missing key dir is made 0700");
}

/*
 * FIFOs never block a load (open(2) of a FIFO waits for a writer unless
 * O_NONBLOCK); a private key others can access is flagged, and refused
 * when strict, as ssh does; a directory others can write is flagged.
 */
static void
test_file_checks(void)
{
	struct ec_signer	*s = NULL;
	struct ec_verifier	*v = NULL;
	struct ec_err		 err;
	const char		*path;
	bool			 exposed;
	int			 rc;

	path = path_in(tmpdir, "fifo.pem");
	if (mkfifo(path, 0600) == -1) {
		printf("Bail out! mkfifo\n");
		exit(1);
	}
	(void)alarm(10);	/* a hang fails the test instead of stalling */
	rc = ec_signer_load(&s, path, &err);
	ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID,
	    "a FIFO as private key: refused at once: %s", err.msg);
	rc = ec_verifier_load(&v, path, &err);
	ok(rc == -1 && err.code == EC_ERR_REQUEST_INVALID,
	    "a FIFO as public key: refused at once: %s", err.msg);
	(void)alarm(0);

	path = write_file("loose.pem", RFC8032_KEY, strlen(RFC8032_KEY));
	(void)chmod(path, 0640);
	exposed = false;
	rc = ec_signer_load_checked(&s, &exposed, path, false, &err);
	ok(rc == 0 && exposed, "mode 0640 private key: loads, flagged");
	ec_signer_free(s);
	s = NULL;
	rc = ec_signer_load_checked(&s, &exposed, path, true, &err);
	ok(rc == -1 && s == NULL && err.code == EC_ERR_REQUEST_INVALID &&
	    strstr(err.msg, "0640") != NULL,
	    "mode 0640 private key, strict: refused: %s", err.msg);
	(void)chmod(path, 0600);
	rc = ec_signer_load_checked(&s, &exposed, path, true, &err);
	ok(rc == 0 && !exposed, "mode 0600 private key, strict: loads");
	ec_signer_free(s);

	path = path_in(tmpdir, "open-dir");
	(void)mkdir(path, 0700);
	ok(!ec_key_dir_exposed(path), "a 0700 directory is not exposed");
	(void)chmod(path, 01777);
	ok(ec_key_dir_exposed(path), "a world-writable directory is");
}

int
main(void)
{
	struct ec_verifier	*ed = NULL, *p256 = NULL;

	(void)umask(077);
	if (mkdtemp(tmpdir) == NULL) {
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	test_type_parse();
	test_known(&ed, &p256);
	test_generated(EC_KEY_ED25519, ed);
	test_generated(EC_KEY_ECDSA_P256, p256);
	test_rejects();
	test_file_checks();
	ec_verifier_free(ed);
	ec_verifier_free(p256);
	rm_tree(tmpdir);
	return done_testing();
}
