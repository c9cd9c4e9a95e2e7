/* ec_profile: the registry of export profiles. */
#include <string.h>

#include "ec_export_int.h"
#include "ec_profile.h"

/* Sorted by name, so that listings are stable. */
static const struct ec_profile *const profiles[] = {
	&ec_profile_devportal_offline,
	&ec_profile_json_policy,
	&ec_profile_json_raw,
	&ec_profile_mirror_full,
	&ec_profile_mirror_delta,
	&ec_profile_trivy_db,
	&ec_profile_trivy_java_db,
};

const struct ec_profile *
ec_profile_find(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (strcmp(profiles[i]->name, name) == 0)
			return profiles[i];
	return NULL;
}

const struct ec_profile *const *
ec_profile_all(size_t *n_out)
{
	*n_out = sizeof(profiles) / sizeof(profiles[0]);
	return profiles;
}

void
ec_build_summary(struct ec_build *b, json_t *summary)
{
	ec_manifest_set_summary(b->manifest, summary);
}
