/*
 * export-cron: the builder.  Claims queued runs of any tenant (lib/ec_run,
 * FOR UPDATE SKIP LOCKED with a lease), builds each with ec_export_build()
 * (the same builder exportctl build uses), renews the lease from a second
 * thread on its own connection while the build runs, moves the output
 * into the content-addressed store and finishes the run.  A run whose
 * request asks for OCI distribution has the output's oci/ layout pushed
 * (cron_push.c) before it is finished, its provenance attached when the
 * build was signed; a push that fails fails the run.  --once drains
 * the queue and exits (cron); --loop waits for new runs (NOTIFY, with a
 * poll as a fallback).  SIGTERM and SIGINT stop it after the current run.
 * One log line per event on stderr (ec_log).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ec_blob.h"
#include "ec_db.h"
#include "ec_export.h"
#include "ec_key.h"
#include "ec_limits.h"
#include "ec_log.h"
#include "ec_num.h"
#include "ec_publish.h"
#include "ec_registry.h"
#include "ec_retention.h"
#include "ec_run.h"
#include "ec_sched.h"
#include "ec_store.h"
#include "ec_time.h"
#include "export_cron.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_ERROR = 2 };

/* Seconds --loop waits for a NOTIFY before it looks at the queue anyway. */
#define CRON_POLL_S	5
#define CRON_PATH_MAX	4096

static const char usage_text[] =
"usage: export-cron [--db CONNINFO] [--store DIR] [--once | --loop]\n"
"                   [--lease SECONDS] [--timeout MINUTES] [--owner NAME]\n"
"                   [--key PRIVATE.pem] [--keyring FILE] [--max-attempts N]\n"
"                   [--registry-creds FILE] [--registry-ca FILE]\n"
"                   [--registry-insecure-http]\n"
"                   [--now TIME] [--retention-days N]\n"
"\n"
"  --db CONNINFO     PostgreSQL; default $EXPORT_CENTER_DB, then libpq's\n"
"  --store DIR       artifact store; default $EXPORT_CENTER_STORE, else\n"
"                    var/store\n"
"  --once            build every claimable run, then exit (default)\n"
"  --loop            keep waiting for new runs until SIGTERM\n"
"  --lease SECONDS   lease held and renewed while building (default 60)\n"
"  --timeout MINUTES job timeout from the first claim (default 60)\n"
"  --owner NAME      lease owner in the runs table (default host:pid)\n"
"  --key PRIVATE.pem sign every bundle with this key\n"
"  --keyring FILE    resolve runs' signing.keyRef and encryption.kmsKey;\n"
"                    default $EXPORT_CENTER_KEYRING; read for each run\n"
"  --max-attempts N  builds of one run before it fails (default 3)\n"
"  --registry-creds FILE  docker config.json \"auths\" for runs with\n"
"                    OCI distribution\n"
"  --registry-ca FILE     PEM CA bundle for the registry's TLS\n"
"  --registry-insecure-http  plain HTTP to the registry (loopback tests)\n"
"  --now TIME        the clock of schedules and retention, fixed\n"
"                    (YYYY-MM-DDTHH:MM:SSZ; default: the real clock)\n"
"  --retention-days N  tenant default retention of finished runs\n"
"                    (default: kept unless the run or profile says)\n";

/* Progress while building: every CRON_PROGRESS_MS or every 1%. */
#define CRON_PROGRESS_MS	2000

struct cron_progress {
	struct cron			*cr;	/* borrowed */
	const struct ec_run_claim	*c;	/* borrowed */
	int64_t				 last_ms;	/* monotonic */
	uint64_t			 last_pct;
	bool				 off;	/* after a failure */
};

static volatile sig_atomic_t	cron_stop;

static void
cron_signal(int sig)
{
	(void)sig;
	cron_stop = 1;
}

void
cron_log_err(enum ec_log_level lvl, const struct ec_run_claim *c,
    const char *what, const struct ec_err *err)
{
	char	q[300];

	ec_log(lvl, "run=%s tenant=%s attempt=%d event=%s code=%s msg=%s",
	    c != NULL ? c->run_id : "-", c != NULL ? c->tenant : "-",
	    c != NULL ? c->attempt : 0, what, ec_err_name(err->code),
	    ec_log_quote(q, sizeof(q), err->msg));
}

