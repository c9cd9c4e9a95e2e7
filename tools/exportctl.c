/*
 * exportctl: the operator's command line.  Thin: parse argv, call lib/,
 * print.  Exit codes: 0 success, 1 usage, 2 input or runtime error,
 * 3 verification failed.  --json prints one JSON object on stdout for
 * every command; errors also go to stderr as one line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ec_age.h"
#include "ec_db.h"
#include "ec_err.h"
#include "ec_export.h"
#include "ec_findings.h"
#include "ec_ingest.h"
#include "ec_key.h"
#include "ec_keyring.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_profile.h"
#include "ec_registry.h"
#include "ec_run.h"
#include "ec_split.h"
#include "ec_store.h"
#include "ec_time.h"
#include "ec_tuf.h"
#include "ec_verify.h"

#define EXPORTCTL_VERSION	"0.1.0"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_ERROR = 2, EXIT_VERIFY = 3 };

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
"                                 express are counted as skipped\n"
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
"        [--distribution oci:host[:port]/repo[:tag]]\n"
"                                 queue a run for export-cron; prints its\n"
"                                 id (the same key and request: the same\n"
"                                 run; another request: ERR_CONFLICT);\n"
"                                 --distribution: push the output's OCI\n"
"                                 artifact (trivy:db, trivy:java-db) there\n"
"  run show RUN_ID --tenant T     status, progress, outputs with sha256\n"
"  run wait RUN_ID --tenant T [--timeout SECONDS]\n"
"                                 wait until the run has finished (default\n"
"                                 600 s); exit 0 only if it succeeded\n"
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
"          devportal:offline (exportctl profiles lists them)\n"
"json:policy: --policy FILE (a policy document, tools/policy.schema.json)\n"
"         overrides the tenant's stored policy for one run; with several\n"
"         stored policies, --param policy-id=ID names one\n"
"tenants: 1 to 64 of [A-Za-z0-9._-], not starting with '.' or '-';\n"
"         case-sensitive\n"
"exit status: 0 success, 1 usage error, 2 input or runtime error,\n"
"3 verification failed\n";

struct cli {
	const char	*db;
	bool		 json;
	bool		 strict;	/* refuse what would only be warned */
};

static int	cli_usage(const char *fmt, ...) EC_PRINTF(1, 2);

static int
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
static void
cli_emit(const struct cli *c, json_t *o)
{
	if (c->json && o != NULL) {
		(void)json_dumpf(o, stdout, JSON_SORT_KEYS | JSON_COMPACT);
		(void)fputc('\n', stdout);
	}
	json_decref(o);
}

/* The one error line, and the JSON form of it; returns the exit code. */
static int
cli_fail(const struct cli *c, const struct ec_err *err)
{
	fprintf(stderr, "exportctl: %s: %s\n", ec_err_name(err->code),
	    err->msg);
	cli_emit(c, json_pack("{s:b, s:{s:s, s:s}}", "ok", 0, "error", "code",
	    ec_err_name(err->code), "message", err->msg));
	return ec_err_exit_code(err->code);
}

/* Common options every subcommand accepts after its name. */
#define CLI_COMMON_OPTS							\
	{ "db", required_argument, NULL, 'D' },				\
	{ "json", no_argument, NULL, 'J' },				\
	{ "strict", no_argument, NULL, 'X' },				\
	{ "help", no_argument, NULL, 'h' }

static bool
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
static int
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

static int
cmd_db(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
					    { NULL, 0, NULL, 0 } };
	struct ec_db			*db;
	struct ec_err			 err;
	bool				 role;
	int				 ch, applied, version;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (!cli_common(c, ch))
			return cli_usage("db: bad option");
	if (optind + 1 != argc || strcmp(argv[optind], "migrate") != 0)
		return cli_usage("db: expected \"db migrate\"");
	if (cli_connect(&db, c, &err) == -1)
		return cli_fail(c, &err);
	if (ec_db_migrate(&applied, &version, db, &err) == -1 ||
	    ec_db_ensure_app_role(&role, db, &err) == -1) {
		ec_db_free(db);
		return cli_fail(c, &err);
	}
	ec_db_free(db);
	/* --json says it as "appRole": false. */
	if (!role && !c->json)
		fprintf(stderr, "exportctl: warning: role export_center_app "
		    "is missing and this role may not create it; run \"db "
		    "migrate\" once as a role with CREATEROLE\n");
	if (!c->json)
		printf("schema at version %d (%d migration%s applied)\n",
		    version, applied, applied == 1 ? "" : "s");
	cli_emit(c, json_pack("{s:b, s:i, s:i, s:b}", "ok", 1, "version",
	    version, "applied", applied, "appRole", role));
	return EXIT_OK;
}

