/*
 * ec_run: the run queue (sql/0003).  A client (exportctl run create, the
 * API) enqueues a validated request; a builder (export-cron) claims it
 * with a lease, renews the lease while it builds, records progress,
 * events and outputs, and finishes it:
 *
 *   queued -> running -> succeeded | failed      (expired: retention)
 *
 * Every statement names its tenant ("tenant = $n") and runs inside
 * ec_db_begin() for that tenant, so row-level security and the explicit
 * predicate both hold, even for a role that bypasses RLS.  The one
 * exception is ec_run_claim(), which must look at every tenant's queue:
 * it calls the SECURITY DEFINER function export_claim_run(), which sees
 * only the scheduling index and hands back one (tenant, run id) pair.
 *
 * Leases.  A claim holds the run for a number of seconds; the builder
 * renews it every third of that (ec_run_renew_interval).  A builder that
 * dies stops renewing; once the lease has expired another claim takes
 * the run again with attempt + 1.  Every write a builder makes names its
 * owner and attempt, so a builder that lost its lease can change nothing.
 * A run still unfinished at its deadline (first claim + job timeout)
 * fails with ERR_EXPORT_TIMEOUT; one abandoned EC_RUN_MAX_ATTEMPTS times
 * fails with ERR_INTERNAL.
 *
 * Events are rows of run_events plus pg_notify('export_run_events', run
 * id) in the same transaction: started, progress, artifact_ready,
 * completed, failed, with the gateway contract's payloads.
 */
#ifndef EC_RUN_H
#define EC_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_err.h"
#include "ec_export.h"
#include "ec_hash.h"
#include "ec_limits.h"
#include "ec_profile.h"

struct ec_db;

#define EC_RUN_PRIORITY_DEFAULT	5
#define EC_RUN_PRIORITY_MAX	9
/* Idempotency keys: 1 to 255 printable ASCII characters, no space. */
#define EC_RUN_KEY_MAX		255
/* Builder defaults: lease, job timeout (seed 003: 60 minutes), retries. */
#define EC_RUN_LEASE_DEFAULT	60
#define EC_RUN_TIMEOUT_DEFAULT	(60 * 60)
#define EC_RUN_MAX_ATTEMPTS	3
/*
 * retryAfterSeconds of a failed event whose cause may pass (a registry
 * or the database away, a rate limit): seed 003's client backoff cap.
 */
#define EC_RUN_RETRY_AFTER_S	30
/* Profile ids: "export-profile::<tenant>::<name>". */
#define EC_RUN_PROFILE_ID_MAX	(16 + EC_MAX_TENANT_LEN + 2 + 64)
/* Lease owners: host:pid or an operator's name. */
#define EC_RUN_OWNER_MAX	128

/* What a client asks for; every pointer is borrowed for the call. */
struct ec_run_spec {
	const char		*tenant;
	const char		*profile;	/* name or profile id */
	const char		*targets;	/* CSV; NULL: default */
	const char		*formats;	/* CSV; NULL: default */
	const char *const	*params;	/* "key=value" each */
	size_t			 nparams;
	unsigned		 priority;	/* 0 to EC_RUN_PRIORITY_MAX */
	const char		*idempotency_key;	/* NULL: none */
	/*
	 * Distribution after the build: type "oci" (NULL: none) pushes the
	 * output's oci/ layout to dist_ref, "host[:port]/repo[:tag]".
	 */
	const char		*dist_type;
	const char		*dist_ref;
	/*
	 * What the API's request says beyond the build (distribution,
	 * signing, encryption, retentionDays), validated by the caller and
	 * stored under "options", so that it counts for idempotency; NULL:
	 * none.
	 */
	const json_t		*options;
	unsigned		 retention_days;	/* 0: none */
};

/* Distribution refs stored in a request: they name artifact rows too. */
#define EC_RUN_DIST_REF_MAX	400

struct ec_run_created {
	char	run_id[EC_RUN_ID_MAX + 1];
	char	status[16];
	bool	existed;	/* the key named this run already */
};

/*
 * Pure parts, unit-tested.
 *
 * The run id "export-run::<tenant>::<day>::<seq>", seq zero-padded to
 * four digits (more when needed).  "day" is YYYY-MM-DD.
 * EC_ERR_REQUEST_INVALID for a bad tenant, day or a seq of 0.
 */