/* An audit event of the run's stream, its payload as compact JSON. */
static void
cron_log_audit(const struct ec_run_claim *c, const char *type,
    const json_t *payload)
{
	char	 q[600], *text;

	text = json_dumps(payload, JSON_COMPACT | JSON_SORT_KEYS);
	ec_log(EC_LOG_INFO, "run=%s tenant=%s attempt=%d event=%s payload=%s",
	    c->run_id, c->tenant, c->attempt, type, ec_log_quote(q, sizeof(q),
	    text != NULL ? text : "-"));
	free(text);
}

/* The format of an output tree's file: its extension, else "file". */
static const char *
cron_format(const char *path)
{
	const char	*base = strrchr(path, '/'), *dot;

	base = base != NULL ? base + 1 : path;
	dot = strrchr(base, '.');
	return dot != NULL && dot != base && dot[1] != '\0' ? dot + 1 : "file";
}

/*
 * Move the output into the store: a packed bundle as one blob, a tree
 * file by file (manifest.json as the "manifest" output, the rest as
 * "file" outputs named by their paths), and fill "outs".
 */
static int
cron_store(struct ec_run_output **outs_out, size_t *n_out,
    struct ec_blob_file **files_out, struct cron *cr,
    const struct ec_export_result *res, struct ec_err *err)
{
	struct ec_run_output	*outs;
	struct ec_blob_file	*f = NULL;
	size_t			 i, n = 0;
	bool			 existed;

	if (res->packed) {
		if ((f = calloc(1, sizeof(*f))) == NULL)
			return ec_err_nomem(err);
		(void)snprintf(f->path, sizeof(f->path), "%.255s",
		    strrchr(res->path, '/') != NULL ?
		    strrchr(res->path, '/') + 1 : res->path);
		n = 1;
		if (ec_blob_put(f->sha256, &f->size, &existed, cr->store,
		    res->path, err) == -1) {
			free(f);
			return -1;
		}
	} else if (ec_blob_put_tree(&f, &n, cr->store, res->path,
	    EC_MAX_OUTPUTS + 16, err) == -1)
		return -1;
	if ((outs = calloc(n > 0 ? n : 1, sizeof(*outs))) == NULL) {
		free(f);
		return ec_err_nomem(err);
	}
	for (i = 0; i < n; i++) {
		outs[i].type = res->packed ? "bundle" :
		    strcmp(f[i].path, "manifest.json") == 0 ? "manifest" :
		    "file";
		outs[i].id = outs[i].name = f[i].path;
		outs[i].format = res->encrypted && res->packed ?
		    "tar.zst.age" : res->packed ? "tar.zst" :
		    cron_format(f[i].path);
		memcpy(outs[i].sha256, f[i].sha256, sizeof(outs[i].sha256));
		outs[i].size = f[i].size;
	}
	*outs_out = outs;
	*n_out = n;
	*files_out = f;
	return 0;
}

static int64_t
cron_now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * ec_export_req.progress: a progress event at each new percent, or
 * after CRON_PROGRESS_MS without one, whichever comes first.  A failure
 * only stops the reports: the build goes on, and its end reports again.
 */
static void
cron_on_progress(void *arg, uint64_t done, uint64_t total, uint64_t bytes)
{
	struct cron_progress	*p = arg;
	struct ec_err		 err;
	uint64_t		 pct;
	int64_t			 now;

	if (p->off)
		return;
	if (total < done)
		total = done;	/* the profile's estimate was short */
	pct = total > 0 ? done * 100 / total : 0;
	now = cron_now_ms();
	if (pct <= p->last_pct && now - p->last_ms < CRON_PROGRESS_MS)
		return;
	if (p->cr->progress_db == NULL && ec_db_connect(&p->cr->progress_db,
	    p->cr->conninfo, &err) == -1)
		p->cr->progress_db = NULL;
	else if (ec_run_progress(p->cr->progress_db, p->c, done, total,
	    &err) == 0) {
		/* The contract's payload has no bytes; the log has them. */
		ec_log(EC_LOG_INFO, "run=%s event=progress documents=%llu "
		    "total=%llu bytes=%llu", p->c->run_id,
		    (unsigned long long)done, (unsigned long long)total,
		    (unsigned long long)bytes);
		p->last_ms = now;
		p->last_pct = pct;
		return;
	}
	cron_log_err(EC_LOG_WARN, p->c, "progress_not_recorded", &err);
	ec_db_free(p->cr->progress_db);
	p->cr->progress_db = NULL;
	p->off = true;
}