struct ingest_out {
	const struct cli	*c;
	bool			 verbose;
	json_t			*failures;	/* --json: failed inputs */
	size_t			 kinds[4];	/* advisory, vex, sbom, policy */
};

/*
 * Names are raw bytes: escaped before they reach a terminal or JSON.
 * "slot" picks one of two buffers, so that a line can print two names.
 */
static const char *
ingest_name(int slot, const char *raw)
{
	static char	buf[2][8 * 4096 + 1];

	(void)ec_str_escape(buf[slot], sizeof(buf[slot]), raw, strlen(raw));
	return buf[slot];
}

static void
ingest_report(void *arg, const struct ec_ingest_report *r)
{
	struct ingest_out	*io = arg;
	const char		*name = ingest_name(0, r->path);

	if (r->status == EC_INGEST_FAILED) {
		fprintf(stderr, "exportctl: %s: %s: %s\n", name,
		    ec_err_name(r->err->code), r->err->msg);
		if (io->failures != NULL)
			(void)json_array_append_new(io->failures,
			    json_pack("{s:s, s:s, s:s}", "path", name,
			    "code", ec_err_name(r->err->code), "message",
			    r->err->msg));
		return;
	}
	if (r->status == EC_INGEST_SKIPPED) {
		if (r->err != NULL)
			fprintf(stderr, "exportctl: %s: skipped: %s\n", name,
			    r->err->msg);
		if (io->verbose && !io->c->json)
			printf("skipped - - - %s\n", name);
		return;
	}
	io->kinds[strcmp(r->kind, "advisory") == 0 ? 0 :
	    strcmp(r->kind, "vex") == 0 ? 1 :
	    strcmp(r->kind, "policy") == 0 ? 3 : 2]++;
	if (!io->verbose || io->c->json)
		return;
	if (r->supersedes)
		printf("superseded %s %s %s (an earlier document of this "
		    "run, replaced by the next line)\n", r->kind, r->format,
		    ingest_name(1, r->upstream_id));
	printf("%s %s %s %s %s\n", ec_ingest_status_name(r->status),
	    r->kind, r->format, ingest_name(1, r->upstream_id), name);
}

static void
ingest_summary(const struct cli *c, const struct ec_ingest_stats *st,
    struct ingest_out *io)
{
	const size_t	*n = st->count;

	if (!c->json)
		printf("%zu files: %zu inserted, %zu updated, %zu unchanged, "
		    "%zu stale, %zu superseded, %zu failed; %zu skipped; "
		    "advisory %zu, vex %zu, sbom %zu", st->files,
		    n[EC_INGEST_INSERTED], n[EC_INGEST_UPDATED],
		    n[EC_INGEST_UNCHANGED], n[EC_INGEST_STALE],
		    n[EC_INGEST_SUPERSEDED], n[EC_INGEST_FAILED],
		    n[EC_INGEST_SKIPPED], io->kinds[0], io->kinds[1],
		    io->kinds[2]);
	/* Only when there were some: the line stays as it was otherwise. */
	if (!c->json && io->kinds[3] > 0)
		printf(", policy %zu", io->kinds[3]);
	if (!c->json)
		putchar('\n');
	cli_emit(c, json_pack("{s:b, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, "
	    "s:I}, s:{s:I, s:I, s:I, s:I}, s:o}", "ok", n[EC_INGEST_FAILED] == 0,
	    "files", (json_int_t)st->files,
	    "skipped", (json_int_t)n[EC_INGEST_SKIPPED], "status",
	    "inserted", (json_int_t)n[EC_INGEST_INSERTED],
	    "updated", (json_int_t)n[EC_INGEST_UPDATED],
	    "unchanged", (json_int_t)n[EC_INGEST_UNCHANGED],
	    "stale", (json_int_t)n[EC_INGEST_STALE],
	    "superseded", (json_int_t)n[EC_INGEST_SUPERSEDED],
	    "failed", (json_int_t)n[EC_INGEST_FAILED],
	    "kinds", "advisory", (json_int_t)io->kinds[0],
	    "vex", (json_int_t)io->kinds[1], "sbom", (json_int_t)io->kinds[2],
	    "policy", (json_int_t)io->kinds[3],
	    "failures", io->failures != NULL ? io->failures : json_array()));
}

