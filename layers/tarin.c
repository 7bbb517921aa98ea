/*
 * tarin: one layer tar in, one memfs out (see tarin.h).
 *
 * libarchive parses the tar; this file decides where each entry's bytes
 * live and applies the changeset rules of one layer (OCI image-spec
 * layer.md "Changesets" and "Whiteouts"). A plain tar in a regular file is
 * never read for content: libarchive skips file data through our lseek
 * skip callback and the extents point into the layer file. Everything else
 * (compressed input, pipes, sparse entries of a compressed stream) has its
 * content copied once into an unlinked spool file. Whiteouts are recorded
 * while reading and resolved after the last entry, so where a marker stood
 * in the tar relative to its siblings never matters.
 */
#include "layers/tarin.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "layers/memfs.h"
#include "layers/whiteout.h"

/* Defaults of the hostile-input limits (tarin_opts fields left 0). */
#define TARIN_MAX_ENTRIES 10000000ULL
#define TARIN_MAX_PATH 65536
#define TARIN_MAX_DEPTH 4096
#define TARIN_NAME_MAX 255	/* bytes of one component, as NAME_MAX */
#define TARIN_BLOCK (1u << 20)	/* read and spool buffers */
/* libarchive's ARCHIVE_ERRNO_FILE_FORMAT (archive_platform.h) on Linux. */
#define TARIN_ERRNO_FORMAT EILSEQ

/* Growable bytes; p is NUL-terminated at len once anything was put. */
struct tbuf {
	char *p;
	size_t len, cap;
};

/* The layer file or standard input, read in TARIN_BLOCK pieces. */
struct input {
	int fd;
	bool own;		/* fd is ours to close (not yet given away) */
	bool regular;		/* a regular file: seekable, size known */
	uint64_t base;		/* offset where reading began */
	uint64_t size;		/* st_size of a regular file */
	uint64_t nread;		/* bytes read so far */
	unsigned char *block;
};

/* The per-layer spool: an unlinked file written through a buffer. */
struct spool {
	const char *dir;
	struct memfs_src *src;	/* NULL until the first byte */
	unsigned char *buf;
	size_t fill;
	uint64_t size;		/* bytes written, buffered ones included */
};

struct ext {
	uint64_t off, len, src_off;
};

struct loader {
	struct archive *a;
	struct memfs *fs;
	struct err *e;
	struct input in;
	struct spool sp;
	struct memfs_src *src;	/* the layer file, when read in place */
	bool inplace;
	uint64_t max_entries, nentries;
	size_t max_path, max_depth;
	struct tbuf name;	/* the current entry's cleaned name */
	struct tbuf target;	/* its cleaned hard link target */
	/*
	 * The last parent directory walked to: cpath is its cleaned path and
	 * cdent[i] the dentry after i of its components (cdent[0] the root),
	 * so consecutive entries of one directory skip the walk.
	 */
	struct tbuf cpath;
	struct memfs_dentry **cdent;
	size_t cdepth, ccap;
	struct tbuf wh;		/* whiteout targets, NUL-separated paths */
	struct ext *ext;	/* extents of the current file */
	size_t next, extcap;
};

static int tbuf_reserve(struct tbuf *b, size_t cap)
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

static int oom(struct loader *ld)
{
	return err_set(ld->e, -ENOMEM, "out of memory");
}

/* --- input and spool --------------------------------------------------- */

static la_ssize_t in_read(struct archive *a, void *cd, const void **buf)
{
	struct input *in = cd;
	ssize_t n;

	do
		n = read(in->fd, in->block, TARIN_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read error: %s", strerror(errno));
		return -1;
	}
	in->nread += (uint64_t)n;
	*buf = in->block;
	return n;
}

/*
 * Skips by lseek, never past the end of the file: a short skip makes
 * libarchive read for the rest, find the end, and report truncation.
 */
static la_int64_t in_skip(struct archive *a, void *cd, la_int64_t req)
{
	struct input *in = cd;
	off_t cur = lseek(in->fd, 0, SEEK_CUR);

	if (cur < 0 || req <= 0 || (uint64_t)cur >= in->size)
		return 0;
	if ((uint64_t)req > in->size - (uint64_t)cur)
		req = (la_int64_t)(in->size - (uint64_t)cur);
	if (lseek(in->fd, (off_t)req, SEEK_CUR) < 0)
		return 0;
	return req;
}

