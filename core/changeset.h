/*
 * changeset: the layer that turns the merged tree of an overlay's lowest
 * layers into the merged tree of all of them (what `overtar squash` writes
 * over the layers it keeps).
 *
 * The rules are the OCI image-spec's (layer.md, "Change Types"): an entry
 * added or modified is written whole; a name the kept layers have and the
 * whole stack does not gets a whiteout; a directory the upper layers
 * replaced (made opaque, or removed and made again: its merge stops above
 * the kept layers) gets an opaque marker and its whole content. Nothing
 * unchanged is written, except the parent directories a change needs, so
 * that no extractor makes them up (their attributes are the merged ones,
 * so stacking never changes them). Stacking the changeset on the kept
 * layers gives exactly the merged tree of the whole overlay.
 *
 * Nothing here prints.
 */
#ifndef OVERTAR_CHANGESET_H
#define OVERTAR_CHANGESET_H

#include <stddef.h>
#include <time.h>

#include "base/err.h"
#include "core/export.h"

struct ovl;
struct entry_writer;

/*
 * Writes to out the changeset of ovl's merged tree against the merged tree
 * of its keep lowest layers (keep 0: the whole tree), markers before
 * their siblings, whiteouts in style stamped now. Returns 0 or a negative
 * errno with e naming the entry.
 */
int changeset_write(struct ovl *ovl, size_t keep, enum export_whiteouts style,
		    struct timespec now, struct entry_writer *out,
		    struct err *e);

#endif