static int
cmd_ingest(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
					    { "tenant", required_argument, NULL,
					    't' },
					    { "source", required_argument, NULL,
					    's' },
					    { "verbose", no_argument, NULL, 'v' },
					    { NULL, 0, NULL, 0 } };
	struct ingest_out		 io;
	struct ec_ingest_stats		 st;
	struct ec_db			*db;
	struct ec_err			 err;
	const char			*tenant = NULL, *source = NULL;
	int				 ch, rc;

	memset(&io, 0, sizeof(io));
	io.c = c;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 't')
			tenant = optarg;
		else if (ch == 's')
			source = optarg;
		else if (ch == 'v')
			io.verbose = true;
		else if (!cli_common(c, ch))
			return cli_usage("ingest: bad option");
	}
	if (tenant == NULL || optind >= argc)
		return cli_usage("ingest: --tenant and at least one PATH "
		    "are required");
	/* Bad arguments are refused before touching the database. */
	if (ec_tenant_check(tenant, &err) == -1 ||
	    (source != NULL && ec_ingest_source_check(source, &err) == -1))
		return cli_fail(c, &err);
	if (cli_connect(&db, c, &err) == -1)
		return cli_fail(c, &err);
	io.failures = c->json ? json_array() : NULL;
	rc = ec_ingest_paths(&st, db, tenant, source, argv + optind,
	    (size_t)(argc - optind), ingest_report, &io, &err);
	ec_db_free(db);
	if (rc == -1) {
		json_decref(io.failures);
		return cli_fail(c, &err);
	}
	ingest_summary(c, &st, &io);
	return st.count[EC_INGEST_FAILED] == 0 ? EXIT_OK : EXIT_ERROR;
}

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

/* A private key others can access: a warning, or with --strict a refusal. */
static int
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
	struct ec_age_recipient	 rcpt[EC_AGE_MAX_RECIPIENTS];
};

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
		case 'k': a->key = optarg; break;
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
	return 0;
}

static int
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

static int
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

static int
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

/* keys generate --type age: an X25519 identity and its recipient. */
static int
keys_age(const struct cli *c, const char *dir)
{
	struct ec_err	err;
	char		r[EC_AGE_RECIPIENT_SIZE];

	if (ec_age_keygen(r, dir, &err) == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("%s/%s\n%s/%s\nrecipient %s\n", dir,
		    EC_AGE_IDENTITY_FILE, dir, EC_AGE_RECIPIENTS_FILE, r);
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:s, s:s}", "ok", 1, "type",
	    "age", "recipient", r, "identity", EC_AGE_IDENTITY_FILE,
	    "recipients", EC_AGE_RECIPIENTS_FILE));
	return EXIT_OK;
}

static int
cmd_keys(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
					    { "type", required_argument, NULL,
					    'y' },
					    { "out", required_argument, NULL,
					    'o' },
					    { NULL, 0, NULL, 0 } };
	enum ec_key_type		 type;
	struct ec_err			 err;
	char				 keyid[EC_KEY_ID_SIZE];
	const char			*tname = NULL, *dir = NULL;
	int				 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'y')
			tname = optarg;
		else if (ch == 'o')
			dir = optarg;
		else if (!cli_common(c, ch))
			return cli_usage("keys: bad option");
	}
	if (optind + 1 != argc || strcmp(argv[optind], "generate") != 0 ||
	    tname == NULL || dir == NULL)
		return cli_usage("keys: expected \"keys generate --type T "
		    "--out DIR\"");
	if (strcmp(tname, "age") == 0)
		return keys_age(c, dir);
	if (ec_key_type_parse(&type, tname, &err) == -1)
		return cli_usage("keys: --type is ed25519, ecdsa-p256 or age");
	if (ec_key_dir_exposed(dir))
		fprintf(stderr, "exportctl: warning: %s is writable by others, "
		    "who could replace the keys in it\n", dir);
	if (ec_key_generate(keyid, dir, type, &err) == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("%s/%s\n%s/%s\nkeyid %s\n", dir, EC_KEY_PRIV_FILE, dir,
		    EC_KEY_PUB_FILE, keyid);
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:s, s:s}", "ok", 1, "type",
	    ec_key_type_name(type), "keyid", keyid, "private",
	    EC_KEY_PRIV_FILE, "public", EC_KEY_PUB_FILE));
	return EXIT_OK;
}

static void
age_print(const struct cli *c, const char *what, const char *out, size_t n)
{
	if (!c->json)
		printf("%s %s (%zu key%s)\n", what, out, n, n == 1 ? "" : "s");
	cli_emit(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "path", out,
	    "keys", (json_int_t)n));
}

