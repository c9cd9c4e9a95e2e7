/* exportctl db and ingest: the evidence store. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_db.h"
#include "ec_err.h"
#include "ec_ingest.h"
#include "exportctl.h"

int
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

int
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
