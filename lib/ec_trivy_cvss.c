/*
 * ec_trivy_cvss: CVSS v2 and v3.x scores from vectors, for the CVSS and
 * VendorSeverity fields of Trivy's vulnerability bucket
 * (specs/trivy-db.md sections 2.8 and 2.13).  Formulas: FIRST CVSS v3.1
 * specification section 7 (base, temporal; Roundup from Appendix A, used
 * for v3.0 vectors too) and CVSS v2 guide section 3.2.  Environmental
 * metrics are accepted and ignored, as Trivy shows base/temporal scores.
 */
#include <stdlib.h>
#include <string.h>

#include "ec_trivy_int.h"

struct cvss_metric {
	const char	*name;
	const char	*values;	/* one letter each */
	double		 weights[6];
	bool		 required;
};

/* v3.1 section 7.4; PR is adjusted for a changed scope below. */
static const struct cvss_metric	v3_metrics[] = {
	{ "AV", "NALP", { 0.85, 0.62, 0.55, 0.2 }, true },
	{ "AC", "LH", { 0.77, 0.44 }, true },
	{ "PR", "NLH", { 0.85, 0.62, 0.27 }, true },
	{ "UI", "NR", { 0.85, 0.62 }, true },
	{ "S", "UC", { 0, 1 }, true },
	{ "C", "HLN", { 0.56, 0.22, 0 }, true },
	{ "I", "HLN", { 0.56, 0.22, 0 }, true },
	{ "A", "HLN", { 0.56, 0.22, 0 }, true },
	{ "E", "XHFPU", { 1, 1, 0.97, 0.94, 0.91 }, false },
	{ "RL", "XUWTO", { 1, 1, 0.97, 0.96, 0.95 }, false },
	{ "RC", "XCRU", { 1, 1, 0.96, 0.92 }, false },
	{ NULL, NULL, { 0 }, false }
};

/* v2 guide section 3.2.1 and 3.2.2; temporal values are two letters. */
static const struct cvss_metric	v2_metrics[] = {
	{ "AV", "LAN", { 0.395, 0.646, 1.0 }, true },
	{ "AC", "HML", { 0.35, 0.61, 0.71 }, true },
	{ "Au", "MSN", { 0.45, 0.56, 0.704 }, true },
	{ "C", "NPC", { 0, 0.275, 0.660 }, true },
	{ "I", "NPC", { 0, 0.275, 0.660 }, true },
	{ "A", "NPC", { 0, 0.275, 0.660 }, true },
	{ NULL, NULL, { 0 }, false }
};

/* Environmental metrics: checked for shape only. */
static const char *const	v3_env[] = { "CR", "IR", "AR", "MAV", "MAC",
    "MPR", "MUI", "MS", "MC", "MI", "MA", NULL };

/*
 * Rounding by hand keeps libm out of the link; scores are small and
 * non-negative, so truncation toward zero is floor.
 */
static long
cvss_round(double x)
{
	return (long)(x + 0.5);
}

