/* exportctl keys, encrypt, decrypt, split, join and tuf. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "ec_age.h"
#include "ec_err.h"
#include "ec_key.h"
#include "ec_num.h"
#include "ec_split.h"
#include "ec_time.h"
#include "ec_mirror.h"
#include "ec_tuf.h"
#include "exportctl.h"

/* keys generate --type age: an X25519 identity and its recipient. */
static int
keys_age(const struct cli *c, const char *dir)
{
	struct ec_err	err;
	char		r[EC_AGE_RECIPIENT_SIZE];

	if (ec_age_keygen(r, dir, &err) == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("%s/%s\n%s/%s\nrecipient %s\n", dir,
		    EC_AGE_IDENTITY_FILE, dir, EC_AGE_RECIPIENTS_FILE, r);
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:s, s:s}", "ok", 1, "type",
	    "age", "recipient", r, "identity", EC_AGE_IDENTITY_FILE,
	    "recipients", EC_AGE_RECIPIENTS_FILE));
	return EXIT_OK;
}

int
cmd_keys(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
					    { "type", required_argument, NULL,
					    'y' },
					    { "out", required_argument, NULL,
					    'o' },
					    { NULL, 0, NULL, 0 } };
	enum ec_key_type		 type;
	struct ec_err			 err;
	char				 keyid[EC_KEY_ID_SIZE];
	const char			*tname = NULL, *dir = NULL;
	int				 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'y')
			tname = optarg;
		else if (ch == 'o')
			dir = optarg;
		else if (!cli_common(c, ch))
			return cli_usage("keys: bad option");
	}
	if (optind + 1 != argc || strcmp(argv[optind], "generate") != 0 ||
	    tname == NULL || dir == NULL)
		return cli_usage("keys: expected \"keys generate --type T "
		    "--out DIR\"");
	if (strcmp(tname, "age") == 0)
		return keys_age(c, dir);
	if (ec_key_type_parse(&type, tname, &err) == -1)
		return cli_usage("keys: --type is ed25519, ecdsa-p256 or age");
	if (ec_key_dir_exposed(dir))
		fprintf(stderr, "exportctl: warning: %s is writable by others, "
		    "who could replace the keys in it\n", dir);
	if (ec_key_generate(keyid, dir, type, &err) == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("%s/%s\n%s/%s\nkeyid %s\n", dir, EC_KEY_PRIV_FILE, dir,
		    EC_KEY_PUB_FILE, keyid);
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:s, s:s}", "ok", 1, "type",
	    ec_key_type_name(type), "keyid", keyid, "private",
	    EC_KEY_PRIV_FILE, "public", EC_KEY_PUB_FILE));
	return EXIT_OK;
}

static void
age_print(const struct cli *c, const char *what, const char *out, size_t n)
{
	if (!c->json)
		printf("%s %s (%zu key%s)\n", what, out, n, n == 1 ? "" : "s");
	cli_emit(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "path", out,
	    "keys", (json_int_t)n));
}

int
cmd_encrypt(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "recipient", required_argument, NULL, 'r' },
		{ "recipients-file", required_argument, NULL, 'R' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_age_recipient		 r[EC_AGE_MAX_RECIPIENTS];
	struct ec_err			 err;
	char				 def[4096];
	const char			*out = NULL;
	size_t				 n = 0;
	int				 ch;

	while ((ch = getopt_long(argc, argv, "r:R:o:", opts, NULL)) != -1) {
		if (ch == 'r' && n == EC_AGE_MAX_RECIPIENTS)
			return cli_usage("encrypt: at most %d recipients",
			    EC_AGE_MAX_RECIPIENTS);
		if ((ch == 'r' && ec_age_recipient_parse(&r[n++], optarg,
		    strlen(optarg), &err) == -1) || (ch == 'R' &&
		    ec_age_recipients_read(r, EC_AGE_MAX_RECIPIENTS, &n,
		    optarg, &err) == -1))
			return cli_fail(c, &err);
		if (ch == 'o')
			out = optarg;
		else if (ch != 'r' && ch != 'R' && !cli_common(c, ch))
			return cli_usage("encrypt: bad option");
	}
	if (optind + 1 != argc || n == 0)
		return cli_usage("encrypt: -r or -R and exactly one FILE");
	if (out == NULL && snprintf(def, sizeof(def), "%s.age",
	    argv[optind]) < (int)sizeof(def))
		out = def;
	if (out == NULL)
		return cli_usage("encrypt: FILE name too long");
	if (ec_age_encrypt_file(out, argv[optind], r, n, &err) == -1)
		return cli_fail(c, &err);
	age_print(c, "encrypted", out, n);
	return EXIT_OK;
}

