/*
 * tests/unit/t_run_audit.c: the audit events of a built run, made from
 * real outputs: a mirror:delta tree's manifest.diff.json written by the
 * delta engine and signed, a full run, an encrypted run, a run of another
 * profile (no event), and a delta output that lost its manifest (an
 * error, with nothing kept).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tap.h"
#include "ec_key.h"
#include "ec_mirror_delta.h"
#include "ec_run.h"

static char	root[64];

/* "<root>/<tree>/<name>" holding "text" (the tree made if need be). */
static void
file_in(const char *tree, const char *name, const char *text)
{
	char	path[256];
	FILE	*f;

	(void)snprintf(path, sizeof(path), "%s/%s", root, tree);
	(void)mkdir(path, 0755);
	(void)snprintf(path, sizeof(path), "%s/%s/%s", root, tree, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) != 0)
		abort();
}

static const char *
str(const struct ec_run_audit *a, size_t i, const char *key)
{
	return json_string_value(json_object_get(a->payload[i], key));
}

int
main(void)
{
	struct ec_run_claim	 c;
	struct ec_export_req	 req;
	struct ec_export_result	 res;
	struct ec_run_base	 base;
	struct ec_run_audit	 a;
	struct ec_signer	*signer;
	struct ec_err		 err;
	char			 kid[EC_KEY_ID_SIZE], path[256];
	char			 old[256], new[256];

	(void)snprintf(root, sizeof(root), "/tmp/t_run_audit.XXXXXX");
	if (mkdtemp(root) == NULL)
		abort();
	(void)snprintf(path, sizeof(path), "%s/k", root);
	if (mkdir(path, 0700) == -1 ||
	    ec_key_generate(kid, path, EC_KEY_ED25519, &err) == -1)
		abort();
	(void)snprintf(path, sizeof(path), "%s/k/" EC_KEY_PRIV_FILE, root);
	if (ec_signer_load(&signer, path, &err) == -1)
		abort();
	file_in("old", "manifest.json", "{\"runId\":\"run-old\"}");
	file_in("new", "manifest.json", "{\"runId\":\"run-new\"}");
	file_in("new", "a.txt", "a\n");
	(void)snprintf(path, sizeof(path), "%s/delta", root);
	(void)snprintf(old, sizeof(old), "%s/old", root);
	(void)snprintf(new, sizeof(new), "%s/new", root);
	if (ec_mirror_delta_diff(NULL, old, new, signer, path, &err) == -1)
		abort();

	memset(&c, 0, sizeof(c));
	(void)snprintf(c.run_id, sizeof(c.run_id), "run-new");
	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	memset(&base, 0, sizeof(base));
	(void)snprintf(res.run_id, sizeof(res.run_id), "run-new");
	memset(res.sha256, 'a', EC_SHA256_HEX - 1);
	(void)snprintf(res.path, sizeof(res.path), "%s", path);
	(void)snprintf(base.run_id, sizeof(base.run_id), "run-base");
	base.applied = json_pack("[s]", "run-mid");

	req.profile = "mirror:delta";
	ok(ec_run_audit_make(&a, &c, &req, &res, &base, &err) == 0 &&
	    a.n == 2, "mirror:delta on a rebuilt base: two events");
	ok(a.n == 2 && strcmp(a.type[0], "mirror.delta.applied") == 0 &&
	    strcmp(str(&a, 0, "baseRunId"), "run-base") == 0 &&
	    json_equal(json_object_get(a.payload[0], "appliedExportIds"),
	    base.applied), "  ... mirror.delta.applied first, with the ids");
	ok(a.n == 2 && strcmp(a.type[1], "mirror.bundle.created") == 0 &&
	    strcmp(str(&a, 1, "exportId"), "run-new") == 0 &&
	    strcmp(str(&a, 1, "baseExportId"), "run-old") == 0 &&
	    strcmp(str(&a, 1, "baseRunId"), "run-base") == 0 &&
	    strncmp(str(&a, 1, "manifestSha256"), "sha256:aaa", 10) == 0,
	    "  ... mirror.bundle.created: ids of manifest.diff.json");
	ec_run_audit_dispose(&a);

	json_array_clear(base.applied);
	req.profile = "mirror:full";
	res.encrypted = true;
	req.nrecipients = 3;
	ok(ec_run_audit_make(&a, &c, &req, &res, &base, &err) == 0 &&
	    a.n == 2 && strcmp(a.type[0], "mirror.bundle.created") == 0 &&
	    json_object_get(a.payload[0], "baseRunId") == NULL,
	    "mirror:full, no delta applied: bundle without base fields");
	ok(a.n == 2 && strcmp(a.type[1], "mirror.encryption.enabled") == 0 &&
	    json_integer_value(json_object_get(a.payload[1], "recipients")) ==
	    3, "  ... encrypted: mirror.encryption.enabled counts recipients");
	ec_run_audit_dispose(&a);

	req.profile = "json:raw";
	res.encrypted = false;
	ok(ec_run_audit_make(&a, &c, &req, &res, NULL, &err) == 0 &&
	    a.n == 0, "json:raw, not encrypted: no audit event");

	req.profile = "mirror:delta";
	(void)snprintf(res.path, sizeof(res.path), "%s", new);
	ok(ec_run_audit_make(&a, &c, &req, &res, &base, &err) == -1 &&
	    a.n == 0 && strstr(err.msg, EC_MIRROR_DIFF_NAME) != NULL,
	    "a delta output without manifest.diff.json: error, no event");

	json_decref(base.applied);
	ec_signer_free(signer);
	(void)snprintf(path, sizeof(path), "rm -rf '%s'", root);
	if (system(path) != 0)
		return 1;
	return done_testing();
}
