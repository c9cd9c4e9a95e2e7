/* exportctl build, estimate, verify, policy and profiles. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_age.h"
#include "ec_db.h"
#include "ec_err.h"
#include "ec_export.h"
#include "ec_findings.h"
#include "ec_key.h"
#include "ec_keyring.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_profile.h"
#include "ec_split.h"
#include "ec_store.h"
#include "ec_verify.h"
#include "exportctl.h"

static int
build_print(const struct cli *c, const struct ec_export_result *r)
{
	if (!c->json) {
		printf("%s %s%s\n", r->packed ? "bundle   " : "directory",
		    r->path, r->existed ? " (identical, already there)" : "");
		printf("sha256    %s%s\n", r->sha256,
		    r->packed ? "" : " (manifest.json)");
		printf("size      %llu bytes\n", (unsigned long long)r->size);
		printf("run       %s\n", r->run_id);
		printf("inputs    %llu documents, inputsHash %s\n",
		    (unsigned long long)r->documents, r->inputs_hash);
		if (r->skipped > 0)
			printf("skipped   %llu documents the profile cannot "
			    "express (see provenance.json)\n",
			    (unsigned long long)r->skipped);
		printf("items     %zu\n", r->items);
		if (r->files > 0)
			printf("files     %zu metadata\n", r->files);
		printf("signed    %s\n", r->signed_ ? "yes" : "no");
		if (r->encrypted)
			printf("encrypted age v1, sha256 %s\n", r->age_sha256);
		if (r->parts > 0)
			printf("split     %u parts\n", r->parts);
	}
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:I, "
	    "s:b, s:b, s:b, s:b, s:s, s:i, s:I}", "ok", 1, "path", r->path,
	    "sha256", r->sha256,
	    "size", (json_int_t)r->size, "runId", r->run_id,
	    "inputsHash", r->inputs_hash,
	    "documents", (json_int_t)r->documents,
	    "items", (json_int_t)r->items, "files", (json_int_t)r->files,
	    "signed", r->signed_, "packed", r->packed,
	    "existed", r->existed, "encrypted", r->encrypted,
	    "ageSha256", r->age_sha256, "parts", (int)r->parts,
	    "skipped", (json_int_t)r->skipped));
	return EXIT_OK;
}

/* Connect and run the build; profiles without evidence skip the database. */
static int
build_with_store(struct ec_export_result *res, const struct cli *c,
    const struct ec_export_req *req, struct ec_err *err)
{
	struct ec_db	*db = NULL;
	struct ec_store	*store = NULL;
	int		 rc = -1;

	if (ec_export_needs_store(req) &&
	    (cli_connect(&db, c, err) == -1 ||
	    ec_store_pg_new(&store, db, err) == -1))
		goto out;
	rc = ec_export_build(res, store, req, err);
out:
	ec_store_free(store);
	ec_db_free(db);
	return rc;
}

/*
 * The build's signer: --key's file, or --key-ref resolved for the tenant
 * through --keyring (a key file or a token key), never both.
 */
static int
build_signer(const struct cli *c, struct ec_signer **out, const char *key,
    const char *ref, const char *keyring, const char *tenant,
    struct ec_err *err)
{
	struct ec_keyring	*kr = NULL;
	int			 rc;

	if (ref == NULL)
		return key != NULL ? cli_load_signer(c, out, key, err) : 0;
	if (ec_keyring_open(&kr, keyring, err) == -1)
		return -1;
	rc = ec_keyring_signer(out, kr, tenant, ref, err);
	ec_keyring_free(kr);
	return rc;
}

/* --recipient, --recipients-file and --split-size of build. */
static int
build_wrap_opt(struct ec_export_req *req, struct ec_age_recipient *rcpt,
    int ch, struct ec_err *err)
{
	if (ch == 'a' && req->nrecipients == EC_AGE_MAX_RECIPIENTS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "at most %d recipients", EC_AGE_MAX_RECIPIENTS);
	if (ch == 'a')
		return ec_age_recipient_parse(&rcpt[req->nrecipients++],
		    optarg, strlen(optarg), err);
	if (ch == 'A')
		return ec_age_recipients_read(rcpt, EC_AGE_MAX_RECIPIENTS,
		    &req->nrecipients, optarg, err);
	if (ch == 'z')
		return ec_split_size_parse(&req->split_size, optarg, err);
	return 0;
}

