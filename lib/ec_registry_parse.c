/*
 * ec_registry: the parsers of what an operator or a registry hands us:
 * references, the credentials file, WWW-Authenticate challenges and OCI
 * error bodies.  All are bounded by the caller's sizes and never allocate
 * beyond Jansson's parse of an already bounded document.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <nettle/base64.h>

#include "ec_registry.h"

static bool
reg_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/*
 * distribution spec "Pulling manifests": <name> is
 * [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
 */
static bool
reg_repo_ok(const char *s, size_t len)
{
	size_t	i, run;

	if (len == 0 || !reg_lower_alnum(s[0]) || !reg_lower_alnum(s[len - 1]))
		return false;
	for (i = 1; i < len; i++) {
		if (reg_lower_alnum(s[i]))
			continue;
		if (!reg_lower_alnum(s[i - 1]))
			return false;
		for (run = i; run < len && s[run] == s[i]; run++)
			;
		if (s[i] == '/' || s[i] == '.') {
			if (run - i != 1)
				return false;
		} else if (s[i] == '_') {
			if (run - i > 2)
				return false;
		} else if (s[i] != '-')
			return false;
		i = run;
		if (i >= len || !reg_lower_alnum(s[i]))
			return false;
	}
	return true;
}

/* Tag: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127} (same section). */
static bool
reg_tag_ok(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > EC_REGISTRY_MAX_TAG || s[0] == '.' ||
	    s[0] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '.' || s[i] == '-'))
			return false;
	return true;
}

/* A DNS name or IPv4 address, then optionally ':' and 1 to 5 digits. */
static bool
reg_host_ok(const char *s, size_t len)
{
	const char	*colon = memchr(s, ':', len);
	size_t		 i, hlen = colon != NULL ? (size_t)(colon - s) : len;

	if (hlen == 0 || len > EC_REGISTRY_MAX_HOST)
		return false;
	for (i = 0; i < hlen; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '-'))
			return false;
	if (colon == NULL)
		return true;
	if (len - hlen < 2 || len - hlen > 6)
		return false;
	for (i = hlen + 1; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int
ec_registry_ref_parse(struct ec_registry_ref *out, const char *s,
    struct ec_err *err)
{
	const char	*slash, *colon, *repo;
	size_t		 len = strlen(s), rlen, tlen = 0;

	memset(out, 0, sizeof(*out));
	if ((slash = strchr(s, '/')) == NULL ||
	    !reg_host_ok(s, (size_t)(slash - s)))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "reference must be host[:port]/repository[:tag]");
	repo = slash + 1;
	/* The tag's colon comes after the last slash. */
	colon = strrchr(repo, ':');
	if (colon != NULL && strchr(colon, '/') != NULL)
		colon = NULL;
	rlen = colon != NULL ? (size_t)(colon - repo) :
	    len - (size_t)(repo - s);
	if (colon != NULL)
		tlen = strlen(colon + 1);
	if (rlen > EC_REGISTRY_MAX_REPO || !reg_repo_ok(repo, rlen))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "reference: repository must be lowercase path components "
		    "of [a-z0-9] joined by '.', '_', '__', '-' or '/'");
	if (colon != NULL && !reg_tag_ok(colon + 1, tlen))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "reference: tag must be 1 to %d of [A-Za-z0-9_.-], not "
		    "starting with '.' or '-'", EC_REGISTRY_MAX_TAG);
	memcpy(out->host, s, (size_t)(slash - s));
	memcpy(out->repo, repo, rlen);
	if (colon != NULL)
		memcpy(out->tag, colon + 1, tlen);
	return 0;
}

/* "https://host:port/v1/" and "host:port" name the same registry. */
static bool
reg_creds_key_is(const char *key, const char *host)
{
	size_t	hlen = strlen(host);

	if (strncmp(key, "https://", 8) == 0)
		key += 8;
	else if (strncmp(key, "http://", 7) == 0)
		key += 7;
	return strncmp(key, host, hlen) == 0 &&
	    (key[hlen] == '\0' || key[hlen] == '/');
}

/* "auth": base64 of user:password (docker's config file format). */
static int
reg_creds_auth(char *out, const char *b64, size_t len, struct ec_err *err)
{
	struct base64_decode_ctx	ctx;
	size_t				n = EC_REGISTRY_MAX_SECRET;

	if (BASE64_DECODE_LENGTH(len) > EC_REGISTRY_MAX_SECRET)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials: auth exceeds %d bytes",
		    EC_REGISTRY_MAX_SECRET);
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &n, (uint8_t *)out, len, b64) ||
	    !base64_decode_final(&ctx))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials: auth is not base64");
	out[n] = '\0';
	if (strlen(out) != n || strchr(out, ':') == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials: auth must encode user:password");
	return 0;
}

