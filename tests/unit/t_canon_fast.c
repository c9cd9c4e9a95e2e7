/*
 * tests/unit/t_canon_fast.c: the one-pass canonicaliser (ec_canon_fast())
 * against the general path (ec_canon_parse() then ec_canon_dump()), on
 * hand-made texts and on every JSON file under tests/fixtures and
 * tests/data (and ../shared/fixtures when it is there), whole and cut
 * short.  Whatever the fast path accepts, the general path must accept
 * with the very same bytes; what the general path refuses, the fast path
 * must decline.  The top-level members it picks must be where it says.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "ec_canon.h"
#include "ec_limits.h"

#define T_OUT_MAX	(4 * 1024 * 1024)
#define T_FILE_MAX	(8 * 1024 * 1024)
#define T_MAX_REPORTED	10

struct t_stats {
	int	files, fast, slow_only, bad, reported;
};

static const char *const t_pick_names[] = { "id", "modified", "b", "" };
#define T_PICKS	(sizeof(t_pick_names) / sizeof(t_pick_names[0]))

/* Does every found pick hold the canonical form of that member? */
static bool
t_picks_right(const struct ec_canon_pick *picks, const char *out,
    const json_t *root)
{
	struct ec_buf	 want;
	struct ec_err	 err;
	const json_t	*v;
	size_t		 i;
	bool		 right = true;

	for (i = 0; i < T_PICKS; i++) {
		v = json_is_object(root) ?
		    json_object_get(root, picks[i].name) : NULL;
		if ((v != NULL) != picks[i].found) {
			right = false;
			continue;
		}
		if (v == NULL)
			continue;
		ec_buf_init(&want, T_OUT_MAX);
		if (ec_canon_dump(&want, v, &err) == -1 ||
		    want.len != picks[i].len ||
		    memcmp(want.data, out + picks[i].off, want.len) != 0)
			right = false;
		ec_buf_dispose(&want);
	}
	return right;
}

/*
 * Compare the two paths on one text.  Returns 1 when the fast path took
 * it, 0 when it declined, -1 when they disagree.
 */
static int
t_compare(const char *in, size_t len, const char **why)
{
	struct ec_canon_pick	 picks[T_PICKS];
	struct ec_buf		 fast, slow;
	struct ec_err		 err;
	json_t			*root;
	size_t			 i;
	int			 rc, got;

	for (i = 0; i < T_PICKS; i++)
		picks[i].name = t_pick_names[i];
	ec_buf_init(&fast, T_OUT_MAX);
	ec_buf_init(&slow, T_OUT_MAX);
	got = ec_canon_fast(&fast, picks, T_PICKS, in, len, &err);
	root = ec_canon_parse(in, len, &err);
	if (root != NULL && ec_canon_dump(&slow, root, &err) == -1) {
		json_decref(root);
		root = NULL;
	}
	rc = got == 0 ? 1 : 0;
	*why = NULL;
	if (got == -1)
		*why = "fast path failed";
	else if (got == 1 && fast.len != 0)
		*why = "declined but wrote output";
	else if (got == 0 && root == NULL)
		*why = "fast path accepted what the general path refuses";
	else if (got == 0 && (fast.len != slow.len ||
	    memcmp(fast.data, slow.data, fast.len) != 0))
		*why = "different bytes";
	else if (got == 0 && !t_picks_right(picks, fast.data, root))
		*why = "picks in the wrong place";
	if (*why != NULL)
		rc = -1;
	json_decref(root);
	ec_buf_dispose(&fast);
	ec_buf_dispose(&slow);
	return rc;
}

/* want: 1 the fast path must take it, 0 it must decline, -1 either. */
static void
t_case(const char *in, int want, const char *what)
{
	const char	*why;
	int		 got;

	got = t_compare(in, strlen(in), &why);
	ok(got != -1 && (want == -1 || got == want), "%s: %s", what,
	    why != NULL ? why : got == 1 ? "fast" : "declined");
}