/* Store the output and finish the run. */
static int
cron_publish(struct cron *cr, const struct ec_run_claim *c,
    const struct ec_export_result *res, const struct cron_dist *dist,
    const struct ec_run_audit *audit, struct ec_err *err)
{
	struct ec_run_output	*outs = NULL;
	struct ec_blob_file	*files = NULL;
	size_t			 i, n = 0;
	int			 rc;

	/* Retention deletes no blob from here to the links (ec_retention.h). */
	if (ec_retention_writer_begin(cr->db, err) == -1)
		return -1;
	if (cron_store(&outs, &n, &files, cr, res, err) == -1) {
		ec_retention_writer_end(cr->db);
		return -1;
	}
	if (cron_dist_output(&outs, &n, dist, err) == -1) {
		ec_retention_writer_end(cr->db);
		free(outs);
		free(files);
		return -1;
	}
	/* The run's download view (ec_blob.h): links to its outputs. */
	for (i = 0; i < n; i++)
		if (strcmp(outs[i].type, "distribution") != 0 &&
		    ec_blob_run_link(cr->store, c->tenant, c->run_id,
		    outs[i].sha256, err) == -1) {
			ec_retention_writer_end(cr->db);
			free(outs);
			free(files);
			return -1;
		}
	ec_retention_writer_end(cr->db);
	ec_log(EC_LOG_INFO, "run=%s tenant=%s attempt=%d event=stored "
	    "outputs=%zu sha256=%s", c->run_id, c->tenant, c->attempt, n,
	    n > 0 ? outs[0].sha256 : "-");
	/* The end is a progress too, in manifest items as the run records. */
	rc = ec_run_progress(cr->db, c, res->items, res->items, err);
	if (rc == 0)
		rc = ec_run_succeed(cr->db, c, outs, n, res->inputs_hash,
		    res->items, audit, err);
	for (i = 0; rc == 0 && i < audit->n; i++)
		cron_log_audit(c, audit->type[i], audit->payload[i]);
	free(outs);
	free(files);
	return rc;
}

/* Build in a staging directory of the store's own file system. */
static int
cron_build_in(struct cron *cr, const struct ec_run_claim *c,
    struct ec_export_req *req, struct ec_export_result *res,
    struct cron_dist *dist, const struct ec_run_base *base,
    struct ec_err *err)
{
	struct ec_staging	*st = NULL;
	struct ec_store		*store = NULL;
	struct renewer		 rn;
	struct cron_progress	 prog;
	struct ec_run_audit	 audit;
	char			 tmp[CRON_PATH_MAX], out[CRON_PATH_MAX];
	int			 rc = -1;

