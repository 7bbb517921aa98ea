/*
 * io: the system-call loops every layer needs, written once.
 *
 * Each returns 0 or a negative errno and never prints; an EINTR is
 * retried. A read or write that moves no bytes where bytes were due is
 * -EIO: a file that ends early, or a device that takes nothing, is an
 * error, never an endless loop.
 */
#ifndef OVERTAR_IO_H
#define OVERTAR_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* write(2) until all len bytes of buf are out (OpenBSD signify writeall). */
int io_write_all(int fd, const void *buf, size_t len);
/* pwrite(2) until all len bytes of buf are at off. */
int io_pwrite_all(int fd, const void *buf, size_t len, uint64_t off);
/*
 * pread(2) exactly len bytes at off into buf: -EIO if the file ends
 * first, -EINVAL for an offset past INT64_MAX.
 */
int io_pread_all(int fd, void *buf, size_t len, uint64_t off);
/*
 * pread(2) at off of at least min and at most max bytes (min <= max) into
 * buf, *got (may be NULL) saying how many: for read-ahead, where bytes
 * past min are welcome but not due. -EIO if the file ends before min.
 */
int io_pread_some(int fd, void *buf, size_t min, size_t max, uint64_t off,
		  size_t *got);

/*
 * Which kernel copy calls an output has turned out not to take, so that
 * later copies to it skip them. Zero-initialise; one per output.
 */
struct io_copy {
	bool no_cfr, no_sendfile;
};

/* io_copy()'s out_off for "at the output's file position". */
#define IO_AT_POS (-1)

/*
 * Copies len bytes of in from in_off to out, at out_off (then out's file
 * position is left alone and holes elsewhere stay holes), or at out's
 * file position when out_off is IO_AT_POS (out may then be a pipe).
 * In the kernel where it can: copy_file_range(2), else sendfile(2) (only
 * to the file position: it cannot write at an offset), else pread(2) and
 * write(2)/pwrite(2) through buf (cap bytes, the caller's; NULL: cap
 * bytes allocated only when the kernel will not copy). A kernel call
 * failing with EXDEV, EINVAL, ENOSYS, EOPNOTSUPP or EBADF is unsupported
 * for this pair (recorded in st); one returning 0 falls back too, so a
 * real end of in is found by pread and is -EIO. Returns 0 or a negative
 * errno.
 */
int io_copy(int in, uint64_t in_off, int out, int64_t out_off, uint64_t len,
	    struct io_copy *st, void *buf, size_t cap);

/*
 * The directory spool files go to: dir when it is neither NULL nor empty,
 * else $TMPDIR when set and non-empty, else /var/tmp. Not copied: the
 * result is dir, the environment's string or a literal.
 */
const char *io_spool_dir(const char *dir);
/*
 * Opens an unlinked read-write file in io_spool_dir(dir): O_TMPFILE, else
 * mkostemp(3) and unlink. Returns the fd (close-on-exec) or a negative
 * errno.
 */
int io_spool_open(const char *dir);

/*
 * Reads path whole, until end of file, so that pipes and process
 * substitutions work as regular files do. *buf (the caller frees it) gets
 * *len bytes and a NUL after them. -EISDIR for a directory, -EFBIG for
 * more than max bytes, -ENOMEM, or open(2)'s and read(2)'s errors; *buf
 * is NULL on failure.
 */
int io_read_file(const char *path, size_t max, char **buf, size_t *len);

#endif
