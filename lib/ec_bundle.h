/*
 * ec_bundle: deterministic tar+zstd bundles.
 *
 * Writing: entries may be added in any order, from memory or streamed;
 * ec_bundle_finish() writes them sorted by path (bytewise) as ustar members
 * with fixed metadata: the snapshot mtime, uid/gid 0, mode 0644, no owner
 * names, then compresses with zstd at EC_ZSTD_LEVEL in libzstd's
 * multithreaded streaming mode.  The same entries give the same bytes on
 * every machine and for every worker count (see ec_bundle_set_workers).
 * Streamed entries are compressed as they arrive, as zstd frames spooled
 * to "<path>.spool/" beside the bundle (ec_bundle_frames), and files
 * already on disk are adopted in place (ec_bundle_add_file, or
 * ec_bundle_add_framed with their frames), so that memory stays bounded
 * whatever the number and size of entries.
 *
 * Reading: ec_bundle_read() walks a bundle someone else may have made and
 * refuses anything a bundle of ours never holds (see there).
 */
#ifndef EC_BUNDLE_H
#define EC_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ec_err.h"
#include "ec_hash.h"

/* Longest entry name: what a plain ustar name field holds. */
#define EC_BUNDLE_NAME_MAX	100
/*
 * zstd job size.  Part of the format: jobs are cut at multiples of it, so
 * changing it changes the bytes of every bundle larger than one job (a
 * mirror delta re-makes a bundle with it, ec_mirror_delta.h).  The
 * level's default (8 MiB at level 3) would hold about four jobs' buffers,
 * over 40 MiB; 2 MiB keeps peak memory near 20 MiB with two workers.
 */
#define EC_BUNDLE_ZSTD_JOB	(2 * 1024 * 1024)

struct ec_bundle;		/* opaque */
struct ec_bundle_stream;	/* opaque, owned by its bundle */

/*
 * Start a bundle at "path" (created O_EXCL; its directory is the staging
 * area).  "mtime" is the snapshot time every member carries.  Once the
 * compressed output would pass "max_bytes", ec_bundle_finish() fails with
 * EC_ERR_TOO_LARGE.  *out is the caller's; EC_ERR_IO, EC_ERR_NOMEM.
 */
int	ec_bundle_new(struct ec_bundle **out, const char *path, int64_t mtime,
	    uint64_t max_bytes, struct ec_err *err) EC_MUST_CHECK;

/*
 * Copy "len" bytes as entry "name"; the bundle keeps its own copy.  Names
 * are relative paths of printable ASCII without "." or ".." components, at
 * most EC_BUNDLE_NAME_MAX bytes, each used once: EC_ERR_INTERNAL otherwise
 * (names are ours, not the user's).
 */
int	ec_bundle_add_mem(struct ec_bundle *b, const char *name,
	    const void *data, size_t len, struct ec_err *err) EC_MUST_CHECK;

/*
 * Open entry "name" for streaming; one stream at a time.  The stream
 * belongs to the bundle: ec_bundle_stream_close() ends it, and
 * ec_bundle_free() discards one left open.
 */
int	ec_bundle_stream_open(struct ec_bundle_stream **out,
	    struct ec_bundle *b, const char *name, struct ec_err *err)
	    EC_MUST_CHECK;
