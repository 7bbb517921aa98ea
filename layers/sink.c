/*
 * sink: the output byte stream (see sink.h).
 *
 * Bytes go through one input buffer. Uncompressed, it is a 1 MiB write
 * buffer in front of the file, and sink_copy() bypasses it with
 * copy_file_range(2) or sendfile(2). Gzip output is compressed the way pigz
 * does it, on every core: the stream is cut into 128 KiB blocks, each block
 * is raw-deflated on a worker thread with the previous 32 KiB as its
 * dictionary and ends in a sync flush (the last in Z_FINISH), and one writer
 * thread emits the blocks in order between a fixed gzip header (RFC 1952,
 * MTIME 0, OS 255) and the trailer, whose CRC-32 is combined from the
 * workers' per-block CRCs. Block boundaries depend only on the byte count,
 * so the output is the same for any thread count. Zstd output uses libzstd's
 * own workers (ZSTD_c_nbWorkers, always at least 1, whose output does not
 * depend on the number of workers).
 *
 * The temporary file lives beside the destination so that rename(2) is
 * atomic; every open temporary is on a registry list that the signal
 * handler walks with sink_cleanup_all().
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
#include <zlib.h>
#include <zstd.h>

#include "layers/memfs.h"

#define SINK_BUF (1u << 20)	/* write buffer, zstd input, copy chunk */
#define GZ_BLOCK (128u << 10)	/* pigz's default block size */
#define GZ_DICT (32u << 10)	/* deflate's window */
#define GZ_MAX_THREADS 23	/* 2 * 23 + 2 slots of ~290 KiB: < 14 MiB */

struct gz_slot {
	unsigned char *in;	/* GZ_BLOCK bytes */
	size_t in_len;
	unsigned char dict[GZ_DICT];	/* the previous block's tail */
	size_t dict_len;
	unsigned char *out;
	size_t out_len, out_cap;
	uint32_t crc;		/* crc32 of in */
	bool last;
	bool done;		/* compressed, waiting for the writer */
	int err;
};

/*
 * The gzip pipeline. Block number seq lives in slot seq % nslots. The
 * producer fills blocks [written + nslots) at most; workers take blocks in
 * order from taken to submitted; the writer writes block `written` once it
 * is done. Counters and flags are under lock.
 */
struct gz {
	int fd;
	int level;
	int nthreads, nslots;
	struct gz_slot *slots;
	z_stream *zs;		/* one per worker */
	pthread_t *workers;
	int nworkers;		/* started */
	pthread_t writer;
	bool writer_started;
	pthread_mutex_t lock;
	pthread_cond_t work;	/* workers: submitted moved, or stop */
	pthread_cond_t done;	/* writer: a block is done, or stop */
	pthread_cond_t freed;	/* producer: written moved, or err */
	uint64_t submitted, taken, written;
	bool stop;
	int err;		/* first worker or writer error */
	uint32_t crc;		/* writer's running crc32 */
	uint64_t total;		/* writer's uncompressed byte count */
};

struct zs {
	ZSTD_CCtx *cctx;
	unsigned char *out;
	size_t out_cap;
};

/*
 * Invariants: buf holds len of cap bytes not yet handed on; err is the
 * first error (then every call returns it). tmp is NULL for stdout.
 */
struct sink {
	int fd;
	char *path;		/* destination; NULL for stdout */
	char *tmp;		/* temporary beside it; NULL for stdout */
	struct sink *_Atomic reg_next;	/* cleanup registry link */
	bool registered;
	enum sink_comp comp;
	int err;
	bool no_cfr, no_sendfile;	/* fallbacks decided once */
	unsigned char *buf;
	size_t len, cap;
	unsigned char *own_buf;	/* buf for SINK_NONE and SINK_ZSTD */
	struct gz *gz;
	struct zs zs;
};

/* --- the cleanup registry --------------------------------------------- */

/*
 * Every sink with a temporary file. The signal handler only reads it
 * (atomic loads of lock-free pointers, then unlink(2), both
 * async-signal-safe); it is changed with all signals blocked in the
 * changing thread and under reg_lock against other threads.
 */
static struct sink *_Atomic reg_head;
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;

