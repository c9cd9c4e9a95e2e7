/* ec_pgcopy: the binary COPY stream of PostgreSQL, parsed in bounds. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ec_buf.h"
#include "ec_pgcopy.h"

/* "PGCOPY\n\377\r\n\0", then 32-bit flags and header extension length. */
static const char	pgcopy_sig[11] = "PGCOPY\n\377\r\n";
#define PGCOPY_HEADER	19

enum pgcopy_state { PC_HEADER, PC_TUPLES, PC_DONE, PC_FAILED };

struct ec_pgcopy {
	int			 nfields;
	size_t			 max_tuple;
	enum pgcopy_state	 state;
	struct ec_buf		 pend;	/* a partial tuple, <= max_tuple */
	uint64_t		 tuples;
	bool			 more;	/* the last parse lacked bytes */
};

static uint32_t
pgcopy_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

int
ec_pgcopy_new(struct ec_pgcopy **out, int nfields, size_t max_tuple,
    struct ec_err *err)
{
	struct ec_pgcopy	*c;

	if (nfields < 1 || nfields > EC_PGCOPY_MAX_FIELDS)
		return ec_err_set(err, EC_ERR_INTERNAL,
		    "pgcopy: %d fields", nfields);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return ec_err_nomem(err);
	c->nfields = nfields;
	c->max_tuple = max_tuple;
	c->state = PC_HEADER;
	ec_buf_init(&c->pend, max_tuple);
	*out = c;
	return 0;
}

void
ec_pgcopy_free(struct ec_pgcopy *c)
{
	if (c == NULL)
		return;
	ec_buf_dispose(&c->pend);
	free(c);
}

/*
 * The signature, flags and extension.  Flag bit 16 asks for OIDs, which
 * would add a field; the other high bits are critical by definition
 * (PostgreSQL, COPY, "Binary Format"), so none may be set.
 */
static int
pgcopy_header(struct ec_pgcopy *c, const unsigned char *p, size_t len,
    size_t *need, struct ec_err *err)
{
	uint32_t	ext;

	if (len < PGCOPY_HEADER) {
		if (memcmp(p, pgcopy_sig, len < 11 ? len : 11) != 0)
			goto bad;
		*need = PGCOPY_HEADER;
		c->more = true;
		return 0;
	}
	if (memcmp(p, pgcopy_sig, 11) != 0 ||
	    (pgcopy_be32(p + 11) & 0xffff0000u) != 0)
		goto bad;
	ext = pgcopy_be32(p + 15);
	if (ext > c->max_tuple - PGCOPY_HEADER)
		return ec_err_set(err, EC_ERR_DB,
		    "database: COPY header extension of %lu bytes",
		    (unsigned long)ext);
	*need = PGCOPY_HEADER + (size_t)ext;
	if (len < *need) {
		c->more = true;
		return 0;
	}
	c->state = PC_TUPLES;
	return 0;
bad:
	return ec_err_set(err, EC_ERR_DB,
	    "database: not a binary COPY stream");
}

/*
 * One tuple from the "len" bytes at "p": *need is the bytes used, or,
 * with c->more set, the bytes required when they are not all there yet.
 */
static int
pgcopy_tuple(struct ec_pgcopy *c, const unsigned char *p, size_t len,
    size_t *need, ec_pgcopy_fn *fn, void *arg, struct ec_err *err)
{
	struct ec_pgcopy_field	 f[EC_PGCOPY_MAX_FIELDS];
	size_t			 off = 2;
	uint32_t		 flen;
	int			 i, n;

	*need = 2;
	if (len < 2)
		goto more;
	n = (int)(int16_t)(uint16_t)((unsigned)p[0] << 8 | p[1]);
	if (n == -1) {
		c->state = PC_DONE;
		return 0;
	}
	if (n != c->nfields)
		return ec_err_set(err, EC_ERR_DB,
		    "database: COPY tuple of %d fields, not %d", n,
		    c->nfields);
	for (i = 0; i < n; i++) {
		*need = off + 4;
		if (*need > c->max_tuple)
			goto big;
		if (len < *need)
			goto more;
		flen = pgcopy_be32(p + off);
		off += 4;
		f[i].null = flen == 0xffffffffu;
		f[i].len = f[i].null ? 0 : flen;
		if (!f[i].null && flen > 0x7fffffffu)
			return ec_err_set(err, EC_ERR_DB,
			    "database: COPY field of negative length");
		if (f[i].len > c->max_tuple - off)
			goto big;
		f[i].p = f[i].null ? NULL : (const char *)p + off;
		off += f[i].len;
		*need = off;
		if (len < off)
			goto more;
	}
	c->tuples++;
	return fn(arg, f, n, err);
more:
	c->more = true;
	return 0;
big:
	return ec_err_set(err, EC_ERR_DB,
	    "database: COPY tuple over %zu bytes", c->max_tuple);
}

static int
pgcopy_one(struct ec_pgcopy *c, const unsigned char *p, size_t len,
    size_t *need, ec_pgcopy_fn *fn, void *arg, struct ec_err *err)
{
	c->more = false;
	switch (c->state) {
	case PC_HEADER:
		return pgcopy_header(c, p, len, need, err);
	case PC_TUPLES:
		return pgcopy_tuple(c, p, len, need, fn, arg, err);
	default:
		return ec_err_set(err, EC_ERR_DB,
		    "database: bytes after the end of a COPY stream");
	}
}

/*
 * A tuple cut between chunks: add only the bytes known to be needed, so
 * that the partial buffer ends where the tuple does and stays bounded.
 */
static int
pgcopy_pending(struct ec_pgcopy *c, const unsigned char **pp, size_t *lenp,
    ec_pgcopy_fn *fn, void *arg, struct ec_err *err)
{
	size_t	need, take;
	int	rc;

	for (;;) {
		rc = pgcopy_one(c, (const unsigned char *)c->pend.data,
		    c->pend.len, &need, fn, arg, err);
		if (rc != 0 || !c->more)
			break;
		if (*lenp == 0)
			return 0;
		take = need - c->pend.len;
		if (take > *lenp)
			take = *lenp;
		if (ec_buf_add(&c->pend, *pp, take, err) == -1)
			return -1;
		*pp += take;
		*lenp -= take;
	}
	ec_buf_reset(&c->pend);
	return rc;
}

int
ec_pgcopy_feed(struct ec_pgcopy *c, const void *data, size_t len,
    ec_pgcopy_fn *fn, void *arg, struct ec_err *err)
{
	const unsigned char	*p = data;
	size_t			 need;
	int			 rc = 0;

	if (c->state == PC_FAILED)
		return ec_err_set(err, EC_ERR_DB,
		    "database: COPY stream already failed");
	while (len > 0 && rc == 0) {
		if (c->pend.len > 0) {
			rc = pgcopy_pending(c, &p, &len, fn, arg, err);
			continue;
		}
		rc = pgcopy_one(c, p, len, &need, fn, arg, err);
		if (rc != 0)
			break;
		if (c->more) {
			/* Fewer than "need" bytes: all of them are kept. */
			rc = ec_buf_add(&c->pend, p, len, err);
			break;
		}
		p += need;
		len -= need;
	}
	if (rc != 0)
		c->state = PC_FAILED;
	return rc;
}

int
ec_pgcopy_end(struct ec_pgcopy *c, uint64_t *tuples_out, struct ec_err *err)
{
	if (c->state != PC_DONE || c->pend.len > 0)
		return ec_err_set(err, EC_ERR_DB,
		    "database: COPY stream ended early");
	*tuples_out = c->tuples;
	return 0;
}