static int
cmd_encrypt(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "recipient", required_argument, NULL, 'r' },
		{ "recipients-file", required_argument, NULL, 'R' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_age_recipient		 r[EC_AGE_MAX_RECIPIENTS];
	struct ec_err			 err;
	char				 def[4096];
	const char			*out = NULL;
	size_t				 n = 0;
	int				 ch;

	while ((ch = getopt_long(argc, argv, "r:R:o:", opts, NULL)) != -1) {
		if (ch == 'r' && n == EC_AGE_MAX_RECIPIENTS)
			return cli_usage("encrypt: at most %d recipients",
			    EC_AGE_MAX_RECIPIENTS);
		if ((ch == 'r' && ec_age_recipient_parse(&r[n++], optarg,
		    strlen(optarg), &err) == -1) || (ch == 'R' &&
		    ec_age_recipients_read(r, EC_AGE_MAX_RECIPIENTS, &n,
		    optarg, &err) == -1))
			return cli_fail(c, &err);
		if (ch == 'o')
			out = optarg;
		else if (ch != 'r' && ch != 'R' && !cli_common(c, ch))
			return cli_usage("encrypt: bad option");
	}
	if (optind + 1 != argc || n == 0)
		return cli_usage("encrypt: -r or -R and exactly one FILE");
	if (out == NULL && snprintf(def, sizeof(def), "%s.age",
	    argv[optind]) < (int)sizeof(def))
		out = def;
	if (out == NULL)
		return cli_usage("encrypt: FILE name too long");
	if (ec_age_encrypt_file(out, argv[optind], r, n, &err) == -1)
		return cli_fail(c, &err);
	age_print(c, "encrypted", out, n);
	return EXIT_OK;
}

static int
cmd_decrypt(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "identity", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_age_identity		 ids[EC_AGE_MAX_IDENTITIES];
	struct ec_err			 err;
	char				 def[4096];
	const char			*out = NULL, *in;
	size_t				 n = 0, len;
	int				 ch, rc = EXIT_USAGE;

	while ((ch = getopt_long(argc, argv, "i:o:", opts, NULL)) != -1) {
		if (ch == 'i' && ec_age_identities_read(ids,
		    EC_AGE_MAX_IDENTITIES, &n, optarg, &err) == -1) {
			rc = cli_fail(c, &err);
			goto out;
		}
		if (ch == 'o')
			out = optarg;
		else if (ch != 'i' && !cli_common(c, ch)) {
			rc = cli_usage("decrypt: bad option");
			goto out;
		}
	}
	if (optind + 1 != argc || n == 0) {
		rc = cli_usage("decrypt: -i IDENTITY_FILE and exactly one FILE");
		goto out;
	}
	in = argv[optind];
	len = strlen(in);
	/* FILE.age decrypts to FILE unless -o says otherwise. */
	if (out == NULL && len > 4 && len < sizeof(def) &&
	    strcmp(in + len - 4, ".age") == 0) {
		(void)snprintf(def, sizeof(def), "%.*s", (int)(len - 4), in);
		out = def;
	}
	if (out == NULL) {
		rc = cli_usage("decrypt: FILE does not end in .age; give -o");
		goto out;
	}
	if (ec_age_decrypt_file(out, in, ids, n, &err) == -1)
		rc = cli_fail(c, &err);
	else {
		age_print(c, "decrypted", out, n);
		rc = EXIT_OK;
	}
out:
	ec_age_identity_wipe(ids, n);
	return rc;
}

static int
cmd_split(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "size", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_split_result		 res;
	struct ec_signer		*signer = NULL;
	struct ec_err			 err;
	const char			*size = NULL, *key = NULL, *dir = NULL;
	uint64_t			 part;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			size = optarg;
		else if (ch == 'k')
			key = optarg;
		else if (ch == 'o')
			dir = optarg;
		else if (!cli_common(c, ch))
			return cli_usage("split: bad option");
	}
	if (size == NULL || optind + 1 != argc)
		return cli_usage("split: --size and exactly one FILE");
	if (ec_split_size_parse(&part, size, &err) == -1 ||
	    (key != NULL && ec_signer_load(&signer, key, &err) == -1))
		return cli_fail(c, &err);
	rc = ec_split_file(&res, argv[optind], part, dir, signer, &err);
	ec_signer_free(signer);
	if (rc == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("parts     %u of at most %llu bytes\nmanifest  %s\n"
		    "signed    %s\nsha256    %s\nsize      %llu bytes\n",
		    res.parts, (unsigned long long)part, res.manifest,
		    res.envelope[0] != '\0' ? res.envelope : "no",
		    res.sha256, (unsigned long long)res.size);
	cli_emit(c, json_pack("{s:b, s:i, s:s, s:s, s:s, s:I}", "ok", 1,
	    "parts", (int)res.parts, "manifest", res.manifest, "envelope",
	    res.envelope, "sha256", res.sha256, "size", (json_int_t)res.size));
	return EXIT_OK;
}

