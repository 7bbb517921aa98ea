/*
 * sink: the output byte stream (see sink.h).
 *
 * Bytes go through one input buffer. Uncompressed, it is a 1 MiB write
 * buffer in front of the file, and sink_copy() bypasses it with
 * copy_file_range(2) or sendfile(2) for large extents. Small ones (most
 * files of an image) are copied through the buffer instead: a kernel copy
 * call costs more per file than the copy itself, and files that follow
 * each other in the output mostly follow each other in their layer too,
 * so one pread(2) of a window of the layer serves many of them. Gzip fills the blocks of the parallel
 * compressor in sink_gzip.c directly; zstd output uses libzstd's own
 * workers (ZSTD_c_nbWorkers, always at least 1: zstd.h promises the same
 * bytes for any number of workers, and a single-threaded context would
 * give different ones). Compressed, sink_copy() preads straight into the
 * compressor's input.
 *
 * The temporary file beside the destination, and the registry the signal
 * handler walks, are sink_file.c's.
 */
#include "layers/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>
#include <zstd.h>

#include "layers/memfs.h"
#include "layers/sink_impl.h"

#define SINK_BUF (1u << 20)	/* write buffer, zstd input, copy chunk */
/*
 * zstd's job size: each worker holds about three jobs of input and output.
 * The default at level 3 (8 MiB) makes 75 MiB of peak RSS with two
 * workers, 4 MiB makes 51 MiB for output 0.6% larger (the corpus).
 */
#define ZS_JOB (4 << 20)
#define SINK_SMALL (64u << 10)	/* extents up to this go through a window */
#define SINK_WIN (256u << 10)	/* bytes of a source read at once */
#define SINK_NWIN 4		/* windows, on different sources */
#define SINK_SEQ_GAP (16u << 10)	/* a jump forward still "sequential" */

/*
 * A piece of a source read into memory: bytes [off, off + len) of src.
 * Holds a reference on src (so that its address names it); used is the
 * sink's clock at the last use, for replacing the least recent.
 */
struct sink_win {
	struct memfs_src *src;
	uint64_t off;
	size_t len;
	uint64_t used;
	unsigned char *buf;	/* SINK_WIN bytes */
};

struct zs {
	ZSTD_CCtx *cctx;
	unsigned char *out;
	size_t out_cap;
};

/*
 * Invariants: buf holds len of cap bytes not yet handed on; err is the
 * first error (then every call returns it).
 */
struct sink {
	int fd;
	char *path;		/* destination; NULL for stdout */
	struct sink_tmp tmp;	/* beside path; no path for stdout, devices */
	enum sink_comp comp;
	int err;
	struct sink_kc kc;	/* kernel copy fallbacks, decided once */
	unsigned char *buf;
	size_t len, cap;
	unsigned char *own_buf;	/* buf for SINK_NONE and SINK_ZSTD */
	struct sink_win win[SINK_NWIN];	/* small extents (copy_window) */
	uint64_t clock;
	struct sink_gz *gz;
	struct sink_aw *aw;	/* SINK_NONE to a file, no digest */
	struct zs zs;
	unsigned char in_sha[SHA256_DIGEST_SIZE], out_sha[SHA256_DIGEST_SIZE];
	/*
	 * opts.digest: in_hash takes every byte given, before compression;
	 * out_hash every byte written (uncompressed, the two are one).
	 */
	bool digest;
	bool ended;		/* sink_end done: flushed and closed */
	struct sha256_ctx in_hash, out_hash;
	uint64_t in_size, out_size;
};

/* The diff_id side: bytes given to the sink. */
static void sink_hash_in(struct sink *s, const void *p, size_t len)
{
	if (!s->digest || !len)
		return;
	sha256_update(&s->in_hash, len, p);
	s->in_size += len;
}

/* --- plain I/O ---------------------------------------------------------- */

