/*
 * plain: a compressed layer blob decompressed once into a temporary file,
 * for docker-archive output, whose layers are uncompressed tars as docker
 * save writes them. The bytes out are hashed while written: they must be
 * the layer's diff_id (config.md "rootfs"), or the image is refused.
 */
#include <archive.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "image/image_impl.h"
#include "layers/memfs.h"

struct blob_in {
	int fd;
	uint64_t left;		/* bytes of the blob not read yet */
	unsigned char buf[1 << 16];
};

static la_ssize_t blob_read(struct archive *a, void *cd, const void **buf)
{
	struct blob_in *b = cd;
	size_t want = b->left < sizeof(b->buf) ? (size_t)b->left
					       : sizeof(b->buf);
	ssize_t n;

	do
		n = read(b->fd, b->buf, want);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	b->left -= (uint64_t)n;
	*buf = b->buf;
	return n;
}

/* Copies the decompressed stream of a into s. */
static int pump(struct archive *a, struct sink *s, struct err *e)
{
	struct archive_entry *ae;
	const void *p;
	size_t len;
	la_int64_t off;
	int r;

	if (archive_read_next_header(a, &ae) != ARCHIVE_OK)
		return err_set(e, -EINVAL, "cannot decompress: %s",
			       archive_error_string(a) ? archive_error_string(a)
						       : "unknown format");
	while ((r = archive_read_data_block(a, &p, &len, &off)) == ARCHIVE_OK)
		if (sink_write(s, p, len))
			return err_set(e, -EIO, "cannot write the plain layer");
	if (r != ARCHIVE_EOF)
		return err_set(e, -EIO, "cannot decompress: %s",
			       archive_error_string(a) ? archive_error_string(a)
						       : "corrupt stream");
	return 0;
}

int image_layer_plain(const struct image_layer *l, const char *near,
		      struct sink **out, uint64_t *size, struct err *e)
{
	struct sink_opts so = { .comp = SINK_NONE, .digest = true };
	struct archive *a = archive_read_new();
	struct blob_in *b = calloc(1, sizeof(*b));
	struct sink_sums sums;
	char ds[72];
	int rc = -ENOMEM;

	*out = NULL;
	if (!a || !b)
		goto out;
	b->fd = open(l->path, O_RDONLY | O_CLOEXEC);
	b->left = l->len;
	if (b->fd < 0 || lseek(b->fd, l->window ? (off_t)l->off : 0,
			       SEEK_SET) < 0) {
		rc = err_set(e, -errno, "cannot open '%s': %s", l->path,
			     strerror(errno));
		goto out;
	}
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open(a, b, NULL, blob_read, NULL) != ARCHIVE_OK) {
		rc = err_set(e, -EINVAL, "cannot decompress: %s",
			     archive_error_string(a));
		goto out;
	}
	rc = sink_open(near, &so, out, e);
	if (!rc)
		rc = pump(a, *out, e);
	if (rc) {
		sink_abort(*out);
		*out = NULL;
		goto out;
	}
	rc = sink_end(*out, &sums, e);
	if (rc) {
		*out = NULL;
		goto out;
	}
	*size = sums.in_size;
	if (memcmp(sums.in_sha256, l->diff_id, 32)) {
		rc = err_set(e, -EBADMSG, "%s: content is not its diff_id %s",
			     l->name ? l->name : l->path,
			     image_digest_str(l->diff_id, ds));
		sink_abort(*out);
		*out = NULL;
	}
out:
	if (b && b->fd >= 0)
		close(b->fd);
	free(b);
	archive_read_free(a);
	return rc;
}

int image_layer_recompress(const struct image_layer *l, enum sink_comp comp,
			   const char *near, struct image_layer *out,
			   struct sink **tmp, struct err *e)
{
	struct sink_opts so = { .comp = comp, .digest = true };
	struct sink *plain = NULL;
	struct memfs_src *src;
	struct sink_sums sums;
	uint64_t size;
	int fd, rc;

	*tmp = NULL;
	memset(out, 0, sizeof(*out));
	if (!strcmp(l->media_type, image_layer_media_type(comp)))
		return 1;	/* compressed so already: the blob stays */
	rc = image_layer_plain(l, near, &plain, &size, e);
	if (rc)
		return rc;
	fd = open(sink_temp(plain), O_RDONLY | O_CLOEXEC);
	src = fd < 0 ? NULL : memfs_src_fd(fd, size);
	rc = src ? sink_open(near, &so, tmp, e) : -errno;
	if (!rc) {
		rc = sink_copy(*tmp, src, 0, size);
		if (rc) {
			sink_abort(*tmp);
			*tmp = NULL;
			err_set(e, rc, "cannot write the layer: %s",
				strerror(-rc));
		}
	}
	if (!rc && (rc = sink_end(*tmp, &sums, e)))
		*tmp = NULL;
	memfs_src_put(src);
	sink_abort(plain);
	if (rc)
		return rc;
	*out = *l;
	out->path = strdup(sink_temp(*tmp));
	out->name = l->name ? strdup(l->name) : NULL;
	out->window = false;
	out->off = 0;
	out->len = sums.out_size;
	out->has_digest = true;
	memcpy(out->digest, sums.out_sha256, 32);
	out->media_type = image_layer_media_type(comp);
	return out->path ? 0 : -ENOMEM;
}