int
cli_decrypt_opts(struct cli *c, int argc, char **argv,
    struct ec_age_identity *ids, size_t *n, const char **out, const char *what)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "identity", required_argument, NULL, 'i' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_err			err;
	int				ch;

	while ((ch = getopt_long(argc, argv, "i:o:", opts, NULL)) != -1) {
		if (ch == 'i' && ec_age_identities_read(ids,
		    EC_AGE_MAX_IDENTITIES, n, optarg, &err) == -1)
			return cli_fail(c, &err);
		if (ch == 'o')
			*out = optarg;
		else if (ch != 'i' && !cli_common(c, ch))
			return cli_usage("%s: bad option", what);
	}
	if (optind + 1 != argc || *n == 0)
		return cli_usage("%s: -i IDENTITY_FILE and exactly one %s",
		    what, strcmp(what, "decrypt") == 0 ? "FILE" : "DIR");
	return EXIT_OK;
}

int
cmd_decrypt(struct cli *c, int argc, char **argv)
{
	struct ec_age_identity		 ids[EC_AGE_MAX_IDENTITIES];
	struct ec_err			 err;
	char				 def[4096];
	const char			*out = NULL, *in;
	size_t				 n = 0, len;
	int				 rc;

	if ((rc = cli_decrypt_opts(c, argc, argv, ids, &n, &out,
	    "decrypt")) != EXIT_OK)
		goto out;
	rc = EXIT_USAGE;
	in = argv[optind];
	len = strlen(in);
	/* FILE.age decrypts to FILE unless -o says otherwise. */
	if (out == NULL && len > 4 && len < sizeof(def) &&
	    strcmp(in + len - 4, ".age") == 0) {
		(void)snprintf(def, sizeof(def), "%.*s", (int)(len - 4), in);
		out = def;
	}
	if (out == NULL) {
		rc = cli_usage("decrypt: FILE does not end in .age; give -o");
		goto out;
	}
	if (ec_age_decrypt_file(out, in, ids, n, &err) == -1)
		rc = cli_fail(c, &err);
	else {
		age_print(c, "decrypted", out, n);
		rc = EXIT_OK;
	}
out:
	ec_age_identity_wipe(ids, n);
	return rc;
}

int
cmd_split(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "size", required_argument, NULL, 's' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_split_result		 res;
	struct ec_signer		*signer = NULL;
	struct ec_err			 err;
	const char			*size = NULL, *key = NULL, *dir = NULL;
	uint64_t			 part;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 's')
			size = optarg;
		else if (ch == 'k')
			key = optarg;
		else if (ch == 'o')
			dir = optarg;
		else if (!cli_common(c, ch))
			return cli_usage("split: bad option");
	}
	if (size == NULL || optind + 1 != argc)
		return cli_usage("split: --size and exactly one FILE");
	if (ec_split_size_parse(&part, size, &err) == -1 ||
	    (key != NULL && ec_signer_load(&signer, key, &err) == -1))
		return cli_fail(c, &err);
	rc = ec_split_file(&res, argv[optind], part, dir, signer, &err);
	ec_signer_free(signer);
	if (rc == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("parts     %u of at most %llu bytes\nmanifest  %s\n"
		    "signed    %s\nsha256    %s\nsize      %llu bytes\n",
		    res.parts, (unsigned long long)part, res.manifest,
		    res.envelope[0] != '\0' ? res.envelope : "no",
		    res.sha256, (unsigned long long)res.size);
	cli_emit(c, json_pack("{s:b, s:i, s:s, s:s, s:s, s:I}", "ok", 1,
	    "parts", (int)res.parts, "manifest", res.manifest, "envelope",
	    res.envelope, "sha256", res.sha256, "size", (json_int_t)res.size));
	return EXIT_OK;
}

