/* ec_dsse: DSSE v1 envelopes (signing-formats.md section 1). */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <nettle/base64.h>

#include "ec_canon.h"
#include "ec_dsse.h"
#include "ec_limits.h"
#include "ec_num.h"

/*
 * Longest payloadType we write.  It is a media type, whose type and subtype
 * are at most 127 characters each (RFC 6838 4.2).
 */
#define DSSE_MAX_TYPE_LEN	256
/* "DSSEv1", four spaces and two decimal lengths of at most 20 digits. */
#define DSSE_PAE_OVERHEAD	64
/*
 * JSON values and names read from one envelope: the object, its three
 * members and their values, and up to 8 per signature (an object with
 * keyid, sig and room for a field or two more).  Checked by a scan before
 * the tree is built; an envelope with thousands of signatures stops there.
 */
#define DSSE_MAX_NODES		(8 + 8 * EC_DSSE_MAX_SIGNATURES)
/* Characters of a hostile payloadType quoted back in an error message. */
#define DSSE_QUOTE_MAX		64

/* Drop what was appended past "mark", so a failed call changes nothing. */
static void
dsse_buf_rewind(struct ec_buf *b, size_t mark)
{
	b->len = mark;
	if (b->data != NULL)
		b->data[mark] = '\0';
}

/* PAE over a counted type, which may come from an envelope (DSSE v1.0.0). */
static int
dsse_pae_n(struct ec_buf *out, const char *type, size_t type_len,
    const void *body, size_t len, struct ec_err *err)
{
	size_t	mark = out->len, need;

	/* One reservation, not a doubling series, for a large body. */
	if (!ec_size_add(&need, type_len, len) ||
	    !ec_size_add(&need, need, DSSE_PAE_OVERHEAD))
		return ec_err_set(err, EC_ERR_TOO_LARGE, "PAE size overflows");
	if (ec_buf_reserve(out, need, err) == -1)
		return -1;
	if (ec_buf_addf(out, err, "DSSEv1 %zu ", type_len) == -1 ||
	    ec_buf_add(out, type, type_len, err) == -1 ||
	    ec_buf_addf(out, err, " %zu ", len) == -1 ||
	    ec_buf_add(out, body, len, err) == -1) {
		dsse_buf_rewind(out, mark);
		return -1;
	}
	return 0;
}

int
ec_dsse_pae(struct ec_buf *out, const char *type, const void *body,
    size_t len, struct ec_err *err)
{
	return dsse_pae_n(out, type, strlen(type), body, len, err);
}

/* Standard base64 with padding (RFC 4648 4), what the DSSE writers use. */
static int
dsse_b64_encode(struct ec_buf *out, const void *p, size_t len,
    struct ec_err *err)
{
	size_t	n;

	if (!ec_size_mul(&n, len / 3 + (len % 3 != 0), 4))
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "base64 of %zu bytes overflows", len);
	if (ec_buf_reserve(out, n, err) == -1)
		return -1;
	if (len > 0)
		base64_encode_raw(out->data + out->len, len, p);
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

static bool
dsse_is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9');
}

/*
 * Decode envelope base64 and append it to "out".  The DSSE envelope spec
 * makes verifiers accept the standard and the URL-safe alphabet (RFC 4648
 * 4 and 5) with or without padding.  Beyond that we are strict, so one
 * byte string has few spellings: one alphabet per string, '=' only at the
 * end and only as many as the length calls for, no whitespace (Nettle
 * would skip it), and zero unused bits in the last symbol (RFC 4648 3.5;
 * Nettle checks them when it sees padding, so we always hand it the
 * padding).  Bad input is EC_ERR_VERIFY; the buffer's ceiling gives
 * EC_ERR_TOO_LARGE before anything is decoded.  "out" is unchanged on
 * failure.
 */
static int
dsse_b64_decode(struct ec_buf *out, const char *s, size_t len,
    struct ec_err *err)
{
	static const char		 padding[] = "==";
	struct base64_decode_ctx	 ctx;
	size_t				 body, pad, i, n, tail, room;
	bool				 std = false, url = false;
	uint8_t				*dst;

