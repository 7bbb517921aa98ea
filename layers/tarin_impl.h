/*
 * tarin_impl: what layers/tarin.c (libarchive, content, the loader),
 * layers/tarin_input.c (the input and the spool), layers/tarin_gz.c (gzip
 * inflated by ISA-L) and layers/tarin_entry.c (names, the tree,
 * whiteouts) share. Private to them; the interface is
 * tarin.h.
 */
#ifndef OVERTAR_TARIN_IMPL_H
#define OVERTAR_TARIN_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#include "base/err.h"
#include "layers/tarin.h"

struct archive;
struct archive_entry;
struct memfs;
struct memfs_dentry;
struct memfs_inode;
struct memfs_src;
struct tarin_gz;

#define TARIN_NAME_MAX 255	/* bytes of one component, as NAME_MAX */
#define TARIN_BLOCK (1u << 20)	/* read and spool buffers */
#define TARIN_INPLACE_READ (64u << 10)	/* reads of a plain tar, after the
					   first block (tarin.c) */

/* Growable bytes; p is NUL-terminated at len once anything was put. */
struct tarin_buf {
	char *p;
	size_t len, cap;
};

/* The layer file or standard input, read in TARIN_BLOCK pieces. */
struct tarin_input {
	int fd;
	bool own;		/* fd is ours to close (not yet given away) */
	bool regular;		/* a regular file: seekable, size known */
	uint64_t base;		/* offset where reading began */
	uint64_t size;		/* st_size of a regular file, or the end of
				   the window (a member of an outer tar) */
	uint64_t nread;		/* bytes read so far */
	size_t chunk;		/* bytes per read; 0: TARIN_BLOCK */
	uint64_t pos;		/* file offset of a regular file */
	unsigned char *block;
	/* tarin_src.sha256: every byte from base to size is hashed */
	const unsigned char *want;
	struct sha256_ctx hash;
	/* a gzip layer, inflated by ISA-L before libarchive (tarin_gz.c) */
	struct tarin_gz *gz;
	bool failed;		/* a read failed: libarchive has the error */
	struct progress *progress;	/* or NULL */
};

/*
 * Reads the layer's next bytes into in->block (hashing them for
 * tarin_src.sha256), never past the end of a window. Returns the count,
 * 0 at the end, or -1 with errno set. (tarin_input.c)
 */
ssize_t tarin_in_next(struct tarin_input *in);

/* --- the gzip stage (tarin_gz.c) --------------------------------------- */

/* Whether the n bytes at p begin a gzip member (RFC 1952 ID1, ID2, CM 8). */
bool tarin_gz_magic(const unsigned char *p, size_t n);
/*
 * Starts inflating in's stream, whose first n bytes are in in->block: sets
 * in->gz (freed by tarin_gz_free). Returns 0 or -ENOMEM.
 */
int tarin_gz_start(struct tarin_input *in, size_t n);
/*
 * The next bytes of the inflated stream, in a buffer valid until the next
 * call: returns their count (0 at the end of the last member) and sets
 * *buf, or a negative errno: -EIO with *msg saying what is damaged, else a
 * read error with *msg NULL. Never prints.
 */
ssize_t tarin_gz_read(struct tarin_input *in, const void **buf,
		      const char **msg);
/* From now on tarin_gz_read ends with the current member, after its
 * trailer is checked, not at the end of the last. */
void tarin_gz_drain(struct tarin_gz *gz);
void tarin_gz_free(struct tarin_gz *gz);

/* The per-layer spool: an unlinked file written through a buffer. */
struct tarin_spool {
	const char *dir;
	struct memfs_src *src;	/* NULL until the first byte */
	unsigned char *buf;
	size_t fill;
	uint64_t size;		/* bytes written, buffered ones included */
	/*
	 * The expansion budget (tarin_opts.max_spool): content not read in
	 * place, spooled or kept as a hole (zero blocks, sparse holes), is
	 * counted in *used, shared by the layers of one run, or in own.
	 */
	uint64_t max;
	_Atomic uint64_t *used;
	_Atomic uint64_t own;
	uint64_t checked;	/* size at the last free-space check */
};

struct tarin_ext {
	uint64_t off, len, src_off;
};

