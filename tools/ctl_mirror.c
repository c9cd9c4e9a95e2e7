/*
 * exportctl mirror diff|apply: deltas between mirror trees
 * (ec_mirror_delta.h), for operators and for the tests of the engine.
 * apply -i IDENTITY_FILE takes an encrypted delta (ec_mirror_age.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ec_age.h"
#include "ec_key.h"
#include "ec_mirror_age.h"
#include "ec_mirror_delta.h"
#include "exportctl.h"

static int
mirror_report(const struct cli *c, const char *what,
    const struct ec_mirror_stats *st, const char *out_dir)
{
	if (!c->json)
		printf("%s %s: base %s, export %s: %zu added, %zu changed, "
		    "%zu removed, %zu unchanged\n", what, out_dir, st->base_id,
		    st->export_id, st->added, st->changed, st->removed,
		    st->unchanged);
	/* The importer's audit event (DESIGN.md): mirror.delta.applied. */
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:s, s:s, s:I, s:I, s:I, "
	    "s:I, s:I, s:I}", "ok", 1, "event", strcmp(what, "applied") == 0 ?
	    "mirror.delta.applied" : "mirror.delta.created", "path", out_dir,
	    "baseExportId",
	    st->base_id, "exportId", st->export_id, "added",
	    (json_int_t)st->added, "changed", (json_int_t)st->changed,
	    "removed", (json_int_t)st->removed, "unchanged",
	    (json_int_t)st->unchanged, "deltaBytes",
	    (json_int_t)st->delta_bytes, "treeBytes",
	    (json_int_t)st->tree_bytes));
	return EXIT_OK;
}

/* Apply, of a plain delta, or with identities of an encrypted one. */
static int
mirror_apply(struct ec_mirror_stats *st, const char *key, char **argv,
    const struct ec_age_identity *ids, size_t n, const char *out,
    struct ec_err *err)
{
	struct ec_verifier	*verifier = NULL;
	int			 rc;

	if (ec_verifier_load(&verifier, key, err) == -1)
		return -1;
	rc = n > 0 ? ec_mirror_age_delta_apply(st, argv[0], argv[1], ids, n,
	    verifier, out, err) : ec_mirror_delta_apply(st, argv[0], argv[1],
	    verifier, out, err);
	ec_verifier_free(verifier);
	return rc;
}

int
cmd_mirror(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "identity", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 } };
	struct ec_age_identity		 ids[EC_AGE_MAX_IDENTITIES];
	struct ec_mirror_stats		 st;
	struct ec_signer		*signer = NULL;
	struct ec_err			 err;
	const char			*key = NULL, *out = NULL, *sub;
	size_t				 n = 0;
	int				 ch, rc;

	if (argc > 1 && strcmp(argv[1], "decrypt") == 0)
		return cmd_mirror_decrypt(c, argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "i:", opts, NULL)) != -1) {
		if (ch == 'k')
			key = optarg;
		else if (ch == 'o')
			out = optarg;
		else if (ch == 'i') {
			if (ec_age_identities_read(ids, EC_AGE_MAX_IDENTITIES,
			    &n, optarg, &err) == -1) {
				rc = cli_fail(c, &err);
				goto out;
			}
		} else if (!cli_common(c, ch)) {
			rc = cli_usage("mirror: bad option");
			goto out;
		}
	}
	if (optind + 3 != argc || out == NULL || key == NULL ||
	    (strcmp(argv[optind], "diff") != 0 &&
	    strcmp(argv[optind], "apply") != 0) ||
	    (n > 0 && strcmp(argv[optind], "apply") != 0)) {
		rc = cli_usage("mirror: expected \"mirror diff BASE NEW "
		    "--out DELTA --key PRIVATE.pem\" or \"mirror apply "
		    "[-i IDENTITY_FILE] BASE DELTA --out DIR --key "
		    "PUBLIC.pem\"");
		goto out;
	}
	sub = argv[optind];
	memset(&st, 0, sizeof(st));
	if (strcmp(sub, "diff") == 0)
		rc = cli_load_signer(c, &signer, key, &err) == -1 ||
		    ec_mirror_delta_diff(&st, argv[optind + 1],
		    argv[optind + 2], signer, out, &err) == -1 ? -1 : 0;
	else
		rc = mirror_apply(&st, key, argv + optind + 1, ids, n, out,
		    &err);
	ec_signer_free(signer);
	if (rc == -1)
		rc = cli_fail(c, &err);
	else
		rc = mirror_report(c, strcmp(sub, "diff") == 0 ? "delta" :
		    "applied", &st, out);
out:
	ec_age_identity_wipe(ids, n);
	return rc;
}
