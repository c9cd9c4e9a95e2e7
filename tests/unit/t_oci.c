/*
 * tests/unit/t_oci.c: ec_oci through the real export driver: a test
 * profile writes a layout with two tagged manifests sharing one layer,
 * so the blob must be stored once; the bytes of index.json and the
 * manifests are checked against the canonical form written out here;
 * misuse (a layer not in the layout, a second finish) is refused; two
 * builds give the same tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_export.h"
#include "ec_oci.h"

static char	dir[] = "/tmp/t_oci.XXXXXX";
static char	staging[300];
static int	misuse_ok;

/* sha256("{}"), the OCI empty descriptor's digest. */
#define EMPTY	"44136fa355b3678a1146ad16f7e8649e" \
		"94fb4fc21fe77e8310c060f61caaff8a"

static int
layout_misuse(struct ec_oci *o, const struct ec_oci_layer *good)
{
	struct ec_oci_layer	bad = *good;
	struct ec_oci_manifest	m;
	struct ec_err		err;
	int			n = 0;

	memset(&m, 0, sizeof(m));
	bad.blob.digest[0] ^= 1;
	m.layers = &bad;
	m.nlayers = 1;
	n += ec_oci_manifest(o, &m, NULL, &err) == -1 &&
	    err.code == EC_ERR_INTERNAL;
	m.nlayers = 0;
	n += ec_oci_manifest(o, &m, NULL, &err) == -1;
	m.layers = good;
	m.nlayers = 1;
	m.tag = "";
	n += ec_oci_manifest(o, &m, NULL, &err) == -1;
	return n == 3;
}

static int
oci_write(struct ec_build *b, struct ec_err *err)
{
	struct ec_oci_layer	 layer = { "application/x-test",
				    { { 0 }, 0 }, "a.txt" };
	struct ec_oci_manifest	 m;
	struct ec_oci_blob	 again, one;
	struct ec_oci		*o;
	int			 rc = -1;

	if (ec_oci_new(&o, b, "oci", err) == -1)
		return -1;
	if (ec_oci_blob_mem(o, "hello", 5, &layer.blob, err) == -1 ||
	    ec_oci_blob_mem(o, "hello", 5, &again, err) == -1)
		goto out;
	misuse_ok = layout_misuse(o, &layer) &&
	    memcmp(again.digest, layer.blob.digest, EC_SHA256_LEN) == 0;
	memset(&m, 0, sizeof(m));
	m.layers = &layer;
	m.nlayers = 1;
	m.tag = "one";
	m.created = "2026-11-01T00:00:00Z";
	if (ec_oci_manifest(o, &m, &one, err) == -1)
		goto out;
	m.artifact_type = "application/x-art";
	m.config_type = "application/x-config";
	m.config = "{\"a\":1}";
	m.config_len = 7;
	m.created = NULL;
	m.tag = "two";
	m.subject = &one;
	if (ec_oci_manifest(o, &m, NULL, err) == -1 ||
	    ec_oci_finish(o, err) == -1)
		goto out;
	misuse_ok = misuse_ok && ec_oci_finish(o, err) == -1;
	rc = 0;
out:
	ec_oci_free(o);
	return rc;
}

static const struct ec_profile test_oci = {
	.name = "test:oci",
	.build_type = "https://example.invalid/test-oci/v1",
	.flags = EC_PROFILE_NO_STORE,
	.targets = EC_TARGET_ADVISORY,
	.formats = EC_FORMAT_JSON,
	.defaults = { EC_TARGET_ADVISORY, EC_FORMAT_JSON },
	.write = oci_write,
};

static int
build(struct ec_export_result *res, const char *sub)
{
	struct ec_export_req	r;
	struct ec_err		err;
	char			out[400];

	(void)snprintf(out, sizeof(out), "%s/%s", dir, sub);
	memset(&r, 0, sizeof(r));
	r.tenant = "acme";
	r.profile_def = &test_oci;
	r.out_dir = out;
	r.staging_dir = staging;
	if (ec_export_build(res, NULL, &r, &err) == -1) {
		printf("# build: %s\n", err.msg);
		return -1;
	}
	return 0;
}

