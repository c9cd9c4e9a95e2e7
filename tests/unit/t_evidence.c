/*
 * tests/unit/t_evidence.c: recognising evidence documents (ec_evidence).
 * With EC_FIXTURES set to the fixtures directory, every real document in
 * it must classify as the kind (and format) its folder says.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "tap.h"
#include "ec_evidence.h"
#include "ec_time.h"

/*
 * Inline documents may hold "\u0000": a caller could load with
 * JSON_ALLOW_NUL, and the module must not be fooled by one.
 */
#define T_JSON_FLAGS	(JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)
/* Report at most this many failing fixture files one by one. */
#define T_MAX_REPORTED	20

struct t_counts {
	int	files;
	int	failed;
	int	by_format[EC_FMT_SPDX + 1];
	int	no_id;
	int	no_modified;
};

/* The document must classify as kind/format with this id and date. */
static void
classify_is(const char *text, enum ec_kind kind, enum ec_format format,
    const char *id, const char *modified, const char *what)
{
	struct ec_doc_info	 info;
	struct ec_err		 err;
	json_error_t		 jerr;
	json_t			*doc;
	char			 when[EC_TIME_MAX];

	doc = json_loads(text, T_JSON_FLAGS, &jerr);
	if (doc == NULL) {
		ok(0, "%s: test JSON does not parse: %s", what, jerr.text);
		return;
	}
	if (ec_evidence_classify(&info, doc, &err) == -1) {
		ok(0, "%s: rejected: %s", what, err.msg);
		json_decref(doc);
		return;
	}
	if (info.has_modified)
		ec_time_format(when, info.modified_us);
	else
		strcpy(when, "-");
	ok(info.kind == kind && info.format == format &&
	    strcmp(info.upstream_id, id) == 0 &&
	    (modified == NULL ? !info.has_modified :
	    info.has_modified && strcmp(when, modified) == 0),
	    "%s: %s/%s id=\"%s\" modified=%s", what, ec_kind_name(info.kind),
	    ec_format_name(info.format), info.upstream_id, when);
	json_decref(doc);
}

/*
 * The document must be rejected with EC_ERR_REQUEST_INVALID, a message
 * containing "want", and *out left as it was.
 */
static void
reject_is(const char *text, const char *want, const char *what)
{
	struct ec_doc_info	 info;
	struct ec_err		 err;
	json_error_t		 jerr;
	json_t			*doc;

	doc = json_loads(text, T_JSON_FLAGS, &jerr);
	if (doc == NULL) {
		ok(0, "%s: test JSON does not parse: %s", what, jerr.text);
		return;
	}
	memset(&info, 0xa5, sizeof(info));
	if (ec_evidence_classify(&info, doc, &err) == 0)
		ok(0, "%s: accepted as %s/%s", what, ec_kind_name(info.kind),
		    ec_format_name(info.format));
	else
		ok(err.code == EC_ERR_REQUEST_INVALID &&
		    strstr(err.msg, want) != NULL &&
		    (unsigned char)info.upstream_id[0] == 0xa5,
		    "%s: %s", what, err.msg);
	json_decref(doc);
}

