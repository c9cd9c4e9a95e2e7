/*
 * ec_registry: one HTTP exchange with a registry through libcurl, the
 * answer to its authentication challenge (distribution spec "Token
 * Authentication", RFC 7617 Basic) and the bounded retries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <nettle/base64.h>

#include "ec_file.h"
#include "ec_registry_int.h"

/*
 * A stalled transfer: under 1 byte/s for this long is a failure.  Longs,
 * as curl_easy_setopt reads them with va_arg(long).
 */
#define REG_STALL_SECONDS	60L
#define REG_CONNECT_SECONDS	15L
/* Largest single backoff, whatever Retry-After asks for. */
#define REG_MAX_DELAY_MS	60000

int
reg_url_add(char *out, size_t size, const char *url, const char *param,
    struct ec_err *err)
{
	int	n;

	n = snprintf(out, size, "%s%c%s", url,
	    strchr(url, '?') != NULL ? '&' : '?', param);
	if (n < 0 || (size_t)n >= size)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "registry URL too long");
	return 0;
}

void
reg_resp_init(struct reg_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	ec_buf_init(&resp->body, EC_REGISTRY_MAX_BODY);
	resp->retry_after = -1;
}

void
reg_resp_dispose(struct reg_resp *resp)
{
	ec_buf_dispose(&resp->body);
}

static void
reg_resp_reset(struct reg_resp *resp)
{
	resp->status = 0;
	ec_buf_reset(&resp->body);
	resp->location[0] = resp->www_auth[0] = '\0';
	resp->digest[0] = resp->subject[0] = '\0';
	resp->retry_after = -1;
}

/* Keep a header value (trimmed, truncated to the buffer). */
static void
reg_header_keep(char *out, size_t size, const char *v, size_t len)
{
	while (len > 0 && (v[0] == ' ' || v[0] == '\t'))
		v++, len--;
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' '))
		len--;
	if (len >= size)
		len = size - 1;
	memcpy(out, v, len);
	out[len] = '\0';
}

static size_t
reg_on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct reg_resp	*resp = arg;
	size_t		 len = size * nmemb, nl;
	const char	*colon = memchr(p, ':', len);
	char		 tmp[32];

	/* A new status line (after a redirect): forget the last answer's. */
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		reg_resp_reset(resp);
		return len;
	}
	if (colon == NULL)
		return len;
	nl = (size_t)(colon - p);
	colon++;
	if (nl == 8 && strncasecmp(p, "location", 8) == 0)
		reg_header_keep(resp->location, sizeof(resp->location), colon,
		    len - nl - 1);
	else if (nl == 16 && strncasecmp(p, "www-authenticate", 16) == 0 &&
	    resp->www_auth[0] == '\0')
		reg_header_keep(resp->www_auth, sizeof(resp->www_auth), colon,
		    len - nl - 1);
	else if (nl == 21 && strncasecmp(p, "docker-content-digest", 21) == 0)
		reg_header_keep(resp->digest, sizeof(resp->digest), colon,
		    len - nl - 1);
	else if (nl == 11 && strncasecmp(p, "oci-subject", 11) == 0)
		reg_header_keep(resp->subject, sizeof(resp->subject), colon,
		    len - nl - 1);
	else if (nl == 11 && strncasecmp(p, "retry-after", 11) == 0) {
		/* Delay-seconds only (RFC 9110 10.2.3); a date is ignored. */
		reg_header_keep(tmp, sizeof(tmp), colon, len - nl - 1);
		if (tmp[0] >= '0' && tmp[0] <= '9' && strlen(tmp) < 7)
			resp->retry_after = strtol(tmp, NULL, 10);
	}
	return len;
}

/* Error bodies and tokens are small; past the ceiling the rest is dropped. */
static size_t
reg_on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct reg_resp	*resp = arg;
	struct ec_err	 err;
	size_t		 len = size * nmemb, room;

	room = resp->body.max - resp->body.len;
	if (ec_buf_add(&resp->body, p, len < room ? len : room, &err) == -1)
		return 0;
	return len;
}