int
cmd_join(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "manifest", required_argument, NULL, 'm' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct ec_join_result		 res;
	struct ec_verifier		*key = NULL;
	struct ec_err			 err;
	const char			*man = NULL, *keypath = NULL, *out = NULL;
	int				 ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'm')
			man = optarg;
		else if (ch == 'k')
			keypath = optarg;
		else if (ch == 'o')
			out = optarg;
		else if (!cli_common(c, ch))
			return cli_usage("join: bad option");
	}
	if (out == NULL || optind >= argc)
		return cli_usage("join: --out FILE and at least one PART");
	if (keypath != NULL && ec_verifier_load(&key, keypath, &err) == -1)
		return cli_fail(c, &err);
	rc = ec_split_join(&res, out, (const char *const *)argv + optind,
	    (size_t)(argc - optind), man, key, &err);
	ec_verifier_free(key);
	if (rc == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("joined    %s from %u parts\nsha256    %s\n"
		    "size      %llu bytes\nsignature %s\n", out, res.parts,
		    res.sha256, (unsigned long long)res.size, res.signed_ ?
		    "parts manifest verified" : "not checked (no --key)");
	cli_emit(c, json_pack("{s:b, s:s, s:i, s:s, s:I, s:b}", "ok", 1,
	    "path", out, "parts", (int)res.parts, "sha256", res.sha256,
	    "size", (json_int_t)res.size, "signed", res.signed_));
	return EXIT_OK;
}

/* The repository's files: each FILE copied under its digest. */
static int
tuf_targets(struct ec_tuf_target **out, const char *dir, char **files,
    size_t n, struct ec_err *err)
{
	char	path[4096];
	size_t	i;

	if (snprintf(path, sizeof(path), "%s/targets", dir) >=
	    (int)sizeof(path))
		return ec_err_set(err, EC_ERR_REQUEST_INVALID,
		    "--out: path too long");
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return ec_err_nomem(err);
	for (i = 0; i < n; i++)
		if (ec_tuf_target_add(&(*out)[i], path, files[i], err) == -1)
			return -1;
	return 0;
}

/* The directory, the targets in it, then the metadata naming them. */
static int
tuf_build(struct ec_tuf_repo *r, struct ec_tuf_target **targets,
    const char *dir, const char *meta, char **files, struct ec_err *err)
{
	struct stat	st;
	size_t		i;

	/* Bad input changes nothing: check every FILE before writing. */
	for (i = 0; i < r->n_targets; i++) {
		if (!ec_tuf_target_name_ok(files[i]))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: a target is 1 to %d of [A-Za-z0-9._-], not "
			    "starting with a dot", files[i], EC_TUF_MAX_PATH);
		if (stat(files[i], &st) == -1 || !S_ISREG(st.st_mode))
			return ec_err_set(err, EC_ERR_REQUEST_INVALID,
			    "%s: not a readable regular file", files[i]);
	}
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return ec_err_set(err, EC_ERR_IO, "%s: %s", dir,
		    strerror(errno));
	if (tuf_targets(targets, dir, files, r->n_targets, err) == -1)
		return -1;
	r->targets = *targets;
	return ec_tuf_write(meta, r, err);
}

/* What "tuf write" was given; the keys are owned. */
struct tuf_opts {
	/* --key in keys[0..n), --old-key from keys[EC_TUF_MAX_KEYS]. */
	struct ec_signer	*keys[2 * EC_TUF_MAX_KEYS];
	size_t			 n, n_old;
	uint64_t		 thr;
	int64_t			 us;		/* --expires */
	const char		*dir;
	struct ec_tuf_repo	 r;
};

/* Write the repository the options describe, and say so. */
static int
tuf_run(const struct cli *c, struct tuf_opts *o, char **files, size_t nf)
{
	struct ec_tuf_target	*targets = NULL;
	struct ec_tuf_repo	*r = &o->r;
	struct ec_err		 err;
	char			 meta[4096];
	int			 role, rc;

	for (role = 0; role < EC_TUF_ROLES; role++) {
		r->keys[role] = (const struct ec_signer *const *)o->keys;
		r->n_keys[role] = o->n;
		r->threshold[role] = (unsigned)o->thr;
		r->expires[role] = o->us / 1000000;
	}
	r->old_root_keys = (const struct ec_signer *const *)o->keys +
	    EC_TUF_MAX_KEYS;
	r->n_old_root_keys = o->n_old;
	r->n_targets = nf;
	(void)snprintf(meta, sizeof(meta), "%s/metadata", o->dir);
	if (tuf_build(r, &targets, o->dir, meta, files, &err) == -1)
		rc = cli_fail(c, &err);
	else {
		if (!c->json)
			printf("metadata  %s (root %llu, version %llu)\n"
			    "targets   %zu\n", meta,
			    (unsigned long long)r->root_version,
			    (unsigned long long)r->version, nf);
		cli_emit(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "metadata",
		    meta, "targets", (json_int_t)nf));
		rc = EXIT_OK;
	}
	free(targets);
	return rc;
}

