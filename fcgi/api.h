/*
 * fcgi/api.h: what the files of the FastCGI API pool share.  main.c is
 * the prefork master and the workers' accept loop, config.c the
 * configuration file, route.c the routing, authentication and responses,
 * h_<resource>.c one handler file per resource.  Everything else is in
 * lib/ (ec_auth, ec_run, ec_db).
 */
#ifndef EC_API_H
#define EC_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fcgiapp.h>
#include <jansson.h>

#include "ec_auth.h"
#include "ec_err.h"
#include "ec_urlsign.h"
#include "ec_keyring.h"

/* Seconds a client is told to wait (Retry-After) when we are degraded. */
#define API_RETRY_AFTER_DEFAULT	5
/* Seconds after creating a run before polling its status is worth it. */
#define API_POLL_AFTER		5
/* Signed download URLs: default and largest lifetime, in seconds. */
#define API_DOWNLOAD_TTL_DEFAULT	3600
#define API_DOWNLOAD_TTL_MAX		(7 * 24 * 3600)

/*
 * The configuration file (config.c): "key = value" lines, "#" comments.
 * Keys: issuer (required), audience, jwks (required), algorithms, leeway,
 * proof_max_age, db (libpq conninfo), openapi (path of the document),
 * retry_after, download_keys (the key file of signed download URLs,
 * lib/ec_urlsign.h; without it outputs keep their store paths),
 * download_ttl (seconds a signed URL lives) and keyring (the keyring
 * file, ec_keyring.h, that POST /runs resolves key references through;
 * none: a run naming a key is refused).  Paths and strings are copied
 * here; the key file is checked when the file is loaded, so a reload
 * (SIGHUP) with a bad one keeps the old configuration.
 */
struct api_conf {
	char	issuer[512];
	char	audience[128];
	char	jwks[1024];
	char	algorithms[64];
	char	db[1024];
	char	openapi[1024];
	char	keyring[1024];
	int64_t	leeway;
	int64_t	proof_max_age;
	int	retry_after;
	char	download_keys[1024];
	int64_t	download_ttl;
};

/* Read "path" into *out; EC_ERR_REQUEST_INVALID naming the line. */
int	api_conf_load(struct api_conf *out, const char *path,
	    struct ec_err *err);
/* Load the authentication configuration "c" describes. */
int	api_conf_auth(struct ec_auth **out, const struct api_conf *c,
	    struct ec_err *err);
/* Open the keyring "c" names; *out is NULL when it names none. */
int	api_conf_keyring(struct ec_keyring **out, const struct api_conf *c,
	    struct ec_err *err);
/*
 * Load what the workers will (the JWK set, the keyring) and let it go:
 * the master refuses a configuration its workers could not start with.
 */
int	api_conf_check(const struct api_conf *c, struct ec_err *err);

/* One worker's state, for every request it serves. */
struct api_ctx {
	const struct api_conf	*conf;
	struct ec_auth		*auth;		/* owned */
	struct ec_keyring	*keyring;	/* owned; NULL: none */
	struct ec_db		*db;		/* owned; NULL: connect next */
	char			*openapi;	/* owned, the document */
	size_t			 openapi_len;
	struct ec_urlsign	*dl_keys;	/* owned; NULL: unsigned */
	uint64_t		 served;	/* requests, for pruning */
};

/* One request. */
struct api_req {
	FCGX_Request		*fcgi;
	struct api_ctx		*ctx;
	const char		*method;
	const char		*rid;		/* nginx's $request_id */
	char			 path[1024];	/* decoded, no query */
	struct ec_auth_principal who;		/* after api_authenticate */
	const char		*project;	/* X-StellaOps-Project */
	/*
	 * Set by a handler before api_authenticate to record the proof's
	 * jti itself, in its own transaction (ec_auth.h, "deferred"), until
	 * jti_keep (epoch seconds), pruning expired ones when jti_prune.
	 */
	bool			 defer_jti;
	int64_t			 jti_keep;
	bool			 jti_prune;
};

/* route.c */
void	api_handle(struct api_ctx *ctx, FCGX_Request *fcgi);
const char *api_param(const struct api_req *rq, const char *name);
int	api_authenticate(struct api_req *rq, unsigned scope,
	    enum ec_auth_fault *fault_out, struct ec_err *err);
/* The worker's connection, made on first use and after an outage. */
int	api_db(struct ec_db **out, struct api_req *rq, struct ec_err *err);
/* Answer "body" (stolen) as JSON with "status" and extra header lines. */
void	api_reply_json(struct api_req *rq, int status, json_t *body,
	    const char *headers);
void	api_reply_text(struct api_req *rq, int status, const char *type,
	    const char *body, size_t len);
/* Answer the error "err" in the contract's shape (and log a 5xx). */
void	api_reply_error(struct api_req *rq, const struct ec_err *err,
	    enum ec_auth_fault fault);

/*
 * Answer a handler's failure; a lost database connection is dropped so
 * that the next request reconnects.
 */
void	api_fail(struct api_req *rq, const struct ec_err *err);

/* Handlers: each answers the request, whatever happens. */
void	h_health_healthz(struct api_req *rq);
void	h_health_readyz(struct api_req *rq);
void	h_health_metrics(struct api_req *rq);
void	h_health_openapi(struct api_req *rq);
void	h_profiles_list(struct api_req *rq);
void	h_runs_create(struct api_req *rq);
void	h_runs_show(struct api_req *rq, const char *run_id);
void	h_dist_show(struct api_req *rq, const char *dist_id);

/*
 * h_dist.c: replace the url of every stored output of the run status "run"
 * (ec_run_show) with a signed download URL and add its expiresAt, and
 * add the run's links; nothing is signed without download keys.
 */
int	api_sign_run(struct api_req *rq, json_t *run, struct ec_err *err);
void	h_events_stream(struct api_req *rq, const char *run_id);
/*
 * h_runs.c: authenticate a read of a run (export:read) and check that
 * "run_id" has the shape of the token tenant's ids; false when it
 * answered the request with the refusal (404 for another shape).
 */
bool	api_run_reader(struct api_req *rq, const char *run_id);

/* h_runs_req.c: the body of POST /export-center/runs, validated. */
struct api_run_body {
	json_t		*root;		/* owned */
	const char	*profile;	/* into root */
	char		 targets[EC_MAX_TARGETS * 16];	/* CSV, or "" */
	char		 formats[128];			/* CSV, or "" */
	unsigned	 priority;
	unsigned	 retention_days;
	json_t		*options;	/* owned: distribution, encryption */
};
int	api_run_body_parse(struct api_run_body *out, const char *body,
	    size_t len, struct ec_err *err);
void	api_run_body_dispose(struct api_run_body *b);

#endif
