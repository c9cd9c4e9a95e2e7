/*
 * devportal:offline: the developer portal's static assets for sites with
 * no network, read from one assets directory (--param assets=DIR; the
 * default is the tree "make" stages in build/devportal from the
 * repository's files):
 *
 *   README.md                docs/README.md and docs/README.html
 *   CHANGELOG.md             CHANGELOG.md and docs/CHANGELOG.html
 *   exportctl.1              man/exportctl.1 (mdoc source)
 *   exportctl.1.html         docs/exportctl.1.html (mandoc -T html)
 *   export-center-client.sh  sdk/export-center-client.sh (sh + curl)
 *   openapi.json             api/openapi.json
 *
 * Markdown is rendered to HTML here with libcmark in its safe mode (raw
 * HTML and javascript: links dropped), so the profile runs no program;
 * man pages are rendered by mandoc when the assets are staged, since
 * mandoc has no library.  README.md is required; every other asset that
 * is absent is named in portal.json with the reason, never invented.
 * Beside the assets go portal.json (what is in the bundle and what is
 * not) and verify-offline.sh, which checks checksums.txt and the
 * manifest's signature with coreutils and openssl alone.
 *
 * Every asset is recorded as an input (kind "asset"), so the run id and
 * inputsHash follow the asset bytes.  The tar mtime is --param
 * epoch=SECONDS (default 0), never a file's mtime, so that two checkouts
 * of the same sources give the same bundle.  Packed (.tar.zst); no store.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmark.h>
#include <jansson.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_file.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_profile.h"

#ifndef EC_DEVPORTAL_ASSETS
#define EC_DEVPORTAL_ASSETS	"build/devportal"
#endif

/* tools/devportal/verify-offline.sh, embedded by the Makefile. */
extern const char	ec_devportal_verify_sh[];

/* What to do with one asset file. */
enum portal_render {
	PORTAL_COPY,		/* as it is */
	PORTAL_MARKDOWN		/* as it is, and rendered to HTML */
};

static const struct portal_asset {
	const char		*name;		/* in the assets directory */
	const char		*path;		/* in the bundle */
	const char		*html;		/* rendered copy, or NULL */
	const char		*type, *id, *format;
	enum portal_render	 render;
	bool			 required;
	const char		*absent;	/* why it may be missing */
} portal_assets[] = {
	{ "CHANGELOG.md", "CHANGELOG.md", "docs/CHANGELOG.html", "changelog",
	    "CHANGELOG", "markdown", PORTAL_MARKDOWN, false,
	    "no changelog in the assets" },
	{ "README.md", "docs/README.md", "docs/README.html", "doc", "README",
	    "markdown", PORTAL_MARKDOWN, true, NULL },
	{ "export-center-client.sh", "sdk/export-center-client.sh", NULL,
	    "sdk", "export-center-client", "sh", PORTAL_COPY, false,
	    "no SDK in the assets" },
	{ "exportctl.1", "man/exportctl.1", NULL, "man", "exportctl.1",
	    "mdoc", PORTAL_COPY, false, "no man page in the assets" },
	{ "exportctl.1.html", "docs/exportctl.1.html", NULL, "man",
	    "exportctl.1", "html", PORTAL_COPY, false,
	    "no rendered man page in the assets" },
	{ "openapi.json", "api/openapi.json", NULL, "openapi", "export-center",
	    "json", PORTAL_COPY, false,
	    "the API has no OpenAPI document yet" },
};
#define PORTAL_NASSETS	(sizeof(portal_assets) / sizeof(portal_assets[0]))

static const struct ec_profile_param portal_params[] = {
	{ "assets", "directory of the portal's assets (default: the "
	    "build's staged copy)", false },
	{ "epoch", "tar mtime in seconds since 1970 (default 0)", false },
	{ NULL, NULL, false }
};

static const char *
portal_dir(const struct ec_build *b)
{
	const char	*d = ec_build_param(b, "assets");

	return d != NULL ? d : EC_DEVPORTAL_ASSETS;
}

static int
portal_check(struct ec_build *b, struct ec_err *err)
{
	const char	*dir = portal_dir(b), *ep = ec_build_param(b, "epoch");
	struct stat	 st;
	uint64_t	 v;

	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "parameter \"assets\": %.200s is not a directory%s", dir,
		    ec_build_param(b, "assets") == NULL ?
		    " (run make, or give --param assets=DIR)" : "");
	/* Past 253402300799 (9999-12-31) tar and RFC 3339 both give up. */
	if (ep != NULL && ec_parse_u64(&v, ep, 0, 253402300799ULL) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "parameter \"epoch\": decimal seconds since 1970");
	return 0;
}

/*
 * The snapshot time, and the estimate: each asset's size, Markdown twice
 * (cmark's HTML is about 1.2 times its source, the page around it fixed).
 */
static int
portal_plan(struct ec_build *b, struct ec_err *err)
{
	const char	*ep = ec_build_param(b, "epoch");
	struct stat	 st;
	char		 path[4096];
	uint64_t	 v = 0, bytes, outputs = 2, docs = 0;
	size_t		 i;

	if (ep != NULL && ec_parse_u64(&v, ep, 0, 253402300799ULL) == -1)
		return ec_err_set(err, EC_ERR_INTERNAL, "epoch unchecked");
	ec_build_set_snapshot(b, (int64_t)v * 1000000);
	bytes = strlen(ec_devportal_verify_sh) + 4096;
	for (i = 0; i < PORTAL_NASSETS; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", portal_dir(b),
		    portal_assets[i].name);
		if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
			continue;
		docs++;
		outputs++;
		bytes += (uint64_t)st.st_size;
		if (portal_assets[i].render == PORTAL_MARKDOWN) {
			outputs++;
			bytes += (uint64_t)st.st_size / 4 * 5 + 1024;
		}
	}
	ec_build_set_estimate(b, docs, outputs, bytes);
	return 0;
}