static int input_open(struct loader *ld, const char *path)
{
	struct input *in = &ld->in;
	struct stat st;
	off_t pos;

	if (!strcmp(path, "-"))
		in->fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	else
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (in->fd < 0)
		return err_set(ld->e, -errno, "cannot open: %s",
			       strerror(errno));
	in->own = true;
	if (fstat(in->fd, &st) < 0)
		return err_set(ld->e, -errno, "cannot stat: %s",
			       strerror(errno));
	if (S_ISDIR(st.st_mode))
		return err_set(ld->e, -EISDIR, "is a directory");
	in->block = malloc(TARIN_BLOCK);
	if (!in->block)
		return oom(ld);
	if (!S_ISREG(st.st_mode))
		return 0;
	/* Standard input may be a regular file opened mid-way. */
	pos = lseek(in->fd, 0, SEEK_CUR);
	in->regular = pos >= 0;
	in->base = pos > 0 ? (uint64_t)pos : 0;
	in->size = (uint64_t)st.st_size;
	if (in->regular && in->size <= in->base)
		return err_set(ld->e, -EINVAL, "empty layer");
	return 0;
}

/* Writes all of buf (OpenBSD signify writeall). */
static int write_all(int fd, const unsigned char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An unlinked file in the spool directory: O_TMPFILE, else mkstemp. */
static int spool_open(struct loader *ld)
{
	struct spool *sp = &ld->sp;
	size_t dlen = strlen(sp->dir);
	char *tmpl;
	int fd;

	sp->buf = malloc(TARIN_BLOCK);
	if (!sp->buf)
		return oom(ld);
	fd = open(sp->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		tmpl = malloc(dlen + sizeof("/overtar-spool-XXXXXX"));
		if (!tmpl)
			return oom(ld);
		memcpy(tmpl, sp->dir, dlen);
		memcpy(tmpl + dlen, "/overtar-spool-XXXXXX",
		       sizeof("/overtar-spool-XXXXXX"));
		fd = mkostemp(tmpl, O_CLOEXEC);
		if (fd >= 0)
			unlink(tmpl);
		free(tmpl);
	}
	if (fd < 0)
		return err_set(ld->e, -errno,
			       "cannot create a spool file in '%s': %s",
			       sp->dir, strerror(errno));
	sp->src = memfs_src_fd(fd, 0);
	return sp->src ? 0 : oom(ld);
}

static int spool_flush(struct loader *ld)
{
	struct spool *sp = &ld->sp;
	int rc;

	if (!sp->fill)
		return 0;
	rc = write_all(sp->src->fd, sp->buf, sp->fill);
	if (rc)
		return err_set(ld->e, rc, "cannot write the spool file: %s",
			       strerror(-rc));
	sp->fill = 0;
	return 0;
}

/* Appends len bytes to the spool; *at is where they start in it. */
static int spool_write(struct loader *ld, const void *p, size_t len,
		       uint64_t *at)
{
	struct spool *sp = &ld->sp;
	int rc;

	if (!sp->src && (rc = spool_open(ld)))
		return rc;
	*at = sp->size;
	while (len) {
		size_t n = TARIN_BLOCK - sp->fill;

		if (!n && (rc = spool_flush(ld)))
			return rc;
		if (!n)
			continue;
		if (n > len)
			n = len;
		memcpy(sp->buf + sp->fill, p, n);
		sp->fill += n;
		sp->size += n;
		p = (const char *)p + n;
		len -= n;
	}
	return 0;
}

/* --- libarchive -------------------------------------------------------- */

/* Records libarchive's error for r (below ARCHIVE_OK) on ld->e. */
static int archive_fail(struct loader *ld)
{
	int en = archive_errno(ld->a);
	const char *msg = archive_error_string(ld->a);

	if (en == ENOMEM)
		return oom(ld);
	if (en == TARIN_ERRNO_FORMAT && !archive_format(ld->a))
		return err_set(ld->e, -EINVAL, "not a tar archive");
	return err_set(ld->e, -EIO, "%s", msg ? msg : "unreadable tar archive");
}

/*
 * Opens the archive on our callbacks. Only the tar format and the four
 * codecs layers use (image-spec media types, plus xz and bzip2 that
 * docker load accepts): archive_read_support_filter_all() would also let
 * input content start external programs (lrzip, lzop, grzip).
 */
static int archive_setup(struct loader *ld)
{
	struct archive *a = archive_read_new();

	if (!a)
		return oom(ld);
	ld->a = a;
	if (archive_read_support_format_tar(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_gzip(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_zstd(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_xz(a) == ARCHIVE_FATAL ||
	    archive_read_support_filter_bzip2(a) == ARCHIVE_FATAL)
		return archive_fail(ld);
	archive_read_set_read_callback(a, in_read);
	if (ld->in.regular)
		archive_read_set_skip_callback(a, in_skip);
	archive_read_set_callback_data(a, &ld->in);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		if (!ld->in.nread)
			return err_set(ld->e, -EINVAL, "empty layer");
		return archive_fail(ld);
	}
	ld->inplace = ld->in.regular && archive_filter_count(a) == 1 &&
		      archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE;
	if (!ld->inplace)
		return 0;
	/* The source takes the fd over; we keep reading through it. */
	ld->in.own = false;
	ld->src = memfs_src_fd(ld->in.fd, ld->in.size);
	return ld->src ? 0 : oom(ld);
}

/* --- file content ------------------------------------------------------ */

/* Adds a run of bytes, joining it to the last when contiguous in both. */
static int ext_add(struct loader *ld, uint64_t off, uint64_t len,
		   uint64_t src_off)
{
	struct ext *x = ld->next ? &ld->ext[ld->next - 1] : NULL;

	if (x && x->off + x->len == off && x->src_off + x->len == src_off) {
		x->len += len;
		return 0;
	}
	if (ld->next == ld->extcap) {
		size_t cap = ld->extcap ? 2 * ld->extcap : 16;

		x = realloc(ld->ext, cap * sizeof(*x));
		if (!x)
			return oom(ld);
		ld->ext = x;
		ld->extcap = cap;
	}
	ld->ext[ld->next++] = (struct ext){ off, len, src_off };
	return 0;
}

/*
 * A plain, non-sparse entry of a regular file: its data starts where the
 * header ended, at the position of the (only) stream.
 */
static int data_inplace(struct loader *ld, uint64_t size,
			struct memfs_data **out)
{
	uint64_t off = ld->in.base + (uint64_t)archive_filter_bytes(ld->a, 0);
	struct memfs_data *d;

	if (off > ld->in.size || size > ld->in.size - off)
		return err_set(ld->e, -EIO, "truncated tar archive");
	d = memfs_data_new(size, 1);
	if (!d)
		return oom(ld);
	memfs_data_push(d, 0, size, ld->src, off);
	*out = d;
	return 0;
}

/*
 * Reads the entry's blocks; their logical offsets leave the holes of a
 * sparse file. In place, the block libarchive returns is not consumed until
 * the next call, so the stream position after the call is its offset.
 */
static int data_blocks(struct loader *ld, uint64_t size,
		       struct memfs_data **out)
{
	struct memfs_src *src;
	struct memfs_data *d;
	uint64_t end = 0, at;
	const void *buf;
	size_t len;
	la_int64_t off;
	int r, rc;

	ld->next = 0;
	while ((r = archive_read_data_block(ld->a, &buf, &len, &off)) !=
	       ARCHIVE_EOF) {
		if (r != ARCHIVE_OK)
			return archive_fail(ld);
		if (!len)
			continue;
		if (off < 0 || (uint64_t)off < end || len > size ||
		    (uint64_t)off > size - len)
			return err_set(ld->e, -EIO, "corrupt sparse map");
		end = (uint64_t)off + len;
		if (ld->inplace)
			at = ld->in.base +
			     (uint64_t)archive_filter_bytes(ld->a, 0);
		else if ((rc = spool_write(ld, buf, len, &at)))
			return rc;
		if ((rc = ext_add(ld, (uint64_t)off, len, at)))
			return rc;
	}
	if (ld->next > UINT32_MAX || !(d = memfs_data_new(size,
						(uint32_t)ld->next)))
		return oom(ld);
	src = ld->inplace ? ld->src : ld->sp.src;
	for (size_t i = 0; i < ld->next; i++)
		memfs_data_push(d, ld->ext[i].off, ld->ext[i].len, src,
				ld->ext[i].src_off);
	*out = d;
	return 0;
}

static int entry_data(struct loader *ld, struct archive_entry *ae,
		      struct memfs_inode *ino)
{
	la_int64_t size = archive_entry_size(ae);
	struct memfs_data *d;
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

/* --- names and the tree ------------------------------------------------ */

/*
 * Cleans raw into out: no leading "/" or "./", no empty or "." component,
 * no trailing '/'; *depth is the number of components ("" is the root).
 * A ".." component is refused rather than resolved: a layer is a changeset
 * of its own root (image-spec layer.md), nothing in it may name its parent.
 */
static int clean_name(struct loader *ld, const char *raw, const char *what,
		      struct tbuf *out, size_t *depth)
{
	size_t n = strlen(raw), d = 0;
	const char *p = raw, *end = raw + n;
	char *o;

	if (n > ld->max_path)
		return err_set(ld->e, -ENAMETOOLONG,
			       "%s longer than %zu bytes", what, ld->max_path);
	if (tbuf_reserve(out, n + 1))
		return oom(ld);
	o = out->p;
	while (p < end) {
		const char *s = p;
		size_t len;

		while (p < end && *p != '/')
			p++;
		len = (size_t)(p - s);
		p += p < end;
		if (!len || (len == 1 && s[0] == '.'))
			continue;
		if (len == 2 && s[0] == '.' && s[1] == '.')
			return err_set(ld->e, -EINVAL,
				       "%s climbs out of the root", what);
		if (len > TARIN_NAME_MAX)
			return err_set(ld->e, -ENAMETOOLONG,
				       "%s has a component over %d bytes",
				       what, TARIN_NAME_MAX);
		if (o != out->p)
			*o++ = '/';
		memcpy(o, s, len);
		o += len;
		d++;
	}
	*o = '\0';
	out->len = (size_t)(o - out->p);
	*depth = d;
	if (d > ld->max_depth)
		return err_set(ld->e, -E2BIG, "%s deeper than %zu components",
			       what, ld->max_depth);
	return 0;
}

static size_t count_slashes(const char *p, size_t len)
{
	size_t k = 0;

	for (const char *q = p; (q = memchr(q, '/', len - (size_t)(q - p)));
	     q++)
		k++;
	return k;
}

static void cache_reset(struct loader *ld)
{
	ld->cdepth = 0;
	ld->cpath.len = 0;
}

/* A directory implied by a deeper entry: 0755 root:root, mtime 0. */
static int implicit_dir(struct loader *ld, struct memfs_dentry *dir,
			const char *name, size_t len,
			struct memfs_dentry **out)
{
	struct memfs_inode *ino;
	int rc;

	/* A ".wh." name stands for a whiteout, never for a directory. */
	if (len >= WH_PREFIX_LEN && !memcmp(name, WH_PREFIX, WH_PREFIX_LEN))
		return err_set(ld->e, -EINVAL, "invalid whiteout '%.*s'",
			       (int)len, name);
	if ((rc = memfs_inode_new(ld->fs, S_IFDIR | 0755, NULL, 0, &ino)))
		return oom(ld);
	rc = memfs_link(ld->fs, dir, name, len, ino, out);
	memfs_inode_put(ino);
	return rc ? err_set(ld->e, rc, "cannot add '%.*s'", (int)len, name)
		  : 0;
}

/*
 * The directory named by the first plen bytes of the cleaned path p,
 * creating missing ones. Starts from the longest whole-component prefix
 * shared with the previous walk. Never follows symlinks: a layer is a
 * filesystem of its own, so a non-directory on the way is an error.
 */
static int walk_parent(struct loader *ld, const char *p, size_t plen,
		       struct memfs_dentry **out)
{
	const char *c = ld->cpath.p;
	size_t clen = ld->cpath.len, i = 0, k, pos;

	while (i < plen && i < clen && p[i] == c[i])
		i++;
	if ((i == plen || p[i] == '/') && (i == clen || c[i] == '/')) {
		k = i ? count_slashes(p, i) + 1 : 0;
		pos = i < plen ? i + 1 : i;
	} else {
		while (i && p[i - 1] != '/')
			i--;
		k = count_slashes(p, i);
		pos = i;
	}
	if (tbuf_reserve(&ld->cpath, plen + 1))
		return oom(ld);
	memcpy(ld->cpath.p, p, plen);
	ld->cdepth = k;
	ld->cpath.len = pos ? pos - 1 : 0;
	while (pos < plen) {
		struct memfs_dentry *d = ld->cdent[k], *child;
		const char *s = p + pos, *e = memchr(s, '/', plen - pos);
		size_t len = e ? (size_t)(e - s) : plen - pos;
		int rc;

		child = memfs_lookup(d, s, len);
		if (!child && (rc = implicit_dir(ld, d, s, len, &child)))
			return rc;
		if (!child->ino || !S_ISDIR(child->ino->mode))
			return err_set(ld->e, -ENOTDIR,
				       "'%.*s' is not a directory",
				       (int)(pos + len), p);
		if (k + 1 >= ld->ccap) {
			size_t cap = 2 * ld->ccap;
			struct memfs_dentry **v;

			v = realloc(ld->cdent, cap * sizeof(*v));
			if (!v)
				return oom(ld);
			ld->cdent = v;
			ld->ccap = cap;
		}
		ld->cdent[++k] = child;
		ld->cdepth = k;
		ld->cpath.len = pos + len;
		pos += len + 1;
	}
	*out = ld->cdent[k];
	return 0;
}

/* The dentry at cleaned path p (len bytes), or NULL; creates nothing. */
static struct memfs_dentry *resolve(struct loader *ld, const char *p,
				    size_t len)
{
	struct memfs_dentry *d = memfs_root(ld->fs);
	size_t pos = 0;

	while (d && pos < len) {
		const char *s = p + pos, *e = memchr(s, '/', len - pos);
		size_t n = e ? (size_t)(e - s) : len - pos;

		if (!d->ino || !S_ISDIR(d->ino->mode))
			return NULL;
		d = memfs_lookup(d, s, n);
		pos += n + 1;
	}
	return d;
}

/*
 * A directory named again takes the new metadata and keeps its children,
 * as tar extraction does; an opaque flag, however it came, stays.
 */
static int dir_update(struct loader *ld, struct memfs_inode *to,
		      const struct memfs_inode *from)
{
	to->mode = from->mode;
	to->uid = from->uid;
	to->gid = from->gid;
	to->mtime = from->mtime;
	to->flags |= from->flags;
	return memfs_xattr_copy(to, from) ? oom(ld) : 0;
}

/* Puts ino at name in dir; a later duplicate replaces an earlier one. */
static int place(struct loader *ld, struct memfs_dentry *dir,
		 const char *name, size_t len, struct memfs_inode *ino)
{
	struct memfs_dentry *old = memfs_lookup(dir, name, len);
	int rc;

	if (old && old->ino && S_ISDIR(old->ino->mode)) {
		if (S_ISDIR(ino->mode))
			return dir_update(ld, old->ino, ino);
		cache_reset(ld);	/* the walk cache may point below */
	}
	if (old)
		memfs_unlink(ld->fs, old);
	rc = memfs_link(ld->fs, dir, name, len, ino, NULL);
	return rc ? err_set(ld->e, rc, "cannot add '%.*s'", (int)len, name)
		  : 0;
}

/* --- entries ----------------------------------------------------------- */

static int entry_xattrs(struct loader *ld, struct archive_entry *ae,
			struct memfs_inode *ino)
{
	const char *name;
	const void *val;
	size_t len;

	archive_entry_xattr_reset(ae);
	while (archive_entry_xattr_next(ae, &name, &val, &len) == ARCHIVE_OK) {
		if (!name || !*name)
			return err_set(ld->e, -EINVAL, "empty xattr name");
		/*
		 * overlayfs.rst: trusted.overlay.* belongs to the overlay
		 * that wrote the tar; opaque "y" is its opaque directory.
		 */
		if (!strncmp(name, WH_OVL_XATTR_PREFIX,
			     sizeof(WH_OVL_XATTR_PREFIX) - 1)) {
			if (S_ISDIR(ino->mode) &&
			    !strcmp(name, WH_OVL_OPAQUE_XATTR) && len == 1 &&
			    *(const char *)val == 'y')
				ino->flags |= MEMFS_I_OPAQUE;
			continue;
		}
		if (memfs_xattr_set(ino, name, val, len))
			return oom(ld);
	}
	return 0;
}

/* A new inode with the entry's type, metadata, xattrs and content. */
static int entry_inode(struct loader *ld, struct archive_entry *ae,
		       mode_t type, struct memfs_inode **out)
{
	const char *target = S_ISLNK(type) ? archive_entry_symlink(ae) : NULL;
	la_int64_t uid = archive_entry_uid(ae), gid = archive_entry_gid(ae);
	struct memfs_inode *ino;
	int rc;

	if (S_ISLNK(type) && !target)
		return err_set(ld->e, -EINVAL, "symlink without a target");
	/* (uid_t)-1 means "no change" to chown(2): never a real owner. */
	if (uid < 0 || uid >= UINT32_MAX)
		return err_set(ld->e, -EINVAL, "uid %lld out of range",
			       (long long)uid);
	if (gid < 0 || gid >= UINT32_MAX)
		return err_set(ld->e, -EINVAL, "gid %lld out of range",
			       (long long)gid);
	rc = memfs_inode_new(ld->fs, type | (archive_entry_perm(ae) & 07777),
			     target, target ? strlen(target) : 0, &ino);
	if (rc)
		return oom(ld);
	ino->uid = (uid_t)uid;
	ino->gid = (gid_t)gid;
	if (archive_entry_mtime_is_set(ae)) {
		ino->mtime.tv_sec = archive_entry_mtime(ae);
		ino->mtime.tv_nsec = archive_entry_mtime_nsec(ae);
	}
	if (S_ISCHR(type) || S_ISBLK(type))
		ino->rdev = archive_entry_rdev(ae);
	rc = entry_xattrs(ld, ae, ino);
	if (!rc && S_ISREG(type))
		rc = entry_data(ld, ae, ino);
	if (rc) {
		memfs_inode_put(ino);
		return rc;
	}
	*out = ino;
	return 0;
}

/*
 * Records a whiteout of the cleaned path p (len bytes) for the end of the
 * layer, after making sure its directory exists (dlen bytes of p).
 */
static int whiteout_record(struct loader *ld, const char *p, size_t dlen,
			   size_t len)
{
	struct memfs_dentry *dir;
	int rc = walk_parent(ld, p, dlen, &dir);

	if (rc)
		return rc;
	if (tbuf_reserve(&ld->wh, ld->wh.len + len + 1))
		return oom(ld);
	memcpy(ld->wh.p + ld->wh.len, p, len);
	ld->wh.p[ld->wh.len + len] = '\0';
	ld->wh.len += len + 1;
	return 0;
}

/*
 * An OCI whiteout file (image-spec layer.md "Whiteouts"): ".wh..wh..opq"
 * makes its directory opaque; ".wh.NAME" deletes NAME below. Its own
 * metadata means nothing. Names that cannot be deleted (".wh." with
 * nothing, ".", "..") and the rest of the reserved ".wh..wh." space are
 * refused.
 */
static int whiteout_entry(struct loader *ld, size_t dlen, const char *base,
			  size_t blen)
{
	const char *nm = base + WH_PREFIX_LEN;
	size_t nlen = blen - WH_PREFIX_LEN;
	struct memfs_dentry *dir;
	int rc;

	if (blen == WH_OPAQUE_LEN && !memcmp(base, WH_OPAQUE, blen)) {
		if ((rc = walk_parent(ld, ld->name.p, dlen, &dir)))
			return rc;
		dir->ino->flags |= MEMFS_I_OPAQUE;
		return 0;
	}
	if (!nlen || (nm[0] == '.' && (nlen == 1 || (nlen == 2 &&
						      nm[1] == '.'))) ||
	    (nlen >= WH_PREFIX_LEN && !memcmp(nm, WH_PREFIX, WH_PREFIX_LEN)))
		return err_set(ld->e, -EINVAL, "invalid whiteout");
	/* Turn "dir/.wh.NAME" into "dir/NAME" in place. */
	memmove((char *)base, nm, nlen + 1);
	ld->name.len -= WH_PREFIX_LEN;
	return whiteout_record(ld, ld->name.p, dlen, ld->name.len);
}

/*
 * Resolves each recorded whiteout against the finished layer. A whiteout
 * hides lower layers only, never an entry of its own layer: with a
 * directory of that name here, the lower one is replaced, so the directory
 * becomes opaque; with a non-directory, that entry hides the lower already.
 */
static int whiteouts_resolve(struct loader *ld)
{
	for (size_t i = 0; i < ld->wh.len;) {
		const char *p = ld->wh.p + i, *slash;
		size_t len = strlen(p), dlen;
		struct memfs_dentry *dir, *d;
		int rc;

		i += len + 1;
		slash = memrchr(p, '/', len);
		dlen = slash ? (size_t)(slash - p) : 0;
		dir = resolve(ld, p, dlen);
		/* Gone with its directory, replaced by a later non-dir. */
		if (!dir || !dir->ino || !S_ISDIR(dir->ino->mode))
			continue;
		p += slash ? dlen + 1 : 0;
		len -= slash ? dlen + 1 : 0;
		d = memfs_lookup(dir, p, len);
		if (d && d->ino && S_ISDIR(d->ino->mode))
			d->ino->flags |= MEMFS_I_OPAQUE;
		if (d)
			continue;
		if ((rc = memfs_link(ld->fs, dir, p, len, NULL, NULL)))
			return err_set(ld->e, rc, "cannot add whiteout '%s'",
				       p);
	}
	return 0;
}

/*
 * A hard link: a new name for a non-directory earlier in this layer. The
 * target is held while placing, since replacing a directory at the link's
 * name may drop the target's dentry.
 */
static int hardlink_entry(struct loader *ld, struct archive_entry *ae,
			  struct memfs_dentry *dir, const char *base,
			  size_t blen)
{
	const char *t = ld->target.p;
	struct memfs_dentry *d;
	struct memfs_inode *ino;
	size_t depth;
	int rc = clean_name(ld, archive_entry_hardlink(ae),
			    "hard link target", &ld->target, &depth);

	if (rc)
		return rc;
	t = ld->target.p;
	if (!strcmp(t, ld->name.p))
		return err_set(ld->e, -EINVAL,
			       "hard link target '%s' is the entry itself", t);
	d = resolve(ld, t, ld->target.len);
	if (!d || !d->ino)
		return err_set(ld->e, -EINVAL,
			       "hard link target '%s' not found", t);
	if (S_ISDIR(d->ino->mode))
		return err_set(ld->e, -EINVAL,
			       "hard link target '%s' is a directory", t);
	ino = memfs_inode_get(d->ino);
	rc = place(ld, dir, base, blen, ino);
	memfs_inode_put(ino);
	return rc;
}

/* The file type of a non-link entry; sockets and unknowns are refused. */
static int entry_type(struct loader *ld, struct archive_entry *ae,
		      mode_t *type)
{
	*type = archive_entry_filetype(ae);
	switch (*type) {
	case AE_IFREG: case AE_IFDIR: case AE_IFLNK:
	case AE_IFCHR: case AE_IFBLK: case AE_IFIFO:
		return 0;
	default:
		return err_set(ld->e, -EINVAL, "unsupported entry type 0%o",
			       (unsigned)*type);
	}
}

/* The entry "./": the root directory's own metadata. */
static int root_entry(struct loader *ld, struct archive_entry *ae,
		      mode_t type)
{
	struct memfs_inode *ino;
	int rc;

	if (archive_entry_hardlink(ae) || !S_ISDIR(type))
		return err_set(ld->e, -EINVAL, "the root is not a directory");
	if ((rc = entry_inode(ld, ae, type, &ino)))
		return rc;
	rc = dir_update(ld, memfs_root(ld->fs)->ino, ino);
	memfs_inode_put(ino);
	return rc;
}

static int load_entry(struct loader *ld, struct archive_entry *ae)
{
	const char *raw = archive_entry_pathname(ae), *base, *slash;
	struct memfs_dentry *dir;
	struct memfs_inode *ino;
	size_t depth, dlen, blen;
	mode_t type = 0;
	int rc;

	if (!raw)
		return err_set(ld->e, -EINVAL, "entry without a name");
	if (++ld->nentries > ld->max_entries)
		return err_set(ld->e, -E2BIG, "more than %llu entries",
			       (unsigned long long)ld->max_entries);
	if ((rc = clean_name(ld, raw, "name", &ld->name, &depth)))
		return rc;
	if (!archive_entry_hardlink(ae) && (rc = entry_type(ld, ae, &type)))
		return rc;
	if (!depth)
		return root_entry(ld, ae, type);
	slash = memrchr(ld->name.p, '/', ld->name.len);
	dlen = slash ? (size_t)(slash - ld->name.p) : 0;
	base = slash ? slash + 1 : ld->name.p;
	blen = ld->name.len - (size_t)(base - ld->name.p);
	if (blen >= WH_PREFIX_LEN && !memcmp(base, WH_PREFIX, WH_PREFIX_LEN))
		return whiteout_entry(ld, dlen, base, blen);
	/* overlayfs.rst: a character device 0/0 is a whiteout. */
	if (S_ISCHR(type) && !archive_entry_rdevmajor(ae) &&
	    !archive_entry_rdevminor(ae))
		return whiteout_record(ld, ld->name.p, dlen, ld->name.len);
	if ((rc = walk_parent(ld, ld->name.p, dlen, &dir)))
		return rc;
	/* Any data a pax writer put on a hard link is skipped unread. */
	if (archive_entry_hardlink(ae))
		return hardlink_entry(ld, ae, dir, base, blen);
	if ((rc = entry_inode(ld, ae, type, &ino)))
		return rc;
	rc = place(ld, dir, base, blen, ino);
	memfs_inode_put(ino);
	return rc;
}

static int load_entries(struct loader *ld)
{
	struct archive_entry *ae;
	int r, rc;

	while ((r = archive_read_next_header(ld->a, &ae)) != ARCHIVE_EOF) {
		/*
		 * A warning is an error too: libarchive warns when it ignores
		 * a malformed pax record or cannot convert a name, and a
		 * layer read half-right is worse than none.
		 */
		if (r != ARCHIVE_OK)
			return archive_fail(ld);
		if ((rc = load_entry(ld, ae))) {
			const char *raw = archive_entry_pathname(ae);

			if (raw)
				err_entry(ld->e, raw, strlen(raw));
			return rc;
		}
	}
	return 0;
}

/* --- the loader -------------------------------------------------------- */

static int loader_init(struct loader *ld, const struct tarin_opts *opts,
		       struct err *e)
{
	const char *tmp = getenv("TMPDIR");

	ld->e = e;
	ld->in.fd = -1;
	ld->max_entries = opts && opts->max_entries ? opts->max_entries
						    : TARIN_MAX_ENTRIES;
	ld->max_path = opts && opts->max_path ? opts->max_path
					      : TARIN_MAX_PATH;
	ld->max_depth = opts && opts->max_depth ? opts->max_depth
						: TARIN_MAX_DEPTH;
	ld->sp.dir = opts && opts->spool_dir ? opts->spool_dir
		     : tmp && *tmp ? tmp : "/var/tmp";
	if (memfs_new(&ld->fs))
		return oom(ld);
	ld->ccap = 64;
	ld->cdent = malloc(ld->ccap * sizeof(*ld->cdent));
	if (!ld->cdent)
		return oom(ld);
	ld->cdent[0] = memfs_root(ld->fs);
	return 0;
}

static void loader_release(struct loader *ld)
{
	if (ld->a)
		archive_read_free(ld->a);
	if (ld->in.own)
		close(ld->in.fd);
	memfs_src_put(ld->src);
	memfs_src_put(ld->sp.src);
	memfs_free(ld->fs);
	free(ld->in.block);
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
	struct loader ld = { 0 };
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
	if (!rc)
		rc = input_open(&ld, path);
	if (!rc)
		rc = archive_setup(&ld);
	if (!rc)
		rc = load_entries(&ld);
	if (!rc && !ld.in.nread)
		rc = err_set(e, -EINVAL, "empty layer");
	if (!rc)
		rc = whiteouts_resolve(&ld);
	if (!rc && ld.sp.src && !(rc = spool_flush(&ld)))
		ld.sp.src->size = ld.sp.size;
	if (!rc) {
		*out = ld.fs;
		ld.fs = NULL;
	} else {
		err_file(e, "layer", path);
	}
	loader_release(&ld);
	if (utf8) {
		uselocale(old);
		freelocale(utf8);
	}
	return rc;
}
