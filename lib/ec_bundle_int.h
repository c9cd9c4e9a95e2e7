/*
 * ec_bundle_int.h: what the bundle writer (ec_bundle.c) and the members
 * compressed ahead (ec_bundle_frames.c) share: one zstd configuration and
 * the ustar member header, so a member compressed ahead decodes into the
 * very tar bytes the writer would have compressed itself.
 */
#ifndef EC_BUNDLE_INT_H
#define EC_BUNDLE_INT_H

#include <stdint.h>

#include <zstd.h>

#include "ec_bundle.h"

/* A tar block: headers are one, members are padded to whole ones. */
#define EC_BUNDLE_BLOCK		512
/* Largest worker count we ask for; more buys nothing at level 3. */
#define EC_BUNDLE_WORKERS_MAX	8

/*
 * A compression context at EC_ZSTD_LEVEL, without checksum, with the
 * bundle's job size and "workers" threads (>= 1).  *out is the caller's.
 * EC_ERR_NOMEM, EC_ERR_INTERNAL (a libzstd without threads).
 */
int	ec_bundle_zstd_new(ZSTD_CCtx **out, unsigned workers,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * The ustar (POSIX.1-1988) header of a regular file "name" (at most
 * EC_BUNDLE_NAME_MAX bytes) of "size" bytes: mode 0644, uid/gid 0, no
 * owner names, "mtime", as libarchive's ustar writer makes it.
 * EC_ERR_INTERNAL when the size or the time does not fit the fields.
 */
int	ec_bundle_ustar_header(char out[EC_BUNDLE_BLOCK], const char *name,
	    uint64_t size, int64_t mtime, struct ec_err *err) EC_MUST_CHECK;

/* The file of closed frames, its compressed and uncompressed sizes. */
const char	*ec_bundle_frames_path(const struct ec_bundle_frames *f);
uint64_t	 ec_bundle_frames_in(const struct ec_bundle_frames *f);
uint64_t	 ec_bundle_frames_out(const struct ec_bundle_frames *f);
bool		 ec_bundle_frames_closed(const struct ec_bundle_frames *f);

#endif