static size_t
reg_on_read(char *out, size_t size, size_t nmemb, void *arg)
{
	struct reg_body	*b = arg;
	size_t		 want = size * nmemb;
	ssize_t		 n;

	if (b->len - b->pos < want)
		want = (size_t)(b->len - b->pos);
	if (want == 0)
		return 0;
	if (b->mem != NULL) {
		memcpy(out, b->mem + b->pos, want);
		n = (ssize_t)want;
	} else if ((n = pread(b->fd, out, want, (off_t)(b->off + b->pos))) <=
	    0)
		return CURL_READFUNC_ABORT;
	b->pos += (uint64_t)n;
	return (size_t)n;
}

static int
reg_on_seek(void *arg, curl_off_t off, int origin)
{
	struct reg_body	*b = arg;

	if (origin != SEEK_SET || off < 0 || (uint64_t)off > b->len)
		return CURL_SEEKFUNC_CANTSEEK;
	b->pos = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static void
reg_set_body(CURL *c, const struct reg_req *q)
{
	struct reg_body	*b = q->body;

	if (strcmp(q->method, "HEAD") == 0) {
		(void)curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		(void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		(void)curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	} else if (strcmp(q->method, "POST") == 0) {
		(void)curl_easy_setopt(c, CURLOPT_POST, 1L);
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	} else if (strcmp(q->method, "GET") != 0) {
		(void)curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		(void)curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
		(void)curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
		    (curl_off_t)(b != NULL ? b->len : 0));
		if (b != NULL) {
			b->pos = 0;
			(void)curl_easy_setopt(c, CURLOPT_READFUNCTION,
			    reg_on_read);
			(void)curl_easy_setopt(c, CURLOPT_READDATA, b);
			(void)curl_easy_setopt(c, CURLOPT_SEEKFUNCTION,
			    reg_on_seek);
			(void)curl_easy_setopt(c, CURLOPT_SEEKDATA, b);
		}
	} else {
		/* Blob GETs and HEADs may be redirected to storage. */
		(void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		(void)curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	}
}

/* One attempt; the transport's verdict in *cc, its words in errbuf. */
static int
reg_perform(CURLcode *cc, char *errbuf, struct reg *r, struct reg_resp *resp,
    const struct reg_req *q, const char *auth, struct ec_err *err)
{
	struct curl_slist	*h = NULL, *t;
	char			 line[EC_REGISTRY_MAX_HEADER + 32];
	CURL			*c = r->curl;
	bool			 ok = true;

	curl_easy_reset(c);
	reg_resp_reset(resp);
	errbuf[0] = '\0';
	ok &= (t = curl_slist_append(h, "Expect:")) != NULL && (h = t);
	if (q->ctype != NULL) {
		(void)snprintf(line, sizeof(line), "Content-Type: %s",
		    q->ctype);
		ok &= (t = curl_slist_append(h, line)) != NULL && (h = t);
	}
	if (q->range != NULL) {
		(void)snprintf(line, sizeof(line), "Content-Range: %s",
		    q->range);
		ok &= (t = curl_slist_append(h, line)) != NULL && (h = t);
	}
	if (auth != NULL && auth[0] != '\0')
		ok &= (t = curl_slist_append(h, auth)) != NULL && (h = t);
	if (!ok) {
		curl_slist_free_all(h);
		return ec_err_nomem(err);
	}
	(void)curl_easy_setopt(c, CURLOPT_URL, q->url);
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
	    r->o->insecure_http ? "http,https" : "https");
	(void)curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR,
	    r->o->insecure_http ? "http,https" : "https");
	(void)curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, REG_CONNECT_SECONDS);
	(void)curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	(void)curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, REG_STALL_SECONDS);
	(void)curl_easy_setopt(c, CURLOPT_USERAGENT, "exportctl");
	if (r->o->ca_file != NULL)
		(void)curl_easy_setopt(c, CURLOPT_CAINFO, r->o->ca_file);
	(void)curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, reg_on_header);
	(void)curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reg_on_body);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	reg_set_body(c, q);
	*cc = curl_easy_perform(c);
	if (*cc == CURLE_OK)
		(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE,
		    &resp->status);
	curl_slist_free_all(h);
	return 0;
}