/* The output of "cmd" equals "want". */
static int
sh_is(const char *cmd, const char *want)
{
	char	buf[4096];
	size_t	n;
	FILE	*p;

	if ((p = popen(cmd, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	if (pclose(p) != 0)
		return 0;
	if (strcmp(buf, want) != 0)
		printf("# got %s\n", buf);
	return strcmp(buf, want) == 0;
}

int
main(void)
{
	struct ec_export_result	a, b;
	char			cmd[9000], m1[600];
	char			hello[EC_SHA256_HEX];

	if (mkdtemp(dir) == NULL)
		return 1;
	(void)snprintf(staging, sizeof(staging), "%s/staging", dir);
	(void)snprintf(cmd, sizeof(cmd), "mkdir %s", staging);
	if (system(cmd) != 0)
		return 1;
	ec_sha256_hex(hello, "hello", 5);
	ok(build(&a, "a") == 0, "a layout with two manifests builds");
	ok(misuse_ok, "the same blob twice is one blob; bad layers, an empty "
	    "tag and a second finish are refused");
	(void)snprintf(cmd, sizeof(cmd), "cd %s/oci && ls blobs/sha256 | wc -l "
	    "&& cat oci-layout", a.path);
	ok(sh_is(cmd, "5\n{\"imageLayoutVersion\":\"1.0.0\"}"),
	    "5 blobs (layer, 2 configs, 2 manifests) and oci-layout");
	(void)snprintf(m1, sizeof(m1), "{\"annotations\":{\"org.opencontainers"
	    ".image.created\":\"2026-11-01T00:00:00Z\"},\"config\":{\"digest\":"
	    "\"sha256:%s\",\"mediaType\":\"application/vnd.oci.empty.v1+json\","
	    "\"size\":2},\"layers\":[{\"annotations\":{\"org.opencontainers."
	    "image.title\":\"a.txt\"},\"digest\":\"sha256:%s\",\"mediaType\":"
	    "\"application/x-test\",\"size\":5}],\"mediaType\":\"application/"
	    "vnd.oci.image.manifest.v1+json\",\"schemaVersion\":2}", EMPTY,
	    hello);
	(void)snprintf(cmd, sizeof(cmd), "cd %s/oci && d=$(jq -r "
	    "'.manifests[0].digest[7:]' index.json) && cat blobs/sha256/$d && "
	    "test $(sha256sum <blobs/sha256/$d | cut -c1-64) = $d", a.path);
	ok(sh_is(cmd, m1), "manifest one: canonical bytes, named by digest");
	(void)snprintf(cmd, sizeof(cmd), "cd %s/oci && jq -c '[.schemaVersion,"
	    " .mediaType, [.manifests[] | [.mediaType, .annotations]]]' "
	    "index.json && d=$(jq -r '.manifests[1].digest[7:]' index.json) && "
	    "jq -c --argjson m \"$(jq .manifests[0].digest index.json)\" "
	    "'[.artifactType, .config.mediaType, .config.size, .annotations, "
	    ".subject.digest == $m]' blobs/sha256/$d", a.path);
	ok(sh_is(cmd, "[2,\"application/vnd.oci.image.index.v1+json\","
	    "[[\"application/vnd.oci.image.manifest.v1+json\",{\"org."
	    "opencontainers.image.ref.name\":\"one\"}],[\"application/vnd.oci."
	    "image.manifest.v1+json\",{\"org.opencontainers.image.ref.name\":"
	    "\"two\"}]]]\n[\"application/x-art\",\"application/x-config\",7,"
	    "null,true]\n"), "index.json lists both tags; manifest two has its "
	    "config, artifactType and manifest one as subject");
	ok(build(&b, "b") == 0, "built again");
	(void)snprintf(cmd, sizeof(cmd), "diff -r %s %s && echo same", a.path,
	    b.path);
	ok(sh_is(cmd, "same\n"), "the same tree both times");
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return done_testing();
}
