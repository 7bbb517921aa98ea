/*
 * tarout: a tar writer, POSIX pax (IEEE 1003.1-2001 pax interchange format).
 *
 * The caller hands entries (layers/entry.h) in the order they must appear,
 * directly or through tarout_writer(); tarout writes the
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
#include "layers/entry.h"

struct sink;
struct tarout;

/*
 * A writer onto sink (not owned: the caller commits or aborts it).
 * Returns NULL when out of memory.
 */
struct tarout *tarout_new(struct sink *sink);
/*
 * Writes one entry. Directories get a trailing '/' in their name. Returns
 * 0 or a negative errno, with e naming the entry.
 */
int tarout_write(struct tarout *t, const struct entry *ent,
		 struct err *e);
/* Writes the two zero blocks that end an archive. 0 or a negative errno. */
int tarout_finish(struct tarout *t, struct err *e);
void tarout_free(struct tarout *t);

/* t as an entry writer (core/export.h writes through it); owned by t. */
struct entry_writer *tarout_writer(struct tarout *t);

#endif
