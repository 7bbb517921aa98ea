/*
 * ovl: the overlay filesystem over N read-only layers and an optional
 * writable upper layer, with the semantics of Linux overlayfs as Docker's
 * overlay2 driver mounts it (index=off, redirect_dir=off, metacopy=off;
 * Documentation/filesystems/overlayfs.rst).
 *
 * Every layer is a memfs. Lookup goes top down: a whiteout hides, a
 * non-directory stops, an opaque directory stops after its own layer.
 * Mutations copy up into the upper memfs and leave whiteouts, so the upper
 * memfs is, at any time, exactly the changeset against the lower stack.
 *
 * The ovl is reached through its struct vfs_fs (ovl_vfs); its vfs_node
 * handles are overlay dentries. Nothing here prints.
 */
#ifndef OVERTAR_OVL_H
#define OVERTAR_OVL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "base/err.h"
#include "core/vfs.h"

struct memfs;
struct ovl;

struct ovl_opts {
	bool writable;		/* give the overlay an upper layer */
	/*
	 * Where a layer has a directory over a lower symlink to a directory
	 * (usrmerge: lib -> usr/lib), merge it into the symlink's target, as
	 * GNU tar's --keep-directory-symlink and umoci do. Off: overlay2.
	 */
	bool keep_dirlinks;
	struct timespec now;	/* the time stamped on what mutations change */
	/*
	 * Limits on what mutations make (overtar(1) LIMITS), so that a script
	 * can build no tree a layer could not hold; 0: none. Beyond one, the
	 * op answers -EDQUOT and vfs_fs.limit says which.
	 */
	size_t max_depth;	/* components of a path */
	size_t max_path;	/* bytes of a path */
	uint64_t max_entries;	/* entries of the upper layer */
	uint64_t max_added;	/* bytes of content set (setdata, truncate) */
};

/*
 * Stacks layers[0] (bottom) .. layers[n-1] (top). The ovl takes ownership
 * of the array's memfs (freed by ovl_free; with keep_dirlinks they may be
 * rewritten). Returns 0 and sets *out, -ENOMEM, or -EINVAL for n == 0;
 * details on e.
 */
int ovl_new(struct memfs **layers, size_t n, const struct ovl_opts *opts,
	    struct ovl **out, struct err *e);
void ovl_free(struct ovl *ovl);

/* The overlay as a VFS filesystem. */
struct vfs_fs *ovl_vfs(struct ovl *ovl);
/* Number of read-only layers; the upper layer's index is this number. */
size_t ovl_nlayers(const struct ovl *ovl);
/* Layer i (0 = bottom, ovl_nlayers() = the upper); NULL if none. */
struct memfs *ovl_layer(struct ovl *ovl, size_t i);

#endif
