/*
 * tarin_input: the layer's bytes in, and the spool (see tarin_impl.h).
 *
 * The input is the layer file or standard input, read for libarchive in
 * blocks, skipped by lseek where it is a regular file, and hashed when
 * the caller knows its digest. Content that cannot be read in place
 * (compressed input, pipes) is copied once into an unlinked spool file
 * (io_spool_open), through a buffer, against a budget shared by the run's
 * layers and with an eye on the spool filesystem's free space.
 */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "base/input.h"
#include "base/io.h"
#include "layers/memfs.h"
#include "layers/tarin_impl.h"

ssize_t tarin_in_next(struct tarin_input *in)
{
	size_t want = in->chunk ? in->chunk : TARIN_BLOCK;
	ssize_t n;

	if (in->regular && in->pos >= in->size)
		return 0;
	if (in->regular && in->size - in->pos < want)
		want = (size_t)(in->size - in->pos);
	do
		n = read(in->fd, in->block, want);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n;
	in->pos += (uint64_t)n;
	progress_add(in->progress, in_bytes, (uint64_t)n);
	if (in->want)
		sha256_update(&in->hash, (size_t)n, in->block);
	return n;
}

/*
 * libarchive's read callback: the layer's bytes, or, for a gzip layer, the
 * bytes ISA-L inflates from them (tarin_gz.c), recognised by the first
 * block's magic.
 */
static la_ssize_t in_read(struct archive *a, void *cd, const void **buf)
{
	struct tarin_input *in = cd;
	const char *msg = NULL;
	ssize_t n;

	if (in->gz)
		goto inflate;
	n = tarin_in_next(in);
	if (n < 0)
		goto fail;
	if (in->nread || !tarin_gz_magic(in->block, (size_t)n)) {
		in->nread += (uint64_t)n;
		*buf = in->block;
		return n;
	}
	if (tarin_gz_start(in, (size_t)n)) {
		archive_set_error(a, ENOMEM, "out of memory");
		return -1;
	}
inflate:
	n = tarin_gz_read(in, buf, &msg);
	if (n >= 0) {
		in->nread += (uint64_t)n;
		return n;
	}
	errno = (int)-n;
fail:
	in->failed = true;
	if (msg)
		archive_set_error(a, errno, "%s", msg);
	else
		archive_set_error(a, errno, "read error: %s", strerror(errno));
	return -1;
}

/*
 * Skips by lseek, never past the end of the file: a short skip makes
 * libarchive read for the rest, find the end, and report truncation.
 */
static la_int64_t in_skip(struct archive *a, void *cd, la_int64_t req)
{
	struct tarin_input *in = cd;
	off_t cur = lseek(in->fd, 0, SEEK_CUR);

	if (cur < 0 || req <= 0 || (uint64_t)cur >= in->size)
		return 0;
	if ((uint64_t)req > in->size - (uint64_t)cur)
		req = (la_int64_t)(in->size - (uint64_t)cur);
	if (in->want || in->gz)
		return 0;	/* libarchive reads instead: we hash or
				   inflate it all */
	if (lseek(in->fd, (off_t)req, SEEK_CUR) < 0)
		return 0;
	in->pos += (uint64_t)req;
	progress_add(in->progress, in_bytes, (uint64_t)req);
	return req;
}

void tarin_input_callbacks(struct tarin_loader *ld)
{
	archive_read_set_read_callback(ld->a, in_read);
	if (ld->in.regular)
		archive_read_set_skip_callback(ld->a, in_skip);
	archive_read_set_callback_data(ld->a, &ld->in);
}

/*
 * Inflates what is left of the gzip member that holds the tar's end, so
 * that its trailer is checked (tarin_gz.c); those bytes count against the
 * expansion budget, as spooled ones do, so that a bomb after the end of
 * the tar costs no more than one inside it.
 */