static void
test_osv(void)
{
	char	*big;
	size_t	 n;

	classify_is("{\"id\":\"GHSA-vp9c-fpxx-744v\","
	    "\"modified\":\"2024-01-02T03:04:05Z\"}",
	    EC_KIND_ADVISORY, EC_FMT_OSV, "GHSA-vp9c-fpxx-744v",
	    "2024-01-02T03:04:05Z", "OSV minimal");
	classify_is("{\"schema_version\":\"1.6.0\",\"id\":\"ALSA-2025:10073\","
	    "\"modified\":\"2025-07-01T10:20:30.123456789Z\","
	    "\"published\":\"2025-07-01 10:20:30\",\"affected\":[],"
	    "\"related\":[\"CVE-2025-1\"]}",
	    EC_KIND_ADVISORY, EC_FMT_OSV, "ALSA-2025:10073",
	    "2025-07-01T10:20:30.123456Z", "OSV with extras, ns truncated");
	classify_is("{\"id\":\"PYSEC-\\u00e9\",\"modified\":\"2021-06-01\"}",
	    EC_KIND_ADVISORY, EC_FMT_OSV, "PYSEC-\xc3\xa9",
	    "2021-06-01T00:00:00Z", "OSV non-ASCII id, date-only modified");
	reject_is("{\"id\":\"X-1\"}", "not a recognised evidence document",
	    "OSV without modified");
	reject_is("{\"modified\":\"2024-01-02T03:04:05Z\"}",
	    "not a recognised evidence document", "OSV without id");
	reject_is("{\"id\":\"X-1\",\"modified\":\"2024-13-02T03:04:05Z\"}",
	    "OSV: modified: bad date-time: month 13", "OSV bad modified");
	reject_is("{\"id\":\"X-1\",\"modified\":1704164645}",
	    "OSV: modified: must be a date-time string",
	    "OSV numeric modified");
	reject_is("{\"id\":\"X-1\",\"modified\":null}",
	    "OSV: modified: must be", "OSV null modified");
	reject_is("{\"id\":null,\"modified\":\"2024-01-02T03:04:05Z\"}",
	    "OSV: id: missing", "OSV null id");
	reject_is("{\"id\":42,\"modified\":\"2024-01-02T03:04:05Z\"}",
	    "OSV: id: must be a string", "OSV numeric id");
	reject_is("{\"id\":\"\",\"modified\":\"2024-01-02T03:04:05Z\"}",
	    "OSV: id: must be 1 to 512 bytes", "OSV empty id");
	reject_is("{\"id\":\"A\\u0007B\",\"modified\":\"2024-01-02\"}",
	    "OSV: id: control character at byte 1", "OSV id with BEL");
	reject_is("{\"id\":\"AB\\u0000\",\"modified\":\"2024-01-02\"}",
	    "OSV: id: control character at byte 2", "OSV id with NUL");
	reject_is("{\"id\":\"A\\u007f\",\"modified\":\"2024-01-02T03:04:05Z\"}",
	    "OSV: id: control character", "OSV id with DEL");
	reject_is("{\"id\":\"A\\u0085\",\"modified\":\"2024-01-02T03:04:05Z\"}",
	    "OSV: id: control character at byte 1", "OSV id with C1 NEL");
	reject_is("{\"id\":\"A\\n\",\"modified\":\"2024-01-02T03:04:05Z\"}",
	    "OSV: id: control character", "OSV id with newline");

	/* EC_MAX_ID_LEN bytes is the most an id may have. */
	big = malloc(EC_MAX_ID_LEN + 128);
	if (big == NULL)
		exit(1);
	n = (size_t)snprintf(big, 32, "{\"id\":\"");
	memset(big + n, 'a', EC_MAX_ID_LEN);
	n += EC_MAX_ID_LEN;
	(void)snprintf(big + n, 100, "\",\"modified\":\"2024-01-02\"}");
	{
		struct ec_doc_info	 info;
		struct ec_err		 err;
		json_t			*doc;
		json_error_t		 jerr;

		doc = json_loads(big, 0, &jerr);
		ok(doc != NULL && ec_evidence_classify(&info, doc, &err) == 0 &&
		    strlen(info.upstream_id) == EC_MAX_ID_LEN,
		    "OSV id of exactly %d bytes accepted", EC_MAX_ID_LEN);
		json_decref(doc);
	}
	n = (size_t)snprintf(big, 32, "{\"id\":\"");
	memset(big + n, 'a', EC_MAX_ID_LEN + 1);
	n += EC_MAX_ID_LEN + 1;
	(void)snprintf(big + n, 100, "\",\"modified\":\"2024-01-02\"}");
	reject_is(big, "OSV: id: must be 1 to 512 bytes, not 513",
	    "OSV id one byte too long");
	free(big);
}

