/*
 * export_impl: the tree walk of export.c, shared with the changeset
 * writer (changeset.c). Private to core/.
 *
 * A walk writes entries whose path is w->p; names of one file (the same
 * vfs_attr.ino) after the first become hard links to it, whichever part
 * of the walk wrote them.
 */
#ifndef OVERTAR_EXPORT_IMPL_H
#define OVERTAR_EXPORT_IMPL_H

#include "base/u64map.h"
#include "core/export.h"
#include "core/pathbuf.h"

struct export_walk {
	struct vfs_fs *fs;
	struct entry_writer *out;
	struct err *e;
	struct pathbuf p;	/* the current entry's path */
	struct u64map links;	/* vfs_attr.ino -> first path written (char *) */
};

/*
 * Writes node (attributes a) as the entry at w->p; sockets are skipped.
 * 0 or a negative errno with w->e set.
 */
int export_node(struct export_walk *w, struct vfs_node *node,
		const struct vfs_attr *a);
/*
 * export_node of a directory with trusted.overlay.opaque=y added: an
 * opaque directory in the overlayfs spelling (EXPORT_WH_OVL).
 */
int export_node_opaque(struct export_walk *w, struct vfs_node *node,
		       const struct vfs_attr *a);
/*
 * Writes every entry below dir (whose path is w->p) in byte order of
 * names, parents first, iteratively (an explicit stack of directories);
 * dir stays the caller's. 0 or a negative errno with w->e naming the
 * entry.
 */
int export_tree(struct export_walk *w, struct vfs_node *dir);
/*
 * Writes a whiteout for name in the directory w->p, in style, stamped
 * now. 0 or a negative errno with w->e naming the entry.
 */
int export_whiteout(struct export_walk *w, enum export_whiteouts style,
		    struct timespec now, const char *name, size_t len);
/* Frees the walk's path and link map. */
void export_walk_release(struct export_walk *w);

#endif