static void
test_cases(void)
{
	t_case("{\"id\":\"A-1\",\"modified\":\"2024-01-01T00:00:00Z\"}", 1,
	    "canonical object");
	t_case(" {\n \"modified\" : \"x\",\r\n\t\"id\" : \"y\" } ", 1,
	    "whitespace, members out of order");
	t_case("{\"b\":{\"z\":1,\"y\":[3,{\"q\":1,\"p\":2}]},\"a\":0}", 1,
	    "nested objects out of order");
	t_case("{\"\xef\xbc\xa1\":1,\"\xf0\x9f\x98\x80\":2}", 1,
	    "UTF-16 order: U+1F600 before U+FF21");
	t_case("{\"ab\":1,\"a\":2,\"\":3,\"b\":4,\"aa\":5}", 1,
	    "prefixes first, empty name");
	t_case("[\"\\u0000\\u001f\\b\\f\\n\\r\\t\\\"\\\\\\/\\u0041\"]", 1,
	    "escapes re-escaped");
	t_case("\"\\u00e9\\u2028\\u007f\\ud83d\\ude00\\uD83D\\uDE00\"", 1,
	    "escapes to UTF-8, surrogate pairs");
	t_case("\"\xc3\xa9\xe2\x80\xa8\x7f\xf0\x9f\x98\x80\"", 1,
	    "raw UTF-8 kept");
	t_case("[0,-0,1,-1,123456789012345,-999999999999999]", 1,
	    "short integers");
	t_case("[1.0,1.5,-0.0,1e2,1E-7,1e21,0.000001,123.456e-2,5e-324]", 1,
	    "reals through the double");
	t_case("[1.7976931348623157e308,4.9e-324,2.2250738585072014e-308]", 1,
	    "reals at the edges of the range");
	t_case("[true,false,null,[],{},[[]],{\"a\":{}}]", 1, "literals, empty");
	t_case("[1234567890123456,9007199254740993,1e400,1e-400]", 0,
	    "long integers and out-of-range reals: general path");
	t_case("{\"a\\u0062\":1}", 0, "escape in a name: general path");
	t_case("{\"a\":1,\"a\":2}", 0, "duplicate adjacent names");
	t_case("{\"b\":1,\"a\":2,\"b\":3}", 0, "duplicate names apart");
	t_case("\"\\ud800\"", 0, "lone high surrogate");
	t_case("\"\\udc00x\"", 0, "lone low surrogate");
	t_case("\"\\ud800\\u0041\"", 0, "high surrogate, no low one");
	t_case("\"\xc0\xaf\"", 0, "overlong UTF-8");
	t_case("\"\xed\xa0\x80\"", 0, "encoded surrogate");
	t_case("\"a\x01\"", 0, "raw control character");
	t_case("\"\\x\"", 0, "unknown escape");
	t_case("\"\\u12g4\"", 0, "bad hex digit");
	t_case("[01]", 0, "leading zero");
	t_case("[1.]", 0, "fraction without digits");
	t_case("[.5]", 0, "no integer part");
	t_case("[-]", 0, "lone minus");
	t_case("[1e]", 0, "exponent without digits");
	t_case("[+1]", 0, "plus sign");
	t_case("[1,]", 0, "trailing comma");
	t_case("{\"a\":1,}", 0, "trailing comma in object");
	t_case("{\"a\" 1}", 0, "missing colon");
	t_case("[tru]", 0, "cut literal");
	t_case("[truex]", 0, "literal with tail");
	t_case("{} {}", 0, "trailing data");
	t_case("", 0, "empty text");
	t_case("\xef\xbb\xbf{}", 0, "byte order mark");
	t_case("{\"a\":[1,2", 0, "cut short");
}

static void
t_deep(void)
{
	char	*s;
	size_t	 i, n = EC_CANON_MAX_DEPTH + 1;
	int	 got;
	const char	*why;

	s = malloc(2 * n + 1);
	if (s == NULL) {
		ok(0, "deep: no memory");
		return;
	}
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[2 * n - 1 - i] = ']';
	}
	got = t_compare(s + 1, 2 * n - 2, &why);
	ok(got == 1, "nesting at the bound is taken: %s", why ? why : "ok");
	got = t_compare(s, 2 * n, &why);
	ok(got == 0, "nesting past the bound is declined: %s",
	    why ? why : "ok");
	free(s);
}

static void
t_file(struct t_stats *st, const char *path)
{
	FILE		*fp;
	char		*buf;
	const char	*why;
	size_t		 len, cut;
	int		 got;

	if ((fp = fopen(path, "rb")) == NULL)
		return;
	buf = malloc(T_FILE_MAX);
	len = buf != NULL ? fread(buf, 1, T_FILE_MAX, fp) : 0;
	(void)fclose(fp);
	st->files++;
	got = t_compare(buf, len, &why);
	if (got == 1)
		st->fast++;
	else if (got == 0)
		st->slow_only++;
	/* Cut short at a few places: must decline, never disagree. */
	for (cut = len / 3; got != -1 && cut < len && cut > 0;
	    cut += len / 3 + 1)
		if (t_compare(buf, cut, &why) == -1)
			got = -1;
	if (got == -1) {
		st->bad++;
		if (st->reported++ < T_MAX_REPORTED)
			printf("# %s: %s\n", path, why);
	}
	free(buf);
}

static void
t_walk(struct t_stats *st, const char *dir, int depth)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*d;
	char		 path[4096];
	size_t		 n;
	int		 w;

	if (depth > 16 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		w = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (w < 0 || (size_t)w >= sizeof(path) ||
		    lstat(path, &sb) == -1)
			continue;
		n = strlen(de->d_name);
		if (S_ISDIR(sb.st_mode))
			t_walk(st, path, depth + 1);
		else if (S_ISREG(sb.st_mode) && n > 5 &&
		    strcmp(de->d_name + n - 5, ".json") == 0)
			t_file(st, path);
	}
	(void)closedir(d);
}

static void
test_files(void)
{
	struct t_stats	st;
	struct stat	sb;

	memset(&st, 0, sizeof(st));
	t_walk(&st, "tests/fixtures", 0);
	t_walk(&st, "tests/data", 0);
	if (stat("../shared/fixtures", &sb) == 0)
		t_walk(&st, "../shared/fixtures", 0);
	printf("# %d files: %d fast, %d general path only, %d disagree\n",
	    st.files, st.fast, st.slow_only, st.bad);
	ok(st.files > 100 && st.bad == 0,
	    "every fixture: both paths agree, whole and cut short");
	/* Real documents are the point of the fast path: most must take it. */
	ok(st.fast > st.files / 2, "most fixtures take the fast path");
}

int
main(void)
{
	test_cases();
	t_deep();
	test_files();
	return done_testing();
}
