/*
 * export: a filesystem tree out as tar entries.
 *
 * export_flat walks a VFS tree (the merged overlay) in byte order of names,
 * parents before children, and hands each entry to an entry writer
 * (layers/entry.h: a tar, a directory). Names
 * of one file (same vfs_attr.ino) become one file entry, the first in that
 * order, and hard-link entries pointing at it, so a link never names an
 * entry that is not in the output and never points at another link.
 *
 * Nothing here prints.
 */
#ifndef OVERTAR_EXPORT_H
#define OVERTAR_EXPORT_H

#include <time.h>

#include "base/err.h"
#include "core/vfs.h"

struct entry_writer;
struct memfs;

/*
 * Writes every entry below the root of fs (not the root itself) to out.
 * Returns 0 or a negative errno with e naming the entry.
 */
int export_flat(struct vfs_fs *fs, struct entry_writer *out, struct err *e);

enum export_whiteouts {
	EXPORT_WH_OCI,		/* .wh.NAME files, .wh..wh..opq markers */
	EXPORT_WH_OVL,		/* char devices 0/0, trusted.overlay.opaque */
};

/*
 * Writes the changeset held by an overlay's upper layer: every entry in
 * it (new, copied up, and the parents they need), whiteouts for removed
 * names and opaque markers for directories removed and made again, each
 * marker before its siblings. Whiteouts are stamped with now.
 * Returns 0 or a negative errno with e naming the entry.
 */
int export_layer(struct memfs *upper, enum export_whiteouts style,
		 struct timespec now, struct entry_writer *out, struct err *e);

#endif
