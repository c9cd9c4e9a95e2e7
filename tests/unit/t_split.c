/*
 * tests/unit/t_split.c: part sizes, the parts manifest parser, and split
 * and join round trips in a temporary directory (signed and unsigned,
 * empty, an exact multiple of the part size).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "ec_buf.h"
#include "ec_split.h"

static char	dir[64];

static void
test_sizes(void)
{
	static const struct {
		const char	*s;
		uint64_t	 want;	/* 0: refused */
	} cases[] = {
		{ "4G", 4ULL << 30 }, { "700M", 700ULL << 20 },
		{ "1k", 1024 }, { "1024", 1024 }, { "1T", 1ULL << 40 },
		{ "1023", 0 }, { "2T", 0 }, { "", 0 }, { "G", 0 },
		{ "1.5G", 0 }, { "0", 0 }, { "-1", 0 }, { "1KK", 0 },
		{ "04G", 0 }, { "1 G", 0 }, { "1P", 0 },
		{ "99999999999999999999K", 0 },
	};
	struct ec_err	err;
	uint64_t	v;
	size_t		i;
	int		rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = ec_split_size_parse(&v, cases[i].s, &err);
		ok(cases[i].want == 0 ? rc == -1 && err.code ==
		    EC_ERR_REQUEST_INVALID : rc == 0 && v == cases[i].want,
		    "size \"%s\": %s", cases[i].s, rc == 0 ? "accepted" :
		    err.msg);
	}
}

/* A manifest text must be refused (EC_ERR_VERIFY). */
static void
bad_manifest(const char *text, const char *what)
{
	struct ec_split_manifest	*m = NULL;
	struct ec_err			 err;
	int				 rc;

	rc = ec_split_manifest_parse(&m, text, strlen(text), &err);
	ok(rc == -1 && err.code == EC_ERR_VERIFY, "%s: %s", what,
	    rc == -1 ? err.msg : "accepted");
	ec_split_manifest_free(rc == 0 ? m : NULL);
}

#define H64	"0000000000000000000000000000000000000000000000000000000000000000"
#define PART(i, n, s)	"{\"index\":" #i ",\"name\":\"f.part000" #n \
			"\",\"sha256\":\"" H64 "\",\"size\":" #s "}"

static void
test_manifest(void)
{
	struct ec_split_manifest	*m;
	struct ec_err			 err;
	static const char		 good[] = "{\"name\":\"f\","
	    "\"partSize\":1024,\"parts\":[" PART(1, 1, 1024) ","
	    PART(2, 2, 1) "],\"schemaVersion\":1,\"sha256\":\"" H64 "\","
	    "\"size\":1025}";
	char				 buf[2048];

	ok(ec_split_manifest_parse(&m, good, strlen(good), &err) == 0 &&
	    ec_split_manifest_parts(m) == 2 &&
	    ec_split_manifest_size(m) == 1025 &&
	    strcmp(ec_split_manifest_name(m), "f") == 0,
	    "a consistent manifest parses");
	ec_split_manifest_free(m);
#define SUB(from, to)	do {						\
	const char *p_ = strstr(good, from);				\
	(void)snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p_ - good),	\
	    good, to, p_ + strlen(from));				\
} while (0)
	SUB("\"size\":1025", "\"size\":1026");
	bad_manifest(buf, "sizes that do not add up");
	SUB("\"size\":1025", "\"size\":3000");
	bad_manifest(buf, "more parts than listed");
	SUB("\"size\":1025", "\"size\":1025.5");
	bad_manifest(buf, "a fractional size");
	SUB("\"schemaVersion\":1", "\"schemaVersion\":2");
	bad_manifest(buf, "schema version 2");
	SUB("\"name\":\"f\"", "\"name\":\"../f\"");
	bad_manifest(buf, "a name with a directory");
	SUB("\"name\":\"f\"", "\"name\":\"f\",\"extra\":1");
	bad_manifest(buf, "an unknown member");
	SUB("\"index\":2", "\"index\":3");
	bad_manifest(buf, "a wrong index");
	SUB("f.part0002", "g.part0002");
	bad_manifest(buf, "a part of another name");
	SUB("\"partSize\":1024", "\"partSize\":1000");
	bad_manifest(buf, "a part size below 1 KiB");
	SUB("\"" H64 "\",\"size\":1025", "\"" H64 "0\",\"size\":1025");
	bad_manifest(buf, "a 65-digit digest");
	SUB("\"" H64 "\",\"size\":1025",
	    "\"A000000000000000000000000000000000000000000000000000000000000000\","
	    "\"size\":1025");
	bad_manifest(buf, "uppercase hex");
	bad_manifest("[]", "not an object");
	bad_manifest("{\"name\":", "not JSON");
