/*
 * inspect_impl: what core/inspect.c's walk over the union of the layers
 * shares with the dive figures it computes on the way (inspect_dive.c).
 * Private to core/inspect*.c.
 */
#ifndef OVERTAR_INSPECT_IMPL_H
#define OVERTAR_INSPECT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "core/inspect.h"

struct memfs_dentry;

/* One layer's dentry at the path being looked at. */
struct inspect_slot {
	struct memfs_dentry *d;
	uint32_t layer;
};

/* dive's figures as the walk goes (inspect_dive.c). */
struct inspect_dive_walk;

/*
 * A new accumulator for n layers keeping the top largest inefficient
 * paths. Returns 0 and *out, or -ENOMEM.
 */
int inspect_dive_new(uint32_t n, size_t top, struct inspect_dive_walk **out);
void inspect_dive_free(struct inspect_dive_walk *dw);

/*
 * The walk stands at path (len bytes, "/...") whose entries are s[0..m)
 * (bottom first, whiteouts included), before its children. Returns 0 or
 * -ENOMEM.
 */
int inspect_dive_enter(struct inspect_dive_walk *dw,
		       const struct inspect_slot *s, uint32_t m,
		       const char *path, size_t len);

/*
 * The walk leaves the path it entered last, named path (len bytes, "/..."),
 * after its children. Returns 0 or -ENOMEM.
 */
int inspect_dive_leave(struct inspect_dive_walk *dw, const char *path,
		       size_t len);

/*
 * After a whole walk: true when dive stops counting some layer before its
 * end, and the figures must be taken again by a second walk (entering and
 * leaving as before), which now skips what dive does not count.
 */
bool inspect_dive_rewind(struct inspect_dive_walk *dw);

/*
 * Fills r->dive from what the walk saw and r->layers' bytes (dive's layer
 * sizes). Returns 0 or -ENOMEM.
 */
int inspect_dive_finish(struct inspect_dive_walk *dw,
			struct inspect_report *r);

#endif
