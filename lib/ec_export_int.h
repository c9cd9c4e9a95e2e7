/*
 * ec_export_int.h: the build state shared by the driver (ec_export.c)
 * and the output files (ec_export_item.c).  Profiles see ec_profile.h.
 */
#ifndef EC_EXPORT_INT_H
#define EC_EXPORT_INT_H

#include <jansson.h>

#include "ec_bundle.h"
#include "ec_export.h"
#include "ec_manifest.h"
#include "ec_publish.h"

/* Kinds of input one export can mix (evidence kinds, policy, ...). */
#define BUILD_MAX_KINDS	8
#define BUILD_PATH_MAX	4096
/* A file below the staging tree: the tree and a relative path. */
#define BUILD_FILE_MAX	(BUILD_PATH_MAX + 128)

struct build_kind {
	char			name[16];
	struct ec_sha256	h;
	uint64_t		docs;
	struct ec_sha256	skip_h;		/* ec_build_skip lines */
	uint64_t		skipped;
};

/* A closed file in the tree, profile's or the driver's. */
struct build_file {
	char		*path;		/* owned, relative to the tree */
	uint8_t		 sha256[EC_SHA256_LEN];
	uint64_t	 size;
	/* Owned; NULL unless the content was compressed as it was written. */
	struct ec_bundle_frames	*frames;
};

struct ec_build {
	struct ec_store			*store;		/* borrowed; NULL */
	const struct ec_export_req	*req;		/* borrowed */
	const struct ec_profile		*profile;	/* borrowed */
	struct ec_selectors		 sel;
	json_t				*sel_json;	/* owned */
	json_t				*params_json;	/* owned; NULL: none */
	char				*pkey[EC_PARAM_MAX];	/* owned */
	char				*pval[EC_PARAM_MAX];	/* owned */
	size_t				 nparams;
	void				*state;		/* the profile's */
	void				(*release)(void *);
	int64_t				 snapshot_us;
	uint64_t			 est_docs, est_outputs, est_bytes;
	struct ec_manifest		*manifest;	/* owned */
	struct build_file		*files;		/* owned */
	size_t				 nfiles, capfiles;
	bool				 files_sorted;
	size_t				 nmeta;		/* EC_FILE_METADATA */
	struct ec_build_item		*open;		/* owned list */
	unsigned			 tmp_seq;
	struct ec_sha256		 inputs;
	uint64_t			 documents;
	uint64_t			 bytes_out;	/* for req->progress */
	uint64_t			 skipped;
	struct build_kind		 kinds[BUILD_MAX_KINDS];
	size_t				 nkinds;
	struct ec_staging		*staging;	/* owned */
	/* ec_build_nested(): the parent's store snapshot is open already. */
	bool				 nested;
	char				 tree[BUILD_PATH_MAX];
	char				 tmp[BUILD_PATH_MAX];
};

/* Add a driver file (manifest, signatures, ...) to the tree. */
int	ec_export_add_own(struct ec_build *b, const char *name, const void *p,
	    size_t len, struct ec_err *err);
/*
 * zstd workers for the bundle and for the files compressed ahead: the
 * request's count, else one per online CPU up to 4.
 */
unsigned	ec_export_workers(const struct ec_build *b);
/* The tree's files sorted by path. */
void	ec_export_files_sort(struct ec_build *b);
/*
 * Transport wrappers (ec_export_wrap.c).  The check runs with the
 * request's other checks; the wrap turns the packed bundle at "from"
 * (BUILD_FILE_MAX bytes) named "name" (256 bytes) into what is
 * published, updating both: "<name>.age", then "<file>.split/".
 */
int	ec_export_wrap_check(const struct ec_build *b, struct ec_err *err);
int	ec_export_wrap(struct ec_export_result *out, struct ec_build *b,
	    char *from, char *name, struct ec_err *err);
/*
 * A directory's wrap: with recipients, the profile's encrypt() turns the
 * sealed tree at "from" into "<staging>/age", and "from" names it.
 */
int	ec_export_wrap_tree(struct ec_export_result *out, struct ec_build *b,
	    char *from, struct ec_err *err);
/*
 * Free space (ec_export_space.c): the estimate from the profile's plan,
 * with statvfs of the staging parent and of the output directory (when
 * not NULL).  The check fails with EC_ERR_IO, naming the file system,
 * when either lacks the space.
 */
void	ec_export_space_measure(struct ec_export_estimate *e,
	    const struct ec_build *b, const char *staging_parent,
	    const char *out_dir);
int	ec_export_space_check(const struct ec_build *b,
	    const char *staging_parent, struct ec_err *err);
/* Discard every file left open. */
void	ec_export_items_discard(struct ec_build *b);
/* Release the list of closed files. */
void	ec_export_files_free(struct ec_build *b);

#endif
