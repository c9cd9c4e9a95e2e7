/*
 * ec_urlsign: signed download URLs, HMAC-SHA256 (RFC 2104) over a
 * canonical string (ec_urlsign.h).  nginx/ec_download.js checks the same
 * string the same way; tests/unit/t_urlsign.c holds both to vectors
 * computed by Python's hmac module.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <nettle/hmac.h>
#include <nettle/memops.h>

#include "ec_buf.h"
#include "ec_db.h"
#include "ec_file.h"
#include "ec_jose.h"
#include "ec_num.h"
#include "ec_run.h"
#include "ec_urlsign.h"

#define URLSIGN_TAG	"EC-DOWNLOAD-1"
/* Seconds since the epoch in a URL: 1 to 12 digits, no sign. */
#define URLSIGN_EXP_DIGITS	12

struct urlsign_key {
	char	kid[EC_URLSIGN_KID_MAX + 1];
	uint8_t	secret[EC_URLSIGN_SECRET_MAX];
	size_t	len;
};

struct ec_urlsign {
	/* [0] the current key, [1] the previous one. */
	struct urlsign_key	key[2];
	size_t			nkeys;
};

static bool
urlsign_kid_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > EC_URLSIGN_KID_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

/* A file name: [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. */
static bool
urlsign_name_valid(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > EC_URLSIGN_NAME_MAX || s[0] == '.' ||
	    s[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!ec_name_char(s[i]))
			return false;
	return true;
}

static bool
urlsign_hex_valid(const char *s, size_t len)
{
	size_t	i;

	if (len != EC_SHA256_HEX - 1)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return false;
	return true;
}

/* One "word kid secret" line, split on single spaces. */
static int
urlsign_line(struct ec_urlsign *k, bool seen[2], const char *line,
    size_t len, int n, struct ec_err *err)
{
	const char		*sp1, *sp2;
	struct urlsign_key	*key;
	struct ec_buf		 sec;
	size_t			 slot;
	int			 rc = -1;

	sp1 = memchr(line, ' ', len);
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 -
	    line)) : NULL;
	if (sp2 == NULL || memchr(sp2 + 1, ' ', len - (size_t)(sp2 + 1 -
	    line)) != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key file, line %d: expected \"current|previous KID "
		    "SECRET\"", n);
	if ((size_t)(sp1 - line) == 7 && memcmp(line, "current", 7) == 0)
		slot = 0;
	else if ((size_t)(sp1 - line) == 8 && memcmp(line, "previous", 8) == 0)
		slot = 1;
	else
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key file, line %d: unknown word", n);
	if (seen[slot])
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key file, line %d: a second %s key", n,
		    slot == 0 ? "current" : "previous");
	if (!urlsign_kid_valid(sp1 + 1, (size_t)(sp2 - sp1 - 1)))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key file, line %d: kid: 1 to %d of [A-Za-z0-9_-]", n,
		    EC_URLSIGN_KID_MAX);
	key = &k->key[slot];
	memcpy(key->kid, sp1 + 1, (size_t)(sp2 - sp1 - 1));
	key->kid[sp2 - sp1 - 1] = '\0';
	ec_buf_init(&sec, EC_URLSIGN_SECRET_MAX);
	if (ec_b64url_decode(&sec, sp2 + 1, len - (size_t)(sp2 + 1 - line),
	    err) == -1 || sec.len < EC_URLSIGN_SECRET_MIN) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key file, line %d: secret: base64url of %d to %d bytes",
		    n, EC_URLSIGN_SECRET_MIN, EC_URLSIGN_SECRET_MAX);
		goto out;
	}
	memcpy(key->secret, sec.data, sec.len);
	key->len = sec.len;
	seen[slot] = true;
	rc = 0;
out:
	if (sec.data != NULL)
		gnutls_memset(sec.data, 0, sec.len);
	ec_buf_dispose(&sec);
	return rc;
}

int
ec_urlsign_parse(struct ec_urlsign **out, const char *text, size_t len,
    struct ec_err *err)
{
	struct ec_urlsign	*k;
	const char		*p = text, *end = text + len, *nl;
	bool			 seen[2] = { false, false };
	int			 n = 0;

	if (len > EC_URLSIGN_FILE_MAX)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "key file: more than %d bytes", EC_URLSIGN_FILE_MAX);
	if (memchr(text, '\0', len) != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key file: a NUL byte");
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ec_err_nomem(err);
	while (p < end) {
		n++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (nl > p && p[0] != '#' && urlsign_line(k, seen, p,
		    (size_t)(nl - p), n, err) == -1) {
			ec_urlsign_free(k);
			return -1;
		}
		p = nl + 1;
	}
	if (!seen[0] || (seen[1] && strcmp(k->key[0].kid,
	    k->key[1].kid) == 0)) {
		ec_urlsign_free(k);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID, "key file: %s",
		    !seen[0] ? "no current key" : "the two kids are equal");
	}
	k->nkeys = seen[1] ? 2 : 1;
	*out = k;
	return 0;
}

