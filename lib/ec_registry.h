/*
 * ec_registry: push an OCI image layout on disk (ec_layout) to a registry
 * that speaks the OCI distribution spec v1.1, with libcurl.
 *
 * Every blob is first asked for (HEAD), so a blob the repository has is
 * never sent again; a missing one is mounted from another repository of
 * the same registry when the caller names one and the registry agrees
 * (201 to POST ?mount=&from=), else uploaded in one PUT, or in PATCH
 * chunks when it is larger than the chunk size.  The manifest goes last,
 * by tag: until that PUT succeeded nothing counts as pushed.  A DSSE
 * envelope may ride along as an OCI 1.1 referrer whose "subject" is the
 * pushed manifest, tagged sha256-<hex>.att too for registries without the
 * referrers API.
 *
 * Authentication answers the registry's WWW-Authenticate challenge:
 * Basic with the credentials of the host, or Bearer with a token from the
 * challenge's realm (service and scope as given; the host's credentials,
 * when there are any, as Basic to the token endpoint).  Credentials come
 * from a docker-style config.json (ec_registry_creds_parse).  TLS is
 * verified unless plain HTTP is asked for.  5xx, 429 and connection
 * failures are retried with exponential backoff and jitter (Retry-After
 * honoured), bounded by an attempt count and a total time; the final
 * failure is EC_ERR_DISTRIBUTION_FAILED with the registry's own error
 * text (distribution spec "Error Codes": errors[].code and .message).
 */
#ifndef EC_REGISTRY_H
#define EC_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_layout.h"

/* host[:port], repository name (spec: at most 255 with the host), tag. */
#define EC_REGISTRY_MAX_HOST	253
#define EC_REGISTRY_MAX_REPO	255
#define EC_REGISTRY_MAX_TAG	128
/* The credentials file and a registry's answers we read (errors, token). */
#define EC_REGISTRY_MAX_CREDS	(1024 * 1024)
#define EC_REGISTRY_MAX_BODY	(64 * 1024)
/* A WWW-Authenticate or Location header kept. */
#define EC_REGISTRY_MAX_HEADER	4096
/* The attached envelope (a provenance.dsse.json is a few KiB). */
#define EC_REGISTRY_MAX_ATTACH	(16 * 1024 * 1024)
/* Credentials: "user:password" before base64. */
#define EC_REGISTRY_MAX_SECRET	1024

#define EC_REGISTRY_MT_DSSE	"application/vnd.dsse.envelope.v1+json"
#define EC_REGISTRY_MT_EMPTY	"application/vnd.oci.empty.v1+json"

/* A parsed REF: host[:port]/repo[:tag]. */
struct ec_registry_ref {
	char	host[EC_REGISTRY_MAX_HOST + 1];
	char	repo[EC_REGISTRY_MAX_REPO + 1];
	char	tag[EC_REGISTRY_MAX_TAG + 1];	/* "" when omitted */
};

struct ec_registry_opts {
	const char	*creds_file;	/* config.json or NULL; borrowed */
	const char	*ca_file;	/* PEM bundle or NULL (system CAs) */
	bool		 insecure_http;	/* http:// instead of https:// */
	uint64_t	 chunk_size;	/* bytes; 0: every blob in one PUT */
	const char	*mount_from;	/* repository to mount from, or NULL */
	unsigned	 max_attempts;	/* per request, >= 1 */
	unsigned	 max_seconds;	/* all retries of one request */
	unsigned	 backoff_ms;	/* first delay; doubles, with jitter */
};

struct ec_registry_result {
	char		digest[EC_LAYOUT_DIGEST_LEN + 1];	/* manifest */
	char		tag[EC_REGISTRY_MAX_TAG + 1];
	uint64_t	size;			/* manifest bytes */
	char		att_digest[EC_LAYOUT_DIGEST_LEN + 1];	/* or "" */
	char		att_tag[EC_REGISTRY_MAX_TAG + 1];	/* or "" */
	bool		referrers;	/* the registry named the subject */
	unsigned	uploaded;	/* blobs sent */
	unsigned	skipped;	/* blobs the repository had */
	unsigned	mounted;	/* blobs mounted from mount_from */
	unsigned	retries;	/* requests repeated after a failure */
	uint64_t	bytes;		/* blob bytes sent */
};

