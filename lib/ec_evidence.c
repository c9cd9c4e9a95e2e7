/*
 * ec_evidence: tell OSV, OpenVEX, CSAF, CycloneDX and SPDX documents apart
 * and read their identity.  Everything read here is untrusted: strings go
 * by their Jansson length (a JSON string may hold "\u0000"), never strlen.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ec_buf.h"
#include "ec_canon.h"
#include "ec_err.h"
#include "ec_evidence.h"
#include "ec_limits.h"
#include "ec_policy.h"
#include "ec_time.h"

/* Longest document value repeated in an error message. */
#define EVIDENCE_ECHO_MAX	48

/* OpenVEX spec, "Document": @context is https://openvex.dev/ns[/vX.Y.Z]. */
#define EVIDENCE_OPENVEX_NS	"https://openvex.dev/ns"
/* SPDX 3 JSON-LD documents name a context under this prefix. */
#define EVIDENCE_SPDX3_NS	"https://spdx.org/rdf/3."

static const json_t	*evidence_member(const json_t *, const char *);
static bool		 evidence_present(const json_t *);
static bool		 evidence_prefix(const json_t *, const char *);
static bool		 evidence_equals(const json_t *, const char *);
static bool		 evidence_openvex_context(const json_t *);
static bool		 evidence_echoable(const json_t *);
static int		 evidence_check_id(const char *, size_t, const char *,
			    const char *, struct ec_err *);
static int		 evidence_id(char *, const json_t *, const char *,
			    const char *, struct ec_err *);
static int		 evidence_time(bool *, int64_t *, const json_t *,
			    const char *, const char *, struct ec_err *);
static int		 evidence_osv(struct ec_doc_info *, const json_t *,
			    struct ec_err *);
static int		 evidence_openvex(struct ec_doc_info *, const json_t *,
			    struct ec_err *);
static int		 evidence_csaf(struct ec_doc_info *, const json_t *,
			    struct ec_err *);
static bool		 evidence_cdx_nonempty(const json_t *);
static int		 evidence_cdx_kind(enum ec_kind *, const json_t *,
			    struct ec_err *);
static int		 evidence_cdx_id(char *, const json_t *,
			    struct ec_err *);
static int		 evidence_cyclonedx(struct ec_doc_info *,
			    const json_t *, struct ec_err *);
static int		 evidence_spdx(struct ec_doc_info *, const json_t *,
			    struct ec_err *);

/* obj[key] when obj is an object, else NULL; borrowed from obj. */
static const json_t *
evidence_member(const json_t *obj, const char *key)
{
	if (!json_is_object(obj))
		return NULL;
	return json_object_get(obj, key);
}

/*
 * Optional members written as null by some generators mean "absent"; any
 * other value is there and must then have the right type.
 */
static bool
evidence_present(const json_t *v)
{
	return v != NULL && !json_is_null(v);
}

/* True if "v" is a string that begins with "prefix". */
static bool
evidence_prefix(const json_t *v, const char *prefix)
{
	size_t	plen = strlen(prefix);	/* our constant, not input */

	return json_is_string(v) && json_string_length(v) >= plen &&
	    memcmp(json_string_value(v), prefix, plen) == 0;
}

/*
 * True if "v" is exactly the string "lit".  Comparing lengths first stops
 * "csaf_vex\u0000..." from passing as "csaf_vex".
 */
static bool
evidence_equals(const json_t *v, const char *lit)
{
	size_t	llen = strlen(lit);	/* our constant, not input */

	return json_is_string(v) && json_string_length(v) == llen &&
	    memcmp(json_string_value(v), lit, llen) == 0;
}

/*
 * OpenVEX @context: the namespace itself or a versioned one below it
 * ("https://openvex.dev/ns/v0.2.0"), not any string sharing its prefix.
 */
static bool
evidence_openvex_context(const json_t *v)
{
	size_t	plen = strlen(EVIDENCE_OPENVEX_NS);

	return evidence_prefix(v, EVIDENCE_OPENVEX_NS) &&
	    (json_string_length(v) == plen ||
	    json_string_value(v)[plen] == '/');
}