	(void)snprintf(tmp, sizeof(tmp), "%s/" EC_BLOB_TMP, cr->store);
	if (ec_blob_store_init(cr->store, err) == -1 ||
	    ec_publish_staging_new(&st, tmp, "run-", err) == -1)
		return -1;
	(void)snprintf(out, sizeof(out), "%s/out", ec_publish_staging_path(st));
	req->out_dir = out;
	req->staging_dir = tmp;
	if (req->signer == NULL)
		req->signer = cr->signer;
	memset(&prog, 0, sizeof(prog));
	prog.cr = cr;
	prog.c = c;
	prog.last_ms = cron_now_ms();
	req->progress = cron_on_progress;
	req->progress_arg = &prog;
	if (ec_store_pg_new(&store, cr->db, err) == -1)
		goto out;
	if (cron_renewer_start(&rn, cr, c) == -1) {
		(void)ec_err_set(err, EC_ERR_INTERNAL, "cannot start the lease "
		    "renewal thread");
		goto out;
	}
	rc = ec_export_build(res, store, req, err);
	/* The push may take a while: the lease is still renewed. */
	if (rc == 0)
		rc = cron_push(cr, c, res, dist, err);
	if (!cron_renewer_stop(&rn)) {
		rc = ec_err_set(err, EC_ERR_CONFLICT, "lease lost while "
		    "building");
		goto out;
	}
	/*
	 * One last renewal, so the job timeout is judged when the build
	 * ends too, not only at the renewer's ticks: a run past its deadline
	 * is failed with ERR_EXPORT_TIMEOUT and records nothing.
	 */
	if (rc == 0 && (rc = ec_run_renew(cr->db, c, cr->lim.lease_s,
	    err)) == -1)
		cron_log_err(EC_LOG_WARN, c, "lease_lost", err);
	if (rc == 0) {
		ec_log(EC_LOG_INFO, "run=%s tenant=%s attempt=%d event=built "
		    "documents=%llu items=%zu", c->run_id, c->tenant,
		    c->attempt, (unsigned long long)res->documents, res->items);
		/* Made before storing: the tree moves into the store. */
		rc = ec_run_audit_make(&audit, c, req, res, base, err);
		if (rc == 0)
			rc = cron_publish(cr, c, res, dist, &audit, err);
		ec_run_audit_dispose(&audit);
	}
out:
	ec_store_free(store);
	ec_publish_staging_free(st);
	return rc;
}

/* Build one claimed run to its end, whatever happens. */
static void
cron_run(struct cron *cr, const struct ec_run_claim *c)
{
	struct ec_export_req	req;
	struct ec_export_result	res;
	struct ec_run_job	job;
	struct ec_run_base	base;
	struct cron_dist	dist;
	struct ec_err		err, ferr;
	static struct ec_run_keys keys;	/* recipients: kept off the stack */
	int			rc;

	memset(&req, 0, sizeof(req));
	memset(&dist, 0, sizeof(dist));
	memset(&base, 0, sizeof(base));
	if (ec_run_job_load(&job, &req, cr->db, c, &err) == 0) {
		dist.ref = ec_run_job_oci_ref(&job);
		/* The run's own keys, resolved before any work. */
		rc = ec_run_keys_load(&keys, cr->keyring, &job, c->tenant,
		    &err);
		req.signer = keys.signer;
		req.recipients = keys.rcpt;
		req.nrecipients = keys.nrcpt;
		/* mirror:delta: the base run's tree, rebuilt from the store. */
		if (rc == 0)
			rc = ec_run_base_load(&base, &req, &job, cr->db,
			    cr->store, cr->signer, &err);
		if (rc == 0)
			rc = cron_build_in(cr, c, &req, &res, &dist, &base,
			    &err);
		cron_dist_dispose(&dist);
		ec_run_base_dispose(&base);
		ec_run_keys_dispose(&keys);
		ec_run_job_dispose(&job);
		if (rc == 0) {
			ec_log(EC_LOG_INFO, "run=%s tenant=%s attempt=%d "
			    "event=succeeded", c->run_id, c->tenant,
			    c->attempt);
			return;
		}
	}
	if (err.code == EC_ERR_CONFLICT || err.code == EC_ERR_TIMEOUT) {
		cron_log_err(EC_LOG_WARN, c, "abandoned", &err);
		return;
	}
	/* The database is away: the lease runs out and a builder retries. */
	if (err.code == EC_ERR_UNAVAILABLE) {
		cron_log_err(EC_LOG_WARN, c, "left_for_retry", &err);
		return;
	}
	if (ec_run_fail(cr->db, c, &err, &ferr) == 0) {
		cron_log_err(EC_LOG_ERR, c, "failed", &err);
		return;
	}
	/* Not recorded: the run is another builder's now, or will be. */
	cron_log_err(EC_LOG_WARN, c, ferr.code == EC_ERR_CONFLICT ?
	    "abandoned" : "left_for_retry", &err);
	cron_log_err(EC_LOG_WARN, c, "fail_not_recorded", &ferr);
}