/*
 * One layer being loaded. Invariants: cdent[0..cdepth] are live directory
 * dentries (reset whenever a directory is unlinked); ext[0..next) are the
 * current file's extents, sorted and coalesced.
 */
struct tarin_loader {
	struct archive *a;
	struct memfs *fs;
	struct err *e;
	struct tarin_input in;
	struct tarin_spool sp;
	struct memfs_src *src;	/* the layer file, when read in place */
	bool inplace;
	uint64_t max_entries, nentries;
	size_t max_path, max_depth;
	struct tarin_buf name;	/* the current entry's cleaned name */
	struct tarin_buf target; /* its cleaned hard link target */
	/*
	 * The last parent directory walked to: cpath is its cleaned path and
	 * cdent[i] the dentry after i of its components (cdent[0] the root),
	 * so consecutive entries of one directory skip the walk.
	 */
	struct tarin_buf cpath;
	struct memfs_dentry **cdent;
	size_t cdepth, ccap;
	struct tarin_buf wh;	/* whiteout targets, NUL-separated paths */
	struct tarin_ext *ext;	/* extents of the current file */
	size_t next, extcap;
	/*
	 * An archive that stops right after a complete entry's data, without
	 * its padding or end-of-archive blocks (umoci 0.4.7 insert): data_end
	 * is where the last in-place entry's data ends in the file, and
	 * ended says the stream ended so (no entry follows).
	 */
	uint64_t data_end;
	bool ended;
};

/* Grows b to hold cap bytes. Returns 0 or -ENOMEM; never prints. */
int tarin_buf_reserve(struct tarin_buf *b, size_t cap);

/* Records "out of memory" on ld->e; returns -ENOMEM. */
int tarin_oom(struct tarin_loader *ld);

/*
 * Opens src (a path, "-" for standard input, maybe a window of it) as
 * ld->in: regular files are read from their position (or the window's
 * start) to their end, seekable; anything else is a stream. Returns 0 or a
 * negative errno recorded on ld->e. (tarin_input.c)
 */
int tarin_input_open(struct tarin_loader *ld, const struct tarin_src *src);
/* Sets ld->a's read (and, for a regular file, skip) callbacks on ld->in. */
void tarin_input_callbacks(struct tarin_loader *ld);
/*
 * For a gzip layer, inflates the rest of the member holding the tar's end
 * and checks its trailer; with a digest to check (tarin_src.sha256), reads
 * what libarchive left and compares. 0, or -EIO (damaged gzip), -ENOSPC
 * (budget), -EBADMSG, read errors, recorded on ld->e.
 */
int tarin_input_verify(struct tarin_loader *ld);

/*
 * Counts len bytes not held in place against the run's expansion budget.
 * 0 or -ENOSPC recorded on ld->e. (tarin_input.c)
 */
int tarin_spool_charge(struct tarin_loader *ld, uint64_t len);
/*
 * Appends len bytes to the layer's spool, opening it on the first; *at is
 * where they start in it. 0 or a negative errno recorded on ld->e.
 */
int tarin_spool_write(struct tarin_loader *ld, const void *p, size_t len,
		      uint64_t *at);
/* Writes the spool's buffered bytes out. 0 or a negative errno (ld->e). */
int tarin_spool_flush(struct tarin_loader *ld);

/*
 * Gives the regular file ino the content of the current entry: extents in
 * the layer file or the spool. Returns 0 or a negative errno recorded on
 * ld->e. (tarin.c)
 */
int tarin_entry_data(struct tarin_loader *ld, struct archive_entry *ae,
		     struct memfs_inode *ino);

/*
 * Adds the entry just read to ld->fs under the layer's rules. Returns 0 or
 * a negative errno recorded on ld->e (the caller names the entry).
 * (tarin_entry.c)
 */
int tarin_load_entry(struct tarin_loader *ld, struct archive_entry *ae);

/*
 * Loads the host directory tree at root into ld->fs (tarin_src.dir).
 * Returns 0 or a negative errno recorded on ld->e. (tarin_dir.c)
 */
int tarin_load_dir(struct tarin_loader *ld, const char *root);

/*
 * Turns the whiteouts recorded while loading into whiteout dentries and
 * opaque flags, once every entry is in. Returns 0 or a negative errno.
 * (tarin_entry.c)
 */
int tarin_whiteouts_resolve(struct tarin_loader *ld);

#endif
