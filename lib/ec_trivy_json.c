/*
 * ec_trivy_json: the bytes of Trivy's values as Go's encoding/json writes
 * them (specs/trivy-db.md sections 1.2, 2.6, 2.8, 2.9), row order and
 * merging.  RFC 8785 is not what Trivy writes: Go keeps struct fields in
 * declaration order, sorts only map keys, and escapes HTML characters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_canon.h"
#include "ec_time.h"
#include "ec_trivy.h"
#include "ec_trivy_int.h"

enum field_type {
	F_STR,		/* string, omitted when empty */
	F_STRS,		/* []string, omitted when empty */
	F_INT,		/* int, omitted when 0 */
	F_NUM,		/* float64, omitted when 0 */
	F_MAP_INT,	/* map[string]int, keys sorted */
	F_MAP_CVSS	/* map[string]CVSS, keys sorted */
};

struct field {
	const char	*name;
	enum field_type	 type;
};

/* types.Advisory through the map of advisory_detail.go: alphabetical. */
static const struct field	advisory_fields[] = {
	{ "Arches", F_STRS }, { "FixedVersion", F_STR }, { "OSes", F_STRS },
	{ "PatchedVersions", F_STRS }, { "Severity", F_INT },
	{ "Status", F_INT }, { "UnaffectedVersions", F_STRS },
	{ "VendorIDs", F_STRS }, { "VulnerableVersions", F_STRS },
	{ NULL, F_STR }
};

/* types.Vulnerability, declaration order (section 2.8). */
static const struct field	vuln_fields[] = {
	{ "Title", F_STR }, { "Description", F_STR }, { "Severity", F_STR },
	{ "CweIDs", F_STRS }, { "VendorSeverity", F_MAP_INT },
	{ "CVSS", F_MAP_CVSS }, { "References", F_STRS },
	{ "PublishedDate", F_STR }, { "LastModifiedDate", F_STR },
	{ NULL, F_STR }
};

/* types.CVSS, declaration order. */
static const struct field	cvss_fields[] = {
	{ "V2Vector", F_STR }, { "V3Vector", F_STR }, { "V40Vector", F_STR },
	{ "V2Score", F_NUM }, { "V3Score", F_NUM }, { "V40Score", F_NUM },
	{ NULL, F_STR }
};

/* types.DataSource (section 2.9). */
static const struct field	source_fields[] = {
	{ "ID", F_STR }, { "Name", F_STR }, { "URL", F_STR },
	{ "BaseID", F_STR }, { NULL, F_STR }
};

/*
 * encoding/json's string form with escapeHTML (encode.go, appendString):
 * quote, backslash, \b \f \n \r \t by name, other controls and < > & as
 * \u00xx, U+2028 and U+2029 escaped.  Jansson strings are valid UTF-8.
 */
static int
json_go_string(struct ec_buf *out, const char *s, size_t len,
    struct ec_err *err)
{
	static const char	hex[] = "0123456789abcdef";
	const unsigned char	*p = (const unsigned char *)s;
	char			 esc[8];
	size_t			 i, start = 0;

