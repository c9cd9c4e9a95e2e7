/* ec_blob: content-addressed files under <store>/sha256/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ec_blob.h"
#include "ec_buf.h"
#include "ec_publish.h"

#define BLOB_PATH_MAX	4096

void
ec_blob_rel(char out[EC_BLOB_REL_MAX], const char *hex)
{
	(void)snprintf(out, EC_BLOB_REL_MAX, "sha256/%.2s/%.64s", hex, hex);
}

/* mkdir that accepts an existing directory (another builder made it). */
static int
blob_mkdir(const char *path, struct ec_err *err)
{
	struct stat	st;

	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return ec_err_set(err, EC_ERR_IO, "artifact store %.200s: %s", path,
	    errno == EEXIST ? "not a directory" : strerror(errno));
}

int
ec_blob_store_init(const char *store, struct ec_err *err)
{
	char	p[BLOB_PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/" EC_BLOB_TMP, store) >=
	    (int)sizeof(p))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store path too long");
	if (blob_mkdir(store, err) == -1 || blob_mkdir(p, err) == -1)
		return -1;
	(void)snprintf(p, sizeof(p), "%s/sha256", store);
	return blob_mkdir(p, err);
}

int
ec_blob_put(char hex_out[EC_SHA256_HEX], uint64_t *size_out,
    bool *existed_out, const char *store, const char *from,
    struct ec_err *err)
{
	uint8_t	digest[EC_SHA256_LEN];
	char	hex[EC_SHA256_HEX], dir[BLOB_PATH_MAX];
	int	n;

	if (ec_sha256_file(digest, size_out, from, err) == -1)
		return -1;
	ec_hex_encode(hex, digest, sizeof(digest));
	n = snprintf(dir, sizeof(dir), "%s/sha256/%.2s", store, hex);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "artifact store path too long");
	if (ec_blob_store_init(store, err) == -1 || blob_mkdir(dir, err) == -1)
		return -1;
	/* No-replace: an existing blob is kept when it is byte-identical. */
	if (ec_publish_move(existed_out, from, dir, hex, err) == -1)
		return -1;
	memcpy(hex_out, hex, EC_SHA256_HEX);
	return 0;
}