static int gz_finish(struct tarin_loader *ld)
{
	const void *buf;
	const char *msg;
	ssize_t n;
	int rc;

	if (!ld->in.gz)
		return 0;
	tarin_gz_drain(ld->in.gz);
	while ((n = tarin_gz_read(&ld->in, &buf, &msg)) > 0)
		if ((rc = tarin_spool_charge(ld, (uint64_t)n)))
			return rc;
	if (n < 0 && msg)
		return err_set(ld->e, (int)n, "%s", msg);
	if (n < 0)
		return err_set(ld->e, (int)n, "read error: %s",
			       strerror((int)-n));
	return 0;
}

/*
 * Checks the gzip trailer, then hashes what libarchive left unread (the
 * zero blocks after the end, the rest of a compressed stream) and
 * compares the digest.
 */
int tarin_input_verify(struct tarin_loader *ld)
{
	struct tarin_input *in = &ld->in;
	unsigned char got[SHA256_DIGEST_SIZE];
	char hex[2][2 * SHA256_DIGEST_SIZE + 1];
	ssize_t n;
	int rc = gz_finish(ld);

	if (rc)
		return rc;
	if (!in->want)
		return 0;
	while ((n = tarin_in_next(in)) > 0)
		;
	if (n < 0)
		return err_set(ld->e, -errno, "read error: %s",
			       strerror(errno));
	if (in->pos != in->size)
		return err_set(ld->e, -EIO, "truncated layer");
	sha256_digest(&in->hash, sizeof(got), got);
	if (!memcmp(got, in->want, sizeof(got)))
		return 0;
	for (size_t i = 0; i < sizeof(got); i++) {
		snprintf(hex[0] + 2 * i, 3, "%02x", in->want[i]);
		snprintf(hex[1] + 2 * i, 3, "%02x", got[i]);
	}
	return err_set(ld->e, -EBADMSG, "digest mismatch: expected sha256:%s,"
		       " read sha256:%s", hex[0], hex[1]);
}

int tarin_input_open(struct tarin_loader *ld, const struct tarin_src *src)
{
	const char *path = src->path;
	struct tarin_input *in = &ld->in;
	struct stat st;
	off_t pos;

	if (!strcmp(path, "-")) {
		/* standard input: a pipe is welcome */
		in->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
		if (in->fd < 0)
			return err_set(ld->e, -errno, "cannot open: %s",
				       strerror(errno));
		in->own = true;
		if (fstat(in->fd, &st) < 0)
			return err_set(ld->e, -errno, "cannot stat: %s",
				       strerror(errno));
		if (S_ISDIR(st.st_mode))
			return err_set(ld->e, -EISDIR, "is a directory");
	} else {
		/* never blocks on a fifo; only a regular file is a layer */
		in->fd = input_open_regular(path, &st);
		if (in->fd == -EINVAL && !stat(path, &st))
			return err_set(ld->e, -EINVAL, "not a regular file "
				       "(%s)", input_type(st.st_mode));
		if (in->fd == -EISDIR)
			return err_set(ld->e, -EISDIR, "is a directory");
		if (in->fd < 0)
			return err_set(ld->e, in->fd, "cannot open: %s",
				       strerror(-in->fd));
		in->own = true;
	}
	in->block = malloc(TARIN_BLOCK);
	if (!in->block)
		return tarin_oom(ld);
	if (!S_ISREG(st.st_mode) && (src->window || src->sha256))
		return err_set(ld->e, -EINVAL, "not a regular file");
	if (!S_ISREG(st.st_mode))
		return 0;
	/* Standard input may be a regular file opened mid-way. */
	pos = src->window ? lseek(in->fd, (off_t)src->off, SEEK_SET)
			  : lseek(in->fd, 0, SEEK_CUR);
	in->regular = pos >= 0;
	in->base = in->pos = pos > 0 ? (uint64_t)pos : 0;
	in->size = (uint64_t)st.st_size;
	if (src->window && (src->off > in->size ||
			    src->len > in->size - src->off))
		return err_set(ld->e, -EIO, "truncated layer");
	if (src->window)
		in->size = src->off + src->len;
	if (in->regular && in->size <= in->base)
		return err_set(ld->e, -EINVAL, "empty layer");
	if (src->sha256) {
		in->want = src->sha256;
		sha256_init(&in->hash);
	}
	return 0;
}

