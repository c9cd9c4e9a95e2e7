/*
 * ec_keyring: the keyring file (format in ec_keyring.h), reference syntax
 * and resolution of references to signers and age recipients.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <jansson.h>

#include "ec_file.h"
#include "ec_jose.h"
#include "ec_keyring.h"
#include "ec_limits.h"

/* How much of a reference a message quotes. */
#define KR_QUOTE	120
/* Longest pinEnv variable name. */
#define KR_MAX_ENV	128

enum kr_kind {
	KR_KEY_FILE,	/* signingKey */
	KR_PKCS11,	/* pkcs11 (+ pinSource | pinEnv) */
	KR_AGE		/* recipients (+ identity) */
};

struct kr_entry {
	char		*tenant;	/* owned */
	char		*ref;		/* owned */
	enum kr_kind	 kind;
	char		*path;		/* owned: key or recipients file */
	char		*uri;		/* owned: PKCS#11 URI */
	char		*pin_file;	/* owned; NULL without one */
	char		*pin_env;	/* owned; NULL without one */
	char		*identity;	/* owned; NULL without one */
};

struct ec_keyring {
	struct kr_entry	*e;		/* owned */
	size_t		 n;
};

/* RFC 7512 2.3 path attribute names; "x-" names are vendor ones. */
static const char *const kr_p11_attrs[] = {
	"id", "library-description", "library-manufacturer",
	"library-version", "manufacturer", "model", "object", "serial",
	"slot-description", "slot-id", "slot-manufacturer", "token", "type"
};

static const char *const kr_schemes[] = { "k8s://", "kms://", "file://" };

/* RFC 7512 pk11-pchar less pct-encoded: unreserved and pk11-res-avail. */
static bool
kr_p11_pchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr("-._~:[]@!$'()*+,=", c) != NULL;
}

static bool
kr_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* One "name=value" attribute of "len" bytes at "a"; seen[] marks names. */
static int
kr_p11_attr(const char *a, size_t len, bool seen[], struct ec_err *err)
{
	const char	*eq;
	size_t		 nlen, i;

	if ((eq = memchr(a, '=', len)) == NULL || eq == a || eq + 1 == a + len)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "a PKCS#11 URI attribute is not name=value");
	nlen = (size_t)(eq - a);
	for (i = 0; i < sizeof(kr_p11_attrs) / sizeof(kr_p11_attrs[0]); i++)
		if (strlen(kr_p11_attrs[i]) == nlen &&
		    memcmp(kr_p11_attrs[i], a, nlen) == 0)
			break;
	if (i == sizeof(kr_p11_attrs) / sizeof(kr_p11_attrs[0]) &&
	    !(nlen > 2 && memcmp(a, "x-", 2) == 0))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "unknown PKCS#11 URI attribute \"%.*s\"",
		    (int)(nlen > 64 ? 64 : nlen), a);
	if (i < sizeof(kr_p11_attrs) / sizeof(kr_p11_attrs[0])) {
		if (seen[i])
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "PKCS#11 URI attribute \"%s\" given twice",
			    kr_p11_attrs[i]);
		seen[i] = true;
	}
	for (i = nlen + 1; i < len; i++) {
		if (a[i] == '%') {
			if (i + 2 >= len || !kr_hex(a[i + 1]) ||
			    !kr_hex(a[i + 2]))
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "bad percent-encoding in PKCS#11 URI");
			i += 2;
		} else if (!kr_p11_pchar((unsigned char)a[i]))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "character 0x%02x not allowed in a PKCS#11 URI "
			    "attribute value", (unsigned char)a[i]);
	}
	return 0;
}

/* RFC 7512 "pkcs11:" pk11-path, without a query. */
static int
kr_p11_check(const char *uri, struct ec_err *err)
{
	bool		 seen[sizeof(kr_p11_attrs) / sizeof(kr_p11_attrs[0])];
	const char	*p = uri + 7, *semi;
	size_t		 len;

	memset(seen, 0, sizeof(seen));
	if (strchr(p, '?') != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "a PKCS#11 URI here takes no query (\"?...\"); the PIN "
		    "goes in the keyring's pinSource or pinEnv");
	if (*p == '\0')
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "a PKCS#11 URI must name its object (\"pkcs11:\" alone)");
	for (;;) {
		semi = strchr(p, ';');
		len = semi != NULL ? (size_t)(semi - p) : strlen(p);
		if (kr_p11_attr(p, len, seen, err) == -1)
			return -1;
		if (semi == NULL)
			return 0;
		p = semi + 1;
	}
}