/*
 * True if "v" is a short string of printable ASCII without quotes or
 * backslashes: safe to repeat in a one-line, client-visible message.
 */
static bool
evidence_echoable(const json_t *v)
{
	const unsigned char	*p;
	size_t			 i, len;

	if (!json_is_string(v))
		return false;
	p = (const unsigned char *)json_string_value(v);
	len = json_string_length(v);
	if (len == 0 || len > EVIDENCE_ECHO_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '"' ||
		    p[i] == '\\')
			return false;
	return true;
}

/*
 * An id is stored, exported and shown to people, so it must be bounded and
 * free of control characters: C0 (which covers an embedded NUL), DEL, and
 * C1 (U+0080-U+009F, UTF-8 C2 80-C2 9F), which some terminals still obey.
 */
static int
evidence_check_id(const char *p, size_t len, const char *fmt,
    const char *field, struct ec_err *err)
{
	const unsigned char	*u = (const unsigned char *)p;
	size_t			 i;

	if (len == 0 || len > EC_MAX_ID_LEN)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: %s: must be 1 to %d bytes, not %zu", fmt, field,
		    EC_MAX_ID_LEN, len);
	for (i = 0; i < len; i++)
		if (u[i] < 0x20 || u[i] == 0x7f || (u[i] == 0xc2 &&
		    i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: %s: control character at byte %zu", fmt,
			    field, i);
	return 0;
}

/* Copy the id string "v" into out[EC_MAX_ID_LEN + 1] after checking it. */
static int
evidence_id(char *out, const json_t *v, const char *fmt, const char *field,
    struct ec_err *err)
{
	size_t	len;

