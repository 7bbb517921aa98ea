/*
 * diff: what differs between two trees (the merged views of two stacks),
 * entry by entry: a path only in the first is removed, one only in the
 * second added, one in both changed when any field compared differs. Both
 * trees are walked together in byte order of names, parents before
 * children, with an explicit stack (no recursion whose depth the input
 * decides); below a path that only one side has, every entry is reported
 * too. Content is compared without reading when both sides share their
 * data or its extents, else read a window at a time. Nothing here prints.
 */
#ifndef OVERTAR_DIFF_H
#define OVERTAR_DIFF_H

#include <stddef.h>
#include <sys/types.h>

#include "base/err.h"
#include "core/vfs.h"

enum diff_field {
	DIFF_TYPE = 1 << 0,	/* file, directory, symlink, ... */
	DIFF_MODE = 1 << 1,	/* permission bits */
	DIFF_OWNER = 1 << 2,	/* uid or gid */
	DIFF_SIZE = 1 << 3,	/* regular files */
	DIFF_CONTENT = 1 << 4,	/* regular files' bytes */
	DIFF_TARGET = 1 << 5,	/* symlinks */
	DIFF_DEVICE = 1 << 6,	/* devices' numbers */
	DIFF_XATTRS = 1 << 7,
	DIFF_MTIME = 1 << 8,
	DIFF_NFIELDS = 9
};

enum diff_change {
	DIFF_ADDED = 'A',
	DIFF_REMOVED = 'D',
	DIFF_CHANGED = 'M',
};

/*
 * One difference: path ("/...", len bytes, valid during the call), the
 * mode of the entry on each side (0 where it has none), and for
 * DIFF_CHANGED the fields that differ. A nonzero return stops the walk
 * and is returned by diff_trees.
 */
typedef int (*diff_fn)(void *ctx, enum diff_change c, const char *path,
		       size_t len, mode_t a, mode_t b, unsigned fields);

struct diff_opts {
	unsigned ignore;	/* enum diff_field bits not to compare */
	diff_fn fn;
	void *ctx;
};

/*
 * Compares the trees of a and b (read only). Returns 0 when they are the
 * same, 1 when fn was called at least once, or a negative errno (from the
 * filesystems, a read of content, -ENOMEM) or what fn returned, with e
 * naming the path. Never prints.
 */
int diff_trees(struct vfs_fs *a, struct vfs_fs *b, const struct diff_opts *o,
	       struct err *e);

/* The name of one field ("mode"), or NULL for a bit that is none. */
const char *diff_field_name(unsigned field);

#endif