/* Failures no retry can mend: bad TLS trust, a URL we made wrong. */
static bool
reg_curl_permanent(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION ||
	    cc == CURLE_SSL_CACERT_BADFILE || cc == CURLE_SSL_CERTPROBLEM ||
	    cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT ||
	    cc == CURLE_READ_ERROR || cc == CURLE_OUT_OF_MEMORY;
}

static uint64_t
reg_now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Exponential backoff with "equal jitter": [d/2, d]; Retry-After wins. */
static uint64_t
reg_delay_ms(const struct reg *r, const struct reg_resp *resp,
    unsigned attempt)
{
	uint64_t	d = r->o->backoff_ms;
	uint32_t	rnd = 0;

	if (resp->retry_after >= 0)
		d = (uint64_t)resp->retry_after * 1000;
	else {
		d <<= attempt < 16 ? attempt - 1 : 15;
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = 0;
		d = d / 2 + (d / 2 > 0 ? rnd % (d / 2 + 1) : 0);
	}
	return d < REG_MAX_DELAY_MS ? d : REG_MAX_DELAY_MS;
}

static void
reg_sleep_ms(uint64_t ms)
{
	struct timespec	ts = { (time_t)(ms / 1000),
			    (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int
reg_fail(const struct reg_resp *resp, const char *what, struct ec_err *err)
{
	char	text[160], c;
	size_t	i;

	if (!ec_registry_error_text(text, sizeof(text), resp->body.data,
	    resp->body.len)) {
		/* Not OCI error JSON: a printable start of the body, if any. */
		for (i = 0; i < resp->body.len && i + 1 < sizeof(text) &&
		    i < 120; i++) {
			c = resp->body.data[i];
			text[i] = c >= ' ' && c <= '~' ? c : ' ';
		}
		text[i] = '\0';
	}
	return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
	    "%s: registry answered %ld%s%s", what, resp->status,
	    text[0] != '\0' ? ": " : "", text);
}

/* The request with the retries; 0 with the first non-transient answer. */
static int
reg_send(struct reg *r, struct reg_resp *resp, const struct reg_req *q,
    const char *auth, struct ec_err *err)
{
	char		errbuf[CURL_ERROR_SIZE], what[96];
	uint64_t	start = reg_now_ms(), delay;
	unsigned	attempt;
	CURLcode	cc;

	for (attempt = 1;; attempt++) {
		if (reg_perform(&cc, errbuf, r, resp, q, auth, err) == -1)
			return -1;
		if (cc == CURLE_OK && resp->status < 500 &&
		    resp->status != 429)
			return 0;
		delay = reg_delay_ms(r, resp, attempt);
		if ((cc != CURLE_OK && reg_curl_permanent(cc)) ||
		    attempt >= r->o->max_attempts ||
		    reg_now_ms() - start + delay >
		    (uint64_t)r->o->max_seconds * 1000)
			break;
		reg_sleep_ms(delay);
		r->retries++;
	}
	if (cc != CURLE_OK)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "%s %.*s: %s (after %u attempt%s)", q->method,
		    (int)strcspn(q->url, "?"), q->url,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc),
		    attempt, attempt == 1 ? "" : "s");
	(void)snprintf(what, sizeof(what), "%s (after %u attempt%s)",
	    q->method, attempt, attempt == 1 ? "" : "s");
	return reg_fail(resp, what, err);
}

/* "Authorization: Basic base64(user:password)" (RFC 7617 2). */
static int
reg_basic_header(char *out, size_t size, const char *creds,
    struct ec_err *err)
{
	size_t	len = strlen(creds);

	if (BASE64_ENCODE_RAW_LENGTH(len) + 22 > size)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "credentials too long");
	memcpy(out, "Authorization: Basic ", 21);
	base64_encode_raw(out + 21, len, (const uint8_t *)creds);
	out[21 + BASE64_ENCODE_RAW_LENGTH(len)] = '\0';
	return 0;
}

