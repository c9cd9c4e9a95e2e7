/*
 * ec_registry internals shared by ec_registry.c (the push) and
 * ec_registry_http.c (libcurl, authentication and retries).
 */
#ifndef EC_REGISTRY_INT_H
#define EC_REGISTRY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <curl/curl.h>

#include "ec_buf.h"
#include "ec_registry.h"

/* One connection to one repository of a registry. */
struct reg {
	CURL				*curl;		/* owned */
	const struct ec_registry_opts	*o;		/* borrowed */
	char				 base[EC_REGISTRY_MAX_HOST + 16];
	char				 repo[EC_REGISTRY_MAX_REPO + 1];
	char				 creds[EC_REGISTRY_MAX_SECRET + 1];
	bool				 have_creds;
	/* "Authorization: ..." once a challenge was answered; wiped. */
	char				 auth[8192];
	unsigned			 retries;
};

/* A request body: bytes in memory, or a range of an open file. */
struct reg_body {
	const uint8_t	*mem;		/* borrowed, or NULL */
	int		 fd;		/* borrowed, -1 without */
	uint64_t	 off;		/* of the range in the file */
	uint64_t	 len;
	uint64_t	 pos;		/* bytes handed to libcurl */
};

struct reg_req {
	const char		*method;	/* HEAD GET POST PUT PATCH */
	const char		*url;		/* absolute */
	const char		*ctype;		/* Content-Type or NULL */
	const char		*range;		/* Content-Range or NULL */
	struct reg_body		*body;		/* NULL: no body */
};

struct reg_resp {
	long		status;
	struct ec_buf	body;		/* at most EC_REGISTRY_MAX_BODY */
	char		location[EC_REGISTRY_MAX_HEADER];
	char		www_auth[EC_REGISTRY_MAX_HEADER];
	char		digest[EC_LAYOUT_DIGEST_LEN + 1];
	char		subject[EC_LAYOUT_DIGEST_LEN + 1];
	long		retry_after;	/* seconds, -1 when absent */
};

/* Connect to "ref"'s registry: reads the credentials, sets up libcurl. */
int	reg_open(struct reg *r, const struct ec_registry_ref *ref,
	    const struct ec_registry_opts *o, struct ec_err *err);
void	reg_close(struct reg *r);

void	reg_resp_init(struct reg_resp *resp);
void	reg_resp_dispose(struct reg_resp *resp);

/*
 * Send "q", answering one authentication challenge and retrying 5xx, 429
 * and connection failures as the options allow.  0 with whatever status
 * came last that is not one of those; -1 EC_ERR_DISTRIBUTION_FAILED.
 */
int	reg_call(struct reg *r, struct reg_resp *resp, const struct reg_req *q,
	    struct ec_err *err);

/*
 * EC_ERR_DISTRIBUTION_FAILED for an unexpected answer to "what", with
 * the registry's own error text when the body has one; returns -1.
 */
int	reg_fail(const struct reg_resp *resp, const char *what,
	    struct ec_err *err);

/* "url" with "?" or "&" and "param" appended, into out[size]. */
int	reg_url_add(char *out, size_t size, const char *url, const char *param,
	    struct ec_err *err);

#endif