#undef SUB
}

static void
write_file(const char *path, size_t len)
{
	FILE	*f = fopen(path, "wb");
	size_t	 i;

	for (i = 0; f != NULL && i < len; i++)
		(void)fputc((int)(i * 31 % 251), f);
	if (f == NULL || fclose(f) != 0)
		abort();
}

/* Split "len" bytes in parts of 1 KiB, join them back in reverse. */
static void
round_trip(size_t len, const struct ec_signer *s, const struct ec_verifier *v)
{
	struct ec_split_result	res;
	struct ec_join_result	j;
	struct ec_err		err;
	char			path[256], out[256], parts[16][300];
	const char		*argv[16];
	unsigned		i, n;

	(void)snprintf(path, sizeof(path), "%s/f%zu", dir, len);
	(void)snprintf(out, sizeof(out), "%s/j%zu", dir, len);
	write_file(path, len);
	if (ec_split_file(&res, path, 1024, NULL, s, &err) == -1) {
		ok(0, "split %zu bytes: %s", len, err.msg);
		return;
	}
	n = res.parts;
	for (i = 0; i < n && i < 16; i++) {
		(void)snprintf(parts[i], sizeof(parts[i]), "%s.part%04u", path,
		    i + 1);
		argv[n - 1 - i] = parts[i];
	}
	ok(n == (len == 0 ? 1 : (len + 1023) / 1024) && n <= 16 &&
	    ec_split_join(&j, out, argv, n, NULL, v, &err) == 0 &&
	    j.size == len && strcmp(j.sha256, res.sha256) == 0 &&
	    j.signed_ == (v != NULL), "%zu bytes: %u parts, joined back%s",
	    len, n, v != NULL ? ", signature checked" : "");
}

/* Remove a directory of plain files, and its one level of subdirectories. */
static void
remove_tree(const char *path)
{
	struct dirent	*de;
	DIR		*d;
	char		 p[600];

	if ((d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(p, sizeof(p), "%.300s/%.200s", path, de->d_name);
		if (unlink(p) == -1)
			remove_tree(p);
	}
	(void)closedir(d);
	(void)rmdir(path);
}

int
main(void)
{
	struct ec_signer	*s;
	struct ec_verifier	*v;
	struct ec_buf		 pem;
	struct ec_err		 err;
	char			 keyid[EC_KEY_ID_SIZE], kdir[300], kp[400];

	test_sizes();
	test_manifest();
	/* mkdtemp(3) replaces a trailing run of six 'X'. */
	(void)snprintf(dir, sizeof(dir), "/tmp/t_split.");
	memset(dir + strlen(dir), 'X', 6);
	if (mkdtemp(dir) == NULL)
		abort();
	(void)snprintf(kdir, sizeof(kdir), "%s/k", dir);
	(void)snprintf(kp, sizeof(kp), "%s/" EC_KEY_PRIV_FILE, kdir);
	ec_buf_init(&pem, 4096);
	if (ec_key_generate(keyid, kdir, EC_KEY_ED25519, &err) == -1 ||
	    ec_signer_load(&s, kp, &err) == -1 ||
	    ec_signer_pubkey_pem(&pem, s, &err) == -1 ||
	    ec_verifier_load_mem(&v, pem.data, pem.len, &err) == -1)
		abort();
	round_trip(0, NULL, NULL);
	round_trip(1, NULL, NULL);
	round_trip(1024, NULL, NULL);
	round_trip(3 * 1024, s, v);
	round_trip(5 * 1024 + 7, s, v);
	ec_signer_free(s);
	ec_verifier_free(v);
	ec_buf_dispose(&pem);
	remove_tree(dir);
	return done_testing();
}
