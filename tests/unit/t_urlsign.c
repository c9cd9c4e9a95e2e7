/*
 * tests/unit/t_urlsign.c: signed download URLs.  The MACs are checked
 * against Python's hmac module (/usr/bin/python3, run here on the same
 * canonical string), every field of a URL is tampered with, and keys
 * rotate: the previous key verifies, only the current one signs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_urlsign.h"

#define K1	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
#define K2	"ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKiw"
#define HEX	"abababababababababababababababab" \
		"abababababababababababababababab"
#define RUN	"export-run::t1::2026-12-01::0001"
#define PATH	"/downloads/t1/" RUN "/" HEX "/bundle.tar.zst"

static struct ec_urlsign *
keys(const char *text)
{
	struct ec_urlsign	*k = NULL;
	struct ec_err		 err;

	if (ec_urlsign_parse(&k, text, strlen(text), &err) == -1)
		return NULL;
	return k;
}

/* base64url HMAC-SHA256 of the canonical string, by Python. */
static void
python_mac(char *out, size_t size, const char *secret, const char *path,
    const char *tenant, long long exp, const char *kid)
{
	char	 cmd[2048];
	FILE	*p;

	(void)snprintf(cmd, sizeof(cmd), "/usr/bin/python3 -c 'import base64,"
	    "hmac,hashlib,sys; k=base64.urlsafe_b64decode(sys.argv[1]+\"==\");"
	    " s=\"EC-DOWNLOAD-1\\nGET\\n%%s\\n%%s\\n%%s\\n%%s\" %% tuple("
	    "sys.argv[2:6]); print(base64.urlsafe_b64encode(hmac.new(k,"
	    "s.encode(),hashlib.sha256).digest()).rstrip(b\"=\").decode())'"
	    " %s '%s' %s %lld %s", secret, path, tenant, exp, kid);
	out[0] = '\0';
	if ((p = popen(cmd, "r")) == NULL)
		return;
	if (fgets(out, (int)size, p) != NULL)
		out[strcspn(out, "\n")] = '\0';
	(void)pclose(p);
}

/* code: EC_OK for a URL that must verify. */
static void
verify_is(const struct ec_urlsign *k, const char *method, const char *uri,
    long long now, enum ec_code code, const char *what)
{
	struct ec_urlsign_target	t;
	struct ec_err			err;

	if (ec_urlsign_verify(&t, k, method, uri, now, &err) == 0)
		ok(code == EC_OK, "%s: verified", what);
	else
		ok(err.code == code, "%s: %s (%s)", what, ec_err_name(err.code),
		    err.msg);
}

static void
test_parse(void)
{
	static const char *const bad[] = {
		"", "# only a comment\n", "previous k1 " K1 "\n",
		"current k1 " K1 "\ncurrent k2 " K2 "\n",
		"current k1 " K1 "\nprevious k1 " K2 "\n",
		"current k1 " K1 "=\n", "current k1 AAEC\n",
		"current k1  " K1 "\n", "current k1 " K1 " x\n",
		"current k/1 " K1 "\n", "next k1 " K1 "\n",
		"current k1 " K1 K1 K1 "\n", " current k1 " K1 "\n",
		"current " "k123456789012345678901234567890123 " K1 "\n",
	};
	struct ec_urlsign	*k;
	struct ec_err		 err;
	char			 big[EC_URLSIGN_FILE_MAX + 2];
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		k = NULL;
		ok(ec_urlsign_parse(&k, bad[i], strlen(bad[i]), &err) == -1 &&
		    err.code == EC_ERR_REQUEST_INVALID && k == NULL,
		    "key file %zu refused: %s", i, err.msg);
	}
	ok(ec_urlsign_parse(&k, "current k1 " K1 "\0", 56, &err) == -1,
	    "a NUL is refused");
	memset(big, '#', sizeof(big));
	ok(ec_urlsign_parse(&k, big, sizeof(big), &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE, "past %d bytes: too large",
	    EC_URLSIGN_FILE_MAX);
	k = keys("# rotation\ncurrent k2 " K2 "\n\nprevious k1 " K1);
	ok(k != NULL, "current and previous, comments, no final newline");
	ec_urlsign_free(k);
}

static void
test_sign(void)
{
	struct ec_urlsign	*k = keys("current k1 " K1 "\n");
	struct ec_err		 err;
	char			 url[EC_URLSIGN_URL_MAX], want[128];
	char			 expect[EC_URLSIGN_URL_MAX];

	memset(&err, 0, sizeof(err));
	url[0] = '\0';
	if (k == NULL) {
		ok(0, "key file parses");
		return;
	}
	ok(ec_urlsign_sign(url, k, "GET", "t1", RUN, HEX, "bundle.tar.zst",
	    1700000000, &err) == 0, "sign: %s", err.msg);
	/* Computed once with Python's hmac, and again below at run time. */
	ok(strcmp(url, PATH "?exp=1700000000&kid=k1&sig="
	    "noPLCNKmkWkbvGvrnamYrwFs0seVCaWXcNPwa7t8qlw") == 0,
	    "known answer: %s", url);
	python_mac(want, sizeof(want), K1, PATH, "t1", 1700000000, "k1");
	(void)snprintf(expect, sizeof(expect), PATH "?exp=1700000000&kid=k1"
	    "&sig=%s", want);
	ok(strcmp(url, expect) == 0, "python3 hmac agrees: %s", want);
	ok(ec_urlsign_sign(url, k, "GET", "t1", RUN, HEX, "manifest.json",
	    4102444800LL, &err) == 0, "sign another name and expiry");
	python_mac(want, sizeof(want), K1, "/downloads/t1/" RUN "/" HEX
	    "/manifest.json", "t1", 4102444800LL, "k1");
	ok(strstr(url, want) != NULL && strlen(want) == EC_URLSIGN_SIG_LEN,
	    "python3 hmac agrees on a second vector");
	ok(ec_urlsign_sign(url, k, "GET", "t2", RUN, HEX, "a", 1, &err) == -1,
	    "a run of another tenant is not signed");
	ok(ec_urlsign_sign(url, k, "GET", "t1", RUN, HEX, "../a", 1,
	    &err) == -1, "a name with '/' is not signed");
	ok(ec_urlsign_sign(url, k, "GET", "t1", RUN, "ABAB", "a", 1,
	    &err) == -1, "a short digest is not signed");
	ok(ec_urlsign_sign(url, k, "PUT", "t1", RUN, HEX, "a", 1,
	    &err) == -1, "only GET is signed");
	ec_urlsign_free(k);
}

