/*
 * sink_gzip: gzip output on every core, the way pigz makes it.
 *
 * The stream is cut into 128 KiB blocks. Each block is raw-deflated
 * (RFC 1951) on a worker thread with the previous block's last 32 KiB as
 * its dictionary and ends in a sync flush, the last block in Z_FINISH, so
 * the pieces concatenate into one deflate stream. One writer thread emits
 * them in order between a fixed gzip header (RFC 1952: MTIME 0, no name,
 * OS 255) and the trailer, whose CRC-32 it combines from the workers'
 * per-block CRCs (crc32_combine). Block boundaries depend only on the byte
 * count, never on timing, so the output is the same for any thread count.
 * At most 2 * threads + 2 blocks are in flight, which bounds memory.
 */
#include "layers/sink_impl.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define GZ_BLOCK SINK_GZ_BLOCK
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
struct sink_gz {
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
	struct sink_gz *g;
	z_stream *zs;
};

static void *gz_worker(void *arg)
{
	struct sink_gz *g = ((struct gz_worker_arg *)arg)->g;
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
	struct sink_gz *g = arg;
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
		r = b->err ? b->err : sink_write_all(g->fd, b->out, b->out_len);
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
static void gz_stop(struct sink_gz *g)
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

void sink_gz_free(struct sink_gz *g)
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
static struct gz_slot *gz_acquire(struct sink_gz *g, uint64_t seq)
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

static int gz_alloc(struct sink_gz *g)
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
static int gz_start(struct sink_gz *g)
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

/* Queues the current block; last: no next buffer is needed. */
static void gz_queue(struct sink_gz *g, size_t len, bool last)
{
	struct gz_slot *b = &g->slots[g->submitted % (uint64_t)g->nslots];

	b->in_len = len;
	b->last = last;
	pthread_mutex_lock(&g->lock);
	g->submitted++;
	pthread_cond_signal(&g->work);
	pthread_mutex_unlock(&g->lock);
}

int sink_gz_submit(struct sink_gz *g, size_t len, unsigned char **next)
{
	struct gz_slot *b;

	gz_queue(g, len, false);
	b = gz_acquire(g, g->submitted);
	if (!b)
		return g->err;
	*next = b->in;
	return 0;
}

int sink_gz_finish(struct sink_gz *g, size_t len)
{
	unsigned char trailer[8];
	int r, i;

	gz_queue(g, len, true);
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
	return sink_write_all(g->fd, trailer, sizeof(trailer));
}

unsigned char *sink_gz_buf(struct sink_gz *g)
{
	return g->slots[g->submitted % (uint64_t)g->nslots].in;
}

int sink_gz_open(int fd, int level, int threads, struct sink_gz **out)
{
	struct sink_gz *g;
	int r;

	*out = NULL;
	if (level < 1 || level > 9 || threads < 1)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->work, NULL);
	pthread_cond_init(&g->done, NULL);
	pthread_cond_init(&g->freed, NULL);
	g->fd = fd;
	g->level = level;
	g->nthreads = threads < GZ_MAX_THREADS ? threads : GZ_MAX_THREADS;
	g->nslots = 2 * g->nthreads + 2;
	r = gz_alloc(g);
	if (!r)
		r = sink_write_all(fd, gzip_head, sizeof(gzip_head));
	if (!r)
		r = gz_start(g);
	if (r) {
		sink_gz_free(g);
		return r;
	}
	*out = g;
	return 0;
}