int
ec_keyring_ref_check(const char *ref, struct ec_err *err)
{
	size_t	i, len;

	len = strlen(ref);
	if (len == 0 || len > EC_KEYRING_MAX_REF)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key reference must be 1 to %d bytes", EC_KEYRING_MAX_REF);
	for (i = 0; i < len; i++)
		if ((unsigned char)ref[i] <= 0x20 ||
		    (unsigned char)ref[i] >= 0x7f)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "key reference holds a space or a byte that is "
			    "not printable ASCII");
	if (strncmp(ref, "pkcs11:", 7) == 0) {
		if (kr_p11_check(ref, err) == -1)
			return ec_err_prefix(err, "key reference");
		return 0;
	}
	for (i = 0; i < sizeof(kr_schemes) / sizeof(kr_schemes[0]); i++)
		if (strncmp(ref, kr_schemes[i], strlen(kr_schemes[i])) == 0 &&
		    len > strlen(kr_schemes[i]))
			return 0;
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "key reference \"%.*s\" is not k8s://..., kms://..., file://... "
	    "or pkcs11:...", KR_QUOTE, strchr(ref, '?') != NULL ? "" : ref);
}

/* Tenant names: [A-Za-z0-9._-], 1 to EC_MAX_TENANT_LEN characters. */
static bool
kr_tenant_ok(const char *t)
{
	size_t	len = strlen(t);

	if (len == 0 || len > EC_MAX_TENANT_LEN)
		return false;
	return strspn(t, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") == len;
}

static bool
kr_env_ok(const char *v)
{
	size_t	len = strlen(v);

	return len > 0 && len <= KR_MAX_ENV && !(v[0] >= '0' && v[0] <= '9') &&
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") == len;
}

/* "dir/rel", or "rel" when absolute; *out is the caller's. */
static int
kr_path(char **out, const char *dir, const json_t *v, const char *field,
    struct ec_err *err)
{
	const char	*rel;
	size_t		 len;

	if (!json_is_string(v) || (rel = json_string_value(v))[0] == '\0' ||
	    strlen(rel) != json_string_length(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s must be a non-empty path", field);
	len = rel[0] == '/' ? strlen(rel) : strlen(dir) + 1 + strlen(rel);
	if (len >= PATH_MAX)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s is longer than %d bytes", field, PATH_MAX - 1);
	if ((*out = malloc(len + 1)) == NULL)
		return ec_err_nomem(err);
	if (rel[0] == '/')
		memcpy(*out, rel, len + 1);
	else
		(void)snprintf(*out, len + 1, "%s/%s", dir, rel);
	return 0;
}

static void
kr_entry_dispose(struct kr_entry *e)
{
	free(e->tenant);
	free(e->ref);
	free(e->path);
	free(e->uri);
	free(e->pin_file);
	free(e->pin_env);
	free(e->identity);
	memset(e, 0, sizeof(*e));
}

/* Each field an entry may have, and what it sets. */
static int
kr_entry_field(struct kr_entry *e, const char *k, const json_t *v,
    const char *dir, struct ec_err *err)
{
	if (strcmp(k, "signingKey") == 0 || strcmp(k, "recipients") == 0) {
		/* Both fill e->path; kr_entry_kind would say so too late. */
		if (e->path != NULL)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "want exactly one of signingKey, pkcs11 and "
			    "recipients");
		return kr_path(&e->path, dir, v, k, err);
	}
	if (strcmp(k, "identity") == 0)
		return kr_path(&e->identity, dir, v, k, err);
	if (strcmp(k, "pinSource") == 0)
		return kr_path(&e->pin_file, dir, v, k, err);
	if (strcmp(k, "pinEnv") == 0) {
		if (!json_is_string(v) || !kr_env_ok(json_string_value(v)))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "pinEnv must be an environment variable name");
		if ((e->pin_env = strdup(json_string_value(v))) == NULL)
			return ec_err_nomem(err);
		return 0;
	}
	if (strcmp(k, "pkcs11") == 0) {
		if (!json_is_string(v) ||
		    strncmp(json_string_value(v), "pkcs11:", 7) != 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "pkcs11 must be a \"pkcs11:\" URI");
		if (strlen(json_string_value(v)) != json_string_length(v))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "pkcs11 holds a NUL byte");
		if (ec_keyring_ref_check(json_string_value(v), err) == -1)
			return ec_err_prefix(err, "pkcs11");
		if ((e->uri = strdup(json_string_value(v))) == NULL)
			return ec_err_nomem(err);
		return 0;
	}
	return ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "unknown field \"%.64s\"", k);
}