	if (!evidence_present(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: %s: missing", fmt, field);
	if (!json_is_string(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: %s: must be a string", fmt, field);
	len = json_string_length(v);
	if (evidence_check_id(json_string_value(v), len, fmt, field,
	    err) == -1)
		return -1;
	memcpy(out, json_string_value(v), len);
	out[len] = '\0';
	return 0;
}

/*
 * The one rule for the modified time we store: at most EC_MAX_FUTURE_US
 * past the wall clock.  The newest one becomes the bundle's ustar mtime,
 * an unsigned octal field (POSIX ustar: 11 digits, so at most
 * 2242-03-16T12:56:31Z), and it decides newest-wins: a hostile 9999-12-31
 * would never be superseded and would break every later build of its
 * tenant.  A day of slack covers clocks and time zones that are off; the
 * wall clock is read here because "the future" is relative to it.  Later
 * times are refused, never clamped: the date is the publisher's.  Early
 * ones are kept: real Go advisories carry Go's zero time, 0001-01-01.
 */
/* The last second a ustar mtime holds, 8^11 - 1, in microseconds. */
#define EVIDENCE_USTAR_MAX_US	(INT64_C(077777777777) * 1000000)

static int
evidence_time_bounded(int64_t us, const char *fmt, const char *field,
    struct ec_err *err)
{
	struct timespec	now;
	char		when[EC_TIME_MAX];
	int64_t		max;

	if (clock_gettime(CLOCK_REALTIME, &now) == -1)
		return ec_err_set(err, EC_ERR_INTERNAL, "clock_gettime: %s",
		    strerror(errno));
	max = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000 +
	    EC_MAX_FUTURE_US;
	if (max > EVIDENCE_USTAR_MAX_US)
		max = EVIDENCE_USTAR_MAX_US;
	if (us > max) {
		ec_time_format(when, max - max % 1000000);
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: %s: more than a day in the future (after %s)", fmt,
		    field, when);
	}
	return 0;
}

/*
 * Parse the date-time string "v" into *us_out and set *has_out.  A null or
 * absent "v" leaves both alone; anything else that does not parse fails,
 * naming the field.
 */
static int
evidence_time(bool *has_out, int64_t *us_out, const json_t *v,
    const char *fmt, const char *field, struct ec_err *err)
{
	int64_t	us;

	if (!evidence_present(v))
		return 0;
	if (!json_is_string(v))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: %s: must be a date-time string", fmt, field);
	if (ec_time_parse(&us, json_string_value(v), json_string_length(v),
	    err) == -1)
		return ec_err_prefix(err, "%s: %s", fmt, field);
	if (evidence_time_bounded(us, fmt, field, err) == -1)
		return -1;
	*has_out = true;
	*us_out = us;
	return 0;
}

/*
 * OSV schema (ossf.github.io/osv-schema, "id, modified fields"): both are
 * required; modified is an RFC 3339 timestamp, UTC.
 */
static int
evidence_osv(struct ec_doc_info *info, const json_t *doc, struct ec_err *err)
{
	info->kind = EC_KIND_ADVISORY;
	info->format = EC_FMT_OSV;
	if (evidence_id(info->upstream_id, json_object_get(doc, "id"), "OSV",
	    "id", err) == -1)
		return -1;
	if (!json_is_string(json_object_get(doc, "modified")))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "OSV: modified: must be a date-time string");
	return evidence_time(&info->has_modified, &info->modified_us,
	    json_object_get(doc, "modified"), "OSV", "modified", err);
}

/*
 * OpenVEX spec, "Document" (v0.0.1 and v0.2.0): @id is required and
 * names the document; timestamp is when it was first issued and
 * last_updated, added in v0.2.0, when it last changed.  Real v0.0.1 and
 * vexctl files omit timestamp, so a document may carry no date at all.
 * Both dates are checked when present, since either one being malformed
 * means the document is.
 */
static int
evidence_openvex(struct ec_doc_info *info, const json_t *doc,
    struct ec_err *err)
{
	bool	has_issued = false, has_updated = false;
	int64_t	issued = 0, updated = 0;

	info->kind = EC_KIND_VEX;
	info->format = EC_FMT_OPENVEX;
	if (evidence_id(info->upstream_id, json_object_get(doc, "@id"),
	    "OpenVEX", "@id", err) == -1)
		return -1;
	if (evidence_time(&has_issued, &issued,
	    json_object_get(doc, "timestamp"), "OpenVEX", "timestamp",
	    err) == -1 ||
	    evidence_time(&has_updated, &updated,
	    json_object_get(doc, "last_updated"), "OpenVEX", "last_updated",
	    err) == -1)
		return -1;
	if (has_updated) {
		info->has_modified = true;
		info->modified_us = updated;
	} else if (has_issued) {
		info->has_modified = true;
		info->modified_us = issued;
	}
	return 0;
}

/*
 * CSAF 2.0 (2.1 numbers in brackets): document.csaf_version 3.2.1.3
 * [3.2.2.3], document.category 3.2.1.2 [3.2.2.2], tracking.id 3.2.1.12.4
 * [3.2.2.13.4], tracking.current_release_date 3.2.1.12.2 [3.2.2.13.2].
 * Only the VEX profile (2.0 section 4.5) says which products are or are
 * not affected; a security advisory or a base document would be misread
 * as VEX statements, so they are refused.
 */
static int
evidence_csaf(struct ec_doc_info *info, const json_t *doc,
    struct ec_err *err)
{
	const json_t	*document, *version, *category, *tracking;

	info->kind = EC_KIND_VEX;
	info->format = EC_FMT_CSAF;
	document = json_object_get(doc, "document");
	version = json_object_get(document, "csaf_version");
	if (!evidence_equals(version, "2.0") &&
	    !evidence_equals(version, "2.1")) {
		if (evidence_echoable(version))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "CSAF: document.csaf_version %s is not supported "
			    "(2.0 or 2.1)", json_string_value(version));
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CSAF: document.csaf_version must be \"2.0\" or \"2.1\"");
	}
	category = json_object_get(document, "category");
	if (!evidence_present(category))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CSAF: document.category: missing");
	if (!evidence_equals(category, "csaf_vex")) {
		if (evidence_echoable(category))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "CSAF: document.category is %s, only csaf_vex is "
			    "accepted", json_string_value(category));
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CSAF: document.category is not csaf_vex, the only one "
		    "accepted");
	}
	tracking = json_object_get(document, "tracking");
	if (!json_is_object(tracking))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CSAF: document.tracking: missing or not an object");
	if (evidence_id(info->upstream_id, json_object_get(tracking, "id"),
	    "CSAF", "document.tracking.id", err) == -1)
		return -1;
	return evidence_time(&info->has_modified, &info->modified_us,
	    json_object_get(tracking, "current_release_date"), "CSAF",
	    "document.tracking.current_release_date", err);
}

