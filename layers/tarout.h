/*
 * tarout: a tar writer, POSIX pax (IEEE 1003.1-2001 pax interchange format).
 *
 * The caller hands entries in the order they must appear; tarout writes the
 * ustar header, a pax extended header where a field does not fit ustar
 * (long paths and link names, large ids and sizes, sub-second mtimes,
 * xattrs as SCHILY.xattr.NAME), and the content from its memfs extents via
 * sink_copy. Output is a pure function of the entries: no time, pid, user
 * or host name is added, so the same entries give the same bytes.
 *
 * Nothing here prints.
 */
#ifndef OVERTAR_TAROUT_H
#define OVERTAR_TAROUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "base/err.h"
#include "base/progress.h"

struct memfs_data;
struct memfs_xattr;
struct sink;
struct tarout;

enum tarout_type {
	TAROUT_FILE,
	TAROUT_DIR,
	TAROUT_SYMLINK,
	TAROUT_HARDLINK,	/* linkname: an earlier entry's path */
	TAROUT_CHR,
	TAROUT_BLK,
	TAROUT_FIFO,
};

struct tarout_entry {
	enum tarout_type type;
	const char *path;	/* no leading '/' or "./", no trailing '/' */
	size_t pathlen;
	mode_t mode;		/* permission bits incl. setuid/setgid/sticky */
	uid_t uid;
	gid_t gid;
	struct timespec mtime;
	dev_t rdev;		/* TAROUT_CHR, TAROUT_BLK */
	const char *linkname;	/* TAROUT_SYMLINK, TAROUT_HARDLINK */
	size_t linklen;
	const struct memfs_data *data;	/* TAROUT_FILE: content */
	const struct memfs_xattr *xattrs;	/* sorted by name */
	uint32_t nxattrs;
};

/*
 * A writer onto sink (not owned: the caller commits or aborts it).
 * Returns NULL when out of memory.
 */
struct tarout *tarout_new(struct sink *sink);
/*
 * Writes one entry. Directories get a trailing '/' in their name. Returns
 * 0 or a negative errno, with e naming the entry.
 */
int tarout_write(struct tarout *t, const struct tarout_entry *ent,
		 struct err *e);
/* Writes the two zero blocks that end an archive. 0 or a negative errno. */
int tarout_finish(struct tarout *t, struct err *e);
void tarout_free(struct tarout *t);

/*
 * Called for each entry in place of writing it: 0 or a negative errno
 * with e naming the entry.
 */
typedef int tarout_fn(void *arg, const struct tarout_entry *ent,
		      struct err *e);
/*
 * A writer that hands every entry to fn (the same order and hard-link
 * rules as a tar: a directory writer, layers/dirout.h) and writes
 * nothing; tarout_finish then does nothing. NULL when out of memory.
 */
struct tarout *tarout_new_fn(tarout_fn *fn, void *arg);

/*
 * Counts each entry written, and its content bytes, in p's out_entries and
 * out_bytes (p NULL: none). p must outlive t.
 */
void tarout_set_progress(struct tarout *t, struct progress *p);

#endif