static void
test_openvex(void)
{
	classify_is("{\"@context\":\"https://openvex.dev/ns/v0.2.0\","
	    "\"@id\":\"https://openvex.dev/docs/public/vex-1\","
	    "\"author\":\"a\",\"timestamp\":\"2024-07-12T17:54:37.3990-03:00\","
	    "\"last_updated\":\"2024-12-19T21:07:52.348241964Z\","
	    "\"version\":2,\"statements\":[]}",
	    EC_KIND_VEX, EC_FMT_OPENVEX,
	    "https://openvex.dev/docs/public/vex-1",
	    "2024-12-19T21:07:52.348241Z", "OpenVEX: last_updated wins");
	classify_is("{\"@context\":\"https://openvex.dev/ns/v0.0.1\","
	    "\"@id\":\"vex-1\",\"timestamp\":\"2023-01-08T18:02:03-06:00\"}",
	    EC_KIND_VEX, EC_FMT_OPENVEX, "vex-1", "2023-01-09T00:02:03Z",
	    "OpenVEX v0.0.1: timestamp");
	classify_is("{\"@context\":\"https://openvex.dev/ns\","
	    "\"@id\":\"my-vexdoc2\",\"statements\":[]}",
	    EC_KIND_VEX, EC_FMT_OPENVEX, "my-vexdoc2", NULL,
	    "OpenVEX: bare namespace, no date");
	classify_is("{\"@context\":\"https://openvex.dev/ns/v0.2.0\","
	    "\"@id\":\"v\",\"timestamp\":null}",
	    EC_KIND_VEX, EC_FMT_OPENVEX, "v", NULL, "OpenVEX: null timestamp");
	reject_is("{\"@context\":\"https://openvex.dev/ns/v0.2.0\","
	    "\"statements\":[]}", "OpenVEX: @id: missing",
	    "OpenVEX without @id");
	reject_is("{\"@context\":\"https://openvex.dev/ns/v0.2.0\","
	    "\"@id\":\"v\",\"timestamp\":\"2024-01-01T00:00:00Z\","
	    "\"last_updated\":\"yesterday\"}",
	    "OpenVEX: last_updated: bad date-time",
	    "OpenVEX bad last_updated");
	reject_is("{\"@context\":\"https://openvex.dev/ns/v0.2.0\","
	    "\"@id\":\"v\",\"timestamp\":\"2024-02-30T00:00:00Z\","
	    "\"last_updated\":\"2024-03-01T00:00:00Z\"}",
	    "OpenVEX: timestamp: bad date-time: day 30",
	    "OpenVEX bad timestamp even with last_updated");
	reject_is("{\"@context\":\"https://openvex.dev/nsfoo\","
	    "\"@id\":\"v\"}", "not a recognised evidence document",
	    "OpenVEX look-alike @context");
	reject_is("{\"@context\":[\"https://openvex.dev/ns\"],\"@id\":\"v\"}",
	    "not a recognised evidence document", "@context as an array");
}

