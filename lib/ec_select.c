/* ec_select: strict parsing of target and format lists. */
#include <string.h>

#include "ec_limits.h"
#include "ec_select.h"

/* Longest item we echo back in an error message. */
#define SELECT_ECHO_MAX	64

static const char *const target_names[EC_TARGET_COUNT] = {
	"advisory", "policy", "sbom", "vex"
};
static const char *const format_names[EC_FORMAT_COUNT] = {
	"json", "ndjson"
};

static const char *
select_bit_name(const char *const *names, size_t n, unsigned bit)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (bit == 1u << i)
			return names[i];
	return NULL;
}

const char *
ec_target_name(unsigned bit)
{
	return select_bit_name(target_names, EC_TARGET_COUNT, bit);
}

const char *
ec_format_out_name(unsigned bit)
{
	return select_bit_name(format_names, EC_FORMAT_COUNT, bit);
}

static int
select_list(unsigned *out, const char *list, const char *what,
    const char *const *names, size_t nnames, struct ec_err *err)
{
	const char	*p = list, *end;
	unsigned	 bits = 0, bit;
	size_t		 len, i, items = 1;

	/* Count first, so that an over-long list is named as such. */
	for (end = list; *end != '\0'; end++)
		if (*end == ',')
			items++;
	if (items > EC_MAX_TARGETS)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "%s: more than %d items", what, EC_MAX_TARGETS);
	for (;;) {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: empty item in list", what);
		bit = 0;
		for (i = 0; i < nnames; i++)
			if (strlen(names[i]) == len &&
			    strncmp(names[i], p, len) == 0)
				bit = 1u << i;
		if (bit == 0)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: unknown item \"%.*s\"", what,
			    (int)(len < SELECT_ECHO_MAX ? len : SELECT_ECHO_MAX),
			    p);
		if (bits & bit)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: \"%.*s\" given twice", what, (int)len, p);
		bits |= bit;
		if (end == NULL)
			break;
		p = end + 1;
	}
	*out = bits;
	return 0;
}

int
ec_selectors_parse(struct ec_selectors *sel, const char *targets,
    const char *formats, struct ec_err *err)
{
	struct ec_selectors	tmp = *sel;

	if (targets != NULL && select_list(&tmp.targets, targets, "targets",
	    target_names, EC_TARGET_COUNT, err) == -1)
		return -1;
	if (formats != NULL && select_list(&tmp.formats, formats, "formats",
	    format_names, EC_FORMAT_COUNT, err) == -1)
		return -1;
	*sel = tmp;
	return 0;
}

static json_t *
select_array(unsigned bits, const char *const *names, size_t n)
{
	json_t	*a;
	size_t	 i;

	if ((a = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if ((bits & (1u << i)) != 0 &&
		    json_array_append_new(a, json_string(names[i])) == -1) {
			json_decref(a);
			return NULL;
		}
	return a;
}

json_t *
ec_selectors_json(const struct ec_selectors *sel)
{
	json_t	*o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (json_object_set_new(o, "formats", select_array(sel->formats,
	    format_names, EC_FORMAT_COUNT)) == -1 ||
	    json_object_set_new(o, "targets", select_array(sel->targets,
	    target_names, EC_TARGET_COUNT)) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}
