/*
 * dirout: a tree written into a directory (`-o dir:PATH`), entry by entry
 * as export hands them to its entry writer (layers/entry.h).
 *
 * Safety: everything is created relative to open directory fds (openat,
 * mkdirat, symlinkat, linkat), each directory opened with O_NOFOLLOW, and
 * every new name made with O_EXCL or its equivalent, so no path of the
 * tree can leave the output directory and no symlink, including the ones
 * just written, is ever followed while writing. The tree is written into
 * a new temporary directory beside PATH and renamed into place on commit
 * (PATH must not exist or be empty), so a failed run leaves nothing.
 *
 * Owners, device nodes and privileged xattrs (trusted.*, security.*) need
 * root; without it they are skipped and counted for one warning. Nothing
 * here prints.
 */
#ifndef OVERTAR_DIROUT_H
#define OVERTAR_DIROUT_H

#include "base/err.h"
#include "layers/entry.h"

struct dirout;

/*
 * Starts a tree at path. Returns 0 and *out, or a negative errno with e
 * naming the output (-ENOTEMPTY: path is a directory with entries).
 */
int dirout_open(const char *path, struct dirout **out, struct err *e);
/*
 * d as an entry writer (owned by d): write creates each entry in the
 * temporary tree, finish does nothing (dirout_commit completes the tree).
 */
struct entry_writer *dirout_writer(struct dirout *d);
/*
 * Sets the directories' modes and times, renames the tree into place and
 * frees d. Returns 0 or a negative errno with e set (then the tree is
 * removed).
 */
int dirout_commit(struct dirout *d, struct err *e);
/* Removes the temporary tree and frees d. NULL is ignored. */
void dirout_abort(struct dirout *d);
/*
 * The signal path (layers/dirout_sig.c): dirout_open registers its
 * temporary tree (the path must stay valid until dirout_sig_forget), and
 * dirout_sig_cleanup, async-signal-safe, removes the registered tree: a
 * SIGINT, SIGTERM or SIGHUP handler calls it, as sink_cleanup_all.
 */
void dirout_sig_register(const char *tmp);
/* Forgets the registered tree (before it is renamed into place or freed). */
void dirout_sig_forget(void);
/* Removes the registered tree, if any; async-signal-safe. */
void dirout_sig_cleanup(void);
/* How many owners, devices and xattrs were skipped for want of root. */
unsigned long dirout_skipped(const struct dirout *d);

#endif