static void
test_csaf(void)
{
	classify_is("{\"document\":{\"category\":\"csaf_vex\","
	    "\"csaf_version\":\"2.0\",\"title\":\"t\",\"tracking\":{"
	    "\"id\":\"2022-EVD-UC-01-A-001\","
	    "\"current_release_date\":\"2022-03-03T11:00:00.000Z\"}},"
	    "\"product_tree\":{},\"vulnerabilities\":[]}",
	    EC_KIND_VEX, EC_FMT_CSAF, "2022-EVD-UC-01-A-001",
	    "2022-03-03T11:00:00Z", "CSAF 2.0 VEX");
	classify_is("{\"$schema\":\"https://docs.oasis-open.org/csaf/csaf/"
	    "v2.1/schema/csaf.json\",\"document\":{\"category\":\"csaf_vex\","
	    "\"csaf_version\":\"2.1\",\"tracking\":{\"id\":\"SEC-VEX-1\"}}}",
	    EC_KIND_VEX, EC_FMT_CSAF, "SEC-VEX-1", NULL,
	    "CSAF 2.1 VEX without a release date");
	reject_is("{\"document\":{\"category\":\"csaf_security_advisory\","
	    "\"csaf_version\":\"2.0\",\"tracking\":{\"id\":\"x\"}}}",
	    "CSAF: document.category is csaf_security_advisory, only "
	    "csaf_vex is accepted", "CSAF security advisory refused");
	reject_is("{\"document\":{\"category\":\"csaf_vex\\u0000x\","
	    "\"csaf_version\":\"2.0\",\"tracking\":{\"id\":\"x\"}}}",
	    "CSAF: document.category is not csaf_vex",
	    "CSAF category with embedded NUL");
	reject_is("{\"document\":{\"category\":\"bad \\\"one\\\"\","
	    "\"csaf_version\":\"2.0\",\"tracking\":{\"id\":\"x\"}}}",
	    "CSAF: document.category is not csaf_vex",
	    "CSAF odd category not echoed");
	reject_is("{\"document\":{\"csaf_version\":\"2.0\","
	    "\"tracking\":{\"id\":\"x\"}}}",
	    "CSAF: document.category: missing", "CSAF without category");
	reject_is("{\"document\":{\"category\":\"csaf_vex\","
	    "\"csaf_version\":\"1.2\",\"tracking\":{\"id\":\"x\"}}}",
	    "CSAF: document.csaf_version 1.2 is not supported",
	    "CSAF unknown version");
	reject_is("{\"document\":{\"category\":\"csaf_vex\","
	    "\"csaf_version\":2.0,\"tracking\":{\"id\":\"x\"}}}",
	    "CSAF: document.csaf_version must be", "CSAF numeric version");
	reject_is("{\"document\":{\"category\":\"csaf_vex\","
	    "\"csaf_version\":\"2.0\"}}", "CSAF: document.tracking: missing",
	    "CSAF without tracking");
	reject_is("{\"document\":{\"category\":\"csaf_vex\","
	    "\"csaf_version\":\"2.0\",\"tracking\":{}}}",
	    "CSAF: document.tracking.id: missing", "CSAF without tracking.id");
	reject_is("{\"document\":{\"category\":\"csaf_vex\","
	    "\"csaf_version\":\"2.0\",\"tracking\":{\"id\":\"x\","
	    "\"current_release_date\":\"2022-03-03T25:00:00Z\"}}}",
	    "CSAF: document.tracking.current_release_date: bad date-time",
	    "CSAF bad release date");
}

