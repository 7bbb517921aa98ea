/*
 * sink_zstd: zstd output, one frame with a checksum.
 *
 * libzstd compresses on its own workers (ZSTD_c_nbWorkers, always at
 * least 1: zstd.h promises the same bytes for any number of workers, and a
 * single-threaded context would give different ones). The sink fills one
 * input buffer; each full one is fed with ZSTD_e_continue and what comes
 * out is written at once. Nothing here prints.
 */
#include "layers/sink_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <nettle/sha2.h>
#include <zstd.h>

#include "base/io.h"

#define ZS_BUF (1u << 20)	/* the input buffer */
/*
 * zstd's job size: each worker holds about three jobs of input and output.
 * The default at level 3 (8 MiB) makes 75 MiB of peak RSS with two
 * workers, 4 MiB makes 51 MiB for output 0.6% larger (the corpus).
 */
#define ZS_JOB (4 << 20)

struct zs {
	int fd;
	struct sha256_ctx *hash;
	ZSTD_CCtx *cctx;
	unsigned char *in, *out;
	size_t out_cap;
};

static void zs_free(void *state)
{
	struct zs *z = state;

	if (!z)
		return;
	ZSTD_freeCCtx(z->cctx);
	free(z->in);
	free(z->out);
	free(z);
}

/* The compression context's parameters. 0 or -EINVAL. */
static int zs_params(ZSTD_CCtx *c, int level, int threads)
{
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

static int zs_open(int fd, int level, int threads, struct sha256_ctx *hash,
		   void **state, unsigned char **buf, size_t *cap)
{
	struct zs *z;
	int r;

	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel())
		return -EINVAL;
	z = calloc(1, sizeof(*z));
	if (!z)
		return -ENOMEM;
	z->fd = fd;
	z->hash = hash;
	z->cctx = ZSTD_createCCtx();
	z->out_cap = ZSTD_CStreamOutSize();
	z->out = malloc(z->out_cap);
	z->in = malloc(ZS_BUF);
	r = !z->cctx || !z->out || !z->in ? -ENOMEM
					  : zs_params(z->cctx, level, threads);
	if (r) {
		zs_free(z);
		return r;
	}
	*state = z;
	*buf = z->in;
	*cap = ZS_BUF;
	return 0;
}

/* Feeds len bytes of the buffer (ZSTD_e_end: and ends the frame). */
static int zs_feed(struct zs *z, size_t len, ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = { z->in, len, 0 };
	ZSTD_outBuffer out;
	size_t left;
	int r;

	for (;;) {
		out = (ZSTD_outBuffer){ z->out, z->out_cap, 0 };
		left = ZSTD_compressStream2(z->cctx, &out, &in, end);
		if (ZSTD_isError(left))
			return -EIO;
		if (z->hash)
			sha256_update(z->hash, out.pos, out.dst);
		r = io_write_all(z->fd, out.dst, out.pos);
		if (r)
			return r;
		if (end == ZSTD_e_end ? left == 0 : in.pos == in.size)
			return 0;
	}
}

static int zs_write(void *state, size_t len, unsigned char **buf)
{
	return zs_feed(state, len, ZSTD_e_continue);	/* *buf stays */
}

static int zs_finish(void *state, size_t len)
{
	return zs_feed(state, len, ZSTD_e_end);
}

const struct sink_codec sink_codec_zstd = {
	.level = 3, .open = zs_open, .write = zs_write, .finish = zs_finish,
	.free = zs_free,
};