int	ec_bundle_stream_write(struct ec_bundle_stream *s, const void *p,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
/* End the stream; its digest and size go to the outputs (may be NULL). */
int	ec_bundle_stream_close(uint8_t digest_out[EC_SHA256_LEN],
	    uint64_t *size_out, struct ec_bundle_stream *s, struct ec_err *err)
	    EC_MUST_CHECK;

/*
 * Adopt the finished file at "path" as entry "name", with the digest and
 * size the caller computed while writing it (they go into manifests and
 * checksums as given; the file is read only by ec_bundle_finish, and must
 * not change before then).  The file stays the caller's: ec_bundle_free()
 * leaves it.  Name rules and errors as ec_bundle_add_mem().
 */
int	ec_bundle_add_file(struct ec_bundle *b, const char *name,
	    const char *path, const uint8_t digest[EC_SHA256_LEN],
	    uint64_t size, struct ec_err *err) EC_MUST_CHECK;

/*
 * A member's content compressed ahead, while it is produced, into the new
 * file "path" (created O_EXCL): zstd frames with the bundle's parameters
 * and "workers" threads (1 to 8; the bytes are the same for every count),
 * so that compression runs in libzstd's threads beside whatever produces
 * the content.  A bundle given the closed frames (ec_bundle_add_framed)
 * copies them instead of compressing the member again.  *out is the
 * caller's.  EC_ERR_IO, EC_ERR_NOMEM, EC_ERR_REQUEST_INVALID (workers).
 */
struct ec_bundle_frames;	/* opaque */
int	ec_bundle_frames_new(struct ec_bundle_frames **out, const char *path,
	    unsigned workers, struct ec_err *err) EC_MUST_CHECK;
int	ec_bundle_frames_write(struct ec_bundle_frames *f, const void *p,
	    size_t len, struct ec_err *err) EC_MUST_CHECK;
/* End the last frame, close the file and free the compressor.  EC_ERR_IO. */
int	ec_bundle_frames_close(struct ec_bundle_frames *f, struct ec_err *err)
	    EC_MUST_CHECK;
/* Release, and unlink the file.  NULL is a no-op. */
void	ec_bundle_frames_free(struct ec_bundle_frames *f);

/*
 * ec_bundle_add_file() for content that "f" (closed) holds compressed
 * already: it must have been given exactly the "size" bytes whose digest
 * is "digest" (the size is checked, EC_ERR_INTERNAL).  "f" is borrowed
 * until ec_bundle_finish() or ec_bundle_free().  In the bundle the
 * member's content is its own frames, so the zstd stream is a sequence of
 * frames: everything before that content (ending with its tar header),
 * the content, then everything after (from its padding on).  Decoders
 * read the frames as one stream; the tar inside is the same bytes.
 */
int	ec_bundle_add_framed(struct ec_bundle *b, const char *name,
	    const struct ec_bundle_frames *f,
	    const uint8_t digest[EC_SHA256_LEN], uint64_t size,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * zstd worker threads for ec_bundle_finish() (default 1), 1 to 8, else
 * EC_ERR_REQUEST_INVALID.  libzstd's multithreaded mode cuts the input
 * into jobs whose size depends on the level only, so the output is the
 * same for every count >= 1; 0 (single-pass mode) would differ on inputs
 * larger than one job and is not offered.
 */
int	ec_bundle_set_workers(struct ec_bundle *b, unsigned workers,
	    struct ec_err *err) EC_MUST_CHECK;

/*
 * A member name that cannot step outside the directory it is unpacked in:
 * relative, no empty, "." or ".." components, no control characters.
 */
bool	ec_bundle_path_safe(const char *name);

/* Entries so far. */
size_t	ec_bundle_count(const struct ec_bundle *b);

/*
 * Call "fn" for every entry, sorted by name, with its digest and size;
 * stops at the first non-zero return and passes it up.
 */
typedef int ec_bundle_each_fn(void *arg, const char *name,
    const uint8_t digest[EC_SHA256_LEN], uint64_t size, struct ec_err *err);
int	ec_bundle_foreach(struct ec_bundle *b, ec_bundle_each_fn *fn,
	    void *arg, struct ec_err *err);

/*
 * Write every entry, fsync and close.  The file's SHA-256 and size go to
 * the outputs.  EC_ERR_TOO_LARGE past max_bytes, and for a bundle whose
 * members expand past ec_bundle_expansion_limit() of its compressed size,
 * which ec_bundle_read() (and so exportctl verify) would refuse: no bundle
 * is published that its own verifier cannot read.  EC_ERR_IO.  The file
 * stays at "path" for the caller to rename; on failure nothing is left
 * there.
 */
int	ec_bundle_finish(uint8_t digest_out[EC_SHA256_LEN], uint64_t *size_out,
	    struct ec_bundle *b, struct ec_err *err) EC_MUST_CHECK;

/* Release; unlinks the file unless finished, and always the spool.  NULL ok. */
void	ec_bundle_free(struct ec_bundle *b);

/*
 * One member of a bundle being read.  "data" is set only for members the
 * caller asked to keep; it is borrowed and lives until the callback returns.
 */
struct ec_bundle_member {
	const char	*name;
	uint64_t	 size;
	uint8_t		 sha256[EC_SHA256_LEN];
	const char	*data;		/* NULL unless kept */
};

/*
 * Keep a member's bytes for the callback?  0: no; else at most that many
 * bytes (a member declared larger is refused before it is read), e.g.
 * EC_MAX_META_BYTES for a bundle's metadata files.
 */
typedef uint64_t ec_bundle_keep_fn(void *arg, const char *name);
typedef int ec_bundle_member_fn(void *arg, const struct ec_bundle_member *m,
    struct ec_err *err);

/*
 * The most bytes the members of a bundle of "compressed" bytes may hold
 * together: EC_MAX_EXPANSION times the compressed size, with a floor of
 * EC_MIN_EXPANSION_BASE so that small bundles of repetitive JSON pass,
 * and never more than EC_MAX_EXPANSION times EC_MAX_BUNDLE_BYTES.  The
 * writer and the reader hold bundles to the same bound.
 */
uint64_t	ec_bundle_expansion_limit(uint64_t compressed);

/*
 * Admit a member at its tar header, before a byte of it is decompressed
 * ("size" is the header's): 0 reads it, -1 (with "err" set) ends the walk
 * there with that error.
 */
typedef int ec_bundle_admit_fn(void *arg, const char *name, uint64_t size,
    struct ec_err *err);

/* What reading a bundle cost, filled in whether it succeeds or not. */
struct ec_bundle_stats {
	uint64_t	compressed;	/* bytes of the file (or memory) */
	uint64_t	declared;	/* member sizes from the tar headers */
	uint64_t	read;		/* uncompressed member bytes read */
	uint64_t	limit;		/* the bound "declared" was held to */
};

/*
 * Read the tar+zstd bundle at "path" (or "len" bytes at "mem" for the
 * _mem form), hashing every member and calling "fn" for each in archive
 * order.  Hostile input is bounded, each check made on the tar header
 * before a byte of the member is decompressed: only zstd-compressed (or
 * plain) tar, only regular files and directories, no absolute paths, no
 * ".." and no duplicate names, at most EC_MAX_BUNDLE_ENTRIES members of at
 * most EC_MAX_ENTRY_BYTES each, a kept member at most EC_MAX_META_BYTES,
 * and the sum of the members' sizes at most EC_MAX_EXPANSION times the
 * compressed size (at least EC_MIN_EXPANSION_BASE), never more than
 * EC_MAX_EXPANSION times EC_MAX_BUNDLE_BYTES; a file over
 * EC_MAX_BUNDLE_BYTES is refused before it is read.  So the work done is
 * proportional to the input, whatever the headers claim.  The message
 * names the limit that was hit.  The zstd window is at most
 * 2^EC_ZSTD_WINDOW_LOG_MAX.  "path" must be a regular file: it is opened
 * O_NONBLOCK and checked with fstat, so a FIFO cannot hang the reader.
 * "stats" (may be NULL) says what was read, also on failure.
 * EC_ERR_VERIFY for a malformed or refused bundle, EC_ERR_REQUEST_INVALID
 * for a path that is not a regular file, EC_ERR_IO, EC_ERR_NOMEM.
 */
int	ec_bundle_read(struct ec_bundle_stats *stats, const char *path,
	    ec_bundle_keep_fn *keep, ec_bundle_member_fn *fn, void *arg,
	    struct ec_err *err) EC_MUST_CHECK;
int	ec_bundle_read_mem(struct ec_bundle_stats *stats, const void *mem,
	    size_t len, ec_bundle_keep_fn *keep, ec_bundle_member_fn *fn,
	    void *arg, struct ec_err *err) EC_MUST_CHECK;
/*
 * ec_bundle_read() with a gate: "admit" (NULL: none) sees every regular
 * member's name and declared size once the checks above have passed and
 * before it is decompressed, and may refuse it.  The verifier refuses
 * there what the manifest it has read does not list.
 */
int	ec_bundle_read_gated(struct ec_bundle_stats *stats, const char *path,
	    ec_bundle_admit_fn *admit, ec_bundle_keep_fn *keep,
	    ec_bundle_member_fn *fn, void *arg, struct ec_err *err)
	    EC_MUST_CHECK;
/*
 * The same walk over the directory "dir" (an unpacked bundle or a
 * directory output), in directory order, names relative to "dir": only
 * regular files and directories (links, devices, FIFOs refused), the same
 * count and size bounds; "stats" (may be NULL) counts the bytes hashed.
 * EC_ERR_VERIFY, EC_ERR_IO.
 */
int	ec_bundle_read_dir(struct ec_bundle_stats *stats, const char *dir,
	    ec_bundle_keep_fn *keep, ec_bundle_member_fn *fn, void *arg,
	    struct ec_err *err) EC_MUST_CHECK;

#endif