/* What build and estimate parse; static, as the arrays are large. */
struct build_args {
	struct ec_export_req	 req;
	const char		*key;
	const char		*ref;		/* --key-ref */
	const char		*ring;		/* --keyring */
	const char		*params[EC_PARAM_MAX + 1];
	char			 alias[2][EC_PARAM_VALUE_MAX + 16];
	/* A second and later --key: "tuf-keys=K2,K3" (mirror:full). */
	char			 more_keys[EC_PARAM_VALUE_MAX + 16];
	struct ec_age_recipient	 rcpt[EC_AGE_MAX_RECIPIENTS];
};

/*
 * --key: the first signs the bundle; each later one is one more TUF key
 * of a mirror, passed on as the parameter tuf-keys (a profile without
 * it refuses the parameter by name).
 */
static int
build_more_key(struct build_args *a, const char *path)
{
	size_t	len = strlen(a->more_keys);

	if (a->key == NULL) {
		a->key = path;
		return 0;
	}
	if (snprintf(a->more_keys + len, sizeof(a->more_keys) - len, "%s%s",
	    len == 0 ? "tuf-keys=" : ",", path) >=
	    (int)(sizeof(a->more_keys) - len))
		return -1;
	return 0;
}

/* build's and estimate's options; 0, or the exit code of a failure. */
static int
build_parse(struct build_args *a, struct cli *c, int argc, char **argv,
    const char *cmd)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "profile", required_argument, NULL, 'p' },
		{ "tenant", required_argument, NULL, 't' },
		{ "targets", required_argument, NULL, 'T' },
		{ "formats", required_argument, NULL, 'F' },
		{ "key", required_argument, NULL, 'k' },
		{ "run-id", required_argument, NULL, 'r' },
		{ "max-bytes", required_argument, NULL, 'm' },
		{ "staging", required_argument, NULL, 'S' },
		{ "out", required_argument, NULL, 'o' },
		{ "param", required_argument, NULL, 'P' },
		{ "base", required_argument, NULL, 'B' },
		{ "policy", required_argument, NULL, 'L' },
		{ "recipient", required_argument, NULL, 'a' },
		{ "recipients-file", required_argument, NULL, 'A' },
		{ "split-size", required_argument, NULL, 'z' },
		{ "key-ref", required_argument, NULL, 'e' },
		{ "keyring", required_argument, NULL, 'y' },
		{ NULL, 0, NULL, 0 } };
	struct ec_export_req		*req = &a->req;
	struct ec_err			 err;
	int				 ch;

	memset(req, 0, sizeof(*req));
	req->params = a->params;
	req->recipients = a->rcpt;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		/* Recipients and sizes are refused before any work. */
		if (build_wrap_opt(req, a->rcpt, ch, &err) == -1)
			return cli_fail(c, &err);
		switch (ch) {
		case 'a': case 'A': case 'z': break;
		case 'p': req->profile = optarg; break;
		case 't': req->tenant = optarg; break;
		case 'T': req->targets = optarg; break;
		case 'F': req->formats = optarg; break;
		case 'k':
			if (build_more_key(a, optarg) == -1)
				return cli_usage("%s: --key: too many", cmd);
			break;
		case 'e': a->ref = optarg; break;
		case 'y': a->ring = optarg; break;
		case 'r': req->run_id = optarg; break;
		case 'S': req->staging_dir = optarg; break;
		case 'o': req->out_dir = optarg; break;
		case 'B':
		case 'L':
			/* --base X and --policy X: --param base=X, policy=X. */
			(void)snprintf(a->alias[ch == 'L'], sizeof(a->alias[0]),
			    "%s=%s", ch == 'B' ? "base" : "policy", optarg);
			optarg = a->alias[ch == 'L'];
			/* FALLTHROUGH */
		case 'P':
			/* One past the limit, so that the library names it. */
			if (req->nparams <= EC_PARAM_MAX)
				a->params[req->nparams++] = optarg;
			break;
		case 'm':
			if (ec_parse_u64(&req->max_bytes, optarg, 1,
			    EC_MAX_BUNDLE_BYTES) == -1)
				return cli_usage("%s: --max-bytes: 1 to %llu",
				    cmd, EC_MAX_BUNDLE_BYTES);
			break;
		default:
			if (!cli_common(c, ch))
				return cli_usage("%s: bad option", cmd);
		}
	}
	if (req->profile == NULL || req->tenant == NULL || optind != argc)
		return cli_usage("%s: --profile and --tenant are required",
		    cmd);
	if (a->more_keys[0] != '\0' && req->nparams <= EC_PARAM_MAX)
		a->params[req->nparams++] = a->more_keys;
	return 0;
}

