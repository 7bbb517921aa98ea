/*
 * sink: the output byte stream (see sink.h).
 *
 * Bytes go through one input buffer. Uncompressed, it is a 1 MiB write
 * buffer in front of the file, and sink_copy() bypasses it with
 * copy_file_range(2) or sendfile(2) for large extents. Small ones (most
 * files of an image) are copied through the buffer instead: a kernel copy
 * call costs more per file than the copy itself, and files that follow
 * each other in the output mostly follow each other in their layer too,
 * so one pread(2) of a window of the layer serves many of them.
 *
 * The buffer is the codec's (struct sink_codec, sink_impl.h): the plain
 * writer thread's (sink_aw.c), a block of the parallel gzip compressor
 * (sink_gzip.c) or zstd's input (sink_zstd.c). Compressed, or hashed,
 * sink_copy() preads straight into it.
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
#include <sys/stat.h>
#include <unistd.h>
#include <nettle/sha2.h>

#include "base/io.h"
#include "layers/memfs.h"
#include "layers/sink_impl.h"

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

/*
 * Invariants: buf holds len of cap bytes not yet handed on; err is the
 * first error (then every call returns it).
 */
struct sink {
	int fd;
	char *path;		/* destination; NULL for stdout */
	struct sink_tmp tmp;	/* beside path; no path for stdout, devices */
	const struct sink_codec *codec;
	void *state;		/* the codec's; NULL once freed */
	int err;
	unsigned char *buf;	/* the codec's */
	size_t len, cap;
	struct sink_win win[SINK_NWIN];	/* small extents (copy_window) */
	uint64_t clock;
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

static int sink_fail(struct sink *s, int r)
{
	if (!s->err)
		s->err = r;
	return s->err;
}

/* --- the sink ----------------------------------------------------------- */

/* Hands the buffered bytes on; afterwards len is 0. */
static int sink_drain(struct sink *s)
{
	int r;

	if (s->err)
		return s->err;
	sink_hash_in(s, s->buf, s->len);
	r = s->codec->write(s->state, s->len, &s->buf);
	s->len = 0;
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
	if (big && s->codec->sync && (r = s->codec->sync(s->state)))
		return sink_fail(s, r);
	return 0;
}

/* Compressed or hashed: pread straight into the codec's buffer. */
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
		r = io_pread_all(fd, s->buf + s->len, n, off);
		if (r)
			return sink_fail(s, r);
		s->len += n;
		off += n;
		len -= n;
	}
	return 0;
}

/*
 * Uncompressed, from an fd: the codec copies in the kernel
 * (copy_file_range(2) in-kernel, reflinks on some filesystems; see
 * io_copy), after the bytes buffered before.
 */
static int copy_kernel(struct sink *s, int fd, uint64_t off, uint64_t len)
{
	int r = sink_drain(s);

	if (r)
		return r;
	if (off > INT64_MAX || len > INT64_MAX - off)
		return sink_fail(s, -EINVAL);
	r = s->codec->copy(s->state, fd, off, len);
	return r ? sink_fail(s, r) : 0;
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
	int r;

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
	r = io_pread_some(src->fd, w->buf, len, want, off, &got);
	if (r)
		return r;
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
	/* a digest needs every byte in user space */
	if (s->codec->copy && !s->digest)
		return copy_kernel(s, src->fd, off, len);
	return copy_pread(s, src->fd, off, len);
}

static void sink_free(struct sink *s)
{
	for (int i = 0; i < SINK_NWIN; i++) {
		memfs_src_put(s->win[i].src);
		free(s->win[i].buf);
	}
	if (s->state)
		s->codec->free(s->state);
	free(s->path);
	free(s->tmp.path);
	free(s);
}

void sink_abort(struct sink *s)
{
	if (!s)
		return;
	if (s->state)
		s->codec->free(s->state);	/* before its fd is closed */
	s->state = NULL;
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
		sink_hash_in(s, s->buf, s->len);
		r = s->codec->finish(s->state, s->len);
		s->len = 0;
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
		sink_fail(s, r);	/* a second sink_end says the same */
		err_file(e, "output", sink_name(s));
		return err_set(e, r, "cannot write: %s", strerror(-r));
	}
	if (!s->ended && s->digest) {
		sha256_digest(&s->in_hash, SHA256_DIGEST_SIZE, s->in_sha);
		if (s->codec->identity)
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
		sums->out_size = s->codec->identity ? s->in_size
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

	if (r) {
		sink_abort(s);
		return r;
	}
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

/* The codecs, by enum sink_comp. */
static const struct sink_codec *const sink_codecs[] = {
	[SINK_NONE] = &sink_codec_none,
	[SINK_GZIP] = &sink_codec_gzip,
	[SINK_ZSTD] = &sink_codec_zstd,
};

static int sink_setup(struct sink *s, const struct sink_opts *opts)
{
	size_t ncodecs = sizeof(sink_codecs) / sizeof(sink_codecs[0]);
	long ncpu;
	int threads = opts->threads;
	int r;

	if (threads < 0 || (unsigned)opts->comp >= ncodecs ||
	    !sink_codecs[opts->comp])
		return -EINVAL;
	s->codec = sink_codecs[opts->comp];
	if (!threads) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu < 1 ? 1 : ncpu > 256 ? 256 : (int)ncpu;
	}
	if (opts->digest && !s->path)
		return -EINVAL;
	if (opts->digest) {
		s->digest = true;
		sha256_init(&s->in_hash);
		sha256_init(&s->out_hash);
	}
	if (s->path) {
		r = sink_open_path(s);
		if (r)
			return r;
	}
	return s->codec->open(s->fd, opts->level ? opts->level
						 : s->codec->level,
			      threads, s->digest ? &s->out_hash : NULL,
			      &s->state, &s->buf, &s->cap);
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
