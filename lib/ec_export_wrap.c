/*
 * ec_export_wrap: what happens to a packed bundle between packing and
 * publishing, for transport: encryption to age recipients, then cutting
 * into parts for size-limited media.  Both work in the staging
 * directory, so DIR only ever sees the final form: never the plaintext
 * of an encrypted bundle, never a partial set of parts.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ec_age.h"
#include "ec_export_int.h"
#include "ec_split.h"

/*
 * A recipient that is a low-order point makes every shared secret zero,
 * which age refuses at encryption time; find it now, before any work.
 * The clamped scalar is a multiple of the cofactor 8, so any scalar
 * shows it.
 */
static int
wrap_recipients_check(const struct ec_export_req *req, struct ec_err *err)
{
	static const uint8_t	probe[32] = { 9 };
	uint8_t			out[32];
	size_t			i;

	if (req->nrecipients > EC_AGE_MAX_RECIPIENTS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "more than %d recipients", EC_AGE_MAX_RECIPIENTS);
	for (i = 0; i < req->nrecipients; i++)
		if (ec_age_x25519(out, probe, req->recipients[i].pub) == -1)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "recipient %zu is a low-order point", i + 1);
	return 0;
}

int
ec_export_wrap_check(const struct ec_build *b, struct ec_err *err)
{
	const struct ec_export_req	*req = b->req;

	if (req->nrecipients == 0 && req->split_size == 0)
		return 0;
	if ((b->profile->flags & EC_PROFILE_PACK) == 0 &&
	    (req->split_size != 0 || b->profile->encrypt == NULL))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "profile %s publishes a directory: splitting applies "
		    "to packed bundles only, encryption to those and to "
		    "mirrors",
		    b->profile->name);
	if (req->split_size != 0 && (req->split_size < EC_SPLIT_MIN_PART ||
	    req->split_size > EC_SPLIT_MAX_PART))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "split size: %llu to %llu bytes", EC_SPLIT_MIN_PART,
		    EC_SPLIT_MAX_PART);
	return wrap_recipients_check(req, err);
}

/* Encrypt "from" to "from.age" and drop the plaintext. */
static int
wrap_encrypt(struct ec_export_result *out, struct ec_build *b, char *from,
    char *name, struct ec_err *err)
{
	const struct ec_export_req	*req = b->req;
	char				 age[BUILD_FILE_MAX];
	uint8_t				 d[EC_SHA256_LEN];
	uint64_t			 size;

	if (snprintf(age, sizeof(age), "%s.age", from) >= (int)sizeof(age) ||
	    strlen(name) + 4 >= 256)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
	if (ec_age_encrypt_file(age, from, req->recipients, req->nrecipients,
	    err) == -1)
		return -1;
	if (unlink(from) == -1)
		return ec_err_set(err, EC_ERR_IO, "unlink %s: %s", from,
		    strerror(errno));
	if (ec_sha256_file(d, &size, age, err) == -1)
		return -1;
	ec_hex_encode(out->age_sha256, d, sizeof(d));
	out->size = size;
	out->encrypted = true;
	(void)strcat(name, ".age");
	(void)memcpy(from, age, strlen(age) + 1);
	return 0;
}

/* Cut "from" into parts in "<staging>/split/", the tree to publish. */
static int
wrap_split(struct ec_export_result *out, struct ec_build *b, char *from,
    char *name, struct ec_err *err)
{
	struct ec_split_result	res;
	char			dir[BUILD_FILE_MAX];

	if (snprintf(dir, sizeof(dir), "%s/split",
	    ec_publish_staging_path(b->staging)) >= (int)sizeof(dir) ||
	    strlen(name) + 6 >= 256)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
	if (mkdir(dir, 0755) == -1)
		return ec_err_set(err, EC_ERR_IO, "mkdir %s: %s", dir,
		    strerror(errno));
	if (ec_split_file(&res, from, b->req->split_size, dir, b->req->signer,
	    err) == -1)
		return -1;
	if (unlink(from) == -1)
		return ec_err_set(err, EC_ERR_IO, "unlink %s: %s", from,
		    strerror(errno));
	out->parts = res.parts;
	(void)strcat(name, ".split");
	(void)memcpy(from, dir, strlen(dir) + 1);
	return 0;
}

int
ec_export_wrap(struct ec_export_result *out, struct ec_build *b, char *from,
    char *name, struct ec_err *err)
{
	if (b->req->nrecipients > 0 &&
	    wrap_encrypt(out, b, from, name, err) == -1)
		return -1;
	if (b->req->split_size > 0 && wrap_split(out, b, from, name, err) == -1)
		return -1;
	return 0;
}

int
ec_export_wrap_tree(struct ec_export_result *out, struct ec_build *b,
    char *from, struct ec_err *err)
{
	char	dest[BUILD_FILE_MAX];

	if (b->req->nrecipients == 0)
		return 0;
	if (snprintf(dest, sizeof(dest), "%s/age",
	    ec_publish_staging_path(b->staging)) >= (int)sizeof(dest))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "output path too long");
	if (mkdir(dest, 0755) == -1)
		return ec_err_set(err, EC_ERR_IO, "mkdir %s: %s", dest,
		    strerror(errno));
	if (b->profile->encrypt(b, from, dest, b->req->recipients,
	    b->req->nrecipients, &out->size, err) == -1)
		return -1;
	out->encrypted = true;
	(void)memcpy(from, dest, strlen(dest) + 1);
	return 0;
}