/* Exactly one key source, and only the fields that go with it. */
static int
kr_entry_kind(struct kr_entry *e, const json_t *v, struct ec_err *err)
{
	int	sources;

	sources = (json_object_get(v, "signingKey") != NULL) +
	    (json_object_get(v, "recipients") != NULL) + (e->uri != NULL);
	if (sources != 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "want exactly one of signingKey, pkcs11 and recipients");
	if (e->uri != NULL)
		e->kind = KR_PKCS11;
	else if (json_object_get(v, "signingKey") != NULL)
		e->kind = KR_KEY_FILE;
	else
		e->kind = KR_AGE;
	if (e->kind != KR_PKCS11 && (e->pin_file != NULL || e->pin_env != NULL))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "pinSource and pinEnv go with pkcs11 only");
	if (e->pin_file != NULL && e->pin_env != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "give pinSource or pinEnv, not both");
	if (e->kind != KR_AGE && e->identity != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "identity goes with recipients only");
	return 0;
}

static int
kr_entry_parse(struct kr_entry *e, const char *tenant, const char *ref,
    const json_t *v, const char *dir, struct ec_err *err)
{
	const char	*k;
	json_t		*c;

	if (ec_keyring_ref_check(ref, err) == -1)
		return -1;
	if ((e->tenant = strdup(tenant)) == NULL ||
	    (e->ref = strdup(ref)) == NULL)
		return ec_err_nomem(err);
	if (!json_is_object(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "entry must be an object");
	json_object_foreach((json_t *)(uintptr_t)v, k, c)
		if (kr_entry_field(e, k, c, dir, err) == -1)
			return -1;
	return kr_entry_kind(e, v, err);
}

static int
kr_tenant_parse(struct ec_keyring *kr, const char *tenant, const json_t *v,
    const char *dir, struct ec_err *err)
{
	const char	*ref;
	json_t		*c;

	if (!kr_tenant_ok(tenant))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "bad tenant name \"%.64s\"", tenant);
	if (!json_is_object(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "tenant %s: want an object of references", tenant);
	json_object_foreach((json_t *)(uintptr_t)v, ref, c) {
		if (kr_entry_parse(&kr->e[kr->n++], tenant, ref, c, dir,
		    err) == -1)
			return ec_err_prefix(err, "tenant %s, reference "
			    "\"%.*s\"", tenant, KR_QUOTE,
			    strchr(ref, '?') != NULL ? "(withheld)" : ref);
	}
	return 0;
}

static int
kr_doc_parse(struct ec_keyring *kr, const json_t *doc, const char *dir,
    struct ec_err *err)
{
	const char	*k;
	json_t		*c, *tenants;
	size_t		 max = 0;

	if (!json_is_object(doc))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "the keyring must be a JSON object");
	json_object_foreach((json_t *)(uintptr_t)doc, k, c)
		if (strcmp(k, "version") != 0 && strcmp(k, "tenants") != 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "unknown field \"%.64s\"", k);
	c = json_object_get(doc, "version");
	if (!json_is_integer(c) || json_integer_value(c) != 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "version must be 1");
	tenants = json_object_get(doc, "tenants");
	if (!json_is_object(tenants))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "tenants must be an object");
	json_object_foreach(tenants, k, c)
		max += json_is_object(c) ? json_object_size(c) : 0;
	if ((kr->e = calloc(max + 1, sizeof(*kr->e))) == NULL)
		return ec_err_nomem(err);
	json_object_foreach(tenants, k, c)
		if (kr_tenant_parse(kr, k, c, dir, err) == -1)
			return -1;
	return 0;
}

