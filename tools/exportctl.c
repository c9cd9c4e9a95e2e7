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
#include "ec_export.h"
#include "ec_ingest.h"
#include "ec_key.h"
#include "ec_limits.h"
#include "ec_num.h"
#include "ec_profile.h"
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
"                                 and SPDX JSON files or directories\n"
"  build --profile P --tenant T --out DIR [--targets LIST]\n"
"        [--formats LIST] [--key PRIVATE.pem] [--run-id ID]\n"
"        [--max-bytes N] [--staging DIR]\n"
"                                 build a bundle DIR/<name>.tar.zst\n"
"  verify BUNDLE [--key PUBLIC.pem]\n"
"                                 verify a bundle offline; bounded: a\n"
"                                 bundle over 500 MiB, members past 256x\n"
"                                 its size, metadata over 8 MiB or\n"
"                                 65536 JSON values are refused\n"
"  keys generate --type ed25519|ecdsa-p256 --out DIR\n"
"                                 write signing.key.pem (0600) and\n"
"                                 signing.pub.pem; warns when DIR is\n"
"                                 writable by others\n"
"  profiles                       list export profiles\n"
"\n"
"options:\n"
"  --db CONNINFO   PostgreSQL connection string; default $EXPORT_CENTER_DB,\n"
"                  then libpq's defaults (PGHOST, PGPORT, ...)\n"
"  --json          machine-readable output on stdout\n"
"  --strict        refuse a private key file group or others can access\n"
"                  (by default a warning, as ssh-style checks go)\n"
"  --help, --version\n"
"\n"
"targets: advisory,vex,sbom   formats: json,ndjson   profiles: json:raw\n"
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

static int
cmd_db(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
					    { NULL, 0, NULL, 0 } };
	struct ec_db			*db;
	struct ec_err			 err;
	int				 ch, applied, version;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1)
		if (!cli_common(c, ch))
			return cli_usage("db: bad option");
	if (optind + 1 != argc || strcmp(argv[optind], "migrate") != 0)
		return cli_usage("db: expected \"db migrate\"");
	if (ec_db_connect(&db, c->db, &err) == -1)
		return cli_fail(c, &err);
	if (ec_db_migrate(&applied, &version, db, &err) == -1) {
		ec_db_free(db);
		return cli_fail(c, &err);
	}
	ec_db_free(db);
	if (!c->json)
		printf("schema at version %d (%d migration%s applied)\n",
		    version, applied, applied == 1 ? "" : "s");
	cli_emit(c, json_pack("{s:b, s:i, s:i}", "ok", 1, "version", version,
	    "applied", applied));
	return EXIT_OK;
}

struct ingest_out {
	const struct cli	*c;
	bool			 verbose;
	json_t			*failures;	/* --json: failed files */
	size_t			 kinds[3];	/* advisory, vex, sbom */
};

static void
ingest_report(void *arg, const struct ec_ingest_report *r)
{
	struct ingest_out	*io = arg;

	if (r->status == EC_INGEST_FAILED) {
		fprintf(stderr, "exportctl: %s: %s: %s\n", r->path,
		    ec_err_name(r->err->code), r->err->msg);
		if (io->failures != NULL)
			(void)json_array_append_new(io->failures,
			    json_pack("{s:s, s:s, s:s}", "path", r->path,
			    "code", ec_err_name(r->err->code), "message",
			    r->err->msg));
		return;
	}
	io->kinds[strcmp(r->kind, "advisory") == 0 ? 0 :
	    strcmp(r->kind, "vex") == 0 ? 1 : 2]++;
	if (io->verbose && !io->c->json)
		printf("%s %s %s %s %s\n", ec_ingest_status_name(r->status),
		    r->kind, r->format, r->upstream_id, r->path);
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
	if (ec_db_connect(&db, c->db, &err) == -1)
		return cli_fail(c, &err);
	io.failures = c->json ? json_array() : NULL;
	rc = ec_ingest_paths(&st, db, tenant, source, argv + optind,
	    (size_t)(argc - optind), ingest_report, &io, &err);
	ec_db_free(db);
	if (rc == -1) {
		json_decref(io.failures);
		return cli_fail(c, &err);
	}
	if (!c->json)
		printf("%zu files: %zu inserted, %zu updated, %zu unchanged, "
		    "%zu stale, %zu failed; advisory %zu, vex %zu, sbom %zu\n",
		    st.files, st.count[EC_INGEST_INSERTED],
		    st.count[EC_INGEST_UPDATED], st.count[EC_INGEST_UNCHANGED],
		    st.count[EC_INGEST_STALE], st.count[EC_INGEST_FAILED],
		    io.kinds[0], io.kinds[1], io.kinds[2]);
	cli_emit(c, json_pack("{s:b, s:I, s:{s:I, s:I, s:I, s:I, s:I}, "
	    "s:{s:I, s:I, s:I}, s:o}", "ok", st.count[EC_INGEST_FAILED] == 0,
	    "files", (json_int_t)st.files, "status",
	    "inserted", (json_int_t)st.count[EC_INGEST_INSERTED],
	    "updated", (json_int_t)st.count[EC_INGEST_UPDATED],
	    "unchanged", (json_int_t)st.count[EC_INGEST_UNCHANGED],
	    "stale", (json_int_t)st.count[EC_INGEST_STALE],
	    "failed", (json_int_t)st.count[EC_INGEST_FAILED],
	    "kinds", "advisory", (json_int_t)io.kinds[0],
	    "vex", (json_int_t)io.kinds[1], "sbom", (json_int_t)io.kinds[2],
	    "failures", io.failures != NULL ? io.failures : json_array()));
	return st.count[EC_INGEST_FAILED] == 0 ? EXIT_OK : EXIT_ERROR;
}