/* write(2) until every byte is out (OpenBSD signify writeall). */
int sink_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len) {
		n = write(fd, p, len > SSIZE_MAX ? SSIZE_MAX : len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int sink_fail(struct sink *s, int r)
{
	if (!s->err)
		s->err = r;
	return s->err;
}

/* --- zstd --------------------------------------------------------------- */

static int zs_open(struct sink *s, int level, int threads)
{
	ZSTD_CCtx *c;

	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
		return -EINVAL;
	c = s->zs.cctx = ZSTD_createCCtx();
	s->zs.out_cap = ZSTD_CStreamOutSize();
	s->zs.out = malloc(s->zs.out_cap);
	if (!c || !s->zs.out)
		return -ENOMEM;
	if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel,
						level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1)))
		return -EINVAL;
	/*
	 * Any nbWorkers >= 1 gives the same bytes (zstd.h), so one thread
	 * still asks for one worker. A library built without threads
	 * refuses: then it compresses inline, with different bytes.
	 */
	if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_nbWorkers,
						threads)))
		ZSTD_CCtx_setParameter(c, ZSTD_c_nbWorkers, 0);
	else if (ZSTD_isError(ZSTD_CCtx_setParameter(c, ZSTD_c_jobSize,
						     ZS_JOB)))
		return -EINVAL;
	return 0;
}

/* Feeds buf to the compressor (ZSTD_e_end: and ends the frame). */
static int zs_feed(struct sink *s, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = { s->buf, s->len, 0 };
	ZSTD_outBuffer out;
	size_t left;
	int r;

	for (;;) {
		out = (ZSTD_outBuffer){ s->zs.out, s->zs.out_cap, 0 };
		left = ZSTD_compressStream2(s->zs.cctx, &out, &in, end);
		if (ZSTD_isError(left))
			return -EIO;
		if (s->digest)
			sha256_update(&s->out_hash, out.pos, out.dst);
		r = sink_write_all(s->fd, out.dst, out.pos);
		if (r)
			return r;
		if (end == ZSTD_e_end ? left == 0 : in.pos == in.size)
			break;
	}
	s->len = 0;
	return 0;
}

/* --- the sink ----------------------------------------------------------- */

/* Hands the buffered bytes on; afterwards len is 0. */
static int sink_drain(struct sink *s)
{
	int r = 0;

	if (s->err)
		return s->err;
	sink_hash_in(s, s->buf, s->len);
	switch (s->comp) {
	case SINK_NONE:
		r = s->aw ? sink_aw_write(s->aw, s->len, &s->buf)
			  : sink_write_all(s->fd, s->buf, s->len);
		s->len = 0;
		break;
	case SINK_GZIP:
		r = sink_gz_submit(s->gz, s->len, &s->buf);
		s->len = 0;
		break;
	case SINK_ZSTD:
		r = zs_feed(s, ZSTD_e_continue);
		break;
	}
	return r ? sink_fail(s, r) : 0;
}

int sink_write(struct sink *s, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	bool big = len >= s->cap;
	size_t n;
	int r;

	if (s->err)
		return s->err;
	if (s->comp == SINK_NONE && !s->aw && big) {
		r = sink_drain(s);
		sink_hash_in(s, p, len);
		if (!r)
			r = sink_write_all(s->fd, p, len);
		return r ? sink_fail(s, r) : 0;
	}
	while (len) {
		if (s->len == s->cap) {
			r = sink_drain(s);
			if (r)
				return r;
		}
		n = s->cap - s->len < len ? s->cap - s->len : len;
		memcpy(s->buf + s->len, p, n);
		s->len += n;
		p += n;
		len -= n;
	}
	/* a large write reports its own failure, as write(2) would */
	if (s->aw && big && (r = sink_aw_sync(s->aw)))
		return sink_fail(s, r);
	return 0;
}

/* Compressed: pread straight into the compressor's input. */
static int copy_pread(struct sink *s, int fd, uint64_t off, uint64_t len)
{
	size_t n;
	int r;

	while (len) {
		if (s->len == s->cap) {
			r = sink_drain(s);
			if (r)
				return r;
		}
		n = s->cap - s->len < len ? s->cap - s->len : (size_t)len;
		r = memfs_pread_all(fd, s->buf + s->len, n, off);
		if (r)
			return sink_fail(s, r);
		s->len += n;
		off += n;
		len -= n;
	}
	return 0;
}

/* Whether a kernel copy call failing with errno e should fall back. */
static bool copy_unsupported(int e)
{
	return e == EXDEV || e == EINVAL || e == ENOSYS ||
	       e == EOPNOTSUPP || e == EBADF;
}

