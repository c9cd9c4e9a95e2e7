/*
 * ec_canon: canonical JSON per RFC 8785 (JCS) on Jansson.  Jansson parses
 * and holds the tree; the serialisation is ours, because Jansson neither
 * sorts by UTF-16 code units nor prints numbers the ECMAScript way.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec_canon.h"
#include "ec_canon_int.h"
#include "ec_limits.h"
#include "ec_num.h"

/* Integers up to 2^53 in magnitude are exact doubles; 2^53 + 1 is not. */
#define CANON_MAX_SAFE_INT	(INT64_C(1) << 53)
/* Digits that always identify a double (IEEE 754-2008, 5.12.2). */
#define CANON_MAX_DIGITS	17

/* One object member while its object is being sorted. */
struct canon_member {
	const char	*key;	/* borrowed from the object, valid UTF-8 */
	size_t		 len;
	json_t		*value;	/* borrowed from the object */
};

static int	canon_dump_value(struct ec_buf *, const json_t *, int,
		    struct ec_err *);
static int	canon_shortest(char *, int *, double);

/*
 * Where the scanner is in the text, counted as Jansson counts (1-based
 * lines; a column per character, i.e. per byte that is not a UTF-8
 * continuation byte), so that every message from ec_canon_parse() points
 * the same way.
 */
struct canon_pos {
	size_t	line;
	size_t	column;
};

/* Bytes of a number token copied on the stack for strtod(3). */
#define CANON_NUM_STACK		64
/*
 * Longest integer token that can be an ECMAScript integer form: 21 digits
 * and a sign; from 1e21 up numbers are written with an exponent.
 */
#define CANON_MAX_INT_TOKEN	22

/* A character that continues a number or literal token (RFC 8259 6, 3). */
static bool
canon_token_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-' || c == '+' || c == '.';
}

/*
 * Is the integer token "p" (RFC 8259 6 int, sign included, no fraction or
 * exponent) beyond 2^53 in magnitude?  JSON has no leading zeros, so the
 * digit count decides unless it is 16, the length of 2^53.
 */
static bool
canon_int_big(const char *p, size_t len)
{
	static const char	max[] = "9007199254740992";	/* 2^53 */

	if (len > 0 && p[0] == '-') {
		p++;
		len--;
	}
	if (len != sizeof(max) - 1)
		return len > sizeof(max) - 1;
	return memcmp(p, max, len) > 0;
}

/*
 * Is the integer token "p" (sign included, at most 21 digits) exactly the
 * ECMAScript form of its double "x", the digits RFC 8785 3.2.2.3 writes?
 * Then reading and writing it changes nothing, and the canonical form of
 * every accepted number is accepted again.
 */
static bool
canon_int_is_canonical(const char *p, size_t len, double x)
{
	char	digits[CANON_MAX_DIGITS + 1];
	size_t	i;
	int	k, n;

	if (len > 0 && p[0] == '-') {
		p++;
		len--;
		x = -x;
	}
	if ((k = canon_shortest(digits, &n, x)) == -1 || n < k || n > 21 ||
	    (size_t)n != len || memcmp(p, digits, (size_t)k) != 0)
		return false;
	for (i = (size_t)k; i < len; i++)
		if (p[i] != '0')
			return false;
	return true;
}

/*
 * I-JSON numbers (RFC 7493 2.2, which RFC 8785 3.1 requires): an integer
 * beyond 2^53 in magnitude mostly has no exact double, and a number
 * outside the double range turns into 0 or infinity; either would change
 * the document's meaning without a word, so both are refused.  The one
 * kind of big integer kept is one already written as RFC 8785 writes its
 * double (1e20 as 100000000000000000000): reading it changes nothing, and
 * so every canonical output parses again.  A token that is not a JSON
 * number is left for Jansson to reject.  Subnormal results are kept: they
 * are doubles, only less precise.
 */
static int
canon_check_number(const char *p, size_t len, const struct canon_pos *pos,
    struct ec_err *err)
{
	char		 stack[CANON_NUM_STACK], *s = stack;
	double		 x;
	size_t		 i;
	bool		 real = false, nonzero = false, in_exp = false;
	int		 rc = 0;