	for (body = len; body > 0 && s[body - 1] == '='; body--)
		continue;
	pad = len - body;
	/* A lone symbol carries 6 bits, less than a byte: never valid. */
	if (body % 4 == 1 || pad > 2 || (pad != 0 && len % 4 != 0))
		return ec_err_set(err, EC_ERR_VERIFY, "bad base64 length");
	for (i = 0; i < body; i++) {
		if (dsse_is_alnum(s[i]))
			continue;
		if (s[i] == '+' || s[i] == '/')
			std = true;
		else if (s[i] == '-' || s[i] == '_')
			url = true;
		else
			return ec_err_set(err, EC_ERR_VERIFY,
			    "bad base64 character at offset %zu", i);
	}
	if (std && url)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "base64 mixes the standard and URL-safe alphabets");

	room = body / 4 * 3 + 3;
	if (ec_buf_reserve(out, room, err) == -1)
		return -1;
	if (url)
		base64url_decode_init(&ctx);
	else
		base64_decode_init(&ctx);
	dst = (uint8_t *)out->data + out->len;
	/* The padding of a full quantum: 2 after 2 symbols, 1 after 3. */
	pad = (4 - body % 4) % 4;
	if (!base64_decode_update(&ctx, &n, dst, body, s) ||
	    !base64_decode_update(&ctx, &tail, dst + n, pad, padding) ||
	    !base64_decode_final(&ctx)) {
		/* Nettle wrote over the terminating NUL; put it back. */
		dsse_buf_rewind(out, out->len);
		return ec_err_set(err, EC_ERR_VERIFY,
		    "base64 has non-zero trailing bits");
	}
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

/*
 * A payloadType we write: printable ASCII, so its JSON form needs only '"'
 * and '\' escaped and is already RFC 8785 canonical (RFC 8785 3.2.2.2).
 */
static int
dsse_type_check(const char *type, struct ec_err *err)
{
	size_t	i, len = strlen(type);

	if (len == 0 || len > DSSE_MAX_TYPE_LEN)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "payloadType: 1 to %d characters", DSSE_MAX_TYPE_LEN);
	for (i = 0; i < len; i++)
		if (type[i] < 0x20 || type[i] > 0x7e)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "payloadType: printable ASCII only");
	return 0;
}

static int
dsse_json_str(struct ec_buf *out, const char *s, struct ec_err *err)
{
	if (ec_buf_addc(out, '"', err) == -1)
		return -1;
	for (; *s != '\0'; s++)
		if (((*s == '"' || *s == '\\') &&
		    ec_buf_addc(out, '\\', err) == -1) ||
		    ec_buf_addc(out, *s, err) == -1)
			return -1;
	return ec_buf_addc(out, '"', err);
}

/*
 * Keys in RFC 8785 order (sorted by UTF-16 code units; "payload" is a
 * prefix of "payloadType" so it comes first), no whitespace.  The keyids
 * are hex and the base64 needs no escaping.
 */
