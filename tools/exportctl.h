/*
 * exportctl's own header: what the command files (tools/ctl_*.c) share
 * with the entry point (tools/exportctl.c).  Nothing in lib/ uses it.
 */
#ifndef EXPORTCTL_H
#define EXPORTCTL_H

#include <getopt.h>
#include <stdbool.h>

#include <jansson.h>

#include "ec_db.h"
#include "ec_err.h"
#include "ec_key.h"

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_ERROR = 2, EXIT_VERIFY = 3 };

struct cli {
	const char	*db;
	bool		 json;
	bool		 strict;	/* refuse what would only be warned */
};

/* Common options every subcommand accepts after its name. */
#define CLI_COMMON_OPTS							\
	{ "db", required_argument, NULL, 'D' },				\
	{ "json", no_argument, NULL, 'J' },				\
	{ "strict", no_argument, NULL, 'X' },				\
	{ "help", no_argument, NULL, 'h' }

/* The usage line with "fmt", then the whole usage text; EXIT_USAGE. */
int	cli_usage(const char *fmt, ...) EC_PRINTF(1, 2);
/* Print a result object (stolen) when --json is on. */
void	cli_emit(const struct cli *c, json_t *o);
/* The one error line, and the JSON form of it; returns the exit code. */
int	cli_fail(const struct cli *c, const struct ec_err *err);
/* Take a common option (--db, --json, --strict, --help); false: not one. */
bool	cli_common(struct cli *c, int ch);
/* Connect, warning once when row-level security is not in force. */
int	cli_connect(struct ec_db **out, const struct cli *c,
	    struct ec_err *err);
/* Load a private key, warning (or with --strict refusing) when exposed. */
int	cli_load_signer(const struct cli *c, struct ec_signer **out,
	    const char *path, struct ec_err *err);

/*
 * The options of decrypt and mirror decrypt ("what"): -i IDENTITY_FILE,
 * repeatable, into ids[*n] (EC_AGE_MAX_IDENTITIES), -o/--out into *out,
 * and one operand left at argv[optind].  EXIT_OK, or the exit code
 * after the message; wipe "ids" in every case.
 */
struct ec_age_identity;
int	cli_decrypt_opts(struct cli *c, int argc, char **argv,
	    struct ec_age_identity *ids, size_t *n, const char **out,
	    const char *what);

/* The commands: argv[0] is the command's name; returns the exit code. */
int	cmd_build(struct cli *c, int argc, char **argv);
int	cmd_db(struct cli *c, int argc, char **argv);
int	cmd_decrypt(struct cli *c, int argc, char **argv);
int	cmd_encrypt(struct cli *c, int argc, char **argv);
int	cmd_estimate(struct cli *c, int argc, char **argv);
int	cmd_ingest(struct cli *c, int argc, char **argv);
int	cmd_join(struct cli *c, int argc, char **argv);
int	cmd_keys(struct cli *c, int argc, char **argv);
int	cmd_mirror(struct cli *c, int argc, char **argv);
int	cmd_mirror_decrypt(struct cli *c, int argc, char **argv);
int	cmd_policy(struct cli *c, int argc, char **argv);
int	cmd_profiles(struct cli *c, int argc, char **argv);
int	cmd_push(struct cli *c, int argc, char **argv);
int	cmd_run(struct cli *c, int argc, char **argv);
int	cmd_schedule(struct cli *c, int argc, char **argv);
int	cmd_split(struct cli *c, int argc, char **argv);
int	cmd_tuf(struct cli *c, int argc, char **argv);
int	cmd_verify(struct cli *c, int argc, char **argv);

#endif