	for (i = 0; i < len; i++) {
		if (p[i] == '.' || p[i] == 'e' || p[i] == 'E') {
			real = true;
			in_exp = in_exp || p[i] != '.';
		} else if (!in_exp && p[i] >= '1' && p[i] <= '9')
			nonzero = true;
	}
	if (!real && !canon_int_big(p, len))
		return 0;
	if (!real && len > CANON_MAX_INT_TOKEN)
		goto big;

	if (len >= sizeof(stack) && (s = malloc(len + 1)) == NULL)
		return ec_err_nomem(err);
	memcpy(s, p, len);
	s[len] = '\0';
	x = strtod(s, NULL);
	if (s != stack)
		free(s);
	if (isinf(x) || (x == 0 && nonzero))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "line %zu, column %zu: number %s the range of IEEE 754 "
		    "doubles (RFC 7493 2.2)", pos->line, pos->column,
		    isinf(x) ? "overflows" : "underflows");
	if (real || canon_int_is_canonical(p, len, x))
		return rc;
big:
	return ec_err_set(err, EC_ERR_REQUEST_INVALID, "line %zu, column %zu: "
	    "integer beyond 2^53 in magnitude that no IEEE 754 double holds "
	    "as written (RFC 7493 2.2)", pos->line, pos->column);
}

/*
 * Bound a document before Jansson builds its tree, which costs a few
 * hundred bytes per value: nesting past EC_CANON_MAX_DEPTH (Jansson's
 * descent recurses per level), more than "max_nodes" values and member
 * names, and numbers I-JSON refuses.  Brackets inside strings are
 * skipped; for well-formed JSON the counts are exact, and text that
 * confuses them is malformed, which Jansson rejects anyway.
 */
static int
canon_scan(const char *in, size_t len, size_t max_nodes, struct ec_err *err)
{
	struct canon_pos	pos = { 1, 0 }, tpos = { 1, 0 };
	size_t			i, nodes = 0, tstart = 0;
	int			depth = 0;
	bool			in_string = false, escaped = false;
	bool			in_token = false;
	unsigned char		c;

	for (i = 0; i <= len; i++) {
		c = i < len ? (unsigned char)in[i] : ' ';
		if (i < len && c == '\n') {
			pos.line++;
			pos.column = 0;
		} else if (i < len && (c & 0xc0) != 0x80)
			pos.column++;
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (in_token) {
			if (canon_token_char(c))
				continue;
			in_token = false;
			if ((in[tstart] == '-' || (in[tstart] >= '0' &&
			    in[tstart] <= '9')) && canon_check_number(in +
			    tstart, i - tstart, &tpos, err) == -1)
				return -1;
		}
		if (c == '"' || c == '[' || c == '{' || canon_token_char(c)) {
			if (++nodes > max_nodes)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "line %zu, column %zu: more than %zu "
				    "values and member names", pos.line,
				    pos.column, max_nodes);
		}
		if (c == '"')
			in_string = true;
		else if (canon_token_char(c)) {
			in_token = true;
			tstart = i;
			tpos = pos;
		} else if (c == '[' || c == '{') {
			if (++depth > EC_CANON_MAX_DEPTH)
				return ec_err_set(err, EC_ERR_REQUEST_INVALID,
				    "line %zu, column %zu: nesting deeper "
				    "than %d levels", pos.line, pos.column,
				    EC_CANON_MAX_DEPTH);
		} else if ((c == ']' || c == '}') && depth > 0)
			depth--;
	}
	return 0;
}

/*
 * Jansson's messages quote the input near the error, and that may be
 * invalid UTF-8 or control characters.  The message goes to log lines
 * and into JSON error bodies, so keep only printable ASCII.
 */
