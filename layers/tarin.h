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

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct memfs;

struct tarin_opts {
	const char *spool_dir;	/* NULL: $TMPDIR or /var/tmp */
	uint64_t max_entries;	/* 0: the default limit */
	size_t max_path;	/* 0: the default limit, bytes of one path */
	size_t max_depth;	/* 0: the default limit, components */
};

/*
 * Loads the layer at path ("-" for standard input) into a new memfs.
 * Returns 0 and sets *out (caller frees with memfs_free), or a negative
 * errno with e naming the layer file ("layer", path) and the entry.
 * Bad input (-EINVAL, -EIO for a truncated or corrupt stream, -ENOENT for a
 * missing file, -E2BIG for a limit) never leaves anything behind.
 */
int tarin_load(const char *path, const struct tarin_opts *opts,
	       struct memfs **out, struct err *e);

#endif
