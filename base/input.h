/*
 * input: opening a file overtar reads (a layer, a blob, an archive, an
 * index) without ever blocking: a fifo put where a file should be would
 * hang open(2) until a writer came (fifo(7)). Nothing here prints.
 */
#ifndef OVERTAR_INPUT_H
#define OVERTAR_INPUT_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Opens path read-only with O_NONBLOCK (then cleared) and checks that it
 * is a regular file. Returns the fd (close-on-exec) and fills *st, or a
 * negative errno: open's, -EISDIR for a directory, -EINVAL for anything
 * else that is not a regular file (input_type names it).
 */
int input_open_regular(const char *path, struct stat *st);

/*
 * Reads the regular file path whole (input_open_regular: a fifo is
 * -EINVAL, never a hang): *buf (caller frees) gets *len bytes and a NUL.
 * -EFBIG past max bytes, -EIO if it shrinks, -ENOMEM, open's errors.
 */
int input_read_regular(const char *path, size_t max, char **buf,
		       size_t *len);

/* "a fifo", "a socket", "a character device", ...: what mode is. */
const char *input_type(mode_t mode);

#endif