static void
test_cyclonedx(void)
{
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\","
	    "\"serialNumber\":"
	    "\"urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79\",\"version\":1,"
	    "\"metadata\":{\"timestamp\":\"2022-03-03T00:00:00Z\"},"
	    "\"vulnerabilities\":[{\"id\":\"CVE-2021-44228\","
	    "\"analysis\":{\"state\":\"not_affected\"},"
	    "\"affects\":[{\"ref\":\"urn:cdx:x/1#a\"}]}]}",
	    EC_KIND_VEX, EC_FMT_CYCLONEDX,
	    "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
	    "2022-03-03T00:00:00Z", "CycloneDX standalone VEX");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\","
	    "\"components\":[],\"services\":[],"
	    "\"vulnerabilities\":[{\"id\":\"a\"},"
	    "{\"id\":\"b\",\"analysis\":{\"state\":\"exploitable\"}}]}",
	    EC_KIND_VEX, EC_FMT_CYCLONEDX, "", NULL,
	    "CycloneDX VEX: empty inventory, one analysis, no id");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.2\","
	    "\"serialNumber\":\"urn:uuid:1\","
	    "\"components\":[{\"name\":\"a\"}]}",
	    EC_KIND_SBOM, EC_FMT_CYCLONEDX, "urn:uuid:1", NULL,
	    "CycloneDX SBOM");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\","
	    "\"components\":[{\"name\":\"a\"}],\"vulnerabilities\":[{"
	    "\"id\":\"b\",\"analysis\":{\"state\":\"not_affected\"}}]}",
	    EC_KIND_SBOM, EC_FMT_CYCLONEDX, "", NULL,
	    "CycloneDX SBOM with embedded VEX stays an SBOM");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\","
	    "\"services\":[{\"name\":\"api\"}],\"vulnerabilities\":[{"
	    "\"id\":\"b\",\"analysis\":{\"state\":\"not_affected\"}}]}",
	    EC_KIND_SBOM, EC_FMT_CYCLONEDX, "", NULL,
	    "CycloneDX SaaSBOM with embedded VEX stays an SBOM");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\","
	    "\"vulnerabilities\":[{\"id\":\"CVE-1\"}]}",
	    EC_KIND_SBOM, EC_FMT_CYCLONEDX, "", NULL,
	    "CycloneDX VDR (no analysis) is not VEX");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\","
	    "\"metadata\":{\"component\":{\"bom-ref\":\"juice-shop@14.1.1\","
	    "\"purl\":\"pkg:npm/juice-shop@14.1.1\",\"name\":\"juice-shop\","
	    "\"version\":\"14.1.1\"}},\"components\":[]}",
	    EC_KIND_SBOM, EC_FMT_CYCLONEDX, "", NULL,
	    "CycloneDX without serialNumber: no id, even with a purl");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\","
	    "\"metadata\":{\"timestamp\":\"2022-01-13T00:00:00Z\","
	    "\"component\":{\"bom-ref\":\"product-ABC\",\"name\":\"ABC\","
	    "\"version\":\"4.2\"}},\"vulnerabilities\":[{\"id\":\"x\","
	    "\"analysis\":{}}]}",
	    EC_KIND_VEX, EC_FMT_CYCLONEDX, "",
	    "2022-01-13T00:00:00Z", "CycloneDX VEX without serialNumber: no id");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\","
	    "\"metadata\":{\"component\":{\"name\":\"Acme\","
	    "\"version\":\"2.2.0\"}}}",
	    EC_KIND_SBOM, EC_FMT_CYCLONEDX, "", NULL,
	    "CycloneDX name@version is not an id");
	classify_is("{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.4\","
	    "\"metadata\":{\"component\":{\"name\":\"Acme\"}}}",
	    EC_KIND_SBOM, EC_FMT_CYCLONEDX, "", NULL,
	    "CycloneDX name without version: no id");
	reject_is("{\"bomFormat\":\"SPDX\",\"specVersion\":\"1.4\"}",
	    "CycloneDX: bomFormat is SPDX, expected CycloneDX",
	    "CycloneDX wrong bomFormat");
	reject_is("{\"bomFormat\":\"CycloneDX\",\"serialNumber\":\"\"}",
	    "CycloneDX: serialNumber: must be 1 to", "CycloneDX empty serial");
	reject_is("{\"bomFormat\":\"CycloneDX\",\"serialNumber\":"
	    "\"urn:x\\u001b[31m\"}",
	    "CycloneDX: serialNumber: control character",
	    "CycloneDX serialNumber with ESC");
	reject_is("{\"bomFormat\":\"CycloneDX\",\"metadata\":"
	    "{\"timestamp\":\"2020-08-03\\t01:28:52Z\"}}",
	    "CycloneDX: metadata.timestamp: bad date-time",
	    "CycloneDX bad timestamp");
	reject_is("{\"bomFormat\":\"CycloneDX\",\"vulnerabilities\":{}}",
	    "CycloneDX: vulnerabilities: must be an array",
	    "CycloneDX vulnerabilities not an array");
	reject_is("{\"bomFormat\":\"CycloneDX\",\"components\":\"x\"}",
	    "CycloneDX: components: must be an array",
	    "CycloneDX components not an array");
	reject_is("{\"bomFormat\":\"CycloneDX\",\"metadata\":[]}",
	    "CycloneDX: metadata: must be an object",
	    "CycloneDX metadata not an object");
}