static int
cmd_join(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "manifest", required_argument, NULL, 'm' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_join_result		 res;
	struct ec_verifier		*key = NULL;
	struct ec_err			 err;
	const char			*man = NULL, *keypath = NULL, *out = NULL;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'm')
			man = optarg;
		else if (ch == 'k')
			keypath = optarg;
		else if (ch == 'o')
			out = optarg;
		else if (!cli_common(c, ch))
			return cli_usage("join: bad option");
	}
	if (out == NULL || optind >= argc)
		return cli_usage("join: --out FILE and at least one PART");
	if (keypath != NULL && ec_verifier_load(&key, keypath, &err) == -1)
		return cli_fail(c, &err);
	rc = ec_split_join(&res, out, (const char *const *)argv + optind,
	    (size_t)(argc - optind), man, key, &err);
	ec_verifier_free(key);
	if (rc == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("joined    %s from %u parts\nsha256    %s\n"
		    "size      %llu bytes\nsignature %s\n", out, res.parts,
		    res.sha256, (unsigned long long)res.size, res.signed_ ?
		    "parts manifest verified" : "not checked (no --key)");
	cli_emit(c, json_pack("{s:b, s:s, s:i, s:s, s:I, s:b}", "ok", 1,
	    "path", out, "parts", (int)res.parts, "sha256", res.sha256,
	    "size", (json_int_t)res.size, "signed", res.signed_));
	return EXIT_OK;
}

/* The repository's files: each FILE copied under its digest. */
static int
tuf_targets(struct ec_tuf_target **out, const char *dir, char **files,
    size_t n, struct ec_err *err)
{
	char	path[4096];
	size_t	i;

	if (snprintf(path, sizeof(path), "%s/targets", dir) >=
	    (int)sizeof(path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "--out: path too long");
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < n; i++)
		if (ec_tuf_target_add(&(*out)[i], path, files[i], err) == -1)
			return -1;
	return 0;
}

/* The directory, the targets in it, then the metadata naming them. */
static int
tuf_build(struct ec_tuf_repo *r, struct ec_tuf_target **targets,
    const char *dir, const char *meta, char **files, struct ec_err *err)
{
	struct stat	st;
	size_t		i;

	/* Bad input changes nothing: check every FILE before writing. */
	for (i = 0; i < r->n_targets; i++) {
		if (!ec_tuf_target_name_ok(files[i]))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: a target is 1 to %d of [A-Za-z0-9._-], not "
			    "starting with a dot", files[i], EC_TUF_MAX_PATH);
		if (stat(files[i], &st) == -1 || !S_ISREG(st.st_mode))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: not a readable regular file", files[i]);
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", dir,
		    strerror(errno));
	if (tuf_targets(targets, dir, files, r->n_targets, err) == -1)
		return -1;
	r->targets = *targets;
	return ec_tuf_write(meta, r, err);
}

/* What "tuf write" was given; the keys are owned. */
struct tuf_opts {
	/* --key in keys[0..n), --old-key from keys[EC_TUF_MAX_KEYS]. */
	struct ec_signer	*keys[2 * EC_TUF_MAX_KEYS];
	size_t			 n, n_old;
	uint64_t		 thr;
	int64_t			 us;		/* --expires */
	const char		*dir;
	struct ec_tuf_repo	 r;
};