int sink_kernel_copy(int in, uint64_t *off, int out, uint64_t *len,
		     struct sink_kc *kc)
{
	const size_t max = 1u << 30;
	loff_t o = (loff_t)*off;
	size_t want;
	ssize_t n;
	int r = 0;

	while (*len && !(kc->no_cfr && kc->no_sendfile)) {
		want = *len < max ? (size_t)*len : max;
		if (!kc->no_cfr)
			n = copy_file_range(in, &o, out, NULL, want, 0);
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
		if (!kc->no_cfr)
			kc->no_cfr = true;
		else
			kc->no_sendfile = true;
	}
	*off = (uint64_t)o;
	return r;
}

/*
 * Uncompressed, from an fd: copy_file_range(2) (in-kernel, reflinks on
 * some filesystems), else sendfile(2) (works to pipes), else
 * pread + write. A call returning 0 also falls back, so a real end of the
 * source is found by pread and is -EIO.
 */
static int copy_kernel(struct sink *s, int fd, uint64_t off, uint64_t len)
{
	size_t want;
	int r;

	r = sink_drain(s);
	if (r)
		return r;
	if (off > INT64_MAX || len > INT64_MAX - off)
		return sink_fail(s, -EINVAL);
	if (s->aw) {
		r = sink_aw_copy(s->aw, fd, off, len);
		return r ? sink_fail(s, r) : 0;
	}
	r = sink_kernel_copy(fd, &off, s->fd, &len, &s->kc);
	if (r)
		return sink_fail(s, r);
	while (len) {
		want = len < s->cap ? (size_t)len : s->cap;
		r = memfs_pread_all(fd, s->buf, want, off);
		if (!r)
			sink_hash_in(s, s->buf, want);
		if (!r)
			r = sink_write_all(s->fd, s->buf, want);
		if (r)
			return sink_fail(s, r);
		off += want;
		len -= want;
	}
	return 0;
}

/* The window holding src's [off, off + len), or NULL. */
static struct sink_win *win_find(struct sink *s, struct memfs_src *src,
				 uint64_t off, uint64_t len)
{
	for (int i = 0; i < SINK_NWIN; i++) {
		struct sink_win *w = &s->win[i];

		if (w->src == src && off >= w->off && off - w->off <= w->len &&
		    len <= w->len - (off - w->off))
			return w;
	}
	return NULL;
}

/*
 * Reads src around [off, off + len) into a window: the window src had, or
 * the least recently used one. Reading on from where src's last window
 * ended (tar order) reads SINK_WIN bytes ahead; a jump elsewhere (a file
 * of an upper layer among lower ones) reads just the extent, so random
 * access reads no more than it uses.
 */