	if (ec_buf_addc(out, '"', err) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		esc[0] = '\0';
		if (p[i] == '"' || p[i] == '\\')
			snprintf(esc, sizeof(esc), "\\%c", p[i]);
		else if (p[i] == '\b' || p[i] == '\f' || p[i] == '\n' ||
		    p[i] == '\r' || p[i] == '\t')
			snprintf(esc, sizeof(esc), "\\%c",
			    "bfnrt"[strchr("\b\f\n\r\t", p[i]) - "\b\f\n\r\t"]);
		else if (p[i] < 0x20 || p[i] == '<' || p[i] == '>' ||
		    p[i] == '&')
			snprintf(esc, sizeof(esc), "\\u00%c%c", hex[p[i] >> 4],
			    hex[p[i] & 0xf]);
		else if (p[i] == 0xe2 && i + 2 < len && p[i + 1] == 0x80 &&
		    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
			snprintf(esc, sizeof(esc), "\\u202%c",
			    p[i + 2] == 0xa8 ? '8' : '9');
		if (esc[0] == '\0')
			continue;
		if (ec_buf_add(out, s + start, i - start, err) == -1 ||
		    ec_buf_adds(out, esc, err) == -1)
			return -1;
		if (esc[1] == 'u' && esc[2] == '2')
			i += 2;
		start = i + 1;
	}
	if (ec_buf_add(out, s + start, len - start, err) == -1)
		return -1;
	return ec_buf_addc(out, '"', err);
}

/* strconv.FormatFloat(f, 'f', -1, 64) for the small scores we store. */
static int
json_go_number(struct ec_buf *out, double v, struct ec_err *err)
{
	char	buf[40];
	int	prec;

	for (prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* Drop trailing zeros and a bare point, as the shortest form has. */
	if (strchr(buf, '.') != NULL) {
		while (buf[strlen(buf) - 1] == '0')
			buf[strlen(buf) - 1] = '\0';
		if (buf[strlen(buf) - 1] == '.')
			buf[strlen(buf) - 1] = '\0';
	}
	return ec_buf_adds(out, buf, err);
}

static int	json_go_object(struct ec_buf *, const json_t *,
		    const struct field *, struct ec_err *);

static bool
field_empty(const json_t *v, enum field_type type)
{
	switch (type) {
	case F_STR:
		return !json_is_string(v) || json_string_length(v) == 0;
	case F_STRS:
		return !json_is_array(v) || json_array_size(v) == 0;
	case F_INT:
		return !json_is_integer(v) || json_integer_value(v) == 0;
	case F_NUM:
		return !json_is_number(v) || json_number_value(v) == 0;
	default:
		return !json_is_object(v) || json_object_size(v) == 0;
	}
}

/* A Go map: keys sorted bytewise (encode.go, mapEncoder). */
static int
json_go_map(struct ec_buf *out, const json_t *obj, enum field_type type,
    struct ec_err *err)
{
	const char	**keys;
	json_t		 *v;
	size_t		  n, i;
	int		  rc = -1;

	if (ec_canon_sorted_keys(&keys, &n, obj, err) == -1)
		return -1;
	if (ec_buf_addc(out, '{', err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		v = json_object_get(obj, keys[i]);
		if ((i > 0 && ec_buf_addc(out, ',', err) == -1) ||
		    json_go_string(out, keys[i], strlen(keys[i]), err) == -1 ||
		    ec_buf_addc(out, ':', err) == -1)
			goto out;
		if (type == F_MAP_INT ? ec_buf_addf(out, err, "%lld",
		    (long long)json_integer_value(v)) == -1 :
		    json_go_object(out, v, cvss_fields, err) == -1)
			goto out;
	}
	rc = ec_buf_addc(out, '}', err);
out:
	free(keys);
	return rc;
}

static int
json_go_value(struct ec_buf *out, const json_t *v, enum field_type type,
    struct ec_err *err)
{
	size_t	i;

	switch (type) {
	case F_STR:
		return json_go_string(out, json_string_value(v),
		    json_string_length(v), err);
	case F_STRS:
		if (ec_buf_addc(out, '[', err) == -1)
			return -1;
		for (i = 0; i < json_array_size(v); i++) {
			if ((i > 0 && ec_buf_addc(out, ',', err) == -1) ||
			    json_go_string(out,
			    json_string_value(json_array_get(v, i)),
			    json_string_length(json_array_get(v, i)),
			    err) == -1)
				return -1;
		}
		return ec_buf_addc(out, ']', err);
	case F_INT:
		return ec_buf_addf(out, err, "%lld",
		    (long long)json_integer_value(v));
	case F_NUM:
		return json_go_number(out, json_number_value(v), err);
	default:
		return json_go_map(out, v, type, err);
	}
}

/* A Go struct: the fields of "tab" in order, omitempty on each. */
static int
json_go_object(struct ec_buf *out, const json_t *obj,
    const struct field *tab, struct ec_err *err)
{
	const json_t	*v;
	bool		 first = true;
	size_t		 i;

	if (ec_buf_addc(out, '{', err) == -1)
		return -1;
	for (i = 0; tab[i].name != NULL; i++) {
		v = json_object_get(obj, tab[i].name);
		if (field_empty(v, tab[i].type))
			continue;
		if ((!first && ec_buf_addc(out, ',', err) == -1) ||
		    ec_buf_addf(out, err, "\"%s\":", tab[i].name) == -1 ||
		    json_go_value(out, v, tab[i].type, err) == -1)
			return -1;
		first = false;
	}
	return ec_buf_addc(out, '}', err);
}

int
ec_trivy_encode(struct ec_buf *out, const struct ec_trivy_row *row,
    struct ec_err *err)
{
	const struct field	*tab;

	if (row->kind == EC_TRIVY_ADVISORY)
		tab = advisory_fields;
	else if (row->kind == EC_TRIVY_VULN)
		tab = vuln_fields;
	else
		tab = source_fields;
	return json_go_object(out, row->value, tab, err);
}

static int
strcmp_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

int
ec_trivy_row_cmp(const struct ec_trivy_row *a, const struct ec_trivy_row *b)
{
	int	c;

	if ((c = strcmp(a->bucket, b->bucket)) != 0)
		return c;
	if ((c = strcmp_null(a->pkg, b->pkg)) != 0)
		return c;
	return strcmp(a->key, b->key);
}

/* Append the strings of "from" that "into" lacks, keeping into's order. */
static int
merge_strings(json_t *into, const char *name, const json_t *from,
    struct ec_err *err)
{
	json_t	*dst = json_object_get(into, name), *src, *s;
	size_t	 i, j;

	src = json_object_get(from, name);
	if (!json_is_array(src) || json_array_size(src) == 0)
		return 0;
	if (dst == NULL) {
		if (json_object_set_new(into, name, json_array()) == -1)
			return ec_err_nomem(err);
		dst = json_object_get(into, name);
	}
	for (i = 0; i < json_array_size(src); i++) {
		s = json_array_get(src, i);
		for (j = 0; j < json_array_size(dst); j++)
			if (json_equal(s, json_array_get(dst, j)))
				break;
		if (j == json_array_size(dst) &&
		    json_array_append(dst, s) == -1)
			return ec_err_nomem(err);
	}
	return 0;
}

static int
strcmp_json(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a),
	    json_string_value(*(json_t *const *)b));
}

/* References are sorted and deduplicated (section 2.13). */
int
trivy_sort_strings(json_t *arr, struct ec_err *err)
{
	json_t	**v;
	size_t	  n = json_array_size(arr), i;
	int	  rc = -1;

	if (n < 2)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), strcmp_json);
	json_array_clear(arr);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp_json(&v[i], &v[i - 1]) == 0)
			continue;
		if (json_array_append(arr, v[i]) == -1)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		json_decref(v[i]);
	free(v);
	return rc == 0 ? 0 : ec_err_nomem(err);
}