/* Defaults: 5 attempts, 120 s, 200 ms, no chunking, TLS verified. */
void	ec_registry_opts_init(struct ec_registry_opts *o);

/*
 * Parse "host[:port]/repo[:tag]": the host is a DNS name or IPv4 address
 * with an optional port, the repository path components are
 * [a-z0-9]+ joined by '.', '_', '__' or '-' (distribution spec "Pulling
 * manifests"), the tag [A-Za-z0-9_][A-Za-z0-9._-]{0,127}.
 * EC_ERR_REQUEST_INVALID.
 */
int	ec_registry_ref_parse(struct ec_registry_ref *out, const char *s,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * Push the layout in "dir" to "ref".  The manifest is the one index.json
 * names ref->tag (or the only one); an empty ref->tag takes that entry's
 * org.opencontainers.image.ref.name.  It is an image manifest, or an image
 * index of image manifests (each pushed by digest, the index by tag).  "attach" (or NULL) is a DSSE
 * envelope file pushed as a referrer of the manifest.  *out is written
 * only when the manifest PUT (and the attachment's) succeeded.  A bad
 * layout is EC_ERR_REQUEST_INVALID / EC_ERR_VERIFY / EC_ERR_IO, anything
 * the registry or the network refuses EC_ERR_DISTRIBUTION_FAILED.
 */
int	ec_registry_push(struct ec_registry_result *out, const char *dir,
	    const struct ec_registry_ref *ref, const char *attach,
	    const struct ec_registry_opts *o, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * The same for the index.json entry whose ref name is "entry" (NULL: as
 * ec_registry_push), pushed under ref->tag, which must then be given:
 * one artifact of a layout of several (a mirror's) under a tag of its
 * own.  EC_ERR_NOT_FOUND when no entry has that name.
 */
int	ec_registry_push_entry(struct ec_registry_result *out,
	    const char *dir, const struct ec_registry_ref *ref,
	    const char *entry, const char *attach,
	    const struct ec_registry_opts *o, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * From a docker config.json ({"auths": {"<host>": {"auth": base64 of
 * "user:password"} or {"username": ..., "password": ...}}}, keys with or
 * without "https://" and a trailing path), the "user:password" of "host"
 * into "out" (EC_REGISTRY_MAX_SECRET + 1 bytes); *found false when the
 * host has no entry.  EC_ERR_REQUEST_INVALID for a malformed file.
 * The caller wipes "out".
 */
int	ec_registry_creds_parse(char *out, bool *found, const char *p,
	    size_t len, const char *host, struct ec_err *err) EC_MUST_CHECK;

/* A parsed WWW-Authenticate challenge (RFC 7235 4.1). */
struct ec_registry_challenge {
	bool	bearer;		/* else Basic */
	char	realm[EC_REGISTRY_MAX_HEADER];
	char	service[512];
	char	scope[1024];
};

/*
 * Parse the first challenge of a WWW-Authenticate value: scheme Basic or
 * Bearer and its auth-params (token or quoted-string, RFC 7230 3.2.6).
 * A Bearer challenge must have a realm.  EC_ERR_DISTRIBUTION_FAILED.
 */
int	ec_registry_challenge_parse(struct ec_registry_challenge *out,
	    const char *p, size_t len, struct ec_err *err) EC_MUST_CHECK;

/*
 * The registry's own words from an error body (distribution spec "Error
 * Codes": {"errors": [{"code", "message", "detail"}]}): "CODE: message"
 * of the first entries, joined by "; ", into "out" (always terminated;
 * printable ASCII only).  False when the body is not such a document.
 */
bool	ec_registry_error_text(char *out, size_t size, const char *p,
	    size_t len);

#endif