static void
canon_clean_message(char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

json_t *
ec_canon_parse(const char *in, size_t len, struct ec_err *err)
{
	return ec_canon_parse_max(in, len, EC_MAX_JSON_NODES, err);
}

json_t *
ec_canon_parse_max(const char *in, size_t len, size_t max_nodes,
    struct ec_err *err)
{
	json_error_t	 jerr;
	json_t		*v;

	if (len > EC_MAX_DOC_BYTES) {
		(void)ec_err_set(err, EC_ERR_TOO_LARGE,
		    "JSON text of %zu bytes exceeds %d (EC_MAX_DOC_BYTES)", len,
		    EC_MAX_DOC_BYTES);
		return NULL;
	}
	if (canon_scan(in, len, max_nodes, err) == -1)
		return NULL;
	/*
	 * RFC 8785 section 3.1 holds input to I-JSON (RFC 7493): unique
	 * names (2.3), numbers as IEEE doubles (2.2), Unicode strings
	 * (2.1; Jansson rejects bad UTF-8 and unpaired surrogate escapes
	 * on its own), where U+0000 is a character like any other, hence
	 * JSON_ALLOW_NUL.  JSON_DECODE_ANY because RFC 8259 section 2
	 * allows any value at the top.  Without JSON_DISABLE_EOF_CHECK,
	 * Jansson rejects anything but whitespace after the value.
	 */
	v = json_loadb(in, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY |
	    JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, &jerr);
	if (v == NULL) {
		/*
		 * Jansson 2.14 returns NULL with the error never filled in
		 * when json_object() or json_array() cannot allocate: that
		 * is memory, not the document.
		 */
		if (json_error_code(&jerr) == json_error_out_of_memory ||
		    jerr.text[0] == '\0')
			(void)ec_err_nomem(err);
		else {
			canon_clean_message(jerr.text);
			(void)ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "line %d, column %d: %s", jerr.line, jerr.column,
			    jerr.text);
		}
		return NULL;
	}
	return v;
}

/*
 * Decode the code point at s[*i] and step past it.  RFC 3629 section 4
 * syntax: no overlong forms, no surrogates, nothing above U+10FFFF.
 * Returns -1 on anything else.
 */
int
canon_utf8_next(uint32_t *out, const char *s, size_t len, size_t *i)
{
	unsigned char	c;
	uint32_t	cp, min;
	size_t		n, k;

	c = (unsigned char)s[*i];
	if (c < 0x80) {
		*out = c;
		(*i)++;
		return 0;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		cp = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		cp = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		cp = c & 0x07;
		min = 0x10000;
	} else
		return -1;
	if (len - *i <= n)
		return -1;
	for (k = 1; k <= n; k++) {
		c = (unsigned char)s[*i + k];
		if ((c & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (c & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*out = cp;
	*i += n + 1;
	return 0;
}

/*
 * Trees built by our own code may hold bytes that Jansson's _nocheck
 * setters never looked at.  Canonical output must be UTF-8 (RFC 8785
 * section 3.2.4), and sorting decodes names, so check before using them.
 */
static int
canon_check_utf8(const char *s, size_t len, const char *what,
    struct ec_err *err)
{
	size_t		i = 0;
	uint32_t	cp;

	while (i < len)
		if (canon_utf8_next(&cp, s, len, &i) == -1)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s is not valid UTF-8", what);
	return 0;
}

/* The first UTF-16 code unit of "cp": a high surrogate above U+FFFF. */
static uint32_t
canon_utf16_lead(uint32_t cp)
{
	if (cp < 0x10000)
		return cp;
	return 0xd800 + ((cp - 0x10000) >> 10);
}

/*
 * Order of member names: compared as arrays of UTF-16 code
 * units, as unsigned integers, a shorter prefix first (RFC 8785 section
 * 3.2.3).  UTF-8 byte order is code point order, which differs from that
 * only when a character above U+FFFF (high surrogate D800-DBFF first)
 * meets one in U+E000-U+FFFF.  So skip the common bytes, back up to the
 * start of the code point they end in, decode one code point from each
 * name and compare those by their UTF-16 units.
 */
int
canon_name_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		n, i, ia, ib;
	uint32_t	ca, cb, ua, ub;

	n = alen < blen ? alen : blen;
	for (i = 0; i < n && a[i] == b[i]; i++)
		continue;
	if (i == n)
		return (alen > blen) - (alen < blen);
	/*
	 * Both names are valid UTF-8 and agree up to i, so a continuation
	 * byte at i in one is one in the other, under the same lead byte.
	 */
	while (i > 0 && ((unsigned char)a[i] & 0xc0) == 0x80)
		i--;
	ia = ib = i;
	if (canon_utf8_next(&ca, a, alen, &ia) == -1 ||
	    canon_utf8_next(&cb, b, blen, &ib) == -1)
		return (unsigned char)a[i] < (unsigned char)b[i] ?
		    -1 : 1;	/* not reached: names were checked */
	ua = canon_utf16_lead(ca);
	ub = canon_utf16_lead(cb);
	if (ua != ub)
		return ua < ub ? -1 : 1;
	/* Two surrogate pairs with one high half: the low halves decide. */
	return ca < cb ? -1 : (ca > cb);
}

/* qsort(3) order of the members of one object. */
static int
canon_member_cmp(const void *a, const void *b)
{
	const struct canon_member	*ma = a, *mb = b;

	return canon_name_cmp(ma->key, ma->len, mb->key, mb->len);
}

/*
 * A string, already checked to be UTF-8, per RFC 8785 section 3.2.2.2
 * (ECMAScript JSON.stringify): '"' and '\' escaped, U+0000-U+001F as the
 * short forms \b \t \n \f \r or else \u00xx in lower case, everything
 * else (U+007F, U+2028, all non-ASCII) as its own UTF-8 bytes.
 */
static int
canon_dump_chars(struct ec_buf *out, const char *s, size_t len,
    struct ec_err *err)
{
	char		 esc[8];
	const char	*e;
	size_t		 i, run = 0;
	unsigned char	 c;

	if (ec_buf_addc(out, '"', err) == -1)
		return -1;
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\b':
			e = "\\b";
			break;
		case '\t':
			e = "\\t";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\r':
			e = "\\r";
			break;
		default:
			(void)snprintf(esc, sizeof(esc), "\\u%04x", c);
			e = esc;
			break;
		}
		if (ec_buf_add(out, s + run, i - run, err) == -1 ||
		    ec_buf_adds(out, e, err) == -1)
			return -1;
		run = i + 1;
	}
	if (ec_buf_add(out, s + run, len - run, err) == -1)
		return -1;
	return ec_buf_addc(out, '"', err);
}

/*
 * Split "%.*e" output ("d.ddde+XX", or "de+XX" for one digit) into its
 * digits and exponent.  Returns the number of digits.
 */
static int
canon_split_e(char *digits, int *exp_out, const char *s)
{
	int	k = 0, exp = 0, neg = 0;

	for (; *s != 'e'; s++)
		if (*s != '.')
			digits[k++] = *s;
	s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s != '\0'; s++)
		exp = exp * 10 + (*s - '0');
	*exp_out = neg ? -exp : exp;
	return k;
}