int
cmd_build(struct cli *c, int argc, char **argv)
{
	static struct build_args	 a;
	struct ec_export_req		*r = &a.req;
	struct ec_export_result		 res;
	struct ec_signer		*signer = NULL;
	struct ec_err			 err;
	int				 rc;

	if ((rc = build_parse(&a, c, argc, argv, "build")) != 0)
		return rc;
	if (r->out_dir == NULL)
		return cli_usage("build: --out is required");
	if ((a.ref != NULL) != (a.ring != NULL) ||
	    (a.ref != NULL && a.key != NULL))
		return cli_usage("build: --key-ref goes with --keyring, and "
		    "not with --key");
	/* Fail on a bad request or key before touching the database. */
	if (ec_export_check(r, &err) == -1 ||
	    build_signer(c, &signer, a.key, a.ref, a.ring, r->tenant,
	    &err) == -1)
		return cli_fail(c, &err);
	r->signer = signer;
	if (build_with_store(&res, c, r, &err) == -1)
		rc = cli_fail(c, &err);
	else
		rc = build_print(c, &res);
	ec_signer_free(signer);
	return rc;
}

static void
estimate_print(const struct cli *c, const struct ec_export_estimate *e,
    const char *out_dir)
{
	if (!c->json && out_dir == NULL)
		printf("(no --out: the output file system is not measured)\n");
	if (!c->json)
		printf("documents %llu\noutputs   %llu files\n"
		    "tree      about %llu bytes uncompressed\n"
		    "bundle    about %llu bytes\n"
		    "staging   needs %llu bytes free, %llu available\n"
		    "output    needs %llu bytes free, %llu available%s\n"
		    "fits      %s\n", (unsigned long long)e->documents,
		    (unsigned long long)e->outputs,
		    (unsigned long long)e->tree_bytes,
		    (unsigned long long)e->bundle_bytes,
		    (unsigned long long)e->staging_need,
		    (unsigned long long)e->staging_free,
		    (unsigned long long)e->out_need,
		    (unsigned long long)e->out_free,
		    e->same_fs ? " (same file system as staging)" : "",
		    e->fits ? "yes" : "no");
	cli_emit(c, json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:b, s:b}", "ok", 1, "documents", (json_int_t)e->documents,
	    "outputs", (json_int_t)e->outputs,
	    "treeBytes", (json_int_t)e->tree_bytes,
	    "bundleBytes", (json_int_t)e->bundle_bytes,
	    "stagingNeed", (json_int_t)e->staging_need,
	    "stagingFree", (json_int_t)e->staging_free,
	    "outNeed", (json_int_t)e->out_need,
	    "outFree", (json_int_t)e->out_free, "sameFs", e->same_fs,
	    "fits", e->fits));
}

int
cmd_estimate(struct cli *c, int argc, char **argv)
{
	static struct build_args	 a;
	struct ec_export_estimate	 e;
	struct ec_db			*db = NULL;
	struct ec_store			*store = NULL;
	struct ec_err			 err;
	int				 rc;

	if ((rc = build_parse(&a, c, argc, argv, "estimate")) != 0)
		return rc;
	if (ec_export_check(&a.req, &err) == -1)
		return cli_fail(c, &err);
	rc = -1;
	if (!ec_export_needs_store(&a.req) ||
	    (ec_db_connect(&db, c->db, &err) == 0 &&
	    ec_store_pg_new(&store, db, &err) == 0))
		rc = ec_export_estimate(&e, store, &a.req, &err);
	ec_store_free(store);
	ec_db_free(db);
	if (rc == -1)
		return cli_fail(c, &err);
	estimate_print(c, &e, a.req.out_dir);
	return EXIT_OK;
}

