/*
 * io: write, pread, kernel-copy, spool and whole-file loops (see io.h).
 */
#include "base/io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * A read or write that was due bytes: its count, 0 to try again (EINTR),
 * or a negative errno; moving nothing is -EIO.
 */
static ssize_t step(ssize_t n)
{
	if (n > 0)
		return n;
	if (n == 0)
		return -EIO;
	return errno == EINTR ? 0 : -errno;
}

/* write(2) (off < 0) or pwrite(2) at off until len bytes are out. */
static int write_loop(int fd, const void *buf, size_t len, int64_t off)
{
	const unsigned char *p = buf;
	size_t want;
	ssize_t n;

	while (len) {
		want = len > SSIZE_MAX ? SSIZE_MAX : len;
		n = step(off < 0 ? write(fd, p, want) : pwrite(fd, p, want, off));
		if (n < 0)
			return (int)n;
		p += n;
		len -= (size_t)n;
		if (off >= 0 && (uint64_t)n > (uint64_t)(INT64_MAX - off))
			return len ? -EINVAL : 0;
		if (off >= 0)
			off += n;
	}
	return 0;
}

int io_write_all(int fd, const void *buf, size_t len)
{
	return write_loop(fd, buf, len, -1);
}

int io_pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	return off > INT64_MAX ? -EINVAL
			       : write_loop(fd, buf, len, (int64_t)off);
}

int io_pread_some(int fd, void *buf, size_t min, size_t max, uint64_t off,
		  size_t *got)
{
	unsigned char *p = buf;
	size_t done = 0;
	ssize_t n;

	while (done < min) {
		if (off + done > INT64_MAX)
			return -EINVAL;
		n = pread(fd, p + done, max - done > SSIZE_MAX ? SSIZE_MAX
							       : max - done,
			  (off_t)(off + done));
		if ((n = step(n)) < 0)
			return (int)n;
		done += (size_t)n;
	}
	if (got)
		*got = done;
	return 0;
}

int io_pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	return io_pread_some(fd, buf, len, len, off, NULL);
}

/* Whether a kernel copy call failing with errno e should fall back. */
static bool copy_unsupported(int e)
{
	return e == EXDEV || e == EINVAL || e == ENOSYS ||
	       e == EOPNOTSUPP || e == EBADF;
}

/*
 * The kernel part of io_copy: advances *off (and *out_off unless it is
 * IO_AT_POS) and cuts *len as bytes move; stops when no call is left to
 * try. 0 or a negative errno.
 */
static int copy_kernel(int in, uint64_t *off, int out, int64_t *out_off,
		       uint64_t *len, struct io_copy *st)
{
	const size_t max = 1u << 30;
	bool at_pos = *out_off == IO_AT_POS;
	loff_t o = (loff_t)*off, oo = (loff_t)*out_off;
	ssize_t n;
	size_t want;
	int r = 0;

	while (*len && !(st->no_cfr && (st->no_sendfile || !at_pos))) {
		want = *len < max ? (size_t)*len : max;
		if (!st->no_cfr)
			n = copy_file_range(in, &o, out, at_pos ? NULL : &oo,
					    want, 0);
		else
			n = sendfile(out, in, &o, want);
		if (n > 0) {
			*len -= (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !copy_unsupported(errno)) {
			r = -errno;
			break;
		}
		if (!st->no_cfr)
			st->no_cfr = true;
		else
			st->no_sendfile = true;
	}
	*off = (uint64_t)o;
	if (!at_pos)
		*out_off = (int64_t)oo;
	return r;
}

int io_copy(int in, uint64_t in_off, int out, int64_t out_off, uint64_t len,
	    struct io_copy *st, void *buf, size_t cap)
{
	void *own = NULL;
	size_t want;
	int r;

	if (in_off > INT64_MAX || len > INT64_MAX - in_off ||
	    (out_off != IO_AT_POS &&
	     (out_off < 0 || len > (uint64_t)(INT64_MAX - out_off))))
		return -EINVAL;
	r = copy_kernel(in, &in_off, out, &out_off, &len, st);
	if (!r && len && !buf && !(buf = own = malloc(cap)))
		r = -ENOMEM;
	while (!r && len) {
		want = len < cap ? (size_t)len : cap;
		r = io_pread_all(in, buf, want, in_off);
		if (!r && out_off == IO_AT_POS)
			r = io_write_all(out, buf, want);
		else if (!r)
			r = io_pwrite_all(out, buf, want, (uint64_t)out_off);
		in_off += want;
		len -= want;
		if (out_off != IO_AT_POS)
			out_off += (int64_t)want;
	}
	free(own);
	return r;
}

const char *io_spool_dir(const char *dir)
{
	const char *tmp = getenv("TMPDIR");

	if (dir && *dir)
		return dir;
	return tmp && *tmp ? tmp : "/var/tmp";
}

int io_spool_open(const char *dir)
{
	static const char name[] = "/overtar-spool-XXXXXX";
	size_t dlen;
	char *tmpl;
	int fd;

	dir = io_spool_dir(dir);
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* O_TMPFILE needs filesystem support (open(2)): a named file then */
	dlen = strlen(dir);
	tmpl = malloc(dlen + sizeof(name));
	if (!tmpl)
		return -ENOMEM;
	memcpy(tmpl, dir, dlen);
	memcpy(tmpl + dlen, name, sizeof(name));
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	else
		unlink(tmpl);
	free(tmpl);
	return fd;
}

/* Appends what is left of fd to *buf (holding *got of *cap bytes). */
static int read_rest(int fd, size_t max, char **buf, size_t *got,
		     size_t *cap)
{
	char *p;
	ssize_t n;

	for (;;) {
		if (*got == *cap) {
			if (*cap > max)
				return -EFBIG;
			*cap = *cap > max / 2 ? max + 1 : 2 * *cap;
			if (!(p = realloc(*buf, *cap + 1)))
				return -ENOMEM;
			*buf = p;
		}
		n = read(fd, *buf + *got, *cap - *got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return *got > max ? -EFBIG : 0;
		*got += (size_t)n;
	}
}

int io_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0, cap = 4096;
	struct stat st;
	int rc = 0;

	*buf = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		rc = -errno;
	else if (S_ISDIR(st.st_mode))
		rc = -EISDIR;
	else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max)
		rc = -EFBIG;
	else if (S_ISREG(st.st_mode) && (size_t)st.st_size >= cap)
		cap = (size_t)st.st_size + 1;	/* one read, and EOF */
	if (cap > max)
		cap = max + 1;	/* a byte more than max tells it is more */
	if (!rc && !(*buf = malloc(cap + 1)))
		rc = -ENOMEM;
	if (!rc)
		rc = read_rest(fd, max, buf, &got, &cap);
	close(fd);
	if (rc) {
		free(*buf);
		*buf = NULL;
		return rc;
	}
	(*buf)[got] = 0;
	*len = got;
	return 0;
}
