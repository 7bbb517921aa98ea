/*
 * sink: where output bytes go, compressed or not.
 *
 * A sink writes to a temporary file beside the destination and renames it
 * into place only on sink_commit(); sink_abort() (and the signal handler's
 * sink_cleanup_all()) removes it, so a failed run leaves no output and never
 * replaces an existing file. Without a path it writes to standard output.
 *
 * sink_copy() moves bytes from a memfs source without passing them through
 * user space where it can (copy_file_range, then sendfile); writes loop
 * until every byte is out.
 *
 * Ownership: sink_open() gives the caller a sink; sink_commit(),
 * sink_commit_as() and sink_abort() end it (free it), whatever they
 * return; nothing else ever frees it (sink_end() neither).
 *
 * Nothing here prints.
 */
#ifndef OVERTAR_SINK_H
#define OVERTAR_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct memfs_src;
struct sink;

enum sink_comp {
	SINK_NONE,
	SINK_GZIP,
	SINK_ZSTD,
};

struct sink_opts {
	enum sink_comp comp;
	int level;		/* 0: the codec's default (gzip 6, zstd 3) */
	int threads;		/* 0: one per online CPU */
	/*
	 * Keep the SHA-256 and size of the bytes given (an image layer's
	 * diff_id) and of the bytes written (its blob digest) while writing,
	 * for sink_end(). Needs a path; plain output then goes through user
	 * space instead of copy_file_range.
	 */
	bool digest;
};

/* What sink_end() reports of a sink opened with opts.digest. */
struct sink_sums {
	unsigned char in_sha256[32];	/* of the bytes given */
	unsigned char out_sha256[32];	/* of the bytes written */
	uint64_t in_size, out_size;
};

/*
 * Opens a sink writing to path (NULL: standard output). Returns 0 and sets
 * *out, or a negative errno with e naming the output.
 */
int sink_open(const char *path, const struct sink_opts *opts,
	      struct sink **out, struct err *e);
/* Writes len bytes. 0 or a negative errno (recorded on the sink). */
int sink_write(struct sink *s, const void *buf, size_t len);
/* Writes len bytes of src from off. 0 or a negative errno. */
int sink_copy(struct sink *s, struct memfs_src *src, uint64_t off,
	      uint64_t len);
/*
 * Flushes, closes and renames into place; frees s, also on failure.
 * Returns 0 or a negative errno with e naming the output (then nothing is
 * left behind).
 */
int sink_commit(struct sink *s, struct err *e);
/*
 * Flushes and closes the temporary file without renaming it, and fills
 * sums (may be NULL; zeros unless opts.digest). Returns 0 or a negative
 * errno with e naming the output. Never frees s: the caller ends it with
 * sink_commit_as() (or sink_commit()) or sink_abort() either way; after a
 * failure they return the same error (and leave nothing behind).
 */
int sink_end(struct sink *s, struct sink_sums *sums, struct err *e);
/*
 * sink_commit(), renaming to path instead of the path given at open (the
 * name of a blob is its digest, known only at the end). Same returns.
 */
int sink_commit_as(struct sink *s, const char *path, struct err *e);
/* The temporary file's name (NULL for stdout); s owns it. */
const char *sink_temp(const struct sink *s);
/* Removes the temporary file and frees s. NULL is ignored. */
void sink_abort(struct sink *s);
/*
 * Unlinks every temporary file of every open sink. Async-signal-safe: for
 * the SIGINT/SIGTERM handler.
 */
void sink_cleanup_all(void);

/* The compression a file name asks for (.tar.gz, .tgz, .tar.zst...). */
enum sink_comp sink_comp_from_name(const char *path);

#endif
