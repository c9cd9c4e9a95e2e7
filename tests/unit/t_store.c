/* tests/unit/t_store.c: the in-memory evidence store and its contract. */
#include <string.h>

#include "tap.h"
#include "ec_store.h"

struct seen {
	char	order[256];
	int	n;
};

static int
collect(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	struct seen	*s = arg;

	(void)err;
	(void)strncat(s->order, d->id, sizeof(s->order) - strlen(s->order) - 1);
	(void)strncat(s->order, "/", sizeof(s->order) - strlen(s->order) - 1);
	(void)strncat(s->order, d->source,
	    sizeof(s->order) - strlen(s->order) - 1);
	(void)strncat(s->order, " ", sizeof(s->order) - strlen(s->order) - 1);
	s->n++;
	return d->len == 2 && d->sha256[64] == '\0' ? 0 : -1;
}

static int
stop(void *arg, const struct ec_store_doc *d, struct ec_err *err)
{
	(void)arg;
	(void)d;
	(void)err;
	return 7;
}

int
main(void)
{
	struct ec_store		*s;
	struct ec_store_stats	 st;
	struct ec_err		 err;
	struct seen		 seen;

	if (ec_store_mem_new(&s, &err) == -1)
		return 1;
	ok(ec_store_mem_add(s, "a", "advisory", "osv", "B", 200, "{}", 2,
	    &err) == 0 &&
	    ec_store_mem_add(s, "a", "advisory", "ghsa", "A", 100, "[]", 2,
	    &err) == 0 &&
	    ec_store_mem_add(s, "a", "advisory", "aaa", "B", -1, "{}", 2,
	    &err) == 0 &&
	    ec_store_mem_add(s, "b", "advisory", "osv", "C", 900, "{}", 2,
	    &err) == 0 &&
	    ec_store_mem_add(s, "a", "vex", "osv", "V", 50, "{}", 2,
	    &err) == 0, "documents added: %s", err.msg);
	ok(ec_store_mem_add(s, "a", "advisory", "osv", "B", 300, "{}", 2,
	    &err) == -1 && err.code == EC_ERR_CONFLICT,
	    "same key twice refused: %s", err.msg);
	ok(ec_store_stats(&st, s, "advisory", &err) == -1 &&
	    err.code == EC_ERR_INTERNAL, "no reads outside a snapshot");
	ok(ec_store_begin(s, "a b", &err) == -1 &&
	    err.code == EC_ERR_REQUEST_INVALID, "bad tenant refused");
	ok(ec_store_begin(s, "a", &err) == 0, "snapshot of tenant a");
	ok(ec_store_begin(s, "a", &err) == -1, "one snapshot at a time");
	ok(ec_store_stats(&st, s, "advisory", &err) == 0 && st.docs == 3 &&
	    st.max_modified_us == 200 && st.bytes == 6,
	    "stats count tenant a only: %llu docs, newest %lld",
	    (unsigned long long)st.docs, (long long)st.max_modified_us);
	memset(&seen, 0, sizeof(seen));
	ok(ec_store_each(s, "advisory", collect, &seen, &err) == 0 &&
	    strcmp(seen.order, "A/ghsa B/aaa B/osv ") == 0,
	    "(upstream id, source) order, tenant a only: %s", seen.order);
	ok(ec_store_each(s, "advisory", stop, NULL, &err) == 7,
	    "a callback's return stops the walk and is passed up");
	ec_store_end(s);
	ok(ec_store_begin(s, "b", &err) == 0 &&
	    ec_store_stats(&st, s, "advisory", &err) == 0 && st.docs == 1 &&
	    st.max_modified_us == 900, "tenant b sees its own document");
	ok(ec_store_stats(&st, s, "sbom", &err) == 0 && st.docs == 0 &&
	    st.max_modified_us == 0 && st.bytes == 0, "an empty kind");
	ec_store_free(s);
	return done_testing();
}
