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
/*
 * Small bundle members read whole when verifying (manifest, DSSE, ...).
 * A manifest of EC_MAX_OUTPUTS items with the longest ids is about 1.5 MiB
 * and its DSSE envelope 4/3 of that; 8 MiB each keeps the five of them
 * and their trees far below the verifier's 256 MiB budget.  A member's
 * tar header is checked against it before a byte is read: past it the
 * bundle is refused (EC_ERR_VERIFY).
 */
#define EC_MAX_META_BYTES	(8 * 1024 * 1024)
/*
 * Values and member names in one JSON document, checked by a scan of the
 * text before a tree is built: Jansson spends about 230 bytes on an empty
 * object (measured on Jansson 2.14), so the count, not the byte size,
 * decides the memory a document costs.  The largest real document in the
 * fixtures, a CycloneDX SBOM of 2.2 MB, has 49,387; 2^19 is over 10 times
 * that (real SBOMs of about 20 MB), and bounds the tree of a hostile
 * document at about 120 MiB instead of 5 GiB.  Past it the document is
 * refused (EC_ERR_REQUEST_INVALID).
 */
#define EC_MAX_JSON_NODES	(512 * 1024)
/*
 * Values in one metadata document when verifying (manifest, provenance):
 * EC_MAX_OUTPUTS items of 7 values each, with room for selectors and
 * future fields.  Past it the bundle is refused (EC_ERR_VERIFY).
 */
#define EC_MAX_META_NODES	(64 * 1024)
/*
 * Uncompressed bytes a bundle may declare, over all its members, per
 * compressed byte.  zstd level 3 shrinks real JSON evidence 5 to 20 times;
 * the benchmark's 107,624 replicated advisories (neighbours differ in one
 * id) reach 53; feeds of near-identical advisories may go further.  256
 * keeps all of those and still bounds a decompression bomb, whose zeros
 * shrink 30,000 times: the sum of the members' tar header sizes is
 * checked, before each member is read, against EC_MAX_EXPANSION times the
 * compressed size (at least EC_MIN_EXPANSION_BASE), which also caps it at
 * EC_MAX_EXPANSION times EC_MAX_BUNDLE_BYTES.  Past it the bundle is
 * refused, naming the limit (EC_ERR_VERIFY).  A builder must not write a
 * bundle past it either.
 */
#define EC_MAX_EXPANSION	256
#define EC_MIN_EXPANSION_BASE	(1024 * 1024)
/*
 * How far past the wall clock a document's modified time may lie at
 * ingest, for clock skew between publisher and us: one day.  Later times
 * are refused (EC_ERR_REQUEST_INVALID): a date in the far future would win
 * every newest-wins comparison forever and could not fit a ustar mtime.
 */
#define EC_MAX_FUTURE_US	(86400LL * 1000000)
/* Entries in a bundle we read; a manifest names at most EC_MAX_OUTPUTS. */
#define EC_MAX_BUNDLE_ENTRIES	(EC_MAX_OUTPUTS + 16)
/* Uncompressed bytes of one bundle entry we read (zip-bomb bound). */
#define EC_MAX_ENTRY_BYTES	(8ULL * 1024 * 1024 * 1024)
/* zstd window when decoding bundles: 2^27 = 128 MiB (zstd's default max). */
#define EC_ZSTD_WINDOW_LOG_MAX	27
/* The one zstd level bundles are written with (determinism). */
#define EC_ZSTD_LEVEL		3
/*
 * One devportal:offline asset, read whole (README, man page, OpenAPI
 * document): ours are tens of KiB; past it the build is refused.
 */
#define EC_DEVPORTAL_MAX_ASSET	(16 * 1024 * 1024)
/*
 * Size estimates: exportctl estimate, and the free-space check a build
 * makes before it writes (statvfs of the staging and output file
 * systems).  The compressed size is assumed to be at most
 * EC_ESTIMATE_ZSTD_PERCENT of the tree: canonical JSON under zstd -3
 * comes to 10-30 % (the fixtures' json:raw bundle is about 15 %), and an
 * estimate that errs high refuses a build that would have fitted rather
 * than fail one half-way.  The driver's files (manifest, provenance,
 * checksums, envelopes) and tar headers are counted as
 * EC_ESTIMATE_FILE_BYTES per output plus EC_ESTIMATE_FIXED_BYTES.
 */
#define EC_ESTIMATE_ZSTD_PERCENT	40
#define EC_ESTIMATE_FILE_BYTES		1024
#define EC_ESTIMATE_FIXED_BYTES		(64 * 1024)
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
 * A json:policy bundle's own inputs that exportctl policy replay holds in
 * memory (inputs.tsv, the SBOMs, advisories and VEX it used): about 100
 * bytes an input line, so 128 MiB serves over a million inputs while one
 * hostile bundle still cannot make replay hold more.
 */
#define EC_MAX_REPLAY_BYTES	(128ULL * 1024 * 1024)

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