/* v3.1 Appendix A: the smallest one-decimal number >= x. */
static double
cvss_roundup(double x)
{
	long	i = cvss_round(x * 100000);

	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

static double
cvss_min10(double x)
{
	return x < 10 ? x : 10;
}

static double
cvss_pow15(double x)
{
	double	r = 1;
	int	i;

	for (i = 0; i < 15; i++)
		r *= x;
	return r;
}

/*
 * Parse "/"-separated NAME:VALUE pairs of "s" against "tab": every
 * required metric exactly once, each optional one at most once.  w[i] is
 * the weight of tab[i], idx[i] the index of its value (-1 when absent).
 */
static bool
cvss_parse(double *w, int *idx, const struct cvss_metric *tab,
    const char *const *extra, const char *s)
{
	const char	*p, *colon, *end;
	const char	*hit;
	size_t		 i, nlen;

	for (i = 0; tab[i].name != NULL; i++)
		idx[i] = -1;
	for (p = s; *p != '\0'; p = *end == '/' ? end + 1 : end) {
		end = strchr(p, '/');
		if (end == NULL)
			end = p + strlen(p);
		colon = memchr(p, ':', (size_t)(end - p));
		if (colon == NULL || colon == p || end - colon != 2)
			return false;
		nlen = (size_t)(colon - p);
		for (i = 0; tab[i].name != NULL; i++)
			if (strlen(tab[i].name) == nlen &&
			    memcmp(tab[i].name, p, nlen) == 0)
				break;
		if (tab[i].name == NULL) {
			for (i = 0; extra != NULL && extra[i] != NULL; i++)
				if (strlen(extra[i]) == nlen &&
				    memcmp(extra[i], p, nlen) == 0)
					break;
			if (extra == NULL || extra[i] == NULL)
				return false;
			continue;
		}
		hit = strchr(tab[i].values, colon[1]);
		if (colon[1] == '\0' || hit == NULL || idx[i] != -1)
			return false;
		idx[i] = (int)(hit - tab[i].values);
		w[i] = tab[i].weights[idx[i]];
		if (*end == '/' && end[1] == '\0')
			return false;
	}
	for (i = 0; tab[i].name != NULL; i++) {
		if (idx[i] == -1 && tab[i].required)
			return false;
		if (idx[i] == -1)
			w[i] = 1;
	}
	return true;
}

static bool
cvss_v3(double *out, const char *vector)
{
	double	w[16], iss, impact, expl, base, pr;
	int	idx[16];
	bool	changed;

	if (strncmp(vector, "CVSS:3.0/", 9) != 0 &&
	    strncmp(vector, "CVSS:3.1/", 9) != 0)
		return false;
	if (!cvss_parse(w, idx, v3_metrics, v3_env, vector + 9))
		return false;
	changed = idx[4] == 1;
	pr = w[2];
	if (changed && idx[2] == 1)
		pr = 0.68;
	else if (changed && idx[2] == 2)
		pr = 0.5;
	iss = 1 - (1 - w[5]) * (1 - w[6]) * (1 - w[7]);
	if (changed)
		impact = 7.52 * (iss - 0.029) - 3.25 * cvss_pow15(iss - 0.02);
	else
		impact = 6.42 * iss;
	expl = 8.22 * w[0] * w[1] * pr * w[3];
	if (impact <= 0)
		base = 0;
	else if (changed)
		base = cvss_roundup(cvss_min10(1.08 * (impact + expl)));
	else
		base = cvss_roundup(cvss_min10(impact + expl));
	*out = cvss_roundup(base * w[8] * w[9] * w[10]);
	return true;
}

/* v2 temporal metrics spell values with up to three letters. */
static bool
cvss_v2_temporal(double *f, const char *s)
{
	static const struct { const char *m; double w; } t[] = {
		{ "E:U", 0.85 }, { "E:POC", 0.9 }, { "E:F", 0.95 },
		{ "E:H", 1 }, { "E:ND", 1 }, { "RL:OF", 0.87 },
		{ "RL:TF", 0.9 }, { "RL:W", 0.95 }, { "RL:U", 1 },
		{ "RL:ND", 1 }, { "RC:UC", 0.9 }, { "RC:UR", 0.95 },
		{ "RC:C", 1 }, { "RC:ND", 1 }, { NULL, 0 }
	};
	size_t	i, n;

	for (i = 0; t[i].m != NULL; i++) {
		n = strlen(t[i].m);
		if (strncmp(s, t[i].m, n) == 0 && (s[n] == '\0' ||
		    s[n] == '/')) {
			*f *= t[i].w;
			return true;
		}
	}
	return false;
}

static bool
cvss_v2(double *out, const char *vector)
{
	char		 base_part[64];
	const char	*p;
	double		 w[8], impact, expl, f, temporal = 1;
	int		 idx[8], nbase;
	size_t		 len;

	if (vector[0] == '(')
		vector++;
	/* The six base metrics come first; temporal ones may follow. */
	for (p = vector, nbase = 0; *p != '\0' && nbase < 6; p++)
		if (*p == '/')
			nbase++;
	len = nbase == 6 ? (size_t)(p - vector - 1) : strlen(vector);
	if (len > 0 && vector[len - 1] == ')')
		len--;
	if (len >= sizeof(base_part))
		return false;
	memcpy(base_part, vector, len);
	base_part[len] = '\0';
	if (!cvss_parse(w, idx, v2_metrics, NULL, base_part))
		return false;
	for (p = vector + len; *p == '/'; ) {
		if (!cvss_v2_temporal(&temporal, p + 1))
			return false;
		p = strchr(p + 1, '/');
		if (p == NULL)
			break;
	}
	impact = 10.41 * (1 - (1 - w[3]) * (1 - w[4]) * (1 - w[5]));
	expl = 20 * w[0] * w[1] * w[2];
	f = impact == 0 ? 0 : 1.176;
	*out = (double)cvss_round(((0.6 * impact) + (0.4 * expl) - 1.5) * f *
	    10) / 10;
	*out = (double)cvss_round(*out * temporal * 10) / 10;
	return true;
}

/* CVSS v4.0 section 7: "CVSS:4.0/" then NAME:VALUE pairs. */
static bool
cvss_v40(const char *vector)
{
	const char	*p;

	if (strncmp(vector, "CVSS:4.0/", 9) != 0 || vector[9] == '\0')
		return false;
	for (p = vector + 9; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    *p == ':' || *p == '/'))
			return false;
	return strstr(vector, "/AV:") != NULL && p[-1] != '/';
}

bool
trivy_cvss_score(double *score_out, enum trivy_cvss_kind kind,
    const char *vector)
{
	*score_out = 0;
	if (strlen(vector) > 256)
		return false;
	switch (kind) {
	case TRIVY_CVSS_V2:
		return cvss_v2(score_out, vector);
	case TRIVY_CVSS_V3:
		return cvss_v3(score_out, vector);
	case TRIVY_CVSS_V40:
		return cvss_v40(vector);
	}
	return false;
}

int
trivy_cvss_severity(double score)
{
	if (score >= 9.0)
		return 4;
	if (score >= 7.0)
		return 3;
	if (score >= 4.0)
		return 2;
	if (score >= 0.1)
		return 1;
	return 0;
}
