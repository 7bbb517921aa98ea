/*
 * archive: images held in one tar, read in place and written around their
 * blobs: docker-archive (docker.c) and oci-archive (oci.c).
 *
 * In, the tar is scanned once for its member list (libarchive, skipping
 * content by lseek); members are then read by pread, and layers are
 * windows of the archive that tarin reads in place.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/input.h"
#include "base/io.h"
#include "image/image_impl.h"
#include "layers/memfs.h"
#include "layers/tarout.h"

struct image_archive {
	int fd;
	unsigned char buf[1 << 16];
	struct image_member *m;	/* sorted by name, then seq, once scanned */
	size_t n, cap;
};

static la_ssize_t scan_read(struct archive *a, void *cd, const void **buf)
{
	struct image_archive *s = cd;
	ssize_t n;

	do
		n = read(s->fd, s->buf, sizeof(s->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		archive_set_error(a, errno, "read error");
	*buf = s->buf;
	return n;
}

static la_int64_t scan_skip(struct archive *a, void *cd, la_int64_t req)
{
	struct image_archive *s = cd;

	return lseek(s->fd, req, SEEK_CUR) < 0 ? 0 : req;
}

/* Member names as tar writers spell them: no "./" in front. */
static const char *clean(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	return name;
}

static int scan_add(struct image_archive *s, struct archive *a,
		    struct archive_entry *ae)
{
	const char *link = archive_entry_symlink(ae);
	struct image_member *m = s->m;

	if (s->n == s->cap) {	/* doubling: 200,000 members copy no more */
		size_t cap = s->cap ? 2 * s->cap : 64;

		if (!(m = realloc(s->m, cap * sizeof(*m))))
			return -ENOMEM;
		s->m = m;
		s->cap = cap;
	}
	m = s->m + s->n;
	m->seq = s->n;
	m->name = strdup(clean(archive_entry_pathname(ae)));
	m->link = link ? strdup(link) : NULL;
	m->off = (uint64_t)archive_filter_bytes(a, 0);
	m->size = (uint64_t)archive_entry_size(ae);
	if (!m->name || (link && !m->link)) {
		free(m->name);
		free(m->link);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

static int scan(struct image_archive *s, const char *what, struct err *e)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int r, rc = 0;

	if (!a)
		return -ENOMEM;
	archive_read_support_format_tar(a);
	archive_read_set_read_callback(a, scan_read);
	archive_read_set_skip_callback(a, scan_skip);
	archive_read_set_callback_data(a, s);
	if (archive_read_open1(a) != ARCHIVE_OK) {
		rc = err_set(e, -EINVAL, "not a tar archive (a compressed "
			     "%s must be decompressed first)", what);
		goto out;
	}
	while (!rc && (r = archive_read_next_header(a, &ae)) != ARCHIVE_EOF) {
		if (r != ARCHIVE_OK)
			rc = err_set(e, -EIO, "%s",
				     archive_error_string(a) ?
				     archive_error_string(a) : "corrupt tar");
		else
			rc = scan_add(s, a, ae);
	}
out:
	archive_read_free(a);
	return rc;
}

/* By name, then by place: the first of a name comes first. */
static int member_cmp(const void *a, const void *b)
{
	const struct image_member *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The first member called name, as a scan in archive order finds it. */
static const struct image_member *lookup(const struct image_archive *s,
					 const char *name)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(s->m[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && !strcmp(s->m[lo].name, name) ? &s->m[lo] : NULL;
}

int image_archive_open(const char *file, const char *what,
		       struct image_archive **out, struct err *e)
{
	struct image_archive *s = calloc(1, sizeof(*s));
	struct stat st;
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->fd = input_open_regular(file, &st);	/* a fifo never blocks */
	if (s->fd < 0) {
		rc = s->fd == -EINVAL ? err_set(e, -EINVAL, "not a regular "
						"file")
		     : err_set(e, s->fd, "cannot open: %s", strerror(-s->fd));
		free(s);
		return rc;
	}
	rc = scan(s, what, e);
	/* indexed once (a lookup per layer through 200,000 members was
	 * quadratic): each lookup is a binary search */
	if (!rc && s->n)
		qsort(s->m, s->n, sizeof(*s->m), member_cmp);
	if (rc) {
		image_archive_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void image_archive_free(struct image_archive *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	for (size_t i = 0; i < s->n; i++) {
		free(s->m[i].name);
		free(s->m[i].link);
	}
	free(s->m);
	free(s);
}

int image_archive_fd(const struct image_archive *s)
{
	return s->fd;
}

/*
 * The member name refers to, through at most 8 symlinks: 0 and *out (NULL
 * when there is none), or -ENOMEM. Each name a link leads to is built in
 * a string of its own length (STYLE.md: growable paths), so a long member
 * name is never cut short into the name of another.
 */
int image_archive_find(const struct image_archive *s, const char *name,
		       const struct image_member **out)
{
	char *buf = NULL, *next;
	int rc = 0;

	*out = NULL;
	for (int hops = 0; hops < 8; hops++) {
		const struct image_member *m = NULL;

		name = clean(name);
		m = lookup(s, name);
		if (!m || !m->link) {
			*out = m;
			break;
		}
		/* a link is relative to its own directory: "ID/layer.tar ->
		 * ../HEX.tar" as docker save writes it */
		const char *slash = strrchr(m->name, '/');
		const char *t = m->link;
		size_t dl = slash ? (size_t)(slash - m->name) : 0;

		while (!strncmp(t, "../", 3) && dl) {
			t += 3;
			while (dl && m->name[dl - 1] != '/')
				dl--;
			if (dl)
				dl--;
		}
		if (t[0] == '/' || !strncmp(t, "../", 3))
			break;
		if (asprintf(&next, "%.*s%s%s", (int)dl, m->name,
			     dl ? "/" : "", t) < 0) {
			rc = -ENOMEM;
			break;
		}
		free(buf);
		name = buf = next;
	}
	free(buf);
	return rc;
}

int image_archive_read(const struct image_archive *s,
		       const struct image_member *m, char **out, struct err *e)
{
	char *buf;

	if (m->size > IMAGE_JSON_MAX)
		return err_set(e, -EFBIG, "member '%s' is too large", m->name);
	buf = malloc(m->size + 1);
	if (!buf)
		return -ENOMEM;
	if (io_pread_all(s->fd, buf, m->size, m->off)) {
		free(buf);
		return err_set(e, -EIO, "cannot read member '%s'", m->name);
	}
	buf[m->size] = 0;
	*out = buf;
	return 0;
}

/* --- out -------------------------------------------------------------- */

int image_archive_put(struct tarout *t, const char *name, const char *path,
		      uint64_t off, uint64_t len, const void *mem,
		      struct timespec mtime, struct err *e)
{
	struct entry ent = {
		.type = ENTRY_FILE, .path = name, .pathlen = strlen(name),
		.mode = 0644, .mtime = mtime,
	};
	struct memfs_src *src;
	struct memfs_data *d;
	int fd, rc;

	if (mem) {
		src = memfs_src_mem(mem, (size_t)len);
	} else {
		struct stat st;

		fd = input_open_regular(path, &st);	/* never blocks */
		if (fd < 0)
			return err_set(e, fd, "cannot open '%s': %s", path,
				       fd == -EINVAL ? "not a regular file"
				       : strerror(-fd));
		src = memfs_src_fd(fd, off + len);
	}
	d = src ? memfs_data_new(len, 1) : NULL;
	if (!d) {
		memfs_src_put(src);
		return -ENOMEM;
	}
	memfs_data_push(d, 0, len, src, off);
	memfs_src_put(src);
	ent.data = d;
	rc = tarout_write(t, &ent, e);
	memfs_data_put(d);
	return rc;
}