int
ec_keyring_parse(struct ec_keyring **out, const char *json, size_t len,
    const char *dir, struct ec_err *err)
{
	struct ec_keyring	*kr;
	json_error_t		 jerr;
	json_t			*doc;
	int			 rc = -1;

	if (len > EC_KEYRING_MAX_BYTES)
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "keyring exceeds %d bytes", EC_KEYRING_MAX_BYTES);
	if ((doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "keyring: line %d: %s", jerr.line, jerr.text);
	if (ec_jose_count_nodes(doc, EC_KEYRING_MAX_NODES) >
	    EC_KEYRING_MAX_NODES) {
		json_decref(doc);
		return ec_err_set(err, EC_ERR_TOO_LARGE,
		    "keyring has more than %d JSON values",
		    EC_KEYRING_MAX_NODES);
	}
	if ((kr = calloc(1, sizeof(*kr))) == NULL) {
		json_decref(doc);
		return ec_err_nomem(err);
	}
	if (kr_doc_parse(kr, doc, dir, err) == -1) {
		ec_err_prefix(err, "keyring");
		goto out;
	}
	*out = kr;
	kr = NULL;
	rc = 0;
out:
	ec_keyring_free(kr);
	json_decref(doc);
	return rc;
}

int
ec_keyring_open(struct ec_keyring **out, const char *path, struct ec_err *err)
{
	uint8_t	*data = NULL;
	size_t	 len = 0;
	char	*dir, *slash;
	int	 rc;

	if (ec_file_read_small(&data, &len, path, EC_KEYRING_MAX_BYTES,
	    err) == -1)
		return -1;
	if ((dir = strdup(path)) == NULL) {
		free(data);
		return ec_err_nomem(err);
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		memcpy(dir, ".", 2);
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	rc = ec_keyring_parse(out, (const char *)data, len, dir, err);
	if (rc == -1)
		ec_err_prefix(err, "%s", path);
	free(dir);
	free(data);
	return rc;
}

void
ec_keyring_free(struct ec_keyring *kr)
{
	size_t	i;

	if (kr == NULL)
		return;
	for (i = 0; i < kr->n; i++)
		kr_entry_dispose(&kr->e[i]);
	free(kr->e);
	free(kr);
}

/*
 * The entry for (tenant, ref), or NULL with the one message for unknown
 * and foreign references alike.  "ref" was checked, so quoting is safe.
 */
static const struct kr_entry *
kr_find(const struct ec_keyring *kr, const char *tenant, const char *ref,
    struct ec_err *err)
{
	size_t	i;

	if (ec_keyring_ref_check(ref, err) == -1)
		return NULL;
	for (i = 0; i < kr->n; i++)
		if (strcmp(kr->e[i].tenant, tenant) == 0 &&
		    strcmp(kr->e[i].ref, ref) == 0)
			return &kr->e[i];
	ec_err_set(err, EC_ERR_REQUEST_INVALID,
	    "unknown key reference \"%.*s\" for tenant %.64s", KR_QUOTE, ref,
	    tenant);
	return NULL;
}

/*
 * A file the keyring names must be a regular file; one holding a secret
 * must not be open to "other" either (chmod o-rwx), as ssh insists.
 */
static int
kr_file_check(const char *path, bool secret, struct ec_err *err)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return ec_err_set(err, errno == ENOENT ?
		    EC_ERR_REQUEST_INVALID : EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: not a regular file", path);
	if (secret && (st.st_mode & S_IRWXO) != 0)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: holds a secret and is open to other users (mode "
		    "%04o; chmod o-rwx)", path, (unsigned)(st.st_mode & 07777));
	return 0;
}

static int
kr_entry_check(const struct kr_entry *e, struct ec_err *err)
{
	switch (e->kind) {
	case KR_KEY_FILE:
		return kr_file_check(e->path, true, err);
	case KR_AGE:
		if (kr_file_check(e->path, false, err) == -1)
			return -1;
		return e->identity != NULL ?
		    kr_file_check(e->identity, true, err) : 0;
	case KR_PKCS11:
		if (e->pin_file != NULL)
			return kr_file_check(e->pin_file, true, err);
		if (e->pin_env != NULL && getenv(e->pin_env) == NULL)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "PIN variable %s is not set", e->pin_env);
		return 0;
	}
	return ec_err_set(err, EC_ERR_INTERNAL, "bad keyring entry kind");
}

static const struct kr_entry *
kr_lookup(const struct ec_keyring *kr, const char *tenant, const char *ref,
    enum ec_keyring_use use, struct ec_err *err)
{
	const struct kr_entry	*e;

	if ((e = kr_find(kr, tenant, ref, err)) == NULL)
		return NULL;
	if ((use == EC_KEYRING_SIGN) != (e->kind != KR_AGE)) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key reference \"%.*s\" is %s key, not %s key", KR_QUOTE,
		    ref, e->kind == KR_AGE ? "an encryption" : "a signing",
		    use == EC_KEYRING_SIGN ? "a signing" : "an encryption");
		return NULL;
	}
	if (kr_entry_check(e, err) == -1) {
		ec_err_prefix(err, "key reference \"%.*s\"", KR_QUOTE, ref);
		return NULL;
	}
	return e;
}