/* True if "v" is a non-empty array. */
static bool
evidence_cdx_nonempty(const json_t *v)
{
	return json_is_array(v) && json_array_size(v) > 0;
}

/*
 * CycloneDX (1.4 and later) carries VEX as vulnerabilities[].analysis
 * (state, justification, response), either inside a BOM that also lists
 * its inventory or in a dedicated VEX BOM whose affects[].ref point into
 * another BOM; CycloneDX recommends the dedicated form, since inventory is
 * static and exploitability is not (cyclonedx.org/capabilities/vex,
 * bom-examples VEX/).  A BOM is VEX here when it is the dedicated kind:
 * some vulnerability has an analysis object and it lists no components or
 * services.  With an inventory it is an SBOM first and is filed as one; a
 * vulnerability list without any analysis (a VDR) is not VEX either.
 */
static int
evidence_cdx_kind(enum ec_kind *out, const json_t *doc, struct ec_err *err)
{
	const json_t	*vulns, *components, *services, *v;
	size_t		 i;
	bool		 analysed = false;

	vulns = json_object_get(doc, "vulnerabilities");
	components = json_object_get(doc, "components");
	services = json_object_get(doc, "services");
	if (evidence_present(vulns) && !json_is_array(vulns))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CycloneDX: vulnerabilities: must be an array");
	if (evidence_present(components) && !json_is_array(components))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CycloneDX: components: must be an array");
	if (evidence_present(services) && !json_is_array(services))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CycloneDX: services: must be an array");
	json_array_foreach(vulns, i, v) {
		if (json_is_object(json_object_get(v, "analysis"))) {
			analysed = true;
			break;
		}
	}
	if (analysed && !evidence_cdx_nonempty(components) &&
	    !evidence_cdx_nonempty(services))
		*out = EC_KIND_VEX;
	else
		*out = EC_KIND_SBOM;
	return 0;
}

/*
 * The BOM's own id is serialNumber (an RFC 4122 URN, CycloneDX "BOM
 * serial number"), optional since 1.2.  Without it out stays empty and the
 * caller identifies the BOM by its content hash: the product the BOM
 * describes (metadata.component) is not an id of the BOM, and real BOMs of
 * one product in several spec versions, or VEX documents about the same
 * product, would otherwise replace each other.
 */
static int
evidence_cdx_id(char *out, const json_t *doc, struct ec_err *err)
{
	out[0] = '\0';
	if (evidence_present(json_object_get(doc, "serialNumber")))
		return evidence_id(out, json_object_get(doc, "serialNumber"),
		    "CycloneDX", "serialNumber", err);
	return 0;
}

/* CycloneDX 1.2 and later JSON: bomFormat is required and "CycloneDX". */
static int
evidence_cyclonedx(struct ec_doc_info *info, const json_t *doc,
    struct ec_err *err)
{
	const json_t	*format;

	info->format = EC_FMT_CYCLONEDX;
	format = json_object_get(doc, "bomFormat");
	if (!evidence_equals(format, "CycloneDX")) {
		if (evidence_echoable(format))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "CycloneDX: bomFormat is %s, expected CycloneDX",
			    json_string_value(format));
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CycloneDX: bomFormat must be \"CycloneDX\"");
	}
	if (evidence_cdx_kind(&info->kind, doc, err) == -1 ||
	    evidence_cdx_id(info->upstream_id, doc, err) == -1)
		return -1;
	if (evidence_present(json_object_get(doc, "metadata")) &&
	    !json_is_object(json_object_get(doc, "metadata")))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "CycloneDX: metadata: must be an object");
	return evidence_time(&info->has_modified, &info->modified_us,
	    evidence_member(json_object_get(doc, "metadata"), "timestamp"),
	    "CycloneDX", "metadata.timestamp", err);
}