/* The token's JSON (distribution spec "Token Response Fields"). */
static int
reg_token_take(struct reg *r, const struct reg_resp *resp,
    struct ec_err *err)
{
	json_t		*root, *tok;	/* tok: borrowed */
	json_error_t	 jerr;
	int		 rc = -1;

	root = json_loadb(resp->body.data, resp->body.len, 0, &jerr);
	tok = json_object_get(root, "token");
	if (!json_is_string(tok))
		tok = json_object_get(root, "access_token");
	if (!json_is_string(tok) || json_string_length(tok) == 0 ||
	    json_string_length(tok) + 24 > sizeof(r->auth) ||
	    strspn(json_string_value(tok), "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-._~+/=") !=
	    json_string_length(tok))
		(void)ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "token endpoint sent no usable token");
	else {
		(void)snprintf(r->auth, sizeof(r->auth),
		    "Authorization: Bearer %s", json_string_value(tok));
		rc = 0;
	}
	json_decref(root);
	return rc;
}

/* "&name=<escaped value>" appended to out[size] at *n. */
static int
reg_query_add(char *out, size_t size, size_t *n, CURL *c, const char *name,
    const char *val, size_t len, struct ec_err *err)
{
	char	*esc;
	int	 k;

	if ((esc = curl_easy_escape(c, val, (int)len)) == NULL)
		return ec_err_nomem(err);
	k = snprintf(out + *n, size - *n, "&%s=%s", name, esc);
	curl_free(esc);
	if (k < 0 || (size_t)k >= size - *n)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "token request too long");
	*n += (size_t)k;
	return 0;
}

/*
 * distribution spec "Requesting a Token": GET realm?service=&scope=, one
 * scope parameter per space-separated scope of the challenge (a mount
 * asks for two repositories).
 */
static int
reg_token_url(char *out, size_t size, struct reg *r,
    const struct ec_registry_challenge *ch, struct ec_err *err)
{
	char		 qs[EC_REGISTRY_MAX_HEADER];
	char		 def[EC_REGISTRY_MAX_REPO + 32];
	const char	*sc = ch->scope;
	size_t		 n = 0, len;
	int		 k;

	if (reg_query_add(qs, sizeof(qs), &n, r->curl, "service", ch->service,
	    strlen(ch->service), err) == -1)
		return -1;
	if (*sc == '\0') {
		(void)snprintf(def, sizeof(def), "repository:%s:pull,push",
		    r->repo);
		sc = def;
	}
	while (*sc != '\0') {
		len = strcspn(sc, " ");
		if (len > 0 && reg_query_add(qs, sizeof(qs), &n, r->curl,
		    "scope", sc, len, err) == -1)
			return -1;
		sc += len + (sc[len] == ' ');
	}
	/* qs starts with '&'; the first parameter follows '?' or '&'. */
	k = snprintf(out, size, "%s%c%s", ch->realm,
	    strchr(ch->realm, '?') != NULL ? '&' : '?', qs + 1);
	if (k < 0 || (size_t)k >= size)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "token realm too long");
	return 0;
}

static int
reg_token(struct reg *r, const struct ec_registry_challenge *ch,
    struct ec_err *err)
{
	struct reg_resp	 resp;
	struct reg_req	 q = { "GET", NULL, NULL, NULL, NULL };
	char		 url[EC_REGISTRY_MAX_HEADER * 2];
	char		 basic[sizeof(r->auth)];
	int		 rc = -1;

	basic[0] = '\0';
	reg_resp_init(&resp);
	if (reg_token_url(url, sizeof(url), r, ch, err) == -1)
		goto out;
	q.url = url;
	if (r->have_creds &&
	    reg_basic_header(basic, sizeof(basic), r->creds, err) == -1)
		goto out;
	if (reg_send(r, &resp, &q, basic, err) == -1)
		goto out;
	if (resp.status != 200) {
		(void)reg_fail(&resp, "token endpoint", err);
		goto out;
	}
	rc = reg_token_take(r, &resp, err);
out:
	gnutls_memset(basic, 0, sizeof(basic));
	reg_resp_dispose(&resp);
	return rc;
}

