/*
 * ec_age_key.c: age X25519 recipients and identities (age v1, "The X25519
 * recipient type"), their files and their generation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <nettle/curve25519.h>

#include "ec_age_int.h"
#include "ec_bech32.h"
#include "ec_file.h"
#include "ec_limits.h"

#define AGE_RECIPIENT_HRP	"age"
#define AGE_IDENTITY_HRP	"age-secret-key-"
/* 32 bytes are 52 five-bit groups (256 bits, 4 of them padding). */
#define AGE_KEY_DATA5		52

int
ec_age_x25519(uint8_t out[32], const uint8_t scalar[32],
    const uint8_t point[32])
{
	uint8_t	acc = 0;
	int	i;

	curve25519_mul(out, scalar, point);
	/* Constant time: the result is a secret, only its zeroness is not. */
	for (i = 0; i < 32; i++)
		acc |= out[i];
	return acc == 0 ? -1 : 0;
}

/* Bech32 under "hrp" carrying exactly 32 bytes. */
static int
age_key_decode(uint8_t out[32], const char *want_hrp, const char *s,
    size_t len, struct ec_err *err)
{
	char	hrp[EC_BECH32_MAX_HRP + 1];
	uint8_t	d5[AGE_KEY_DATA5 + 1];
	size_t	n5, n;
	int	rc;

	rc = ec_bech32_decode(hrp, d5, sizeof(d5), &n5, s, len,
	    EC_AGE_MAX_KEY_CHARS, err);
	if (rc == 0 && strcmp(hrp, want_hrp) != 0)
		rc = ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "type \"%s\" is not supported (want %s1...)", hrp,
		    want_hrp);
	if (rc == 0)
		rc = ec_bech32_to_bytes(out, 32, &n, d5, n5, err);
	if (rc == 0 && n != 32)
		rc = ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%zu bytes, want 32", n);
	gnutls_memset(d5, 0, sizeof(d5));
	return rc;
}

/* age writes recipients in lowercase and identities in uppercase only. */
static bool
age_key_case(const char *s, size_t len, char lo, char hi)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] >= lo && s[i] <= hi)
			return false;
	return true;
}

int
ec_age_recipient_parse(struct ec_age_recipient *out, const char *s,
    size_t len, struct ec_err *err)
{
	struct ec_age_recipient	r;

	if (len >= 4 && memcmp(s, "ssh-", 4) == 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "recipient: SSH keys are not supported; use an age1... "
		    "X25519 recipient");
	if (!age_key_case(s, len, 'A', 'Z'))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "recipient: not lowercase (an age1... X25519 recipient "
		    "is)");
	if (age_key_decode(r.pub, AGE_RECIPIENT_HRP, s, len, err) == -1)
		return ec_err_prefix(err, "recipient");
	*out = r;
	return 0;
}

void
ec_age_recipient_format(char out[EC_AGE_RECIPIENT_SIZE],
    const struct ec_age_recipient *r)
{
	/* Cannot fail: the HRP is fixed and the buffer sized for it. */
	(void)!ec_bech32_encode(out, EC_AGE_RECIPIENT_SIZE, AGE_RECIPIENT_HRP,
	    r->pub, sizeof(r->pub), false, NULL);
}

int
ec_age_identity_parse(struct ec_age_identity *out, const char *s,
    size_t len, struct ec_err *err)
{
	struct ec_age_identity	id;

	if (!age_key_case(s, len, 'a', 'z'))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "identity: not uppercase (an AGE-SECRET-KEY-1... identity "
		    "is)");
	if (age_key_decode(id.secret, AGE_IDENTITY_HRP, s, len, err) == -1)
		return ec_err_prefix(err, "identity");
	curve25519_mul_g(id.pub, id.secret);
	*out = id;
	gnutls_memset(&id, 0, sizeof(id));
	return 0;
}

void
ec_age_identity_format(char out[EC_AGE_IDENTITY_SIZE],
    const struct ec_age_identity *id)
{
	(void)!ec_bech32_encode(out, EC_AGE_IDENTITY_SIZE, AGE_IDENTITY_HRP,
	    id->secret, sizeof(id->secret), true, NULL);
}

int
ec_age_identity_generate(struct ec_age_identity *out, struct ec_err *err)
{
	if (gnutls_rnd(GNUTLS_RND_KEY, out->secret, sizeof(out->secret)) != 0)
		return ec_err_set(err, EC_ERR_CRYPTO,
		    "random generator failed");
	curve25519_mul_g(out->pub, out->secret);
	return 0;
}

void
ec_age_identity_wipe(struct ec_age_identity *ids, size_t n)
{
	if (n > 0)
		gnutls_memset(ids, 0, n * sizeof(*ids));
}

/*
 * The key lines of an age recipients or identity file: one key a line,
 * blank lines and "#" comments skipped, a CR before the LF tolerated.
 * "fn" parses one line into slot out + i * size.
 */