int	ec_run_id_format(char out[EC_RUN_ID_MAX + 1], const char *tenant,
	    const char *day, uint64_t seq, struct ec_err *err) EC_MUST_CHECK;
/* Whether "id" has the run id shape and names "tenant". */
bool	ec_run_id_valid(const char *id, const char *tenant);

/*
 * The validated request, as stored and hashed: an object with profile,
 * profileId, targets and formats (the profile's defaults filled in,
 * names sorted), params (an object; omitted when none), priority and,
 * when asked for, distribution {type, ref} (ec_run_distribution_check).
 * "kind" is the profile's builder name.  The selectors and parameters go
 * through the same checks as a build (ec_export_check), so a queued run
 * never fails for a reason its request already showed.  New reference,
 * or NULL with EC_ERR_REQUEST_INVALID naming the field,
 * EC_ERR_PROFILE_NOT_FOUND (no builder for "kind"), EC_ERR_NOMEM.
 */
json_t	*ec_run_request(const struct ec_run_spec *spec, const char *name,
	    const char *kind, struct ec_err *err) EC_MUST_CHECK;
/*
 * The distribution of "spec" for a run of profile "kind" as the stored
 * request's "distribution" object, {"type": "oci", "ref": REF}; *out is
 * NULL when none was asked for.  EC_ERR_REQUEST_INVALID naming the field
 * for an unknown type or a ref ec_registry_ref_parse() refuses (or over
 * EC_RUN_DIST_REF_MAX bytes), and "profile X has no OCI artifact" for a
 * profile without EC_PROFILE_OCI.  EC_ERR_NOMEM.
 */
int	ec_run_distribution_check(json_t **out,
	    const struct ec_run_spec *spec, const char *kind,
	    struct ec_err *err) EC_MUST_CHECK;
/* SHA-256 (hex) of the RFC 8785 form of a request. */
int	ec_run_request_hash(char hex_out[EC_SHA256_HEX], const json_t *req,
	    struct ec_err *err) EC_MUST_CHECK;
/* Seconds between lease renewals for a lease of "lease" seconds. */
unsigned	ec_run_renew_interval(unsigned lease);

/*
 * Enqueue a run (the tenant's built-in profiles are made on first use,
 * one per kind, named after it).  With an idempotency key: the same key
 * and the same request give the run made the first time (existed set);
 * the same key with another request is EC_ERR_CONFLICT and creates
 * nothing.  EC_ERR_PROFILE_NOT_FOUND: no such profile, or its kind has no
 * builder in this build.  EC_ERR_REQUEST_INVALID, EC_ERR_DB,
 * EC_ERR_UNAVAILABLE.
 */
int	ec_run_create(struct ec_run_created *out, struct ec_db *db,
	    const struct ec_run_spec *spec, struct ec_err *err) EC_MUST_CHECK;

/*
 * The run's status in the gateway contract's shape: runId, status,
 * profileId, createdAt, startedAt, finishedAt, attempts, progress
 * {percent, itemsCompleted, itemsTotal}, outputs sorted by (type, id,
 * format, url) each with sha256 ("sha256:<hex>"), size and url (the
 * store-relative path until signed downloads exist), and errors [{code,
 * message}].  New reference.  EC_ERR_NOT_FOUND when the tenant has no
 * such run (another tenant's run is not found either).
 */
int	ec_run_show(json_t **out, struct ec_db *db, const char *tenant,
	    const char *run_id, struct ec_err *err) EC_MUST_CHECK;

/*
 * The API's GET of a run: ec_run_jti_seen() and ec_run_show() in one
 * transaction and one round trip.  When *seen_out is true (a replayed
 * proof) nothing else is set and 0 is returned: the caller refuses the
 * request without saying anything about the run.  Otherwise as
 * ec_run_show(); the jti is recorded even when the run is not found.
 */
int	ec_run_show_jti(json_t **out, bool *seen_out, struct ec_db *db,
	    const char *tenant, const char *run_id, const char *jti,
	    int64_t expires, bool prune, struct ec_err *err) EC_MUST_CHECK;

/*
 * ec_run_show() until the run has finished (succeeded, failed, expired),
 * woken by its events; EC_ERR_TIMEOUT after "timeout_s" seconds.
 */
