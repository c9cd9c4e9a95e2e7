/*
 * ec_limits: every limit the Export Center enforces, with where it comes
 * from and what happens past it.
 */
#ifndef EC_LIMITS_H
#define EC_LIMITS_H

/* Gateway contract (seed 003): request body; past it EC_ERR_TOO_LARGE. */
#define EC_MAX_BODY		(256 * 1024)
/* Seed 003: targets per run; past it EC_ERR_REQUEST_INVALID. */
#define EC_MAX_TARGETS		50
/* Seed 003: outputs (bundle files) per export; past it EC_ERR_TOO_LARGE. */
#define EC_MAX_OUTPUTS		1000
/* Seed 003: compressed bundle size; past it EC_ERR_TOO_LARGE, no file. */
#define EC_MAX_BUNDLE_BYTES	(500ULL * 1024 * 1024)

/*
 * One evidence document at ingest.  The largest real SBOM in the fixtures
 * is about 2 MiB; 64 MiB leaves room for monorepo SBOMs while bounding what
 * one hostile file can make us allocate.  Past it the file is rejected.
 */
#define EC_MAX_DOC_BYTES	(64 * 1024 * 1024)
/* Identifiers taken from documents (upstream ids, sources, tenants). */
#define EC_MAX_ID_LEN		512
/* Tenant names: [A-Za-z0-9._-], 1 to 64 characters. */
#define EC_MAX_TENANT_LEN	64
/* Small bundle members read whole when verifying (manifest, DSSE, ...). */
#define EC_MAX_META_BYTES	(64 * 1024 * 1024)
/* Entries in a bundle we read; a manifest names at most EC_MAX_OUTPUTS. */
#define EC_MAX_BUNDLE_ENTRIES	(EC_MAX_OUTPUTS + 16)
/* Uncompressed bytes of one bundle entry we read (zip-bomb bound). */
#define EC_MAX_ENTRY_BYTES	(8ULL * 1024 * 1024 * 1024)
/* zstd window when decoding bundles: 2^27 = 128 MiB (zstd's default max). */
#define EC_ZSTD_WINDOW_LOG_MAX	27
/* The one zstd level bundles are written with (determinism). */
#define EC_ZSTD_LEVEL		3
/* Key and signature files read whole. */
#define EC_MAX_KEY_BYTES	(64 * 1024)

/*
 * DPoP authentication (RFC 9449).  A compact JWS (access token or proof):
 * tokens from real issuers run to 1-2 KiB; 8 KiB is nginx's default
 * header buffer.  Past it the request is 401.
 */
#define EC_JOSE_MAX_COMPACT	8192
/* JSON values in one JWS header, claims set or JWK; past it 401. */
#define EC_JOSE_MAX_NODES	256
/* The issuer's JWK set file and its keys; past them the file is refused. */
#define EC_JOSE_MAX_JWKS_BYTES	(64 * 1024)
#define EC_JOSE_MAX_KEYS	16
/* A key id (RFC 7515 4.1.4), printable ASCII. */
#define EC_JOSE_MAX_KID		128
/* A DPoP proof's jti (RFC 9449 4.2): a UUID or 32 random bytes fit. */
#define EC_AUTH_MAX_JTI		128
/* An htu claim and the request URI it is compared with. */
#define EC_AUTH_MAX_HTU		2048
/* Claim strings kept for the request: sub, and the scope list read. */
#define EC_AUTH_MAX_SUB		255
#define EC_AUTH_MAX_SCOPE	1024
/* Entries of an array "aud" claim (RFC 7519 4.1.3). */
#define EC_AUTH_MAX_AUD		16

/*
 * estimateSeconds of POST /export-center/runs (ec_run_estimate): measured
 * json:raw throughput, documents a second, from tests/bench/README.md
 * (set B, 107,624 documents in 0.57 s on 2 vCPUs, about 190,000/s),
 * halved for a builder that shares its machine; plus a fixed cost for the
 * claim, sealing, signing and storing.  Only an estimate: nothing fails
 * past it.
 */
#define EC_RUN_DOCS_PER_SECOND	95000
#define EC_RUN_ESTIMATE_BASE_S	2
/* API: the FastCGI pool's size when --workers is not given and the
 * processor count cannot be read, and its ceiling. */
#define EC_API_WORKERS_MAX	64
/* API: a configuration file (fcgi/main.c), and one of its lines. */
#define EC_API_CONFIG_MAX	(16 * 1024)
/* API: the OpenAPI document served at /export-center/openapi.json. */
#define EC_API_OPENAPI_MAX	(512 * 1024)
/* API: JSON nodes of a run request (besides the 256 KiB body cap). */
#define EC_API_MAX_NODES	4096

#endif
