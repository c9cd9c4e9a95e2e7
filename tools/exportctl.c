/*
 * exportctl: the operator's command line.  Thin: parse argv, call lib/,
 * print.  Exit codes: 0 success, 1 usage, 2 input or runtime error,
 * 3 verification failed.  --json prints one JSON object on stdout for
 * every command; errors also go to stderr as one line.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_db.h"
#include "ec_err.h"
#include "ec_key.h"
#include "exportctl.h"

#define EXPORTCTL_VERSION	"0.1.0"

static const char usage_text[] =
"usage: exportctl [--db CONNINFO] [--json] [--strict] COMMAND [ARGS]\n"
"\n"
"commands:\n"
"  db migrate                     apply pending schema migrations\n"
"  ingest --tenant T [--source S] [--verbose] PATH...\n"
"                                 load OSV, OpenVEX, CSAF VEX, CycloneDX\n"
"                                 and SPDX JSON: files, directories (their\n"
"                                 *.json), archives (.zip .tar .tar.gz\n"
"                                 .tar.zst .tar.xz; their *.json members)\n"
"                                 or - (NDJSON on stdin, one per line);\n"
"                                 counts inserted, updated, unchanged,\n"
"                                 stale, superseded (same kind, id and\n"
"                                 source replaced in the same run; listed\n"
"                                 by --verbose), failed and skipped;\n"
"                                 --source: [A-Za-z0-9._:/@+-], default\n"
"                                 the document format\n"
"  build --profile P --tenant T --out DIR [--targets LIST]\n"
"        [--formats LIST] [--key PRIVATE.pem] [--run-id ID]\n"
"        [--max-bytes N] [--staging DIR] [--param KEY=VALUE]...\n"
"        [--base DIR] [--policy FILE] [--recipient age1...]...\n"
"        [--recipients-file FILE] [--split-size N[K|M|G|T]]\n"
"        [--key-ref REF --keyring FILE]\n"
"                                 build DIR/<name>.tar.zst (json:raw) or\n"
"                                 the directory DIR/<name>/; DIR is made\n"
"                                 (0755) when missing, its parent must\n"
"                                 exist; --param passes a parameter of\n"
"                                 the profile's own (--base X, --policy X:\n"
"                                 --param base=X, policy=X); a reused\n"
"                                 --run-id is refused unless the bytes\n"
"                                 are identical; --key-ref signs with the\n"
"                                 tenant's key REF from the keyring FILE\n"
"                                 (a key file or a PKCS#11 token key);\n"
"                                 packed bundles only:\n"
"                                 --recipient publishes <name>.age (no\n"
"                                 plaintext), --split-size the directory\n"
"                                 <file>.split/ of parts and manifest;\n"
"                                 trivy:db: DIR/<name>/ with trivy.db,\n"
"                                 metadata.json, db.tar.gz and the OCI\n"
"                                 layout oci/ (tag 2); trivy:java-db:\n"
"                                 trivy-java.db, javadb.tar.gz, oci/ (tag\n"
"                                 1); advisories or SBOMs they cannot\n"
"                                 express are counted as skipped;\n"
"                                 mirror:full: DIR/<name>/ with oci/,\n"
"                                 data/raw/, indexes/ and a TUF\n"
"                                 repository tuf/ signed by every --key\n"
"                                 (Ed25519; --param tuf-threshold=N,\n"
"                                 expires-*, tuf-roots: README \"Mirrors\")\n"
"  estimate --profile P --tenant T [--targets LIST] [--formats LIST]\n"
"        [--param KEY=VALUE]... [--staging DIR] [--out DIR]\n"
"        [--recipient age1...]... [--split-size N]\n"
"                                 the expected size and the free space a\n"
"                                 build needs, before it starts; build\n"
"                                 refuses to start without that space\n"
"  verify BUNDLE|PARTS... [--key PUBLIC.pem] [--identity FILE]...\n"
"                                 verify a bundle (.tar.zst or directory)\n"
"                                 offline; also NAME.age (decrypted with\n"
"                                 --identity in a private temporary) and\n"
"                                 a split bundle: its NAME.split directory,\n"
"                                 NAME.split.json or the parts\n"
"  keys generate --type ed25519|ecdsa-p256 --out DIR\n"
"                                 write signing.key.pem (0600) and\n"
"                                 signing.pub.pem\n"
"  keys generate --type age --out DIR\n"
"                                 write age-identity.txt (0600, age-keygen\n"
"                                 format) and age-recipients.txt\n"
"  encrypt -r age1... [-r ...] [-R RECIPIENTS_FILE] [-o OUT] FILE\n"
"                                 encrypt FILE to age v1 (default OUT:\n"
"                                 FILE.age); \"age -d -i\" decrypts it\n"
"  decrypt -i IDENTITY_FILE [-i ...] [-o OUT] FILE\n"
"                                 decrypt an age v1 file (default OUT: FILE\n"
"                                 without .age); no output unless every\n"
"                                 chunk authenticates\n"
"  split --size N[K|M|G|T] [--key PRIVATE.pem] [--out DIR] FILE\n"
"                                 cut FILE into FILE.part0001... with a\n"
"                                 parts manifest FILE.split.json (signed:\n"
"                                 FILE.split.dsse.json)\n"
"  join [--manifest M] [--key PUBLIC.pem] --out FILE PARTS...\n"
"                                 check every part against the manifest\n"
"                                 and join them; FILE appears only whole\n"
"  tuf write --key PRIVATE.pem [--key ...] [--threshold T]\n"
"        --expires TIME --out DIR [--version N] [--root-version N]\n"
"        [--old-key PRIVATE.pem ...] FILE...\n"
"                                 a TUF repository (consistent snapshots)\n"
"                                 serving FILE...: DIR/metadata/ and\n"
"                                 DIR/targets/, every role signed by the\n"
"                                 Ed25519 keys; a rotated root also by\n"
"                                 the old root's --old-key\n"
"  mirror diff BASE NEW --out DELTA --key PRIVATE.pem\n"
"                                 the delta from tree BASE to tree NEW:\n"
"                                 new and changed files, the signed\n"
"                                 removals, manifest.diff.json\n"
"  mirror apply [-i IDENTITY_FILE] BASE DELTA --out DIR --key PUBLIC.pem\n"
"                                 BASE + DELTA as the new tree DIR (with\n"
"                                 appliedExportIds.log), published whole;\n"
"                                 a wrong base: ERR_EXPORT_BASE_MISSING;\n"
"                                 -i IDENTITY_FILE [-i ...]: DELTA is\n"
"                                 encrypted (build --recipient)\n"
"  mirror decrypt -i IDENTITY_FILE [-i ...] DIR --out DIR2\n"
"                                 an age-encrypted mirror (build\n"
"                                 --recipient) back to the plain mirror\n"
"  tuf rotate --key NEW.pem [--key ...] --old-key OLD.pem [...]\n"
"        [--threshold T] --expires TIME --out MIRROR\n"
"                                 a mirror's next root, N+1.root.json,\n"
"                                 signed by the old and the new keys,\n"
"                                 and its targets re-signed by the new\n"
"                                 ones (mirror:full, README \"Mirrors\")\n"
"  push [--creds FILE] [--ca-file PEM] [--insecure-http] [--attach FILE]\n"
"       [--chunk-size N[K|M|G]] [--mount-from REPO] [--retries N]\n"
"       [--retry-max-time SECONDS] LAYOUT_DIR host[:port]/repo[:tag]\n"
"                                 push an OCI image layout to a registry\n"
"                                 (tag default: index.json's ref.name);\n"
"                                 --creds: docker config.json \"auths\";\n"
"                                 --attach: a DSSE envelope pushed as a\n"
"                                 referrer, also tagged sha256-<hex>.att\n"
"  policy replay BUNDLE           decide a json:policy bundle again from\n"
"                                 its own contents (no database); exit 3\n"
"                                 naming the first difference\n"
"  profiles                       list export profiles\n"
"  run create --tenant T --profile NAME [--targets LIST] [--formats LIST]\n"
"        [--param KEY=VALUE]... [--idempotency-key K] [--priority 0-9]\n"
"        [--distribution oci:host[:port]/repo[:tag]] [--retention-days N]\n"
"        [--base-run RUN_ID]\n"
"                                 queue a run for export-cron; prints its\n"
"                                 id (the same key and request: the same\n"
"                                 run; another request: ERR_CONFLICT);\n"
"                                 --distribution: push the output's OCI\n"
"                                 artifact (trivy:db, trivy:java-db) there;\n"
"                                 --retention-days: expire it N days after\n"
"                                 it finished (export-cron, README);\n"
"                                 --base-run: mirror:delta's base, an\n"
"                                 earlier mirror run (baseRunId)\n"
"  run show RUN_ID --tenant T     status, progress, outputs with sha256\n"
"  run wait RUN_ID --tenant T [--timeout SECONDS]\n"
"                                 wait until the run has finished (default\n"
"                                 600 s); exit 0 only if it succeeded\n"
"  schedule set --tenant T --profile NAME --cron EXPR\n"
"        [--template JSON|@FILE] [--retention-days N]\n"
"                                 export-cron enqueues a run of the\n"
"                                 profile at each slot (5 fields or\n"
"                                 @daily etc., UTC) from the template\n"
"  schedule list --tenant T [--now TIME]\n"
"                                 scheduled profiles and their next slot\n"
"  schedule clear --tenant T --profile NAME\n"
"\n"
"options:\n"
"  --db CONNINFO   PostgreSQL connection string; default $EXPORT_CENTER_DB,\n"
"                  then libpq's defaults (PGHOST, PGPORT, ...)\n"
"  --json          machine-readable output on stdout\n"
"  --strict        refuse a private key file group or others can access\n"
"                  (by default a warning, as ssh-style checks go)\n"
"  --help, --version\n"
"\n"
"targets: advisory,vex,sbom   formats: json,ndjson\n"
"profiles: json:raw, json:policy, trivy:db, trivy:java-db,\n"
"          mirror:full, devportal:offline (exportctl profiles lists them)\n"
"json:policy: --policy FILE (a policy document, tools/policy.schema.json)\n"
"         overrides the tenant's stored policy for one run; with several\n"
"         stored policies, --param policy-id=ID names one\n"
"tenants: 1 to 64 of [A-Za-z0-9._-], not starting with '.' or '-';\n"
"         case-sensitive\n"
"exit status: 0 success, 1 usage error, 2 input or runtime error,\n"
"3 verification failed\n";
int
cli_usage(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "exportctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%s", usage_text);
	return EXIT_USAGE;
}

/* Print a result object (stolen) when --json is on. */
void
cli_emit(const struct cli *c, json_t *o)
{
	if (c->json && o != NULL) {
		(void)json_dumpf(o, stdout, JSON_SORT_KEYS | JSON_COMPACT);
		(void)fputc('\n', stdout);
	}
	json_decref(o);
}

