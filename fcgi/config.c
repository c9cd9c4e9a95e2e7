/*
 * fcgi/config.c: the pool's configuration file, read by the master at
 * start and on SIGHUP, and handed to the workers it forks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "ec_limits.h"
#include "ec_num.h"

/* A string setting; too long is refused rather than cut. */
static int
conf_str(char *dst, size_t size, const char *key, const char *v,
    struct ec_err *err)
{
	if (strlen(v) >= size)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: longer than %zu bytes", key, size - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
conf_int(int64_t *dst, const char *key, const char *v, int64_t max,
    struct ec_err *err)
{
	uint64_t	n;

	if (ec_parse_u64(&n, v, 0, (uint64_t)max) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: a whole number from 0 to %lld", key, (long long)max);
	*dst = (int64_t)n;
	return 0;
}

static int
conf_set(struct api_conf *c, const char *k, const char *v,
    struct ec_err *err)
{
	int64_t	n = 0;

	if (strcmp(k, "issuer") == 0)
		return conf_str(c->issuer, sizeof(c->issuer), k, v, err);
	if (strcmp(k, "audience") == 0)
		return conf_str(c->audience, sizeof(c->audience), k, v, err);
	if (strcmp(k, "jwks") == 0)
		return conf_str(c->jwks, sizeof(c->jwks), k, v, err);
	if (strcmp(k, "algorithms") == 0)
		return conf_str(c->algorithms, sizeof(c->algorithms), k, v,
		    err);
	if (strcmp(k, "db") == 0)
		return conf_str(c->db, sizeof(c->db), k, v, err);
	if (strcmp(k, "openapi") == 0)
		return conf_str(c->openapi, sizeof(c->openapi), k, v, err);
	if (strcmp(k, "download_keys") == 0)
		return conf_str(c->download_keys, sizeof(c->download_keys), k,
		    v, err);
	if (strcmp(k, "download_ttl") == 0) {
		if (conf_int(&c->download_ttl, k, v, API_DOWNLOAD_TTL_MAX,
		    err) == -1)
			return -1;
		if (c->download_ttl < 60)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "download_ttl: at least 60 seconds");
		return 0;
	}
	if (strcmp(k, "keyring") == 0)
		return conf_str(c->keyring, sizeof(c->keyring), k, v, err);
	if (strcmp(k, "leeway") == 0)
		return conf_int(&c->leeway, k, v, 3600, err);
	if (strcmp(k, "proof_max_age") == 0)
		return conf_int(&c->proof_max_age, k, v, 3600, err);
	if (strcmp(k, "retry_after") == 0) {
		if (conf_int(&n, k, v, 3600, err) == -1)
			return -1;
		c->retry_after = (int)n;
		return 0;
	}
	return ec_err_set(err, EC_ERR_REQUEST_INVALID, "unknown key \"%.64s\"",
	    k);
}

/* The key file must parse now, not first in a worker. */
static int
conf_keys_check(const struct api_conf *c, struct ec_err *err)
{
	struct ec_urlsign	*k;

	if (ec_urlsign_load(&k, c->download_keys, err) == -1)
		return -1;
	ec_urlsign_free(k);
	return 0;
}

/* Trim white space at both ends, in place. */
static char *
conf_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

int
api_conf_load(struct api_conf *out, const char *path, struct ec_err *err)
{
	struct api_conf	 c;
	FILE		*fp;
	char		 line[2048], *k, *v, *eq;
	size_t		 total = 0;
	int		 n = 0, rc = -1;

	memset(&c, 0, sizeof(c));
	(void)snprintf(c.audience, sizeof(c.audience), "%s",
	    EC_AUTH_DEFAULT_AUDIENCE);
	(void)snprintf(c.algorithms, sizeof(c.algorithms), "%s",
	    EC_AUTH_DEFAULT_ALGORITHMS);
	c.leeway = EC_AUTH_DEFAULT_LEEWAY;
	c.proof_max_age = EC_AUTH_DEFAULT_PROOF_MAX_AGE;
	c.retry_after = API_RETRY_AFTER_DEFAULT;
	c.download_ttl = API_DOWNLOAD_TTL_DEFAULT;
	if ((fp = fopen(path, "r")) == NULL)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", path,
		    strerror(errno));
	while (fgets(line, sizeof(line), fp) != NULL) {
		n++;
		total += strlen(line);
		if (total > EC_API_CONFIG_MAX || (strchr(line, '\n') == NULL &&
		    !feof(fp))) {
			(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s:%d: line or file too long", path, n);
			goto out;
		}
		k = conf_trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s:%d: expected key = value", path, n);
			goto out;
		}
		*eq = '\0';
		k = conf_trim(k);
		v = conf_trim(eq + 1);
		if (conf_set(&c, k, v, err) == -1) {
			(void)ec_err_prefix(err, "%s:%d", path, n);
			goto out;
		}
	}
	if (c.issuer[0] == '\0' || c.jwks[0] == '\0') {
		(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: issuer and jwks are required", path);
		goto out;
	}
	if (c.download_keys[0] != '\0' && conf_keys_check(&c, err) == -1)
		goto out;
	*out = c;
	rc = 0;
out:
	(void)fclose(fp);
	return rc;
}

int
api_conf_auth(struct ec_auth **out, const struct api_conf *c,
    struct ec_err *err)
{
	struct ec_auth_config	ac;

	ec_auth_config_init(&ac);
	ac.issuer = c->issuer;
	ac.audience = c->audience;
	ac.jwks_path = c->jwks;
	ac.algorithms = c->algorithms;
	ac.leeway = c->leeway;
	ac.proof_max_age = c->proof_max_age;
	return ec_auth_new(out, &ac, err);
}

int
api_conf_keyring(struct ec_keyring **out, const struct api_conf *c,
    struct ec_err *err)
{
	*out = NULL;
	if (c->keyring[0] == '\0')
		return 0;
	return ec_keyring_open(out, c->keyring, err);
}

int
api_conf_check(const struct api_conf *c, struct ec_err *err)
{
	struct ec_auth		*auth;
	struct ec_keyring	*kr;

	if (api_conf_auth(&auth, c, err) == -1)
		return -1;
	ec_auth_free(auth);
	if (api_conf_keyring(&kr, c, err) == -1)
		return ec_err_prefix(err, "keyring");
	ec_keyring_free(kr);
	return 0;
}