/* An unlinked file in the spool directory (io_spool_open). */
static int spool_open(struct tarin_loader *ld)
{
	struct tarin_spool *sp = &ld->sp;
	int fd;

	sp->buf = malloc(TARIN_BLOCK);
	if (!sp->buf)
		return tarin_oom(ld);
	fd = io_spool_open(sp->dir);
	if (fd < 0)
		return err_set(ld->e, fd, "cannot create a spool file in '%s': %s",
			       sp->dir, strerror(-fd));
	sp->src = memfs_src_fd(fd, 0);
	return sp->src ? 0 : tarin_oom(ld);
}

/* How often, in spooled bytes, the spool's free space is looked at. */
#define SPOOL_CHECK_EVERY (64u << 20)

/*
 * Refuses to fill the spool's filesystem: a hostile layer must not take
 * the machine's disk with it, whatever --max-spool allows.
 */
static int spool_check_space(struct tarin_loader *ld)
{
	struct tarin_spool *sp = &ld->sp;
	struct statvfs sv;

	if (sp->checked && sp->size - sp->checked < SPOOL_CHECK_EVERY)
		return 0;
	sp->checked = sp->size ? sp->size : 1;
	if (fstatvfs(sp->src->fd, &sv) < 0)
		return 0;	/* unknown: the write itself will tell */
	if ((uint64_t)sv.f_bavail * sv.f_frsize <
	    TARIN_SPOOL_RESERVE + SPOOL_CHECK_EVERY)
		return err_set(ld->e, -ENOSPC, "spool directory '%s' is almost "
			       "full (less than %llu MiB free)", sp->dir,
			       (TARIN_SPOOL_RESERVE + SPOOL_CHECK_EVERY) >> 20);
	return 0;
}

/*
 * Counts len more bytes of content that the layer's own bytes do not hold
 * in place (decompressed, or sparse holes) against the budget shared by
 * the run's layers: a compression bomb or a sparse file of absurd size is
 * refused before it costs disk or output time.
 */
int tarin_spool_charge(struct tarin_loader *ld, uint64_t len)
{
	struct tarin_spool *sp = &ld->sp;
	uint64_t used = atomic_fetch_add(sp->used, len);

	if (len > sp->max || used > sp->max - len)
		return err_set(ld->e, -ENOSPC, "more than %llu bytes of "
			       "decompressed or sparse content",
			       (unsigned long long)sp->max);
	return 0;
}

int tarin_spool_flush(struct tarin_loader *ld)
{
	struct tarin_spool *sp = &ld->sp;
	int rc;

	if (!sp->fill)
		return 0;
	if ((rc = spool_check_space(ld)))
		return rc;
	rc = io_write_all(sp->src->fd, sp->buf, sp->fill);
	if (rc)
		return err_set(ld->e, rc, "cannot write the spool file: %s",
			       strerror(-rc));
	sp->fill = 0;
	return 0;
}

/* Appends len bytes to the spool; *at is where they start in it. */
int tarin_spool_write(struct tarin_loader *ld, const void *p, size_t len,
		       uint64_t *at)
{
	struct tarin_spool *sp = &ld->sp;
	int rc;

	if (!sp->src && (rc = spool_open(ld)))
		return rc;
	*at = sp->size;
	while (len) {
		size_t n = TARIN_BLOCK - sp->fill;

		if (!n && (rc = tarin_spool_flush(ld)))
			return rc;
		if (!n)
			continue;
		if (n > len)
			n = len;
		memcpy(sp->buf + sp->fill, p, n);
		sp->fill += n;
		sp->size += n;
		p = (const char *)p + n;
		len -= n;
	}
	return 0;
}