static void
test_spdx(void)
{
	classify_is("{\"spdxVersion\":\"SPDX-2.3\",\"SPDXID\":"
	    "\"SPDXRef-DOCUMENT\",\"name\":\"hello\",\"documentNamespace\":"
	    "\"https://example.com/spdx/hello-1\",\"creationInfo\":{"
	    "\"created\":\"2022-10-28T17:24:21Z\",\"creators\":[\"Tool: x\"]}}",
	    EC_KIND_SBOM, EC_FMT_SPDX, "https://example.com/spdx/hello-1",
	    "2022-10-28T17:24:21Z", "SPDX 2.3");
	classify_is("{\"spdxVersion\":\"SPDX-2.2\",\"SPDXID\":"
	    "\"SPDXRef-DOCUMENT\",\"name\":\"hello\"}",
	    EC_KIND_SBOM, EC_FMT_SPDX, "hello#SPDXRef-DOCUMENT", NULL,
	    "SPDX without namespace: name#SPDXID");
	classify_is("{\"spdxVersion\":\"SPDX-2.2\"}",
	    EC_KIND_SBOM, EC_FMT_SPDX, "", NULL,
	    "SPDX with nothing to name it");
	reject_is("{\"spdxVersion\":\"2.3\",\"documentNamespace\":\"x\"}",
	    "SPDX: spdxVersion is 2.3, expected SPDX-M.N",
	    "SPDX version without prefix");
	reject_is("{\"spdxVersion\":\"SPDX-2.3\",\"documentNamespace\":7}",
	    "SPDX: documentNamespace: must be a string",
	    "SPDX numeric namespace");
	reject_is("{\"spdxVersion\":\"SPDX-2.3\",\"documentNamespace\":\"x\","
	    "\"creationInfo\":{\"created\":\"2022-10-28T17:24\"}}",
	    "SPDX: creationInfo.created: bad date-time",
	    "SPDX bad created");
	reject_is("{\"@context\":\"https://spdx.org/rdf/3.0.1/"
	    "spdx-context.jsonld\",\"@graph\":[]}",
	    "SPDX: version 3 (JSON-LD) is not supported", "SPDX 3 refused");
}