/* Does d[0].d[1]...d[k-1] x 10^exp read back as exactly x? */
static int
canon_reads_as(const char *d, int k, int exp, double x)
{
	char	s[CANON_MAX_DIGITS + 16];

	(void)snprintf(s, sizeof(s), "%c.%.*se%d", d[0], k - 1, d + 1, exp);
	return strtod(s, NULL) == x;
}

/*
 * Step the k-digit decimal d x 10^exp by one unit in its last place, up
 * or down, keeping k significant digits (so 1.00e5 down is 9.99e4).
 */
static void
canon_step(char *d, int k, int *exp, int up)
{
	int	i;

	if (up) {
		for (i = k - 1; i >= 0 && d[i] == '9'; i--)
			d[i] = '0';
		if (i >= 0)
			d[i]++;
		else {
			d[0] = '1';
			(*exp)++;
		}
		return;
	}
	for (i = k - 1; d[i] == '0'; i--)
		d[i] = '9';
	d[i]--;		/* i >= 0: d[0] is a nonzero leading digit */
	if (d[0] == '0') {
		memmove(d, d + 1, (size_t)k - 1);
		d[k - 1] = '9';
		(*exp)--;
	}
}

/*
 * The shortest decimal that reads back as x (finite, > 0), as ECMA-262
 * 7.1.12.1 step 5 defines it: k digits as few as possible, and among
 * k-digit candidates the one nearest x.  printf's k-digit form is the
 * nearest one (correctly rounded up to DECIMAL_DIG digits: C11 7.21.6.1,
 * which glibc follows), and strtod rounds correctly, so try k = 1, 2, ...
 * until it reads back.  When x is a power of two the doubles below it
 * are twice as dense as those above, so the nearest k-digit decimal can
 * fall just outside x's rounding interval while the one on the other
 * side of x is inside; try that neighbour too, or we would print a digit
 * more than ECMAScript does.  17 digits always read back.  Writes k
 * digits to "digits" and n with x = 0.d1...dk x 10^n; returns k, or -1
 * if nothing read back.
 */
