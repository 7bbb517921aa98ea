/*
 * sink internals shared by sink.c, sink_file.c, sink_aw.c, sink_gzip.c and
 * sink_zstd.c; not for other modules.
 *
 * A codec is one row of struct sink_codec: sink.c fills the buffer the
 * codec gives it and hands it back, never knowing which codec it is; a new
 * compression is one more file with one more row.
 *
 * The parallel gzip compressor takes its input a block at a time: the
 * caller fills the buffer it is given (SINK_GZ_BLOCK bytes) and hands it
 * back with sink_gz_submit(), which returns the next buffer. Output goes to
 * the fd from a writer thread. Nothing here prints.
 */
#ifndef OVERTAR_SINK_IMPL_H
#define OVERTAR_SINK_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sha256_ctx;

#define SINK_GZ_BLOCK (1u << 20)	/* see sink_gzip.c */

struct sink_gz;

/*
 * A temporary output file beside its destination, on the registry that
 * sink_cleanup_all() walks (sink_file.c). path is NULL until a creation
 * was tried; registered while the file exists under that name.
 */
struct sink_tmp {
	char *path;
	struct sink_tmp *_Atomic next;
	bool registered;
};

/*
 * Creates ".BASE.XXXXXX" beside dest with mode 0666 & ~umask, as a new
 * file would get, and registers it. Returns 0 and *fd, or a negative
 * errno (t->path may then name the template, for the message).
 */
int sink_tmp_create(struct sink_tmp *t, const char *dest, int *fd);
/* Takes t off the registry: it was renamed into place. */
void sink_tmp_forget(struct sink_tmp *t);
/* Unlinks t if it exists, takes it off the registry, frees its path. */
void sink_tmp_remove(struct sink_tmp *t);

/*
 * One output encoding. Every function returns 0 or a negative errno; after
 * an error the sink only calls free.
 */
struct sink_codec {
	int level;		/* the default level (sink_opts.level 0) */
	/*
	 * Starts writing to fd: *state, and *buf, the first buffer to fill
	 * (*cap bytes, owned by the codec). Every byte written to fd also
	 * goes into hash when it is not NULL. -EINVAL for a level the codec
	 * does not take.
	 */
	int (*open)(int fd, int level, int threads, struct sha256_ctx *hash,
		    void **state, unsigned char **buf, size_t *cap);
	/* Hands on the first len bytes of *buf; *buf is the next to fill. */
	int (*write)(void *state, size_t len, unsigned char **buf);
	/* Hands on the last len bytes of the buffer and ends the stream. */
	int (*finish)(void *state, size_t len);
	/* Stops whatever runs, dropping what is pending, and frees. */
	void (*free)(void *state);
	/*
	 * The rest may be NULL. copy: len bytes of fd from off to the output
	 * at once, in the kernel (the input passes unchanged); sync: waits
	 * for what was handed on, so that a large write reports its own
	 * failure as write(2) would.
	 */
	int (*copy)(void *state, int fd, uint64_t off, uint64_t len);
	int (*sync)(void *state);
	bool identity;		/* output bytes are the input bytes */
};

/* The rows: plain (sink_aw.c), gzip (sink_gzip.c), zstd (sink_zstd.c). */
extern const struct sink_codec sink_codec_none, sink_codec_gzip,
	sink_codec_zstd;

/*
 * Writes the gzip header to fd and starts threads workers (capped) and a
 * writer. Every byte written to fd also goes into hash when it is not NULL
 * (header, blocks and trailer, in order, all on one thread at a time).
 * Returns 0 and sets *out, -EINVAL for a level outside 1..9, -ENOMEM, or a
 * write or pthread_create error.
 */
int sink_gz_open(int fd, int level, int threads, struct sha256_ctx *hash,
		 struct sink_gz **out);
/* The buffer to fill first (SINK_GZ_BLOCK bytes), owned by g. */
unsigned char *sink_gz_buf(struct sink_gz *g);
/*
 * Queues the first len bytes of the current buffer as the next block and
 * sets *next to the buffer to fill now. Waits while every slot is in
 * flight. 0 or the first worker or writer error (negative errno).
 */
int sink_gz_submit(struct sink_gz *g, size_t len, unsigned char **next);
/*
 * Queues the current buffer's len bytes as the last block, waits for
 * everything to be written and writes the trailer. 0 or a negative errno.
 */
int sink_gz_finish(struct sink_gz *g, size_t len);
/* Stops the threads (dropping pending blocks) and frees g. NULL is
 * ignored. */
void sink_gz_free(struct sink_gz *g);

/*
 * The plain output's writer thread (sink_aw.c): buffers of cap bytes and
 * copy requests, carried out in order on fd.
 */
struct sink_aw;

/* Starts the thread. 0 and *out, -ENOMEM or a pthread_create error. */
int sink_aw_open(int fd, size_t cap, struct sink_aw **out);
/* The buffer to fill first, owned by a. */
unsigned char *sink_aw_buf(struct sink_aw *a);
/*
 * Queues the first len bytes of the current buffer (none when len is 0:
 * then *next is left alone) and sets *next to a free buffer to fill,
 * waiting for one. 0 or the first error of the thread (negative errno).
 */
int sink_aw_write(struct sink_aw *a, size_t len, unsigned char **next);
/*
 * Queues a copy of fd's bytes [off, off + len) on a duplicate of fd, so
 * the caller may close fd at once. 0 or the first error.
 */
int sink_aw_copy(struct sink_aw *a, int fd, uint64_t off, uint64_t len);
/* Waits until everything queued is done; 0 or the first error. */
int sink_aw_sync(struct sink_aw *a);
/* sink_aw_sync, then stops the thread. */
int sink_aw_finish(struct sink_aw *a);
/* Stops the thread, dropping what is queued, and frees a. NULL is
 * ignored. */
void sink_aw_free(struct sink_aw *a);

#endif