int
ec_keyring_resolve(const struct ec_keyring *kr, const char *tenant,
    const char *ref, enum ec_keyring_use use, struct ec_err *err)
{
	return kr_lookup(kr, tenant, ref, use, err) != NULL ? 0 : -1;
}

/*
 * The PIN: the pin source's first line (a trailing newline is not part of
 * it), or the variable's value.  "pin" is wiped by the caller.
 */
static int
kr_pin(char pin[EC_KEYRING_MAX_PIN + 1], const struct kr_entry *e,
    struct ec_err *err)
{
	uint8_t		*data = NULL;
	const char	*v;
	size_t		 len = 0;

	if (e->pin_env != NULL) {
		if ((v = getenv(e->pin_env)) == NULL ||
		    strlen(v) > EC_KEYRING_MAX_PIN)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "PIN variable %s is unset or too long", e->pin_env);
		memcpy(pin, v, strlen(v) + 1);
		return 0;
	}
	if (ec_file_read_small(&data, &len, e->pin_file, EC_KEYRING_MAX_PIN + 2,
	    err) == -1)
		return -1;
	if (len > 0 && data[len - 1] == '\n')
		len--;
	if (len > 0 && data[len - 1] == '\r')
		len--;
	if (len > EC_KEYRING_MAX_PIN || memchr(data, '\0', len) != NULL ||
	    memchr(data, '\n', len) != NULL) {
		gnutls_memset(data, 0, len);
		free(data);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: want one line of at most %d bytes", e->pin_file,
		    EC_KEYRING_MAX_PIN);
	}
	memcpy(pin, data, len);
	pin[len] = '\0';
	gnutls_memset(data, 0, len);
	free(data);
	return 0;
}

int
ec_keyring_signer(struct ec_signer **out, const struct ec_keyring *kr,
    const char *tenant, const char *ref, struct ec_err *err)
{
	const struct kr_entry	*e;
	char			 pin[EC_KEYRING_MAX_PIN + 1];
	int			 rc;

	if ((e = kr_lookup(kr, tenant, ref, EC_KEYRING_SIGN, err)) == NULL)
		return -1;
	if (e->kind == KR_KEY_FILE)
		rc = ec_signer_load(out, e->path, err);
	else if (e->pin_file == NULL && e->pin_env == NULL)
		rc = ec_signer_pkcs11(out, e->uri, NULL, err);
	else if ((rc = kr_pin(pin, e, err)) == 0) {
		rc = ec_signer_pkcs11(out, e->uri, pin, err);
		gnutls_memset(pin, 0, sizeof(pin));
	}
	if (rc == -1)
		ec_err_prefix(err, "key reference \"%.*s\"", KR_QUOTE, ref);
	return rc;
}

/* The recipients or identity file of an encryption reference. */
static const char *
kr_age_path(const struct ec_keyring *kr, const char *tenant, const char *ref,
    bool identity, struct ec_err *err)
{
	const struct kr_entry	*e;

	if ((e = kr_lookup(kr, tenant, ref, EC_KEYRING_ENCRYPT, err)) == NULL)
		return NULL;
	if (identity && e->identity == NULL) {
		ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "key reference \"%.*s\" has no identity", KR_QUOTE, ref);
		return NULL;
	}
	return identity ? e->identity : e->path;
}

int
ec_keyring_recipients(struct ec_age_recipient *out, size_t max, size_t *n,
    const struct ec_keyring *kr, const char *tenant, const char *ref,
    struct ec_err *err)
{
	const char	*path;

	if ((path = kr_age_path(kr, tenant, ref, false, err)) == NULL ||
	    ec_age_recipients_read(out, max, n, path, err) == -1)
		return -1;
	return 0;
}

int
ec_keyring_identities(struct ec_age_identity *out, size_t max, size_t *n,
    const struct ec_keyring *kr, const char *tenant, const char *ref,
    struct ec_err *err)
{
	const char	*path;

	if ((path = kr_age_path(kr, tenant, ref, true, err)) == NULL ||
	    ec_age_identities_read(out, max, n, path, err) == -1)
		return -1;
	return 0;
}