/*
 * SPDX 2.x, clause 6 (document creation information): spdxVersion 6.1 is
 * "SPDX-M.N"; documentNamespace 6.5 is the document's unique URI; SPDXID
 * 6.3 and name 6.4 are the fallback when a producer left the namespace
 * out; creationInfo.created 6.9 is when the document was made.
 */
static int
evidence_spdx(struct ec_doc_info *info, const json_t *doc,
    struct ec_err *err)
{
	const json_t	*version, *name, *spdxid, *creation;
	size_t		 nlen, ilen;

	info->kind = EC_KIND_SBOM;
	info->format = EC_FMT_SPDX;
	version = json_object_get(doc, "spdxVersion");
	if (!evidence_prefix(version, "SPDX-")) {
		if (evidence_echoable(version))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "SPDX: spdxVersion is %s, expected SPDX-M.N",
			    json_string_value(version));
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "SPDX: spdxVersion must be a string \"SPDX-M.N\"");
	}
	if (evidence_present(json_object_get(doc, "documentNamespace"))) {
		if (evidence_id(info->upstream_id,
		    json_object_get(doc, "documentNamespace"), "SPDX",
		    "documentNamespace", err) == -1)
			return -1;
	} else {
		/* "name#SPDXID", the way SPDX writes a reference. */
		name = json_object_get(doc, "name");
		spdxid = json_object_get(doc, "SPDXID");
		if (json_is_string(name) && json_is_string(spdxid)) {
			nlen = json_string_length(name);
			ilen = json_string_length(spdxid);
			if (evidence_check_id(json_string_value(name), nlen,
			    "SPDX", "name", err) == -1 ||
			    evidence_check_id(json_string_value(spdxid), ilen,
			    "SPDX", "SPDXID", err) == -1)
				return -1;
			if (nlen + 1 + ilen > EC_MAX_ID_LEN)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "SPDX: name#SPDXID exceeds %d bytes",
				    EC_MAX_ID_LEN);
			memcpy(info->upstream_id, json_string_value(name),
			    nlen);
			info->upstream_id[nlen] = '#';
			memcpy(info->upstream_id + nlen + 1,
			    json_string_value(spdxid), ilen);
			info->upstream_id[nlen + 1 + ilen] = '\0';
		}
	}
	creation = json_object_get(doc, "creationInfo");
	if (evidence_present(creation) && !json_is_object(creation))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "SPDX: creationInfo: must be an object");
	return evidence_time(&info->has_modified, &info->modified_us,
	    evidence_member(creation, "created"), "SPDX",
	    "creationInfo.created", err);
}

/*
 * The policy parser names fields by their path, and an unknown field's
 * name is the document's: anything but printable ASCII becomes '?', so
 * that no control character reaches a log line.
 */
static void
evidence_printable(char *msg)
{
	for (; *msg != '\0'; msg++)
		if ((unsigned char)*msg < 0x20 || (unsigned char)*msg >= 0x7f)
			*msg = '?';
}

/*
 * A json:policy policy (ec_policy.h, tools/policy.schema.json): the
 * marker is schemaVersion with a rules array (OSV spells its field
 * schema_version).  The id is the policy's name, so that ingesting a new
 * version of a named policy replaces the old one; a nameless policy is
 * identified by its content hash.  The whole policy is validated here,
 * so that a policy no build could use is refused at ingest, naming the
 * field, rather than stored.
 */
static int
evidence_policy(struct ec_doc_info *info, const json_t *doc,
    struct ec_err *err)
{
	const json_t		*name = json_object_get(doc, "name");
	struct ec_policy	*pol = NULL;
	struct ec_buf		 text;
	int			 rc;

	info->kind = EC_KIND_POLICY;
	info->format = EC_FMT_POLICY;
	/* Canonical, as stored: numbers the parser reads as written. */
	ec_buf_init(&text, EC_POLICY_MAX_BYTES);
	rc = ec_canon_dump(&text, doc, err);
	if (rc == 0)
		rc = ec_policy_parse(&pol, text.data, text.len, err);
	ec_policy_free(pol);
	ec_buf_dispose(&text);
	if (rc == -1) {
		if (err->code == EC_ERR_TOO_LARGE)
			err->code = EC_ERR_REQUEST_INVALID;
		(void)ec_err_prefix(err, "policy");
		evidence_printable(err->msg);
		return -1;
	}
	if (!evidence_present(name))
		return 0;
	return evidence_id(info->upstream_id, name, "policy", "name", err);
}

