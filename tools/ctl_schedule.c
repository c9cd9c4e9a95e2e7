/* exportctl schedule: cron schedules of export profiles (lib/ec_sched). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ec_db.h"
#include "ec_err.h"
#include "ec_file.h"
#include "ec_num.h"
#include "ec_sched.h"
#include "ec_time.h"
#include "exportctl.h"

static const char schedule_usage[] = "schedule: expected \"schedule list "
    "--tenant T [--now TIME]\", \"schedule set --tenant T --profile NAME "
    "--cron EXPR [--template JSON|@FILE] [--retention-days N]\" or "
    "\"schedule clear --tenant T --profile NAME\"";

/* One line per schedule: profile, expression, next slot, retention. */
static void
schedule_print(const json_t *a)
{
	const json_t	*v, *d;
	char		*t, days[24];
	size_t		 i;

	json_array_foreach(a, i, v) {
		d = json_object_get(v, "retentionDays");
		(void)snprintf(days, sizeof(days), json_is_integer(d) ? "%lld" :
		    "-", (long long)json_integer_value(d));
		t = json_dumps(json_object_get(v, "template"), JSON_COMPACT |
		    JSON_SORT_KEYS);
		printf("%s\t%s\tnext=%s\tretentionDays=%s\ttemplate=%s\n",
		    json_string_value(json_object_get(v, "profile")),
		    json_string_value(json_object_get(v, "cron")),
		    json_is_string(json_object_get(v, "next")) ?
		    json_string_value(json_object_get(v, "next")) : "none",
		    days, t != NULL ? t : "{}");
		free(t);
	}
}

/* --template: the JSON text itself, or @FILE. */
static int
schedule_template(char **out, const char *arg, struct ec_err *err)
{
	uint8_t	*p;
	size_t	 len;

	*out = NULL;
	if (arg == NULL)
		return 0;
	if (arg[0] != '@') {
		if ((*out = strdup(arg)) == NULL)
			return ec_err_nomem(err);
		return 0;
	}
	if (ec_file_read_small(&p, &len, arg + 1, EC_SCHED_TEMPLATE_MAX,
	    err) == -1)
		return ec_err_prefix(err, "template");
	*out = (char *)p;
	return 0;
}

static int
schedule_do(struct cli *c, struct ec_db *db, const char *verb,
    struct ec_sched_def *def, const char *tmpl_arg, int64_t now)
{
	struct ec_err	 err;
	json_t		*a;
	char		*tmpl;
	int		 rc;

	if (strcmp(verb, "list") == 0) {
		if (ec_sched_list(&a, db, def->tenant, now, &err) == -1)
			return cli_fail(c, &err);
		if (!c->json)
			schedule_print(a);
		cli_emit(c, json_pack("{s:b, s:o}", "ok", 1, "schedules", a));
		return EXIT_OK;
	}
	if (strcmp(verb, "clear") == 0)
		rc = ec_sched_clear(db, def->tenant, def->profile, &err);
	else {
		if (schedule_template(&tmpl, tmpl_arg, &err) == -1)
			return cli_fail(c, &err);
		def->tmpl = tmpl;
		rc = ec_sched_set(db, def, &err);
		free(tmpl);
	}
	if (rc == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("%s %s\n", def->profile, strcmp(verb, "clear") == 0 ?
		    "cleared" : def->cron);
	cli_emit(c, json_pack("{s:b}", "ok", 1));
	return EXIT_OK;
}

int
cmd_schedule(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "tenant", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "cron", required_argument, NULL, 'c' },
		{ "template", required_argument, NULL, 'T' },
		{ "retention-days", required_argument, NULL, 'r' },
		{ "now", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 } };
	struct ec_sched_def		 def;
	struct ec_db			*db;
	struct ec_err			 err;
	const char			*verb, *tmpl = NULL;
	uint64_t			 v;
	int64_t				 now = (int64_t)time(NULL);
	int				 ch, rc;

	memset(&def, 0, sizeof(def));
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': def.tenant = optarg; break;
		case 'p': def.profile = optarg; break;
		case 'c': def.cron = optarg; break;
		case 'T': tmpl = optarg; break;
		case 'r':
			if (ec_parse_u64(&v, optarg, 1,
			    EC_SCHED_RETENTION_MAX) == -1)
				return cli_usage("schedule: --retention-days: "
				    "1 to %d", EC_SCHED_RETENTION_MAX);
			def.retention_days = (unsigned)v;
			break;
		case 'n':
			if (ec_time_parse(&now, optarg, strlen(optarg),
			    &err) == -1 || now < 0)
				return cli_usage("schedule: --now: "
				    "YYYY-MM-DDTHH:MM:SSZ, from 1970");
			now /= 1000000;
			break;
		default:
			if (!cli_common(c, ch))
				return cli_usage("schedule: bad option");
		}
	}
	verb = optind + 1 == argc ? argv[optind] : "";
	if (def.tenant == NULL || (strcmp(verb, "list") != 0 &&
	    (def.profile == NULL || (strcmp(verb, "clear") != 0 &&
	    (strcmp(verb, "set") != 0 || def.cron == NULL)))))
		return cli_usage("%s", schedule_usage);
	if (cli_connect(&db, c, &err) == -1)
		return cli_fail(c, &err);
	rc = schedule_do(c, db, verb, &def, tmpl, now);
	ec_db_free(db);
	return rc;
}