int
ec_urlsign_load(struct ec_urlsign **out, const char *path,
    struct ec_err *err)
{
	uint8_t	*text;
	size_t	 len;
	int	 rc;

	if (ec_file_read_small(&text, &len, path, EC_URLSIGN_FILE_MAX,
	    err) == -1)
		return ec_err_prefix(err, "download keys");
	rc = ec_urlsign_parse(out, (const char *)text, len, err);
	gnutls_memset(text, 0, len);
	free(text);
	if (rc == -1)
		return ec_err_prefix(err, "%.200s", path);
	return 0;
}

void
ec_urlsign_free(struct ec_urlsign *k)
{
	if (k == NULL)
		return;
	gnutls_memset(k, 0, sizeof(*k));
	free(k);
}

void
ec_urlsign_file_name(char out[EC_URLSIGN_NAME_MAX + 1], const char *name)
{
	const char	*base = strrchr(name, '/');
	size_t		 i;

	base = base != NULL ? base + 1 : name;
	for (i = 0; i < EC_URLSIGN_NAME_MAX && base[i] != '\0'; i++)
		out[i] = ec_name_char(base[i]) ? base[i] : '_';
	out[i] = '\0';
	if (i == 0)
		(void)snprintf(out, EC_URLSIGN_NAME_MAX + 1, "download");
	else if (out[0] == '.' || out[0] == '-')
		out[0] = '_';
}

/* The MAC of the canonical string, as base64url, in sig_out. */
static int
urlsign_mac(char sig_out[EC_URLSIGN_SIG_LEN + 1],
    const struct urlsign_key *key, const char *method, const char *path,
    size_t path_len, const char *tenant, int64_t exp, struct ec_err *err)
{
	struct hmac_sha256_ctx	 ctx;
	struct ec_buf		 s, b;
	uint8_t			 mac[SHA256_DIGEST_SIZE];
	int			 rc = -1;

	ec_buf_init(&s, EC_URLSIGN_URL_MAX + 256);
	ec_buf_init(&b, 2 * EC_URLSIGN_SIG_LEN);
	if (ec_buf_addf(&s, err, "%s\n%s\n%.*s\n%s\n%" PRId64 "\n%s",
	    URLSIGN_TAG, method, (int)path_len, path, tenant, exp,
	    key->kid) == -1)
		goto out;
	hmac_sha256_set_key(&ctx, key->len, key->secret);
	hmac_sha256_update(&ctx, s.len, (const uint8_t *)s.data);
	hmac_sha256_digest(&ctx, sizeof(mac), mac);
	if (ec_b64url_encode(&b, mac, sizeof(mac), err) == -1)
		goto out;
	memcpy(sig_out, b.data, EC_URLSIGN_SIG_LEN);
	sig_out[EC_URLSIGN_SIG_LEN] = '\0';
	rc = 0;
out:
	gnutls_memset(&ctx, 0, sizeof(ctx));
	ec_buf_dispose(&s);
	ec_buf_dispose(&b);
	return rc;
}

int
ec_urlsign_sign(char out[EC_URLSIGN_URL_MAX], const struct ec_urlsign *k,
    const char *method, const char *tenant, const char *run_id,
    const char *hex, const char *name, int64_t exp, struct ec_err *err)
{
	const struct urlsign_key	*key = &k->key[0];
	char				 path[EC_URLSIGN_URL_MAX];
	char				 sig[EC_URLSIGN_SIG_LEN + 1];
	int				 n;

	if (!ec_run_id_valid(run_id, tenant) ||
	    !urlsign_hex_valid(hex, strlen(hex)) ||
	    !urlsign_name_valid(name, strlen(name)) || exp <= 0 ||
	    exp > INT64_C(999999999999) || strcmp(method, "GET") != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "download URL: a component outside its shape");
	n = snprintf(path, sizeof(path), EC_URLSIGN_PREFIX "%s/%s/%s/%s",
	    tenant, run_id, hex, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "download URL: too long");
	if (urlsign_mac(sig, key, method, path, (size_t)n, tenant, exp,
	    err) == -1)
		return -1;
	n = snprintf(out, EC_URLSIGN_URL_MAX, "%s?exp=%" PRId64
	    "&kid=%s&sig=%s", path, exp, key->kid, sig);
	if (n < 0 || n >= EC_URLSIGN_URL_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "download URL: too long");
	return 0;
}

/* The next '/'-terminated component after *p, within "end". */
static bool
urlsign_component(const char **c, size_t *len, const char **p,
    const char *end, char stop)
{
	const char	*e = memchr(*p, stop, (size_t)(end - *p));

	if (e == NULL)
		return false;
	*c = *p;
	*len = (size_t)(e - *p);
	*p = e + 1;
	return true;
}

