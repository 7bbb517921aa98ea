/*
 * tarin_gz: gzip layers inflated by Intel ISA-L's igzip, not by zlib.
 *
 * libarchive's gzip filter inflates with zlib; igzip inflates the same
 * streams about three times faster on x86-64 (its decoder takes several
 * symbols per table look-up), and the inflate was the largest single cost
 * of loading a gzip layer. So a layer that starts with a gzip member
 * (RFC 1952: ID1 0x1f, ID2 0x8b, CM 8) is inflated here, between the
 * layer's bytes and libarchive, which is handed the tar as if it were
 * plain. Members follow each other as gzip(1) and libarchive read them
 * (RFC 1952 2.2: a file is a series of members); bytes after the last
 * member that do not start another are ignored, as libarchive does.
 *
 * Unlike libarchive, which stops reading where the tar ends, the member
 * holding the tar's end is inflated to its trailer (tarin_gz_finish), so
 * that its CRC-32 and ISIZE are checked, as gzip -t and Go's gzip reader
 * (behind docker and containerd) check them.
 */
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "layers/tarin_impl.h"

struct tarin_gz {
	struct inflate_state st;
	unsigned char *out;	/* TARIN_BLOCK bytes, handed to libarchive */
	bool in_eof;		/* the layer's bytes are all read */
	bool done;		/* no member follows: the stream has ended */
	bool draining;		/* tarin_gz_finish: stop at the member's end */
};

bool tarin_gz_magic(const unsigned char *p, size_t n)
{
	return n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

int tarin_gz_start(struct tarin_input *in, size_t n)
{
	struct tarin_gz *gz = calloc(1, sizeof(*gz));

	if (!gz || !(gz->out = malloc(TARIN_BLOCK))) {
		free(gz);
		return -ENOMEM;
	}
	isal_inflate_init(&gz->st);
	gz->st.crc_flag = ISAL_GZIP;	/* parse the header, check trailer */
	gz->st.next_in = in->block;
	gz->st.avail_in = (uint32_t)n;
	in->gz = gz;
	return 0;
}

void tarin_gz_free(struct tarin_gz *gz)
{
	if (!gz)
		return;
	free(gz->out);
	free(gz);
}

/* ISA-L's verdict on a damaged stream, in libarchive's words where it has
 * them. */
static const char *gz_error(int ret)
{
	switch (ret) {
	case ISAL_INCORRECT_CHECKSUM:
		return "gzip trailer does not match the data (CRC-32 or size)";
	case ISAL_INVALID_WRAPPER:
	case ISAL_UNSUPPORTED_METHOD:
		return "invalid gzip header";
	default:
		return "damaged gzip stream";
	}
}

/*
 * At the end of a member: starts the next one when the bytes that follow
 * begin one, else ends the stream. Returns 0 or a negative errno.
 */
static int gz_next_member(struct tarin_input *in, struct tarin_gz *gz)
{
	struct inflate_state *st = &gz->st;
	uint8_t *next = st->next_in;
	uint32_t avail = st->avail_in;
	ssize_t n;

	if (gz->draining) {
		gz->done = true;
		return 0;
	}
	if (!avail && !gz->in_eof) {
		n = tarin_in_next(in);
		if (n < 0)
			return -errno;
		gz->in_eof = !n;
		next = in->block;
		avail = (uint32_t)n;
	}
	/* A short tail that begins like a header is taken for one: ISA-L
	 * then refuses it if it is not (rare: it needs a read boundary). */
	if (!avail || (avail >= 3 ? !tarin_gz_magic(next, avail)
				  : next[0] != 0x1f ||
				    (avail == 2 && next[1] != 0x8b))) {
		gz->done = true;
		return 0;
	}
	isal_inflate_reset(st);
	st->crc_flag = ISAL_GZIP;
	st->next_in = next;
	st->avail_in = avail;
	return 0;
}

ssize_t tarin_gz_read(struct tarin_input *in, const void **buf,
		      const char **msg)
{
	struct tarin_gz *gz = in->gz;
	struct inflate_state *st = &gz->st;
	ssize_t n;
	int ret;

	*msg = NULL;
	*buf = gz->out;
	while (!gz->done) {
		if (st->block_state == ISAL_BLOCK_FINISH) {
			if ((ret = gz_next_member(in, gz)))
				return ret;
			continue;
		}
		if (!st->avail_in && !gz->in_eof) {
			n = tarin_in_next(in);
			if (n < 0)
				return -errno;
			gz->in_eof = !n;
			st->next_in = in->block;
			st->avail_in = (uint32_t)n;
		}
		st->next_out = gz->out;
		st->avail_out = TARIN_BLOCK;
		ret = isal_inflate(st);
		if (ret < 0) {
			*msg = gz_error(ret);
			return -EIO;
		}
		if (st->avail_out < TARIN_BLOCK)
			return (ssize_t)(TARIN_BLOCK - st->avail_out);
		if (st->block_state != ISAL_BLOCK_FINISH && !st->avail_in &&
		    gz->in_eof) {
			*msg = "truncated gzip input";
			return -EIO;
		}
	}
	return 0;
}

void tarin_gz_drain(struct tarin_gz *gz)
{
	gz->draining = true;
}