static int
build_print(const struct cli *c, const struct ec_export_result *r)
{
	if (!c->json) {
		printf("bundle    %s\n", r->path);
		printf("sha256    %s\n", r->sha256);
		printf("size      %llu bytes\n", (unsigned long long)r->size);
		printf("run       %s\n", r->run_id);
		printf("inputs    %llu documents, inputsHash %s\n",
		    (unsigned long long)r->documents, r->inputs_hash);
		printf("items     %zu\n", r->items);
		printf("signed    %s\n", r->signed_ ? "yes" : "no");
	}
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:b}",
	    "ok", 1, "path", r->path, "sha256", r->sha256,
	    "size", (json_int_t)r->size, "runId", r->run_id,
	    "inputsHash", r->inputs_hash,
	    "documents", (json_int_t)r->documents,
	    "items", (json_int_t)r->items, "signed", r->signed_));
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

static int
cmd_build(struct cli *c, int argc, char **argv)
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
		{ NULL, 0, NULL, 0 } };
	struct ec_export_req		 req;
	struct ec_export_result		 res;
	struct ec_signer		*signer = NULL;
	struct ec_db			*db = NULL;
	struct ec_err			 err;
	const char			*key = NULL;
	int				 ch, rc;

	memset(&req, 0, sizeof(req));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': req.profile = optarg; break;
		case 't': req.tenant = optarg; break;
		case 'T': req.targets = optarg; break;
		case 'F': req.formats = optarg; break;
		case 'k': key = optarg; break;
		case 'r': req.run_id = optarg; break;
		case 'S': req.staging_dir = optarg; break;
		case 'o': req.out_dir = optarg; break;
		case 'm':
			if (ec_parse_u64(&req.max_bytes, optarg, 1,
			    EC_MAX_BUNDLE_BYTES) == -1)
				return cli_usage("build: --max-bytes: 1 to "
				    "%llu", EC_MAX_BUNDLE_BYTES);
			break;
		default:
			if (!cli_common(c, ch))
				return cli_usage("build: bad option");
		}
	}
	if (req.profile == NULL || req.tenant == NULL || req.out_dir == NULL ||
	    optind != argc)
		return cli_usage("build: --profile, --tenant and --out are "
		    "required");
	/* Fail on a bad key before touching the database. */
	if (key != NULL && cli_load_signer(c, &signer, key, &err) == -1)
		return cli_fail(c, &err);
	req.signer = signer;
	if (ec_db_connect(&db, c->db, &err) == -1 ||
	    ec_export_build(&res, db, &req, &err) == -1)
		rc = cli_fail(c, &err);
	else
		rc = build_print(c, &res);
	ec_db_free(db);
	ec_signer_free(signer);
	return rc;
}

static int
cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
					    { "key", required_argument, NULL,
					    'k' },
					    { NULL, 0, NULL, 0 } };
	struct ec_verify_result		 res;
	struct ec_verifier		*key = NULL;
	struct ec_err			 err;
	const char			*keypath = NULL;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'k')
			keypath = optarg;
		else if (!cli_common(c, ch))
			return cli_usage("verify: bad option");
	}
	if (optind + 1 != argc)
		return cli_usage("verify: exactly one BUNDLE");
	if (keypath != NULL && ec_verifier_load(&key, keypath, &err) == -1)
		return cli_fail(c, &err);
	rc = ec_verify_bundle(&res, argv[optind], key, &err);
	ec_verifier_free(key);
	if (rc == -1)
		return cli_fail(c, &err);
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
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:s, s:I, s:I, s:I, s:b, "
	    "s:s}", "ok", 1, "bundle", argv[optind], "profile", res.profile,
	    "runId", res.run_id, "files", (json_int_t)res.files,
	    "items", (json_int_t)res.items,
	    "subjects", (json_int_t)res.subjects, "signed", res.signed_,
	    "keyid", res.keyid));
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
	if (ec_key_type_parse(&type, tname, &err) == -1)
		return cli_usage("keys: --type is ed25519 or ecdsa-p256");
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
		{ "ingest", cmd_ingest }, { "keys", cmd_keys },
		{ "profiles", cmd_profiles }, { "verify", cmd_verify },
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