/* Write the repository the options describe, and say so. */
static int
tuf_run(const struct cli *c, struct tuf_opts *o, char **files, size_t nf)
{
	struct ec_tuf_target	*targets = NULL;
	struct ec_tuf_repo	*r = &o->r;
	struct ec_err		 err;
	char			 meta[4096];
	int			 role, rc;

	for (role = 0; role < EC_TUF_ROLES; role++) {
		r->keys[role] = (const struct ec_signer *const *)o->keys;
		r->n_keys[role] = o->n;
		r->threshold[role] = (unsigned)o->thr;
		r->expires[role] = o->us / 1000000;
	}
	r->old_root_keys = (const struct ec_signer *const *)o->keys +
	    EC_TUF_MAX_KEYS;
	r->n_old_root_keys = o->n_old;
	r->n_targets = nf;
	(void)snprintf(meta, sizeof(meta), "%s/metadata", o->dir);
	if (tuf_build(r, &targets, o->dir, meta, files, &err) == -1)
		rc = cli_fail(c, &err);
	else {
		if (!c->json)
			printf("metadata  %s (root %llu, version %llu)\n"
			    "targets   %zu\n", meta,
			    (unsigned long long)r->root_version,
			    (unsigned long long)r->version, nf);
		cli_emit(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "metadata",
		    meta, "targets", (json_int_t)nf));
		rc = EXIT_OK;
	}
	free(targets);
	return rc;
}

static int
cmd_tuf(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "key", required_argument, NULL, 'k' },
		{ "threshold", required_argument, NULL, 't' },
		{ "expires", required_argument, NULL, 'e' },
		{ "version", required_argument, NULL, 'v' },
		{ "root-version", required_argument, NULL, 'r' },
		{ "old-key", required_argument, NULL, 'O' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct tuf_opts			 o;
	struct ec_err			 err;
	size_t				 i;
	int				 ch, rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	o.thr = o.r.root_version = o.r.version = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((ch == 'k' && o.n == EC_TUF_MAX_KEYS) ||
		    (ch == 'O' && o.n_old == EC_TUF_MAX_KEYS)) {
			rc = cli_usage("tuf: at most %d keys", EC_TUF_MAX_KEYS);
			goto out;
		}
		if ((ch == 'k' && ec_signer_load(&o.keys[o.n], optarg,
		    &err) == -1) || (ch == 'O' && ec_signer_load(
		    &o.keys[EC_TUF_MAX_KEYS + o.n_old], optarg, &err) == -1) ||
		    (ch == 'e' && ec_time_parse(&o.us, optarg, strlen(optarg),
		    &err) == -1)) {
			rc = cli_fail(c, &err);
			goto out;
		}
		if (ch == 'k')
			o.n++;
		else if (ch == 'O')
			o.n_old++;
		else if (ch == 'o')
			o.dir = optarg;
		else if ((ch == 't' && ec_parse_u64(&o.thr, optarg, 1,
		    EC_TUF_MAX_KEYS) == -1) || (ch == 'v' &&
		    ec_parse_u64(&o.r.version, optarg, 1, INT32_MAX) == -1) ||
		    (ch == 'r' && ec_parse_u64(&o.r.root_version, optarg, 1,
		    INT32_MAX) == -1) || (ch != 'e' && ch != 't' &&
		    ch != 'v' && ch != 'r' && !cli_common(c, ch))) {
			rc = cli_usage("tuf: bad option or number");
			goto out;
		}
	}
	if (optind + 1 >= argc || strcmp(argv[optind], "write") != 0 ||
	    o.n == 0 || o.dir == NULL || o.us == 0)
		rc = cli_usage("tuf: expected \"tuf write --key K --expires "
		    "TIME --out DIR FILE...\"");
	else
		rc = tuf_run(c, &o, argv + optind + 1,
		    (size_t)(argc - optind - 1));
out:
	for (i = 0; i < o.n; i++)
		ec_signer_free(o.keys[i]);
	for (i = 0; i < o.n_old; i++)
		ec_signer_free(o.keys[EC_TUF_MAX_KEYS + i]);
	return rc;
}

static void
push_print(const struct cli *c, const struct ec_registry_result *r)
{
	if (!c->json) {
		printf("pushed    %s\ntag       %s\nblobs     %u uploaded, "
		    "%u present, %u mounted (%llu bytes sent)\n", r->digest,
		    r->tag, r->uploaded, r->skipped, r->mounted,
		    (unsigned long long)r->bytes);
		if (r->att_digest[0] != '\0')
			printf("attached  %s\natt tag   %s\n", r->att_digest,
			    r->att_tag);
		printf("retries   %u\n", r->retries);
	}
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:I, s:s?, s:s?, s:b, s:i, "
	    "s:i, s:i, s:i, s:I}", "ok", 1, "digest", r->digest, "tag", r->tag,
	    "size", (json_int_t)r->size, "attachment",
	    r->att_digest[0] != '\0' ? r->att_digest : NULL, "attachment_tag",
	    r->att_tag[0] != '\0' ? r->att_tag : NULL, "referrers_api",
	    r->referrers, "uploaded", (int)r->uploaded, "present",
	    (int)r->skipped, "mounted", (int)r->mounted, "retries",
	    (int)r->retries, "bytes", (json_int_t)r->bytes));
}

