/*
 * sink internals shared by sink.c and sink_gzip.c; not for other modules.
 *
 * The parallel gzip compressor takes its input a block at a time: the
 * caller fills the buffer it is given (SINK_GZ_BLOCK bytes) and hands it
 * back with sink_gz_submit(), which returns the next buffer. Output goes to
 * the fd from a writer thread. Nothing here prints.
 */
#ifndef OVERTAR_SINK_IMPL_H
#define OVERTAR_SINK_IMPL_H

#include <stddef.h>

#define SINK_GZ_BLOCK (128u << 10)	/* pigz's default block size */

struct sink_gz;

/* write(2) until every byte is out. 0 or a negative errno. */
int sink_write_all(int fd, const void *buf, size_t len);

/*
 * Writes the gzip header to fd and starts threads workers (capped) and a
 * writer. Returns 0 and sets *out, -EINVAL for a level outside 1..9,
 * -ENOMEM, or a write or pthread_create error.
 */
int sink_gz_open(int fd, int level, int threads, struct sink_gz **out);
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

#endif