int
ec_dsse_sign(struct ec_buf *out, const char *payload_type,
    const void *payload, size_t len, const struct ec_signer *const *signers,
    size_t n, struct ec_err *err)
{
	struct ec_buf	pae, sig;
	size_t		i, max, mark = out->len;
	int		rc = -1;

	if (n == 0 || signers == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "DSSE: no signers");
	for (i = 0; i < n; i++)
		if (signers[i] == NULL)
			return ec_err_set(err, EC_ERR_INTERNAL,
			    "DSSE: signer %zu is NULL", i);
	if (dsse_type_check(payload_type, err) == -1)
		return -1;
	if (!ec_size_add(&max, len, DSSE_MAX_TYPE_LEN + DSSE_PAE_OVERHEAD))
		return ec_err_set(err, EC_ERR_TOO_LARGE, "payload too large");
	ec_buf_init(&pae, max);
	ec_buf_init(&sig, EC_DSSE_MAX_SIG_BYTES);
	if (ec_dsse_pae(&pae, payload_type, payload, len, err) == -1)
		goto out;
	if (ec_buf_adds(out, "{\"payload\":\"", err) == -1 ||
	    dsse_b64_encode(out, payload, len, err) == -1 ||
	    ec_buf_adds(out, "\",\"payloadType\":", err) == -1 ||
	    dsse_json_str(out, payload_type, err) == -1 ||
	    ec_buf_adds(out, ",\"signatures\":[", err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		ec_buf_reset(&sig);
		if (ec_signer_sign(&sig, signers[i], pae.data, pae.len,
		    err) == -1 ||
		    ec_buf_adds(out, i == 0 ? "{" : ",{", err) == -1 ||
		    ec_buf_adds(out, "\"keyid\":\"", err) == -1 ||
		    ec_buf_adds(out, ec_signer_keyid(signers[i]), err) == -1 ||
		    ec_buf_adds(out, "\",\"sig\":\"", err) == -1 ||
		    dsse_b64_encode(out, sig.data, sig.len, err) == -1 ||
		    ec_buf_adds(out, "\"}", err) == -1)
			goto out;
	}
	if (ec_buf_adds(out, "]}", err) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1)
		dsse_buf_rewind(out, mark);
	ec_buf_dispose(&pae);
	ec_buf_dispose(&sig);
	return rc;
}

/*
 * A string member of an envelope object.  Absent reads as "": the DSSE
 * envelope spec lets empty fields be omitted.  Present, it must be a
 * string without U+0000.  *out borrows from "obj".
 */
static bool
dsse_get_str(struct ec_slice *out, const json_t *obj, const char *key)
{
	const json_t	*j;

	j = json_object_get(obj, key);
	if (j == NULL) {
		out->p = "";
		out->len = 0;
		return true;
	}
	/* No U+0000: every DSSE reader must see the same string. */
	if (!json_is_string(j) ||
	    strlen(json_string_value(j)) != json_string_length(j))
		return false;
	out->p = json_string_value(j);
	out->len = json_string_length(j);
	return true;
}

/*
 * Quote an untrusted string back to a client: at most DSSE_QUOTE_MAX
 * characters, anything but printable ASCII as '?', so a message cannot
 * carry control characters into a log line or a terminal.
 */
static void
dsse_quote(char *dst, size_t size, const char *s, size_t len)
{
	size_t	i, n = len < DSSE_QUOTE_MAX ? len : DSSE_QUOTE_MAX;

	if (n > size - 4)
		n = size - 4;
	for (i = 0; i < n; i++)
		dst[i] = s[i] >= 0x20 && s[i] <= 0x7e ? s[i] : '?';
	if (n < len) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
}

/*
 * The verification order is the spec's: decode, verify over PAE, then
 * reject an unsupported payloadType, then (the caller) parse the payload.
 * PAE is built from the envelope's own payloadType, so a signature made
 * for another type never verifies as this one.
 */
/*
 * The envelope's shape (DSSE protocol, "Envelope"): an object with string
 * payload and payloadType and 1 to EC_DSSE_MAX_SIGNATURES signatures.
 */
static int
dsse_parse(json_t **root_out, struct ec_slice *type, struct ec_slice *b64,
    const json_t **sigs, const char *env, size_t env_len, struct ec_err *err)
{
	json_t		*root;
	size_t		 nsig;

	if (env_len > EC_MAX_META_BYTES)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "DSSE envelope exceeds %d bytes", EC_MAX_META_BYTES);
	/*
	 * Bounded before a tree is built: a 63 MiB {"signatures":[{},...]}
	 * must cost a scan, not 5 GB of Jansson objects.  Duplicate names
	 * are refused (RFC 8259 4 leaves them to the reader; another DSSE
	 * reader that took the other "payload" would see another document).
	 */
	if ((root = ec_canon_parse_max(env, env_len, DSSE_MAX_NODES,
	    err)) == NULL) {
		if (err != NULL && err->code == EC_ERR_REQUEST_INVALID) {
			err->code = EC_ERR_VERIFY;
			(void)ec_err_prefix(err, "malformed envelope (at most "
			    "%d signatures)", EC_DSSE_MAX_SIGNATURES);
		}
		return -1;
	}
	*root_out = root;
	if (!json_is_object(root))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "malformed envelope: not a JSON object");
	if (!dsse_get_str(type, root, "payloadType") ||
	    !dsse_get_str(b64, root, "payload"))
		return ec_err_set(err, EC_ERR_VERIFY, "malformed envelope: "
		    "payload and payloadType must be strings");
	*sigs = json_object_get(root, "signatures");
	if (!json_is_array(*sigs))
		return ec_err_set(err, EC_ERR_VERIFY,
		    "malformed envelope: signatures must be an array");
	if ((nsig = json_array_size(*sigs)) == 0)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "malformed envelope: no signatures");
	if (nsig > EC_DSSE_MAX_SIGNATURES)
		return ec_err_set(err, EC_ERR_VERIFY,
		    "malformed envelope: %zu signatures, at most %d read",
		    nsig, EC_DSSE_MAX_SIGNATURES);
	return 0;
}