/* One option of push that takes a number; false when it is bad. */
static bool
push_opt(struct ec_registry_opts *o, int ch, struct ec_err *err)
{
	uint64_t	v;

	/* Plain bytes, or with --size's K, M, G suffixes. */
	if (ch == 'z')
		return ec_parse_u64(&o->chunk_size, optarg, 1,
		    EC_LAYOUT_MAX_BLOB) == 0 ||
		    ec_split_size_parse(&o->chunk_size, optarg, err) == 0;
	if (ec_parse_u64(&v, optarg, 1, 3600) == -1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "--retries, --retry-max-time: 1 to 3600") == 0;
	if (ch == 'n')
		o->max_attempts = (unsigned)v;
	else
		o->max_seconds = (unsigned)v;
	return true;
}

static int
cmd_push(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "creds", required_argument, NULL, 'c' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "insecure-http", no_argument, NULL, 'I' },
		{ "attach", required_argument, NULL, 'a' },
		{ "chunk-size", required_argument, NULL, 'z' },
		{ "mount-from", required_argument, NULL, 'm' },
		{ "retries", required_argument, NULL, 'n' },
		{ "retry-max-time", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 } };
	struct ec_registry_opts		 o;
	struct ec_registry_result	 res;
	struct ec_registry_ref		 ref;
	struct ec_err			 err;
	const char			*attach = NULL;
	int				 ch;

	ec_registry_opts_init(&o);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'c')
			o.creds_file = optarg;
		else if (ch == 'C')
			o.ca_file = optarg;
		else if (ch == 'I')
			o.insecure_http = true;
		else if (ch == 'a')
			attach = optarg;
		else if (ch == 'm')
			o.mount_from = optarg;
		else if (ch == 'z' || ch == 'n' || ch == 't') {
			if (!push_opt(&o, ch, &err))
				return cli_fail(c, &err);
		} else if (!cli_common(c, ch))
			return cli_usage("push: bad option");
	}
	if (optind + 2 != argc)
		return cli_usage("push: LAYOUT_DIR and REF");
	if (ec_registry_ref_parse(&ref, argv[optind + 1], &err) == -1 ||
	    ec_registry_push(&res, argv[optind], &ref, attach, &o, &err) == -1)
		return cli_fail(c, &err);
	push_print(c, &res);
	return EXIT_OK;
}

static int
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

static int
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

/* The text form of ec_run_show()'s object. */
static void
run_print(const json_t *o)
{
	const json_t	*v, *p = json_object_get(o, "progress");
	size_t		 i;

	printf("run       %s\n", json_string_value(json_object_get(o,
	    "runId")));
	printf("status    %s (attempts %lld)\n",
	    json_string_value(json_object_get(o, "status")),
	    (long long)json_integer_value(json_object_get(o, "attempts")));
	printf("profile   %s\n", json_string_value(json_object_get(o,
	    "profileId")));
	printf("progress  %lld%% (%lld of %lld items)\n",
	    (long long)json_integer_value(json_object_get(p, "percent")),
	    (long long)json_integer_value(json_object_get(p,
	    "itemsCompleted")),
	    (long long)json_integer_value(json_object_get(p, "itemsTotal")));
	json_array_foreach(json_object_get(o, "outputs"), i, v)
		printf("output    %s %s %s %s %s %lld\n",
		    json_string_value(json_object_get(v, "type")),
		    json_string_value(json_object_get(v, "id")),
		    json_string_value(json_object_get(v, "format")),
		    json_string_value(json_object_get(v, "url")),
		    json_string_value(json_object_get(v, "sha256")),
		    (long long)json_integer_value(json_object_get(v, "size")));
	json_array_foreach(json_object_get(o, "errors"), i, v)
		printf("error     %s: %s\n",
		    json_string_value(json_object_get(v, "code")),
		    json_string_value(json_object_get(v, "message")));
}

static int
run_create(struct cli *c, struct ec_db *db, struct ec_run_spec *spec)
{
	struct ec_run_created	r;
	struct ec_err		err;

	if (ec_run_create(&r, db, spec, &err) == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("%s%s\n", r.run_id, r.existed ? " (existing)" : "");
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:b}", "ok", 1, "runId",
	    r.run_id, "status", r.status, "existed", r.existed));
	return EXIT_OK;
}

