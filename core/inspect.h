/*
 * inspect: what each layer of a stack changes, and where bytes are wasted.
 *
 * Every definition follows overlayfs's lookup rules (overlayfs.rst
 * "whiteouts and opaque directories"; the same rules as core/ovl_lookup.c).
 * An entry E of layer k at path P is covered by the lowest layer j > k that
 * has, at P, a whiteout, a non-directory, an opaque directory, or any entry
 * at all when E is not a directory; or, at a proper ancestor of P, a
 * whiteout, a non-directory or an opaque directory. A directory over a
 * directory merges and covers nothing. M(i), the merged view of layers
 * 0..i, holds P exactly when some entry E of a layer k <= i at P is not
 * covered by a layer <= i.
 *
 * Layer i's changes are the difference between M(i-1) and M(i), path by
 * path, parents before children, siblings in byte order of names:
 *   A  an entry of layer i at a path not in M(i-1)
 *   M  an entry of layer i at a path in M(i-1) (replacing it, or a
 *      directory merging with it)
 *   D  a path in M(i-1) but not in M(i) (every removed path is listed,
 *      the descendants of a removed directory included)
 * A whiteout of nothing changes nothing. A layer's bytes are the content
 * bytes of its regular files, each file once however many names it has in
 * that layer. Wasted bytes are those of a layer's regular files no name of
 * which is in the final merged tree M(n-1). Efficiency is
 * (bytes - wasted) / bytes over the whole stack, 1 for a stack without
 * content.
 *
 * The analysis is one walk over the union of the layers' trees: nothing is
 * copied, memory beyond the layers is the walk's stack, the hard-linked
 * files and the top-N list. Nothing here prints; every int is 0 or a
 * negative errno.
 */
#ifndef OVERTAR_INSPECT_H
#define OVERTAR_INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/err.h"
#include "core/vfs.h"

struct memfs_inode;
struct ovl;

/* What one layer does to the view below it (see the definitions above). */
struct inspect_layer {
	uint64_t added;		/* entries at paths not in the view below */
	uint64_t modified;	/* entries at paths in the view below */
	uint64_t removed;	/* paths of the view below that it removes */
	uint64_t files;		/* regular files, each once */
	uint64_t bytes;		/* their content bytes */
	uint64_t wasted;	/* of bytes: files with no name in the end */
};

/* One wasted file: a regular file no name of which is in the end. */
struct inspect_waste {
	char *path;		/* "/..." (its first name in walk order) */
	uint64_t bytes;
	uint32_t layer;		/* the layer holding the bytes, 0 = bottom */
	uint32_t by;		/* the layer that covered its last name */
};

/* A path dive counts more than once (dive's "inefficient files"). */
struct inspect_dive_file {
	char *path;		/* "/..." */
	uint64_t count;		/* how many layers it appears in */
	uint64_t bytes;		/* the sum of its sizes there */
};

/*
 * The figures of dive's CI mode, computed as dive (wagoodman/dive,
 * dive/filetree/efficiency.go, dive/image/image.go) computes them: per
 * layer tree, each leaf (a file, a symlink, an empty directory, a
 * whiteout) adds its size to its path, a whiteout the size of what it
 * deletes in the stack of the layers below (opaque markers are not seen);
 * the efficiency is the sum over paths of the smallest size a path had
 * over the sum of all its sizes; the wasted bytes are the sums of the
 * paths seen more than once; the user figures leave the base layer out.
 * wasted_user_percent is a ratio (0.48 for 48%), NaN or infinite when the
 * layers above the base carry no bytes, as in dive.
 */
struct inspect_dive {
	double efficiency;
	uint64_t size_bytes;		/* every layer's bytes */
	uint64_t user_size_bytes;	/* every layer's but the first */
	uint64_t wasted_bytes;
	double wasted_user_percent;
	size_t nfiles;			/* of files: the top asked for */
	struct inspect_dive_file *files;	/* largest first, then path */
};

/*
 * The result of inspect_run. Invariants: layers has nlayers elements;
 * bytes and wasted are the sums of the layers'; waste has nwaste <= the
 * top asked for elements, largest first (ties: lower layer first, then
 * walk order).
 */
struct inspect_report {
	size_t nlayers;
	struct inspect_layer *layers;
	uint64_t bytes;
	uint64_t wasted;
	double efficiency;
	size_t nwaste;
	struct inspect_waste *waste;
	struct inspect_dive dive;
};

enum inspect_change {
	INSPECT_ADDED = 'A',
	INSPECT_MODIFIED = 'M',
	INSPECT_REMOVED = 'D',
};

/*
 * Called for each change of the layer asked for: path is "/..." (len
 * bytes, NUL-terminated, valid during the call), ino the entry added or
 * modified, or for D the entry that was visible below. A nonzero return
 * stops the walk and is returned by inspect_run.
 */
typedef int (*inspect_change_fn)(void *ctx, enum inspect_change c,
				 const char *path, size_t len,
				 const struct memfs_inode *ino);

struct inspect_opts {
	size_t top;		/* how many of the largest wasted files */
	int layer;		/* whose changes go to fn (0 = bottom); -1 none */
	inspect_change_fn fn;
	void *ctx;
};

/*
 * Analyses the read-only layers of ovl (an upper layer is ignored). Fills
 * r (release with inspect_report_release, also after a failure). Returns
 * 0, -ENOMEM, -EINVAL (layer out of range), or what fn returned; e says
 * which path failed. Never prints.
 */
int inspect_run(struct ovl *ovl, const struct inspect_opts *o,
		struct inspect_report *r, struct err *e);
void inspect_report_release(struct inspect_report *r);

/*
 * Link counts in the merged view, as a flattened tree unpacked on disk
 * would show them: a directory has 2 plus its subdirectories; a
 * non-directory has as many names as the merged view gives its file
 * (names hidden by a later layer do not count). Built lazily: the first
 * question about a multiply-linked file walks the whole merged tree once.
 */
struct inspect_links;

/* A counter over fs (borrowed). Returns 0 and *out, or -ENOMEM. */
int inspect_links_new(struct vfs_fs *fs, struct inspect_links **out);
void inspect_links_free(struct inspect_links *l);

/*
 * The merged link count of node, whose attributes are a (vfs_getattr).
 * Returns 0 and *out, or a negative errno from the walk.
 */
int inspect_nlink(struct inspect_links *l, struct vfs_node *node,
		  const struct vfs_attr *a, uint32_t *out);

#endif