static int
age_keyfile_read(void *out, size_t size, size_t max, size_t *n,
    const char *path, const char *what,
    int (*fn)(void *, const char *, size_t, struct ec_err *),
    struct ec_err *err)
{
	uint8_t		*data = NULL;
	const char	*p, *end, *nl;
	size_t		 len, count = *n, line = 0, l;
	int		 rc = -1;

	if (ec_file_read_small(&data, &len, path, EC_MAX_KEY_BYTES, err) == -1)
		return -1;
	p = (const char *)data;
	end = p + len;
	for (; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		l = (size_t)(nl - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l == 0 || p[0] == '#')
			continue;
		if (count == max) {
			(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: more than %zu keys", path, max);
			goto out;
		}
		if (fn((char *)out + count * size, p, l, err) == -1) {
			(void)ec_err_prefix(err, "%s, line %zu", path, line);
			goto out;
		}
		count++;
	}
	if (count == *n) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID, "%s: no %s in it",
		    path, what);
		goto out;
	}
	*n = count;
	rc = 0;
out:
	if (rc == -1 && count > *n)
		gnutls_memset((char *)out + *n * size, 0, (count - *n) * size);
	gnutls_memset(data, 0, len);
	free(data);
	return rc;
}

static int
age_recipient_line(void *slot, const char *s, size_t len, struct ec_err *err)
{
	return ec_age_recipient_parse(slot, s, len, err);
}

static int
age_identity_line(void *slot, const char *s, size_t len, struct ec_err *err)
{
	return ec_age_identity_parse(slot, s, len, err);
}

int
ec_age_recipients_read(struct ec_age_recipient *out, size_t max, size_t *n,
    const char *path, struct ec_err *err)
{
	return age_keyfile_read(out, sizeof(*out), max, n, path, "recipient",
	    age_recipient_line, err);
}

int
ec_age_identities_read(struct ec_age_identity *out, size_t max, size_t *n,
    const char *path, struct ec_err *err)
{
	return age_keyfile_read(out, sizeof(*out), max, n, path, "identity",
	    age_identity_line, err);
}

/* "DIR/name" into f's temporary, "len" bytes of "text", not committed. */
static int
age_keygen_file(struct ec_file_out *f, const char *dir, const char *name,
    mode_t mode, const char *text, size_t len, struct ec_err *err)
{
	char	path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		f->fd = -1;
		f->tmp[0] = '\0';
		f->committed = false;
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: path too long", dir);
	}
	if (ec_file_out_open(f, path, mode, err) == -1 ||
	    ec_file_out_write(f, text, len, err) == -1)
		return -1;
	return 0;
}

int
ec_age_keygen(char recipient_out[EC_AGE_RECIPIENT_SIZE], const char *dir,
    struct ec_err *err)
{
	struct ec_age_identity	id;
	struct ec_age_recipient	r;
	struct ec_file_out	fi, fr;
	struct tm		tm;
	time_t			now = time(NULL);
	char			rs[EC_AGE_RECIPIENT_SIZE];
	char			is[EC_AGE_IDENTITY_SIZE], when[32], text[256];
	int			len, rc = -1;

	fi.fd = fr.fd = -1;
	fi.tmp[0] = fr.tmp[0] = '\0';
	fi.committed = fr.committed = false;
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", dir,
		    strerror(errno));
	if (ec_age_identity_generate(&id, err) == -1)
		return -1;
	memcpy(r.pub, id.pub, sizeof(r.pub));
	ec_age_recipient_format(rs, &r);
	ec_age_identity_format(is, &id);
	(void)gmtime_r(&now, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* age-keygen's layout, so either tool reads the other's files. */
	len = snprintf(text, sizeof(text),
	    "# created: %s\n# public key: %s\n%s\n", when, rs, is);
	if (age_keygen_file(&fi, dir, EC_AGE_IDENTITY_FILE, 0600, text,
	    (size_t)len, err) == -1)
		goto out;
	len = snprintf(text, sizeof(text), "%s\n", rs);
	if (age_keygen_file(&fr, dir, EC_AGE_RECIPIENTS_FILE, 0644, text,
	    (size_t)len, err) == -1 ||
	    ec_file_out_commit(&fi, err) == -1 ||
	    ec_file_out_commit(&fr, err) == -1)
		goto out;
	memcpy(recipient_out, rs, sizeof(rs));
	rc = 0;
out:
	/* Half a key pair is worse than none: the next run would conflict. */
	if (rc == -1 && fi.committed)
		(void)unlink(fi.path);
	ec_file_out_dispose(&fi);
	ec_file_out_dispose(&fr);
	gnutls_memset(text, 0, sizeof(text));
	gnutls_memset(is, 0, sizeof(is));
	ec_age_identity_wipe(&id, 1);
	return rc;
}
