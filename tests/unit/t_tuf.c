/*
 * tests/unit/t_tuf.c: TUF's canonical JSON against securesystemslib's
 * output, the key id of RFC 8032's first test key as securesystemslib
 * computes it, signatures over the canonical "signed", and the checks of
 * ec_tuf_write().  The expected strings were made with securesystemslib
 * 0.26 (encode_canonical, hashlib.sha256), an implementation not ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_tuf.h"

/* RFC 8032 7.1, TEST 1, as unencrypted PKCS#8. */
static const char	rfc8032_key[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";
static const char	rfc8032_keyid[] =
    "74c181c7ad8a0855d4b55e44d2ba87aabdddb196832571f15f92fece332e4916";

static void
canon_is(const char *in, const char *want, const char *what)
{
	struct ec_buf	 out;
	struct ec_err	 err;
	json_error_t	 jerr;
	json_t		*v;

	ec_buf_init(&out, 4096);
	if ((v = json_loads(in, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr)) == NULL)
		abort();
	if (ec_tuf_canon(&out, v, &err) == -1)
		ok(want == NULL && out.len == 0, "%s: %s", what, err.msg);
	else
		ok(want != NULL && strcmp(out.data, want) == 0, "%s: %s", what,
		    out.data);
	json_decref(v);
	ec_buf_dispose(&out);
}

static void
test_canon(void)
{
	char	deep[200];
	int	i;

	canon_is("{\"z\":[1,-2,true,false,null,{\"y\":\"a\\\"b\\\\c/d\"}],"
	    "\"a\":{\"_type\":\"x\",\"B\":0},\"A\":\"~ !\"}",
	    "{\"A\":\"~ !\",\"a\":{\"B\":0,\"_type\":\"x\"},\"z\":[1,-2,true,"
	    "false,null,{\"y\":\"a\\\"b\\\\c/d\"}]}",
	    "securesystemslib's encode_canonical output");
	canon_is("1.5", NULL, "floats are refused");
	canon_is("\"a\\u0001b\"", NULL, "control characters are refused");
	canon_is("\"\\u00e9\"", NULL, "non-ASCII is refused");
	canon_is("\"a\\u0000b\"", NULL, "NUL inside a string is refused");
	for (i = 0; i < 33; i++)
		deep[i] = '[';
	for (i = 33; i < 66; i++)
		deep[i] = ']';
	deep[66] = '\0';
	canon_is(deep, NULL, "33 levels are refused");
	deep[32] = ']';
	deep[33] = '\0';
	memset(deep, '[', 16);
	memset(deep + 16, ']', 16);
	deep[32] = '\0';
	canon_is(deep, "[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]", "16 levels");
}

static int
load_signer(struct ec_signer **out, const char *dir)
{
	struct ec_err	 err;
	char		 path[256];
	FILE		*f;

	(void)snprintf(path, sizeof(path), "%s/rfc8032.pem", dir);
	if ((f = fopen(path, "w")) == NULL || fputs(rfc8032_key, f) < 0 ||
	    fclose(f) != 0)
		abort();
	return ec_signer_load(out, path, &err);
}

static void
test_sign(const struct ec_signer *s)
{
	struct ec_verifier	*v;
	struct ec_buf		 out, pem, canon;
	struct ec_err		 err;
	json_t			*key, *doc, *signed_;
	json_error_t		 jerr;
	uint8_t			 sig[64];
	char			 keyid[EC_TUF_KEYID_SIZE];
	const char		*hex;

	ok(ec_tuf_key(&key, keyid, s, &err) == 0 &&
	    strcmp(keyid, rfc8032_keyid) == 0,
	    "key id of RFC 8032's test key is securesystemslib's: %s", keyid);
	ok(strcmp(json_string_value(json_object_get(json_object_get(key,
	    "keyval"), "public")), "d75a980182b10ab7d54bfed3c964073a0ee172f3"
	    "daa62325af021a68f707511a") == 0, "keyval.public is the raw key");
	json_decref(key);

	ec_buf_init(&out, 65536);
	ec_buf_init(&pem, 4096);
	ec_buf_init(&canon, 65536);
	signed_ = json_pack("{s:s, s:i}", "_type", "targets", "version", 1);
	if (ec_tuf_sign(&out, signed_, &s, 1, &err) == -1 ||
	    (doc = json_loads(out.data, 0, &jerr)) == NULL ||
	    ec_signer_pubkey_pem(&pem, s, &err) == -1 ||
	    ec_verifier_load_mem(&v, pem.data, pem.len, &err) == -1 ||
	    ec_tuf_canon(&canon, signed_, &err) == -1)
		abort();
	hex = json_string_value(json_object_get(json_array_get(
	    json_object_get(doc, "signatures"), 0), "sig"));
	ok(strncmp(out.data, "{\"signatures\":[{\"keyid\":\"74c181c7", 32) == 0,
	    "metadata file in canonical form: %.60s...", out.data);
	ok(hex != NULL && ec_hex_decode(sig, 64, hex, strlen(hex)) == 0 &&
	    ec_verifier_verify(v, canon.data, canon.len, sig, 64, &err) == 0,
	    "the hex signature verifies over the canonical \"signed\"");
	json_decref(doc);
	json_decref(signed_);
	ec_verifier_free(v);
	ec_buf_dispose(&out);
	ec_buf_dispose(&pem);
	ec_buf_dispose(&canon);
}

/* The number of signatures in a metadata file, or -1. */
static int
root_signatures(const char *path)
{
	json_error_t	 jerr;
	json_t		*doc = json_load_file(path, 0, &jerr);
	int		 n;

	if (doc == NULL)
		return -1;
	n = (int)json_array_size(json_object_get(doc, "signatures"));
	json_decref(doc);
	return n;
}

static void
test_write(const struct ec_signer *s, const char *dir)
{
	const struct ec_signer	*keys[1] = { s };
	struct ec_tuf_repo	 r;
	struct ec_err		 err;
	char			 meta[256], path[300];
	int			 role;

	memset(&r, 0, sizeof(r));
	for (role = 0; role < EC_TUF_ROLES; role++) {
		r.keys[role] = keys;
		r.n_keys[role] = 1;
		r.threshold[role] = 1;
		r.expires[role] = 4102444800;	/* 2100-01-01 */
	}
	r.root_version = r.version = 1;
	(void)snprintf(meta, sizeof(meta), "%s/metadata", dir);
	ok(ec_tuf_write(meta, &r, &err) == 0, "a repository without targets");
	ok(ec_tuf_write(meta, &r, &err) == -1 && err.code == EC_ERR_CONFLICT,
	    "version 1 again: %s", err.msg);
	r.version = 2;
	ok(ec_tuf_write(meta, &r, &err) == 0,
	    "version 2 keeps the identical root");
	r.version = 3;
	r.threshold[EC_TUF_SNAPSHOT] = 2;
	ok(ec_tuf_write(meta, &r, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID,
	    "a threshold above the keys: %s", err.msg);
	r.threshold[EC_TUF_SNAPSHOT] = 1;
	r.version = 0;
	ok(ec_tuf_write(meta, &r, &err) == -1, "version 0: %s", err.msg);
	r.version = 3;
	r.root_version = 2;
	r.old_root_keys = keys;
	r.n_old_root_keys = 1;
	(void)snprintf(path, sizeof(path), "%s/2.root.json", meta);
	ok(ec_tuf_write(meta, &r, &err) == 0 && root_signatures(path) == 1,
	    "an old root key that is also a new one signs once");
	(void)unlink(path);
	r.root_version = 1;
	(void)snprintf(path, sizeof(path), "%s/1.root.json", meta);
	(void)unlink(path);
	(void)snprintf(path, sizeof(path), "%s/timestamp.json", meta);
	(void)unlink(path);
	for (role = 1; role <= 3; role++) {
		(void)snprintf(path, sizeof(path), "%s/%d.targets.json", meta,
		    role);
		(void)unlink(path);
		(void)snprintf(path, sizeof(path), "%s/%d.snapshot.json", meta,
		    role);
		(void)unlink(path);
	}
	ok(rmdir(meta) == 0, "nothing else was written");
}

int
main(void)
{
	struct ec_signer	*s;
	char			 dir[64], path[128];

	test_canon();
	/* mkdtemp(3) replaces a trailing run of six 'X'. */
	(void)snprintf(dir, sizeof(dir), "/tmp/t_tuf.");
	memset(dir + strlen(dir), 'X', 6);
	dir[strlen("/tmp/t_tuf.") + 6] = '\0';
	if (mkdtemp(dir) == NULL || load_signer(&s, dir) == -1)
		abort();
	test_sign(s);
	test_write(s, dir);
	ec_signer_free(s);
	(void)snprintf(path, sizeof(path), "%s/rfc8032.pem", dir);
	(void)unlink(path);
	(void)rmdir(dir);
	return done_testing();
}