int
cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "key", required_argument, NULL, 'k' },
		{ "identity", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 } };
	static struct ec_age_identity	 ids[EC_AGE_MAX_IDENTITIES];
	struct ec_verify_result		 res;
	struct ec_export_opened		 op;
	struct ec_verifier		*key = NULL;
	struct ec_err			 err;
	const char			*keypath = NULL;
	size_t				 nids = 0;
	int				 ch, rc;

	memset(&op, 0, sizeof(op));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'k')
			keypath = optarg;
		else if (ch == 'i') {
			if (ec_age_identities_read(ids, EC_AGE_MAX_IDENTITIES,
			    &nids, optarg, &err) == -1)
				return cli_fail(c, &err);
		} else if (!cli_common(c, ch))
			return cli_usage("verify: bad option");
	}
	if (optind >= argc)
		return cli_usage("verify: a BUNDLE, or the parts of one");
	if (keypath != NULL && ec_verifier_load(&key, keypath, &err) == -1)
		return cli_fail(c, &err);
	/* Parts and .age: joined and decrypted in a private temporary. */
	rc = ec_export_open(&op, (const char *const *)argv + optind,
	    (size_t)(argc - optind), key, ids, nids, &err);
	ec_age_identity_wipe(ids, nids);
	if (rc == 0)
		rc = ec_verify_bundle(&res, op.path, key, &err);
	ec_export_opened_dispose(&op);
	ec_verifier_free(key);
	if (rc == -1)
		return cli_fail(c, &err);
	if (!c->json && op.parts > 0)
		printf("parts     %u joined, each sha256 matches the %s parts "
		    "manifest\n", op.parts, op.split_signed ? "signed" :
		    "(unsigned)");
	if (!c->json && op.decrypted)
		printf("decrypted age v1 with the identity, in a private "
		    "temporary (removed)\n");
	if (!c->json) {
		printf("verified  %s\n", argv[optind]);
		printf("profile   %s, run %s\n", res.profile, res.run_id);
		printf("files     %zu checked against checksums.txt\n",
		    res.files);
		printf("manifest  %zu items match\n", res.items);
		printf("provenance %zu subjects match\n", res.subjects);
		if (res.signed_)
			printf("signatures manifest.dsse.json and "
			    "provenance.dsse.json verify with key %s\n",
			    res.keyid);
		else
			printf("signatures none (unsigned bundle)\n");
	}
	cli_emit(c, json_pack("{s:b, s:s, s:i, s:b, s:s, s:s, s:I, s:I, s:I, "
	    "s:b, s:s}", "ok", 1, "bundle", argv[optind], "parts",
	    (int)op.parts, "decrypted", op.decrypted, "profile", res.profile,
	    "runId", res.run_id, "files", (json_int_t)res.files,
	    "items", (json_int_t)res.items,
	    "subjects", (json_int_t)res.subjects, "signed", res.signed_,
	    "keyid", res.keyid));
	return EXIT_OK;
}

int
cmd_policy(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
					    { NULL, 0, NULL, 0 } };
	struct ec_err			err;
	size_t				sboms, lines;
	int				ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (!cli_common(c, ch))
			return cli_usage("policy: bad option");
	if (optind + 2 != argc || strcmp(argv[optind], "replay") != 0)
		return cli_usage("policy: replay BUNDLE");
	if (ec_findings_replay(argv[optind + 1], &sboms, &lines, &err) == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("replayed  %s\n%zu SBOMs, %zu evaluation lines "
		    "reproduced byte for byte\n", argv[optind + 1], sboms,
		    lines);
	cli_emit(c, json_pack("{s:b, s:s, s:I, s:I}", "ok", 1, "bundle",
	    argv[optind + 1], "sboms", (json_int_t)sboms, "lines",
	    (json_int_t)lines));
	return EXIT_OK;
}

int
cmd_profiles(struct cli *c, int argc, char **argv)
{
	static const struct option	 opts[] = { CLI_COMMON_OPTS,
					    { NULL, 0, NULL, 0 } };
	const struct ec_profile *const	*all;
	json_t				*list = json_array();
	size_t				 i, n;
	int				 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (!cli_common(c, ch)) {
			json_decref(list);
			return cli_usage("profiles: bad option");
		}
	all = ec_profile_all(&n);
	for (i = 0; i < n; i++) {
		if (!c->json)
			printf("%s\n", all[i]->name);
		(void)json_array_append_new(list, json_string(all[i]->name));
	}
	cli_emit(c, json_pack("{s:b, s:o}", "ok", 1, "profiles", list));
	return EXIT_OK;
}