/* tuf rotate: N+1.root.json of a mirror, signed by old and new keys. */
static int
tuf_rotate(const struct cli *c, const struct tuf_opts *o)
{
	struct ec_err	err;
	uint64_t	root;

	if (ec_mirror_rotate(&root, o->dir,
	    (const struct ec_signer *const *)o->keys, o->n, (unsigned)o->thr,
	    (const struct ec_signer *const *)o->keys + EC_TUF_MAX_KEYS,
	    o->n_old, o->us / 1000000, &err) == -1)
		return cli_fail(c, &err);
	if (!c->json)
		printf("root      %s/tuf/metadata/%llu.root.json\n", o->dir,
		    (unsigned long long)root);
	cli_emit(c, json_pack("{s:b, s:s, s:I}", "ok", 1, "mirror", o->dir,
	    "root", (json_int_t)root));
	return EXIT_OK;
}

int
cmd_tuf(struct cli *c, int argc, char **argv)
{
	static const struct option	opts[] = { CLI_COMMON_OPTS,
		{ "key", required_argument, NULL, 'k' },
		{ "threshold", required_argument, NULL, 't' },
		{ "expires", required_argument, NULL, 'e' },
		{ "version", required_argument, NULL, 'v' },
		{ "root-version", required_argument, NULL, 'r' },
		{ "old-key", required_argument, NULL, 'O' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 } };
	struct tuf_opts			 o;
	struct ec_err			 err;
	size_t				 i;
	int				 ch, rc = EXIT_USAGE;

	memset(&o, 0, sizeof(o));
	o.thr = o.r.root_version = o.r.version = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((ch == 'k' && o.n == EC_TUF_MAX_KEYS) ||
		    (ch == 'O' && o.n_old == EC_TUF_MAX_KEYS)) {
			rc = cli_usage("tuf: at most %d keys", EC_TUF_MAX_KEYS);
			goto out;
		}
		if ((ch == 'k' && ec_signer_load(&o.keys[o.n], optarg,
		    &err) == -1) || (ch == 'O' && ec_signer_load(
		    &o.keys[EC_TUF_MAX_KEYS + o.n_old], optarg, &err) == -1) ||
		    (ch == 'e' && ec_time_parse(&o.us, optarg, strlen(optarg),
		    &err) == -1)) {
			rc = cli_fail(c, &err);
			goto out;
		}
		if (ch == 'k')
			o.n++;
		else if (ch == 'O')
			o.n_old++;
		else if (ch == 'o')
			o.dir = optarg;
		else if ((ch == 't' && ec_parse_u64(&o.thr, optarg, 1,
		    EC_TUF_MAX_KEYS) == -1) || (ch == 'v' &&
		    ec_parse_u64(&o.r.version, optarg, 1, INT32_MAX) == -1) ||
		    (ch == 'r' && ec_parse_u64(&o.r.root_version, optarg, 1,
		    INT32_MAX) == -1) || (ch != 'e' && ch != 't' &&
		    ch != 'v' && ch != 'r' && !cli_common(c, ch))) {
			rc = cli_usage("tuf: bad option or number");
			goto out;
		}
	}
	if (optind + 1 == argc && strcmp(argv[optind], "rotate") == 0 &&
	    o.n > 0 && o.n_old > 0 && o.dir != NULL && o.us != 0)
		rc = tuf_rotate(c, &o);
	else if (optind + 1 >= argc || strcmp(argv[optind], "write") != 0 ||
	    o.n == 0 || o.dir == NULL || o.us == 0)
		rc = cli_usage("tuf: expected \"tuf write --key K --expires "
		    "TIME --out DIR FILE...\" or \"tuf rotate --key NEW "
		    "--old-key OLD --expires TIME --out MIRROR\"");
	else
		rc = tuf_run(c, &o, argv + optind + 1,
		    (size_t)(argc - optind - 1));
out:
	for (i = 0; i < o.n; i++)
		ec_signer_free(o.keys[i]);
	for (i = 0; i < o.n_old; i++)
		ec_signer_free(o.keys[EC_TUF_MAX_KEYS + i]);
	return rc;
}