/* The one error line, and the JSON form of it; returns the exit code. */
int
cli_fail(const struct cli *c, const struct ec_err *err)
{
	fprintf(stderr, "exportctl: %s: %s\n", ec_err_name(err->code),
	    err->msg);
	cli_emit(c, json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code",
	    ec_err_name(err->code), "message", err->msg));
	return ec_err_exit_code(err->code);
}



bool
cli_common(struct cli *c, int ch)
{
	if (ch == 'h') {
		fputs(usage_text, stdout);
		exit(EXIT_OK);
	}
	if (ch == 'D')
		c->db = optarg;
	else if (ch == 'J')
		c->json = true;
	else if (ch == 'X')
		c->strict = true;
	else
		return false;
	return true;
}

/*
 * Connect, and say once when row-level security is not in force for the
 * role: the explicit tenant predicates still keep tenants apart.
 */
int
cli_connect(struct ec_db **out, const struct cli *c, struct ec_err *err)
{
	if (ec_db_connect(out, c->db, err) == -1)
		return -1;
	if (ec_db_bypasses_rls(*out))
		fprintf(stderr, "exportctl: warning: connected as a role that "
		    "bypasses row-level security (superuser or BYPASSRLS); "
		    "tenant predicates still apply\n");
	return 0;
}

/* A private key others can access: a warning, or with --strict a refusal. */
int
cli_load_signer(const struct cli *c, struct ec_signer **out, const char *path,
    struct ec_err *err)
{
	bool	exposed = false;