static int
canon_shortest(char *digits, int *n_out, double x)
{
	char	s[CANON_MAX_DIGITS + 16];
	double	y;
	int	k, p, exp;

	for (p = 1; p <= CANON_MAX_DIGITS; p++) {
		(void)snprintf(s, sizeof(s), "%.*e", p - 1, x);
		k = canon_split_e(digits, &exp, s);
		if ((y = strtod(s, NULL)) == x)
			goto found;
		canon_step(digits, k, &exp, y < x);
		if (canon_reads_as(digits, k, exp, x))
			goto found;
	}
	return -1;
found:
	/* Not expected from a shortest form, but harmless: drop zeros. */
	while (k > 1 && digits[k - 1] == '0')
		k--;
	*n_out = exp + 1;
	return k;
}

/*
 * A number per RFC 8785 section 3.2.2.3: the ECMAScript Number-to-String
 * form (ECMA-262 10th edition, the one the RFC cites, section 7.1.12.1;
 * the step numbers below are its).  -0 is "0"; NaN and the infinities
 * have no JSON form and are refused.  With x = 0.d1...dk x
 * 10^n: integers up to 21 digits are written out, other values from
 * 1e-7 up to 1e21 in plain decimal, the rest as d1.d2...dke+-(n-1).
 */
int
canon_dump_number(struct ec_buf *out, double x, struct ec_err *err)
{
	char	buf[48], digits[CANON_MAX_DIGITS + 1];
	size_t	o = 0;
	int	i, k, n;

	if (!isfinite(x))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "NaN or infinite number has no JSON form");
	if (x == 0)
		return ec_buf_addc(out, '0', err);	/* +0 and -0 */
	if (x < 0) {
		buf[o++] = '-';
		x = -x;
	}
	if ((k = canon_shortest(digits, &n, x)) == -1)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "no round-trip form for %.17g", x);
	if (k <= n && n <= 21) {
		/* Step 6: the digits, then n - k zeros. */
		for (i = 0; i < k; i++)
			buf[o++] = digits[i];
		for (i = k; i < n; i++)
			buf[o++] = '0';
	} else if (n > 0 && n <= 21) {
		/* Step 7: a decimal point after the first n digits. */
		for (i = 0; i < k; i++) {
			if (i == n)
				buf[o++] = '.';
			buf[o++] = digits[i];
		}
	} else if (n > -6 && n <= 0) {
		/* Step 8: "0." and -n zeros before the digits. */
		buf[o++] = '0';
		buf[o++] = '.';
		for (i = n; i < 0; i++)
			buf[o++] = '0';
		for (i = 0; i < k; i++)
			buf[o++] = digits[i];
	} else {
		/* Steps 9 and 10: exponent form, always signed. */
		buf[o++] = digits[0];
		if (k > 1) {
			buf[o++] = '.';
			for (i = 1; i < k; i++)
				buf[o++] = digits[i];
		}
		buf[o++] = 'e';
		buf[o++] = n - 1 < 0 ? '-' : '+';
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%d",
		    abs(n - 1));
	}
	return ec_buf_add(out, buf, o, err);
}

/* Members sorted per RFC 8785 section 3.2.3, at every level. */
static int
canon_dump_object(struct ec_buf *out, const json_t *obj, int depth,
    struct ec_err *err)
{
	struct canon_member	*m = NULL;
	json_t			*o;
	void			*it;
	size_t			 n, i, size;
	int			 rc = -1;

	if ((n = json_object_size(obj)) == 0)
		return ec_buf_adds(out, "{}", err);
	if (!ec_size_mul(&size, n, sizeof(*m)))
		return ec_err_nomem(err);
	if ((m = malloc(size)) == NULL)
		return ec_err_nomem(err);
	/* Jansson's iterators take a non-const object but only read it. */
	o = (json_t *)obj;
	for (i = 0, it = json_object_iter(o); it != NULL && i < n;
	    i++, it = json_object_iter_next(o, it)) {
		m[i].key = json_object_iter_key(it);
		m[i].len = json_object_iter_key_len(it);
		m[i].value = json_object_iter_value(it);
		if (canon_check_utf8(m[i].key, m[i].len, "member name",
		    err) == -1)
			goto out;
	}
	n = i;
	qsort(m, n, sizeof(*m), canon_member_cmp);
	if (ec_buf_addc(out, '{', err) == -1)
		goto out;
	for (i = 0; i < n; i++) {
		if ((i > 0 && ec_buf_addc(out, ',', err) == -1) ||
		    canon_dump_chars(out, m[i].key, m[i].len, err) == -1 ||
		    ec_buf_addc(out, ':', err) == -1 ||
		    canon_dump_value(out, m[i].value, depth, err) == -1)
			goto out;
	}
	if (ec_buf_addc(out, '}', err) == -1)
		goto out;
	rc = 0;
out:
	free(m);
	return rc;
}