/* Copy a component that fits; the caller checked its length. */
static void
urlsign_copy(char *dst, size_t size, const char *s, size_t len)
{
	(void)snprintf(dst, size, "%.*s", (int)len, s);
}

/* The path's components and the query's values, by shape only. */
static int
urlsign_split(struct ec_urlsign_target *t, size_t *path_len,
    const char **kid, size_t *kid_len, const char **sig, const char *uri,
    struct ec_err *err)
{
	static const char	 pre[] = EC_URLSIGN_PREFIX;
	const char		*p, *end, *q, *c, *e;
	size_t			 len;
	uint64_t		 exp;
	char			 num[URLSIGN_EXP_DIGITS + 1];

	if (strncmp(uri, pre, sizeof(pre) - 1) != 0 ||
	    (q = strchr(uri, '?')) == NULL)
		goto bad;
	*path_len = (size_t)(q - uri);
	p = uri + sizeof(pre) - 1;
	end = q;
	if (!urlsign_component(&c, &len, &p, end, '/') || len >
	    sizeof(t->tenant) - 1)
		goto bad;
	urlsign_copy(t->tenant, sizeof(t->tenant), c, len);
	if (!urlsign_component(&c, &len, &p, end, '/') || len >
	    sizeof(t->run_id) - 1)
		goto bad;
	urlsign_copy(t->run_id, sizeof(t->run_id), c, len);
	if (!urlsign_component(&c, &len, &p, end, '/') ||
	    !urlsign_hex_valid(c, len))
		goto bad;
	urlsign_copy(t->hex, sizeof(t->hex), c, len);
	if (!urlsign_name_valid(p, (size_t)(end - p)) ||
	    !ec_run_id_valid(t->run_id, t->tenant))
		goto bad;
	urlsign_copy(t->name, sizeof(t->name), p, (size_t)(end - p));
	/* The query: exactly exp, kid and sig, in that order. */
	if (strncmp(q, "?exp=", 5) != 0)
		goto bad;
	c = q + 5;
	if ((e = strchr(c, '&')) == NULL || e == c ||
	    e - c > URLSIGN_EXP_DIGITS || c[0] == '0')
		goto bad;
	urlsign_copy(num, sizeof(num), c, (size_t)(e - c));
	if (ec_parse_u64(&exp, num, 1, UINT64_MAX) == -1)
		goto bad;
	t->exp = (int64_t)exp;
	if (strncmp(e, "&kid=", 5) != 0)
		goto bad;
	*kid = e + 5;
	if ((e = strchr(*kid, '&')) == NULL)
		goto bad;
	*kid_len = (size_t)(e - *kid);
	if (strncmp(e, "&sig=", 5) != 0 || strlen(e + 5) !=
	    EC_URLSIGN_SIG_LEN)
		goto bad;
	*sig = e + 5;
	return 0;
bad:
	return ec_err_set(err, EC_ERR_FORBIDDEN, "malformed download URL");
}

int
ec_urlsign_verify(struct ec_urlsign_target *out, const struct ec_urlsign *k,
    const char *method, const char *uri, int64_t now, struct ec_err *err)
{
	struct ec_urlsign_target	 t;
	const struct urlsign_key	*key = NULL;
	const char			*kid = NULL, *sig = NULL;
	char				 want[EC_URLSIGN_SIG_LEN + 1];
	size_t				 kid_len = 0, path_len = 0, i;

	memset(&t, 0, sizeof(t));
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return ec_err_set(err, EC_ERR_FORBIDDEN,
		    "downloads are GET or HEAD");
	if (strlen(uri) >= EC_URLSIGN_URL_MAX)
		return ec_err_set(err, EC_ERR_FORBIDDEN,
		    "malformed download URL");
	if (urlsign_split(&t, &path_len, &kid, &kid_len, &sig, uri,
	    err) == -1)
		return -1;
	for (i = 0; i < k->nkeys; i++)
		if (strlen(k->key[i].kid) == kid_len &&
		    memcmp(k->key[i].kid, kid, kid_len) == 0)
			key = &k->key[i];
	if (key == NULL)
		return ec_err_set(err, EC_ERR_FORBIDDEN,
		    "download URL: unknown or retired key");
	if (urlsign_mac(want, key, "GET", uri, path_len, t.tenant, t.exp,
	    err) == -1)
		return -1;
	if (!memeql_sec(want, sig, EC_URLSIGN_SIG_LEN))
		return ec_err_set(err, EC_ERR_FORBIDDEN,
		    "download URL: bad signature");
	/* Only a genuine URL learns that it expired. */
	if (t.exp < now)
		return ec_err_set(err, EC_ERR_EXPIRED,
		    "download URL expired");
	*out = t;
	return 0;
}