	if (ec_signer_load_checked(out, &exposed, path, c->strict, err) == -1)
		return -1;
	if (exposed)
		fprintf(stderr, "exportctl: warning: %s: private key file is "
		    "accessible by group or others (chmod 600 it; --strict "
		    "refuses it)\n", path);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
					    { "version", no_argument, NULL,
					    'V' },
					    { NULL, 0, NULL, 0 } };
	static const struct {
		const char	*name;
		int		(*fn)(struct cli *, int, char **);
	} cmds[] = {
		{ "build", cmd_build }, { "db", cmd_db },
		{ "decrypt", cmd_decrypt }, { "encrypt", cmd_encrypt },
		{ "estimate", cmd_estimate },
		{ "ingest", cmd_ingest }, { "join", cmd_join },
		{ "keys", cmd_keys }, { "split", cmd_split },
		{ "mirror", cmd_mirror },
		{ "policy", cmd_policy }, { "tuf", cmd_tuf },
		{ "push", cmd_push },
		{ "profiles", cmd_profiles }, { "run", cmd_run },
		{ "schedule", cmd_schedule },
		{ "verify", cmd_verify },
	};
	struct cli	c = { NULL, false, false };
	size_t		i;
	int		ch;

	/* "+": stop at the command; it parses the rest itself. */
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(usage_text, stdout);
			return EXIT_OK;
		}
		if (ch == 'V') {
			printf("exportctl %s\n", EXPORTCTL_VERSION);
			return EXIT_OK;
		}
		if (!cli_common(&c, ch))
			return cli_usage("bad option");
	}
	if (optind >= argc)
		return cli_usage("no command given");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0) {
			argc -= optind;
			argv += optind;
			optind = 0;	/* GNU: reinitialise for the command */
			return cmds[i].fn(&c, argc, argv);
		}
	return cli_usage("unknown command \"%s\"", argv[optind]);
}