/* The HTML page around cmark's body: fixed text, so the bytes repeat. */
static int
portal_html(struct ec_build *b, const struct portal_asset *a,
    const uint8_t *md, size_t len, struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_ITEM, a->type, a->id, "html",
				    a->html };
	struct ec_buf		 page;
	char			*body;
	int			 rc = -1;

	/* CMARK_OPT_DEFAULT is the safe mode: no raw HTML, no javascript:. */
	if ((body = cmark_markdown_to_html((const char *)md, len,
	    CMARK_OPT_DEFAULT)) == NULL)
		return ec_err_nomem(err);
	ec_buf_init(&page, EC_MAX_META_BYTES);
	if (ec_buf_addf(&page, err, "<!DOCTYPE html>\n<html>\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>%s</title>\n</head>\n<body>\n",
	    a->id) == -1 ||
	    ec_buf_add(&page, body, strlen(body), err) == -1 ||
	    ec_buf_addf(&page, err, "</body>\n</html>\n") == -1)
		goto out;
	rc = ec_build_add_mem(b, &fd, page.data, page.len, NULL, err);
out:
	free(body);
	ec_buf_dispose(&page);
	return rc;
}

/*
 * One asset: copied, rendered if it is Markdown, recorded as an input.
 * An absent optional asset goes to "absent" with its reason.
 */
static int
portal_asset(struct ec_build *b, const struct portal_asset *a,
    json_t *absent, struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_ITEM, a->type, a->id,
				    a->format, a->path };
	char			 path[4096], hex[EC_SHA256_HEX];
	uint8_t			*data = NULL;
	size_t			 len;
	int			 rc = -1;

	if (snprintf(path, sizeof(path), "%s/%s", portal_dir(b), a->name) >=
	    (int)sizeof(path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "parameter \"assets\": path too long");
	if (access(path, F_OK) == -1 && errno == ENOENT) {
		if (a->required)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "parameter \"assets\": %s is required", a->name);
		return json_array_append_new(absent, json_pack("{s:s, s:s}",
		    "name", a->name, "reason", a->absent)) == 0 ? 0 :
		    ec_err_nomem(err);
	}
	if (ec_file_read_small(&data, &len, path, EC_DEVPORTAL_MAX_ASSET,
	    err) == -1)
		return -1;
	ec_sha256_hex(hex, data, len);
	if (ec_build_input(b, "asset", "devportal", a->name, hex, err) == -1 ||
	    ec_build_add_mem(b, &fd, data, len, NULL, err) == -1 ||
	    (a->render == PORTAL_MARKDOWN &&
	    portal_html(b, a, data, len, err) == -1))
		goto out;
	rc = 0;
out:
	free(data);
	return rc;
}

/* portal.json: the bundle's table of contents, and what it lacks. */
static int
portal_index(struct ec_build *b, json_t *present, json_t *absent,
    struct ec_err *err)
{
	struct ec_file_desc	 fd = { EC_FILE_METADATA, NULL, NULL, NULL,
				    "portal.json" };
	struct ec_buf		 out;
	json_t			*doc;
	int			 rc = -1;

	ec_buf_init(&out, EC_MAX_META_BYTES);
	doc = json_pack("{s:i, s:O, s:O, s:s}", "schemaVersion", 1,
	    "contents", present, "absent", absent, "verify",
	    "sh verify-offline.sh PUBLIC.pem");
	if (doc == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	if (ec_canon_dump(&out, doc, err) == -1)
		goto out;
	rc = ec_build_add_mem(b, &fd, out.data, out.len, NULL, err);
out:
	json_decref(doc);
	ec_buf_dispose(&out);
	return rc;
}

static int
portal_write(struct ec_build *b, struct ec_err *err)
{
	static const struct ec_file_desc	 vfd = { EC_FILE_ITEM, "tool",
						    "verify-offline", "sh",
						    "verify-offline.sh" };
	json_t					*present, *absent;
	size_t					 i, n;
	int					 rc = -1;

	present = json_array();
	absent = json_array();
	if (present == NULL || absent == NULL) {
		(void)ec_err_nomem(err);
		goto out;
	}
	for (i = 0; i < PORTAL_NASSETS; i++) {
		n = json_array_size(absent);
		if (portal_asset(b, &portal_assets[i], absent, err) == -1)
			goto out;
		if (json_array_size(absent) == n && (json_array_append_new(
		    present, json_string(portal_assets[i].path)) == -1 ||
		    (portal_assets[i].html != NULL && json_array_append_new(
		    present, json_string(portal_assets[i].html)) == -1))) {
			(void)ec_err_nomem(err);
			goto out;
		}
	}
	if (ec_build_add_mem(b, &vfd, ec_devportal_verify_sh,
	    strlen(ec_devportal_verify_sh), NULL, err) == -1 ||
	    portal_index(b, present, absent, err) == -1)
		goto out;
	rc = 0;
out:
	json_decref(present);
	json_decref(absent);
	return rc;
}

const struct ec_profile ec_profile_devportal_offline = {
	.name = "devportal:offline",
	.build_type =
	    "https://stella-ops.org/export-center/profiles/devportal-offline/v1",
	.flags = EC_PROFILE_PACK | EC_PROFILE_NO_STORE,
	.params = portal_params,
	.check = portal_check,
	.plan = portal_plan,
	.write = portal_write,
};
