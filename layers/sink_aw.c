/*
 * sink_aw: the plain output's writer thread.
 *
 * Uncompressed, the work of output is the kernel's: write(2) of the
 * buffered headers and small files, copy_file_range(2) or sendfile(2) of
 * large files, each filling the destination's page cache. Done on the
 * thread that walks the tree and formats headers, it adds to that work;
 * done here, the two overlap on two cores. The producer queues full
 * buffers and copy requests in order; this thread carries them out in the
 * same order, so the bytes are those a single thread would write. A
 * failure is kept and returned by every later call. Nothing here prints.
 */
#include "layers/sink_impl.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/io.h"

#define SINK_AW_BUF (1u << 20)	/* one buffer: the plain write buffer */
#define AW_NBUF 3		/* buffers: one filling, two queued */
#define AW_NITEM 256		/* queued requests */

struct aw_item {
	int buf;		/* index of a buffer to write, or -1: a copy */
	size_t len;
	int fd;			/* a copy: len bytes of fd from off */
	uint64_t off;
};

/*
 * Invariants (under lock): items [head, tail) are queued, in order;
 * free_bufs[0..nfree) are buffers nobody holds; err is the first error.
 */
struct sink_aw {
	int fd;
	size_t cap;
	unsigned char *bufs[AW_NBUF];
	int free_bufs[AW_NBUF], nfree;
	int cur;		/* the buffer the producer fills */
	struct aw_item items[AW_NITEM];
	uint64_t head, tail;
	bool stop, started;
	int err;
	struct io_copy kc;	/* fallbacks, decided by the thread */
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t more, room;
};

/*
 * len bytes of fd from off to the output (io_copy: a buffer only if the
 * kernel will not copy).
 */
static int aw_copy(struct sink_aw *a, int fd, uint64_t off, uint64_t len)
{
	return io_copy(fd, off, a->fd, IO_AT_POS, len, &a->kc, NULL, a->cap);
}

static void *aw_main(void *arg)
{
	struct sink_aw *a = arg;
	struct aw_item it;
	bool skip;
	int r;

	pthread_mutex_lock(&a->lock);
	for (;;) {
		while (!a->stop && a->head == a->tail)
			pthread_cond_wait(&a->more, &a->lock);
		if (a->head == a->tail)
			break;	/* stopped, and everything is done */
		it = a->items[a->head % AW_NITEM];
		skip = a->err != 0;
		pthread_mutex_unlock(&a->lock);
		r = skip ? 0 : it.buf >= 0
			? io_write_all(a->fd, a->bufs[it.buf], it.len)
			: aw_copy(a, it.fd, it.off, it.len);
		if (it.buf < 0)
			close(it.fd);	/* the copy's own (sink_aw_copy) */
		pthread_mutex_lock(&a->lock);
		if (r && !a->err)
			a->err = r;
		if (it.buf >= 0)
			a->free_bufs[a->nfree++] = it.buf;
		a->head++;
		pthread_cond_signal(&a->room);
	}
	pthread_mutex_unlock(&a->lock);
	return NULL;
}

/* Queues an item, waiting for room. Returns the first error so far. */
static int aw_queue(struct sink_aw *a, struct aw_item it)
{
	int r;

	pthread_mutex_lock(&a->lock);
	while (!a->err && a->tail - a->head == AW_NITEM)
		pthread_cond_wait(&a->room, &a->lock);
	if (!a->err) {
		a->items[a->tail++ % AW_NITEM] = it;
		pthread_cond_signal(&a->more);
	}
	r = a->err;
	pthread_mutex_unlock(&a->lock);
	return r;
}

int sink_aw_write(struct sink_aw *a, size_t len, unsigned char **next)
{
	int r = 0;

	if (len)
		r = aw_queue(a, (struct aw_item){ .buf = a->cur, .len = len });
	if (r || !len)
		return r;
	pthread_mutex_lock(&a->lock);
	while (!a->err && !a->nfree)
		pthread_cond_wait(&a->room, &a->lock);
	r = a->err;
	if (!r)
		a->cur = a->free_bufs[--a->nfree];
	pthread_mutex_unlock(&a->lock);
	if (!r)
		*next = a->bufs[a->cur];
	return r;
}