static int
canon_strcmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
ec_canon_sorted_keys(const char ***out, size_t *n_out, const json_t *obj,
    struct ec_err *err)
{
	const char	**keys, *k;
	json_t		 *v;
	size_t		  n = 0;

	/* One more than the members, so that an empty object allocates. */
	if ((keys = calloc(json_object_size(obj) + 1, sizeof(*keys))) == NULL)
		return ec_err_nomem(err);
	json_object_foreach((json_t *)obj, k, v)
		keys[n++] = k;
	qsort(keys, n, sizeof(*keys), canon_strcmp);
	*out = keys;
	*n_out = n;
	return 0;
}

/*
 * Serialise "v", which sits inside "depth" arrays and objects.  The
 * recursion is bounded by EC_CANON_MAX_DEPTH; that also stops a tree our
 * own code made cyclic by mistake.
 */
static int
canon_dump_value(struct ec_buf *out, const json_t *v, int depth,
    struct ec_err *err)
{
	json_int_t	iv;
	size_t		i, n;

	if (v == NULL)
		return ec_err_set(err, EC_ERR_INTERNAL, "NULL JSON value");
	if ((json_is_object(v) || json_is_array(v)) &&
	    depth >= EC_CANON_MAX_DEPTH)
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "nesting deeper than %d levels", EC_CANON_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return canon_dump_object(out, v, depth + 1, err);
	case JSON_ARRAY:
		if (ec_buf_addc(out, '[', err) == -1)
			return -1;
		n = json_array_size(v);
		for (i = 0; i < n; i++)
			if ((i > 0 && ec_buf_addc(out, ',', err) == -1) ||
			    canon_dump_value(out, json_array_get(v, i),
			    depth + 1, err) == -1)
				return -1;
		return ec_buf_addc(out, ']', err);
	case JSON_STRING:
		if (canon_check_utf8(json_string_value(v),
		    json_string_length(v), "string", err) == -1)
			return -1;
		return canon_dump_chars(out, json_string_value(v),
		    json_string_length(v), err);
	case JSON_INTEGER:
		/*
		 * RFC 8785 section 3.1: numbers must be IEEE doubles.  Past
		 * 2^53 most integers have no double of their own, so what
		 * we wrote would not be what the caller meant, and a
		 * verifier's parser would see another value.  The whole
		 * range is refused so that acceptance does not depend on
		 * the low bits (RFC 7493 section 2.2 gives the same bound).
		 */
		iv = json_integer_value(v);
		if (iv > CANON_MAX_SAFE_INT || iv < -CANON_MAX_SAFE_INT)
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "integer %lld is beyond 2^53 in magnitude",
			    (long long)iv);
		return canon_dump_number(out, (double)iv, err);
	case JSON_REAL:
		return canon_dump_number(out, json_real_value(v), err);
	case JSON_TRUE:
		return ec_buf_adds(out, "true", err);
	case JSON_FALSE:
		return ec_buf_adds(out, "false", err);
	case JSON_NULL:
		return ec_buf_adds(out, "null", err);
	}
	return ec_err_set(err, EC_ERR_INTERNAL, "unknown JSON type");
}

int
ec_canon_dump(struct ec_buf *out, const json_t *v, struct ec_err *err)
{
	size_t	start = out->len;

	if (canon_dump_value(out, v, 0, err) == -1) {
		/* Leave no half-written document behind. */
		ec_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
ec_canon_bytes(struct ec_buf *out, const char *in, size_t len,
    struct ec_err *err)
{
	json_t	*v;
	int	 rc;

	/* The general path below decides whatever the fast one declines. */
	if ((rc = ec_canon_fast(out, NULL, 0, in, len, err)) != 1)
		return rc;
	if ((v = ec_canon_parse(in, len, err)) == NULL)
		return -1;
	rc = ec_canon_dump(out, v, err);
	json_decref(v);
	return rc;
}

int
ec_canon_string(struct ec_buf *out, const char *in, struct ec_err *err)
{
	return ec_canon_bytes(out, in, strlen(in), err);
}
