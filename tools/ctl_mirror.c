/*
 * exportctl mirror diff|apply: deltas between mirror trees
 * (ec_mirror_delta.h), for operators and for the tests of the engine.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ec_key.h"
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

int
cmd_mirror(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_mirror_stats		 st;
	struct ec_signer		*signer = NULL;
	struct ec_verifier		*verifier = NULL;
	struct ec_err			 err;
	const char			*key = NULL, *out = NULL, *sub;
	int				 ch, rc;

	if (argc > 1 && strcmp(argv[1], "decrypt") == 0)
		return cmd_mirror_decrypt(c, argc - 1, argv + 1);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'k')
			key = optarg;
		else if (ch == 'o')
			out = optarg;
		else if (!cli_common(c, ch))
			return cli_usage("mirror: bad option");
	}
	if (optind + 3 != argc || out == NULL || key == NULL ||
	    (strcmp(argv[optind], "diff") != 0 &&
	    strcmp(argv[optind], "apply") != 0))
		return cli_usage("mirror: expected \"mirror diff BASE NEW "
		    "--out DELTA --key PRIVATE.pem\" or \"mirror apply BASE "
		    "DELTA --out DIR --key PUBLIC.pem\"");
	sub = argv[optind];
	memset(&st, 0, sizeof(st));
	if (strcmp(sub, "diff") == 0)
		rc = cli_load_signer(c, &signer, key, &err) == -1 ||
		    ec_mirror_delta_diff(&st, argv[optind + 1],
		    argv[optind + 2], signer, out, &err) == -1 ? -1 : 0;
	else
		rc = ec_verifier_load(&verifier, key, &err) == -1 ||
		    ec_mirror_delta_apply(&st, argv[optind + 1],
		    argv[optind + 2], verifier, out, &err) == -1 ? -1 : 0;
	ec_signer_free(signer);
	ec_verifier_free(verifier);
	if (rc == -1)
		return cli_fail(c, &err);
	return mirror_report(c, strcmp(sub, "diff") == 0 ? "delta" :
	    "applied", &st, out);
}
