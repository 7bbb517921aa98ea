/*
 * tarin: one layer tar in, one memfs out (see tarin.h).
 *
 * libarchive parses the tar; this file decides where each entry's bytes
 * live. A plain tar in a regular file is never read for content: libarchive
 * skips file data through our lseek skip callback and the extents point
 * into the layer file. Everything else (compressed input, pipes) has its
 * content copied once into an unlinked spool file. Reading the input and
 * writing the spool are tarin_input.c's; the changeset rules of one layer
 * (names, duplicates, hard links, whiteouts) are tarin_entry.c's.
 */
#include "layers/tarin.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/io.h"
#include "layers/memfs.h"
#include "layers/tarin_impl.h"

/* libarchive's ARCHIVE_ERRNO_FILE_FORMAT (archive_platform.h) on Linux. */
#define TARIN_ERRNO_FORMAT EILSEQ

int tarin_buf_reserve(struct tarin_buf *b, size_t cap)
{
	char *p;

	if (cap <= b->cap)
		return 0;
	if (cap < 2 * b->cap)
		cap = 2 * b->cap;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

int tarin_oom(struct tarin_loader *ld)
{
	return err_set(ld->e, -ENOMEM, "out of memory");
}

/* --- libarchive -------------------------------------------------------- */

/*
 * Records libarchive's last error on ld->e: -EINVAL when no tar format was
 * recognised, else -EIO with libarchive's message (truncated or corrupt
 * stream).
 */
static int archive_fail(struct tarin_loader *ld)
{
	int en = archive_errno(ld->a);
	const char *msg = archive_error_string(ld->a);

	if (en == ENOMEM)
		return tarin_oom(ld);
	if (en == TARIN_ERRNO_FORMAT && !archive_format(ld->a))
		return err_set(ld->e, -EINVAL, "not a tar archive");
	return err_set(ld->e, -EIO, "%s", msg ? msg : "unreadable tar archive");
}

/*
 * Whether libarchive's failure is the end of the input while it skipped an
 * entry's padding (its message since libarchive 2: "Truncated input file
 * (needed N bytes, only M available)"; no errno tells it apart).
 */
static bool unpadded_end(struct tarin_loader *ld)
{
	const char *msg = archive_error_string(ld->a);

	return msg && !strncmp(msg, "Truncated input file", 20);
}

/*
 * Opens the archive on our callbacks. Only the tar format and the four
 * codecs layers use (image-spec media types, plus xz and bzip2 that
 * docker load accepts): archive_read_support_filter_all() would also let
 * input content start external programs (lrzip, lzop, grzip).
 */
static int archive_setup(struct tarin_loader *ld)
{
	struct archive *a = archive_read_new();

	if (!a)
		return tarin_oom(ld);
	ld->a = a;
	if (archive_read_support_format_tar(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_gzip(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_zstd(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_xz(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_bzip2(a) == ARCHIVE_FATAL)
		return archive_fail(ld);
	tarin_input_callbacks(ld);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		if (!ld->in.nread && !ld->in.failed)
			return err_set(ld->e, -EINVAL, "empty layer");
		return archive_fail(ld);
	}
	ld->inplace = ld->in.regular && !ld->in.gz &&
		      archive_filter_count(a) == 1 &&
		      archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE;
	if (!ld->inplace)
		return 0;
	/*
	 * The source takes the fd over; we keep reading through it, in
	 * small reads from now on: libarchive skips file data by our lseek
	 * only past what it has buffered, so a large read block would copy
	 * in most of the content we reference in place and never use.
	 */
	ld->in.own = false;
	ld->in.chunk = TARIN_INPLACE_READ;
	ld->src = memfs_src_fd(ld->in.fd, ld->in.size);
	return ld->src ? 0 : tarin_oom(ld);
}

/* --- file content ------------------------------------------------------ */

/* Adds a run of bytes, joining it to the last when contiguous in both. */
static int ext_add(struct tarin_loader *ld, uint64_t off, uint64_t len,
		   uint64_t src_off)
{
	struct tarin_ext *x = ld->next ? &ld->ext[ld->next - 1] : NULL;

	if (x && x->off + x->len == off && x->src_off + x->len == src_off) {
		x->len += len;
		return 0;
	}
	if (ld->next == ld->extcap) {
		size_t cap = ld->extcap ? 2 * ld->extcap : 16;

		x = realloc(ld->ext, cap * sizeof(*x));
		if (!x)
			return tarin_oom(ld);
		ld->ext = x;
		ld->extcap = cap;
	}
	ld->ext[ld->next++] = (struct tarin_ext){ off, len, src_off };
	return 0;
}

/*
 * A plain, non-sparse entry of a regular file: its data starts where the
 * header ended, at the position of the (only) stream.
 */
static int data_inplace(struct tarin_loader *ld, uint64_t size,
			struct memfs_data **out)
{
	uint64_t off = ld->in.base + (uint64_t)archive_filter_bytes(ld->a, 0);
	struct memfs_data *d = NULL;

	if (off > ld->in.size || size > ld->in.size - off)
		return err_set(ld->e, -EIO, "truncated tar archive");
	d = memfs_data_new(size, 1);
	if (!d)
		return tarin_oom(ld);
	memfs_data_push(d, 0, size, ld->src, off);
	ld->data_end = off + size;
	*out = d;
	return 0;
}

/* Whether len bytes at p are all zero. */
static bool all_zero(const unsigned char *p, size_t len)
{
	return !len || (!p[0] && !p[len - 1] && !memcmp(p, p + 1, len - 1));
}

/*
 * Reads the entry's blocks; their logical offsets leave the holes of a
 * sparse file. In place, the block libarchive returns is not consumed until
 * the next call, so the stream position after the call is its offset.
 * Decompressed blocks of zeros become holes too: memfs reads a gap as
 * zeros, so a bomb of zeros costs neither spool nor memory.
 */
static int data_blocks(struct tarin_loader *ld, uint64_t size,
		       struct memfs_data **out)
{
	struct memfs_src *src;
	struct memfs_data *d = NULL;
	uint64_t end = 0, got = 0, at;
	const void *buf;
	size_t len;
	la_int64_t off;
	int r, rc;

	ld->next = 0;
	while ((r = archive_read_data_block(ld->a, &buf, &len, &off)) !=
	       ARCHIVE_EOF) {
		/* All the data came, then the stream ended in its padding:
		 * the archive ends here (umoci 0.4.7 insert writes so). */
		if (r == ARCHIVE_FATAL && got == size && unpadded_end(ld)) {
			ld->ended = true;
			break;
		}
		if (r != ARCHIVE_OK)
			return archive_fail(ld);
		if (!len)
			continue;
		if (off < 0 || (uint64_t)off < end || len > size ||
		    (uint64_t)off > size - len)
			return err_set(ld->e, -EIO, "corrupt sparse map");
		end = (uint64_t)off + len;
		got += len;
		if (ld->inplace)
			at = ld->in.base +
			     (uint64_t)archive_filter_bytes(ld->a, 0);
		else if ((rc = tarin_spool_charge(ld, len)))
			return rc;
		else if (all_zero(buf, len))
			continue;
		else if ((rc = tarin_spool_write(ld, buf, len, &at)))
			return rc;
		if ((rc = ext_add(ld, (uint64_t)off, len, at)))
			return rc;
	}
	if ((rc = tarin_spool_charge(ld, size - got)))	/* sparse holes */
		return rc;
	if (ld->next > UINT32_MAX || !(d = memfs_data_new(size,
						(uint32_t)ld->next)))
		return tarin_oom(ld);
	src = ld->inplace ? ld->src : ld->sp.src;
	for (size_t i = 0; i < ld->next; i++)
		memfs_data_push(d, ld->ext[i].off, ld->ext[i].len, src,
				ld->ext[i].src_off);
	*out = d;
	return 0;
}

int tarin_entry_data(struct tarin_loader *ld, struct archive_entry *ae,
		     struct memfs_inode *ino)
{
	la_int64_t size = archive_entry_size(ae);
	struct memfs_data *d = NULL;
	int rc;

	if (size < 0)
		return err_set(ld->e, -EINVAL, "negative file size");
	if (!size && !archive_entry_sparse_count(ae))
		return 0;	/* memfs_inode_new gave it the empty data */
	if (ld->inplace && !archive_entry_sparse_count(ae))
		rc = data_inplace(ld, (uint64_t)size, &d);
	else
		rc = data_blocks(ld, (uint64_t)size, &d);
	if (rc)
		return rc;
	memfs_inode_set_data(ino, d);
	memfs_data_put(d);
	return 0;
}

static int load_entries(struct tarin_loader *ld)
{
	struct archive_entry *ae;
	int r, rc;

	while (!ld->ended &&
	       (r = archive_read_next_header(ld->a, &ae)) != ARCHIVE_EOF) {
		/* In place, the skip of the last entry's padding is what
		 * fails: accepted when the file ends inside that padding,
		 * after the whole of the entry's data (data_inplace). */
		if (r == ARCHIVE_FATAL && ld->inplace && ld->data_end &&
		    ld->data_end % 512 && ld->in.size >= ld->data_end &&
		    ld->in.size - ld->data_end < 512 - ld->data_end % 512 &&
		    unpadded_end(ld))
			break;
		/*
		 * A warning is an error too: libarchive warns when it ignores
		 * a malformed pax record or cannot convert a name, and a
		 * layer read half-right is worse than none.
		 */
		rc = r == ARCHIVE_OK ? tarin_load_entry(ld, ae)
				     : archive_fail(ld);
		if (rc) {
			/* A warning comes with the entry it is about. */
			const char *raw = r == ARCHIVE_WARN || r == ARCHIVE_OK
					  ? archive_entry_pathname(ae) : NULL;

			if (raw)
				err_entry(ld->e, raw, strlen(raw));
			return rc;
		}
	}
	return 0;
}

/* --- the loader -------------------------------------------------------- */

static int loader_init(struct tarin_loader *ld, const struct tarin_opts *opts,
		       struct err *e)
{
	ld->e = e;
	ld->in.fd = -1;
	ld->in.progress = opts ? opts->progress : NULL;
	ld->max_entries = opts && opts->max_entries ? opts->max_entries
						    : TARIN_MAX_ENTRIES;
	ld->max_path = opts && opts->max_path ? opts->max_path
					      : TARIN_MAX_PATH;
	ld->max_depth = opts && opts->max_depth ? opts->max_depth
						: TARIN_MAX_DEPTH;
	ld->sp.dir = io_spool_dir(opts ? opts->spool_dir : NULL);
	ld->sp.max = opts && opts->max_spool ? opts->max_spool
					     : TARIN_MAX_SPOOL;
	ld->sp.used = opts && opts->spool_used ? opts->spool_used
					       : &ld->sp.own;
	if (memfs_new(&ld->fs))
		return tarin_oom(ld);
	ld->ccap = 64;
	ld->cdent = malloc(ld->ccap * sizeof(*ld->cdent));
	if (!ld->cdent)
		return tarin_oom(ld);
	ld->cdent[0] = memfs_root(ld->fs);
	return 0;
}

static void loader_release(struct tarin_loader *ld)
{
	if (ld->a)
		archive_read_free(ld->a);
	if (ld->in.own)
		close(ld->in.fd);
	memfs_src_put(ld->src);
	memfs_src_put(ld->sp.src);
	memfs_free(ld->fs);
	free(ld->in.block);
	tarin_gz_free(ld->in.gz);
	free(ld->sp.buf);
	free(ld->name.p);
	free(ld->target.p);
	free(ld->cpath.p);
	free(ld->cdent);
	free(ld->wh.p);
	free(ld->ext);
}

int tarin_load(const char *path, const struct tarin_opts *opts,
	       struct memfs **out, struct err *e)
{
	struct tarin_src src = { .path = path };

	return tarin_load_src(&src, opts, out, e);
}

int tarin_load_src(const struct tarin_src *src, const struct tarin_opts *opts,
		   struct memfs **out, struct err *e)
{
	struct tarin_loader ld = { 0 };
	/*
	 * pax names are UTF-8 (POSIX pax "path"), and libarchive converts
	 * them to the locale's charset, turning what it cannot convert into
	 * '?'. Under a UTF-8 locale, for this thread only, names come through
	 * byte for byte whatever the caller's locale.
	 */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old = utf8 ? uselocale(utf8) : (locale_t)0;
	int rc;

	*out = NULL;
	rc = loader_init(&ld, opts, e);
	if (!rc && src->dir)
		rc = tarin_load_dir(&ld, src->path);
	else if (!rc)
		rc = tarin_input_open(&ld, src);
	if (!rc && !src->dir)
		rc = archive_setup(&ld);
	if (!rc && !src->dir)
		rc = load_entries(&ld);
	if (!rc)
		rc = tarin_input_verify(&ld);
	if (!rc)
		rc = tarin_whiteouts_resolve(&ld);
	if (!rc && ld.sp.src && !(rc = tarin_spool_flush(&ld)))
		ld.sp.src->size = ld.sp.size;
	if (!rc) {
		*out = ld.fs;
		ld.fs = NULL;
	} else {
		err_file(e, "layer", src->name ? src->name : src->path);
	}
	loader_release(&ld);
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
	return rc;
}
