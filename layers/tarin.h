/*
 * tarin: one layer tar in, one memfs out, read with libarchive.
 *
 * Plain, gzip, zstd, xz and bzip2 input, detected from content; ustar, pax
 * and GNU formats, sparse files. The loader applies the OCI changeset rules
 * within one layer (image-spec layer.md): names are cleaned, a later
 * duplicate replaces an earlier one, whiteouts (both OCI and overlayfs
 * spellings) become the canonical memfs flags, and a whiteout never hides an
 * entry of its own layer.
 *
 * Memory model: file content is never held in memory. A plain tar in a
 * regular file is referenced in place (extents are offsets into the layer
 * file); anything else (compressed, a pipe) has its file content written
 * once into an unlinked spool file and referenced there.
 *
 * Nothing here prints.
 */
#ifndef OVERTAR_TARIN_H
#define OVERTAR_TARIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/progress.h"

struct memfs;

/*
 * Limits against hostile input (overtar(1) LIMITS); 0 means the default.
 * Beyond one, the layer is refused with -E2BIG (-ENAMETOOLONG for a path,
 * -ENOSPC for the spool).
 */
struct tarin_opts {
	const char *spool_dir;	/* NULL, "": io_spool_dir() */
	uint64_t max_entries;	/* entries of the layer */
	size_t max_path;	/* bytes of one path */
	size_t max_depth;	/* components of one path */
	/*
	 * Bytes of spooled content, over all layers sharing spool_used (an
	 * atomic counter the caller zeroes and keeps alive while they load;
	 * NULL: this layer alone). Whatever the limit, the spool never
	 * leaves less than TARIN_SPOOL_RESERVE bytes free on its filesystem.
	 */
	uint64_t max_spool;
	_Atomic uint64_t *spool_used;
	struct progress *progress;	/* in_bytes, in_entries; or NULL */
};

/* Defaults of the limits, and the free space the spool always leaves. */
#define TARIN_MAX_ENTRIES 10000000ULL
#define TARIN_MAX_PATH 65536
#define TARIN_MAX_DEPTH 4096
#define TARIN_MAX_SPOOL (64ULL << 30)
#define TARIN_SPOOL_RESERVE (256ULL << 20)

/*
 * Loads the layer at path ("-" for standard input) into a new memfs.
 * Returns 0 and sets *out (caller frees with memfs_free), or a negative
 * errno with e naming the layer file ("layer", path) and the entry.
 * Bad input (-EINVAL, -EIO for a truncated or corrupt stream, -ENOENT for a
 * missing file, -E2BIG, -ENAMETOOLONG or -ENOSPC for a limit) never leaves
 * anything behind.
 */
int tarin_load(const char *path, const struct tarin_opts *opts,
	       struct memfs **out, struct err *e);

/* Where a layer's bytes are: a file, or a window of one. */
struct tarin_src {
	const char *path;	/* the file; "-" for standard input */
	const char *name;	/* the layer in errors; NULL: path */
	bool window;		/* only bytes [off, off + len) of path, a
				   regular file (a member of an outer tar) */
	uint64_t off, len;
	/*
	 * NULL, or the SHA-256 (32 bytes) that the bytes read (all of the
	 * file or window, compressed as they are) must have: an image blob's
	 * digest. They are hashed as they are read, and a plain layer read
	 * in place has its skipped content read for the hash too.
	 */
	const unsigned char *sha256;
	/*
	 * path is a host directory tree, read as a layer as lstat sees it
	 * (owners, modes, times, xattrs, devices, hard links; no symlink
	 * followed), its content copied into the spool
	 */
	bool dir;
};

/*
 * tarin_load() of src. A digest mismatch is -EBADMSG, and a window past
 * the end of the file -EIO, with e naming the layer as for tarin_load().
 */
int tarin_load_src(const struct tarin_src *src, const struct tarin_opts *opts,
		   struct memfs **out, struct err *e);

#endif
