/* tests/unit/t_layout.c: the OCI image layout reader on hostile layouts. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "ec_hash.h"
#include "ec_layout.h"

#define MT_TRIVY	"application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"

static char	dir[64];

static void
put(const char *name, const char *data, size_t len)
{
	char	path[256];
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fwrite(data, 1, len, f) != len)
		abort();
	(void)fclose(f);
}

/* Store a blob; its digest goes to digest_out ("sha256:..."). */
static void
put_blob(char digest_out[72], const char *data)
{
	char	hex[EC_SHA256_HEX], name[128];

	ec_sha256_hex(hex, data, strlen(data));
	(void)snprintf(digest_out, 72, "sha256:%s", hex);
	(void)snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
	put(name, data, strlen(data));
}

/* A Trivy-shaped artifact: empty config, one DB layer, tag "2". */
static void
make_layout(char man_digest[72])
{
	char	cfg[72], layer[72], man[1024], idx[1024], path[128];

	(void)snprintf(path, sizeof(path), "%s/blobs", dir);
	(void)mkdir(path, 0755);
	(void)snprintf(path, sizeof(path), "%s/blobs/sha256", dir);
	(void)mkdir(path, 0755);
	put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
	put_blob(cfg, "{}");
	put_blob(layer, "not really a tar.gz");
	(void)snprintf(man, sizeof(man), "{\"schemaVersion\":2,\"mediaType\":"
	    "\"%s\",\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1"
	    "+json\",\"digest\":\"%s\",\"size\":2},\"layers\":[{\"mediaType\":"
	    "\"%s\",\"digest\":\"%s\",\"size\":19}]}", EC_LAYOUT_MT_MANIFEST,
	    cfg, MT_TRIVY, layer);
	put_blob(man_digest, man);
	(void)snprintf(idx, sizeof(idx), "{\"schemaVersion\":2,\"manifests\":"
	    "[{\"mediaType\":\"%s\",\"digest\":\"%s\",\"size\":%zu,"
	    "\"annotations\":{\"%s\":\"2\"}}]}", EC_LAYOUT_MT_MANIFEST,
	    man_digest, strlen(man), EC_LAYOUT_REF_NAME);
	put("index.json", idx, strlen(idx));
}

static void
test_good(void)
{
	struct ec_layout		*l;
	struct ec_layout_manifest	 m;
	const struct ec_layout_desc	*d;
	struct ec_err			 err;
	uint8_t				*p;
	size_t				 len;
	int				 fd;

	if (!ok(ec_layout_open(&l, dir, &err) == 0, "layout opens: %s",
	    err.msg))
		return;
	ok(ec_layout_count(l) == 1, "one manifest");
	ok(ec_layout_find(&d, l, "2", &err) == 0 &&
	    strcmp(d->ref_name, "2") == 0, "found by ref name");
	ok(ec_layout_find(&d, l, "3", &err) == -1 &&
	    err.code == EC_ERR_NOT_FOUND, "unknown tag: EC_ERR_NOT_FOUND");
	ok(ec_layout_find(&d, l, NULL, &err) == 0, "the only one untagged");
	ok(ec_layout_read(&p, &len, l, d, EC_LAYOUT_MAX_JSON, &err) == 0,
	    "manifest read and checked: %s", err.msg);
	ok(ec_layout_parse_manifest(&m, d->media_type, (char *)p, len,
	    &err) == 0 && m.n == 2 && strcmp(m.blobs[1].media_type,
	    MT_TRIVY) == 0 && m.blobs[1].size == 19, "config and one layer");
	ok(ec_layout_open_blob(&fd, l, &m.blobs[1], &err) == 0,
	    "layer verified: %s", err.msg);
	(void)close(fd);
	ok(ec_layout_read(&p, &len, l, d, 10, &err) == -1 &&
	    err.code == EC_ERR_TOO_LARGE, "read past max: EC_ERR_TOO_LARGE");
	ec_layout_manifest_dispose(&m);
	free(p);
	ec_layout_free(l);
}