/* Copy members of "from" that "into" lacks or holds empty. */
static int
merge_missing(json_t *into, const json_t *from, const char *const *names,
    struct ec_err *err)
{
	json_t	*have, *v;
	size_t	 i;

	for (i = 0; names[i] != NULL; i++) {
		v = json_object_get(from, names[i]);
		have = json_object_get(into, names[i]);
		if (v == NULL || (have != NULL && !(json_is_string(have) &&
		    json_string_length(have) == 0)))
			continue;
		if (json_object_set(into, names[i], v) == -1)
			return ec_err_nomem(err);
	}
	return 0;
}

int
ec_trivy_merge(struct ec_trivy_row *into, const struct ec_trivy_row *from,
    struct ec_err *err)
{
	static const char *const adv_lists[] = { "Arches", "OSes",
	    "PatchedVersions", "UnaffectedVersions", "VendorIDs",
	    "VulnerableVersions", NULL };
	static const char *const adv_scalars[] = { "FixedVersion", "Severity",
	    NULL };
	static const char *const vuln_scalars[] = { "Title", "Description",
	    "Severity", "PublishedDate", "LastModifiedDate", NULL };
	json_t		*dst, *v;
	const char	*k;
	size_t		 i;

	if (into->kind == EC_TRIVY_ADVISORY) {
		for (i = 0; adv_lists[i] != NULL; i++)
			if (merge_strings(into->value, adv_lists[i],
			    from->value, err) == -1)
				return -1;
		return merge_missing(into->value, from->value, adv_scalars,
		    err);
	}
	if (into->kind != EC_TRIVY_VULN)
		return 0;
	if (merge_missing(into->value, from->value, vuln_scalars, err) == -1 ||
	    merge_strings(into->value, "CweIDs", from->value, err) == -1 ||
	    merge_strings(into->value, "References", from->value, err) == -1 ||
	    trivy_sort_strings(json_object_get(into->value, "References"),
	    err) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		k = i == 0 ? "VendorSeverity" : "CVSS";
		if (!json_is_object(json_object_get(from->value, k)))
			continue;
		if ((dst = json_object_get(into->value, k)) == NULL) {
			if (json_object_set_new(into->value, k,
			    json_object()) == -1)
				return ec_err_nomem(err);
			dst = json_object_get(into->value, k);
		}
		json_object_foreach(json_object_get(from->value, k), k, v)
			if (json_object_get(dst, k) == NULL &&
			    json_object_set(dst, k, v) == -1)
				return ec_err_nomem(err);
	}
	return 0;
}

/* time.Time as RFC3339Nano: fraction without trailing zeros, UTC "Z". */
void
trivy_time(char out[EC_TIME_MAX], int64_t us)
{
	size_t	n;

	ec_time_format(out, us);
	n = strlen(out);
	if (strchr(out, '.') == NULL)
		return;
	n--;	/* the "Z" */
	while (out[n - 1] == '0')
		n--;
	if (out[n - 1] == '.')
		n--;
	out[n] = 'Z';
	out[n + 1] = '\0';
}

int
ec_trivy_metadata(struct ec_buf *out, int64_t snapshot_us,
    int64_t next_update_us, struct ec_err *err)
{
	return ec_trivy_metadata_version(out, EC_TRIVY_SCHEMA, snapshot_us,
	    next_update_us, err);
}

int
ec_trivy_metadata_version(struct ec_buf *out, int version,
    int64_t snapshot_us, int64_t next_update_us, struct ec_err *err)
{
	char	next[EC_TIME_MAX], now[EC_TIME_MAX];

	trivy_time(next, next_update_us);
	trivy_time(now, snapshot_us);
	return ec_buf_addf(out, err, "{\"Version\":%d,\"NextUpdate\":\"%s\","
	    "\"UpdatedAt\":\"%s\",\"DownloadedAt\":\"%s\"}\n", version,
	    next, now, now);
}

void
ec_trivy_result_dispose(struct ec_trivy_result *r)
{
	size_t	i;

	for (i = 0; i < r->nrows; i++) {
		free(r->rows[i].bucket);
		free(r->rows[i].pkg);
		free(r->rows[i].key);
		json_decref(r->rows[i].value);
	}
	free(r->rows);
	r->rows = NULL;
	r->nrows = 0;
}