static void
cron_disconnect(struct cron *cr)
{
	ec_db_free(cr->db);
	ec_db_free(cr->lease_db);
	ec_db_free(cr->progress_db);
	cr->db = cr->lease_db = cr->progress_db = NULL;
}

static int
cron_connect(struct cron *cr, struct ec_err *err)
{
	PGresult	*res;

	if (ec_db_connect(&cr->db, cr->conninfo, err) == -1 ||
	    ec_db_connect(&cr->lease_db, cr->conninfo, err) == -1)
		goto fail;
	if (cr->loop) {
		if ((res = ec_db_exec(cr->db, "LISTEN export_run_queued", 0,
		    NULL, NULL, NULL, false, err)) == NULL)
			goto fail;
		PQclear(res);
	}
	return 0;
fail:
	cron_disconnect(cr);
	return -1;
}

static void
cron_sleep(unsigned s)
{
	struct timespec	ts = { (time_t)s, 0 };

	/* A signal cuts it short, which is what draining wants. */
	(void)nanosleep(&ts, NULL);
}

/* Claim and build until the queue is empty (--once) or until SIGTERM. */
static int
cron_main(struct cron *cr)
{
	struct ec_run_claim	c;
	struct ec_err		err;
	bool			claimed, notified;
	time_t			last_hk = 0;
	int			rc = EXIT_OK;

	while (!cron_stop) {
		if (cr->db == NULL && cron_connect(cr, &err) == -1) {
			cron_log_err(EC_LOG_ERR, NULL, "connect", &err);
			if (!cr->loop)
				return EXIT_ERROR;
			cron_sleep(CRON_POLL_S);
			continue;
		}
		/*
		 * Schedules and retention at most every CRON_POLL_S seconds:
		 * a pass looks at every tenant.  A failed one is tried again
		 * on the next; the claim goes on.
		 */
		if (time(NULL) - last_hk >= CRON_POLL_S) {
			last_hk = time(NULL);
			if (cron_housekeep(cr, &err) == -1)
				cron_log_err(EC_LOG_WARN, NULL, "housekeeping",
				    &err);
		}
		if (ec_run_claim(&claimed, &c, cr->db, cr->owner, &cr->lim,
		    &err) == -1) {
			cron_log_err(EC_LOG_ERR, NULL, "claim", &err);
			cron_disconnect(cr);
			if (!cr->loop)
				return EXIT_ERROR;
			cron_sleep(CRON_POLL_S);
			continue;
		}
		if (claimed) {
			ec_log(EC_LOG_INFO, "run=%s tenant=%s attempt=%d "
			    "event=claimed owner=%s", c.run_id, c.tenant,
			    c.attempt, cr->owner);
			cron_run(cr, &c);
			continue;
		}
		if (!cr->loop)
			break;
		if (ec_db_wait_notify(&notified, cr->db, CRON_POLL_S * 1000,
		    &err) == -1) {
			cron_log_err(EC_LOG_WARN, NULL, "wait", &err);
			cron_disconnect(cr);
		}
	}
	ec_log(EC_LOG_INFO, "event=exit reason=%s", cron_stop ? "signal" :
	    "queue_empty");
	return rc;
}

/* --now and --retention-days. */
static int
cron_clock_args(struct cron *cr, int ch, const char *arg)
{
	struct ec_err	err;
	uint64_t	v;

	if (ch == 'N') {
		if (ec_time_parse(&cr->now, arg, strlen(arg), &err) == -1 ||
		    (cr->now < 0 && ec_err_set(&err, EC_ERR_REQUEST_INVALID,
		    "before 1970") == -1)) {
			fprintf(stderr, "export-cron: --now: %s\n", err.msg);
			return -1;
		}
		cr->now /= 1000000;
		return 0;
	}
	if (ec_parse_u64(&v, arg, 1, EC_SCHED_RETENTION_MAX) == -1) {
		fprintf(stderr, "export-cron: bad --retention-days\n");
		return -1;
	}
	cr->retention_days = (unsigned)v;
	return 0;
}

