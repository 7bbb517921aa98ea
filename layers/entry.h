/*
 * entry: one entry of a tree on its way out, and the interface of the
 * writers that take them. core/export.c walks a tree and hands each entry,
 * in the order it must appear (parents first, a hard link after the file
 * it names), to a struct entry_writer; the tar writer (layers/tarout.h)
 * and the directory writer (layers/dirout.h) implement it, and a new
 * output format is one more implementation.
 *
 * Nothing here prints.
 */
#ifndef OVERTAR_ENTRY_H
#define OVERTAR_ENTRY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "base/err.h"

struct memfs_data;
struct memfs_xattr;

enum entry_type {
	ENTRY_FILE,
	ENTRY_DIR,
	ENTRY_SYMLINK,
	ENTRY_HARDLINK,	/* linkname: an earlier entry's path */
	ENTRY_CHR,
	ENTRY_BLK,
	ENTRY_FIFO,
};

struct entry {
	enum entry_type type;
	const char *path;	/* no leading '/' or "./", no trailing '/' */
	size_t pathlen;
	mode_t mode;		/* permission bits incl. setuid/setgid/sticky */
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
	dev_t rdev;		/* ENTRY_CHR, ENTRY_BLK */
	const char *linkname;	/* ENTRY_SYMLINK, ENTRY_HARDLINK */
	size_t linklen;
	const struct memfs_data *data;	/* ENTRY_FILE: content */
	const struct memfs_xattr *xattrs;	/* sorted by name */
	uint32_t nxattrs;
};

struct entry_writer;

/*
 * What a writer does. Both return 0 or a negative errno with e naming
 * the entry or the output; neither frees the writer, which belongs to
 * the object that made it (tarout_writer, dirout_writer).
 */
struct entry_writer_ops {
	/* Writes one entry; content is read from ent->data, not kept. */
	int (*write)(struct entry_writer *w, const struct entry *ent,
		     struct err *e);
	/* Ends the tree (a tar's two zero blocks); no entry follows. */
	int (*finish)(struct entry_writer *w, struct err *e);
};

/* Embedded first in each writer's own struct. */
struct entry_writer {
	const struct entry_writer_ops *ops;
};

/* w->ops->write: 0 or a negative errno with e naming the entry. */
static inline int entry_write(struct entry_writer *w, const struct entry *ent,
			      struct err *e)
{
	return w->ops->write(w, ent, e);
}

/* w->ops->finish: 0 or a negative errno with e set. */
static inline int entry_finish(struct entry_writer *w, struct err *e)
{
	return w->ops->finish(w, e);
}

#endif
