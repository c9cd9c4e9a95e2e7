/*
 * ec_canon_fast: RFC 8785 canonical bytes straight from the text, in one
 * pass and without a Jansson tree.  Parsing into a tree and serialising
 * it costs most of an ingest's CPU (allocation per value, a hash table per
 * object); here each value is written as it is read, and only an object
 * whose members are out of order is rearranged, once its members are
 * written.  Anything out of the ordinary is declined (ec_canon_fast()
 * returns 1) and left to ec_canon.c, whose answer, error message
 * included, is the authoritative one; so this file only has to be right
 * about what it accepts.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ec_canon.h"
#include "ec_canon_int.h"
#include "ec_limits.h"

/*
 * Integer tokens of up to this many digits are exact doubles (10^15 <
 * 2^53) whose ECMAScript form is the token itself, so they are copied.
 */
#define FAST_INT_DIGITS		15
/* Number tokens copied on the stack for strtod(3); longer ones decline. */
#define FAST_NUM_STACK		64
/* Members of open objects kept on the stack before the heap is used. */
#define FAST_MEMBERS		64

/* One member of an object being written: where its text went in out. */
struct fast_member {
	const char	*key;	/* borrowed from the input: raw UTF-8 */
	size_t		 klen;
	size_t		 off, len;	/* in out: "key":value */
};

struct fast {
	const char		*p, *end;	/* the text still to read */
	struct ec_buf		*out;
	struct fast_member	*m;	/* one run per open object */
	size_t			 nm, cap;
	bool			 heap;	/* m was malloc'd */
	struct ec_buf		 tmp;	/* an object's members, reordered */
	size_t			 nodes;	/* values and member names so far */
	struct ec_canon_pick	*picks;
	size_t			 npicks;
	struct ec_err		 err;	/* the last buffer error */
};

static int	fast_value(struct fast *, int);

static int
fast_add(struct fast *f, const void *p, size_t len)
{
	return ec_buf_add(f->out, p, len, &f->err);
}

static bool
fast_digit(const struct fast *f, const char *s)
{
	return s < f->end && *s >= '0' && *s <= '9';
}

/* Skip insignificant whitespace (RFC 8259 section 2). */
static void
fast_ws(struct fast *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' ||
	    *f->p == '\t' || *f->p == '\r'))
		f->p++;
}

/* Is the text at s (len bytes) valid UTF-8, as Jansson requires? */
static bool
fast_utf8(const char *s, size_t len)
{
	size_t		i = 0;
	uint32_t	cp;

	while (i < len) {
		if ((unsigned char)s[i] < 0x80)
			i++;
		else if (canon_utf8_next(&cp, s, len, &i) == -1)
			return false;
	}
	return true;
}

/*
 * Find the end of the string token at f->p (its closing quote), refusing
 * raw control characters (RFC 8259 section 7) and bad UTF-8; note whether
 * it holds escapes.
 */
static int
fast_scan_string(const char **end_out, bool *esc_out, struct fast *f)
{
	const char	*s = f->p + 1;
	bool		 esc = false, high = false;
	unsigned char	 c;

	for (;;) {
		if (s >= f->end)
			return -1;
		c = (unsigned char)*s;
		if (c == '"')
			break;
		if (c == '\\') {
			esc = true;
			s += 2;
		} else if (c < 0x20)
			return -1;
		else {
			high = high || c >= 0x80;
			s++;
		}
	}
	if (high && !fast_utf8(f->p + 1, (size_t)(s - f->p - 1)))
		return -1;
	*end_out = s;
	*esc_out = esc;
	return 0;
}