int	ec_run_wait(json_t **out, struct ec_db *db, const char *tenant,
	    const char *run_id, unsigned timeout_s, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The API's reads (ec_run_api.c).
 *
 * The tenant's profiles (the built-in ones made on first use), sorted by
 * id: [{id, name, kind, available, createdAt}], "available" false for a
 * kind this build has no builder for (a run of it is refused with
 * EC_ERR_PROFILE_NOT_FOUND).  New reference.  EC_ERR_DB,
 * EC_ERR_UNAVAILABLE.
 */
int	ec_run_profiles(json_t **out, struct ec_db *db, const char *tenant,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Seconds a build should take: the tenant's documents of the kinds in
 * "targets" (CSV; NULL: every kind) over EC_RUN_DOCS_PER_SECOND
 * (ec_limits.h), plus EC_RUN_ESTIMATE_BASE_S.  EC_ERR_DB,
 * EC_ERR_UNAVAILABLE.
 */
int	ec_run_estimate(unsigned *seconds_out, struct ec_db *db,
	    const char *tenant, const char *targets, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The DPoP replay store (RFC 9449 11.1), shared by every API process:
 * record "jti" of "tenant" until "expires" (seconds since the epoch) in
 * its own committed transaction; *seen_out is true when it was there
 * already.  With "prune" the tenant's expired ids are deleted first.
 * EC_ERR_DB, EC_ERR_UNAVAILABLE.
 */
int	ec_run_jti_seen(bool *seen_out, struct ec_db *db, const char *tenant,
	    const char *jti, int64_t expires, bool prune, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Readiness: the database answers and its schema version is the newest
 * migration this build carries (*version_out: the database's).
 * EC_ERR_UNAVAILABLE when it is behind or unreachable, EC_ERR_DB.
 */
int	ec_run_ready(int *version_out, struct ec_db *db, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Append the Prometheus text exposition (version 0.0.4) of the pool-wide
 * counters of sql/0005 (export_center_metrics()): runs by status and
 * profile, build durations, bytes exported, failures by code, lease
 * losses, queue depth and the oldest queued run's age.  EC_ERR_DB,
 * EC_ERR_UNAVAILABLE, the buffer's codes.
 */
int	ec_run_metrics(struct ec_buf *out, struct ec_db *db,
	    struct ec_err *err) EC_MUST_CHECK;

/* A run a builder holds. */
struct ec_run_claim {
	char	tenant[EC_MAX_TENANT_LEN + 1];
	char	run_id[EC_RUN_ID_MAX + 1];
	char	owner[EC_RUN_OWNER_MAX + 1];
	int	attempt;
};

struct ec_run_limits {
	unsigned	lease_s;	/* 0: EC_RUN_LEASE_DEFAULT */
	unsigned	timeout_s;	/* 0: EC_RUN_TIMEOUT_DEFAULT */
	unsigned	max_attempts;	/* 0: EC_RUN_MAX_ATTEMPTS */
};

/*
 * Claim the next run of any tenant for "owner" (see above); *claimed_out
 * is false when there is none.  Emits "started".  EC_ERR_DB,
 * EC_ERR_UNAVAILABLE, EC_ERR_REQUEST_INVALID for a bad owner.
 */
int	ec_run_claim(bool *claimed_out, struct ec_run_claim *out,
	    struct ec_db *db, const char *owner,
	    const struct ec_run_limits *lim, struct ec_err *err) EC_MUST_CHECK;

/*
 * Extend the lease by "lease_s" seconds.  EC_ERR_CONFLICT when the lease
 * is lost (expired and claimed again, or the run finished); past the
 * run's deadline the run is failed here with ERR_EXPORT_TIMEOUT and
 * EC_ERR_TIMEOUT is returned.
 */
int	ec_run_renew(struct ec_db *db, const struct ec_run_claim *c,
	    unsigned lease_s, struct ec_err *err) EC_MUST_CHECK;

/*
 * The claimed run's request as a build request for ec_export_build():
 * tenant, profile, targets, formats, params and run_id point into *job,
 * which must outlive "req"; the caller fills in the rest (store, output,
 * signer).  Release with ec_run_job_dispose().
 */
struct ec_run_job {
	json_t		*request;	/* owned */
	char		 targets[128];
	char		 formats[64];
	const char	*params[EC_PARAM_MAX];	/* into params_buf */
	char		*params_buf;		/* owned */
};
int	ec_run_job_load(struct ec_run_job *job, struct ec_export_req *req,
	    struct ec_db *db, const struct ec_run_claim *c,
	    struct ec_err *err) EC_MUST_CHECK;
void	ec_run_job_dispose(struct ec_run_job *job);
/* The loaded request's OCI distribution ref, or NULL when it has none. */
const char	*ec_run_job_oci_ref(const struct ec_run_job *job);

/*
 * mirror:delta runs (ec_run_base.c).  The request's options.baseRunId
 * names the base: an earlier succeeded mirror:full or mirror:delta run
 * of the same tenant.  ec_run_base_check(), in ec_run_create()'s
 * transaction: EC_ERR_REQUEST_INVALID naming baseRunId when a
 * mirror:delta run lacks it, another kind has it, or it names a run of
 * another profile or an encrypted run (encryption.enabled with a
 * kmsKey: the store holds its .age files only, and export-cron no
 * identity); EC_ERR_BASE_MISSING for an unknown run, another
 * tenant's (answered alike, so nothing leaks) or one not succeeded.
 */
int	ec_run_base_check(struct ec_db *db, const char *tenant,
	    const char *kind, const json_t *request, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * export-cron: rebuild the tree the base run stands for in a staging
 * directory under <store>/tmp and add "base=<dir>" to req's parameters.
 * A mirror:full run's tree is its "manifest" and "file" artifact rows,
 * their blobs copied from "store" with each digest checked; a
 * mirror:delta run's is its delta applied to its own base's tree
 * (ec_mirror_delta_apply, verified with the public half of "signer",
 * export-cron's key), at most 32 deltas deep.  Nothing to do for a run
 * without baseRunId.  A base run whose tree is gone (expired) or whose
 * blobs are missing is EC_ERR_BASE_MISSING.  Dispose of *out after the
 * build, in every case.
 */
struct ec_run_base {
	struct ec_staging	*st;			/* owned; NULL: none */
	const char		*params[EC_PARAM_MAX];	/* borrowed + param */
	char			 param[EC_PARAM_VALUE_MAX + 8];
	char			 run_id[EC_RUN_ID_MAX + 1]; /* "": none */
	/*
	 * The export ids of the stored deltas applied to rebuild the base,
	 * oldest first (an array, owned; NULL or empty for a full base).
	 */
	json_t			*applied;
};
int	ec_run_base_load(struct ec_run_base *out, struct ec_export_req *req,
	    const struct ec_run_job *job, struct ec_db *db, const char *store,
	    const struct ec_signer *signer, struct ec_err *err)
	    EC_MUST_CHECK;
void	ec_run_base_dispose(struct ec_run_base *b);

/* Record progress and emit "progress". */
int	ec_run_progress(struct ec_db *db, const struct ec_run_claim *c,
	    uint64_t completed, uint64_t total, struct ec_err *err)
	    EC_MUST_CHECK;

/* One output of a build, already in the artifact store. */
struct ec_run_output {
	const char	*type;		/* "bundle" */
	const char	*id;
	const char	*format;	/* "tar.zst" */
	const char	*name;		/* file name for downloads */
	char		 sha256[EC_SHA256_HEX];
	uint64_t	 size;
	/*
	 * Type "distribution" only: id is the pushed "host/repo:tag",
	 * sha256 the manifest's digest (its blob is in the store with the
	 * layout), "url" oci://<id>@sha256:<hex> and "attachment" the
	 * provenance referrer's digest or NULL.  NULL for other outputs.
	 */
	const char	*url;
	const char	*attachment;
};

/*
 * The audit events the product documents, emitted by ec_run_succeed()
 * in its transaction just before "completed" (ec_run_audit.c):
 *
 *   mirror.delta.applied       {runId, baseRunId, appliedExportIds}: the
 *                              base was rebuilt by applying stored deltas
 *   mirror.bundle.created      {runId, profile, exportId, manifestSha256}
 *                              and, for mirror:delta, baseRunId and
 *                              baseExportId (of manifest.diff.json)
 *   mirror.encryption.enabled  {runId, recipients}: the output was
 *                              encrypted to that many age recipients
 *
 * They come in this order, that of the work.  The list is a plain value;
 * its payloads are owned until disposed.
 */
#define EC_RUN_AUDIT_MAX	4
struct ec_run_audit {
	const char	*type[EC_RUN_AUDIT_MAX];	/* static strings */
	json_t		*payload[EC_RUN_AUDIT_MAX];	/* owned */
	size_t		 n;
};

/*
 * Fill "a" (zeroed first) with the events a built run emits: the
 * request "req" as built, its result "res" (a mirror tree's directory is
 * read for manifest.diff.json, EC_MAX_META_BYTES at most) and its base
 * (NULL: none).  EC_ERR_NOMEM, and the read's or parse's codes for a
 * delta output without a valid manifest.diff.json; *a is empty then.
 */
int	ec_run_audit_make(struct ec_run_audit *a, const struct ec_run_claim *c,
	    const struct ec_export_req *req,
	    const struct ec_export_result *res,
	    const struct ec_run_base *base, struct ec_err *err) EC_MUST_CHECK;
void	ec_run_audit_dispose(struct ec_run_audit *a);

/*
 * In one transaction: record the outputs, the inputsHash and progress
 * items/items, move the run to succeeded and emit one artifact_ready per
 * output (and distribution_pushed {runId, ref, digest, attachment} per
 * distribution output), the events of "audit" (NULL: none) in order, then
 * completed.  EC_ERR_CONFLICT when the lease was lost: nothing is
 * recorded.
 */
int	ec_run_succeed(struct ec_db *db, const struct ec_run_claim *c,
	    const struct ec_run_output *outs, size_t nouts,
	    const char *inputs_hash, uint64_t items,
	    const struct ec_run_audit *audit, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Move the run to failed with why->code's wire name and message, and emit
 * "failed".  EC_ERR_CONFLICT when the lease was lost.
 */
int	ec_run_fail(struct ec_db *db, const struct ec_run_claim *c,
	    const struct ec_err *why, struct ec_err *err) EC_MUST_CHECK;

/*
 * Key references of a run (ec_run_keys.c).  The API's request keeps them
 * under "options": distribution.signing.keyRef and encryption.kmsKey,
 * each beside an "enabled" boolean.  They name keys in the keyring
 * (ec_keyring.h) and are resolved for the run's tenant twice: when the
 * run is created, so an unknown or foreign reference creates nothing,
 * and by the builder before any work, so one that stopped resolving
 * since fails the run at once.
 */
struct ec_keyring;

/*
 * Resolve every reference "options" (the request's options object,
 * borrowed; NULL: none) holds, for "tenant" through "kr" (NULL: no
 * keyring configured), as ec_keyring_resolve does, without reading a
 * key.  EC_ERR_REQUEST_INVALID (or the keyring's EC_ERR_IO) naming the
 * field, e.g. "distribution.signing.keyRef: unknown key reference ...".
 */
int	ec_run_keys_check(const struct ec_keyring *kr, const char *tenant,
	    const json_t *options, struct ec_err *err) EC_MUST_CHECK;

/* The keys a claimed run builds with. */
struct ec_run_keys {
	struct ec_signer	*signer;	/* owned; NULL: none asked */
	struct ec_age_recipient	 rcpt[EC_AGE_MAX_RECIPIENTS];
	size_t			 nrcpt;		/* 0: not encrypted */
};

/*
 * Open the keyring at "keyring" (NULL: none configured) and load what the
 * loaded job's request enables: the signer of distribution.signing.keyRef
 * (a key file or a PKCS#11 token key, ec_keyring_signer) and the
 * recipients of encryption.kmsKey (ec_keyring_recipients).  A request
 * that enables neither needs no keyring and gets an empty *out.  Codes
 * as ec_run_keys_check, and the signer's; nothing is kept on failure.
 * Release with ec_run_keys_dispose().
 */
int	ec_run_keys_load(struct ec_run_keys *out, const char *keyring,
	    const struct ec_run_job *job, const char *tenant,
	    struct ec_err *err) EC_MUST_CHECK;
void	ec_run_keys_dispose(struct ec_run_keys *k);

#endif