static void reg_add(struct sink *s)
{
	pthread_mutex_lock(&reg_lock);
	atomic_store(&s->reg_next, atomic_load(&reg_head));
	atomic_store(&reg_head, s);
	s->registered = true;
	pthread_mutex_unlock(&reg_lock);
}

static void reg_remove(struct sink *s)
{
	sigset_t all, old;
	struct sink *_Atomic *link;

	if (!s->registered)
		return;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_mutex_lock(&reg_lock);
	for (link = &reg_head; atomic_load(link);
	     link = &atomic_load(link)->reg_next) {
		if (atomic_load(link) == s) {
			atomic_store(link, atomic_load(&s->reg_next));
			break;
		}
	}
	s->registered = false;
	pthread_mutex_unlock(&reg_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void sink_cleanup_all(void)
{
	struct sink *s;

	for (s = atomic_load(&reg_head); s; s = atomic_load(&s->reg_next))
		unlink(s->tmp);
}

/* --- plain I/O ---------------------------------------------------------- */

/* write(2) until every byte is out (OpenBSD signify writeall). */
static int write_all(int fd, const void *buf, size_t len)
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

/* pread(2) exactly len bytes; the source ending first is -EIO. */
static int pread_all(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len) {
		if (off > INT64_MAX)
			return -EINVAL;
		n = pread(fd, p, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

static int sink_fail(struct sink *s, int r)
{
	if (!s->err)
		s->err = r;
	return s->err;
}

/* --- gzip --------------------------------------------------------------- */

/* RFC 1952: ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=255 (unknown). */
static const unsigned char gzip_head[10] = {
	0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255
};

/* Raw-deflates one block; Z_SYNC_FLUSH ends it on a byte boundary so the
 * next block's output can follow it (pigz). */
static int gz_compress(z_stream *zs, struct gz_slot *b)
{
	int flush = b->last ? Z_FINISH : Z_SYNC_FLUSH;
	unsigned char *p;
	size_t used;
	int ret;

	if (deflateReset(zs) != Z_OK)
		return -EIO;
	if (b->dict_len &&
	    deflateSetDictionary(zs, b->dict, (uInt)b->dict_len) != Z_OK)
		return -EIO;
	b->crc = (uint32_t)crc32(0, b->in, (uInt)b->in_len);
	zs->next_in = b->in;
	zs->avail_in = (uInt)b->in_len;
	zs->next_out = b->out;
	zs->avail_out = (uInt)b->out_cap;
	for (;;) {
		ret = deflate(zs, flush);
		if (ret == Z_STREAM_ERROR)
			return -EIO;
		if (flush == Z_FINISH ? ret == Z_STREAM_END
				      : zs->avail_out > 0 || ret == Z_BUF_ERROR)
			break;
		/* deflateBound() was short: grow and call again */
		used = b->out_cap - zs->avail_out;
		p = realloc(b->out, b->out_cap * 2);
		if (!p)
			return -ENOMEM;
		b->out = p;
		b->out_cap *= 2;
		zs->next_out = p + used;
		zs->avail_out = (uInt)(b->out_cap - used);
	}
	b->out_len = b->out_cap - zs->avail_out;
	return 0;
}

struct gz_worker_arg {
	struct gz *g;
	z_stream *zs;
};

static void *gz_worker(void *arg)
{
	struct gz *g = ((struct gz_worker_arg *)arg)->g;
	z_stream *zs = ((struct gz_worker_arg *)arg)->zs;
	struct gz_slot *b;
	int r;

	free(arg);
	pthread_mutex_lock(&g->lock);
	for (;;) {
		while (!g->stop && g->taken == g->submitted)
			pthread_cond_wait(&g->work, &g->lock);
		if (g->stop)
			break;
		b = &g->slots[g->taken++ % (uint64_t)g->nslots];
		pthread_mutex_unlock(&g->lock);
		r = gz_compress(zs, b);
		pthread_mutex_lock(&g->lock);
		b->err = r;
		b->done = true;
		pthread_cond_signal(&g->done);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

static void *gz_writer(void *arg)
{
	struct gz *g = arg;
	struct gz_slot *b;
	int r;

	pthread_mutex_lock(&g->lock);
	for (;;) {
		b = &g->slots[g->written % (uint64_t)g->nslots];
		while (!g->stop && !(g->written < g->submitted && b->done))
			pthread_cond_wait(&g->done, &g->lock);
		if (g->stop)
			break;
		pthread_mutex_unlock(&g->lock);
		r = b->err ? b->err : write_all(g->fd, b->out, b->out_len);
		if (!r) {
			g->crc = (uint32_t)crc32_combine(g->crc, b->crc,
							 (z_off_t)b->in_len);
			g->total += b->in_len;
		}
		pthread_mutex_lock(&g->lock);
		if (r) {
			g->err = r;
			pthread_cond_broadcast(&g->freed);
			break;
		}
		b->done = false;
		g->written++;
		pthread_cond_broadcast(&g->freed);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* Stops and joins every thread (pending blocks are dropped). */
static void gz_stop(struct gz *g)
{
	int i;

	pthread_mutex_lock(&g->lock);
	g->stop = true;
	pthread_cond_broadcast(&g->work);
	pthread_cond_broadcast(&g->done);
	pthread_mutex_unlock(&g->lock);
	for (i = 0; i < g->nworkers; i++)
		pthread_join(g->workers[i], NULL);
	g->nworkers = 0;
	if (g->writer_started)
		pthread_join(g->writer, NULL);
	g->writer_started = false;
}

static void gz_free(struct gz *g)
{
	int i;

	if (!g)
		return;
	gz_stop(g);
	for (i = 0; g->zs && i < g->nthreads; i++)
		if (g->zs[i].state)
			deflateEnd(&g->zs[i]);
	for (i = 0; g->slots && i < g->nslots; i++) {
		free(g->slots[i].in);
		free(g->slots[i].out);
	}
	free(g->slots);
	free(g->zs);
	free(g->workers);
	pthread_cond_destroy(&g->work);
	pthread_cond_destroy(&g->done);
	pthread_cond_destroy(&g->freed);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/*
 * Waits for block seq's slot to be free and gives it the tail of block
 * seq - 1 as its dictionary. Returns the slot, or NULL on a pipeline error.
 */
static struct gz_slot *gz_acquire(struct gz *g, uint64_t seq)
{
	struct gz_slot *b, *prev;
	int err;

	pthread_mutex_lock(&g->lock);
	while (!g->err && seq >= g->written + (uint64_t)g->nslots)
		pthread_cond_wait(&g->freed, &g->lock);
	err = g->err;
	pthread_mutex_unlock(&g->lock);
	if (err)
		return NULL;
	b = &g->slots[seq % (uint64_t)g->nslots];
	b->in_len = 0;
	b->dict_len = 0;
	b->last = false;
	if (seq > 0) {
		/* only the producer writes a slot's input, and block seq - 1
		 * is not recycled before block seq is written */
		prev = &g->slots[(seq - 1) % (uint64_t)g->nslots];
		b->dict_len = prev->in_len < GZ_DICT ? prev->in_len : GZ_DICT;
		memcpy(b->dict, prev->in + prev->in_len - b->dict_len,
		       b->dict_len);
	}
	return b;
}

/* Hands the filled block to the workers and moves to the next slot. */
static int gz_submit(struct sink *s, bool last)
{
	struct gz *g = s->gz;
	struct gz_slot *b = &g->slots[g->submitted % (uint64_t)g->nslots];

	b->in_len = s->len;
	b->last = last;
	pthread_mutex_lock(&g->lock);
	g->submitted++;
	pthread_cond_signal(&g->work);
	pthread_mutex_unlock(&g->lock);
	s->len = 0;
	if (last)
		return 0;
	b = gz_acquire(g, g->submitted);
	if (!b)
		return g->err;
	s->buf = b->in;
	return 0;
}

static int gz_finish(struct sink *s)
{
	struct gz *g = s->gz;
	unsigned char trailer[8];
	int r, i;

	r = gz_submit(s, true);
	if (r)
		return r;
	pthread_mutex_lock(&g->lock);
	while (!g->err && g->written < g->submitted)
		pthread_cond_wait(&g->freed, &g->lock);
	r = g->err;
	pthread_mutex_unlock(&g->lock);
	gz_stop(g);
	if (r)
		return r;
	/* RFC 1952: CRC32 then ISIZE (size mod 2^32), little-endian */
	for (i = 0; i < 4; i++) {
		trailer[i] = (unsigned char)(g->crc >> (8 * i));
		trailer[4 + i] = (unsigned char)(g->total >> (8 * i));
	}
	return write_all(g->fd, trailer, sizeof(trailer));
}

static int gz_alloc(struct gz *g)
{
	int i;

	g->slots = calloc((size_t)g->nslots, sizeof(*g->slots));
	g->zs = calloc((size_t)g->nthreads, sizeof(*g->zs));
	g->workers = calloc((size_t)g->nthreads, sizeof(*g->workers));
	if (!g->slots || !g->zs || !g->workers)
		return -ENOMEM;
	for (i = 0; i < g->nthreads; i++)
		if (deflateInit2(&g->zs[i], g->level, Z_DEFLATED, -15, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK)
			return -ENOMEM;
	for (i = 0; i < g->nslots; i++) {
		/* room for the block and its sync-flush marker */
		g->slots[i].out_cap = deflateBound(&g->zs[0], GZ_BLOCK) + 64;
		g->slots[i].in = malloc(GZ_BLOCK);
		g->slots[i].out = malloc(g->slots[i].out_cap);
		if (!g->slots[i].in || !g->slots[i].out)
			return -ENOMEM;
	}
	return 0;
}

/* Worker threads take no signals: the main thread handles them. */
static int gz_start(struct gz *g)
{
	struct gz_worker_arg *a;
	sigset_t all, old;
	int r = 0;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; g->nworkers < g->nthreads; g->nworkers++) {
		a = malloc(sizeof(*a));
		if (!a) {
			r = -ENOMEM;
			break;
		}
		a->g = g;
		a->zs = &g->zs[g->nworkers];
		r = -pthread_create(&g->workers[g->nworkers], NULL, gz_worker,
				    a);
		if (r) {
			free(a);
			break;
		}
	}
	if (!r) {
		r = -pthread_create(&g->writer, NULL, gz_writer, g);
		g->writer_started = !r;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

static int gz_open(struct sink *s, int level, int threads)
{
	struct gz *g;
	int r;

	if (level < 1 || level > 9)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	s->gz = g;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->done, NULL);
	pthread_cond_init(&g->freed, NULL);
	g->fd = s->fd;
	g->level = level;
	g->nthreads = threads < GZ_MAX_THREADS ? threads : GZ_MAX_THREADS;
	g->nslots = 2 * g->nthreads + 2;
	r = gz_alloc(g);
	if (!r)
		r = write_all(s->fd, gzip_head, sizeof(gzip_head));
	if (!r)
		r = gz_start(g);
	if (r)
		return r;
	s->buf = g->slots[0].in;
	s->cap = GZ_BLOCK;
	return 0;
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
		r = write_all(s->fd, out.dst, out.pos);
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
	switch (s->comp) {
	case SINK_NONE:
		r = write_all(s->fd, s->buf, s->len);
		s->len = 0;
		break;
	case SINK_GZIP:
		r = gz_submit(s, false);
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
	size_t n;
	int r;

	if (s->err)
		return s->err;
	if (s->comp == SINK_NONE && len >= s->cap) {
		r = sink_drain(s);
		if (!r)
			r = write_all(s->fd, p, len);
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
		r = pread_all(fd, s->buf + s->len, n, off);
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

/*
 * Uncompressed, from an fd: copy_file_range(2) (in-kernel, reflinks on
 * some filesystems), else sendfile(2) (works to pipes), else
 * pread + write. A call returning 0 also falls back, so a real end of the
 * source is found by pread and is -EIO.
 */
static int copy_kernel(struct sink *s, int fd, uint64_t off, uint64_t len)
{
	const size_t max = 1u << 30;
	loff_t o;
	ssize_t n;
	size_t want;
	int r;

	r = sink_drain(s);
	if (r)
		return r;
	if (off > INT64_MAX || len > INT64_MAX - off)
		return sink_fail(s, -EINVAL);
	o = (loff_t)off;
	while (len) {
		want = len < max ? (size_t)len : max;
		if (!s->no_cfr)
			n = copy_file_range(fd, &o, s->fd, NULL, want, 0);
		else if (!s->no_sendfile)
			n = sendfile(s->fd, fd, &o, want);
		else
			break;
		if (n > 0) {
			len -= (uint64_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && !copy_unsupported(errno))
			return sink_fail(s, -errno);
		if (!s->no_cfr)
			s->no_cfr = true;
		else
			s->no_sendfile = true;
	}
	off = (uint64_t)o;
	while (len) {
		want = len < s->cap ? (size_t)len : s->cap;
		r = pread_all(fd, s->buf, want, off);
		if (!r)
			r = write_all(s->fd, s->buf, want);
		if (r)
			return sink_fail(s, r);
		off += want;
		len -= want;
	}
	return 0;
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
	if (s->comp == SINK_NONE)
		return copy_kernel(s, src->fd, off, len);
	return copy_pread(s, src->fd, off, len);
}

static void sink_free(struct sink *s)
{
	gz_free(s->gz);
	ZSTD_freeCCtx(s->zs.cctx);
	free(s->zs.out);
	free(s->own_buf);
	free(s->path);
	free(s->tmp);
	free(s);
}

void sink_abort(struct sink *s)
{
	if (!s)
		return;
	if (s->gz)
		gz_stop(s->gz);
	if (s->tmp && s->fd >= 0)
		close(s->fd);
	if (s->registered) {
		unlink(s->tmp);
		reg_remove(s);
	}
	sink_free(s);
}

static const char *sink_name(const struct sink *s)
{
	return s->path ? s->path : "-";
}

int sink_commit(struct sink *s, struct err *e)
{
	const char *what = "cannot write";
	int r = s->err;

	if (!r) {
		switch (s->comp) {
		case SINK_NONE:
			r = sink_drain(s);
			break;
		case SINK_GZIP:
			r = gz_finish(s);
			break;
		case SINK_ZSTD:
			r = zs_feed(s, ZSTD_e_end);
			break;
		}
	}
	/* Linux releases the fd even when close fails with EINTR */
	if (!r && s->tmp) {
		if (close(s->fd) && errno != EINTR)
			r = -errno;
		s->fd = -1;
	}
	if (!r && s->tmp && rename(s->tmp, s->path)) {
		r = -errno;
		what = "cannot rename temporary file into place";
	}
	if (r) {
		err_file(e, "output", sink_name(s));
		err_set(e, r, "%s: %s", what, strerror(-r));
		sink_abort(s);
		return r;
	}
	/* after the rename, a signal unlinking tmp finds nothing: harmless */
	reg_remove(s);
	sink_free(s);
	return 0;
}

/* The process umask; umask(2) can only be read by setting it. */
static mode_t current_umask(void)
{
	mode_t m = umask(022);

	umask(m);
	return m;
}

/* Creates ".BASE.XXXXXX" beside path and registers it, signals blocked so
 * that no signal finds it created but unregistered. */
static int sink_mktemp(struct sink *s)
{
	const char *slash = strrchr(s->path, '/');
	size_t dirlen = slash ? (size_t)(slash - s->path) + 1 : 0;
	const char *base = s->path + dirlen;
	size_t size = strlen(s->path) + 10;
	sigset_t all, old;
	int r = 0;

	if (!*base)
		return -EISDIR;
	s->tmp = malloc(size);
	if (!s->tmp)
		return -ENOMEM;
	snprintf(s->tmp, size, "%.*s.%s.XXXXXX", (int)dirlen, s->path, base);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	s->fd = mkostemp(s->tmp, O_CLOEXEC);
	if (s->fd < 0)
		r = -errno;
	else
		reg_add(s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return r;
	/* mkstemp makes 0600; the output is an ordinary new file */
	if (fchmod(s->fd, 0666 & ~current_umask()))
		return -errno;
	return 0;
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
	if (s->path) {
		r = sink_mktemp(s);
		if (r)
			return r;
	}
	switch (s->comp) {
	case SINK_GZIP:
		return gz_open(s, opts->level ? opts->level : 6, threads);
	case SINK_ZSTD:
		r = zs_open(s, opts->level ? opts->level : 3, threads);
		break;
	case SINK_NONE:
		r = 0;
		break;
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
	else if (s->tmp && s->fd < 0)
		err_set(e, r, "cannot create temporary file '%s': %s", s->tmp,
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
