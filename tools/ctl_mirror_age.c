/*
 * exportctl mirror decrypt: an age-encrypted mirror back to the
 * plaintext mirror it was built from (ec_mirror_age.h).
 */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "ec_age.h"
#include "ec_mirror_age.h"
#include "exportctl.h"

int
cmd_mirror_decrypt(struct cli *c, int argc, char **argv)
{
	struct ec_age_identity	ids[EC_AGE_MAX_IDENTITIES];
	struct ec_err		err;
	const char		*out = NULL;
	size_t			n = 0, files;
	int			rc;

	if ((rc = cli_decrypt_opts(c, argc, argv, ids, &n, &out,
	    "mirror decrypt")) != EXIT_OK)
		goto out;
	if (out == NULL) {
		rc = cli_usage("mirror decrypt: expected \"mirror decrypt -i "
		    "IDENTITY_FILE DIR --out DIR2\"");
		goto out;
	}
	if (ec_mirror_age_decrypt(&files, argv[optind], ids, n, out,
	    &err) == -1) {
		rc = cli_fail(c, &err);
		goto out;
	}
	if (!c->json)
		printf("decrypted %s: %zu files to %s\n", argv[optind], files,
		    out);
	cli_emit(c, json_pack("{s:b, s:s, s:s, s:I}", "ok", 1, "path", out,
	    "from", argv[optind], "decrypted", (json_int_t)files));
	rc = EXIT_OK;
out:
	ec_age_identity_wipe(ids, n);
	return rc;
}
