/* exportctl run and push: queued runs and registries. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ec_db.h"
#include "ec_err.h"
#include "ec_num.h"
#include "ec_profile.h"
#include "ec_registry.h"
#include "ec_run.h"
#include "ec_split.h"
#include "exportctl.h"

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

int
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

int
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
		{ "retention-days", required_argument, NULL, 'R' },
		{ "base-run", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 } };
	struct ec_run_spec		 spec;
	struct ec_db			*db;
	struct ec_err			 err;
	const char			*params[EC_PARAM_MAX + 1], *verb;
	json_t				*opt = NULL;
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
		case 'b':
			/* mirror:delta: the API's baseRunId, checked alike. */
			json_decref(opt);
			spec.options = opt = json_pack("{s:s}", "baseRunId",
			    optarg);
			break;
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
		case 'R':
			/* The API's retentionDays bounds (h_runs_req.c). */
			if (ec_parse_u64(&v, optarg, 1, 3650) == -1)
				return cli_usage("run: --retention-days: 1 to "
				    "3650");
			spec.retention_days = (unsigned)v;
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
	if (ec_db_connect(&db, c->db, &err) == -1) {
		json_decref(opt);
		return cli_fail(c, &err);
	}
	if (strcmp(verb, "create") == 0)
		rc = run_create(c, db, &spec);
	else
		rc = run_look(c, db, spec.tenant, argv[optind + 1],
		    strcmp(verb, "show") == 0 ? -1 : (long)wait_s);
	ec_db_free(db);
	json_decref(opt);
	return rc;
}