/* Replace blob "digest" by "what" and expect the reader to refuse it. */
static void
test_tampered(const char *digest, const char *kind)
{
	struct ec_layout		*l;
	const struct ec_layout_desc	*d;
	struct ec_err			 err;
	char				 path[200], target[256];
	uint8_t				*p;
	size_t				 len;
	int				 rc;

	(void)snprintf(path, sizeof(path), "%s/blobs/sha256/%s", dir,
	    digest + 7);
	(void)snprintf(target, sizeof(target), "%s.orig", path);
	if (rename(path, target) == -1)
		abort();
	if (strcmp(kind, "symlink") == 0)
		rc = symlink(target, path);
	else if (strcmp(kind, "fifo") == 0)
		rc = mkfifo(path, 0644);
	else if (strcmp(kind, "size") == 0) {
		put(path + strlen(dir) + 1, "{}", 2);
		rc = 0;
	} else {
		/* Same size, one byte different. */
		FILE	*in = fopen(target, "r");
		char	 buf[4096];
		size_t	 n = fread(buf, 1, sizeof(buf), in);

		(void)fclose(in);
		buf[0] ^= 1;
		put(path + strlen(dir) + 1, buf, n);
		rc = 0;
	}
	if (rc == -1 || ec_layout_open(&l, dir, &err) == -1)
		abort();
	if (ec_layout_find(&d, l, "2", &err) == -1)
		abort();
	rc = ec_layout_read(&p, &len, l, d, EC_LAYOUT_MAX_JSON, &err);
	ok(rc == -1 && (err.code == EC_ERR_VERIFY ||
	    err.code == EC_ERR_REQUEST_INVALID), "%s blob refused: %s", kind,
	    err.msg);
	if (rc == 0)
		free(p);
	ec_layout_free(l);
	(void)unlink(path);
	if (rename(target, path) == -1)
		abort();
}

static void
index_is(const char *json, bool good, const char *what)
{
	struct ec_layout_desc	*d = NULL;
	struct ec_err		 err;
	size_t			 n;
	int			 rc;

	rc = ec_layout_parse_index(&d, &n, json, strlen(json), &err);
	ok(good ? rc == 0 : rc == -1 && err.code == EC_ERR_REQUEST_INVALID,
	    "%s: %s", what, rc == 0 ? "accepted" : err.msg);
	free(d);
}

static void
test_index(void)
{
	const char	*dg = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc"
			    "21fe77e8310c060f61caaff8a";
	char		 buf[512];

	(void)snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,\"manifests\":"
	    "[{\"mediaType\":\"a/b\",\"digest\":\"%s\",\"size\":2}]}", dg);
	index_is(buf, true, "minimal index");
	index_is("{\"schemaVersion\":2,\"manifests\":[]}", false,
	    "no manifests");
	index_is("{\"schemaVersion\":1,\"manifests\":[]}", false,
	    "schemaVersion 1");
	(void)snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,\"manifests\":"
	    "[{\"mediaType\":\"a/b\",\"digest\":\"sha256:../../etc/passwd\","
	    "\"size\":2}]}");
	index_is(buf, false, "digest with a path");
	(void)snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,\"manifests\":"
	    "[{\"mediaType\":\"a/b\",\"digest\":\"%s\",\"size\":-1}]}", dg);
	index_is(buf, false, "negative size");
	(void)snprintf(buf, sizeof(buf), "{\"schemaVersion\":2,\"manifests\":"
	    "[{\"mediaType\":\"a/b\",\"digest\":\"%s\",\"size\":2,"
	    "\"annotations\":{\"%s\":7}}]}", dg, EC_LAYOUT_REF_NAME);
	index_is(buf, false, "ref name not a string");
	index_is("{\"schemaVersion\":2,\"schemaVersion\":2}", false,
	    "duplicate keys");
}

int
main(void)
{
	struct ec_layout	*l;
	struct ec_err		 err;
	char			 man[72], path[128];

	(void)snprintf(dir, sizeof(dir), "/tmp/t_layout.XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	make_layout(man);
	test_good();
	test_tampered(man, "content");
	test_tampered(man, "size");
	test_tampered(man, "symlink");
	test_tampered(man, "fifo");
	test_index();
	put("oci-layout", "{\"imageLayoutVersion\":\"2.0.0\"}", 30);
	ok(ec_layout_open(&l, dir, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "layout version 2: %s",
	    err.msg);
	(void)snprintf(path, sizeof(path), "%s/oci-layout", dir);
	(void)unlink(path);
	ok(symlink("/etc/hostname", path) == 0 &&
	    ec_layout_open(&l, dir, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "oci-layout a symlink: %s",
	    err.msg);
	(void)snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		ok(0, "temporary directory removed");
	return done_testing();
}