/*
 * Does any signature verify over "pae"?  Every member is checked for shape
 * even after one verifies, so the verdict on an envelope does not depend
 * on signature order.  The keyid is read only to check its type: it is an
 * unauthenticated hint (DSSE protocol, "keyid"), and trying every signature
 * costs at most EC_DSSE_MAX_SIGNATURES verifications.
 */
static int
dsse_try_sigs(bool *verified, const json_t *sigs, const struct ec_buf *pae,
    const struct ec_verifier *v, struct ec_err *err)
{
	const json_t	*one;
	struct ec_slice	 keyid, sig_b64;
	struct ec_buf	 sig;
	struct ec_err	 e;
	size_t		 i;
	int		 rc = -1;

	*verified = false;
	ec_buf_init(&sig, EC_DSSE_MAX_SIG_BYTES);
	for (i = 0; i < json_array_size(sigs); i++) {
		one = json_array_get(sigs, i);
		if (!json_is_object(one) ||
		    !dsse_get_str(&keyid, one, "keyid") ||
		    !dsse_get_str(&sig_b64, one, "sig")) {
			ec_err_set(err, EC_ERR_VERIFY, "malformed envelope: "
			    "signatures[%zu] must be an object of strings", i);
			goto out;
		}
		if (*verified)
			continue;
		ec_buf_reset(&sig);
		/* Not base64, or too long to be ours: it cannot verify. */
		if (dsse_b64_decode(&sig, sig_b64.p, sig_b64.len, &e) == -1) {
			if (e.code == EC_ERR_VERIFY ||
			    e.code == EC_ERR_TOO_LARGE)
				continue;
			if (err != NULL)
				*err = e;
			goto out;
		}
		if (ec_verifier_verify(v, pae->data, pae->len, sig.data,
		    sig.len, &e) == 0)
			*verified = true;
		else if (e.code != EC_ERR_VERIFY) {
			if (err != NULL)
				*err = e;
			goto out;
		}
	}
	rc = 0;
out:
	ec_buf_dispose(&sig);
	return rc;
}

int
ec_dsse_verify(struct ec_buf *payload_out, const char *env, size_t env_len,
    const char *want_type, const struct ec_verifier *v, struct ec_err *err)
{
	json_t		*root = NULL;
	const json_t	*sigs = NULL;	/* borrowed from root */
	struct ec_slice	 type = { NULL, 0 }, b64 = { NULL, 0 };
	struct ec_buf	 payload, pae;
	char		 quoted[DSSE_QUOTE_MAX + 4];
	bool		 verified;
	int		 rc = -1;

	/* Decoded base64 is shorter than its text, which is in "env". */
	ec_buf_init(&payload, env_len + 4);
	ec_buf_init(&pae, 0);
	if (dsse_parse(&root, &type, &b64, &sigs, env, env_len, err) == -1)
		goto out;
	if (dsse_b64_decode(&payload, b64.p, b64.len, err) == -1) {
		if (err != NULL && err->code == EC_ERR_VERIFY)
			ec_err_prefix(err, "malformed envelope: payload");
		goto out;
	}
	ec_buf_init(&pae, type.len + payload.len + DSSE_PAE_OVERHEAD);
	if (dsse_pae_n(&pae, type.p, type.len, payload.data, payload.len,
	    err) == -1 || dsse_try_sigs(&verified, sigs, &pae, v, err) == -1)
		goto out;
	if (!verified) {
		ec_err_set(err, EC_ERR_VERIFY,
		    "no signature by key %s verifies", ec_verifier_keyid(v));
		goto out;
	}
	if (type.len != strlen(want_type) ||
	    memcmp(type.p, want_type, type.len) != 0) {
		dsse_quote(quoted, sizeof(quoted), type.p, type.len);
		ec_err_set(err, EC_ERR_VERIFY, "payloadType is %s, want %s",
		    quoted, want_type);
		goto out;
	}
	if (ec_buf_add(payload_out, payload.data, payload.len, err) == -1)
		goto out;
	rc = 0;
out:
	json_decref(root);
	ec_buf_dispose(&payload);
	ec_buf_dispose(&pae);
	return rc;
}