/* show, or wait and then show; exit 0 when the run succeeded (wait). */
static int
run_look(struct cli *c, struct ec_db *db, const char *tenant,
    const char *id, long timeout_s)
{
	struct ec_err	 err;
	json_t		*o, *e;
	int		 rc;

	if (timeout_s < 0)
		rc = ec_run_show(&o, db, tenant, id, &err);
	else
		rc = ec_run_wait(&o, db, tenant, id, (unsigned)timeout_s,
		    &err);
	if (rc == -1)
		return cli_fail(c, &err);
	if (!c->json)
		run_print(o);
	rc = timeout_s < 0 || strcmp(json_string_value(json_object_get(o,
	    "status")), "succeeded") == 0 ? EXIT_OK : EXIT_ERROR;
	(void)json_object_set_new(o, "ok", json_boolean(rc == EXIT_OK));
	if (rc != EXIT_OK) {
		/* The one error line: why the run did not succeed. */
		e = json_array_get(json_object_get(o, "errors"), 0);
		fprintf(stderr, "exportctl: %s: run %s %s%s%s\n",
		    e != NULL ? json_string_value(json_object_get(e, "code")) :
		    "ERR_EXPORT_EXPIRED", id, json_string_value(
		    json_object_get(o, "status")), e != NULL ? ": " : "",
		    e != NULL ? json_string_value(json_object_get(e,
		    "message")) : "");
		if (e != NULL)
			(void)json_object_set(o, "error", e);
	}
	cli_emit(c, o);
	return rc;
}

static int
cmd_run(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "tenant", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "targets", required_argument, NULL, 'T' },
		{ "formats", required_argument, NULL, 'F' },
		{ "param", required_argument, NULL, 'P' },
		{ "idempotency-key", required_argument, NULL, 'i' },
		{ "priority", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 'w' },
		{ "distribution", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 } };
	struct ec_run_spec		 spec;
	struct ec_db			*db;
	struct ec_err			 err;
	const char			*params[EC_PARAM_MAX + 1], *verb;
	uint64_t			 v, wait_s = 600;
	int				 ch, rc;

	memset(&spec, 0, sizeof(spec));
	spec.params = params;
	spec.priority = EC_RUN_PRIORITY_DEFAULT;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': spec.tenant = optarg; break;
		case 'p': spec.profile = optarg; break;
		case 'T': spec.targets = optarg; break;
		case 'F': spec.formats = optarg; break;
		case 'i': spec.idempotency_key = optarg; break;
		case 'd':
			/* TYPE:REF; ec_run_request() judges both halves. */
			spec.dist_type = optarg;
			if ((spec.dist_ref = strchr(optarg, ':')) != NULL)
				*(char *)spec.dist_ref++ = '\0';
			break;
		case 'P':
			if (spec.nparams <= EC_PARAM_MAX)
				params[spec.nparams++] = optarg;
			break;
		case 'r':
			if (ec_parse_u64(&v, optarg, 0,
			    EC_RUN_PRIORITY_MAX) == -1)
				return cli_usage("run: --priority: 0 to %d",
				    EC_RUN_PRIORITY_MAX);
			spec.priority = (unsigned)v;
			break;
		case 'w':
			if (ec_parse_u64(&wait_s, optarg, 0, 86400) == -1)
				return cli_usage("run: --timeout: 0 to 86400");
			break;
		default:
			if (!cli_common(c, ch))
				return cli_usage("run: bad option");
		}
	}
	verb = optind < argc ? argv[optind] : "";
	if (spec.tenant == NULL || (strcmp(verb, "create") == 0 ?
	    optind + 1 != argc || spec.profile == NULL :
	    optind + 2 != argc || (strcmp(verb, "show") != 0 &&
	    strcmp(verb, "wait") != 0)))
		return cli_usage("run: expected \"run create --tenant T "
		    "--profile NAME\" or \"run show|wait RUN_ID --tenant T\"");
	if (ec_db_connect(&db, c->db, &err) == -1)
		return cli_fail(c, &err);
	if (strcmp(verb, "create") == 0)
		rc = run_create(c, db, &spec);
	else
		rc = run_look(c, db, spec.tenant, argv[optind + 1],
		    strcmp(verb, "show") == 0 ? -1 : (long)wait_s);
	ec_db_free(db);
	return rc;
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
		{ "policy", cmd_policy }, { "tuf", cmd_tuf },
		{ "push", cmd_push },
		{ "profiles", cmd_profiles }, { "run", cmd_run },
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