static void
test_tamper(void)
{
	struct ec_urlsign	*k = keys("current k1 " K1 "\n");
	struct ec_err		 err;
	char			 url[EC_URLSIGN_URL_MAX];
	char			 t[EC_URLSIGN_URL_MAX];
	char			*sig;

	if (k == NULL || ec_urlsign_sign(url, k, "GET", "t1", RUN, HEX,
	    "bundle.tar.zst", 2000000000, &err) == -1) {
		ok(0, "sign");
		return;
	}
	verify_is(k, "GET", url, 1900000000, EC_OK, "genuine");
	verify_is(k, "HEAD", url, 1900000000, EC_OK, "HEAD as GET");
	verify_is(k, "GET", url, 2000000000, EC_OK, "at the expiry second");
	verify_is(k, "GET", url, 2000000001, EC_ERR_EXPIRED, "expired");
	verify_is(k, "POST", url, 1, EC_ERR_FORBIDDEN, "POST");
	sig = strstr(url, "&sig=") + 5;
	(void)snprintf(t, sizeof(t), "%.*s%c%s", (int)(sig - url), url,
	    sig[0] == 'A' ? 'B' : 'A', sig + 1);
	verify_is(k, "GET", t, 1, EC_ERR_FORBIDDEN, "signature");
	(void)snprintf(t, sizeof(t), "%s", url);
	t[strlen(t) - 1] = '\0';
	verify_is(k, "GET", t, 1, EC_ERR_FORBIDDEN, "signature cut short");
#define TAMPER(from, to, what) do {					\
	const char *p_ = strstr(url, from);				\
	(void)snprintf(t, sizeof(t), "%.*s%s%s", (int)(p_ - url), url,	\
	    to, p_ + strlen(from));					\
	verify_is(k, "GET", t, 1, EC_ERR_FORBIDDEN, what);		\
} while (0)
	TAMPER("/t1/", "/t2/", "tenant");
	TAMPER("::0001", "::0002", "run id");
	TAMPER("abab/", "abac/", "digest");
	TAMPER("bundle.tar.zst", "bundle.tar.zsT", "file name");
	TAMPER("exp=2000000000", "exp=2000000001", "expiry");
	TAMPER("exp=2000000000", "exp=1000000000", "expiry into the past");
	TAMPER("exp=2000000000", "exp=02000000000", "expiry with a zero");
	TAMPER("kid=k1", "kid=k2", "unknown kid");
	TAMPER("/downloads/", "/downloads//", "double slash");
	TAMPER("/bundle", "/%62undle", "percent-encoded name");
	TAMPER("/bundle", "/../bundle", "dot dot");
	TAMPER("?exp", "%00?exp", "NUL");
	TAMPER("?exp", "?x=1&exp", "extra query member");
	TAMPER("&kid=k1", "", "no kid");
	ec_urlsign_free(k);
}

static void
test_rotation(void)
{
	struct ec_urlsign	*old = keys("current k1 " K1 "\n");
	struct ec_urlsign	*both = keys("current k2 " K2 "\nprevious k1 "
	    K1 "\n");
	struct ec_urlsign	*new = keys("current k2 " K2 "\n");
	struct ec_err		 err;
	char			 u1[EC_URLSIGN_URL_MAX];
	char			 u2[EC_URLSIGN_URL_MAX];

	if (old == NULL || both == NULL || new == NULL ||
	    ec_urlsign_sign(u1, old, "GET", "t1", RUN, HEX, "a", 5,
	    &err) == -1 || ec_urlsign_sign(u2, both, "GET", "t1", RUN, HEX,
	    "a", 5, &err) == -1) {
		ok(0, "keys and signatures");
		goto out;
	}
	ok(strstr(u2, "kid=k2") != NULL, "the current key signs");
	verify_is(both, "GET", u1, 1, EC_OK, "the previous key still verifies");
	verify_is(both, "GET", u2, 1, EC_OK, "the current key verifies");
	verify_is(new, "GET", u1, 1, EC_ERR_FORBIDDEN,
	    "a removed key no longer verifies");
	verify_is(old, "GET", u2, 1, EC_ERR_FORBIDDEN,
	    "the new key is unknown to the old file");
out:
	ec_urlsign_free(old);
	ec_urlsign_free(both);
	ec_urlsign_free(new);
}

int
main(void)
{
	char	name[EC_URLSIGN_NAME_MAX + 1];

	test_parse();
	test_sign();
	test_tamper();
	test_rotation();
	ec_urlsign_file_name(name, "oci/blobs/sha256/x y.json");
	ok(strcmp(name, "x_y.json") == 0, "file name: last component, '_'");
	ec_urlsign_file_name(name, "dir/.hidden");
	ok(strcmp(name, "_hidden") == 0, "file name: no leading dot");
	ec_urlsign_file_name(name, "dir/");
	ok(strcmp(name, "download") == 0, "file name: empty is download");
	return done_testing();
}