static int
cron_args(struct cron *cr, const char **key, int argc, char **argv)
{
	static const struct option	opts[] = {
		{ "db", required_argument, NULL, 'D' },
		{ "store", required_argument, NULL, 's' },
		{ "once", no_argument, NULL, '1' },
		{ "loop", no_argument, NULL, 'l' },
		{ "lease", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "owner", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, 'k' },
		{ "keyring", required_argument, NULL, 'y' },
		{ "max-attempts", required_argument, NULL, 'm' },
		{ "registry-creds", required_argument, NULL, 'C' },
		{ "registry-ca", required_argument, NULL, 'A' },
		{ "registry-insecure-http", no_argument, NULL, 'H' },
		{ "now", required_argument, NULL, 'N' },
		{ "retention-days", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	uint64_t			v;
	int				ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'D': cr->conninfo = optarg; break;
		case 's': cr->store = optarg; break;
		case '1': cr->loop = false; break;
		case 'l': cr->loop = true; break;
		case 'k': *key = optarg; break;
		case 'y': cr->keyring = optarg; break;
		case 'C': cr->reg.creds_file = optarg; break;
		case 'A': cr->reg.ca_file = optarg; break;
		case 'H': cr->reg.insecure_http = true; break;
		case 'N': case 'R':
			if (cron_clock_args(cr, ch, optarg) == -1)
				return -1;
			break;
		case 'o':
			(void)snprintf(cr->owner, sizeof(cr->owner), "%s",
			    optarg);
			break;
		case 'L': case 'T': case 'm':
			if (ec_parse_u64(&v, optarg, 1, ch == 'L' ? 86400 :
			    ch == 'T' ? 7 * 24 * 60 : 100) == -1) {
				fprintf(stderr, "export-cron: bad --%s\n",
				    ch == 'L' ? "lease" : ch == 'T' ?
				    "timeout" : "max-attempts");
				return -1;
			}
			if (ch == 'L')
				cr->lim.lease_s = (unsigned)v;
			else if (ch == 'T')
				cr->lim.timeout_s = (unsigned)v * 60;
			else
				cr->lim.max_attempts = (unsigned)v;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		default:
			fputs(usage_text, stderr);
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sigaction	sa;
	struct cron		cr;
	struct ec_err		err;
	const char		*key = NULL;
	char			host[64];
	int			rc;

	memset(&cr, 0, sizeof(cr));
	cr.now = -1;
	cr.lim.lease_s = EC_RUN_LEASE_DEFAULT;
	cr.lim.timeout_s = EC_RUN_TIMEOUT_DEFAULT;
	ec_registry_opts_init(&cr.reg);
	cr.store = getenv("EXPORT_CENTER_STORE") != NULL ?
	    getenv("EXPORT_CENTER_STORE") : "var/store";
	cr.keyring = getenv("EXPORT_CENTER_KEYRING");
	if (gethostname(host, sizeof(host)) == -1)
		(void)snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(cr.owner, sizeof(cr.owner), "%s:%ld", host,
	    (long)getpid());
	if (cron_args(&cr, &key, argc, argv) == -1)
		return EXIT_USAGE;
	ec_log_init("export-cron", EC_LOG_INFO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cron_signal;	/* no SA_RESTART: waits end early */
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	if ((key != NULL && ec_signer_load(&cr.signer, key, &err) == -1) ||
	    ec_blob_store_init(cr.store, &err) == -1) {
		cron_log_err(EC_LOG_ERR, NULL, "start", &err);
		ec_signer_free(cr.signer);
		return EXIT_ERROR;
	}
	ec_log(EC_LOG_INFO, "event=start owner=%s mode=%s lease=%u "
	    "timeout=%u", cr.owner, cr.loop ? "loop" : "once", cr.lim.lease_s,
	    cr.lim.timeout_s);
	rc = cron_main(&cr);
	cron_disconnect(&cr);
	ec_signer_free(cr.signer);
	return rc;
}