/* Answer a 401's challenge: r->auth holds the header to send next. */
static int
reg_answer(struct reg *r, const struct reg_resp *resp, struct ec_err *err)
{
	struct ec_registry_challenge	ch;

	if (resp->www_auth[0] == '\0')
		return reg_fail(resp, "registry refused us without a challenge",
		    err);
	if (ec_registry_challenge_parse(&ch, resp->www_auth,
	    strlen(resp->www_auth), err) == -1)
		return -1;
	if (ch.bearer)
		return reg_token(r, &ch, err);
	if (!r->have_creds)
		return ec_err_set(err, EC_ERR_DISTRIBUTION_FAILED,
		    "registry %.64s asks for credentials and the credentials "
		    "file has none for it", r->base);
	return reg_basic_header(r->auth, sizeof(r->auth), r->creds, err);
}

/*
 * Credentials and tokens go to the registry's own origin only: an upload
 * Location on another host (storage) must not receive them.
 */
static const char *
reg_auth_for(const struct reg *r, const char *url)
{
	size_t	n = strlen(r->base);

	return strncmp(url, r->base, n) == 0 && url[n] == '/' ? r->auth : NULL;
}

int
reg_call(struct reg *r, struct reg_resp *resp, const struct reg_req *q,
    struct ec_err *err)
{
	char	url[sizeof(r->base) + 8];

	if (reg_send(r, resp, q, reg_auth_for(r, q->url), err) == -1)
		return -1;
	if (resp->status != 401 || reg_auth_for(r, q->url) == NULL)
		return 0;
	/* One answer per request: a second 401 means we were refused. */
	if (reg_answer(r, resp, err) == -1 ||
	    reg_send(r, resp, q, r->auth, err) == -1)
		return -1;
	if (resp->status != 401)
		return 0;
	/*
	 * A HEAD answer has no body: ask GET /v2/ (spec "Determining
	 * support") with the same credentials for the registry's own words.
	 */
	if (strcmp(q->method, "HEAD") == 0) {
		struct reg_req	v = { "GET", url, NULL, NULL, NULL };

		(void)snprintf(url, sizeof(url), "%s/v2/", r->base);
		if (reg_send(r, resp, &v, r->auth, err) == -1)
			return -1;
	}
	return reg_fail(resp, "authentication refused", err);
}

int
reg_open(struct reg *r, const struct ec_registry_ref *ref,
    const struct ec_registry_opts *o, struct ec_err *err)
{
	uint8_t	*file = NULL;
	size_t	 len;
	int	 rc;

	memset(r, 0, sizeof(*r));
	r->o = o;
	(void)snprintf(r->base, sizeof(r->base), "%s://%s",
	    o->insecure_http ? "http" : "https", ref->host);
	(void)snprintf(r->repo, sizeof(r->repo), "%s", ref->repo);
	if (o->creds_file != NULL) {
		if (ec_file_read_small(&file, &len, o->creds_file,
		    EC_REGISTRY_MAX_CREDS, err) == -1)
			return -1;
		rc = ec_registry_creds_parse(r->creds, &r->have_creds,
		    (const char *)file, len, ref->host, err);
		gnutls_memset(file, 0, len);
		free(file);
		if (rc == -1)
			return ec_err_prefix(err, "%s", o->creds_file);
	}
	/* Reference-counted by libcurl (7.84 and later); reg_close pairs it. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return ec_err_set(err, EC_ERR_INTERNAL, "libcurl init failed");
	if ((r->curl = curl_easy_init()) == NULL) {
		curl_global_cleanup();
		return ec_err_set(err, EC_ERR_INTERNAL, "libcurl init failed");
	}
	return 0;
}

void
reg_close(struct reg *r)
{
	if (r->curl != NULL) {
		curl_easy_cleanup(r->curl);
		curl_global_cleanup();
	}
	r->curl = NULL;
	gnutls_memset(r->creds, 0, sizeof(r->creds));
	gnutls_memset(r->auth, 0, sizeof(r->auth));
}
