/*
 * memfs_data: file content for memfs (see memfs.h). A source is a file
 * (the layer itself, or a spool) or a memory buffer; a data object is a
 * sorted list of extents into sources, and the gaps between them are holes
 * that read as zeros. Both are reference counted, and shared between
 * inodes and between the memfs of one thread; the empty data object is
 * shared by every memfs, so it is never counted.
 */
#include "layers/memfs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"

struct memfs_src *memfs_src_fd(int fd, uint64_t size)
{
	struct memfs_src *s = calloc(1, sizeof(*s));

	if (!s) {
		close(fd);
		return NULL;
	}
	s->refs = 1;
	s->fd = fd;
	s->size = size;
	return s;
}

struct memfs_src *memfs_src_mem(const void *buf, size_t len)
{
	struct memfs_src *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->mem = malloc(len ? len : 1);
	if (!s->mem) {
		free(s);
		return NULL;
	}
	if (len)
		memcpy(s->mem, buf, len);
	s->refs = 1;
	s->fd = -1;
	s->size = len;
	return s;
}

struct memfs_src *memfs_src_get(struct memfs_src *src)
{
	src->refs++;
	return src;
}

void memfs_src_put(struct memfs_src *src)
{
	if (!src || --src->refs)
		return;
	if (src->fd >= 0)
		close(src->fd);
	free(src->mem);
	free(src);
}

/*
 * Shared by every memfs, so by every loader thread (memfs.h): read-only,
 * its count never touched, where counting it would be a data race.
 */
static struct memfs_data empty_data = { .refs = 1 };

struct memfs_data *memfs_data_new(uint64_t size, uint32_t n)
{
	struct memfs_data *d;

	d = malloc(sizeof(*d) + (size_t)n * sizeof(d->ext[0]));
	if (!d)
		return NULL;
	d->refs = 1;
	d->size = size;
	d->n = 0;
	return d;
}

void memfs_data_push(struct memfs_data *d, uint64_t off, uint64_t len,
		     struct memfs_src *src, uint64_t src_off)
{
	struct memfs_extent *x = &d->ext[d->n++];

	x->off = off;
	x->len = len;
	x->src = src ? memfs_src_get(src) : NULL;
	x->src_off = src_off;
}

struct memfs_data *memfs_data_empty(void)
{
	return &empty_data;
}

struct memfs_data *memfs_data_get(struct memfs_data *d)
{
	if (d != &empty_data)
		d->refs++;
	return d;
}

void memfs_data_put(struct memfs_data *d)
{
	if (!d || d == &empty_data || --d->refs)
		return;
	for (uint32_t i = 0; i < d->n; i++)
		memfs_src_put(d->ext[i].src);
	free(d);
}

int memfs_data_truncate(const struct memfs_data *d, uint64_t size,
			struct memfs_data **out)
{
	struct memfs_data *nd = memfs_data_new(size, d->n);

	if (!nd)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->n && d->ext[i].off < size; i++) {
		const struct memfs_extent *x = &d->ext[i];
		uint64_t len = x->len;

		if (x->off + len > size)
			len = size - x->off;
		if (x->src)
			memfs_data_push(nd, x->off, len, x->src, x->src_off);
	}
	*out = nd;
	return 0;
}

int memfs_data_append(const struct memfs_data *d, struct memfs_src *src,
		      uint64_t src_off, uint64_t len, struct memfs_data **out)
{
	struct memfs_data *nd = memfs_data_new(d->size + len, d->n + 1);

	if (!nd)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->n; i++) {
		const struct memfs_extent *x = &d->ext[i];

		if (x->src)
			memfs_data_push(nd, x->off, x->len, x->src, x->src_off);
	}
	if (len)
		memfs_data_push(nd, d->size, len, src, src_off);
	*out = nd;
	return 0;
}

/* Reads len bytes of one extent's source. */
static ssize_t src_read(const struct memfs_extent *x, uint64_t at, void *buf,
			size_t len)
{
	int rc;

	if (!x->src) {
		memset(buf, 0, len);
		return (ssize_t)len;
	}
	if (x->src->mem) {
		memcpy(buf, x->src->mem + x->src_off + at, len);
		return (ssize_t)len;
	}
	rc = io_pread_all(x->src->fd, buf, len, x->src_off + at);
	return rc ? rc : (ssize_t)len;
}

ssize_t memfs_data_read(const struct memfs_data *d, uint64_t off, void *buf,
			size_t len)
{
	size_t done = 0;
	uint32_t i = 0;

	if (off >= d->size)
		return 0;
	if (len > d->size - off)
		len = (size_t)(d->size - off);
	while (done < len) {
		uint64_t pos = off + done;
		size_t n = len - done;
		ssize_t r;

		while (i < d->n && d->ext[i].off + d->ext[i].len <= pos)
			i++;
		if (i == d->n || d->ext[i].off > pos) {
			/* A gap reads as zeros, up to the next extent. */
			if (i < d->n && d->ext[i].off - pos < n)
				n = (size_t)(d->ext[i].off - pos);
			memset((char *)buf + done, 0, n);
			done += n;
			continue;
		}
		if (d->ext[i].off + d->ext[i].len - pos < n)
			n = (size_t)(d->ext[i].off + d->ext[i].len - pos);
		r = src_read(&d->ext[i], pos - d->ext[i].off,
			     (char *)buf + done, n);
		if (r < 0)
			return r;
		done += n;
	}
	return (ssize_t)done;
}