static void
test_other(void)
{
	struct ec_doc_info	 info;
	struct ec_err		 err;
	enum ec_kind		 k;
	json_t			*doc;
	int			 i, good;

	reject_is("{}", "not a recognised evidence document (no OSV "
	    "id/modified, OpenVEX @context, CSAF document, CycloneDX "
	    "bomFormat or SPDX spdxVersion)", "empty object");
	reject_is("[{\"id\":\"x\",\"modified\":\"2024-01-01\"}]",
	    "not a JSON object", "array");
	reject_is("{\"bomFormat\":\"CycloneDX\",\"spdxVersion\":\"SPDX-2.3\"}",
	    "ambiguous evidence document: both CycloneDX bomFormat and SPDX "
	    "spdxVersion", "CycloneDX and SPDX markers");
	reject_is("{\"@context\":\"https://openvex.dev/ns\",\"@id\":\"x\","
	    "\"document\":{\"csaf_version\":\"2.0\"},\"bomFormat\":\"x\"}",
	    "(and more)", "three markers");
	classify_is("{\"id\":\"X\",\"modified\":\"2024-01-01\","
	    "\"document\":{\"title\":\"not CSAF\"}}",
	    EC_KIND_ADVISORY, EC_FMT_OSV, "X", "2024-01-01T00:00:00Z",
	    "OSV with a non-CSAF document member");

	ok(ec_evidence_classify(&info, NULL, &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "NULL document: %s", err.msg);
	doc = json_integer(7);
	ok(ec_evidence_classify(&info, doc, NULL) == -1,
	    "scalar document, NULL err");
	json_decref(doc);
	doc = json_loads("{\"id\":\"x\",\"modified\":\"bad\"}", 0, NULL);
	ok(ec_evidence_classify(&info, doc, NULL) == -1,
	    "bad date with NULL err");
	json_decref(doc);

	good = 1;
	for (i = EC_KIND_ADVISORY; i <= EC_KIND_SBOM; i++)
		if (ec_kind_parse(&k, ec_kind_name((enum ec_kind)i),
		    &err) == -1 || k != (enum ec_kind)i)
			good = 0;
	ok(good, "ec_kind_parse(ec_kind_name(k)) == k");
	ok(strcmp(ec_kind_name(EC_KIND_ADVISORY), "advisory") == 0 &&
	    strcmp(ec_kind_name(EC_KIND_VEX), "vex") == 0 &&
	    strcmp(ec_kind_name(EC_KIND_SBOM), "sbom") == 0, "kind names");
	ok(strcmp(ec_format_name(EC_FMT_OSV), "osv") == 0 &&
	    strcmp(ec_format_name(EC_FMT_OPENVEX), "openvex") == 0 &&
	    strcmp(ec_format_name(EC_FMT_CSAF), "csaf") == 0 &&
	    strcmp(ec_format_name(EC_FMT_CYCLONEDX), "cyclonedx") == 0 &&
	    strcmp(ec_format_name(EC_FMT_SPDX), "spdx") == 0,
	    "format names");
	ok(strcmp(ec_kind_name((enum ec_kind)99), "unknown") == 0 &&
	    strcmp(ec_format_name((enum ec_format)99), "unknown") == 0,
	    "names out of range");
	ok(ec_kind_parse(&k, "Advisory", &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "kind is case-sensitive: %s",
	    err.msg);
	ok(ec_kind_parse(&k, "", &err) == -1, "empty kind");
	ok(ec_kind_parse(&k, "vex ", &err) == -1, "kind with trailing space");
	ok(ec_kind_parse(&k, NULL, &err) == -1, "NULL kind");
}

/* True if "name" ends in ".json". */
static bool
is_json_name(const char *name)
{
	size_t	n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/*
 * Classify every *.json in "dir"; each must be of "kind" and, if want_fmt
 * is not NULL, of that format.
 */
static void
walk_leaf(struct t_counts *c, const char *dir, enum ec_kind kind,
    const char *want_fmt)
{
	struct ec_doc_info	 info;
	struct ec_err		 err;
	struct dirent		*de;
	json_error_t		 jerr;
	json_t			*doc;
	DIR			*d;
	char			 path[4096];
	const char		*why;
	int			 n;

	if ((d = opendir(dir)) == NULL) {
		c->failed++;
		printf("# cannot open %s\n", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (!is_json_name(de->d_name))
			continue;
		c->files++;
		n = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path)) {
			c->failed++;
			printf("# path too long under %s\n", dir);
			continue;
		}
		why = NULL;
		doc = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
		if (doc == NULL)
			why = jerr.text;
		else if (ec_evidence_classify(&info, doc, &err) == -1)
			why = err.msg;
		else if (info.kind != kind)
			why = ec_kind_name(info.kind);
		else if (want_fmt != NULL &&
		    strcmp(ec_format_name(info.format), want_fmt) != 0)
			why = ec_format_name(info.format);
		if (why != NULL) {
			if (c->failed++ < T_MAX_REPORTED)
				printf("# %s: %s\n", path, why);
		} else {
			c->by_format[info.format]++;
			if (info.upstream_id[0] == '\0')
				c->no_id++;
			if (!info.has_modified)
				c->no_modified++;
		}
		json_decref(doc);
	}
	(void)closedir(d);
}

/* Walk <root>/<top>/<leaf>/ for every leaf folder under top. */
static void
walk_top(struct t_counts *c, const char *root, const char *top,
    enum ec_kind kind)
{
	struct dirent	*de;
	struct stat	 st;
	DIR		*d;
	char		 dir[4096], leaf[4096];
	int		 n;

	n = snprintf(dir, sizeof(dir), "%s/%s", root, top);
	if (n < 0 || (size_t)n >= sizeof(dir) || (d = opendir(dir)) == NULL) {
		c->failed++;
		printf("# cannot open %s\n", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n = snprintf(leaf, sizeof(leaf), "%s/%s", dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(leaf) ||
		    stat(leaf, &st) == -1 || !S_ISDIR(st.st_mode))
			continue;
		/* vex/<format>/ and sbom/<format>/ name their format. */
		walk_leaf(c, leaf, kind,
		    kind == EC_KIND_ADVISORY ? "osv" : de->d_name);
	}
	(void)closedir(d);
}

static void
test_fixtures(void)
{
	struct t_counts	 c;
	struct stat	 st;
	const char	*root;

	root = getenv("EC_FIXTURES");
	if (root == NULL || root[0] == '\0' || stat(root, &st) == -1 ||
	    !S_ISDIR(st.st_mode)) {
		ok(1, "# skip EC_FIXTURES unset or not a directory");
		return;
	}
	memset(&c, 0, sizeof(c));
	walk_top(&c, root, "osv", EC_KIND_ADVISORY);
	walk_top(&c, root, "vex", EC_KIND_VEX);
	walk_top(&c, root, "sbom", EC_KIND_SBOM);
	printf("# fixtures: %d files: osv=%d openvex=%d csaf=%d "
	    "cyclonedx=%d spdx=%d; failed=%d, without id=%d, "
	    "without date=%d\n", c.files, c.by_format[EC_FMT_OSV],
	    c.by_format[EC_FMT_OPENVEX], c.by_format[EC_FMT_CSAF],
	    c.by_format[EC_FMT_CYCLONEDX], c.by_format[EC_FMT_SPDX],
	    c.failed, c.no_id, c.no_modified);
	ok(c.files > 0 && c.failed == 0,
	    "every fixture under %s classifies as its folder says", root);
}

/* An OSV document modified "secs" seconds from now; its date to "when". */
static void
osv_at(char *out, size_t size, char when[EC_TIME_MAX], int64_t secs)
{
	ec_time_format(when, ((int64_t)time(NULL) + secs) * 1000000);
	(void)snprintf(out, size, "{\"id\":\"T-1\",\"modified\":\"%s\"}",
	    when);
}

/*
 * The modified time becomes the ustar mtime and decides newest-wins: one
 * day of clock skew is allowed, later dates are refused, for every
 * format's date field.
 */
static void
test_time_bounds(void)
{
	char	doc[256], when[EC_TIME_MAX];

	osv_at(doc, sizeof(doc), when, 12 * 3600);
	classify_is(doc, EC_KIND_ADVISORY, EC_FMT_OSV, "T-1", when,
	    "OSV modified 12 hours ahead: within the skew allowed");
	osv_at(doc, sizeof(doc), when, 2 * 86400);
	reject_is(doc, "more than a day in the future",
	    "OSV modified two days ahead");
	reject_is("{\"id\":\"T-1\",\"modified\":\"2242-03-16T12:56:32Z\"}",
	    "more than a day in the future", "OSV modified past ustar mtime");
	reject_is("{\"id\":\"T-1\",\"modified\":\"9999-12-31T23:59:59Z\"}",
	    "more than a day in the future", "OSV modified 9999-12-31");
	classify_is("{\"id\":\"T-1\",\"modified\":\"0001-01-01T00:00:00Z\"}",
	    EC_KIND_ADVISORY, EC_FMT_OSV, "T-1", "0001-01-01T00:00:00Z",
	    "OSV modified at Go's zero time, as real Go advisories are");
	reject_is("{\"spdxVersion\":\"SPDX-2.3\",\"documentNamespace\":"
	    "\"https://x/y\",\"creationInfo\":{\"created\":"
	    "\"3000-01-01T00:00:00Z\"}}", "more than a day in the future",
	    "SPDX created in the year 3000");
}

int
main(void)
{
	test_osv();
	test_openvex();
	test_csaf();
	test_cyclonedx();
	test_spdx();
	test_other();
	test_time_bounds();
	test_fixtures();
	return done_testing();
}