int sink_aw_copy(struct sink_aw *a, int fd, uint64_t off, uint64_t len)
{
	int own, r;

	if (off > INT64_MAX || len > INT64_MAX - off)
		return -EINVAL;
	/*
	 * The copy runs later, on the thread: it needs an fd of its own,
	 * for the caller may drop the source (and close its fd) as soon as
	 * this returns.
	 */
	own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (own < 0)
		return -errno;
	r = aw_queue(a, (struct aw_item){ .buf = -1, .fd = own, .off = off,
					  .len = len });
	if (r)
		close(own);	/* not queued */
	return r;
}

int sink_aw_sync(struct sink_aw *a)
{
	int r;

	pthread_mutex_lock(&a->lock);
	while (!a->err && a->head != a->tail)
		pthread_cond_wait(&a->room, &a->lock);
	r = a->err;
	pthread_mutex_unlock(&a->lock);
	return r;
}

/* Stops the thread once the queue is empty. */
static void aw_stop(struct sink_aw *a)
{
	if (!a->started)
		return;
	pthread_mutex_lock(&a->lock);
	a->stop = true;
	pthread_cond_signal(&a->more);
	pthread_mutex_unlock(&a->lock);
	pthread_join(a->thread, NULL);
	a->started = false;
}

int sink_aw_finish(struct sink_aw *a)
{
	aw_stop(a);
	return a->err;
}

unsigned char *sink_aw_buf(struct sink_aw *a)
{
	return a->bufs[a->cur];
}

void sink_aw_free(struct sink_aw *a)
{
	if (!a)
		return;
	/* an abort: what is queued need not be written */
	pthread_mutex_lock(&a->lock);
	if (!a->err)
		a->err = -ECANCELED;
	pthread_mutex_unlock(&a->lock);
	aw_stop(a);
	for (int i = 0; i < AW_NBUF; i++)
		free(a->bufs[i]);
	pthread_cond_destroy(&a->more);
	pthread_cond_destroy(&a->room);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

int sink_aw_open(int fd, size_t cap, struct sink_aw **out)
{
	struct sink_aw *a = calloc(1, sizeof(*a));
	sigset_t all, old;
	int r;

	*out = NULL;
	if (!a)
		return -ENOMEM;
	a->fd = fd;
	a->cap = cap;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->more, NULL);
	pthread_cond_init(&a->room, NULL);
	for (int i = 0; i < AW_NBUF; i++) {
		if (!(a->bufs[i] = malloc(cap))) {
			sink_aw_free(a);
			return -ENOMEM;
		}
		if (i)
			a->free_bufs[a->nfree++] = i;
	}
	a->cur = 0;
	/* the thread takes no signals: the main thread handles them */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = -pthread_create(&a->thread, NULL, aw_main, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r) {
		sink_aw_free(a);
		return r;
	}
	a->started = true;
	*out = a;
	return 0;
}

/* --- the codec row: plain output, written by the thread ----------------- */

static int none_open(int fd, int level, int threads, struct sha256_ctx *hash,
		     void **state, unsigned char **buf, size_t *cap)
{
	struct sink_aw *a;
	int r = sink_aw_open(fd, SINK_AW_BUF, &a);

	if (r)
		return r;
	*state = a;
	*buf = sink_aw_buf(a);
	*cap = SINK_AW_BUF;
	return 0;
}

static int none_write(void *state, size_t len, unsigned char **buf)
{
	return sink_aw_write(state, len, buf);
}

static int none_finish(void *state, size_t len)
{
	unsigned char *next;
	int r = sink_aw_write(state, len, &next);

	return r ? r : sink_aw_finish(state);
}

static void none_free(void *state)
{
	sink_aw_free(state);
}

static int none_copy(void *state, int fd, uint64_t off, uint64_t len)
{
	return sink_aw_copy(state, fd, off, len);
}

static int none_sync(void *state)
{
	return sink_aw_sync(state);
}

const struct sink_codec sink_codec_none = {
	.open = none_open, .write = none_write, .finish = none_finish,
	.free = none_free, .copy = none_copy, .sync = none_sync,
	.identity = true,
};