/*
 * Each non-OSV format has a marker no other one uses; OSV has none of its
 * own (only the required id and modified), so it is what is left.  Two
 * markers at once mean the document cannot be filed unambiguously.
 */
int
ec_evidence_classify(struct ec_doc_info *out, const json_t *doc,
    struct ec_err *err)
{
	struct ec_doc_info	 info;
	const char		*markers[5];
	bool			 openvex, csaf, cdx, spdx, policy;
	int			 n = 0, rc;

	if (!json_is_object(doc))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not a recognised evidence document (not a JSON object)");
	memset(&info, 0, sizeof(info));
	openvex = evidence_openvex_context(json_object_get(doc, "@context"));
	csaf = evidence_member(json_object_get(doc, "document"),
	    "csaf_version") != NULL;
	cdx = json_object_get(doc, "bomFormat") != NULL;
	spdx = json_object_get(doc, "spdxVersion") != NULL;
	policy = json_object_get(doc, "schemaVersion") != NULL &&
	    json_is_array(json_object_get(doc, "rules"));
	if (openvex)
		markers[n++] = "OpenVEX @context";
	if (csaf)
		markers[n++] = "CSAF document";
	if (cdx)
		markers[n++] = "CycloneDX bomFormat";
	if (spdx)
		markers[n++] = "SPDX spdxVersion";
	if (policy)
		markers[n++] = "policy schemaVersion and rules";
	if (n > 1)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "ambiguous evidence document: both %s and %s%s",
		    markers[0], markers[1], n > 2 ? " (and more)" : "");
	if (openvex)
		rc = evidence_openvex(&info, doc, err);
	else if (csaf)
		rc = evidence_csaf(&info, doc, err);
	else if (cdx)
		rc = evidence_cyclonedx(&info, doc, err);
	else if (spdx)
		rc = evidence_spdx(&info, doc, err);
	else if (policy)
		rc = evidence_policy(&info, doc, err);
	else if (json_object_get(doc, "id") != NULL &&
	    json_object_get(doc, "modified") != NULL)
		rc = evidence_osv(&info, doc, err);
	else if (evidence_prefix(json_object_get(doc, "@context"),
	    EVIDENCE_SPDX3_NS))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "SPDX: version 3 (JSON-LD) is not supported, only 2.x");
	else
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "not a recognised evidence document (no OSV id/modified, "
		    "OpenVEX @context, CSAF document, CycloneDX bomFormat or "
		    "SPDX spdxVersion)");
	if (rc == -1)
		return -1;
	*out = info;
	return 0;
}

const char *
ec_kind_name(enum ec_kind k)
{
	switch (k) {
	case EC_KIND_ADVISORY:
		return "advisory";
	case EC_KIND_VEX:
		return "vex";
	case EC_KIND_SBOM:
		return "sbom";
	case EC_KIND_POLICY:
		return "policy";
	}
	return "unknown";
}

const char *
ec_format_name(enum ec_format f)
{
	switch (f) {
	case EC_FMT_OSV:
		return "osv";
	case EC_FMT_OPENVEX:
		return "openvex";
	case EC_FMT_CSAF:
		return "csaf";
	case EC_FMT_CYCLONEDX:
		return "cyclonedx";
	case EC_FMT_SPDX:
		return "spdx";
	case EC_FMT_POLICY:
		return "policy";
	}
	return "unknown";
}

int
ec_kind_parse(enum ec_kind *out, const char *s, struct ec_err *err)
{
	if (s != NULL && strcmp(s, "advisory") == 0)
		*out = EC_KIND_ADVISORY;
	else if (s != NULL && strcmp(s, "vex") == 0)
		*out = EC_KIND_VEX;
	else if (s != NULL && strcmp(s, "sbom") == 0)
		*out = EC_KIND_SBOM;
	else if (s != NULL && strcmp(s, "policy") == 0)
		*out = EC_KIND_POLICY;
	else
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "kind must be advisory, vex, sbom or policy");
	return 0;
}