/* Four hex digits at *s (before "end") as a number; steps past them. */
static int
fast_hex4(uint32_t *out, const char **s, const char *end)
{
	uint32_t	v = 0;
	int		i;
	char		c;

	if (end - *s < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		c = (*s)[i];
		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = v << 4 | (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*s += 4;
	*out = v;
	return 0;
}

/*
 * The code point of a \u escape whose digits start at *s: a surrogate
 * pair is one code point, a lone surrogate is refused (Jansson does).
 */
static int
fast_unicode(uint32_t *out, const char **s, const char *end)
{
	uint32_t	hi, lo;

	if (fast_hex4(&hi, s, end) == -1 || (hi >= 0xdc00 && hi <= 0xdfff))
		return -1;
	if (hi < 0xd800 || hi > 0xdbff) {
		*out = hi;
		return 0;
	}
	if (end - *s < 2 || (*s)[0] != '\\' || (*s)[1] != 'u')
		return -1;
	*s += 2;
	if (fast_hex4(&lo, s, end) == -1 || lo < 0xdc00 || lo > 0xdfff)
		return -1;
	*out = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

/*
 * Write code point "cp" as canon_dump_chars() in ec_canon.c writes it:
 * '"' and '\' escaped, control characters in their short or \u00xx form,
 * everything else as UTF-8.  Never more bytes than its escape took.
 */
static char *
fast_put(char *o, uint32_t cp)
{
	static const char	hex[] = "0123456789abcdef";

	if (cp < 0x20 || cp == '"' || cp == '\\') {
		*o++ = '\\';
		switch (cp) {
		case '"':
			*o++ = '"';
			break;
		case '\\':
			*o++ = '\\';
			break;
		case '\b':
			*o++ = 'b';
			break;
		case '\t':
			*o++ = 't';
			break;
		case '\n':
			*o++ = 'n';
			break;
		case '\f':
			*o++ = 'f';
			break;
		case '\r':
			*o++ = 'r';
			break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[cp >> 4];
			o[4] = hex[cp & 0xf];
			o += 5;
			break;
		}
	} else if (cp < 0x80)
		*o++ = (char)cp;
	else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/* A string value: copied when it has no escapes, else re-escaped. */
static int
fast_string(struct fast *f)
{
	const char	*s, *e;
	char		*o;
	uint32_t	 cp;
	bool		 esc;

	if (fast_scan_string(&e, &esc, f) == -1)
		return -1;
	if (!esc) {
		s = f->p;
		f->p = e + 1;
		return fast_add(f, s, (size_t)(e + 1 - s));
	}
	if (ec_buf_reserve(f->out, (size_t)(e + 1 - f->p), &f->err) == -1)
		return -1;
	o = f->out->data + f->out->len;
	*o++ = '"';
	for (s = f->p + 1; s < e; ) {
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s += 2;
		switch (s[-1]) {
		case '"':
			cp = '"';
			break;
		case '\\':
			cp = '\\';
			break;
		case '/':
			cp = '/';
			break;
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			if (fast_unicode(&cp, &s, e) == -1)
				return -1;
			break;
		default:
			return -1;
		}
		o = fast_put(o, cp);
	}
	*o++ = '"';
	f->out->len = (size_t)(o - f->out->data);
	f->out->data[f->out->len] = '\0';
	f->p = e + 1;
	return 0;
}

/*
 * A number (RFC 8259 section 6).  Short integers are their own canonical
 * form ("-0" aside); other numbers go through the nearest double as
 * Jansson reads them (JSON_DECODE_INT_AS_REAL) and ec_canon.c writes
 * them.  Long integers and numbers past the double range are declined:
 * the I-JSON checks of ec_canon.c decide those.
 */
static int
fast_number(struct fast *f)
{
	char		 buf[FAST_NUM_STACK];
	const char	*s = f->p, *t = f->p;
	bool		 real = false, nonzero = false;
	double		 x;
	size_t		 digits, i;

	if (t < f->end && *t == '-')
		t++;
	if (!fast_digit(f, t))
		return -1;
	if (*t == '0')
		t++;
	else
		while (fast_digit(f, t))
			t++;
	digits = (size_t)(t - s) - (*s == '-');
	if (t < f->end && *t == '.') {
		if (!fast_digit(f, ++t))
			return -1;
		while (fast_digit(f, t))
			t++;
		real = true;
	}
	if (t < f->end && (*t == 'e' || *t == 'E')) {
		t++;
		if (t < f->end && (*t == '+' || *t == '-'))
			t++;
		if (!fast_digit(f, t))
			return -1;
		while (fast_digit(f, t))
			t++;
		real = true;
	}
	f->p = t;
	if (!real && digits == 1 && t[-1] == '0')
		return fast_add(f, "0", 1);
	if (!real && digits <= FAST_INT_DIGITS)
		return fast_add(f, s, (size_t)(t - s));
	if (!real || (size_t)(t - s) >= sizeof(buf))
		return -1;
	for (i = 0; s + i < t && s[i] != 'e' && s[i] != 'E'; i++)
		nonzero = nonzero || (s[i] >= '1' && s[i] <= '9');
	memcpy(buf, s, (size_t)(t - s));
	buf[t - s] = '\0';
	x = strtod(buf, NULL);
	if (isinf(x) || (x == 0 && nonzero))
		return -1;
	return canon_dump_number(f->out, x, &f->err);
}

static int
fast_literal(struct fast *f, const char *lit, size_t n)
{
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, lit, n) != 0)
		return -1;
	f->p += n;
	return fast_add(f, lit, n);
}

static int
fast_array(struct fast *f, int level)
{
	char	c;

	if (level > EC_CANON_MAX_DEPTH || fast_add(f, "[", 1) == -1)
		return -1;
	f->p++;
	fast_ws(f);
	if (f->p < f->end && *f->p == ']') {
		f->p++;
		return fast_add(f, "]", 1);
	}
	for (;;) {
		fast_ws(f);
		if (fast_value(f, level) == -1)
			return -1;
		fast_ws(f);
		if (f->p >= f->end)
			return -1;
		c = *f->p++;
		if (c == ']')
			return fast_add(f, "]", 1);
		if (c != ',' || fast_add(f, ",", 1) == -1)
			return -1;
	}
}

/* Room for one more member on the stack of open objects. */
static int
fast_push(struct fast *f)
{
	struct fast_member	*m;
	size_t			 cap;

	if (f->nm < f->cap)
		return 0;
	cap = 2 * f->cap;
	if ((m = malloc(cap * sizeof(*m))) == NULL)
		return ec_err_nomem(&f->err);
	memcpy(m, f->m, f->nm * sizeof(*m));
	if (f->heap)
		free(f->m);
	f->m = m;
	f->cap = cap;
	f->heap = true;
	return 0;
}

/*
 * One member, written as "name":value.  A name with an escape is
 * declined, so that the name's bytes in the text are the name itself.
 * The member is pushed by index: the stack may move while its value,
 * which may hold objects of its own, is read.
 */
static int
fast_member(struct fast *f, int level)
{
	struct fast_member	*m;
	const char		*e;
	size_t			 i = f->nm;
	bool			 esc;

	if (++f->nodes > EC_MAX_JSON_NODES || f->p >= f->end ||
	    *f->p != '"' || fast_scan_string(&e, &esc, f) == -1 || esc ||
	    fast_push(f) == -1)
		return -1;
	m = &f->m[f->nm++];
	m->key = f->p + 1;
	m->klen = (size_t)(e - m->key);
	m->off = f->out->len;
	if (fast_add(f, f->p, m->klen + 2) == -1)
		return -1;
	f->p = e + 1;
	fast_ws(f);
	if (f->p >= f->end || *f->p++ != ':' || fast_add(f, ":", 1) == -1)
		return -1;
	fast_ws(f);
	if (fast_value(f, level) == -1)
		return -1;
	f->m[i].len = f->out->len - f->m[i].off;
	return 0;
}

static int
fast_member_cmp(const void *a, const void *b)
{
	const struct fast_member	*ma = a, *mb = b;

	return canon_name_cmp(ma->key, ma->klen, mb->key, mb->klen);
}

/*
 * Put the members from "base" on the stack, written from out offset
 * "start" on, in RFC 8785 order; a name twice is declined (I-JSON 2.3).
 * Already sorted, which canonical input always is, costs one comparison
 * per member.
 */
static int
fast_order(struct fast *f, size_t base, size_t start)
{
	struct fast_member	*m = f->m + base;
	size_t			 n = f->nm - base, i, off;
	bool			 sorted = true;
	int			 c;

	for (i = 1; i < n; i++) {
		if ((c = fast_member_cmp(&m[i - 1], &m[i])) == 0)
			return -1;
		sorted = sorted && c < 0;
	}
	if (sorted)
		return 0;
	qsort(m, n, sizeof(*m), fast_member_cmp);
	for (i = 1; i < n; i++)
		if (fast_member_cmp(&m[i - 1], &m[i]) == 0)
			return -1;
	ec_buf_reset(&f->tmp);
	if (ec_buf_add(&f->tmp, f->out->data + start, f->out->len - start,
	    &f->err) == -1)
		return -1;
	ec_buf_truncate(f->out, start);
	for (i = 0; i < n; i++) {
		off = m[i].off - start;
		if (i > 0 && fast_add(f, ",", 1) == -1)
			return -1;
		m[i].off = f->out->len;
		if (fast_add(f, f->tmp.data + off, m[i].len) == -1)
			return -1;
	}
	return 0;
}

/* Note where the picked members of the top-level object went. */
static void
fast_pick(struct fast *f, size_t base)
{
	struct ec_canon_pick	*pk;
	struct fast_member	*m;
	size_t			 i, j, len;

	for (j = 0; j < f->npicks; j++) {
		pk = &f->picks[j];
		len = strlen(pk->name);
		for (i = base; i < f->nm; i++) {
			m = &f->m[i];
			if (m->klen != len ||
			    memcmp(m->key, pk->name, len) != 0)
				continue;
			pk->found = true;
			pk->off = m->off + len + 3;	/* past "name": */
			pk->len = m->len - len - 3;
		}
	}
}

static int
fast_object(struct fast *f, int level)
{
	size_t	base = f->nm, start;
	char	c;

	if (level > EC_CANON_MAX_DEPTH || fast_add(f, "{", 1) == -1)
		return -1;
	f->p++;
	fast_ws(f);
	if (f->p < f->end && *f->p == '}') {
		f->p++;
		return fast_add(f, "}", 1);
	}
	start = f->out->len;
	for (;;) {
		fast_ws(f);
		if (fast_member(f, level) == -1)
			return -1;
		fast_ws(f);
		if (f->p >= f->end)
			return -1;
		c = *f->p++;
		if (c == '}')
			break;
		if (c != ',' || fast_add(f, ",", 1) == -1)
			return -1;
	}
	if (fast_order(f, base, start) == -1)
		return -1;
	if (level == 1)
		fast_pick(f, base);
	f->nm = base;
	return fast_add(f, "}", 1);
}

/* A value inside "level" arrays and objects. */
static int
fast_value(struct fast *f, int level)
{
	if (f->p >= f->end || ++f->nodes > EC_MAX_JSON_NODES)
		return -1;
	switch (*f->p) {
	case '{':
		return fast_object(f, level + 1);
	case '[':
		return fast_array(f, level + 1);
	case '"':
		return fast_string(f);
	case 't':
		return fast_literal(f, "true", 4);
	case 'f':
		return fast_literal(f, "false", 5);
	case 'n':
		return fast_literal(f, "null", 4);
	default:
		return fast_number(f);
	}
}

int
ec_canon_fast(struct ec_buf *out, struct ec_canon_pick *picks,
    size_t npicks, const char *in, size_t len, struct ec_err *err)
{
	struct fast_member	 stack[FAST_MEMBERS];
	struct fast		 f;
	size_t			 i, start = out->len;
	int			 rc = -1;

	for (i = 0; i < npicks; i++)
		picks[i].found = false;
	if (len > EC_MAX_DOC_BYTES)
		return 1;
	memset(&f, 0, sizeof(f));
	f.p = in;
	f.end = in + len;
	f.out = out;
	f.m = stack;
	f.cap = FAST_MEMBERS;
	f.picks = picks;
	f.npicks = npicks;
	ec_buf_init(&f.tmp, out->max);
	fast_ws(&f);
	if (fast_value(&f, 0) == 0) {
		fast_ws(&f);
		rc = f.p == f.end ? 0 : -1;
	}
	if (f.heap)
		free(f.m);
	ec_buf_dispose(&f.tmp);
	if (rc == 0)
		return 0;
	ec_buf_truncate(out, start);
	for (i = 0; i < npicks; i++)
		picks[i].found = false;
	if (f.err.code == EC_ERR_NOMEM) {
		*err = f.err;
		return -1;
	}
	return 1;
}
