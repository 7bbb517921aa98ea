/*
 * export: a filesystem tree out as tar entries.
 *
 * export_flat walks a VFS tree (the merged overlay) in byte order of names,
 * parents before children, and hands each entry to the tar writer. Names
 * of one file (same vfs_attr.ino) become one file entry, the first in that
 * order, and hard-link entries pointing at it, so a link never names an
 * entry that is not in the output and never points at another link.
 *
 * Nothing here prints.
 */
#ifndef OVERTAR_EXPORT_H
#define OVERTAR_EXPORT_H

#include "core/err.h"
#include "core/vfs.h"

struct tarout;

/*
 * Writes every entry below the root of fs (not the root itself) to t.
 * Returns 0 or a negative errno with e naming the entry.
 */
int export_flat(struct vfs_fs *fs, struct tarout *t, struct err *e);

#endif