static int win_fill(struct sink *s, struct memfs_src *src, uint64_t off,
		    size_t len, struct sink_win **out)
{
	struct sink_win *w = NULL;
	size_t want = len, got = 0;
	ssize_t n;

	for (int i = 0; i < SINK_NWIN; i++) {
		if (s->win[i].src == src) {
			w = &s->win[i];
			break;
		}
		if (!w || s->win[i].used < w->used)
			w = &s->win[i];
	}
	if (!w->buf && !(w->buf = malloc(SINK_WIN)))
		return -ENOMEM;
	if (w->src == src && off >= w->off + w->len &&
	    off - (w->off + w->len) <= SINK_SEQ_GAP)
		want = SINK_WIN;
	if (w->src != src) {
		memfs_src_put(w->src);
		w->src = memfs_src_get(src);
	}
	w->off = off;
	w->len = 0;
	if (off > INT64_MAX - SINK_WIN)
		return -EINVAL;
	/* short reads past len are fine: the window just ends there */
	while (got < len) {
		n = pread(src->fd, w->buf + got, want - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		got += (size_t)n;
	}
	w->len = got;
	*out = w;
	return 0;
}

/* A small extent of an fd source, through a window into the buffer. */
static int copy_window(struct sink *s, struct memfs_src *src, uint64_t off,
		       size_t len)
{
	struct sink_win *w = win_find(s, src, off, len);
	int r;

	if (!w && (r = win_fill(s, src, off, len, &w)))
		return sink_fail(s, r);
	w->used = ++s->clock;
	return sink_write(s, w->buf + (off - w->off), len);
}

int sink_copy(struct sink *s, struct memfs_src *src, uint64_t off,
	      uint64_t len)
{
	if (s->err)
		return s->err;
	if (!len)
		return 0;
	if (src->mem) {
		if (off > src->size || len > src->size - off)
			return sink_fail(s, -EIO);
		return sink_write(s, src->mem + off, (size_t)len);
	}
	if (src->fd < 0)
		return sink_fail(s, -EBADF);
	if (len <= SINK_SMALL)
		return copy_window(s, src, off, (size_t)len);
	if (s->comp == SINK_NONE)
		return copy_kernel(s, src->fd, off, len);
	return copy_pread(s, src->fd, off, len);
}

static void sink_free(struct sink *s)
{
	for (int i = 0; i < SINK_NWIN; i++) {
		memfs_src_put(s->win[i].src);
		free(s->win[i].buf);
	}
	sink_gz_free(s->gz);
	sink_aw_free(s->aw);
	ZSTD_freeCCtx(s->zs.cctx);
	free(s->zs.out);
	free(s->own_buf);
	free(s->path);
	free(s->tmp.path);
	free(s);
}

void sink_abort(struct sink *s)
{
	if (!s)
		return;
	sink_gz_free(s->gz);
	s->gz = NULL;
	sink_aw_free(s->aw);	/* before its fd is closed */
	s->aw = NULL;
	if (s->path && s->fd >= 0)
		close(s->fd);
	sink_tmp_remove(&s->tmp);
	sink_free(s);
}

static const char *sink_name(const struct sink *s)
{
	return s->path ? s->path : "-";
}

/* Flushes the last bytes and closes the temporary file. */
static int sink_flush_close(struct sink *s)
{
	struct stat st;
	int r = s->err;

	if (!r) {
		if (s->comp != SINK_NONE)
			sink_hash_in(s, s->buf, s->len);
		switch (s->comp) {
		case SINK_NONE:
			r = sink_drain(s);
			if (s->aw && !r)
				r = sink_aw_finish(s->aw);
			break;
		case SINK_GZIP:
			r = sink_gz_finish(s->gz, s->len);
			break;
		case SINK_ZSTD:
			r = zs_feed(s, ZSTD_e_end);
			break;
		}
	}
	if (!r && s->digest) {
		if (fstat(s->fd, &st))
			r = -errno;
		s->out_size = (uint64_t)st.st_size;
	}
	/* Linux releases the fd even when close fails with EINTR */
	if (!r && s->path) {
		if (close(s->fd) && errno != EINTR)
			r = -errno;
		s->fd = -1;
	}
	return r;
}

int sink_end(struct sink *s, struct sink_sums *sums, struct err *e)
{
	int r = s->ended ? 0 : sink_flush_close(s);

	if (r) {
		err_file(e, "output", sink_name(s));
		err_set(e, r, "cannot write: %s", strerror(-r));
		sink_abort(s);
		return r;
	}
	if (!s->ended && s->digest) {
		sha256_digest(&s->in_hash, SHA256_DIGEST_SIZE, s->in_sha);
		if (s->comp == SINK_NONE)
			memcpy(s->out_sha, s->in_sha, SHA256_DIGEST_SIZE);
		else
			sha256_digest(&s->out_hash, SHA256_DIGEST_SIZE,
				      s->out_sha);
	}
	s->ended = true;
	if (sums) {
		memcpy(sums->in_sha256, s->in_sha, sizeof(sums->in_sha256));
		memcpy(sums->out_sha256, s->out_sha, sizeof(sums->out_sha256));
		sums->in_size = s->in_size;
		sums->out_size = s->comp == SINK_NONE ? s->in_size
						      : s->out_size;
	}
	return 0;
}

const char *sink_temp(const struct sink *s)
{
	return s->tmp.path;
}

int sink_commit(struct sink *s, struct err *e)
{
	return sink_commit_as(s, s->path, e);
}

int sink_commit_as(struct sink *s, const char *path, struct err *e)
{
	const char *what = "cannot rename temporary file into place";
	int r = sink_end(s, NULL, e);

	if (r)
		return r;
	if (s->tmp.path && rename(s->tmp.path, path)) {
		r = -errno;
		err_file(e, "output", path);
		err_set(e, r, "%s: %s", what, strerror(-r));
		sink_abort(s);
		return r;
	}
	/* after the rename, a signal unlinking tmp finds nothing: harmless */
	sink_tmp_forget(&s->tmp);
	sink_free(s);
	return 0;
}

/*
 * An output that exists and is not a regular file (/dev/null, a fifo,
 * /dev/stdout) is written where it is: a temporary file renamed over it
 * would replace the device. Anything else gets the temporary file.
 */
static int sink_open_path(struct sink *s)
{
	struct stat st;

	if (stat(s->path, &st) || S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
		return sink_tmp_create(&s->tmp, s->path, &s->fd);
	s->fd = open(s->path, O_WRONLY | O_CLOEXEC);
	return s->fd < 0 ? -errno : 0;
}

static int sink_setup(struct sink *s, const struct sink_opts *opts)
{
	long ncpu;
	int threads = opts->threads;
	int r;

	if (threads < 0)
		return -EINVAL;
	if (!threads) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu < 1 ? 1 : ncpu > 256 ? 256 : (int)ncpu;
	}
	if (opts->digest && !s->path)
		return -EINVAL;
	if (opts->digest) {
		/* every byte must pass through user space to be hashed */
		s->digest = true;
		s->kc.no_cfr = s->kc.no_sendfile = true;
		sha256_init(&s->in_hash);
		sha256_init(&s->out_hash);
	}
	if (s->path) {
		r = sink_open_path(s);
		if (r)
			return r;
	}
	switch (s->comp) {
	case SINK_GZIP:
		r = sink_gz_open(s->fd, opts->level ? opts->level : 6, threads,
				 s->digest ? &s->out_hash : NULL, &s->gz);
		if (r)
			return r;
		s->buf = sink_gz_buf(s->gz);
		s->cap = SINK_GZ_BLOCK;
		return 0;
	case SINK_ZSTD:
		r = zs_open(s, opts->level ? opts->level : 3, threads);
		break;
	case SINK_NONE:
		r = 0;
		if (s->digest)
			break;	/* hashed on this thread, written in place */
		r = sink_aw_open(s->fd, SINK_BUF, &s->aw);
		if (r)
			return r;
		s->buf = sink_aw_buf(s->aw);
		s->cap = SINK_BUF;
		return 0;
	default:
		return -EINVAL;
	}
	if (r)
		return r;
	s->buf = s->own_buf = malloc(SINK_BUF);
	s->cap = SINK_BUF;
	return s->buf ? 0 : -ENOMEM;
}

int sink_open(const char *path, const struct sink_opts *opts,
	      struct sink **out, struct err *e)
{
	static const struct sink_opts defaults = { .comp = SINK_NONE };
	struct sink *s;
	int r = -ENOMEM;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto fail;
	s->fd = path ? -1 : STDOUT_FILENO;
	s->comp = opts->comp;
	if (path && !(s->path = strdup(path)))
		goto fail_sink;
	r = sink_setup(s, opts);
	if (r)
		goto fail_sink;
	*out = s;
	return 0;

fail_sink:
	if (r == -EINVAL)
		err_set(e, r, "invalid compression settings (level %d, %d threads)",
			opts->level, opts->threads);
	else if (s->tmp.path && s->fd < 0)
		err_set(e, r, "cannot create temporary file '%s': %s",
			s->tmp.path,
			strerror(-r));
	else
		err_set(e, r, "cannot open: %s", strerror(-r));
	err_file(e, "output", path ? path : "-");
	sink_abort(s);
	return r;
fail:
	err_file(e, "output", path ? path : "-");
	return err_set(e, r, "cannot open: %s", strerror(-r));
}

static bool has_suffix(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !strcmp(s + len - n, suffix);
}

enum sink_comp sink_comp_from_name(const char *path)
{
	static const struct {
		const char *suffix;
		enum sink_comp comp;
	} table[] = {
		{ ".gz", SINK_GZIP },	/* also .tar.gz */
		{ ".tgz", SINK_GZIP },
		{ ".zst", SINK_ZSTD },	/* also .tar.zst */
		{ ".tzst", SINK_ZSTD },
	};
	size_t len, i;

	if (!path)
		return SINK_NONE;
	len = strlen(path);
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (has_suffix(path, len, table[i].suffix))
			return table[i].comp;
	return SINK_NONE;
}