static int
reg_creds_entry(char *out, json_t *e, struct ec_err *err)
{
	json_t	*auth, *user, *pass;	/* borrowed */
	size_t	 ul, pl;

	if (!json_is_object(e))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials: an auths entry must be an object");
	auth = json_object_get(e, "auth");
	if (json_is_string(auth))
		return reg_creds_auth(out, json_string_value(auth),
		    json_string_length(auth), err);
	user = json_object_get(e, "username");
	pass = json_object_get(e, "password");
	if (!json_is_string(user) || !json_is_string(pass))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials: entry needs auth, or username and password");
	ul = json_string_length(user);
	pl = json_string_length(pass);
	if (ul == 0 || ul + pl + 1 > EC_REGISTRY_MAX_SECRET ||
	    memchr(json_string_value(user), ':', ul) != NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials: bad username or password");
	memcpy(out, json_string_value(user), ul);
	out[ul] = ':';
	memcpy(out + ul + 1, json_string_value(pass), pl + 1);
	return 0;
}

int
ec_registry_creds_parse(char *out, bool *found, const char *p, size_t len,
    const char *host, struct ec_err *err)
{
	json_t		*root, *auths, *e;	/* auths, e: borrowed */
	json_error_t	 jerr;
	const char	*key;
	int		 rc = -1;

	*found = false;
	out[0] = '\0';
	if (len > EC_REGISTRY_MAX_CREDS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials file exceeds %d bytes", EC_REGISTRY_MAX_CREDS);
	if ((root = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials file, line %d: %s", jerr.line, jerr.text);
	auths = json_object_get(root, "auths");
	if (!json_is_object(auths)) {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials file: no \"auths\" object");
		goto out;
	}
	rc = 0;
	json_object_foreach(auths, key, e) {
		if (!reg_creds_key_is(key, host))
			continue;
		rc = reg_creds_entry(out, e, err);
		*found = rc == 0;
		break;
	}
out:
	/* Jansson's copy of the secrets goes with the document. */
	json_decref(root);
	if (rc == -1)
		gnutls_memset(out, 0, EC_REGISTRY_MAX_SECRET + 1);
	return rc;
}

static bool
reg_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* token or quoted-string (RFC 7230 3.2.6) at *i, into out[size]. */
static bool
reg_param_value(char *out, size_t size, const char *p, size_t len,
    size_t *i)
{
	size_t	n = 0;
	bool	quoted = *i < len && p[*i] == '"';

	if (quoted)
		(*i)++;
	while (*i < len) {
		char	c = p[*i];

		if (quoted && c == '"')
			break;
		if (!quoted && !reg_tchar(c) && c != '/')
			break;
		if (quoted && c == '\\' && *i + 1 < len)
			c = p[++*i];
		if (c < ' ' || c > '~' || n + 1 >= size)
			return false;
		out[n++] = c;
		(*i)++;
	}
	if (quoted && (*i >= len || p[(*i)++] != '"'))
		return false;
	out[n] = '\0';
	return n > 0 || quoted;
}

/* Keep realm, service and scope whole, never cut; others are ignored. */
static bool
reg_param_keep(struct ec_registry_challenge *out, const char *name,
    const char *val)
{
	char	*dst;
	size_t	 size, len = strlen(val);

	if (strcasecmp(name, "realm") == 0)
		dst = out->realm, size = sizeof(out->realm);
	else if (strcasecmp(name, "service") == 0)
		dst = out->service, size = sizeof(out->service);
	else if (strcasecmp(name, "scope") == 0)
		dst = out->scope, size = sizeof(out->scope);
	else
		return true;
	if (len >= size)
		return false;
	memcpy(dst, val, len + 1);
	return true;
}

int
ec_registry_challenge_parse(struct ec_registry_challenge *out,
    const char *p, size_t len, struct ec_err *err)
{
	char	name[32], val[EC_REGISTRY_MAX_HEADER];
	size_t	i = 0, n;

	memset(out, 0, sizeof(*out));
	for (n = 0; i < len && reg_tchar(p[i]) && n + 1 < sizeof(name); i++)
		name[n++] = p[i];
	name[n] = '\0';
	if (strcasecmp(name, "bearer") == 0)
		out->bearer = true;
	else if (strcasecmp(name, "basic") != 0)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "registry asks for unsupported authentication scheme "
		    "\"%.31s\"", name);
	while (i < len) {
		while (i < len && (p[i] == ' ' || p[i] == ',' || p[i] == '\t'))
			i++;
		for (n = 0; i < len && reg_tchar(p[i]) &&
		    n + 1 < sizeof(name); i++)
			name[n++] = p[i];
		name[n] = '\0';
		if (n == 0 && i >= len)
			break;
		if (n == 0 || i >= len || p[i++] != '=' ||
		    !reg_param_value(val, sizeof(val), p, len, &i))
			return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
			    "registry sent a malformed WWW-Authenticate");
		if (!reg_param_keep(out, name, val))
			return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
			    "registry's WWW-Authenticate %s is too long",
			    name);
	}
	if (out->bearer && strncmp(out->realm, "https://", 8) != 0 &&
	    strncmp(out->realm, "http://", 7) != 0)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "registry's Bearer challenge has no http(s) realm");
	return 0;
}

/* Append "s" to out, printable ASCII only, always terminated. */
static void
reg_text_add(char *out, size_t size, size_t *n, const char *s)
{
	for (; *s != '\0' && *n + 1 < size; s++)
		out[(*n)++] = *s >= ' ' && *s <= '~' ? *s : '?';
	out[*n] = '\0';
}

bool
ec_registry_error_text(char *out, size_t size, const char *p, size_t len)
{
	json_t		*root, *errs, *e, *code, *msg;	/* root owned */
	json_error_t	 jerr;
	size_t		 i, n = 0;

	if (size == 0)
		return false;
	out[0] = '\0';
	if (len > EC_REGISTRY_MAX_BODY ||
	    (root = json_loadb(p, len, 0, &jerr)) == NULL)
		return false;
	errs = json_object_get(root, "errors");
	for (i = 0; i < json_array_size(errs) && i < 4; i++) {
		e = json_array_get(errs, i);
		code = json_object_get(e, "code");
		msg = json_object_get(e, "message");
		if (n > 0)
			reg_text_add(out, size, &n, "; ");
		if (json_is_string(code)) {
			reg_text_add(out, size, &n, json_string_value(code));
			reg_text_add(out, size, &n, ": ");
		}
		if (json_is_string(msg))
			reg_text_add(out, size, &n, json_string_value(msg));
	}
	json_decref(root);
	return n > 0;
}
